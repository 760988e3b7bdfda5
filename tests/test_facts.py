"""Facts files: every kind of bad value is reported with its JSON path, all at once;
quantities in other units are converted before anything runs."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carepath import compile_text
from carepath.targets.runtime.execute import execute
from carepath.targets.runtime.facts import FactsError, parse_facts, read_facts_text
from tests.conftest import guideline

UNITS = guideline("""
    reference r1 "Source" 2025
    input since_infection: quantity wk
    input conservative: quantity wk
    input toe_pressure: quantity mm[Hg] from 0 to 300
    input hba1c: quantity %
    input abi: number from 0 to 2
    input pulses: one of present, diminished, absent
    input smoker: boolean
    start -> check
    decide check "Check" (any) [r1]
      when since_infection <= 6 wk -> gbs
      when conservative > 1 mo -> mri
      when toe_pressure <= 30 mm[Hg] -> revasc
      when hba1c >= 6.5 % or abi <= 0.9 or pulses = absent or smoker -> other
      otherwise -> done
    action gbs "GBS window" [r1]
      urgency emergent
      then done
    action mri "MRI" [r1]
      urgency routine
      then done
    action revasc "Revascularization" [r1]
      urgency urgent
      then done
    action other "Other" [r1]
      urgency routine
      then done
    end done "Done"
