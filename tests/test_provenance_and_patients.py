"""Provenance (`source "…"`, `not encoded`) and named patients (`patient`, `scenario … from`).

From the text to the graph: the clauses parse, format back to themselves, lower to the
IR fields the review tools read (`source` of nodes, defines and assertions,
`Graph.not_encoded`), survive the graph JSON; a scenario that starts from a patient runs
on the merged facts; an unknown patient is a located diagnostic with a suggestion.
"""

from __future__ import annotations

from carepath.api import check_text
from carepath.dsl.format import format_text
from carepath.dsl.parser import parse
from carepath.targets.json.export import export_graph
from carepath.targets.json.load import load_graph_text
from carepath.targets.runtime.scenarios import run_scenarios
from tests.conftest import guideline

QUOTE = "If the patient smokes, advise cessation."

PROVENANCE = guideline(
    f"""
    reference ref1 "Source" 2025
    input smoker: boolean
    input age: quantity a from 0 to 120
    define adult: age >= 18 a
      source "Adults are 18 years or older."
    not encoded "Ask about family history." because "no recommendation depends on it"
    start -> screen
    assess screen "Screen" [ref1]
      source "Ask every adult about smoking."
      collects smoker, age
      then smoking
    decide smoking "Adult smoker?" [ref1]
      detail "Current smoking"
      source "{QUOTE}"
      when adult and smoker -> quit
      otherwise -> done
    action quit "Smoking cessation" [ref1]
      urgency routine
      source "{QUOTE}"
      then done
    end done "Done"
      source "Review at the next visit."
    assert "Adult smokers are advised to quit" [ref1]
      source "{QUOTE}"
      always adult and smoker implies reaches quit
    patient adult_non_smoker
      given smoker = false, age = 40 a
    scenario "Adult non-smoker" from adult_non_smoker
      expect no quit
    scenario "Same adult who smokes" from adult_non_smoker
      given smoker = true
      expect quit
    scenario "A child who smokes" from adult_non_smoker
      given age = 15 a, smoker = true
      expect no quit
    """
)


def diagnostics(text: str) -> list[tuple[str, int, str]]:
    return [(d.code, d.span.line, d.message) for d in check_text(text, "t.cpath").diagnostics]


def test_source_clauses_lower_to_nodes_defines_and_assertions(compile_ok):
    graph = compile_ok(PROVENANCE)
    assert graph.node("smoking").source == QUOTE
    assert graph.node("quit").source == QUOTE
    assert graph.node("screen").source == "Ask every adult about smoking."
    assert graph.node("done").source == "Review at the next visit."
    assert graph.node("start").source is None
    assert [d.source for d in graph.defines] == ["Adults are 18 years or older."]
    assert [a.source for a in graph.assertions] == [QUOTE]


def test_not_encoded_lowers_with_its_reason(compile_ok):
    graph = compile_ok(PROVENANCE)
    assert [(n.quote, n.reason) for n in graph.not_encoded] == [
        ("Ask about family history.", "no recommendation depends on it")
    ]


def test_graph_json_keeps_sources_and_not_encoded(compile_ok):
    graph = compile_ok(PROVENANCE)
    loaded = load_graph_text(export_graph(graph))
    assert loaded == graph
    assert loaded.node("quit").source == QUOTE
    assert loaded.not_encoded == graph.not_encoded


def test_format_round_trips_and_is_idempotent():
    once = format_text(PROVENANCE)
    assert format_text(once) == once
    assert parse(once) == parse(PROVENANCE)
    assert 'not encoded "Ask about family history."\n  because "no recommendation depends on it"' in once
    assert 'scenario "Same adult who smokes" from adult_non_smoker\n  given smoker = true' in once


def test_scenario_facts_are_the_patients_overridden_by_its_own(compile_ok):
    graph = compile_ok(PROVENANCE)
    facts = {s.name: {f.name: f.value.value for f in s.facts} for s in graph.scenarios}
    assert facts["Adult non-smoker"] == {"smoker": False, "age": 40}
    assert facts["Same adult who smokes"] == {"smoker": True, "age": 40}
    assert facts["A child who smokes"] == {"smoker": True, "age": 15}
    assert all(outcome.passed for outcome in run_scenarios(graph))


def test_unknown_patient_is_located_with_the_closest_name():
    text = PROVENANCE.replace('"Same adult who smokes" from adult_non_smoker', '"Same adult who smokes" from adult_nonsmoker')
    found = check_text(text, "t.cpath").diagnostics
    assert [(d.code, d.message) for d in found] == [("CP0114", "unknown patient `adult_nonsmoker`")]
    (problem,) = found
    line = text.split("\n")[problem.span.line - 1]
    assert line[problem.span.column - 1:problem.span.end_column - 1] == "adult_nonsmoker"
    assert problem.hint == "did you mean `adult_non_smoker`?"


def test_unused_and_duplicate_patients_are_reported():
    unused = PROVENANCE + "patient nobody\n  given smoker = true\n"
    assert [(c, m) for c, _, m in diagnostics(unused)] == [("CP0103", "patient `nobody` is never used")]
    twice = PROVENANCE + "patient adult_non_smoker\n  given smoker = true\n"
    assert [c for c, _, _ in diagnostics(twice)] == ["CP0102"]


def test_patient_facts_are_checked_like_scenario_facts():
    text = PROVENANCE.replace("given smoker = false, age = 40 a", "given smoker = 3, age = 40 a, weight = 70")
    assert sorted(c for c, _, _ in diagnostics(text)) == ["CP0101", "CP0207"]


def test_source_given_twice_on_a_node_is_a_clause_given_twice():
    text = PROVENANCE.replace('  source "Review at the next visit."', '  source "a"\n  source "b"')
    assert [c for c, _, _ in diagnostics(text)] == ["CP0003"]
