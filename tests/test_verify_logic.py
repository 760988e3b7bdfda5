"""The logic verifier (compiler/passes/verify_logic.py): one small guideline per finding.

Each guideline is built so that the counterexample z3 must find is forced (a
boundary value, a missing fact), so the tests pin the exact patient and path.
"""

from __future__ import annotations

from fractions import Fraction

import re
from pathlib import Path

import pytest

from carepath import CompileError, compile_text
from carepath.compiler.report import render, summary
from carepath.targets.runtime.execute import execute
from carepath.targets.runtime.facts import parse_facts
from tests.conftest import guideline

HEADER = """
reference r1 "Reference" 2020
input abi: number from 0 to 2 ask "ABI?"
input pain: boolean ask "Pain?"
start -> intake
assess intake "History and ABI" collects abi, pain then FIRST
"""

TAIL = """
action a "A" [r1] urgency routine then done
action b "B" [r1] urgency routine then done
action c "C" [r1] urgency routine then done
end done "Done"
"""


def findings(body: str, *, tail: str = TAIL) -> list:
    """The logic diagnostics (CP04xx, CP05xx) of a guideline, in source order."""
    first_decision = body.split("decide ", 1)[1].split()[0]
    try:
        compile_text(guideline(HEADER.replace("FIRST", first_decision) + body + tail), "t.cpath")
    except CompileError as error:
        found = [d for d in error.diagnostics if d.code[:4] in ("CP04", "CP05")]
        assert len(found) == len([d for d in error.diagnostics if d.is_error]), error.diagnostics
        return sorted(found, key=lambda d: d.sort_key())
    return []


def only(body: str, **kwargs):
    found = findings(body, **kwargs)
    assert len(found) == 1, found
    return found[0]


def test_unique_overlap_at_the_shared_boundary():
    finding = only("""
        decide d "ABI" (unique) [r1]
          when abi <= 0.9 -> a
          when abi >= 0.9 and pain -> b
          otherwise -> c
    """)
    assert finding.code == "CP0401"
    assert finding.message == "lines 1 and 2 of unique decision `d` can both hold"
    assert finding.span.line == 10 and finding.label == "overlaps with line 1"
    assert finding.counterexample == {"abi": Fraction(9, 10), "pain": True}  # exact, written as 0.9
    assert finding.path == ("start", "intake", "d", "a", "done")


def test_unique_gap_at_the_point_neither_line_covers():
    finding = only("""
        decide d "ABI" (unique) [r1]
          when abi < 1 -> a
          when abi > 1 -> b
    """, tail=TAIL.replace('action c "C" [r1] urgency routine then done\n', ""))
    assert finding.code == "CP0402"
    assert finding.message == "decision `d` leaves patients with no way on"
    assert finding.counterexample == {"abi": 1}
    assert finding.path == ("start", "intake", "d")


def test_pending_on_an_unknown_fact_is_not_a_gap():
    assert findings("""
        decide d "ABI" (first) [r1]
          when abi < 1 -> a
          when abi >= 1 -> b
    """, tail=TAIL.replace('action c "C" [r1] urgency routine then done\n', "")) == []


def test_known_guards_leave_a_gap_for_a_missing_fact():
    finding = only("""
        decide d "ABI" (first) [r1]
          when known abi and abi < 1 -> a
          when known abi and abi >= 1 -> b
    """, tail=TAIL.replace('action c "C" [r1] urgency routine then done\n', ""))
    assert finding.code == "CP0402"
    assert finding.counterexample == {}  # the ABI unknown: every line is false, nothing asks for it
    assert finding.path == ("start", "intake", "d")


def test_first_branch_shadowed_by_a_wider_earlier_line():
    finding = only("""
        decide d "ABI" (first) [r1]
          when abi <= 0.9 -> a
          when abi <= 0.4 -> b
          otherwise -> c
    """)
    assert finding.code == "CP0403"
    assert finding.message == "line 2 of decision `d` is shadowed by the lines before it"
    assert finding.counterexample["abi"] <= 0.4
    assert finding.path == ("start", "intake", "d", "a", "done")
    assert "line 1 holds first" in finding.notes[0]


