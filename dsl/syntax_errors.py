"""Known syntax mistakes and the words for what the parser expected.

`EXAMPLES` maps (message, hint) to snippets that fail the same way. Lark's
`match_examples` replays each snippet and picks the one whose parser state at the
error matches the author's, so the message fits the mistake rather than the
token. Add a row when a real author's mistake gets a poor message.
"""

from __future__ import annotations

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
