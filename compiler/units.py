"""UCUM units: parse a code, tell its dimension, convert between commensurable units.

We do not keep a unit table of our own: `ucumvert` parses UCUM codes (it is a Lark
grammar of the UCUM specification) into `pint` quantities, which know dimensions
and conversion factors. This module narrows that to what the language needs and
adds the one clinical rule UCUM lacks: UCUM calls every dimensionless unit
commensurable, but HbA1c 58 mmol/mol is about 7.5 %, not 5.8 %, so conversions
between *different* dimensionless units are refused instead of scaled.

The registry takes a few hundred milliseconds to build, so it is built on first
use only (a guideline without quantities never pays for it) and pint's definition
cache is kept under the user's cache directory.
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path

from attrs import frozen


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


@functools.cache
def parse_unit(code: str) -> Unit:
    """The `Unit` for a UCUM code; raises `UnitError` when the code is not UCUM."""
    if not code or code.strip() != code:
        raise UnitError(f"`{code}` is not a UCUM unit")
    registry = _registry()
    try:
        parsed = registry.from_ucum(code)
        quantity = parsed if hasattr(parsed, "to_base_units") else 1 * registry(parsed)
        base = (1 * quantity).to_base_units()
    except Exception as error:  # ucumvert and pint raise many kinds; all mean "not a unit we can use"
        raise UnitError(f"`{code}` is not a UCUM unit we can convert ({_first_line(error)})") from None
    dimension = tuple(sorted((str(k), float(v)) for k, v in dict(quantity.dimensionality).items()))
    return Unit(code, dimension, float(base.magnitude))


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
    """Round to 12 significant digits, so that 0.1 L is exactly 100 mL."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, 11 - int(math.floor(math.log10(abs(x)))))


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
