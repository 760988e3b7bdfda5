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

Temperatures on the Celsius, Fahrenheit and Réaumur scales (`Cel`, `[degF]`,
`[degRe]`) have a zero of their own, so no factor converts them (UCUM calls them
special units): `convert` knows each scale's offset and converts them exactly, and
they are refused where only a factor would do (two temperature expressions in
different units, arithmetic on a temperature, a scale inside a compound such as
`Cel/h`). A code that is not UCUM gets a suggestion when it is a usual way of writing
a UCUM unit (`mmHg` → `mm[Hg]`, `bpm` → `/min`).
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import re
from fractions import Fraction
from pathlib import Path
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


def _ucum_essence() -> Path:
    """`ucum-essence.xml` inside the installed `ucumvert`, found without importing it.

    Importing ucumvert imports pint and numpy (a fifth of a second), and only its copy
    of the specification's table is wanted.
    """
    spec = importlib.util.find_spec("ucumvert")
    if spec is None or not spec.submodule_search_locations:
        raise UnitError("the UCUM table is missing: the `ucumvert` package is not installed")
    return Path(next(iter(spec.submodule_search_locations)), "vendor", "ucum-essence.xml")


@functools.cache
def _table() -> tuple[dict[str, _Atom], dict[str, Fraction]]:
    """UCUM's atoms and prefixes, from the specification's XML."""
    xml = _ucum_essence().read_bytes()
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


# The UCUM temperature scales whose zero is not absolute zero, exactly:
# kelvin = (value + offset) * factor.
OFFSET_SCALES: dict[str, tuple[Fraction, Fraction]] = {
    "Cel": (Fraction(1), Fraction("273.15")),
    "[degF]": (Fraction(5, 9), Fraction("459.67")),
    "[degRe]": (Fraction(5, 4), Fraction("218.52")),
}
TEMPERATURE = (("C", 1),)


@functools.lru_cache(maxsize=4096)
def parse_unit(code: str) -> Unit:
    """The `Unit` for a UCUM code; raises `UnitError` when the code is not UCUM."""
    if not code or code.strip() != code:
        raise UnitError(f"`{code}` is not a UCUM unit")
    if len(code) > MAX_CODE_LENGTH:
        raise UnitError(f"a unit code of {len(code)} characters is longer than any UCUM unit "
                        f"(at most {MAX_CODE_LENGTH})")
    if code in OFFSET_SCALES:
        factor, offset = OFFSET_SCALES[code]
        return Unit(code, TEMPERATURE, factor, offset)
    if combines_offset_scale(code):
        raise UnitError(f"`{code}` combines a temperature scale with an offset zero into another unit, which has no "
                        "conversion; use `K` for temperature differences and rates")
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


def conversion_factor(source: str, target: str) -> Fraction:
    """The exact number to multiply a value in `source` by to express it in `target`.

    Temperatures on scales with different zeros have no such number (`Cel` to
    `[degF]` is ×9/5 and +32): `UnitError`, whose message says so.
    """
    if source == target:
        return Fraction(1)
    check_convertible(source, target)
    us, ut = parse_unit(source), parse_unit(target)
    if us.offset != ut.offset:
        raise UnitError(f"`{source}` and `{target}` are temperature scales with different zeros: no factor converts "
                        "one into the other")
    return us.factor / ut.factor


def convert(value: Fraction | int, source: str, target: str) -> Fraction | int:
    """`value` in unit `source`, expressed exactly in unit `target` (a temperature with its offset)."""
    if source == target:
        return value
    check_convertible(source, target)
    us, ut = parse_unit(source), parse_unit(target)
    if us.has_offset or ut.has_offset:
        return (Fraction(value) + us.offset) * us.factor / ut.factor - ut.offset
    return value * conversion_factor(source, target)


# Usual ways of writing a unit that are not UCUM codes, with the UCUM code meant.
# Applied to each part of a compound too (`IU/L` → `[IU]/L`).
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

# Units that clinical guidelines use most (docs/language.md has them as a table).
COMMON_UNITS = (
    "mm[Hg]", "/min", "Cel", "[degF]", "%", "kg", "g", "mg", "ug", "cm", "m", "kg/m2", "a", "mo", "wk", "d", "h",
    "min", "s", "mg/dL", "mmol/L", "umol/L", "g/dL", "g/L", "mmol/mol", "mL/min/{1.73_m2}", "10*9/L", "10*3/uL",
    "[IU]/L", "U/L", "meq/L", "ng/mL", "pg/mL", "mL", "L", "kPa", "[in_i]", "[lb_av]",
)


def suggest(code: str) -> str | None:
    """The UCUM code that `code` most likely means, or None (`mmHg` → `mm[Hg]`, `IU/L` → `[IU]/L`)."""
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


def _parses(code: str) -> bool:
    try:
        parse_unit(code)
    except UnitError:
        return False
    return True


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
