"""Graph IR → a FHIR R4 Bundle (collection): a PlanDefinition and the Library carrying its ELM.

Shaped as the CPG-on-FHIR IG (STU2) shapes a computable protocol, and as WHO SMART
Guidelines shape decision tables:

- one `PlanDefinition` (type `clinical-protocol`), its `library` naming the `Library`
  whose content is the ELM of `targets.elm` (base64, `application/elm+json`);
- one top-level action per section holding one action per graph step of that section
  (steps outside any section stand at the top level), in graph order;
- every step's action is applicable when the patient's path reaches it: a `condition`
  of kind `applicability` whose expression names the ELM definition `Reaches <id>`
  (language `text/cql-identifier`);
- action ids are the step ids with `_` written `-` (FHIR ids allow no `_`); a
  decision's action holds one sub-action per line (`<decision>.<line>`,
  `<decision>.otherwise`) applicable when that line fires (`Fires <decision> <line>`);
  its hit policy is `selectionBehavior` and the `cqf-applicabilityBehavior` extension
  (`first` → any / first match, `unique` → exactly-one / first match, `any` → all);
- sequencing is `relatedAction`: each step is `after-end` of the step (or decision
  line) that leads to it;
- `documentation` on every action that cites something: a `citation` per reference
  the step cites (a decision line: its decision's; a section: its steps'), the
  sentence of the source document it encodes (`documentation` labelled `source`) and
  its detail text (`documentation`); start and end points cite nothing; `priority` from urgency (emergent → stat, urgent →
  urgent, routine → routine); `timing` as a Duration, Range or Timing; an assessment's
  `input` lists the data it collects, with the inputs' terminology codes.

The guideline header has an id, a title and a version and nothing else, so `status` is
`draft` and `date` and `publisher` are left out; the references become the
PlanDefinition's `relatedArtifact`. Deterministic: same graph, same bytes.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from carepath.compiler import ir
from carepath.targets.elm.library import elm_library, library_name, reach_name, system_type
from carepath.targets.elm.numbers import decimal_text, exact, terminates
from carepath.targets.fhir.terminology import UCUM, coding, system_uri
from carepath.compiler.printer import expr_text

CPG_PLAN_PROFILE = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-computableplandefinition"
CPG_LIBRARY_PROFILE = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-computablelibrary"
APPLICABILITY_BEHAVIOR = "http://hl7.org/fhir/StructureDefinition/cqf-applicabilityBehavior"
PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
LIBRARY_TYPE = "http://terminology.hl7.org/CodeSystem/library-type"
CANONICAL_BASE = "urn:carepath"

PRIORITY = {ir.Urgency.EMERGENT: "stat", ir.Urgency.URGENT: "urgent", ir.Urgency.ROUTINE: "routine"}
SELECTION = {ir.HitPolicy.FIRST: ("any", "any"), ir.HitPolicy.UNIQUE: ("exactly-one", "any"),
             ir.HitPolicy.ANY: ("all", "all")}
FHIR_TYPE = {"Boolean": "boolean", "Decimal": "decimal", "String": "string", "Quantity": "Quantity"}
TIME_UNITS = {"s", "min", "h", "d", "wk", "mo", "a"}


def fhir_id(name: str) -> str:
    """A FHIR resource id (`[A-Za-z0-9-.]{1,64}`) for a carepath name: `_` becomes `-`."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", name)[:64]


def computable_name(name: str) -> str:
    """A FHIR computable name (`[A-Z][A-Za-z0-9_]*`): `leg_numbness_cramping` → `LegNumbnessCramping`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part) or "Guideline"


def canonical(kind: str, graph: ir.Graph) -> str:
    return f"{CANONICAL_BASE}:{kind}:{graph.id}"


def fhir_bundle(graph: ir.Graph) -> dict[str, Any]:
    """The Bundle (as Python data) holding the guideline's PlanDefinition and its ELM Library."""
    library = _library(graph)
    plan = _Plan(graph).resource()
    return {
        "resourceType": "Bundle",
        "id": fhir_id(graph.id),
        "type": "collection",
        "entry": [
            {"fullUrl": canonical("PlanDefinition", graph), "resource": plan},
            {"fullUrl": canonical("Library", graph), "resource": library},
        ],
    }


