"""Conditions → the words of a sign-off document: `ABI ≤ 0.9`, `acute limb ischemia not confirmed`.

A reach condition is printed as a list of conjuncts (each one a line a clinician
ticks off), each conjunct in the chart vocabulary of `targets.flowchart.expressions`
(names with spaces, clinical abbreviations, comparison signs, units as written)
with three changes that read better in prose: an enum compared with one member
reads `pedal pulses absent` / `acute limb ischemia not confirmed`, a negated name
reads `no pallor` (or `not: no arterial signal` when the name is itself a
negation), and a disjunction inside a conjunction is bracketed.
"""

from __future__ import annotations

from compiler import ir
from targets.flowchart.expressions import format_expr, format_literal, humanize


def conjuncts(expr: ir.Expr) -> list[str]:
    """The condition as the lines of an "all of" list; `[]` when it always holds."""
    if expr == ir.Literal(True):
        return []
    parts = expr.operands if isinstance(expr, ir.And) else (expr,)
    return [words(part) for part in parts]


def words(expr: ir.Expr) -> str:
    """One condition in words; `or` inside `and` is bracketed."""
    return _words(expr, nested=False)


def _words(expr: ir.Expr, nested: bool) -> str:
    match expr:
        case ir.Literal(value=bool() as flag):
            return "always" if flag else "never"
        case ir.Or(operands=operands):
            text = " or ".join(_words(o, nested=True) for o in operands)
            return f"({text})" if nested else text
        case ir.And(operands=operands):
            text = " and ".join(_words(o, nested=True) for o in operands)
            return f"({text})" if nested else text
        case ir.Compare(op="=" | "!=" as op, left=left, right=ir.Literal(value=str()) as member):
            negation = " not" if op == "!=" else ""
            return f"{_words(left, nested=True)}{negation} {format_literal(member)}"
        case ir.Membership(operand=operand, members=members):
            return f"{_words(operand, nested=True)} " + " or ".join(format_literal(m) for m in members)
        case ir.Not(operand=ir.InputRef(name=name) | ir.DefineRef(name=name)):
            name_words = humanize(name)
            return f"not: {name_words}" if name_words.lower().startswith(("no ", "not ")) else f"no {name_words}"
        case ir.Not(operand=ir.Known(name=name)):
            return f"{humanize(name)} unknown"
    return format_expr(expr)
