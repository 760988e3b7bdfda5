"""`carepath test FILE... [--junit OUT.xml] [--coverage] [--min-coverage N]`.

Runs every `scenario` of each guideline through the runtime and prints one line per
scenario, with expected vs actual, the path taken and the source line for each
failure. `--coverage` prints node and branch coverage per file with what is not
covered; `--min-coverage N` fails the run when either is below N percent (it implies
`--coverage`). `--junit` writes the JUnit XML report atomically. Exit 0 when every
scenario passes (and coverage suffices), 1 otherwise, 2 for unreadable input. A file
that does not compile, or fails verification (unless `--allow-unverified`), is
reported (and is an `<error>` holding its diagnostics in the JUnit report) while the
other files still run. A directory stands for its `.cpath` files. `--format json`
prints one JSON document instead of the text: per file, its diagnostics when it does
not compile, else each scenario (name, passed, what differed) and, when asked, coverage.
"""

from __future__ import annotations

import json
import sys

import click

from carepath.cli.common import allow_unverified_option, output_options


class _Percentage(click.FloatRange):
    """A percentage from 0 to 100; `nan` and `inf` are refused (nan compares false with both bounds)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if number != number:  # NaN is the one float unequal to itself
            self.fail(f"{value!r} is not a number from 0 to 100", param, ctx)
        return number


@click.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), default=None,
              help="Write a JUnit XML report here (one testsuite per file, one testcase per scenario).")
@click.option("--coverage", "show_coverage", is_flag=True, help="Report node and branch coverage.")
@click.option("--min-coverage", type=_Percentage(0, 100), default=None,
              help="Fail when node or branch coverage of a file is below this percentage.")
@click.option("--format", "style", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="text: a line per scenario; json: one document with every file's results and diagnostics.")
@allow_unverified_option
@output_options
def test(files: tuple[str, ...], junit_path: str | None, show_coverage: bool, min_coverage: float | None,
         style: str, allow_unverified: bool) -> None:
    """Run the scenarios of guideline files; report failures and coverage."""
    from carepath.cli.common import (EXIT_FINDINGS, EXIT_OK, compile_guideline, exit_code, expand_paths,
                                     quiet, report_refusal, say, shown_name)
    from carepath.diagnostics import CompileError
    from carepath.compiler.report import as_json as as_json_diagnostic
    from carepath.compiler.report import render
    from carepath.compiler.terminal import escape_controls
    from carepath.targets.runtime.junit import Suite, junit_xml
    from carepath.targets.runtime.scenarios import coverage, run_scenarios

    as_json = style == "json"
    suites, worst, records = [], EXIT_OK, []
    for path in expand_paths(files):
        file = shown_name(path)
        try:
            graph = compile_guideline(path, allow_unverified=allow_unverified)
        except CompileError as error:  # the diagnostics are printed; the other files still run
            if as_json:
                records.append({"file": file, "diagnostics": [as_json_diagnostic(d) for d in error.diagnostics]})
            else:
                report_refusal(path, error)
            worst = max(worst, exit_code(error) or EXIT_FINDINGS)
            errors = sum(d.is_error for d in error.diagnostics)
            suites.append(Suite(file, None, (), problem=f"{file} does not compile ({errors} error(s))",
                                detail=render(error.diagnostics, error.sources, "short")))
            continue
        outcomes = run_scenarios(graph)
        suites.append(Suite(file, graph, outcomes))
        passed = sum(o.passed for o in outcomes)
        if as_json:
            record = {"file": file, "passed": passed, "total": len(outcomes),
                      "scenarios": [{"name": o.scenario.name, "passed": o.passed,
                                     "details": [] if o.passed else list(o.details())} for o in outcomes]}
            if show_coverage or min_coverage is not None:
                measured = coverage(graph, [o.result for o in outcomes if o.result is not None])
                record["coverage"] = {"nodes": measured.node_percent, "branches": measured.branch_percent}
                if min_coverage is not None and measured.percent < min_coverage:
                    worst = EXIT_FINDINGS
            records.append(record)
            if passed < len(outcomes) or not outcomes:
                worst = EXIT_FINDINGS
            continue
        for outcome in outcomes:
            if outcome.passed:
                say(f"{click.style('✓', fg='green')} {escape_controls(f'{file}: {outcome.scenario.name}')}")
                continue
            click.echo(f"{click.style('✗', fg='red', bold=True)} {escape_controls(f'{file}: {outcome.scenario.name}')}")
            click.echo(escape_controls("\n".join("    " + line for line in outcome.details())))
        if passed < len(outcomes) or not outcomes:
            worst = EXIT_FINDINGS
        summary = f"{file}: {passed} of {len(outcomes)} scenarios passed"
        if passed == len(outcomes) and outcomes:
            say(summary, fg="green", bold=True)
        else:
            click.echo(click.style(summary, fg="red", bold=True))
        if not outcomes:
            click.echo(f"{file}: has no scenarios; write `scenario` blocks to test it", err=True)
        if show_coverage or min_coverage is not None:
            measured = coverage(graph, [o.result for o in outcomes if o.result is not None])
            if not quiet():
                _print_coverage(file, measured)
            if min_coverage is not None and measured.percent < min_coverage:
                click.echo(click.style(f"{file}: coverage {measured.percent:.1f}% is below --min-coverage "
                                       f"{min_coverage:g}%", fg="red", bold=True))
                worst = EXIT_FINDINGS
    if as_json:
        click.echo(json.dumps({"files": records}, indent=2, ensure_ascii=False))
    if junit_path is not None:
        from pathlib import Path

        from carepath.cli.common import fail_input
        from carepath.files import write_atomically

        try:
            write_atomically(Path(junit_path), junit_xml(suites), inputs=files)
        except OSError as error:
            fail_input(f"cannot write `{junit_path}`: {error.strerror or error}")
    sys.exit(worst)


def _print_coverage(file: str, measured) -> None:
    from carepath.compiler.terminal import escape_controls

    nodes_covered = measured.nodes_total - len(measured.uncovered_nodes)
    branches_covered = measured.branches_total - len(measured.uncovered_branches)
    click.echo(f"{file}: coverage: nodes {nodes_covered}/{measured.nodes_total} "
               f"({measured.node_percent:.1f}%), branches {branches_covered}/{measured.branches_total} "
               f"({measured.branch_percent:.1f}%)")
    for node in measured.uncovered_nodes:
        click.echo(escape_controls(f"  not covered: node {node.id} ({node.kind.value}) at {node.span.file}:{node.span.line}"))
    for branch in measured.uncovered_branches:
        click.echo(escape_controls(f"  not covered: {branch.decision} branch {branch.branch} `{branch.when}` "
                                   f"at {branch.span.file}:{branch.span.line}"))
