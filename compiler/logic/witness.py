"""Witnesses: a z3 model → a patient (replayable facts) and the path that patient takes.

The facts are what a facts file holds (input name → JSON value; an unknown fact
is left out), so `carepath run --facts` replays exactly the patient the solver
found; the path is the nodes the model activates, in graph order, which is what
a runtime reports for those facts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import z3
from attrs import frozen

from compiler import ir
from compiler.logic.encode import Inputs


@frozen
class Patient:
    facts: dict[str, Any]
    path: tuple[str, ...]

    def describe(self) -> str:
        """`abi = 0.95, pain = true` (or "no facts known"), for a diagnostic note."""
        if not self.facts:
            return "no facts known (every input unknown)"
        shown = ", ".join(f"{name} = {json.dumps(value)}" for name, value in self.facts.items())
        return f"{shown}; every other input unknown"


def facts_of(model: z3.ModelRef, inputs: Inputs) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for name, declaration in inputs.declarations.items():
        if not z3.is_true(model.eval(inputs.known[name], model_completion=True)):
            continue
        value = model.eval(inputs.values[name], model_completion=True)
        facts[name] = _json_value(value, declaration.type)
    return facts


def path_of(model: z3.ModelRef, order: tuple[str, ...], reach: Mapping[str, z3.BoolRef]) -> tuple[str, ...]:
    return tuple(n for n in order if z3.is_true(model.eval(reach[n], model_completion=True)))


def _json_value(value: z3.ExprRef, kind: ir.Type) -> Any:
    if isinstance(kind, ir.BooleanType):
        return z3.is_true(value)
    if isinstance(kind, ir.EnumType):
        return kind.members[value.as_long()]
    fraction = value.as_fraction() if z3.is_rational_value(value) else Fraction(value.as_decimal(12).rstrip("?"))
    if fraction.denominator == 1:
        return int(fraction)
    return float(fraction)
