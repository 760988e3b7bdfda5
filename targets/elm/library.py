"""Graph IR → an ELM library (`urn:hl7-org:elm` r1, JSON) that CQL engines execute.

The contract outside tools rely on (docs/interop.md):
- one parameter per input, named as the input, typed `Boolean`, `Decimal` (numbers),
  `String` (enums: the member name) or `Quantity` (in the input's declared UCUM unit);
  an unknown fact is an explicit `null`;
- one ExpressionDef per define, named as the define;
- one `Reaches <node id>` per node: true when the patient's path reaches the node, null
  when a pending decision could still lead there, false when nothing can;
- one `Recommend <action id>` per action: `Reaches <action id>`, i.e. true exactly when
  carepath's runtime recommends the action, null when it is pending.

Reach is Kleene activation over the DAG, the three-valued reading of
`compiler/logic/reach.py` and docs/semantics.md: a node is reached through an edge
when its source is reached and the edge fires; a decision's line fires by its hit
policy (`first`: no earlier guard true or unknown, its own true; `unique`: its own true
and no earlier true, and a line that some other true line outvotes never fires; `any`:
its own guard; `otherwise`: every guard false). Guards and branch firings are their own
ExpressionDefs (`Guard <decision> <line>`, `Fires <decision> <line>`), so each is
evaluated once per patient.

Bounds. A count or sum with unknown terms is known only between bounds (each unknown
term contributes between its minimum and maximum); as in the kernel
(`compiler/semantics.py`) the bounds travel through defines (helper statements
`<define> low` and `<define> high`), `+`, `-` and scaling by an exact number, and a
comparison they already decide is decided; a product or quotient of bounds is unknown.

Numbers. carepath computes exactly; CQL engines compute Decimals (cql-execution in
binary floating point). A quantity parameter is read as its value when its unit is the
declared one (and as null otherwise: the host converts, exactly, before it calls), and
the lowering pass already expressed every literal in its input's unit, so no engine
ever converts units. A literal is written as its exact decimal, or as `n / d` when it has
none. A count or sum is computed on integers: its weights are scaled by the least
common multiple of their denominators, and a literal it is compared with by the same
factor, so `sum(0.1 if a, 0.2 if b) >= 0.3` is decided on `1 + 2 >= 3`. Elsewhere (a
sum in arithmetic, compared with a fact) it is divided back once, correctly rounded.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from attrs import frozen

from carepath.compiler import ir
from carepath.targets.elm.numbers import decimal_text, exact, terminates

SYSTEM = "urn:hl7-org:elm-types:r1"
ELM_SCHEMA = {"id": "urn:hl7-org:elm", "version": "r1"}
_COMPARE = {"<": "Less", "<=": "LessOrEqual", ">": "Greater", ">=": "GreaterOrEqual", "=": "Equal", "!=": "NotEqual"}
_ARITHMETIC = {"+": "Add", "-": "Subtract", "*": "Multiply", "/": "Divide"}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
_SYSTEM_TYPE = {"boolean": "Boolean", "number": "Decimal", "quantity": "Quantity", "enum": "String"}


def system_type(type_: ir.Type) -> str:
    """The CQL System type of an input or define of `type_` (`Boolean`, `Decimal`, `String`, `Quantity`)."""
    return _SYSTEM_TYPE[type_.kind]


def reach_name(node_id: str) -> str:
    return f"Reaches {node_id}"


def recommend_name(action_id: str) -> str:
    return f"Recommend {action_id}"


def library_name(graph: ir.Graph) -> str:
    """The ELM (and FHIR Library) name of a guideline: its id."""
    return graph.id


def elm_library(graph: ir.Graph) -> dict[str, Any]:
    """The ELM JSON document (a dict) of `graph`."""
    return _Builder(graph).library()


# --- ELM node constructors -------------------------------------------------------------


def _named(name: str) -> dict[str, Any]:
    return {"type": "NamedTypeSpecifier", "name": f"{{{SYSTEM}}}{name}"}


def _boolean(value: bool) -> dict[str, Any]:
    return {"type": "Literal", "valueType": f"{{{SYSTEM}}}Boolean", "value": "true" if value else "false"}


def _string(value: str) -> dict[str, Any]:
    return {"type": "Literal", "valueType": f"{{{SYSTEM}}}String", "value": value}


def _null(type_name: str = "Boolean") -> dict[str, Any]:
    return {"type": "As", "asType": f"{{{SYSTEM}}}{type_name}", "operand": {"type": "Null"},
            "asTypeSpecifier": _named(type_name)}


def _decimal(value: Fraction) -> dict[str, Any]:
    """An exact number: a Decimal literal, `n / d` when it has no finite decimal, negated when negative."""
    if value < 0:
        return {"type": "Negate", "operand": _decimal(-value)}
    if terminates(value):
        return {"type": "Literal", "valueType": f"{{{SYSTEM}}}Decimal", "value": decimal_text(value)}
    return {"type": "Divide", "operand": [_decimal(Fraction(value.numerator)), _decimal(Fraction(value.denominator))]}


def _unary(kind: str, operand: dict[str, Any]) -> dict[str, Any]:
    # cql-execution reads a unary operator's `operand` as one object; an array gives wrong answers.
    return {"type": kind, "operand": operand}


def _binary(kind: str, left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "operand": [left, right]}


def _fold(kind: str, operands: list[dict[str, Any]], empty: bool) -> dict[str, Any]:
    """ELM `And`/`Or` are binary: nest n operands (Kleene, so the grouping does not matter)."""
    if not operands:
        return _boolean(empty)
    result = operands[0]
    for operand in operands[1:]:
        result = _binary(kind, result, operand)
    return result


def _if(condition: dict[str, Any], then: dict[str, Any], otherwise: dict[str, Any]) -> dict[str, Any]:
    return {"type": "If", "condition": condition, "then": then, "else": otherwise}


def _is_true(expr: dict[str, Any]) -> dict[str, Any]:
    return _unary("IsTrue", expr)


def _ref(name: str) -> dict[str, Any]:
    return {"type": "ExpressionRef", "name": name}


def _sum(operands: list[dict[str, Any]]) -> dict[str, Any]:
    if not operands:
        return _decimal(Fraction(0))
    result = operands[0]
    for operand in operands[1:]:
        result = _binary("Add", result, operand)
    return result


class _Builder:
    def __init__(self, graph: ir.Graph) -> None:
        self.graph = graph
        self.inputs = {i.name: i for i in graph.inputs}
        self.defines = {d.name: d for d in graph.defines}
        self.statements: list[dict[str, Any]] = []
        self.bounded_defines: set[str] = set()  # numeric defines whose value may be only bounds

    def library(self) -> dict[str, Any]:
        graph = self.graph
        for define in graph.defines:
            if self._numeric(define.expr):
                bounds = self.num(define.expr)
                if not bounds.is_exact:  # a sum's bounds travel through the define, as in the kernel
                    self._statement(f"{define.name} low", bounds.scaled_low(), "Decimal")
                    self._statement(f"{define.name} high", bounds.scaled_high(), "Decimal")
                    self.bounded_defines.add(define.name)
            self._statement(define.name, self.expr(define.expr), system_type(define.type))
        self._reach_statements()
        for node in graph.nodes:
            if isinstance(node, ir.Action):
                self._statement(recommend_name(node.id), _ref(reach_name(node.id)), "Boolean")
        parameters = [
            {"name": i.name, "accessLevel": "Public", "parameterTypeSpecifier": _named(system_type(i.type))}
            for i in graph.inputs
        ]
        return {
            "library": {
                "identifier": {"id": library_name(graph), "version": graph.version},
                "schemaIdentifier": dict(ELM_SCHEMA),
                "usings": {"def": [{"localIdentifier": "System", "uri": SYSTEM}]},
                "parameters": {"def": parameters},
                "contexts": {"def": [{"name": "Patient"}]},
                "statements": {"def": self.statements},
            }
        }

    def _statement(self, name: str, expression: dict[str, Any], type_name: str) -> None:
        self.statements.append({"name": name, "context": "Patient", "accessLevel": "Public",
                                "resultTypeName": f"{{{SYSTEM}}}{type_name}", "expression": expression})

    # --- reach ----------------------------------------------------------------------------

    def _reach_statements(self) -> None:
        graph = self.graph
        incoming: dict[str, list[dict[str, Any]]] = {n.id: [] for n in graph.nodes}
        for node in graph.nodes:
            if isinstance(node, ir.Decide):
                for fires, targets in self._decision(node):
                    for target in targets:
                        incoming[target].append(_binary("And", _ref(reach_name(node.id)), _ref(fires)))
            else:
                for target in node.targets:
                    incoming[target].append(_ref(reach_name(node.id)))
        for node in graph.nodes:
            reach = _boolean(True) if isinstance(node, ir.Start) else _fold("Or", incoming[node.id], False)
            self._statement(reach_name(node.id), reach, "Boolean")

    def _decision(self, node: ir.Decide) -> list[tuple[str, tuple[str, ...]]]:
        """Statements for a decision's guards and firings; returns (firing statement, targets) per line."""
        guards = []
        for index, line in enumerate(node.lines):
            name = f"Guard {node.id} {index}"
            self._statement(name, self.expr(line.guard), "Boolean")
            guards.append(_ref(name))
        firings: list[tuple[str, tuple[str, ...]]] = []
        for index, line in enumerate(node.lines):
            guard, earlier = guards[index], guards[:index]
            if node.policy is ir.HitPolicy.FIRST:
                fires = _fold("And", [_unary("Not", g) for g in earlier] + [guard], True)
            elif node.policy is ir.HitPolicy.UNIQUE:
                some_true = _fold("Or", [_is_true(g) for g in guards], False)
                first_true = _fold("And", [_unary("Not", _is_true(g)) for g in earlier] + [_is_true(guard)], True)
                fires = _if(some_true, first_true, guard)
            else:
                fires = guard
            name = f"Fires {node.id} {index}"
            self._statement(name, fires, "Boolean")
            firings.append((name, line.targets))
        if node.otherwise:
            name = f"Fires {node.id} otherwise"
            self._statement(name, _fold("And", [_unary("Not", g) for g in guards], True), "Boolean")
            firings.append((name, node.otherwise))
        return firings

    # --- expressions ----------------------------------------------------------------------

    def expr(self, e: ir.Expr) -> dict[str, Any]:
        if isinstance(e, ir.Literal) and isinstance(e.value, bool):
            return _boolean(e.value)
        if isinstance(e, ir.Literal) and isinstance(e.value, str):
            return _string(e.value)
        if isinstance(e, ir.InputRef):
            parameter = {"type": "ParameterRef", "name": e.name}
            type_ = self.inputs[e.name].type
            if isinstance(type_, ir.QuantityType):
                # the value in the declared unit; a Quantity in any other unit is unknown, never misread
                unit = {"type": "Property", "path": "unit", "source": parameter}
                return _if(_binary("Equal", unit, _string(type_.unit)),
                           {"type": "Property", "path": "value", "source": parameter}, _null("Decimal"))
            return parameter
        if isinstance(e, ir.DefineRef) and e.name not in self.bounded_defines:
            return _ref(e.name)
        if isinstance(e, ir.Known):
            return _unary("Not", _unary("IsNull", {"type": "ParameterRef", "name": e.name}))
        if isinstance(e, ir.Not):
            return _unary("Not", self.expr(e.operand))
        if isinstance(e, ir.And):
            return _fold("And", [self.expr(o) for o in e.operands], True)
        if isinstance(e, ir.Or):
            return _fold("Or", [self.expr(o) for o in e.operands], False)
        if isinstance(e, ir.Membership):
            operand = self.expr(e.operand)
            return _fold("Or", [_binary("Equal", operand, self.expr(m)) for m in e.members], False)
        if isinstance(e, ir.Compare):
            return self.compare(e)
        if isinstance(e, (ir.Literal, ir.DefineRef, ir.Arithmetic, ir.Convert, ir.ConditionSum)):
            return self.num(e).value()
        raise ValueError(f"{type(e).__name__} has no ELM form")

    def num(self, e: ir.Expr) -> _Bounds:
        """A number as the kernel sees it: exact, or between bounds (a sum with unknown terms), or unknown."""
        if isinstance(e, ir.Literal):
            return _Bounds.exact(_decimal(exact(e.value)), constant=exact(e.value))
        if isinstance(e, ir.DefineRef) and e.name in self.bounded_defines:
            return _Bounds(_ref(f"{e.name} low"), _ref(f"{e.name} high"))
        if isinstance(e, (ir.InputRef, ir.DefineRef)):
            return _Bounds.exact(self.expr(e))
        if isinstance(e, ir.ConditionSum):
            return self._sum(e)
        if isinstance(e, ir.Convert):
            return self._arithmetic("*", self.num(e.operand), _Bounds.exact(_decimal(e.factor), constant=e.factor))
        if isinstance(e, ir.Arithmetic):
            return self._arithmetic(e.op, self.num(e.left), self.num(e.right))
        raise ValueError(f"{type(e).__name__} is not a number")

    def _sum(self, total: ir.ConditionSum) -> _Bounds:
        """Integer sums of the weights scaled by the lcm of their denominators; unknown terms between min and max."""
        scale = math.lcm(*(exact(t.weight).denominator for t in total.terms)) if total.terms else 1
        low, high = [], []
        for term in total.terms:
            weight = exact(term.weight) * scale
            condition = self.expr(term.condition)
            known = _if(condition, _decimal(weight), _decimal(Fraction(0)))
            low.append(_if(_unary("IsNull", condition), _decimal(min(weight, Fraction(0))), known))
            high.append(_if(_unary("IsNull", condition), _decimal(max(weight, Fraction(0))), known))
        return _Bounds(_sum(low), _sum(high), scale=scale)

    def _arithmetic(self, op: str, left: _Bounds, right: _Bounds) -> _Bounds:
        """The kernel's arithmetic on bounds: `+` and `-` carry them, `*` scales them by an exact side, anything
        else on a bounded side is unknown; division by zero is unknown (cql-execution gives null)."""
        kind = _ARITHMETIC[op]
        if left.is_exact and right.is_exact:
            return _Bounds.exact(_binary(kind, left.low, right.low))
        a_low, a_high, b_low, b_high = left.scaled_low(), left.scaled_high(), right.scaled_low(), right.scaled_high()
        if op == "+":
            return _Bounds(_binary("Add", a_low, b_low), _binary("Add", a_high, b_high))
        if op == "-":
            return _Bounds(_binary("Subtract", a_low, b_high), _binary("Subtract", a_high, b_low))
        both_exact = _binary("And", _binary("Equal", a_low, a_high), _binary("Equal", b_low, b_high))
        if op == "/":
            quotient = _if(both_exact, _binary("Divide", a_low, b_low), _null("Decimal"))
            return _Bounds(quotient, quotient)

        def scaled(by: dict, low: dict, high: dict, want_low: bool) -> dict:
            """`[low, high] × by` for an exact `by`: a negative factor swaps the bounds."""
            positive = _binary("GreaterOrEqual", by, _decimal(Fraction(0)))
            first, second = (low, high) if want_low else (high, low)
            return _if(positive, _binary("Multiply", first, by), _binary("Multiply", second, by))

        def product(want_low: bool) -> dict:
            return _if(_binary("Equal", a_low, a_high), scaled(a_low, b_low, b_high, want_low),
                       _if(_binary("Equal", b_low, b_high), scaled(b_low, a_low, a_high, want_low),
                           _null("Decimal")))

        return _Bounds(product(True), product(False))

    def compare(self, e: ir.Compare) -> dict[str, Any]:
        if not self._numeric(e.left):
            return _binary(_COMPARE[e.op], self.expr(e.left), self.expr(e.right))
        left, right = self.num(e.left), self.num(e.right)
        if left.is_exact and right.is_exact:
            return _binary(_COMPARE[e.op], left.low, right.low)
        op = e.op
        if op in (">", ">="):
            op, left, right = ("<" if op == ">" else "<="), right, left
        if op in ("=", "!="):
            equal = self._decided(self._holds("=", left, right), self._fails("=", left, right))
            return equal if op == "=" else _unary("Not", equal)
        return self._decided(self._holds(op, left, right), self._fails(op, left, right))

    @staticmethod
    def _decided(holds: dict, fails: dict) -> dict:
        """True when the bounds make it hold, false when they make it fail, else (or when undefined) null."""
        return _if(_is_true(holds), _boolean(True), _if(_is_true(fails), _boolean(False), _null()))

    @staticmethod
    def _holds(op: str, left: _Bounds, right: _Bounds) -> dict:
        (l_low, l_high), (r_low, r_high) = _common_scale(left, right)
        if op == "=":
            return _fold("And", [_binary("Equal", l_low, l_high), _binary("Equal", r_low, r_high),
                                 _binary("Equal", l_low, r_low)], True)
        return _binary("Less" if op == "<" else "LessOrEqual", l_high, r_low)

    @staticmethod
    def _fails(op: str, left: _Bounds, right: _Bounds) -> dict:
        (l_low, l_high), (r_low, r_high) = _common_scale(left, right)
        if op == "=":
            return _binary("Or", _binary("Less", l_high, r_low), _binary("Less", r_high, l_low))
        return _binary("GreaterOrEqual" if op == "<" else "Greater", l_low, r_high)

    def _numeric(self, e: ir.Expr) -> bool:
        if isinstance(e, ir.Literal):
            return not isinstance(e.value, (bool, str))
        if isinstance(e, ir.InputRef):
            return isinstance(self.inputs[e.name].type, (ir.NumberType, ir.QuantityType))
        if isinstance(e, ir.DefineRef):
            return isinstance(self.defines[e.name].type, (ir.NumberType, ir.QuantityType))
        return isinstance(e, (ir.Arithmetic, ir.Convert, ir.ConditionSum))


