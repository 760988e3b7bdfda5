"""Conformance: the JavaScript runtime agrees with the Python runtime, patient by patient.

Both runtimes read the same graph JSON semantics (docs/semantics.md). One Node process
(`targets/js/batch.mjs`) serves the whole module over JSON lines, so the ≥ 10,000
random patients (unknowns, values on and next to every threshold, quantities in other
units, a few invalid facts) cost one start-up. Any difference in status, actions (ids,
order, urgency, titles, citations), needs or path fails. The shared test vectors
(`tests/conformance/vectors.json`) pin the expected results down for other runtimes;
regenerate them with `python -m tests.regenerate_golden conformance`.
"""

from __future__ import annotations

import functools
import json
import os
import random
import shutil
import subprocess
import threading
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from carepath import compile_text
from carepath.compiler import exact_json, ir, units
from carepath.targets.json.export import export_graph, graph_document
from carepath.targets.json.load import load_graph, load_graph_text
from carepath.targets.runtime.compiled import execute_generated
from carepath.targets.runtime.execute import execute
from carepath.targets.runtime.facts import FactsError, parse_facts
from tests.budget import examples
from tests.graph_strategies import UNIT_VARIANTS, graphs, random_patient

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
BATCH = ROOT / "targets/js/batch.mjs"
VECTORS = ROOT / "tests/conformance/vectors.json"
REFERENCE = ROOT / "guidelines/leg_numbness_cramping.cpath"
EDGE_CASES = sorted((ROOT / "tests/conformance/guidelines").glob("*.cpath"))
PATIENTS = 100_000 if os.environ.get("CAREPATH_FUZZ") else 10_000

pytestmark = pytest.mark.skipif(NODE is None, reason="`node` is not on PATH: the JavaScript runtime cannot be run")


def conformance_guidelines() -> list[Path]:
    return ([REFERENCE] if REFERENCE.exists() else []) + EDGE_CASES


@functools.cache
def compiled(path: Path) -> ir.Graph:
    """Compiled with a path relative to the project, so spans and vectors do not depend on the checkout."""
    return compile_text(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))


