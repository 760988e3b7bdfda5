"""A facts file → a results file inside DuckDB, running the graph's SQL (`run --batch --engine duckdb`).

DuckDB reads the input (Parquet and CSV with its own readers; JSON Lines framed
into numbered lines here, split on `\\n` only as the Python engine splits them, and
parsed by DuckDB's JSON functions), checks every value in SQL, runs the graph's
query (`targets/sql/query.py`) and writes the results with `COPY ... TO`, in one
streaming pass within a memory limit, on every core. No patient passes through
Python on the way: that is what makes a million patients a matter of seconds.

**One checker.** Each value is checked in SQL against its input (type, enum member,
a number in the declared range, exactly representable in the facts table's
DECIMAL(38, 12)). A row that passes every check takes the fast path: its typed
values go to the query. A row that does not (a bad value, a key that is no input,
a line that is not JSON, a quantity given as `{"value", "unit"}` or `21 d` in
another unit, a number with more digits than a DECIMAL holds) is handed, inside
the same query, to the Python engine's own code for one row
(`targets.runtime.batch.Runner`, through a DuckDB function DuckDB calls for those
rows only): the Python facts checker writes its errors (same codes, messages,
hints and row numbers), or converts its units exactly and runs it. So every row's
result is the Python runtime's, by construction for the rows Python handles and by
the differential tests (`tests/test_sql.py`, `tests/test_batch.py`) for the rest;
the SQL checks only need to let through nothing that Python would read otherwise.

The output has the Python engine's flat layout (its CSV and Parquet writers): the
id, `row`, `status`, `actions`, `needs`, `path` (lists in Parquet and JSON Lines,
space-separated in CSV) and `errors` (the problems as JSON, or empty).
What this engine does not do (docs/scale.md): explanations, titles and traces
(JSON Lines output is the flat layout, not the full result object), and reading
standard input or writing standard output.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from carepath.compiler import ir
from carepath.compiler.jsonread import FACTS_LIMIT
from carepath.targets.runtime import batch
from carepath.targets.runtime.batch import Summary
from carepath.targets.runtime.facts import FactProblem
from carepath.targets.sql.query import DUCKDB, number_text, sql_query

# DuckDB's own working memory (buffers of the COPY). The process adds about 150 MiB to it
# (Python, the compiled guideline, DuckDB's and pyarrow's code): 100 MB keeps the 1,000,000-row
# batch near 220 MiB (docs/performance.md). Past the limit DuckDB spills to a temporary
# folder beside the output rather than growing.
MEMORY_LIMIT = "100MB"
# Rows per Parquet row group: DuckDB holds a row group per thread until it is written, and a
# row's lists of ids make it wide, so smaller groups than DuckDB's default keep memory flat.
ROW_GROUP = 20_000
DECIMAL = DUCKDB.decimal_type
# A number the facts table holds exactly: at most 26 digits before the point and 12 after.
EXACT_NUMBER = r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,12})?"
# A run of 16 digits (a point among them) in a JSON line: a number DuckDB's JSON reader may
# have read through a double; such a line goes to the Python reader, which reads it exactly.
LONG_NUMBER = r"[0-9][0-9.]{15,}"
JSONL_BLOCK = 1 << 20  # bytes of JSON Lines framed at a time (about 700 lines of the reference guideline)
OUTCOME_TYPE = ('{"id": "VARCHAR", "status": "VARCHAR", "actions": ["VARCHAR"], "needs": ["VARCHAR"], '
                '"path": ["VARCHAR"], "errors": "VARCHAR"}')
FALLBACK_FUNCTION = "carepath_run_row"


class EngineError(ValueError):
    """The input cannot be run at all (unreadable, or columns that are no inputs); nothing was written."""

    def __init__(self, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def connect(threads: int | None = None, temporary_directory: str | None = None):
    """A DuckDB connection for one batch: a memory limit, input order kept, every core unless told."""
    import duckdb

    config = {"memory_limit": MEMORY_LIMIT, "preserve_insertion_order": True,
              "threads": threads or os.cpu_count() or 1}
    if temporary_directory is not None:
        config["temp_directory"] = temporary_directory
    return duckdb.connect(config=config)


def run_duckdb_batch(graph: ir.Graph, input_path: str, input_format: str, output_path: str, output_format: str,
                     id_field: str = "id", threads: int | None = None) -> Summary:
    """Run every row of `input_path` and write the results to `output_path`; returns the summary.

    `output_path` is written in place: the caller makes it atomic (`carepath.files.atomic_path`).
    """
    import duckdb

    spill = tempfile.mkdtemp(prefix=".carepath-duckdb-", dir=Path(output_path).resolve().parent)
    connection = connect(threads, spill)
    try:
        source = _Source.open(connection, graph, input_path, input_format, id_field)
        connection.create_function(FALLBACK_FUNCTION, source.run_row, ["BIGINT", source.raw_type], "VARCHAR",
                                   side_effects=False)
        query = sql_query(graph, DUCKDB, "checked", id_field, carry=("row", "outcome"))
        final = _final_select(source.checked_relation(), query, id_field, output_format)
        options = {"jsonl": "FORMAT json", "csv": "FORMAT csv, HEADER true",
                   "parquet": f"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP}"}[output_format]
        connection.execute(f"COPY ({final}) TO '{_literal(output_path)}' ({options})")
        return _summary(connection, output_path, output_format)
    except duckdb.Error as error:
        raise EngineError([f"DuckDB: {str(error).splitlines()[0]}"]) from None
    finally:
        connection.close()
        shutil.rmtree(spill, ignore_errors=True)


def _literal(text: str) -> str:
    return text.replace("'", "''")


def _quote(name: str) -> str:
    return DUCKDB.quote(name)


def _final_select(checked: str, query: str, id_field: str, output_format: str) -> str:
    """The query's results, with each Python-run row's outcome in its place, in the output's layout."""
    q = _quote(id_field)

    def pick(name: str) -> str:
        return f"CASE WHEN outcome IS NULL THEN {name} ELSE outcome_.{name} END"

    lists = {name: pick(name) for name in ("actions", "needs", "path")}
    errors = "outcome_.errors"
    if output_format == "csv":
        lists = {name: f"array_to_string({value}, ' ')" for name, value in lists.items()}
    elif output_format == "jsonl":
        errors = f"CAST({errors} AS JSON)"
    return (f"WITH checked AS ({checked}),\nresults AS ({query}),\n"
            f"outcomes AS (SELECT *, from_json(outcome, '{OUTCOME_TYPE}') AS outcome_ FROM results)\n"
            f"SELECT CASE WHEN outcome IS NULL THEN {q} ELSE outcome_.id END AS {q}, \"row\", "
            f"{pick('status')} AS status, "
            + ", ".join(f"{value} AS {name}" for name, value in lists.items())
            + f", {errors} AS errors\nFROM outcomes")


