"""Encoding: inputs and IR expressions → z3 terms under the three-valued semantics.

Every input becomes two z3 constants: its value (a Bool, a Real in the declared
unit, or an Int indexing the enum's members) constrained to its domain, and a
Bool saying whether the fact is known. A condition becomes a `Tri`, a pair of
z3 Bools (is true, is false); "unknown" is neither. Connectives,
comparisons, arithmetic and condition sums are the semantics kernel's
(`compiler.semantics`), the same functions the runtime applies to a patient's
values, run here on z3 terms; numbers are exact z3 reals; `known x` is never unknown.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from fractions import Fraction

import z3
from attrs import frozen

from carepath.compiler import ir, semantics
from carepath.compiler.semantics import Num


def conjunction(terms: Iterable[z3.BoolRef]) -> z3.BoolRef:
    """`z3.And` of Bool terms, made through z3's C API.

    `z3.And` first coerces every argument to a common sort through Python wrappers
    (about 100 µs for six terms, this takes 5), and the verifier builds thousands of
    conjunctions and disjunctions, always of Bool terms.
    """
    return _connective(z3.Z3_mk_and, terms)


def disjunction(terms: Iterable[z3.BoolRef]) -> z3.BoolRef:
    """`z3.Or` of Bool terms, made as `conjunction` is."""
    return _connective(z3.Z3_mk_or, terms)


def negation(term: z3.BoolRef) -> z3.BoolRef:
    """`z3.Not` of a Bool term, made as `conjunction` is."""
    return z3.BoolRef(z3.Z3_mk_not(term.ctx.ref(), term.as_ast()), term.ctx)


def _connective(make, terms: Iterable[z3.BoolRef]) -> z3.BoolRef:
    terms = list(terms)
    if not all(isinstance(term, z3.BoolRef) for term in terms):  # a Python bool would not be a term
        raise TypeError(f"not Bool terms: {terms!r}")
    ctx = terms[0].ctx if terms else z3.main_ctx()
    return z3.BoolRef(make(ctx.ref(), len(terms), (z3.Ast * len(terms))(*(t.as_ast() for t in terms))), ctx)


@frozen
class Tri:
    """A three-valued condition: `true` and `false` are never both satisfiable at once."""

    true: z3.BoolRef
    false: z3.BoolRef

    @property
    def known(self) -> z3.BoolRef:
        return disjunction((self.true, self.false))


@frozen
class Value:
    """An enum input's value (`term`, the index of the member) and whether it is known.

    Numbers and quantities are the kernel's `Num`; conditions are `Tri`s.
    """

    term: z3.ExprRef
    known: z3.BoolRef
    members: tuple[str, ...]


@frozen
class EnumName:
    """An enum member written as a literal; its index depends on the enum it meets."""

    name: str


TRUE = Tri(z3.BoolVal(True), z3.BoolVal(False))
FALSE = Tri(z3.BoolVal(False), z3.BoolVal(True))


def rational(number: Fraction | int) -> z3.RatNumRef:
    """An exact number as a z3 real (0.9 is 9/10, not the nearest binary float)."""
    fraction = Fraction(number)
    return z3.RealVal(f"{fraction.numerator}/{fraction.denominator}")


class Z3Logic:
    """The kernel's logic on z3 terms: a truth is a `Tri`, a condition a z3 Bool, a number a z3 Real."""

    TRUE = z3.BoolVal(True)
    FALSE = z3.BoolVal(False)

    @staticmethod
    def truth(true: z3.BoolRef, false: z3.BoolRef) -> Tri:
        return Tri(true, false)

    @staticmethod
    def is_true(t: Tri) -> z3.BoolRef:
        return t.true

    @staticmethod
    def is_false(t: Tri) -> z3.BoolRef:
        return t.false

    @staticmethod
    def all(conditions) -> z3.BoolRef:
        return conjunction(conditions)

    @staticmethod
    def any(conditions) -> z3.BoolRef:
        return disjunction(conditions)

    @staticmethod
    def negate(condition: z3.BoolRef) -> z3.BoolRef:
        return negation(condition)

    @staticmethod
    def choose(condition: z3.BoolRef, then, otherwise):
        return z3.If(condition, then, otherwise)

    @staticmethod
    def constant(value: Fraction) -> z3.RatNumRef:
        return rational(value)

    @staticmethod
    def divide(a, b):
        return a / b