def test_self_contradicting_branch_never_holds():
    finding = only("""
        decide d "ABI" (any) [r1]
          when abi > 1.5 and abi < 0.5 -> a
          when pain -> b
          otherwise -> c
    """)
    assert finding.code == "CP0404"
    assert finding.message == "line 1 of decision `d` can never hold"
    assert finding.counterexample is None


def test_branch_excluded_by_the_path_to_its_decision():
    finding = only("""
                decide first_check "ABI low?" (first) [r1]
          when abi < 1 -> second_check
          otherwise -> c
        decide second_check "ABI high?" (first) [r1]
          when abi >= 1 -> a
          otherwise -> b
    """)
    assert finding.code == "CP0405"
    assert finding.message == "line 1 of decision `second_check` cannot hold on any path that reaches it"
    assert finding.counterexample["abi"] >= 1
    assert "second_check" not in finding.path


def test_always_assertion_refuted_between_the_two_thresholds():
    finding = only("""
        decide d "ABI" (first) [r1]
          when abi <= 0.9 -> a
          otherwise -> c
        assert "low ABI only" always reaches a implies abi <= 0.8
    """, tail=TAIL.replace('action b "B" [r1] urgency routine then done\n', ""))
    assert finding.code == "CP0501"
    assert finding.message == 'assertion "low ABI only" fails: the property is false for some patient'
    assert 0.8 < finding.counterexample["abi"] <= 0.9
    assert finding.path == ("start", "intake", "d", "a", "done")


ANY_DECISION = """
    decide d "Streams" (POLICY) [r1]
      when LINE1
      when LINE2
      otherwise -> c
    assert "a needs the ABI" never reaches a and not known abi
"""


def test_any_fires_a_true_branch_while_another_is_unknown():
    finding = only(ANY_DECISION.replace("POLICY", "any").replace("LINE1", "abi > 1 -> b")
                   .replace("LINE2", "pain -> a"))
    assert finding.code == "CP0502"
    assert finding.counterexample == {"pain": True}
    assert finding.path == ("start", "intake", "d", "a", "done")


def test_first_waits_on_an_unknown_earlier_line():
    assert findings(ANY_DECISION.replace("POLICY", "first").replace("LINE1", "abi > 1 -> b")
                    .replace("LINE2", "pain -> a")) == []


ORDER = """
    decide d "Pain?" (first) [r1]
      when pain -> b
      otherwise -> a
    action b "B" [r1] urgency routine then a
    action a "A" [r1] urgency routine then done
    end done "Done"
"""


def test_before_refuted_by_a_route_through_the_other_node_first():
    finding = only(ORDER + 'assert "a first" always a before b\n', tail="")
    assert finding.code == "CP0503"
    assert finding.message == 'assertion "a first" fails: `b` can come before `a`'
    assert finding.counterexample == {"pain": True}
    assert finding.path == ("start", "intake", "d", "b", "a", "done")


def test_before_proved_when_every_route_agrees():
    assert findings(ORDER + 'assert "b first" always b before a\n', tail="") == []


def test_depends_refuted_by_a_route_that_never_reads_the_input():
    finding = only("""
        decide d "Streams" (any) [r1]
          when abi > 1 -> a
          when pain -> b
          otherwise -> c
        assert "b needs the ABI" always b depends on abi
    """)
    assert finding.code == "CP0504"
    assert finding.counterexample["pain"] is True
    assert finding.path[-2:] == ("b", "done")


def test_depends_counts_the_earlier_lines_of_a_first_decision():
    assert findings("""
        decide d "Ordered" (first) [r1]
          when abi > 1 -> a
          when pain -> b
          otherwise -> c
        assert "b reads the ABI" always b depends on abi
    """) == []


@pytest.mark.parametrize("policy", ["first", "unique", "any"])
def test_clean_decision_has_no_findings(policy):
    assert findings(f"""
        decide d "ABI" ({policy}) [r1]
          when abi <= 0.9 -> a
          when abi > 0.9 -> b
          otherwise -> c
        assert "a low" always reaches a implies abi <= 0.9
        assert "a and b exclusive" never reaches a and reaches b
    """) == []


