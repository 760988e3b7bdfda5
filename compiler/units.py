"""UCUM units: parse a code, tell its dimension, convert exactly between commensurable units.

UCUM defines every unit by an exact decimal multiple of other units (`m[Hg]` is
133.3220 kPa, `wk` is 7 d), so conversion factors are exact rationals: 1 wk is
exactly 7 d, 1 d exactly 24 h. We read those definitions from the UCUM
specification's own table (`ucum-essence.xml`, shipped inside the `ucumvert`
package) and compute with `Fraction`s, never with binary floats, so that every
runtime and the verifier agree on the value of a converted fact
(docs/semantics.md, "Numbers are exact").

The UCUM syntax itself is small (terms joined by `.` and `/`, parentheses,
exponents, prefixes on metric atoms, `{annotations}`), parsed here by a short
recursive descent. One clinical rule UCUM lacks is added: UCUM calls every
dimensionless unit commensurable, but HbA1c 58 mmol/mol is about 7.5 %, not 5.8 %,
so conversions between *different* dimensionless units are refused instead of
scaled. For the same reason the mole is treated as a dimension of its own
(substance), as clinical laboratories do, not as the number 6.02214076 × 10²³.
"""

from __future__ import annotations

import functools
import re
from fractions import Fraction
from importlib import resources
from xml.etree import ElementTree

from attrs import frozen

TIME = (("T", 1),)  # the dimension of a duration
MAX_EXPONENT = 30  # 10*30 is past any clinical unit; larger exponents only make huge numbers
MAX_CODE_LENGTH = 200


class UnitError(ValueError):
    """A unit code that is not UCUM, or a conversion that makes no sense."""


@frozen
class Unit:
    code: str  # the UCUM code as written
    dimension: tuple[tuple[str, int], ...]  # sorted (base dimension, exponent); () if dimensionless
    factor: Fraction  # size of one of this unit in the base units, exactly

    @property
    def dimensionless(self) -> bool:
        return not self.dimension

    def describe_dimension(self) -> str:
        if not self.dimension:
            return "a dimensionless ratio"
        return " · ".join(
            _DIMENSION_NAMES.get(name, name) + ("" if exp == 1 else f"^{exp}") for name, exp in self.dimension
        )


_DIMENSION_NAMES = {"L": "length", "M": "mass", "T": "time", "A": "plane angle", "C": "temperature",
                    "Q": "electric charge", "F": "luminous intensity", "N": "substance"}


@frozen
class _Atom:
    code: str
    metric: bool
    definition: tuple[str, str] | None  # (unit expression, decimal value); None for a base unit
    base: str | None = None  # the dimension of a base unit
    special: str | None = None  # why a special (non-ratio) unit cannot be converted by a factor
    arbitrary: bool = False


@functools.cache
def _table() -> tuple[dict[str, _Atom], dict[str, Fraction]]:
    """UCUM's atoms and prefixes, from the specification's XML."""
    xml = resources.files("ucumvert").joinpath("vendor/ucum-essence.xml").read_bytes()
    root = ElementTree.fromstring(xml)
    ns = {"u": "http://unitsofmeasure.org/ucum-essence"}
    prefixes = {p.get("Code"): Fraction(p.find("u:value", ns).get("value")) for p in root.iterfind("u:prefix", ns)}
    atoms: dict[str, _Atom] = {}
    for base in root.iterfind("u:base-unit", ns):
        atoms[base.get("Code")] = _Atom(base.get("Code"), True, None, base=base.get("dim"))
    for unit in root.iterfind("u:unit", ns):
        code, value = unit.get("Code"), unit.find("u:value", ns)
        metric = unit.get("isMetric") == "yes"
        if unit.get("isSpecial") == "yes":
            name = unit.findtext("u:name", namespaces=ns)
            reason = (f"{name} is an offset or logarithmic scale, not a multiple of another unit, "
                      "so it cannot be converted by a factor")
            atoms[code] = _Atom(code, metric, None, special=reason)
        elif unit.get("isArbitrary") == "yes":
            atoms[code] = _Atom(code, metric, None, base=code, arbitrary=True)
        else:
            atoms[code] = _Atom(code, metric, (value.get("Unit"), value.get("value")))
    atoms["mol"] = _Atom("mol", True, None, base="N")  # a clinical dimension, not a count
    return atoms, prefixes


@functools.lru_cache(maxsize=4096)
def parse_unit(code: str) -> Unit:
    """The `Unit` for a UCUM code; raises `UnitError` when the code is not UCUM."""
    if not code or code.strip() != code:
        raise UnitError(f"`{code}` is not a UCUM unit")
    if len(code) > MAX_CODE_LENGTH:
        raise UnitError(f"a unit code of {len(code)} characters is longer than any UCUM unit "
                        f"(at most {MAX_CODE_LENGTH})")
    factor, dimension = _Parser(code).main()
    return Unit(code, tuple(sorted((k, v) for k, v in dimension.items() if v)), factor)


def commensurable(a: str, b: str) -> bool:
    """Whether a value in unit `a` can be compared with one in unit `b`."""
    if a == b:
        return True
    ua, ub = parse_unit(a), parse_unit(b)
    if ua.dimensionless or ub.dimensionless:
        return False  # different dimensionless units are clinically different scales
    return ua.dimension == ub.dimension


def conversion_factor(source: str, target: str) -> Fraction:
    """The exact number to multiply a value in `source` by to express it in `target`."""
    if source == target:
        return Fraction(1)
    if not commensurable(source, target):
        us, ut = parse_unit(source), parse_unit(target)
        raise UnitError(
            f"`{source}` ({us.describe_dimension()}) cannot be converted to "
            f"`{target}` ({ut.describe_dimension()})"
        )
    return parse_unit(source).factor / parse_unit(target).factor


