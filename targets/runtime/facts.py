"""A facts JSON object (or a scenario's `given` line) → `Facts` in declared units, or every problem.

A facts file is untrusted input typed by a person or exported by another system,
so it is checked against the guideline's inputs before anything runs: unknown
names (with the closest declared names as a suggestion), wrong JSON types, enum
values that are not members, numbers outside the declared range, units that are
not UCUM or cannot be converted. Every problem is collected with its JSON path
(`$.abi`, `$.rest_relief_time.unit`) and raised as one `FactsError`, so the person
fixes the file in one go. Codes are CP06xx (docs/errors/CP06xx.md).

Values: `true`/`false` for booleans, the member name for enums, a JSON number for
numbers, and for quantities either a number in the declared unit or
`{"value": n, "unit": "UCUM"}` in any commensurable unit, converted with
`compiler.units` with exact factors. `null` or a missing name is unknown. Numbers
are exact (`int` or `Fraction`): a JSON decimal is read from its text, never
through a binary float (docs/semantics.md, "Numbers are exact").
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from carepath.diagnostics import CompileError, Diagnostic, file_span
from carepath.compiler import ir, printer, units
from carepath.compiler.jsonread import JsonReadError, member_path, read_json
from carepath.compiler.terminal import escape_controls

Number = int | Fraction

CANNOT_READ = "CP0601"
UNKNOWN_INPUT = "CP0602"
WRONG_TYPE = "CP0603"
NOT_A_MEMBER = "CP0604"
OUT_OF_RANGE = "CP0605"
BAD_UNIT = "CP0606"


@frozen
class FactProblem:
    code: str
    path: str  # JSON path: $.abi, or "line 3: $.abi" in a batch
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"error[{self.code}]: {self.path}: {self.message}"
        return escape_controls(f"{text}\n  = hint: {self.hint}" if self.hint else text)

    def to_json(self) -> dict[str, Any]:
        out = {"code": self.code, "path": self.path, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        return out

    def diagnostic(self, file: str | None = None) -> Diagnostic:
        """The problem as the one diagnostic record every command renders (located by its JSON path)."""
        return Diagnostic(self.code, self.message, file_span(file) if file else None, hint=self.hint,
                          location=self.path)


class FactsError(CompileError):
    """Every problem of one facts object; nothing was run."""

    def __init__(self, problems: list[FactProblem] | tuple[FactProblem, ...], file: str | None = None):
        self.problems = tuple(problems)
        super().__init__([p.diagnostic(file) for p in self.problems])

    def in_file(self, file: str) -> FactsError:
        """The same problems, located in the facts file they came from."""
        return FactsError(self.problems, file)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@frozen
class Facts:
    """Known facts, input name → value in the input's declared unit. Unknown inputs are absent."""

    values: Mapping[str, bool | Number | str] = field(converter=lambda v: MappingProxyType(dict(v)))


def parse_facts(graph: ir.Graph, data: Any, root: str = "$") -> Facts:
    """Check a decoded facts object against `graph.inputs`; raise `FactsError` listing every problem."""
    if not isinstance(data, dict):
        raise FactsError([FactProblem(CANNOT_READ, root, f"a facts file holds a JSON object, not {_describe(data)}",
                                      'write {"input_name": value, ...}')])
    inputs = {i.name: i for i in graph.inputs}
    values: dict[str, bool | Number | str] = {}
    problems: list[FactProblem] = []
    for name, raw in data.items():
        path = member_path(root, name)
        declared = inputs.get(name)
        if declared is None:
            problems.append(_unknown_input(name, path, inputs))
            continue
        if raw is None:
            continue
        value = _value(declared.type, raw, path, problems)
        if value is not None:
            values[name] = value
    if problems:
        raise FactsError(problems)
    return Facts(values)


def read_facts_text(graph: ir.Graph, text: str, where: str = "$") -> Facts:
    """Decode JSON text strictly (`compiler.jsonread`) and check it; what cannot be read is CP0601.

    A repeated key, a non-finite or out-of-bounds number, too deep a nesting or too
    large a text is refused at its JSON path (under `where`) before any value is checked.
    """
    try:
        data = read_json(text)
    except JsonReadError as error:
        raise FactsError([FactProblem(CANNOT_READ, where + problem.path[1:], problem.message)
                          for problem in error.problems]) from None
    return parse_facts(graph, data, where)


def scenario_facts(graph: ir.Graph, scenario: ir.Scenario) -> Facts:
    """A scenario's `given` facts, quantities converted from the unit they were written in."""
    data: dict[str, Any] = {}
    for fact in scenario.facts:
        literal = fact.value
        data[fact.name] = {"value": literal.value, "unit": literal.unit} if literal.unit else literal.value
    return parse_facts(graph, data, root=f"scenario {json.dumps(scenario.name)}")


def _unknown_input(name: str, path: str, inputs: Mapping[str, ir.Input]) -> FactProblem:
    close = difflib.get_close_matches(name, list(inputs), n=3, cutoff=0.6)
    hint = ("did you mean " + " or ".join(f"`{c}`" for c in close) + "?") if close else None
    return FactProblem(UNKNOWN_INPUT, path, f"`{name}` is not an input of this guideline", hint)


