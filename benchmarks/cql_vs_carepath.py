"""cql-execution on carepath's ELM export against carepath, on the same patients (issue 12, 4c).

For the reference guideline and a mid-sized one (the DVT workup of
`examples/guidelines/dvt_wells.cpath`), N random patients are drawn once (the ELM
conformance test's generator: half start from a scenario so that the deep steps are
reached, unknowns, values on and beside every threshold, quantities in other units).
Then, on exactly those patients:

1. **Agreement**, before any timing. What the ELM export expresses is compared with
   carepath's result for every patient: the path (`Reaches <node>` true exactly on
   `result.path`), the recommended actions (`Recommend <action>` true exactly for
   `result.actions`), and the undecided nodes (`Reaches` null exactly where carepath's
   Kleene reach is unknown). The ELM library has no statement for the order of the
   actions, for the status or for the needed inputs: the actions are compared as a set,
   and the status is compared only as far as it follows (a null `Reaches` means a
   pending decision, so the status must be `needs_input`). The JS runtime's result is
   compared whole (status, ordered action ids, needs, path), and so is carepath's
   interpreter where `carepath.run` offers one (`executor="interpreter"`).
2. **Timing**: per patient, cql-execution and the JS runtime inside one Node process
   (`benchmarks/cql_vs_carepath.mjs`, process.hrtime; Node start-up, module loading and
   building the library from the ELM are reported apart), and `carepath.run` in this
   process. Rounds over all patients alternate between the engines (the machine may be
   shared: a change of load then falls on every engine alike); the first round warms
   each up and is not counted; the median of `--rounds` rounds is printed.

Each engine gets the facts as its API takes them: carepath the checked facts
(`carepath.run` on a `Facts`; a second line on the facts objects, checking included),
cql-execution one parameter per input in its declared unit (what a host passes after
converting, as `targets/elm/evaluate.js` does), the JS runtime the facts object as a
facts file holds it (it checks and converts itself). Prints µs per patient and the
ratios; never a pass/fail, except that it stops before timing when the engines disagree
(timing engines that compute different things means nothing) and prints the patients.
Needs `node` and `make setup` (cql-execution under targets/elm).

    python benchmarks/cql_vs_carepath.py [--patients N] [--rounds R]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import carepath  # noqa: E402
from carepath.compiler import exact_json, ir  # noqa: E402
from carepath.targets.elm import elm_library  # noqa: E402
from carepath.targets.json.export import graph_document  # noqa: E402
from carepath.targets.runtime.facts import read_facts_text  # noqa: E402
from tests.test_elm_conformance import KleeneReach, random_patients  # noqa: E402

GUIDELINES = ("guidelines/leg_numbness_cramping.cpath", "examples/guidelines/dvt_wells.cpath")
DRIVER = ROOT / "benchmarks/cql_vs_carepath.mjs"
ENGINE = ROOT / "targets/elm/node_modules/cql-execution"
SHOWN_DIFFERENCES = 5


def draw_patients(graph: ir.Graph, count: int, seed: str) -> list[tuple[dict, object]]:
    """`count` patients as (facts object as a file holds it, checked `Facts`)."""
    return [(data, read_facts_text(graph, json.dumps(data)))
            for data in random_patients(graph, random.Random(seed), count)]


def declared_unit_parameters(facts) -> dict:
    """A patient's facts in their declared units, numbers as the nearest double (what evaluate.js receives)."""
    return {name: value if isinstance(value, (bool, str)) else float(value) for name, value in facts.values.items()}


