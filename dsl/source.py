"""Source text and spans: where in which file a piece of the language came from.

Every AST node and every IR node carries a `Span`, so a diagnostic found at any
stage (a parse error, an unknown name, an overlap the verifier proves) can point at
the exact characters the author wrote. This module has no dependencies, so the IR
can use it without pulling in the parser.
"""

from __future__ import annotations

from attrs import frozen


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
