"""Source text → AST, or a `SyntaxProblem` that says where and what in words.

The Lark parser is built once per process (LALR, `strict=True` so a grammar
conflict or a terminal collision fails at build time, positions on) and cached.
Friendly messages come from `UnexpectedInput.match_examples` against the table
in `syntax_errors.py`; anything it does not know falls back to the expected
tokens, said in words ("expected `->` or a name").
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from attrs import frozen
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from carepath.dsl import ast
from carepath.diagnostics import Span
from carepath.dsl.syntax_errors import EXAMPLES, describe_expected, refine
from carepath.dsl.transform import ToAst

GRAMMAR = Path(__file__).with_name("grammar.lark")


@frozen
class SyntaxProblem:
    """A syntax error, in the same shape the compiler gives its diagnostics."""

    code: str
    message: str
    span: Span
    label: str | None = None
    hint: str | None = None


class ParseFailed(Exception):
    def __init__(self, problems: list[SyntaxProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.span}: {p.message}" for p in problems))


@functools.cache
def lark_parser() -> Lark:
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        start="module",
        strict=True,
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,  # the LALR tables are built (and checked, strictly) once per grammar version
    )


def parse(text: str, file: str = "<text>") -> ast.Module:
    """Parse one file's text. Raises `ParseFailed` with every problem found."""
    try:
        tree = lark_parser().parse(text)
    except UnexpectedInput as error:
        raise ParseFailed(_syntax_problems(error, text, file)) from None
    too_deep = _too_deep(tree, file)
    if too_deep is not None:
        raise ParseFailed([too_deep])
    out_of_bounds = _literal_problems(tree, file)
    if out_of_bounds:
        raise ParseFailed(out_of_bounds)
    transformer = ToAst(file)
    module = transformer.transform(tree)
    if transformer.problems:
        raise ParseFailed(
            [SyntaxProblem("CP0003", message, span, hint="remove one of the two") for message, span in transformer.problems]
        )
    return module


# Deeper parse trees than this are refused: every pass walks expressions
# recursively, and no guideline needs a condition of hundreds of nested parts.
MAX_DEPTH = 100


def _too_deep(tree: Tree, file: str) -> SyntaxProblem | None:
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = node.meta
            span = Span(file, meta.line, meta.column, meta.line, meta.column + 1)
            return SyntaxProblem(
                "CP0009", f"this expression is nested more than {MAX_DEPTH} levels deep", span,
                "too deep", "split it into several `define`s",
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))
    return None


# Number literals longer than this are refused (CP0010): no clinical value needs more
# digits, and every stage can then hold a literal in a double without overflow.
MAX_NUMBER_DIGITS = 30
# A reference's year is written with at most this many digits (CP0011).
MAX_YEAR_DIGITS = 4


def _literal_problems(tree: Tree, file: str) -> list[SyntaxProblem]:
    """Number literals and years too long to be meant, each located (before any is converted)."""
    years = {id(token) for year in tree.find_data("year") for token in year.children if isinstance(token, Token)}
    problems = []
    for token in tree.scan_values(lambda v: isinstance(v, Token) and v.type in ("INT", "DECIMAL")):
        span = Span(file, token.line, token.column, token.end_line, token.end_column)
        digits = len(token) - token.count(".")
        if id(token) in years and digits > MAX_YEAR_DIGITS:
            problems.append(SyntaxProblem("CP0011", f"a year has at most {MAX_YEAR_DIGITS} digits, this one has {digits}",
                                          span, "not a year", "write the year of publication, e.g. 2025"))
        elif digits > MAX_NUMBER_DIGITS:
            problems.append(SyntaxProblem("CP0010", f"a number has at most {MAX_NUMBER_DIGITS} digits, this one has {digits}",
                                          span, "too many digits", "write the value with fewer digits, or in another unit"))
    return problems[:MAX_SYNTAX_PROBLEMS]


# Words that begin a top-level declaration; after a syntax error, parsing resumes
# at the next line that starts with one, so one run reports every broken item.
_ITEM_KEYWORDS = re.compile(
    r"^[ \t]*(import|reference|input|define|section|start|assess|decide|action|end|assert"
    r"|not\s+encoded|patient|scenario)\b"
)
MAX_SYNTAX_PROBLEMS = 20


def _syntax_problems(first: UnexpectedInput, text: str, file: str) -> list[SyntaxProblem]:
    """The first error, then one per later item that is broken too."""
    problems = [_describe(first, text, file)]
    lines = text.split("\n")
    while len(problems) < MAX_SYNTAX_PROBLEMS:
        resume = next(
            (i for i in range(problems[-1].span.line, len(lines)) if _ITEM_KEYWORDS.match(lines[i])), None
        )
        if resume is None:
            break
        rest = "\n" * resume + "\n".join(lines[resume:])  # keep line numbers as they were
        try:
            lark_parser().parse(rest)
            break
        except UnexpectedInput as error:
            problem = _describe(error, rest, file)
            if problem.span.line <= problems[-1].span.line:
                break
            problems.append(problem)
    return problems