class JsRuntime:
    """One `node batch.mjs` process; a writer thread feeds it while we read, so pipes never fill up."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([NODE, str(BATCH)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, encoding="utf-8")

    def exchange(self, messages: list[dict]) -> list[dict]:
        """Send messages; one reply per message that is not a `graph` message."""
        expected = sum("graph" not in m for m in messages)
        text = "".join(exact_json.dumps(m) + "\n" for m in messages)
        writer = threading.Thread(target=lambda: (self.process.stdin.write(text), self.process.stdin.flush()))
        writer.start()
        replies = []
        for _ in range(expected):
            line = self.process.stdout.readline()
            if not line:
                writer.join()
                self.process.wait(timeout=10)
                pytest.fail(f"the JavaScript runtime stopped:\n{self.process.stderr.read()}")
            replies.append(json.loads(line))
        writer.join()
        return replies

    def run(self, graph: ir.Graph, patients: list[dict]) -> list[dict]:
        document = graph_document(graph, spans=False)
        return self.exchange([{"graph": document}, *({"facts": facts} for facts in patients)])

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()


@pytest.fixture(scope="module")
def js():
    runtime = JsRuntime()
    yield runtime
    runtime.close()


def comparable(result: dict) -> dict:
    """What both runtimes must agree on (the Python result's `because`/`timing` are its own)."""
    if "error" in result:
        return {"error": True}
    return {
        "status": result["status"],
        "actions": [{k: a[k] for k in ("id", "urgency", "title", "citations")} for a in result["actions"]],
        "needs": result["needs"],
        "questions": [[q["input"], (q["could_lead_to"] or {}).get("id")] for q in result["questions"]],
        "path": result["path"],
    }


def python_result(graph: ir.Graph, facts: dict, executor=execute) -> dict:
    """The Python runtime's result; `executor=execute_generated` where many patients repay compiling the graph."""
    try:
        known = parse_facts(graph, facts)
    except FactsError:
        return {"error": True}
    return comparable(executor(graph, known.values).to_json())


def assert_agree(graph: ir.Graph, patients: list[dict], js_results: list[dict], executor=execute) -> None:
    differences = []
    for facts, from_js in zip(patients, js_results, strict=True):
        expected, actual = python_result(graph, facts, executor), comparable(from_js)
        if expected != actual:
            differences.append(f"facts {exact_json.dumps(facts)}\n  python: {json.dumps(expected)}\n  js:     {json.dumps(actual)}")
    assert not differences, f"{len(differences)} of {len(patients)} patients differ; first ones:\n" + "\n".join(differences[:5])


# --- agreement ---------------------------------------------------------------------------


def test_js_agrees_with_python_on_ten_thousand_patients(js):
    guidelines = conformance_guidelines()
    per_guideline = -(-PATIENTS // len(guidelines))
    rng = random.Random(20261124)
    total = 0
    for path in guidelines:
        graph = compiled(path)
        patients = [random_patient(graph, rng) for _ in range(per_guideline)]
        assert_agree(graph, patients, js.run(graph, patients), execute_generated)
        total += len(patients)
    assert total >= 10_000


@examples(50)  # a graph, its JSON and a round trip to Node each
@given(graphs(), st.randoms(use_true_random=False))
def test_property_js_agrees_with_python_on_random_graphs(js, graph, rng):
    patients = [random_patient(graph, rng, invalid_rate=0.05) for _ in range(20)]
    assert_agree(graph, patients, js.run(graph, patients))


def test_js_converts_every_unit_variant_as_python_does(js):
    pairs = [(value, source, target) for target, variants in UNIT_VARIANTS.items() for source in variants
             for value in (0.0, 1.0, 6.0, 30.0, 126.5, 0.0125)]
    pairs += [(value, source, target) for source in ("Cel", "[degF]", "[degRe]", "K")
              for target in ("Cel", "[degF]", "K") for value in (0.0, 37.5, 100.4, -40.0)]
    refused = [(1.0, "kg", "wk"), (7.0, "%", "mmol/mol"), (1.0, "mmol/mol", "1"), (2.0, "mg/dL", "mmol/L"),
               (37.0, "Cel", "kg")]
    replies = js.exchange([{"convert": list(pair)} for pair in pairs + refused])
    for (value, source, target), reply in zip(pairs, replies, strict=False):
        assert Fraction(reply["value"]) == units.convert(Fraction(repr(value)), source, target), (value, source, target)
    for pair, reply in zip(refused, replies[len(pairs):], strict=True):
        assert "error" in reply, pair
        with pytest.raises(units.UnitError):
            units.convert(*pair)


def test_exported_json_runs_like_its_source():
    rng = random.Random(7)
    for path in conformance_guidelines():
        graph = compiled(path)
        loaded = load_graph_text(export_graph(graph))
        for _ in range(300):
            facts = random_patient(graph, rng)
            assert python_result(loaded, facts) == python_result(graph, facts)


# --- the shared test vectors -------------------------------------------------------------


def build_vectors(guidelines: list[Path] | None = None) -> dict:
    """Graph + facts + expected result, for every conformance guideline."""
    cases = []
    for path in guidelines or conformance_guidelines():
        rng = random.Random(path.stem)
        graph = compiled(path)
        patients = [_scenario_facts(s) for s in graph.scenarios]
        patients += [random_patient(graph, rng, invalid_rate=0.0) for _ in range(40)]
        patients += [random_patient(graph, rng, invalid_rate=1.0) for _ in range(3)]
        cases.append({
            "guideline": str(path.relative_to(ROOT)),
            "graph": graph_document(graph, spans=False),
            "vectors": [{"facts": facts, "expected": python_result(graph, facts)} for facts in patients],
        })
    return {
        "format": "carepath.vectors/1",
        "about": "Conformance vectors for carepath.graph/2 runtimes: run `graph` on `facts`; the result must "
                 "match `expected` in status, actions (id, urgency, title, citations; in order), needs and path. "
                 "`expected: {\"error\": true}` means the facts must be refused. Generated by "
                 "`python -m tests.regenerate_golden conformance`; see docs/graph-json.md.",
        "cases": cases,
    }


def _scenario_facts(scenario: ir.Scenario) -> dict:
    return {f.name: ({"value": f.value.value, "unit": f.value.unit} if f.value.unit else f.value.value)
            for f in scenario.facts}


def vectors_text() -> str:
    """The vectors file: readable diffs (a case's graph on one line, one line per vector)."""
    vectors = build_vectors()

    def line(value) -> str:
        return exact_json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    cases = []
    for case in vectors["cases"]:
        rows = ",\n    ".join(line(v) for v in case["vectors"])
        cases.append(f'  {{"guideline": {line(case["guideline"])},\n   "graph": {line(case["graph"])},\n'
                     f'   "vectors": [\n    {rows}\n   ]}}')
    return (f'{{"format": {line(vectors["format"])},\n "about": {line(vectors["about"])},\n "cases": [\n'
            + ",\n".join(cases) + "\n ]}\n")


def regenerate_vectors() -> list[Path]:
    VECTORS.parent.mkdir(parents=True, exist_ok=True)
    VECTORS.write_text(vectors_text(), encoding="utf-8")
    return [VECTORS]


def test_edge_case_vectors_are_current():
    """The edge-case guidelines' vectors match what they compile to now. (The reference
    guideline's case carries its own graph, so it stays valid while the guideline evolves.)"""
    recorded = {c["guideline"]: c for c in json.loads(VECTORS.read_text(encoding="utf-8"), parse_float=Fraction)["cases"]}
    for case in json.loads(exact_json.dumps(build_vectors(EDGE_CASES)), parse_float=Fraction)["cases"]:
        assert recorded.get(case["guideline"]) == case, "regenerate: python -m tests.regenerate_golden conformance"


def test_python_reproduces_the_vectors():
    for case in json.loads(VECTORS.read_text(encoding="utf-8"), parse_float=Fraction)["cases"]:
        graph = load_graph(case["graph"])
        assert [python_result(graph, v["facts"]) for v in case["vectors"]] == [v["expected"] for v in case["vectors"]]


def test_js_reproduces_the_vectors(js):
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))
    for case in vectors["cases"]:
        replies = js.exchange([{"graph": case["graph"]}, *({"facts": v["facts"]} for v in case["vectors"])])
        assert [comparable(r) for r in replies] == [v["expected"] for v in case["vectors"]], case["guideline"]


