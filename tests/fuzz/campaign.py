"""The attack campaign of issue 14: hostile inputs → the command line → counts of what went wrong.

An `Attack` is one command (`carepath run …`) with the files it needs: a guideline,
facts, a batch, a graph JSON, import chains, FIFOs, symlinks, device nodes, output
paths. `run_attack` runs it in-process (click's runner, in a fresh folder, with an
alarm as the time bound) and classifies the outcome:

- **traceback**: Python's traceback reached the output;
- **internal error**: exit 3, carepath's own "this is a bug" answer;
- **hang**: the time bound passed;
- **wrong exit code**: an exit code the attack does not allow (a duplicate key in a
  facts file must exit 2, not run);
- **injection**: a raw control character in what was printed, a Mermaid directive or
  markup outside quotes in a written chart, an input or a device changed.

`tests/fuzz/corpus.py` holds every reproducer of the issue as an attack;
`tests/fuzz/mutations.py` draws attacks at random from a seed. `make test` runs
the corpus (tests/test_fuzz_corpus.py); `make fuzz` runs the campaign:

    python -m tests.fuzz.campaign [--inputs 5000] [--seed 14]

which prints one summary line of counts (and each failure above it).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import re
import signal
import stat
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from attrs import field, frozen

CATEGORIES = ("traceback", "internal error", "hang", "wrong exit code", "injection")

# A file of an attack: text, bytes, or a special file made by `_make`.
FIFO, CHAR_DEVICE, DIRECTORY = object(), object(), object()


@frozen
class Symlink:
    target: str


@frozen
class Attack:
    """One hostile invocation: argv of `carepath`, the files it needs, the exit codes it may give."""

    name: str
    argv: tuple[str, ...]
    files: dict = field(factory=dict)  # relative path → str | bytes | FIFO | CHAR_DEVICE | DIRECTORY | Symlink
    exits: frozenset[int] = frozenset({0, 1, 2})
    seconds: float = 60.0
    unchanged: tuple[str, ...] = ()  # files (or devices) the command must not modify or replace


@frozen
class Outcome:
    attack: Attack
    problems: tuple[tuple[str, str], ...]  # (category, detail)
    exit_code: int | None
    seconds: float


class _Hang(BaseException):
    """Raised by the alarm; a BaseException so no `except Exception` in carepath swallows it."""


@contextlib.contextmanager
def _time_bound(seconds: float) -> Iterator[None]:
    def expire(signum, frame):
        raise _Hang()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _make(root: Path, relative: str, content) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is FIFO:
        os.mkfifo(path)
    elif content is CHAR_DEVICE:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    elif content is DIRECTORY:
        path.mkdir(exist_ok=True)
    elif isinstance(content, Symlink):
        path.symlink_to(content.target)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")


def _fingerprint(path: Path) -> tuple:
    """What must not change about a file: its kind, inode and (for a regular file) its bytes."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return ("missing",)
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(status.st_mode) else ""
    return (stat.S_IFMT(status.st_mode), status.st_ino, status.st_rdev, digest)


_RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def _written_injections(root: Path, before: set[Path]) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path in before or not path.is_file() or path.is_symlink():
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        if path.suffix == ".mmd" and ("%%{" in text or "<a " in text.lower() or "<img" in text.lower()):
            found.append(f"{path.name}: a Mermaid directive or markup")
        if path.suffix == ".dot":  # outside quoted strings Graphviz reads markup; text there is escaped
            bare = _QUOTED.sub('""', text).lower()
            if "<a " in bare or "<img" in bare:
                found.append(f"{path.name}: markup outside quoted strings")
            if re.search(r'(url|href)\s*=\s*"?\s*javascript:', text, re.IGNORECASE):
                found.append(f"{path.name}: a javascript: link")
    return found


def run_attack(attack: Attack, workdir: Path | None = None) -> Outcome:
    """Run one attack in a fresh folder (inside `workdir`), bounded in time, and classify it."""
    from click.testing import CliRunner

    from carepath.cli import main

    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        root = Path(folder)
        (root / "carepath.toml").write_text("")  # the project root that confines imports
        for relative, content in attack.files.items():
            _make(root, relative, content)
        watched = {name: _fingerprint(root / name) for name in attack.unchanged}
        existing = set(root.rglob("*"))
        problems: list[tuple[str, str]] = []
        exit_code, output = None, ""
        started = time.perf_counter()
        cwd = os.getcwd()
        os.chdir(root)
        try:
            with _time_bound(attack.seconds):
                result = CliRunner().invoke(main, list(attack.argv), catch_exceptions=True)
            exit_code, output = result.exit_code, result.output
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                problems.append(("traceback", f"{type(result.exception).__name__}: {result.exception}"[:300]))
        except _Hang:
            problems.append(("hang", f"no answer within {attack.seconds:g} s"))
        finally:
            os.chdir(cwd)
        seconds = time.perf_counter() - started
        if "Traceback (most recent call last)" in output:
            problems.append(("traceback", "a Python traceback was printed"))
        if exit_code == 3 or "internal error" in output:
            problems.append(("internal error", _first_line(output, "internal error")))
        elif exit_code is not None and exit_code not in attack.exits:
            problems.append(("wrong exit code", f"exit {exit_code}, expected one of {sorted(attack.exits)}: "
                                                f"{output.strip().splitlines()[-1] if output.strip() else ''}"[:300]))
        if _RAW_CONTROL.search(output):
            problems.append(("injection", "a raw control character was printed"))
        for name, fingerprint in watched.items():
            if _fingerprint(root / name) != fingerprint:
                problems.append(("injection", f"`{name}` was modified or replaced"))
        problems += [("injection", detail) for detail in _written_injections(root, existing)]
        return Outcome(attack, tuple(problems), exit_code, seconds)


def _first_line(output: str, containing: str) -> str:
    return next((line for line in output.splitlines() if containing in line), output[:200])


def summary_line(counts: Counter, inputs: int) -> str:
    return f"fuzz campaign: {inputs} inputs, " + ", ".join(
        f"{counts[c]} {c if counts[c] == 1 or c.endswith('s') else c + 's'}" for c in CATEGORIES)


def campaign(attacks: Iterator[Attack], report: Callable[[Outcome], None] | None = None) -> tuple[Counter, int]:
    """Run every attack; count each category once per failing input."""
    counts: Counter = Counter()
    total = 0
    for attack in attacks:
        outcome = run_attack(attack)
        total += 1
        for category in {c for c, _ in outcome.problems}:
            counts[category] += 1
        if outcome.problems and report is not None:
            report(outcome)
    return counts, total


def main() -> None:
    from tests.fuzz.corpus import reproducers
    from tests.fuzz.mutations import random_attack

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=5000, help="random attacks after the corpus")
    parser.add_argument("--seed", type=int, default=14)
    options = parser.parse_args()
    rng = random.Random(options.seed)

    def attacks() -> Iterator[Attack]:
        yield from reproducers()
        for _ in range(options.inputs):
            yield random_attack(rng)

    def show(outcome: Outcome) -> None:
        for category, detail in outcome.problems:
            print(f"{category}: {outcome.attack.name}: {detail}", file=sys.stderr, flush=True)

    counts, total = campaign(attacks(), show)
    print(summary_line(counts, total))
    sys.exit(1 if sum(counts.values()) else 0)


if __name__ == "__main__":
    # Run the imported module's `main`, not this `__main__` copy: the corpus compares
    # files with this module's FIFO and DIRECTORY markers, which exist once per module.
    from tests.fuzz.campaign import main as campaign_main

    campaign_main()
