"""Assertion checks: the guideline's `assert` blocks → CP05xx diagnostics.

Each assertion is turned into the formula describing a patient who violates it
and handed to z3 over every patient, complete or with unknown facts
(docs/semantics.md, "Assertions"):
- `always F`: F evaluates to false (an unknown F refutes nothing);
- `never F`: F evaluates to true;
- `always X before Y`: some route of the patient's activation passes Y and then X
  (routes through Y are followed with `Activation.flow`);
- `always X depends on i`: the patient reaches X along a route on which no decision
  consulted a guard reading i.
A violation comes with the patient and the path it takes.
"""

from __future__ import annotations

import z3

from compiler import ir
from compiler.diagnostics import Diagnostic, Severity
from compiler.logic.encode import Encoder
from compiler.logic.prover import Prover
from compiler.logic.reach import Activation


class AssertionChecks:
    def __init__(self, activation: Activation, prover: Prover, patient_of):
        self.activation = activation
        self.prover = prover
        self.patient_of = patient_of
        self.encoder = Encoder(activation.encoder.inputs, activation.graph.defines,
                               reaches=activation.reach.__getitem__)

    def run(self) -> list[Diagnostic]:
        found = []
        for assertion in self.activation.graph.assertions:
            diagnostic = self._check(assertion)
            if diagnostic is not None:
                found.append(diagnostic)
        return found

    def violation(self, assertion: ir.Assertion) -> z3.BoolRef:
        """The condition under which a patient breaks the assertion."""
        if assertion.kind is ir.AssertionKind.ALWAYS:
            return self.encoder.condition(assertion.formula).false
        if assertion.kind is ir.AssertionKind.NEVER:
            return self.encoder.condition(assertion.formula).true
        reach = self.activation.reach
        if assertion.kind is ir.AssertionKind.BEFORE:
            through_other = self.activation.flow({assertion.other: reach[assertion.other]})
            return through_other[assertion.target]
        unread = self.activation.flow({ir.Graph.START: z3.BoolVal(True)},
                                      blocked=lambda edge: assertion.input in self.activation.edge_reads(edge))
        return unread[assertion.target]

    def _check(self, assertion: ir.Assertion) -> Diagnostic | None:
        outcome = self.prover.find(self.violation(assertion))
        if outcome.undecided is not None:
            return Diagnostic("CP0505", f"could not prove assertion \"{assertion.label}\" in time", assertion.span,
                              Severity.WARNING, hint="split the assertion, or raise the time limit",
                              notes=(f"z3: {outcome.undecided}",))
        if not outcome.holds_somewhere:
            return None
        patient = self.patient_of(outcome.model)
        code, broken = _BROKEN[assertion.kind]
        return Diagnostic(code, f"assertion \"{assertion.label}\" fails: {broken(assertion)}", assertion.span,
                          Severity.ERROR, label="a patient breaks this",
                          hint="fix the graph, or the assertion if it says the wrong thing",
                          notes=(f"counterexample: {patient.describe()}", f"path: {' → '.join(patient.path)}"),
                          counterexample=patient.facts, path=patient.path)


_BROKEN = {
    ir.AssertionKind.ALWAYS: ("CP0501", lambda a: "the property is false for some patient"),
    ir.AssertionKind.NEVER: ("CP0502", lambda a: "the forbidden situation happens for some patient"),
    ir.AssertionKind.BEFORE: ("CP0503", lambda a: f"`{a.other}` can come before `{a.target}`"),
    ir.AssertionKind.DEPENDS: ("CP0504", lambda a: f"`{a.target}` can be reached without reading `{a.input}`"),
}