Z3 = Z3Logic()


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
        return Tri(conjunction((known, value)), conjunction((known, negation(value))))

    def value(self, name: str) -> Value | Num:
        kind = self.declarations[name].type
        if isinstance(kind, ir.EnumType):
            return Value(self.values[name], self.known[name], kind.members)
        return Num.exact(self.values[name], self.known[name])

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
        self._define_cache: dict[str, Tri | Value | Num] = {}
        self._encoded: dict[ir.Expr, Tri | Value | Num] = {}

    def with_reaches(self, reaches: Callable[[str], z3.BoolRef]) -> Encoder:
        """This encoder with `Reaches` atoms read from `reaches`, sharing the encoded defines.

        A define never mentions `reaches` (the language allows it in assertions only),
        so every assertion's encoder can reuse the terms of the defines encoded so far.
        """
        encoder = copy.copy(self)  # the defines' cache is the same dict
        encoder.reaches, encoder._encoded = reaches, {}  # any other expression may read `reaches`
        return encoder

    def condition(self, expr: ir.Expr) -> Tri:
        encoded = self._encode(expr)
        assert isinstance(encoded, Tri), f"not a condition: {expr!r}"
        return encoded

    def _encode(self, expr: ir.Expr) -> Tri | Value | Num | EnumName:
        """`expr`'s term, built once per encoder: `review` asks z3 about thousands of
        overlapping sub-expressions, and building z3 terms is the costly part."""
        if isinstance(expr, _COMPOSITE):
            encoded = self._encoded.get(expr)
            if encoded is None:
                encoded = self._encoded[expr] = self._encode_new(expr)
            return encoded
        return self._encode_new(expr)

    def _encode_new(self, expr: ir.Expr) -> Tri | Value | Num | EnumName:
        match expr:
            case ir.Literal(value=bool() as flag):
                return TRUE if flag else FALSE
            case ir.Literal(value=str() as name):
                return EnumName(name)
            case ir.Literal(value=number):
                return Num.exact(rational(number), Z3.TRUE)
            case ir.InputRef(name=name):
                return self.inputs.condition(name) if self.inputs.is_condition(name) else self.inputs.value(name)
            case ir.DefineRef(name=name):
                if name not in self._define_cache:
                    self._define_cache[name] = self._encode(self.defines[name].expr)
                return self._define_cache[name]
            case ir.Not(operand=operand):
                return semantics.not_(Z3, self.condition(operand))
            case ir.And(operands=operands):
                return semantics.and_(Z3, [self.condition(o) for o in operands])
            case ir.Or(operands=operands):
                return semantics.or_(Z3, [self.condition(o) for o in operands])
            case ir.Compare(op=op, left=left, right=right):
                return self._compare(op, self._encode(left), self._encode(right))
            case ir.Arithmetic(op=op, left=left, right=right):
                return semantics.arithmetic(Z3, op, self._number(left), self._number(right))
            case ir.Convert(operand=operand, factor=factor):
                return semantics.arithmetic(Z3, "*", self._number(operand), Num.exact(rational(factor), Z3.TRUE))
            case ir.Membership(operand=operand, members=members):
                value = self._encode(operand)
                return semantics.or_(Z3, [self._compare("=", value, self._encode(m)) for m in members])
            case ir.ConditionSum(terms=terms):
                return semantics.condition_sum(Z3, [(term.weight, self.condition(term.condition)) for term in terms])
            case ir.Known(name=name):
                known = self._knownness(name)
                return Tri(known, negation(known))
            case ir.Reaches(node=node):
                assert self.reaches is not None, "`reaches` outside an assertion"
                reached = self.reaches(node)
                return Tri(reached, negation(reached))
        raise AssertionError(f"unexpected expression {expr!r}")

    def _knownness(self, name: str) -> z3.BoolRef:
        if name in self.inputs.known:
            return self.inputs.known[name]
        encoded = self._encode(ir.DefineRef(name))
        if isinstance(encoded, Num):
            return encoded.defined if encoded.is_exact else conjunction((encoded.defined, encoded.low == encoded.high))
        return encoded.known

    def _number(self, expr: ir.Expr) -> Num:
        encoded = self._encode(expr)
        assert isinstance(encoded, Num), f"not a number: {expr!r}"
        return encoded

    def _compare(self, op: str, left, right) -> Tri:
        return semantics.compare(Z3, op, _as_num(left, right), _as_num(right, left))


_COMPOSITE = (ir.Not, ir.And, ir.Or, ir.Compare, ir.Arithmetic, ir.Convert, ir.Membership, ir.ConditionSum)


def _as_num(side: Tri | Value | Num | EnumName, other) -> Num:
    """A comparison operand as the kernel's number: conditions as Bools, enum members as indices."""
    if isinstance(side, Num):
        return side
    if isinstance(side, Tri):
        return Num.exact(side.true, side.known)
    if isinstance(side, EnumName):
        assert isinstance(other, Value) and other.members is not None, f"enum member {side.name} compared with a non-enum"
        return Num.exact(z3.IntVal(other.members.index(side.name)), Z3.TRUE)
    return Num.exact(side.term, side.known)


def inputs_read(expr: ir.Expr, defines: dict[str, ir.Define]) -> set[str]:
    """The input names an expression reads, through defines (`known x` reads x)."""
    return set(ir.inputs_read(expr, {name: define.expr for name, define in defines.items()}))