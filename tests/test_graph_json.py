"""Graph JSON: export is deterministic and schema-valid, load(export(g)) == g, bad files are refused.

The round trip is checked on every guideline in `guidelines/`, the conformance
guidelines, and hypothesis-generated graphs (`tests.graph_strategies`); the loader's
checks each with a broken document and the JSON path they must name.
"""

from __future__ import annotations

import copy
import hashlib
import json
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given

from carepath import CompileError, compile_file, compile_text
from carepath.api import forget_compilations
from carepath.cli import main
from carepath.compiler import exact_json, ir
from carepath.targets.json.export import FORMAT, export_graph, graph_document, to_json_value
from carepath.targets.json.load import load_graph, load_graph_file, load_graph_text, schema
from tests.budget import examples
from tests.graph_strategies import graphs

ROOT = Path(__file__).resolve().parent.parent
GUIDELINES = sorted((ROOT / "guidelines").glob("*.cpath")) + sorted((ROOT / "tests/conformance/guidelines").glob("*.cpath"))
FEATURES = ROOT / "tests/conformance/guidelines/features.cpath"
VALIDATOR = jsonschema.Draft202012Validator(schema())
GOLDEN = ROOT / "tests/golden/json"


def schema_errors(document) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]


def guarded_lines(document) -> list[tuple[str, dict]]:
    """Every decision line of a graph document, with its JSON path."""
    return [(f"$.nodes[{n}].lines[{i}]", line) for n, node in enumerate(document["nodes"]) if node["kind"] == "decide"
            for i, line in enumerate(node["lines"])]


def codes_and_paths(document, **kwargs) -> list[tuple[str, str]]:
    with pytest.raises(CompileError) as caught:
        load_graph(document, "g.json", **kwargs)
    return [(d.code, d.message.split(": ")[1]) for d in caught.value.diagnostics]


def test_shipped_schema_is_a_valid_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", GUIDELINES, ids=lambda p: p.name)
def test_guideline_round_trips_with_its_spans(path):
    graph = compile_file(path)
    text = export_graph(graph)
    loaded = load_graph_text(text, "g.json")  # schema-valid, or the loader's gate refuses it
    # (jsonschema, the reference checker, validates the random graphs below: 1.5 s for this one)
    assert loaded == graph
    # spans take no part in equality, so compare them through their encoding
    assert to_json_value(loaded) == to_json_value(graph)
    assert export_graph(loaded) == text
    forget_compilations()  # else compiling the same text again returns the same graph
    assert export_graph(compile_file(path)) == text  # a second compile exports the same text


@examples(40)  # each validates with jsonschema, the slow reference checker
@given(graphs())
def test_property_random_graphs_round_trip_and_validate(graph):
    text = export_graph(graph)
    assert text.endswith("}\n")
    assert schema_errors(json.loads(text)) == []
    loaded = load_graph_text(text)
    assert loaded == graph
    assert export_graph(loaded) == text


def test_export_sorts_keys_and_records_provenance():
    graph = compile_file(FEATURES)
    document = json.loads(export_graph(graph))
    assert document["format"] == FORMAT
    assert document["source_sha256"] == hashlib.sha256(FEATURES.read_text().encode()).hexdigest()
    assert document["compiler_version"] == graph.compiler_version != ""
    assert list(document) == sorted(document)
    guard = guarded_lines(document)[0][1]["guard"]
    assert guard["expr"] == "not" and guard["operand"] == {"expr": "known", "name": "abi", "span": guard["operand"]["span"]}
    assert guard["span"]["file"] == str(FEATURES) and guard["span"]["line"] > 0
    abi = document["inputs"][0]
    assert (abi["type"]["kind"], abi["type"]["low"], abi["type"]["high"]) == ("number", 0, 2)
    assert abi["codes"] == [{"system": "loinc", "code": "76497-9", "display": "Ankle-brachial index"}]


def test_spans_can_be_left_out():
    graph = compile_file(FEATURES)
    text = export_graph(graph, spans=False)
    assert '"span"' not in text
    assert load_graph_text(text) == graph


# --- the loader refuses what it cannot trust ---------------------------------------------


@pytest.fixture
def document():
    return graph_document(compile_file(FEATURES), spans=False)


def test_unsupported_format_version_is_refused_first(document):
    document["format"] = "carepath.graph/9"
    document["nodes"] = "garbage"
    assert codes_and_paths(document) == [("CP0702", "$.format")]


def test_schema_problems_are_all_listed_with_their_paths(document):
    action = next(i for i, n in enumerate(document["nodes"]) if n["kind"] == "action")
    document["nodes"][action]["urgency"] = "soon"
    where, line = guarded_lines(document)[0]
    line["extra"] = 1
    del document["inputs"][1]["question"]
    assert sorted(codes_and_paths(document)) == sorted([
        ("CP0703", where),
        ("CP0703", "$.inputs[1]"),
        ("CP0703", f"$.nodes[{action}].urgency"),
    ])


