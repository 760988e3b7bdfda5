"""Untrusted JSON text → Python values, strictly and within bounds, or every problem with its JSON path.

Facts files, batch lines and graph JSON files come from other people and other
systems, so all three are decoded here and nowhere else. The standard decoder is
too lenient for them in four ways, each of which reached a user as a crash or a
silently wrong answer:

- it accepts `NaN`, `Infinity` and `-Infinity`, which no clinical value is;
- it keeps the last of two equal keys (`{"pulses": "absent", "pulses": "present"}`
  ran as "present", exit 0);
- it recurses once per nesting level, so `[[[[…` 100,000 deep is a `RecursionError`;
- it reads `1e400` as `inf` and a 400-digit integer as an int no float can hold.

`read_json` closes all four: the nesting depth is measured on the text before
decoding (a linear scan that skips strings), numbers are kept exact (an integer as
`int`, a decimal as the `Fraction` of the digits written, never through a binary
float) and refused beyond `MAX_MAGNITUDE` or `MAX_NUMBER_CHARACTERS`, and a
non-finite constant or a repeated key is reported at its JSON path (`$.abi`,
`$.nodes[3].id`). Every problem of one document is listed at once, as
`JsonProblem`s inside one `JsonReadError`; callers turn them into their own
diagnostic codes (CP0601 for facts, CP0701 for graphs).

This module imports nothing of carepath (a leaf), so every target may use it.

>>> read_json('{"abi": 0.90, "age": 70}')
{'abi': Fraction(9, 10), 'age': 70}
"""

from __future__ import annotations

import decimal
import json
import re
from fractions import Fraction
from typing import Any

from attrs import frozen

# Deeper documents are refused before decoding. A graph's deepest part is an
# expression, and the parser refuses expressions nested more than 100 levels
# (CP0009), each of which is at most three JSON levels; facts need three.
MAX_DEPTH = 400
# A number literal longer than this is refused, whatever its value.
MAX_NUMBER_CHARACTERS = 100
# |number| must lie below 10**MAX_MAGNITUDE and, unless zero, above 10**-MAX_MAGNITUDE:
# wider than any clinical value, narrower than a double's range, so every runtime
# (the JavaScript one computes in doubles) reads the same finite number.
MAX_MAGNITUDE = 300
# Sizes in characters. A facts object (or one batch line) is a handful of values;
# a graph of 20,000 nodes is about 20 MB of JSON.
FACTS_LIMIT = 1 << 20
GRAPH_LIMIT = 64 << 20

DUPLICATE_KEY = "duplicate key"
NOT_FINITE = "not a finite number"
NUMBER_TOO_LARGE = "number out of bounds"
TOO_DEEP = "nested too deeply"
TOO_LARGE = "too large"
SYNTAX = "not JSON"


@frozen
class JsonProblem:
    """One problem of a document: what kind (`DUPLICATE_KEY`, …), where (a JSON path), and a sentence."""

    kind: str
    path: str
    message: str


class JsonReadError(ValueError):
    """Every problem found in one JSON document; nothing was decoded."""

    def __init__(self, problems: list[JsonProblem]):
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in self.problems))


def read_json(text: str, *, limit: int = FACTS_LIMIT, max_depth: int = MAX_DEPTH, exact: bool = True) -> Any:
    """Decode `text` strictly; raise `JsonReadError` listing every problem.

    `exact=False` reads decimals as floats (still bounded and finite): for documents
    whose numbers are floats by their format (`carepath.graph/1`).
    """
    if len(text) > limit:
        raise JsonReadError([JsonProblem(TOO_LARGE, "$", f"the document has {len(text):,} characters; "
                                                           f"at most {limit:,} are read")])
    # Each level opens with a bracket, so a text with few brackets (most) need not be scanned.
    if text.count("[") + text.count("{") > max_depth and nesting_depth(text, max_depth) > max_depth:
        raise JsonReadError([JsonProblem(TOO_DEEP, "$", f"nested more than {max_depth} levels deep")])
    marks = _Marks()
    try:
        value = json.loads(
            text,
            parse_int=marks.integer,
            parse_float=marks.decimal_exact if exact else marks.decimal_float,
            parse_constant=marks.constant,
            object_pairs_hook=marks.object,
        )
    except json.JSONDecodeError as error:
        raise JsonReadError([JsonProblem(SYNTAX, "$", f"not valid JSON (line {error.lineno} column "
                                                      f"{error.colno}: {error.msg})")]) from None
    except RecursionError:  # the depth scan bounds this; kept so no input can turn it into a crash
        raise JsonReadError([JsonProblem(TOO_DEEP, "$", "nested too deeply to read")]) from None
    if marks.any:
        raise JsonReadError(marks.locate(value))
    return value


