"""Per-patient latency: interpreter, generated executor and a hand-written Python function of the same logic.

The guideline is the vascular workup of `tests/runtime_guidelines.py` (12 nodes, the
three hit policies, a define, a quantity): small enough to write by hand, and
every part of the interpreter's walk is exercised. `handwritten` below is what a
careful programmer would write for it with Kleene logic: no explanations, no trace.
Before timing, all three are run on 20,000 random patients and must agree on status,
ordered actions, needs and path (an honest comparison compares equal work), and the
two executors must give equal results in full (actions with their `because`, the
questions, the trace); then the medians over `--runs` of each on the same patients
are printed side by side. Both executors build the whole `RunResult` (explanations,
questions, trace), which the hand-written function leaves out.

    python benchmarks/handwritten_latency.py [--runs N]
"""

from __future__ import annotations

import argparse
import random
from fractions import Fraction
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from carepath import compile_text  # noqa: E402
from carepath.targets.runtime.compiled import execute_generated  # noqa: E402
from carepath.targets.runtime.execute import execute  # noqa: E402
from carepath.targets.runtime.facts import FactsError, parse_facts  # noqa: E402
from tests.graph_strategies import random_patient  # noqa: E402
from tests.runtime_guidelines import VASCULAR  # noqa: E402

ORDER = ("start", "triage", "consult", "workup", "severity", "revasc", "streams", "quit", "glucose", "exercise",
         "followup", "done")
ACTION_ORDER = ("consult", "workup", "revasc", "quit", "glucose", "exercise", "followup")  # urgency, then graph order
INPUTS = ("pulses", "unilateral", "abi", "relief", "smoker", "diabetic")
PAD_ABI, SEVERE_ABI = Fraction("0.9"), Fraction("0.5")  # exact, as the guideline's numbers are


def _and(a, b):
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a, b):
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def handwritten(facts: dict) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The vascular workup by hand: (status, actions, needs, path)."""
    get = facts.get
    pulses, unilateral, abi = get("pulses"), get("unilateral"), get("abi")
    active = {"start", "triage"}
    needs: set[str] = set()
    streams = False
    # triage (first)
    absent = None if pulses is None else pulses == "absent"
    line0 = _and(absent, unilateral)
    if line0 is True:
        active.add("consult")
        streams = True
    elif line0 is None:
        needs.update(n for n in ("pulses", "unilateral") if get(n) is None)
    else:
        pad = None if abi is None else abi <= PAD_ABI
        line1 = _or(pad, None if pulses is None else pulses == "diminished")
        if line1 is True:
            active.update(("workup", "severity"))
            if abi is None:  # severity (unique) on abi
                needs.add("abi")
            elif abi < SEVERE_ABI:
                active.add("revasc")
                streams = True
            else:
                streams = True
        elif line1 is None:
            needs.update(n for n in ("abi", "pulses") if get(n) is None)
        else:
            streams = True
    if streams:  # streams (any)
        active.add("streams")
        smoker, diabetic, relief = get("smoker"), get("diabetic"), get("relief")
        lines = ((smoker, "quit", "smoker"), (diabetic, "glucose", "diabetic"),
                 (None if relief is None else relief <= 10, "exercise", "relief"))
        for value, target, name in lines:
            if value is True:
                active.update((target, "followup", "done"))
            elif value is None:
                needs.add(name)
        if all(value is False for value, _, _ in lines):
            active.add("done")
    return ("needs_input" if needs else "complete", tuple(a for a in ACTION_ORDER if a in active),
            tuple(n for n in INPUTS if n in needs), tuple(n for n in ORDER if n in active))


def outline(result) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    return result.status, result.action_ids(), result.needs, result.path


def patients(graph, count: int, seed: int) -> list[dict]:
    rng, out = random.Random(seed), []
    while len(out) < count:
        try:
            out.append(dict(parse_facts(graph, random_patient(graph, rng, invalid_rate=0.0)).values))
        except FactsError:
            continue
    return out


def median_per_patient(actions, group: list[dict], rounds: int) -> list[float]:
    """Per action, the median over `rounds` of its time per patient; the actions take turns in each round.

    The time is this process's CPU time: on a machine shared with other work, the time
    the process waited for a core is left out, so the figures move less with the load.
    """
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(rounds):
        for action, measured in zip(actions, times):
            started = time.process_time()
            for facts in group:
                action(facts)
            measured.append((time.process_time() - started) / len(group))
    return [statistics.median(measured) for measured in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    rounds = max(parser.parse_args().runs, 5)
    graph = compile_text(VASCULAR, "vascular.cpath")
    assert tuple(n.id for n in graph.nodes) == ORDER, "the hand-written function assumes this graph order"
    checked = patients(graph, 20_000, 12)
    for facts in checked:
        interpreted = execute(graph, facts)
        assert handwritten(facts) == outline(interpreted), facts
        assert execute_generated(graph, facts) == interpreted, facts
    group = checked[:2000]
    # interleaved rounds, so a change in the machine's load falls on all three alike
    hand, walk, generated = median_per_patient(
        (handwritten, lambda f: execute(graph, f), lambda f: execute_generated(graph, f)), group, rounds)
    print(f"vascular workup: {len(graph.nodes)} nodes; 20,000 random patients agree; "
          f"median of {rounds} rounds over 2,000 patients (CPU time)")
    print(f"  hand-written Python          {hand * 1e6:8.2f} µs/patient   1.00×")
    print(f"  interpreter (execute)        {walk * 1e6:8.2f} µs/patient   {walk / hand:5.2f}×")
    print(f"  generated executor           {generated * 1e6:8.2f} µs/patient   {generated / hand:5.2f}×")


if __name__ == "__main__":
    main()