""")


@pytest.fixture(scope="module")
def graph():
    return _GRAPH


def problems(graph, data):
    with pytest.raises(FactsError) as caught:
        parse_facts(graph, data)
    return [(p.code, p.path) for p in caught.value.problems], caught.value


def test_quantities_are_converted_into_the_declared_unit(graph):
    facts = parse_facts(graph, {"since_infection": {"value": 21, "unit": "d"},
                                "toe_pressure": {"value": 3.5, "unit": "kPa"}, "hba1c": 7.1})
    assert facts.values["since_infection"] == 3  # exactly: 1 wk is 7 d
    assert facts.values["toe_pressure"] == Fraction("3.5") * 1000 / Fraction("133.3220")  # UCUM: mm[Hg] = 133.3220 Pa
    assert facts.values["hba1c"] == Fraction("7.1")  # the decimal written, not the nearest binary float


def test_facts_text_is_read_exactly(graph):
    facts = read_facts_text(graph, '{"hba1c": 7.1, "toe_pressure": {"value": 0.1, "unit": "kPa"}}')
    assert facts.values["hba1c"] == Fraction(71, 10)
    assert facts.values["toe_pressure"] == Fraction(100) / Fraction("133.3220")


def test_converted_facts_decide_like_facts_in_the_declared_unit(graph):
    def actions(**facts):
        base = {"abi": 1.0, "pulses": "present", "smoker": False, "hba1c": 5.0}
        return execute(graph, parse_facts(graph, {**base, **facts}).values).action_ids()

    assert "gbs" in actions(since_infection={"value": 21, "unit": "d"})  # 21 d = 3 wk <= 6 wk
    assert "gbs" in actions(since_infection={"value": 42, "unit": "d"})  # exactly 6 wk
    assert "gbs" not in actions(since_infection={"value": 43, "unit": "d"})
    assert "revasc" in actions(toe_pressure={"value": 3.5, "unit": "kPa"})  # 26.25 mm[Hg] <= 30
    assert "revasc" not in actions(toe_pressure={"value": 4.5, "unit": "kPa"})  # 33.75 mm[Hg]
    assert "mri" not in actions(conservative={"value": 28, "unit": "d"})  # 28 d is not more than 1 mo
    assert "mri" in actions(conservative={"value": 31, "unit": "d"})
    assert "mri" in actions(conservative=5)  # 5 wk, a bare number in the declared unit


def test_null_and_missing_are_unknown_never_false(graph):
    facts = parse_facts(graph, {"smoker": None, "abi": 1.0})
    assert "smoker" not in facts.values
    result = execute(graph, facts.values)
    assert result.status == "needs_input" and "smoker" in result.needs


def test_every_problem_is_reported_at_once_with_its_json_path(graph):
    found, error = problems(graph, {
        "abi": "low",
        "pulse": "absent",
        "pulses": "weak",
        "smoker": "yes",
        "toe_pressure": 400,
        "since_infection": {"value": 3, "unit": "mg"},
        "conservative": {"value": "5", "unit": "wk", "note": 1},
        "hba1c": {"value": 58, "unit": "mmol/mol"},
    })
    assert found == [
        ("CP0603", "$.abi"),
        ("CP0602", "$.pulse"),
        ("CP0604", "$.pulses"),
        ("CP0603", "$.smoker"),
        ("CP0605", "$.toe_pressure"),
        ("CP0606", "$.since_infection.unit"),
        ("CP0603", "$.conservative.note"),
        ("CP0603", "$.conservative.value"),
        ("CP0606", "$.hba1c.unit"),
    ]
    by_path = {p.path: p for p in error.problems}
    assert "did you mean `pulses`" in by_path["$.pulse"].hint
    assert "present, diminished, absent" in by_path["$.pulses"].message
    assert "did you mean `diminished`" not in (by_path["$.pulses"].hint or "")  # `weak` is not close
    assert "from 0 mm[Hg] to 300 mm[Hg]" in by_path["$.toe_pressure"].message
    assert "abi" in str(error) and "low" in str(error)


def test_a_converted_value_out_of_range_shows_both_units(graph):
    _, error = problems(graph, {"toe_pressure": {"value": 50, "unit": "kPa"}})
    assert "50 kPa (= ≈375.032 mm[Hg])" in error.problems[0].message


def test_a_close_enum_member_is_suggested(graph):
    _, error = problems(graph, {"pulses": "absnt"})
    assert error.problems[0].hint == "did you mean `absent`?"


@pytest.mark.parametrize("text", ["[1, 2]", '"abi"', "3", "null"])
def test_a_facts_file_must_be_an_object(graph, text):
    with pytest.raises(FactsError) as caught:
        read_facts_text(graph, text)
    assert [p.code for p in caught.value.problems] == ["CP0601"]


@pytest.mark.parametrize(("text", "path"), [('{"abi": 0.8', "$"), ('{"abi": NaN}', "$.abi"),
                                            ('{"abi": Infinity}', "$.abi"), ("", "$"),
                                            ('{"abi": 1, "abi": 2}', "$.abi"), ('{"abi": 1e400}', "$.abi"),
                                            ('{"abi": ' + "9" * 400 + "}", "$.abi"), ("[" * 100_000, "$")])
def test_malformed_json_is_one_problem_with_its_place(graph, text, path):
    with pytest.raises(FactsError) as caught:
        read_facts_text(graph, text)
    problem, = caught.value.problems
    assert problem.code == "CP0601" and problem.path == path


def test_booleans_are_not_numbers_and_numbers_are_not_booleans(graph):
    found, _ = problems(graph, {"abi": True, "smoker": 1, "pulses": 2})
    assert found == [("CP0603", "$.abi"), ("CP0603", "$.smoker"), ("CP0603", "$.pulses")]


def test_unknown_unit_code(graph):
    found, error = problems(graph, {"since_infection": {"value": 3, "unit": "weeks"}})
    assert found == [("CP0606", "$.since_infection.unit")]
    assert "wk" in error.problems[0].hint


@given(st.floats(0, 1000, allow_subnormal=False), st.sampled_from([("d", 1 / 7), ("h", 1 / 168), ("wk", 1.0)]))
def test_property_quantities_given_in_other_time_units_are_scaled(value, unit_and_factor):
    unit, factor = unit_and_factor
    facts = parse_facts(_GRAPH, {"since_infection": {"value": value, "unit": unit}})
    assert facts.values["since_infection"] == pytest.approx(value * factor, rel=1e-9, abs=1e-12)


_GRAPH = compile_text(UNITS, "t.cpath")
