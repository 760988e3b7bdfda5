"""Types and units: resolved `Program` → the same, with every expression typed.

The language has four types: true/false, plain numbers, quantities (a number with
a UCUM unit), and enums. This pass infers each expression's type bottom-up and
reports what does not fit: `and` over a number, a guard that is not true/false,
an enum compared with a member it does not have, and units that do not fit
(`hba1c > 7 mg`: a percentage against a mass). Quantities of the same dimension
compare across units (`21 d` against `6 wk`); the lowering pass converts them.
Plain numbers never compare with quantities: `age >= 65` would leave the unit to
guesswork, so the author writes `65 a`.

Types are the IR's own classes (`BooleanType`, `NumberType`, `QuantityType`,
`EnumType`), so a define's type lands in the graph unchanged.
"""

from __future__ import annotations

from attrs import frozen

from carepath.dsl import ast
from carepath.compiler import printer, units
from carepath.diagnostics import Sink
from carepath.compiler.ir import BooleanType, EnumType, NumberType, QuantityType
from carepath.compiler.passes.resolve import suggest
from carepath.compiler.program import Program

BOOLEAN = BooleanType()
NUMBER = NumberType()
TIME_DIMENSION = units.TIME


@frozen
class MemberType:
    """A bare enum member before it meets the enum it is compared with."""

    name: str


@frozen
class ErrorType:
    """Stands for an expression already reported, so one mistake gives one message."""


ERROR = ErrorType()

# How deep a define may nest once the defines it uses are written out (CP0115). The
# verifier and the runtimes recurse once or twice per level: 200 stays well inside
# Python's default recursion limit, and far above any guideline written by hand.
MAX_INLINE_DEPTH = 200


def describe(t) -> str:
    if isinstance(t, BooleanType):
        return "true/false"
    if isinstance(t, NumberType):
        return "a number"
    if isinstance(t, QuantityType):
        return f"a quantity in `{t.unit}`"
    if isinstance(t, EnumType):
        return "one of " + ", ".join(t.members)
    if isinstance(t, MemberType):
        return f"the enum member `{t.name}`"
    return "an invalid value"


def declared_type(decl: ast.InputDecl):
    """The IR type of an input declaration (bounds as plain floats)."""
    t = decl.type
    if isinstance(t, ast.BooleanTypeExpr):
        return BOOLEAN
    if isinstance(t, ast.NumberTypeExpr):
        return NumberType(t.low.value if t.low else None, t.high.value if t.high else None)
    if isinstance(t, ast.QuantityTypeExpr):
        return QuantityType(t.unit, t.low.value if t.low else None, t.high.value if t.high else None)
    return EnumType(tuple(m.value for m in t.members))


def check_types(program: Program, sink: Sink) -> Program:
    checker = _Checker(program, sink)
    checker.inputs()
    checker.defines()
    checker.nodes()
    checker.assertions()
    checker.scenarios()
    return program