# Strings (with their escapes) or one bracket: what the depth scan needs to see.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def nesting_depth(text: str, stop_above: int = MAX_DEPTH) -> int:
    """How deep arrays and objects nest in `text` (0 for a scalar), stopping early past `stop_above`.

    Linear, iterative, and independent of whether the text is valid JSON: brackets
    inside strings are skipped, unbalanced closers are ignored (the decoder reports them).
    """
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    return deepest
        elif token in "]}":
            depth = max(depth - 1, 0)
    return deepest


class _Bad:
    """Stands in, during decoding, for a value that must be reported (located afterwards)."""

    __slots__ = ("kind", "message")

    def __init__(self, kind: str, message: str):
        self.kind, self.message = kind, message


class _Marks:
    """The decoder's hooks: they keep bad values as `_Bad` marks so every one can be located."""

    def __init__(self) -> None:
        self.any = False
        self.duplicated: dict[int, list[str]] = {}  # id of an object → its repeated keys
        self.kept: list[dict] = []  # those objects, kept alive so their ids stay theirs

    def _bad(self, kind: str, message: str) -> _Bad:
        self.any = True
        return _Bad(kind, message)

    def _bounded(self, text: str) -> _Bad | None:
        shown = text if len(text) <= 24 else f"{text[:12]}…{text[-6:]} ({len(text)} characters)"
        if len(text) > MAX_NUMBER_CHARACTERS:
            return self._bad(NUMBER_TOO_LARGE, f"the number {shown} is longer than "
                                               f"{MAX_NUMBER_CHARACTERS} characters")
        number = decimal.Decimal(text)
        if number and not -MAX_MAGNITUDE < number.adjusted() < MAX_MAGNITUDE:
            return self._bad(NUMBER_TOO_LARGE, f"the number {shown} is out of bounds: its size must lie "
                                               f"between 1e-{MAX_MAGNITUDE} and 1e{MAX_MAGNITUDE}")
        return None

    def integer(self, text: str) -> int | _Bad:
        return self._bounded(text) or int(text)

    def decimal_exact(self, text: str) -> Fraction | _Bad:
        return self._bounded(text) or Fraction(text)

    def decimal_float(self, text: str) -> float | _Bad:
        return self._bounded(text) or float(text)

    def constant(self, name: str) -> _Bad:
        return self._bad(NOT_FINITE, f"`{name}` is not a finite number; write a number, or leave the value out")

    def object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                self.any = True
                if id(result) not in self.duplicated:
                    self.kept.append(result)
                self.duplicated.setdefault(id(result), []).append(key)
                continue  # the first value stays; the document is refused anyway
            result[key] = value
        return result

    def locate(self, root: Any) -> list[JsonProblem]:
        """Every mark and repeated key under `root`, in document order, with its JSON path (iteratively)."""
        problems: list[JsonProblem] = []
        stack: list[tuple[Any, str]] = [(root, "$")]
        while stack:
            value, path = stack.pop()
            if isinstance(value, _Bad):
                problems.append(JsonProblem(value.kind, path, value.message))
            elif isinstance(value, dict):
                for key in self.duplicated.get(id(value), ()):
                    problems.append(JsonProblem(DUPLICATE_KEY, member_path(path, key),
                                                f"key {json.dumps(key, ensure_ascii=False)} is given twice; "
                                                "a JSON object names each key once"))
                stack.extend((item, member_path(path, key)) for key, item in reversed(value.items()))
            elif isinstance(value, list):
                stack.extend((item, f"{path}[{index}]") for index, item in reversed(list(enumerate(value))))
        return problems


def member_path(path: str, key: str) -> str:
    """`$.abi` for a plain key, `$["two words"]` for any other (escaped, so it prints safely)."""
    if key.isidentifier() and key.isascii():
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key)}]"


def is_number(value: Any) -> bool:
    """A number `read_json` produced (never a boolean, which is an int in Python)."""
    return isinstance(value, (int, float, Fraction)) and not isinstance(value, bool)