# --- the command line: a graph JSON runs like its source ---------------------------------


@pytest.mark.skipif(not REFERENCE.exists(), reason="the reference guideline is not written yet")
def test_carepath_run_and_test_give_the_same_results_from_exported_json(tmp_path):
    from click.testing import CliRunner

    from carepath.cli import main

    runner = CliRunner()
    exported = tmp_path / "leg.json"
    assert runner.invoke(main, ["export", str(REFERENCE), "-o", str(exported)]).exit_code == 0
    graph = compiled(REFERENCE)
    rng = random.Random(11)
    batch = tmp_path / "patients.jsonl"
    batch.write_text("".join(exact_json.dumps(random_patient(graph, rng, invalid_rate=0.0)) + "\n" for _ in range(200)))
    outputs = []
    for guideline in (REFERENCE, exported):
        out = tmp_path / f"{guideline.stem}-{guideline.suffix[1:]}.jsonl"
        result = runner.invoke(main, ["run", str(guideline), "--batch", str(batch), "-o", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1] and outputs[0].count("\n") == 200
    tested = [runner.invoke(main, ["test", str(guideline)]) for guideline in (REFERENCE, exported)]
    assert tested[0].exit_code == tested[1].exit_code
    assert tested[0].output.replace(str(REFERENCE), "G") == tested[1].output.replace(str(exported), "G")


def test_js_refuses_facts_that_are_not_an_object(js):
    graph = compiled(EDGE_CASES[0])
    replies = js.run(graph, [[], "pain", 3])
    assert all("error" in reply for reply in replies)


def test_js_input_errors_carry_the_python_codes_and_paths(js):
    graph = compiled(EDGE_CASES[0])
    rng = random.Random(5)
    bad = [random_patient(graph, rng, invalid_rate=1.0) for _ in range(60)]
    for facts, reply in zip(bad, js.run(graph, bad), strict=True):
        try:
            parse_facts(graph, facts)
        except FactsError as error:
            expected = sorted((p.code, p.path) for p in error.problems)
            assert sorted((p["code"], p["path"]) for p in reply["error"]) == expected, facts
        else:
            assert "error" not in reply, facts
