"""In-process latency of one run of the reference guideline on a complete patient.

Measures, side by side, medians over `--runs` (default 5,000, at least 1,000):
- the walk alone (`execute` on facts already checked): what a batch or an EHR hook
  that checks facts once pays per patient;
- `carepath.run` on a facts-file dict: checking and converting the facts, then the walk;
- the first run on a fresh graph object, which also builds the per-graph index
  (compiled guards, grouped branches), against the median of later runs.
The patient is `examples/patients/diabetic_neuropathy.json` (status complete, a long
path through every section of the workup).

    python benchmarks/run_latency.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import attrs

from carepath import compile_file, run
from targets.runtime.execute import execute
from targets.runtime.facts import parse_facts

ROOT = Path(__file__).resolve().parents[1]
GUIDELINE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"
PATIENT = ROOT / "examples" / "patients" / "diabetic_neuropathy.json"


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    runs = max(parser.parse_args().runs, 1000)
    graph = compile_file(GUIDELINE)
    data = json.loads(PATIENT.read_text(encoding="utf-8"))
    facts = parse_facts(graph, data).values
    result = execute(graph, facts)
    assert result.status == "complete", "the benchmark patient must be complete"

    fresh = attrs.evolve(graph)  # an equal graph, but a new object: its index is not cached yet
    started = time.perf_counter()
    execute(fresh, facts)
    first = time.perf_counter() - started

    walk = median_seconds(lambda: execute(graph, facts), runs)
    with_facts = median_seconds(lambda: run(graph, data), runs)
    print(f"reference guideline: {len(graph.nodes)} nodes, {len(graph.edges)} edges; patient: "
          f"{len(data)} facts, path of {len(result.path)} nodes, {len(result.actions)} actions")
    print(f"median over {runs} runs:")
    print(f"  execute (facts checked)     {walk * 1e6:9.1f} µs   1.00×   ({1 / walk:,.0f} patients/s)")
    print(f"  carepath.run (facts dict)   {with_facts * 1e6:9.1f} µs   {with_facts / walk:.2f}×")
    print(f"  first run, index built      {first * 1e6:9.1f} µs   {first / walk:.2f}×")


if __name__ == "__main__":
    main()
