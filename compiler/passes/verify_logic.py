"""Logic verification: graph IR → the same graph, with CP04xx/CP05xx diagnostics.

The pass that makes the graph *verified*: every decision's branches and every
assertion are decided exactly by z3 over all patients, complete or with unknown
facts (see `compiler.logic`). It runs last, on a graph the structural pass has
found well-shaped (a DAG, every node reachable). Each finding carries a
counterexample patient (`Diagnostic.counterexample`) and its path; a query that
runs out of time is a warning, never a proof.

The verification budget: a graph of more than `VERIFICATION_BUDGET_NODES` nodes is
not verified (warning CP0407), so `check` of any input finishes in bounded time;
every earlier stage (names, types, units, structure) has still run and reported
everything. The logic checks grow about linearly at ~3.5 ms of CPU per node
(benchmarks/check_scaling.py), so the budget keeps a full check within a minute.
"""

from __future__ import annotations

from carepath.compiler import ir
from carepath.diagnostics import Diagnostic, Severity, Sink
from carepath.compiler.logic import DEFAULT_TIMEOUT_MS


VERIFICATION_BUDGET_NODES = 5_000


def verify_logic(graph: ir.Graph, sink: Sink) -> ir.Graph:
    if len(graph.nodes) > VERIFICATION_BUDGET_NODES:
        sink.warning("CP0407", f"the decision logic was not verified: {len(graph.nodes):,} nodes is beyond the "
                               f"verification budget of {VERIFICATION_BUDGET_NODES:,}", graph.span,
                     notes=("names, types, units and the graph's structure were checked in full",),
                     hint="split the guideline into smaller ones (see docs/limits.md)")
        return graph
    sink.extend(logic_findings(graph))
    return graph


def logic_findings(graph: ir.Graph, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> list[Diagnostic]:
    """Every decision and assertion finding of a well-shaped graph, in graph order."""
    import z3  # imported here so that commands which never verify start fast

    from carepath.compiler.logic.assertions import AssertionChecks
    from carepath.compiler.logic.decisions import DecisionChecks
    from carepath.compiler.logic.encode import Encoder, Inputs
    from carepath.compiler.logic.prover import Prover
    from carepath.compiler.logic.reach import Activation
    from carepath.compiler.logic.slicing import PathQueries
    from carepath.compiler.logic.witness import Witnesses

    try:
        inputs = Inputs(graph.inputs)
        activation = Activation(graph, Encoder(inputs, graph.defines))
        prover = Prover(inputs, timeout_ms)
        paths = PathQueries(activation, prover)
        witnesses = Witnesses(inputs, prover, activation.order, activation.reach)
        return (DecisionChecks(activation, prover, paths, witnesses).run()
                + AssertionChecks(activation, prover, paths, witnesses).run())
    except z3.Z3Exception as error:
        return [Diagnostic("CP0406", "the logic verifier could not run", graph.span, Severity.WARNING,
                           notes=(f"z3: {error}",), hint="please report this guideline to the carepath authors")]
