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

from carepath.compiler import ir
from carepath.targets.flowchart.expressions import format_expr, format_literal, humanize


def conjuncts(expr: ir.Expr) -> list[str]:
    """The condition as the lines of an "all of" list; `[]` when it always holds."""
    if expr == ir.Literal(True):
        return []
    parts = expr.operands if isinstance(expr, ir.And) else (expr,)
    return [words(part) for part in parts]


def alternatives(expr: ir.Expr) -> list[list[str]]:
    """Per line of `conjuncts(expr)`, the alternatives to list under it ("one of:") when the line is
    an `or` of which some alternative is itself compound; else `[]` (the line reads on its own)."""
    if expr == ir.Literal(True):
        return []
    parts = expr.operands if isinstance(expr, ir.And) else (expr,)
    return [[words(o) for o in part.operands]
            if isinstance(part, ir.Or) and any(isinstance(o, (ir.And, ir.Or)) for o in part.operands) else []
            for part in parts]


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


def term_text(clauses) -> str:
    """One term of a region (`compiler.logic.diff.Clause`s): bounds on one input merged into an
    interval (`0.8 < ABI ≤ 0.9`), then the other conditions, then what must not hold (`unless …`)."""
    bounds: dict[str, list[ir.Compare]] = {}
    shown: list[str | ir.Expr] = []
    unless: list[ir.Expr] = []
    for clause in clauses:
        expr = clause.expr
        if not clause.holds:
            unless.append(expr)
        elif isinstance(expr, ir.Compare) and expr.op in _BOUND and isinstance(expr.left, ir.InputRef) \
                and isinstance(expr.right, ir.Literal):
            if expr.left.name not in bounds:
                shown.append(expr.left.name)
            bounds.setdefault(expr.left.name, []).append(expr)
        else:
            shown.append(_words(expr, nested=True))
    parts = [_interval(bounds[item]) if item in bounds else item for item in shown]
    text = " and ".join(parts)
    unknown = [e for e in unless if _negation(e) in unless and unless.index(e) < unless.index(_negation(e))]
    parts = [f"{_words(e, nested=True)} unknown" for e in unknown]
    unless = [e for e in unless if e not in unknown and _negation(e) not in unknown]
    if parts:
        text = " and ".join(([text] if text else []) + parts)
    if unless:
        text += (", " if text else "") + "unless " + " or ".join(_words(e, nested=len(unless) > 1) for e in unless)
    return text or "every patient"


def _negation(expr: ir.Expr) -> ir.Expr:
    from carepath.compiler.logic.conditions import normalize

    return normalize(ir.Not(expr))


def region_text(where: tuple[str, ...], terms) -> str:
    """Who a region's patients are: where they are, then the terms (common clauses factored out)."""
    place = ("patients who reach " + " or ".join(f"`{node}`" for node in where)) if where else "patients"
    if len(terms) == 1:
        described = term_text(terms[0])
        return place if described == "every patient" else f"{place} with {described}"
    common = [c for c in terms[0] if all(c in term for term in terms[1:])]
    rests = [term_text([c for c in term if c not in common]) for term in terms]
    lead = f"{place} with {term_text(common)}, and one of:" if common else f"{place} with one of:"
    return "\n".join([lead, *(f"  - {rest}" for rest in rests)])


_BOUND = {"<": "upper", "<=": "upper", ">": "lower", ">=": "lower"}
_SIGN = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}
_MIRRORED = {">": "<", ">=": "≤"}


def _interval(comparisons: list[ir.Compare]) -> str:
    """`abi > 0.8` and `abi <= 0.9` → `0.8 < ABI ≤ 0.9`; a single bound prints as itself."""
    lower = [c for c in comparisons if _BOUND[c.op] == "lower"]
    upper = [c for c in comparisons if _BOUND[c.op] == "upper"]
    if len(lower) != 1 or len(upper) != 1:
        return " and ".join(format_expr(c) for c in comparisons)
    low, high = lower[0], upper[0]
    return (f"{format_literal(low.right)} {_MIRRORED[low.op]} {humanize(low.left.name)} "
            f"{_SIGN[high.op]} {format_literal(high.right)}")
