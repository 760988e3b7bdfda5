"""Structural verification: graph IR → the same graph, with shape diagnostics.

The checks that need no logic, only the graph's shape: every node reachable
from `start`; every node but an end has a way on; no cycle (follow-up is an
action with timing, not a loop back); every action cites its evidence; every
reference is cited somewhere. The logic checks (overlaps, gaps, assertions) are
`verify_logic`'s, which runs after this pass and only on a well-shaped graph.
"""

from __future__ import annotations

from carepath.compiler import ir
from carepath.diagnostics import Sink


def verify_structure(graph: ir.Graph, sink: Sink) -> ir.Graph:
    successors: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for edge in graph.edges:
        if edge.target in successors:
            successors[edge.source].append(edge.target)

    _unreachable(graph, successors, sink)
    _dead_ends(graph, successors, sink)
    _cycles(graph, successors, sink)
    _citations(graph, sink)
    return graph


def _unreachable(graph: ir.Graph, successors: dict[str, list[str]], sink: Sink) -> None:
    seen, stack = {ir.Graph.START}, [ir.Graph.START]
    while stack:
        for successor in successors[stack.pop()]:
            if successor not in seen:
                seen.add(successor)
                stack.append(successor)
    for node in graph.nodes:
        if node.id not in seen:
            sink.error("CP0301", f"node `{node.id}` can never be reached", node.span,
                       label="no path from `start` leads here",
                       hint=f"lead to it from another node (`-> {node.id}` or `then {node.id}`) or remove it")


def _dead_ends(graph: ir.Graph, successors: dict[str, list[str]], sink: Sink) -> None:
    for node in graph.nodes:
        if node.kind is ir.NodeKind.END or successors[node.id]:
            continue
        if node.kind is ir.NodeKind.DECIDE:
            sink.error("CP0307", f"decision `{node.id}` has no branches", node.span,
                       label="nothing to decide", hint="add `when <condition> -> <node>` lines and an `otherwise`")
        elif node.kind is ir.NodeKind.START:
            sink.error("CP0302", "`start` leads nowhere", node.span, hint="write `start -> <first node>`")
        else:
            sink.error("CP0302", f"{node.kind.value} `{node.id}` has no way out", node.span,
                       label="the workup stops here without an end",
                       hint="add `then <next node>`, or make it an `end` node")


def _cycles(graph: ir.Graph, successors: dict[str, list[str]], sink: Sink) -> None:
    """Report each cycle once, at the node where the depth-first search closes it."""
    colour: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    order = [n.id for n in graph.nodes]
    for root in order:
        if colour.get(root):
            continue
        path, stack = [], [(root, iter(successors[root]))]
        colour[root] = 1
        path.append(root)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = 2
                path.pop()
                stack.pop()
            elif colour.get(child) == 1:
                loop = path[path.index(child):] + [child]
                span = graph.node(node).span
                sink.error("CP0303", "the graph has a cycle: " + " → ".join(loop), span,
                           label=f"leads back to `{child}`",
                           hint="guidelines are acyclic: model reassessment as an action with timing "
                                "(e.g. `in 2 to 4 wk`), not as a loop")
            elif not colour.get(child):
                colour[child] = 1
                path.append(child)
                stack.append((child, iter(successors[child])))


def _citations(graph: ir.Graph, sink: Sink) -> None:
    cited = {c for n in graph.nodes for c in n.citations} | {c for a in graph.assertions for c in a.citations}
    for node in graph.nodes:
        if node.kind is ir.NodeKind.ACTION and not node.citations:
            sink.error("CP0304", f"action `{node.id}` cites no evidence", node.span,
                       label="no citation", hint="add the references it rests on, e.g. `[ref1]`")
    for reference in graph.references:
        if reference.id not in cited:
            sink.error("CP0305", f"reference `{reference.id}` is never cited", reference.span,
                       label="not cited by any node or assertion", hint="cite it where it applies, or remove it")
