"""A FHIR R4 Bundle of one patient's data → a facts object for a guideline, and a report of how.

Health records hold Observations, Conditions and a Patient, not carepath facts. This
module maps them by the terminology codes the guideline declares on its inputs
(`code LOINC "4548-4"`), and says what it did with every resource:

- an Observation whose code an input declares gives that input's value:
  `valueQuantity` (UCUM, converted later by the facts reader like any quantity fact),
  `valueBoolean`, `valueInteger`/`valueDecimal` for a number, `valueString` or a
  coding's code for an enum member; a `dataAbsentReason` leaves it unknown;
- a Condition whose code a boolean input declares makes it true (active, or no
  clinical status given) or false (refuted, resolved, inactive, in remission);
- `Patient.birthDate` gives an input named `age` (in `a`): completed years as of
  `as_of`, or else as of the most recent date of the data used; a partial birth date
  that leaves the age uncertain leaves it unknown;
- several values for one input: the most recent one (by effective, onset or recorded
  date) wins and the report names it and the ones set aside; two different values of
  the same date are ambiguous and leave the input unknown;
- a code no input declares, a value of the wrong kind, a resource entered in error, a
  unit that does not convert: reported, never guessed (the input stays unknown);
- a field of the wrong JSON kind (a `code` that is a string, a `coding` that is not a
  list, a `status` that is a number) counts as absent: a bundle is outside data, and
  a malformed one is reported through what is left of it, never a crash.

The viewer page does the same mapping in JavaScript (`targets/js/carepath-fhir.mjs`);
`tests/test_fhir_viewer.py` feeds both the same bundles and compares facts and notes.

The result's `facts` is a facts object (JSON-ready, numbers as `Decimal` so their
decimal text survives) for `targets.runtime.facts`; the caller runs it as any facts file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from collections.abc import Callable
from typing import Any

from attrs import frozen

from carepath.compiler import ir
from carepath.targets.fhir.terminology import UCUM, system_uri
from carepath.targets.runtime.facts import FactsError, read_facts_text

USED, SET_ASIDE, IGNORED, AMBIGUOUS, REFUSED = "used", "set aside", "ignored", "ambiguous", "refused"
NOT_DONE = {"entered-in-error", "cancelled"}
CONDITION_FALSE = {"inactive", "remission", "resolved"}
AGE_INPUT = "age"


@frozen
class Note:
    """One line of the mapping report: what happened to a resource (or a value of one)."""

    outcome: str  # used | set aside | ignored | ambiguous | refused
    resource: str  # "Observation/hba1c-2025-03"
    message: str
    input: str | None = None

    def __str__(self) -> str:
        subject = f" `{self.input}`" if self.input else ""
        return f"{self.outcome}{subject}: {self.resource}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        out = {"outcome": self.outcome, "resource": self.resource, "message": self.message}
        if self.input:
            out["input"] = self.input
        return out


@frozen
class BundleFacts:
    facts: dict[str, Any]
    notes: tuple[Note, ...]

    def facts_text(self) -> str:
        """The facts as facts-file JSON text, numbers written exactly as the bundle wrote them."""
        return facts_json(self.facts)


class BundleError(ValueError):
    """The document is not a FHIR Bundle at all."""


def read_bundle_text(text: str) -> dict[str, Any]:
    """Decode a bundle, keeping every number's decimal text (`6.50` stays 6.50, never a binary float)."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except ValueError as error:
        raise BundleError(f"not valid JSON ({error})") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise BundleError("not a FHIR Bundle (`resourceType` must be `Bundle`)")
    if not isinstance(data.get("entry", []), list):
        raise BundleError("`entry` must be a list")
    return data


@frozen
class _Candidate:
    input: str
    value: Any
    when: str | None  # an ISO date or date-time, for "most recent wins"
    resource: str
    shown: str


