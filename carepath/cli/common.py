"""What every command shares: loading a guideline and reporting problems.

`load_guideline` accepts a `.cpath` source or a compiled graph `.json` and either
returns the graph or prints the diagnostics and exits: 1 when the guideline has
errors, 2 when the file cannot be read or is not a guideline at all. Commands
never let an exception escape as a traceback.
"""

from __future__ import annotations

import sys

import click

from compiler import ir
from compiler.codes import CODES
from carepath.diagnostics import CompileError
from compiler.report import render, summary
from compiler.terminal import escape_controls

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
# an unreadable file or a bad graph JSON (CP07xx): input errors, not findings
INPUT_CODES = {"CP0004", *(code for code in CODES if code.startswith(("CP06", "CP07", "CP09")))}


LOGIC_CODES = ("CP04", "CP05")


def load_guideline(path: str, style: str = "human") -> ir.Graph:
    """The graph compiled from (or loaded from) `path`, or exit with its diagnostics.

    A guideline whose only errors are logic findings (CP04xx, CP05xx) still loads,
    with the findings printed as a warning: that is how a counterexample patient
    written by `check --counterexamples` is replayed with `run` or `render --facts`.
    """
    from carepath.api import check_file

    try:
        if str(path).endswith(".json"):
            from targets.json.load import load_graph_file

            return load_graph_file(path)
        checked = check_file(path)
        errors = [d for d in checked.diagnostics if d.is_error]
        if errors and all(d.code.startswith(LOGIC_CODES) for d in errors):
            unverified = check_file(path, verify_logic=False).raise_on_errors()
            codes = ", ".join(sorted({d.code for d in errors}))
            click.echo(
                f"warning: {path} fails verification ({len(errors)} finding(s): {codes}); "
                "running it anyway, as for replaying a counterexample. `carepath check` shows them.",
                err=True,
            )
            return unverified
        return checked.raise_on_errors()
    except CompileError as error:
        report_and_exit(error, style)


def report(error: CompileError, style: str = "human", consequence: str | None = None) -> None:
    """Every diagnostic of `error`, by the one renderer: JSON on stdout, text on stderr."""
    if style == "json":
        click.echo(render(error.diagnostics, error.sources, "json"), nl=False)
        return
    click.echo(render(error.diagnostics, error.sources, style), nl=False, err=True)
    click.echo(summary(error.diagnostics) + (f"; {consequence}" if consequence else ""), err=True)


def exit_code(error: CompileError) -> int:
    """2 for input errors (an unreadable file, a bad graph JSON, bad facts), 1 for findings."""
    if any(d.code in INPUT_CODES for d in error.diagnostics):
        return EXIT_INPUT
    return EXIT_FINDINGS if any(d.is_error for d in error.diagnostics) else EXIT_OK


def report_and_exit(error: CompileError, style: str = "human", consequence: str | None = None):
    report(error, style, consequence)
    sys.exit(exit_code(error))


def fail_input(message: str) -> None:
    """Print a one-line input error and exit 2."""
    click.echo(f"error: {escape_controls(message)}", err=True)
    sys.exit(EXIT_INPUT)
