"""UCUM units: parse a code, tell its dimension, convert between commensurable units.

We do not keep a unit table of our own: `ucumvert` parses UCUM codes (it is a Lark
grammar of the UCUM specification) into `pint` quantities, which know dimensions
and conversion factors. This module narrows that to what the language needs and
adds the one clinical rule UCUM lacks: UCUM calls every dimensionless unit
commensurable, but HbA1c 58 mmol/mol is about 7.5 %, not 5.8 %, so conversions
between *different* dimensionless units are refused instead of scaled.

A unit code comes from guidelines and facts files, so it is untrusted: a code
longer than `MAX_UNIT_CHARACTERS` or holding a number of more than
`MAX_UNIT_DIGITS` digits (`10*99999999` would make pint compute a power of ten with
a hundred million digits) is refused before parsing, and whatever ucumvert or pint
raise, and a unit whose size is not a finite non-zero number (`10*400`), becomes a
`UnitError`: the caller's "unknown unit" diagnostic, never a crash.

The registry takes a few hundred milliseconds to build, so it is built on first
use only (a guideline without quantities never pays for it) and pint's definition
cache is kept under the user's cache directory.
"""

from __future__ import annotations

import functools
import math
import os
import re
from pathlib import Path

from attrs import frozen


MAX_UNIT_CHARACTERS = 64
MAX_UNIT_DIGITS = 3
_LONG_NUMBER = re.compile(r"[0-9]{%d,}" % (MAX_UNIT_DIGITS + 1))


class UnitError(ValueError):
    """A unit code that is not UCUM, or a conversion that makes no sense."""


@frozen
class Unit:
    code: str  # the UCUM code as written
    dimension: tuple[tuple[str, float], ...]  # sorted (base dimension, exponent); () if dimensionless
    factor: float  # size of one of this unit in SI base units

    @property
    def dimensionless(self) -> bool:
        return not self.dimension

    def describe_dimension(self) -> str:
        if not self.dimension:
            return "a dimensionless ratio"
        return " · ".join(
            name.strip("[]") + ("" if exp == 1 else f"^{exp:g}") for name, exp in self.dimension
        )


@functools.cache
def _registry():
    from ucumvert import PintUcumRegistry

    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "carepath" / "pint"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        return PintUcumRegistry(cache_folder=str(cache))
    except OSError:
        return PintUcumRegistry()


@functools.lru_cache(maxsize=4096)
def parse_unit(code: str) -> Unit:
    """The `Unit` for a UCUM code; raises `UnitError` (and nothing else) when it is not one we can use."""
    if not code or code.strip() != code:
        raise UnitError(f"`{shown_code(code)}` is not a UCUM unit")
    if len(code) > MAX_UNIT_CHARACTERS:
        raise UnitError(f"`{shown_code(code)}` is not a UCUM unit: a unit code has at most "
                        f"{MAX_UNIT_CHARACTERS} characters")
    if _LONG_NUMBER.search(code):
        raise UnitError(f"`{shown_code(code)}` is not a UCUM unit we can convert: a number inside a unit "
                        f"has at most {MAX_UNIT_DIGITS} digits")
    try:
        registry = _registry()
        parsed = registry.from_ucum(code)
        quantity = parsed if hasattr(parsed, "to_base_units") else 1 * registry(parsed)
        base = (1 * quantity).to_base_units()
        dimension = tuple(sorted((str(k), float(v)) for k, v in dict(quantity.dimensionality).items()))
        factor = float(base.magnitude)
    except Exception as error:  # ucumvert and pint raise many kinds; all mean "not a unit we can use"
        raise UnitError(f"`{shown_code(code)}` is not a UCUM unit we can convert ({_first_line(error)})") from None
    if not math.isfinite(factor) or factor == 0:
        raise UnitError(f"`{shown_code(code)}` is not a UCUM unit we can convert: its size is out of bounds")
    return Unit(code, dimension, factor)


def shown_code(code: str) -> str:
    """A unit code as a message may quote it: control characters escaped, at most 40 characters."""
    escaped = code.encode("unicode_escape").decode("ascii") if not code.isprintable() else code
    return escaped if len(escaped) <= 40 else escaped[:40] + f"… ({len(code)} characters)"


def commensurable(a: str, b: str) -> bool:
    """Whether a value in unit `a` can be compared with one in unit `b`."""
    if a == b:
        return True
    ua, ub = parse_unit(a), parse_unit(b)
    if ua.dimensionless or ub.dimensionless:
        return False  # different dimensionless units are clinically different scales
    return ua.dimension == ub.dimension


def conversion_factor(source: str, target: str) -> float:
    """The number to multiply a value in `source` by to express it in `target`."""
    if source == target:
        return 1.0
    if not commensurable(source, target):
        us, ut = parse_unit(source), parse_unit(target)
        raise UnitError(
            f"`{source}` ({us.describe_dimension()}) cannot be converted to "
            f"`{target}` ({ut.describe_dimension()})"
        )
    return _round(parse_unit(source).factor / parse_unit(target).factor)


def convert(value: float, source: str, target: str) -> float:
    """`value` in unit `source`, expressed in unit `target`."""
    if source == target:
        return value
    conversion_factor(source, target)  # refuses incommensurable units
    return _round(value * parse_unit(source).factor / parse_unit(target).factor)


def _round(x: float) -> float:
    """Round to 12 significant digits, so that 0.1 L is exactly 100 mL; out of a double's range is a `UnitError`."""
    if not math.isfinite(x):
        raise UnitError("the converted value is out of bounds")
    if x == 0:
        return x
    return round(x, 11 - int(math.floor(math.log10(abs(x)))))


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    return line if len(line) <= 120 else line[:120] + "…"
