"""Facts files → results files inside DuckDB, running the graph's SQL (`run --batch --engine duckdb`).

DuckDB reads the input itself (JSON Lines, CSV or Parquet), so no patient passes
through Python: that is what makes a million patients a matter of seconds. The
input is checked in SQL first, row by row, as the Python runtime checks a facts
file (`targets/runtime/facts.py`): a key that is no input, a value of the wrong
JSON type, an enum value that is no member, a number outside the declared range.
A row with problems is not run: its status is `input_error` and `errors` lists
them; the others run. What this engine does not do (docs/scale.md): convert
units (quantities must be numbers in the declared unit; a `{"value", "unit"}`
object is refused), give explanations or traces; and a line that is not JSON at
all stops the whole file (DuckDB's reader refuses it), where the Python engine
reports that one line.

The output has one row per input row, in input order: the id, `row` (the record
number), `status`, `actions`, `needs`, `path` (lists in Parquet and JSON Lines,
space-separated in CSV) and `errors`. DuckDB runs on every core with a memory
limit, spilling to disk rather than growing without bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from compiler import ir
from targets.runtime.batch import Summary
from targets.runtime.facts import FactProblem
from targets.sql.query import DUCKDB, column_types, number_text, sql_query

MEMORY_LIMIT = "200MB"
KNOWN_KINDS = {"BOOLEAN": "boolean", "VARCHAR": "string", "BIGINT": "number", "UBIGINT": "number",
               "DOUBLE": "number", "NULL": "null"}


class EngineError(ValueError):
    """The input cannot be run at all (unreadable, or columns that are no inputs); nothing was written."""

    def __init__(self, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def connect(threads: int | None = None):
    import duckdb

    connection = duckdb.connect()
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    connection.execute("SET preserve_insertion_order = true")
    if threads is not None:
        connection.execute(f"SET threads = {int(threads)}")
    return connection


def run_duckdb_batch(graph: ir.Graph, input_path: str, input_format: str, output_path: str, output_format: str,
                     id_field: str = "id", connection=None) -> Summary:
    """Run every row of `input_path` and write the results to `output_path`; returns the summary."""
    import duckdb

    connection = connection or connect()
    q = DUCKDB.quote
    staged = f"{output_path}.checked.parquet"
    try:
        # Two passes, each streaming within the memory limit: the checked facts go to a
        # Parquet file beside the output, then the graph's query runs over that file.
        raw = _raw_relation(connection, graph, input_path, input_format, id_field)
        connection.execute(f"COPY ({_checked_relation(graph, raw, id_field)}) TO '{_literal(staged)}' (FORMAT parquet)")
        query = sql_query(graph, DUCKDB, "checked", id_field, carry=("errors",))
        lists = ("actions", "needs", "path")
        if output_format == "csv":
            shown = {name: f"array_to_string({name}, ' ')" for name in lists}
            errors = "CASE WHEN len(errors) > 0 THEN to_json(errors)::VARCHAR END"
        else:
            shown = {name: name for name in lists}
            errors = "CASE WHEN len(errors) > 0 THEN errors END"
        final = (f"WITH checked AS (SELECT * FROM read_parquet('{_literal(staged)}')),\nresults AS ({query})\n"
                 f"SELECT {q(id_field)}, "
                 f"CASE WHEN len(errors) > 0 THEN 'input_error' ELSE status END AS status, "
                 + ", ".join(f"CASE WHEN len(errors) > 0 THEN {'NULL' if output_format == 'csv' else '[]'} "
                             f"ELSE {shown[name]} END AS {name}" for name in lists)
                 + f", {errors} AS errors\nFROM results")
        copy_format = {"jsonl": "json", "csv": "csv", "parquet": "parquet"}[output_format]
        connection.execute(f"COPY ({final}) TO '{_literal(output_path)}' (FORMAT {copy_format})")
        return _summary(connection, output_path, output_format)
    except duckdb.Error as error:
        raise EngineError([f"DuckDB: {str(error).splitlines()[0]}"]) from None
    finally:
        Path(staged).unlink(missing_ok=True)


def _literal(text: str) -> str:
    return text.replace("'", "''")


def _raw_relation(connection, graph: ir.Graph, path: str, input_format: str, id_field: str) -> str:
    """SQL giving per row: `row`, the id, and per input its text `value.<x>` and JSON kind `kind.<x>`."""
    q = DUCKDB.quote
    inputs = [i.name for i in graph.inputs]
    if input_format == "jsonl":
        # one parse per row: a list of paths extracts every input at once (a call per input would
        # parse each line again per input, and DuckDB's per-chunk arena would grow to match)
        keys = ", ".join(f"'{_literal(n)}'" for n in [*inputs, id_field])
        paths = "[" + ", ".join(f"'$.\"{_literal(n)}\"'" for n in inputs) + "]"
        columns = [f"json_extract_string(json, '$.\"{_literal(id_field)}\"') AS {q(id_field)}",
                   f"list_filter(json_keys(json), lambda k: k NOT IN ({keys})) AS \"unknown keys\""]
        for position, name in enumerate(inputs, start=1):
            columns.append(f"\"values\"[{position}] AS {q('value.' + name)}")
            columns.append(f"coalesce(kinds[{position}], 'NULL') AS {q('kind.' + name)}")
        return (f"SELECT {', '.join(columns)} FROM (SELECT json, json_extract_string(json, {paths}) AS \"values\", "
                f"json_type(json, {paths}) AS kinds FROM read_ndjson_objects('{_literal(path)}'))")
    if input_format == "csv":
        source = f"read_csv('{_literal(path)}', all_varchar = true, header = true)"
    else:
        source = f"read_parquet('{_literal(path)}')"
    described = connection.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    names = [row[0] for row in described]
    kinds = {row[0]: _kind_of_type(row[1]) for row in described} if input_format == "parquet" else {}
    problems = [f"column `{n}` is not an input of this guideline (nor the id field `{id_field}`; choose another "
                f"with --id)" for n in names if n != id_field and n not in inputs]
    if problems:
        raise EngineError(problems)
    id_column = f"CAST({q(id_field)} AS VARCHAR)" if id_field in names else "CAST(NULL AS VARCHAR)"
    columns = [f"{id_column} AS {q(id_field)}", "CAST([] AS VARCHAR[]) AS \"unknown keys\""]
    for name in inputs:
        if name in names:
            columns.append(f"{q(name)} AS {q('value.' + name)}")
            columns.append(f"CASE WHEN {q(name)} IS NULL THEN 'NULL' ELSE '{kinds.get(name, 'any')}' END "
                           f"AS {q('kind.' + name)}")
        else:
            columns.append(f"CAST(NULL AS VARCHAR) AS {q('value.' + name)}")
            columns.append(f"'NULL' AS {q('kind.' + name)}")
    return f"SELECT {', '.join(columns)} FROM {source}"


def _kind_of_type(sql_type: str) -> str:
    """A Parquet column's type as the JSON kind its values count as (so a text column is no number)."""
    if sql_type == "BOOLEAN":
        return "BOOLEAN"
    if sql_type == "VARCHAR":
        return "VARCHAR"
    numeric = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
               "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL")
    return "DOUBLE" if sql_type.startswith(numeric) else "other"


