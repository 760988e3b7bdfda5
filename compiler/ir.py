"""The graph IR: checked guideline → one value every back end reads.

This is the single interface between the compiler and the targets (runtime,
verifier, Graphviz, Mermaid, JSON, FHIR, ELM, SQL). The JSON export is this IR
written down, so a loaded graph and a freshly compiled one are equal values.

Everything is a frozen `attrs` class. Spans are carried for diagnostics but are
excluded from equality (`eq=False`), so two graphs that differ only in where their
text sat compare equal: what the round-trip tests need.

Conventions the lowering pass guarantees, so targets never have to re-check them:
- every name an expression reads is a declared input (`InputRef`) or a `define`
  (`DefineRef`, looked up in `Graph.defines`); defines form no cycle;
- a quantity literal compared with a quantity input is already converted into that
  input's declared unit; a runtime only converts *facts* into declared units;
- `Graph.nodes` is in source order (graph order), `start` first;
- a decision's outgoing edges carry `branch`, the index of their `when` line
  (`otherwise` last); edges of every other node kind are unconditional.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from fractions import Fraction
from typing import Union

from attrs import field, frozen

from carepath.diagnostics import UNKNOWN_SPAN, Span


def _span_field():
    return field(default=UNKNOWN_SPAN, eq=False, repr=False, kw_only=True)


class NodeKind(str, enum.Enum):
    START = "start"
    ASSESS = "assess"
    DECIDE = "decide"
    ACTION = "action"
    END = "end"


class HitPolicy(str, enum.Enum):
    FIRST = "first"  # branches in order; the first that holds is taken
    UNIQUE = "unique"  # exactly one branch holds (proved by the verifier)
    ANY = "any"  # every branch that holds is taken: parallel streams


class Urgency(str, enum.Enum):
    EMERGENT = "emergent"  # hours
    URGENT = "urgent"  # days
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """Sort key: emergent actions come out first."""
        return _URGENCY_RANK[self]


_URGENCY_RANK = {Urgency.EMERGENT: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}


# --- types of inputs and expressions ----------------------------------------


@frozen
class BooleanType:
    kind = "boolean"


@frozen
class NumberType:
    low: Fraction | None = None
    high: Fraction | None = None
    kind = "number"


@frozen
class QuantityType:
    unit: str  # UCUM code, e.g. "mm[Hg]", "wk", "%"
    low: Fraction | None = None
    high: Fraction | None = None
    kind = "quantity"


@frozen
class EnumType:
    members: tuple[str, ...]
    kind = "enum"


Type = Union[BooleanType, NumberType, QuantityType, EnumType]


# --- expressions -------------------------------------------------------------


@frozen
class Quantity:
    """A number with a UCUM unit (`unit` is "" for a plain number), and the number as written."""

    value: Fraction
    unit: str = ""
    text: str = ""  # the number as the author wrote it: "0.90"

    @property
    def number_text(self) -> str:
        return self.text or number_text(self.value)

    def __str__(self) -> str:
        return f"{self.number_text} {self.unit}" if self.unit else self.number_text


@frozen
class Literal:
    """A constant: a boolean, an exact number (`unit` set for a quantity) or an enum member (str).

    A number's `value` is in `unit`; `text` is what the author wrote (`"0.90"`,
    `"21 d"` for a literal lowered into a `wk` comparison as 3 wk), for printing.
    """

    value: bool | Fraction | str
    unit: str = ""
    text: str = ""
    span: Span = _span_field()


@frozen
class InputRef:
    name: str
    span: Span = _span_field()


@frozen
class DefineRef:
    name: str
    span: Span = _span_field()


@frozen
class Not:
    operand: Expr
    span: Span = _span_field()


@frozen
class And:
    operands: tuple[Expr, ...]
    span: Span = _span_field()


@frozen
class Or:
    operands: tuple[Expr, ...]
    span: Span = _span_field()


COMPARISON_OPERATORS = ("<", "<=", ">", ">=", "=", "!=")
ARITHMETIC_OPERATORS = ("+", "-", "*", "/")


@frozen
class Compare:
    op: str  # one of COMPARISON_OPERATORS
    left: Expr
    right: Expr
    span: Span = _span_field()


@frozen
class Arithmetic:
    op: str  # one of ARITHMETIC_OPERATORS
    left: Expr
    right: Expr
    span: Span = _span_field()


@frozen
class Convert:
    """A quantity expression expressed in another unit: `operand × factor` (exact).

    Lowering inserts it where two quantity expressions in different units meet
    (`window` in `wk` against `symptom_duration` in `d`); printers show the operand
    as the author wrote it.
    """

    operand: Expr
    unit: str  # the unit the result is in
    factor: Fraction
    span: Span = _span_field()


@frozen
class Membership:
    """`operand in {a, b}`: true when the operand equals one of the members."""

    operand: Expr
    members: tuple[Literal, ...]
    span: Span = _span_field()


@frozen
class Term:
    weight: Fraction
    condition: Expr
    text: str = ""  # the weight as written


@frozen
class ConditionSum:
    """Sum of the weights of the conditions that hold: `count(...)` has weights 1.

    With unknown conditions the sum lies between bounds (each unknown term adds
    between min(0, w) and max(0, w)); a comparison decided by the bounds is decided.
    """

    terms: tuple[Term, ...]
    span: Span = _span_field()


@frozen
class Reaches:
    """`reaches X`, only inside assertion formulas: node X is on the patient's path."""

    node: str
    span: Span = _span_field()


