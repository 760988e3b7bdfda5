"""Checked facts (the Python runtime's `Facts.values`) → an Arrow facts table the SQL query reads.

The bridge for callers that already hold checked facts in Python (the differential
tests, an application embedding DuckDB or Spark): one column per input, typed as
`targets/sql/query.py` expects (BOOLEAN, text, DECIMAL(38, 12) in the declared unit),
NULL where the fact is unknown, plus the id column. Numbers go through their exact
value (a float through its shortest decimal text, as a JSON reader gives it), rounded
to 12 decimals only when they have no finite decimal form (a unit conversion such as
10 d → 10/7 wk).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Any

from carepath.compiler import ir

SCALE = 12
_QUANTUM = Decimal(1).scaleb(-SCALE)
_CONTEXT = Context(prec=60)


def exact_decimal(value: int | float | Fraction | Decimal) -> Decimal:
    """The DECIMAL(38, 12) value of a number: exact when it has at most 12 decimals."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Fraction):
        value = _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
    return Decimal(value).quantize(_QUANTUM, rounding=ROUND_HALF_EVEN, context=_CONTEXT)


def arrow_schema(graph: ir.Graph, id_column: str = "id"):
    import pyarrow as pa

    fields = [pa.field(id_column, pa.string())]
    for input_ in graph.inputs:
        declared = input_.type
        if isinstance(declared, ir.BooleanType):
            fields.append(pa.field(input_.name, pa.bool_()))
        elif isinstance(declared, ir.EnumType):
            fields.append(pa.field(input_.name, pa.string()))
        else:
            fields.append(pa.field(input_.name, pa.decimal128(38, SCALE)))
    return pa.schema(fields)


def facts_table(graph: ir.Graph, patients: Iterable[tuple[str, Mapping[str, Any]]], id_column: str = "id"):
    """An Arrow table from (id, checked facts) pairs."""
    import pyarrow as pa

    schema = arrow_schema(graph, id_column)
    rows = list(patients)
    columns: list[list[Any]] = [[identifier for identifier, _ in rows]]
    for input_ in graph.inputs:
        numeric = isinstance(input_.type, ir.NumberType | ir.QuantityType)
        column = []
        for _identifier, facts in rows:
            value = facts.get(input_.name)
            column.append(exact_decimal(value) if numeric and value is not None else value)
        columns.append(column)
    return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, schema)], schema=schema)
