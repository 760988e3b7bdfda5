"""FHIR Bundles in the viewer: the JavaScript mapping (`targets/js/carepath-fhir.mjs`) is the Python one.

The viewer page maps a Bundle to facts in the browser, with no server; `carepath run
--fhir` maps it in Python (`targets/fhir/patient.py`). Both are fed the same bundles
here, the shipped examples and edge cases written for the purpose (missing and
malformed codes, units other than the declared one, conflicting and undated values,
codes no input declares, statuses, partial birth dates, numbers written as `6.50` or
`1e2`), and must give the same facts, byte for byte as facts-file text, and the same
report, note for note. The browser test at the end loads a bundle through the page's
file picker, as a user would, and compares what the page shows with `run --fhir`.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath import compile_file, compile_text
from carepath.cli import main
from carepath.targets.fhir.patient import BundleError, bundle_facts, facts_reader_refusal, read_bundle_text
from carepath.targets.json.export import export_graph
from tests import browser

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"
FHIR_MODULE = ROOT / "targets" / "js" / "carepath-fhir.mjs"
RUNTIME = ROOT / "targets" / "js" / "carepath-runtime.mjs"
EXAMPLES = ROOT / "examples" / "fhir"
NODE = shutil.which("node")

LOINC, SNOMED, UCUM = "http://loinc.org", "http://snomed.info/sct", "http://unitsofmeasure.org"

# A guideline with what the reference lacks: a coded enum, a coded plain number, a code on two inputs.
SMALL = """guideline coded "Coded inputs" version "1.0.0"
reference r "R" 2026
input pulses: one of present, diminished, absent
  code LOINC "44974-4"
input score: number from 0 to 10
  code LOINC "11111-1"
input a: boolean
  code SNOMED "22222"
input b: boolean
  code SNOMED "22222"
input age: number from 0 to 130
start -> d
decide d "D" (any) [r]
  when pulses = absent -> done
  when score >= 5 -> done
  when a or b -> done
  when age >= 65 -> done
  otherwise -> done
end done "Done"
"""

# The driver: graph JSON and bundle texts in, each bundle's facts text and notes (or its error) out.
DRIVER = """
import { readFileSync } from "node:fs";
import { readFacts } from "RUNTIME";
import { bundleFacts, factsJson, factsReaderRefusal, parseBundleText, BundleError } from "MODULE";
const { graph, cases } = JSON.parse(readFileSync(0, "utf8"));
const refusal = factsReaderRefusal(graph, readFacts, (problem) => problem.code);
const out = cases.map(({ text, as_of }) => {
  try {
    const mapped = bundleFacts(graph, parseBundleText(text), { asOf: as_of, refusal });
    return { facts: factsJson(mapped.facts), notes: mapped.notes.map((n) => [n.outcome, n.input, n.resource, n.message]) };
  } catch (error) {
    if (!(error instanceof BundleError)) throw error;
    return { error: error.message };
  }
});
process.stdout.write(JSON.stringify(out));
"""


def bundle(*resources, extra: dict | None = None) -> str:
    return json.dumps({"resourceType": "Bundle", "type": "collection", **(extra or {}),
                       "entry": [{"resource": resource} for resource in resources]})


def observation(id_, system, code, when="2025-06-01", **value) -> dict:
    resource = {"resourceType": "Observation", "id": id_, "status": "final",
                "code": {"coding": [{"system": system, "code": code}]}, **value}
    if when:
        resource["effectiveDateTime"] = when
    return resource


def quantity(value: str, code: str | None, system: str | None = UCUM, unit: str | None = None) -> dict:
    """A valueQuantity whose number is written exactly as `value` (`6.50`, `1e2`) in the bundle's text."""
    out = {"value": f"@{value}@"}
    if unit is not None:
        out["unit"] = unit
    if system is not None:
        out["system"] = system
    if code is not None:
        out["code"] = code
    return {"valueQuantity": out}


def exact(text: str) -> str:
    """Bundle text with each `"@6.50@"` written as the JSON number 6.50."""
    return text.replace('"@', "").replace('@"', "")