PAGES = sorted((Path(__file__).resolve().parents[1] / "docs" / "errors").glob("CP0[45]*.md"))
FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("page", [p for p in PAGES if "```cpath" in p.read_text()], ids=lambda p: p.stem)
def test_error_page_example_gives_its_code_and_the_output_shown(page):
    blocks = FENCE.findall(page.read_text(encoding="utf-8"))
    examples = [text for language, text in blocks if language == "cpath"]
    [shown] = [text for language, text in blocks if language == "text"]
    with pytest.raises(CompileError) as failure:
        compile_text(examples[0], "demo.cpath")
    printed = render(failure.value.diagnostics, failure.value.sources) + summary(failure.value.diagnostics)
    assert f"[{page.stem}]" in printed
    assert shown == "$ carepath check demo.cpath\n" + printed.rstrip("\n") + "\n", "the output shown is stale"
    compile_text(examples[-1], "fixed.cpath")  # the fix is clean


def test_check_writes_counterexamples_that_run_replays(tmp_path):
    import json

    from click.testing import CliRunner

    from carepath.cli import main

    source = tmp_path / "demo.cpath"
    source.write_text(guideline(HEADER.replace("FIRST", "d") + """
        decide d "ABI" (unique) [r1]
          when abi <= 0.9 -> a
          when abi >= 0.9 and pain -> b
          otherwise -> c
        assert "a only for low ABI" always reaches a implies abi <= 0.8
    """ + TAIL))
    out = tmp_path / "cx"
    checked = CliRunner().invoke(main, ["check", str(source), "--counterexamples", str(out)])
    assert checked.exit_code == 1
    written = sorted(p.name for p in out.iterdir())
    assert written == ["CP0401-lines-1-and-2-of-unique-decision-d-can-both-hold.json",
                       "CP0501-assertion-a-only-for-low-abi-fails-the-property-is-false-for-some-patient.json"]
    assert json.loads((out / written[0]).read_text()) == {"abi": 0.9, "pain": True}
    facts = json.loads((out / written[1]).read_text())
    assert 0.8 < facts["abi"] <= 0.9
    # `carepath run` refuses a guideline with errors, so replay on the runtime directly
    graph = _unverified(source.read_text())
    assert "a" in execute(graph, parse_facts(graph, facts).values).path


def _unverified(text: str):
    from carepath.diagnostics import Sink
    from carepath.compiler.passes.load import SourceFile
    from carepath.compiler.passes.verify_logic import verify_logic
    from carepath.compiler.pipeline import PASSES, run_passes

    return run_passes(SourceFile("demo.cpath", text), Sink(), tuple(p for p in PASSES if p is not verify_logic))


def test_a_solver_time_out_is_a_warning_never_a_proof(monkeypatch):
    from carepath.diagnostics import Severity
    from carepath.compiler.logic.prover import Outcome, Prover
    from carepath.compiler.passes.verify_logic import logic_findings

    graph = _unverified(guideline(HEADER.replace("FIRST", "d") + """
        decide d "ABI" (unique) [r1]
          when abi <= 0.9 -> a
          when abi >= 0.9 and pain -> b
        assert "a only for low ABI" always reaches a implies abi <= 0.8
    """ + TAIL.replace('action c "C" [r1] urgency routine then done\n', "")))
    monkeypatch.setattr(Prover, "find", lambda self, *formulas: Outcome(undecided="timeout"))
    found = logic_findings(graph)
    assert {d.code for d in found} == {"CP0406", "CP0505"}
    assert all(d.severity is Severity.WARNING for d in found)
    assert any(d.message == 'could not prove assertion "a only for low ABI" in time' for d in found)


def test_connectives_made_through_the_c_api_are_the_terms_z3_makes():
    import z3

    from carepath.compiler.logic.encode import conjunction, disjunction, negation

    a, b = z3.Bools("a b")
    assert z3.eq(conjunction([a, b]), z3.And(a, b))
    assert z3.eq(conjunction(iter([a])), z3.And([a]))
    assert z3.eq(conjunction([]), z3.And([]))
    assert z3.eq(disjunction((a, b)), z3.Or(a, b))
    assert z3.eq(negation(a), z3.Not(a))
    with pytest.raises(TypeError):  # z3.And would coerce a Python bool; these refuse it
        conjunction([a, True])
    with pytest.raises(TypeError):
        disjunction([a, z3.Int("n")])