@frozen
class Known:
    """`known x`: true when the fact `x` was given, false when it is missing."""

    name: str
    span: Span = _span_field()


Expr = Union[
    Literal,
    InputRef,
    DefineRef,
    Not,
    And,
    Or,
    Compare,
    Arithmetic,
    Convert,
    Membership,
    ConditionSum,
    Known,
    Reaches,
]


# --- declarations --------------------------------------------------------------


@frozen
class Code:
    """A terminology code for an input: system is e.g. "loinc" or "snomed"."""

    system: str
    code: str
    display: str | None = None


@frozen
class Input:
    name: str
    type: Type
    question: str | None = None
    codes: tuple[Code, ...] = ()
    span: Span = _span_field()


@frozen
class Define:
    name: str
    expr: Expr
    type: Type
    source: str | None = None
    span: Span = _span_field()


@frozen
class Reference:
    id: str
    title: str
    year: int | None = None
    source: str | None = None  # publisher, journal or a note such as "no title given"
    span: Span = _span_field()


@frozen
class Section:
    id: str
    title: str
    span: Span = _span_field()


@frozen
class Timing:
    """When an action is due: `within 6 h`, `in 2 to 4 wk`, `every 1 a`."""

    relation: str  # "within" | "in" | "every"
    low: Quantity
    high: Quantity | None = None

    def __str__(self) -> str:
        if self.high is None:
            return f"{self.relation} {self.low}"
        if self.low.unit == self.high.unit:
            return f"{self.relation} {self.low.number_text} to {self.high}"
        return f"{self.relation} {self.low} to {self.high}"


@frozen
class Dose:
    """A drug with an optional dose range: `"duloxetine" 60 to 120 mg/d`."""

    drug: str
    low: Quantity | None = None
    high: Quantity | None = None

    def __str__(self) -> str:
        if self.low is None:
            return self.drug
        if self.high is None:
            return f"{self.drug} {self.low}"
        return f"{self.drug} {self.low.number_text}–{self.high}"


@frozen
class Line:
    """One `when` line of a decision: its guard and the nodes it leads to."""

    guard: Expr
    targets: tuple[str, ...]
    span: Span = _span_field()


@frozen
class Start:
    id: str
    targets: tuple[str, ...]
    title: str = "Start"
    section: str | None = None
    citations: tuple[str, ...] = ()
    text: str | None = None
    source: str | None = None
    span: Span = _span_field()
    kind = NodeKind.START


@frozen
class Assess:
    """Gathers inputs (`collects`) and goes on to every target."""

    id: str
    title: str
    targets: tuple[str, ...]
    collects: tuple[str, ...] = ()
    section: str | None = None
    citations: tuple[str, ...] = ()
    text: str | None = None
    source: str | None = None
    span: Span = _span_field()
    kind = NodeKind.ASSESS


@frozen
class Decide:
    """A decision: its `when` lines in order and the `otherwise` targets (empty: none)."""

    id: str
    title: str
    policy: HitPolicy
    lines: tuple[Line, ...]
    otherwise: tuple[str, ...] = ()
    section: str | None = None
    citations: tuple[str, ...] = ()
    text: str | None = None
    source: str | None = None
    otherwise_span: Span = _span_field()
    span: Span = _span_field()
    kind = NodeKind.DECIDE

    @property
    def targets(self) -> tuple[str, ...]:
        """Every node a line or the `otherwise` leads to, each once, in line order."""
        seen = dict.fromkeys(t for line in self.lines for t in line.targets)
        seen.update(dict.fromkeys(self.otherwise))
        return tuple(seen)


