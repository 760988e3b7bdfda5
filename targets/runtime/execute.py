"""Graph + facts → `RunResult`: activation over the DAG, exactly as docs/semantics.md says.

The graph's nodes are in graph order (a topological order), so one walk suffices:
an active node activates its targets, which come later. Decisions apply their hit
policy with Kleene guards; an unknown guard that matters makes the decision pending
and names the inputs it needs instead of guessing.

Everything that depends only on the graph (guards compiled to closures, branches
grouped, the inputs each guard reads, guard texts) is built once per `Graph`
object and kept in a cache keyed by identity, so running many patients against
one graph costs only the walk.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping
from typing import Any

import attrs
from attrs import frozen

from compiler import ir
from targets.runtime.expressions import Compiler, Env, Evaluator, Explainer, expr_text
from targets.runtime.result import (
    COMPLETE,
    FALSE,
    NEEDS_INPUT,
    TRUE,
    UNKNOWN,
    DecisionTrace,
    GuardValue,
    RecommendedAction,
    RunResult,
)

_VALUE_NAMES = {True: TRUE, False: FALSE, None: UNKNOWN}


@frozen
class Branch:
    """One line of a decision: a guard (None for `otherwise`) and the nodes it leads to."""

    index: int
    guard: ir.Expr | None
    evaluate: Evaluator | None
    text: str  # the guard's text; "otherwise"
    reads: tuple[str, ...]  # inputs the guard reads, through defines
    targets: tuple[str, ...]


@frozen
class IndexedNode:
    node: ir.Node
    position: int
    targets: tuple[str, ...]  # start/assess/action: every edge fires
    branches: tuple[Branch, ...]  # decide: when lines in order, `otherwise` last
    id: str = attrs.field(init=False, default=attrs.Factory(lambda self: self.node.id, takes_self=True))
    kind: ir.NodeKind = attrs.field(init=False, default=attrs.Factory(lambda self: self.node.kind, takes_self=True))
    policy: ir.HitPolicy = attrs.field(
        init=False, default=attrs.Factory(lambda self: self.node.policy or ir.HitPolicy.FIRST, takes_self=True))

    def action_order(self) -> tuple[int, int]:
        return (self.node.urgency.rank, self.position)

    def recommended(self, because: dict[str, None]) -> RecommendedAction:
        node = self.node
        return RecommendedAction(id=node.id, urgency=node.urgency.value, title=node.title,
                                 timing=str(node.timing) if node.timing is not None else None,
                                 citations=tuple(node.citations), because=tuple(because),
                                 doses=tuple(str(dose) for dose in node.doses))


class GraphIndex:
    """What a run needs from a graph, computed once."""

    def __init__(self, graph: ir.Graph) -> None:
        compiler = Compiler(graph)
        self.explainer = Explainer(graph, compiler)
        define_exprs = compiler.define_exprs
        outgoing: dict[str, list[ir.Edge]] = {n.id: [] for n in graph.nodes}
        for edge in graph.edges:
            outgoing[edge.source].append(edge)
        self.nodes: tuple[IndexedNode, ...] = tuple(
            IndexedNode(node, position, tuple(e.target for e in outgoing[node.id]),
                        self._branches(node, outgoing[node.id], compiler, define_exprs))
            for position, node in enumerate(graph.nodes)
        )
        self.input_order = {i.name: position for position, i in enumerate(graph.inputs)}

    @staticmethod
    def _branches(node: ir.Node, edges: list[ir.Edge], compiler: Compiler, defines) -> tuple[Branch, ...]:
        if node.kind is not ir.NodeKind.DECIDE:
            return ()
        lines: dict[int, list[ir.Edge]] = {}
        for edge in edges:
            lines.setdefault(edge.branch if edge.branch is not None else len(edges), []).append(edge)
        branches = []
        for index in sorted(lines, key=lambda i: (lines[i][0].otherwise, i)):
            first = lines[index][0]
            targets = tuple(e.target for e in lines[index])
            if first.otherwise or first.guard is None:
                branches.append(Branch(index, None, None, "otherwise", (), targets))
            else:
                branches.append(Branch(index, first.guard, compiler.compile(first.guard),
                                       expr_text(first.guard), ir.inputs_read(first.guard, defines), targets))
        return tuple(branches)


_indexes: dict[int, tuple[weakref.ref, GraphIndex]] = {}


def index_for(graph: ir.Graph) -> GraphIndex:
    """The index of `graph`, built on first use and dropped when the graph is."""
    key = id(graph)
    entry = _indexes.get(key)
    if entry is not None and entry[0]() is graph:
        return entry[1]
    index = GraphIndex(graph)
    forget = functools.partial(_indexes.pop, key, None)  # the index must not keep its graph alive
    _indexes[key] = (weakref.ref(graph, lambda _ref: forget()), index)
    return index


def execute(graph: ir.Graph, facts: Mapping[str, Any]) -> RunResult:
    """Run `graph` on known facts (input name → value in the declared unit; absent = unknown)."""
    index = index_for(graph)
    env = Env(facts)
    explainer = index.explainer
    because: dict[str, dict[str, None]] = {ir.Graph.START: {}}
    path: list[str] = []
    actions: list[IndexedNode] = []
    trace: list[DecisionTrace] = []
    pending_needs: set[str] = set()

    def activate(target: str, reasons: dict[str, None]) -> None:
        merged = because.get(target)
        if merged is None:
            because[target] = dict(reasons)
        else:
            merged.update(reasons)

    decide, end, action = ir.NodeKind.DECIDE, ir.NodeKind.END, ir.NodeKind.ACTION
    for entry in index.nodes:
        reasons = because.get(entry.id)
        if reasons is None:
            continue
        path.append(entry.id)
        kind = entry.kind
        if kind is decide:
            fired, decision = _decide(entry, env, facts, index.input_order)
            trace.append(decision)
            pending_needs.update(decision.needs)
            for branch in fired:
                if branch.guard is None:
                    extended = reasons
                else:
                    extended = dict(reasons)
                    extended.update(dict.fromkeys(explainer.explain(branch.guard, env)))
                for target in branch.targets:
                    activate(target, extended)
        elif kind is not end:
            if kind is action:
                actions.append(entry)
            for target in entry.targets:
                activate(target, reasons)

    actions.sort(key=IndexedNode.action_order)
    pending = any(d.pending for d in trace)
    return RunResult(
        guideline=graph.id,
        version=graph.version,
        status=NEEDS_INPUT if pending else COMPLETE,
        actions=tuple(a.recommended(because[a.id]) for a in actions),
        needs=tuple(sorted(pending_needs, key=index.input_order.__getitem__)),
        path=tuple(path),
        trace=tuple(trace),
    )


def _decide(entry: IndexedNode, env: Env, facts: Mapping[str, Any],
            input_order: Mapping[str, int]) -> tuple[list[Branch], DecisionTrace]:
    """Apply the decision's hit policy: the branches that fire, and its trace entry."""
    policy = entry.policy
    guards: list[GuardValue] = []
    true: list[Branch] = []
    unknown: list[Branch] = []
    otherwise: Branch | None = None
    for branch in entry.branches:
        if branch.evaluate is None:
            otherwise = branch
            continue
        value = branch.evaluate(env)
        guards.append(GuardValue(branch.index, branch.text, _VALUE_NAMES[value]))
        if value is True:
            true.append(branch)
            if policy is ir.HitPolicy.FIRST:
                break
        elif value is None:
            unknown.append(branch)
            if policy is ir.HitPolicy.FIRST:
                break
    if policy is ir.HitPolicy.ANY:
        fired = list(true)
        # A line whose nodes the true lines already reach cannot change the outcome:
        # it leaves the decision complete and asks for nothing (docs/semantics.md).
        reached = {target for branch in true for target in branch.targets}
        unknown = [branch for branch in unknown if not set(branch.targets) <= reached]
    else:
        fired = true[:1]
    if not true and not unknown and otherwise is not None:
        fired = [otherwise]
    pending = bool(unknown) and (policy is ir.HitPolicy.ANY or not true)
    needs: set[str] = set()
    if pending:
        for branch in unknown:
            needs.update(name for name in branch.reads if name not in facts)
    decision = DecisionTrace(entry.node.id, policy.value, tuple(guards), tuple(b.index for b in fired),
                             pending, tuple(sorted(needs, key=input_order.__getitem__)))
    return fired, decision
