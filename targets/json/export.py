"""Graph JSON export: `compiler.ir.Graph` → deterministic `carepath.graph/2` JSON text.

The JSON is the IR written down, field for field, so that another runtime can run a
compiled guideline without our Python code and `load(export(g)) == g`. The encoding is
generic over the frozen attrs classes of `compiler.ir`: an object per instance with one
key per field, so an IR field added tomorrow is exported without touching this module.
Where a field can hold one of several classes (an expression, an input's type, a
node) the object carries a tag: `"expr": "compare"` (the class name in snake case)
for expressions, `"kind": "quantity"` or `"kind": "decide"` (the class's own
`kind`) for types and nodes. Numbers are exact (`compiler.exact_json`): a JSON
number with the author's digits, or a string `"n/d"` for a value no short decimal
writes. Derived data (edges, indexes: fields with `init=False`) is not written. Enums are their
values, tuples are arrays, spans are `{"file", "line", "column", "end_line",
"end_column"}` and are left out when unknown.

Deterministic bytes: keys sorted, arrays in IR order (every IR tuple is ordered on
purpose: graph order, branch order, declaration order), fixed separators, two-space
indent, a trailing newline. Described by `graph.schema.json`; see docs/graph-json.md.
"""

from __future__ import annotations

import enum
import json
import re
import typing
from typing import Any

import attrs

from carepath.compiler import exact_json, ir
from carepath.diagnostics import UNKNOWN_SPAN, Span

FORMAT = "carepath.graph/2"
LEGACY_FORMATS = ("carepath.graph/1",)
EXPR_TAG = "expr"
TYPE_TAG = "kind"


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _union_members(union: Any) -> tuple[type, ...]:
    return tuple(member for member in typing.get_args(union) if attrs.has(member))


# class -> (tag key, tag value), and back: the only per-class knowledge the format has.
TAGS: dict[type, tuple[str, str]] = {
    **{cls: (EXPR_TAG, _snake_case(cls.__name__)) for cls in _union_members(ir.Expr)},
    **{cls: (TYPE_TAG, cls.kind) for cls in _union_members(ir.Type)},
    **{cls: (TYPE_TAG, cls.kind.value) for cls in ir.NODE_CLASSES},
}
TAGGED_CLASSES: dict[tuple[str, str], type] = {tag: cls for cls, tag in TAGS.items()}


def to_json_value(value: Any, spans: bool = True) -> Any:
    """Any IR value as plain JSON data (dicts, lists, str, numbers, bools, None)."""
    if isinstance(value, Span):
        return attrs.asdict(value)
    if attrs.has(type(value)):
        encoded = {}
        for field in attrs.fields(type(value)):
            if not field.init:
                continue
            item = getattr(value, field.name)
            if isinstance(item, Span) and (not spans or _is_unknown(item)):
                continue
            encoded[field.name] = to_json_value(item, spans)
        tag = TAGS.get(type(value))
        if tag is not None:
            encoded[tag[0]] = tag[1]
        return encoded
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_json_value(item, spans) for item in value]
    return value


def _is_unknown(span: Span) -> bool:
    return attrs.astuple(span) == attrs.astuple(UNKNOWN_SPAN)


def graph_document(graph: ir.Graph, spans: bool = True) -> dict[str, Any]:
    """The JSON document of a graph, as Python data; `spans=False` leaves source positions out."""
    return {"format": FORMAT, **to_json_value(graph, spans)}


def export_graph(graph: ir.Graph, spans: bool = True) -> str:
    """The graph as `carepath.graph/2` JSON text: same graph, same bytes."""
    text = exact_json.dumps(
        graph_document(graph, spans),
        sort_keys=True,
        indent=2,
        separators=(",", ": "),
        ensure_ascii=False,
        allow_nan=False,
    )
    return text + "\n"
