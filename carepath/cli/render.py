"""`carepath render`: a guideline (`.cpath` or graph `.json`) → a flowchart file.

The format comes from OUT's suffix (`.svg .png .pdf .dot .mmd`) unless `--format`
says otherwise. `--facts F` runs the guideline on a patient's facts and draws that
patient's path; `--section ID` draws one section with its neighbours. A PDF is a
booklet for print: an overview page, then a page per section, on `--paper a4|letter`. The chart
is written to a temporary file beside OUT and renamed over it, so a failed render
never leaves half a file.

Problems are diagnostics like every other command's: an unknown suffix (CP0901), an
output path no chart may be written to (CP0904: a directory, a device, a missing
directory, one of the input files), the guideline's errors and the facts' problems are
all reported at once before anything is drawn; then a chart that cannot be drawn (no
`dot`, an unknown section). `--error-format json` prints them as one JSON list on
standard output, as `--format json` does for the other commands (render's `--format`
is the chart's). Exit 2 for input and usage problems, 1 for a guideline with errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from carepath.cli.common import allow_unverified_option
from carepath.diagnostics import CompileError, Diagnostic, file_span
from carepath.files import output_target, write_atomically
from carepath.flowchart import FORMATS


@click.command()
@click.argument("guideline")  # paths are checked by the command, so that every problem is one diagnostic
@click.option("-o", "--output", required=True,
              help="Output file; its suffix picks the format.")
@click.option("--format", "format_", type=click.Choice(FORMATS),
              help="Output format, when OUT's suffix does not say it.")
@click.option("--facts", "facts_path",
              help="A patient's facts (JSON, as for `carepath run`): draw that patient's path.")
@click.option("--section", help="Draw only this section (by id), with the steps around it.")
@allow_unverified_option
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True,
              help="Sheet size of a PDF (an overview page, then one page per section).")
@click.option("--error-format", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="How problems are reported: text on standard error, or json: one list of diagnostics "
                   "on standard output (what other commands print with --format json).")
def render(
    guideline: str, output: str, format_: str | None, facts_path: str | None, section: str | None,
    allow_unverified: bool, paper: str, error_format: str,
) -> None:
    """Draw GUIDELINE as a flowchart (SVG, PNG, PDF, DOT or Mermaid)."""
    from carepath.cli.common import compile_guideline, exit_code, report, report_and_exit, report_refusal

    style = "json" if error_format == "json" else "human"
    inputs = [guideline, *([facts_path] if facts_path else [])]
    fmt = format_ or _format_from_suffix(output)
    problems = _output_problems(output, fmt, inputs)
    sources: dict[str, str] = {}
    graph = refused = None
    try:
        graph = compile_guideline(guideline, allow_unverified=allow_unverified)
    except CompileError as error:
        refused, sources = error, error.sources
        problems += error.diagnostics
    facts = None
    if graph is not None and facts_path:
        try:
            facts = _read_facts(graph, facts_path)
        except CompileError as error:
            problems += error.diagnostics
    if problems:  # every problem of the command line at once, then nothing is drawn
        everything = CompileError(problems, sources)
        if refused is not None:
            report_refusal(guideline, everything, style)  # says how to replay a logic finding
        else:
            report(everything, style, "nothing was drawn")
        sys.exit(exit_code(everything))

    from carepath.flowchart import render_flowchart
    from carepath.targets.graphviz import RenderError
    from carepath.targets.mermaid import MermaidError

    try:
        data = render_flowchart(graph, fmt, facts, section, paper)
    except (RenderError, MermaidError) as error:
        report_and_exit(error, style, "nothing was drawn")
    try:
        write_atomically(Path(output), data, inputs=inputs)
    except OSError as error:
        report_and_exit(CompileError([_cannot_write(output, error)]), style, "nothing was drawn")
    click.echo(f"wrote {output} ({fmt}, {len(graph.nodes)} steps)", err=True)


def _output_problems(output: str, fmt: str | None, inputs: list[str]) -> list[Diagnostic]:
    """What is wrong with `-o OUTPUT` before anything is drawn: an unknown format, a path no chart may be written to."""
    problems = []
    if fmt is None:
        suffix = Path(output).suffix or "(none)"
        problems.append(Diagnostic(
            "CP0901", f"cannot tell the format of `{output}` from its suffix {suffix}",
            file_span(output), hint="use one of " + ", ".join("." + f for f in FORMATS) + " or --format"))
    try:
        target = output_target(output, inputs)
    except OSError as error:
        problems.append(_cannot_write(output, error))
    else:
        if not target.parent.is_dir():
            problems.append(Diagnostic("CP0904", f"cannot write `{output}`: its directory does not exist",
                                       file_span(output), hint="create the directory first, or write elsewhere"))
    return problems


def _cannot_write(output: str, error: OSError) -> Diagnostic:
    return Diagnostic("CP0904", f"cannot write `{output}`: {error.strerror or error}", file_span(output))


def _format_from_suffix(output: str) -> str | None:
    suffix = Path(output).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def _read_facts(graph, facts_path: str):
    """The checked facts of FACTS_PATH; raises `CompileError` with every problem (as `carepath run` lists them)."""
    from carepath.compiler.reading import FACTS_LIMIT, read_text
    from carepath.targets.runtime.facts import FactsError, read_facts_text

    try:
        text = read_text(facts_path, FACTS_LIMIT)
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise CompileError([Diagnostic("CP0601", f"cannot read `{facts_path}`: {reason}", file_span(facts_path))]) \
            from None
    try:
        return read_facts_text(graph, text, "$")
    except FactsError as error:
        raise error.in_file(facts_path) from None
