-- Neovim (0.7+) as the LSP client of `planton lsp`: opens a manifest, waits
-- for the diagnostics, asks for completion, hover and a quick fix, edits
-- the buffer as a user would and waits for the new diagnostics, then
-- writes all it saw to $PLANTON_LSP_OUT as JSON and quits.
--
-- Environment: PLANTON_BIN (the planton binary), PLANTON_LSP_FILE (the
-- manifest), PLANTON_LSP_OUT (the JSON file written).
local out_path = assert(vim.env.PLANTON_LSP_OUT, 'PLANTON_LSP_OUT')
local result = { events = {} }

local function finish()
  local f = assert(io.open(out_path, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qa!')
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.PLANTON_LSP_FILE))
  local bufnr = vim.api.nvim_get_current_buf()
  local published = {}
  local id = vim.lsp.start_client({
    name = 'planton',
    cmd = { vim.env.PLANTON_BIN, 'lsp' },
    root_dir = vim.fn.getcwd(),
    flags = { debounce_text_changes = 0 },
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, params, ctx, config)
        table.insert(published, params)
        vim.lsp.diagnostic.on_publish_diagnostics(err, params, ctx, config)
      end,
    },
  })
  assert(id, 'the client did not start')
  assert(vim.lsp.buf_attach_client(bufnr, id), 'attach failed')
  local function wait_diagnostics(n, what)
    assert(vim.wait(20000, function() return #published >= n end, 10), 'no diagnostics ' .. what)
    return published[n].diagnostics
  end
  local client = vim.lsp.get_client_by_id(id)
  local uri = vim.uri_from_bufnr(bufnr)

  -- 1. The manifest as opened: rule violations.
  result.opened = wait_diagnostics(1, 'on open')

  -- 2. Completion on a new line under spec:, after the buffer changed.
  local last = vim.api.nvim_buf_line_count(bufnr)
  vim.api.nvim_buf_set_lines(bufnr, last, last, false, { '  ' })
  wait_diagnostics(2, 'after adding a line')
  local c = client.request_sync('textDocument/completion',
    { textDocument = { uri = uri }, position = { line = last, character = 2 } }, 10000, bufnr)
  result.completion = c and c.result
  local h = client.request_sync('textDocument/hover',
    { textDocument = { uri = uri }, position = { line = 7, character = 4 } }, 10000, bufnr)
  result.hover = h and h.result

  -- 3. A typo typed on that line: a load error with a quick fix.
  vim.api.nvim_buf_set_lines(bufnr, last, last + 1, false, { '  backofLimit: 3' })
  result.typo = wait_diagnostics(3, 'after the typo')
  local a = client.request_sync('textDocument/codeAction', {
    textDocument = { uri = uri },
    range = result.typo[1].range,
    context = { diagnostics = result.typo },
  }, 10000, bufnr)
  result.actions = a and a.result

  -- 4. The quick fix applied: the violations of step 1 again.
  vim.lsp.util.apply_workspace_edit(result.actions[1].edit, 'utf-16')
  result.fixed = wait_diagnostics(4, 'after the fix')
  result.fixed_line = vim.api.nvim_buf_get_lines(bufnr, last, last + 1, false)[1]
  client.stop()
end)
if not ok then
  result.error = tostring(err)
end
finish()
