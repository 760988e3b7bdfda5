"""Activation: graph IR → one z3 formula per node saying "this patient's path reaches it".

Computed once per node in graph order, each node's formula built from its
predecessors' (so sub-formulas are shared, never re-derived per path, and the
total size grows with the graph, not with its number of paths). The firing rule
of each decision follows docs/semantics.md: under `first` an unknown guard met
before any true one makes the decision pending and nothing fires; under
`unique` the first true branch fires, else an unknown guard leaves it pending;
under `any` every true branch fires even while others are unknown; `otherwise`
fires only when every guard is false.

`flow` is the general form: activation started from chosen nodes, optionally
ignoring some edges. The assertion checks use it for "reached through Y" and
"reached without reading input i".
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping

import z3
from attrs import frozen

from compiler import ir
from compiler.logic.encode import Encoder, Tri, inputs_read


@frozen
class Branch:
    """One `when` line (or the `otherwise`) of a decision, and when it fires."""

    index: int
    edges: tuple[ir.Edge, ...]
    guard: Tri | None  # None for `otherwise`
    fires: z3.BoolRef  # given that the decision is active
    consulted: tuple[int, ...]  # the branches whose guards decide whether this one fires

    @property
    def otherwise(self) -> bool:
        return self.edges[0].otherwise

    @property
    def expr(self) -> ir.Expr | None:
        return self.edges[0].guard


@frozen
class Decision:
    node: ir.Node
    branches: tuple[Branch, ...]  # `when` lines in order, then the `otherwise` if any

    @property
    def guarded(self) -> tuple[Branch, ...]:
        return tuple(b for b in self.branches if not b.otherwise)

    @property
    def has_otherwise(self) -> bool:
        return any(b.otherwise for b in self.branches)

    def all_false(self) -> z3.BoolRef:
        return z3.And([b.guard.false for b in self.guarded])


def graph_order(graph: ir.Graph) -> tuple[str, ...]:
    """Kahn's algorithm with declaration order as the tie-break (docs/semantics.md)."""
    position = {n.id: i for i, n in enumerate(graph.nodes)}
    indegree = {n.id: 0 for n in graph.nodes}
    successors: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for edge in graph.edges:
        successors[edge.source].append(edge.target)
        indegree[edge.target] += 1
    order: list[str] = []
    heap = [(position[n], n) for n, degree in indegree.items() if degree == 0]
    heapq.heapify(heap)
    while heap:
        _, node = heapq.heappop(heap)
        order.append(node)
        for successor in successors[node]:
            indegree[successor] -= 1
            if indegree[successor] == 0:
                heapq.heappush(heap, (position[successor], successor))
    return tuple(order)


