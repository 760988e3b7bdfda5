"""The layers import one way: dsl → compiler → targets → carepath (DESIGN.md, "Layout").

A target reads the IR only (never the front end, never the CLI framework), the
compiler never reaches into a back end, the front end knows neither, and the one
module every layer shares, `carepath.diagnostics`, imports nothing of carepath.
Imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEAF = "carepath.diagnostics"
FORBIDDEN = {
    "dsl": ("compiler", "targets", "carepath", "click"),
    "compiler": ("targets", "carepath", "click"),
    "targets": ("dsl", "carepath", "click"),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def violations(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in imported_modules(path):
            if module == LEAF or module.startswith(LEAF + "."):
                continue
            top = module.split(".")[0]
            if top in FORBIDDEN[package]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_each_layer_imports_only_the_layers_before_it(package):
    assert violations(package) == []


def test_the_shared_leaf_imports_nothing_of_carepath():
    modules = {module.split(".")[0] for _, module in imported_modules(ROOT / "carepath" / "diagnostics.py")}
    assert not modules & {"dsl", "compiler", "targets", "carepath", "click"}


def test_the_check_would_catch_a_target_importing_the_front_end(tmp_path):
    stray = ROOT / "targets" / "_layering_probe.py"
    stray.write_text("def f():\n    from dsl import parser\n    import click\n", encoding="utf-8")
    try:
        assert violations("targets") == ["targets/_layering_probe.py:2 imports dsl",
                                          "targets/_layering_probe.py:3 imports click"]
    finally:
        stray.unlink()
