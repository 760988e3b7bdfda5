"""The run facade: a graph and a patient's facts → a `RunResult`.

Accepts the facts as a facts-file object (a dict from input name to JSON value,
checked and converted here, raising `FactsError` with every problem) or as
already-checked `Facts`, so a caller that runs many patients can check once.
Runs the generated executor unless told to interpret (`targets/runtime/compiled.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from carepath.compiler import ir
from carepath.targets.runtime.compiled import DEFAULT_EXECUTOR, executor as executor_named
from carepath.targets.runtime.facts import Facts, FactsError, parse_facts
from carepath.targets.runtime.result import RunResult

__all__ = ["Facts", "FactsError", "RunResult", "run"]


def run(graph: ir.Graph, facts: Facts | Mapping[str, Any], *, executor: str = DEFAULT_EXECUTOR) -> RunResult:
    """Run `graph` on one patient. Raises `FactsError` when `facts` do not fit its inputs.

    `executor` is `"generated"` (the default: the graph compiled once into a Python
    function, kept on the graph) or `"interpreter"` (the reference walk the generated
    code is tested against); both give equal results. Another name is a ValueError.
    """
    run_patient = executor_named(executor)
    checked = facts if isinstance(facts, Facts) else parse_facts(graph, facts)
    return run_patient(graph, checked.values)
