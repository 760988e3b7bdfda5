"""`carepath run` and `carepath test` end to end through click's CliRunner."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath.cli import main
from tests.runtime_guidelines import VASCULAR

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"
PATIENTS = ROOT / "examples" / "patients"
needs_reference = pytest.mark.skipif(not REFERENCE.exists(), reason="the reference guideline is not written yet")


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def vascular(tmp_path):
    path = tmp_path / "vascular.cpath"
    path.write_text(VASCULAR, encoding="utf-8")
    return path


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- the issue's acceptance checks on the reference guideline -------------------------------


@needs_reference
def test_absent_pulse_unilateral_patient_gets_the_emergency_consult_first():
    result = invoke("run", REFERENCE, "--facts", PATIENTS / "absent_pulse_unilateral.json", "--format", "json")
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)["actions"][0]
    assert (first["id"], first["urgency"]) == ("emergency_vascular_consult", "emergent")


@needs_reference
def test_claudication_without_abi_needs_the_abi(tmp_path):
    result = invoke("run", REFERENCE, "--facts", PATIENTS / "claudication_abi_missing.json", "--format", "json")
    data = json.loads(result.stdout)
    assert data["status"] == "needs_input" and "abi" in data["needs"]


@needs_reference
def test_a_word_for_the_abi_exits_2_naming_abi_without_a_traceback(tmp_path):
    facts = write_json(tmp_path / "low.json", {"abi": "low"})
    result = invoke("run", REFERENCE, "--facts", facts)
    assert result.exit_code == 2
    assert "$.abi" in result.stderr and "low" in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


@needs_reference
def test_the_reference_scenarios_pass_with_full_coverage_into_junit(tmp_path):
    report = tmp_path / "r.xml"
    result = invoke("test", REFERENCE, "--junit", report, "--coverage", "--min-coverage", "100")
    assert result.exit_code == 0, result.output
    root = ET.parse(report).getroot()
    assert int(root.get("tests")) >= 25 and root.get("failures") == "0"
    assert "(100.0%)" in result.stdout


# --- run ----------------------------------------------------------------------------------


def test_text_report_groups_by_urgency_with_reasons_sources_needs_and_path(vascular, tmp_path):
    facts = write_json(tmp_path / "p.json", {"pulses": "absent", "unilateral": True, "smoker": True})
    result = invoke("run", vascular, "--facts", facts)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.index("EMERGENT") < text.index("Emergency consult") < text.index("ROUTINE") < text.index("Smoking")
    assert "why: pulses = absent; unilateral" in text
    assert "sources: Vascular source (2025)" in text
    assert "[within 6 h]" in text
    assert "Status: NEEDS INPUT: relief, diabetic" in text
    assert "Still needed to complete the workup (the answers that could lead to the most urgent action first):" in text
    assert "Path: start → triage → consult → streams → quit → followup → done" in text
    assert "\x1b[" not in text  # no colour codes when not on a terminal


def test_needs_show_the_inputs_question(vascular, tmp_path):
    facts = write_json(tmp_path / "p.json", {"pulses": "present"})
    text = invoke("run", vascular, "--facts", facts).stdout
    assert "- abi: Ankle-brachial index?" in text


def test_json_output_is_the_contract_and_trace_is_opt_in(vascular, tmp_path):
    facts = write_json(tmp_path / "p.json", {"pulses": "present", "abi": 0.85, "relief": {"value": 0.1, "unit": "h"},
                                             "smoker": False, "diabetic": False})
    data = json.loads(invoke("run", vascular, "--facts", facts, "--format", "json").stdout)
    assert list(data) == ["guideline", "version", "status", "actions", "needs", "questions", "path"]
    assert data["status"] == "complete" and data["needs"] == []
    exercise = next(a for a in data["actions"] if a["id"] == "exercise")
    assert exercise["because"] == ["pad: abi ≤ 0.90 (abi = 0.85)", "abi ≥ 0.5 (abi = 0.85)",
                                   "relief ≤ 10 min (relief = 6 min)"]
    traced = json.loads(invoke("run", vascular, "--facts", facts, "--format", "json", "--trace").stdout)
    assert [d["decision"] for d in traced["trace"]] == ["triage", "severity", "streams"]
    assert traced["trace"][1]["guards"] == [{"branch": 0, "when": "abi < 0.5", "value": "false"},
                                            {"branch": 1, "when": "abi ≥ 0.5", "value": "true"}]


def test_text_trace_shows_each_guard_value(vascular, tmp_path):
    facts = write_json(tmp_path / "p.json", {"pulses": "present"})
    text = invoke("run", vascular, "--facts", facts, "--trace").stdout
    assert "triage (first): pending; needs abi" in text
    assert "[1] pad or pulses = diminished  →  unknown" in text


def test_every_bad_fact_is_listed_and_nothing_runs(vascular, tmp_path):
    facts = write_json(tmp_path / "bad.json", {"abi": 7, "pulse": "absent", "relief": {"value": 3, "unit": "kg"}})
    result = invoke("run", vascular, "--facts", facts)
    assert result.exit_code == 2 and result.stdout == ""
    for expected in ("error[CP0605]", f"--> {facts}: $.abi", "error[CP0602]", f"--> {facts}: $.pulse",
                     "did you mean `pulses`", f"--> {facts}: $.relief.unit", "3 errors; nothing was run"):
        assert expected in result.stderr


def test_bad_facts_come_out_as_json_diagnostics_with_format_json(vascular, tmp_path):
    facts = write_json(tmp_path / "bad.json", {"abi": 7, "pulse": "absent"})
    result = invoke("run", vascular, "--facts", facts, "--format", "json")
    assert result.exit_code == 2
    found = json.loads(result.stdout)
    assert sorted((d["code"], d["file"], d["location"]) for d in found) == [
        ("CP0602", str(facts), "$.pulse"), ("CP0605", str(facts), "$.abi")]


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "not valid JSON (line 1 column 2"),
    ("[]", "a facts file holds a JSON object"),
])
def test_malformed_facts_files_exit_2(vascular, tmp_path, content, expected):
    facts = tmp_path / "f.json"
    facts.write_text(content, encoding="utf-8")
    result = invoke("run", vascular, "--facts", facts)
    assert result.exit_code == 2 and expected in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("arguments", [
    [],  # neither --facts nor --batch
    ["--facts", "a.json", "--batch", "b.jsonl", "-o", "o.jsonl"],
    ["--batch", "b.jsonl"],  # no -o
    ["--facts", "a.json", "-o", "o.jsonl"],
    ["--facts", "missing.json"],
])
def test_usage_errors_exit_2(vascular, tmp_path, monkeypatch, arguments):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", vascular, *arguments)
    assert result.exit_code == 2 and "error:" in result.stderr


def test_batch_runs_every_line_and_reports_bad_ones_by_line_number(vascular, tmp_path):
    batch = tmp_path / "in.jsonl"
    batch.write_text('{"pulses": "absent", "unilateral": true}\n\n{"abi": "low"}\n[1]\n{"pulses": "present"}\n',
                     encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = invoke("run", vascular, "--batch", batch, "-o", out)
    assert result.exit_code == 2
    assert "line 3: $.abi" in result.stderr and "line 4: $" in result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4
    assert lines[0]["actions"][0]["id"] == "consult"
    assert lines[1] == {"line": 3, "errors": [{"code": "CP0603", "path": "line 3: $.abi",
                                               "message": 'expected a number (from 0 to 2), got the string "low"'}]}
    assert lines[2]["line"] == 4 and lines[3]["needs"] == ["abi"]


def test_a_clean_batch_exits_0_and_leaves_no_temporary_file(vascular, tmp_path):
    batch = tmp_path / "in.jsonl"
    batch.write_text('{"pulses": "absent", "unilateral": true}\n{"pulses": "present", "abi": 1.2}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = invoke("run", vascular, "--batch", batch, "-o", out, "--trace")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["status"] for line in out.read_text().splitlines()] == ["needs_input", "needs_input"]
    assert "trace" in json.loads(out.read_text().splitlines()[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl", "vascular.cpath"]


# --- test ---------------------------------------------------------------------------------

FAILING = '''
scenario "passes"
  given pulses = absent, unilateral = true
  expect first consult
scenario "fails"
  given pulses = present, abi = 1.2
  expect exercise
'''


def test_a_failing_scenario_exits_1_with_expected_actual_path_and_line(tmp_path):
    path = tmp_path / "g.cpath"
    path.write_text(VASCULAR + FAILING, encoding="utf-8")
    report = tmp_path / "r.xml"
    result = invoke("test", path, "--junit", report)
    assert result.exit_code == 1
    assert "✓" in result.stdout and "✗" in result.stdout
    assert "expected to reach exercise, but exercise is not on the path" in result.stdout
    assert f"{path}:55" in result.stdout  # the scenario's line
    assert "path: start → triage → streams" in result.stdout
    assert "1 of 2 scenarios passed" in result.stdout
    assert ET.parse(report).getroot().get("failures") == "1"


def test_min_coverage_fails_the_run_and_lists_what_is_uncovered(tmp_path):
    path = tmp_path / "g.cpath"
    path.write_text(VASCULAR + FAILING.split('scenario "fails"')[0], encoding="utf-8")
    result = invoke("test", path, "--min-coverage", "90")
    assert result.exit_code == 1
    assert "not covered: node workup (action)" in result.stdout
    assert "not covered: triage branch 1 `pad or pulses = diminished`" in result.stdout
    assert "is below --min-coverage 90%" in result.stdout
    assert invoke("test", path, "--min-coverage", "10").exit_code == 0


def test_a_guideline_without_scenarios_fails(vascular):
    result = invoke("test", vascular)
    assert result.exit_code == 1 and "has no scenarios" in result.stderr


def test_a_file_that_does_not_compile_is_an_error_and_the_others_still_run(tmp_path):
    good = tmp_path / "g.cpath"
    good.write_text(VASCULAR + FAILING.split('scenario "fails"')[0], encoding="utf-8")
    broken = tmp_path / "broken.cpath"
    broken.write_text('guideline broken "Broken" version "1"\nstart -> nowhere\n', encoding="utf-8")
    report = tmp_path / "r.xml"
    result = invoke("test", broken, good, "--junit", report)
    assert result.exit_code == 1
    assert "1 of 1 scenarios passed" in result.stdout and "error[" in result.stderr
    suites = ET.parse(report).getroot().findall("testsuite")
    assert [s.get("errors") for s in suites] == ["1", "0"]
    assert suites[0].find("testcase/error").get("message").startswith(f"{broken} does not compile")
