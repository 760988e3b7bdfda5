"""The pipeline: source file → verified graph, one pass after another.

`PASSES` is the ordered tuple of stages; each is `pass_name(value, sink) -> value`
and never raises for a problem in the guideline: it adds diagnostics and carries
on, so one stage reports everything it finds. The pipeline stops after a stage
that reported an error, since later stages assume earlier ones succeeded (the
lowering assumes every name resolves; the logic verifier assumes the graph is a
DAG).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import Any

from carepath.compiler import ir
from carepath.diagnostics import Sink
from carepath.compiler.passes.check_codes import check_codes
from carepath.compiler.passes.check_types import check_types
from carepath.compiler.passes.load import SourceFile, load
from carepath.compiler.passes.lower import lower
from carepath.compiler.passes.resolve import resolve
from carepath.compiler.passes.verify_logic import verify_logic
from carepath.compiler.passes.verify_structure import verify_structure

Pass = Callable[[Any, Sink], Any]

PASSES: tuple[Pass, ...] = (
    load,  # SourceFile -> Loaded (parsed modules, imports included)
    resolve,  # Loaded -> Program (symbol tables, name diagnostics)
    check_types,  # Program -> Program (types and units)
    lower,  # Program -> ir.Graph
    verify_structure,  # ir.Graph -> ir.Graph (reachability, dead ends, cycles, citations)
    verify_logic,  # ir.Graph -> ir.Graph (z3: overlaps, gaps, shadowing, assertions)
)


# Without the logic verifier: the graph as far as its shape is checked. Used to
# replay a counterexample on a guideline whose logic check failed: the patient
# the verifier found must be runnable to be understood.
UNVERIFIED_PASSES: tuple[Pass, ...] = tuple(p for p in PASSES if p is not verify_logic)


# Advice run only by `carepath check`, after a clean compilation: warnings about how
# well the guideline travels (terminology codes for FHIR data), never errors.
ADVISORY_PASSES: tuple[Pass, ...] = (
    check_codes,  # ir.Graph -> ir.Graph (CP0801: inputs without a terminology code)
)


# Stages whose errors the next stage tolerates: types are checked even when some
# names did not resolve (an unknown name is typed as an error and not reported
# twice), so the author sees name and unit mistakes in one run.
RECOVERABLE: frozenset[Pass] = frozenset({resolve})


def run_passes(source: SourceFile, sink: Sink, passes: tuple[Pass, ...] = PASSES) -> ir.Graph | None:
    """The graph, or None when a stage reported errors (they are in `sink`)."""
    with _collector_paused():
        return _run(source, sink, passes)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while compiling, back as it was afterwards.

    A compilation allocates millions of small, acyclic objects (tokens, tree nodes,
    AST and IR values) that all live until it ends; each full collection walks all of
    them, which made parsing a 20,000-node guideline superlinear (benchmarks/
    check_scaling.py). Reference counting still frees everything that is not a cycle,
    and the cycles left are collected once the collector is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(source: SourceFile, sink: Sink, passes: tuple[Pass, ...]) -> ir.Graph | None:
    value: Any = source
    errors_before = False
    for stage in passes:
        value = stage(value, sink)
        if sink.has_errors and (errors_before or stage not in RECOVERABLE):
            return None
        errors_before = sink.has_errors
    return value

