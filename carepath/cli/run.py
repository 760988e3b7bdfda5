"""`carepath run GUIDELINE --facts F` (one patient) and `--batch IN.jsonl -o OUT.jsonl` (many).

One patient: the facts file is checked against the guideline's inputs (every
problem listed with its JSON path, exit 2, nothing run), then the result is printed
as the clinician's text report or as the JSON object of the DESIGN.md contract.

Batch: one facts object per line of IN.jsonl, one result object per line of
OUT.jsonl in the same order (blank lines are skipped). A bad line becomes
`{"line": n, "errors": [...]}` in the output and is reported on stderr with its
line number; the exit code is then 2. OUT.jsonl is written to a temporary file and
renamed, so it is never half-written.
"""

from __future__ import annotations

import sys

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
@click.option("--trace", is_flag=True, help="Also show every decision evaluated and each guard's value.")
def run(guideline: str, facts_path: str | None, batch_path: str | None, output_path: str | None,
        style: str, trace: bool) -> None:
    """Run a guideline on a patient's facts: what to do, how urgently, and why."""
    from carepath.cli.common import fail_input, load_guideline

    if (facts_path is None) == (batch_path is None):
        fail_input("give exactly one of --facts FILE (one patient) or --batch FILE -o OUT (many)")
    if batch_path is not None and output_path is None:
        fail_input("--batch needs -o OUT.jsonl for the results")
    if facts_path is not None and output_path is not None:
        fail_input("-o is for --batch; a single run prints its result")
    graph = load_guideline(guideline)
    if facts_path is not None:
        _run_one(graph, facts_path, style, trace)
    else:
        _run_batch(graph, batch_path, output_path, trace)


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
