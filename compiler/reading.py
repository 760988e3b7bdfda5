"""A path → its UTF-8 text, within a size limit and without blocking: how every input file is read.

Guidelines, imports, facts, batches and graph JSON files are named by people and by
other files, so reading one must finish whatever the path is: `/dev/zero` never
ends, a FIFO with no writer blocks `open` forever, a directory is not text. Paths
the user gives on the command line may be pipes (`--facts <(…)` is a pipe), so they
are read up to their limit; paths that a *file* names (an `import`) must be regular
files, opened without waiting (`O_NONBLOCK`) and refused otherwise. Every refusal
is an `OSError` whose `strerror` says why, as the callers already report.

This module imports nothing of carepath (a leaf), so every stage may use it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# Sizes in bytes: far above any real file of the kind, far below what exhausts memory.
SOURCE_LIMIT = 16 << 20  # a guideline or an imported file (a 20,000-node guideline is ~3 MB)
FACTS_LIMIT = 1 << 20  # one patient's facts
BATCH_LIMIT = 256 << 20  # a JSON-lines batch of patients
GRAPH_LIMIT = 64 << 20  # a graph JSON file


def read_text(path: str | Path, limit: int, *, regular_only: bool = False) -> str:
    """The text of `path`; `OSError` when it is a directory, too large, or (with `regular_only`) not a regular file."""
    flags = os.O_RDONLY | (getattr(os, "O_NONBLOCK", 0) if regular_only else 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as stream:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        if regular_only and not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"is not a regular file (it is {_kind(mode)})")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"is larger than {limit:,} bytes, the most carepath reads")
    return data.decode("utf-8")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"
