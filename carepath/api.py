"""The compile facade: a path or a text → a verified `Graph`, or one `CompileError`.

Like Jinja's `Environment`, this is where the stages are threaded and where the
source texts are attached to errors, so a caller gets either a graph or an
exception holding every diagnostic and the texts to render them against.
"""

from __future__ import annotations

from pathlib import Path

from compiler import ir
from compiler.diagnostics import CompileError, Sink
from compiler.passes.load import SourceFile
from compiler.pipeline import run_passes


def compile_text(text: str, file: str = "<text>") -> ir.Graph:
    """Compile guideline source text. Imports resolve against the working directory."""
    sink = Sink()
    graph = run_passes(SourceFile(file, text), sink)
    if graph is None:
        raise CompileError(sink.sorted(), sink.sources)
    return graph


def compile_file(path: str | Path) -> ir.Graph:
    """Compile a `.cpath` file. An unreadable file is a `CompileError` too (CP0004)."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        sink = Sink()
        reason = getattr(error, "strerror", None) or str(error)
        sink.error("CP0004", f"cannot read `{shown}`: {reason}", hint="check the path and that it is a UTF-8 text file")
        raise CompileError(sink.diagnostics) from None
    return compile_text(text, shown)
