"""Witnesses: a z3 model → a patient (replayable facts) and the path that patient takes.

The facts are what a facts file holds (input name → JSON value; an unknown fact
is left out), so `carepath run --facts` replays exactly the patient the solver
found; the path is the nodes the model activates, in graph order, which is what
a runtime reports for those facts. Before a model becomes a counterexample it is
simplified: each known fact is dropped (made unknown) while the finding still
holds, so a reader sees only the facts that matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import z3
from attrs import frozen

from carepath.compiler import exact_json, ir
from carepath.compiler.logic.encode import Inputs
from carepath.compiler.logic.prover import Prover


@frozen
class Patient:
    facts: dict[str, Any]
    path: tuple[str, ...]

    def describe(self) -> str:
        """`abi = 0.95, pain = true` (or "no facts known"), for a diagnostic note."""
        if not self.facts:
            return "no facts known (every input unknown)"
        shown = ", ".join(f"{name} = {exact_json.dumps(value)}" for name, value in self.facts.items())
        return f"{shown}; every other input unknown"


class Witnesses:
    def __init__(self, inputs: Inputs, prover: Prover, order: tuple[str, ...], reach: Mapping[str, z3.BoolRef]):
        self.inputs, self.prover, self.order, self.reach = inputs, prover, order, reach

    def patient(self, model: z3.ModelRef) -> Patient:
        return Patient(facts_of(model, self.inputs), path_of(model, self.order, self.reach))

    def simplest(self, model: z3.ModelRef, *formulas: z3.BoolRef) -> z3.ModelRef:
        return simplest(self.prover, self.inputs, model, *formulas)


def simplest(prover: Prover, inputs: Inputs, model: z3.ModelRef, *formulas: z3.BoolRef) -> z3.ModelRef:
    """A model of `formulas` with as few known facts as greedily possible, the others as in `model`."""
    known = [n for n in inputs.declarations if z3.is_true(model.eval(inputs.known[n], model_completion=True))]
    pins = {n: z3.And(inputs.known[n], inputs.values[n] == model.eval(inputs.values[n], model_completion=True))
            for n in known}
    unknown = [z3.Not(inputs.known[n]) for n in inputs.declarations if n not in pins]
    for name in known:
        without = [pin for other, pin in pins.items() if other != name]
        outcome = prover.find(*formulas, *without, *unknown, z3.Not(inputs.known[name]))
        if outcome.holds:
            del pins[name]
            unknown.append(z3.Not(inputs.known[name]))
            model = outcome.model
    return model


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
    return fraction  # exact: written as the decimal it is (compiler.exact_json)
