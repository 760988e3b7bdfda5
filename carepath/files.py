"""Files the commands write: charts, graph JSON, batch results, JUnit XML, counterexamples.

Every output is written to a temporary file beside its target and renamed over
it, so a reader (or a CI step) never sees half a file, and a failed command
leaves the previous file as it was. The new file gets the mode any new file gets
here (`mkstemp` alone would make it private, 0600, which breaks a published chart).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from compiler import exact_json
from carepath.diagnostics import Diagnostic


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8 with `\\n` line ends) to `path` all at once."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(payload)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_stream(path: Path) -> Iterator[object]:
    """A binary stream whose contents replace `path` only when the block ends without an error.

    For outputs written a piece at a time (batch results): the temporary file grows
    beside the target and is renamed over it at the end, or removed on failure.
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            yield stream
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_counterexamples(diagnostics: Iterable[Diagnostic], directory: str | Path) -> list[Path]:
    """One facts file per diagnostic that has a counterexample; returns the files written.

    Each is named after its finding (`CP0401-lines-1-and-2-of-….json`), so
    `carepath run GUIDELINE --facts FILE` and `carepath render --facts FILE` replay it.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for diagnostic in diagnostics:
        if diagnostic.counterexample is None:
            continue
        target = _free_name(directory, _file_stem(diagnostic), written)
        write_atomically(target, exact_json.dumps(dict(diagnostic.counterexample), indent=2, ensure_ascii=False) + "\n")
        written.append(target)
    return written


def _file_stem(diagnostic: Diagnostic) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", diagnostic.message.lower()).strip("-")
    return f"{diagnostic.code}-{words[:80].rstrip('-')}"


def _free_name(directory: Path, stem: str, taken: list[Path]) -> Path:
    candidate, number = directory / f"{stem}.json", 2
    while candidate in taken:
        candidate, number = directory / f"{stem}-{number}.json", number + 1
    return candidate
