"""`carepath run GUIDELINE --facts F` (one patient), `--batch IN -o OUT` (many), `--fhir`.

One patient: the facts file is checked against the guideline's inputs (every
problem listed with its JSON path, exit 2, nothing run), then the result is printed
as the clinician's text report or as the JSON object of the DESIGN.md contract.

Batch: IN and OUT are JSON Lines, CSV or Parquet (by extension, or
`--input-format`/`--output-format`; `-` is standard input or output for JSON Lines
and CSV). Rows stream through `targets/runtime/batch.py` in constant memory, each
result in its row's place, the `--id` field carried along (`carepath/cli/batch.py`).
A bad row becomes an error result naming its row number, is reported on stderr, and
the rest still run; the exit code is then 2. OUT is written to a temporary file and
renamed, so it is never half-written. `--engine duckdb` runs the SQL export of the
graph inside DuckDB instead (`targets/sql/engine.py`), for large files, with the
Python engine's results in its flat layout.

The guideline must pass its checks: one that fails verification is refused
(exit 1, with the findings) unless `--allow-unverified` is given, which is for
replaying a counterexample patient that `check --counterexamples` wrote. A facts
file (or batch file) of `-` is read from standard input.

FHIR: `--fhir BUNDLE.json` maps a FHIR R4 Bundle to facts by the inputs' terminology
codes (`targets.fhir.patient`), reports on stderr what it used, set aside, ignored or
refused, then runs the facts as a facts file would be run. `--fhir DIR` or
`--fhir BUNDLES.ndjson` with `-o OUT.jsonl` does so for many bundles, each result line
carrying its `fhir` report. `--as-of DATE` is the day `age` is counted to.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from carepath.cli.common import allow_unverified_option, output_options


@click.command()
@click.argument("guideline", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--facts", "facts_path", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="The patient's facts: a JSON object from input name to value (`-`: standard input).")
@click.option("--batch", "batch_path", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Many patients: JSON Lines, CSV or Parquet, one patient per row (needs -o; - for stdin).")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Where --batch writes its results: JSON Lines, CSV or Parquet (- for stdout).")
@click.option("--format", "style", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="text: a report for clinicians; json: the result object.")
@click.option("--fhir", "fhir_path", type=click.Path(), default=None,
              help="FHIR R4 patient data: a Bundle (.json), or a folder or NDJSON file of Bundles (needs -o).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="With --fhir: the day the patient's age is counted to (default: the most recent data's date).")
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
@click.option("--executor", type=click.Choice(("generated", "interpreter")), default="generated", show_default=True,
              help="The Python runtime's executor: the graph compiled to a Python function, or the reference "
                   "interpreter it is tested against (same results).")
@allow_unverified_option
@output_options
def run(guideline: str, facts_path: str | None, batch_path: str | None, output_path: str | None,
        style: str, fhir_path: str | None, as_of, trace: bool, id_field: str, jobs: int,
        input_format: str | None, output_format: str | None, engine: str, executor: str,
        allow_unverified: bool) -> None:
    """Run a guideline on a patient's facts: what to do, how urgently, and why."""
    from carepath.cli.common import fail_input, load_guideline

    if sum(p is not None for p in (facts_path, batch_path, fhir_path)) != 1:
        fail_input("give exactly one of --facts FILE (one patient), --batch FILE -o OUT (many) "
                   "or --fhir BUNDLE (FHIR data)")
    if as_of is not None and fhir_path is None:
        fail_input("--as-of is for --fhir")
    fhir_many = fhir_path is not None and (Path(fhir_path).is_dir() or fhir_path.endswith(".ndjson"))
    if (batch_path is not None or fhir_many) and output_path is None:
        fail_input(f"{'--batch' if batch_path else '--fhir with many bundles'} needs -o OUT for the results "
                   "(a .jsonl file; for --batch also .csv, .parquet, or - for standard output)")
    if (facts_path is not None or (fhir_path is not None and not fhir_many)) and output_path is not None:
        fail_input("-o is for --batch and --fhir with many bundles; a single run prints its result")
    if guideline == "-" and "-" in (facts_path, batch_path):
        fail_input("standard input (`-`) can be read only once: give the guideline or the facts as a file")
    request = None
    if batch_path is not None:
        from carepath.cli.batch import BatchRequest

        request = BatchRequest(batch_path, output_path, _format(batch_path, input_format, "--input-format"),
                               _format(output_path, output_format, "--output-format"), id_field, jobs, trace, engine,
                               executor)
    graph = load_guideline(guideline, "json" if style == "json" else "human", allow_unverified=allow_unverified)
    as_of_date = as_of.date() if as_of is not None else None
    if facts_path is not None:
        _run_one(graph, facts_path, style, trace, executor)
    elif request is not None:
        from carepath.cli.batch import run_batch_command

        run_batch_command(graph, request)
    elif fhir_many:
        _run_fhir_batch(graph, fhir_path, output_path, trace, as_of_date, executor)
    else:
        _run_fhir_one(graph, fhir_path, style, trace, as_of_date, executor)


