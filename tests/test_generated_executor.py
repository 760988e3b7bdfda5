"""The generated executor against the interpreter, its oracle: equal results, patient by patient.

`targets/runtime/generate.py` writes a graph as one Python function; the interpreter
(`targets/runtime/execute.py`) walks it. Both must give the same `RunResult` to the
last string: status, actions in order with their `because`, needs, ranked questions,
path and trace. Compared here as values and as the result JSON with the trace, on

- random patients of every shipped guideline (`guidelines/`, `examples/`, the
  conformance guidelines): unknowns, values exactly on and next to every threshold,
  quantities in other units, and a few invalid facts (both executors sit behind the
  same facts check, so `carepath.run` must refuse those alike);
- every graph of the conformance corpus, loaded from its graph JSON;
- random graphs of every hit policy and expression (`tests/graph_strategies.py`).

`make test` runs 10,000 shipped-guideline patients in all and 40 random graphs;
`CAREPATH_FUZZ=1` runs 20,000 patients per guideline and 5,000 random graphs. The generated source of
the reference guideline is a golden file (`tests/golden/generated/`, `make golden`),
so a change to what is generated is reviewed in the diff.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

import carepath
from carepath.cli import main
from carepath.compiler import ir
from carepath.targets.json.load import load_graph
from carepath.targets.runtime.compiled import compiled, execute_generated, executor
from carepath.targets.runtime.execute import execute
from carepath.targets.runtime.facts import FactsError, parse_facts
from carepath.targets.runtime.generate import generate
from tests.conformance.corpus import json_facts
from tests.graph_strategies import graphs, random_patient
from tests.runtime_guidelines import VASCULAR
from tests.test_conformance import compiled as compiled_guideline
from tests.test_conformance_corpus import recorded

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted([*ROOT.glob("guidelines/*.cpath"), *ROOT.glob("examples/**/*.cpath"),
                  *ROOT.glob("tests/conformance/guidelines/*.cpath")])
FUZZ = bool(os.environ.get("CAREPATH_FUZZ"))
PER_GUIDELINE = 20_000 if FUZZ else -(-10_000 // len(SHIPPED))  # make test: 10,000 in all
REFERENCE = ROOT / "guidelines/leg_numbness_cramping.cpath"
GOLDEN = ROOT / "tests/golden/generated/leg_numbness_cramping.py"


def assert_same_run(graph: ir.Graph, raw_facts: dict) -> bool:
    """Both executors on one facts-file object through `carepath.run`; True when the facts were valid."""
    try:
        expected = carepath.run(graph, raw_facts, executor="interpreter")
    except FactsError as refused:
        with pytest.raises(FactsError) as also_refused:
            carepath.run(graph, raw_facts)
        assert also_refused.value.problems == refused.problems
        return False
    generated = carepath.run(graph, raw_facts)
    assert generated.to_json(trace=True) == expected.to_json(trace=True), raw_facts
    assert generated == expected, raw_facts
    return True


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_guidelines_run_alike(path):
    graph = compiled_guideline(path)
    rng = random.Random(f"generated:{path.name}")
    valid = sum(assert_same_run(graph, random_patient(graph, rng, invalid_rate=0.05)) for _ in range(PER_GUIDELINE))
    assert valid > PER_GUIDELINE // 2  # most patients got through the facts check and were compared


def test_every_shipped_guideline_is_covered():
    names = {p.name for p in SHIPPED}
    assert {"leg_numbness_cramping.cpath", "wells_score.cpath", "hit_policies.cpath"} <= names
    assert len(SHIPPED) >= 8


def test_corpus_graphs_run_alike():
    """Each corpus case from its graph JSON: its own facts, then random patients of that graph."""
    rng = random.Random("generated:corpus")
    for case in recorded():
        graph = load_graph(case["graph"])
        assert_same_run(graph, case["facts"])
        for _ in range(10):
            assert_same_run(graph, random_patient(graph, rng))


@settings(max_examples=5000 if FUZZ else 40)  # each graph is written and compiled: the cost is per graph
@given(graphs(), st.randoms(use_true_random=False))
def test_random_graphs_run_alike(graph, rng):
    for _ in range(10):
        try:
            facts = parse_facts(graph, random_patient(graph, rng, invalid_rate=0.0))
        except FactsError:
            continue
        expected = execute(graph, facts.values)
        generated = execute_generated(graph, facts.values)
        assert generated.to_json(trace=True) == expected.to_json(trace=True)
        assert generated == expected


def test_a_needs_input_run_and_a_complete_run_are_equal_in_full():
    """Two patients of the reference guideline that exercise questions and `because` (not only empty results)."""
    graph = compiled_guideline(REFERENCE)
    rng, seen = random.Random(7), set()
    while seen != {"complete", "needs_input"}:
        facts = random_patient(graph, rng, invalid_rate=0.0)
        try:
            result = carepath.run(graph, facts)
        except FactsError:
            continue
        if result.status in seen or not result.actions:
            continue
        seen.add(result.status)
        assert result == carepath.run(graph, facts, executor="interpreter")
        assert any(action.because for action in result.actions)
        assert (result.status == "needs_input") == bool(result.questions)


def test_the_generated_function_is_compiled_once_per_graph():
    graph = compiled_guideline(REFERENCE)
    assert compiled(graph) is compiled(graph)


def test_an_unknown_executor_is_refused_by_name():
    graph = compiled_guideline(REFERENCE)
    with pytest.raises(ValueError, match="no executor `fast`: choose `generated` or `interpreter`"):
        carepath.run(graph, {}, executor="fast")
    assert executor("interpreter") is execute


def test_cli_runs_either_executor_alike(tmp_path):
    guideline = tmp_path / "vascular.cpath"
    guideline.write_text(VASCULAR, encoding="utf-8")
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"pulses": "diminished", "abi": 0.4, "smoker": True}), encoding="utf-8")
    outputs = []
    for chosen in ("generated", "interpreter"):
        result = CliRunner().invoke(main, ["run", str(guideline), "--facts", str(facts), "--format", "json",
                                           "--trace", "--executor", chosen])
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(result.output))
    assert outputs[0] == outputs[1]
    assert outputs[0]["actions"] and outputs[0]["trace"]


def test_cli_batch_runs_either_executor_alike(tmp_path):
    guideline = tmp_path / "vascular.cpath"
    guideline.write_text(VASCULAR, encoding="utf-8")
    rows = tmp_path / "in.jsonl"
    rows.write_text('{"id": "a", "pulses": "absent", "unilateral": true}\n{"id": "b", "abi": 0.4}\n',
                    encoding="utf-8")
    written = []
    for chosen in ("generated", "interpreter"):
        out = tmp_path / f"{chosen}.jsonl"
        result = CliRunner().invoke(main, ["run", str(guideline), "--batch", str(rows), "-o", str(out),
                                           "--trace", "--executor", chosen])
        assert result.exit_code == 0, result.output
        written.append(out.read_text(encoding="utf-8"))
    assert written[0] == written[1]
    assert written[0].count("\n") == 2


def source_text() -> str:
    return generate(compiled_guideline(REFERENCE))


def regenerate() -> list[Path]:
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(source_text(), encoding="utf-8")
    return [GOLDEN]


def test_generated_source_of_the_reference_guideline_matches_golden():
    assert source_text() == GOLDEN.read_text(encoding="utf-8"), "regenerate with `make golden` and review the diff"


def test_generated_source_reads_as_the_guideline():
    """The source names the guideline's own inputs, defines and nodes, and quotes its guards."""
    graph = compiled_guideline(REFERENCE)
    source = source_text()
    decision = next(n for n in graph.nodes if isinstance(n, ir.Decide))
    assert f"# decide {decision.id}: " in source
    assert f"i_{graph.inputs[0].name} = get({graph.inputs[0].name!r})" in source
    assert all(f"d_{d.name} = UNSET" in source for d in graph.defines)
    compile(source, "generated", "exec")


