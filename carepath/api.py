"""The compile facade: a path or a text → a verified `Graph`, or one `CompileError`.

Like Jinja's `Environment`, this is where the stages are threaded and where the
source texts are attached to errors, so a caller gets either a graph or an
exception holding every diagnostic and the texts to render them against.
`check_file` is the variant for tools that want the warnings of a clean
compilation too (`carepath check` prints them).
"""

from __future__ import annotations

import collections
import os
import threading
from pathlib import Path

from attrs import frozen

from carepath.compiler import ir
from carepath.diagnostics import CompileError, Diagnostic, Sink, file_span
from carepath.compiler.passes.load import SourceFile
from carepath.compiler.pipeline import ADVISORY_PASSES, PASSES, UNVERIFIED_PASSES, run_passes
from carepath.compiler.reading import SOURCE_LIMIT, read_text


@frozen
class Checked:
    """A compilation's outcome: the graph (None on errors), every diagnostic, the texts."""

    graph: ir.Graph | None
    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, str]

    def raise_on_errors(self) -> ir.Graph:
        if self.graph is None:
            raise CompileError(self.diagnostics, self.sources)
        return self.graph


def check_text(text: str, file: str = "<text>", *, verify_logic: bool = True, advice: bool = False) -> Checked:
    """Every diagnostic of compiling `text`; `verify_logic=False` skips the z3 verifier, `advice=True`
    adds the advisory warnings of a clean compilation (`carepath check` shows them)."""
    key = (file, text, verify_logic, advice)
    with _RECENT_LOCK:
        recent = _RECENT.get(key)
        if recent is not None:
            _RECENT.move_to_end(key)  # the least recently used goes first
    if recent is not None and recent.still_valid():
        return recent.checked
    sink = Sink()
    graph = run_passes(SourceFile(file, text), sink, PASSES if verify_logic else UNVERIFIED_PASSES)
    if graph is not None and advice:
        for advise in ADVISORY_PASSES:
            graph = advise(graph, sink)
    checked = Checked(graph, tuple(sink.sorted()), sink.sources)
    if graph is not None:
        with _RECENT_LOCK:
            _RECENT[key] = _Recent(checked, file, os.getcwd())
            while len(_RECENT) > _RECENT_KEPT:
                _RECENT.popitem(last=False)
    return checked


@frozen
class _Recent:
    """A clean compilation kept for the same text compiled again in this process.

    Compiling is a pure function of the sources, and verifying the reference guideline
    costs about half a second; a process that compiles one guideline many times (a
    service, a notebook, `carepath` commands run in one process) pays it once. A kept
    result is reused only while every imported file still holds the text it was
    compiled from, and, when there are imports, from the same working directory (the
    imported files' names in diagnostics and spans are relative to it).
    """

    checked: Checked
    file: str
    cwd: str

    def still_valid(self) -> bool:
        imported = {path: text for path, text in self.checked.sources.items() if path != self.file}
        if not imported:
            return True
        if os.getcwd() != self.cwd:
            return False
        for path, text in imported.items():
            try:
                if read_text(path, SOURCE_LIMIT) != text:
                    return False
            except (OSError, UnicodeDecodeError):
                return False
        return True


_RECENT: collections.OrderedDict[tuple, _Recent] = collections.OrderedDict()  # oldest first
_RECENT_KEPT = 8
_RECENT_LOCK = threading.Lock()  # the API may be called from several threads (a server)


def forget_compilations() -> None:
    """Drop the kept compilations (their memory; the next compilation of any text starts afresh)."""
    with _RECENT_LOCK:
        _RECENT.clear()


def check_file(path: str | Path, *, verify_logic: bool = True, advice: bool = False) -> Checked:
    """Like `check_text` on the file's contents; an unreadable file is diagnostic CP0004."""
    shown = str(path)
    try:
        text = read_text(path, SOURCE_LIMIT)
    except (OSError, UnicodeDecodeError) as error:
        sink = Sink()
        reason = getattr(error, "strerror", None) or str(error)
        sink.error("CP0004", f"cannot read `{shown}`: {reason}", file_span(shown),
                   hint="check the path and that it is a UTF-8 text file")
        return Checked(None, tuple(sink.diagnostics), {})
    return check_text(text, shown, verify_logic=verify_logic, advice=advice)


def check_graph_file(path: str | Path, *, verify_logic: bool = True) -> Checked:
    """A compiled graph JSON file, loaded and verified again as a source would be.

    A graph travels (CI artefacts, other teams), and a verified source does not make
    a verified file: the file may have been edited or made by another tool. So the
    loaded graph goes through the same structural and logic passes. Diagnostics point
    at the source positions the graph records; the source texts are attached when
    those files are at hand, so the carets can be drawn.
    """
    from carepath.compiler.passes.verify_logic import verify_logic as logic_pass
    from carepath.compiler.passes.verify_structure import verify_structure
    from carepath.targets.json.load import load_graph_file

    try:
        graph = load_graph_file(path)
    except CompileError as error:
        return Checked(None, error.diagnostics, error.sources)
    sink = Sink()
    for stage in (verify_structure, logic_pass) if verify_logic else (verify_structure,):
        graph = stage(graph, sink)
        if sink.has_errors:
            break
    sources = {}
    for file in {d.span.file for d in sink.diagnostics if d.span is not None}:
        try:
            sources[file] = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # rendered without its source line
    return Checked(None if sink.has_errors else graph, tuple(sink.sorted()), sources)


def compile_text(text: str, file: str = "<text>") -> ir.Graph:
    """Compile guideline source text. Imports resolve against the working directory."""
    return check_text(text, file).raise_on_errors()


def compile_file(path: str | Path) -> ir.Graph:
    """Compile a `.cpath` file. An unreadable file is a `CompileError` too (CP0004)."""
    return check_file(path).raise_on_errors()
