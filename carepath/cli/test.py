"""`carepath test FILE... [--junit OUT.xml] [--coverage] [--min-coverage N]`.

Runs every `scenario` of each guideline through the runtime and prints one line per
scenario, with expected vs actual, the path taken and the source line for each
failure. `--coverage` prints node and branch coverage per file with what is not
covered; `--min-coverage N` fails the run when either is below N percent (it implies
`--coverage`). `--junit` writes the JUnit XML report atomically. Exit 0 when every
scenario passes (and coverage suffices), 1 otherwise, 2 for unreadable input. A file
that does not compile is reported (and is an `<error>` in the JUnit report) while the
other files still run.
"""

from __future__ import annotations

import sys

import click


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
def test(files: tuple[str, ...], junit_path: str | None, show_coverage: bool, min_coverage: float | None) -> None:
    """Run the scenarios of guideline files; report failures and coverage."""
    from carepath.cli.common import EXIT_FINDINGS, EXIT_OK, load_guideline
    from compiler.terminal import escape_controls
    from targets.runtime.junit import Suite, junit_xml
    from targets.runtime.scenarios import coverage, run_scenarios

    suites, worst = [], EXIT_OK
    for file in files:
        try:
            graph = load_guideline(file)
        except SystemExit as stopped:  # the diagnostics are printed; the other files still run
            worst = max(worst, stopped.code if isinstance(stopped.code, int) else EXIT_FINDINGS)
            suites.append(Suite(file, None, (), problem=f"{file} does not compile: see `carepath check {file}`"))
            continue
        outcomes = run_scenarios(graph)
        suites.append(Suite(file, graph, outcomes))
        passed = sum(o.passed for o in outcomes)
        for outcome in outcomes:
            mark = click.style("✓", fg="green") if outcome.passed else click.style("✗", fg="red", bold=True)
            click.echo(f"{mark} {escape_controls(f'{file}: {outcome.scenario.name}')}")
            if not outcome.passed:
                click.echo(escape_controls("\n".join("    " + line for line in outcome.details())))
        if passed < len(outcomes) or not outcomes:
            worst = EXIT_FINDINGS
        summary = f"{file}: {passed} of {len(outcomes)} scenarios passed"
        click.echo(click.style(summary, fg="green" if passed == len(outcomes) and outcomes else "red", bold=True))
        if not outcomes:
            click.echo(f"{file}: has no scenarios; write `scenario` blocks to test it", err=True)
        if show_coverage or min_coverage is not None:
            measured = coverage(graph, [o.result for o in outcomes if o.result is not None])
            _print_coverage(file, measured)
            if min_coverage is not None and measured.percent < min_coverage:
                click.echo(click.style(f"{file}: coverage {measured.percent:.1f}% is below --min-coverage "
                                       f"{min_coverage:g}%", fg="red", bold=True))
                worst = EXIT_FINDINGS
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
    from compiler.terminal import escape_controls

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
