"""The parser, construct by construct: text → the AST the author meant."""

from __future__ import annotations

from fractions import Fraction

import pytest

from carepath.dsl import ast
from carepath.dsl.parser import ParseFailed, lark_parser, parse


def items(text: str):
    return parse(text, "t.cpath").items


def one(text: str):
    (item,) = items(text)
    return item


def expr(text: str):
    return one(f"define d: {text}").expr


def test_header_with_version():
    module = parse('guideline leg "Left leg" version "1.2.0"\n', "t.cpath")
    assert module.header == ast.Header(ast.Name("leg"), "Left leg", "1.2.0")


def test_reference_with_year_and_publisher():
    ref = one('reference ref1 "Vascular emergencies" 2026 by "Praxis"')
    assert ref == ast.ReferenceDecl(ast.Name("ref1"), "Vascular emergencies", 2026, "Praxis")


def test_reference_title_only():
    assert one('reference ref5 "untitled"') == ast.ReferenceDecl(ast.Name("ref5"), "untitled")


@pytest.mark.parametrize(
    "source, expected",
    [
        ("input x: boolean", ast.BooleanTypeExpr()),
        ("input x: number", ast.NumberTypeExpr()),
        ("input x: number from 0 to 2", ast.NumberTypeExpr(ast.Bound(0, "0"), ast.Bound(2, "2"))),
        ("input x: number -1 to 1.5", ast.NumberTypeExpr(ast.Bound(-1, "-1"), ast.Bound(1.5, "1.5"))),
        ("input x: quantity mm[Hg]", ast.QuantityTypeExpr("mm[Hg]")),
        ("input x: quantity mg/dL from 0 to 600",
         ast.QuantityTypeExpr("mg/dL", ast.Bound(0, "0"), ast.Bound(600, "600"))),
        ("input x: one of present, absent", ast.EnumTypeExpr((ast.Name("present"), ast.Name("absent")))),
    ],
)
def test_input_types(source, expected):
    assert one(source).type == expected


def test_input_question_and_codes():
    decl = one('input abi: number ask "Ankle-brachial index?" code loinc "76497-9" "ABI" code snomed "1"')
    assert decl.question == "Ankle-brachial index?"
    assert decl.codes == (ast.CodeDecl("loinc", "76497-9", "ABI"), ast.CodeDecl("snomed", "1"))


def test_text_escapes():
    assert one(r'reference r "say \"no\" \\ twice\nplease"').title == 'say "no" \\ twice\nplease'


def test_precedence_not_and_or_implies():
    e = expr("not a and b or c implies d")
    assert e == ast.Binary(
        "implies",
        ast.Binary("or", ast.Binary("and", ast.Unary("not", ast.NameRef("a")), ast.NameRef("b")), ast.NameRef("c")),
        ast.NameRef("d"),
    )


@pytest.mark.parametrize("op, written", [("<=", "<="), ("<=", "≤"), (">=", "≥"), ("!=", "≠"), ("<", "<"), ("=", "=")])
def test_comparison_operators(op, written):
    assert expr(f"a {written} 1") == ast.Binary(op, ast.NameRef("a"), ast.QuantityLit(1, "", "1"))


def test_quantities_keep_unit_and_text():
    assert expr("t <= 6 wk") == ast.Binary("<=", ast.NameRef("t"), ast.QuantityLit(6, "wk", "6"))
    assert expr("abi <= 0.90").right == ast.QuantityLit(Fraction("0.9"), "", "0.90")
    assert expr("p > 30 mm[Hg]").right.unit == "mm[Hg]"
    assert expr("g >= 126 mg/dL").right.unit == "mg/dL"
    assert expr("h >= 6.5 %").right.unit == "%"


def test_unit_word_then_keyword_is_not_a_unit():
    assert expr("a <= 2 and b") == ast.Binary(
        "and", ast.Binary("<=", ast.NameRef("a"), ast.QuantityLit(2, "", "2")), ast.NameRef("b")
    )


def test_arithmetic_precedence_and_negation():
    e = expr("a + b * 2 > -1")
    assert e == ast.Binary(
        ">",
        ast.Binary("+", ast.NameRef("a"), ast.Binary("*", ast.NameRef("b"), ast.QuantityLit(2, "", "2"))),
        ast.QuantityLit(-1, "", "-1"),
    )


def test_membership_count_sum_known():
    assert expr("p in {absent, diminished}") == ast.Membership(
        ast.NameRef("p"), (ast.NameRef("absent"), ast.NameRef("diminished"))
    )
    assert expr("count(a, b = c) >= 2").left == ast.Count(
        (ast.NameRef("a"), ast.Binary("=", ast.NameRef("b"), ast.NameRef("c")))
    )
    weighted = expr("sum(2 if a, 1.5 if b) > 2").left
    assert [(t.weight, t.condition) for t in weighted.terms] == [(2, ast.NameRef("a")), (1.5, ast.NameRef("b"))]
    assert expr("known abi") == ast.KnownTest(ast.Name("abi"))


