"""Diagnostics → text for people and for tools.

One record (`Diagnostic`), three renderings, as Elm does:
- `human`: rustc style, the source line in a gutter with `^^^` under the span,
  the label beside the carets, then notes and `= hint:`;
- `short`: `file:line:col: error[CP0101]: message`, one line each, for editors
  and grep (gcc style);
- `json`: a list of objects with the same fields, for CI and editors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from carepath.compiler import exact_json
from carepath.diagnostics import Diagnostic
from carepath.compiler.terminal import escape_controls


def render(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str], style: str = "human") -> str:
    diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
    if style == "json":
        return exact_json.dumps([as_json(d) for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
    if style == "short":
        return escape_controls("".join(short(d) + "\n" for d in diagnostics))
    return escape_controls("".join(human(d, sources) + "\n" for d in diagnostics))


def summary(diagnostics: Iterable[Diagnostic]) -> str:
    diagnostics = list(diagnostics)
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    parts = [f"{errors} error{'s' if errors != 1 else ''}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts)


def short(d: Diagnostic) -> str:
    where = _where(d)
    where = f"{where}: " if where else ""
    line = f"{where}{d.severity.value}[{d.code}]: {d.message}"
    if d.hint:
        line += f" (hint: {d.hint})"
    return line


def human(d: Diagnostic, sources: Mapping[str, str]) -> str:
    lines = [f"{d.severity.value}[{d.code}]: {d.message}"]
    span = d.span
    if span is not None and span.line > 0:
        source_lines = sources.get(span.file, "").split("\n")
        gutter = len(str(span.line))
        pad = " " * gutter
        lines.append(f"{pad}--> {span.file}:{span.line}:{span.column}")
        if 0 < span.line <= len(source_lines):
            text = source_lines[span.line - 1].replace("\t", " ")
            end = span.end_column if span.end_line == span.line else len(text) + 1
            width = max(1, end - span.column)
            carets = " " * (span.column - 1) + "^" * width
            if d.label:
                carets += " " + d.label
            lines += [f"{pad} |", f"{span.line} | {text}", f"{pad} | {carets}"]
        else:
            lines.append(f"{pad} |")
        prefix = f"{pad} = "
    else:
        if d.location or (span is not None and span.file != "<unknown>"):
            lines.append(f" --> {_where(d)}")
        prefix = "  = "
    for note in d.notes:
        lines.append(f"{prefix}note: {note}")
    if d.hint:
        lines.append(f"{prefix}hint: {d.hint}")
    return "\n".join(lines) + "\n"


def as_json(d: Diagnostic) -> dict:
    span = d.span
    out = {
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "file": span.file if span else None,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
        "label": d.label,
        "hint": d.hint,
        "notes": list(d.notes),
    }
    if span is not None and span.line == 0:  # the whole file: no line to point at
        out["line"] = out["column"] = out["end_line"] = out["end_column"] = None
    if d.location is not None:
        out["location"] = d.location
    if d.counterexample is not None:
        out["counterexample"] = dict(d.counterexample)
    if d.path:
        out["path"] = list(d.path)
    return out


def _where(d: Diagnostic) -> str:
    """`file:line:col`, or `file: $.json.path` for a problem in a JSON input."""
    span = d.span
    if span is not None and span.line > 0:
        return str(span)
    parts = [span.file] if span is not None and span.file != "<unknown>" else []
    if d.location:
        parts.append(d.location)
    return ": ".join(parts)
