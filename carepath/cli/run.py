"""`carepath run GUIDELINE --facts F` (one patient) and `--batch IN -o OUT` (many).

One patient: the facts file is checked against the guideline's inputs (every
problem listed with its JSON path, exit 2, nothing run), then the result is printed
as the clinician's text report or as the JSON object of the DESIGN.md contract.

Batch: IN and OUT are JSON Lines, CSV or Parquet (by extension, or
`--input-format`/`--output-format`; `-` is standard input or output for JSON Lines
and CSV). Rows stream through `targets/runtime/batch.py` in constant memory, each
result in its row's place, the `--id` field carried along. A bad row becomes an
error result naming its row number, is reported on stderr, and the rest still run;
the exit code is then 2. OUT is written to a temporary file and renamed, so it is
never half-written. `--engine duckdb` runs the SQL export of the graph inside
DuckDB instead (`targets/sql`), for large files in declared units.
"""

from __future__ import annotations

import sys

import click

@click.command()
@click.argument("guideline", type=click.Path(dir_okay=False))
@click.option("--facts", "facts_path", type=click.Path(dir_okay=False), default=None,
              help="The patient's facts: a JSON object from input name to value.")
@click.option("--batch", "batch_path", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Many patients: JSON Lines, CSV or Parquet, one patient per row (needs -o; - for stdin).")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Where --batch writes its results: JSON Lines, CSV or Parquet (- for stdout).")
@click.option("--format", "style", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="text: a report for clinicians; json: the result object.")
@click.option("--trace", is_flag=True, help="Also show every decision evaluated and each guard's value.")
@click.option("--id", "id_field", default="id", show_default=True,
              help="--batch: the field that identifies a patient, carried to its result, never an input.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="--batch: worker processes running patients.")
@click.option("--input-format", type=click.Choice(("jsonl", "csv", "parquet")), default=None,
              help="--batch: the format of IN (default: from its extension; JSON Lines for -).")
@click.option("--output-format", type=click.Choice(("jsonl", "csv", "parquet")), default=None,
              help="--batch: the format of OUT (default: from its extension; JSON Lines for -).")
@click.option("--engine", type=click.Choice(("python", "duckdb")), default="python", show_default=True,
              help="--batch: the Python runtime, or the graph's SQL run inside DuckDB.")
def run(guideline: str, facts_path: str | None, batch_path: str | None, output_path: str | None,
        style: str, trace: bool, id_field: str, jobs: int, input_format: str | None, output_format: str | None,
        engine: str) -> None:
    """Run a guideline on a patient's facts: what to do, how urgently, and why."""
    from carepath.cli.common import fail_input, load_guideline

    if (facts_path is None) == (batch_path is None):
        fail_input("give exactly one of --facts FILE (one patient) or --batch FILE -o OUT (many)")
    if batch_path is not None and output_path is None:
        fail_input("--batch needs -o OUT (a .jsonl, .csv or .parquet file, or - for standard output)")
    if facts_path is not None and output_path is not None:
        fail_input("-o is for --batch; a single run prints its result")
    if batch_path is None:
        graph = load_guideline(guideline)
        _run_one(graph, facts_path, style, trace)
        return
    from carepath.cli.batch import BatchRequest, run_batch_command

    request = BatchRequest(batch_path, output_path, _format(batch_path, input_format, "--input-format"),
                           _format(output_path, output_format, "--output-format"), id_field, jobs, trace, engine)
    graph = load_guideline(guideline)
    run_batch_command(graph, request)


def _format(path: str, given: str | None, option: str) -> str:
    from carepath.cli.common import fail_input
    from targets.runtime.batch import format_of

    if given is not None:
        chosen = given
    elif path == "-":
        chosen = "jsonl"
    else:
        chosen = format_of(path)
        if chosen is None:
            fail_input(f"cannot tell the format of `{path}` from its name: name it .jsonl, .csv or .parquet, "
                       f"or say {option} jsonl|csv|parquet")
    if path == "-" and chosen == "parquet":
        fail_input(f"Parquet cannot stream through standard {'input' if option == '--input-format' else 'output'}: "
                   "give a file")
    return chosen


def _run_one(graph, facts_path: str, style: str, trace: bool) -> None:
    import json

    from carepath.cli.common import report_and_exit
    from targets.runtime.execute import execute
    from targets.runtime.facts import FactsError, read_facts_text
    from targets.runtime.report import render_text

    try:
        facts = read_facts_text(graph, _read(facts_path), "$")
    except FactsError as error:
        report_and_exit(error.in_file(facts_path), "json" if style == "json" else "human", "nothing was run")
    result = execute(graph, facts.values)
    if style == "json":
        click.echo(json.dumps(result.to_json(trace), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(graph, result, trace), nl=False)


def _read(path: str) -> str:
    from pathlib import Path

    from carepath.cli.common import fail_input

    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail_input(f"cannot read `{path}`: {getattr(error, 'strerror', None) or error}")
