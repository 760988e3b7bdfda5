"""`carepath export`: a guideline (`.cpath` or graph `.json`) → a file other tools read.

Formats: the graph JSON (`carepath.graph/2`, docs/graph-json.md); `html`, the interactive
viewer page (docs/viewer.md); `fhir`, a FHIR R4 Bundle with a PlanDefinition and the
Library carrying its ELM; `elm`, the CQL ELM JSON library (both in docs/interop.md);
`sql`, one SQL query over a facts table (`--dialect duckdb|spark`, docs/scale.md).
The output is written to a temporary file beside OUT and renamed over it, so a failed
export never leaves half a file behind.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from carepath.files import write_atomically

FORMATS = ("json", "html", "fhir", "elm", "sql")
SUPPORTED = FORMATS


@click.command()
@click.argument("guideline", type=click.Path(dir_okay=False))
@click.option("--format", "format_", type=click.Choice(FORMATS), default="json", show_default=True,
              help="Output format.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Output file (`-` for standard output).")
@click.option("--spans/--no-spans", default=True, show_default=True,
              help="Record source positions, so diagnostics about the graph point at the .cpath.")
@click.option("--dialect", type=click.Choice(("duckdb", "spark")), default="duckdb", show_default=True,
              help="--format sql: the SQL engine the query is written for.")
def export(guideline: str, format_: str, output: str, spans: bool, dialect: str) -> None:
    """Export GUIDELINE as a compiled graph for other runtimes, as FHIR, CQL ELM or SQL, or as an interactive page (html)."""
    from carepath.cli.common import fail_input, load_guideline, report_and_exit

    if format_ not in SUPPORTED:
        fail_input(f"export format `{format_}` is not supported yet; supported: {', '.join(SUPPORTED)}")
    graph = load_guideline(guideline, "json" if format_ == "json" else "human")
    if format_ == "html":
        from carepath.targets.html import HtmlError, to_html

        try:
            text = to_html(graph)
        except HtmlError as error:
            report_and_exit(error, "human")
    elif format_ == "fhir":
        from carepath.targets.fhir.plandefinition import export_fhir

        text = export_fhir(graph)
    elif format_ == "elm":
        import json

        from carepath.targets.elm import elm_library

        text = json.dumps(elm_library(graph), indent=2, ensure_ascii=False) + "\n"
    elif format_ == "sql":
        from carepath.targets.sql.query import DIALECTS, export_sql

        text = export_sql(graph, DIALECTS[dialect])
    else:
        from carepath.targets.json.export import export_graph

        text = export_graph(graph, spans=spans)
    if output == "-":
        sys.stdout.write(text)
        return
    try:
        write_atomically(Path(output), text, inputs=[guideline])
    except OSError as error:
        fail_input(f"cannot write `{output}`: {error.strerror or error}")
