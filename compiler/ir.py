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
from typing import Union

from attrs import field, frozen

from dsl.source import UNKNOWN_SPAN, Span


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
    low: float | None = None
    high: float | None = None
    kind = "number"


@frozen
class QuantityType:
    unit: str  # UCUM code, e.g. "mm[Hg]", "wk", "%"
    low: float | None = None
    high: float | None = None
    kind = "quantity"


@frozen
class EnumType:
    members: tuple[str, ...]
    kind = "enum"


Type = Union[BooleanType, NumberType, QuantityType, EnumType]


# --- expressions -------------------------------------------------------------


@frozen
class Quantity:
    """A number with a UCUM unit; `unit` is "" for a plain number."""

    value: float
    unit: str = ""

    def __str__(self) -> str:
        number = f"{self.value:g}"
        return f"{number} {self.unit}" if self.unit else number


@frozen
class Literal:
    """A constant: a boolean, a number, a quantity (`unit` set) or an enum member (str)."""

    value: bool | float | str
    unit: str = ""
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
class Membership:
    """`operand in {a, b}`: true when the operand equals one of the members."""

    operand: Expr
    members: tuple[Literal, ...]
    span: Span = _span_field()


@frozen
class Term:
    weight: float
    condition: Expr


@frozen
class ConditionSum:
    """Sum of the weights of the conditions that hold: `count(...)` has weights 1.

    Unknown when any condition is unknown (Kleene: no guessing a score).
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
            return f"{self.relation} {self.low.value:g} to {self.high}"
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
        return f"{self.drug} {self.low.value:g}–{self.high}"


@frozen
class Node:
    """A step of the workup. Fields that do not apply to a kind are left empty."""

    id: str
    kind: NodeKind
    title: str
    section: str | None = None  # Section.id
    citations: tuple[str, ...] = ()
    text: str | None = None  # longer explanation or evidence, for tooltips and reports
    policy: HitPolicy | None = None  # decide
    urgency: Urgency | None = None  # action
    timing: Timing | None = None  # action
    doses: tuple[Dose, ...] = ()  # action
    collects: tuple[str, ...] = ()  # assess: input names the step gathers
    source: str | None = None
    span: Span = _span_field()


@frozen
class Edge:
    """A way from one node to the next.

    On a decision, `branch` is the index of the `when` line the edge belongs to
    (several targets on one line share it) and `guard` its condition; the
    `otherwise` line has `otherwise=True` and no guard. Other nodes' edges have
    neither: they are always taken when their source is.
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
    """A compiled guideline: the verified decision graph."""

    id: str
    title: str
    version: str
    inputs: tuple[Input, ...]
    defines: tuple[Define, ...]
    references: tuple[Reference, ...]
    sections: tuple[Section, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    assertions: tuple[Assertion, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    source_sha256: str = ""
    compiler_version: str = ""
    not_encoded: tuple[NotEncoded, ...] = ()
    span: Span = _span_field()

    START = "start"

    def node(self, node_id: str) -> Node:
        return self._node_index()[node_id]

    def input(self, name: str) -> Input:
        return {i.name: i for i in self.inputs}[name]

    def outgoing(self, node_id: str) -> tuple[Edge, ...]:
        """Edges leaving a node, in branch order."""
        return tuple(e for e in self.edges if e.source == node_id)

    def _node_index(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}


def subexpressions(expr: Expr) -> tuple[Expr, ...]:
    """The direct operands of an expression, left to right."""
    if isinstance(expr, Not):
        return (expr.operand,)
    if isinstance(expr, (And, Or)):
        return expr.operands
    if isinstance(expr, (Compare, Arithmetic)):
        return (expr.left, expr.right)
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