class NodeEngines:
    """One Node process (`cql_vs_carepath.mjs`) holding cql-execution and the JS runtime for one graph."""

    def __init__(self, graph: ir.Graph, patients) -> None:
        self.process = subprocess.Popen([shutil.which("node"), str(DRIVER)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, encoding="utf-8")
        self.loaded = self.ask({
            "elm": elm_library(graph),
            "inputs": [{"name": i.name, "kind": i.type.kind, "unit": getattr(i.type, "unit", "")}
                       for i in graph.inputs],
            "graph": graph_document(graph, spans=False),
            "cqlPatients": [declared_unit_parameters(facts) for _, facts in patients],
            "jsPatients": [data for data, _ in patients],
        })

    def ask(self, message: dict) -> dict:
        self.process.stdin.write(exact_json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            sys.exit(f"the Node driver stopped (exit {self.process.wait()})")
        return json.loads(line)

    def round(self, engine: str) -> float:
        """Seconds per patient of one pass of `engine` (`cql` or `js`) over every patient."""
        return self.ask({"round": engine})["seconds"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def differences(graph: ir.Graph, patients, answer: dict) -> dict[str, list[str]]:
    """Per engine, the patients on which it differs from `carepath.run`: cql-execution in what its ELM
    expresses, the JS runtime (and carepath's interpreter, where `carepath.run` offers it) in the whole result."""
    order = [n.id for n in graph.nodes]
    actions = [n.id for n in graph.nodes if n.kind is ir.NodeKind.ACTION]
    interpreter = "executor" in inspect.signature(carepath.run).parameters
    wrong: dict[str, list[str]] = {"cql-execution": [], "JS runtime": [], **({"interpreter": []} if interpreter else {})}
    kleene_reach = KleeneReach(graph)
    for index, ((data, facts), cql, js) in enumerate(zip(patients, answer["cql"], answer["js"], strict=True)):
        result = carepath.run(graph, facts)
        reach = kleene_reach(facts.values)
        pending = result.status == "needs_input"
        expected = {"path": list(result.path), "actions": sorted(result.action_ids()),
                    "undecided": [n for n in order if reach[n] is None], "needs input": pending}
        got = {
            "path": [n for n in order if cql["reaches"].get(n) is True],
            "actions": sorted(a for a in actions if cql["recommend"].get(a) is True),
            "undecided": [n for n in order if cql["reaches"].get(n) is None],
            # all the ELM says of the status: a null `Reaches` is a pending decision
            "needs input": True if None in cql["reaches"].values() else pending,
        }
        shown = f"patient {index}: facts {exact_json.dumps(data)}"
        if expected != got:
            parts = {k: {"carepath": expected[k], "cql-execution": got[k]} for k in expected if expected[k] != got[k]}
            wrong["cql-execution"].append(f"{shown}\n    {json.dumps(parts)}")
        ours = _whole(result)
        if js != ours:
            wrong["JS runtime"].append(f"{shown}\n    carepath {ours}\n    js {js}")
        if interpreter and (walked := _whole(carepath.run(graph, facts, executor="interpreter"))) != ours:
            wrong["interpreter"].append(f"{shown}\n    carepath.run {ours}\n    interpreter {walked}")
    return wrong


def _whole(result) -> dict:
    return {"status": result.status, "actions": list(result.action_ids()), "needs": list(result.needs),
            "path": list(result.path)}


def python_round(run_one, inputs: list) -> float:
    """Seconds per patient of one pass of `run_one` over every patient."""
    started = time.perf_counter()
    for facts in inputs:
        run_one(facts)
    return (time.perf_counter() - started) / len(inputs)


def python_runners(graph: ir.Graph, patients) -> list[tuple[str, object, list]]:
    """The ways carepath runs a patient in Python: (label, function of one input, the inputs).

    `carepath.run` as called by default, on checked facts and on facts files; and, where
    `carepath.run` offers a choice of executor, the interpreter it can fall back on.
    """
    checked = [facts for _, facts in patients]
    files = [data for data, _ in patients]
    runners = [
        ("carepath.run (default)", lambda facts: carepath.run(graph, facts), checked),
        ("  the same, checking facts", lambda data: carepath.run(graph, data), files),
    ]
    if "executor" in inspect.signature(carepath.run).parameters:
        runners.append(('carepath.run(executor="interpreter")',
                        lambda facts: carepath.run(graph, facts, executor="interpreter"), checked))
    return runners


def benchmark(path: str, count: int, rounds: int) -> None:
    graph = carepath.compile_file(ROOT / path)
    patients = draw_patients(graph, count, Path(path).stem)
    started = time.perf_counter()
    node = NodeEngines(graph, patients)
    answer = node.loaded
    node_ready = time.perf_counter() - started
    try:
        measured = compare_and_time(graph, patients, node, answer, rounds)
    finally:
        node.close()
    if measured is None:
        return
    startup = answer["startup"]
    print(f"  node start-up {startup['nodeBoot'] * 1000:.0f} ms, loading cql-execution and the JS runtime "
          f"{startup['modulesLoaded'] * 1000:.0f} ms, building the library from the ELM "
          f"{startup['elmLoaded'] * 1000:.1f} ms (paid once per process; from spawning node to both engines' "
          f"results for every patient: {node_ready:.1f} s)")
    cql_time = statistics.median(measured["cql-execution (node)"])
    fastest = min(statistics.median(times) for times in measured.values())
    print(f"  median of {rounds} interleaved rounds over all {count:,} patients, per patient:")
    for name, times in measured.items():
        seconds = statistics.median(times)
        print(f"    {name:38} {seconds * 1e6:9.1f} µs  {seconds / fastest:6.2f}× the fastest  "
              f"cql-execution takes {cql_time / seconds:5.1f}× as long")


def compare_and_time(graph: ir.Graph, patients, node: NodeEngines, answer: dict, rounds: int):
    """Print the agreement; then each engine's per-patient times of every round, or None when they disagree."""
    count = len(patients)
    wrong = differences(graph, patients, answer)
    print(f"{graph.id}: {len(graph.nodes)} nodes, {len(graph.inputs)} inputs, "
          f"{len(elm_library(graph)['library']['statements']['def'])} ELM statements; {count:,} patients")
    compared = {"cql-execution": "path, recommended actions as a set, undecided nodes, status as far as it follows",
                "JS runtime": "status, ordered actions, needs, path", "interpreter": "the same"}
    print("  agreement with carepath.run: " + "; ".join(
        f"{engine} {count - len(found):,}/{count:,} ({compared[engine]})" for engine, found in wrong.items()))
    statuses = [carepath.run(graph, facts).status for _, facts in patients]
    derived = [("needs_input" if None in cql["reaches"].values() else "complete") for cql in answer["cql"]]
    print(f"  {statuses.count('needs_input'):,} patients need input; the status read off the ELM (`needs_input` when "
          f"some `Reaches` is null) equals carepath's for {sum(map(str.__eq__, statuses, derived)):,}/{count:,}")
    for engine, found in wrong.items():
        for line in found[:SHOWN_DIFFERENCES]:
            print(f"  DIFFERS ({engine}) {line}")
    if any(wrong.values()):
        print("  not timed: the engines disagree")
        return None
    runners = python_runners(graph, patients)
    measured: dict[str, list[float]] = {name: [] for name, _, _ in runners}
    measured["JS runtime (node)"] = []
    measured["cql-execution (node)"] = []
    for round_ in range(rounds + 1):  # round 0 warms every engine up and is not counted
        times = {name: python_round(run_one, inputs) for name, run_one, inputs in runners}
        times["JS runtime (node)"] = node.round("js")
        times["cql-execution (node)"] = node.round("cql")
        if round_:
            for name, seconds in times.items():
                measured[name].append(seconds)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    if shutil.which("node") is None or not ENGINE.is_dir():
        print("skipped: needs `node` on PATH and cql-execution (`make setup` runs npm ci in targets/elm)")
        return
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    for path in GUIDELINES:
        benchmark(path, arguments.patients, max(arguments.rounds, 1))


if __name__ == "__main__":
    main()
