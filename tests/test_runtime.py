"""The runtime against docs/semantics.md: Kleene tables, hit policies, pending and needs,
action order and de-duplication, reasons, trace, and properties over random patients."""

from __future__ import annotations

import functools
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carepath import compile_text, run
from carepath.compiler import ir
from carepath.compiler.printer import number_display
from carepath.targets.runtime.execute import execute, plan_for
from carepath.compiler.semantics import Num
from carepath.targets.runtime.expressions import Compiler, Env
from tests.runtime_guidelines import VASCULAR, any_guideline, policy_guideline

T, F, U = True, False, None


@functools.cache
def graph_of(text: str) -> ir.Graph:
    return compile_text(text, "t.cpath")


def evaluate(expr: ir.Expr, **facts) -> bool | float | str | None:
    graph = ir.Graph("g", "G", "1", inputs=(), defines=(), references=(), sections=(), nodes=())
    known = {name: value for name, value in facts.items() if value is not None}
    return Compiler(graph).compile(expr)(Env(known))


A, B = ir.InputRef("a"), ir.InputRef("b")

# Kleene's strong three-valued logic, written out rather than computed.
AND_TABLE = {(T, T): T, (T, F): F, (T, U): U, (F, T): F, (F, F): F, (F, U): F, (U, T): U, (U, F): F, (U, U): U}
OR_TABLE = {(T, T): T, (T, F): T, (T, U): T, (F, T): T, (F, F): F, (F, U): U, (U, T): T, (U, F): U, (U, U): U}
NOT_TABLE = {T: F, F: T, U: U}


@pytest.mark.parametrize(("a", "b"), list(AND_TABLE))
def test_and_truth_table(a, b):
    assert evaluate(ir.And((A, B)), a=a, b=b) is AND_TABLE[a, b]


@pytest.mark.parametrize(("a", "b"), list(OR_TABLE))
def test_or_truth_table(a, b):
    assert evaluate(ir.Or((A, B)), a=a, b=b) is OR_TABLE[a, b]


@pytest.mark.parametrize("a", list(NOT_TABLE))
def test_not_truth_table(a):
    assert evaluate(ir.Not(A), a=a) is NOT_TABLE[a]


def test_unknown_propagates_through_comparison_arithmetic_membership_and_sums():
    x = ir.InputRef("x")
    nine_tenths = ir.Literal(Fraction("0.9"))
    assert evaluate(ir.Compare("<=", x, nine_tenths), x=None) is None
    assert evaluate(ir.Compare("<=", x, nine_tenths), x=Fraction("0.9")) is True
    assert evaluate(ir.Arithmetic("/", ir.Literal(Fraction(1)), x), x=0) is None  # division by zero
    assert evaluate(ir.Membership(x, (ir.Literal("a"), ir.Literal("b"))), x=None) is None
    assert evaluate(ir.Membership(x, (ir.Literal("a"), ir.Literal("b"))), x="b") is True
    total = ir.ConditionSum((ir.Term(Fraction(2), A), ir.Term(Fraction(1), B)))
    assert evaluate(total, a=True, b=False) == 2
    assert evaluate(total, a=True, b=None) == Num(2, 3, True)  # between bounds, never a guess
    assert evaluate(total, a=None, b=None) == Num(0, 3, True)


@pytest.mark.parametrize(("op", "threshold", "expected"), [(">=", 2, True), (">=", 3, None), (">", 3, False),
                                                            ("<", 2, False), ("=", 4, False), ("!=", 4, True)])
def test_a_sum_whose_known_terms_decide_its_comparison_is_decided(op, threshold, expected):
    total = ir.ConditionSum((ir.Term(Fraction(2), A), ir.Term(Fraction(1), B)))
    assert evaluate(ir.Compare(op, total, ir.Literal(Fraction(threshold))), a=True, b=None) is expected


def test_exact_numbers():
    x, y = ir.InputRef("x"), ir.InputRef("y")
    point_three = ir.Literal(Fraction("0.3"))
    assert evaluate(ir.Compare(">", ir.Arithmetic("+", x, y), point_three), x=Fraction("0.1"), y=Fraction("0.2")) is False
    assert evaluate(ir.Compare("=", ir.Arithmetic("+", x, y), point_three), x=Fraction("0.1"), y=Fraction("0.2")) is True
    assert evaluate(ir.Compare(">=", ir.Arithmetic("-", ir.Literal(Fraction(2)), x), ir.Literal(Fraction("0.9"))),
                    x=Fraction("1.1")) is True
    third = ir.Arithmetic("/", ir.Literal(Fraction(1)), ir.Literal(Fraction(3)))
    assert evaluate(ir.Compare("=", ir.Arithmetic("*", third, ir.Literal(Fraction(3))), ir.Literal(Fraction(1)))) is True


