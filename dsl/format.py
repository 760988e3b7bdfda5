"""Formatting: source text → the same guideline in the canonical layout.

One layout for every guideline, so reviews show what changed and not how it was
indented: a declaration's first line at the margin, each of its clauses on a line
of its own indented by two spaces, one space around operators, the fewest
parentheses that keep the meaning, numbers as the author wrote them (`0.90` stays
`0.90`). The author's paragraphs survive (runs of blank lines become one), and so
does every comment: a comment on a line of its own stays above the line it
preceded, a comment after code stays at the end of that code's line.

The guarantee the tests hold it to: `parse(format(text)) == parse(text)` (the AST
ignores positions), formatting twice changes nothing, and no comment is lost.
"""

from __future__ import annotations

from attrs import frozen

from carepath.dsl import ast
from carepath.dsl.parser import parse

INDENT = "  "
WIDTH = 96  # longer references, defines and scenario facts continue on the next line


@frozen
class Comment:
    line: int
    text: str  # from `#` to the end of the line
    trailing: bool  # after code on the same line
    indented: bool = False  # on a line of its own, not at the margin


def format_text(text: str, file: str = "<text>") -> str:
    """The canonical form of a guideline's text. Raises `ParseFailed` when it does not parse."""
    module = parse(text, file)
    return _Formatter(find_comments(text)).module(module)


def find_comments(text: str) -> list[Comment]:
    """Every `#` comment, found by scanning outside quoted text (which never spans lines)."""
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        in_text, escaped = False, False
        for column, char in enumerate(line):
            if in_text:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    in_text = False
            elif char == '"':
                in_text = True
            elif char == "#":
                before = line[:column]
                found.append(Comment(number, line[column:].rstrip(), bool(before.strip()), bool(before)))
                break
    return found


# --- expressions --------------------------------------------------------------------------

