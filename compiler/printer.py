"""The one expression printer: IR expressions and values → the text people read.

Explanations (`because`), diagnostics, scenario reports, charts and the review
document all print expressions here, so precedence, negation, units and numbers
look the same everywhere. Numbers print as the author wrote them (`0.90`, kept in
`Literal.text`); computed values print exactly when they are terminating decimals
(`0.85`, `3.5`) and as a rounded decimal marked `≈` otherwise (`≈0.428571`), never
as a binary float.

Two styles share the algorithm: `SOURCE` prints what the language would accept
(`abi <= 0.90` as `abi ≤ 0.90`, `pedal_pulses in {absent, uncertain}`); `CHART`
prints for a clinician's eyes (`ABI ≤ 0.90`, `pedal pulses is absent or
uncertain`, `no PAD`, `mmHg`). The text is plain, not escaped: each back end
escapes it for its own notation.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from attrs import frozen

from carepath.compiler import ir
from carepath.compiler.semantics import Num

COMPARISON_SIGNS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "!=": "≠"}
NEGATED_COMPARISON = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}

# Binding strength, loosest first: a child binding more loosely than its context is bracketed.
_OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _ATOM = range(7)
_ARITHMETIC_LEVEL = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}


def _same(text: str) -> str:
    return text


@frozen
class Style:
    name: Callable[[str], str] = _same
    unit: Callable[[str], str] = _same
    true: str = "true"
    false: str = "false"
    arithmetic: tuple[tuple[str, str], ...] = (("+", "+"), ("-", "-"), ("*", "*"), ("/", "/"))
    readable: bool = False  # `no pad`, `x is a or b`, `x known`, `score(...)`


SOURCE = Style()


def number_display(value: Fraction | int) -> str:
    """An exact number for reading: exact when it terminates, else `≈` and 6 significant digits."""
    text = ir.number_text(value)
    if "/" not in text:
        return text
    rounded = f"{float(Fraction(value)):.6g}"
    return "≈" + rounded


def value_text(value, unit: str = "", style: Style = SOURCE) -> str:
    """A fact or computed value: `true`, `absent`, `0.85`, `3 wk`; `unknown` for None."""
    if value is None:
        return "unknown"
    if value is True or value is False:
        return style.true if value else style.false
    if isinstance(value, str):
        return style.name(value) if style.readable else value
    if isinstance(value, Num):  # a sum with unknown terms
        number = f"between {number_display(value.low)} and {number_display(value.high)}"
    else:
        number = number_display(value)
    return f"{number} {style.unit(unit)}" if unit else number


def literal_text(literal: ir.Literal, style: Style = SOURCE) -> str:
    """A literal as the author wrote it (`0.90`, `6 wk`, `absent`)."""
    value = literal.value
    if isinstance(value, (bool, str)):
        return value_text(value, style=style)
    if literal.text:
        number, _, unit = literal.text.partition(" ")
        return f"{number} {style.unit(unit)}" if unit else number
    return value_text(value, literal.unit, style)


def expr_text(expr: ir.Expr, style: Style = SOURCE) -> str:
    """An expression with minimal parentheses, comparison signs ≤ ≥ ≠."""
    return _format(expr, _OR, style)


def negate(expr: ir.Expr) -> ir.Expr:
    """`not expr`, with the negation pushed into a comparison (`not a < b` is `a ≥ b` under Kleene logic too)."""
    match expr:
        case ir.Not(operand=operand):
            return operand
        case ir.Compare(op=op, left=left, right=right, span=span):
            return ir.Compare(NEGATED_COMPARISON[op], left, right, span=span)
    return ir.Not(expr, span=getattr(expr, "span", ir.UNKNOWN_SPAN))


def sum_text(terms: tuple[ir.Term, ...], style: Style = SOURCE) -> str:
    if all(term.weight == 1 for term in terms):
        return "count(" + ", ".join(_format(t.condition, _OR + 1, style) for t in terms) + ")"
    head = "score(" if style.readable else "sum("
    parts = (f"{t.text or number_display(t.weight)} if {_format(t.condition, _OR + 1, style)}" for t in terms)
    return head + ", ".join(parts) + ")"


def _format(expr: ir.Expr, context: int, style: Style) -> str:
    level, text = _bare(expr, style)
    return f"({text})" if level < context else text


def _bare(expr: ir.Expr, style: Style) -> tuple[int, str]:
    readable = style.readable
    match expr:
        case ir.Literal():
            return _ATOM, literal_text(expr, style)
        case ir.InputRef(name=name) | ir.DefineRef(name=name):
            return _ATOM, style.name(name)
        case ir.Convert(operand=operand):
            return _bare(operand, style)
        case ir.Known(name=name):
            return (_COMPARE, f"{style.name(name)} known") if readable else (_NOT, f"known {name}")
        case ir.Reaches(node=node):
            return _COMPARE if readable else _NOT, f"reaches {style.name(node)}"
        case ir.Not(operand=ir.InputRef(name=name) | ir.DefineRef(name=name)) if readable:
            return _NOT, f"no {style.name(name)}"
        case ir.Not(operand=ir.Known(name=name)) if readable:
            return _COMPARE, f"{style.name(name)} unknown"
        case ir.Not(operand=ir.Compare() as comparison) if readable:
            return _bare(negate(comparison), style)
        case ir.Not(operand=operand):
            return _NOT, f"not {_format(operand, _NOT, style)}"
        case ir.And(operands=operands):
            return _AND, " and ".join(_format(o, _AND + 1, style) for o in operands)
        case ir.Or(operands=operands):
            return _OR, " or ".join(_format(o, _OR + 1, style) for o in operands)
        case ir.Compare(op=op, left=left, right=right):
            return _COMPARE, f"{_format(left, _SUM, style)} {COMPARISON_SIGNS[op]} {_format(right, _SUM, style)}"
        case ir.Arithmetic(op="*", left=ir.Literal(value=-1), right=right) if not isinstance(right, ir.Literal):
            return _PRODUCT, "-" + _format(right, _ATOM, style)
        case ir.Arithmetic(op=op, left=left, right=right):
            level = _ARITHMETIC_LEVEL[op]
            right_context = level + 1 if op in "-/" else level  # left-associative
            sign = dict(style.arithmetic)[op]
            return level, f"{_format(left, level, style)} {sign} {_format(right, right_context, style)}"
        case ir.Membership(operand=operand, members=members):
            if readable:
                options = " or ".join(literal_text(m, style) for m in members)
                return _COMPARE, f"{_format(operand, _SUM, style)} is {options}"
            options = ", ".join(literal_text(m, style) for m in members)
            return _COMPARE, f"{_format(operand, _SUM, style)} in {{{options}}}"
        case ir.ConditionSum(terms=terms):
            return _ATOM, sum_text(terms, style)
    raise TypeError(f"not an expression: {expr!r}")