NESTED = """guideline nested "Nested connectives"
  version "1.0.0"

reference ref1 "Semantics of carepath" 2026

input a: boolean
input b: boolean
input c: boolean
input d: boolean

define mixed: a and (b or not d)
define either: not mixed or (c and d)
define score: count(a, b, c, mixed) >= 2

start -> screen

decide screen "Screen" (any) [ref1]
  when not (a and (b or c)) -> first_step
  when not (a or (b and not c)) -> second_step
  when not mixed -> third_step
  when either and not (c and d) -> fourth_step
  when score or not (b or (c and not either)) -> fifth_step
  otherwise -> done

action first_step "One" [ref1]
  urgency emergent
  then done

action second_step "Two" [ref1]
  urgency urgent
  then done

action third_step "Three" [ref1]
  urgency routine
  then done

action fourth_step "Four" [ref1]
  urgency routine
  then done

action fifth_step "Five" [ref1]
  urgency routine
  then done

end done "Done"
"""


def test_every_patient_of_nested_negations_runs_alike():
    """All 81 patients (each input true, false or unknown) of guards that negate `and`s and `or`s
    over defines and a count: the explanations of negated connectives are where the two differ first."""
    import itertools

    graph = carepath.compile_text(NESTED, "nested.cpath")
    for values in itertools.product((True, False, None), repeat=4):
        facts = {name: value for name, value in zip("abcd", values) if value is not None}
        assert_same_run(graph, facts)


