"""IR numbers → exact rationals and the decimal text the standards write.

The IR holds numbers exactly (`fractions.Fraction`, issue 9); while some of it still
holds floats, a float is read back from its shortest decimal text (`0.9` → 9/10), which
is the number the author wrote. The ELM and FHIR targets write a number as a decimal
when it terminates (`"0.9"`), and say so when it does not, so that no target ever
prints a binary approximation as if it were the value.
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Rational


def exact(value) -> Fraction:
    """The exact value of an IR number: a Fraction as is, an int, or a float's shortest decimal."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, Rational):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    if isinstance(value, str):
        return Fraction(value)
    raise TypeError(f"not a number: {value!r}")


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
