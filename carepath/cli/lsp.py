"""`carepath lsp`: the language server for editors, on stdin/stdout.

Editors start it themselves (docs/editors.md says how); a person has no reason to
run it by hand. `--stdio` is accepted because LSP clients (VS Code's among them)
pass it to say which transport they want; stdio is the only one.
"""

from __future__ import annotations

import click


@click.command()
@click.option("--stdio", is_flag=True, help="Talk LSP over stdin/stdout (the default and only transport).")
def lsp(stdio: bool) -> None:
    """Start the language server on stdin/stdout (editors run this)."""
    from carepath.lsp.server import serve

    serve()
