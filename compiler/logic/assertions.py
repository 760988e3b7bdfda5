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

from carepath.compiler import ir
from carepath.diagnostics import Diagnostic, Severity
from carepath.compiler.logic.encode import Encoder
from carepath.compiler.logic.prover import Outcome, Prover
from carepath.compiler.logic.reach import Activation
from carepath.compiler.logic.slicing import PathQueries
from carepath.compiler.logic.witness import Witnesses


class AssertionChecks:
    def __init__(self, activation: Activation, prover: Prover, paths: PathQueries, witnesses: Witnesses):
        self.activation = activation
        self.prover = prover
        self.paths = paths
        self.witnesses = witnesses
        self.encoder = self._encoder(activation.reach.__getitem__)

    def _encoder(self, reaches) -> Encoder:
        return self.activation.encoder.with_reaches(reaches)

    def run(self) -> list[Diagnostic]:
        found = []
        for assertion in self.activation.graph.assertions:
            diagnostic = self.check(assertion)
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

    def _violated(self, assertion: ir.Assertion) -> Outcome:
        """Whether some patient breaks the assertion, asked as small path queries where possible.

        `always`/`never`: every `reaches N` atom is its nodes' common dominator D's
        reach and N's condition relative to D, so the violation splits into the
        patients reaching D (a path query at D) and those not reaching D (all
        atoms false). `before`: a path query at the other node.
        """
        activation = self.activation
        if assertion.kind is ir.AssertionKind.BEFORE:
            through_other = activation.flow({assertion.other: z3.BoolVal(True)})
            return self.paths.find(assertion.other, through_other[assertion.target])
        if assertion.kind is ir.AssertionKind.DEPENDS:
            return self.prover.find(self.violation(assertion))
        targets = _reached_nodes(assertion.formula)
        if not targets:
            return self.prover.find(self.violation(assertion))
        dominator = activation.common_dominator(targets)
        inside = self._violation_with(assertion, lambda node: activation.relative(node, dominator))
        reaching = self.paths.find(dominator, inside)
        if reaching.holds or reaching.undecided:
            return reaching
        outside = self._violation_with(assertion, lambda node: z3.BoolVal(False))
        if self.prover.find(outside).impossible:
            return Outcome()
        return self.prover.find(z3.Not(activation.reach[dominator]), outside)

    def _violation_with(self, assertion: ir.Assertion, reaches) -> z3.BoolRef:
        tri = self._encoder(reaches).condition(assertion.formula)
        return tri.false if assertion.kind is ir.AssertionKind.ALWAYS else tri.true

    def check(self, assertion: ir.Assertion) -> Diagnostic | None:
        """None when the assertion is proved; else the failure, or the warning that it could not be decided."""
        outcome = self._violated(assertion)
        if outcome.holds:
            violation = self.violation(assertion)
            outcome = self.prover.find(violation)
        if outcome.undecided is not None:
            return Diagnostic("CP0505", f"could not prove assertion \"{assertion.label}\" in time", assertion.span,
                              Severity.WARNING, hint="split the assertion, or raise the time limit",
                              notes=(f"z3: {outcome.undecided}",))
        if not outcome.holds:
            return None
        patient = self.witnesses.patient(self.witnesses.simplest(outcome.model, violation))
        code, broken = _BROKEN[assertion.kind]
        return Diagnostic(code, f"assertion \"{assertion.label}\" fails: {broken(assertion)}", assertion.span,
                          Severity.ERROR, label="a patient breaks this",
                          hint="fix the graph, or the assertion if it says the wrong thing",
                          notes=(f"counterexample: {patient.describe()}", f"path: {' → '.join(patient.path)}"),
                          counterexample=patient.facts, path=patient.path)


def _reached_nodes(formula: ir.Expr) -> set[str]:
    return {e.node for e in ir.walk(formula) if isinstance(e, ir.Reaches)}


_BROKEN = {
    ir.AssertionKind.ALWAYS: ("CP0501", lambda a: "the property is false for some patient"),
    ir.AssertionKind.NEVER: ("CP0502", lambda a: "the forbidden situation happens for some patient"),
    ir.AssertionKind.BEFORE: ("CP0503", lambda a: f"`{a.other}` can come before `{a.target}`"),
    ir.AssertionKind.DEPENDS: ("CP0504", lambda a: f"`{a.target}` can be reached without reading `{a.input}`"),
}
