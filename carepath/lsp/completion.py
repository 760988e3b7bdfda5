"""The text before the cursor → what may be written next, from the symbol index.

The context is read from the current line, not from a parse: the line being typed
rarely parses. Each context is a pattern over the text before the cursor, tried
in order, most specific first:

- after `->` (or `then`, `reaches`, `expect`): node ids; after `urgency` and
  `expect status`: the urgencies and run statuses;
- inside `[…]`: reference ids;
- after `x =` / `x !=` (and in a scenario's `given x =`): the members of enum input
  `x`, or `true`/`false` for a boolean one;
- inside `x in {…`: the members of `x`;
- after a number, or `quantity`: common UCUM units;
- after `collects`, `known`, `given`, `expect needs`: input names;
- anywhere else: input and define names, then keywords.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from attrs import frozen

from carepath.compiler.passes.resolve import STATUSES, URGENCIES
from carepath.dsl import ast

from carepath.lsp.describe import type_text
from carepath.lsp.index import Index, keywords

# UCUM codes seen in clinical guidelines, each with what it measures. A test compiles
# a quantity input with every one of them, so the list offers nothing the compiler refuses.
COMMON_UNITS: tuple[tuple[str, str], ...] = (
    ("mm[Hg]", "millimetre of mercury: blood pressure"),
    ("kPa", "kilopascal: pressure"),
    ("mg/dL", "milligram per decilitre: glucose, creatinine"),
    ("mmol/L", "millimole per litre: glucose, electrolytes"),
    ("umol/L", "micromole per litre: creatinine"),
    ("g/dL", "gram per decilitre: haemoglobin"),
    ("g/L", "gram per litre: protein"),
    ("mmol/mol", "millimole per mole: HbA1c (IFCC)"),
    ("%", "percent: HbA1c (NGSP), saturation"),
    ("ng/mL", "nanogram per millilitre: drug levels, ferritin"),
    ("pg/mL", "picogram per millilitre: B12, BNP"),
    ("U/L", "enzyme unit per litre: CK, liver enzymes"),
    ("mL/min", "millilitre per minute: clearance"),
    ("kg", "kilogram: weight"),
    ("g", "gram"),
    ("mg", "milligram: doses"),
    ("ug", "microgram: doses"),
    ("mL", "millilitre: volumes"),
    ("L", "litre"),
    ("kg/m2", "kilogram per square metre: BMI"),
    ("cm", "centimetre: height, lengths"),
    ("mm", "millimetre: lengths"),
    ("s", "second"),
    ("min", "minute"),
    ("h", "hour"),
    ("d", "day"),
    ("wk", "week"),
    ("mo", "month"),
    ("a", "year (annum)"),
)

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PARTIAL = rf"(?:{_NAME})?"  # the name being typed, maybe none yet
_LIST = rf"(?:{_NAME}\s*,\s*)*{_PARTIAL}"  # `a, b, c` being typed: complete the last


@frozen
class Candidate:
    label: str
    kind: str  # "input", "define", "member", "node", "reference", "unit", "keyword", "value"
    detail: str


def _nodes(index: Index, match: re.Match) -> list[Candidate]:
    return [Candidate(s.name, "node", s.decl.title) for s in index.of_kind("node")]


def _references(index: Index, match: re.Match) -> list[Candidate]:
    return [Candidate(s.name, "reference", s.decl.title) for s in index.of_kind("reference")]


def _values_of(index: Index, match: re.Match) -> list[Candidate]:
    decl = index.inputs().get(match.group("input"))
    if decl is None:
        return []
    if isinstance(decl.type, ast.BooleanTypeExpr):
        return [Candidate(word, "value", f"{decl.name.value}: boolean") for word in ("true", "false")]
    return [Candidate(member, "member", f"{decl.name.value}: {type_text(decl)}")
            for member in index.members_of(decl.name.value)]


def _statuses(index: Index, match: re.Match) -> list[Candidate]:
    return [Candidate(status, "value", "run status") for status in STATUSES]


def _urgencies(index: Index, match: re.Match) -> list[Candidate]:
    return [Candidate(urgency, "value", "urgency") for urgency in URGENCIES]


def _units(index: Index, match: re.Match) -> list[Candidate]:
    return [Candidate(code, "unit", meaning) for code, meaning in COMMON_UNITS]


def _inputs(index: Index, match: re.Match) -> list[Candidate]:
    return [Candidate(s.name, "input", type_text(s.decl)) for s in index.of_kind("input")]


def _anything(index: Index, match: re.Match) -> list[Candidate]:
    names = _inputs(index, match)
    names += [Candidate(s.name, "define", "define") for s in index.of_kind("define")]
    return names + [Candidate(word, "keyword", "keyword") for word in sorted(keywords())]


# (pattern over the text before the cursor, candidates); the first pattern that matches wins
CONTEXTS: tuple[tuple[re.Pattern, Callable[[Index, re.Match], list[Candidate]]], ...] = (
    (re.compile(rf"\[\s*{_LIST}$"), _references),
    (re.compile(rf"(?:->|→|\bthen)\s*{_LIST}$"), _nodes),
    (re.compile(rf"\bexpect\s+status\s+{_PARTIAL}$"), _statuses),
    (re.compile(rf"\b(?:urgency|expect\s+first\s+urgency)\s+{_PARTIAL}$"), _urgencies),
    (re.compile(rf"\b(?:reaches|before|expect(?:\s+no|\s+first)?)\s+{_PARTIAL}$"), _nodes),
    (re.compile(rf"\bexpect(?:\s+no)?\s+needs\s+{_LIST}$"), _inputs),
    (re.compile(rf"(?P<input>{_NAME})\s+in\s*\{{\s*{_LIST}$"), _values_of),
    (re.compile(rf"(?P<input>{_NAME})\s*(?:=|!=|≠)\s*{_PARTIAL}$"), _values_of),
    (re.compile(r"(?:\d\s+|\bquantity\s+)[A-Za-z%\[\]/.0-9_]*$"), _units),
    (re.compile(rf"\b(?:collects|known|given|depends\s+on)\s+{_LIST}$"), _inputs),
    (re.compile(rf"{_PARTIAL}$"), _anything),
)


def complete(line_before_cursor: str, index: Index) -> list[Candidate]:
    """What may be written at the cursor, given the text of its line before it."""
    for pattern, candidates in CONTEXTS:
        match = pattern.search(line_before_cursor)
        if match is not None:
            return candidates(index, match)
    return []