def test_a_node_kind_holds_only_its_own_fields(document):
    start = document["nodes"][0]
    start["urgency"] = "emergent"
    assert codes_and_paths(document) == [("CP0703", "$.nodes[0]")]


def test_unknown_operator_and_expression_kind(document):
    where, line = guarded_lines(document)[0]
    line["guard"]["expr"] = "xor"
    document["defines"][0]["expr"]["op"] = "=<"
    assert sorted(codes_and_paths(document)) == [
        ("CP0704", "$.defines[0].expr.op"),
        ("CP0704", f"{where}.guard.expr"),
    ]


def test_dangling_edges_duplicates_and_undeclared_names(document):
    document["nodes"][0]["targets"][0] = "nowhere"
    document["nodes"].append(copy.deepcopy(document["nodes"][-1]))
    document["defines"][0]["expr"]["left"]["name"] = "abi_left"
    document["nodes"][1]["citations"] = ["ref9"]
    document["assertions"][0]["formula"]["operands"][1]["node"] = "gone"
    assert sorted(codes_and_paths(document)) == [
        ("CP0705", "$.nodes[0].targets[0]"),
        ("CP0706", f"$.nodes[{len(document['nodes']) - 1}].id"),
        ("CP0707", "$.assertions[0].formula.operands[1].node"),
        ("CP0707", "$.defines[0].expr.left.name"),
        ("CP0707", "$.nodes[1].citations[0]"),
    ]


def test_nodes_out_of_graph_order_and_define_cycles(document):
    document["nodes"][1], document["nodes"][2] = document["nodes"][2], document["nodes"][1]
    document["defines"][0]["expr"] = {"expr": "define_ref", "name": document["defines"][-1]["name"]}
    found = codes_and_paths(document)
    assert ("CP0709", "$.defines[0]") in found
    assert any(code == "CP0709" and path.startswith("$.nodes[") for code, path in found)


def test_reaches_outside_an_assertion_is_refused(document):
    where, line = guarded_lines(document)[0]
    line["guard"] = {"expr": "reaches", "node": "done"}
    assert codes_and_paths(document) == [("CP0707", f"{where}.guard")]


def test_stale_graph_is_refused_when_its_source_is_at_hand(tmp_path):
    source = tmp_path / "g.cpath"
    source.write_text(FEATURES.read_text())
    exported = tmp_path / "g.json"
    exported.write_text(export_graph(compile_file(source)))
    assert load_graph_file(exported) == compile_file(source)
    source.write_text(FEATURES.read_text().replace('"2.1.0"', '"2.1.1"'))
    with pytest.raises(CompileError) as caught:
        load_graph_file(exported)
    assert [d.code for d in caught.value.diagnostics] == ["CP0708"]
    assert load_graph_file(exported, check_source=False).version == "2.1.0"
    source.unlink()
    assert load_graph_file(exported).version == "2.1.0"  # source not at hand: nothing to compare


@pytest.mark.parametrize("depth", [900, 100_000])
def test_absurdly_deep_expressions_are_an_input_error_not_a_crash(document, depth):
    guarded_lines(document)[0][1]["guard"] = "DEEP"
    deep = '{"expr": "not", "operand": ' * depth + '{"expr": "input_ref", "name": "abi"}' + "}" * depth
    with pytest.raises(CompileError) as caught:
        load_graph_text(exact_json.dumps(document).replace('"DEEP"', deep))
    assert [d.code for d in caught.value.diagnostics] in (["CP0701"], ["CP0703"])


def test_unreadable_and_non_json_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    for path in (bad, tmp_path / "missing.json"):
        with pytest.raises(CompileError) as caught:
            load_graph_file(path)
        assert [d.code for d in caught.value.diagnostics] == ["CP0701"]


# --- the command line ---------------------------------------------------------------------


def test_cli_export_writes_the_same_bytes_from_source_and_from_json(tmp_path):
    runner = CliRunner()
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    result = runner.invoke(main, ["export", str(FEATURES), "--format", "json", "-o", str(first)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["export", str(first), "-o", str(second)])
    assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes() == export_graph(compile_file(FEATURES)).encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]  # no temporary left


def test_cli_bad_graph_json_exits_2_with_paths_and_writes_nothing(tmp_path):
    document = graph_document(compile_file(FEATURES), spans=False)
    document["nodes"][0]["targets"][0] = "nowhere"
    broken = tmp_path / "broken.json"
    broken.write_text(exact_json.dumps(document))
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["export", str(broken), "-o", str(out)])
    assert result.exit_code == 2
    assert "CP0705" in result.output and "$.nodes[0].targets[0]" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_graph_json_is_accepted_by_render(tmp_path):
    exported = tmp_path / "g.json"
    exported.write_text(export_graph(compile_file(FEATURES)))
    runner = CliRunner()
    from_json, from_source = tmp_path / "a.mmd", tmp_path / "b.mmd"
    assert runner.invoke(main, ["render", str(exported), "-o", str(from_json)]).exit_code == 0
    assert runner.invoke(main, ["render", str(FEATURES), "-o", str(from_source)]).exit_code == 0
    assert from_json.read_text() == from_source.read_text()