class _Source:
    """One input file as SQL: per row its number, its id, each input's typed value, and whether SQL can take it.

    `checked_relation()` gives the columns the graph's query reads (the id, one column
    per input, NULL when unknown), plus `row` and `outcome`: NULL for a row SQL takes,
    else the Python engine's outcome for that row, as JSON (`run_row`, called by DuckDB
    for those rows only).
    """

    def __init__(self, graph: ir.Graph, id_field: str, where: str) -> None:
        self.graph, self.id_field = graph, id_field
        self.runner = batch.Runner(graph, id_field, decode_json=where == "line", documents=False, trace=False)
        self.inputs = {i.name: i.type for i in graph.inputs}
        self.source = ""  # SQL: `row`, the raw columns
        self.raw_type: Any = "VARCHAR"  # the DuckDB type of the row handed to Python
        self.raw = ""  # SQL: the row handed to Python
        self.id_text = "CAST(NULL AS VARCHAR)"
        self.typed: dict[str, str] = {}  # input → SQL of its value (when the row is taken)
        self.takes: list[str] = []  # SQL conditions, all true for a row SQL takes

    @staticmethod
    def open(connection, graph: ir.Graph, path: str, input_format: str, id_field: str) -> _Source:
        if not Path(path).is_file():
            raise EngineError([f"cannot read `{path}`: no such file"])
        opener = {"parquet": _ParquetSource, "csv": _CsvSource, "jsonl": _JsonLinesSource}[input_format]
        return opener(connection, graph, path, id_field)

    def checked_relation(self) -> str:
        q = _quote
        takes = " AND ".join(f"({t})" for t in self.takes) or "TRUE"
        values = ", ".join(f"{self.typed.get(name, 'NULL')}::{_sql_type(declared)} AS {q(name)}"
                           for name, declared in self.inputs.items())
        return (f"SELECT \"row\", {self.id_text} AS {q(self.id_field)}, {values}, "
                f"CASE WHEN NOT coalesce({takes}, FALSE) THEN {FALLBACK_FUNCTION}(\"row\", {self.raw}) END AS outcome "
                f"FROM ({self.source})")

    def run_row(self, number: int, raw: Any) -> str:
        """The Python engine's outcome for one row SQL did not take, as JSON."""
        outcome = self.runner.run_row(number, self.python_row(raw))
        errors = (json.dumps([p.to_json() for p in outcome.problems], ensure_ascii=False)
                  if outcome.problems else None)
        return json.dumps({"id": None if outcome.id is None else str(outcome.id), "status": outcome.status,
                           "actions": outcome.actions, "needs": outcome.needs, "path": outcome.path,
                           "errors": errors}, ensure_ascii=False)

    def python_row(self, raw: Any) -> Any:
        """The row as the Python engine's reader gives it to its runner."""
        return raw

    # --- checks shared by the formats ------------------------------------------------------

    def number_check(self, name: str, declared: ir.NumberType | ir.QuantityType, value: str) -> str:
        """Type the input from `value` (a DECIMAL, NULL when not an exact number); SQL for "known and in range"."""
        self.typed[name] = value
        bounds = [f"{value} >= {number_text(declared.low)}" if declared.low is not None else None,
                  f"{value} <= {number_text(declared.high)}" if declared.high is not None else None]
        return " AND ".join([f"{value} IS NOT NULL", *filter(None, bounds)])