def _run_one(graph, facts_path: str, style: str, trace: bool, executor: str, text: str | None = None) -> None:
    import json

    from carepath.cli.common import report_and_exit
    from carepath.compiler.reading import FACTS_LIMIT
    from carepath.targets.runtime.compiled import executor as executor_named
    from carepath.targets.runtime.facts import FactsError, read_facts_text
    from carepath.targets.runtime.report import render_text

    try:
        facts = read_facts_text(graph, _read(facts_path, FACTS_LIMIT) if text is None else text, "$")
    except FactsError as error:
        report_and_exit(error.in_file(facts_path), "json" if style == "json" else "human", "nothing was run")
    result = executor_named(executor)(graph, facts.values)
    if style == "json":
        click.echo(json.dumps(result.to_json(trace), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(graph, result, trace), nl=False)


def _format(path: str, given: str | None, option: str) -> str:
    from carepath.cli.common import fail_input
    from carepath.targets.runtime.batch import format_of

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


def _run_fhir_one(graph, path: str, style: str, trace: bool, as_of, executor: str) -> None:
    from carepath.compiler.reading import FACTS_LIMIT
    from carepath.targets.fhir.patient import bundle_facts

    mapped = bundle_facts(graph, _bundle(path, _read(path, FACTS_LIMIT)), as_of)
    for note in mapped.notes:
        click.echo(f"{path}: fhir: {note}", err=True)
    _run_one(graph, path, style, trace, executor, mapped.facts_text())


def _run_fhir_batch(graph, path: str, output_path: str, trace: bool, as_of, executor: str) -> None:
    import json

    from carepath.cli.common import EXIT_INPUT, fail_input
    from carepath.files import write_atomically
    from carepath.compiler.reading import BATCH_LIMIT, FACTS_LIMIT, read_text
    from carepath.targets.fhir.patient import BundleError, bundle_facts, read_bundle_text
    from carepath.targets.runtime.compiled import executor as executor_named
    from carepath.targets.runtime.facts import FactsError, read_facts_text

    if Path(path).is_dir():
        sources = [(str(p), read_text(p, FACTS_LIMIT)) for p in sorted(Path(path).glob("*.json"))]
    else:
        sources = [(f"{path}: line {n}", line) for n, line in enumerate(_read(path, BATCH_LIMIT).split("\n"), start=1)
                   if line.strip()]
    out_lines, bad, run_patient = [], 0, executor_named(executor)
    for source, text in sources:
        try:
            mapped = bundle_facts(graph, read_bundle_text(text), as_of)
            result = run_patient(graph, read_facts_text(graph, mapped.facts_text(), "$").values).to_json(trace)
        except (BundleError, FactsError) as error:
            bad += 1
            click.echo(f"{source}: {error}; not run", err=True)
            out_lines.append(json.dumps({"source": source, "errors": [str(error)]}, ensure_ascii=False))
            continue
        result["fhir"] = {"source": source, "report": [note.to_json() for note in mapped.notes]}
        out_lines.append(json.dumps(result, ensure_ascii=False))
    try:
        write_atomically(Path(output_path), "".join(f"{line}\n" for line in out_lines))
    except OSError as error:
        fail_input(f"cannot write `{output_path}`: {error.strerror or error}")
    click.echo(f"{output_path}: {len(out_lines) - bad} bundles run" + (f", {bad} bad" if bad else ""), err=True)
    if bad:
        sys.exit(EXIT_INPUT)


def _bundle(path: str, text: str) -> dict:
    from carepath.cli.common import fail_input
    from carepath.targets.fhir.patient import BundleError, read_bundle_text

    try:
        return read_bundle_text(text)
    except BundleError as error:
        fail_input(f"`{path}`: {error}")


def _read(path: str, limit: int) -> str:
    from carepath.cli.common import read_input

    return read_input(path, limit)
