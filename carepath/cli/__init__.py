"""The `carepath` command line: one click group, one module per command.

Exit codes are the contract CI relies on: 0 ok, 1 findings or failed tests,
2 bad usage or bad input (an unreadable file, a malformed facts file or graph).
Each command module imports its heavy dependencies inside the command, so that
`carepath --help` and `carepath check` start fast.
"""

from __future__ import annotations

import click

from carepath import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="carepath")
def main() -> None:
    """Write clinical guidelines as code; check, run, render and export them."""


def _register() -> None:
    from carepath.cli.check import check, explain
    from carepath.cli.export import export
    from carepath.cli.render import render

    for command in (check, explain, export, render):
        main.add_command(command)


_register()
