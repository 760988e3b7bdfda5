"""The layers import one way: dsl → compiler → targets → carepath (DESIGN.md, "Layout").

A target reads the IR only (never the front end, never the CLI framework), the
compiler never reaches into a back end, the front end knows neither, and the one
module every layer shares, `carepath.diagnostics`, imports nothing of carepath.
Imports inside functions count too.

The three folders are installed as `carepath.dsl`, `carepath.compiler` and
`carepath.targets` (the wheel's only top-level package is `carepath`), so every
import names them that way: a bare `import compiler` would work in the source tree
and break in an installed wheel, and is refused here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEAF = "carepath.diagnostics"
LAYERS = ("dsl", "compiler", "targets")
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


def layer_of(module: str) -> str:
    """`carepath.compiler.ir` → `compiler`; `carepath.api` → `carepath`; `click.core` → `click`."""
    parts = module.split(".")
    if parts[0] == "carepath" and len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return parts[0]


def violations(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        for line, module in imported_modules(path):
            if module == LEAF or module.startswith(LEAF + "."):
                continue
            where = f"{path.relative_to(ROOT)}:{line}"
            if module.split(".")[0] in LAYERS:
                found.append(f"{where} imports {module} (write carepath.{module})")
            elif layer_of(module) in FORBIDDEN.get(package, ()):
                found.append(f"{where} imports {module}")
    return found


@pytest.mark.parametrize("package", [*sorted(FORBIDDEN), "carepath", "tests", "benchmarks"])
def test_each_layer_imports_only_the_layers_before_it(package):
    assert violations(package) == []


def test_the_shared_leaf_imports_nothing_of_carepath():
    layers = {layer_of(module) for _, module in imported_modules(ROOT / "carepath" / "diagnostics.py")}
    assert not layers & {*LAYERS, "carepath", "click"}


def test_the_check_would_catch_a_target_importing_the_front_end():
    stray = ROOT / "targets" / "_layering_probe.py"
    stray.write_text("def f():\n    from carepath.dsl import parser\n    import click\n    import compiler.ir\n",
                     encoding="utf-8")
    try:
        assert violations("targets") == ["targets/_layering_probe.py:2 imports carepath.dsl",
                                          "targets/_layering_probe.py:3 imports click",
                                          "targets/_layering_probe.py:4 imports compiler.ir (write carepath.compiler.ir)"]
    finally:
        stray.unlink()
