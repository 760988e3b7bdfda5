"""Diagnostics: what every stage reports instead of raising.

A pass never prints and never raises for a problem in the guideline: it adds a
`Diagnostic` to the `Sink` it was given and carries on, so one run lists every
problem at once. The pipeline stops after a stage that reported errors, and the
facade raises one `CompileError` holding them all. Rendering (rustc-style text,
gcc-style short lines, JSON) lives in `compiler.report`.

Codes are stable (`CP0101`), documented one page each in `docs/errors/`, and
listed with a one-line title in `compiler.codes`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from attrs import field, frozen

from dsl.source import Span


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@frozen
class Diagnostic:
    """One finding: a code, a message, where, and how to fix it.

    `label` is the short text printed under the caret; `notes` are further lines
    (a counterexample patient, the path it takes); `counterexample` holds facts a
    runtime can replay (input name → JSON value) when the finding has one, and
    `path` the node ids that patient goes through.
    """

    code: str
    message: str
    span: Span | None = None
    severity: Severity = Severity.ERROR
    label: str | None = None
    hint: str | None = None
    notes: tuple[str, ...] = ()
    counterexample: Mapping[str, Any] | None = field(default=None, eq=False)
    path: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple:
        span = self.span
        if span is None:
            return ("", 0, 0, self.code)
        return (span.file, span.line, span.column, self.code)


class Sink:
    """Collects the diagnostics of one compilation, in the order they were found.

    It also keeps the text of every file read (`sources`), so the diagnostics can
    be rendered with their source lines whichever stage stopped the compilation.
    """

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.sources: dict[str, str] = {}

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def error(self, code: str, message: str, span: Span | None = None, **details: Any) -> None:
        self.add(Diagnostic(code, message, span, Severity.ERROR, **details))

    def warning(self, code: str, message: str, span: Span | None = None, **details: Any) -> None:
        self.add(Diagnostic(code, message, span, Severity.WARNING, **details))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=Diagnostic.sort_key)


class CompileError(Exception):
    """Raised by the public API when a guideline does not compile.

    Holds every diagnostic (not just the first) and the source texts they point
    into, so the caller can render them with carets.
    """

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] | None = None):
        self.diagnostics = tuple(diagnostics)
        self.sources = dict(sources or {})
        errors = [d for d in self.diagnostics if d.is_error]
        first = errors[0] if errors else (self.diagnostics[0] if self.diagnostics else None)
        summary = f"{len(errors)} error(s)"
        if first is not None:
            where = f"{first.span}: " if first.span else ""
            summary += f"; first: {where}error[{first.code}]: {first.message}"
        super().__init__(summary)