def convert(value: Fraction | int, source: str, target: str) -> Fraction | int:
    """`value` in unit `source`, expressed exactly in unit `target`."""
    if source == target:
        return value
    return value * conversion_factor(source, target)


# --- the UCUM syntax -----------------------------------------------------------------------

_EXPONENT = re.compile(r"^(.*?[^+\-0-9])([+-]?[0-9]+)$")
_INTEGER = re.compile(r"^[0-9]+$")


class _Parser:
    """main := '/'? term;  term := component (('.' | '/') component)*;
    component := '(' term ')' | symbol exponent? annotation? | annotation."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.at = 0
        self.depth = 0

    def main(self) -> tuple[Fraction, dict[str, int]]:
        if self._peek() == "/":
            self.at += 1
            factor, dimension = self.term()
            result = (1 / factor, {k: -v for k, v in dimension.items()})
        else:
            result = self.term()
        if self.at != len(self.code):
            self._fail(f"unexpected `{self.code[self.at]}`")
        return result

    def term(self) -> tuple[Fraction, dict[str, int]]:
        factor, dimension = self.component()
        while self._peek() in (".", "/"):
            operator = self.code[self.at]
            self.at += 1
            other, other_dimension = self.component()
            sign = 1 if operator == "." else -1
            factor = factor * other if sign == 1 else factor / other
            for name, exponent in other_dimension.items():
                dimension[name] = dimension.get(name, 0) + sign * exponent
        return factor, dimension

    def component(self) -> tuple[Fraction, dict[str, int]]:
        if self._peek() == "(":
            self.depth += 1
            if self.depth > 20:
                self._fail("parentheses nested too deeply")
            self.at += 1
            result = self.term()
            if self._peek() != ")":
                self._fail("a `(` is not closed")
            self.at += 1
            self.depth -= 1
            self._annotation()
            return result
        if self._peek() == "{":
            self._annotation()
            return Fraction(1), {}
        symbol = self._symbol()
        self._annotation()
        return _resolve_symbol(symbol, self.code)

    def _symbol(self) -> str:
        start, brackets = self.at, 0
        while self.at < len(self.code):
            char = self.code[self.at]
            if char == "[":
                brackets += 1
            elif char == "]":
                brackets -= 1
            elif brackets == 0 and char in "./(){}":
                break
            self.at += 1
        if self.at == start:
            self._fail("a unit is missing" if self.at == len(self.code) else f"unexpected `{self.code[self.at]}`")
        return self.code[start:self.at]

    def _annotation(self) -> None:
        if self._peek() != "{":
            return
        end = self.code.find("}", self.at)
        if end < 0:
            self._fail("a `{` annotation is not closed")
        self.at = end + 1

    def _peek(self) -> str:
        return self.code[self.at] if self.at < len(self.code) else ""

    def _fail(self, why: str):
        raise UnitError(f"`{self.code}` is not a UCUM unit ({why})")


def _resolve_symbol(symbol: str, code: str) -> tuple[Fraction, dict[str, int]]:
    if _INTEGER.match(symbol):
        if len(symbol) > MAX_EXPONENT:
            raise UnitError(f"`{code}` holds a factor of {len(symbol)} digits")
        return Fraction(int(symbol)), {}
    exponent = 1
    match = _EXPONENT.match(symbol)
    if match and match.group(1) not in _table()[0] and symbol in _table()[0]:
        match = None  # the whole symbol is an atom (none ends in a digit, but be exact)
    if match:
        symbol, exponent_text = match.group(1), match.group(2)
        exponent = int(exponent_text)
        if abs(exponent) > MAX_EXPONENT:
            raise UnitError(f"`{code}`: the exponent {exponent_text} is out of range (at most ±{MAX_EXPONENT})")
    factor, dimension = _atom_with_prefix(symbol, code)
    return factor**exponent, {k: v * exponent for k, v in dimension.items()}


def _atom_with_prefix(symbol: str, code: str) -> tuple[Fraction, dict[str, int]]:
    atoms, prefixes = _table()
    if symbol in atoms:
        return _atom_value(symbol, code)
    for length in (2, 1):
        prefix, rest = symbol[:length], symbol[length:]
        if prefix in prefixes and rest in atoms and atoms[rest].metric:
            factor, dimension = _atom_value(rest, code)
            return prefixes[prefix] * factor, dimension
    raise UnitError(f"`{code}` is not a UCUM unit (`{symbol}` is no UCUM unit symbol)")


@functools.cache
def _atom_definition(symbol: str) -> tuple[Fraction, tuple[tuple[str, int], ...]]:
    atom = _table()[0][symbol]
    if atom.special is not None:
        raise UnitError(f"`{symbol}`: {atom.special}")
    if atom.definition is None:
        return Fraction(1), ((atom.base, 1),)
    expression, value = atom.definition
    factor, dimension = (Fraction(1), {}) if expression == "1" else _Parser(expression).main()
    return Fraction(value) * factor, tuple(sorted(dimension.items()))


def _atom_value(symbol: str, code: str) -> tuple[Fraction, dict[str, int]]:
    try:
        factor, dimension = _atom_definition(symbol)
    except UnitError as error:
        raise UnitError(f"`{code}` cannot be used: {str(error).split(': ', 1)[-1]}") from None
    return factor, dict(dimension)


def shown_code(code: str) -> str:
    """A unit code as a message may quote it: control characters escaped, at most 40 characters."""
    escaped = code.encode("unicode_escape").decode("ascii") if not code.isprintable() else code
    return escaped if len(escaped) <= 40 else escaped[:40] + f"… ({len(code)} characters)"
