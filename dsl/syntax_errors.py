"""Known syntax mistakes and the words for what the parser expected.

`EXAMPLES` maps (message, hint) to snippets that fail the same way. Lark's
`match_examples` replays each snippet and picks the one whose parser state at the
error matches the author's, so the message fits the mistake rather than the
token. Add a row when a real author's mistake gets a poor message.

`refine` comes first: mistakes that a parser state alone cannot tell apart (a
misspelt keyword, a chained comparison, a branch written inside an action) are
recognised from the offending token and the line around it.
"""

from __future__ import annotations

import difflib
import re

EXAMPLES: dict[tuple[str, str], list[str]] = {
    (
        "a branch needs `->` and the node it leads to",
        "write `when <condition> -> <node>`",
    ): [
        'decide d "t" when a',
        'decide d "t" when a = b c',
        'decide d "t" when a then b',
    ],
    (
        "`otherwise` needs `->` and the node it leads to",
        "write `otherwise -> <node>`",
    ): ['decide d "t" otherwise a', 'decide d "t" otherwise'],
    (
        "a node needs a title in quotes after its name",
        'write e.g. `action refer "Refer to vascular surgery"`',
    ): [
        "action a urgency",
        "action a then",
        "decide d when",
        "assess a collects",
        "end e end",
        "action a action",
        "decide d decide",
    ],
    (
        "a node needs a name after its keyword",
        'write e.g. `action refer "Refer to vascular surgery"`',
    ): ['action "t"', 'decide "t"', 'assess "t"', 'end "t"'],
    (
        "unknown input type",
        "an input is `boolean`, `number [from A to B]`, `quantity UNIT [from A to B]` or `one of a, b, c`",
    ): ["input a: integer", "input a: string", "input a: bool", "input a: enum"],
    (
        "an input needs `:` and its type after its name",
        "write e.g. `input smoker: boolean`",
    ): ["input a boolean", "input a number", "input a one"],
    (
        "urgency is `emergent`, `urgent` or `routine`",
        "write e.g. `urgency emergent`",
    ): ['action a "t" urgency high', 'action a "t" urgency 1', 'action a "t" urgency'],
    (
        "a hit policy is `(first)`, `(unique)` or `(any)`",
        "write e.g. `decide triage \"Triage\" (first)`",
    ): ['decide d "t" (all)', 'decide d "t" (x', 'decide d "t" ()'],
    (
        "`==` is not an operator here",
        "compare with a single `=`",
    ): ["define a: b = = c"],
    (
        "a condition is missing after the operator",
        "write the value to compare with, e.g. `abi <= 0.90`",
    ): ["define a: b <", "define a: b <=", "define a: b and", "define a: b or", "define a: b =", "define a: not"],
    (
        "a define is written `define <name>: <expression>`",
        "put a colon after the name, e.g. `define fever: temperature >= 38`",
    ): ["define a = b", "define a b", "define a"],
    (
        "a keyword cannot be used as a name",
        "rename it: keywords such as `end`, `first`, `any`, `then`, `count` are reserved",
    ): ["input end", "define end", "action end", "decide end", "input first", "define first", "input then"],
    (
        "citations are reference names in brackets",
        "write e.g. `[ref1, ref2]`",
    ): ['action a "t" [', 'action a "t" [ref1', 'action a "t" [ref1 ref2', 'action a "t" ["ref1"]'],
    (
        "a list of names is separated by commas",
        "write e.g. `then a, b`",
    ): ['action a "t" then b c', "start -> a b", 'decide d "t" when x -> a b'],
    (
        "a scenario needs at least one `expect` line",
        "write e.g. `expect first emergency_consult` or `expect status complete`",
    ): ['scenario "s" given a = b', 'scenario "s"'],
    (
        "a fact is written `name = value`",
        "write e.g. `given pedal_pulses = absent, abi = 0.85`",
    ): ['scenario "s" given a', 'scenario "s" given a b', 'scenario "s" given a ='],
    (
        "a sentence left out needs its reason",
        'write `not encoded "<sentence>" because "<reason>"`',
    ): ['not encoded "s"', 'not encoded "s" because', 'not encoded "s" "r"', "not encoded s"],
    (
        "a scenario starts `from` the name of a declared patient",
        'write e.g. `scenario "Smoker" from normal_adult given smoker = true`',
    ): ['scenario "s" from', 'scenario "s" from "p"'],
    (
        "a patient needs a name and its facts",
        "write e.g. `patient normal_adult given smoker = false, abi = 1.05`",
    ): ["patient", 'patient "p"', "patient p", "patient p expect"],
}


