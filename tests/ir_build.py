"""IR graphs built by hand in tests, written the way a person draws them: nodes, then arrows.

`node(...)` describes a step with the fields of its kind; `graph(..., nodes=..., edges=...)`
folds the arrows (`ir.Edge`, with `branch` and `otherwise` on a decision's lines) into the
closed union of node kinds the IR holds, so test fixtures stay short and readable.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from carepath.compiler import ir


@frozen
class NodeSpec:
    id: str
    kind: ir.NodeKind
    title: str
    fields: dict[str, Any]


def node(node_id: str, kind: ir.NodeKind, title: str, **fields: Any) -> NodeSpec:
    return NodeSpec(node_id, kind, title, fields)


def graph(*, nodes: tuple[NodeSpec, ...], edges: tuple[ir.Edge, ...] = (), **fields: Any) -> ir.Graph:
    outgoing: dict[str, list[ir.Edge]] = {}
    for edge in edges:
        outgoing.setdefault(edge.source, []).append(edge)
    built = [_build(spec, outgoing.get(spec.id, [])) for spec in nodes]
    return ir.Graph(nodes=tuple(built), **fields)


def _build(spec: NodeSpec, edges: list[ir.Edge]) -> ir.Node:
    fields = dict(spec.fields)
    targets = tuple(e.target for e in edges)
    if spec.kind is ir.NodeKind.START:
        return ir.Start(spec.id, targets, title=spec.title, **fields)
    if spec.kind is ir.NodeKind.ASSESS:
        return ir.Assess(spec.id, spec.title, targets, **fields)
    if spec.kind is ir.NodeKind.ACTION:
        fields.setdefault("urgency", ir.Urgency.ROUTINE)
        return ir.Action(spec.id, spec.title, targets=targets, **fields)
    if spec.kind is ir.NodeKind.END:
        return ir.End(spec.id, spec.title, **fields)
    lines: dict[int, list[ir.Edge]] = {}
    for edge in edges:
        if not edge.otherwise:
            lines.setdefault(edge.branch, []).append(edge)
    fields["policy"] = fields.get("policy") or ir.HitPolicy.FIRST
    return ir.Decide(
        spec.id, spec.title,
        lines=tuple(ir.Line(group[0].guard, tuple(e.target for e in group)) for _, group in sorted(lines.items())),
        otherwise=tuple(e.target for e in edges if e.otherwise), **fields)
