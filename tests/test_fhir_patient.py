"""FHIR patient data in: Bundles → facts by the inputs' codes, with a report of every choice.

The shipped example bundle runs exactly as its equivalent facts file; two HbA1c values
say which one was used; same-day disagreements, units that do not convert, unknown
codes, resources entered in error and partial birth dates are reported and left
unknown, never guessed.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath import compile_file
from carepath.cli import main
from carepath.targets.fhir.patient import AMBIGUOUS, IGNORED, REFUSED, USED, BundleError, bundle_facts, read_bundle_text

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "guidelines/leg_numbness_cramping.cpath"
EXAMPLE = ROOT / "examples/fhir/diabetic_patient.json"
EXAMPLE_FACTS = ROOT / "examples/patients/diabetic_patient_from_fhir.json"
AMBIGUOUS_EXAMPLE = ROOT / "examples/fhir/ambiguous_and_unmapped.json"
NDJSON = ROOT / "examples/fhir/bundles.ndjson"


@pytest.fixture(scope="module")
def graph():
    return compile_file(REFERENCE)


def mapped(graph, path: Path, as_of: dt.date | None = None):
    return bundle_facts(graph, read_bundle_text(path.read_text(encoding="utf-8")), as_of)


def notes_for(result, input_name: str):
    return [n for n in result.notes if n.input == input_name]


@pytest.mark.parametrize("style", ["json", "text"])
def test_example_bundle_runs_as_its_facts_file(style):
    runner = CliRunner()
    from_fhir = runner.invoke(main, ["run", str(REFERENCE), "--fhir", str(EXAMPLE), "--format", style])
    from_facts = runner.invoke(main, ["run", str(REFERENCE), "--facts", str(EXAMPLE_FACTS), "--format", style])
    assert from_fhir.exit_code == from_facts.exit_code == 0, from_fhir.output
    assert from_fhir.stdout == from_facts.stdout
    assert json.loads(mapped_text(EXAMPLE)) == json.loads(EXAMPLE_FACTS.read_text(encoding="utf-8"))


def mapped_text(path: Path) -> str:
    return mapped(compile_file(REFERENCE), path).facts_text()


def test_two_hba1c_values_say_which_was_used(graph):
    result = mapped(graph, EXAMPLE)
    (note,) = notes_for(result, "hba1c")
    assert note.outcome == USED and note.resource == "Observation/hba1c-2025"
    assert "7.4 % of 2025-10-20, the most recent of 2 values" in note.message
    assert "set aside: 6.3 % of 2024-11-02 (Observation/hba1c-2024)" in note.message
    runner = CliRunner()
    run = runner.invoke(main, ["run", str(REFERENCE), "--fhir", str(EXAMPLE)])
    assert "used `hba1c`: Observation/hba1c-2025: 7.4 % of 2025-10-20, the most recent of 2 values" in run.stderr


def test_the_example_maps_conditions_units_and_age(graph):
    result = mapped(graph, EXAMPLE)
    facts = result.facts
    assert facts["diabetes_known"] is True and facts["hypocalcemia"] is False  # active; refuted
    assert facts["fasting_glucose"] == {"value": Decimal("1.42"), "unit": "g/L"}  # converted by the facts reader
    assert facts["age"] == {"value": 68, "unit": "a"}  # completed years as of the most recent data, 2025-10-21
    (ignored,) = [n for n in result.notes if n.outcome == IGNORED]
    assert ignored.resource == "Observation/cholesterol" and "http://loinc.org|2093-3" in ignored.message


def test_ambiguous_and_unmapped_data_are_reported_not_guessed(graph):
    result = mapped(graph, AMBIGUOUS_EXAMPLE, as_of=dt.date(2025, 6, 30))
    assert result.facts == {}
    outcomes = {(n.outcome, n.input, n.resource) for n in result.notes}
    assert (AMBIGUOUS, "hba1c", "Observation/hba1c-lab-a") in outcomes  # 6.4 % and 6.7 % the same day
    assert (REFUSED, "fasting_glucose", "Observation/glucose-molar") in outcomes  # mmol/L is not mg/dL
    assert (AMBIGUOUS, "age", "Patient/patient-2") in outcomes  # born in 1960: 64 or 65 on 2025-06-30
    assert (IGNORED, None, "Observation/abi-error") in outcomes  # entered in error
    assert (IGNORED, None, "MedicationStatement/metformin") in outcomes
    assert len(result.notes) == 5


def test_age_from_a_partial_birth_date_when_it_is_certain(graph):
    bundle = read_bundle_text(AMBIGUOUS_EXAMPLE.read_text(encoding="utf-8"))
    assert bundle_facts(graph, bundle, dt.date(2025, 12, 31)).facts["age"] == {"value": 65, "unit": "a"}
    bundle["entry"][0]["resource"]["birthDate"] = "1960-06"
    assert "age" not in bundle_facts(graph, bundle, dt.date(2025, 6, 15)).facts
    assert bundle_facts(graph, bundle, dt.date(2025, 7, 1)).facts["age"] == {"value": 65, "unit": "a"}
    assert bundle_facts(graph, bundle, dt.date(2025, 5, 31)).facts["age"] == {"value": 64, "unit": "a"}


def test_no_date_for_the_age_without_dated_data_or_as_of(graph):
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": {"resourceType": "Patient", "id": "p", "birthDate": "1950-01-01"}}]}
    result = bundle_facts(graph, bundle)
    assert result.facts == {}
    assert result.notes[0].outcome == REFUSED and "give --as-of" in result.notes[0].message


def test_condition_status_and_values_of_the_wrong_kind(graph):
    bundle = read_bundle_text(EXAMPLE.read_text(encoding="utf-8"))
    diabetes = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "diabetes")
    diabetes["clinicalStatus"]["coding"][0]["code"] = "resolved"
    paresthesia = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "paresthesia")
    paresthesia["valueString"] = paresthesia.pop("valueBoolean") and "yes"
    result = bundle_facts(graph, bundle)
    assert result.facts["diabetes_known"] is False
    assert "paresthesia" not in result.facts
    (note,) = notes_for(result, "paresthesia")
    assert note.outcome == REFUSED and "valueBoolean" in note.message


def test_a_code_declared_on_two_inputs_sets_neither(compile_ok):
    graph = compile_ok(
        'guideline demo "Demo" version "1.0.0"\n'
        'reference r "R" 2026\n'
        'input a: boolean\n  code SNOMED "73211009"\n'
        'input b: boolean\n  code SNOMED "73211009"\n'
        'start -> d\n'
        'decide d "D" (any) [r]\n  when a -> done\n  when b -> done\n  otherwise -> done\n'
        'end done "Done"\n')
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Condition", "id": "c", "code": {"coding": [{"system": "http://snomed.info/sct", "code": "73211009"}]}}}]}
    result = bundle_facts(graph, bundle)
    assert result.facts == {} and result.notes[0].outcome == AMBIGUOUS


def test_numbers_keep_their_decimal_text(graph):
    bundle = read_bundle_text(EXAMPLE.read_text(encoding="utf-8").replace('"value": 0.95', '"value": 0.950'))
    assert '"abi": 0.950' in bundle_facts(graph, bundle).facts_text()


def test_malformed_resources_are_reported_not_a_crash(tmp_path):
    bundle = tmp_path / "malformed.json"
    bundle.write_text(json.dumps({"resourceType": "Bundle", "entry": [
        {"resource": {"resourceType": "Observation", "id": "a", "code": "4548-4", "status": 3}},
        {"resource": {"resourceType": "Observation", "id": "b", "code": {"coding": [{"system": "http://loinc.org",
                                                                               "code": ["4548-4"]}]}}},
        {"resource": {"resourceType": "Condition", "id": "c", "clinicalStatus": "active",
                      "code": {"coding": [{"system": "http://snomed.info/sct", "code": "73211009"}]}}},
        {"resource": {"resourceType": "Observation", "id": "d", "effectivePeriod": "2025",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
                      "dataAbsentReason": "unknown"}}]}), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(REFERENCE), "--fhir", str(bundle), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "ignored: Observation/a: no input declares its code (no code)" in result.stderr
    assert "used `diabetes_known`: Condition/c: true (no clinical status)" in result.stderr
    assert "refused `hba1c`: Observation/d: no value (dataAbsentReason given); left unknown" in result.stderr


def test_not_a_bundle_is_an_input_error(tmp_path):
    with pytest.raises(BundleError):
        read_bundle_text('{"resourceType": "Patient"}')
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Patient"}', encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(REFERENCE), "--fhir", str(bad)])
    assert result.exit_code == 2 and "not a FHIR Bundle" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("source", [NDJSON, EXAMPLE.parent], ids=["ndjson", "folder"])
def test_batch_over_ndjson_or_a_folder(tmp_path, source):
    out = tmp_path / "results.jsonl"
    result = CliRunner().invoke(main, ["run", str(REFERENCE), "--fhir", str(source), "-o", str(out),
                                       "--as-of", "2025-12-31"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    by_bundle = {("ambiguous" in line["fhir"]["source"]) or ("line 2" in line["fhir"]["source"]): line for line in lines}
    diabetic = by_bundle[False]
    used = [n for n in diabetic["fhir"]["report"] if n.get("input") == "age"]
    assert used[0]["message"].startswith("68 a from birthDate 1957-09-14, as of 2025-12-31 (--as-of)")
    single = CliRunner().invoke(main, ["run", str(REFERENCE), "--facts", str(EXAMPLE_FACTS), "--format", "json"])
    expected = json.loads(single.stdout)
    assert {k: diabetic[k] for k in expected} == expected


def test_run_options_are_checked(tmp_path):
    runner = CliRunner()
    both = runner.invoke(main, ["run", str(REFERENCE), "--fhir", str(EXAMPLE), "--facts", str(EXAMPLE_FACTS)])
    assert both.exit_code == 2 and "exactly one of" in both.stderr
    many = runner.invoke(main, ["run", str(REFERENCE), "--fhir", str(NDJSON)])
    assert many.exit_code == 2 and "needs -o" in many.stderr
    as_of = runner.invoke(main, ["run", str(REFERENCE), "--facts", str(EXAMPLE_FACTS), "--as-of", "2025-01-01"])
    assert as_of.exit_code == 2 and "--as-of is for --fhir" in as_of.stderr


def test_check_warns_about_inputs_without_codes(tmp_path, graph):
    result = CliRunner().invoke(main, ["check", str(REFERENCE)])
    assert result.exit_code == 0
    uncoded = [i.name for i in graph.inputs if not i.codes]
    assert f"warning[CP0801]: {len(uncoded)} inputs of {len(graph.inputs)} have no terminology code" in result.output
    listed = result.output.split("CP0801]: ")[1].split("\n")[0]
    assert all(f"`{name}`" in listed for name in uncoded) and "`hba1c`" not in listed
    coded = tmp_path / "coded.cpath"
    coded.write_text('guideline demo "Demo" version "1.0.0"\nreference r "R" 2026\n'
                     'input hba1c: quantity %\n  code LOINC "4548-4"\nstart -> d\n'
                     'decide d "D" (first) [r]\n  when hba1c >= 6.5 % -> done\n  otherwise -> done\n'
                     'end done "Done"\n', encoding="utf-8")
    clean = CliRunner().invoke(main, ["check", str(coded)])
    assert clean.exit_code == 0 and "CP0801" not in clean.output
