"""`carepath run G --batch IN -o OUT`: formats, ids, bad rows, workers, streaming, DuckDB, SQL export."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from carepath.cli import main
from tests.runtime_guidelines import VASCULAR

PATIENTS = [
    {"id": "a-1", "pulses": "absent", "unilateral": True},
    {"id": "b-2", "pulses": "present", "abi": 1.2, "smoker": True, "relief": 5},
    {"id": "c-3", "pulses": "diminished", "abi": 0.4, "diabetic": False, "smoker": False, "relief": 30},
    {"id": "d-4"},
    {"id": "e-5", "pulses": "present", "abi": 0.9, "smoker": False, "diabetic": True, "relief": 10},
]


def invoke(*args, input: bytes | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


@pytest.fixture
def vascular(tmp_path):
    path = tmp_path / "vascular.cpath"
    path.write_text(VASCULAR, encoding="utf-8")
    return path


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_csv(path: Path, rows, columns=("id", "pulses", "unilateral", "abi", "relief", "smoker", "diabetic")) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else str(row[c]).lower() if isinstance(row[c], bool) else row[c]
                             for c in columns])
    return path


def write_parquet(path: Path, rows) -> Path:
    schema = pa.schema([("id", pa.string()), ("pulses", pa.string()), ("unilateral", pa.bool_()),
                        ("abi", pa.float64()), ("relief", pa.float64()), ("smoker", pa.bool_()),
                        ("diabetic", pa.bool_())])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def read_flat(path: Path) -> list[dict]:
    """CSV or Parquet results as dicts with lists split, for comparing the formats."""
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as stream:
            rows = list(csv.DictReader(stream))
        return [{"id": r["id"], "status": r["status"], **{k: r[k].split() for k in ("actions", "needs", "path")}}
                for r in rows]
    rows = pq.read_table(path).to_pylist()
    return [{"id": r["id"], "status": r["status"], **{k: list(r[k] or []) for k in ("actions", "needs", "path")}}
            for r in rows]


def from_jsonl(path: Path) -> list[dict]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out.append({"id": r["id"], "status": r["status"], "actions": [a["id"] for a in r["actions"]],
                    "needs": r["needs"], "path": r["path"]})
    return out


def test_ids_are_carried_to_the_results_and_never_read_as_inputs(vascular, tmp_path):
    out = tmp_path / "out.jsonl"
    result = invoke("run", vascular, "--batch", write_jsonl(tmp_path / "in.jsonl", PATIENTS), "-o", out)
    assert result.exit_code == 0, result.output
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in results] == [p["id"] for p in PATIENTS]
    assert results[0]["actions"][0]["id"] == "consult"
    assert results[3]["status"] == "needs_input" and results[3]["needs"] == ["pulses", "unilateral"]


def test_another_id_field_is_named_with_id(vascular, tmp_path):
    rows = [{"mrn": p["id"], **{k: v for k, v in p.items() if k != "id"}} for p in PATIENTS]
    out = tmp_path / "out.jsonl"
    result = invoke("run", vascular, "--batch", write_jsonl(tmp_path / "in.jsonl", rows), "-o", out, "--id", "mrn")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [p["id"] for p in PATIENTS]


def test_a_line_separator_inside_a_string_is_not_a_line_break(vascular, tmp_path):
    rows = [{"id": f"x\u2028{n}\u2029", "pulses": "present"} for n in range(5)]
    out = tmp_path / "out.jsonl"
    assert invoke("run", vascular, "--batch", write_jsonl(tmp_path / "in.jsonl", rows), "-o", out).exit_code == 0
    lines = out.read_bytes().split(b"\n")
    assert len(lines) == 6 and lines[-1] == b""
    assert [json.loads(line)["id"] for line in lines[:-1]] == [r["id"] for r in rows]


def test_a_bad_row_is_reported_by_number_and_the_rest_still_run(vascular, tmp_path):
    rows = [PATIENTS[0], {"id": "bad", "abi": "low", "colour": 1}, PATIENTS[1]]
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(rows[0]) + "\n{not json\n" + json.dumps(rows[1]) + "\n" + json.dumps(rows[2]) + "\n")
    out = tmp_path / "out.jsonl"
    result = invoke("run", vascular, "--batch", source, "-o", out)
    assert result.exit_code == 2
    assert "line 2: $: not valid JSON" in result.stderr
    assert "line 3: $.abi" in result.stderr and "line 3: $.colour" in result.stderr
    assert "4 patients: 2 input_error, 2 needs_input" in result.stderr
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r.get("id") for r in results] == ["a-1", None, "bad", "b-2"]
    assert results[2]["line"] == 3 and len(results[2]["errors"]) == 2
    assert results[3]["status"] == "needs_input" and results[3]["needs"] == ["diabetic"]


def test_the_summary_names_statuses_and_the_most_frequent_actions(vascular, tmp_path):
    result = invoke("run", vascular, "--batch", write_jsonl(tmp_path / "in.jsonl", PATIENTS), "-o", tmp_path / "o.jsonl")
    assert "5 patients: 2 complete, 3 needs_input" in result.stderr
    assert "most frequent actions: exercise (2), followup (2), workup (2)" in result.stderr


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_csv_and_parquet_give_the_results_json_lines_give(vascular, tmp_path, suffix):
    reference = tmp_path / "ref.jsonl"
    invoke("run", vascular, "--batch", write_jsonl(tmp_path / "in.jsonl", PATIENTS), "-o", reference)
    writer = write_csv if suffix == ".csv" else write_parquet
    out = tmp_path / f"out{suffix}"
    result = invoke("run", vascular, "--batch", writer(tmp_path / f"in{suffix}", PATIENTS), "-o", out)
    assert result.exit_code == 0, result.output
    assert read_flat(out) == from_jsonl(reference)


def test_csv_cells_take_quantities_with_a_unit(vascular, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,pulses,abi,relief,smoker,diabetic\nq,present,1.1,0.1 h,false,false\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert invoke("run", vascular, "--batch", source, "-o", out).exit_code == 0
    assert [a["id"] for a in json.loads(out.read_text())["actions"]] == ["exercise", "followup"]  # 6 min <= 10 min


def test_columns_that_are_no_inputs_stop_the_batch_before_anything_runs(vascular, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,pulses,colour,abi,abi\nx,present,red,1,1\n", encoding="utf-8")
    result = invoke("run", vascular, "--batch", source, "-o", tmp_path / "out.csv")
    assert result.exit_code == 2
    assert "column `colour` is not an input" in result.stderr and "column `abi` appears twice" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "vascular.cpath"]


def test_standard_input_to_standard_output(vascular, tmp_path):
    text = "".join(json.dumps(p) + "\n" for p in PATIENTS).encode()
    result = invoke("run", vascular, "--batch", "-", "-o", "-", "--output-format", "csv", input=text)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == [p["id"] for p in PATIENTS]
    assert rows[0]["actions"].split()[0] == "consult"


def test_parquet_cannot_stream_through_standard_output(vascular):
    result = invoke("run", vascular, "--batch", "-", "-o", "-", "--output-format", "parquet", input=b"")
    assert result.exit_code == 2 and "Parquet cannot stream" in result.stderr


def test_an_unknown_extension_asks_for_the_format(vascular, tmp_path):
    result = invoke("run", vascular, "--batch", write_jsonl(tmp_path / "in.jsonl", PATIENTS), "-o", tmp_path / "out.txt")
    assert result.exit_code == 2 and "--output-format" in result.stderr


def test_two_workers_give_the_results_of_one(vascular, tmp_path, monkeypatch):
    from carepath.targets.runtime import batch

    monkeypatch.setattr(batch, "CHUNK", 7)  # many chunks in flight across the workers
    rows = [{**PATIENTS[n % len(PATIENTS)], "id": f"p{n}"} for n in range(200)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert invoke("run", vascular, "--batch", source, "-o", one).exit_code == 0
    assert invoke("run", vascular, "--batch", source, "-o", two, "--jobs", "2").exit_code == 0
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.parametrize("jobs", [1, 2])
def test_rows_are_read_only_a_bounded_distance_ahead_of_the_results_written(vascular, monkeypatch, jobs):
    """Constant memory: the reader never runs more than a few chunks ahead of the writer."""
    from carepath import compile_file
    from carepath.targets.runtime import batch

    monkeypatch.setattr(batch, "CHUNK", 10)
    graph = compile_file(vascular)
    consumed = 0

    def rows():
        nonlocal consumed
        for n in range(1, 1001):
            consumed = n
            yield n, json.dumps(PATIENTS[n % len(PATIENTS)])

    class Recorder:
        written, ahead = 0, []

        def write(self, outcomes):
            self.written += len(outcomes)
            self.ahead.append(consumed - self.written)

        def close(self):
            pass

    recorder = Recorder()
    summary = batch.run_batch(graph, rows(), recorder, jsonl_input=True, documents=False, jobs=jobs)
    assert summary.patients == recorder.written == 1000
    assert max(recorder.ahead) <= batch.CHUNK * (2 * jobs + 1)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_the_duckdb_engine_gives_the_python_engines_results(vascular, tmp_path, suffix):
    rows = [{k: v for k, v in p.items()} for p in PATIENTS]
    writer = {".jsonl": write_jsonl, ".csv": write_csv, ".parquet": write_parquet}[suffix]
    source = writer(tmp_path / f"in{suffix}", rows)
    python, duck = tmp_path / "python.parquet", tmp_path / "duck.parquet"
    assert invoke("run", vascular, "--batch", source, "-o", python).exit_code == 0
    result = invoke("run", vascular, "--batch", source, "-o", duck, "--engine", "duckdb")
    assert result.exit_code == 0, result.output
    assert read_flat(duck) == read_flat(python)
    assert "5 patients: 2 complete, 3 needs_input" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["vascular.cpath", source.name, "python.parquet",
                                                                 "duck.parquet"])


def read_full(path: Path, id_field: str = "id") -> list[dict]:
    """Every column of a flat result file (CSV or Parquet), lists split and errors decoded, for exact comparison."""
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as stream:
            rows = list(csv.DictReader(stream))
        return [{"id": r[id_field] or None, "row": int(r["row"]), "status": r["status"],
                 **{k: r[k].split() for k in ("actions", "needs", "path")},
                 "errors": json.loads(r["errors"]) if r["errors"] else None} for r in rows]
    return [{"id": r[id_field], "row": r["row"], "status": r["status"],
             **{k: list(r[k] or []) for k in ("actions", "needs", "path")},
             "errors": json.loads(r["errors"]) if r["errors"] else None} for r in pq.read_table(path).to_pylist()]


def both_engines(vascular, source: Path, tmp_path: Path, suffix: str = ".parquet", *options):
    """The Python engine's and DuckDB's results for `source`, and both commands' stderr."""
    python, duck = tmp_path / f"python{suffix}", tmp_path / f"duck{suffix}"
    by_python = invoke("run", vascular, "--batch", source, "-o", python, *options)
    by_duckdb = invoke("run", vascular, "--batch", source, "-o", duck, "--engine", "duckdb", *options)
    assert by_python.exit_code == by_duckdb.exit_code, by_duckdb.output
    id_field = options[options.index("--id") + 1] if "--id" in options else "id"
    return read_full(python, id_field), read_full(duck, id_field), by_python.stderr, by_duckdb.stderr


