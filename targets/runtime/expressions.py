"""Guard expressions → Kleene evaluators, their text, and the reasons a guard held.

Evaluation: each IR expression is compiled once per graph into a Python closure
over an `Env` (the facts and a per-run cache of define values), so a run does no
type dispatch and evaluates each define at most once. Unknown is `None`: facts
never hold `None` (a `null` fact is simply absent), and every operator follows the
Kleene tables of docs/semantics.md.

Explanation: `explain(expr, env, want)` lists the atoms (comparisons, memberships,
boolean inputs and defines) that make `expr` evaluate to `want`, as text such as
`abi ≤ 0.9 (abi = 0.85)` or `pedal_pulses = absent`. For a true `or` only the true
operands are named, for a false `and` only the false ones: the shortest honest
answer to "why". The JavaScript runtime prints the same strings; the format is
specified in docs/running.md.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from compiler import ir

Value = bool | float | str | None  # None is unknown
Evaluator = Callable[["Env"], Value]

SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "!=": "≠"}
NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "=": operator.eq, "!=": operator.ne}
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul}

# precedence for printing: higher binds tighter
_PRECEDENCE_OR, _PRECEDENCE_AND, _PRECEDENCE_NOT, _PRECEDENCE_COMPARE = 1, 2, 3, 4
_PRECEDENCE_ARITHMETIC = {"+": 5, "-": 5, "*": 6, "/": 6}
_PRECEDENCE_ATOM = 9


class Env:
    """One run's state: the known facts and the define values computed so far."""

    __slots__ = ("facts", "defines")

    def __init__(self, facts: Mapping[str, Any]) -> None:
        self.facts = facts
        self.defines: dict[str, Value] = {}


class Compiler:
    """Compiles the expressions of one graph; defines are compiled once and memoised per run."""

    def __init__(self, graph: ir.Graph) -> None:
        self.define_exprs = {d.name: d.expr for d in graph.defines}
        self.define_evaluators: dict[str, Evaluator] = {}

    def compile(self, expr: ir.Expr) -> Evaluator:
        method = getattr(self, "_" + type(expr).__name__.lower(), None)
        if method is None:
            raise ValueError(f"{type(expr).__name__} cannot be evaluated on a patient")
        return method(expr)

    def define(self, name: str) -> Evaluator:
        if name not in self.define_evaluators:
            self.define_evaluators[name] = self.compile(self.define_exprs[name])
        return self.define_evaluators[name]

    def _literal(self, e: ir.Literal) -> Evaluator:
        value = e.value
        return lambda env: value

    def _inputref(self, e: ir.InputRef) -> Evaluator:
        name = e.name
        return lambda env: env.facts.get(name)

    def _known(self, e: ir.Known) -> Evaluator:
        name = e.name
        return lambda env: name in env.facts

    def _defineref(self, e: ir.DefineRef) -> Evaluator:
        name = e.name
        evaluate = self.define(name)

        def define_value(env: Env) -> Value:
            cache = env.defines
            if name in cache:
                return cache[name]
            value = cache[name] = evaluate(env)
            return value

        return define_value

    def _not(self, e: ir.Not) -> Evaluator:
        operand = self.compile(e.operand)

        def negation(env: Env) -> Value:
            value = operand(env)
            return None if value is None else not value

        return negation

    def _and(self, e: ir.And) -> Evaluator:
        operands = tuple(self.compile(o) for o in e.operands)

        def conjunction(env: Env) -> Value:
            unknown = False
            for operand in operands:
                value = operand(env)
                if value is False:
                    return False
                if value is None:
                    unknown = True
            return None if unknown else True

        return conjunction

    def _or(self, e: ir.Or) -> Evaluator:
        operands = tuple(self.compile(o) for o in e.operands)

        def disjunction(env: Env) -> Value:
            unknown = False
            for operand in operands:
                value = operand(env)
                if value is True:
                    return True
                if value is None:
                    unknown = True
            return None if unknown else False

        return disjunction

    def _compare(self, e: ir.Compare) -> Evaluator:
        left, right, compare = self.compile(e.left), self.compile(e.right), _COMPARE[e.op]

        def comparison(env: Env) -> Value:
            a = left(env)
            if a is None:
                return None
            b = right(env)
            if b is None:
                return None
            return compare(a, b)

        return comparison

    def _arithmetic(self, e: ir.Arithmetic) -> Evaluator:
        left, right = self.compile(e.left), self.compile(e.right)
        if e.op == "/":
            def quotient(env: Env) -> Value:
                a, b = left(env), right(env)
                if a is None or b is None or b == 0:
                    return None
                return a / b

            return quotient
        apply = _ARITHMETIC[e.op]

        def arithmetic(env: Env) -> Value:
            a, b = left(env), right(env)
            if a is None or b is None:
                return None
            return apply(a, b)

        return arithmetic

    def _membership(self, e: ir.Membership) -> Evaluator:
        operand = self.compile(e.operand)
        members = frozenset(m.value for m in e.members)

        def membership(env: Env) -> Value:
            value = operand(env)
            return None if value is None else value in members

        return membership

    def _conditionsum(self, e: ir.ConditionSum) -> Evaluator:
        terms = tuple((t.weight, self.compile(t.condition)) for t in e.terms)

        def condition_sum(env: Env) -> Value:
            total, unknown = 0.0, False
            for weight, condition in terms:
                value = condition(env)
                if value is None:
                    unknown = True
                elif value:
                    total += weight
            return None if unknown else total

        return condition_sum


