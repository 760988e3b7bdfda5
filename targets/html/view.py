"""Graph IR → the viewer's data: what the page's script needs beyond the graph JSON.

The page runs the graph JSON itself with the JavaScript runtime, which says what to
do, which decisions wait and which questions to ask, most urgent first; this module
adds what a clinician reads beside it: each input as a form field (its question as
the label, its choices, the units it may be entered in), each arrow's condition in
chart words (`ABI ≤ 0.90`), each action's timing, doses, sources and `source` quote.
Scenarios become facts the page loads with one click.

Everything here is plain data: strings, numbers, lists. The page puts every string
into the document as text (`textContent`), never as markup.
"""

from __future__ import annotations

from typing import Any

from carepath.compiler import ir
from carepath.compiler.units import UnitError, commensurable
from carepath.targets.flowchart.chart import edge_condition_text, reference_text
from carepath.targets.flowchart.expressions import format_unit, humanize

# Units a clinician may enter a quantity in, offered when commensurable with the
# declared unit. Every code here is in the JavaScript runtime's unit table.
UNIT_CHOICES = (
    "min", "h", "d", "wk", "mo", "a",
    "mm[Hg]", "kPa",
    "mg/dL", "g/L", "mg/L", "g/dL",
    "mmol/L", "umol/L",
    "kg", "g", "[lb_av]",
    "cm", "m", "[in_i]",
)


def view_model(graph: ir.Graph) -> dict[str, Any]:
    """The page's data, keyed by input name, node id and edge index."""
    references = {reference.id: reference_text(reference) for reference in graph.references}
    return {
        "inputs": [_input_field(input_) for input_ in graph.inputs],
        "nodes": {node.id: _node_view(node, references) for node in graph.nodes},
        "edges": [
            {
                "source": edge.source,
                "target": edge.target,
                "branch": edge.branch,
                "condition": edge_condition_text(graph, edge),
            }
            for edge in graph.edges
        ],
        "scenarios": [
            {"name": scenario.name, "facts": {fact.name: _fact_value(fact.value) for fact in scenario.facts}}
            for scenario in graph.scenarios
        ],
    }


def _input_field(input_: ir.Input) -> dict[str, Any]:
    declared = input_.type
    field: dict[str, Any] = {
        "name": input_.name,
        "label": input_.question or humanize(input_.name),
        "short": humanize(input_.name),
        "kind": declared.kind,
    }
    if isinstance(declared, ir.EnumType):
        field["choices"] = [{"value": member, "text": humanize(member)} for member in declared.members]
    if isinstance(declared, ir.NumberType | ir.QuantityType):
        field["range"] = _range_text(declared)
    if isinstance(declared, ir.QuantityType):
        field["unit"] = declared.unit
        field["units"] = [
            {"code": code, "text": format_unit(code)} for code in _unit_choices(declared.unit)
        ]
    return field


def _unit_choices(unit: str) -> list[str]:
    """The declared unit first, then the usual units it converts from."""
    choices = [unit]
    for code in UNIT_CHOICES:
        if code == unit:
            continue
        try:
            if commensurable(code, unit):
                choices.append(code)
        except UnitError:
            continue
    return choices


def _range_text(declared: ir.NumberType | ir.QuantityType) -> str:
    if declared.low is None and declared.high is None:
        return ""
    unit = f" {format_unit(declared.unit)}" if isinstance(declared, ir.QuantityType) else ""
    low = "…" if declared.low is None else ir.number_text(declared.low)
    high = "…" if declared.high is None else ir.number_text(declared.high)
    return f"{low} to {high}{unit}"


def _fact_value(literal: ir.Literal) -> Any:
    """A scenario's fact as the form shows it: numbers as exact decimal text."""
    value = literal.value
    if isinstance(value, bool | str):
        return value
    text = ir.number_text(value)  # exact; `value` is in `literal.unit`
    return {"value": text, "unit": literal.unit} if literal.unit else text


def _node_view(node: ir.Node, references: dict[str, str]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "title": node.title,
        "kind": node.kind.value,
        "citations": [references.get(citation, citation) for citation in node.citations],
    }
    source = getattr(node, "source", None)
    if source:
        view["source"] = source
    if node.kind == ir.NodeKind.ACTION:
        view["urgency"] = node.urgency.value if node.urgency else None
        view["timing"] = str(node.timing) if node.timing is not None else None
        view["doses"] = [str(dose) for dose in node.doses]
    return view
