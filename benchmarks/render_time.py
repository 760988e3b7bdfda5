"""Flowchart render times: guideline → SVG through Graphviz's `dot`, in seconds.

Graphviz's time is driven by crossing minimisation over cross edges, not by node
count (issue 5 measured 0.9 s for 300 nodes, 18 s for 600, minutes for 1,000 on
Debian's 2.42). This prints, for the reference guideline and for generated
workups of 300 and 1,000 steps: DOT generation, `dot` with the limits the target
sets on big graphs, and (for the generated ones) `dot` with Graphviz's default
limits, so the effect of the limits shows side by side. The reference guideline
must stay under 2 s.

Run: `.venv/bin/python benchmarks/render_time.py` (or `make bench`).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from targets.graphviz import run_dot, to_dot  # noqa: E402
from tests.flowchart_graphs import generated_guideline  # noqa: E402

REFERENCE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"
DEFAULT_LIMITS_TIMEOUT = 120.0  # seconds: past this, Graphviz's defaults count as "too slow"


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def without_limits(dot_text: str) -> str:
    """The same DOT with the big-graph limits taken out: what Graphviz does by default."""
    return re.sub(r"\b(mclimit|nslimit1?|searchsize|remincross)=[^\s\]]+", "", dot_text)


def dot_with_timeout(dot_text: str, timeout: float) -> float | None:
    import subprocess

    started = time.perf_counter()
    try:
        subprocess.run(["dot", "-Tsvg"], input=dot_text.encode(), capture_output=True, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return time.perf_counter() - started


def main() -> int:
    print(f"{'guideline':<28} {'nodes':>6} {'edges':>6} {'DOT (s)':>8} {'SVG (s)':>8} {'default limits (s)':>19}")
    if REFERENCE.exists():
        from carepath import compile_file

        graph = compile_file(REFERENCE)
        text, dot_seconds = timed(to_dot, graph)
        _, svg_seconds = timed(run_dot, text, "svg")
        verdict = "ok" if dot_seconds + svg_seconds < 2 else "TOO SLOW (target < 2 s)"
        print(f"{graph.id:<28} {len(graph.nodes):>6} {len(graph.edges):>6} {dot_seconds:>8.2f} {svg_seconds:>8.2f}"
              f" {'':>19}  {verdict}")
    else:
        print(f"(reference guideline {REFERENCE.relative_to(ROOT)} not found: skipped)")
    for size in (300, 1000):
        graph = generated_guideline(size)
        text, dot_seconds = timed(to_dot, graph)
        _, svg_seconds = timed(run_dot, text, "svg")
        default = dot_with_timeout(without_limits(text), DEFAULT_LIMITS_TIMEOUT)
        shown = f"{default:.2f}" if default is not None else f"> {DEFAULT_LIMITS_TIMEOUT:.0f}"
        ratio = f"  ({default / svg_seconds:.1f}× slower)" if default is not None else ""
        print(f"{graph.id:<28} {len(graph.nodes):>6} {len(graph.edges):>6} {dot_seconds:>8.2f} {svg_seconds:>8.2f}"
              f" {shown:>19}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
