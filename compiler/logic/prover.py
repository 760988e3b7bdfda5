"""Proving: z3 formulas → proved, refuted with a model, or undecided (timed out).

One solver per verification; each query is pushed, checked and popped, so z3
keeps what it learned between queries. A query carries the domain constraints
(ranges, enum sizes) of only the inputs it mentions — its *support*, computed
over the shared formula DAG once per sub-term — so a query about one corner of
a large guideline stays small. Every query has a time limit; running out of time
is an undecided outcome, reported as a warning and never taken as a proof.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import z3
from attrs import frozen

from carepath.compiler.logic import DEFAULT_TIMEOUT_MS
from carepath.compiler.logic.encode import Inputs


@frozen
class Outcome:
    """`holds`: the formulas hold for some patient (`model`, when asked for, is one);
    `undecided`: why z3 gave up. Neither: proved impossible."""

    holds: bool = False
    model: z3.ModelRef | None = None
    undecided: str | None = None

    @property
    def impossible(self) -> bool:
        return not self.holds and self.undecided is None


class Prover:
    total_queries = 0  # over every prover of the process, for benchmarks

    def __init__(self, inputs: Inputs, timeout_ms: int = DEFAULT_TIMEOUT_MS,
                 background: Iterable[z3.BoolRef] = ()):
        self.solver = z3.Solver()
        self.solver.set("timeout", timeout_ms)
        self.solver.add(*background)
        self.names = list(inputs.declarations)
        self.domains = [inputs.domains[name] for name in self.names]
        self._bit: dict[int, int] = {}
        for index, name in enumerate(self.names):
            self._bit[inputs.values[name].get_id()] = 1 << index
            self._bit[inputs.known[name].get_id()] = 1 << index
        self._support: dict[int, int] = {}
        self._alive: list[z3.ExprRef] = []

    def find(self, *formulas: z3.BoolRef) -> Outcome:
        """A patient for whom every formula holds, or a proof that there is none."""
        Prover.total_queries += 1
        support = 0
        for formula in formulas:
            support |= self.support(formula)
        self.solver.push()
        try:
            for formula in formulas:
                self._assert(formula)
            index = 0
            while support:
                if support & 1:
                    for constraint in self.domains[index]:
                        self._assert(constraint)
                support >>= 1
                index += 1
            verdict = self.solver.check()
            if verdict == z3.sat:
                return Outcome(holds=True, model=self.solver.model())
            if verdict == z3.unsat:
                return Outcome()
            return Outcome(undecided=self.solver.reason_unknown() or "unknown")
        finally:
            self.solver.pop()

    def _assert(self, formula: z3.BoolRef) -> None:
        """`solver.add` of one Bool term through z3's C API: `add` casts every term to Bool through
        Python wrappers first, a third of the time of asking a query."""
        if not isinstance(formula, z3.BoolRef):
            raise TypeError(f"not a Bool term: {formula!r}")
        z3.Z3_solver_assert(self.solver.ctx.ref(), self.solver.solver, formula.as_ast())

    def support(self, formula: z3.ExprRef) -> int:
        """The inputs a formula reads, as a bit set (shared sub-terms visited once).

        The walk goes through z3's C API on raw terms: wrapping each sub-term in a
        Python `ExprRef` (what `children()` does) cost a quarter of a whole check.
        A raw term lives as long as the formula that holds it, and every formula
        walked is kept alive: z3 recycles the ids of freed terms.
        """
        memo, bits = self._support, self._bit
        root_id = formula.get_id()
        if root_id in memo:
            return memo[root_id]
        self._alive.append(formula)
        ctx = formula.ctx_ref()
        stack: list[tuple[Any, int, list[int] | None]] = [(formula.as_ast(), root_id, None)]
        while stack:
            term, key, children = stack.pop()
            if children is not None:
                value = bits.get(key, 0)
                for child in children:
                    value |= memo[child]
                memo[key] = value
                continue
            if key in memo:
                continue
            memo[key] = 0  # in progress; a DAG never reaches it again before it is done
            raw = _children(ctx, term)
            keys = [z3.Z3_get_ast_id(ctx, child) for child in raw]
            stack.append((term, key, keys))
            stack.extend((child, child_key, None) for child, child_key in zip(raw, keys) if child_key not in memo)
        return memo[root_id]


def _children(ctx, term) -> list:
    """The arguments of an application term (raw), none for anything else (numerals are applications too)."""
    if z3.Z3_get_ast_kind(ctx, term) != z3.Z3_APP_AST:
        return []
    app = z3.Z3_to_app(ctx, term)
    return [z3.Z3_get_app_arg(ctx, app, index) for index in range(z3.Z3_get_app_num_args(ctx, app))]
