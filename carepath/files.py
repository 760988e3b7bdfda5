"""Files the commands write: charts, graph JSON, batch results, JUnit XML, counterexamples.

Every output goes through `write_atomically`, the one writer. It writes to a
temporary file beside its target and renames it over the target, so a reader (or a
CI step) never sees half a file, and a failed command leaves the previous file as it
was. The new file gets the mode any new file gets here (`mkstemp` alone would make
it private, 0600, which breaks a published chart).

Before writing it decides what the target really is, because an output path is as
untrusted as an input (`-o /dev/null` run as root would replace the device with a
regular file):
- a symlink is written *through*: its target is replaced and the link stays a link;
- a directory, a device, a FIFO or a socket is refused: only regular files are written;
- a file this command reads (`export G.cpath -o G.cpath`, `run --batch F -o F`, also
  through another name or a hard link) is refused: the input would be lost;
- long names work wherever the file system allows them: the temporary name is short.

A refusal is an `OutputRefused` (an `OSError` whose `strerror` gives the reason), which
the commands report like any other write failure, exit 2.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from carepath.compiler import exact_json
from carepath.diagnostics import Diagnostic


class OutputRefused(OSError):
    """An output path carepath will not write to; `strerror` says why."""


def write_atomically(path: str | Path, data: str | bytes, *, inputs: Iterable[str | Path] = ()) -> Path:
    """Write `data` (text as UTF-8 with `\\n` line ends) to `path` all at once; returns the file written.

    `inputs`: the files this command reads, which it must not overwrite.
    """
    target = output_target(path, inputs)
    with atomic_stream(target) as stream:
        stream.write(data.encode("utf-8") if isinstance(data, str) else data)
    return target


@contextlib.contextmanager
def atomic_stream(path: Path, inputs: Iterable[str | Path] = ()) -> Iterator[object]:
    """A binary stream whose contents replace `path` only when the block ends without an error.

    For outputs written a piece at a time (batch results): the temporary file grows
    beside the target and is renamed over it at the end, or removed on failure.
    """
    with atomic_path(path, inputs) as temporary, temporary.open("wb") as stream:
        yield stream


@contextlib.contextmanager
def atomic_path(path: Path, inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """A temporary file name beside `path` that replaces `path` only when the block ends without an error.

    The one place outputs are made atomic: `write_atomically` and `atomic_stream` write
    through it, and writers that take a file name rather than a stream (DuckDB's
    `COPY ... TO`) use it directly. The target is checked first (a symlink followed;
    never a directory, a device or one of `inputs`), and the file is given the mode a
    plain `open` would give it.
    """
    path = output_target(path, inputs)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name[:32]}.", suffix=".tmp", dir=path.parent)
    os.close(descriptor)
    try:
        yield Path(temporary)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def output_target(path: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """The regular file that writing to `path` replaces (a symlink followed); `OutputRefused` if none may be."""
    target = Path(os.path.realpath(path))
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return target
    if stat.S_ISDIR(status.st_mode):
        raise OutputRefused(errno.EISDIR, "is a directory; give a file name")
    if not stat.S_ISREG(status.st_mode):
        raise OutputRefused(errno.EINVAL, f"is {_kind(status.st_mode)}, not a regular file; carepath writes "
                                          "regular files only")
    for source in inputs:
        try:
            read = os.stat(source)
        except OSError:
            continue
        if (read.st_dev, read.st_ino) == (status.st_dev, status.st_ino):
            raise OutputRefused(errno.EINVAL, f"is `{source}`, which this command reads; writing it would "
                                              "destroy the input: write the output to another file")
    return target


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def write_counterexamples(diagnostics: Iterable[Diagnostic], directory: str | Path,
                          inputs: Iterable[str | Path] = ()) -> list[Path]:
    """One facts file per diagnostic that has a counterexample; returns the files written.

    Each is named after its finding (`CP0401-lines-1-and-2-of-….json`), so
    `carepath run GUIDELINE --facts FILE` and `carepath render --facts FILE` replay it.
    An `OSError` (a directory that cannot be created, a refused file) is the caller's to report.
    """
    inputs = list(inputs)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for diagnostic in diagnostics:
        if diagnostic.counterexample is None:
            continue
        target = _free_name(directory, _file_stem(diagnostic), written)
        write_atomically(target, exact_json.dumps(dict(diagnostic.counterexample), indent=2, ensure_ascii=False) + "\n",
                         inputs=inputs)
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
