"""Batch throughput and peak memory: Python engine (1 and 2 jobs) vs DuckDB vs Spark local.

Writes `--patients` (default 1,000,000) synthetic patients of the reference guideline
to one Parquet file (10,000 distinct random patients in declared units, repeated with
their own ids), then runs each engine on it in a fresh process, side by side:

- `carepath run G --batch IN.parquet -o OUT.parquet` (the Python engine, whatever
  executor is its default), `--jobs 1` and `--jobs 2`;
- the same with `--engine duckdb` (the graph's SQL inside DuckDB);
- Spark local (`local[2]`): read the Parquet, run the exported Spark SQL, write Parquet;
  its JVM start is timed apart from the query.

For each: wall time, CPU time (user + system of the engine's processes: on a machine
shared with other work the wall time stretches, the CPU time much less), patients per
second, the ratio of rates to the fastest, and the peak resident memory of the largest
process (ru_maxrss of the waited-for descendants: with `--jobs 2` one worker or the
parent, not their sum; for Spark the JVM's, read from /proc, so Linux only). Every command's wall time includes
compiling and verifying the guideline (about 1.5 s of CPU).

The Python engine streams at a rate that does not depend on the batch's size: at
1,000,000 patients a run takes tens of minutes, so `--python-patients N` runs it on the
first N patients only (its rate and its memory, flat by design, are what it measures).
`--engines` picks a subset (`python1,python2,duckdb,spark`).

    python benchmarks/batch_throughput.py [--patients N] [--python-patients N] [--engines LIST]
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
           "usage = resource.getrusage(resource.RUSAGE_CHILDREN); "
           "print(f'{code} {elapsed} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}')")
SPARK_JOB = """
import os, sys, time
started = time.perf_counter()
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "2").config("spark.driver.memory", "1g").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
ready = time.perf_counter()
spark.read.parquet(sys.argv[1]).createOrReplaceTempView("facts")
spark.sql(open(sys.argv[2]).read().rstrip().rstrip(";")).write.mode("overwrite").parquet(sys.argv[3])
done = time.perf_counter()
# the JVM is py4j's child, never waited for: read its peak RSS and CPU time from /proc before stopping it
jvm = spark.sparkContext._gateway.proc.pid
status = dict(line.split(":", 1) for line in open(f"/proc/{jvm}/status"))
ticks = open(f"/proc/{jvm}/stat").read().rsplit(")", 1)[1].split()
cpu = (int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK")
print(f"SPARK {ready - started} {done - ready} {int(status['VmHWM'].split()[0])} {cpu}")
spark.stop()
"""


def write_patients(graph, path: Path, count: int) -> None:
    import pyarrow.parquet as pq

    from carepath.targets.runtime.facts import FactsError, parse_facts
    from carepath.targets.sql.facts_table import facts_table
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


def measure(command: list[str]) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS in KiB of the largest descendant, the command's output)."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, cwd=ROOT)
    code, elapsed, peak, cpu = done.stdout.strip().splitlines()[-1].split()
    if code != "0":
        raise SystemExit(f"{' '.join(command)} failed ({code}):\n{done.stderr[-2000:]}")
    return float(elapsed), float(cpu), int(peak), done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--python-patients", type=int, default=None,
                        help="run the Python engine on the first N patients only (default: all)")
    parser.add_argument("--engines", default="python1,python2,duckdb,spark")
    arguments = parser.parse_args()
    engines = arguments.engines.split(",")
    from carepath import compile_file
    from carepath.targets.sql.query import SPARK, export_sql

    graph = compile_file(GUIDELINE)
    python_patients = min(arguments.python_patients or arguments.patients, arguments.patients)
    with tempfile.TemporaryDirectory(prefix="carepath-bench-") as scratch:
        scratch = Path(scratch)
        source = scratch / "patients.parquet"
        started = time.perf_counter()
        write_patients(graph, source, arguments.patients)
        print(f"{arguments.patients:,} patients of {graph.id} ({len(graph.nodes)} nodes) written to Parquet "
              f"({source.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - started:.0f} s; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        python_source = source
        if python_patients < arguments.patients:
            python_source = scratch / "python-patients.parquet"
            write_patients(graph, python_source, python_patients)
        rows: list[tuple[str, int, float, float, int, str]] = []
        for engine in engines:
            out = scratch / f"{engine}.parquet"
            note, patients = "", arguments.patients
            if engine in ("python1", "python2"):
                patients = python_patients
                seconds, cpu, peak, _ = measure([*CAREPATH, "run", str(GUIDELINE), "--batch", str(python_source),
                                                 "-o", str(out), "--jobs", engine[-1]])
            elif engine == "duckdb":
                seconds, cpu, peak, _ = measure([*CAREPATH, "run", str(GUIDELINE), "--batch", str(source),
                                                 "-o", str(out), "--engine", "duckdb"])
            elif engine == "spark":
                query = scratch / "spark.sql"
                query.write_text(export_sql(graph, SPARK), encoding="utf-8")
                job = scratch / "job.py"
                job.write_text(SPARK_JOB, encoding="utf-8")
                seconds, cpu, peak, output = measure([sys.executable, str(job), str(source), str(query), str(out)])
                start_s, query_s, jvm_peak, jvm_cpu = (float(x) for x in next(
                    line for line in output.splitlines() if line.startswith("SPARK")).split()[1:])
                peak, cpu = max(peak, int(jvm_peak)), cpu + jvm_cpu
                note = f"JVM start {start_s:.1f} s, query and write {query_s:.1f} s"
            else:
                raise SystemExit(f"unknown engine {engine!r}")
            rows.append((engine, patients, seconds, cpu, peak, note))
            print(f"  {engine}: {seconds:.1f} s", flush=True)
        fastest = max(patients / seconds for _, patients, seconds, _, _, _ in rows)
        names = {"python1": "Python engine, 1 job", "python2": "Python engine, 2 jobs", "duckdb": "DuckDB",
                 "spark": "Spark local[2]"}
        print(f"{'engine':22} {'patients':>10} {'wall':>9} {'CPU':>9} {'patients/s':>11} {'slower':>7} {'peak RSS':>9}")
        for engine, patients, seconds, cpu, peak, note in rows:
            rate = patients / seconds
            print(f"{names[engine]:22} {patients:10,} {seconds:8.1f}s {cpu:8.1f}s {rate:11,.0f} "
                  f"{fastest / rate:6.1f}× {peak / 1024:5.0f} MiB  {note}")
        print(f"load average after the runs: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
