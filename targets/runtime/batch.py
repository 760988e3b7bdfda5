"""A stream of patients' facts → a stream of results, in constant memory.

`carepath run G --batch IN -o OUT` reads facts rows from JSON Lines, CSV or
Parquet and writes one result per row in the same order, in JSON Lines, CSV or
Parquet. Nothing here holds more than a chunk of rows at once: rows are read
lazily, handed to the runtime in chunks of `CHUNK` rows (to `jobs` worker
processes when asked, at most two chunks per worker in flight so a fast reader
never fills memory), and each chunk's results are written before the next ones
are read. The caller opens the streams (the CLI makes OUT atomic); this module
never imports `click`.

Rows: the id field (`--id`, default `id`) is carried to the result and never
read as an input. A bad row (not JSON, not an object, a fact that does not fit
the guideline) becomes an error result naming its row number and every problem,
and the rest still run. JSON Lines are split on `\\n` only, so a U+2028 inside a
string stays inside its string. CSV and Parquet columns are checked once, against
the guideline's inputs, before anything runs (`ColumnsError`).

Flat outputs (CSV, Parquet) hold per patient: the id, the row, the status
(`complete`, `needs_input` or `input_error`), the action ids in order, the needs,
the path and the problems; JSON Lines hold the full result object of
docs/running.md with `id` first.
"""

from __future__ import annotations

import collections
import csv
import io
import json
import multiprocessing
from decimal import Decimal
from fractions import Fraction
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from attrs import define, field

from carepath.compiler import ir
from carepath.targets.runtime.compiled import DEFAULT_EXECUTOR, executor as executor_named
from carepath.targets.runtime.facts import CANNOT_READ, FactProblem, FactsError, parse_facts

FORMATS = ("jsonl", "csv", "parquet")
INPUT_ERROR = "input_error"
CHUNK = 2000  # rows per unit of work: large enough to amortise a worker round trip, small enough to stay flat
FLAT_COLUMNS = ("row", "status", "actions", "needs", "path", "errors")


class ColumnsError(ValueError):
    """A CSV or Parquet input whose columns do not fit the guideline; nothing was run."""

    def __init__(self, problems: list[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(problems))


def format_of(path: str) -> str | None:
    """The format a file name implies (`.jsonl`/`.ndjson`, `.csv`, `.parquet`), or None."""
    lowered = path.lower()
    for suffix, name in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".csv", "csv"), (".parquet", "parquet"),
                         (".pq", "parquet")):
        if lowered.endswith(suffix):
            return name
    return None


# --- reading --------------------------------------------------------------------------------

# A raw row: its number (a line number in JSON Lines, a record number in CSV and Parquet),
# and either the decoded facts object or the text that could not be decoded.
RawRow = tuple[int, Any]


def read_jsonl(stream: IO[bytes]) -> Iterator[RawRow]:
    """(line number, line text) for each non-blank line; a binary stream splits on `\\n` only."""
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield number, line.decode("utf-8", errors="replace")


def read_csv(stream: IO[bytes], graph: ir.Graph, id_field: str) -> Iterator[RawRow]:
    """(record number, {column: value}) per CSV record; empty cells are unknown.

    Cells are typed by the input's declared type: `true`/`false`, numbers, enum
    members, and for quantities a number in the declared unit or `21 d`.
    """
    # lines of a binary stream end at `\n` only; csv joins the lines of a quoted multi-line cell
    reader = csv.reader(line.decode("utf-8") for line in stream)
    header = next(reader, None) or []
    check_columns(graph, header, id_field)  # before the first row is asked for
    return _csv_rows(reader, header, {i.name: i.type for i in graph.inputs}, id_field)


def _csv_rows(reader, header: list[str], types: dict[str, ir.Type], id_field: str) -> Iterator[RawRow]:
    for number, record in enumerate(reader, start=1):
        if not record:
            continue
        row: dict[str, Any] = {}
        for name, cell in zip(header, record):
            if cell != "":
                row[name] = cell if name == id_field else _cell_value(types[name], cell)
        if len(record) != len(header):
            row = {"__columns__": f"{len(record)} cells for {len(header)} columns"} | row
        yield number, row


