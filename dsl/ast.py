"""The syntax tree: parse tree → frozen nodes that say what the author wrote.

The AST is close to the text: names are still names (`Name`), units are still
UCUM strings, nothing is resolved or typed. The compiler's passes give it
meaning. Every node carries the `Span` of its source text; spans are left out of
equality so that `parse(format(parse(text))) == parse(text)` can be asserted.
"""

from __future__ import annotations

from fractions import Fraction

from typing import Union

from attrs import field, frozen

from carepath.diagnostics import UNKNOWN_SPAN, Span


def _span():
    return field(default=UNKNOWN_SPAN, eq=False, repr=False, kw_only=True)


@frozen
class Name:
    """An identifier as written, with where it was written."""

    value: str
    span: Span = _span()

    def __str__(self) -> str:
        return self.value


# --- expressions --------------------------------------------------------------------


@frozen
class NameRef:
    """A bare name in an expression: an input, a define, or an enum member."""

    name: str
    span: Span = _span()


@frozen
class QuantityLit:
    """A number, with its UCUM unit when one was written (`6 wk`, `0.90`)."""

    value: Fraction
    unit: str = ""
    text: str = ""  # the number as written, so the formatter keeps `0.90`
    span: Span = _span()


@frozen
class BoolLit:
    value: bool
    span: Span = _span()


@frozen
class Unary:
    op: str  # "not" | "-"
    operand: Expr
    span: Span = _span()


@frozen
class Binary:
    """`and or implies`, comparisons `< <= > >= = !=`, arithmetic `+ - * /`."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@frozen
class Membership:
    operand: Expr
    values: tuple[Expr, ...]
    span: Span = _span()


@frozen
class WeightedTerm:
    weight: Fraction
    weight_text: str
    condition: Expr
    span: Span = _span()


@frozen
class Count:
    """`count(a, b, c)`: how many of the conditions hold."""

    conditions: tuple[Expr, ...]
    span: Span = _span()


@frozen
class WeightedSum:
    """`sum(2 if a, 1 if b)`: the sum of the weights whose conditions hold."""

    terms: tuple[WeightedTerm, ...]
    span: Span = _span()


@frozen
class KnownTest:
    """`known abi`: whether the fact was given."""

    name: Name
    span: Span = _span()


@frozen
class Reaches:
    """`reaches X`, only in assertions: the patient's path reaches node X."""

    node: Name
    span: Span = _span()


Expr = Union[NameRef, QuantityLit, BoolLit, Unary, Binary, Membership, Count, WeightedSum, KnownTest, Reaches]

COMPARISONS = ("<", "<=", ">", ">=", "=", "!=")
ARITHMETIC = ("+", "-", "*", "/")
LOGICAL = ("and", "or", "implies")


# --- declarations -------------------------------------------------------------------


@frozen
class Header:
    name: Name
    title: str
    version: str | None = None
    version_line: int = field(default=0, eq=False, kw_only=True)  # where `version` was written, for the formatter
    span: Span = _span()


@frozen
class Import:
    path: str
    span: Span = _span()


@frozen
class ReferenceDecl:
    name: Name
    title: str
    year: int | None = None
    publisher: str | None = None
    span: Span = _span()


@frozen
class BooleanTypeExpr:
    span: Span = _span()


@frozen
class Bound:
    value: Fraction
    text: str


@frozen
class NumberTypeExpr:
    low: Bound | None = None
    high: Bound | None = None
    span: Span = _span()


@frozen
class QuantityTypeExpr:
    unit: str
    low: Bound | None = None
    high: Bound | None = None
    unit_span: Span = _span()
    span: Span = _span()


@frozen
class EnumTypeExpr:
    members: tuple[Name, ...]
    span: Span = _span()


TypeExpr = Union[BooleanTypeExpr, NumberTypeExpr, QuantityTypeExpr, EnumTypeExpr]


@frozen
class CodeDecl:
    system: str
    code: str
    display: str | None = None
    span: Span = _span()


@frozen
class InputDecl:
    name: Name
    type: TypeExpr
    question: str | None = None
    question_line: int = field(default=0, eq=False, kw_only=True)  # where `ask` was written, for the formatter
    codes: tuple[CodeDecl, ...] = ()
    span: Span = _span()


@frozen
class DefineDecl:
    name: Name
    expr: Expr
    source: str | None = None  # the quoted sentence of the source document it encodes
    source_line: int = field(default=0, eq=False, kw_only=True)  # where `source` was written, for the formatter
    span: Span = _span()


@frozen
class SectionDecl:
    name: Name
    title: str
    span: Span = _span()


@frozen
class StartDecl:
    targets: tuple[Name, ...]
    span: Span = _span()


@frozen
class AssessDecl:
    name: Name
    title: str
    citations: tuple[Name, ...] = ()
    collects: tuple[Name, ...] = ()
    then: tuple[Name, ...] = ()
    detail: str | None = None
    detail_line: int = field(default=0, eq=False, kw_only=True)  # where `detail` was written, for the formatter
    source: str | None = None  # the quoted sentence of the source document it encodes
    source_line: int = field(default=0, eq=False, kw_only=True)  # where `source` was written, for the formatter
    section: str | None = None  # the section in force where the node was written
    span: Span = _span()