def bundle_facts(graph: ir.Graph, bundle: dict[str, Any], as_of: dt.date | None = None,
                 refusal: Callable[[str, Any], str | None] | None = None) -> BundleFacts:
    """The facts a bundle gives for `graph`, and a note for every resource and value.

    `refusal(name, value)` says why a value cannot be used (None when it can): by default the facts
    reader's own messages; a test comparing this mapping with another runtime's passes one that names
    the problems by code, since each runtime's facts reader words its messages in its own way.
    """
    codes: dict[tuple[str, str], list[ir.Input]] = {}
    for input_ in graph.inputs:
        for code in input_.codes:
            uri = system_uri(code)
            if uri is not None:
                codes.setdefault((uri, code.code), []).append(input_)
    notes: list[Note] = []
    candidates: list[_Candidate] = []
    birth_dates: list[tuple[str, str]] = []
    for index, entry in enumerate(bundle.get("entry", [])):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            notes.append(Note(IGNORED, f"entry[{index}]", "has no resource"))
            continue
        kind = resource.get("resourceType", "?")
        name = f"{kind}/{resource.get('id', f'entry[{index}]')}"
        if kind == "Patient":
            if _text(resource.get("birthDate")):
                birth_dates.append((name, resource["birthDate"]))
            continue
        if kind not in ("Observation", "Condition"):
            notes.append(Note(IGNORED, name, f"a {kind} carries no fact this guideline reads"))
            continue
        status = _text(resource.get("status"))
        if status in NOT_DONE or _verification(resource) == "entered-in-error":
            notes.append(Note(IGNORED, name, f"status {status if status in NOT_DONE else 'entered-in-error'}"))
            continue
        matched = _matched_inputs(resource, codes)
        if not matched:
            notes.append(Note(IGNORED, name, f"no input declares its code ({_codes_text(resource)})"))
            continue
        if len(matched) > 1:
            names = ", ".join(f"`{i.name}`" for i in matched)
            notes.append(Note(AMBIGUOUS, name, f"its codes match several inputs ({names}); none is set from it"))
            continue
        (input_,) = matched
        reading = _observation_value if kind == "Observation" else _condition_value
        value, shown, problem = reading(input_, resource)
        if problem:
            notes.append(Note(REFUSED, name, problem, input_.name))
            continue
        candidates.append(_Candidate(input_.name, value, _when(resource), name, shown))
    if refusal is None:
        refusal = lambda name, value: facts_reader_refusal(graph, name, value, lambda p: p.message)  # noqa: E731
    facts, chosen = _most_recent(candidates, notes, refusal)
    _age(graph, birth_dates, chosen, as_of, facts, notes)
    order = {i.name: n for n, i in enumerate(graph.inputs)}
    return BundleFacts(dict(sorted(facts.items(), key=lambda item: order[item[0]])), tuple(notes))


def _object(value: Any) -> dict[str, Any]:
    """A JSON object of the bundle, or {} for anything else (a field of the wrong kind counts as absent)."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def _first_code(concept: Any) -> str | None:
    """The code of a CodeableConcept's first coding (`clinicalStatus`, `verificationStatus`)."""
    codings = _object(concept).get("coding")
    return _text(_object(codings[0]).get("code")) if isinstance(codings, list) and codings else None


def _verification(resource: dict[str, Any]) -> str | None:
    return _first_code(resource.get("verificationStatus"))


def _codings(resource: dict[str, Any]) -> list[dict[str, Any]]:
    codings = _object(resource.get("code")).get("coding")
    return [c for c in codings if isinstance(c, dict)] if isinstance(codings, list) else []


def _codes_text(resource: dict[str, Any]) -> str:
    return ", ".join(f"{c.get('system', '?')}|{c.get('code', '?')}" for c in _codings(resource)) or "no code"


def _matched_inputs(resource: dict[str, Any], codes: dict[tuple[str, str], list[ir.Input]]) -> list[ir.Input]:
    found: dict[str, ir.Input] = {}
    for coding in _codings(resource):
        for input_ in codes.get((_text(coding.get("system")), _text(coding.get("code"))), []):
            found[input_.name] = input_
    return list(found.values())