class Activation:
    """The reach formula of every node of one graph, and its decisions' firing rules."""

    def __init__(self, graph: ir.Graph, encoder: Encoder):
        self.graph = graph
        self.encoder = encoder
        self.order = graph_order(graph)
        self.nodes = {n.id: n for n in graph.nodes}
        self.incoming: dict[str, list[tuple[ir.Edge, z3.BoolRef]]] = {n: [] for n in self.order}
        self.decisions: dict[str, Decision] = {}
        outgoing: dict[str, list[ir.Edge]] = {n: [] for n in self.order}
        for edge in graph.edges:
            outgoing[edge.source].append(edge)
        for node_id in self.order:
            node = self.nodes[node_id]
            if node.kind is ir.NodeKind.DECIDE:
                decision = self._decision(node, outgoing[node_id])
                self.decisions[node_id] = decision
                for branch in decision.branches:
                    for edge in branch.edges:
                        self.incoming[edge.target].append((edge, branch.fires))
            elif node.kind is not ir.NodeKind.END:
                for edge in outgoing[node_id]:
                    self.incoming[edge.target].append((edge, z3.BoolVal(True)))
        self._dominators()
        self.local: dict[str, z3.BoolRef] = {}
        self.reach: dict[str, z3.BoolRef] = {}
        for node_id in self.order:
            if node_id == ir.Graph.START:
                self.local[node_id] = self.reach[node_id] = z3.BoolVal(True)
                continue
            dominator = self.idom[node_id]
            self.local[node_id] = z3.Or([z3.And(self.relative(e.source, dominator), fires)
                                         for e, fires in self.incoming[node_id]])
            self.reach[node_id] = z3.And(self.reach[dominator], self.local[node_id])

    def relative(self, node_id: str, dominator: str) -> z3.BoolRef:
        """When `node_id` is active given that its dominator `dominator` is: the locals in between."""
        links = []
        while node_id != dominator:
            links.append(self.local[node_id])
            node_id = self.idom[node_id]
        return z3.And(links) if links else z3.BoolVal(True)

    def common_dominator(self, nodes) -> str:
        """The nearest node that dominates every one of `nodes` (start when there is none)."""
        found = None
        for node_id in nodes:
            found = node_id if found is None else self._intersect(found, node_id)
        return found or ir.Graph.START

    def _dominators(self) -> None:
        """Immediate dominators over the DAG in graph order (Cooper, Harvey and Kennedy).

        A node's reach is its dominator's reach and the *local* condition of the
        region between them: every route to the node passes the dominator, and a
        route's condition is the conjunction of its edges' firing conditions. The
        path queries (`compiler.logic.slicing`) cut formulas at dominators.
        """
        self.idom: dict[str, str] = {}
        self.depth: dict[str, int] = {ir.Graph.START: 0}
        for node_id in self.order:
            if node_id == ir.Graph.START:
                continue
            sources = [e.source for e, _ in self.incoming[node_id]]
            dominator = sources[0]
            for source in sources[1:]:
                dominator = self._intersect(dominator, source)
            self.idom[node_id] = dominator
            self.depth[node_id] = self.depth[dominator] + 1

    def _intersect(self, a: str, b: str) -> str:
        while a != b:
            if self.depth[a] >= self.depth[b]:
                a = self.idom[a]
            else:
                b = self.idom[b]
        return a

    def flow(self, origin: Mapping[str, z3.BoolRef],
             blocked: Callable[[ir.Edge], bool] = lambda edge: False) -> dict[str, z3.BoolRef]:
        """Activation from `origin` (node → when it counts as active), skipping blocked edges."""
        active: dict[str, z3.BoolRef] = {}
        for node_id in self.order:
            if node_id in origin:
                active[node_id] = origin[node_id]
                continue
            ways = [z3.And(active[e.source], fires) for e, fires in self.incoming[node_id] if not blocked(e)]
            active[node_id] = z3.Or(ways) if ways else z3.BoolVal(False)
        return active

    def edge_reads(self, edge: ir.Edge) -> set[str]:
        """The inputs read by the guards that decide whether `edge` fires."""
        decision = self.decisions.get(edge.source)
        if decision is None:
            return set()
        branch = next(b for b in decision.branches if edge in b.edges)
        read: set[str] = set()
        for index in branch.consulted:
            read |= inputs_read(decision.branches[index].expr, self.encoder.defines)
        return read

    def _decision(self, node: ir.Node, edges: list[ir.Edge]) -> Decision:
        lines: dict[int, list[ir.Edge]] = {}
        otherwise = [e for e in edges if e.otherwise]
        for edge in edges:
            if not edge.otherwise:
                lines.setdefault(edge.branch, []).append(edge)
        guarded = [(tuple(lines[i]), self.encoder.condition(lines[i][0].guard)) for i in sorted(lines)]
        guards = [g for _, g in guarded]
        all_false = z3.And([g.false for g in guards])
        policy = node.policy or ir.HitPolicy.FIRST
        branches: list[Branch] = []
        for position, (line, guard) in enumerate(guarded):
            earlier = guards[:position]
            if policy is ir.HitPolicy.FIRST:
                fires = z3.And([g.false for g in earlier] + [guard.true])
                consulted = tuple(range(position + 1))
            elif policy is ir.HitPolicy.UNIQUE:
                fires = z3.And([z3.Not(g.true) for g in earlier] + [guard.true])
                consulted = tuple(range(len(guarded)))
            else:
                fires = guard.true
                consulted = (position,)
            branches.append(Branch(position, line, guard, fires, consulted))
        if otherwise:
            branches.append(Branch(len(guarded), tuple(otherwise), None, all_false, tuple(range(len(guarded)))))
        return Decision(node, tuple(branches))
