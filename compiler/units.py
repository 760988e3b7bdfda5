"""UCUM units: parse a code, tell its dimension, convert between commensurable units.

We do not keep a unit table of our own: `ucumvert` parses UCUM codes (it is a Lark
grammar of the UCUM specification) into `pint` quantities, which know dimensions
and conversion factors. This module narrows that to what the language needs and
adds the one clinical rule UCUM lacks: UCUM calls every dimensionless unit
commensurable, but HbA1c 58 mmol/mol is about 7.5 %, not 5.8 %, so conversions
between *different* dimensionless units are refused instead of scaled.

Temperatures on the Celsius, Fahrenheit and Réaumur scales (`Cel`, `[degF]`,
`[degRe]`) have a zero of their own, so no factor converts them: they are converted
exactly (rational arithmetic) by `convert`, which knows each scale's offset, and are
refused where only a factor would do (two temperature expressions in different
units, arithmetic on a temperature). A code that is not UCUM gets a suggestion when
it is a usual way of writing a UCUM unit (`mmHg` → `mm[Hg]`, `bpm` → `/min`).

The registry takes a few hundred milliseconds to build, so it is built on first
use only (a guideline without quantities never pays for it) and pint's definition
cache is kept under the user's cache directory.
"""

from __future__ import annotations

import difflib
import functools
import math
import os
from fractions import Fraction
from pathlib import Path

from attrs import frozen


class UnitError(ValueError):
    """A unit code that is not UCUM, or a conversion that makes no sense."""


@frozen
class Unit:
    code: str  # the UCUM code as written
    dimension: tuple[tuple[str, float], ...]  # sorted (base dimension, exponent); () if dimensionless
    factor: float  # size of one of this unit in SI base units
    offset: Fraction = Fraction(0)  # kelvin = (value + offset) * factor, for Cel, [degF], [degRe]

    @property
    def has_offset(self) -> bool:
        return self.offset != 0

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


# The UCUM temperature scales whose zero is not absolute zero, exactly:
# kelvin = (value + offset) * factor.
OFFSET_SCALES: dict[str, tuple[Fraction, Fraction]] = {
    "Cel": (Fraction(1), Fraction("273.15")),
    "[degF]": (Fraction(5, 9), Fraction("459.67")),
    "[degRe]": (Fraction(5, 4), Fraction("218.52")),
}
TEMPERATURE = (("[temperature]", 1.0),)


@functools.cache
def parse_unit(code: str) -> Unit:
    """The `Unit` for a UCUM code; raises `UnitError` when the code is not UCUM."""
    if not code or code.strip() != code:
        raise UnitError(f"`{code}` is not a UCUM unit")
    if code in OFFSET_SCALES:
        factor, offset = OFFSET_SCALES[code]
        return Unit(code, TEMPERATURE, float(factor), offset)
    if combines_offset_scale(code):
        raise UnitError(f"`{code}` combines a temperature scale with an offset zero into another unit, which has no "
                        "conversion; use `K` for temperature differences and rates")
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


def check_convertible(source: str, target: str) -> None:
    """Raise `UnitError` unless a value in `source` can be expressed in `target`."""
    if source != target and not commensurable(source, target):
        us, ut = parse_unit(source), parse_unit(target)
        raise UnitError(
            f"`{source}` ({us.describe_dimension()}) cannot be converted to "
            f"`{target}` ({ut.describe_dimension()})"
        )


def combines_offset_scale(code: str) -> bool:
    """Whether `code` puts `Cel`, `[degF]` or `[degRe]` inside a compound (`Cel/h`)."""
    return code not in OFFSET_SCALES and any(scale in code for scale in OFFSET_SCALES)


def has_offset(code: str) -> bool:
    """Whether `code` is a temperature scale with its own zero (`Cel`, `[degF]`, `[degRe]`)."""
    return code in OFFSET_SCALES


def conversion_possible_by_factor(source: str, target: str) -> bool:
    """Whether a factor alone converts `source` into `target` (not so between `Cel` and `[degF]`)."""
    return source == target or parse_unit(source).offset == parse_unit(target).offset


def conversion_factor(source: str, target: str) -> float:
    """The number to multiply a value in `source` by to express it in `target`.

    Temperatures on scales with different zeros have no such number (`Cel` to
    `[degF]` is ×9/5 and +32): `UnitError`, whose message says so.
    """
    if source == target:
        return 1.0
    check_convertible(source, target)
    us, ut = parse_unit(source), parse_unit(target)
    if us.offset != ut.offset:
        raise UnitError(f"`{source}` and `{target}` are temperature scales with different zeros: no factor converts "
                        "one into the other")
    return _round(us.factor / ut.factor)


