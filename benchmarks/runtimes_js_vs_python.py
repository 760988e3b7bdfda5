"""Runtime throughput: the reference guideline's graph JSON run by Python and by JavaScript.

Prints patients per second for each runtime on the same random patients (the
conformance generator: unknowns, thresholds, other units), their ratio, and the
size and export/load time of the graph JSON. Needs `node` on PATH for the JS column.
Run: `.venv/bin/python benchmarks/runtimes_js_vs_python.py [PATIENTS]`.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from carepath import compile_file  # noqa: E402
from carepath.targets.json.export import export_graph, graph_document  # noqa: E402
from carepath.targets.json.load import load_graph_text  # noqa: E402
from carepath.targets.runtime.execute import execute  # noqa: E402
from carepath.targets.runtime.facts import FactsError, parse_facts  # noqa: E402
from tests.graph_strategies import random_patient  # noqa: E402


def main(count: int) -> None:
    graph = compile_file(ROOT / "guidelines/leg_numbness_cramping.cpath")
    started = time.perf_counter()
    text = export_graph(graph)
    exported = time.perf_counter() - started
    started = time.perf_counter()
    load_graph_text(text)
    loaded = time.perf_counter() - started
    print(f"graph JSON: {len(text.encode()) / 1024:.0f} KiB with spans, "
          f"{len(export_graph(graph, spans=False).encode()) / 1024:.0f} KiB without; "
          f"export {exported * 1000:.0f} ms, load (schema + checks) {loaded * 1000:.0f} ms")

    rng = random.Random(1)
    patients = [random_patient(graph, rng, invalid_rate=0.0) for _ in range(count)]

    started = time.perf_counter()
    for facts in patients:
        try:
            execute(graph, parse_facts(graph, facts).values)
        except FactsError:
            pass
    python_rate = count / (time.perf_counter() - started)
    print(f"python:     {python_rate:10,.0f} patients/s")

    node = shutil.which("node")
    if node is None:
        print("javascript: skipped (no `node` on PATH)")
        return
    lines = json.dumps({"graph": graph_document(graph, spans=False)}) + "\n"
    lines += "".join(json.dumps({"facts": facts}) + "\n" for facts in patients)
    started = time.perf_counter()
    done = subprocess.run([node, str(ROOT / "targets/js/batch.mjs")], input=lines, capture_output=True,
                          text=True, check=True)
    js_seconds = time.perf_counter() - started
    assert done.stdout.count("\n") == count
    js_rate = count / js_seconds
    print(f"javascript: {js_rate:10,.0f} patients/s (one node process, start-up and JSON included)")
    print(f"ratio js/python: {js_rate / python_rate:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