# Binding strength, loosest first; an operand that binds more loosely than its place
# needs gets parentheses.
_IMPLIES, _OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _UNARY, _ATOM = range(9)
_LEVEL = {"implies": _IMPLIES, "or": _OR, "and": _AND, "+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}


def expression(e: ast.Expr) -> str:
    return _expr(e, _IMPLIES)


def _expr(e: ast.Expr, context: int) -> str:
    level, text = _bare(e)
    return f"({text})" if level < context else text


def _bare(e: ast.Expr) -> tuple[int, str]:
    if isinstance(e, ast.NameRef):
        return _ATOM, e.name
    if isinstance(e, ast.QuantityLit):
        return _ATOM, quantity(e)
    if isinstance(e, ast.BoolLit):
        return _ATOM, "true" if e.value else "false"
    if isinstance(e, ast.KnownTest):
        return _ATOM, f"known {e.name.value}"
    if isinstance(e, ast.Reaches):
        return _ATOM, f"reaches {e.node.value}"
    if isinstance(e, ast.Count):
        return _ATOM, "count(" + ", ".join(_expr(c, _IMPLIES) for c in e.conditions) + ")"
    if isinstance(e, ast.WeightedSum):
        terms = ", ".join(f"{t.weight_text} if {_expr(t.condition, _IMPLIES)}" for t in e.terms)
        return _ATOM, f"sum({terms})"
    if isinstance(e, ast.Unary):
        if e.op == "not":
            return _NOT, "not " + _expr(e.operand, _NOT)
        return _UNARY, "-" + _expr(e.operand, _UNARY)
    if isinstance(e, ast.Membership):
        values = ", ".join(_expr(v, _ATOM) for v in e.values)
        return _COMPARE, f"{_expr(e.operand, _SUM)} in {{{values}}}"
    if e.op in ast.COMPARISONS:
        return _COMPARE, f"{_expr(e.left, _SUM)} {e.op} {_expr(e.right, _SUM)}"
    level = _LEVEL[e.op]
    if e.op == "implies":  # right-associative: a implies (b implies c) needs none
        return level, f"{_expr(e.left, _OR)} implies {_expr(e.right, _IMPLIES)}"
    if e.op == "or":  # `(a and b) or c`: a reader should not need the precedence table
        chained = isinstance(e.left, ast.Binary) and e.left.op == "or"
        return level, f"{_expr(e.left, _OR if chained else _NOT)} or {_expr(e.right, _NOT)}"
    return level, f"{_expr(e.left, level)} {e.op} {_expr(e.right, level + 1)}"


# --- long lines: continued on the next, as docs/language.md says ---------------------------


def layout(e: ast.Expr, column: int, context: int = _IMPLIES) -> list[str]:
    """`e` as lines, the first starting at `column`, each continuation line carrying its
    own indentation: flat when it fits in WIDTH; else a chain of `and`/`or`/`implies`
    is broken before its operators (packing operands, continuation lines aligned with
    the expression's start), and a `sum(…)` or `count(…)` packs its terms, continued
    under the first term. What cannot be broken stays on one line."""
    flat = _expr(e, context)
    if column + len(flat) <= WIDTH:
        return [flat]
    level, _ = _bare(e)
    if level < context:  # needs parentheses: lay out the inside one column further
        inner = layout(e, column + 1, _IMPLIES)
        return ["(" + inner[0], *inner[1:-1], inner[-1] + ")"] if len(inner) > 1 else [f"({inner[0]})"]
    if isinstance(e, ast.Binary) and e.op in ("and", "or", "implies"):
        return _chain(e, column)
    if isinstance(e, (ast.Count, ast.WeightedSum)):
        return _call(e, column)
    if isinstance(e, ast.Binary) and e.op in ast.COMPARISONS:
        left = layout(e.left, column, _SUM)
        return [*left[:-1], f"{left[-1]} {e.op} {_expr(e.right, _SUM)}"]
    return [flat]


def _operands(e: ast.Expr, op: str) -> list[ast.Expr]:
    """The operands of a chain of one operator, in order (`and`/`or` group to the left,
    `implies` to the right), so that printing them joined by `op` means the same."""
    if not (isinstance(e, ast.Binary) and e.op == op):
        return [e]
    if op == "implies":
        return [e.left, *_operands(e.right, op)]
    return [*_operands(e.left, op), e.right]


def _chain(e: ast.Binary, column: int) -> list[str]:
    context = _OR if e.op == "implies" else _NOT
    lines: list[str] = []  # finished lines; the first relative to `column`, the others absolute
    current = ""
    for index, operand in enumerate(_operands(e, e.op)):
        piece = ("" if index == 0 else f"{e.op} ") + _expr(operand, context)
        if current and column + len(current) + 1 + len(piece) <= WIDTH:
            current += " " + piece
            continue
        if current:
            lines.append(current)
        current = piece
        if column + len(piece) > WIDTH:  # an operand too long by itself: break inside it
            joiner = piece[: len(piece) - len(_expr(operand, context))]
            inner = layout(operand, column + len(joiner), context)
            if len(inner) > 1:
                lines += [joiner + inner[0], *inner[1:]]
                current = ""  # the next operand starts a line of its own
    if current:
        lines.append(current)
    pad = " " * column
    return [lines[0], *(line if line.startswith(" ") else pad + line for line in lines[1:])]


def _call(e: ast.Count | ast.WeightedSum, column: int) -> list[str]:
    if isinstance(e, ast.Count):
        opening, pieces = "count(", [_expr(c, _IMPLIES) for c in e.conditions]
    else:
        opening, pieces = "sum(", [f"{t.weight_text} if {_expr(t.condition, _IMPLIES)}" for t in e.terms]
    return [line for line in _packed(opening, pieces, column, ")")]


def _packed(opening: str, pieces: list[str], column: int, closing: str = "") -> list[str]:
    """`opening` then the pieces joined by `, `, as many on a line as fit, continued
    under the first piece; `closing` ends the last line."""
    follow = column + len(opening)
    lines, current = [], opening
    for index, piece in enumerate(pieces):
        tail = "," if index < len(pieces) - 1 else closing
        start = column if not lines else 0
        if current.strip() and current not in (opening,) and start + len(current) + 1 + len(piece + tail) > WIDTH:
            lines.append(current)
            current = " " * follow + piece + tail
        else:
            current += ("" if current == opening or not current.strip() else " ") + piece + tail
    lines.append(current)
    return lines


def names_wrapped(opening: str, items: tuple[ast.Name, ...], column: int) -> str:
    """`opening` then the names, packed, continued under the first name past WIDTH."""
    return "\n".join(_packed(opening, [n.value for n in items], column))


def quantity(q: ast.QuantityLit) -> str:
    number = q.text or f"{q.value:g}"
    return f"{number} {q.unit}" if q.unit else number


def string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def names(items: tuple[ast.Name, ...]) -> str:
    return ", ".join(n.value for n in items)


def citations(items: tuple[ast.Name, ...]) -> str:
    return f" [{names(items)}]" if items else ""


def _bound(bound: ast.Bound) -> str:
    return bound.text or f"{bound.value:g}"


def _range(low: ast.Bound | None, high: ast.Bound | None) -> str:
    return f" from {_bound(low)} to {_bound(high)}" if low is not None and high is not None else ""


def _amount(amount: ast.Amount) -> str:
    low, high = amount.low, amount.high
    if high is None:
        return quantity(low)
    if low.unit == high.unit:
        return f"{low.text or f'{low.value:g}'} to {quantity(high)}"
    return f"{quantity(low)} to {quantity(high)}"


# --- declarations: each item as (source line, text) pairs -----------------------------------


Line = tuple[int, str]


def _item_lines(item: ast.Item) -> list[Line]:
    first = item.span.line
    if isinstance(item, ast.Import):
        return [(first, f"import {string(item.path)}")]
    if isinstance(item, ast.ReferenceDecl):
        year = f" {item.year}" if item.year is not None else ""
        head = f"reference {item.name.value} {string(item.title)}{year}"
        if item.publisher is None:
            return [(first, head)]
        by = f"by {string(item.publisher)}"
        if len(head) + 1 + len(by) <= WIDTH:
            return [(first, f"{head} {by}")]
        return [(first, head), (item.span.end_line, INDENT + by)]
    if isinstance(item, ast.InputDecl):
        return _input(item)
    if isinstance(item, ast.DefineDecl):
        head, body = f"define {item.name.value}:", expression(item.expr)
        if len(head) + 1 + len(body) <= WIDTH:
            lines = [(first, f"{head} {body}")]
        else:
            lines = [(first, head), (item.expr.span.line, INDENT + "\n".join(layout(item.expr, len(INDENT))))]
        return lines + _source(item, item.expr.span.end_line)
    if isinstance(item, ast.NotEncodedDecl):
        return [(first, f"not encoded {string(item.quote)}"), (item.span.end_line, f"{INDENT}because {string(item.reason)}")]
    if isinstance(item, ast.PatientDecl):
        return [(first, f"patient {item.name.value}"), *_facts(item.facts, first)]
    if isinstance(item, ast.SectionDecl):
        return [(first, f"section {item.name.value} {string(item.title)}")]
    if isinstance(item, ast.StartDecl):
        return [(first, names_wrapped("start -> ", item.targets, 0))]
    if isinstance(item, ast.AssessDecl):
        return _assess(item)
    if isinstance(item, ast.DecideDecl):
        return _decide(item)
    if isinstance(item, ast.ActionDecl):
        return _action(item)
    if isinstance(item, ast.EndDecl):
        lines = [(first, f"end {item.name.value} {string(item.title)}{citations(item.citations)}")]
        if item.detail is not None:
            lines.append((item.detail_line or first, f"{INDENT}detail {string(item.detail)}"))
        return lines + _source(item, first)
    if isinstance(item, ast.AssertDecl):
        return _assertion(item)
    return _scenario(item)


def _source(item, line: int) -> list[Line]:
    """The `source "..."` clause of a node, define or assertion, when it has one."""
    if item.source is None:
        return []
    return [(item.source_line or line, f"{INDENT}source {string(item.source)}")]


def _input(item: ast.InputDecl) -> list[Line]:
    t = item.type
    if isinstance(t, ast.BooleanTypeExpr):
        written = "boolean"
    elif isinstance(t, ast.NumberTypeExpr):
        written = "number" + _range(t.low, t.high)
    elif isinstance(t, ast.QuantityTypeExpr):
        written = f"quantity {t.unit}" + _range(t.low, t.high)
    else:
        written = "one of " + names(t.members)
    line = item.span.line
    lines = [(line, f"input {item.name.value}: {written}")]
    if item.question is not None:
        lines.append((item.question_line or line, f"{INDENT}ask {string(item.question)}"))
    for code in item.codes:
        display = f" {string(code.display)}" if code.display is not None else ""
        lines.append((code.span.line, f"{INDENT}code {code.system} {string(code.code)}{display}"))
    return lines


def _assess(item: ast.AssessDecl) -> list[Line]:
    line = item.span.line
    lines = [(line, f"assess {item.name.value} {string(item.title)}{citations(item.citations)}")]
    if item.detail is not None:
        lines.append((item.detail_line or line, f"{INDENT}detail {string(item.detail)}"))
    lines += _source(item, line)
    if item.collects:
        lines.append((item.collects[0].span.line, INDENT + names_wrapped("collects ", item.collects, len(INDENT))))
    if item.then:
        lines.append((item.then[0].span.line, INDENT + names_wrapped("then ", item.then, len(INDENT))))
    return lines


def _guarded(keyword: str, guard: ast.Expr, targets: tuple[ast.Name, ...] | None = None) -> str:
    """`  when <guard> -> targets` (or `  always <guard>`), the guard continued past WIDTH."""
    opening = f"{INDENT}{keyword} "
    lines = layout(guard, len(opening))
    if targets is not None:
        lines[-1] += f" -> {names(targets)}"
    return opening + "\n".join(lines)


def _decide(item: ast.DecideDecl) -> list[Line]:
    line = item.span.line
    policy = f" ({item.policy})" if item.policy else ""
    lines = [(line, f"decide {item.name.value} {string(item.title)}{policy}{citations(item.citations)}")]
    if item.detail is not None:
        lines.append((item.detail_line or line, f"{INDENT}detail {string(item.detail)}"))
    lines += _source(item, line)
    for branch in item.branches:
        lines.append((branch.span.line, _guarded("when", branch.guard, branch.targets)))
    if item.otherwise is not None:
        lines.append((item.otherwise.span.line, f"{INDENT}otherwise -> {names(item.otherwise.targets)}"))
    return lines


def _action(item: ast.ActionDecl) -> list[Line]:
    line = item.span.line
    lines = [(line, f"action {item.name.value} {string(item.title)}{citations(item.citations)}")]
    if item.urgency is not None:
        lines.append((item.urgency.span.line, f"{INDENT}urgency {item.urgency.value}"))
    if item.timing is not None:
        lines.append((item.timing.span.line, f"{INDENT}{item.timing.relation} {_amount(item.timing.amount)}"))
    for dose in item.doses:
        amount = f" {_amount(dose.amount)}" if dose.amount is not None else ""
        lines.append((dose.span.line, f"{INDENT}dose {string(dose.drug)}{amount}"))
    if item.detail is not None:
        lines.append((item.detail_line or line, f"{INDENT}detail {string(item.detail)}"))
    lines += _source(item, line)
    if item.then:
        lines.append((item.then[0].span.line, INDENT + names_wrapped("then ", item.then, len(INDENT))))
    return lines


def _assertion(item: ast.AssertDecl) -> list[Line]:
    lines = [(item.span.line, f"assert {string(item.label)}{citations(item.citations)}")]
    lines += _source(item, item.span.line)
    for prop in item.properties:
        if isinstance(prop, (ast.Always, ast.Never)):
            lines.append((prop.span.line, _guarded("always" if isinstance(prop, ast.Always) else "never", prop.expr)))
            continue
        elif isinstance(prop, ast.Before):
            text = f"always {prop.first.value} before {prop.then.value}"
        else:
            text = f"always {prop.node.value} depends on {prop.input.value}"
        lines.append((prop.span.line, INDENT + text))
    return lines


_EXPECT = {
    "reaches": "expect {}",
    "not_reaches": "expect no {}",
    "first": "expect first {}",
    "first_urgency": "expect first urgency {}",
    "status": "expect status {}",
    "needs": "expect needs {}",
    "not_needs": "expect no needs {}",
}


def _scenario(item: ast.ScenarioDecl) -> list[Line]:
    patient = f" from {item.patient.value}" if item.patient is not None else ""
    lines = [(item.span.line, f"scenario {string(item.name)}{patient}"), *_facts(item.facts, item.span.line)]
    for expectation in item.expectations:
        lines.append((expectation.span.line, INDENT + _EXPECT[expectation.kind].format(names(expectation.values))))
    return lines


def _facts(facts: tuple[ast.FactDecl, ...], line: int) -> list[Line]:
    """Facts packed onto `given` lines, continued under the first fact past WIDTH."""
    lines: list[Line] = []
    lead, follow = f"{INDENT}given ", " " * len(f"{INDENT}given ")
    current, current_line = "", line
    for fact in facts:
        value = fact.value
        piece = f"{fact.name.value} = " + (value.name if isinstance(value, ast.NameRef) else _expr(value, _ATOM))
        if not current:
            current, current_line = lead + piece, fact.span.line
        elif len(current) + 2 + len(piece) <= WIDTH:
            current += ", " + piece
        else:
            lines.append((current_line, current + ","))
            current, current_line = follow + piece, fact.span.line
    if current:
        lines.append((current_line, current))
    return lines


# --- putting it together, comments included ---------------------------------------------------


class _Formatter:
    """Lays out the declarations, then puts each comment back where it was written.

    Every output row remembers the source line it came from. A comment after code
    goes to the end of the last row written at or before its line. A comment on a
    line of its own belongs to the declaration it sits in (or, when indented, the one
    just above it) and goes above the first row written after it; any other comment
    leads the next declaration. Runs of blank lines between paragraphs become one.
    """

    def __init__(self, comments: list[Comment]):
        self.comments = comments

    def module(self, module: ast.Module) -> str:
        blocks: list[tuple[int, int, list[Line]]] = []
        if module.header is not None:
            header = module.header
            lines = [(header.span.line, f"guideline {header.name.value} {string(header.title)}")]
            if header.version is not None:
                lines.append((header.version_line or header.span.line, f"{INDENT}version {string(header.version)}"))
            blocks.append((header.span.line, header.span.end_line, lines))
        blocks += [(item.span.line, item.span.end_line, _item_lines(item)) for item in module.items]

        inner: list[list[Comment]] = [[] for _ in blocks]
        leading: list[list[Comment]] = [[] for _ in blocks]
        closing: list[Comment] = []
        for comment in (c for c in self.comments if not c.trailing):
            index = self._owner(blocks, comment)
            if index is not None:
                inner[index].append(comment)
                continue
            following = next((i for i, (start, _, _) in enumerate(blocks) if start > comment.line), None)
            (closing if following is None else leading[following]).append(comment)

        rows: list[list | None] = []  # [source line, text, trailing comments]; None is a blank line
        last_line = 0
        for index, (start, end, lines) in enumerate(blocks):
            for comment in leading[index]:
                self._paragraph(rows, last_line, comment.line)
                rows.append([comment.line, comment.text, []])
                last_line = comment.line
            self._paragraph(rows, last_line, start)
            pending = list(inner[index])
            for line, text in lines:
                rows += [[c.line, INDENT + c.text, []] for c in pending if c.line < line]
                pending = [c for c in pending if c.line >= line]
                rows.append([line, text, []])
            rows += [[c.line, INDENT + c.text, []] for c in pending]
            last_line = max([end, *(c.line for c in pending)])
        for comment in closing:
            self._paragraph(rows, last_line, comment.line)
            rows.append([comment.line, comment.text, []])
            last_line = comment.line

        for comment in (c for c in self.comments if c.trailing):
            code_rows = [r for r in rows if r is not None and not r[1].lstrip().startswith("#")]
            owner = next((r for r in reversed(code_rows) if r[0] <= comment.line), None)
            if owner is None:
                rows.insert(0, [comment.line, comment.text, []])
            else:
                owner[2].append(comment.text)
        text_lines: list[str] = []
        for row in rows:
            if row is None:
                text_lines.append("")
                continue
            *above, last = row[2] or [None]
            # A construct written over several lines, each with its comment, now fits on
            # one: the earlier comments go above it, the last stays at its end.
            indent = INDENT if row[1].startswith(" ") else ""
            text_lines += [indent + comment for comment in above]
            text_lines.append(row[1] if last is None else f"{row[1]}  {last}")
        return "\n".join(text_lines).strip("\n") + "\n"

    @staticmethod
    def _owner(blocks, comment: Comment) -> int | None:
        """The declaration a standalone comment belongs inside, if any."""
        for index, (start, end, _) in enumerate(blocks):
            next_start = blocks[index + 1][0] if index + 1 < len(blocks) else None
            if start <= comment.line <= end:
                return index
            if comment.indented and comment.line > end and (next_start is None or comment.line < next_start):
                return index
        return None

    @staticmethod
    def _paragraph(rows: list, last_line: int, line: int) -> None:
        """One blank line where the source had one or more, never at the top."""
        if rows and rows[-1] is not None and line > last_line + 1:
            rows.append(None)