BAD_JSON_LINES = "\n".join([
    json.dumps(PATIENTS[0]),
    '{"id": "bad", "abi": 7, "pulses": "gone", "colour": "red", "smoker": "yes"}',  # four problems at once
    "{not json",
    "",  # a blank line is counted, not run
    '{"id": "t", "abi": "0.5", "unilateral": 1}',  # a string is no number, 1 is no boolean
    '{"id": "u", "pulses": "present", "relief": {"value": 0.1, "unit": "h"}, "smoker": false, "diabetic": false}',
    '{"id": "v", "pulses": "present", "relief": {"value": 2, "unit": "kg"}}',  # not a time
    '{"id": "w", "abi": 0.90000000000000000001, "pulses": "present"}',  # more digits than a double holds
    '[1, 2]',
    '{"id": 17, "abi": 0.9, "abi": 1.0}',  # a repeated key
    '{"id": "x", "pulses": "present", "relief": 1e1, "smoker": true}',
    json.dumps(PATIENTS[1]),
]) + "\n"


def test_the_duckdb_engine_gives_the_python_engines_results_and_errors_row_for_row(vascular, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(BAD_JSON_LINES, encoding="utf-8")
    python, duck, python_err, duck_err = both_engines(vascular, source, tmp_path)
    assert duck == python
    assert [r["status"] for r in duck].count("input_error") == 6
    assert "line 2: $.abi: 7 is outside the declared range, from 0 to 2" in duck_err
    assert "line 3: $: not valid JSON" in duck_err
    assert duck_err.replace("duck.parquet", "python.parquet") == python_err  # every line, in the same order
    flat = tmp_path / "duck.jsonl"  # JSON Lines out: the same flat rows, errors as JSON
    assert invoke("run", vascular, "--batch", source, "-o", flat, "--engine", "duckdb").exit_code == 2
    assert [json.loads(line) for line in flat.read_text(encoding="utf-8").splitlines()] == duck


def test_the_duckdb_engine_types_csv_cells_as_the_python_engine_does(vascular, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,pulses,abi,relief,smoker,diabetic\n"
                      "a,present,1.1,0.1 h,false,false\n"  # a quantity with its unit
                      "b, absent ,0.4,,TRUE,\n"  # spaces around a member, a boolean in capitals
                      "c,gone,3,5 kg,maybe,false\n"  # four problems
                      ",diminished,0.9000000000000001,20,true,true\n"  # no id; a number past 12 decimals
                      "e,present,1e-1,30,false,true\n", encoding="utf-8")
    python, duck, python_err, duck_err = both_engines(vascular, source, tmp_path, ".csv")
    assert duck == python
    assert [r["status"] for r in duck] == ["complete", "needs_input", "input_error", "complete", "complete"]
    assert duck_err.replace("duck.csv", "python.csv") == python_err


def test_the_duckdb_engine_reads_parquet_columns_of_any_number_type(vascular, tmp_path):
    schema = pa.schema([("mrn", pa.int64()), ("pulses", pa.string()), ("unilateral", pa.bool_()),
                        ("abi", pa.decimal128(10, 3)), ("relief", pa.float32()), ("smoker", pa.string()),
                        ("diabetic", pa.bool_())])
    rows = [{"mrn": 1, "pulses": "absent", "unilateral": True, "abi": Decimal("0.9"), "relief": 0.1},
            {"mrn": 2, "pulses": "present", "abi": Decimal("2.001"), "relief": 5.0, "smoker": "no"},
            {"mrn": 3, "pulses": "rare", "abi": Decimal("0.500"), "relief": 10.0, "diabetic": False},
            {"mrn": None, "pulses": "present", "abi": Decimal("1.2"), "relief": 10.5, "diabetic": True}]
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), source)
    python, duck, python_err, duck_err = both_engines(vascular, source, tmp_path, ".parquet", "--id", "mrn")
    assert duck == python
    assert [r["status"] for r in duck] == ["needs_input", "input_error", "input_error", "needs_input"]
    assert duck_err.replace("duck.parquet", "python.parquet") == python_err


