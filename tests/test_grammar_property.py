"""Grammar-driven property tests: no input makes the front end crash.

Texts come from `hypothesis.extra.lark.from_lark` over our own grammar, with
explicit strategies for names, texts, numbers and units, and a space around every
keyword and punctuation mark: without them hypothesis glues tokens together
(`inputx`), which only ever tests the lexer (hypothesis issue 2437). Generated
texts are mostly nonsense guidelines, which is the point: whatever the text,
`parse` returns an AST or reports located problems, and `compile_text` returns a
graph or raises `CompileError` whose every diagnostic points inside the text.
"""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from carepath import CompileError, compile_text
from dsl.parser import GRAMMAR, ParseFailed, parse

NAMES = st.sampled_from(["a", "abi", "pulses", "absent", "present", "x1", "done", "ref1", "t", "smoker"])
UNITS = st.sampled_from(["mg", "wk", "d", "min", "mm[Hg]", "%", "mg/dL", "kPa", "a", "furlong"])


def _spaced(strategy):
    return strategy.map(lambda s: f" {s} ")


def _reachable_terminals(lark: Lark, start: str) -> set[str]:
    expansions: dict[str, list] = {}
    for rule in lark.rules:
        expansions.setdefault(rule.origin.name, []).append(rule.expansion)
    seen, terminals, stack = set(), set(), [start]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for expansion in expansions.get(name, []):
            for symbol in expansion:
                (terminals.add if symbol.is_term else stack.append)(symbol.name)
    return terminals | {"COMMENT", "WS"}


def _explicit(lark: Lark, start: str) -> dict:
    explicit = {
        "NAME": _spaced(NAMES),
        "STRING": _spaced(st.text(alphabet=st.characters(blacklist_characters='"\\\n', codec="utf-8"),
                                  max_size=12).map(lambda s: f'"{s}"')),
        "INT": _spaced(st.integers(0, 300).map(str)),
        "DECIMAL": _spaced(st.decimals(0, 300, places=2, allow_nan=False).map(str)),
        "UNIT": _spaced(UNITS),
        "COMMENT": st.just(" # a comment\n"),
    }
    for terminal in lark.terminals:
        if terminal.name not in explicit and terminal.pattern.type == "str":
            explicit[terminal.name] = st.just(f" {terminal.pattern.value} ")
    reachable = _reachable_terminals(lark, start)
    return {name: strategy for name, strategy in explicit.items() if name in reachable}


LARK = Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", start=["module", "expr"], lexer="basic")
PROGRAMS = from_lark(LARK, start="module", explicit=_explicit(LARK, "module"))
EXPRESSIONS = from_lark(LARK, start="expr", explicit=_explicit(LARK, "expr"))

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


# Drawing from the grammar slows down sharply as hypothesis explores deeper trees, so
# even the long `make fuzz` campaign caps these tests at 1,000 texts each.
grammar_budget = settings(max_examples=min(settings.default.max_examples, 1000))


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