class _Checker:
    def __init__(self, program: Program, sink: Sink):
        self.program = program
        self.sink = sink
        self.input_types = {name: declared_type(decl) for name, decl in program.inputs.items()}
        self.members = program.enum_members()

    # -- declarations ------------------------------------------------------------------

    def inputs(self) -> None:
        for decl in self.program.inputs.values():
            t = decl.type
            if isinstance(t, ast.QuantityTypeExpr) and self.unit(t.unit, t.unit_span) is None:
                self.input_types[decl.name.value] = ERROR  # reported once, here; its uses are not judged again
            if isinstance(t, (ast.NumberTypeExpr, ast.QuantityTypeExpr)) and t.low and t.high:
                if t.low.value > t.high.value:
                    self.sink.error("CP0206", f"the range of `{decl.name.value}` is empty",
                                    t.span, label=f"{t.low.text} is above {t.high.text}",
                                    hint="write the lower bound first: `from LOW to HIGH`")

    def defines(self) -> None:
        """Type the defines in dependency order; report cycles (CP0109) and chains nested too deep (CP0115).

        Iterative on purpose: a chain of thousands of defines, each using the one
        before, must be a diagnostic, not a `RecursionError`.
        """
        defines = self.program.defines
        uses = {name: [n.name for n in ast.walk(decl.expr) if isinstance(n, ast.NameRef) and n.name in defines]
                for name, decl in defines.items()}
        order, state, broken = [], {}, set()
        for root in defines:
            if root in state:
                continue
            state[root] = "visiting"
            stack = [(root, iter(uses[root]))]
            while stack:
                name, pending = stack[-1]
                used = next(pending, None)
                if used is None:
                    stack.pop()
                    state[name] = "done"
                    order.append(name)
                elif state.get(used) == "visiting":
                    trail = [entry[0] for entry in stack]
                    cycle = " → ".join([*trail[trail.index(used):], used])
                    self.sink.error("CP0109", f"define `{used}` refers to itself: {cycle}", defines[used].name.span,
                                    hint="a define must be computable from inputs; break the cycle")
                    broken.add(root)
                    for entry in stack:  # the rest of this walk is abandoned, as one finding
                        state[entry[0]] = "done"
                    stack.clear()
                elif used not in state:
                    state[used] = "visiting"
                    stack.append((used, iter(uses[used])))
        for name in broken:
            self.program.define_types[name] = ERROR
        too_deep = self._nesting(order)
        for name in order:
            if name in too_deep:
                self.program.define_types[name] = ERROR
            elif name not in self.program.define_types:
                self.program.define_types[name] = self.infer(defines[name].expr)
        self.program.define_order = [n for n in order if self.program.define_types[n] is not ERROR]

    def _nesting(self, order: list[str]) -> set[str]:
        """Defines whose expression, with the defines it uses written out, nests past `MAX_INLINE_DEPTH`.

        Every later stage (the verifier, both runtimes, the charts) walks a define
        through the defines it uses, so this depth is what bounds their recursion.
        """
        depth: dict[str, int] = {}
        too_deep: set[str] = set()
        for name in order:  # dependencies first
            decl = self.program.defines[name]
            deepest, stack = 0, [(decl.expr, 1)]
            while stack:
                expr, level = stack.pop()
                if isinstance(expr, ast.NameRef) and expr.name in depth:
                    level += depth[expr.name]
                deepest = max(deepest, level)
                stack.extend((sub, level + 1) for sub in ast.subexpressions(expr))
            depth[name] = deepest
            if deepest > MAX_INLINE_DEPTH and not any(
                isinstance(n, ast.NameRef) and n.name in too_deep for n in ast.walk(decl.expr)
            ):
                too_deep.add(name)
                self.sink.error("CP0115", f"define `{name}` nests {deepest} levels deep through the defines it uses "
                                          f"(at most {MAX_INLINE_DEPTH})", decl.name.span,
                                label="nested too deeply",
                                hint="write the condition with fewer layers of defines, each using several others")
            elif any(isinstance(n, ast.NameRef) and n.name in too_deep for n in ast.walk(decl.expr)):
                too_deep.add(name)  # built on one already reported: not reported again
        return too_deep

    def nodes(self) -> None:
        for node in self.program.nodes.values():
            if isinstance(node, ast.DecideDecl):
                for branch in node.branches:
                    self.condition(branch.guard, "a branch's condition")
            elif isinstance(node, ast.ActionDecl):
                if node.urgency is None:
                    self.sink.error("CP0308", f"action `{node.name.value}` has no urgency", node.name.span,
                                    label="urgency missing", hint="add `urgency emergent`, `urgent` or `routine`")
                if node.timing is not None:
                    self.amount(node.timing.amount, time=True)
                for dose in node.doses:
                    if dose.amount is not None:
                        self.amount(dose.amount, time=False)

    def assertions(self) -> None:
        for assertion in self.program.assertions:
            for prop in assertion.properties:
                if isinstance(prop, (ast.Always, ast.Never)):
                    self.condition(prop.expr, "an assertion")

    def scenarios(self) -> None:
        for scenario in [*self.program.patients.values(), *self.program.scenarios]:
            for fact in scenario.facts:
                if self.input_types.get(fact.name.value, ERROR) is not ERROR:
                    self.fact(fact, self.input_types[fact.name.value])

    # -- pieces ------------------------------------------------------------------------------

    def unit(self, code: str, span) -> units.Unit | None:
        try:
            return units.parse_unit(code)
        except units.UnitError as error:
            if units.combines_offset_scale(code):
                self.sink.error("CP0203", f"`{units.shown_code(code)}` cannot be used as a unit", span,
                                label="a temperature scale with an offset zero inside a compound unit",
                                hint="no conversion exists for it; for temperature differences and rates use `K` "
                                     "(e.g. `K/h`)")
                return None
            meant = units.suggest(code)
            hint = (f"did you mean `{meant}`? (UCUM writes it so)" if meant else
                    "write a UCUM unit code, e.g. `mm[Hg]`, `mg/dL`, `wk`, `min`, `/min`, `%` (docs/language.md)")
            self.sink.error("CP0203", f"unknown unit `{units.shown_code(code)}`", span, label=str(error).split(" (")[0],
                            hint=hint)
            return None

    def amount(self, amount: ast.Amount, *, time: bool) -> None:
        for lit in (amount.low, amount.high):
            if lit is None:
                continue
            if not lit.unit:
                what = "a time" if time else "a dose"
                self.sink.error("CP0208", f"{what} needs a unit", amount.span,
                                hint="e.g. `within 6 h`, `in 2 to 4 wk`" if time else "e.g. `60 to 120 mg/d`")
                return
            unit = self.unit(lit.unit, amount.span)
            if unit is None:
                return
            if time and unit.dimension != TIME_DIMENSION:
                self.sink.error("CP0208", f"`{lit.unit}` is not a unit of time", amount.span,
                                hint="use h, d, wk, mo or a")
                return
        if amount.high is not None and amount.low.unit and amount.high.unit:
            try:
                low = units.convert(amount.low.value, amount.low.unit, amount.high.unit)
            except units.UnitError:
                self.sink.error("CP0202", "the two ends of this range have incommensurable units", amount.span)
                return
            if low > amount.high.value:
                self.sink.error("CP0206", "this range is inverted", amount.span,
                                hint="write the lower bound first")

    def fact(self, fact: ast.FactDecl, expected) -> None:
        value, name = fact.value, fact.name.value
        problem = None
        if isinstance(expected, BooleanType):
            if not isinstance(value, ast.BoolLit):
                problem = "is true/false"
        elif isinstance(expected, EnumType):
            if not isinstance(value, ast.NameRef) or value.name not in expected.members:
                problem = "is one of " + ", ".join(expected.members)
                shown = value.name if isinstance(value, ast.NameRef) else None
                if shown:
                    hint = suggest(shown, expected.members)
                    if hint:
                        problem += f"; {hint}"
        elif isinstance(value, ast.QuantityLit):
            problem = self.fact_number(value, expected)
        else:
            problem = "is " + describe(expected)
        if problem:
            self.sink.error("CP0207", f"`{name}` {problem}", fact.value.span,
                            label="does not fit the input", hint=f"`{name}` is declared as {describe(expected)}")

    def fact_number(self, value: ast.QuantityLit, expected) -> str | None:
        if isinstance(expected, NumberType):
            if value.unit:
                return "is a plain number, without a unit"
            number = value.value
        else:
            unit = value.unit or expected.unit
            if self.unit(unit, value.span) is None:
                return None
            if not units.commensurable(unit, expected.unit):
                return f"is in `{expected.unit}`, and `{unit}` cannot be converted to it"
            number = units.convert(value.value, unit, expected.unit)
        if expected.low is not None and number < expected.low or expected.high is not None and number > expected.high:
            return f"must lie between {_bound(expected.low)} and {_bound(expected.high)}"
        return None

    def condition(self, expr: ast.Expr, what: str) -> None:
        t = self.infer(expr)
        if t is not ERROR and not isinstance(t, BooleanType):
            self.sink.error("CP0204", f"{what} must be true or false, but this is {describe(t)}", expr.span,
                            label="not true/false", hint="compare it, e.g. `abi <= 0.90`")

    # -- inference ------------------------------------------------------------------------

    def infer(self, expr: ast.Expr):
        t = self._infer(expr)
        self.program.types[id(expr)] = t
        return t

    def _infer(self, e: ast.Expr):
        if isinstance(e, ast.BoolLit):
            return BOOLEAN
        if isinstance(e, ast.QuantityLit):
            if not e.unit:
                return NUMBER
            return QuantityType(e.unit) if self.unit(e.unit, e.span) else ERROR
        if isinstance(e, ast.NameRef):
            if e.name in self.input_types:
                return self.input_types[e.name]
            if e.name in self.program.define_types:
                return self.program.define_types[e.name]
            if e.name in self.program.defines:
                return ERROR  # part of a define cycle, already reported
            return MemberType(e.name) if e.name in self.members else ERROR
        if isinstance(e, (ast.KnownTest, ast.Reaches)):
            return BOOLEAN
        if isinstance(e, ast.Unary):
            operand = self.infer(e.operand)
            if e.op == "not":
                return self.expect_boolean(operand, e.operand, "`not`")
            return self.expect_numeric(operand, e.operand, "`-`")
        if isinstance(e, ast.Binary):
            return self.binary(e)
        if isinstance(e, ast.Membership):
            return self.membership(e)
        if isinstance(e, ast.Count):
            for condition in e.conditions:
                self.expect_boolean(self.infer(condition), condition, "`count`")
            return NUMBER
        if isinstance(e, ast.WeightedSum):
            for term in e.terms:
                self.expect_boolean(self.infer(term.condition), term.condition, "`sum`")
            return NUMBER
        raise TypeError(f"unknown expression {e!r}")

    def expect_boolean(self, t, expr, where: str):
        if t is ERROR:
            return ERROR
        if not isinstance(t, BooleanType):
            self.sink.error("CP0201", f"{where} needs true/false, but this is {describe(t)}", expr.span,
                            label=describe(t), hint="compare it to get true/false, e.g. `abi <= 0.90`")
            return ERROR
        return BOOLEAN

    def expect_numeric(self, t, expr, where: str):
        if t is ERROR:
            return ERROR
        if not isinstance(t, (NumberType, QuantityType)):
            self.sink.error("CP0201", f"{where} needs a number, but this is {describe(t)}", expr.span,
                            label=describe(t))
            return ERROR
        return t if isinstance(t, QuantityType) else NUMBER

    def binary(self, e: ast.Binary):
        left, right = self.infer(e.left), self.infer(e.right)
        if e.op in ast.LOGICAL:
            ok = self.expect_boolean(left, e.left, f"`{e.op}`") is not ERROR
            ok = self.expect_boolean(right, e.right, f"`{e.op}`") is not ERROR and ok
            return BOOLEAN if ok else ERROR
        if e.op in ast.COMPARISONS:
            return self.comparison(e, left, right)
        return self.arithmetic(e, left, right)

    def comparison(self, e: ast.Binary, left, right):
        if left is ERROR or right is ERROR:
            return ERROR
        enum_side = left if isinstance(left, (EnumType, MemberType)) else right
        if isinstance(enum_side, (EnumType, MemberType)):
            return self.enum_comparison(e, left, right)
        if isinstance(left, BooleanType) or isinstance(right, BooleanType):
            if isinstance(left, BooleanType) and isinstance(right, BooleanType) and e.op in ("=", "!="):
                return BOOLEAN
            self.sink.error("CP0201", f"`{e.op}` cannot compare {describe(left)} with {describe(right)}",
                            e.span, label="mismatched", hint="use the condition itself, e.g. `smoker` or `not smoker`")
            return ERROR
        if self.commensurate(e, left, right):
            self.within_range(e.left, e.right)
            self.within_range(e.right, e.left)
            return BOOLEAN
        return ERROR

    def within_range(self, side: ast.Expr, other: ast.Expr) -> None:
        """A literal compared with a ranged input must lie in its range (`abi <= 90` is a typo for 0.90)."""
        if not (isinstance(side, ast.NameRef) and isinstance(other, ast.QuantityLit)):
            return
        declared = self.input_types.get(side.name)
        if not isinstance(declared, (NumberType, QuantityType)) or (declared.low is None and declared.high is None):
            return
        if declared.low is not None and declared.high is not None and declared.low > declared.high:
            return  # an empty range is reported once, as CP0206
        value = other.value
        if isinstance(declared, QuantityType) and other.unit:
            value = units.convert(other.value, other.unit, declared.unit)
        low, high = declared.low, declared.high
        if not ((low is None or low <= value) and (high is None or value <= high)):
            unit = f" {declared.unit}" if isinstance(declared, QuantityType) else ""
            bounds = f"{_bound(low)} to {_bound(high)}{unit}"
            self.sink.error("CP0205", f"`{other.text or other.value}` lies outside the range of `{side.name}` ({bounds})",
                            other.span, label="out of range",
                            hint=f"`{side.name}` is declared from {bounds}; check the value or the declared range")

    def commensurate(self, e: ast.Binary, left, right) -> bool:
        """Numbers with numbers, quantities with quantities of one dimension."""
        left_q, right_q = isinstance(left, QuantityType), isinstance(right, QuantityType)
        if not left_q and not right_q:
            return True
        if left_q and right_q:
            if units.commensurable(left.unit, right.unit):
                return self.temperatures_meet(e, left.unit, right.unit)
            ul, ur = units.parse_unit(left.unit), units.parse_unit(right.unit)
            hint = "compare with a value in the same unit"
            if ul.dimensionless and ur.dimensionless:
                hint = "different dimensionless units are different scales (58 mmol/mol HbA1c is 7.5 %, not 5.8 %)"
            self.sink.error("CP0202", f"`{left.unit}` cannot be compared with `{right.unit}`", e.span,
                            label=f"{ul.describe_dimension()} against {ur.describe_dimension()}", hint=hint)
            return False
        quantity = left if left_q else right
        plain, measured = (e.right, e.left) if left_q else (e.left, e.right)
        if isinstance(plain, ast.QuantityLit) or not isinstance(measured, ast.QuantityLit) or not measured.unit:
            example = getattr(plain, "text", "") or "…"
            self.sink.error("CP0202", f"a quantity in `{quantity.unit}` is compared with a plain number",
                            plain.span, label="no unit", hint=f"write the unit: `{example} {quantity.unit}`")
            return False
        # A plain-number input against a written quantity (`temp >= 38 mm[Hg]`): the
        # unit is what is wrong, or the input's declaration, not the input.
        what = f"`{plain.name}`" if isinstance(plain, ast.NameRef) else "this side"
        hint = f"drop the unit (`{measured.text or measured.value}`)"
        if isinstance(plain, ast.NameRef) and plain.name in self.input_types:
            hint += f", or declare {what} as `quantity {quantity.unit}`"
        self.sink.error("CP0202", f"{what} is a plain number, compared with a quantity in `{quantity.unit}`",
                        measured.span, label=f"has a unit; {what} has none", hint=hint)
        return False

    def temperatures_meet(self, e: ast.Binary, left_unit: str, right_unit: str) -> bool:
        """Temperatures in two scales with different zeros meet only where a written value
        can be converted exactly (`temp > 100.4 [degF]` for a `Cel` input): no factor
        turns one expression's scale into the other's."""
        if units.conversion_possible_by_factor(left_unit, right_unit):
            return True
        if isinstance(e.left, ast.QuantityLit) or isinstance(e.right, ast.QuantityLit):
            return True
        self.sink.error("CP0202", f"temperatures in `{left_unit}` and `{right_unit}` cannot be compared here", e.span,
                        label="scales with different zeros",
                        hint="the two scales differ by an offset, not a factor; declare both inputs in one unit")
        return False

    def enum_comparison(self, e: ast.Binary, left, right):
        if e.op not in ("=", "!="):
            self.sink.error("CP0201", f"`{e.op}` does not apply to enum values", e.span,
                            hint="enum values are compared with `=`, `!=` or `in {…}`")
            return ERROR
        enum = left if isinstance(left, EnumType) else right if isinstance(right, EnumType) else None
        if enum is None:
            self.sink.error("CP0201", "two enum members are compared with each other", e.span,
                            hint="compare an input with a member, e.g. `pedal_pulses = absent`")
            return ERROR
        other, other_expr = (right, e.right) if enum is left else (left, e.left)
        if isinstance(other, MemberType):
            return BOOLEAN if self.member_fits(other.name, enum, other_expr) else ERROR
        if isinstance(other, EnumType) and set(other.members) == set(enum.members):
            return BOOLEAN
        self.sink.error("CP0201", f"{describe(enum)} cannot be compared with {describe(other)}", e.span,
                        label="mismatched")
        return ERROR

    def member_fits(self, member: str, enum: EnumType, expr) -> bool:
        if member in enum.members:
            return True
        self.sink.error("CP0106", f"`{member}` is not one of {', '.join(enum.members)}", expr.span,
                        label="not a member of this enum",
                        hint=suggest(member, enum.members) or f"use one of {', '.join(enum.members)}")
        return False

    def membership(self, e: ast.Membership):
        operand = self.infer(e.operand)
        for value in e.values:
            self.infer(value)
        if operand is ERROR:
            return ERROR
        if not isinstance(operand, EnumType):
            self.sink.error("CP0201", f"`in` needs an enum on its left, but this is {describe(operand)}",
                            e.operand.span, hint="for numbers, use comparisons such as `x >= 1 and x <= 3`")
            return ERROR
        ok = True
        for value in e.values:
            if not isinstance(value, ast.NameRef) or not self.member_fits(value.name, operand, value):
                ok = False
        return BOOLEAN if ok else ERROR

    def arithmetic(self, e: ast.Binary, left, right):
        left = self.expect_numeric(left, e.left, f"`{e.op}`")
        right = self.expect_numeric(right, e.right, f"`{e.op}`")
        if left is ERROR or right is ERROR:
            return ERROR
        for side, typed in ((e.left, left), (e.right, right)):
            if isinstance(typed, QuantityType) and units.has_offset(typed.unit):
                self.sink.error("CP0202", f"arithmetic on a temperature in `{typed.unit}` is not supported", side.span,
                                label="a scale with an offset zero",
                                hint="compare the temperature itself (`temp >= 38 Cel`); for differences use `K`")
                return ERROR
        left_q, right_q = isinstance(left, QuantityType), isinstance(right, QuantityType)
        if e.op in ("+", "-"):
            return left if self.commensurate(e, left, right) else ERROR
        if e.op == "*" and left_q and right_q:
            self.sink.error("CP0202", "multiplying two quantities is not supported", e.span,
                            hint="scale a quantity by a plain number instead")
            return ERROR
        if e.op == "/" and left_q and right_q:
            return NUMBER if self.commensurate(e, left, right) else ERROR
        if e.op == "/" and right_q:
            self.sink.error("CP0202", "dividing by a quantity is not supported", e.span)
            return ERROR
        return left if left_q else right


def _bound(value) -> str:
    """A declared range's end for a message; an open end is the infinity sign."""
    if value is None:
        return "∞"
    return printer.number_display(value)
