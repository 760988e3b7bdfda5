"""The flowchart facade: a graph (and a patient's facts) → a chart file's bytes.

The renderers in `targets/graphviz` and `targets/mermaid` take a patient's path as
plain data (`Highlight`) and know nothing of the runtime; this is where the two
meet. `render_flowchart(graph, "svg", facts=...)` runs the guideline on the facts
and draws the path the run took: the decisions' fired branches give the bold
arrows, the pending ones their "waiting for" lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from carepath.compiler import ir
from carepath.targets.flowchart import Highlight
from carepath.targets.runtime.facts import Facts
from carepath.targets.runtime.result import RunResult

FORMATS = ("svg", "png", "pdf", "dot", "mmd")


def highlight_of(graph: ir.Graph, result: RunResult) -> Highlight:
    """A run's path as the renderers' plain data."""
    fired = {decision.decision: decision.fired for decision in result.trace}
    pending = {decision.decision: decision.needs for decision in result.trace if decision.pending}
    return Highlight.from_path(graph, result.path, fired_branches=fired, pending=pending)


def render_flowchart(
    graph: ir.Graph,
    fmt: str,
    facts: Facts | Mapping[str, Any] | None = None,
    section: str | None = None,
    paper: str = "a4",
) -> bytes:
    """The chart in `fmt` (one of FORMATS), with the patient's path when `facts` are given.

    A PDF has an overview page and a page per section, on `paper` ("a4" or "letter").

    Raises `FactsError` for facts that do not fit the guideline, `RenderError`
    (Graphviz formats) or `MermaidError` (`mmd`) for a chart that cannot be drawn.
    """
    from carepath.execute import run
    from carepath.targets.graphviz import render
    from carepath.targets.mermaid import to_mermaid

    highlight = None if facts is None else highlight_of(graph, run(graph, facts))
    if fmt == "mmd":
        return to_mermaid(graph, highlight, section).encode("utf-8")
    return render(graph, fmt, highlight, section, paper)
