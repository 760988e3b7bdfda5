"""Flowchart render times: guideline → SVG through Graphviz's `dot`, in seconds.

Graphviz's time is driven by crossing minimisation over cross edges, not by node
count (issue 5 measured 0.9 s for 300 nodes, 18 s for 600, minutes for 1,000 on
Debian's 2.42). This prints, for the reference guideline and for generated
workups of 300 and 1,000 steps: DOT generation and `dot` to SVG as the target
draws them; then, for comparison, the same chart with Graphviz's default limits
(no `mclimit`/`remincross`), and with plain long arrows into shared steps instead
of go-to connectors (what a naive renderer draws), each cut off after a timeout.
The reference guideline must stay under 2 s.

Run: `.venv/bin/python benchmarks/render_time.py` (or `make bench`).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import carepath.targets.flowchart.chart as chart_model  # noqa: E402
from carepath.targets.graphviz import run_dot, to_dot  # noqa: E402
from tests.flowchart_graphs import generated_guideline  # noqa: E402

REFERENCE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"
TIMEOUT = 60.0  # seconds: past this, a comparison run counts as "too slow"


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def without_limits(dot_text: str) -> str:
    """The same DOT with the big-graph limits taken out: what Graphviz does by default."""
    return re.sub(r"\b(mclimit|nslimit1?|searchsize|remincross)=[^\s\]]+", "", dot_text)


def dot_with_timeout(dot_text: str, timeout: float) -> float | None:
    """Seconds `dot` takes to draw the SVG, or None if it needs longer than `timeout`."""
    import subprocess

    started = time.perf_counter()
    try:
        subprocess.run(["dot", "-Tsvg"], input=dot_text.encode(), capture_output=True, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return time.perf_counter() - started


def with_long_arrows(graph) -> str:
    """DOT of the chart with no go-to connectors into shared steps."""
    saved = chart_model.JUMP_FAN_IN
    chart_model.JUMP_FAN_IN = 10**9
    try:
        return to_dot(graph)
    finally:
        chart_model.JUMP_FAN_IN = saved


def seconds(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else f"> {TIMEOUT:.0f}"


def main() -> int:
    print(f"{'guideline':<24} {'nodes':>6} {'edges':>6} {'DOT (s)':>8} {'SVG (s)':>8}"
          f" {'default limits (s)':>19} {'long arrows (s)':>16}")
    graphs = []
    if REFERENCE.exists():
        from carepath import compile_file

        graphs.append(compile_file(REFERENCE))
    else:
        print(f"(reference guideline {REFERENCE.relative_to(ROOT)} not found: skipped)")
    graphs += [generated_guideline(300), generated_guideline(1000)]
    for graph in graphs:
        text, dot_seconds = timed(to_dot, graph)
        _, svg_seconds = timed(run_dot, text, "svg")
        default = dot_with_timeout(without_limits(text), TIMEOUT)
        long_arrows = dot_with_timeout(with_long_arrows(graph), TIMEOUT)
        ratio = f"  ({long_arrows / svg_seconds:.0f}× slower with long arrows)" if long_arrows else ""
        verdict = ""
        if graph.id == "leg_numbness_cramping":
            verdict = "  ok (< 2 s)" if dot_seconds + svg_seconds < 2 else "  TOO SLOW (target < 2 s)"
        print(f"{graph.id:<24} {len(graph.nodes):>6} {len(graph.edges):>6} {dot_seconds:>8.2f} {svg_seconds:>8.2f}"
              f" {seconds(default):>19} {seconds(long_arrows):>16}{ratio}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
