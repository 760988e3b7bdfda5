"""Lowering: typed `Program` → graph IR (`compiler.ir.Graph`).

What changes on the way down, so that no back end has to know the language:
- names become `InputRef`, `DefineRef` or enum-member `Literal`s;
- `a implies b` becomes `Or(Not(a), b)`; chains of `and`/`or` become n-ary;
  `count(...)` and `sum(w if c, ...)` become one `ConditionSum`;
- a quantity literal compared with a quantity in another unit is converted into
  that unit (`21 d` against a `wk` input becomes `3 wk`), and two quantity
  expressions in different units meet through a scale factor, so a runtime only
  converts facts into declared units;
- a scenario that starts `from` a named patient gets that patient's facts, those
  it gives itself replacing the patient's of the same name;
- nodes are emitted in graph order (a topological order, source order breaking
  ties: docs/semantics.md), `start` first; decisions' edges carry branch indices.
"""

from __future__ import annotations

import hashlib
import heapq
from fractions import Fraction

from carepath.compiler import __version__, ir, units
from carepath.diagnostics import Sink
from carepath.compiler.passes.check_types import declared_type
from carepath.compiler.program import Program
from carepath.dsl import ast


def lower(program: Program, sink: Sink) -> ir.Graph:
    lowering = _Lowering(program)
    header = program.header
    return ir.Graph(
        id=header.name.value,
        title=header.title,
        version=header.version or "",
        inputs=tuple(lowering.input(d) for d in program.inputs.values()),
        defines=tuple(lowering.define(name) for name in program.define_order),
        references=tuple(
            ir.Reference(r.name.value, r.title, r.year, r.publisher, span=r.span)
            for r in program.references.values()
        ),
        sections=tuple(ir.Section(s.name.value, s.title, span=s.span) for s in program.sections.values()),
        nodes=lowering.nodes(),
        assertions=tuple(a for decl in program.assertions for a in lowering.assertion(decl)),
        scenarios=tuple(lowering.scenario(s) for s in program.scenarios),
        not_encoded=tuple(ir.NotEncoded(n.quote, n.reason, span=n.span) for n in program.not_encoded),
        source_sha256=hashlib.sha256(program.source_text.encode("utf-8")).hexdigest(),
        compiler_version=__version__,
        span=header.span,
    )