def hba1c(id_, value, when="2025-06-01", code="%"):
    return observation(id_, LOINC, "4548-4", when, **quantity(value, code))


def glucose(id_, value, code, when="2025-06-01", system=UCUM):
    return observation(id_, LOINC, "1558-6", when, **quantity(value, code, system))


def condition(id_, code, clinical=None, verification=None, when="2020-01-01") -> dict:
    resource = {"resourceType": "Condition", "id": id_, "code": {"coding": [{"system": SNOMED, "code": code}]},
                "onsetDateTime": when}
    if clinical:
        resource["clinicalStatus"] = {"coding": [{"code": clinical}]}
    if verification:
        resource["verificationStatus"] = {"coding": [{"code": verification}]}
    return resource


PATIENT = {"resourceType": "Patient", "id": "p", "birthDate": "1957-09-14"}

REFERENCE_CASES = {
    "units other than the declared one": bundle(
        glucose("g-gl", "1.42", "g/L"), glucose("g-molar", "7.1", "mmol/L", when="2025-06-02"),
        hba1c("h-mol", "58", code="mmol/mol"), observation("toe", LOINC, "76497-9", **quantity("0.8", "%")),
        glucose("g-local", "120", "mg/dL", system="http://example.org/units"), PATIENT),
    "a unit that converts is used, one that does not leaves the input unknown": bundle(
        glucose("g-old", "120", "mg/dL", when="2024-01-01"), glucose("g-new", "7.1", "mmol/L", when="2025-01-01")),
    "conflicting values of one day": bundle(hba1c("h1", "6.4"), hba1c("h2", "6.7"), PATIENT),
    "the same value written two ways the same day": bundle(hba1c("h1", "6.5"), hba1c("h2", "6.50")),
    "the same value twice the same day": bundle(hba1c("h1", "6.5"), hba1c("h2", "6.5")),
    "three dates, most recent wins": bundle(
        hba1c("h-2023", "5.9", "2023-03-01"), hba1c("h-2025", "7.4", "2025-10-20T09:30:00Z"),
        hba1c("h-2024", "6.3", "2024-11-02")),
    "undated values": bundle(hba1c("u1", "6.1", when=None), hba1c("u2", "6.1", when=None)),
    "one undated value": bundle(hba1c("u1", "6.1", when=None), PATIENT),
    "dated beats undated": bundle(hba1c("u1", "6.1", when=None), hba1c("d1", "6.9")),
    "out of range": bundle(hba1c("h", "25"), observation("abi", LOINC, "76497-9", valueDecimal="@2.5@")),
    "numbers as written": bundle(
        observation("abi", LOINC, "76497-9", valueDecimal="@0.950@"), hba1c("h", "0.0725e2"),
        glucose("g", "1e2", "mg/dL")),
    "missing and malformed codes": bundle(
        {"resourceType": "Observation", "id": "no-code", "valueBoolean": True},
        {"resourceType": "Observation", "id": "empty", "code": {"coding": []}},
        {"resourceType": "Observation", "id": "text-code", "code": "4548-4"},
        {"resourceType": "Observation", "id": "no-system", "code": {"coding": [{"code": "4548-4"}]}},
        {"resourceType": "Observation", "id": "list-code", "code": {"coding": [{"system": LOINC, "code": ["4548-4"]}]}},
        {"resourceType": "Observation", "id": "dict-coding", "code": {"coding": {"system": LOINC, "code": "4548-4"}}},
        {"resourceType": "Condition", "id": "null-system", "code": {"coding": [{"system": None, "code": "73211009"}]}}),
    "codes no input declares": bundle(
        observation("chol", LOINC, "2093-3", **quantity("190", "mg/dL")),
        condition("asthma", "195967001"), observation("snomed-abi", SNOMED, "76497-9", valueDecimal="@0.7@")),
    "values of the wrong kind": bundle(
        observation("paresthesia", SNOMED, "91019004", valueString="yes"),
        observation("abi-text", LOINC, "76497-9", valueInteger="0.8"),
        observation("abi-bool", LOINC, "76497-9", when="2025-06-02", **quantity("true", "1")),
        observation("h-no-value", LOINC, "4548-4", valueQuantity={"unit": "%"}),
        observation("smoker", SNOMED, "77176002", valueQuantity={"value": "@1@", "code": "1", "system": UCUM}),
        condition("hba1c-condition", "4548-4")),
    "statuses": bundle(
        {**hba1c("h-error", "9.9"), "status": "entered-in-error"},
        {**hba1c("h-cancelled", "9.8"), "status": "cancelled"},
        {**hba1c("h-verified-error", "9.7"), "verificationStatus": {"coding": [{"code": "entered-in-error"}]}},
        {**hba1c("h-status-number", "6.6"), "status": "@3@"},
        condition("diabetes", "73211009", clinical="resolved"), condition("smoking", "77176002", clinical="active"),
        condition("rls", "32914008", verification="refuted"), condition("retention", "267064002"),
        condition("hypocalcemia", "5291005", clinical="remission"),
        condition("ortho", "28651003", clinical="inactive"),
        {**condition("paresthesia", "91019004"), "clinicalStatus": "active"}),
    "data absent": bundle(
        observation("abi", LOINC, "76497-9", dataAbsentReason={"coding": [{"code": "not-performed"}]}),
        observation("h", LOINC, "4548-4", dataAbsentReason={"text": "refused"}),
        observation("g", LOINC, "1558-6", dataAbsentReason="asked-unknown")),
    "entries that are not resources": json.dumps({"resourceType": "Bundle", "entry": [
        {"fullUrl": "urn:uuid:1"}, "text", {"resource": "Patient"},
        {"resource": {"resourceType": "MedicationStatement", "id": "metformin"}},
        {"resource": {"id": "no-type"}}, {"resource": {"resourceType": None, "id": "@7@"}}]}),
    "age observed and born": bundle(
        observation("age-obs", LOINC, "30525-0", **quantity("70", "a")), PATIENT, hba1c("h", "6.1")),
    "partial birth date": bundle({**PATIENT, "birthDate": "1960-06"}, hba1c("h", "6.1", "2025-06-15")),
    "birth year only": bundle({**PATIENT, "birthDate": "1960"}, hba1c("h", "6.1", "2025-12-31")),
    "two birth dates": bundle(PATIENT, {**PATIENT, "id": "q", "birthDate": "1958-01-01"}, hba1c("h", "6.1")),
    "unreadable dates": bundle(
        {**PATIENT, "birthDate": "1960-02-30"}, hba1c("h", "6.1", "not a date"), glucose("g", "99", "mg/dL", "2025-13-01")),
    "birth date without dated data": bundle(PATIENT, hba1c("h", "6.1", when=None)),
    "a period and an instant": bundle(
        observation("p1", LOINC, "4548-4", effectivePeriod={"start": "2025-01-01", "end": "2025-02-01"},
                    **quantity("6.2", "%")),
        observation("p2", LOINC, "4548-4", effectiveInstant="2025-01-15T10:00:00Z", **quantity("6.8", "%"))),
}

