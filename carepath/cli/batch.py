"""`carepath run G --batch IN -o OUT`: opens the streams, shows progress, prints the summary.

The streaming itself lives in `targets/runtime/batch.py` (Python runtime) and
`targets/sql/engine.py` (DuckDB); this module is the command's shell around them:
standard input and output for `-`, the atomic output file (`carepath.files`), a
progress line on stderr only when stderr is a terminal, every bad row on stderr
with its row number (the first few in full), the summary at the end, and the exit
code (2 when any row had input errors, so CI notices).
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import click
from attrs import frozen

from carepath.compiler import ir


@frozen
class BatchRequest:
    input_path: str
    output_path: str
    input_format: str
    output_format: str
    id_field: str
    jobs: int
    trace: bool
    engine: str
    executor: str = "generated"  # the Python engine's executor: generated, or the interpreter (the oracle)


def run_batch_command(graph: ir.Graph, request: BatchRequest) -> None:
    from carepath.cli.common import EXIT_INPUT

    if request.engine == "duckdb":
        summary = _run_duckdb(graph, request)
    else:
        summary = _run_python(graph, request)
    shown = "standard output" if request.output_path == "-" else request.output_path
    for row, problems in summary.bad_rows:
        for problem in problems:
            click.echo(f"{_shown_input(request)}: {problem}", err=True)
    if summary.bad_count > len(summary.bad_rows):
        click.echo(f"{_shown_input(request)}: … and {summary.bad_count - len(summary.bad_rows):,} more rows with "
                   f"input errors (each listed in {shown})", err=True)
    for line in summary.lines():
        click.echo(f"{shown}: {line}", err=True)
    if summary.bad_count:
        sys.exit(EXIT_INPUT)


def _shown_input(request: BatchRequest) -> str:
    return "standard input" if request.input_path == "-" else request.input_path


def _run_python(graph: ir.Graph, request: BatchRequest):
    from carepath.cli.common import fail_input
    from carepath.targets.runtime import batch

    with contextlib.ExitStack() as stack:
        try:
            source = sys.stdin.buffer if request.input_path == "-" else stack.enter_context(open(request.input_path, "rb"))
        except OSError as error:
            fail_input(f"cannot read `{request.input_path}`: {error.strerror or error}")
        try:
            if request.input_format == "jsonl":
                rows = batch.read_jsonl(source)
            elif request.input_format == "csv":
                rows = batch.read_csv(source, graph, request.id_field)
            else:
                rows = batch.read_parquet(source, graph, request.id_field)
        except batch.ColumnsError as error:
            for problem in error.problems:
                click.echo(f"{_shown_input(request)}: error: {problem}", err=True)
            fail_input(f"{len(error.problems)} column problem(s) in `{request.input_path}`; nothing was run")
        except (OSError, ValueError, UnicodeDecodeError) as error:  # pyarrow's ArrowInvalid is a ValueError
            fail_input(f"cannot read `{request.input_path}` as {request.input_format}: {error}")
        progress = _Progress(source if request.input_path != "-" else None)
        try:
            with _output(request) as sink:
                writer = batch.writer_for(request.output_format, sink, request.id_field)
                summary = batch.run_batch(graph, rows, writer, id_field=request.id_field,
                                          jsonl_input=request.input_format == "jsonl",
                                          documents=request.output_format == "jsonl", trace=request.trace,
                                          jobs=request.jobs, progress=progress.update,
                                          executor=request.executor)
        except UnicodeDecodeError as error:
            fail_input(f"cannot read `{request.input_path}`: not UTF-8 text ({error.reason} at byte {error.start})")
        except (OSError, ValueError) as error:
            fail_input(f"batch stopped, nothing written: {getattr(error, 'strerror', None) or error}")
        finally:
            progress.done()
    return summary


def _run_duckdb(graph: ir.Graph, request: BatchRequest):
    from carepath.cli.common import fail_input
    from carepath.targets.sql.engine import EngineError, run_duckdb_batch

    if request.input_path == "-" or request.output_path == "-":
        fail_input("--engine duckdb reads and writes files: give IN and OUT as paths, not -")
    if request.trace:
        fail_input("--engine duckdb computes status, actions, needs and path; --trace needs --engine python")
    if request.jobs != 1:
        fail_input("--engine duckdb uses every core by itself; --jobs is for --engine python")
    from carepath.files import atomic_path

    try:
        with atomic_path(Path(request.output_path), inputs=[request.input_path]) as temporary:
            return run_duckdb_batch(graph, request.input_path, request.input_format, str(temporary),
                                    request.output_format, request.id_field)
    except EngineError as error:
        for problem in error.problems:
            click.echo(f"{request.input_path}: error: {problem}", err=True)
        fail_input(f"{len(error.problems)} problem(s) with `{request.input_path}`; nothing was run")
    except OSError as error:
        fail_input(f"batch stopped, nothing written: {error.strerror or error}")


@contextlib.contextmanager
def _output(request: BatchRequest):
    from carepath.files import atomic_stream

    if request.output_path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with atomic_stream(Path(request.output_path), inputs=[request.input_path]) as stream:
        yield stream


class _Progress:
    """A progress line on stderr, redrawn at most 5 times a second, only on a terminal."""

    def __init__(self, source) -> None:
        self.enabled = sys.stderr.isatty()
        self.source, self.started, self.shown_at = source, time.monotonic(), 0.0
        self.size = None
        if self.enabled and source is not None:
            with contextlib.suppress(OSError, AttributeError, ValueError):
                import os

                self.size = os.fstat(source.fileno()).st_size or None

    def update(self, patients: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.shown_at < 0.2:
            return
        self.shown_at = now
        rate = patients / max(now - self.started, 1e-9)
        line = f"{patients:,} patients, {rate:,.0f}/s"
        if self.size:
            with contextlib.suppress(OSError, ValueError):
                share = min(self.source.tell() / self.size, 1.0)
                filled = int(share * 30)
                line = f"[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%}  {line}"
        sys.stderr.write(f"\r{line}\x1b[K")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.shown_at:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
