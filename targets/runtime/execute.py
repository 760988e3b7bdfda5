"""Graph + facts → `RunResult`: activation over the DAG, exactly as docs/semantics.md says.

The graph's nodes are in graph order (a topological order), so one walk suffices:
an active node activates its targets, which come later. Each active decision
applies the kernel's firing rule (`compiler.semantics.fire`, the rule the verifier
proves with) to its guards' Kleene values: the lines that fire, the `otherwise`,
and whether it is pending; a pending decision names only the unknown inputs that
could still change it.

Everything that depends only on the graph (guards compiled to closures, guard
texts, action records) is built once per graph and kept on it (`Graph.cached`),
so running many patients against one graph costs only the walk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from carepath.compiler import ir, semantics
from carepath.compiler.printer import expr_text
from carepath.compiler.semantics import PYTHON
from carepath.targets.runtime.expressions import Compiler, Env, Evaluator, Explainer
from carepath.targets.runtime.result import (
    COMPLETE,
    FALSE,
    NEEDS_INPUT,
    TRUE,
    UNKNOWN,
    DecisionTrace,
    GuardValue,
    LeadsTo,
    Question,
    RecommendedAction,
    RunResult,
)

_VALUE_NAMES = {True: TRUE, False: FALSE, None: UNKNOWN}


@frozen
class Line:
    """One `when` line of a decision, ready to run."""

    guard: ir.Expr
    evaluate: Evaluator
    text: str
    targets: tuple[str, ...]


@frozen
class Step:
    """One node, ready to run: its decision lines, or the action it recommends."""

    node: ir.Node
    position: int
    lines: tuple[Line, ...] = ()

    def recommended(self, because: dict[str, None]) -> RecommendedAction:
        node = self.node
        return RecommendedAction(id=node.id, urgency=node.urgency.value, title=node.title,
                                 timing=str(node.timing) if node.timing is not None else None,
                                 citations=tuple(node.citations), because=tuple(because),
                                 doses=tuple(str(dose) for dose in node.doses))


class Plan:
    """What a run needs from a graph, computed once and kept on the graph."""

    def __init__(self, graph: ir.Graph) -> None:
        compiler = Compiler(graph)
        self.explainer = Explainer(graph, compiler)
        self.steps = tuple(
            Step(node, position, tuple(Line(line.guard, compiler.compile(line.guard), expr_text(line.guard),
                                            line.targets) for line in node.lines)
                 if isinstance(node, ir.Decide) else ())
            for position, node in enumerate(graph.nodes)
        )
        self.input_order = {i.name: position for position, i in enumerate(graph.inputs)}
        self.questions = {i.name: i.question for i in graph.inputs}
        self.most_urgent = most_urgent_reachable(graph)

    def leads_to(self, targets: tuple[str, ...]) -> tuple[tuple[int, int], ir.Action] | None:
        """The most urgent action reachable from `targets` (with its sort key), or None."""
        found = [self.most_urgent[t] for t in targets if self.most_urgent.get(t) is not None]
        return min(found, key=lambda entry: entry[0]) if found else None


def most_urgent_reachable(graph: ir.Graph) -> dict[str, tuple[tuple[int, int], ir.Action] | None]:
    """Per node, the most urgent action on some path from it (itself included), by the action order."""
    best: dict[str, tuple[tuple[int, int], ir.Action] | None] = {}
    for position in range(len(graph.nodes) - 1, -1, -1):
        node = graph.nodes[position]
        found = [best[t] for t in node.targets if best.get(t) is not None]
        if isinstance(node, ir.Action):
            found.append((semantics.action_order(node.urgency, position), node))
        best[node.id] = min(found, key=lambda entry: entry[0]) if found else None
    return best


def plan_for(graph: ir.Graph) -> Plan:
    return graph.cached("runtime.plan", Plan)


def execute(graph: ir.Graph, facts: Mapping[str, Any]) -> RunResult:
    """Run `graph` on known facts (input name → value in the declared unit; absent = unknown)."""
    plan = plan_for(graph)
    env = Env(facts)
    explainer = plan.explainer
    because: dict[str, dict[str, None]] = {ir.Graph.START: {}}
    path: list[str] = []
    actions: list[Step] = []
    trace: list[DecisionTrace] = []
    needs: dict[str, None] = {}
    leads: dict[str, tuple[tuple[int, int], ir.Action] | None] = {}

    def activate(targets: tuple[str, ...], reasons: dict[str, None]) -> None:
        for target in targets:
            merged = because.get(target)
            if merged is None:
                because[target] = dict(reasons)
            else:
                merged.update(reasons)

    for step in plan.steps:
        reasons = because.get(step.node.id)
        if reasons is None:
            continue
        node = step.node
        path.append(node.id)
        if isinstance(node, ir.Decide):
            decision, asked = _decide(step, env, explainer, plan.input_order)
            trace.append(decision)
            needs.update(dict.fromkeys(decision.needs))
            for line, inputs in asked:
                lead = plan.leads_to(line.targets)
                for name in inputs:
                    known = leads.get(name)
                    if lead is not None and (known is None or lead[0] < known[0]):
                        leads[name] = lead
                    else:
                        leads.setdefault(name, None)
            for index in decision.fired:
                if index == len(step.lines):
                    activate(node.otherwise, reasons)
                else:
                    line = step.lines[index]
                    extended = dict(reasons)
                    extended.update(dict.fromkeys(explainer.explain(line.guard, env)))
                    activate(line.targets, extended)
        else:
            if isinstance(node, ir.Action):
                actions.append(step)
            activate(node.targets, reasons)

    actions.sort(key=lambda step: semantics.action_order(step.node.urgency, step.position))
    ranked = sorted(needs, key=lambda name: (leads[name][0] if leads.get(name) else (len(ir.Urgency), 0),
                                             plan.input_order[name]))
    questions = tuple(Question(name, plan.questions[name], _leads_to(leads.get(name))) for name in ranked)
    return RunResult(
        guideline=graph.id,
        version=graph.version,
        status=NEEDS_INPUT if any(d.pending for d in trace) else COMPLETE,
        actions=tuple(a.recommended(because[a.node.id]) for a in actions),
        needs=tuple(sorted(needs, key=plan.input_order.__getitem__)),
        path=tuple(path),
        trace=tuple(trace),
        questions=questions,
    )


def _leads_to(lead: tuple[tuple[int, int], ir.Action] | None) -> LeadsTo | None:
    if lead is None:
        return None
    action = lead[1]
    return LeadsTo(action.id, action.title, action.urgency.value)


def _decide(step: Step, env: Env, explainer: Explainer,
            input_order: Mapping[str, int]) -> tuple[DecisionTrace, list[tuple[Line, dict[str, None]]]]:
    """Apply the decision's hit policy through the kernel: what fires, what it still needs, and
    the asked lines with the inputs each needs (so a question can say what it could lead to)."""
    node: ir.Decide = step.node
    values = [line.evaluate(env) for line in step.lines]
    firing = semantics.fire(PYTHON, node.policy, values, [line.targets for line in step.lines])
    fired = [i for i, fires in enumerate(firing.fires) if fires]
    if firing.otherwise and node.otherwise:
        fired.append(len(step.lines))
    needs: dict[str, None] = {}
    asked_lines = []
    for line, asked in zip(step.lines, firing.asks):
        if asked:
            inputs = explainer.unknown_inputs(line.guard, env)
            asked_lines.append((line, inputs))
            needs.update(inputs)
    consulted = len(values)
    if node.policy is ir.HitPolicy.FIRST:  # the lines after the first that is not false were not needed
        consulted = next((i + 1 for i, value in enumerate(values) if value is not False), len(values))
    guards = tuple(GuardValue(i, step.lines[i].text, _VALUE_NAMES[values[i]]) for i in range(consulted))
    return DecisionTrace(node.id, node.policy.value, guards, tuple(fired), bool(firing.pending),
                         tuple(sorted(needs, key=input_order.__getitem__))), asked_lines