def read_parquet(source: Any, graph: ir.Graph, id_field: str) -> Iterator[RawRow]:
    """(record number, {column: value}) per Parquet record, read one row group slice at a time."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(source)
    check_columns(graph, parquet.schema_arrow.names, id_field)  # before the first row is asked for
    return _parquet_rows(parquet)


def _parquet_rows(parquet) -> Iterator[RawRow]:
    number = 0
    for batch in parquet.iter_batches(batch_size=CHUNK):
        for record in batch.to_pylist():
            number += 1
            yield number, {name: _parquet_value(value) for name, value in record.items() if value is not None}


def check_columns(graph: ir.Graph, columns: Iterable[str], id_field: str) -> None:
    """Refuse columns that are neither inputs nor the id field, and repeated columns, all at once."""
    inputs = {i.name for i in graph.inputs}
    problems, seen = [], set()
    for column in columns:
        if column in seen:
            problems.append(f"column `{column}` appears twice")
        seen.add(column)
        if column != id_field and column not in inputs:
            problems.append(f"column `{column}` is not an input of this guideline"
                            f" (nor the id field `{id_field}`; choose another with --id)")
    if problems:
        raise ColumnsError(problems)


def _cell_value(declared: ir.Type, cell: str) -> Any:
    """A CSV cell as the JSON value a facts file would hold; a cell that fits no shape stays text (then refused)."""
    stripped = cell.strip()
    if isinstance(declared, ir.BooleanType):
        return {"true": True, "false": False}.get(stripped.lower(), cell)
    if isinstance(declared, ir.EnumType):
        return stripped
    number = _number(stripped)
    if number is not None:
        return number
    if isinstance(declared, ir.QuantityType):
        value, _, unit = stripped.partition(" ")
        number = _number(value)
        if number is not None and unit.strip():
            return {"value": number, "unit": unit.strip()}
    return cell


def _number(text: str) -> int | Fraction | None:
    """The exact number a facts-file reader would make of `text`, or None."""
    try:
        value = json.loads(text, parse_float=Fraction, parse_constant=_refuse_constant)
    except ValueError:
        return None
    return value if isinstance(value, (int, Fraction)) and not isinstance(value, bool) else None


def _parquet_value(value: Any) -> Any:
    """Parquet decimals become exact numbers (doubles are read as their shortest decimal by the facts check)."""
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else str(value)
    return value


# --- running --------------------------------------------------------------------------------


@define
class Outcome:
    """One row's result: the flat fields every format writes, and the JSON object for JSON Lines."""

    row: int
    id: Any
    status: str
    actions: tuple[str, ...]
    needs: tuple[str, ...]
    path: tuple[str, ...]
    problems: tuple[FactProblem, ...]
    document: dict[str, Any] | None  # the JSON Lines object, built only for that format


@define
class Summary:
    """What the end of a batch reports: counts per status, input errors, most frequent actions."""

    patients: int = 0
    statuses: collections.Counter = field(factory=collections.Counter)
    actions: collections.Counter = field(factory=collections.Counter)
    bad_rows: list[tuple[int, tuple[FactProblem, ...]]] = field(factory=list)  # the first few, for stderr
    bad_count: int = 0

    SHOWN_BAD_ROWS = 20

    def add(self, outcome: Outcome) -> None:
        self.patients += 1
        self.statuses[outcome.status] += 1
        self.actions.update(outcome.actions)
        if outcome.problems:
            self.bad_count += 1
            if len(self.bad_rows) < self.SHOWN_BAD_ROWS:
                self.bad_rows.append((outcome.row, outcome.problems))

    def lines(self, top: int = 5) -> list[str]:
        statuses = ", ".join(f"{count:,} {status}" for status, count in sorted(self.statuses.items()))
        out = [f"{self.patients:,} patients: {statuses or 'none'}"]
        if self.bad_count:
            out.append(f"{self.bad_count:,} rows with input errors (not run)")
        if self.actions:
            common = ", ".join(f"{action} ({count:,})" for action, count in self.actions.most_common(top))
            out.append(f"most frequent actions: {common}")
        return out


class Runner:
    """Turns raw rows into outcomes for one graph; lives in the parent or in each worker process."""

    def __init__(self, graph: ir.Graph, id_field: str, decode_json: bool, documents: bool, trace: bool,
                 executor: str = DEFAULT_EXECUTOR) -> None:
        self.graph, self.id_field = graph, id_field
        self.decode_json, self.documents, self.trace = decode_json, documents, trace
        self.execute = executor_named(executor)

    def run_chunk(self, rows: list[RawRow]) -> list[Outcome]:
        return [self.run_row(number, raw) for number, raw in rows]

    def run_row(self, number: int, raw: Any) -> Outcome:
        where = f"{'line' if self.decode_json else 'row'} {number}: $"
        identifier = None
        try:
            data = _decode(raw, where) if self.decode_json else raw
            if isinstance(data, dict):
                identifier = data.pop(self.id_field, None)
                shape = data.pop("__columns__", None) if not self.decode_json else None
                if shape is not None:
                    raise FactsError([FactProblem(CANNOT_READ, where, f"this record has {shape}")])
            facts = parse_facts(self.graph, data, where)
        except FactsError as error:
            document = None
            if self.documents:
                document = ({"id": identifier} if identifier is not None else {})
                document |= {"line": number, "errors": [p.to_json() for p in error.problems]}
            return Outcome(number, identifier, INPUT_ERROR, (), (), (), error.problems, document)
        result = self.execute(self.graph, facts.values)
        document = None
        if self.documents:
            document = ({"id": identifier} if identifier is not None else {}) | result.to_json(self.trace)
        return Outcome(number, identifier, result.status, result.action_ids(), result.needs, result.path, (), document)


