"""The conformance corpus: small cases that pin the language's meaning down, for every runtime.

Each case is a tiny guideline, a patient and the result the semantics kernel
(`compiler.semantics`, through the Python runtime) gives: status, actions, needs and
path. `corpus.json` is generated from these definitions (`python -m
tests.regenerate_golden conformance`), and `tests/test_conformance_corpus.py` holds the
Python runtime, the JavaScript runtime and the z3 encoding to it, case by case. Where
the expected outcome is a fact about numbers or logic that anyone can check by hand
(0.1 + 0.2 = 0.3, 1 wk = 7 d, `false and unknown` is false), the case states it too
(`truth`), so the corpus is not only the kernel agreeing with itself.

Expression cases use one template: a decision `(any)` with `when E -> holds` and
`when not (E) -> fails`, so E true reaches `holds`, false reaches `fails`, and unknown
leaves the decision pending, asking for what E still needs.
"""

from __future__ import annotations

from pathlib import Path

from attrs import frozen

from carepath.api import check_text
from carepath.compiler import ir

CORPUS = Path(__file__).resolve().parent / "corpus.json"

TRUE, FALSE, UNKNOWN = True, False, None


@frozen
class Case:
    name: str
    source: str
    facts: dict
    truth: bool | None | str = "n/a"  # for expression cases: the value E must have


def expression_case(name: str, inputs: str, expr: str, facts: dict, truth: bool | None) -> Case:
    source = f"""guideline case "{name}"
{inputs}
start -> d
decide d "D" (any)
  when {expr} -> holds
  when not ({expr}) -> fails
action holds "E holds" [r]
  urgency routine
  then done
action fails "E fails" [r]
  urgency routine
  then done
end done "Done"
reference r "R"
"""
    return Case(name, source, facts, truth)


BOOLS = "input a: boolean\ninput b: boolean"
VALUES = {"true": True, "false": False, "unknown": None}


def _truth_tables() -> list[Case]:
    cases = []
    kleene_and = {(True, True): True, (True, False): False, (True, None): None, (False, None): False,
                  (None, None): None, (False, False): False}
    kleene_or = {(True, True): True, (True, False): True, (True, None): True, (False, None): None,
                 (None, None): None, (False, False): False}
    for (a, b), expected in kleene_and.items():
        cases.append(expression_case(f"{_word(a)} and {_word(b)}", BOOLS, "a and b", _facts(a=a, b=b), expected))
        cases.append(expression_case(f"{_word(b)} and {_word(a)} (operand order)", BOOLS, "a and b",
                                     _facts(a=b, b=a), expected))
    for (a, b), expected in kleene_or.items():
        cases.append(expression_case(f"{_word(a)} or {_word(b)}", BOOLS, "a or b", _facts(a=a, b=b), expected))
        cases.append(expression_case(f"{_word(b)} or {_word(a)} (operand order)", BOOLS, "a or b",
                                     _facts(a=b, b=a), expected))
    for a, expected in ((True, False), (False, True), (None, None)):
        cases.append(expression_case(f"not {_word(a)}", BOOLS, "not a or (b and not b)", _facts(a=a, b=False), expected))
        cases.append(expression_case(f"{_word(a)} implies false", BOOLS, "a implies b", _facts(a=a, b=False),
                                     None if a is None else not a))
    cases.append(expression_case("known of a missing fact is false, never unknown", BOOLS, "known a or (b and not b)",
                                 _facts(b=True), False))
    return cases


NUMBERS = "input x: number\ninput y: number"


def _numbers() -> list[Case]:
    def case(name, expr, facts, truth):
        return expression_case(name, NUMBERS, expr, facts, truth)

    return [
        case("0.1 + 0.2 = 0.3", "x + y = 0.3", {"x": "0.1", "y": "0.2"}, True),
        case("0.1 + 0.2 > 0.3 is false", "x + y > 0.3", {"x": "0.1", "y": "0.2"}, False),
        case("0.3 = 0.1 + 0.2 (operand order)", "0.3 = x + y", {"x": "0.1", "y": "0.2"}, True),
        case("2 - 1.1 >= 0.9", "x - y >= 0.9", {"x": "2", "y": "1.1"}, True),
        case("7.3 - 7.0 >= 0.3", "x - y >= 0.3", {"x": "7.3", "y": "7.0"}, True),
        case("1 / 3 * 3 = 1", "x / y * y = 1", {"x": "1", "y": "3"}, True),
        case("x / 0 is unknown", "x / y > 0", {"x": "1", "y": "0"}, None),
        case("x / 0 = x / 0 is unknown too", "x / y = x / y", {"x": "1", "y": "0"}, None),
        case("unknown + 1 is unknown", "x + 1 > y", {"y": "1"}, None),
        case("0.90 is 0.9", "x <= 0.90 and y = y", {"x": "0.9", "y": "1"}, True),
        case("comparison is exact: 0.900000000000001 > 0.9", "x > 0.9 and y = y", {"x": "0.900000000000001", "y": "1"}, True),
        case("negative and subtraction", "x * -1 = y - 2", {"x": "-1", "y": "3"}, True),
    ]


