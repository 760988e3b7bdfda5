"""The run facade: a graph and a patient's facts → a `RunResult`.

Accepts the facts as a facts-file object (a dict from input name to JSON value,
checked and converted here, raising `FactsError` with every problem) or as
already-checked `Facts`, so a caller that runs many patients can check once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler import ir
from targets.runtime.execute import execute
from targets.runtime.facts import Facts, FactsError, parse_facts
from targets.runtime.result import RunResult

__all__ = ["Facts", "FactsError", "RunResult", "run"]


def run(graph: ir.Graph, facts: Facts | Mapping[str, Any]) -> RunResult:
    """Run `graph` on one patient. Raises `FactsError` when `facts` do not fit its inputs."""
    checked = facts if isinstance(facts, Facts) else parse_facts(graph, facts)
    return execute(graph, checked.values)
