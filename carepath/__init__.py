"""carepath: clinical guidelines as code, compiled to verified decision graphs.

The public Python API. It threads the stages (parse → check → lower → verify)
and is the only package that imports `dsl`, `compiler` and `targets` together.

The names below are loaded on first use (PEP 562), so that `carepath.diagnostics`,
the leaf module every layer imports, can be imported without pulling in the
whole compiler, and `import carepath` stays cheap.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "__version__": "carepath.compiler",
    "CompileError": "carepath.diagnostics",
    "Diagnostic": "carepath.diagnostics",
    "compile_file": "carepath.api",
    "compile_text": "carepath.api",
    "Facts": "carepath.execute",
    "FactsError": "carepath.execute",
    "RunResult": "carepath.execute",
    "run": "carepath.execute",
    "render_flowchart": "carepath.flowchart",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'carepath' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