def _value(declared: ir.Type, raw: Any, path: str, problems: list[FactProblem]) -> bool | Number | str | None:
    if isinstance(declared, ir.BooleanType):
        if isinstance(raw, bool):
            return raw
        problems.append(FactProblem(WRONG_TYPE, path, f"expected true or false, got {_describe(raw)}"))
        return None
    if isinstance(declared, ir.EnumType):
        return _member(declared, raw, path, problems)
    if isinstance(declared, ir.NumberType):
        if not _is_number(raw):
            problems.append(FactProblem(WRONG_TYPE, path, f"expected {_number_words(declared)}, got {_describe(raw)}"))
            return None
        return _in_range(exact(raw), declared, "", path, problems)
    return _quantity(declared, raw, path, problems)


def _member(declared: ir.EnumType, raw: Any, path: str, problems: list[FactProblem]) -> str | None:
    members = ", ".join(declared.members)
    if not isinstance(raw, str):
        problems.append(FactProblem(WRONG_TYPE, path, f"expected one of {members} (a string), got {_describe(raw)}"))
        return None
    if raw in declared.members:
        return raw
    close = difflib.get_close_matches(raw, list(declared.members), n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`?" if close else None
    problems.append(FactProblem(NOT_A_MEMBER, path, f"`{raw}` is not one of {members}", hint))
    return None


def _quantity(declared: ir.QuantityType, raw: Any, path: str, problems: list[FactProblem]) -> Number | None:
    if _is_number(raw):
        return _in_range(exact(raw), declared, declared.unit, path, problems)
    shape = f'a number in {declared.unit} or {{"value": <number>, "unit": "<UCUM unit>"}}'
    if not isinstance(raw, dict):
        problems.append(FactProblem(WRONG_TYPE, path, f"expected {shape}, got {_describe(raw)}"))
        return None
    extra = sorted(set(raw) - {"value", "unit"})
    found = len(problems)
    for key in extra:
        problems.append(FactProblem(WRONG_TYPE, f"{path}.{key}", f"unexpected key `{key}`; a quantity has `value` and `unit`"))
    value, unit = raw.get("value"), raw.get("unit")
    if not _is_number(value):
        problems.append(FactProblem(WRONG_TYPE, f"{path}.value", f"expected a number, got {_describe(value) if 'value' in raw else 'nothing'}"))
    if not isinstance(unit, str):
        problems.append(FactProblem(WRONG_TYPE, f"{path}.unit", f"expected a UCUM unit (a string), got {_describe(unit) if 'unit' in raw else 'nothing'}"))
    elif not _convertible(unit, declared.unit, f"{path}.unit", problems):
        return None
    if len(problems) > found:
        return None
    converted = exact(units.convert(exact(value), unit, declared.unit))
    return _in_range(converted, declared, declared.unit, path, problems, ir.Quantity(exact(value), unit))


def _convertible(unit: str, declared: str, path: str, problems: list[FactProblem]) -> bool:
    try:
        units.check_convertible(unit, declared)  # raises for a non-UCUM code or another dimension
        return True
    except units.UnitError as error:
        problems.append(FactProblem(BAD_UNIT, path, str(error), f"give the value in `{declared}` or a unit convertible to it"))
        return False


def _in_range(value: Number, declared: ir.NumberType | ir.QuantityType, unit: str, path: str,
              problems: list[FactProblem], written: ir.Quantity | None = None) -> Number | None:
    low, high = declared.low, declared.high
    if (low is None or value >= low) and (high is None or value <= high):
        return value
    shown = printer.value_text(value, unit)
    if written is not None and str(written) != shown:  # printed only for the message
        shown = f"{written} (= {shown})"
    problems.append(FactProblem(OUT_OF_RANGE, path, f"{shown} is outside the declared range, {_range_words(declared, unit)}"))
    return None


def _is_number(raw: Any) -> bool:
    if isinstance(raw, float):
        return math.isfinite(raw)
    return isinstance(raw, (int, Fraction)) and not isinstance(raw, bool)


def exact(raw: int | Fraction | float) -> Number:
    """A fact's number, exactly: JSON decimals arrive as `Fraction`s of their text; a Python
    float (from the API) stands for the shortest decimal that prints as it (`0.1` is 1/10)."""
    if isinstance(raw, float):
        raw = Fraction(repr(raw))
    if isinstance(raw, Fraction) and raw.denominator == 1:
        return raw.numerator
    return raw


def _number_words(declared: ir.NumberType) -> str:
    return "a number" + (f" ({_range_words(declared, '')})" if declared.low is not None or declared.high is not None else "")


def _range_words(declared: ir.NumberType | ir.QuantityType, unit: str) -> str:
    low = f"{ir.Quantity(declared.low, unit)}" if declared.low is not None else None
    high = f"{ir.Quantity(declared.high, unit)}" if declared.high is not None else None
    if low and high:
        return f"from {low} to {high}"
    return f"at least {low}" if low else f"at most {high}"


def _describe(raw: Any) -> str:
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        return f"the string {json.dumps(raw, ensure_ascii=False)}"
    if isinstance(raw, (int, float, Fraction)):
        return f"the number {printer.number_display(raw) if isinstance(raw, Fraction) else raw}"
    if isinstance(raw, list):
        return "a list"
    return "an object"