def _observation_value(input_: ir.Input, resource: dict[str, Any]) -> tuple[Any, str, str | None]:
    """(value for the facts object, its text, a problem or None)."""
    type_ = input_.type
    if "dataAbsentReason" in resource:
        reason = _first_code(resource["dataAbsentReason"]) or "given"
        return None, "", f"no value (dataAbsentReason {reason}); left unknown"
    if isinstance(type_, ir.BooleanType):
        if isinstance(resource.get("valueBoolean"), bool):
            value = resource["valueBoolean"]
            return value, "true" if value else "false", None
        return None, "", "a yes/no input needs valueBoolean"
    if isinstance(type_, ir.EnumType):
        codings = _object(resource.get("valueCodeableConcept")).get("coding")
        options = [resource.get("valueString"), *(_object(c).get("code") for c in codings or [] if isinstance(codings, list))]
        for option in options:
            if isinstance(option, str) and option in type_.members:
                return option, option, None
        return None, "", f"its value is none of {', '.join(type_.members)}"
    for key in ("valueInteger", "valueDecimal"):
        if key in resource and isinstance(type_, ir.NumberType):
            if not _is_number(resource[key]):
                return None, "", f"{key} is not a number"
            return resource[key], str(resource[key]), None
    quantity = resource.get("valueQuantity")
    if not isinstance(quantity, dict) or not _is_number(quantity.get("value")):
        return None, "", "a number input needs valueQuantity with a value"
    value = quantity["value"]
    code, written_unit = _text(quantity.get("code")), _text(quantity.get("unit"))
    unit = code if quantity.get("system") == UCUM else None
    if isinstance(type_, ir.NumberType):
        if unit in (None, "1") and written_unit in (None, "", "1", "ratio", "{ratio}"):
            return value, str(value), None
        return None, "", f"a plain number was expected, got a value in `{code or written_unit}`"
    if unit is None:
        written = written_unit or code or "no unit"
        return None, "", f"its unit (`{written}`) is not a UCUM code (valueQuantity.system must be {UCUM})"
    return {"value": value, "unit": unit}, f"{value} {unit}", None


def _condition_value(input_: ir.Input, resource: dict[str, Any]) -> tuple[Any, str, str | None]:
    if not isinstance(input_.type, ir.BooleanType):
        return None, "", "a Condition sets only yes/no inputs"
    if _verification(resource) == "refuted":
        return False, "false (refuted)", None
    clinical = _first_code(resource.get("clinicalStatus"))
    if clinical in CONDITION_FALSE:
        return False, f"false ({clinical})", None
    return True, f"true ({clinical or 'no clinical status'})", None


def _when(resource: dict[str, Any]) -> str | None:
    period = _object(resource.get("effectivePeriod"))
    for value in (resource.get("effectiveDateTime"), resource.get("effectiveInstant"), period.get("end"),
                  period.get("start"), resource.get("onsetDateTime"), resource.get("recordedDate"),
                  resource.get("issued")):
        if isinstance(value, str) and value:
            return value
    return None


def facts_reader_refusal(graph: ir.Graph, name: str, value: Any, words: Callable[[Any], str]) -> str | None:
    """Why the facts reader refuses `value` for input `name` (a unit that does not convert, a value out of
    range), each problem told by `words(problem)`, or None when it takes it."""
    try:
        read_facts_text(graph, facts_json({name: value}))
    except FactsError as error:
        return "; ".join(words(p) for p in error.problems)
    return None


def _most_recent(candidates: list[_Candidate], notes: list[Note],
                 refusal: Callable[[str, Any], str | None]) -> tuple[dict[str, Any], list[_Candidate]]:
    """One value per input: the most recent; a tie of different values is ambiguous; the most recent value
    refused by the facts reader leaves the input unknown (an older one is not used in its place)."""
    by_input: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        by_input.setdefault(candidate.input, []).append(candidate)
    facts: dict[str, Any] = {}
    chosen: list[_Candidate] = []
    for name, found in by_input.items():
        ranked = sorted(found, key=lambda c: c.when or "", reverse=True)
        latest = ranked[0]
        tied = [c for c in ranked if (c.when or "") == (latest.when or "")]
        if len({facts_json({"v": c.value}) for c in tied}) > 1:
            values = "; ".join(f"{c.shown} in {c.resource}" for c in tied)
            date = f"dated {latest.when}" if latest.when else "undated"
            notes.append(Note(AMBIGUOUS, tied[0].resource, f"different values {date}: {values}; left unknown", name))
            continue
        if len(found) > 1 and latest.when is None:
            values = "; ".join(f"{c.shown} in {c.resource}" for c in found)
            notes.append(Note(AMBIGUOUS, latest.resource, f"several undated values: {values}; left unknown", name))
            continue
        older = ranked[len(tied):]
        dated = f" of {latest.when}" if latest.when else ""
        problem = refusal(name, latest.value)
        if problem:
            notes.append(Note(REFUSED, latest.resource, f"{latest.shown}{dated}: {problem}; left unknown", name))
            continue
        facts[name] = latest.value
        chosen.append(latest)
        if older:
            aside = "; ".join(f"{c.shown} of {c.when or 'no date'} ({c.resource})" for c in older)
            notes.append(Note(USED, latest.resource, f"{latest.shown}{dated}, the most recent of {len(found)} values "
                                                     f"(set aside: {aside})", name))
        else:
            notes.append(Note(USED, latest.resource, f"{latest.shown}{dated}", name))
    return facts, chosen