def export_fhir(graph: ir.Graph) -> str:
    """The Bundle as JSON text: two-space indent, keys in FHIR's order, a trailing newline."""
    return json.dumps(fhir_bundle(graph), indent=2, ensure_ascii=False) + "\n"


def _quantity(value, unit: str) -> dict[str, Any]:
    number = exact(value)
    out: dict[str, Any] = {"value": float(decimal_text(number)) if terminates(number) else float(number)}
    if unit:
        out.update({"unit": unit, "system": UCUM, "code": unit})
    return out


def _library(graph: ir.Graph) -> dict[str, Any]:
    elm = json.dumps(elm_library(graph), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    parameters = [{"name": i.name, "use": "in", "min": 0, "max": "1", "type": FHIR_TYPE[system_type(i.type)]}
                  for i in graph.inputs]
    parameters += [{"name": f"Recommend {n.id}", "use": "out", "min": 0, "max": "1", "type": "boolean"}
                   for n in graph.nodes if n.kind is ir.NodeKind.ACTION]
    return {
        "resourceType": "Library",
        "id": fhir_id(graph.id),
        "meta": {"profile": [CPG_LIBRARY_PROFILE]},
        "url": canonical("Library", graph),
        "version": graph.version,
        "name": computable_name(library_name(graph)),
        "title": f"{graph.title}: decision logic",
        "status": "draft",
        "type": {"coding": [{"system": LIBRARY_TYPE, "code": "logic-library"}]},
        "parameter": parameters,
        "content": [{"contentType": "application/elm+json", "data": base64.b64encode(elm).decode("ascii")}],
    }


class _Plan:
    def __init__(self, graph: ir.Graph) -> None:
        self.graph = graph
        self.references = {r.id: r for r in graph.references}
        self.inputs = {i.name: i for i in graph.inputs}
        # who leads to each step: a node id, or a decision line's action id
        self.predecessors: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
        for node in graph.nodes:
            for leader, targets in _leaders(node):
                for target in targets:
                    if leader not in self.predecessors[target]:
                        self.predecessors[target].append(leader)

    def resource(self) -> dict[str, Any]:
        graph = self.graph
        return {
            "resourceType": "PlanDefinition",
            "id": fhir_id(graph.id),
            "meta": {"profile": [CPG_PLAN_PROFILE]},
            "url": canonical("PlanDefinition", graph),
            "version": graph.version,
            "name": computable_name(graph.id),
            "title": graph.title,
            "type": {"coding": [{"system": PLAN_TYPE, "code": "clinical-protocol"}]},
            "status": "draft",
            "relatedArtifact": [self._citation(r.id) for r in graph.references],
            "library": [canonical("Library", graph)],
            "action": self._actions(),
        }

    def _actions(self) -> list[dict[str, Any]]:
        sections = {s.id: s for s in self.graph.sections}
        grouped: dict[str | None, list[dict[str, Any]]] = {}
        order: list[str | None] = []
        for node in self.graph.nodes:
            if node.section not in grouped:
                grouped[node.section] = []
                order.append(node.section)
            grouped[node.section].append(self._step(node))
        out: list[dict[str, Any]] = []
        for section in order:
            if section is None:
                out.extend(grouped[None])
                continue
            cited = dict.fromkeys(c for n in self.graph.nodes if n.section == section for c in n.citations)
            group: dict[str, Any] = {"id": fhir_id(f"section.{section}"), "title": sections[section].title}
            if cited:
                group["documentation"] = [self._citation(c) for c in cited]
            group.update({"groupingBehavior": "logical-group", "selectionBehavior": "all", "action": grouped[section]})
            out.append(group)
        return out

    def _step(self, node: ir.Node) -> dict[str, Any]:
        action: dict[str, Any] = {"id": fhir_id(node.id), "title": node.title}
        if isinstance(node, ir.Action) and node.doses:
            action["description"] = "Dose: " + "; ".join(str(d) for d in node.doses)
        documentation = [self._citation(c) for c in node.citations]
        if node.source:
            documentation.append({"type": "documentation", "label": "source", "display": node.source})
        if node.text:
            documentation.append({"type": "documentation", "display": node.text})
        if documentation:
            action["documentation"] = documentation
        if isinstance(node, ir.Action):
            action["priority"] = PRIORITY[node.urgency]
        action["condition"] = [_applicability(reach_name(node.id))]
        if isinstance(node, ir.Assess) and node.collects:
            action["input"] = [self._data_requirement(name) for name in node.collects]
        related = [{"actionId": leader, "relationship": "after-end"} for leader in self.predecessors[node.id]]
        if related:
            action["relatedAction"] = related
        if isinstance(node, ir.Action) and node.timing is not None:
            action.update(_timing(node.timing))
        if isinstance(node, ir.Decide):
            policy = node.policy
            selection, behavior = SELECTION[policy]
            action["extension"] = [{"url": APPLICABILITY_BEHAVIOR, "valueCode": behavior}]
            action["selectionBehavior"] = selection
            action["action"] = self._lines(node)
        return {key: action[key] for key in sorted(action, key=_ACTION_ORDER.index)}

    def _lines(self, node: ir.Decide) -> list[dict[str, Any]]:
        out = []
        labelled = [(f"when {expr_text(line.guard)}", str(index), line.targets) for index, line in enumerate(node.lines)]
        if node.otherwise:
            labelled.append(("otherwise", "otherwise", node.otherwise))
        for label, suffix, targets in labelled:
            line = {"id": fhir_id(f"{node.id}.{suffix}"), "title": label, "description": f"then {', '.join(targets)}"}
            if node.citations:
                line["documentation"] = [self._citation(c) for c in node.citations]
            line["condition"] = [_applicability(f"Fires {node.id} {suffix}")]
            out.append(line)
        return out

    def _citation(self, reference_id: str) -> dict[str, Any]:
        reference = self.references[reference_id]
        parts = [reference.title, reference.source, str(reference.year) if reference.year else None]
        return {"type": "citation", "label": reference.id, "display": reference.title,
                "citation": ". ".join(p for p in parts if p)}

    def _data_requirement(self, name: str) -> dict[str, Any]:
        """What an assessment collects: an Observation, filtered by the input's codes when it has some."""
        requirement: dict[str, Any] = {"id": name, "type": "Observation"}
        codings = [coding(c) for c in self.inputs[name].codes if system_uri(c) is not None]
        if codings:
            requirement["codeFilter"] = [{"path": "code", "code": codings}]
        return requirement


_ACTION_ORDER = ["id", "extension", "title", "description", "documentation", "priority", "condition", "input",
                 "relatedAction", "timingDuration", "timingRange", "timingTiming", "groupingBehavior",
                 "selectionBehavior", "action"]


def _leaders(node: ir.Node) -> list[tuple[str, tuple[str, ...]]]:
    """(action id, targets) for each way out of a step: the step itself, or each line of a decision."""
    if not isinstance(node, ir.Decide):
        return [(fhir_id(node.id), node.targets)]
    ways = [(fhir_id(f"{node.id}.{index}"), line.targets) for index, line in enumerate(node.lines)]
    if node.otherwise:
        ways.append((fhir_id(f"{node.id}.otherwise"), node.otherwise))
    return ways


def _applicability(definition: str) -> dict[str, Any]:
    return {"kind": "applicability", "expression": {"language": "text/cql-identifier", "expression": definition}}


def _timing(timing: ir.Timing) -> dict[str, Any]:
    """`within 6 h` → a Duration; `in 2 to 4 wk` → a Range; `every 1 a` → a repeating Timing."""
    if timing.relation == "every" and timing.low.unit in TIME_UNITS and timing.high is None:
        period = exact(timing.low.value)
        return {"timingTiming": {"repeat": {"frequency": 1, "period": float(period), "periodUnit": timing.low.unit}}}
    if timing.high is not None:
        return {"timingRange": {"low": _quantity(timing.low.value, timing.low.unit),
                                "high": _quantity(timing.high.value, timing.high.unit)}}
    return {"timingDuration": _quantity(timing.low.value, timing.low.unit)}
