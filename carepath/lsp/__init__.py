"""The carepath language server (LSP): diagnostics, hover, navigation, rename, completion,
formatting and scenario code lenses for `.cpath` files, served by `carepath lsp`.

`server.py` wires the LSP requests; `index.py` finds every declaration and use of a
name; `describe.py` writes hover text; `completion.py` reads what may come next;
`checking.py` runs `carepath check` in a worker process that a newer edit cancels.
"""
