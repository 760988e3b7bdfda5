"""Scenario outcomes → JUnit XML, the test report format every CI system displays.

One `<testsuite>` per guideline file, one `<testcase>` per scenario (classname the
guideline id, name the scenario's title, `file` and `line` where it is written). A
failed expectation is a `<failure>` whose message is the first failure and whose
text holds every failure, the path taken and the actions found; facts that do not
fit the inputs are an `<error>`, and so is a file that does not compile (one
testcase, `compiles`, whose text lists the diagnostics). The attributes are the
ones GitLab, Jenkins and GitHub test-report actions read.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from attrs import frozen

from carepath.compiler import ir
from carepath.targets.runtime.scenarios import ScenarioOutcome


@frozen
class Suite:
    """One guideline file: its scenarios' outcomes, or why it could not be tested."""

    file: str
    graph: ir.Graph | None
    outcomes: tuple[ScenarioOutcome, ...]
    problem: str | None = None  # e.g. the file does not compile
    detail: str = ""  # the problem in full, e.g. its diagnostics


def junit_xml(suites: Sequence[Suite]) -> str:
    root = ET.Element("testsuites", name="carepath test")
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for suite in suites:
        failures = sum(1 for o in suite.outcomes if o.failures)
        errors = sum(1 for o in suite.outcomes if o.facts_error is not None) + (suite.problem is not None)
        tests = len(suite.outcomes) + (suite.problem is not None)
        seconds = sum(o.seconds for o in suite.outcomes)
        element = ET.SubElement(root, "testsuite", name=suite.file, tests=str(tests),
                                failures=str(failures), errors=str(errors), skipped="0", time=_seconds(seconds))
        if suite.problem is not None:
            case = ET.SubElement(element, "testcase", classname=suite.file, name="compiles", time=_seconds(0),
                                 file=suite.file)
            error = ET.SubElement(case, "error", message=suite.problem, type="CompileError")
            error.text = suite.detail or None
        for outcome in suite.outcomes:
            _testcase(element, suite, outcome)
        totals["tests"] += tests
        totals["failures"] += failures
        totals["errors"] += errors
        totals["time"] += seconds
    for key in ("tests", "failures", "errors"):
        root.set(key, str(totals[key]))
    root.set("time", _seconds(totals["time"]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _testcase(parent: ET.Element, suite: Suite, outcome: ScenarioOutcome) -> None:
    span = outcome.scenario.span
    attributes = {"classname": suite.graph.id, "name": outcome.scenario.name, "time": _seconds(outcome.seconds),
                  "file": suite.file}
    if span.line:
        attributes["line"] = str(span.line)
    case = ET.SubElement(parent, "testcase", attributes)
    if outcome.passed:
        return
    tag = "error" if outcome.facts_error is not None else "failure"
    problem = ET.SubElement(case, tag, message=outcome.summary(), type="FactsError" if tag == "error" else "ExpectationFailed")
    problem.text = "\n".join(outcome.details())


def _seconds(seconds: float) -> str:
    return f"{seconds:.6f}"
