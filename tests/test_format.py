"""The formatter: same meaning, canonical layout, every comment kept, stable."""

from __future__ import annotations

import textwrap
from pathlib import Path

import attrs
from click.testing import CliRunner
from hypothesis import given

from carepath import compile_text
from carepath.cli import main
from carepath.dsl.format import find_comments, format_text
from carepath.dsl.parser import ParseFailed, parse
from tests.test_grammar_property import PROGRAMS

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"


def fmt(text: str) -> str:
    return format_text(textwrap.dedent(text).lstrip("\n"))


def test_canonical_layout_of_each_kind_of_declaration():
    messy = """
    guideline g "G" version "1"
    reference r1 "A source" 2025 by "Someone"
    input   abi :number from 0 to 2 ask "ABI?" code loinc "1-2"
    input p: one of present,absent
    define low: abi<=0.90 and not(p=absent)
    start->d
    decide d "D" (first) [r1] when low->a,e otherwise->e
    action a "A" [r1] urgency emergent within 6 h dose "drug" 60 to 120 mg/d then e
    end e "E"
    assert "x" always reaches a implies known abi
      always a before e
    scenario "s" given abi = 0.85, p = absent expect first a expect no needs abi
    """
    assert fmt(messy) == textwrap.dedent(
        """\
        guideline g "G"
          version "1"
        reference r1 "A source" 2025 by "Someone"
        input abi: number from 0 to 2
          ask "ABI?"
          code loinc "1-2"
        input p: one of present, absent
        define low: abi <= 0.90 and not p = absent
        start -> d
        decide d "D" (first) [r1]
          when low -> a, e
          otherwise -> e
        action a "A" [r1]
          urgency emergent
          within 6 h
          dose "drug" 60 to 120 mg/d
          then e
        end e "E"
        assert "x"
          always reaches a implies known abi
          always a before e
        scenario "s"
          given abi = 0.85, p = absent
          expect first a
          expect no needs abi
        """
    )


def test_parentheses_kept_where_meaning_or_reading_needs_them():
    out = fmt("define d: (a or b) and c or (x and y) or not (p or q) implies (r implies s)\n")
    assert out == "define d: ((a or b) and c) or (x and y) or not (p or q) implies r implies s\n"
    assert parse(out) == parse("define d: (a or b) and c or (x and y) or not (p or q) implies (r implies s)")


def test_comments_stay_where_they_were_written():
    text = """
    # Leading comment of the file

    reference r1 "A source"  # trailing after a reference
    # about the decision
    decide d "D" [r1]
      # inside, before a branch
      when x -> e  # why this branch
      otherwise -> e
      # indented, after the last clause

    # a closing remark
    """
    out = fmt(text)
    assert out == textwrap.dedent(
        """\
        # Leading comment of the file

        reference r1 "A source"  # trailing after a reference
        # about the decision
        decide d "D" [r1]
          # inside, before a branch
          when x -> e  # why this branch
          otherwise -> e
          # indented, after the last clause

        # a closing remark
        """
    )


def test_hash_inside_text_is_not_a_comment():
    found = find_comments('reference r "Issue #5, \\"quoted #\\"" # real\n')
    assert [(c.line, c.text, c.trailing) for c in found] == [(1, "# real", True)]


def test_long_lines_continue_on_the_next_line():
    long_title = "A very long reference title that goes on and on about peripheral artery disease"
    out = fmt(f'reference r1 "{long_title}" 2025 by "Praxis Medical Insights: Practical Summaries"\n')
    assert out.splitlines()[1] == '  by "Praxis Medical Insights: Practical Summaries"'
    facts = ", ".join(f"fact_number_{i} = true" for i in range(8))
    scenario = fmt(f'scenario "s" given {facts} expect status complete\n').splitlines()
    assert all(len(line) <= 96 for line in scenario)
    assert scenario[1].startswith("  given ") and scenario[2].startswith("        fact_number_")


def test_reference_guideline_keeps_its_meaning_and_comments():
    text = REFERENCE.read_text(encoding="utf-8")
    formatted = format_text(text, "g.cpath")
    assert format_text(formatted) == formatted
    assert [c.text for c in find_comments(formatted)] == [c.text for c in find_comments(text)]
    before = attrs.evolve(compile_text(text, "g.cpath"), source_sha256="")
    after = attrs.evolve(compile_text(formatted, "g.cpath"), source_sha256="")
    assert before == after


@given(PROGRAMS)
def test_property_format_preserves_the_ast_and_is_stable(text):
    try:
        module = parse(text)
    except ParseFailed:
        return
    formatted = format_text(text)
    assert parse(formatted) == module
    assert format_text(formatted) == formatted
    assert len(find_comments(formatted)) == len(find_comments(text))


def test_fmt_command_checks_rewrites_and_reports(tmp_path):
    path = tmp_path / "g.cpath"
    path.write_text('reference r1 "A"\ninput  x :boolean\n', encoding="utf-8")
    runner = CliRunner()
    checked = runner.invoke(main, ["fmt", "--check", "--diff", str(path)])
    assert checked.exit_code == 1
    assert "+input x: boolean" in checked.stdout and "would reformat" in checked.stderr
    assert path.read_text() == 'reference r1 "A"\ninput  x :boolean\n'  # --check writes nothing
    assert runner.invoke(main, ["fmt", str(path)]).exit_code == 0
    assert path.read_text() == 'reference r1 "A"\ninput x: boolean\n'
    assert runner.invoke(main, ["fmt", "--check", str(path)]).exit_code == 0
    broken = tmp_path / "broken.cpath"
    broken.write_text("input x: integer\n", encoding="utf-8")
    result = runner.invoke(main, ["fmt", str(broken), str(tmp_path / "missing.cpath")])
    assert result.exit_code == 2
    assert "unknown input type" in result.stderr and "cannot read" in result.stderr
    assert broken.read_text() == "input x: integer\n"


def test_every_shipped_guideline_is_in_the_canonical_layout():
    for path in sorted((ROOT / "guidelines").glob("*.cpath")):
        text = path.read_text(encoding="utf-8")
        assert format_text(text, str(path)) == text, f"run `carepath fmt {path.relative_to(ROOT)}`"