_PUNCTUATION = {
    "ARROW": "`->`",
    "LE": "`<=`",
    "GE": "`>=`",
    "NE": "`!=`",
    "LT": "`<`",
    "GT": "`>`",
    "EQ": "`=`",
    "PLUS": "`+`",
    "MINUS": "`-`",
    "STAR": "`*`",
    "SLASH": "`/`",
    "COLON": "`:`",
    "COMMA": "`,`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "NAME": "a name",
    "STRING": 'a text in quotes ("...")',
    "INT": "a number",
    "DECIMAL": "a number",
    "UNIT": "a unit",
    "NUMBER_KW": "`number`",
    "$END": "end of file",
}


def token_words(terminal: str) -> str:
    """How to say a terminal in a message: `->`, a name, `decide`, ..."""
    if terminal in _PUNCTUATION:
        return _PUNCTUATION[terminal]
    return f"`{terminal.lower()}`"


def describe_expected(terminals) -> str:
    words = sorted({token_words(t) for t in terminals if not t.startswith("__")})
    if not words:
        return "check the line against the language reference (docs/language.md)"
    if len(words) > 8:
        shown = ", ".join(words[:8])
        return f"expected one of {shown}, or {len(words) - 8} more"
    if len(words) == 1:
        return f"expected {words[0]}"
    return "expected " + ", ".join(words[:-1]) + " or " + words[-1]


COMPARATORS = {"LT", "GT", "LE", "GE", "EQ", "NE"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMPARATOR_TEXT = re.compile(r"<=|>=|!=|[<>=≤≥≠]")
_STRING = re.compile(r'"([^"\\\n]|\\.)*"')
# the item that a line inside a node belongs to, by its first word
_NODE_START = re.compile(r"^[ \t]*(action|assess|end|decide|input|define|scenario|assert)\b")


def refine(token_type: str, token: str, before: str, accepts: set[str], keywords: dict[str, str],
           preceding_lines: list[str]) -> tuple[str, str] | None:
    """(message, hint) for a mistake recognised from the token itself, else None.

    `before` is the token's line up to the token, `accepts` the terminals the parser
    would have taken, `keywords` terminal name → keyword text, `preceding_lines` the
    file's lines above the token's line.
    """
    if token_type in COMPARATORS and _COMPARATOR_TEXT.search(_STRING.sub('""', before)):
        return ("comparisons cannot be chained: a comparison has exactly two sides",
                "join two comparisons with `and`, e.g. `40 mm[Hg] < sbp and sbp < 90 mm[Hg]`")
    if token_type in ("NAME", "UNIT") and _WORD.fullmatch(token):  # out of place, a word may lex as a unit
        accepted = sorted(keywords[t] for t in accepts if t in keywords)
        close = difflib.get_close_matches(token, accepted, n=1, cutoff=0.75)
        if close:
            return (f"unknown word `{token}`: did you mean `{close[0]}`?", f"the keyword is spelt `{close[0]}`")
    if token_type == "WHEN":
        owner = next((m.group(1) for line in reversed(preceding_lines) if (m := _NODE_START.match(line))), None)
        if owner in ("action", "assess", "end"):
            return (f"`when` lines belong to a `decide` node, not to an `{owner}`",
                    f"only a decision branches: lead the {owner} to a `decide` node (`then check_x`) and write "
                    "`when <condition> -> <node>` there")
    return None