@frozen
class _Bounds:
    """A number in ELM: `low` and `high` (the same object when exact by construction), both divided by `scale`.

    A count or sum keeps its integer sums and its scale, so that comparing it with a literal
    compares integers (`1 + 2 >= 3` for `0.1 + 0.2 >= 0.3`); `constant` is a literal's exact value.
    """

    low: dict
    high: dict
    scale: int = 1
    constant: Fraction | None = None

    @classmethod
    def exact(cls, value: dict, constant: Fraction | None = None) -> _Bounds:
        return cls(value, value, 1, constant)

    @property
    def is_exact(self) -> bool:
        return self.low is self.high

    def scaled_low(self) -> dict:
        return _unscaled(self.low, self.scale)

    def scaled_high(self) -> dict:
        return self.low if self.is_exact else _unscaled(self.high, self.scale)

    def value(self) -> dict:
        """The number, or null while the bounds differ (a define's value; its bounds are `<define> low`/`high`)."""
        if self.is_exact:
            return self.low
        low, high = self.scaled_low(), self.scaled_high()
        return _if(_binary("Equal", low, high), low, _null("Decimal"))


def _unscaled(value: dict, scale: int) -> dict:
    return value if scale == 1 else _binary("Divide", value, _decimal(Fraction(scale)))


def _common_scale(left: _Bounds, right: _Bounds) -> tuple[tuple[dict, dict], tuple[dict, dict]]:
    """Both sides' bounds for comparing: a sum against a literal stays on integers (the literal is scaled,
    exactly); anything else is compared on the numbers themselves."""
    for bounded, other, flip in ((left, right, False), (right, left, True)):
        if bounded.scale != 1 and other.constant is not None:
            scaled = _decimal(other.constant * bounded.scale)
            pair = ((bounded.low, bounded.high), (scaled, scaled))
            return (pair[1], pair[0]) if flip else pair
    return (left.scaled_low(), left.scaled_high()), (right.scaled_low(), right.scaled_high())
