"""`carepath run GUIDELINE --facts F` (one patient), `--batch IN.jsonl -o OUT.jsonl` (many), `--fhir`.

One patient: the facts file is checked against the guideline's inputs (every
problem listed with its JSON path, exit 2, nothing run), then the result is printed
as the clinician's text report or as the JSON object of the DESIGN.md contract.

Batch: one facts object per line of IN.jsonl, one result object per line of
OUT.jsonl in the same order (blank lines are skipped). A bad line becomes
`{"line": n, "errors": [...]}` in the output and is reported on stderr with its
line number; the exit code is then 2. OUT.jsonl is written to a temporary file and
renamed, so it is never half-written.

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


@click.command()
@click.argument("guideline", type=click.Path(dir_okay=False))
@click.option("--facts", "facts_path", type=click.Path(dir_okay=False), default=None,
              help="The patient's facts: a JSON object from input name to value.")
@click.option("--batch", "batch_path", type=click.Path(dir_okay=False), default=None,
              help="Many patients: a JSON-lines file, one facts object per line (needs -o).")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False), default=None,
              help="Where --batch writes its results, one JSON object per line.")
@click.option("--format", "style", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="text: a report for clinicians; json: the result object.")
@click.option("--fhir", "fhir_path", type=click.Path(), default=None,
              help="FHIR R4 patient data: a Bundle (.json), or a folder or NDJSON file of Bundles (needs -o).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="With --fhir: the day the patient's age is counted to (default: the most recent data's date).")
@click.option("--trace", is_flag=True, help="Also show every decision evaluated and each guard's value.")
def run(guideline: str, facts_path: str | None, batch_path: str | None, output_path: str | None,
        style: str, fhir_path: str | None, as_of, trace: bool) -> None:
    """Run a guideline on a patient's facts: what to do, how urgently, and why."""
    from carepath.cli.common import fail_input, load_guideline

    if sum(p is not None for p in (facts_path, batch_path, fhir_path)) != 1:
        fail_input("give exactly one of --facts FILE (one patient), --batch FILE -o OUT (many) "
                   "or --fhir BUNDLE (FHIR data)")
    if as_of is not None and fhir_path is None:
        fail_input("--as-of is for --fhir")
    fhir_many = fhir_path is not None and (Path(fhir_path).is_dir() or fhir_path.endswith(".ndjson"))
    if (batch_path is not None or fhir_many) and output_path is None:
        fail_input(f"{'--batch' if batch_path else '--fhir with many bundles'} needs -o OUT.jsonl for the results")
    if (facts_path is not None or (fhir_path is not None and not fhir_many)) and output_path is not None:
        fail_input("-o is for --batch and --fhir with many bundles; a single run prints its result")
    graph = load_guideline(guideline)
    as_of_date = as_of.date() if as_of is not None else None
    if facts_path is not None:
        _run_one(graph, facts_path, style, trace)
    elif batch_path is not None:
        _run_batch(graph, batch_path, output_path, trace)
    elif fhir_many:
        _run_fhir_batch(graph, fhir_path, output_path, trace, as_of_date)
    else:
        _run_fhir_one(graph, fhir_path, style, trace, as_of_date)


def _run_one(graph, facts_path: str, style: str, trace: bool, text: str | None = None) -> None:
    import json

    from carepath.cli.common import report_and_exit
    from targets.runtime.execute import execute
    from targets.runtime.facts import FactsError, read_facts_text
    from targets.runtime.report import render_text

    try:
        facts = read_facts_text(graph, _read(facts_path) if text is None else text, "$")
    except FactsError as error:
        report_and_exit(error.in_file(facts_path), "json" if style == "json" else "human", "nothing was run")
    result = execute(graph, facts.values)
    if style == "json":
        click.echo(json.dumps(result.to_json(trace), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(graph, result, trace), nl=False)


def _run_batch(graph, batch_path: str, output_path: str, trace: bool) -> None:
    import json
    from pathlib import Path

    from carepath.cli.common import EXIT_INPUT, fail_input
    from carepath.files import write_atomically
    from targets.runtime.execute import execute
    from targets.runtime.facts import FactsError, read_facts_text

    out_lines, bad = [], 0
    for number, line in enumerate(_read(batch_path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            facts = read_facts_text(graph, line, f"line {number}: $")
        except FactsError as error:
            bad += 1
            _report_problems(batch_path, error.problems, f"line {number} was not run")
            out_lines.append(json.dumps({"line": number, "errors": [p.to_json() for p in error.problems]},
                                        ensure_ascii=False))
            continue
        out_lines.append(json.dumps(execute(graph, facts.values).to_json(trace), ensure_ascii=False))
    try:
        write_atomically(Path(output_path), "".join(f"{line}\n" for line in out_lines))
    except OSError as error:
        fail_input(f"cannot write `{output_path}`: {error.strerror or error}")
    click.echo(f"{output_path}: {len(out_lines) - bad} patients run" + (f", {bad} bad lines" if bad else ""), err=True)
    if bad:
        sys.exit(EXIT_INPUT)


def _run_fhir_one(graph, path: str, style: str, trace: bool, as_of) -> None:
    from targets.fhir.patient import bundle_facts

    mapped = bundle_facts(graph, _bundle(path, _read(path)), as_of)
    for note in mapped.notes:
        click.echo(f"{path}: fhir: {note}", err=True)
    _run_one(graph, path, style, trace, mapped.facts_text())


def _run_fhir_batch(graph, path: str, output_path: str, trace: bool, as_of) -> None:
    import json

    from carepath.cli.common import EXIT_INPUT, fail_input
    from carepath.files import write_atomically
    from targets.fhir.patient import BundleError, bundle_facts, read_bundle_text
    from targets.runtime.execute import execute
    from targets.runtime.facts import FactsError, read_facts_text

    if Path(path).is_dir():
        sources = [(str(p), p.read_text(encoding="utf-8")) for p in sorted(Path(path).glob("*.json"))]
    else:
        sources = [(f"{path}: line {n}", line) for n, line in enumerate(_read(path).splitlines(), start=1)
                   if line.strip()]
    out_lines, bad = [], 0
    for source, text in sources:
        try:
            mapped = bundle_facts(graph, read_bundle_text(text), as_of)
            result = execute(graph, read_facts_text(graph, mapped.facts_text(), "$").values).to_json(trace)
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
    from targets.fhir.patient import BundleError, read_bundle_text

    try:
        return read_bundle_text(text)
    except BundleError as error:
        fail_input(f"`{path}`: {error}")


def _read(path: str) -> str:
    from pathlib import Path

    from carepath.cli.common import fail_input

    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail_input(f"cannot read `{path}`: {getattr(error, 'strerror', None) or error}")


def _report_problems(path: str, problems, consequence: str = "nothing was run") -> None:
    for problem in problems:
        click.echo(f"{path}: {problem}", err=True)
    click.echo(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}; {consequence}", err=True)
