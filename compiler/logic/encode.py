"""Encoding: inputs and IR expressions → z3 terms under the three-valued semantics.

Every input becomes two z3 constants: its value (a Bool, a Real in the declared
unit, or an Int indexing the enum's members) constrained to its domain, and a
Bool saying whether the fact is known. A condition becomes a `Tri`, a pair of
z3 Bools (is true, is false); "unknown" is neither. This follows
docs/semantics.md line by line, so what the solver proves is what a runtime
executes: Kleene `and`/`or`/`not`, comparisons and arithmetic unknown when a side
is, division by zero unknown, a condition sum unknown when any condition is, and
`known x` never unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction

import z3
from attrs import frozen

from compiler import ir


@frozen
class Tri:
    """A three-valued condition: `true` and `false` are never both satisfiable at once."""

    true: z3.BoolRef
    false: z3.BoolRef

    @property
    def known(self) -> z3.BoolRef:
        return z3.Or(self.true, self.false)


@frozen
class Value:
    """A non-condition value: a number, a quantity or an enum member, and whether it is known.

    `members` is set for enums: `term` is then the index of the member.
    """

    term: z3.ExprRef
    known: z3.BoolRef
    members: tuple[str, ...] | None = None


@frozen
class EnumName:
    """An enum member written as a literal; its index depends on the enum it meets."""

    name: str


TRUE = Tri(z3.BoolVal(True), z3.BoolVal(False))
FALSE = Tri(z3.BoolVal(False), z3.BoolVal(True))


def rational(number: float | int) -> z3.RatNumRef:
    """The exact decimal the author wrote (0.9 is 9/10, not the nearest binary float)."""
    fraction = Fraction(repr(number)) if isinstance(number, float) else Fraction(number)
    return z3.RealVal(f"{fraction.numerator}/{fraction.denominator}")


class Inputs:
    """The z3 constants of a set of input declarations, and their domain constraints."""

    def __init__(self, inputs: Iterable[ir.Input]):
        self.declarations: dict[str, ir.Input] = {}
        self.values: dict[str, z3.ExprRef] = {}
        self.known: dict[str, z3.BoolRef] = {}
        self.domains: dict[str, list[z3.BoolRef]] = {}
        for declaration in inputs:
            self._declare(declaration)

    def _declare(self, declaration: ir.Input) -> None:
        name, kind = declaration.name, declaration.type
        self.declarations[name] = declaration
        self.known[name] = z3.Bool(f"known {name}")
        domain = self.domains[name] = []
        if isinstance(kind, ir.BooleanType):
            self.values[name] = z3.Bool(name)
            return
        if isinstance(kind, ir.EnumType):
            value = self.values[name] = z3.Int(name)
            domain += [value >= 0, value < len(kind.members)]
            return
        value = self.values[name] = z3.Real(name)
        if kind.low is not None:
            domain.append(value >= rational(kind.low))
        if kind.high is not None:
            domain.append(value <= rational(kind.high))

    def condition(self, name: str) -> Tri:
        value, known = self.values[name], self.known[name]
        return Tri(z3.And(known, value), z3.And(known, z3.Not(value)))

    def value(self, name: str) -> Value:
        kind = self.declarations[name].type
        members = kind.members if isinstance(kind, ir.EnumType) else None
        return Value(self.values[name], self.known[name], members)

    def is_condition(self, name: str) -> bool:
        return isinstance(self.declarations[name].type, ir.BooleanType)


class Encoder:
    """Expressions of one graph → z3, with each define encoded once and shared.

    `reaches` supplies the activation formula of a node for `Reaches` atoms
    (assertion formulas only); without it a `Reaches` atom is a programming error.
    """

    def __init__(self, inputs: Inputs, defines: Iterable[ir.Define],
                 reaches: Callable[[str], z3.BoolRef] | None = None):
        self.inputs = inputs
        self.defines = {d.name: d for d in defines}
        self.reaches = reaches
        self._define_cache: dict[str, Tri | Value] = {}

    def condition(self, expr: ir.Expr) -> Tri:
        encoded = self._encode(expr)
        if isinstance(encoded, Value):  # a boolean compared or stored as a value
            return Tri(z3.And(encoded.known, encoded.term), z3.And(encoded.known, z3.Not(encoded.term)))
        assert isinstance(encoded, Tri), f"not a condition: {expr!r}"
        return encoded

    def _encode(self, expr: ir.Expr) -> Tri | Value | EnumName:
        match expr:
            case ir.Literal(value=bool() as flag):
                return TRUE if flag else FALSE
            case ir.Literal(value=str() as name):
                return EnumName(name)
            case ir.Literal(value=number):
                return Value(rational(number), z3.BoolVal(True))
            case ir.InputRef(name=name):
                return self.inputs.condition(name) if self.inputs.is_condition(name) else self.inputs.value(name)
            case ir.DefineRef(name=name):
                if name not in self._define_cache:
                    self._define_cache[name] = self._encode(self.defines[name].expr)
                return self._define_cache[name]
            case ir.Not(operand=operand):
                inner = self.condition(operand)
                return Tri(inner.false, inner.true)
            case ir.And(operands=operands):
                parts = [self.condition(o) for o in operands]
                return Tri(z3.And([p.true for p in parts]), z3.Or([p.false for p in parts]))
            case ir.Or(operands=operands):
                parts = [self.condition(o) for o in operands]
                return Tri(z3.Or([p.true for p in parts]), z3.And([p.false for p in parts]))
            case ir.Compare(op=op, left=left, right=right):
                return self._compare(op, self._encode(left), self._encode(right))
            case ir.Arithmetic(op=op, left=left, right=right):
                return self._arithmetic(op, self._value(left), self._value(right))
            case ir.Membership(operand=operand, members=members):
                value = self._encode(operand)
                holds = [self._compare("=", value, self._encode(m)) for m in members]
                return Tri(z3.Or([h.true for h in holds]), z3.And([h.false for h in holds]))
            case ir.ConditionSum(terms=terms):
                parts = [(term.weight, self.condition(term.condition)) for term in terms]
                total = z3.Sum([z3.If(c.true, rational(w), rational(0)) for w, c in parts])
                return Value(total, z3.And([c.known for _, c in parts]))
            case ir.Known(name=name):
                known = self._knownness(name)
                return Tri(known, z3.Not(known))
            case ir.Reaches(node=node):
                assert self.reaches is not None, "`reaches` outside an assertion"
                reached = self.reaches(node)
                return Tri(reached, z3.Not(reached))
        raise AssertionError(f"unexpected expression {expr!r}")

    def _knownness(self, name: str) -> z3.BoolRef:
        if name in self.inputs.known:
            return self.inputs.known[name]
        encoded = self._encode(ir.DefineRef(name))
        return encoded.known

    def _value(self, expr: ir.Expr) -> Value:
        encoded = self._encode(expr)
        assert isinstance(encoded, Value), f"not a number: {expr!r}"
        return encoded

    def _compare(self, op: str, left: Tri | Value | EnumName, right: Tri | Value | EnumName) -> Tri:
        left, right = _as_value(left, right), _as_value(right, left)
        known = z3.And(left.known, right.known)
        holds = _COMPARE[op](left.term, right.term)
        return Tri(z3.And(known, holds), z3.And(known, z3.Not(holds)))

    def _arithmetic(self, op: str, left: Value, right: Value) -> Value:
        known = z3.And(left.known, right.known)
        if op == "/":
            known = z3.And(known, right.term != 0)
        return Value(_ARITHMETIC[op](left.term, right.term), known)


def _as_value(side: Tri | Value | EnumName, other: Tri | Value | EnumName) -> Value:
    """A comparison operand as a `Value`: conditions as Bools, enum names as indices."""
    if isinstance(side, Tri):
        return Value(side.true, side.known)
    if isinstance(side, EnumName):
        assert isinstance(other, Value) and other.members is not None, f"enum member {side.name} compared with a non-enum"
        return Value(z3.IntVal(other.members.index(side.name)), z3.BoolVal(True))
    return side


_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}

_ARITHMETIC = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def inputs_read(expr: ir.Expr, defines: dict[str, ir.Define]) -> set[str]:
    """The input names an expression reads, through defines (`known x` reads x)."""
    return set(ir.inputs_read(expr, {name: define.expr for name, define in defines.items()}))