@pytest.mark.parametrize("chosen", ["generated", "interpreter"])
def test_a_false_and_is_explained_by_its_false_operands(chosen):
    """docs/running.md, `because`: `not (a and (b or c))` holds because `a` is false, whatever `b` is."""
    graph = carepath.compile_text(NESTED, "nested.cpath")
    result = carepath.run(graph, {"a": False, "b": True, "c": False, "d": False}, executor=chosen)
    because = {action.id: action.because for action in result.actions}
    assert because["first_step"] == ("not a",)
    assert because["third_step"] == ("not mixed: not a",)
    assert because["fourth_step"] == ("either: not mixed: not a", "not c", "not d")


def test_texts_from_a_graph_file_cannot_break_out_of_the_generated_source():
    """Titles, ids and question texts reach the source only as string literals or one-line comments."""
    import attrs

    graph = carepath.compile_text(VASCULAR, "vascular.cpath")
    hostile = "x\nraise SystemExit(3)\r\u2028\x00 # '''\""
    nodes = tuple(attrs.evolve(node, title=hostile) if isinstance(node, ir.Action) else node for node in graph.nodes)
    inputs = tuple(attrs.evolve(i, question=hostile) for i in graph.inputs)
    graph = attrs.evolve(graph, title=hostile, version=hostile, nodes=nodes, inputs=inputs)
    facts = {"pulses": "absent", "unilateral": True, "smoker": None}
    result = carepath.run(graph, facts)
    assert result == carepath.run(graph, facts, executor="interpreter")
    assert result.actions[0].title == hostile and result.version == hostile


@pytest.mark.parametrize("policy", list(ir.HitPolicy), ids=lambda p: p.value)
def test_decisions_without_lines_or_targets_run_alike(policy):
    """Shapes a graph file may hold though the compiler writes none: no `when` lines; a line with no targets."""
    start, done = ir.Start("start", ("d",)), ir.End("done", "Done")
    shapes = (
        ir.Decide("d", "D", policy, (), ("done",)),
        ir.Decide("d", "D", policy, (ir.Line(ir.InputRef("a"), ()), ir.Line(ir.Not(ir.InputRef("a")), ("done",))),
                  ("done",)),
    )
    for decide in shapes:
        graph = ir.Graph(id="shapes", title="Shapes", version="1", inputs=(ir.Input("a", ir.BooleanType()),),
                         defines=(), references=(), sections=(), nodes=(start, decide, done))
        for facts in ({}, {"a": True}, {"a": False}):
            assert execute_generated(graph, facts) == execute(graph, facts)
