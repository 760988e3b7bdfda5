"""The `carepath` command line: one click group, one module per command.

Exit codes are the contract CI relies on: 0 ok, 1 findings or failed tests,
2 bad usage or bad input (an unreadable file, a malformed facts file or graph).
Each command module imports its heavy dependencies inside the command, so that
`carepath --help` and `carepath check` start fast.
"""

from __future__ import annotations

import os
import sys

import click

from carepath import __version__

EXIT_INTERNAL = 3


class _Guarded(click.Group):
    """A group that turns an unexpected exception into one line, never a traceback.

    Every expected problem (a bad guideline, facts file or graph) is handled by
    the commands with exit 1 or 2. Anything else is a bug in carepath: say so
    plainly, exit 3, and show the traceback only when CAREPATH_DEBUG is set.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            sys.exit(130)
        except Exception as error:  # noqa: BLE001 - the last line of defence
            if os.environ.get("CAREPATH_DEBUG"):
                raise
            detail = str(error)
            detail = detail if len(detail) <= 200 else detail[:200] + "…"
            click.echo(
                f"carepath: internal error: {type(error).__name__}: {detail}\n"
                "this is a bug in carepath, not in your guideline; "
                "rerun with CAREPATH_DEBUG=1 for the traceback and report it",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="carepath")
def main() -> None:
    """Write clinical guidelines as code; check, run, render and export them."""


def _register() -> None:
    from carepath.cli.check import check, explain
    from carepath.cli.diff import diff
    from carepath.cli.export import export
    from carepath.cli.fmt import fmt
    from carepath.cli.lsp import lsp
    from carepath.cli.render import render
    from carepath.cli.review import review
    from carepath.cli.run import run
    from carepath.cli.test import test

    for command in (check, diff, explain, export, fmt, lsp, render, review, run, test):
        main.add_command(command)


_register()