@frozen
class Branch:
    guard: Expr
    targets: tuple[Name, ...]
    span: Span = _span()


@frozen
class Otherwise:
    targets: tuple[Name, ...]
    span: Span = _span()


@frozen
class DecideDecl:
    name: Name
    title: str
    policy: str | None = None  # "first" | "unique" | "any"; None means first
    citations: tuple[Name, ...] = ()
    detail: str | None = None
    detail_line: int = field(default=0, eq=False, kw_only=True)  # where `detail` was written, for the formatter
    branches: tuple[Branch, ...] = ()
    otherwise: Otherwise | None = None
    source: str | None = None  # the quoted sentence of the source document it encodes
    source_line: int = field(default=0, eq=False, kw_only=True)  # where `source` was written, for the formatter
    section: str | None = None
    span: Span = _span()


@frozen
class Amount:
    """`6 h`, `2 to 4 wk`, `60 to 120 mg/d`: a value or a range with units."""

    low: QuantityLit
    high: QuantityLit | None = None
    span: Span = _span()


@frozen
class TimingDecl:
    relation: str  # "within" | "in" | "every"
    amount: Amount
    span: Span = _span()


@frozen
class DoseDecl:
    drug: str
    amount: Amount | None = None
    span: Span = _span()


@frozen
class ActionDecl:
    name: Name
    title: str
    citations: tuple[Name, ...] = ()
    urgency: Name | None = None
    timing: TimingDecl | None = None
    doses: tuple[DoseDecl, ...] = ()
    then: tuple[Name, ...] = ()
    detail: str | None = None
    detail_line: int = field(default=0, eq=False, kw_only=True)  # where `detail` was written, for the formatter
    source: str | None = None  # the quoted sentence of the source document it encodes
    source_line: int = field(default=0, eq=False, kw_only=True)  # where `source` was written, for the formatter
    section: str | None = None
    span: Span = _span()


@frozen
class EndDecl:
    name: Name
    title: str
    citations: tuple[Name, ...] = ()
    detail: str | None = None
    detail_line: int = field(default=0, eq=False, kw_only=True)  # where `detail` was written, for the formatter
    source: str | None = None  # the quoted sentence of the source document it encodes
    source_line: int = field(default=0, eq=False, kw_only=True)  # where `source` was written, for the formatter
    section: str | None = None
    span: Span = _span()


NodeDecl = Union[AssessDecl, DecideDecl, ActionDecl, EndDecl]


@frozen
class Always:
    expr: Expr
    span: Span = _span()


@frozen
class Never:
    expr: Expr
    span: Span = _span()


@frozen
class Before:
    first: Name
    then: Name
    span: Span = _span()


@frozen
class DependsOn:
    node: Name
    input: Name
    span: Span = _span()


Property = Union[Always, Never, Before, DependsOn]


@frozen
class AssertDecl:
    label: str
    citations: tuple[Name, ...] = ()
    properties: tuple[Property, ...] = ()
    source: str | None = None  # the quoted sentence of the source document it encodes
    source_line: int = field(default=0, eq=False, kw_only=True)  # where `source` was written, for the formatter
    span: Span = _span()


@frozen
class FactDecl:
    name: Name
    value: Expr  # NameRef (enum member), QuantityLit or BoolLit
    span: Span = _span()


@frozen
class ExpectDecl:
    kind: str  # one of compiler.ir.ExpectationKind values
    values: tuple[Name, ...]
    span: Span = _span()


@frozen
class ScenarioDecl:
    name: str
    facts: tuple[FactDecl, ...] = ()
    expectations: tuple[ExpectDecl, ...] = ()
    patient: Name | None = None  # `from NAME`: the named patient whose facts it starts from
    span: Span = _span()


@frozen
class PatientDecl:
    """`patient NAME given ...`: facts that scenarios start from, written once."""

    name: Name
    facts: tuple[FactDecl, ...] = ()
    span: Span = _span()


@frozen
class NotEncodedDecl:
    """`not encoded "sentence" because "reason"`: a source sentence left out on purpose."""

    quote: str
    reason: str
    span: Span = _span()


Item = Union[
    Import,
    ReferenceDecl,
    InputDecl,
    DefineDecl,
    SectionDecl,
    StartDecl,
    AssessDecl,
    DecideDecl,
    ActionDecl,
    EndDecl,
    AssertDecl,
    NotEncodedDecl,
    PatientDecl,
    ScenarioDecl,
]


@frozen
class Module:
    """One parsed `.cpath` file."""

    header: Header | None
    items: tuple[Item, ...]
    path: str = field(default="", eq=False)
    span: Span = _span()

    def of_type(self, kind: type) -> list:
        return [item for item in self.items if isinstance(item, kind)]


def subexpressions(expr: Expr) -> tuple[Expr, ...]:
    """The direct operands of an expression, left to right."""
    if isinstance(expr, Unary):
        return (expr.operand,)
    if isinstance(expr, Binary):
        return (expr.left, expr.right)
    if isinstance(expr, Membership):
        return (expr.operand, *expr.values)
    if isinstance(expr, Count):
        return expr.conditions
    if isinstance(expr, WeightedSum):
        return tuple(term.condition for term in expr.terms)
    return ()


def walk(expr: Expr):
    """Every expression in `expr`, itself first, depth first."""
    stack = [expr]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(subexpressions(current)))
