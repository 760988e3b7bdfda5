r"""Text from untrusted files → text safe to show on a terminal: control characters escaped.

A guideline's titles, a facts file's values and a graph JSON's strings end up in
what `check`, `run`, `test` and `diff` print. Printed raw, `\x1b[2J` clears the
reader's terminal, `\x1b]0;…\x07` retitles it, `\x1b[31m` recolours what follows
and a right-to-left override (U+202E) makes text read backwards (the "Trojan
source" trick). `escape_controls` writes every such character as a visible escape,
`\x1b` or `\u202e`, and keeps newlines and tabs, which layout needs. It is applied
to text *before* carepath styles it, so carepath's own colours still work.

This module imports nothing of carepath (a leaf), so every stage may use it.

>>> escape_controls("Refer\x1b[2J now\n")
'Refer\\x1b[2J now\n'
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL (but newline and tab), the line and paragraph
# separators, and the bidirectional embeddings, overrides and isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with every control character (newline and tab excepted) shown as an escape."""
    return _CONTROLS.sub(_escape, text)


def has_controls(text: str) -> bool:
    """Whether printing `text` raw could act on a terminal."""
    return _CONTROLS.search(text) is not None
