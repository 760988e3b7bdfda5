"""The verifier against the runtime, on random small guidelines (hypothesis).

Both directions:
- every counterexample the verifier reports, replayed by the runtime
  (targets/runtime), takes the reported path and really shows the violation;
- whatever the verifier proves (no overlap, no gap, an assertion) holds for
  random patients run through the runtime, known facts or not.
"""

from __future__ import annotations

import re
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from carepath.compiler import ir
from carepath.diagnostics import Sink
from carepath.compiler.passes.load import SourceFile
from carepath.compiler.passes.verify_logic import logic_findings, verify_logic
from carepath.compiler.pipeline import PASSES, run_passes
from carepath.targets.runtime.execute import execute
from carepath.targets.runtime.expressions import Compiler, Env
from carepath.targets.runtime.facts import parse_facts
from tests.budget import examples

NUMBERS = ["0", "1", "2.5", "4", "5", "7.5", "10", "0.3", "0.9"]
ATOMS = (
    [f"a {op} {c}" for op in ("<", "<=", ">", ">=", "=") for c in NUMBERS]
    + ["k = low", "k = high", "k != mid", "k in {low, mid}", "p", "not p", "known a", "known k",
       "count(p, a > 5, k = high) >= 2", "a + 2 > 6",
       # exact arithmetic: what binary floats get wrong
       "a + b > 0.3", "a + b <= 0.3", "a + b = 0.3", "a - b >= 0.9", "a - b < 0.9", "a / b = 2", "a / b > 0.5",
       "a * 3 <= 7.5", "a - 1.1 >= 0.9",
       # mixed units: two inputs in wk and d, literals in other units
       "w >= s", "s <= w", "w = s", "s > w", "w > 21 d", "s <= 1 wk", "w >= 168 h", "s = 7 d",
       # scores whose known terms may decide them
       "sum(2 if p, 1 if a > 5, -2 if k = high) >= 1", "count(p, b > 1, w > 1 wk) >= 2"]
)
guards = st.one_of(
    st.sampled_from(ATOMS),
    st.tuples(st.sampled_from(ATOMS), st.sampled_from(("and", "or")), st.sampled_from(ATOMS)).map(
        lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
    st.sampled_from(ATOMS).map(lambda a: f"not ({a})"),
)
policies = st.sampled_from(["first", "unique", "any"])


@st.composite
def guidelines(draw) -> str:
    d0_targets = ["d1"] + draw(st.lists(st.sampled_from(["x0", "x1", "x2"]), max_size=2, unique=True))
    d1_targets = draw(st.lists(st.sampled_from(["x1", "x2", "x3"]), min_size=1, max_size=3, unique=True))
    lines = ['guideline rnd "Random" version "1.0.0"', 'reference r1 "R" 2020',
             "input a: number from 0 to 10", "input b: number from 0 to 10", "input k: one of low, mid, high",
             "input p: boolean", "input w: quantity wk from 0 to 10", "input s: quantity d from 0 to 70",
             "start -> intake", 'assess intake "Intake" collects a, b, k, p, w, s then d0']
    used: set[str] = set()
    for name, targets in (("d0", d0_targets), ("d1", d1_targets)):
        lines.append(f'decide {name} "{name}" ({draw(policies)}) [r1]')
        with_otherwise = draw(st.booleans()) and len(targets) > 1
        for target in targets[:-1] if with_otherwise else targets:
            lines.append(f"  when {draw(guards)} -> {target}")
        if with_otherwise:
            lines.append(f"  otherwise -> {targets[-1]}")
        used.update(t for t in targets if t.startswith("x"))
    for action in sorted(used):
        urgency = draw(st.sampled_from(["emergent", "urgent", "routine"]))
        lines.append(f'action {action} "{action}" [r1] urgency {urgency} then done')
    lines.append('end done "Done"')
    nodes = sorted(used) + ["d1"]
    for number in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["always", "never", "before", "depends"]))
        node, other = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        if kind == "always":
            lines.append(f'assert "p{number}" always reaches {node} implies {draw(guards)}')
        elif kind == "never":
            lines.append(f'assert "p{number}" never reaches {node} and {draw(guards)}')
        elif kind == "before" and node != other:
            lines.append(f'assert "p{number}" always {node} before {other}')
        elif kind == "depends":
            lines.append(f'assert "p{number}" always {node} depends on {draw(st.sampled_from("abkpws"))}')
    return "\n".join(lines) + "\n"


DECIMALS = [Fraction(n) for n in NUMBERS + ["3", "6", "9", "0.1", "0.2", "1.1", "2"]]
DURATIONS = [Fraction(n) for n in ("0", "1", "3", "6", "7", "21", "42")]
facts_strategy = st.fixed_dictionaries({}, optional={
    "a": st.sampled_from(DECIMALS), "b": st.sampled_from(DECIMALS), "k": st.sampled_from(["low", "mid", "high"]),
    "p": st.booleans(),
    "w": st.one_of(st.sampled_from(DURATIONS[:4]), st.sampled_from(DURATIONS).map(lambda d: {"value": d, "unit": "d"})),
    "s": st.one_of(st.sampled_from(DURATIONS), st.sampled_from(DURATIONS[:3]).map(lambda w: {"value": w, "unit": "wk"}))})


