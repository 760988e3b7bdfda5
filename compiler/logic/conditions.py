"""Reach conditions in the guideline's own words: graph IR → one simplified IR expression per node.

The verifier's `Activation` knows, as a z3 formula, when a patient's path reaches
each node; a clinician signing a guideline off needs the same condition written
with the guideline's names: "ABI ≤ 0.90 and acute limb ischemia not confirmed".
This module builds that condition as an IR expression, the way `reach` builds
the formula (a node's dominator's condition and the local condition between
them, a `first` line carrying the negation of the lines above it, `otherwise`
the negation of them all), then simplifies it with z3 as the oracle:

- negations are pushed inwards (Kleene logic keeps De Morgan's laws, and the
  negation of a comparison is the opposite comparison), `and`/`or` flattened;
- a conjunct implied by the others is dropped, a disjunct implied by the others
  is dropped, a disjunction implied by its context disappears, and conjuncts
  shared by every disjunct are factored out.

Defines are never expanded and literals are kept as written, so the result
reads with the author's thresholds. "Holds" always means *evaluates to true*
under the three-valued semantics, which is what activation asks of a guard.
A `unique` line is written as its own guard: that is exact once the verifier has
proved the decision's lines never overlap, which `check` demands.
"""

from __future__ import annotations

import z3

from carepath.compiler import ir
from carepath.compiler.logic import DEFAULT_TIMEOUT_MS
from carepath.compiler.logic.encode import Encoder, Inputs
from carepath.compiler.logic.prover import Prover
from carepath.compiler.logic.reach import Activation

TRUE = ir.Literal(True)
FALSE = ir.Literal(False)

_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}


class ReachConditions:
    """The condition under which each node of one graph is reached, as IR, raw and simplified."""

    def __init__(self, graph: ir.Graph, timeout_ms: int = DEFAULT_TIMEOUT_MS):
        self.graph = graph
        inputs = Inputs(graph.inputs)
        self.encoder = Encoder(inputs, graph.defines)
        self.activation = Activation(graph, self.encoder)
        self.prover = Prover(inputs, timeout_ms)
        self._fires = _firing_conditions(graph)
        self._local: dict[str, ir.Expr] = {}
        self._raw: dict[str, ir.Expr] = {ir.Graph.START: TRUE}
        for node_id in self.activation.order[1:]:
            dominator = self.activation.idom[node_id]
            ways = [conjunction([self._relative(edge.source, dominator), self._fires[_edge_key(edge)]])
                    for edge, _ in self.activation.incoming[node_id]]
            self._local[node_id] = disjunction(ways)
            self._raw[node_id] = conjunction([self._raw[dominator], self._local[node_id]])
        self._simplified: dict[str, ir.Expr] = {}

    def raw(self, node_id: str) -> ir.Expr:
        """The reach condition exactly as the graph states it, before any simplification."""
        return self._raw[node_id]

    def simplified(self, node_id: str) -> ir.Expr:
        """The reach condition with implied and redundant parts removed (proved equivalent by z3)."""
        if node_id not in self._simplified:
            self._simplified[node_id] = self.simplify(self._raw[node_id])
        return self._simplified[node_id]

    def holds(self, expr: ir.Expr) -> z3.BoolRef:
        """The z3 formula for "this expression evaluates to true"."""
        return self.encoder.condition(expr).true

    def implies(self, context: list[ir.Expr], expr: ir.Expr) -> bool:
        """Whether every patient for whom all of `context` holds also has `expr` hold (undecided: no)."""
        return self.prover.find(*(self.holds(c) for c in context), z3.Not(self.holds(expr))).impossible

    def simplify(self, expr: ir.Expr, context: tuple[ir.Expr, ...] = ()) -> ir.Expr:
        """`expr` rewritten smaller, holding for exactly the same patients among those where `context` holds."""
        expr = normalize(expr)
        if isinstance(expr, ir.And):
            return self._simplify_and(list(expr.operands), context)
        if isinstance(expr, ir.Or):
            return self._simplify_or(list(expr.operands), context)
        return expr

    def _simplify_and(self, conjuncts: list[ir.Expr], context: tuple[ir.Expr, ...]) -> ir.Expr:
        # Later conjuncts come from deeper in the graph and are the more specific: try dropping
        # the earlier ones first, so "ABI ≤ 0.90" survives and a guard it implies goes.
        for candidate in list(conjuncts):
            others = [c for c in conjuncts if c is not candidate]
            if self.implies([*context, *others], candidate):
                conjuncts = others
        if not conjuncts:
            return TRUE
        kept = []
        for candidate in conjuncts:
            others = tuple(c for c in conjuncts if c is not candidate)
            kept.append(self.simplify(candidate, (*context, *others)) if isinstance(candidate, ir.Or) else candidate)
        return conjunction(kept)

    def _simplify_or(self, disjuncts: list[ir.Expr], context: tuple[ir.Expr, ...]) -> ir.Expr:
        if self.implies(list(context), ir.Or(tuple(disjuncts))):
            return TRUE
        for candidate in list(disjuncts):
            others = [d for d in disjuncts if d is not candidate]
            if others and self.implies([*context, candidate], disjunction(others)):
                disjuncts = others
        simplified = [self.simplify(d, context) for d in disjuncts]
        shared = _shared_conjuncts(simplified)
        if not shared:
            return disjunction(simplified)
        rests = [conjunction([c for c in _conjuncts(d) if c not in shared]) for d in simplified]
        rest = self.simplify(disjunction(rests), (*context, *shared))
        return conjunction([*shared, rest])

    def _relative(self, node_id: str, dominator: str) -> ir.Expr:
        links = []
        while node_id != dominator:
            links.append(self._local[node_id])
            node_id = self.activation.idom[node_id]
        return conjunction(list(reversed(links)))