SMALL_CASES = {
    "an enum by valueString, by coding, and not a member": bundle(
        observation("pulses-1", LOINC, "44974-4", "2025-01-01", valueString="absent"),
        observation("pulses-2", LOINC, "44974-4", "2025-02-01",
                    valueCodeableConcept={"coding": [{"code": "faint"}, {"code": "diminished"}]}),
        observation("pulses-3", LOINC, "44974-4", "2025-03-01", valueCodeableConcept={"coding": [{"code": "gone"}]})),
    "a plain number: integer, decimal, with a unit, ratio": bundle(
        observation("s1", LOINC, "11111-1", "2025-01-01", valueInteger="@7@"),
        observation("s2", LOINC, "11111-1", "2025-01-01", **quantity("7", "1", unit="ratio")),
        observation("s3", LOINC, "11111-1", "2025-01-02", **quantity("7", "mg")),
        observation("s4", LOINC, "11111-1", "2025-01-03", **quantity("4", None, system=None, unit="{score}"))),
    "a code on two inputs, and one on none": bundle(condition("c", "22222"), condition("d", "33333")),
    "age as a plain number": bundle(PATIENT, observation("s", LOINC, "11111-1", "2025-06-01", valueDecimal="@3.5@")),
}

NOT_BUNDLES = {
    "a Patient": '{"resourceType": "Patient"}',
    "a list": "[1, 2]",
    "entries that are not a list": '{"resourceType": "Bundle", "entry": {"resource": {}}}',
}