def structured(text: str) -> ir.Graph | None:
    """The graph up to structural verification (None when the random text is not a guideline)."""
    sink = Sink()
    return run_passes(SourceFile("rnd.cpath", text), sink, tuple(p for p in PASSES if p is not verify_logic))


class PathCompiler(Compiler):
    """The runtime's evaluator, with `reaches X` read off a finished run's path."""

    def __init__(self, graph: ir.Graph, path: tuple[str, ...]):
        super().__init__(graph)
        self.path = path

    def _reaches(self, e: ir.Reaches):
        reached = e.node in self.path
        return lambda env: reached


def evaluate(graph: ir.Graph, expr: ir.Expr, facts, path) -> object:
    return PathCompiler(graph, path).compile(expr)(Env(facts))


def lines_of(message: str) -> list[int]:
    return [int(n) - 1 for n in re.findall(r"\d+", message.split(" of ")[0])]


def decision_of(message: str) -> str:
    return re.search(r"decision `([^`]+)`", message).group(1)


def guard_of(graph: ir.Graph, decision: str, line: int) -> ir.Expr:
    return next(e.guard for e in graph.outgoing(decision) if e.branch == line and not e.otherwise)


def trace_of(result, decision: str):
    return next(t for t in result.trace if t.decision == decision)


def assertion_of(graph: ir.Graph, message: str) -> ir.Assertion:
    label = re.search(r'assertion "([^"]+)"', message).group(1)
    return next(a for a in graph.assertions if a.label == label)


@examples(60)
@given(guidelines())
def test_property_every_counterexample_replays_as_reported(text):
    graph = structured(text)
    if graph is None:
        return
    for finding in logic_findings(graph):
        if finding.counterexample is None:
            continue
        facts = parse_facts(graph, dict(finding.counterexample)).values
        result = execute(graph, facts)
        assert result.path == finding.path, (finding, text)
        code, message = finding.code, finding.message
        if code == "CP0401":
            values = {g.branch: g.value for g in trace_of(result, decision_of(message)).guards}
            assert all(values[line] == "true" for line in lines_of(message)), (finding, text)
        elif code == "CP0402":
            trace = trace_of(result, decision_of(message))
            assert all(g.value == "false" for g in trace.guards) and not trace.fired, (finding, text)
        elif code == "CP0403":
            [line] = lines_of(message)
            trace = trace_of(result, decision_of(message))
            assert {g.branch: g.value for g in trace.guards}.get(line, "true") == "true"
            assert line not in trace.fired, (finding, text)
        elif code == "CP0405":
            [line] = lines_of(message)
            decision = decision_of(message)
            assert decision not in result.path
        elif code in ("CP0501", "CP0502"):
            assertion = assertion_of(graph, message)
            value = evaluate(graph, assertion.formula, facts, result.path)
            assert value is (code == "CP0502"), (finding, text)
        elif code == "CP0503":
            assertion = assertion_of(graph, message)
            assert result.path.index(assertion.other) < result.path.index(assertion.target)
        elif code == "CP0504":
            assert assertion_of(graph, message).target in result.path


@examples(40)
@given(guidelines(), st.lists(facts_strategy, min_size=20, max_size=20))
def test_property_what_is_proved_holds_for_random_patients(text, patients):
    graph = structured(text)
    if graph is None:
        return
    findings = logic_findings(graph)
    reported = {(f.code, decision_of(f.message)) for f in findings if "decision `" in f.message}
    failed = {assertion_of(graph, f.message).label for f in findings if f.code.startswith("CP05")}
    policies = {n.id: n.policy for n in graph.nodes if n.kind is ir.NodeKind.DECIDE}
    has_otherwise = {n: any(e.otherwise for e in graph.outgoing(n)) for n in policies}
    for facts in patients:
        result = execute(graph, parse_facts(graph, facts).values)
        for trace in result.trace:
            values = [g.value for g in trace.guards]
            if policies[trace.decision] is ir.HitPolicy.UNIQUE and ("CP0401", trace.decision) not in reported:
                assert values.count("true") <= 1, (facts, text)
            if not has_otherwise[trace.decision] and ("CP0402", trace.decision) not in reported:
                assert not all(v == "false" for v in values), (facts, text)
        known = parse_facts(graph, facts).values
        for assertion in graph.assertions:
            if assertion.label in failed:
                continue
            if assertion.kind in (ir.AssertionKind.ALWAYS, ir.AssertionKind.NEVER):
                value = evaluate(graph, assertion.formula, known, result.path)
                assert value is not (assertion.kind is ir.AssertionKind.NEVER), (assertion, facts, text)
            elif assertion.kind is ir.AssertionKind.BEFORE:
                assert assertion.target not in _fired_from(graph, result, assertion.other), (assertion, facts, text)


def _fired_from(graph: ir.Graph, result, origin: str) -> set[str]:
    """The nodes the run activated along fired edges starting at `origin` (if it is active)."""
    fired = {t.decision: set(t.fired) for t in result.trace}
    if origin not in result.path:
        return set()
    seen, stack = set(), [origin]
    while stack:
        node = stack.pop()
        edges = graph.outgoing(node)
        otherwise_index = len({e.branch for e in edges if not e.otherwise})
        for edge in edges:
            branch = otherwise_index if edge.otherwise else edge.branch
            if (node not in fired or branch in fired[node]) and edge.target not in seen:
                seen.add(edge.target)
                stack.append(edge.target)
    return seen
