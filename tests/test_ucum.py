"""Full UCUM where a unit is written: the grammar takes any unit the UCUM library
parses, temperatures convert exactly with their offsets (or are refused, saying why),
and usual misspellings get a "did you mean"."""

from __future__ import annotations

from fractions import Fraction

import pytest

import carepath
from carepath.api import check_text
from carepath.compiler import units
from carepath.dsl import ast
from carepath.dsl.parser import parse

CLINICAL_UNITS = ["/min", "1/min", "{beats}/min", "10*9/L", "mL/min/{1.73_m2}", "Cel", "[degF]", "mm[Hg]",
                  "kg/m2", "%", "[IU]/L", "10*3/uL", "mmol/L", "mg/dL", "a", "wk", "kPa", "ug/L"]


def guideline(unit: str, low: str, high: str) -> str:
    return f'''guideline g "Units"
  version "1"

reference ref1 "A source" 2025

input x: quantity {unit}

start -> d

decide d "High?" (first) [ref1]
  when x > {high} {unit} -> act
  when x < {low} {unit} -> act
  otherwise -> done

action act "Act" [ref1]
  urgency routine
  then done

end done "Done"
'''


@pytest.mark.parametrize("unit", CLINICAL_UNITS)
def test_every_clinical_unit_parses_compiles_and_runs(unit):
    graph = carepath.compile_text(guideline(unit, "1", "2"), "u.cpath")
    (declared,) = graph.inputs
    assert declared.type.unit == unit
    assert carepath.run(graph, {"x": {"value": 3, "unit": unit}}).actions[0].id == "act"
    assert carepath.run(graph, {"x": {"value": 1.5, "unit": unit}}).actions == ()


def test_a_spaced_slash_after_a_number_is_still_a_division():
    module = parse('guideline g "t"\ndefine half: 60 / 2 > 1\ndefine rate: 60 /min > 1 /min\n')
    half, rate = (item.expr for item in module.items if isinstance(item, ast.DefineDecl))
    assert isinstance(half.left, ast.Binary) and half.left.op == "/"
    assert isinstance(rate.left, ast.QuantityLit) and rate.left.unit == "/min"


def test_temperatures_convert_exactly_with_their_offsets():
    assert units.convert(Fraction("98.6"), "[degF]", "Cel") == 37
    assert units.convert(Fraction(37), "Cel", "[degF]") == Fraction("98.6")
    assert units.convert(Fraction(0), "Cel", "K") == Fraction("273.15")
    assert units.convert(Fraction(-40), "[degF]", "Cel") == -40
    assert units.convert(Fraction("100.4"), "[degF]", "Cel") == 38
    with pytest.raises(units.UnitError, match="different zeros"):
        units.conversion_factor("Cel", "[degF]")
    with pytest.raises(units.UnitError):  # the same size of degree, but not the same zero
        units.conversion_factor("Cel", "K")
    assert units.conversion_factor("K", "K") == 1.0 and not units.conversion_possible_by_factor("Cel", "K")


def test_a_fahrenheit_threshold_on_a_celsius_input_is_exact_at_the_boundary():
    graph = carepath.compile_text(guideline("Cel", "35", "37").replace("x > 37 Cel", "x >= 100.4 [degF]"), "t.cpath")
    assert carepath.run(graph, {"x": {"value": 38, "unit": "Cel"}}).actions[0].id == "act"
    assert carepath.run(graph, {"x": {"value": 100.4, "unit": "[degF]"}}).actions[0].id == "act"
    assert carepath.run(graph, {"x": {"value": 37.99, "unit": "Cel"}}).actions == ()


def test_facts_in_another_temperature_scale_are_converted_and_compounds_refused():
    graph = carepath.compile_text(guideline("Cel", "35", "38"), "t.cpath")
    assert carepath.run(graph, {"x": {"value": 104, "unit": "[degF]"}}).actions[0].id == "act"  # 40 Cel
    with pytest.raises(carepath.FactsError, match="Cel/h"):
        carepath.run(graph, {"x": {"value": 1, "unit": "Cel/h"}})


@pytest.mark.parametrize(("written", "meant"), [
    ("mmHg", "mm[Hg]"), ("bpm", "/min"), ("years", "a"), ("mins", "min"), ("hrs", "h"), ("IU/L", "[IU]/L"),
    ("degC", "Cel"), ("minutes", "min"), ("mEq/L", "meq/L"), ("mcg", "ug"),
])
def test_usual_misspellings_get_the_ucum_code(written, meant):
    assert units.suggest(written) == meant
    (diagnostic,) = [d for d in check_text(guideline(written, "1", "2"), "m.cpath").diagnostics
                     if d.span.line == 6]
    assert diagnostic.code == "CP0203" and diagnostic.hint.startswith(f"did you mean `{meant}`?")


def test_no_suggestion_for_what_is_not_close_to_a_unit():
    assert units.suggest("banana") is None


def test_every_unit_in_the_documented_table_is_ucum_and_its_example_type_checks():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
    table = text.split("Common clinical units, as UCUM writes them:", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]]
    assert len(rows) >= 15
    for _measure, codes, example in rows:
        for code in re.findall(r"`([^`]+)`", codes):
            units.parse_unit(code)
        (written,) = re.findall(r"`([^`]+)`", example)
        name, unit = written.split(" ")[0], written.split(" ", 3)[3]
        source = guideline(unit, "0", "1").replace("input x:", f"input {name}:").replace(
            f"when x > 1 {unit}", f"when {written}").replace("x < 0", f"{name} < 0")
        assert written in source
        assert check_text(source, "table.cpath", verify_logic=False).graph is not None, written
