"""Scenarios: expectations checked against real runs, failures explained, coverage, JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import attrs
import pytest

from carepath import compile_text
from carepath.compiler import ir
from carepath.targets.runtime.junit import Suite, junit_xml
from carepath.targets.runtime.scenarios import coverage, run_scenarios
from tests.runtime_guidelines import VASCULAR

SCENARIOS = '''
scenario "absent pulse, one leg"
  given pulses = absent, unilateral = true, smoker = false, diabetic = false, relief = 300 s
  expect first consult
  expect first urgency emergent
  expect exercise
  expect no workup
  expect status complete
scenario "abi missing"
  given pulses = present, unilateral = false
  expect status needs_input
  expect needs abi
  expect no needs smoker
scenario "wrong on purpose"
  given pulses = present, abi = 1.1, smoker = true, diabetic = false, relief = 30 min
  expect first consult
  expect workup
  expect status needs_input
  expect needs abi
'''


@pytest.fixture(scope="module")
def graph():
    return compile_text(VASCULAR + SCENARIOS, "vascular.cpath")


def test_passing_scenarios_pass_and_units_in_given_are_converted(graph):
    outcomes = run_scenarios(graph)
    assert [o.passed for o in outcomes] == [True, True, False]
    assert outcomes[0].result.actions[-2].because[-1] == "relief ≤ 10 min (relief = 5 min)"


def test_a_failure_says_expected_vs_actual_with_the_path_and_source_lines(graph):
    failed = run_scenarios(graph)[2]
    messages = [str(f) for f in failed.failures]
    assert messages == [
        "expected consult as the first action, but the first action is quit (routine) (vascular.cpath:64)",
        "expected to reach workup, but workup is not on the path (vascular.cpath:65)",
        "expected status needs_input, but the status is complete (vascular.cpath:66)",
        "expected the run to need abi, but the run needs nothing (vascular.cpath:67)",
    ]
    details = "\n".join(failed.details())
    assert "scenario 'wrong on purpose' at vascular.cpath:62" in details
    assert "path: start → triage → streams → quit → followup → done" in details
    assert failed.summary().endswith("(and 3 more)")


def test_coverage_lists_what_no_scenario_reaches(graph):
    measured = coverage(graph, [o.result for o in run_scenarios(graph)])
    assert {n.id for n in measured.uncovered_nodes} == {"workup", "severity", "revasc", "glucose"}
    uncovered = {(b.decision, b.branch, b.when) for b in measured.uncovered_branches}
    assert uncovered == {
        ("triage", 1, "pad or pulses = diminished"),
        ("severity", 0, "abi < 0.5"),
        ("severity", 1, "abi ≥ 0.5"),
        ("streams", 1, "diabetic"),
        ("streams", 3, "otherwise"),
    }
    assert measured.nodes_total == len(graph.nodes) and measured.branches_total == 9
    assert measured.branch_percent == pytest.approx(100 * 4 / 9)
    assert measured.percent == min(measured.node_percent, measured.branch_percent)
    assert all(b.span.line > 0 for b in measured.uncovered_branches)


def test_full_coverage_is_100_percent(graph):
    from carepath.targets.runtime.execute import execute

    patients = [
        {"pulses": "absent", "unilateral": True, "smoker": True, "diabetic": True, "relief": 5},
        {"pulses": "diminished", "abi": 0.3, "smoker": False, "diabetic": False, "relief": 30},
        {"pulses": "diminished", "abi": 0.7, "smoker": False, "diabetic": False, "relief": 30},
        {"pulses": "present", "abi": 1.1, "smoker": False, "diabetic": False, "relief": 30},
    ]
    measured = coverage(graph, [execute(graph, p) for p in patients])
    assert measured.percent == 100.0 and not measured.uncovered_nodes and not measured.uncovered_branches


def test_scenario_facts_that_do_not_fit_are_an_error_not_a_crash(graph):
    bad = ir.Scenario("bad units", (ir.Fact("relief", ir.Literal(3.0, "mg")),),
                      (ir.Expectation(ir.ExpectationKind.STATUS, "complete"),))
    outcome, = run_scenarios(attrs.evolve(graph, scenarios=(bad,)))
    assert not outcome.passed and outcome.result is None
    assert outcome.facts_error.problems[0].code == "CP0606"


def test_junit_xml_has_a_suite_per_file_and_a_case_per_scenario(graph):
    outcomes = run_scenarios(graph)
    bad = ir.Scenario("bad units", (ir.Fact("relief", ir.Literal(3.0, "mg")),), ())
    error_outcomes = run_scenarios(attrs.evolve(graph, scenarios=(bad,)))
    text = junit_xml([Suite("vascular.cpath", graph, outcomes), Suite("other.cpath", graph, error_outcomes)])
    root = ET.fromstring(text)
    assert root.tag == "testsuites" and root.get("tests") == "4"
    assert (root.get("failures"), root.get("errors")) == ("1", "1")
    first, second = root.findall("testsuite")
    assert first.get("name") == "vascular.cpath" and first.get("tests") == "3" and first.get("failures") == "1"
    cases = first.findall("testcase")
    assert [c.get("name") for c in cases] == ["absent pulse, one leg", "abi missing", "wrong on purpose"]
    assert cases[0].get("classname") == "prop" and cases[0].get("line") == "50"
    assert cases[0].find("failure") is None
    failure = cases[2].find("failure")
    assert failure.get("message").startswith("expected consult as the first action")
    assert "path: start → triage" in failure.text
    assert second.find("testcase/error").get("type") == "FactsError"