def _checked_relation(graph: ir.Graph, raw: str, id_field: str) -> str:
    """SQL typing each input column (NULL when unknown or bad) and listing each row's problems in `errors`.

    Each value is typed once (`typed.<x>`); the problems list is built only for rows that have one.
    """
    q = DUCKDB.quote
    types = column_types(graph, DUCKDB)
    typed_columns, bad, problems = [], [], []
    for input_ in graph.inputs:
        value, kind, declared = q("value." + input_.name), q("kind." + input_.name), input_.type
        if isinstance(declared, ir.BooleanType):
            typed = f"CASE WHEN {kind} IN ('BOOLEAN', 'any') THEN TRY_CAST({value} AS BOOLEAN) END"
            expected = "true or false"
        elif isinstance(declared, ir.EnumType):
            members = ", ".join(f"'{_literal(m)}'" for m in declared.members)
            text = f"CAST({value} AS VARCHAR)"
            typed = f"CASE WHEN {kind} IN ('VARCHAR', 'any') AND {text} IN ({members}) THEN {text} END"
            expected = "one of " + ", ".join(declared.members)
        else:
            number = f"TRY_CAST({value} AS {types[input_.name]})"
            bounds = [f"{number} >= {number_text(declared.low)}" if declared.low is not None else None,
                      f"{number} <= {number_text(declared.high)}" if declared.high is not None else None]
            within = " AND ".join(b for b in bounds if b) or "TRUE"
            typed = (f"CASE WHEN {kind} IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'any') AND {within} "
                     f"THEN {number} END")
            expected = _number_words(declared)
        typed_columns.append(f"{typed} AS {q('typed.' + input_.name)}")
        is_bad = f"({kind} <> 'NULL' AND {q('typed.' + input_.name)} IS NULL)"
        bad.append(is_bad)
        problems.append(f"CASE WHEN {is_bad} THEN "
                        f"'$.{input_.name}: expected {_literal(expected)}, got ' || CAST({value} AS VARCHAR) END")
    unknown = "list_transform(\"unknown keys\", lambda k: '$.' || k || ': not an input of this guideline')"
    listed = f"list_filter(list_concat({unknown}, [{', '.join(problems)}]), lambda p: p IS NOT NULL)"
    any_bad = " OR ".join(["len(\"unknown keys\") > 0", *bad])
    errors = f"CASE WHEN {any_bad} THEN {listed} ELSE CAST([] AS VARCHAR[]) END"
    values = [f"{q('typed.' + i.name)} AS {q(i.name)}" for i in graph.inputs]
    typed_relation = f"SELECT *, {', '.join(typed_columns)} FROM ({raw})"
    return f"SELECT {q(id_field)}, {', '.join(values)}, {errors} AS errors FROM ({typed_relation})"