@frozen
class Action:
    id: str
    title: str
    urgency: Urgency
    targets: tuple[str, ...] = ()
    timing: Timing | None = None
    doses: tuple[Dose, ...] = ()
    section: str | None = None
    citations: tuple[str, ...] = ()
    text: str | None = None
    source: str | None = None
    span: Span = _span_field()
    kind = NodeKind.ACTION


@frozen
class End:
    id: str
    title: str
    section: str | None = None
    citations: tuple[str, ...] = ()
    text: str | None = None
    source: str | None = None
    span: Span = _span_field()
    kind = NodeKind.END

    @property
    def targets(self) -> tuple[str, ...]:
        return ()


Node = Union[Start, Assess, Decide, Action, End]
NODE_CLASSES: tuple[type, ...] = (Start, Assess, Decide, Action, End)


@frozen
class Edge:
    """A way from one node to the next, derived from the nodes (`Graph.edges`).

    On a decision, `branch` is the index of the `when` line the edge belongs to
    (several targets on one line share it) and `guard` its condition; the
    `otherwise` line has `otherwise=True`, no guard and the index after the last
    line. Other nodes' edges have neither: they are always taken.
    """

    source: str
    target: str
    guard: Expr | None = None
    branch: int | None = None
    otherwise: bool = False
    span: Span = _span_field()


class AssertionKind(str, enum.Enum):
    ALWAYS = "always"  # always <formula>: the formula is never false for any patient
    NEVER = "never"  # never <formula>: the formula is never true for any patient
    BEFORE = "before"  # always <target> before <other>, on every path reaching both
    DEPENDS = "depends"  # always <target> depends on <input>: every path to it reads it


@frozen
class Assertion:
    """A property of every patient's path, proved by the verifier.

    ALWAYS and NEVER carry a `formula` over inputs, defines and `Reaches` atoms
    (`a implies b` is lowered to `Or(Not(a), b)`); BEFORE carries `target` and
    `other`; DEPENDS carries `target` and `input`.
    """

    label: str
    kind: AssertionKind
    formula: Expr | None = None
    target: str | None = None
    other: str | None = None
    input: str | None = None
    citations: tuple[str, ...] = ()
    source: str | None = None
    span: Span = _span_field()


@frozen
class NotEncoded:
    """A sentence of the source document deliberately left out of the guideline, and why."""

    quote: str
    reason: str
    span: Span = _span_field()


@frozen
class Fact:
    """One given fact of a scenario; `value` is a Literal (quantities keep their unit)."""

    name: str
    value: Literal
    span: Span = _span_field()


class ExpectationKind(str, enum.Enum):
    REACHES = "reaches"  # expect X
    NOT_REACHES = "not_reaches"  # expect no X
    FIRST = "first"  # expect first X
    FIRST_URGENCY = "first_urgency"  # expect first urgency emergent
    STATUS = "status"  # expect status needs_input
    NEEDS = "needs"  # expect needs abi
    NOT_NEEDS = "not_needs"  # expect no needs abi


@frozen
class Expectation:
    kind: ExpectationKind
    value: str
    span: Span = _span_field()


@frozen
class Scenario:
    name: str
    facts: tuple[Fact, ...]
    expectations: tuple[Expectation, ...]
    span: Span = _span_field()


