"""In-process latency of one run of the reference guideline on a complete patient.

Measures, side by side, medians over `--runs` (default 5,000, at least 1,000):
- the interpreter alone (`execute` on facts already checked) and the generated
  executor alone (`execute_generated`): what a batch or an EHR hook that checks facts
  once pays per patient;
- `carepath.run` on a facts-file dict: checking and converting the facts, then the
  generated executor (its default);
- the first run on a fresh graph object, which also builds the per-graph tables: the
  interpreter's plan (compiled guards), and the generated executor's source, written
  and compiled.
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
from carepath.targets.runtime.compiled import execute_generated
from carepath.targets.runtime.execute import execute
from carepath.targets.runtime.facts import parse_facts

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
    assert execute_generated(graph, facts) == result, "the two executors must agree"

    first, first_generated = [], []
    for executor, times in ((execute, first), (execute_generated, first_generated)):
        fresh = attrs.evolve(graph)  # an equal graph, but a new object: nothing is cached on it yet
        started = time.perf_counter()
        executor(fresh, facts)
        times.append(time.perf_counter() - started)

    walk = median_seconds(lambda: execute(graph, facts), runs)
    generated = median_seconds(lambda: execute_generated(graph, facts), runs)
    with_facts = median_seconds(lambda: run(graph, data), runs)
    print(f"reference guideline: {len(graph.nodes)} nodes, {len(graph.edges)} edges; patient: "
          f"{len(data)} facts, path of {len(result.path)} nodes, {len(result.actions)} actions")
    print(f"median over {runs} runs:")
    print(f"  interpreter (facts checked) {walk * 1e6:9.1f} µs   1.00×   ({1 / walk:,.0f} patients/s)")
    print(f"  generated (facts checked)   {generated * 1e6:9.1f} µs   {generated / walk:.2f}×   "
          f"({1 / generated:,.0f} patients/s)")
    print(f"  carepath.run (facts dict)   {with_facts * 1e6:9.1f} µs   {with_facts / walk:.2f}×")
    print(f"  first run, interpreter      {first[0] * 1e6:9.1f} µs   {first[0] / walk:.2f}×")
    print(f"  first run, generated        {first_generated[0] * 1e6:9.1f} µs   {first_generated[0] / walk:.2f}×")


if __name__ == "__main__":
    main()
