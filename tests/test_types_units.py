"""Types and units: what compiles, what is refused, and how literals are converted."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from carepath.compiler import ir, units
from tests.conftest import guideline


def decide(guard: str, inputs: str) -> str:
    return guideline(
        f"""
        reference ref1 "Source" 2025
        {inputs}
        start -> triage
        decide triage "Triage" (first) [ref1]
          when {guard} -> act
          otherwise -> done
        action act "Act" [ref1]
          urgency routine
          then done
        end done "Done"
        """
    )


def guard_of(graph: ir.Graph) -> ir.Expr:
    return next(e.guard for e in graph.edges if e.source == "triage" and e.guard is not None)


def test_commensurable_quantity_literal_is_converted_into_the_inputs_unit(compile_ok):
    graph = compile_ok(decide("t <= 21 d", "input t: quantity wk"))
    assert guard_of(graph) == ir.Compare("<=", ir.InputRef("t"), ir.Literal(Fraction(3), "wk", "21 d"))


@pytest.mark.parametrize(("written", "declared", "exact"), [("1 d", "wk", Fraction(1, 7)), ("1 wk", "d", 7),
                                                            ("1 d", "h", 24), ("1 h", "min", 60), ("1 min", "s", 60)])
def test_unit_conversion_is_exact(compile_ok, written, declared, exact):
    graph = compile_ok(decide(f"t <= {written}", f"input t: quantity {declared}"))
    assert guard_of(graph).right.value == exact


def test_pressure_in_kpa_is_converted_to_mm_hg(compile_ok):
    graph = compile_ok(decide("p <= 4 kPa", "input p: quantity mm[Hg]"))
    literal = guard_of(graph).right
    assert literal.unit == "mm[Hg]" and literal.value == Fraction(4000, 133322) * 1000  # 4 kPa, mm[Hg] = 133.3220 Pa exactly (UCUM)
    assert literal.text == "4 kPa"  # what the author wrote, for every printer


def test_two_quantity_inputs_in_different_units_meet_through_a_factor(compile_ok):
    graph = compile_ok(decide("a > b", "input a: quantity d\ninput b: quantity wk"))
    assert guard_of(graph) == ir.Compare(">", ir.InputRef("a"), ir.Convert(ir.InputRef("b"), "d", Fraction(7)))


def test_implies_and_chains_are_lowered(compile_ok):
    graph = compile_ok(decide("x implies y and z and w", "input x: boolean\ninput y: boolean\ninput z: boolean\ninput w: boolean"))
    assert guard_of(graph) == ir.Or(
        (ir.Not(ir.InputRef("x")), ir.And((ir.InputRef("y"), ir.InputRef("z"), ir.InputRef("w"))))
    )


def test_count_and_weighted_sum_lower_to_condition_sums(compile_ok):
    graph = compile_ok(decide("count(x, y) + sum(2 if x) >= 2", "input x: boolean\ninput y: boolean"))
    left = guard_of(graph).left
    assert left == ir.Arithmetic(
        "+",
        ir.ConditionSum((ir.Term(Fraction(1), ir.InputRef("x"), "1"), ir.Term(Fraction(1), ir.InputRef("y"), "1"))),
        ir.ConditionSum((ir.Term(Fraction(2), ir.InputRef("x"), "2"),)),
    )


def test_enum_members_become_literals(compile_ok):
    graph = compile_ok(decide("p = absent or p in {diminished}", "input p: one of present, diminished, absent"))
    assert guard_of(graph) == ir.Or(
        (
            ir.Compare("=", ir.InputRef("p"), ir.Literal("absent")),
            ir.Membership(ir.InputRef("p"), (ir.Literal("diminished"),)),
        )
    )


def test_define_type_is_recorded(compile_ok):
    text = decide("pad", "input abi: number from 0 to 2\ndefine pad: abi <= 0.90")
    graph = compile_ok(text)
    (define,) = graph.defines
    assert define == ir.Define("pad", ir.Compare("<=", ir.InputRef("abi"), ir.Literal(Fraction("0.9"), text="0.90")), ir.BooleanType())


@pytest.mark.parametrize(
    "guard, inputs, code",
    [
        ("h > 7 mg", "input h: quantity %", "CP0202"),
        ("h >= 48 mmol/mol", "input h: quantity %", "CP0202"),
        ("age >= 65", "input age: quantity a", "CP0202"),
        ("abi <= 0.9 wk", "input abi: number", "CP0202"),
        ("t <= 6 weeks", "input t: quantity wk", "CP0203"),
        ("x > 1", "input x: boolean", "CP0201"),
        ("p < absent", "input p: one of present, absent", "CP0201"),
        ("p = missing", "input p: one of present, absent\ninput q: one of missing, here", "CP0106"),
        ("p in {present} and q", "input p: number\ninput q: boolean", "CP0201"),
        ("abi", "input abi: number", "CP0204"),
        ("not abi", "input abi: number", "CP0201"),
        ("count(abi) > 1", "input abi: number", "CP0201"),
        ("a * b > 1 mg", "input a: quantity mg\ninput b: quantity mg", "CP0202"),
    ],
)
def test_type_and_unit_errors(diagnostics, guard, inputs, code):
    found = diagnostics(decide(guard, inputs))
    assert code in [c for c, _, _ in found], found


def test_a_percent_against_mg_is_a_unit_error_naming_both(diagnostics):
    (found,) = diagnostics(decide("hba1c > 7 mg", "input hba1c: quantity %"))
    assert found == ("CP0202", 6, "`%` cannot be compared with `mg`")


def test_unknown_names_and_unit_errors_are_reported_together(diagnostics):
    found = diagnostics(decide("hba1c > 7 mg or abi_typo < 1", "input hba1c: quantity %\ninput abi: number"))
    assert {c for c, _, _ in found} == {"CP0202", "CP0101"}


def test_empty_range_is_refused(diagnostics):
    found = diagnostics(decide("abi < 1", "input abi: number from 2 to 0"))
    assert ("CP0206", 3) in [(c, line) for c, line, _ in found]


# --- the units module -----------------------------------------------------------------------


def test_conversions_from_the_vocabulary():
    assert units.convert(21, "d", "wk") == 3
    assert units.convert(42, "d", "wk") == 6
    assert units.convert(3.5, "kPa", "mm[Hg]") == pytest.approx(26.2522, abs=1e-4)
    assert units.convert(28, "d", "mo") < 1  # 28 days is not more than a month
    assert units.convert(1, "mo", "d") == pytest.approx(30.4375)


def test_different_dimensionless_units_are_not_commensurable():
    assert not units.commensurable("%", "mmol/mol")
    assert not units.commensurable("%", "1")
    assert units.commensurable("%", "%")
    with pytest.raises(units.UnitError):
        units.convert(58, "mmol/mol", "%")


def test_unknown_unit_is_a_unit_error():
    with pytest.raises(units.UnitError):
        units.parse_unit("furlongs_per_fortnight")


@given(st.floats(0.001, 1e6), st.sampled_from([("d", "wk"), ("mm[Hg]", "kPa"), ("mg/dL", "g/L"), ("min", "h")]))
def test_conversion_round_trips(value, pair):
    source, target = pair
    back = units.convert(units.convert(value, source, target), target, source)
    assert back == pytest.approx(value, rel=1e-9)
