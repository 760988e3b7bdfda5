"""FHIR export: the PlanDefinition Bundle parses with the `fhir.resources` R4B models and passes our checks.

`fhir.resources` 8.x holds R5 at its root and R4B under `fhir.resources.R4B`, which
stands for R4 here (the resources we write are the same in both). Our own checks
(`targets.fhir.checks`) cover what the models do not: value-set bindings and references
between actions and into the ELM library.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.library import Library
from fhir.resources.R4B.plandefinition import PlanDefinition

from carepath import compile_text
from carepath.cli import main
from carepath.compiler import ir
from carepath.targets.elm import elm_library
from carepath.targets.fhir.checks import check_bundle
from carepath.targets.fhir.plandefinition import export_fhir, fhir_bundle, fhir_id

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "guidelines/leg_numbness_cramping.cpath"
EDGE_CASES = sorted((ROOT / "tests/conformance/guidelines").glob("*.cpath"))


def compiled(path: Path) -> ir.Graph:
    return compile_text(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))


@pytest.fixture(scope="module")
def reference() -> ir.Graph:
    return compiled(REFERENCE)


def all_actions(actions):
    for action in actions:
        yield action
        yield from all_actions(action.get("action", []))


@pytest.mark.parametrize("path", [REFERENCE, *EDGE_CASES], ids=lambda p: p.stem)
def test_bundle_parses_with_the_r4_models_and_passes_our_checks(path):
    bundle = fhir_bundle(compiled(path))
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    assert [type(e.resource) for e in parsed.entry] == [PlanDefinition, Library]
    assert check_bundle(bundle) == []


def test_plan_definition_shape(reference):
    bundle = fhir_bundle(reference)
    plan, library = (e["resource"] for e in bundle["entry"])
    assert plan["type"]["coding"][0]["code"] == "clinical-protocol"
    assert plan["version"] == reference.version and plan["library"] == [library["url"]]
    assert [r["label"] for r in plan["relatedArtifact"]] == [r.id for r in reference.references]
    actions = {a["id"]: a for a in all_actions(plan["action"])}
    # one action per graph step, nested in its section
    for node in reference.nodes:
        action = actions[fhir_id(node.id)]
        assert action["condition"] == [{"kind": "applicability",
                                        "expression": {"language": "text/cql-identifier",
                                                       "expression": f"Reaches {node.id}"}}]
        if node.citations:
            assert [d["label"] for d in action["documentation"] if d["type"] == "citation"] == list(node.citations)
        if node.section is not None:
            assert action in actions[fhir_id(f"section.{node.section}")]["action"]
    consult = actions["emergency-vascular-consult"]
    assert consult["priority"] == "stat"
    assert consult["timingDuration"] == {"value": 6.0, "unit": "h", "system": "http://unitsofmeasure.org", "code": "h"}
    follow_up = actions["follow-up-2-4-weeks"]
    assert follow_up["timingRange"]["low"]["value"] == 2.0 and follow_up["timingRange"]["high"]["value"] == 4.0
    assert actions["annual-foot-exam"]["timingTiming"] == {"repeat": {"frequency": 1, "period": 1.0, "periodUnit": "a"}}
    # hit policies
    emergency = actions["vascular-emergency-check"]
    assert emergency["selectionBehavior"] == "all"
    assert emergency["extension"] == [{"url": "http://hl7.org/fhir/StructureDefinition/cqf-applicabilityBehavior",
                                       "valueCode": "all"}]
    assert actions["doppler-check"]["selectionBehavior"] == "any"
    assert actions["ischemia-grade"]["selectionBehavior"] == "exactly-one"
    assert [line["id"] for line in emergency["action"]][-1] == "vascular-emergency-check.otherwise"
    # sequencing: the consultation comes after any of the lines that lead to it
    into = [e for e in reference.edges if e.target == "emergency_vascular_consult"]
    expected = {fhir_id(e.source) + (".otherwise" if e.otherwise else f".{e.branch}" if e.branch is not None else "")
                for e in into}
    assert len(into) > 1 and {r["actionId"] for r in consult["relatedAction"]} == expected


def test_library_carries_the_elm_and_the_parameters(reference):
    library = fhir_bundle(reference)["entry"][1]["resource"]
    (content,) = library["content"]
    assert content["contentType"] == "application/elm+json"
    assert json.loads(base64.b64decode(content["data"])) == elm_library(reference)
    inputs = {p["name"]: p["type"] for p in library["parameter"] if p["use"] == "in"}
    assert inputs["abi"] == "decimal" and inputs["hba1c"] == "Quantity"
    assert inputs["pallor"] == "boolean" and inputs["pedal_pulses"] == "string"


def test_assessment_inputs_carry_the_terminology_codes(reference):
    plan = fhir_bundle(reference)["entry"][0]["resource"]
    actions = {a["id"]: a for a in all_actions(plan["action"])}
    requirements = {r["id"]: r for r in actions["lab-results"]["input"]}
    coded = [i for i in reference.inputs if i.codes and i.name in requirements]
    assert coded, "the reference guideline's lab inputs carry codes"
    for input_ in coded:
        systems = {c["system"] for c in requirements[input_.name]["codeFilter"][0]["code"]}
        assert systems <= {"http://loinc.org", "http://snomed.info/sct"}


def test_checks_find_broken_references_and_bindings(reference):
    bundle = fhir_bundle(reference)
    broken = copy.deepcopy(bundle)
    plan = broken["entry"][0]["resource"]
    actions = list(all_actions(plan["action"]))
    consult = next(a for a in actions if a["id"] == "emergency-vascular-consult")
    consult["relatedAction"][0]["actionId"] = "nowhere"
    consult["condition"][0]["expression"]["expression"] = "Reaches nowhere"
    consult["priority"] = "whenever"
    problems = check_bundle(broken)
    assert any("no action `nowhere`" in p for p in problems)
    assert any("defines no `Reaches nowhere`" in p for p in problems)
    assert any("`whenever` is not a priority code" in p for p in problems)
    assert len(problems) == 3


def test_cli_export_fhir_and_elm(tmp_path, reference):
    runner = CliRunner()
    out = tmp_path / "plan.json"
    result = runner.invoke(main, ["export", str(REFERENCE), "--format", "fhir", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == export_fhir(reference)  # nothing in it depends on the path
    elm = tmp_path / "logic.json"
    result = runner.invoke(main, ["export", str(REFERENCE), "--format", "elm", "-o", str(elm)])
    assert result.exit_code == 0, result.output
    assert json.loads(elm.read_text(encoding="utf-8")) == elm_library(reference)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logic.json", "plan.json"]
