"""`carepath check FILE...` and `carepath explain CODE`.

`check` parses, type-checks, lowers and verifies each file and prints every
diagnostic; it exits 0 when all files are clean (warnings allowed), 1 when any
file has errors, 2 when a file cannot be read. A FILE may be a `.cpath` source, a
compiled graph `.json` (loaded and verified again), a directory (its `.cpath`
files, sorted) or `-` (a source on standard input, named `<stdin>`).
"""

from __future__ import annotations

import sys

import click

from carepath.cli.common import output_options
from carepath.compiler import exact_json

STYLES = ("human", "short", "json", "sarif")


@click.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "style", type=click.Choice(STYLES), default="human", show_default=True,
              help="human: source lines with carets; short: file:line:col lines; json: a list of objects; "
                   "sarif: a SARIF 2.1.0 log for code scanning.")
@click.option("--counterexamples", "counterexample_dir", type=click.Path(file_okay=False), default=None,
              help="Write each logic finding's counterexample patient as a facts file into this directory.")
@output_options
def check(files: tuple[str, ...], style: str, counterexample_dir: str | None) -> None:
    """Check guideline files: syntax, names, types and units, structure and logic."""
    from carepath.cli.common import EXIT_OK, check_guideline, exit_code, expand_paths, report, say, shown_name
    from carepath.diagnostics import CompileError
    from carepath.compiler.report import as_json

    worst, collected, per_file = EXIT_OK, [], []
    for file in expand_paths(files):
        checked = check_guideline(file, advice=True)
        graph = checked.graph
        per_file.append((shown_name(file), checked.diagnostics))
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
                collected += [_with_file(as_json(d), shown_name(file)) for d in error.diagnostics]
            elif style in ("human", "short"):
                report(error, style)
        if graph is not None and style in ("human", "short"):
            say(f"{shown_name(file)}: ok ({_describe(graph)})")
    if style == "json":
        click.echo(exact_json.dumps(collected, indent=2, ensure_ascii=False))
    elif style == "sarif":
        from carepath.sarif import sarif_log

        click.echo(exact_json.dumps(sarif_log(per_file), indent=2, ensure_ascii=False))
    sys.exit(worst)


def _with_file(entry: dict, file: str) -> dict:
    """A diagnostic without a place (an unreadable file) still names the file it is about."""
    if entry["file"] is None:
        entry["file"] = file
    return entry


def _describe(graph) -> str:
    nodes = len(graph.nodes) - 1  # `start` is not the author's
    counts = [(nodes, "node"), (len(graph.edges), "edge"), (len(graph.assertions), "assertion"),
              (len(graph.scenarios), "scenario")]
    return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts if n or word in ("node", "edge"))


@click.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain a diagnostic code, e.g. `carepath explain CP0101`."""
    from carepath.cli.common import fail_input
    from carepath.error_pages import error_page
    from carepath.compiler.codes import CODES

    code = code.upper()
    if code not in CODES:
        fail_input(f"unknown code `{code}`; codes look like CP0101 (see docs/errors/)")
    page = error_page(code)
    click.echo(page if page is not None else f"{code}: {CODES[code]}", nl=page is None)
