"""IR numbers (exact: `Fraction` or `int`) → the decimal text the standards write.

The ELM and FHIR targets write a number as a decimal when it terminates (`"0.9"`) and
find out when it does not (`1/7`: ELM then writes a division), so that no target ever
prints a binary approximation as if it were the value.
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Rational


def exact(value) -> Fraction:
    """An IR number (a `Fraction` or an `int`) as a `Fraction`; anything else is a bug upstream."""
    if isinstance(value, bool) or not isinstance(value, Rational):
        raise TypeError(f"not an exact number: {value!r}")
    return Fraction(value)


def terminates(value: Fraction) -> bool:
    """Whether `value` has a finite decimal expansion (its denominator has no prime but 2 and 5)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def decimal_text(value: Fraction) -> str:
    """The finite decimal expansion of a terminating `value`, without exponent: `-0.125`, `6.5`, `50`."""
    if not terminates(value):
        raise ValueError(f"{value} has no finite decimal expansion")
    sign = "-" if value < 0 else ""
    value = abs(value)
    places = 0
    while (value * 10 ** places).denominator != 1:
        places += 1
    digits = str((value * 10 ** places).numerator).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"
