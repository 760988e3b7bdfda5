"""Proving: z3 formulas → proved, refuted with a model, or undecided (timed out).

One solver per verification holds what every query shares (the inputs'
domains); each query is pushed, checked and popped, so z3 keeps what it learned
between queries. Every query has a time limit; running out of time is an
undecided outcome, reported as a warning and never taken as a proof.
"""

from __future__ import annotations

from collections.abc import Iterable

import z3
from attrs import frozen

DEFAULT_TIMEOUT_MS = 10_000


@frozen
class Outcome:
    """`model` is a witness when the formulas can hold; `undecided` when z3 gave up."""

    model: z3.ModelRef | None = None
    undecided: str | None = None

    @property
    def holds_somewhere(self) -> bool:
        return self.model is not None

    @property
    def impossible(self) -> bool:
        return self.model is None and self.undecided is None


class Prover:
    def __init__(self, background: Iterable[z3.BoolRef], timeout_ms: int = DEFAULT_TIMEOUT_MS):
        self.solver = z3.Solver()
        self.solver.set("timeout", timeout_ms)
        self.solver.add(*background)
        self.queries = 0

    def find(self, *formulas: z3.BoolRef) -> Outcome:
        """A patient for whom every formula holds, or a proof that there is none."""
        self.queries += 1
        self.solver.push()
        try:
            self.solver.add(*formulas)
            verdict = self.solver.check()
            if verdict == z3.sat:
                return Outcome(model=self.solver.model())
            if verdict == z3.unsat:
                return Outcome()
            return Outcome(undecided=self.solver.reason_unknown() or "unknown")
        finally:
            self.solver.pop()