def convert(value, source: str, target: str):
    """`value` in unit `source`, expressed in unit `target` (a temperature with its offset, exactly).

    A `Fraction` comes back as an exact `Fraction`; a float as a float.
    """
    if source == target:
        return value
    check_convertible(source, target)
    us, ut = parse_unit(source), parse_unit(target)
    if us.has_offset or ut.has_offset:
        exact = Fraction(value) if isinstance(value, (int, Fraction)) else Fraction(repr(value))
        kelvin = (exact + us.offset) * _exact_factor(us)
        result = kelvin / _exact_factor(ut) - ut.offset
        return result if isinstance(value, Fraction) else float(result)
    return _round(value * us.factor / ut.factor)


def _exact_factor(unit: Unit) -> Fraction:
    """The factor of a temperature unit: exact for the offset scales and kelvin."""
    if unit.code in OFFSET_SCALES:
        return OFFSET_SCALES[unit.code][0]
    return Fraction(repr(_round(unit.factor)))


# Usual ways of writing a unit that are not UCUM codes, with the UCUM code meant.
# Applied to each part of a compound (`IU/L` → `[IU]/L`).
COMMON_MISSPELLINGS: dict[str, str] = {
    "mmHg": "mm[Hg]", "cmH2O": "cm[H2O]", "bpm": "/min", "beats/min": "/min", "breaths/min": "/min",
    "IU": "[IU]", "iu": "[IU]", "mIU": "m[IU]", "mEq": "meq", "mcg": "ug", "µg": "ug", "cc": "mL",
    "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "mins": "min", "minute": "min", "minutes": "min",
    "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "day": "d", "days": "d", "week": "wk", "weeks": "wk", "wks": "wk",
    "month": "mo", "months": "mo", "mos": "mo", "yr": "a", "yrs": "a", "year": "a", "years": "a", "y": "a",
    "degC": "Cel", "C": "Cel", "celsius": "Cel", "degF": "[degF]", "F": "[degF]", "fahrenheit": "[degF]",
    "lb": "[lb_av]", "lbs": "[lb_av]", "oz": "[oz_av]", "in": "[in_i]", "inch": "[in_i]", "ft": "[ft_i]",
    "pct": "%", "percent": "%", "ml": "mL", "l": "L", "dl": "dL", "ul": "uL",
}
_MISSPELLINGS_ANY_CASE = {written.lower(): meant for written, meant in COMMON_MISSPELLINGS.items()}


def suggest(code: str) -> str | None:
    """The UCUM code that `code` most likely means, or None (`mmHg` → `mm[Hg]`, `ml/min` → `mL/min`)."""
    parts = code.replace(".", "/.").split("/")
    whole = COMMON_MISSPELLINGS.get(code) or _MISSPELLINGS_ANY_CASE.get(code.lower())
    candidates = [whole] if whole else []
    candidates.append("/".join(COMMON_MISSPELLINGS.get(p.lstrip("."), p) for p in parts).replace("/.", "."))
    candidates += [c for c in COMMON_UNITS if c.lower() == code.lower()]
    candidates += difflib.get_close_matches(code, COMMON_UNITS, n=1, cutoff=0.8)
    for candidate in candidates:
        if candidate and candidate != code and _parses(candidate):
            return candidate
    return None


# Units that clinical guidelines use most (docs/language.md has them as a table).
COMMON_UNITS = (
    "mm[Hg]", "/min", "Cel", "[degF]", "%", "kg", "g", "mg", "ug", "cm", "m", "kg/m2", "a", "mo", "wk", "d", "h",
    "min", "s", "mg/dL", "mmol/L", "umol/L", "g/dL", "g/L", "mmol/mol", "mL/min/{1.73_m2}", "10*9/L", "10*3/uL",
    "[IU]/L", "U/L", "meq/L", "ng/mL", "pg/mL", "mL", "L", "kPa", "[in_i]", "[lb_av]",
)


def _parses(code: str) -> bool:
    try:
        parse_unit(code)
    except UnitError:
        return False
    return True


def _round(x: float) -> float:
    """Round to 12 significant digits, so that 0.1 L is exactly 100 mL."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, 11 - int(math.floor(math.log10(abs(x)))))


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