def test_every_expression_and_type_class_has_a_schema_definition():
    from carepath.targets.json.export import TAGS

    definitions = schema()["$defs"]
    assert {tag for key, tag in TAGS.values() if key == "expr"} == set(definitions["expr"]["properties"]["expr"]["enum"])
    kinds = {tag for key, tag in TAGS.values() if key == "kind"}
    assert kinds == set(definitions["type"]["properties"]["kind"]["enum"]) | set(definitions["node"]["properties"]["kind"]["enum"])
    assert set(ir.COMPARISON_OPERATORS) == set(definitions["compare"]["properties"]["op"]["enum"])


# --- golden files ---------------------------------------------------------------------------


SMALL_GUIDELINES = sorted((ROOT / "tests/conformance/guidelines").glob("*.cpath"))


def golden_text(path: Path) -> str:
    """A small guideline's graph JSON, compiled with a project-relative path so spans are stable."""
    return export_graph(compile_text(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))))


def regenerate() -> list[Path]:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    written = []
    for path in SMALL_GUIDELINES:
        target = GOLDEN / f"{path.stem}.json"
        target.write_text(golden_text(path), encoding="utf-8")
        written.append(target)
    return written


@pytest.mark.parametrize("path", SMALL_GUIDELINES, ids=lambda p: p.stem)
def test_golden_graph_json(path):
    golden = GOLDEN / f"{path.stem}.json"
    assert golden.read_text(encoding="utf-8") == golden_text(path), "regenerate: python -m tests.regenerate_golden json"


def test_schema_lists_exactly_the_fields_of_every_ir_class():
    """An IR field added or renamed without the schema (or the other way round) fails here."""
    import attrs

    from carepath.targets.json.export import TAGS, _snake_case

    definitions = schema()["$defs"]
    checked = []
    for cls in (ir.Input, ir.Define, ir.Reference, ir.Section, ir.Line, ir.NotEncoded, ir.Assertion, ir.Fact,
                ir.Expectation, ir.Scenario, ir.Timing, ir.Dose, ir.Quantity, ir.Code, *TAGS):
        name = TAGS[cls][1] if cls in TAGS and TAGS[cls][0] == "expr" or cls in ir.NODE_CLASSES \
            else _snake_case(cls.__name__)
        properties = set(definitions[name]["properties"])
        tag = {TAGS[cls][0]} if cls in TAGS else set()
        assert properties == {f.name for f in attrs.fields(cls)} | tag, cls.__name__
        checked.append(cls)
    term = definitions["condition_sum"]["properties"]["terms"]["items"]["properties"]
    assert set(term) == {f.name for f in attrs.fields(ir.Term)}
    assert set(schema()["properties"]) == {f.name for f in attrs.fields(ir.Graph) if f.init} | {"format"}
    assert len(checked) == 14 + len(TAGS)


def test_a_graph_of_format_1_still_loads_and_runs_the_same():
    """`carepath.graph/1` files (edges beside the nodes, float numbers) load as the same graph."""
    legacy = json.loads((ROOT / "tests/conformance/features.graph-1.json").read_text(encoding="utf-8"))
    assert legacy["format"] == "carepath.graph/1"
    loaded = load_graph(legacy, "old.json")
    current = compile_file(FEATURES)
    assert [n.id for n in loaded.nodes] == [n.id for n in current.nodes]
    assert [(e.source, e.target, e.branch, e.otherwise) for e in loaded.edges] == \
        [(e.source, e.target, e.branch, e.otherwise) for e in current.edges]
    assert export_graph(loaded).startswith('{\n  "assertions"') and '"format": "carepath.graph/2"' in export_graph(loaded)


def test_numbers_are_written_exactly():
    graph = compile_text("""guideline g "G"
input abi: number 0 to 2
input t: quantity wk
start -> d
decide d "D"
  when abi <= 0.90 -> a
  when t <= 1 d -> a
  otherwise -> done
action a "A" [r]
  urgency routine
  then done
end done "Done"
reference r "R"
""", "g.cpath")
    text = export_graph(graph)
    assert '"text": "0.90",\n' in text and '"value": 0.9\n' in text  # the author's digits, and the exact value
    assert '"text": "1 d",' in text and '"value": "1/7"' in text  # no decimal writes 1 d in weeks
    assert load_graph_text(text) == graph


def test_a_text_that_looks_like_a_number_marker_stays_text():
    other_token = '\x00' + "0123456789abcdef:0"
    text = exact_json.dumps({"note": other_token, "value": Fraction(9, 10), "third": Fraction(1, 3)})
    assert json.loads(text) == {"note": other_token, "value": 0.9, "third": "1/3"}