# --- text ---------------------------------------------------------------------------------


def format_number(x: float) -> str:
    """At most 6 significant digits, no trailing zeros, integers without a decimal point."""
    rounded = float(f"{x:.6g}")
    if rounded.is_integer() and abs(rounded) < 1e15:
        return str(int(rounded))
    return repr(rounded)


def format_value(value: Value, unit: str = "") -> str:
    """A fact or literal as text: `true`, `absent`, `0.85`, `3 wk`; `unknown` for None."""
    if value is None:
        return "unknown"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    number = format_number(value)
    return f"{number} {unit}" if unit else number


def expr_text(e: ir.Expr) -> str:
    """An expression as the source would write it, with ≤ ≥ ≠ and minimal parentheses."""
    return _text(e)[0]


def _text(e: ir.Expr) -> tuple[str, int]:
    if isinstance(e, ir.Literal):
        return format_value(e.value, e.unit), _PRECEDENCE_ATOM
    if isinstance(e, (ir.InputRef, ir.DefineRef)):
        return e.name, _PRECEDENCE_ATOM
    if isinstance(e, ir.Known):
        return f"known {e.name}", _PRECEDENCE_NOT
    if isinstance(e, ir.Reaches):
        return f"reaches {e.node}", _PRECEDENCE_NOT
    if isinstance(e, ir.Not):
        return "not " + _wrap(e.operand, _PRECEDENCE_NOT), _PRECEDENCE_NOT
    if isinstance(e, ir.And):
        return " and ".join(_wrap(o, _PRECEDENCE_AND + 1) for o in e.operands), _PRECEDENCE_AND
    if isinstance(e, ir.Or):
        return " or ".join(_wrap(o, _PRECEDENCE_OR + 1) for o in e.operands), _PRECEDENCE_OR
    if isinstance(e, ir.Compare):
        text = f"{_wrap(e.left, _PRECEDENCE_COMPARE + 1)} {SYMBOLS[e.op]} {_wrap(e.right, _PRECEDENCE_COMPARE + 1)}"
        return text, _PRECEDENCE_COMPARE
    if isinstance(e, ir.Arithmetic):
        level = _PRECEDENCE_ARITHMETIC[e.op]
        if e.op == "*" and isinstance(e.left, ir.Literal) and e.left.value == -1:
            return "-" + _wrap(e.right, _PRECEDENCE_ATOM), level
        text = f"{_wrap(e.left, level)} {e.op} {_wrap(e.right, level + 1)}"
        return text, level
    if isinstance(e, ir.Membership):
        members = ", ".join(format_value(m.value) for m in e.members)
        return f"{_wrap(e.operand, _PRECEDENCE_COMPARE + 1)} in {{{members}}}", _PRECEDENCE_COMPARE
    if isinstance(e, ir.ConditionSum):
        if all(t.weight == 1 for t in e.terms):
            return "count(" + ", ".join(expr_text(t.condition) for t in e.terms) + ")", _PRECEDENCE_ATOM
        terms = ", ".join(f"{format_number(t.weight)} if {expr_text(t.condition)}" for t in e.terms)
        return f"sum({terms})", _PRECEDENCE_ATOM
    raise TypeError(f"not an expression: {e!r}")


def _wrap(e: ir.Expr, needed: int) -> str:
    text, level = _text(e)
    return text if level >= needed else f"({text})"


# --- explanation --------------------------------------------------------------------------


