"""A Pygments lexer for `.cpath` guidelines, so docs and code review tools highlight them.

Registered under the `pygments.lexers` entry point as `cpath` (aliases `carepath`,
`cpath`; files `*.cpath`), so `pygmentize -l cpath`, Sphinx, MkDocs and anything
else built on Pygments find it once carepath is installed. It colours keywords,
quoted text, comments, numbers with their UCUM units (`30 mm[Hg]`,
`60 mL/min/{1.73_m2}`), the declared names, and node ids after `->` and `then`.

The keyword list is the grammar's (`dsl/grammar.lark`); a test holds the two equal
and lexes the reference guideline without a single error token.
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, default, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Whitespace

KEYWORDS = (
    "action", "always", "and", "any", "ask", "assert", "assess", "because", "before", "boolean",
    "by", "code", "collects", "count", "decide", "define", "depends", "detail", "dose", "emergent",
    "encoded", "end", "every", "expect", "false", "first", "from", "given", "guideline", "if",
    "implies", "import", "in", "input", "known", "needs", "never", "no", "not", "number", "of",
    "on", "one", "or", "otherwise", "patient", "quantity", "reaches", "reference", "routine",
    "scenario", "section", "source", "start", "status", "sum", "then", "to", "true", "unique",
    "urgency", "urgent", "version", "when", "within",
)
DECLARATIONS = ("guideline", "reference", "input", "define", "section", "assess", "decide", "action", "end", "patient")

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NOT_KEYWORD = r"(?!(?:" + "|".join(KEYWORDS) + r")\b)"
# a UCUM unit after a number: `%`, `mm[Hg]`, `mg/dL`, `/min`, `10*9/L`, `{beats}/min`, `mL/min/{1.73_m2}`
_ANNOTATION = r"\{[^}\s]*\}"
_UNIT = rf"(?:%|(?:[A-Za-z\[/]|10\*|{_ANNOTATION})(?:[^\s,(){{}}]|{_ANNOTATION})*)"
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"


class CarepathLexer(RegexLexer):
    """Lexer for carepath guideline files (`.cpath`)."""

    name = "carepath"
    aliases = ["cpath", "carepath"]
    filenames = ["*.cpath"]
    mimetypes = ["text/x-cpath"]

    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r"#.*$", Comment.Single),
            (r'"(?:[^"\\\n]|\\["\\n])*"', String.Double),
            (rf"({_NUMBER})([ \t]+)({_NOT_KEYWORD}{_UNIT})", bygroups(Number, Whitespace, Keyword.Type)),
            (_NUMBER, Number),
            (rf"(quantity)([ \t]+)({_NOT_KEYWORD}{_UNIT})", bygroups(Keyword, Whitespace, Keyword.Type)),
            (rf"(start)(\s*)(->|→)", bygroups(Keyword.Declaration, Whitespace, Operator), "targets"),
            (rf"({'|'.join(DECLARATIONS)})(\s+)({_NAME})", bygroups(Keyword.Declaration, Whitespace, Name.Function)),
            (r"(->|→)", Operator, "targets"),
            (r"(then)\b", Keyword, "targets"),
            (r"(true|false)\b", Keyword.Constant),
            (words(KEYWORDS, suffix=r"\b"), Keyword),
            (r"\[", Punctuation, "citations"),
            (r"<=|>=|!=|[≤≥≠<>=+\-*/]", Operator),
            (r"[(){},:\]]", Punctuation),
            (_NAME, Name),
        ],
        # node ids after `->`, `then` and `start ->`: `a, b, c`
        "targets": [
            (r"[ \t]+", Whitespace),
            (rf"{_NOT_KEYWORD}{_NAME}", Name.Label),
            (r",", Punctuation),
            default("#pop"),
        ],
        # reference ids in `[ref1, ref2]`
        "citations": [
            (r"\s+", Whitespace),
            (_NAME, Name.Constant),
            (r",", Punctuation),
            (r"\]", Punctuation, "#pop"),
            default("#pop"),
        ],
    }

