-- safeguard with nvim-lspconfig: put this in your init.lua.
local configs = require("lspconfig.configs")
local util = require("lspconfig.util")
if not configs.safeguard then
  configs.safeguard = {
    default_config = {
      cmd = { "safeguard", "server" },
      filetypes = { "terraform", "hcl", "tf", "pfmain", "dovecot", "conf", "json", "ps1" },
      root_dir = util.root_pattern("safeguard.toml", ".git"),
      init_options = { debounceMs = 0 },
    },
  }
end
require("lspconfig").safeguard.setup({})
