"""Activation: graph IR → one z3 formula per node saying "this patient's path reaches it".

Computed once per node in graph order, each node's formula built from its
predecessors' (so sub-formulas are shared, never re-derived per path, and the
total size grows with the graph, not with its number of paths). The firing rule
of each decision is the semantics kernel's (`compiler.semantics.fire`), the
very function the runtime applies to a patient's values, here applied to z3
terms: what is proved is what runs.

`flow` is the general form: activation started from chosen nodes, optionally
ignoring some edges. The assertion checks use it for "reached through Y" and
"reached without reading input i".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import z3
from attrs import frozen

from carepath.compiler import ir, semantics
from carepath.compiler.logic.encode import Z3, Encoder, Tri, conjunction, disjunction, inputs_read


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
        return conjunction([b.guard.false for b in self.guarded])


class Activation:
    """The reach formula of every node of one graph, and its decisions' firing rules."""

    def __init__(self, graph: ir.Graph, encoder: Encoder):
        self.graph = graph
        self.encoder = encoder
        self.order = graph.order
        self.nodes = graph.index
        self.incoming: dict[str, list[tuple[ir.Edge, z3.BoolRef]]] = {n: [] for n in self.order}
        self.decisions: dict[str, Decision] = {}
        for node_id in self.order:
            node = self.nodes[node_id]
            if isinstance(node, ir.Decide):
                decision = self._decision(node, graph.outgoing(node_id))
                self.decisions[node_id] = decision
                for branch in decision.branches:
                    for edge in branch.edges:
                        self.incoming[edge.target].append((edge, branch.fires))
            else:
                for edge in graph.outgoing(node_id):
                    self.incoming[edge.target].append((edge, z3.BoolVal(True)))
        self._dominators()
        self.local: dict[str, z3.BoolRef] = {}
        self.reach: dict[str, z3.BoolRef] = {}
        for node_id in self.order:
            if node_id == ir.Graph.START:
                self.local[node_id] = self.reach[node_id] = z3.BoolVal(True)
                continue
            dominator = self.idom[node_id]
            self.local[node_id] = disjunction([conjunction((self.relative(e.source, dominator), fires))
                                         for e, fires in self.incoming[node_id]])
            self.reach[node_id] = conjunction((self.reach[dominator], self.local[node_id]))

    def relative(self, node_id: str, dominator: str) -> z3.BoolRef:
        """When `node_id` is active given that its dominator `dominator` is: the locals in between."""
        links = []
        while node_id != dominator:
            links.append(self.local[node_id])
            node_id = self.idom[node_id]
        return conjunction(links) if links else z3.BoolVal(True)

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
            ways = [conjunction((active[e.source], fires)) for e, fires in self.incoming[node_id] if not blocked(e)]
            active[node_id] = disjunction(ways) if ways else z3.BoolVal(False)
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

    def _decision(self, node: ir.Decide, edges: tuple[ir.Edge, ...]) -> Decision:
        """The decision's lines and when each fires: the kernel's rule (`semantics.fire`) on z3 terms."""
        guards = [self.encoder.condition(line.guard) for line in node.lines]
        firing = semantics.fire(Z3, node.policy, guards, [line.targets for line in node.lines])
        count = len(node.lines)
        consulted = {
            ir.HitPolicy.FIRST: lambda i: tuple(range(i + 1)),
            ir.HitPolicy.UNIQUE: lambda i: tuple(range(count)),
            ir.HitPolicy.ANY: lambda i: (i,),
        }[node.policy]
        branches = [Branch(i, tuple(e for e in edges if e.branch == i and not e.otherwise), guards[i],
                           firing.fires[i], consulted(i)) for i in range(count)]
        if node.otherwise:
            branches.append(Branch(count, tuple(e for e in edges if e.otherwise), None, firing.otherwise,
                                   tuple(range(count))))
        return Decision(node, tuple(branches))
