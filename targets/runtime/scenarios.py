"""A guideline's `scenario` blocks → pass/fail outcomes, and what the scenarios cover.

Scenarios are the guideline author's unit tests: a patient (`given`) and what must
follow (`expect`). Each runs through the same runtime as `carepath run`, so a passing
scenario is a statement about what clinicians will actually be told. A failure says
what was expected, what happened, the path the patient took and where the scenario
and the failing `expect` line sit in the source.

Coverage is measured over all scenarios of a guideline: node coverage (nodes on some
scenario's path) and branch coverage (every line of every decision, `otherwise`
included, fired by some scenario), each uncovered item listed with its source line.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from attrs import frozen

from carepath.compiler import ir
from carepath.diagnostics import Span
from carepath.targets.runtime.execute import execute
from carepath.compiler.printer import expr_text
from carepath.targets.runtime.facts import FactsError, scenario_facts
from carepath.targets.runtime.result import RunResult

Kind = ir.ExpectationKind


@frozen
class ExpectationFailure:
    expectation: ir.Expectation
    expected: str
    actual: str

    def __str__(self) -> str:
        where = _where(self.expectation.span)
        return f"expected {self.expected}, but {self.actual}" + (f" ({where})" if where else "")


@frozen
class ScenarioOutcome:
    scenario: ir.Scenario
    result: RunResult | None  # None when the scenario's facts do not fit the inputs
    failures: tuple[ExpectationFailure, ...]
    facts_error: FactsError | None
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.failures and self.facts_error is None

    def summary(self) -> str:
        """One line for a JUnit failure message."""
        if self.facts_error is not None:
            return f"the scenario's facts do not fit the guideline's inputs: {self.facts_error.problems[0].message}"
        return str(self.failures[0]) + (f" (and {len(self.failures) - 1} more)" if len(self.failures) > 1 else "")

    def details(self) -> list[str]:
        """Every failure, then the path taken and the actions found: what a reader needs to fix it."""
        lines = [f"scenario {self.scenario.name!r} at {_where(self.scenario.span) or 'an unknown place'}"]
        if self.facts_error is not None:
            lines.extend(str(p) for p in self.facts_error.problems)
            return lines
        lines.extend(f"  {failure}" for failure in self.failures)
        result = self.result
        lines.append(f"  status: {result.status}" + (f", needs: {', '.join(result.needs)}" if result.needs else ""))
        lines.append("  actions: " + (", ".join(f"{a.id} ({a.urgency})" for a in result.actions) or "none"))
        lines.append("  path: " + " → ".join(result.path))
        return lines


@frozen
class UncoveredBranch:
    decision: str
    branch: int
    when: str  # guard text, or "otherwise"
    span: Span


@frozen
class Coverage:
    nodes_total: int
    branches_total: int
    uncovered_nodes: tuple[ir.Node, ...]
    uncovered_branches: tuple[UncoveredBranch, ...]

    @property
    def node_percent(self) -> float:
        return _percent(self.nodes_total - len(self.uncovered_nodes), self.nodes_total)

    @property
    def branch_percent(self) -> float:
        return _percent(self.branches_total - len(self.uncovered_branches), self.branches_total)

    @property
    def percent(self) -> float:
        """The lower of node and branch coverage: what `--min-coverage` compares against."""
        return min(self.node_percent, self.branch_percent)


def run_scenarios(graph: ir.Graph) -> tuple[ScenarioOutcome, ...]:
    """Run every scenario of `graph`, in source order."""
    return tuple(run_scenario(graph, s) for s in graph.scenarios)


def run_scenario(graph: ir.Graph, scenario: ir.Scenario) -> ScenarioOutcome:
    started = time.perf_counter()
    try:
        facts = scenario_facts(graph, scenario)
    except FactsError as error:
        return ScenarioOutcome(scenario, None, (), error, time.perf_counter() - started)
    result = execute(graph, facts.values)
    failures = tuple(f for f in (check(e, result) for e in scenario.expectations) if f is not None)
    return ScenarioOutcome(scenario, result, failures, None, time.perf_counter() - started)


def check(expectation: ir.Expectation, result: RunResult) -> ExpectationFailure | None:
    """None when the result meets the expectation, else what was expected and what happened."""
    kind, value = expectation.kind, expectation.value
    first = result.actions[0] if result.actions else None
    if kind is Kind.REACHES and value not in result.path:
        return ExpectationFailure(expectation, f"to reach {value}", f"{value} is not on the path")
    if kind is Kind.NOT_REACHES and value in result.path:
        return ExpectationFailure(expectation, f"not to reach {value}", f"{value} is on the path")
    if kind is Kind.FIRST and (first is None or first.id != value):
        actual = f"the first action is {first.id} ({first.urgency})" if first else "there is no action"
        return ExpectationFailure(expectation, f"{value} as the first action", actual)
    if kind is Kind.FIRST_URGENCY and (first is None or first.urgency != value):
        actual = f"the first action, {first.id}, is {first.urgency}" if first else "there is no action"
        return ExpectationFailure(expectation, f"a first action that is {value}", actual)
    if kind is Kind.STATUS and result.status != value:
        return ExpectationFailure(expectation, f"status {value}", f"the status is {result.status}")
    if kind is Kind.NEEDS and value not in result.needs:
        actual = f"the run needs {', '.join(result.needs)}" if result.needs else "the run needs nothing"
        return ExpectationFailure(expectation, f"the run to need {value}", actual)
    if kind is Kind.NOT_NEEDS and value in result.needs:
        return ExpectationFailure(expectation, f"the run not to need {value}", f"it needs {', '.join(result.needs)}")
    return None


def coverage(graph: ir.Graph, results: Iterable[RunResult]) -> Coverage:
    """Node and branch coverage of `graph` by the given runs."""
    reached: set[str] = set()
    fired: set[tuple[str, int]] = set()
    for result in results:
        reached.update(result.path)
        fired.update((d.decision, b) for d in result.trace for b in d.fired)
    decisions = {n.id for n in graph.nodes if n.kind is ir.NodeKind.DECIDE}
    branches: dict[tuple[str, int], ir.Edge] = {}
    for edge in graph.edges:
        if edge.source in decisions and edge.branch is not None:
            branches.setdefault((edge.source, edge.branch), edge)
    uncovered_branches = tuple(
        UncoveredBranch(source, branch, "otherwise" if edge.guard is None else expr_text(edge.guard), edge.span)
        for (source, branch), edge in branches.items()
        if (source, branch) not in fired
    )
    return Coverage(
        nodes_total=len(graph.nodes),
        branches_total=len(branches),
        uncovered_nodes=tuple(n for n in graph.nodes if n.id not in reached),
        uncovered_branches=uncovered_branches,
    )


def _percent(covered: int, total: int) -> float:
    return 100.0 if total == 0 else 100.0 * covered / total


def _where(span: Span) -> str:
    return "" if span.line == 0 else f"{span.file}:{span.line}"
