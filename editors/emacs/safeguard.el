;;; safeguard.el --- safeguard's language server with eglot  -*- lexical-binding: t; -*-
;; Put this in your init file (Emacs 29+ ships eglot).
(require 'eglot)
(add-to-list 'eglot-server-programs
             '((terraform-mode hcl-mode conf-mode conf-unix-mode) . ("safeguard" "server")))
;; Start it automatically in Terraform buffers and mail configurations.
(add-hook 'terraform-mode-hook #'eglot-ensure)
(add-hook 'hcl-mode-hook #'eglot-ensure)
(add-to-list 'auto-mode-alist '("/\\(main\\|master\\)\\.cf\\'" . conf-unix-mode))
(add-to-list 'auto-mode-alist '("/dovecot\\.conf\\'" . conf-unix-mode))
;;; safeguard.el ends here
