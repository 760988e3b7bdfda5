"""Decision checks: each decision's branches and reach formula → CP04xx diagnostics.

For every decision, given the path that leads to it (its reach formula):
a branch whose guard can never hold at all (CP0404) or never on a path that
reaches the decision (CP0405); under `first`, a branch that earlier branches
always take first (CP0403); under `unique`, two branches that can both hold
(CP0401); under every policy without an `otherwise`, patients for whom every
guard is false, who have no way on (CP0402). A decision left pending by unknown
facts is not a gap: it asks for them. Every finding that has a patient carries
one, with the path that patient takes.
"""

from __future__ import annotations

import z3

from carepath.compiler import ir
from carepath.diagnostics import Diagnostic, Severity
from carepath.compiler.logic.prover import Outcome, Prover
from carepath.compiler.logic.reach import Activation, Branch, Decision
from carepath.compiler.logic.slicing import PathQueries
from carepath.compiler.logic.witness import Patient, Witnesses


class DecisionChecks:
    def __init__(self, activation: Activation, prover: Prover, paths: PathQueries, witnesses: Witnesses):
        self.activation = activation
        self.prover = prover
        self.paths = paths
        self.witnesses = witnesses
        self.found: list[Diagnostic] = []

    def run(self) -> list[Diagnostic]:
        for node_id in self.activation.order:
            decision = self.activation.decisions.get(node_id)
            if decision is not None:
                self._decision(decision)
        return self.found

    def _decision(self, decision: Decision) -> None:
        for branch in decision.guarded:
            self._branch(decision, branch)
        if decision.node.policy is ir.HitPolicy.UNIQUE:
            self._overlaps(decision)
        if not decision.has_otherwise and decision.guarded:
            self._gap(decision)

    def _branch(self, decision: Decision, branch: Branch) -> None:
        node, line = decision.node, branch.index + 1
        where = _guard_span(branch, node)
        alone = self._ask(f"whether line {line} of `{node.id}` can hold", where, branch.guard.true)
        if alone is None:
            return
        if not alone.holds:
            self._report("CP0404", f"line {line} of decision `{node.id}` can never hold", where,
                         label="no patient satisfies this condition",
                         hint="the condition contradicts itself or its inputs' ranges; fix or remove the line",
                         notes=("proved over every patient: the condition is never true",))
            return
        on_path = self._ask_on_path(f"whether line {line} of `{node.id}` can hold on a path to it", where,
                                    node.id, branch.guard.true)
        if on_path is None:
            return
        if not on_path.holds:
            example = self.witnesses.patient(self.witnesses.simplest(alone.model, branch.guard.true))
            self._report("CP0405", f"line {line} of decision `{node.id}` cannot hold on any path that reaches it",
                         where, label="the decisions before this one already rule this out",
                         hint="the branches leading here exclude this case; remove the line or fix the earlier decisions",
                         notes=(f"it holds for patients such as {example.describe()}",
                                f"but their path never reaches `{node.id}`: {_arrow(example.path)}"),
                         patient=example)
            return
        if decision.node.policy in (None, ir.HitPolicy.FIRST):
            fires = self._ask_on_path(f"whether line {line} of `{node.id}` is ever taken", where,
                                      node.id, branch.fires)
            if fires is not None and not fires.holds:
                model = self._witness(where, node.id, branch.guard.true)
                if model is None:
                    return
                example = self.witnesses.patient(model)
                taken = _taken_instead(decision, branch, model)
                self._report("CP0403", f"line {line} of decision `{node.id}` is shadowed by the lines before it",
                             where, label="every patient this line matches is decided by an earlier line",
                             hint="reorder the lines (the more specific condition first) or remove this one",
                             notes=(f"for example {example.describe()}: the condition holds, "
                                    f"but {taken}",
                                    f"path: {_arrow(example.path)}"),
                             patient=example)

    def _overlaps(self, decision: Decision) -> None:
        node, guarded = decision.node, decision.guarded
        for later_position, later in enumerate(guarded):
            for earlier in guarded[:later_position]:
                where = _guard_span(later, node)
                overlap = z3.And(earlier.guard.true, later.guard.true)
                both = self._ask_on_path(f"whether lines {earlier.index + 1} and {later.index + 1} of `{node.id}` "
                                         "overlap", where, node.id, overlap)
                model = both and both.holds and self._witness(where, node.id, overlap)
                if model:
                    example = self.witnesses.patient(model)
                    self._report("CP0401", f"lines {earlier.index + 1} and {later.index + 1} of unique decision "
                                 f"`{node.id}` can both hold", where,
                                 label=f"overlaps with line {earlier.index + 1}",
                                 hint="make the conditions exclusive, or use `(first)` if order should decide",
                                 notes=(f"both hold for {example.describe()}", f"path: {_arrow(example.path)}"),
                                 patient=example)

    def _gap(self, decision: Decision) -> None:
        node, all_false = decision.node, decision.all_false()
        gap = self._ask_on_path(f"whether decision `{node.id}` leaves a gap", node.span, node.id, all_false)
        model = gap and gap.holds and self._witness(node.span, node.id, all_false)
        if model:
            example = self.witnesses.patient(model)
            self._report("CP0402", f"decision `{node.id}` leaves patients with no way on", node.span,
                         label="no line holds for some patients, and there is no `otherwise`",
                         hint="add `otherwise -> <node>`, or a line for the missing case",
                         notes=(f"every condition is false for {example.describe()}",
                                f"path: {_arrow(example.path)} (and stops there)"),
                         patient=example)

    def _ask(self, question: str, span, *formulas: z3.BoolRef) -> Outcome | None:
        """The outcome, or None (with a warning) when z3 ran out of time."""
        return self._settled(question, span, self.prover.find(*formulas))

    def _ask_on_path(self, question: str, span, node: str, formula: z3.BoolRef) -> Outcome | None:
        """Whether `formula` holds for a patient reaching `node`; None (with a warning) if undecided."""
        return self._settled(question, span, self.paths.find(node, formula))

    def _witness(self, span, node: str, formula: z3.BoolRef) -> z3.ModelRef | None:
        """A whole patient reaching `node` for whom `formula` holds (known to exist)."""
        outcome = self._settled(f"a patient for the finding at `{node}`", span, self.paths.witness(node, formula))
        if outcome is None:
            return None
        return self.witnesses.simplest(outcome.model, self.activation.reach[node], formula)

    def _settled(self, question: str, span, outcome: Outcome) -> Outcome | None:
        if outcome.undecided is None:
            return outcome
        self.found.append(Diagnostic("CP0406", f"could not decide {question} in time", span, Severity.WARNING,
                                     hint="simplify the conditions, or raise the time limit",
                                     notes=(f"z3: {outcome.undecided}",)))
        return None

    def _report(self, code: str, message: str, span, *, label: str, hint: str,
                notes: tuple[str, ...], patient: Patient | None = None) -> None:
        self.found.append(Diagnostic(code, message, span, Severity.ERROR, label=label, hint=hint, notes=notes,
                                     counterexample=patient.facts if patient else None,
                                     path=patient.path if patient else ()))


def _guard_span(branch: Branch, node: ir.Node):
    guard = branch.expr
    for span in (getattr(guard, "span", None), branch.edges[0].span, node.span):
        if span is not None and span.line:
            return span
    return node.span


def _taken_instead(decision: Decision, branch: Branch, model: z3.ModelRef) -> str:
    for earlier in decision.guarded[: branch.index]:
        if z3.is_true(model.eval(earlier.guard.true, model_completion=True)):
            return f"line {earlier.index + 1} holds first"
        if not z3.is_true(model.eval(earlier.guard.false, model_completion=True)):
            return f"line {earlier.index + 1} is unknown first, so the decision waits for it"
    return "an earlier line decides"


def _arrow(path: tuple[str, ...]) -> str:
    return " → ".join(path)
