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
    from carepath.compiler.report import render

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


# Test modules whose tests share one expensive session (a module-scoped fixture). Under
# `pytest -n` (`make test`) with `--dist loadgroup` (pyproject.toml), each of these modules
# runs whole on one worker, so its session starts once, and every other test is sent on its
# own to whichever worker is free.
TESTS = Path(__file__).resolve().parent
SHARED_SESSIONS = {
    "test_sql_spark.py": "a local Spark session: a JVM that takes ~20 s to start",
    "test_viewer.py": "one Chromium browser driven by Playwright (`chromium`, `tabs` below)",
    "test_fhir_viewer.py": "the same Chromium browser, its tabs and the reference guideline's page",
    "test_lsp.py": "one `carepath lsp` server, warmed up by checking a guideline",
    "test_sql.py": "the 10,000 reference patients and their expected results (`reference_cases`)",
    "test_packaging.py": "the wheel, built and installed into a fresh virtual environment (~5 s)",
}
# Modules that join another's group, so a session-wide computation they share runs once.
SAME_WORKER_AS = {"test_sql.py": "test_sql_spark.py", "test_fhir_viewer.py": "test_viewer.py"}


def pytest_collection_modifyitems(items):
    """Modules with property tests first, each module's tests kept together and in order.

    Property tests take a second or several each, and tests are handed to the workers
    in this order: run last, they left one worker finishing them while the other idled.
    A module stays whole so that its module-scoped fixtures are set up once.
    """
    with_properties = {getattr(item, "module", None) for item in items
                       if getattr(getattr(item, "obj", None), "is_hypothesis_test", False)}
    items.sort(key=lambda item: getattr(item, "module", None) not in with_properties)


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium (tests/browser.py), started once for the browser tests of a worker."""
    from tests import browser

    with browser.open_browser() as opened:
        yield opened


@pytest.fixture(scope="session")
def tabs(chromium):
    """Pages loaded afresh in reused tabs (`browser.Tabs`): what a browser test opens a page with."""
    from tests import browser

    return browser.Tabs(chromium)


@pytest.fixture(scope="session")
def reference_viewer(tmp_path_factory) -> Path:
    """The reference guideline's viewer page (`carepath export --format html`), written once."""
    from carepath import compile_file
    from carepath.targets.html import to_html

    path = tmp_path_factory.mktemp("viewer") / "viewer.html"
    path.write_text(to_html(compile_file(TESTS.parent / "guidelines" / "leg_numbness_cramping.cpath")), encoding="utf-8")
    return path


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's loadgroup scheduler, with every module of `SHARED_SESSIONS` as one group.

    The groups are drawn here from the test ids rather than from `xdist_group` marks:
    pytest-xdist 3.8 passes a mark to the scheduler by rewriting the test's id, which
    pytest 9.2 no longer lets it do, so marks are silently ignored
    (pytest-dev/pytest-xdist#1386).
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    missing = sorted(name for name in SHARED_SESSIONS if not (TESTS / name).is_file())
    assert not missing, f"SHARED_SESSIONS in tests/conftest.py names modules that are gone: {missing}"

    class SharedSessionScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            name = module[len("tests/"):] if module.startswith("tests/") else None
            if name in SHARED_SESSIONS:
                return "tests/" + SAME_WORKER_AS.get(name, name)
            return super()._split_scope(nodeid)

    return SharedSessionScheduling(config, log)
