"""Shared test settings: hypothesis profiles and small helpers.

`make test` uses the default profile (quick); `make fuzz` selects `fuzz`, which
runs far more examples and no deadline (both in tests/budget.py).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import tests.budget  # noqa: F401  registers and loads the hypothesis profiles (default, or fuzz under CAREPATH_FUZZ)


def guideline(body: str, *, header: str = 'guideline demo "Demo" version "1.0.0"') -> str:
    """A guideline text: the header, then `body` dedented."""
    return header + "\n" + textwrap.dedent(body).strip() + "\n"


@pytest.fixture
def compile_ok():
    """Compile text that must be clean; fail the test with the rendered diagnostics otherwise."""
    from carepath import CompileError, compile_text
    from compiler.report import render

    def run(text: str):
        try:
            return compile_text(text, "t.cpath")
        except CompileError as error:
            pytest.fail("unexpected diagnostics:\n" + render(error.diagnostics, error.sources))

    return run


@pytest.fixture
def diagnostics():
    """Compile text that must fail; return its diagnostics as (code, line, message) tuples."""
    from carepath import CompileError, compile_text

    def run(text: str):
        try:
            compile_text(text, "t.cpath")
        except CompileError as error:
            return [(d.code, d.span.line if d.span else None, d.message) for d in error.diagnostics]
        pytest.fail("compiled cleanly, but errors were expected")

    return run


# Test modules whose tests share one expensive session (a module-scoped fixture): under
# `pytest -n` (`make test`), `--dist loadgroup` runs each of these modules on one worker so
# its session starts once, while the other tests spread over every worker one by one.
TESTS = Path(__file__).resolve().parent
SHARED_SESSIONS = {
    "test_sql_spark.py": "a local Spark session: a JVM that takes ~20 s to start",
    "test_viewer.py": "one Chromium browser driven by Playwright",
    "test_lsp.py": "one `carepath lsp` server, warmed up by checking a guideline",
}


def pytest_collection_modifyitems(config, items):
    """Mark the tests of each module in `SHARED_SESSIONS` with its `xdist_group`."""
    missing = sorted(name for name in SHARED_SESSIONS if not (TESTS / name).is_file())
    assert not missing, f"SHARED_SESSIONS in tests/conftest.py names modules that are gone: {missing}"
    for item in items:
        if item.path.parent == TESTS and item.path.name in SHARED_SESSIONS:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