def test_nodes_and_sections():
    nodes = items(
        """
        section first_look "First look"
        start -> check
        assess check "History" [ref1] collects a, b then decide_it
        decide decide_it "Decide" (unique) [ref1, ref2]
          detail "why"
          when a -> act, stop
          otherwise -> stop
        action act "Act" [ref1]
          urgency emergent
          within 6 h
          dose "duloxetine" 60 to 120 mg/d
          dose "gabapentin"
          then stop
        end stop "Done"
        """
    )
    section, start, assess, decide, action, end = nodes
    assert start.targets == (ast.Name("check"),)
    assert assess.collects == (ast.Name("a"), ast.Name("b")) and assess.then == (ast.Name("decide_it"),)
    assert assess.section == decide.section == action.section == end.section == "first_look"
    assert decide.policy == "unique" and decide.detail == "why"
    assert decide.branches[0].targets == (ast.Name("act"), ast.Name("stop"))
    assert decide.otherwise.targets == (ast.Name("stop"),)
    assert action.urgency == ast.Name("emergent")
    assert action.timing.relation == "within" and action.timing.amount.low == ast.QuantityLit(6, "h", "6")
    assert action.doses[0].amount.low.unit == "mg/d" and action.doses[0].amount.high.value == 120
    assert action.doses[1] == ast.DoseDecl("gabapentin")


def test_timing_range_shares_its_unit():
    action = one('action f "Follow up" urgency routine in 2 to 4 wk then x')
    amount = action.timing.amount
    assert (amount.low.value, amount.low.unit, amount.high.value, amount.high.unit) == (2, "wk", 4, "wk")


def test_assertion_forms():
    assertion = one(
        """
        assert "Red flags" [ref1]
          always a implies reaches x
          never b and reaches y
          always x before y
          always x depends on a
        """
    )
    always, never, before, depends = assertion.properties
    assert always.expr == ast.Binary("implies", ast.NameRef("a"), ast.Reaches(ast.Name("x")))
    assert never.expr == ast.Binary("and", ast.NameRef("b"), ast.Reaches(ast.Name("y")))
    assert before == ast.Before(ast.Name("x"), ast.Name("y"))
    assert depends == ast.DependsOn(ast.Name("x"), ast.Name("a"))


def test_scenario_facts_and_expectations():
    scenario = one(
        """
        scenario "Vignette"
          given p = absent, t = 21 d, flag = true
          given low = -2
          expect first x
          expect first urgency emergent
          expect no y
          expect status needs_input
          expect needs abi, age
          expect no needs p
          expect z
        """
    )
    assert [f.name.value for f in scenario.facts] == ["p", "t", "flag", "low"]
    assert scenario.facts[1].value == ast.QuantityLit(21, "d", "21")
    assert scenario.facts[3].value.value == -2
    kinds = [(e.kind, [v.value for v in e.values]) for e in scenario.expectations]
    assert kinds == [
        ("first", ["x"]),
        ("first_urgency", ["emergent"]),
        ("not_reaches", ["y"]),
        ("status", ["needs_input"]),
        ("needs", ["abi", "age"]),
        ("not_needs", ["p"]),
        ("reaches", ["z"]),
    ]


def test_comments_are_ignored_and_spans_point_at_source():
    module = parse('# a comment\nreference r "T"  # trailing\n\n  input x: boolean\n', "f.cpath")
    ref, inp = module.items
    assert (ref.span.file, ref.span.line, ref.span.column) == ("f.cpath", 2, 1)
    assert (inp.name.span.line, inp.name.span.column, inp.name.span.end_column) == (4, 9, 10)


def test_spans_do_not_take_part_in_equality():
    assert parse("input x: boolean", "a") == parse("\n\n   input   x :  boolean", "b")


def test_syntax_error_is_located_with_a_friendly_message():
    with pytest.raises(ParseFailed) as failure:
        parse('guideline g "t"\ndecide d "t" (first)\n  when a b\n', "f.cpath")
    (problem,) = failure.value.problems
    assert (problem.span.line, problem.span.column) == (3, 10)
    assert problem.message == "a branch needs `->` and the node it leads to"


def test_unexpected_end_of_file_points_past_the_last_line():
    with pytest.raises(ParseFailed) as failure:
        parse('guideline g "t"\ndefine a: b <', "f.cpath")
    (problem,) = failure.value.problems
    assert problem.span.line == 2
    assert problem.message == "a condition is missing after the operator"


def test_grammar_is_strict_lalr_without_conflicts():
    from lark import Lark

    from carepath.dsl.parser import GRAMMAR

    Lark(GRAMMAR.read_text(), parser="lalr", strict=True, start="module")  # raises on any conflict
    assert lark_parser().options.parser == "lalr"


def test_every_keyword_and_punctuation_has_a_named_terminal():
    names = {t.name for t in lark_parser().terminals}
    assert not [n for n in names if n.startswith("__ANON")]


def test_every_broken_item_is_reported_not_just_the_first():
    text = 'guideline g "t"\ninput x: integer\ninput y: boolean\naction a "t" urgency soon\nreference r "ok"\n'
    with pytest.raises(ParseFailed) as failure:
        parse(text, "f.cpath")
    assert [(p.span.line, p.message) for p in failure.value.problems] == [
        (2, "unknown input type"),
        (4, "urgency is `emergent`, `urgent` or `routine`"),
    ]


def test_parentheses_group_and_leave_no_trace():
    assert expr("(a or b) and c") == ast.Binary("and", ast.Binary("or", ast.NameRef("a"), ast.NameRef("b")), ast.NameRef("c"))
    assert expr("((a))") == ast.NameRef("a")


def test_nesting_beyond_the_limit_is_a_located_error():
    from carepath.dsl.parser import MAX_DEPTH

    with pytest.raises(ParseFailed) as failure:
        parse("define d: " + "(" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5), "f.cpath")
    (problem,) = failure.value.problems
    assert problem.code == "CP0009" and problem.span.line == 1