def _decode(line: str, where: str) -> Any:
    """Decode one line strictly, as a facts file is (`compiler.jsonread`): every problem at its JSON path."""
    from carepath.compiler.jsonread import JsonReadError, read_json

    try:
        return read_json(line)
    except JsonReadError as error:
        raise FactsError([FactProblem(CANNOT_READ, where + problem.path[1:], problem.message)
                          for problem in error.problems]) from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a facts file may hold")


_worker: Runner | None = None


def _start_worker(runner: Runner) -> None:
    global _worker
    _worker = runner


def _work(rows: list[RawRow]) -> list[Outcome]:
    assert _worker is not None, "worker started without its runner"
    return _worker.run_chunk(rows)


def run_rows(runner: Runner, rows: Iterable[RawRow], jobs: int = 1) -> Iterator[Outcome]:
    """Outcomes in row order; with `jobs` > 1, chunks run in worker processes, a bounded number in flight."""
    chunks = _chunks(rows, CHUNK)
    if jobs <= 1:
        for chunk in chunks:
            yield from runner.run_chunk(chunk)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with context.Pool(jobs, initializer=_start_worker, initargs=(runner,)) as pool:
        in_flight: collections.deque = collections.deque()
        for chunk in chunks:
            in_flight.append(pool.apply_async(_work, (chunk,)))
            if len(in_flight) >= 2 * jobs:
                yield from in_flight.popleft().get()
        while in_flight:
            yield from in_flight.popleft().get()


def _chunks(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    chunk: list[RawRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- writing --------------------------------------------------------------------------------


class JsonLinesWriter:
    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def write(self, outcomes: list[Outcome]) -> None:
        self.stream.write("".join(json.dumps(o.document, ensure_ascii=False) + "\n" for o in outcomes).encode("utf-8"))

    def close(self) -> None:
        self.stream.flush()


class CsvWriter:
    """Lists are space-separated ids (ids never hold spaces); problems are a JSON array."""

    def __init__(self, stream: IO[bytes], id_field: str) -> None:
        self.stream, self.buffer = stream, io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.writer.writerow((id_field, *FLAT_COLUMNS))
        self._flush()

    def _flush(self) -> None:
        self.stream.write(self.buffer.getvalue().encode("utf-8"))
        self.buffer.seek(0)
        self.buffer.truncate()

    def write(self, outcomes: list[Outcome]) -> None:
        self.writer.writerows(
            ("" if o.id is None else o.id, o.row, o.status, " ".join(o.actions), " ".join(o.needs), " ".join(o.path),
             json.dumps([p.to_json() for p in o.problems], ensure_ascii=False) if o.problems else "")
            for o in outcomes)
        self._flush()

    def close(self) -> None:
        self.stream.flush()


class ParquetWriter:
    """One row group per chunk of results; lists are Parquet lists of strings."""

    def __init__(self, stream: IO[bytes], id_field: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa, self.id_field = pa, id_field
        self.schema = pa.schema([(id_field, pa.string()), ("row", pa.int64()), ("status", pa.string()),
                                 ("actions", pa.list_(pa.string())), ("needs", pa.list_(pa.string())),
                                 ("path", pa.list_(pa.string())), ("errors", pa.string())])
        self.writer = pq.ParquetWriter(stream, self.schema)

    def write(self, outcomes: list[Outcome]) -> None:
        columns = [
            [None if o.id is None else str(o.id) for o in outcomes],
            [o.row for o in outcomes],
            [o.status for o in outcomes],
            [list(o.actions) for o in outcomes],
            [list(o.needs) for o in outcomes],
            [list(o.path) for o in outcomes],
            [json.dumps([p.to_json() for p in o.problems], ensure_ascii=False) if o.problems else None for o in outcomes],
        ]
        self.writer.write_table(self.pa.Table.from_arrays([self.pa.array(c, t.type) for c, t in zip(columns, self.schema)],
                                                          schema=self.schema))

    def close(self) -> None:
        self.writer.close()


def writer_for(output_format: str, stream: IO[bytes], id_field: str):
    if output_format == "jsonl":
        return JsonLinesWriter(stream)
    if output_format == "csv":
        return CsvWriter(stream, id_field)
    return ParquetWriter(stream, id_field)


def run_batch(graph: ir.Graph, rows: Iterable[RawRow], writer, *, id_field: str = "id", jsonl_input: bool,
              documents: bool, trace: bool = False, jobs: int = 1,
              progress: Callable[[int], None] | None = None, executor: str = DEFAULT_EXECUTOR) -> Summary:
    """Run every row and write its outcome, a chunk at a time; returns the summary.

    `executor` is `generated` (the default) or `interpreter` (`targets/runtime/compiled.py`)."""
    runner = Runner(graph, id_field, jsonl_input, documents, trace, executor)
    summary = Summary()
    pending: list[Outcome] = []
    for outcome in run_rows(runner, rows, jobs):
        summary.add(outcome)
        pending.append(outcome)
        if len(pending) == CHUNK:
            writer.write(pending)
            pending = []
            if progress is not None:
                progress(summary.patients)
    if pending:
        writer.write(pending)
    writer.close()
    if progress is not None:
        progress(summary.patients)
    return summary