def _units() -> list[Case]:
    def case(name, inputs, expr, facts, truth):
        return expression_case(name, inputs, expr, facts, truth)

    return [
        case("1 wk = 7 d", "input t: quantity wk", "t = 7 d", {"t": "1"}, True),
        case("1 d = 24 h", "input t: quantity d", "t = 24 h", {"t": "1"}, True),
        case("1 h = 60 min", "input t: quantity h", "t = 60 min", {"t": "1"}, True),
        case("1 min = 60 s", "input t: quantity min", "t = 60 s", {"t": "1"}, True),
        case("a fact of 7 d against 1 wk", "input t: quantity wk", "t >= 1 wk", {"t": {"value": "7", "unit": "d"}}, True),
        case("4 kPa is above 30 mm[Hg]", "input p: quantity mm[Hg]", "p > 30 mm[Hg]", {"p": {"value": "4", "unit": "kPa"}}, True),
        case("two inputs in wk and d: 1 wk = 7 d", "input w: quantity wk\ninput s: quantity d", "w = s",
             {"w": "1", "s": "7"}, True),
        case("two inputs, the other order: 7 d = 1 wk", "input w: quantity wk\ninput s: quantity d", "s = w",
             {"w": "1", "s": "7"}, True),
        case("symmetric: s >= w and w <= s agree", "input w: quantity wk\ninput s: quantity d",
             "(s >= w) = (w <= s)", {"w": "1", "s": "7"}, True),
    ]


SCORE = "input a: boolean\ninput b: boolean\ninput c: boolean\ninput e: boolean\ninput d: boolean"


def _sums() -> list[Case]:
    wells = "sum(1 if a, 1 if b, 1 if c, 1 if e, -2 if d) >= 2"

    def case(name, expr, facts, truth):
        used = "\n".join(f"input {n}: boolean" for n in "abcde" if f"{n} " in expr.replace(",", " ").replace(")", " "))
        return expression_case(name, used, expr, facts, truth)

    return [
        case("a Wells-style score decided without d: 4 points, -2 unknown, at least 2", wells,
             _facts(a=True, b=True, c=True, e=True), True),
        case("a Wells-style score that d could still change", wells, _facts(a=True, b=True), None),
        case("count decided by its known terms", "count(a, b, c) >= 2", _facts(a=True, b=True), True),
        case("count that its unknown terms could still change", "count(a, b, c) >= 2", _facts(a=True, b=False), None),
        case("count that can no longer reach", "count(a, b, c) >= 2", _facts(a=False, b=False), False),
        case("a sum equal to a number its bounds exclude", "sum(2 if a, 1 if b) = 4", _facts(a=True), False),
        case("a sum equal to a number its bounds include", "sum(2 if a, 1 if b) = 3", _facts(a=True), None),
        case("a complete sum", "sum(2 if a, 1 if b) = 3", _facts(a=True, b=True), True),
        case("a complete count divided", "count(a, b) / 2 >= 1", _facts(a=True, b=True), True),
        case("a count divided while a term is unknown", "count(a, b) / 2 >= 1", _facts(a=True), None),
        case("a product of two complete sums", "count(a, b) * sum(2 if c) = 4", _facts(a=True, b=True, c=True), True),
    ]


def _policy_source(policy: str, otherwise: bool = True) -> str:
    return f"""guideline policies "Hit policies"
input a: boolean
input b: boolean
input c: boolean
start -> d
decide d "D" ({policy})
  when a -> first_step
  when b -> second_step
  when c -> first_step, second_step
{"  otherwise -> other" if otherwise else ""}
action first_step "One" [r]
  urgency urgent
  then done
action second_step "Two" [r]
  urgency emergent
  then done
action other "Other" [r]
  urgency routine
  then done
end done "Done"
reference r "R"
"""


def _policies() -> list[Case]:
    cases = []
    patients = {
        "all false": _facts(a=False, b=False, c=False),
        "first true": _facts(a=True, b=True, c=False),
        "first unknown, second true": _facts(b=True, c=False),
        "first false, second true": _facts(a=False, b=True, c=False),
        "unknown line covered by true lines": _facts(a=True, b=True),
        "nothing known": {},
    }
    for policy in ("first", "unique", "any"):
        for name, facts in patients.items():
            cases.append(Case(f"{policy}: {name}", _policy_source(policy), facts))
    return cases


def cases() -> list[Case]:
    return _truth_tables() + _numbers() + _units() + _sums() + _policies()


def _word(value: bool | None) -> str:
    return "unknown" if value is None else str(value).lower()


def _facts(**values) -> dict:
    return {name: value for name, value in values.items() if value is not None}


def json_facts(facts: dict) -> dict:
    """The case's facts as a facts file holds them (numbers written as decimals, exactly)."""
    from fractions import Fraction

    def exact(value):
        if isinstance(value, dict):
            return {"value": exact(value["value"]), "unit": value["unit"]}
        return Fraction(value) if isinstance(value, str) else value

    return {name: exact(value) for name, value in facts.items()}


def compile_case(case: Case) -> ir.Graph:
    return check_text(case.source, f"{case.name}.cpath", verify_logic=False).raise_on_errors()
