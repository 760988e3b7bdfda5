"""Parse tree → AST: one method per grammar rule, spans from Lark's `meta`.

Kept apart from `parser.py` so the grammar-to-AST mapping reads as a table. The
transformer never judges meaning; it only shapes. The one thing it reports is a
clause written twice on one node (`urgency` twice), which the grammar allows so
that the message can be specific; those go to `self.problems`.
"""

from __future__ import annotations

import re
from fractions import Fraction

from attrs import evolve
from lark import Token, Tree

from carepath.dsl import ast
from carepath.diagnostics import Span


_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _unescape(token: Token) -> str:
    body = str(token)[1:-1]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), body)


class ToAst:
    """One method per grammar rule, called as `rule(meta, children)` with the children already shaped.

    The walk is its own rather than Lark's `Transformer` with `v_args(meta=True)`, which
    builds a new method wrapper at every node (a third of the time of shaping a tree). A
    rule without a method stays a `Tree` of shaped children.
    """

    def __init__(self, file: str):
        self.file = file
        self.problems: list[tuple[str, Span]] = []

    def transform(self, tree: Tree):
        """The tree shaped bottom-up (recursion is bounded: the parser refuses trees deeper than MAX_DEPTH)."""
        children = [self.transform(child) if isinstance(child, Tree) else child for child in tree.children]
        method = getattr(self, tree.data, None)
        if method is None:
            return Tree(tree.data, children, tree.meta)
        return method(tree.meta, children)

    # -- helpers --------------------------------------------------------------------

    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.file, 1, 1, 1, 1)
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok_span(self, tok: Token) -> Span:
        return Span(self.file, tok.line, tok.column, tok.end_line, tok.end_column)

    def _name(self, tok: Token) -> ast.Name:
        return ast.Name(str(tok), span=self._tok_span(tok))

    @staticmethod
    def _tokens(children, type_: str) -> list[Token]:
        return [c for c in children if isinstance(c, Token) and c.type == type_]

    # -- module and header ---------------------------------------------------------------

    def module(self, meta, children):
        header = next((c for c in children if isinstance(c, ast.Header)), None)
        items = tuple(c for c in children if not isinstance(c, ast.Header))
        return ast.Module(header, _assign_sections(items), self.file, span=self._span(meta))

    def header(self, meta, children):
        name = self._name(self._tokens(children, "NAME")[0])
        title = _unescape(self._tokens(children, "STRING")[0])
        version = next((c for c in children if isinstance(c, _Clause)), None)
        return ast.Header(
            name, title, version.value if version else None,
            version_line=version.span.line if version else 0, span=self._span(meta),
        )

    def version(self, meta, children):
        return _Clause("version", _unescape(children[1]), self._span(meta))

    def import_(self, meta, children):
        return ast.Import(_unescape(children[1]), span=self._span(meta))

    def reference(self, meta, children):
        name = self._name(children[1])
        title = _unescape(children[2])
        year = next((c for c in children if isinstance(c, int) and not isinstance(c, bool)), None)
        publisher = next((c for c in children if isinstance(c, _Publisher)), None)
        return ast.ReferenceDecl(
            name, title, year, publisher.text if publisher else None, span=self._span(meta)
        )

    def year(self, meta, children):
        return int(children[0])

    def publisher(self, meta, children):
        return _Publisher(_unescape(children[1]))

    # -- inputs --------------------------------------------------------------------------

    def input_decl(self, meta, children):
        name = self._name(children[1])
        type_expr = children[3]
        question, question_line, codes = None, 0, []
        for clause in children[4:]:
            if isinstance(clause, ast.CodeDecl):
                codes.append(clause)
            elif isinstance(clause, _Ask):
                if question is not None:
                    self.problems.append(("`ask` is given twice for this input", clause.span))
                    continue
                question, question_line = clause.text, clause.span.line
        return ast.InputDecl(name, type_expr, question, tuple(codes), question_line=question_line,
                             span=self._span(meta))

    def boolean_type(self, meta, children):
        return ast.BooleanTypeExpr(span=self._span(meta))

    def number_type(self, meta, children):
        low, high = children[1] if len(children) > 1 else (None, None)
        return ast.NumberTypeExpr(low, high, span=self._span(meta))

    def quantity_type(self, meta, children):
        unit = children[1]
        low, high = children[2] if len(children) > 2 else (None, None)
        return ast.QuantityTypeExpr(
            str(unit), low, high, unit_span=self._tok_span(unit), span=self._span(meta)
        )

    def enum_type(self, meta, children):
        return ast.EnumTypeExpr(children[2], span=self._span(meta))

    def range(self, meta, children):
        bounds = [c for c in children if isinstance(c, ast.Bound)]
        return (bounds[0], bounds[1])

    def signed(self, meta, children):
        number = children[-1]
        if len(children) == 2:
            return ast.Bound(-number.value, "-" + number.text)
        return number

    def number(self, meta, children):
        return ast.Bound(Fraction(str(children[0])), str(children[0]))

    def ask(self, meta, children):
        return _Ask(_unescape(children[1]), self._span(meta))

    def code(self, meta, children):
        strings = self._tokens(children, "STRING")
        display = _unescape(strings[1]) if len(strings) > 1 else None
        return ast.CodeDecl(str(children[1]), _unescape(strings[0]), display, span=self._span(meta))

    def define(self, meta, children):
        source = next((c for c in children if isinstance(c, _Clause)), None)
        return ast.DefineDecl(
            self._name(children[1]), children[3], source.value if source else None,
            source_line=source.span.line if source else 0, span=self._span(meta),
        )

    def source(self, meta, children):
        return _Clause("source", _unescape(children[1]), self._span(meta))

    def not_encoded(self, meta, children):
        quote, reason = self._tokens(children, "STRING")
        return ast.NotEncodedDecl(_unescape(quote), _unescape(reason), span=self._span(meta))

    # -- graph ---------------------------------------------------------------------------

    def section(self, meta, children):
        return ast.SectionDecl(self._name(children[1]), _unescape(children[2]), span=self._span(meta))

    def start_decl(self, meta, children):
        return ast.StartDecl(children[2], span=self._span(meta))

    def name_list(self, meta, children):
        return tuple(self._name(t) for t in self._tokens(children, "NAME"))

    def citations(self, meta, children):
        return _Citations(children[1])

    def assess(self, meta, children):
        name, title = self._name(children[1]), _unescape(children[2])
        citations, collects, then, detail, source = (), [], [], None, None
        for child in children[3:]:
            if isinstance(child, _Citations):
                citations = child.names
            elif isinstance(child, _Clause):
                if child.kind == "collects":
                    collects.extend(child.value)
                elif child.kind == "then":
                    then.extend(child.value)
                elif child.kind == "detail":
                    detail = self._once(detail, child, "detail")
                elif child.kind == "source":
                    source = self._once(source, child, "source")
        return ast.AssessDecl(
            name, title, citations, tuple(collects), tuple(then), detail, source,
            detail_line=_detail_line(children), source_line=_clause_line(children, "source"),
            span=self._span(meta),
        )

    def _once(self, current, clause: _Clause, keyword: str):
        if current is not None:
            self.problems.append((f"`{keyword}` is given twice for this node", clause.span))
            return current
        return clause.value

    def collects(self, meta, children):
        return _Clause("collects", children[1], self._span(meta))

    def then(self, meta, children):
        return _Clause("then", children[1], self._span(meta))

    def detail(self, meta, children):
        return _Clause("detail", _unescape(children[1]), self._span(meta))

    def decide(self, meta, children):
        name, title = self._name(children[1]), _unescape(children[2])
        policy, citations, detail, source, branches, otherwise = None, (), None, None, [], None
        for child in children[3:]:
            if isinstance(child, _Policy):
                policy = child.name
            elif isinstance(child, _Citations):
                citations = child.names
            elif isinstance(child, _Clause) and child.kind == "detail":
                detail = self._once(detail, child, "detail")
            elif isinstance(child, _Clause):
                source = self._once(source, child, "source")
            elif isinstance(child, ast.Branch):
                branches.append(child)
            elif isinstance(child, ast.Otherwise):
                otherwise = child
        return ast.DecideDecl(
            name, title, policy, citations, detail, tuple(branches), otherwise, source,
            detail_line=_detail_line(children), source_line=_clause_line(children, "source"),
            span=self._span(meta),
        )

    def policy(self, meta, children):
        return _Policy(str(children[1]))

    def branch(self, meta, children):
        return ast.Branch(children[1], children[3], span=self._span(meta))

    def otherwise(self, meta, children):
        return ast.Otherwise(children[2], span=self._span(meta))

    def action(self, meta, children):
        name, title = self._name(children[1]), _unescape(children[2])
        citations, urgency, timing, doses, then, detail, source = (), None, None, [], [], None, None
        for child in children[3:]:
            if isinstance(child, _Citations):
                citations = child.names
            elif isinstance(child, _Clause):
                if child.kind == "urgency":
                    urgency = self._once(urgency, child, "urgency")
                elif child.kind == "timing":
                    timing = self._once(timing, child, "within/in/every")
                elif child.kind == "dose":
                    doses.append(child.value)
                elif child.kind == "then":
                    then.extend(child.value)
                elif child.kind == "detail":
                    detail = self._once(detail, child, "detail")
                elif child.kind == "source":
                    source = self._once(source, child, "source")
        return ast.ActionDecl(
            name, title, citations, urgency, timing, tuple(doses), tuple(then), detail, source,
            detail_line=_detail_line(children), source_line=_clause_line(children, "source"),
            span=self._span(meta),
        )

    def urgency(self, meta, children):
        return _Clause("urgency", self._name(children[1]), self._span(meta))

    def timing(self, meta, children):
        span = self._span(meta)
        return _Clause("timing", ast.TimingDecl(str(children[0]), children[1], span=span), span)

    def dose(self, meta, children):
        span = self._span(meta)
        amount = children[2] if len(children) > 2 else None
        return _Clause("dose", ast.DoseDecl(_unescape(children[1]), amount, span=span), span)

    def amount(self, meta, children):
        quantities, current = [], None
        for child in children:
            if isinstance(child, ast.Bound):
                current = [child, ""]
                quantities.append(current)
            elif isinstance(child, Token) and child.type == "UNIT":
                current[1] = str(child)
        lits = [ast.QuantityLit(b.value, unit, b.text) for b, unit in quantities]
        if len(lits) == 2 and lits[0].unit == "":
            lits[0] = evolve(lits[0], unit=lits[1].unit)  # `2 to 4 wk`: the unit belongs to both
        return ast.Amount(lits[0], lits[1] if len(lits) > 1 else None, span=self._span(meta))

    def end_node(self, meta, children):
        name, title = self._name(children[1]), _unescape(children[2])
        citations = next((c.names for c in children if isinstance(c, _Citations)), ())
        detail = source = None
        for child in children:
            if isinstance(child, _Clause) and child.kind == "detail":
                detail = self._once(detail, child, "detail")
            elif isinstance(child, _Clause):
                source = self._once(source, child, "source")
        return ast.EndDecl(
            name, title, citations, detail, source,
            detail_line=_detail_line(children), source_line=_clause_line(children, "source"),
            span=self._span(meta),
        )

    # -- expressions -------------------------------------------------------------------

    def _binary(self, meta, children):
        left, op, right = children
        return ast.Binary(_OPERATORS.get(op.type, str(op)), left, right, span=self._span(meta))

    implies = or_ = and_ = compare = arithmetic = _binary

    def atom(self, meta, children):
        """`( expr )`: the only `atom` with more than one child, so the only one kept."""
        return children[1]

    def not_(self, meta, children):
        return ast.Unary("not", children[1], span=self._span(meta))

    def negate(self, meta, children):
        operand = children[1]
        if isinstance(operand, ast.QuantityLit):
            return evolve(operand, value=-operand.value, text="-" + operand.text, span=self._span(meta))
        return ast.Unary("-", operand, span=self._span(meta))

    def membership(self, meta, children):
        return ast.Membership(children[0], children[3], span=self._span(meta))

    def value_list(self, meta, children):
        return tuple(c for c in children if not isinstance(c, Token))

    def name(self, meta, children):
        return ast.NameRef(str(children[0]), span=self._span(meta))

    def quantity(self, meta, children):
        bound = children[0]
        unit = str(children[1]) if len(children) > 1 else ""
        return ast.QuantityLit(bound.value, unit, bound.text, span=self._span(meta))

    def true(self, meta, children):
        return ast.BoolLit(True, span=self._span(meta))

    def false(self, meta, children):
        return ast.BoolLit(False, span=self._span(meta))

    def count(self, meta, children):
        conditions = tuple(c for c in children if not isinstance(c, Token))
        return ast.Count(conditions, span=self._span(meta))

    def weighted_sum(self, meta, children):
        terms = tuple(c for c in children if isinstance(c, ast.WeightedTerm))
        return ast.WeightedSum(terms, span=self._span(meta))

    def term(self, meta, children):
        weight = children[0]
        return ast.WeightedTerm(weight.value, weight.text, children[2], span=self._span(meta))

    def known(self, meta, children):
        return ast.KnownTest(self._name(children[1]), span=self._span(meta))

    def reaches(self, meta, children):
        return ast.Reaches(self._name(children[1]), span=self._span(meta))

    # -- assertions and scenarios ------------------------------------------------------

    def assertion(self, meta, children):
        citations = next((c.names for c in children if isinstance(c, _Citations)), ())
        properties = tuple(
            c for c in children if isinstance(c, (ast.Always, ast.Never, ast.Before, ast.DependsOn))
        )
        source = next((c for c in children if isinstance(c, _Clause)), None)
        return ast.AssertDecl(
            _unescape(children[1]), citations, properties, source.value if source else None,
            source_line=source.span.line if source else 0, span=self._span(meta),
        )

    def always(self, meta, children):
        return ast.Always(children[1], span=self._span(meta))

    def never(self, meta, children):
        return ast.Never(children[1], span=self._span(meta))

    def before(self, meta, children):
        return ast.Before(self._name(children[1]), self._name(children[3]), span=self._span(meta))

    def depends(self, meta, children):
        return ast.DependsOn(self._name(children[1]), self._name(children[4]), span=self._span(meta))

    def patient(self, meta, children):
        facts = tuple(c for c in children if isinstance(c, ast.FactDecl))
        return ast.PatientDecl(self._name(children[1]), facts, span=self._span(meta))

    def scenario(self, meta, children):
        facts = tuple(c for c in children if isinstance(c, ast.FactDecl))
        expectations = tuple(c for c in children if isinstance(c, ast.ExpectDecl))
        patient = next((self._name(t) for t in self._tokens(children, "NAME")), None)
        return ast.ScenarioDecl(_unescape(children[1]), facts, expectations, patient, span=self._span(meta))

    def fact(self, meta, children):
        value = children[-1]
        if len(children) == 4:  # NAME EQ MINUS quantity
            value = evolve(value, value=-value.value, text="-" + value.text)
        return ast.FactDecl(self._name(children[0]), value, span=self._span(meta))

    def _expect(kind):  # noqa: N805 - a rule factory used in the class body
        def rule(self, meta, children):
            names = []
            for child in children:
                if isinstance(child, tuple):
                    names.extend(child)
                elif isinstance(child, Token) and child.type == "NAME":
                    names.append(self._name(child))
            return ast.ExpectDecl(kind, tuple(names), span=self._span(meta))

        return rule

    expect_reaches = _expect("reaches")
    expect_not_reaches = _expect("not_reaches")
    expect_first = _expect("first")
    expect_first_urgency = _expect("first_urgency")
    expect_status = _expect("status")
    expect_needs = _expect("needs")
    expect_not_needs = _expect("not_needs")
    del _expect


