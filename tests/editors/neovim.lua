-- Headless Neovim end-to-end test (driven by tests/neovim.rs).
-- Opens main.tf with `safeguard server` as its language server, records
-- vim.diagnostic.get(), applies the quick fix of aws-kms-key-rotation and
-- records the diagnostics again. Writes JSON to $SAFEGUARD_NVIM_OUT.
-- Uses only APIs present since Neovim 0.7 (Debian 12 ships 0.7.2).
local out = os.getenv("SAFEGUARD_NVIM_OUT")
local bin = os.getenv("SAFEGUARD_BIN")
local result = { steps = {} }

local function finish(err)
  result.error = err
  vim.fn.writefile({ vim.fn.json_encode(result) }, out)
  vim.cmd("qall!")
end

local function codes()
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    table.insert(list, { code = code, lnum = d.lnum, col = d.col })
  end
  table.sort(list, function(a, b) return a.lnum < b.lnum end)
  return list
end

local ok, err = pcall(function()
  vim.cmd("edit main.tf")
  local buf = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "safeguard",
    cmd = { bin, "server" },
    root_dir = vim.fn.getcwd(),
  })
  assert(client_id, "the server did not start")
  vim.lsp.buf_attach_client(buf, client_id)

  assert(vim.wait(20000, function() return #vim.diagnostic.get(buf) >= 2 end, 50),
    "no diagnostics within 20 s")
  result.before = codes()

  -- The code actions on the line of the KMS finding.
  local target
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    if code == "aws-kms-key-rotation" then target = d end
  end
  assert(target, "no aws-kms-key-rotation diagnostic")
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = {
      start = { line = target.lnum, character = target.col },
      ["end"] = { line = target.lnum, character = target.col },
    },
    context = { diagnostics = {} },
  }
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 10000)
  assert(responses, "no code action response")
  local fix
  for _, response in pairs(responses) do
    for _, action in ipairs(response.result or {}) do
      table.insert(result.steps, action.title)
      if not fix and action.edit and action.title:match("^Fix aws%-kms%-key%-rotation") then
        fix = action
      end
    end
  end
  assert(fix, "no fix action")
  local client = vim.lsp.get_client_by_id(client_id)
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding or "utf-16")
  result.fixed_line = vim.api.nvim_buf_get_lines(buf, target.lnum, target.lnum + 1, false)[1]

  assert(vim.wait(20000, function()
    for _, d in ipairs(codes()) do
      if d.code == "aws-kms-key-rotation" then return false end
    end
    return true
  end, 50), "the diagnostic did not go away")
  result.after = codes()
end)

finish(ok and vim.NIL or tostring(err))
