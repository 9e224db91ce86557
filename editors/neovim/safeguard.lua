-- safeguard without plugins (Neovim 0.8+): put this in your init.lua.
-- Starts `safeguard server` for Terraform and mail-server configurations.
vim.api.nvim_create_autocmd("FileType", {
  pattern = { "terraform", "hcl", "tf", "pfmain", "dovecot", "conf", "json", "ps1" },
  callback = function(args)
    local root = vim.fs.dirname(vim.fs.find({ "safeguard.toml", ".git" }, {
      upward = true,
      path = vim.api.nvim_buf_get_name(args.buf),
    })[1]) or vim.fn.getcwd()
    vim.lsp.start({
      name = "safeguard",
      cmd = { "safeguard", "server" },
      root_dir = root,
      init_options = { debounceMs = 0 },
    })
  end,
})
