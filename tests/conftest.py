"""Shared test settings: hypothesis profiles and small helpers.

`make test` uses the default profile (quick); `make fuzz` selects `fuzz`, which
runs far more examples and no deadline.
"""

from __future__ import annotations

import os
import textwrap

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("fuzz" if os.environ.get("CAREPATH_FUZZ") else "default")


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