def python_side(graph, text: str, as_of: str | None) -> dict:
    """The Python mapping's facts and notes; the facts reader's refusals named by code, as the JavaScript
    side names them (each runtime's reader words its messages its own way; their codes are held together
    by the conformance corpus)."""
    def refusal(name, value):
        return facts_reader_refusal(graph, name, value, lambda problem: problem.code)

    try:
        mapped = bundle_facts(graph, read_bundle_text(text), dt.date.fromisoformat(as_of) if as_of else None, refusal)
    except BundleError as error:
        return {"error": str(error)}
    return {"facts": mapped.facts_text(), "notes": [[n.outcome, n.input, n.resource, n.message] for n in mapped.notes]}


def javascript_side(graph, cases: list[tuple[str, str | None]]) -> list[dict]:
    script = DRIVER.replace("RUNTIME", RUNTIME.as_uri()).replace("MODULE", FHIR_MODULE.as_uri())
    document = {"graph": json.loads(export_graph(graph, spans=False)),
                "cases": [{"text": text, "as_of": as_of} for text, as_of in cases]}
    done = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps(document), text=True,
                          capture_output=True, encoding="utf-8", check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def example_cases() -> dict[str, str]:
    cases = {path.name: path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.glob("*.json"))}
    for number, line in enumerate((EXAMPLES / "bundles.ndjson").read_text(encoding="utf-8").splitlines(), 1):
        cases[f"bundles.ndjson line {number}"] = line
    return cases


needs_node = pytest.mark.skipif(NODE is None, reason="`node` is not on PATH: the JavaScript mapping cannot be run")


@needs_node
@pytest.mark.parametrize("which", ["reference", "small"])
def test_javascript_and_python_map_bundles_alike(which):
    if which == "reference":
        graph = compile_file(REFERENCE)
        named = {**example_cases(), **{k: exact(v) for k, v in REFERENCE_CASES.items()}}
    else:
        graph = compile_text(SMALL)
        named = {k: exact(v) for k, v in SMALL_CASES.items()}
    cases = [(text, as_of) for text in named.values() for as_of in (None, "2025-12-31")]
    names = [f"{name} (as of {as_of or 'the data'})" for name in named for as_of in (None, "2025-12-31")]
    expected = [python_side(graph, text, as_of) for text, as_of in cases]
    for name, want, got in zip(names, expected, javascript_side(graph, cases), strict=True):
        assert got == want, name
    # The cases reach every outcome and leave facts to compare, so agreement is not agreement on nothing.
    outcomes = {note[0] for result in expected for note in result.get("notes", [])}
    assert outcomes == ({"used", "set aside", "ignored", "ambiguous", "refused"} if which == "reference"
                        else {"used", "ambiguous", "refused", "ignored"})
    assert sum(result["facts"] != "{}" for result in expected) >= len(cases) // 2


@needs_node
def test_not_a_bundle_is_refused_alike():
    graph = compile_text(SMALL)
    cases = [(text, None) for text in NOT_BUNDLES.values()]
    expected = [python_side(graph, text, None) for text, _ in cases]
    assert all("error" in result for result in expected)
    assert javascript_side(graph, cases) == expected
    (broken,) = javascript_side(graph, [("{not json", None)])
    assert broken["error"].startswith("not valid JSON (")


# --- in Chromium: a bundle through the page's file picker ----------------------------------

needs_browser = pytest.mark.skipif(browser.missing() is not None, reason=browser.missing() or "")


@pytest.fixture(scope="module")
def reference_page(reference_viewer):
    return compile_file(REFERENCE), reference_viewer