def _age(graph: ir.Graph, birth_dates: list[tuple[str, str]], chosen: list[_Candidate], as_of: dt.date | None,
         facts: dict[str, Any], notes: list[Note]) -> None:
    """`age` in completed years from Patient.birthDate, as of `as_of` or the most recent date of the data used."""
    declared = {i.name: i for i in graph.inputs}.get(AGE_INPUT)
    if not birth_dates:
        return
    resource, birth = birth_dates[0]
    if declared is None or not isinstance(declared.type, (ir.QuantityType, ir.NumberType)):
        notes.append(Note(IGNORED, resource, "birthDate: this guideline has no `age` input"))
        return
    if len({b for _, b in birth_dates}) > 1:
        notes.append(Note(AMBIGUOUS, resource, "several Patient resources with different birth dates; age left unknown",
                          AGE_INPUT))
        return
    if AGE_INPUT in facts:
        notes.append(Note(SET_ASIDE, resource, f"birthDate {birth}: an age was given as an Observation", AGE_INPUT))
        return
    if as_of is None:
        dates = [day for day in (_iso_day(c.when) for c in chosen if c.when) if day is not None]
        if not dates:
            notes.append(Note(REFUSED, resource, f"birthDate {birth}: no date to count the age to "
                                                 "(no dated data; give --as-of); age left unknown", AGE_INPUT))
            return
        as_of = max(dates)
        basis = f"the most recent data ({as_of.isoformat()})"
    else:
        basis = f"{as_of.isoformat()} (--as-of)"
    years = _completed_years(birth, as_of)
    if years is None:
        notes.append(Note(AMBIGUOUS, resource, f"birthDate {birth} leaves the age as of {as_of.isoformat()} "
                                               "uncertain by a year; age left unknown", AGE_INPUT))
        return
    unit = getattr(declared.type, "unit", "")
    facts[AGE_INPUT] = {"value": years, "unit": "a"} if unit else years
    notes.append(Note(USED, resource, f"{years} a from birthDate {birth}, as of {basis}", AGE_INPUT))


def _iso_day(when: str) -> dt.date | None:
    """The day of an ISO date or date-time (`2025-06-01`, `2025-06-01T10:30:00Z`), None for anything else."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", when[:10]):
        return None
    try:
        return dt.date.fromisoformat(when[:10])
    except ValueError:
        return None


def _completed_years(birth: str, as_of: dt.date) -> int | None:
    """Completed years from a full or partial (`1958`, `1958-03`) birth date; None when it depends on the day."""
    parts = birth[:10].split("-")
    try:
        year = int(parts[0])
        first_month, last_month = (int(parts[1]),) * 2 if len(parts) > 1 else (1, 12)
        earliest = dt.date(year, first_month, int(parts[2]) if len(parts) > 2 else 1)
        end_of_month = (dt.date(year + last_month // 12, last_month % 12 + 1, 1) - dt.timedelta(days=1)).day
        latest = dt.date(year, last_month, int(parts[2]) if len(parts) > 2 else end_of_month)
    except ValueError:
        return None
    oldest, youngest = (as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
                        for born in (earliest, latest))
    return oldest if oldest == youngest else None


def facts_json(facts: dict[str, Any]) -> str:
    """A facts object as JSON text; a Decimal is written with its own digits, never through a binary float."""
    def value(item: Any) -> str:
        if isinstance(item, Decimal):
            return format(item, "f")
        if isinstance(item, dict):
            return "{" + ", ".join(f"{json.dumps(k)}: {value(v)}" for k, v in item.items()) + "}"
        return json.dumps(item, ensure_ascii=False)

    return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {value(v)}" for k, v in facts.items()) + "}"
