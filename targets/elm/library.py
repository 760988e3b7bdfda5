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

Numbers. carepath computes exactly; CQL engines compute Decimals (cql-execution in
binary floating point). A quantity parameter is read as its value when its unit is the
declared one (and as null otherwise: the host converts, exactly, before it calls), and
the lowering pass already expressed every literal in its input's unit, so no engine
ever converts units. A literal is written as its exact decimal, or as `n / d` when it has
none. A count or sum is computed on integers: its weights are scaled by the least
common multiple of their denominators (and of a literal it is compared with), so
`sum(0.1 if a, 0.2 if b) >= 0.3` is decided on `1 + 2 >= 3`. Compared with a literal,
a count or sum whose known terms decide the comparison is decided: each unknown term
contributes between its minimum and its maximum (0 and its weight).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from compiler import ir
from targets.elm.numbers import decimal_text, exact, terminates

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

    def library(self) -> dict[str, Any]:
        graph = self.graph
        for define in graph.defines:
            self._statement(define.name, self.expr(define.expr), system_type(define.type))
        self._reach_statements()
        for node in graph.nodes:
            if node.kind is ir.NodeKind.ACTION:
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
            edges = graph.outgoing(node.id)
            if node.kind is ir.NodeKind.DECIDE:
                for fires, targets in self._decision(node, edges):
                    for target in targets:
                        incoming[target].append(_binary("And", _ref(reach_name(node.id)), _ref(fires)))
            elif node.kind is not ir.NodeKind.END:
                for edge in edges:
                    incoming[edge.target].append(_ref(reach_name(node.id)))
        for node in graph.nodes:
            reach = _boolean(True) if node.id == ir.Graph.START else _fold("Or", incoming[node.id], False)
            self._statement(reach_name(node.id), reach, "Boolean")

    def _decision(self, node: ir.Node, edges: tuple[ir.Edge, ...]) -> list[tuple[str, tuple[str, ...]]]:
        """Statements for a decision's guards and firings; returns (firing statement, targets) per line."""
        lines: dict[int, list[ir.Edge]] = {}
        otherwise = tuple(e.target for e in edges if e.otherwise)
        for edge in edges:
            if not edge.otherwise:
                lines.setdefault(edge.branch, []).append(edge)
        order = sorted(lines)
        guards = []
        for index in order:
            name = f"Guard {node.id} {index}"
            self._statement(name, self.expr(lines[index][0].guard), "Boolean")
            guards.append(_ref(name))
        policy = node.policy or ir.HitPolicy.FIRST
        firings: list[tuple[str, tuple[str, ...]]] = []
        for position, index in enumerate(order):
            guard, earlier = guards[position], guards[:position]
            if policy is ir.HitPolicy.FIRST:
                fires = _fold("And", [_unary("Not", g) for g in earlier] + [guard], True)
            elif policy is ir.HitPolicy.UNIQUE:
                some_true = _fold("Or", [_is_true(g) for g in guards], False)
                first_true = _fold("And", [_unary("Not", _is_true(g)) for g in earlier] + [_is_true(guard)], True)
                fires = _if(some_true, first_true, guard)
            else:
                fires = guard
            name = f"Fires {node.id} {index}"
            self._statement(name, fires, "Boolean")
            firings.append((name, tuple(e.target for e in lines[index])))
        if otherwise:
            name = f"Fires {node.id} otherwise"
            self._statement(name, _fold("And", [_unary("Not", g) for g in guards], True), "Boolean")
            firings.append((name, otherwise))
        return firings

    # --- expressions ----------------------------------------------------------------------

    def expr(self, e: ir.Expr) -> dict[str, Any]:
        if isinstance(e, ir.Literal):
            if isinstance(e.value, bool):
                return _boolean(e.value)
            if isinstance(e.value, str):
                return _string(e.value)
            return _decimal(exact(e.value))
        if isinstance(e, ir.InputRef):
            parameter = {"type": "ParameterRef", "name": e.name}
            type_ = self.inputs[e.name].type
            if isinstance(type_, ir.QuantityType):
                # the value in the declared unit; a Quantity in any other unit is unknown, never misread
                unit = {"type": "Property", "path": "unit", "source": parameter}
                return _if(_binary("Equal", unit, _string(type_.unit)),
                           {"type": "Property", "path": "value", "source": parameter}, _null("Decimal"))
            return parameter
        if isinstance(e, ir.DefineRef):
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
        if isinstance(e, ir.Arithmetic):
            return _binary(_ARITHMETIC[e.op], self.expr(e.left), self.expr(e.right))
        if isinstance(e, ir.ConditionSum):
            scale = _scale(e, None)
            return _binary("Divide", self._scaled_sum(e, scale, "value"), _decimal(Fraction(scale)))
        if isinstance(e, ir.Compare):
            return self.compare(e)
        raise ValueError(f"{type(e).__name__} has no ELM form")

    def compare(self, e: ir.Compare) -> dict[str, Any]:
        if isinstance(e.left, ir.ConditionSum):
            return self._bounded(e.op, e.left, e.right)
        if isinstance(e.right, ir.ConditionSum):
            return self._bounded(_FLIPPED[e.op], e.right, e.left)
        return _binary(_COMPARE[e.op], self.expr(e.left), self.expr(e.right))

    def _bounded(self, op: str, total: ir.ConditionSum, other: ir.Expr) -> dict[str, Any]:
        """`total op other`, decided as soon as every value the unknown terms allow gives one answer."""
        literal = other if isinstance(other, ir.Literal) else None
        scale = _scale(total, literal)
        low, high = self._scaled_sum(total, scale, "low"), self._scaled_sum(total, scale, "high")
        if literal is not None:
            bound = _decimal(exact(literal.value) * scale)
        else:
            bound = _binary("Multiply", self.expr(other), _decimal(Fraction(scale)))
        if op in ("=", "!="):
            equal = _if(_binary("And", _binary("Equal", low, bound), _binary("Equal", high, bound)), _boolean(True),
                        _if(_binary("Or", _binary("Less", bound, low), _binary("Greater", bound, high)),
                            _boolean(False), _null()))
            decided = equal if op == "=" else _unary("Not", equal)
        else:
            kind = _COMPARE[op]
            at_low, at_high = _binary(kind, low, bound), _binary(kind, high, bound)
            decided = _if(_binary("And", at_low, at_high), _boolean(True),
                          _if(_binary("Or", at_low, at_high), _null(), _boolean(False)))
        # an unknown right-hand side leaves the comparison unknown, whatever the sum
        return _if(_unary("IsNull", bound), _null(), decided)

    def _scaled_sum(self, total: ir.ConditionSum, scale: int, bound: str) -> dict[str, Any]:
        """The sum of `scale × weight` over true terms; an unknown term gives null (`value`), or its least
        (`low`) or greatest (`high`) contribution."""
        terms = []
        for term in total.terms:
            weight = exact(term.weight) * scale
            condition = self.expr(term.condition)
            when_known = _if(condition, _decimal(weight), _decimal(Fraction(0)))
            if bound == "value":
                unknown = _null("Decimal")
            else:
                unknown = _decimal(min(weight, Fraction(0)) if bound == "low" else max(weight, Fraction(0)))
            terms.append(_if(_unary("IsNull", condition), unknown, when_known))
        return _sum(terms)


def _scale(total: ir.ConditionSum, literal: ir.Literal | None) -> int:
    """The least common multiple of the weights' denominators (and the literal's): sums become integer sums."""
    denominators = [exact(t.weight).denominator for t in total.terms]
    if literal is not None:
        denominators.append(exact(literal.value).denominator)
    return math.lcm(*denominators) if denominators else 1
