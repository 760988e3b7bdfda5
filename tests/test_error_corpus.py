"""The broken-guideline corpus: each `tests/errors/*.cpath` must give exactly the
diagnostics in its `.expected` file (rendered as `carepath check` prints them).

Regenerate with `python -m tests.regenerate_golden errors`, then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from carepath import CompileError, compile_file
from carepath.compiler.report import render

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "errors"
CASES = sorted(p.stem for p in CORPUS.glob("*.cpath"))


def diagnostics_for(name: str) -> str:
    """The rendered diagnostics of one corpus file, paths relative to the repository."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        compile_file(f"tests/errors/{name}.cpath")
    except CompileError as error:
        return render(error.diagnostics, error.sources)
    finally:
        os.chdir(cwd)
    return ""


@pytest.mark.parametrize("name", CASES)
def test_broken_guideline_gives_exactly_its_diagnostics(name):
    expected = (CORPUS / f"{name}.expected").read_text(encoding="utf-8")
    actual = diagnostics_for(name)
    assert actual, f"{name}.cpath compiled without errors; it must fail"
    assert actual == expected


def test_every_case_has_an_expected_file_and_back():
    expected = {p.stem for p in CORPUS.glob("*.expected")}
    assert expected == set(CASES)


def regenerate() -> list[Path]:
    written = []
    for name in CASES:
        path = CORPUS / f"{name}.expected"
        path.write_text(diagnostics_for(name), encoding="utf-8")
        written.append(path)
    return written
