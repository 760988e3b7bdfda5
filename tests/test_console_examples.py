"""The console examples in README.md and docs/ are true: each is run and compared.

A `$ carepath …` line in any fenced block is run in a scratch folder that sees the
repository's `guidelines/`, `examples/` and `tests/`, and what it prints (standard output and error, in order)
must be what the block shows after it, up to the next `$` line. A line shown ending in
`…` stands for any line starting with what precedes the `…`; when it is the last
line shown, the output may go on after it (an excerpt). A `.cpath` file the
command names that is not in the repository is the example block just above it in
the document (two such files: the two blocks above, in order), as the prose says.

A line that uses the shell (a pipe, a redirection, `&&`, a variable, a comment) is run
by bash in a subprocess, through the installed `carepath` script. A plain `carepath ARGS` line is run in this process by click's
`CliRunner` on the same `carepath.cli.main` the installed script calls, with the same
environment and folder, and its standard output and error in the order written: the
same output without starting Python and importing carepath again for each of the
~40 examples.

A bare `carepath …` line (in a ```sh block, or a plain one when it is not a usage
synopsis with placeholders) shows no output: it must exit 0.

Commands that cannot be run here are listed in `NOT_RUN` with the reason; a test
checks that list is exact, so a newly documented command is run or explained.
Error pages' `$ carepath check demo.cpath` outputs are checked by tests/test_docs.py.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath.cli import main
from tests.test_docs import fenced_blocks

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHARED = ("guidelines", "examples", "tests")

# Files that documented commands read and the documents describe in words only.
FILES = {
    "bad.json": '{"abi": "low", "pedal_pulse": "absent"}\n',
}

# Shell syntax (pipes, redirections, variables, globs, comments): a line holding any of these is run by bash.
SHELL_SYNTAX = re.compile(r"[|<>&;$`*?(){}~#\\]")

# A usage synopsis, not a command: placeholders in capitals, optional parts in brackets.
SYNOPSIS = re.compile(r"\b[A-Z]{2,}\b|\[")

NOT_RUN = {
    "git show HEAD~1:guidelines/leg_numbness_cramping.cpath | carepath check -":
        "needs the repository's git history, absent from a source archive",
    "carepath fmt - < draft.cpath > formatted.cpath   # prints the formatted text, writes no file":
        "`draft.cpath` stands for any file of the reader's",
}


def examples() -> list:
    found = []
    for path in DOCUMENTS:
        blocks = fenced_blocks(path)
        guidelines: list[str] = []
        for lang, text, line in blocks:
            if lang in ("cpath", "cpath-broken"):
                guidelines.append(text)
                continue
            lines = text.replace("\\\n", " ").split("\n")  # a `\` at a line's end continues it
            for index, row in enumerate(lines):
                if row.startswith("$ carepath "):
                    shown = []
                    for following in lines[index + 1:]:
                        if following.startswith("$ "):
                            break
                        shown.append(following)
                    while shown and not shown[-1].strip():
                        shown.pop()
                    found.append(pytest.param(row[2:], shown, tuple(guidelines[-2:]),
                                              id=f"{path.name}:{line + index + 1}"))
                elif lang in ("sh", "") and row.startswith(("carepath ", "git show")) and not SYNOPSIS.search(row) \
                        or row in NOT_RUN:
                    found.append(pytest.param(row, None, tuple(guidelines[-2:]), id=f"{path.name}:{line + index + 1}"))
    return found


def scratch(tmp_path: Path, command: str, guidelines: tuple[str, ...]) -> Path:
    shared = ROOT.parent / "shared"  # the team's shared folder beside the project, as the docs assume
    if shared.is_dir():
        (tmp_path / "shared").symlink_to(shared)
    tmp_path = tmp_path / "project"
    tmp_path.mkdir()
    for name in SHARED:
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")  # the project root, for imports
    for name, content in FILES.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    wanted = [w for w in shlex.split(command.split("|")[0]) if w.endswith(".cpath") and not (ROOT / w).exists()]
    for word, text in zip(wanted, guidelines[-len(wanted):] if wanted else (), strict=True):
        (tmp_path / word).write_text(text, encoding="utf-8")
    return tmp_path


def run(command: str, cwd: Path, monkeypatch) -> tuple[int, str]:
    """Run a documented command in `cwd`: its exit code and what it printed (stdout and stderr, in order)."""
    if SHELL_SYNTAX.search(command) or not command.startswith("carepath "):
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=cwd, env=env, capture_output=False,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        return done.returncode, done.stdout
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(main, shlex.split(command)[1:], prog_name="carepath", env={"NO_COLOR": "1"},
                                catch_exceptions=False)
    return result.exit_code, result.output


def matches(shown: list[str], printed: list[str]) -> bool:
    if shown and shown[-1].endswith("…") and not shown[-1].endswith("(…)"):
        printed = printed[:len(shown)]  # an excerpt: its last line ends in `…`
    if len(shown) != len(printed):
        return False
    for want, got in zip(shown, printed, strict=True):
        if want.endswith("…") and not want.endswith("(…)"):
            if not got.startswith(want[:-1]):
                return False
        elif want != got:
            return False
    return True


@pytest.mark.parametrize(("command", "shown", "guidelines"), examples())
def test_console_example_is_true(command, shown, guidelines, tmp_path, monkeypatch):
    if command in NOT_RUN:
        pytest.skip(NOT_RUN[command])
    if "render" in command and shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    exit_code, output = run(command, scratch(tmp_path, command, guidelines), monkeypatch)
    printed = output.rstrip("\n").split("\n") if output.strip() else []
    if shown is None:
        assert exit_code == 0, output
        return
    assert matches(shown, printed), "shown:\n" + "\n".join(shown) + "\n\nprinted:\n" + output


def test_the_not_run_list_is_exact():
    documented = {p.values[0] for p in examples()}
    assert set(NOT_RUN) <= documented, set(NOT_RUN) - documented
