"""A patient's path as plain data → what a flowchart draws bold, dims or flags.

The renderers take the path as a `Highlight` value, not a runtime result, so that
they depend on nothing but the IR: the CLI builds it from a run (`carepath render
--facts`), a test builds it by hand, a counterexample can be turned into one.

A highlight is checked against the graph before drawing (`problems`): a path
naming nodes or edges the guideline does not have means the facts were run on
another guideline, and drawing it would silently show nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from attrs import field, frozen

from carepath.diagnostics import ProblemsError
from carepath.compiler import ir


class HighlightError(ProblemsError):
    """A highlight that does not fit the graph; `problems` lists every mismatch."""

    code = "CP0902"
    hint = "draw the patient's path with the graph the facts were run on"


def _frozen_pairs(edges: Iterable[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    return frozenset((source, target) for source, target in edges)


def _sorted_pending(pending: Mapping[str, Iterable[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((node, tuple(needs)) for node, needs in dict(pending).items()))


@frozen
class Highlight:
    """The taken nodes and edges of one patient, and the decisions left pending.

    `pending` maps a decision id to the inputs it needs (in declaration order);
    a pending decision is itself on the path.
    """

    taken_nodes: frozenset[str] = field(converter=frozenset)
    taken_edges: frozenset[tuple[str, str]] = field(converter=_frozen_pairs)
    pending: tuple[tuple[str, tuple[str, ...]], ...] = field(converter=_sorted_pending, factory=dict)

    @classmethod
    def from_path(
        cls,
        graph: ir.Graph,
        path: Iterable[str],
        fired_branches: Mapping[str, Iterable[int]] | None = None,
        pending: Mapping[str, Iterable[str]] | None = None,
    ) -> Highlight:
        """Derive the taken edges from the active nodes.

        An edge is taken when both ends are active and, for a decision, its branch
        fired. `fired_branches` maps a decision to the `branch` numbers that fired
        (the `otherwise` line has the last number, as in the IR); without it, any
        edge between two active nodes counts, which is exact unless a node is
        reached by two ways at once.
        """
        taken = frozenset(path)
        fired = {node: set(branches) for node, branches in (fired_branches or {}).items()}
        edges = []
        for edge in graph.edges:
            if edge.source not in taken or edge.target not in taken:
                continue
            if edge.source in fired and edge.branch not in fired[edge.source]:
                continue
            edges.append((edge.source, edge.target))
        return cls(taken, edges, pending or {})

    def needs(self, node_id: str) -> tuple[str, ...] | None:
        """The inputs a pending decision waits for, or None if it is not pending."""
        return dict(self.pending).get(node_id)

    def problems(self, graph: ir.Graph) -> list[str]:
        """Every way this highlight does not fit `graph` (empty when it fits)."""
        node_ids = {node.id for node in graph.nodes}
        edge_pairs = {(edge.source, edge.target) for edge in graph.edges}
        input_names = {input_.name for input_ in graph.inputs}
        found = [f"node `{n}` is not in guideline `{graph.id}`" for n in sorted(self.taken_nodes - node_ids)]
        found += [
            f"edge `{s}` → `{t}` is not in guideline `{graph.id}`"
            for s, t in sorted(self.taken_edges - edge_pairs)
        ]
        for node, needs in self.pending:
            if node not in node_ids:
                found.append(f"pending node `{node}` is not in guideline `{graph.id}`")
            found += [f"needed input `{name}` is not declared" for name in needs if name not in input_names]
        return found

    def check(self, graph: ir.Graph) -> None:
        problems = self.problems(graph)
        if problems:
            raise HighlightError(problems)
