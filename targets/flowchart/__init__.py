"""What every flowchart back end shares: graph IR → readable words and chart facts.

The Graphviz and Mermaid targets draw the same chart in two notations. What a
clinician reads on it (guards printed as `ABI ≤ 0.9`, names without underscores,
citation numbers, which sections exist, which part of a patient's path is taken)
is decided here once, so the two notations cannot drift apart.
"""

from carepath.targets.flowchart.chart import Chart, ChartNode, build_chart
from carepath.targets.flowchart.expressions import format_expr, humanize
from carepath.targets.flowchart.highlight import Highlight, HighlightError

__all__ = [
    "Chart",
    "ChartNode",
    "Highlight",
    "HighlightError",
    "build_chart",
    "format_expr",
    "humanize",
]