def graph_order(node_ids: list[str], successors: dict[str, tuple[str, ...]]) -> list[str] | None:
    """Kahn's algorithm, taking the earliest-declared ready node first (docs/semantics.md).

    The one place graph order is computed: the IR keeps its nodes in this order.
    Returns None when the graph has a cycle (the structural pass reports it).
    """
    position = {node: i for i, node in enumerate(node_ids)}
    indegree = dict.fromkeys(node_ids, 0)
    edges: dict[str, list[str]] = {node: [] for node in node_ids}
    for source in node_ids:
        for target in successors.get(source, ()):
            if target in position and target not in edges[source]:
                edges[source].append(target)
                indegree[target] += 1
    ready = [position[n] for n in node_ids if indegree[n] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        node = node_ids[heapq.heappop(ready)]
        order.append(node)
        for successor in edges[node]:
            indegree[successor] -= 1
            if indegree[successor] == 0:
                heapq.heappush(ready, position[successor])
    return order if len(order) == len(node_ids) else None


class _Lowering:
    def __init__(self, program: Program):
        self.program = program
        self.input_types = {name: declared_type(d) for name, d in program.inputs.items()}

    # -- declarations -----------------------------------------------------------------

    def input(self, decl: ast.InputDecl) -> ir.Input:
        codes = tuple(ir.Code(c.system, c.code, c.display) for c in decl.codes)
        return ir.Input(decl.name.value, self.input_types[decl.name.value], decl.question, codes, span=decl.span)

    def define(self, name: str) -> ir.Define:
        decl = self.program.defines[name]
        return ir.Define(name, self.expr(decl.expr), self.program.define_types[name], decl.source, span=decl.span)

    # -- nodes and edges ----------------------------------------------------------------

    def nodes(self) -> tuple[ir.Node, ...]:
        start = self.program.start
        nodes: dict[str, ir.Node] = {ir.Graph.START: ir.Start(
            ir.Graph.START, tuple(t.value for t in start.targets) if start else (),
            span=start.span if start else self.program.main.span)}
        for decl in self.program.nodes.values():
            node = self.node(decl)
            nodes[node.id] = node
        order = graph_order(list(nodes), {n.id: n.targets for n in nodes.values()}) or list(nodes)
        return tuple(nodes[n] for n in order)

    def node(self, decl: ast.NodeDecl) -> ir.Node:
        common = dict(
            id=decl.name.value,
            title=decl.title,
            section=decl.section,
            citations=tuple(c.value for c in decl.citations),
            text=decl.detail,
            source=decl.source,
            span=decl.span,
        )
        if isinstance(decl, ast.AssessDecl):
            return ir.Assess(targets=_names(decl.then), collects=_names(decl.collects), **common)
        if isinstance(decl, ast.DecideDecl):
            lines = tuple(ir.Line(self.expr(b.guard), _names(b.targets), span=b.span) for b in decl.branches)
            otherwise = decl.otherwise
            extra = dict(otherwise=_names(otherwise.targets), otherwise_span=otherwise.span) if otherwise else {}
            return ir.Decide(policy=ir.HitPolicy(decl.policy or "first"), lines=lines, **extra, **common)
        if isinstance(decl, ast.ActionDecl):
            return ir.Action(
                urgency=ir.Urgency(decl.urgency.value) if decl.urgency else ir.Urgency.ROUTINE,
                targets=_names(decl.then),
                timing=self.timing(decl.timing) if decl.timing else None,
                doses=tuple(self.dose(d) for d in decl.doses),
                **common,
            )
        return ir.End(**common)

    @staticmethod
    def quantity(lit: ast.QuantityLit) -> ir.Quantity:
        return ir.Quantity(lit.value, lit.unit, lit.text)

    def timing(self, decl: ast.TimingDecl) -> ir.Timing:
        amount = decl.amount
        high = self.quantity(amount.high) if amount.high else None
        return ir.Timing(decl.relation, self.quantity(amount.low), high)

    def dose(self, decl: ast.DoseDecl) -> ir.Dose:
        if decl.amount is None:
            return ir.Dose(decl.drug)
        high = self.quantity(decl.amount.high) if decl.amount.high else None
        return ir.Dose(decl.drug, self.quantity(decl.amount.low), high)

    # -- assertions and scenarios ------------------------------------------------------------

    def assertion(self, decl: ast.AssertDecl) -> list[ir.Assertion]:
        citations = tuple(c.value for c in decl.citations)
        out = []
        for prop in decl.properties:
            common = dict(label=decl.label, citations=citations, source=decl.source, span=prop.span)
            if isinstance(prop, ast.Always):
                out.append(ir.Assertion(kind=ir.AssertionKind.ALWAYS, formula=self.expr(prop.expr), **common))
            elif isinstance(prop, ast.Never):
                out.append(ir.Assertion(kind=ir.AssertionKind.NEVER, formula=self.expr(prop.expr), **common))
            elif isinstance(prop, ast.Before):
                out.append(ir.Assertion(kind=ir.AssertionKind.BEFORE, target=prop.first.value,
                                        other=prop.then.value, **common))
            else:
                out.append(ir.Assertion(kind=ir.AssertionKind.DEPENDS, target=prop.node.value,
                                        input=prop.input.value, **common))
        return out

    def scenario(self, decl: ast.ScenarioDecl) -> ir.Scenario:
        """A scenario's facts are its patient's, overridden and extended by its own `given`."""
        own = {f.name.value for f in decl.facts}
        patient = self.program.patients.get(decl.patient.value) if decl.patient is not None else None
        inherited = tuple(f for f in patient.facts if f.name.value not in own) if patient is not None else ()
        facts = tuple(ir.Fact(f.name.value, self.fact_value(f), span=f.span) for f in (*inherited, *decl.facts))
        expectations = tuple(
            ir.Expectation(ir.ExpectationKind(e.kind), v.value, span=e.span)
            for e in decl.expectations
            for v in e.values
        )
        return ir.Scenario(decl.name, facts, expectations, span=decl.span)

    def fact_value(self, fact: ast.FactDecl) -> ir.Literal:
        value = fact.value
        if isinstance(value, ast.BoolLit):
            return ir.Literal(value.value, span=value.span)
        if isinstance(value, ast.NameRef):
            return ir.Literal(value.name, span=value.span)
        declared = self.input_types.get(fact.name.value)
        unit = value.unit or (declared.unit if isinstance(declared, ir.QuantityType) else "")
        return ir.Literal(value.value, unit, _written(value), span=value.span)

    # -- expressions ---------------------------------------------------------------------------

    def type_of(self, e: ast.Expr):
        return self.program.types.get(id(e))

    def expr(self, e: ast.Expr) -> ir.Expr:
        span = e.span
        if isinstance(e, ast.BoolLit):
            return ir.Literal(e.value, span=span)
        if isinstance(e, ast.QuantityLit):
            return ir.Literal(e.value, e.unit, _written(e), span=span)
        if isinstance(e, ast.NameRef):
            if e.name in self.program.inputs:
                return ir.InputRef(e.name, span=span)
            if e.name in self.program.defines:
                return ir.DefineRef(e.name, span=span)
            return ir.Literal(e.name, span=span)
        if isinstance(e, ast.KnownTest):
            return ir.Known(e.name.value, span=span)
        if isinstance(e, ast.Reaches):
            return ir.Reaches(e.node.value, span=span)
        if isinstance(e, ast.Unary):
            operand = self.expr(e.operand)
            if e.op == "not":
                return ir.Not(operand, span=span)
            return ir.Arithmetic("*", ir.Literal(Fraction(-1), text="-1"), operand, span=span)
        if isinstance(e, ast.Membership):
            members = tuple(ir.Literal(v.name, span=v.span) for v in e.values)
            return ir.Membership(self.expr(e.operand), members, span=span)
        if isinstance(e, ast.Count):
            return ir.ConditionSum(tuple(ir.Term(Fraction(1), self.expr(c), "1") for c in e.conditions), span=span)
        if isinstance(e, ast.WeightedSum):
            terms = tuple(ir.Term(t.weight, self.expr(t.condition), t.weight_text) for t in e.terms)
            return ir.ConditionSum(terms, span=span)
        return self.binary(e)

    def binary(self, e: ast.Binary) -> ir.Expr:
        if e.op == "implies":
            return ir.Or((ir.Not(self.expr(e.left), span=e.left.span), self.expr(e.right)), span=e.span)
        if e.op in ("and", "or"):
            cls = ir.And if e.op == "and" else ir.Or
            operands = []
            for side in (e.left, e.right):
                lowered = self.expr(side)
                operands.extend(lowered.operands if isinstance(lowered, cls) else (lowered,))
            return cls(tuple(operands), span=e.span)
        left, right = self.expr(e.left), self.expr(e.right)
        left, right = self.align_units(e, left, right)
        if e.op in ast.COMPARISONS:
            return ir.Compare(e.op, left, right, span=e.span)
        return ir.Arithmetic(e.op, left, right, span=e.span)

    def align_units(self, e: ast.Binary, left: ir.Expr, right: ir.Expr) -> tuple[ir.Expr, ir.Expr]:
        """Express the right side in the left side's unit (or the literal in the other's)."""
        lt, rt = self.type_of(e.left), self.type_of(e.right)
        if not (isinstance(lt, ir.QuantityType) and isinstance(rt, ir.QuantityType)) or lt.unit == rt.unit:
            return left, right
        if isinstance(left, ir.Literal) and not isinstance(right, ir.Literal):
            return self.converted(left, rt.unit), right
        if isinstance(right, ir.Literal):
            return left, self.converted(right, lt.unit)
        return left, ir.Convert(right, lt.unit, units.conversion_factor(rt.unit, lt.unit), span=right.span)

    @staticmethod
    def converted(lit: ir.Literal, unit: str) -> ir.Literal:
        """The literal's exact value in `unit`, keeping what the author wrote (`21 d`) for printing."""
        return ir.Literal(units.convert(lit.value, lit.unit, unit), unit, lit.text, span=lit.span)


def _names(names: tuple[ast.Name, ...]) -> tuple[str, ...]:
    return tuple(n.value for n in names)


def _written(lit: ast.QuantityLit) -> str:
    """A number literal as the author wrote it, with its unit: `0.90`, `6 wk`."""
    text = lit.text or ir.number_text(lit.value)
    return f"{text} {lit.unit}" if lit.unit else text