@frozen
class Graph:
    """A compiled guideline: the verified decision graph.

    `nodes` are in graph order (a topological order, declaration order breaking
    ties: docs/semantics.md), `start` first. Edges, the node index and the
    predecessors are derived from the nodes once, on first use, and kept on the
    graph (`derived`), as is whatever a back end computes once per graph.
    """

    id: str
    title: str
    version: str
    inputs: tuple[Input, ...]
    defines: tuple[Define, ...]
    references: tuple[Reference, ...]
    sections: tuple[Section, ...]
    nodes: tuple[Node, ...]
    assertions: tuple[Assertion, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    not_encoded: tuple[NotEncoded, ...] = ()
    source_sha256: str = ""
    compiler_version: str = ""
    span: Span = _span_field()
    derived: dict = field(factory=dict, init=False, eq=False, repr=False)

    START = "start"

    def cached(self, key: str, build):
        """`build(self)`, computed once per graph and kept with it (a back end's per-graph tables)."""
        try:
            return self.derived[key]
        except KeyError:
            value = self.derived[key] = build(self)
            return value

    @property
    def order(self) -> tuple[str, ...]:
        """Node ids in graph order."""
        return self.cached("order", lambda g: tuple(n.id for n in g.nodes))

    @property
    def index(self) -> Mapping[str, Node]:
        return self.cached("index", lambda g: {n.id: n for n in g.nodes})

    @property
    def edges(self) -> tuple[Edge, ...]:
        """Every edge, source by source in graph order, lines in order, `otherwise` last."""
        return self.cached("edges", _edges)

    @property
    def inputs_by_name(self) -> Mapping[str, Input]:
        return self.cached("inputs_by_name", lambda g: {i.name: i for i in g.inputs})

    @property
    def define_exprs(self) -> Mapping[str, Expr]:
        return self.cached("define_exprs", lambda g: {d.name: d.expr for d in g.defines})

    def node(self, node_id: str) -> Node:
        return self.index[node_id]

    def input(self, name: str) -> Input:
        return self.inputs_by_name[name]

    def outgoing(self, node_id: str) -> tuple[Edge, ...]:
        """Edges leaving a node, in branch order."""
        by_source = self.cached("outgoing", _outgoing)
        return by_source.get(node_id, ())


def _edges(graph: Graph) -> tuple[Edge, ...]:
    edges: list[Edge] = []
    for node in graph.nodes:
        if isinstance(node, Decide):
            for index, line in enumerate(node.lines):
                edges += [Edge(node.id, t, line.guard, index, span=line.span) for t in line.targets]
            edges += [Edge(node.id, t, None, len(node.lines), True, span=node.otherwise_span)
                      for t in node.otherwise]
        else:
            edges += [Edge(node.id, t, span=node.span) for t in node.targets]
    return tuple(edges)


def _outgoing(graph: Graph) -> dict[str, tuple[Edge, ...]]:
    by_source: dict[str, list[Edge]] = {}
    for edge in graph.edges:
        by_source.setdefault(edge.source, []).append(edge)
    return {source: tuple(edges) for source, edges in by_source.items()}


def subexpressions(expr: Expr) -> tuple[Expr, ...]:
    """The direct operands of an expression, left to right."""
    if isinstance(expr, Not):
        return (expr.operand,)
    if isinstance(expr, (And, Or)):
        return expr.operands
    if isinstance(expr, (Compare, Arithmetic)):
        return (expr.left, expr.right)
    if isinstance(expr, Convert):
        return (expr.operand,)
    if isinstance(expr, Membership):
        return (expr.operand, *expr.members)
    if isinstance(expr, ConditionSum):
        return tuple(term.condition for term in expr.terms)
    return ()


def walk(expr: Expr):
    """Every expression in `expr`, itself first, depth first."""
    stack = [expr]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(subexpressions(current)))


def inputs_read(expr: Expr, defines: Mapping[str, Expr]) -> tuple[str, ...]:
    """The input names `expr` reads, through defines too (`known x` reads x), in first-read order.

    `defines` maps each define's name to its expression (`{d.name: d.expr for d in graph.defines}`).
    """
    found: dict[str, None] = {}
    seen_defines: set[str] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (InputRef, Known)):
            found[node.name] = None
        elif isinstance(node, DefineRef):
            if node.name not in seen_defines:
                seen_defines.add(node.name)
                stack.append(defines[node.name])
        else:
            stack.extend(reversed(subexpressions(node)))
    return tuple(found)


def number_text(value: Fraction | int) -> str:
    """An exact number in canonical text: an integer, a terminating decimal (`0.9`), else `n/d`.

    The graph JSON writes numbers this way, so every runtime reads them exactly.
    """
    value = Fraction(value)
    numerator, denominator = value.numerator, value.denominator
    if denominator == 1:
        return str(numerator)
    twos = fives = 0
    rest = denominator
    while rest % 2 == 0:
        rest //= 2
        twos += 1
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return f"{numerator}/{denominator}"
    places = max(twos, fives)
    scaled = abs(numerator) * 10**places // denominator
    digits = str(scaled).rjust(places + 1, "0")
    sign = "-" if numerator < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")
