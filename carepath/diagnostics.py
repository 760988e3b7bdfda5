"""Spans and diagnostics: the leaf every layer imports (front end, compiler, targets, CLI).

Where a piece of the language came from (`Span`) and what went wrong with it
(`Diagnostic`), in one module that imports nothing of carepath, so a target can
report a problem in a graph JSON file, a facts file or a chart without importing
the front end, and every problem a user can cause has one shape, rendered by one
renderer (`compiler.report`) as text, short lines or JSON.

Every AST node and every IR node carries a `Span`, so a diagnostic found at any
stage (a parse error, an unknown name, an overlap the verifier proves) can point
at the exact characters the author wrote. A problem in a JSON input (facts, graph
JSON) is located by its JSON path instead (`Diagnostic.location`, `$.abi`).

Diagnostics: what every stage reports instead of raising.

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


@frozen
class Span:
    """A region of one source file; lines and columns count from 1."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, file: str, line: int, column: int) -> Span:
        return cls(file, line, column, line, column + 1)

    def to(self, other: Span) -> Span:
        """The span that runs from the start of `self` to the end of `other`."""
        return Span(self.file, self.line, self.column, other.end_line, other.end_column)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


UNKNOWN_SPAN = Span("<unknown>", 0, 0, 0, 0)


def file_span(file: str) -> Span:
    """A whole file, for problems located by a JSON path rather than a line (`Diagnostic.location`)."""
    return Span(file, 0, 0, 0, 0)


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@frozen
class Diagnostic:
    """One finding: a code, a message, where, and how to fix it.

    `label` is the short text printed under the caret; `notes` are further lines
    (a counterexample patient, the path it takes); `counterexample` holds facts a
    runtime can replay (input name → JSON value) when the finding has one, and
    `path` the node ids that patient goes through. A problem in a JSON input (a
    facts file, a batch row, a graph JSON file) is located by `location`, its JSON
    path (`$.abi`, `line 3: $.abi`), inside the file its span names.
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
    location: str | None = None

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


class ProblemsError(CompileError):
    """Problems a user caused that belong to no line of a guideline (a chart that cannot be
    drawn, a patient path that does not fit a chart, two versions that cannot be compared).

    Each reason is a plain sentence (`problems`), all under one code, so the CLI renders
    them like every other diagnostic: text, short lines or JSON, exit 2.
    """

    code = "CP0900"
    hint: str | None = None

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__([Diagnostic(self.code, problem, hint=self.hint) for problem in self.problems])

    def __str__(self) -> str:
        return "\n".join(self.problems)