def _describe(error: UnexpectedInput, text: str, file: str) -> SyntaxProblem:
    line, column = _position(error, text)
    token = getattr(error, "token", None)
    width = len(str(token)) if isinstance(token, Token) and token.type != "$END" and str(token) else 1
    span = Span(file, line, column, line, column + width)

    known = _refined(error, text, line, column) or _match_example(error)
    if known is not None:
        message, hint = known
        previous = _previous_token_span(text, line, column, file) if message in MISSING_AFTER_PREVIOUS_TOKEN else None
        if previous is not None:
            written = text.split("\n")[previous.line - 1].split()
            if message == TITLE_MISSING and len(written) == 2:
                hint = f'write a title in quotes after the name: `{written[0]} {written[1]} "…"`'
            return SyntaxProblem("CP0001", message, previous, f"missing after this, before {_found(error, text)}", hint)
        return SyntaxProblem("CP0001", message, span, _found(error, text), hint)

    if isinstance(error, UnexpectedCharacters):
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        if char == '"':
            return SyntaxProblem(
                "CP0002",
                "this text is not closed on its line",
                span,
                "text starts here",
                'close it with `"`; write a quote inside text as `\\"`',
            )
        return SyntaxProblem(
            "CP0002",
            f"unexpected character `{char}`",
            span,
            "not part of the language",
            describe_expected(error.allowed) if error.allowed else None,
        )
    expected = getattr(error, "expected", None) or getattr(error, "accepts", None) or set()
    if isinstance(error, UnexpectedToken) and error.accepts:
        expected = error.accepts
    what = _found(error, text)
    return SyntaxProblem("CP0001", f"unexpected {what}", span, what, describe_expected(expected))


# Messages about something missing after a token: when the token that revealed the
# mistake starts a later line (`end done` then `scenario …`), the caret goes under the
# token the missing part should follow, on the line where it is missing.
TITLE_MISSING = "a node needs a title in quotes after its name"
MISSING_AFTER_PREVIOUS_TOKEN = {
    TITLE_MISSING,
    "an input needs `:` and its type after its name",
    "a branch needs `->` and the node it leads to",
    "`otherwise` needs `->` and the node it leads to",
}


def _refined(error: UnexpectedInput, text: str, line: int, column: int) -> tuple[str, str] | None:
    token = getattr(error, "token", None)
    if not isinstance(token, Token) or token.type == "$END":
        return None
    lines = text.split("\n")
    before = lines[line - 1][: column - 1] if 0 < line <= len(lines) else ""
    accepts = set(getattr(error, "accepts", None) or getattr(error, "expected", None) or ())
    return refine(token.type, str(token), before, accepts, _keywords(), lines[: line - 1])


@functools.cache
def _keywords() -> dict[str, str]:
    """Terminal name → keyword text, for every keyword of the grammar (`OTHERWISE` → `otherwise`)."""
    return {t.name: t.pattern.value for t in lark_parser().terminals
            if t.pattern.type == "str" and t.pattern.value.isalpha()}


def _previous_token_span(text: str, line: int, column: int, file: str) -> Span | None:
    """The last word before (line, column), when it is on an earlier line; comments skipped."""
    lines = text.split("\n")
    if lines[line - 1][: column - 1].strip():
        return None  # the offending token is not the first on its line: point at it
    for number in range(line - 1, 0, -1):
        code = re.sub(r'#[^"]*$', "", lines[number - 1]).rstrip()
        if code:
            word = re.search(r"\S+$", code)
            return Span(file, number, word.start() + 1, number, word.end() + 1)
    return None


def _match_example(error: UnexpectedInput) -> tuple[str, str] | None:
    """The (message, hint) of the known-bad example that fails in the same parser state.

    Like `UnexpectedInput.match_examples`, but comparing the LALR state number
    and the accepted tokens only, not the depth of the parser's stack: whether a
    header or ten items come before the mistake does not change what it is.
    """
    state = getattr(error, "state", None)
    if state is None:
        return None
    accepts = getattr(error, "accepts", None)
    for label, snippets in EXAMPLES.items():
        for snippet in snippets:
            example = _example_error(snippet)
            if example is None or example.state is None:
                continue
            if example.state.position == state.position and (
                accepts is None or getattr(example, "accepts", None) in (None, accepts)
            ):
                return label
    return None


@functools.cache
def _example_error(snippet: str) -> UnexpectedInput | None:
    try:
        lark_parser().parse(snippet)
    except UnexpectedInput as error:
        return error
    return None


def _found(error: UnexpectedInput, text: str) -> str:
    if isinstance(error, UnexpectedEOF):
        return "end of file"
    token = getattr(error, "token", None)
    if isinstance(token, Token):
        if token.type == "$END":
            return "end of file"
        return f"`{token}`"
    if isinstance(error, UnexpectedCharacters) and error.pos_in_stream < len(text):
        return f"`{text[error.pos_in_stream]}`"
    return "input"


def _position(error: UnexpectedInput, text: str) -> tuple[int, int]:
    line, column = getattr(error, "line", -1), getattr(error, "column", -1)
    if line is None or line < 1:  # end of file: point just past the last character
        lines = text.split("\n")
        return len(lines), len(lines[-1]) + 1
    return line, column
