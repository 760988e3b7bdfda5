"""`carepath render`: a guideline (`.cpath` or graph `.json`) → a flowchart file.

The format comes from OUT's suffix (`.svg .png .pdf .dot .mmd`) unless `--format`
says otherwise. `--facts F` runs the guideline on a patient's facts and draws that
patient's path; `--section ID` draws one section with its neighbours. The chart
is written to a temporary file beside OUT and renamed over it, so a failed render
never leaves half a file. Usage problems (an unknown suffix, no `dot` program, an
unknown section) exit 2 with one line each.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

FORMATS = ("svg", "png", "pdf", "dot", "mmd")


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
    from carepath.cli.common import fail_input, load_guideline

    fmt = format_ or _format_from_suffix(output)
    if fmt is None:
        suffix = Path(output).suffix or "(none)"
        fail_input(
            f"cannot tell the format of `{output}` from its suffix {suffix}: use one of "
            + ", ".join("." + f for f in FORMATS)
            + " or --format"
        )
    graph = load_guideline(guideline)
    highlight = _patient_path(graph, facts_path) if facts_path else None

    from targets.graphviz import RenderError
    from targets.graphviz import render as render_graphviz
    from targets.mermaid import MermaidError, to_mermaid

    try:
        if fmt == "mmd":
            data = to_mermaid(graph, highlight, section).encode("utf-8")
        else:
            data = render_graphviz(graph, fmt, highlight, section)
    except (RenderError, MermaidError) as error:
        fail_input("\n       ".join(error.problems))
    try:
        _write_atomically(Path(output), data)
    except OSError as error:
        fail_input(f"cannot write `{output}`: {error.strerror or error}")
    click.echo(f"wrote {output} ({fmt}, {len(graph.nodes)} steps)", err=True)


def _format_from_suffix(output: str) -> str | None:
    suffix = Path(output).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def _patient_path(graph, facts_path: str):
    """Run the guideline on the facts file; the run's path as a `Highlight`.

    The taken edges come from the run's trace (which branches each decision fired),
    so an arrow between two steps on the path is drawn bold only if it was taken.
    """
    from carepath.cli.common import EXIT_INPUT
    from targets.flowchart import Highlight
    from targets.runtime.execute import execute
    from targets.runtime.facts import FactsError, read_facts_text

    try:
        text = Path(facts_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        from carepath.cli.common import fail_input

        fail_input(f"cannot read `{facts_path}`: {getattr(error, 'strerror', None) or error}")
    try:
        facts = read_facts_text(graph, text, "$")
    except FactsError as error:
        for problem in error.problems:
            click.echo(f"{facts_path}: {problem}", err=True)
        count = len(error.problems)
        click.echo(f"{facts_path}: {count} problem{'s' if count != 1 else ''}; nothing was drawn", err=True)
        raise SystemExit(EXIT_INPUT) from None
    result = execute(graph, facts.values)
    fired = {decision.decision: decision.fired for decision in result.trace}
    pending = {decision.decision: decision.needs for decision in result.trace if decision.pending}
    return Highlight.from_path(graph, result.path, fired_branches=fired, pending=pending)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file in `path`'s folder, then rename it over `path`."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        # mkstemp makes the file private (0600); a chart is published, so give it the
        # mode any new file gets here.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
