"""`carepath render`: a guideline (`.cpath` or graph `.json`) → a flowchart file.

The format comes from OUT's suffix (`.svg .png .pdf .dot .mmd`) unless `--format`
says otherwise. `--facts F` runs the guideline on a patient's facts and draws that
patient's path; `--section ID` draws one section with its neighbours. The chart
is written to a temporary file beside OUT and renamed over it, so a failed render
never leaves half a file. Usage problems (an unknown suffix, no `dot` program, an
unknown section) exit 2 with one line each.
"""

from __future__ import annotations

from pathlib import Path

import click

from carepath.files import write_atomically
from carepath.flowchart import FORMATS


@click.command()
@click.argument("guideline", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file; its suffix picks the format.")
@click.option("--format", "format_", type=click.Choice(FORMATS),
              help="Output format, when OUT's suffix does not say it.")
@click.option("--facts", "facts_path", type=click.Path(dir_okay=False),
              help="A patient's facts (JSON, as for `carepath run`): draw that patient's path.")
@click.option("--section", help="Draw only this section (by id), with the steps around it.")
def render(
    guideline: str, output: str, format_: str | None, facts_path: str | None, section: str | None
) -> None:
    """Draw GUIDELINE as a flowchart (SVG, PNG, PDF, DOT or Mermaid)."""
    from carepath.cli.common import fail_input, load_guideline, report_and_exit

    fmt = format_ or _format_from_suffix(output)
    if fmt is None:
        suffix = Path(output).suffix or "(none)"
        fail_input(
            f"cannot tell the format of `{output}` from its suffix {suffix}: use one of "
            + ", ".join("." + f for f in FORMATS)
            + " or --format"
        )
    graph = load_guideline(guideline)
    facts = _read_facts(graph, facts_path) if facts_path else None

    from carepath.flowchart import render_flowchart
    from targets.graphviz import RenderError
    from targets.mermaid import MermaidError

    try:
        data = render_flowchart(graph, fmt, facts, section)
    except (RenderError, MermaidError) as error:
        report_and_exit(error)
    try:
        write_atomically(Path(output), data, inputs=[guideline, *([facts_path] if facts_path else [])])
    except OSError as error:
        fail_input(f"cannot write `{output}`: {error.strerror or error}")
    click.echo(f"wrote {output} ({fmt}, {len(graph.nodes)} steps)", err=True)


def _format_from_suffix(output: str) -> str | None:
    suffix = Path(output).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def _read_facts(graph, facts_path: str):
    """The checked facts of FACTS_PATH, or exit 2 listing every problem (as `carepath run`)."""
    from carepath.cli.common import EXIT_INPUT, fail_input
    from targets.runtime.facts import FactsError, read_facts_text

    try:
        from compiler.reading import FACTS_LIMIT, read_text

        text = read_text(facts_path, FACTS_LIMIT)
    except (OSError, UnicodeDecodeError) as error:
        fail_input(f"cannot read `{facts_path}`: {getattr(error, 'strerror', None) or error}")
    try:
        return read_facts_text(graph, text, "$")
    except FactsError as error:
        for problem in error.problems:
            click.echo(f"{facts_path}: {problem}", err=True)
        count = len(error.problems)
        click.echo(f"{facts_path}: {count} problem{'s' if count != 1 else ''}; nothing was drawn", err=True)
        raise SystemExit(EXIT_INPUT) from None
