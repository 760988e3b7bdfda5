"""The review's probes, end to end: what `check` proves is what `run` does (issue "One semantics").

Each was reproduced before the number model was made exact: the verifier computed
over rationals, the runtimes over binary floats, so `check` proved a property that
`run` then broke.
"""

from __future__ import annotations

from carepath import compile_text, run
from carepath.api import check_text

SUM_PROBE = """guideline probe "Probe"
reference r "R"
input a: number
input b: number
start -> d
decide d "D" (first) [r]
  when a + b > 0.3 -> x
  when a + b <= 0.3 -> y
action x "X" [r]
  urgency routine
  then done
action y "Y" [r]
  urgency routine
  then done
end done "Done"
assert "0.1 + 0.2 is 0.3" [r]
  always a = 0.1 and b = 0.2 implies reaches y
"""

UNITS_PROBE = """guideline units "Units"
reference r "R"
input symptom_duration: quantity d
input window: quantity wk
start -> d
decide d "D" (first) [r]
  when window = symptom_duration -> same
  otherwise -> other
action same "Same" [r]
  urgency routine
  then done
action other "Other" [r]
  urgency routine
  then done
end done "Done"
assert "7 d is 1 wk, read either way" [r]
  always (symptom_duration >= window) = (window <= symptom_duration)
"""


def test_what_check_proves_about_decimal_sums_run_does():
    assert [d for d in check_text(SUM_PROBE, "probe.cpath").diagnostics if d.is_error] == []
    result = run(compile_text(SUM_PROBE, "probe.cpath"), {"a": 0.1, "b": 0.2})
    assert result.path == ("start", "d", "y", "done")


def test_two_minus_one_point_one_is_at_least_nine_tenths():
    text = SUM_PROBE.split("assert")[0].replace("a + b > 0.3", "a - b < 0.9").replace("a + b <= 0.3", "a - b >= 0.9")
    assert run(compile_text(text, "probe.cpath"), {"a": 2, "b": 1.1}).path == ("start", "d", "y", "done")


def test_one_week_is_seven_days_whichever_side_and_whichever_unit_the_facts_use():
    assert [d for d in check_text(UNITS_PROBE, "units.cpath").diagnostics if d.is_error] == []
    graph = compile_text(UNITS_PROBE, "units.cpath")
    for facts in ({"symptom_duration": 7, "window": 1},
                  {"symptom_duration": {"value": 1, "unit": "wk"}, "window": {"value": 7, "unit": "d"}},
                  {"symptom_duration": {"value": 168, "unit": "h"}, "window": {"value": 10080, "unit": "min"}}):
        assert "same" in run(graph, facts).path, facts
