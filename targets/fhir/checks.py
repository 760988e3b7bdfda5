"""A FHIR Bundle written by `targets.fhir` → the problems the FHIR models do not catch.

`fhir.resources` checks structure and data types; it does not check value-set
bindings or references inside a resource. These checks do, and name the place of
every problem (`PlanDefinition.action[2].action[0].relatedAction[0]`):

- codes bound to required value sets hold a member (plan and library type, status,
  priority, selection and grouping behaviour, relationship, condition kind, expression
  language, the applicability-behaviour extension, time units);
- codings use a known system URI (LOINC, SNOMED CT, UCUM, …);
- every `relatedAction.actionId` names an action of the PlanDefinition;
- every condition's expression names a statement of the ELM in the Library the
  PlanDefinition's `library` points at, and that library is in the Bundle.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

from carepath.targets.fhir.plandefinition import APPLICABILITY_BEHAVIOR, LIBRARY_TYPE, PLAN_TYPE
from carepath.targets.fhir.terminology import SYSTEMS, UCUM

BINDINGS = {
    "status": {"draft", "active", "retired", "unknown"},
    "priority": {"routine", "urgent", "asap", "stat"},
    "selectionBehavior": {"any", "all", "all-or-none", "exactly-one", "at-most-one", "one-or-more"},
    "groupingBehavior": {"visual-group", "logical-group", "sentence-group"},
    "relationship": {"before-start", "before", "before-end", "concurrent-with-start", "concurrent",
                     "concurrent-with-end", "after-start", "after", "after-end"},
    "kind": {"applicability", "start", "stop"},
    "language": {"text/cql", "text/cql-identifier", "text/cql-expression", "text/fhirpath", "application/x-fhir-query"},
    "periodUnit": {"s", "min", "h", "d", "wk", "mo", "a"},
}
KNOWN_SYSTEMS = set(SYSTEMS.values()) | {UCUM, PLAN_TYPE, LIBRARY_TYPE}


def check_bundle(bundle: dict[str, Any]) -> list[str]:
    """Every problem of the bundle, as `place: problem` lines; empty when it is sound."""
    problems: list[str] = []
    resources = {f"{e['resource']['resourceType']}": e["resource"] for e in bundle.get("entry", [])}
    plan, library = resources.get("PlanDefinition"), resources.get("Library")
    if plan is None or library is None:
        return ["Bundle: needs a PlanDefinition and a Library"]
    for place, key, value in _coded(plan, "PlanDefinition"):
        if value not in BINDINGS[key]:
            problems.append(f"{place}: `{value}` is not a {key} code")
    for place, key, value in _coded(library, "Library"):
        if value not in BINDINGS[key]:
            problems.append(f"{place}: `{value}` is not a {key} code")
    for resource, name, expected in ((plan, "PlanDefinition", "clinical-protocol"), (library, "Library", "logic-library")):
        codes = [c.get("code") for c in resource.get("type", {}).get("coding", [])]
        if codes != [expected]:
            problems.append(f"{name}.type: expected `{expected}`, found {codes}")
    for place, system in _systems(plan, "PlanDefinition"):
        if system not in KNOWN_SYSTEMS:
            problems.append(f"{place}: unknown code system `{system}`")
    if plan.get("library") != [library.get("url")]:
        problems.append(f"PlanDefinition.library: {plan.get('library')} does not name the Library `{library.get('url')}`")
    statements = _elm_statements(library, problems)
    actions = dict(_actions(plan.get("action", []), "PlanDefinition"))
    for place, action in actions.items():
        for index, related in enumerate(action.get("relatedAction", [])):
            if related.get("actionId") not in {a.get("id") for a in actions.values()}:
                problems.append(f"{place}.relatedAction[{index}]: no action `{related.get('actionId')}`")
        for index, condition in enumerate(action.get("condition", [])):
            expression = condition.get("expression", {}).get("expression")
            if expression not in statements:
                problems.append(f"{place}.condition[{index}]: the library defines no `{expression}`")
        for index, extension in enumerate(action.get("extension", [])):
            if extension.get("url") == APPLICABILITY_BEHAVIOR and extension.get("valueCode") not in ("all", "any"):
                problems.append(f"{place}.extension[{index}]: `{extension.get('valueCode')}` is not all or any")
    ids = [a.get("id") for a in actions.values()]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"PlanDefinition.action: id `{duplicate}` is used twice")
    return problems


def _elm_statements(library: dict[str, Any], problems: list[str]) -> set[str]:
    for content in library.get("content", []):
        if content.get("contentType") == "application/elm+json":
            try:
                elm = json.loads(base64.b64decode(content["data"]))
                return {s["name"] for s in elm["library"]["statements"]["def"]}
            except (KeyError, ValueError) as error:
                problems.append(f"Library.content: the ELM cannot be read ({error})")
                return set()
    problems.append("Library.content: no application/elm+json content")
    return set()


def _actions(actions: list[dict[str, Any]], place: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for index, action in enumerate(actions):
        here = f"{place}.action[{index}]"
        yield here, action
        yield from _actions(action.get("action", []), here)


def _coded(node: Any, place: str) -> Iterator[tuple[str, str, str]]:
    """Every (place, key, value) whose key is bound to one of BINDINGS' value sets."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{place}.{key}"
            if key in BINDINGS and isinstance(value, str):
                yield here, key, value
            else:
                yield from _coded(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _coded(item, f"{place}[{index}]")


def _systems(node: Any, place: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "system" and isinstance(value, str):
                yield f"{place}.system", value
            else:
                yield from _systems(value, f"{place}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _systems(item, f"{place}[{index}]")
