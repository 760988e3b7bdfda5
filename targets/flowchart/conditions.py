"""Guards → the condition printed on a chart's arrow, for a reader who has only the paper.

`format_expr` prints a guard as written: `PAD`, `no arterial signal`, `d dimer =
positive or d dimer = negative`. On a printed chart the reader cannot hover to see
what `PAD` means, so the arrow states it:

- a define whose own expression compares with a number is spelled out, so thresholds
  and units are on the arrow (`PAD` → `ABI ≤ 0.9`, `DVT likely` → `Wells score ≥ 2`);
  a define without a threshold keeps its name (`no arterial signal` reads well);
- a negated threshold flips its comparison (`not DVT likely` → `Wells score < 2`);
  another negated define reads `not <name>`, since `no DVT likely` misleads;
- alternatives on one enum input merge (`pulses = absent or diminished`), and when
  they cover every member they say so (`any D-dimer result`), or name the one member
  left out (`pulses ≠ uncertain`);
- a score (`sum(…)`, `count(…)`) keeps its define's name; `score_items` lists its
  items and points, which the chart draws beside the decision that reads it.

The text is plain (the back ends escape it). This is the chart's own wording; the
shared expression printer prints guards as written everywhere else.
"""

from __future__ import annotations

from attrs import frozen

from carepath.compiler import ir
from carepath.compiler.printer import number_display
from carepath.targets.flowchart.expressions import format_expr, format_literal, humanize

_COMPARISONS = ("<", "<=", ">", ">=", "=", "!=")
_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}


def condition_label(expr: ir.Expr, graph: ir.Graph) -> str:
    """A guard as a chart's arrow states it (see the module docstring)."""
    return _text(_rewrite(expr, _Context(graph)), _LOOSEST)


def score_items(graph: ir.Graph, names: tuple[str, ...]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The scores among `names` (defines), each as (title, [(item, points)]), in order."""
    defines = {define.name: define.expr for define in graph.defines}
    scores = []
    for name in names:
        expr = defines.get(name)
        if isinstance(expr, ir.ConditionSum):
            context = _Context(graph)
            items = [(_text(_rewrite(term.condition, context), _LOOSEST), _points(term)) for term in expr.terms]
            title = humanize(name)
            scores.append((title[:1].upper() + title[1:], items))
    return scores


def scores_read(expr: ir.Expr, graph: ir.Graph) -> tuple[str, ...]:
    """The score defines a guard reads, directly or through threshold defines it spells out."""
    context = _Context(graph)
    found: dict[str, None] = {}
    for part in ir.walk(_rewrite(expr, context)):
        if isinstance(part, ir.DefineRef) and isinstance(context.defines.get(part.name), ir.ConditionSum):
            found[part.name] = None
    return tuple(found)


def _points(term: ir.Term) -> str:
    """A term's points as the author wrote them, signed: `+1`, `-2`."""
    text = getattr(term, "text", "") or number_display(term.weight)
    return text if text.startswith(("-", "−")) else "+" + text


class _Context:
    def __init__(self, graph: ir.Graph) -> None:
        self.graph = graph
        self.defines = {define.name: define.expr for define in graph.defines}
        self.enums = {i.name: i.type.members for i in graph.inputs if isinstance(i.type, ir.EnumType)}

    def spelled_out(self, name: str) -> ir.Expr | None:
        """A define's expression when the chart spells it out: it compares with a number."""
        expr = self.defines.get(name)
        if expr is None or isinstance(expr, ir.ConditionSum):
            return None
        return expr if _has_threshold(expr) else None


def _has_threshold(expr: ir.Expr) -> bool:
    """Whether the expression itself (not through other defines) compares with a number."""
    for part in ir.walk(expr):
        if isinstance(part, ir.Compare) and part.op in ("<", "<=", ">", ">="):
            return True
        if isinstance(part, ir.Compare) and any(
            isinstance(side, ir.Literal) and _is_number(side.value) for side in (part.left, part.right)
        ):
            return True
    return False


def _is_number(value) -> bool:
    return not isinstance(value, bool | str)


def _rewrite(expr: ir.Expr, context: _Context) -> ir.Expr:
    match expr:
        case ir.DefineRef(name=name) if context.spelled_out(name) is not None:
            return _rewrite(context.spelled_out(name), context)
        case ir.Not(operand=operand):
            inner = _rewrite(operand, context)
            if isinstance(inner, ir.Compare):
                return ir.Compare(_NEGATED[inner.op], inner.left, inner.right)
            if isinstance(inner, ir.DefineRef):
                return _Worded(f"not {humanize(inner.name)}")
            return ir.Not(inner)
        case ir.And(operands=operands):
            return ir.And(tuple(_rewrite(o, context) for o in operands))
        case ir.Or(operands=operands):
            return _merge_alternatives(tuple(_rewrite(o, context) for o in operands), context)
        case ir.Membership(operand=ir.InputRef(name=name), members=members) if name in context.enums:
            return _members_text(name, [m.value for m in members], context) or expr
    return expr


def _merge_alternatives(operands: tuple[ir.Expr, ...], context: _Context) -> ir.Expr:
    """`x = a or x = b or …` on one enum input → one condition naming the members."""
    groups: dict[str, list[str]] = {}
    for operand in operands:
        name, value = _enum_equality(operand, context)
        if name is not None:
            groups.setdefault(name, []).append(value)
    merged: list[ir.Expr] = []
    done: set[str] = set()
    for operand in operands:
        name, _ = _enum_equality(operand, context)
        if name is None or len(groups[name]) == 1:
            merged.append(operand)
        elif name not in done:
            done.add(name)
            merged.append(_members_text(name, groups[name], context))
    return merged[0] if len(merged) == 1 else ir.Or(tuple(merged))


def _enum_equality(expr: ir.Expr, context: _Context) -> tuple[str | None, str | None]:
    if isinstance(expr, ir.Compare) and expr.op == "=" and isinstance(expr.left, ir.InputRef):
        if expr.left.name in context.enums and isinstance(expr.right, ir.Literal):
            return expr.left.name, expr.right.value
    return None, None


def _members_text(name: str, values: list[str], context: _Context) -> ir.Expr:
    members = context.enums[name]
    chosen = [m for m in members if m in values]
    if len(chosen) == len(members):
        return _Worded(f"any {humanize(name)} result")
    if len(members) >= 3 and len(chosen) == len(members) - 1:
        left_out = next(m for m in members if m not in chosen)
        return _Worded(f"{humanize(name)} ≠ {humanize(left_out)}")
    return _Worded(f"{humanize(name)} = " + " or ".join(format_literal(ir.Literal(m)) for m in chosen))


@frozen
class _Worded:
    """A part of a condition already worded for the chart (`any D-dimer result`)."""

    text: str


# Binding strength for the chart's own parts, loosest first; anything else prints as
# one unit through `format_expr` (a comparison, a membership, a name).
_LOOSEST, _OR, _AND, _NOT, _UNIT = range(5)


def _text(expr, context: int) -> str:
    if isinstance(expr, _Worded):
        level, text = _UNIT, expr.text
    elif isinstance(expr, ir.Or):
        level, text = _OR, " or ".join(_text(o, _AND) for o in expr.operands)
    elif isinstance(expr, ir.And):
        level, text = _AND, " and ".join(_text(o, _NOT) for o in expr.operands)
    elif isinstance(expr, ir.Not) and not isinstance(expr.operand, ir.InputRef | ir.Known | ir.Compare):
        level, text = _NOT, "not " + _text(expr.operand, _UNIT)
    else:
        level, text = _UNIT, format_expr(expr)
    return f"({text})" if level < context else text