def _exact_decimal(text: str, is_number: str = "TRUE") -> str:
    """SQL: the number written in `text` as a DECIMAL when the facts table holds it exactly, else NULL."""
    return f"CAST(CASE WHEN {is_number} AND regexp_full_match({text}, '{EXACT_NUMBER}') THEN {text} END AS {DECIMAL})"


def _sql_type(declared: ir.Type) -> str:
    if isinstance(declared, ir.BooleanType):
        return "BOOLEAN"
    if isinstance(declared, ir.EnumType):
        return "VARCHAR"
    return DECIMAL


def _members(declared: ir.EnumType) -> str:
    return ", ".join(f"'{_literal(m)}'" for m in declared.members)


def _check_columns(graph: ir.Graph, names: Sequence[str], id_field: str) -> None:
    try:
        batch.check_columns(graph, names, id_field)
    except batch.ColumnsError as error:
        raise EngineError(error.problems) from None


class _ParquetSource(_Source):
    """Parquet: typed columns, so each check follows from the column's type."""

    NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")

    def __init__(self, connection, graph: ir.Graph, path: str, id_field: str) -> None:
        super().__init__(graph, id_field, "row")
        # the file's own column names (DESCRIBE would rename a repeated one), the schema's root first
        names = [row[0] for row in connection.execute(
            f"SELECT name FROM parquet_schema('{_literal(path)}')").fetchall()[1:]]
        _check_columns(graph, names, id_field)
        reader = f"read_parquet('{_literal(path)}', file_row_number = true)"
        types = dict(connection.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {reader})")
                     .fetchall())
        q = _quote
        columns = [n for n in names]
        self.source = f"SELECT file_row_number + 1 AS \"row\", {', '.join(q(c) for c in columns)} FROM {reader}"
        if id_field in types:
            self.id_text = f"CAST({q(id_field)} AS VARCHAR)"
            if not _id_prints_alike(types[id_field]):
                self.takes.append(f"{q(id_field)} IS NULL")
        import duckdb

        self.raw_type = duckdb.struct_type({c: duckdb.sqltype(types[c]) for c in columns})
        self.raw = "struct_pack(" + ", ".join(f"{q(c)} := {q(c)}" for c in columns) + ")"
        for name, declared in self.inputs.items():
            if name in types:
                self._check(name, declared, types[name])

    def _check(self, name: str, declared: ir.Type, column_type: str) -> None:
        column = _quote(name)
        if isinstance(declared, ir.BooleanType) and column_type == "BOOLEAN":
            self.typed[name] = column
        elif isinstance(declared, ir.EnumType) and column_type == "VARCHAR":
            self.typed[name] = f"CASE WHEN {column} IN ({_members(declared)}) THEN {column} END"
            self.takes.append(f"{column} IS NULL OR {column} IN ({_members(declared)})")
        elif isinstance(declared, ir.NumberType | ir.QuantityType) and _numeric(column_type):
            if _fits_exactly(column_type):  # integers and narrow decimals: a plain cast is exact
                value = f"CAST({column} AS {DECIMAL})"
            elif column_type in ("FLOAT", "DOUBLE"):  # a double stands for its shortest decimal, as in Python
                value = _exact_decimal(f"CAST(CAST({column} AS DOUBLE) AS VARCHAR)")
            else:
                value = _exact_decimal(f"CAST({column} AS VARCHAR)")
            self.takes.append(f"{column} IS NULL OR ({self.number_check(name, declared, value)})")
        else:  # a column of another type: any value in it is a problem the Python checker words
            self.typed[name] = "NULL"
            self.takes.append(f"{column} IS NULL")

    def python_row(self, raw: dict[str, Any]) -> dict[str, Any]:
        # as `batch.read_parquet` gives a record: no nulls, decimals as exact numbers
        return {name: batch._parquet_value(value) for name, value in raw.items() if value is not None}