def test_known_is_never_unknown():
    assert evaluate(ir.Known("a"), a=None) is False
    assert evaluate(ir.Known("a"), a=False) is True


def test_a_define_is_evaluated_once_per_run():
    compiler = Compiler(graph_of(VASCULAR))
    real = compiler.define("pad")
    calls = []
    compiler.define_evaluators["pad"] = lambda env: calls.append(1) or real(env)
    twice = compiler.compile(ir.And((ir.DefineRef("pad"), ir.DefineRef("pad"))))
    assert twice(Env({"abi": 0.5})) is True
    assert calls == [1]


# --- hit policies ----------------------------------------------------------------------------


def outcome(policy: str, **facts):
    result = run(graph_of(policy_guideline(policy)), facts)
    return result.status, result.action_ids(), result.needs


@pytest.mark.parametrize("policy", ["first", "unique", "any"])
def test_known_guards_fire_the_holding_branch_or_otherwise(policy):
    assert outcome(policy, kind="p", flag=False) == ("complete", ("on_p",), ())
    assert outcome(policy, kind="q", flag=True) == ("complete", ("on_q",), ())
    assert outcome(policy, kind="r", flag=True) == ("complete", ("fallback",), ())


def test_first_stops_at_an_unknown_guard_before_any_true_one():
    assert outcome("first", kind=None, flag=True) == ("needs_input", (), ("kind",))
    # kind = q is known; the second guard is unknown through flag alone
    assert outcome("first", kind="q") == ("needs_input", (), ("flag",))


def test_first_fires_a_true_guard_met_before_the_unknown_one():
    assert outcome("first", kind="p") == ("complete", ("on_p",), ())


def test_unique_fires_a_true_guard_even_after_an_unknown_one():
    graph = graph_of(policy_guideline("unique"))
    result = run(graph, {"kind": "q", "flag": True})
    assert result.action_ids() == ("on_q",)
    assert outcome("unique", kind="q") == ("needs_input", (), ("flag",))
    assert outcome("unique", kind=None, flag=True) == ("needs_input", (), ("kind",))


def test_unique_with_every_guard_unknown_needs_every_input_read():
    assert outcome("unique") == ("needs_input", (), ("kind", "flag"))


def test_any_fires_every_true_branch_and_stays_pending_on_an_unknown_one():
    graph = graph_of(any_guideline())
    both = run(graph, {"a": True, "b": True})
    assert both.action_ids() == ("on_b", "on_a") and both.complete
    held_back = run(graph, {"a": True})
    assert held_back.action_ids() == ("on_a",)  # the known branch fires all the same
    assert (held_back.status, held_back.needs) == ("needs_input", ("b",))
    nothing = run(graph, {"a": False, "b": False})
    assert nothing.action_ids() == ("fallback",)
    assert run(graph, {"a": False}).action_ids() == ()  # otherwise waits for b


def test_any_ignores_an_unknown_branch_that_could_not_change_the_outcome():
    text = any_guideline().replace("when b -> on_b", "when b -> on_b\n  when c -> on_a").replace(
        "input b: boolean", "input b: boolean\ninput c: boolean")
    graph = graph_of(text)
    result = run(graph, {"a": True, "b": False})  # c unknown, but it only leads to on_a, already reached
    assert (result.status, result.needs, result.action_ids()) == ("complete", (), ("on_a",))
    still_open = run(graph, {"a": False, "b": False})  # here c decides whether on_a or the fallback
    assert (still_open.status, still_open.needs) == ("needs_input", ("c",))


# --- result shape ----------------------------------------------------------------------------


def test_actions_are_ordered_by_urgency_then_graph_order_and_appear_once():
    graph = graph_of(VASCULAR)
    result = run(graph, {"pulses": "absent", "unilateral": True, "smoker": True, "diabetic": True,
                         "relief": 5})
    assert result.action_ids() == ("consult", "quit", "glucose", "exercise", "followup")
    assert [a.urgency for a in result.actions][:2] == ["emergent", "routine"]
    assert result.path == ("start", "triage", "consult", "streams", "quit", "glucose", "exercise", "followup",
                           "done")


def test_reasons_name_the_guards_that_held_with_the_patients_values_and_units():
    graph = graph_of(VASCULAR)
    result = run(graph, {"pulses": "absent", "unilateral": True, "relief": {"value": 300, "unit": "s"},
                         "smoker": False, "diabetic": False})
    by_id = {a.id: a for a in result.actions}
    assert by_id["consult"].because == ("pulses = absent", "unilateral")
    assert by_id["exercise"].because == ("pulses = absent", "unilateral", "relief ≤ 10 min (relief = 5 min)")
    assert by_id["consult"].timing == "within 6 h"
    low = run(graph, {"pulses": "present", "abi": 0.85, "smoker": False, "diabetic": False, "relief": 30})
    assert {a.id: a for a in low.actions}["workup"].because == ("pad: abi ≤ 0.90 (abi = 0.85)",)