def _number_words(declared: ir.NumberType | ir.QuantityType) -> str:
    unit = f" {declared.unit}" if isinstance(declared, ir.QuantityType) else ""
    shown = {bound: number_text(bound).removesuffix(".0") for bound in (declared.low, declared.high) if bound is not None}
    if declared.low is not None and declared.high is not None:
        return f"a number from {shown[declared.low]} to {shown[declared.high]}{unit}"
    if declared.low is not None:
        return f"a number of at least {shown[declared.low]}{unit}"
    if declared.high is not None:
        return f"a number of at most {shown[declared.high]}{unit}"
    return f"a number{unit}" if not unit else f"a number in{unit}"


def _summary(connection, output_path: str, output_format: str, shown_bad_rows: int = Summary.SHOWN_BAD_ROWS) -> Summary:
    """Counts read back from the written results (cheap next to running them)."""
    source = {"jsonl": f"read_json('{_literal(output_path)}', format = 'newline_delimited')",
              "csv": f"read_csv('{_literal(output_path)}', all_varchar = true, header = true)",
              "parquet": f"read_parquet('{_literal(output_path)}')"}[output_format]
    actions = "string_split(actions, ' ')" if output_format == "csv" else "actions"
    summary = Summary()
    for status, count in connection.execute(f"SELECT status, count(*) FROM {source} GROUP BY status").fetchall():
        summary.statuses[status] = count
        summary.patients += count
    for action, count in connection.execute(
            f"SELECT action, count(*) FROM (SELECT unnest({actions}) AS action FROM {source}) "
            f"WHERE action <> '' GROUP BY action").fetchall():
        summary.actions[action] = count
    summary.bad_count = summary.statuses.get("input_error", 0)
    errors = "from_json(errors, '[\"VARCHAR\"]')" if output_format == "csv" else "errors"
    numbered = f"SELECT row_number() OVER () AS row_number, status, errors FROM {source}"  # output order is input order
    for row, listed in connection.execute(f"SELECT row_number, {errors} FROM ({numbered}) "
                                          f"WHERE status = 'input_error' ORDER BY 1 LIMIT {shown_bad_rows}").fetchall():
        summary.bad_rows.append((row, tuple(_problem(row, text) for text in listed)))
    return summary


def _problem(row: int, text: str) -> FactProblem:
    where, _, message = text.partition(": ")
    code = "CP0602" if message == "not an input of this guideline" else "CP0603"
    return FactProblem(code, f"row {row}: {where}", message)

