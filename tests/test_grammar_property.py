"""Grammar-driven property tests: no input makes the front end crash.

Texts are drawn by strategies written rule for rule from `dsl/grammar.lark`
(`tests/text_strategies.py`): every declaration, clause and expression form, with a
space around every token and compound operands in parentheses, so every draw is a
text the grammar accepts and hypothesis spends its time on guidelines rather than on
discarded draws (`from_lark` over our recursive grammar threw away about 80 % of its
draws, "max depth exceeded"). Generated texts are mostly nonsense guidelines, which
is the point: whatever the text, `parse` returns an AST or reports located problems,
and `compile_text` returns a graph or raises `CompileError` whose every diagnostic
points inside the text. A last test checks that the strategies still cover every
keyword of the grammar, so a rule added to the grammar is not silently left out.
"""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st
from lark import Lark

from carepath import CompileError, compile_text
from carepath.dsl.parser import GRAMMAR, ParseFailed, parse
from tests.text_strategies import KEYWORDS_DRAWN, expressions, guideline_texts

PROGRAMS = guideline_texts()
EXPRESSIONS = expressions()

# A guideline in which the generated names mean something, so generated
# expressions get past name resolution and exercise types, units and lowering.
HOST = """guideline host "Host" version "1"
reference ref1 "Source"
input a: boolean
input smoker: boolean
input abi: number from 0 to 2
input x1: number
input t: quantity wk
input pulses: one of present, absent
define d: {expr}
start -> triage
decide triage "Triage" (first) [ref1]
  when d -> done
  otherwise -> done
end done "Done"
"""


grammar_budget = settings(max_examples=settings.default.max_examples)


def _inside(span, text: str) -> bool:
    lines = text.split("\n")
    return 1 <= span.line <= len(lines) and span.column >= 1


@grammar_budget
@given(PROGRAMS)
def test_generated_text_parses(text):
    """Text the grammar generates parses; the one refusal is a clause written twice."""
    try:
        module = parse(text, "gen.cpath")
    except ParseFailed as failure:
        assert {p.code for p in failure.problems} == {"CP0003"}, failure.problems
        assert all(_inside(p.span, text) for p in failure.problems)
    else:
        assert module.path == "gen.cpath"


@grammar_budget
@given(PROGRAMS)
def test_generated_text_compiles_or_reports_located_diagnostics(text):
    try:
        compile_text(text, "gen.cpath")
    except CompileError as error:
        assert error.diagnostics
        for d in error.diagnostics:
            assert re.fullmatch(r"CP\d{4}", d.code)
            assert d.span is not None and _inside(d.span, text), d


@grammar_budget
@given(EXPRESSIONS)
def test_generated_expressions_compile_or_report_located_diagnostics(expression):
    text = HOST.format(expr=expression.replace("\n", " "))
    try:
        compile_text(text, "host.cpath")
    except CompileError as error:
        for d in error.diagnostics:
            assert d.span is not None and _inside(d.span, text), d


MUTATIONS = st.sampled_from(["@", "->", '"', "(", "when", "=", "0.9 mg", "\n", "}", "guideline"])


@grammar_budget
@given(PROGRAMS, st.integers(0, 10_000), MUTATIONS)
def test_corrupted_text_never_crashes(text, position, insert):
    position %= len(text) + 1
    corrupted = text[:position] + insert + text[position:]
    try:
        parse(corrupted, "bad.cpath")
    except ParseFailed as failure:
        for problem in failure.problems:
            assert _inside(problem.span, corrupted)


def test_the_strategies_draw_every_keyword_of_the_grammar():
    lark = Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", start="module")
    keywords = {t.pattern.value for t in lark.terminals if t.pattern.type == "str" and t.pattern.value.isalpha()}
    assert keywords <= KEYWORDS_DRAWN, sorted(keywords - KEYWORDS_DRAWN)