def test_trace_lists_each_evaluated_guard_with_its_value():
    graph = graph_of(VASCULAR)
    result = run(graph, {"pulses": "present", "abi": 1.1})
    triage = result.trace[0]
    assert triage.decision == "triage"
    assert [(g.branch, g.when, g.value) for g in triage.guards] == [
        (0, "pulses = absent and unilateral", "false"),
        (1, "pad or pulses = diminished", "false"),
    ]
    assert triage.fired == (2,)  # otherwise
    streams = result.trace[1]
    assert streams.pending and streams.needs == ("relief", "smoker", "diabetic")
    assert [g.value for g in streams.guards] == ["unknown"] * 3
    assert result.needs == ("relief", "smoker", "diabetic")  # declaration order


def test_json_contract_fields():
    result = run(graph_of(VASCULAR), {"pulses": "absent", "unilateral": True, "smoker": True})
    data = result.to_json()
    assert list(data) == ["guideline", "version", "status", "actions", "needs", "questions", "path"]
    assert list(data["actions"][0]) == ["id", "urgency", "title", "timing", "citations", "because"]
    assert list(data["actions"][1]) == ["id", "urgency", "title", "citations", "because"]  # quit: no timing
    assert "trace" in result.to_json(trace=True)


def test_the_run_plan_is_built_once_per_graph_and_kept_on_it():
    graph = compile_text(VASCULAR, "t.cpath")
    assert plan_for(graph) is plan_for(graph)
    assert graph.derived["runtime.plan"] is plan_for(graph)  # kept on the graph, gone with it
    copy = attrs.evolve(graph)  # an equal graph, another object (compiling again returns the same one)
    assert copy == graph and plan_for(copy) is not plan_for(graph)


@pytest.mark.parametrize(("value", "text"), [(Fraction(9, 10), "0.9"), (42, "42"), (Fraction(1, 7), "≈0.142857"),
                                             (Fraction("26.25"), "26.25"), (-3, "-3"), (1234567, "1234567")])
def test_number_format_of_reasons(value, text):
    assert number_display(value) == text


# --- properties over random patients ---------------------------------------------------------

PULSES = st.sampled_from(["present", "diminished", "absent"])
PATIENT = st.fixed_dictionaries({}, optional={
    "pulses": PULSES, "unilateral": st.booleans(), "abi": st.floats(0, 2), "relief": st.floats(0, 120),
    "smoker": st.booleans(), "diabetic": st.booleans(),
})


@given(PATIENT)
def test_property_result_is_well_formed(facts):
    graph = graph_of(VASCULAR)
    result = execute(graph, facts)
    order = {n.id: i for i, n in enumerate(graph.nodes)}
    ranks = [(ir.Urgency(a.urgency).rank, order[a.id]) for a in result.actions]
    assert ranks == sorted(ranks) and len(set(result.action_ids())) == len(result.actions)
    assert set(result.action_ids()) <= set(result.path)
    assert result.path[0] == "start" and [order[n] for n in result.path] == sorted(order[n] for n in result.path)
    assert (result.status == "complete") == (not result.needs)  # no division in this guideline
    assert set(result.needs).isdisjoint(facts)


@given(PATIENT, PATIENT)
def test_property_adding_facts_never_removes_an_action_and_a_complete_run_is_final(facts, more):
    # Holds for a verified guideline without `known`: Kleene logic is monotone in information.
    graph = graph_of(VASCULAR)
    before = execute(graph, facts)
    after = execute(graph, {**more, **facts})
    assert set(before.action_ids()) <= set(after.action_ids())
    assert set(before.path) <= set(after.path)
    if before.complete:
        assert (after.status, after.action_ids(), after.path) == (before.status, before.action_ids(), before.path)


def test_doses_appear_in_the_result_and_the_report():
    from carepath.targets.runtime.report import render_text

    graph = graph_of(
        """\
guideline d "Doses" version "1"
reference r1 "Source"
start -> treat
action treat "Treat painful neuropathy" [r1]
  urgency routine
  dose "duloxetine" 60 to 120 mg/d
  dose "gabapentin"
  then done
end done "Done"
"""
    )
    result = run(graph, {})
    (action,) = result.actions
    assert action.to_json()["doses"] == ["duloxetine 60–120 mg/d", "gabapentin"]
    assert "dose: duloxetine 60–120 mg/d; gabapentin" in render_text(graph, result)
