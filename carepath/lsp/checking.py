"""A document's text → its symbol index and its diagnostics, checked in a worker process.

Checking a guideline means parsing it, resolving and typing it, and running the z3
verifier: most of a second on the reference guideline, longer on a large one. That
cannot run on the server's event loop (hover and completion would freeze while it
runs), and a thread would not do either: a z3 call cannot be interrupted from
Python, so an outdated check in a thread would run to its end while the author
types on. The check therefore runs in a worker process, which is killed when a
newer edit makes its answer useless: that is what makes a check cancellable.

Loading the checker (parser tables, the UCUM unit registry, z3) takes seconds, so it
is done once, in multiprocessing's fork server (`preload.py` is imported there), and
every worker is forked from it already loaded: replacing a killed worker costs a fork,
not a reload.

The worker answers each job twice: first the symbol index (as soon as the text is
parsed, so hover and go to definition need not wait for the verifier), then the
diagnostics, which are exactly `carepath check`'s (`carepath.api.check_text`,
verification included), and the verified graph when there are no errors (the code
lenses run its scenarios).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from lsprotocol import types

from carepath.diagnostics import Diagnostic, Severity, Span
from carepath.lsp.index import Index


class CheckFailed(Exception):
    """The worker could not check the text: a bug in carepath, reported to the editor's log."""


# --- in the worker process ---------------------------------------------------------------------

def build_index(text: str, file: str) -> Index | None:
    """The symbol index of a text and the files it imports; None when the text does not parse."""
    from carepath.diagnostics import Sink
    from carepath.compiler.passes.load import SourceFile, load

    loaded = load(SourceFile(file, text), Sink())
    if not loaded.modules:
        return None
    return Index(loaded.modules, file)


def _serve(connection: Connection) -> None:
    """The worker's loop: a `(text, file)` job in, `("index", …)` then `("checked", …)` out."""
    from carepath.api import check_text

    while True:
        try:
            text, file = connection.recv()
        except (EOFError, OSError):  # the server has gone
            return
        try:
            connection.send(("index", build_index(text, file)))
            checked = check_text(text, file)
            connection.send(("checked", checked.diagnostics, checked.graph))
        except Exception as error:  # noqa: BLE001 - reported to the server, which logs it
            connection.send(("failed", f"{type(error).__name__}: {error}"))


# --- in the server process ---------------------------------------------------------------------


class CheckWorker:
    """Runs one check at a time in a worker process; a cancelled check kills its worker."""

    def __init__(self) -> None:
        # forked from a fork server that has loaded the checker: fast to replace, and no
        # fork of this threaded server process itself (unsafe)
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["carepath.lsp.preload"])
        self._current: tuple[Any, Connection] | None = None
        self._lock: asyncio.Lock | None = None

    def _spawn(self) -> tuple[Any, Connection]:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(theirs,), daemon=True, name="carepath-check")
        process.start()
        theirs.close()
        return process, ours

    def start(self) -> None:
        """Start the fork server and a worker, so that the first check does not wait for loading."""
        if self._current is None:
            self._current = self._spawn()

    def stop(self) -> None:
        if self._current is not None:
            self._current[0].kill()
            self._current[1].close()
        self._current = None

    def _replace_current(self) -> None:
        """Kill the busy worker and fork a fresh one in its place."""
        process, connection = self._current
        process.kill()
        connection.close()
        self._current = self._spawn()

    async def check(
        self, text: str, file: str, on_index: Callable[[Index | None], None]
    ) -> tuple[tuple[Diagnostic, ...], Any]:
        """The diagnostics and verified graph (or None) of `text`; `on_index` gets the index first.

        Cancelling the calling task kills the worker mid-check. Raises `CheckFailed`
        when the worker reports an exception or dies.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            self.start()
            loop = asyncio.get_running_loop()
            connection = self._current[1]
            try:
                connection.send((text, file))
                answer = await loop.run_in_executor(None, connection.recv)
                if answer[0] == "index":
                    on_index(answer[1])
                    answer = await loop.run_in_executor(None, connection.recv)
            except asyncio.CancelledError:
                self._replace_current()
                raise
            except (EOFError, OSError) as error:
                self._replace_current()
                raise CheckFailed(f"the checking process stopped: {error or type(error).__name__}") from None
            if answer[0] == "failed":
                raise CheckFailed(answer[1])
            return answer[1], answer[2]


# --- carepath diagnostics → LSP diagnostics --------------------------------------------------


def lsp_range(span: Span) -> types.Range:
    """A carepath span (lines and columns from 1, end exclusive) as an LSP range (from 0)."""
    return types.Range(
        start=types.Position(line=max(span.line - 1, 0), character=max(span.column - 1, 0)),
        end=types.Position(line=max(span.end_line - 1, 0), character=max(span.end_column - 1, 0)),
    )


_SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error, Severity.WARNING: types.DiagnosticSeverity.Warning}
_START = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))


def lsp_diagnostic(diagnostic: Diagnostic, file: str) -> types.Diagnostic:
    """One diagnostic as the editor shows it: the message, then its hint and notes.

    A diagnostic in another file (an imported one) or with no place is shown at the
    top of this file, with the place it points at written in front of its message.
    """
    span = diagnostic.span
    message = diagnostic.message
    if span is None or span.file != file:
        message = (f"{span}: " if span is not None else "") + message
    extra = [f"hint: {diagnostic.hint}"] if diagnostic.hint else []
    extra += list(diagnostic.notes)
    return types.Diagnostic(
        range=lsp_range(span) if span is not None and span.file == file else _START,
        message="\n".join([message, *extra]),
        severity=_SEVERITY[diagnostic.severity],
        code=diagnostic.code,
        source="carepath",
    )