@needs_browser
@pytest.mark.parametrize("name", ["diabetic_patient.json", "ambiguous_and_unmapped.json", "edge_cases.json"])
def test_a_bundle_loaded_in_the_page_runs_as_run_fhir(reference_page, tabs, tmp_path, name):
    graph, page_file = reference_page
    path = EXAMPLES / name
    if name == "edge_cases.json":
        path = tmp_path / name
        path.write_text(exact(bundle(
            glucose("g-old", "120", "mg/dL", when="2024-01-01"), glucose("g-new", "1.10", "g/L", when="2025-01-01"),
            hba1c("h1", "6.4"), hba1c("h2", "6.7"), observation("abi", LOINC, "76497-9", valueDecimal="@0.85@"),
            condition("diabetes", "73211009"), observation("chol", LOINC, "2093-3", **quantity("190", "mg/dL")),
            PATIENT)), encoding="utf-8")
    cli = CliRunner().invoke(main, ["run", str(REFERENCE), "--fhir", str(path), "--format", "json"])
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.stdout)
    bundle_json = read_bundle_text(path.read_text(encoding="utf-8"))
    mapped = bundle_facts(graph, bundle_json)
    # The page words a refusal with the JavaScript facts reader's message: a note is held word for word
    # where the reader's words are not part of it (the same text whatever the reader says).
    coded = bundle_facts(graph, bundle_json, refusal=lambda n, v: facts_reader_refusal(graph, n, v, lambda p: p.code))
    page = tabs.open(page_file)
    browser.load_bundle(page, path)
    assert browser.shown_actions(page) == [action["id"] for action in expected["actions"]]
    assert browser.shown_questions(page) == [question["input"] for question in expected["questions"]]
    assert page.inner_text("#status").startswith("Complete" if expected["status"] == "complete" else "Needs input")
    shown = page.eval_on_selector_all("#bundle-report li", "items => items.map(i => i.textContent)")
    in_page_order = [n for n in mapped.notes if n.outcome != "used"] + [n for n in mapped.notes if n.outcome == "used"]
    assert len(shown) == len(in_page_order)
    for text, note in zip(shown, in_page_order):
        if note in coded.notes:
            assert text == str(note)
        else:
            assert text.startswith(f"{note.outcome} `{note.input}`: {note.resource}: ") and text.endswith("; left unknown")
    unusable = [n for n in mapped.notes if n.outcome != "used"]
    assert page.is_visible("#bundle-problems") == bool(unusable)
    assert page.get_attribute("#bundle-problems", "role") == "alert"
    assert page.is_visible("#bundle-used summary") == (len(unusable) < len(mapped.notes))


@needs_browser
@pytest.mark.skipif(not browser.AXE.exists(), reason="axe-core is not installed (make setup runs `npm ci`)")
def test_the_bundle_report_has_no_serious_accessibility_violation(reference_page, tabs):
    _, page_file = reference_page
    page = tabs.open(page_file, **browser.PHONE_WITHOUT_POLICY)
    browser.load_bundle(page, EXAMPLES / "diabetic_patient.json")
    page.click("#bundle-used summary")
    page.add_script_tag(content=browser.AXE.read_text(encoding="utf-8"))
    # the report only: the rest of the page is test_viewer.py's accessibility test (axe over the chart costs seconds)
    report = page.evaluate(f"axe.run({{include: [['#bundle-report']]}}, {browser.AXE_OPTIONS})")
    assert report["passes"], "axe checked nothing: is the report shown?"
    serious = [f"{v['id']}: {v['help']}" for v in report["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@needs_browser
def test_a_file_that_is_not_a_bundle_is_named_in_an_alert(reference_page, tabs):
    _, page_file = reference_page
    facts_file = ROOT / "examples" / "patients" / "absent_pulse_unilateral.json"
    page = tabs.open(page_file)
    browser.load_facts_file(page, facts_file)
    before = browser.shown_actions(page)
    assert before
    page.set_input_files("#fhir-file", str(facts_file))
    alert = page.locator("#bundle-problems[role=alert]")
    alert.wait_for()
    assert alert.inner_text() == (f"{facts_file.name}: not a FHIR Bundle (`resourceType` must be `Bundle`); "
                                  "no facts were loaded from it.")
    assert browser.shown_actions(page) == before
