"""JSON text with exact numbers: what graph JSON and counterexample facts files are written with.

The standard `json` module writes numbers only from `int` and `float`, so an exact
`Fraction` would go through a binary float (`0.1` → 0.1000000000000000055…, the
very thing docs/semantics.md rules out). Here an exact number that is a
terminating decimal of at most 15 significant digits is written as a JSON number
with exactly its digits (every reader, JavaScript's double included, gets the
author's decimal back from that text); any other exact value is written as a
string holding it (`"1/7"`), which the graph loaders read exactly.
"""

from __future__ import annotations

import json
import re
import secrets
from fractions import Fraction
from typing import Any

from carepath.compiler.ir import number_text

MAX_PLAIN_DIGITS = 15


def number(value: Fraction | int) -> int | str | Fraction:
    """The JSON form of an exact number: an int, a `Fraction` written as a plain decimal, or a string."""
    if isinstance(value, int):
        return value
    text = number_text(value)
    if "/" in text or len(text.lstrip("-").replace(".", "").lstrip("0")) > MAX_PLAIN_DIGITS:
        return text
    return value


def dumps(data: Any, **options: Any) -> str:
    """`json.dumps`, writing each `Fraction` as the plain decimal it is (see `number`).

    Each such number goes through `json.dumps` as a string holding a marker with a
    token drawn for this call (so no text of the data can pass for one), and the
    quoted markers are then replaced by the decimals' digits.
    """
    token = secrets.token_hex(8)
    texts: list[str] = []

    def encode(item: Any) -> Any:
        if isinstance(item, Fraction):
            plain = number(item)
            if isinstance(plain, Fraction):
                texts.append(number_text(plain))
                return f"\x00{token}:{len(texts) - 1}"
            return plain
        if isinstance(item, dict):
            return {key: encode(value) for key, value in item.items()}
        if isinstance(item, (list, tuple)):
            return [encode(value) for value in item]
        return item

    text = json.dumps(encode(data), **options)
    if not texts:
        return text

    def digits(marker: re.Match) -> str:
        return texts[int(marker.group(2))] if marker.group(1) == token else marker.group(0)

    return _MARKER.sub(digits, text)


# A marker as `json.dumps` writes it (a NUL is always escaped, whatever `ensure_ascii` says).
_MARKER = re.compile(r'"\\u0000([0-9a-f]{16}):([0-9]+)"')


def parse_number(value: int | float | str | Fraction) -> Fraction:
    """A number read back from graph JSON (decoded with `parse_float=Fraction`), exactly."""
    if isinstance(value, str):
        return Fraction(value)
    if isinstance(value, float):  # a caller that decoded with floats: the decimal it prints as
        return Fraction(repr(value))
    return Fraction(value)