def test_the_duckdb_engine_agrees_on_random_patients_with_bad_facts_and_other_units(tmp_path):
    """2,000 random patients of the reference guideline, 5 % with a bad fact, quantities often in another unit."""
    import random

    from carepath import compile_file
    from carepath.compiler import exact_json
    from tests.graph_strategies import random_patient

    guideline = Path(__file__).resolve().parent.parent / "guidelines/leg_numbness_cramping.cpath"
    graph = compile_file(guideline)
    rng = random.Random(12)
    rows = [{"id": f"p{n}", **random_patient(graph, rng, invalid_rate=0.05)} for n in range(2000)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(exact_json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    python, duck, python_err, duck_err = both_engines(guideline, source, tmp_path)
    assert duck == python
    assert {r["status"] for r in duck} == {"complete", "needs_input", "input_error"}


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_rows_in_declared_units_never_leave_sql(vascular, tmp_path, monkeypatch, suffix):
    """The Python hand-over is for rows SQL cannot take; clean rows must not pay for it."""
    from carepath import compile_file
    from carepath.targets.sql import engine

    def refuse(self, number, raw):
        raise AssertionError(f"row {number} was handed to Python")

    monkeypatch.setattr(engine._Source, "run_row", refuse)
    writer = {".jsonl": write_jsonl, ".csv": write_csv, ".parquet": write_parquet}[suffix]
    source = writer(tmp_path / f"in{suffix}", [{**PATIENTS[n % 5], "id": f"p{n}"} for n in range(50)])
    summary = engine.run_duckdb_batch(compile_file(vascular), str(source), suffix[1:], str(tmp_path / "out.csv"), "csv")
    assert summary.patients == 50 and not summary.bad_count


def test_the_exported_sql_runs_in_duckdb(vascular, tmp_path):
    import duckdb

    from carepath.targets.sql.facts_table import facts_table

    out = tmp_path / "g.sql"
    result = invoke("export", vascular, "--format", "sql", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("-- carepath: prop 1.0.0") and "--   abi" in text
    from carepath import compile_file

    graph = compile_file(vascular)
    connection = duckdb.connect()
    connection.register("facts", facts_table(graph, [("z", {"pulses": "absent", "unilateral": True})]))
    assert connection.execute(text.rstrip().rstrip(";")).fetchall() == [
        ("z", "needs_input", ["consult"], ["relief", "smoker", "diabetic"], ["start", "triage", "consult", "streams"])]