def _edge_key(edge: ir.Edge) -> tuple:
    return (edge.source, edge.target, edge.branch, edge.otherwise)


def _firing_conditions(graph: ir.Graph) -> dict[tuple, ir.Expr]:
    """When each edge fires given that its source is active, as an IR expression."""
    fires: dict[tuple, ir.Expr] = {}
    for node in graph.nodes:
        edges = graph.outgoing(node.id)
        if node.kind is not ir.NodeKind.DECIDE:
            fires.update({_edge_key(edge): TRUE for edge in edges})
            continue
        guards: dict[int, ir.Expr] = {}
        for edge in edges:
            if not edge.otherwise:
                guards.setdefault(edge.branch, edge.guard)
        ordered = [guards[i] for i in sorted(guards)]
        policy = node.policy or ir.HitPolicy.FIRST
        for edge in edges:
            if edge.otherwise:
                fires[_edge_key(edge)] = conjunction([ir.Not(g) for g in ordered])
                continue
            position = sorted(guards).index(edge.branch)
            earlier = ordered[:position] if policy is ir.HitPolicy.FIRST else []
            fires[_edge_key(edge)] = conjunction([*(ir.Not(g) for g in earlier), ordered[position]])
    return fires


def normalize(expr: ir.Expr) -> ir.Expr:
    """Negations pushed to the atoms, `and`/`or` flattened, duplicates and constants removed."""
    match expr:
        case ir.Not(operand=operand):
            return _negate(operand)
        case ir.And(operands=operands):
            return conjunction([normalize(o) for o in operands])
        case ir.Or(operands=operands):
            return disjunction([normalize(o) for o in operands])
    return expr


def _negate(expr: ir.Expr) -> ir.Expr:
    match expr:
        case ir.Not(operand=operand):
            return normalize(operand)
        case ir.And(operands=operands):
            return disjunction([_negate(o) for o in operands])
        case ir.Or(operands=operands):
            return conjunction([_negate(o) for o in operands])
        case ir.Compare(op=op, left=left, right=right):
            return ir.Compare(_NEGATED[op], left, right)
        case ir.Literal(value=bool() as flag):
            return ir.Literal(not flag)
    return ir.Not(expr)


def conjunction(parts: list[ir.Expr]) -> ir.Expr:
    """`and` of the parts, flattened, without `true` or repeats; `false` absorbs everything."""
    flat: list[ir.Expr] = []
    for part in parts:
        for conjunct in _conjuncts(part):
            if conjunct == FALSE:
                return FALSE
            if conjunct != TRUE and conjunct not in flat:
                flat.append(conjunct)
    if not flat:
        return TRUE
    return flat[0] if len(flat) == 1 else ir.And(tuple(flat))


def disjunction(parts: list[ir.Expr]) -> ir.Expr:
    """`or` of the parts, flattened, without `false` or repeats; `true` absorbs everything."""
    flat: list[ir.Expr] = []
    for part in parts:
        for disjunct in (part.operands if isinstance(part, ir.Or) else (part,)):
            if disjunct == TRUE:
                return TRUE
            if disjunct != FALSE and disjunct not in flat:
                flat.append(disjunct)
    if not flat:
        return FALSE
    return flat[0] if len(flat) == 1 else ir.Or(tuple(flat))


def _conjuncts(expr: ir.Expr) -> tuple[ir.Expr, ...]:
    return expr.operands if isinstance(expr, ir.And) else (expr,)


def _shared_conjuncts(disjuncts: list[ir.Expr]) -> list[ir.Expr]:
    if len(disjuncts) < 2:
        return []
    first, *rest = (_conjuncts(d) for d in disjuncts)
    return [c for c in first if all(c in other for other in rest)]
