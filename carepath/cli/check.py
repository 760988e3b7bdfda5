"""`carepath check FILE...` and `carepath explain CODE`.

`check` parses, type-checks, lowers and verifies each file and prints every
diagnostic; it exits 0 when all files are clean (warnings allowed), 1 when any
file has errors, 2 when a file cannot be read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from compiler import exact_json

STYLES = ("human", "short", "json")


@click.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "style", type=click.Choice(STYLES), default="human", show_default=True,
              help="human: source lines with carets; short: file:line:col lines; json: a list of objects.")
@click.option("--counterexamples", "counterexample_dir", type=click.Path(file_okay=False), default=None,
              help="Write each logic finding's counterexample patient as a facts file into this directory.")
def check(files: tuple[str, ...], style: str, counterexample_dir: str | None) -> None:
    """Check guideline files: syntax, names, types and units, structure and logic."""
    
    from carepath.api import check_file
    from carepath.cli.common import EXIT_OK, exit_code, report
    from carepath.diagnostics import CompileError
    from compiler.report import as_json

    worst, collected = EXIT_OK, []
    for file in files:
        checked = check_file(file, advice=True)
        graph = checked.graph
        if checked.diagnostics:
            error = CompileError(checked.diagnostics, checked.sources)
            worst = max(worst, exit_code(error))
            if counterexample_dir is not None:
                from carepath.cli.common import fail_input
                from carepath.files import write_counterexamples

                try:
                    for written in write_counterexamples(error.diagnostics, counterexample_dir, inputs=files):
                        click.echo(f"counterexample: {written}", err=True)
                except OSError as failure:
                    fail_input(f"cannot write counterexamples into `{counterexample_dir}`: "
                               f"{failure.strerror or failure}")
            if style == "json":
                collected += [as_json(d) for d in error.diagnostics]
            else:
                report(error, style)
        if graph is not None and style != "json":
            click.echo(f"{file}: ok ({_describe(graph)})")
    if style == "json":
        click.echo(exact_json.dumps(collected, indent=2, ensure_ascii=False))
    sys.exit(worst)


def _describe(graph) -> str:
    nodes = len(graph.nodes) - 1  # `start` is not the author's
    counts = [(nodes, "node"), (len(graph.edges), "edge"), (len(graph.assertions), "assertion"),
              (len(graph.scenarios), "scenario")]
    return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts if n or word in ("node", "edge"))


ERROR_PAGES = Path(__file__).resolve().parents[2] / "docs" / "errors"


@click.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain a diagnostic code, e.g. `carepath explain CP0101`."""
    from carepath.cli.common import fail_input
    from compiler.codes import CODES

    code = code.upper()
    if code not in CODES:
        fail_input(f"unknown code `{code}`; codes look like CP0101 (see docs/errors/)")
    page = ERROR_PAGES / f"{code}.md"
    if page.exists():
        click.echo(page.read_text(encoding="utf-8"), nl=False)
    else:
        click.echo(f"{code}: {CODES[code]}")
