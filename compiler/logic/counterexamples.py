"""Counterexample files: logic diagnostics → one facts JSON file per finding.

`carepath check --counterexamples DIR` writes the patient behind each failed
check or assertion as a facts file (input name → value; unknown facts left
out), named after the finding, so `carepath run GUIDELINE --facts FILE` and
`carepath render --facts FILE` replay it. Each file is written to a temporary
name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from compiler.diagnostics import Diagnostic


def write_counterexamples(diagnostics: Iterable[Diagnostic], directory: str | Path) -> list[Path]:
    """The files written, one per diagnostic that has a counterexample."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for diagnostic in diagnostics:
        if diagnostic.counterexample is None:
            continue
        target = _free_name(directory, file_stem(diagnostic), written)
        text = json.dumps(dict(diagnostic.counterexample), indent=2, ensure_ascii=False) + "\n"
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".counterexample-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
        written.append(target)
    return written


def file_stem(diagnostic: Diagnostic) -> str:
    """`CP0401-lines-1-and-2-of-unique-decision-d-can-both-hold`: the code, then the message."""
    words = re.sub(r"[^a-z0-9]+", "-", diagnostic.message.lower()).strip("-")
    return f"{diagnostic.code}-{words[:80].rstrip('-')}"


def _free_name(directory: Path, stem: str, taken: list[Path]) -> Path:
    candidate, number = directory / f"{stem}.json", 2
    while candidate in taken:
        candidate, number = directory / f"{stem}-{number}.json", number + 1
    return candidate
