"""Batch throughput and peak memory: Python runtime (1 and 2 jobs) vs DuckDB vs Spark local.

Writes `--patients` (default 1,000,000) synthetic patients of the reference guideline
to one Parquet file (10,000 distinct random patients in declared units, repeated with
their own ids), then runs each engine on it in a fresh process, side by side:

- `carepath run G --batch IN.parquet -o OUT.parquet` (Python runtime), `--jobs 1` and `--jobs 2`;
- the same with `--engine duckdb` (the graph's SQL inside DuckDB);
- Spark local (`local[2]`): read the Parquet, run the exported Spark SQL, write Parquet;
  its JVM start is timed apart from the query.

For each: wall time, patients per second, the ratio to the fastest, and the peak
resident memory of the largest process (ru_maxrss of the waited-for children; with
`--jobs 2` that is one worker or the parent, not their sum; Spark's JVM is not seen).
`--engines` picks a subset (`python1,python2,duckdb,spark`).

    python benchmarks/batch_throughput.py [--patients N] [--engines LIST]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GUIDELINE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"
CAREPATH = [str(Path(sys.executable).parent / "carepath")]  # the console script beside this Python
MEASURE = ("import resource, subprocess, sys, time; started = time.perf_counter(); "
           "code = subprocess.run(sys.argv[1:]).returncode; elapsed = time.perf_counter() - started; "
           "print(f'{code} {elapsed} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}')")
SPARK_JOB = """
import sys, time
started = time.perf_counter()
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "2").config("spark.driver.memory", "1g").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
ready = time.perf_counter()
spark.read.parquet(sys.argv[1]).createOrReplaceTempView("facts")
spark.sql(open(sys.argv[2]).read().rstrip().rstrip(";")).write.mode("overwrite").parquet(sys.argv[3])
done = time.perf_counter()
print(f"SPARK {ready - started} {done - ready}")
spark.stop()
"""


def write_patients(graph, path: Path, count: int) -> None:
    import pyarrow.parquet as pq

    from targets.runtime.facts import FactsError, parse_facts
    from targets.sql.facts_table import facts_table
    from tests.graph_strategies import random_patient

    rng, distinct = random.Random(2026), []
    while len(distinct) < min(count, 10_000):
        raw = {k: v for k, v in random_patient(graph, rng, invalid_rate=0.0).items() if not isinstance(v, dict)}
        try:
            distinct.append(dict(parse_facts(graph, raw).values))
        except FactsError:
            continue
    writer = None
    for start in range(0, count, len(distinct)):
        rows = [(f"p{start + n}", facts) for n, facts in enumerate(distinct[:count - start])]
        table = facts_table(graph, rows)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def measure(command: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """(seconds, peak RSS in KiB of the largest child, the child's output)."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    code, elapsed, peak = done.stdout.strip().splitlines()[-1].split()
    if code != "0":
        raise SystemExit(f"{' '.join(command)} failed ({code}):\n{done.stderr[-2000:]}")
    return float(elapsed), int(peak), done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--engines", default="python1,python2,duckdb,spark")
    arguments = parser.parse_args()
    engines = arguments.engines.split(",")
    from carepath import compile_file
    from targets.sql.query import SPARK, export_sql

    graph = compile_file(GUIDELINE)
    with tempfile.TemporaryDirectory(prefix="carepath-bench-") as scratch:
        scratch = Path(scratch)
        source = scratch / "patients.parquet"
        started = time.perf_counter()
        write_patients(graph, source, arguments.patients)
        print(f"{arguments.patients:,} patients of {graph.id} ({len(graph.nodes)} nodes) written to Parquet "
              f"({source.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - started:.0f} s; "
              f"{os.cpu_count()} cores")
        rows: list[tuple[str, float, int, str]] = []
        for engine in engines:
            out = scratch / f"{engine}.parquet"
            note = ""
            if engine in ("python1", "python2"):
                seconds, peak, _ = measure([*CAREPATH, "run", str(GUIDELINE), "--batch", str(source), "-o", str(out),
                                            "--jobs", engine[-1]])
            elif engine == "duckdb":
                seconds, peak, _ = measure([*CAREPATH, "run", str(GUIDELINE), "--batch", str(source), "-o", str(out),
                                            "--engine", "duckdb"])
            elif engine == "spark":
                query = scratch / "spark.sql"
                query.write_text(export_sql(graph, SPARK), encoding="utf-8")
                job = scratch / "job.py"
                job.write_text(SPARK_JOB, encoding="utf-8")
                seconds, peak, output = measure([sys.executable, str(job), str(source), str(query), str(out)])
                start_s, query_s = (float(x) for x in next(
                    line for line in output.splitlines() if line.startswith("SPARK")).split()[1:])
                note = f"JVM start {start_s:.1f} s, query and write {query_s:.1f} s"
            else:
                raise SystemExit(f"unknown engine {engine!r}")
                peak = None  # the JVM is py4j's child, not waited for by this measure: its memory is not seen
            rows.append((engine, seconds, peak, note))
        fastest = min(seconds for _, seconds, _, _ in rows)
        names = {"python1": "Python runtime, 1 job", "python2": "Python runtime, 2 jobs", "duckdb": "DuckDB",
                 "spark": "Spark local[2]"}
        print(f"{'engine':24} {'wall':>9} {'patients/s':>12} {'ratio':>7} {'peak RSS':>10}")
        for engine, seconds, peak, note in rows:
            memory = f"{peak / 1024:6.0f} MiB" if peak is not None else "JVM n/a"
            print(f"{names[engine]:24} {seconds:8.1f}s {arguments.patients / seconds:12,.0f} "
                  f"{seconds / fastest:6.1f}× {memory:>10}  {note}")


if __name__ == "__main__":
    main()