class Explainer:
    """Says why guards hold, naming the patient's values in their declared units."""

    def __init__(self, graph: ir.Graph, compiler: Compiler) -> None:
        self.compiler = compiler
        self.units = {i.name: getattr(i.type, "unit", "") for i in graph.inputs}
        self.units.update({d.name: getattr(d.type, "unit", "") for d in graph.defines})
        self._evaluators: dict[int, tuple[ir.Expr, Evaluator]] = {}
        self._atoms: dict[tuple[int, bool], tuple[ir.Expr, str, tuple[str, ...]]] = {}

    def value(self, e: ir.Expr, env: Env) -> Value:
        key = id(e)
        entry = self._evaluators.get(key)
        if entry is None:  # keep `e` alive with its evaluator so its id is never reused
            entry = self._evaluators[key] = (e, self.compiler.compile(e))
        return entry[1](env)

    def explain(self, e: ir.Expr, env: Env, want: bool = True) -> list[str]:
        """The atoms that make `e` evaluate to `want`, as text."""
        if isinstance(e, ir.Not):
            return self.explain(e.operand, env, not want)
        if isinstance(e, (ir.And, ir.Or)):
            decisive = want if isinstance(e, ir.Or) else not want  # one such operand settles it
            operands = e.operands
            if any(self.value(o, env) is decisive for o in operands):
                operands = tuple(o for o in operands if self.value(o, env) is decisive)
            out: list[str] = []
            for o in operands:
                out.extend(self.explain(o, env, want))
            return out
        if isinstance(e, ir.DefineRef):
            body = self.explain(self.compiler.define_exprs[e.name], env, want)
            head = e.name if want else f"not {e.name}"
            return [f"{head}: {' and '.join(body)}"] if body else [head]
        if isinstance(e, ir.InputRef):
            return [e.name if want else f"not {e.name}"]
        if isinstance(e, ir.Known):
            return [f"{e.name} is known" if want else f"{e.name} is unknown"]
        if isinstance(e, ir.Literal):
            return [format_value(e.value)]
        text, names = self._atom(e, want)
        if not names:
            return [text]
        values = ", ".join(f"{n} = {format_value(self._named_value(n, env), self.units.get(n, ''))}" for n in names)
        return [f"{text} ({values})"]

    def _atom(self, e: ir.Expr, want: bool) -> tuple[str, tuple[str, ...]]:
        """A comparison or membership as text (negated when `want` is false) and the names whose values it shows."""
        key = (id(e), want)
        entry = self._atoms.get(key)
        if entry is None:  # keep `e` alive with its text so its id is never reused
            entry = self._atoms[key] = (e, *_atom_text(e, want))
        return entry[1], entry[2]

    def _named_value(self, name: str, env: Env) -> Value:
        if name in self.compiler.define_exprs:
            if name not in env.defines:
                env.defines[name] = self.compiler.define(name)(env)
            return env.defines[name]
        return env.facts.get(name)


def _atom_text(e: ir.Expr, want: bool) -> tuple[str, tuple[str, ...]]:
    if isinstance(e, ir.Compare):
        op = e.op if want else NEGATED[e.op]
        text = expr_text(ir.Compare(op, e.left, e.right))
        if op == "=" and isinstance(e.right, ir.Literal) and isinstance(e.left, (ir.InputRef, ir.DefineRef)):
            return text, ()  # `pedal_pulses = absent` already says the value
        return text, _names_read_directly(e)
    text = expr_text(e)
    if isinstance(e, ir.Membership) and not want:
        text = text.replace(" in {", " not in {", 1)
    return text, _names_read_directly(e)


def _names_read_directly(expr: ir.Expr) -> tuple[str, ...]:
    """Input and define names in `expr`, not looking inside defines, in order of appearance."""
    seen: dict[str, None] = {}

    def walk(e: ir.Expr) -> None:
        if isinstance(e, (ir.InputRef, ir.DefineRef)):
            seen[e.name] = None
        elif isinstance(e, ir.Not):
            walk(e.operand)
        elif isinstance(e, (ir.And, ir.Or)):
            for o in e.operands:
                walk(o)
        elif isinstance(e, (ir.Compare, ir.Arithmetic)):
            walk(e.left)
            walk(e.right)
        elif isinstance(e, ir.Membership):
            walk(e.operand)
        elif isinstance(e, ir.ConditionSum):
            for t in e.terms:
                walk(t.condition)

    walk(expr)
    return tuple(seen)
