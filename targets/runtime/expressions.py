"""Guard expressions → Kleene evaluators, the reasons a guard held, and what it still needs.

Evaluation: each IR expression is compiled once per graph into a Python closure
over an `Env` (the facts and a per-run cache of define values), so a run does no
type dispatch and evaluates each define at most once. The closures apply the
rules of the semantics kernel (`compiler.semantics`, the same code the verifier
proves with): Kleene connectives, exact comparisons and arithmetic, sums bounded
by their unknown terms. Unknown is `None`; numbers are `int` or `Fraction`, never
`float`; a sum with unknown terms that no comparison has decided yet is a
`semantics.Num` holding its bounds.

Explanation: `explain(expr, env, want)` lists the atoms (comparisons, memberships,
boolean inputs and defines) that make `expr` evaluate to `want`, as text such as
`abi ≤ 0.90 (abi = 0.85)` or `pedal_pulses = absent`. For a true `or` only the true
operands are named, for a false `and` only the false ones: the shortest honest
answer to "why". The JavaScript runtime prints the same strings; the format is
specified in docs/running.md.

Needs: `unknown_inputs(expr, env)` lists the inputs under the sub-expressions that
are still unknown: an input under an `or` already true, or a sum term whose
comparison the other terms decide, is not listed (docs/semantics.md, "Ask only
what matters").
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from carepath.compiler import ir, semantics
from carepath.compiler.printer import expr_text, negate, value_text
from carepath.compiler.semantics import PYTHON, Num

Value = bool | int | Fraction | str | Num | None  # None is unknown
Evaluator = Callable[["Env"], Value]

_UNKNOWN = Num(0, 0, False)
_EXACT_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
                  "=": operator.eq, "!=": operator.ne}
_NUMBER = (int, Fraction)


def as_num(value: Value) -> Num:
    """A value as the kernel's number: exact when known, undefined when unknown."""
    if value is None:
        return _UNKNOWN
    if isinstance(value, Num):
        return value
    return Num.exact(value, True)


def from_num(num: Num) -> Value:
    """The kernel's number back as a runtime value: exact, bounded or unknown."""
    if not num.defined:
        return None
    if num.low == num.high:
        return num.low
    return num


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
        value = PYTHON.constant(e.value) if isinstance(e.value, Fraction) else e.value
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
            return semantics.not_(PYTHON, operand(env))

        return negation

    def _and(self, e: ir.And) -> Evaluator:
        operands = tuple(self.compile(o) for o in e.operands)

        def conjunction(env: Env) -> Value:
            return semantics.and_(PYTHON, [operand(env) for operand in operands])

        return conjunction

    def _or(self, e: ir.Or) -> Evaluator:
        operands = tuple(self.compile(o) for o in e.operands)

        def disjunction(env: Env) -> Value:
            return semantics.or_(PYTHON, [operand(env) for operand in operands])

        return disjunction

    def _compare(self, e: ir.Compare) -> Evaluator:
        left, right, op = self.compile(e.left), self.compile(e.right), e.op
        exact = _EXACT_COMPARE[op]

        def comparison(env: Env) -> Value:
            a, b = left(env), right(env)
            if a is None or b is None:
                return None
            if not isinstance(a, Num) and not isinstance(b, Num):
                return exact(a, b)  # the kernel's rule for two exact values, without building `Num`s
            return semantics.compare(PYTHON, op, as_num(a), as_num(b))

        return comparison

    def _arithmetic(self, e: ir.Arithmetic) -> Evaluator:
        left, right, op = self.compile(e.left), self.compile(e.right), e.op

        def arithmetic(env: Env) -> Value:
            return from_num(semantics.arithmetic(PYTHON, op, as_num(left(env)), as_num(right(env))))

        return arithmetic

    def _convert(self, e: ir.Convert) -> Evaluator:
        return self._arithmetic(ir.Arithmetic("*", e.operand, ir.Literal(e.factor), span=e.span))

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
            return from_num(semantics.condition_sum(PYTHON, [(w, condition(env)) for w, condition in terms]))

        return condition_sum


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
            decisive = want  # one such operand settles it: a true one an `or`, a false one an `and`
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
            return [value_text(e.value)]
        text, names = self._atom(e, want)
        if not names:
            return [text]
        values = ", ".join(f"{n} = {value_text(self._named_value(n, env), self.units.get(n, ''))}" for n in names)
        return [f"{text} ({values})"]

    def _atom(self, e: ir.Expr, want: bool) -> tuple[str, tuple[str, ...]]:
        """A comparison or membership as text (negated when `want` is false) and the names whose values it shows."""
        key = (id(e), want)
        entry = self._atoms.get(key)
        if entry is None:  # keep `e` alive with its text so its id is never reused
            entry = self._atoms[key] = (e, *atom_text(e, want))
        return entry[1], entry[2]

    def unknown_inputs(self, e: ir.Expr, env: Env) -> dict[str, None]:
        """The inputs under the still-unknown parts of `e`, in reading order (nothing when `e` is known)."""
        found: dict[str, None] = {}
        stack = [e]
        while stack:
            current = stack.pop()
            if _known(self.value(current, env)):
                continue
            if isinstance(current, ir.InputRef):
                found[current.name] = None
            elif isinstance(current, ir.DefineRef):
                stack.append(self.compiler.define_exprs[current.name])
            else:
                stack.extend(reversed(ir.subexpressions(current)))
        return found

    def _named_value(self, name: str, env: Env) -> Value:
        if name in self.compiler.define_exprs:
            if name not in env.defines:
                env.defines[name] = self.compiler.define(name)(env)
            return env.defines[name]
        return env.facts.get(name)


def _known(value: Value) -> bool:
    return value is not None and not isinstance(value, Num)


def atom_text(e: ir.Expr, want: bool) -> tuple[str, tuple[str, ...]]:
    """A comparison or membership as explanation text and the names whose values follow it (shared
    with the generated executor, which builds these texts once per graph)."""
    if isinstance(e, ir.Compare):
        shown = e if want else negate(e)
        text = expr_text(shown)
        if shown.op == "=" and isinstance(e.right, ir.Literal) and isinstance(e.left, (ir.InputRef, ir.DefineRef)):
            return text, ()  # `pedal_pulses = absent` already says the value
        return text, _names_read_directly(e)
    text = expr_text(e)
    if isinstance(e, ir.Membership) and not want:
        text = text.replace(" in {", " not in {", 1)
    return text, _names_read_directly(e)


def _names_read_directly(expr: ir.Expr) -> tuple[str, ...]:
    """Input and define names in `expr`, not looking inside defines, in order of appearance."""
    return tuple(dict.fromkeys(e.name for e in ir.walk(expr) if isinstance(e, (ir.InputRef, ir.DefineRef))))
