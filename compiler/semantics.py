"""The semantics kernel: what the language means, written once (docs/semantics.md).

The Python runtime runs these rules on a patient's values; the verifier runs the
very same rules on z3 terms to prove properties of every patient. Each rule is a
function generic over a `Logic`: a three-valued truth type `T` (Kleene: true,
false, unknown), a two-valued condition type `B`, and numbers that support the
ordinary Python operators (`int`/`Fraction` at run time, z3 reals in the
verifier). So what `check` proves is what `run` does, by construction; the
JavaScript runtime, SQL and ELM are held to it by the conformance corpus
(`tests/conformance/`).

What lives here:
- the Kleene connectives;
- comparisons and arithmetic over `Num`, a value known exactly or only between
  bounds (a `count`/`sum` with unknown terms), and the condition sum's bounds;
- the firing rule of a decision's hit policy: which lines fire, whether the
  `otherwise` fires, which lines' unknown inputs are asked, whether it is pending;
- the order in which recommended actions come out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any, Generic, Protocol, TypeVar

from attrs import frozen

from carepath.compiler import ir

T = TypeVar("T")  # a three-valued truth in some logic
B = TypeVar("B")  # a two-valued condition in the same logic


class Logic(Protocol[T, B]):
    """What the rules need from the logic they run in."""

    TRUE: B
    FALSE: B

    def truth(self, true: B, false: B) -> T:
        """The truth that is true when `true` holds, false when `false` holds, else unknown."""

    def is_true(self, t: T) -> B: ...

    def is_false(self, t: T) -> B: ...

    def all(self, conditions: Iterable[B]) -> B: ...

    def any(self, conditions: Iterable[B]) -> B: ...

    def negate(self, condition: B) -> B: ...

    def choose(self, condition: B, then: Any, otherwise: Any) -> Any:
        """`then` when the condition holds, else `otherwise` (numbers)."""

    def constant(self, value: Fraction) -> Any:
        """An exact number as a number of this logic."""

    def divide(self, a: Any, b: Any) -> Any:
        """`a / b`, exact, for `b` not zero."""


# --- Kleene connectives ----------------------------------------------------------------------


def not_(logic: Logic, t):
    return logic.truth(logic.is_false(t), logic.is_true(t))


def and_(logic: Logic, truths: Sequence):
    """True when every operand is true, false when one is false, else unknown."""
    return logic.truth(logic.all(logic.is_true(t) for t in truths), logic.any(logic.is_false(t) for t in truths))


def or_(logic: Logic, truths: Sequence):
    """True when one operand is true, false when every one is false, else unknown."""
    return logic.truth(logic.any(logic.is_true(t) for t in truths), logic.all(logic.is_false(t) for t in truths))


def is_unknown(logic: Logic, t):
    return logic.negate(logic.any((logic.is_true(t), logic.is_false(t))))


# --- numbers -----------------------------------------------------------------------------------


@frozen
class Num(Generic[B]):
    """A number known exactly (`low is high`), or only between bounds, or not at all.

    `defined` says whether the bounds hold; an unknown number is undefined. Bounds
    arise only from a condition sum with unknown terms, so a comparison it
    already decides (`4 known points of 5 ≥ 2`) is decided.
    """

    low: Any
    high: Any
    defined: Any  # B

    @classmethod
    def exact(cls, value, known) -> Num:
        return cls(value, value, known)

    @property
    def is_exact(self) -> bool:
        """Whether low and high are one term (decided when the expression is built, not per patient)."""
        return self.low is self.high


def compare(logic: Logic, op: str, left: Num, right: Num):
    """`left op right`, decided when the bounds decide it (exact numbers: the usual comparison)."""
    defined = logic.all((left.defined, right.defined))
    if op == "!=":
        equal = compare(logic, "=", left, right)
        return logic.truth(logic.is_false(equal), logic.is_true(equal))
    if op == "=":
        if left.is_exact and right.is_exact:
            holds, fails = left.low == right.low, left.low != right.low
        else:
            holds = logic.all((left.low == left.high, right.low == right.high, left.low == right.low))
            fails = logic.any((left.high < right.low, right.high < left.low))
        return logic.truth(logic.all((defined, holds)), logic.all((defined, fails)))
    if op in (">", ">="):
        return compare(logic, "<" if op == ">" else "<=", right, left)
    if op == "<":
        holds, fails = left.high < right.low, left.low >= right.high
    else:  # <=
        holds, fails = left.high <= right.low, left.low > right.high
    return logic.truth(logic.all((defined, holds)), logic.all((defined, fails)))


def arithmetic(logic: Logic, op: str, left: Num, right: Num) -> Num:
    """Exact `+ - * /`; bounds carry through `+`, `-` and scaling; division by zero is unknown.

    A product or quotient of two bounded values is known only where both bounds meet
    (every term of the sums known): there it is the exact result, elsewhere unknown.
    """
    defined = logic.all((left.defined, right.defined))
    if op in "+-" and not (left.is_exact and right.is_exact):
        if op == "+":
            return Num(left.low + right.low, left.high + right.high, defined)
        return Num(left.low - right.high, left.high - right.low, defined)
    if op == "*" and left.is_exact != right.is_exact:
        scale, bounded = (left.low, right) if left.is_exact else (right.low, left)
        positive = scale >= 0
        return Num(logic.choose(positive, bounded.low * scale, bounded.high * scale),
                   logic.choose(positive, bounded.high * scale, bounded.low * scale), defined)
    for side in (left, right):
        if not side.is_exact:
            defined = logic.all((defined, side.low == side.high))
    a, b = left.low, right.low
    if op == "/":
        nonzero = b != 0
        one, zero = logic.constant(Fraction(1)), logic.constant(Fraction(0))
        quotient = logic.choose(nonzero, logic.divide(a, logic.choose(nonzero, b, one)), zero)
        return Num.exact(quotient, logic.all((defined, nonzero)))
    return Num.exact(a + b if op == "+" else a - b if op == "-" else a * b, defined)


def condition_sum(logic: Logic, terms: Sequence[tuple[Fraction, Any]]) -> Num:
    """The sum of the weights of the true conditions; each unknown one adds between min(0, w) and max(0, w)."""
    zero = logic.constant(Fraction(0))
    low, high = [], []
    for weight, condition in terms:
        true, unknown = logic.is_true(condition), is_unknown(logic, condition)
        w = logic.constant(weight)
        low.append(logic.choose(true, w, logic.choose(unknown, logic.constant(min(weight, 0)), zero)))
        high.append(logic.choose(true, w, logic.choose(unknown, logic.constant(max(weight, 0)), zero)))
    return Num(sum(low, zero), sum(high, zero), logic.TRUE)


# --- decisions -----------------------------------------------------------------------------------


@frozen
class Firing:
    """What a decision does, given its guards: each a condition in the logic."""

    fires: tuple  # per line: the line fires
    otherwise: Any  # the `otherwise` line fires (every guard false)
    asks: tuple  # per line: its guard's unknown inputs are asked for
    pending: Any  # the decision waits for a fact


def fire(logic: Logic, policy: ir.HitPolicy, guards: Sequence, targets: Sequence[tuple[str, ...]]) -> Firing:
    """The hit policies (docs/semantics.md, "Decisions").

    - `first`: the first true line fires, if every earlier line is false; an unknown
      line met before any true one leaves the decision pending and is asked for.
    - `unique`: the true line fires (the verifier proves at most one holds); while
      none is true, every unknown line is asked for.
    - `any`: every true line fires; an unknown line is asked for unless the true
      lines already reach all of its targets (it could change nothing).
    - `otherwise` fires when every guard is false; a pending decision fires nothing else.
    """
    true = [logic.is_true(g) for g in guards]
    false = [logic.is_false(g) for g in guards]
    unknown = [is_unknown(logic, g) for g in guards]
    if policy is ir.HitPolicy.ANY:
        fires = tuple(true)
        reached_by: dict[str, list[int]] = {}
        for i, line_targets in enumerate(targets):
            for target in line_targets:
                reached_by.setdefault(target, []).append(i)
        asks = tuple(
            logic.all((unknown[i], logic.negate(logic.all(
                logic.any(true[j] for j in reached_by[target]) for target in targets[i]))))
            for i in range(len(guards)))
    else:
        # `first`: every earlier line false; `unique`: no earlier line true. Built as a running
        # prefix, so a decision of n lines costs n steps, not n².
        fires_list, asks_list, before = [], [], logic.TRUE
        for i in range(len(guards)):
            fires_list.append(logic.all((before, true[i])))
            if policy is ir.HitPolicy.FIRST:
                asks_list.append(logic.all((before, unknown[i])))
                before = logic.all((before, false[i]))
            else:
                before = logic.all((before, logic.negate(true[i])))
        fires = tuple(fires_list)
        if policy is ir.HitPolicy.FIRST:
            asks = tuple(asks_list)
        else:
            none_true = before
            asks = tuple(logic.all((none_true, unknown[i])) for i in range(len(guards)))
    return Firing(fires, logic.all(false), asks, logic.any(asks))


# --- actions ------------------------------------------------------------------------------------------


def action_order(urgency: ir.Urgency, position: int) -> tuple[int, int]:
    """Recommended actions come out emergent, urgent, then routine; within one urgency in graph order."""
    return (urgency.rank, position)


# --- the logic of the runtime: Python values --------------------------------------------------------------


class PythonLogic:
    """Kleene logic over Python values: True, False, None (unknown); conditions are bools."""

    TRUE = True
    FALSE = False

    @staticmethod
    def truth(true: bool, false: bool):
        return True if true else False if false else None

    @staticmethod
    def is_true(t) -> bool:
        return t is True

    @staticmethod
    def is_false(t) -> bool:
        return t is False

    all = staticmethod(all)
    any = staticmethod(any)

    @staticmethod
    def negate(condition: bool) -> bool:
        return not condition

    @staticmethod
    def choose(condition: bool, then, otherwise):
        return then if condition else otherwise

    @staticmethod
    def constant(value: Fraction):
        return value.numerator if value.denominator == 1 else value

    @staticmethod
    def divide(a, b):
        return Fraction(a) / b


PYTHON = PythonLogic()