_OPERATORS = {
    "LE": "<=", "GE": ">=", "NE": "!=", "LT": "<", "GT": ">", "EQ": "=",
    "PLUS": "+", "MINUS": "-", "STAR": "*", "SLASH": "/",
    "AND": "and", "OR": "or", "IMPLIES": "implies",
}  # fmt: skip


class _Publisher:
    def __init__(self, text: str):
        self.text = text


class _Ask:
    def __init__(self, text: str, span: Span):
        self.text, self.span = text, span


class _Citations:
    def __init__(self, names: tuple):
        self.names = names


class _Policy:
    def __init__(self, name: str):
        self.name = name


class _Clause:
    """A keyword clause of a node (`then`, `urgency`, ...) before it is placed."""

    def __init__(self, kind: str, value, span: Span):
        self.kind, self.value, self.span = kind, value, span


def _detail_line(children) -> int:
    """The line of a node's first `detail` clause, or 0 when it has none."""
    return _clause_line(children, "detail")


def _clause_line(children, kind: str) -> int:
    """The line of a node's first clause of this kind (`detail`, `source`), or 0 when it has none."""
    return next((c.span.line for c in children if isinstance(c, _Clause) and c.kind == kind), 0)


def _assign_sections(items: tuple) -> tuple:
    """Give every node the section declared above it in the file."""
    current, out = None, []
    for item in items:
        if isinstance(item, ast.SectionDecl):
            current = item.name.value
        elif isinstance(item, (ast.AssessDecl, ast.DecideDecl, ast.ActionDecl, ast.EndDecl)):
            item = evolve(item, section=current)
        out.append(item)
    return tuple(out)