def _numeric(column_type: str) -> bool:
    return column_type.startswith(("DECIMAL", "FLOAT", "DOUBLE", "HUGEINT", "UHUGEINT")) or \
        column_type in _ParquetSource.NUMERIC


def _fits_exactly(column_type: str) -> bool:
    """Whether every value of the column converts exactly to DECIMAL(38, 12)."""
    if column_type in _ParquetSource.NUMERIC:
        return True
    if column_type.startswith("DECIMAL("):
        precision, scale = (int(part) for part in column_type[8:-1].split(","))
        return scale <= 12 and precision - scale <= 26
    return False


def _id_prints_alike(column_type: str) -> bool:
    """Whether DuckDB writes the id as Python's `str` does (text and integers; not doubles or decimals)."""
    return column_type == "VARCHAR" or column_type in _ParquetSource.NUMERIC


class _CsvSource(_Source):
    """CSV: every cell is text, typed by the input as the Python engine types it (`batch._cell_value`)."""

    def __init__(self, connection, graph: ir.Graph, path: str, id_field: str) -> None:
        super().__init__(graph, id_field, "row")
        try:
            with open(path, encoding="utf-8", newline="") as stream:
                header = next(csv.reader(stream), None) or []
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise EngineError([f"cannot read `{path}` as CSV: {error}"]) from None
        _check_columns(graph, header, id_field)
        if not header:
            raise EngineError([f"`{path}` has no header line naming its columns"])
        q = _quote
        columns = "{" + ", ".join(f"'{_literal(c)}': 'VARCHAR'" for c in header) + "}"
        # row_number() over the reader's order (kept): the record number, as the Python engine counts
        # records (a blank line, which the Python engine counts and skips, DuckDB skips uncounted)
        self.source = (f"SELECT row_number() OVER () AS \"row\", * FROM read_csv('{_literal(path)}', header = true, "
                       f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {columns})")
        if id_field in header:
            self.id_text = f"NULLIF({q(id_field)}, '')"
        self.raw = "to_json(struct_pack(" + ", ".join(f"{q(c)} := {q(c)}" for c in header) + "))"
        for name, declared in self.inputs.items():
            if name in header:
                self._check(name, declared, q(name))

    def _check(self, name: str, declared: ir.Type, cell: str) -> None:
        empty = f"coalesce({cell}, '') = ''"
        if isinstance(declared, ir.BooleanType):
            self.typed[name] = f"CASE lower({cell}) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END"
            self.takes.append(f"{empty} OR lower({cell}) IN ('true', 'false')")
        elif isinstance(declared, ir.EnumType):
            self.typed[name] = f"CASE WHEN {cell} IN ({_members(declared)}) THEN {cell} END"
            self.takes.append(f"{empty} OR {cell} IN ({_members(declared)})")
        else:
            self.takes.append(f"{empty} OR ({self.number_check(name, declared, _exact_decimal(cell))})")

    def python_row(self, raw: str) -> dict[str, Any]:
        cells = json.loads(raw)
        return {name: cell if name == self.id_field else batch._cell_value(self.inputs[name], cell)
                for name, cell in cells.items() if cell not in (None, "")}


class _JsonLinesSource(_Source):
    """JSON Lines: lines numbered here (split on `\\n` only), each parsed once by DuckDB into a map of its keys.

    The map (`MAP(VARCHAR, JSON)`) holds each top-level value as JSON text, so the checks
    read that text without parsing it again (a parse per input would cost memory per row).
    A line that is not an object, not JSON, or repeats a key gives no map: Python words why.
    """

    def __init__(self, connection, graph: ir.Graph, path: str, id_field: str) -> None:
        import pyarrow as pa

        super().__init__(graph, id_field, "line")
        schema = pa.schema([("row", pa.int64()), ("line", pa.string())])
        connection.register("jsonl_lines", pa.RecordBatchReader.from_batches(schema, _numbered_lines(path, schema)))
        allowed = "[" + ", ".join(f"'{_literal(n)}'" for n in [*self.inputs, id_field]) + "]"
        self.source = (f"SELECT \"row\", line, CASE WHEN length(line) <= {FACTS_LIMIT} AND NOT "
                       f"regexp_matches(line, '{LONG_NUMBER}') THEN TRY(CAST(CAST(line AS JSON) AS MAP(VARCHAR, JSON))) "
                       f"END AS facts FROM jsonl_lines WHERE NOT regexp_full_match(line, '[ \\t\\n\\r\\x0b\\x0c]*')")
        # an object whose keys are all inputs or the id (each once, or there would be no map)
        self.takes.append(f"facts IS NOT NULL AND list_has_all({allowed}, map_keys(facts))")
        identifier = self.value(id_field)
        self.id_text = f"CASE WHEN starts_with({identifier}, '\"') THEN json_extract_string({identifier}, '$') " \
                       f"ELSE {identifier} END"
        self.takes.append(f"{identifier} IS NULL OR starts_with({identifier}, '\"') "
                          f"OR regexp_full_match({identifier}, '0|-?[1-9][0-9]*')")  # Python's str() of the id
        self.raw = "line"
        for name, declared in self.inputs.items():
            self._check(name, declared, self.value(name))

    @staticmethod
    def value(name: str) -> str:
        """SQL: the JSON text of a top-level value (NULL when missing or null)."""
        return f"CAST(facts['{_literal(name)}'] AS VARCHAR)"

    def _check(self, name: str, declared: ir.Type, value: str) -> None:
        if isinstance(declared, ir.BooleanType):
            self.typed[name] = f"CASE {value} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END"
            self.takes.append(f"{value} IS NULL OR {value} IN ('true', 'false')")
        elif isinstance(declared, ir.EnumType):  # a member as JSON text: its name in quotes
            members = ", ".join(f"'\"{_literal(m)}\"'" for m in declared.members)
            self.typed[name] = f"CASE WHEN {value} IN ({members}) THEN json_extract_string({value}, '$') END"
            self.takes.append(f"{value} IS NULL OR {value} IN ({members})")
        else:  # a quantity object (another unit) goes to the Python reader, which converts it exactly
            self.takes.append(f"{value} IS NULL OR ({self.number_check(name, declared, _exact_decimal(value))})")


def _numbered_lines(path: str, schema) -> Iterator:
    """Record batches of (line number, text) for every line, split on `\\n` only, as `batch.read_jsonl` numbers them."""
    import pyarrow as pa

    number, rest = 1, b""
    with open(path, "rb") as stream:
        while True:
            block = stream.read(JSONL_BLOCK)
            if not block:
                break
            block = rest + block
            end = block.rfind(b"\n") + 1  # a `\n` byte is never inside a UTF-8 character
            rest = block[end:]
            if end:
                lines = block[:end - 1].decode("utf-8", errors="replace").split("\n")
                yield pa.record_batch([pa.array(range(number, number + len(lines)), pa.int64()),
                                       pa.array(lines, pa.string())], schema=schema)
                number += len(lines)
    if rest:
        yield pa.record_batch([pa.array([number], pa.int64()),
                               pa.array([rest.decode("utf-8", errors="replace")], pa.string())], schema=schema)


def _summary(connection, output_path: str, output_format: str, shown_bad_rows: int = Summary.SHOWN_BAD_ROWS) -> Summary:
    """Counts read back from the written results (cheap next to running them)."""
    path = _literal(output_path)
    source = {"jsonl": f"read_json('{path}', format = 'newline_delimited', columns = "
                       "{'row': 'BIGINT', 'status': 'VARCHAR', 'actions': 'VARCHAR[]', 'errors': 'VARCHAR'})",
              "csv": f"read_csv('{path}', all_varchar = true, header = true)",
              "parquet": f"read_parquet('{path}')"}[output_format]
    actions = "string_split(actions, ' ')" if output_format == "csv" else "actions"
    summary = Summary()
    for status, count in connection.execute(f"SELECT status, count(*) FROM {source} GROUP BY status").fetchall():
        summary.statuses[status] = count
        summary.patients += count
    # counted in order of first appearance, as the Python engine's counter meets them (ties keep that order)
    for action, count in connection.execute(
            f"SELECT action, count(*) FROM (SELECT \"row\", unnest({actions}) AS action, "
            f"generate_subscripts({actions}, 1) AS position FROM {source}) "
            f"WHERE action <> '' GROUP BY action ORDER BY min(\"row\"::BIGINT), min_by(position, \"row\"::BIGINT)").fetchall():
        summary.actions[action] = count
    summary.bad_count = summary.statuses.get(batch.INPUT_ERROR, 0)
    for row, errors in connection.execute(
            f"SELECT CAST(\"row\" AS BIGINT), errors FROM {source} WHERE status = '{batch.INPUT_ERROR}' "
            f"ORDER BY 1 LIMIT {shown_bad_rows}").fetchall():
        summary.bad_rows.append((row, tuple(FactProblem(**problem) for problem in json.loads(errors))))
    return summary

