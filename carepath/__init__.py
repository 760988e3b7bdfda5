"""carepath: clinical guidelines as code, compiled to verified decision graphs.

The public Python API. It threads the stages (parse → check → lower → verify)
and is the only package that imports `dsl`, `compiler` and `targets` together.
"""

from compiler import __version__
from compiler.diagnostics import CompileError, Diagnostic

from carepath.api import compile_file, compile_text
from carepath.execute import Facts, FactsError, RunResult, run
from carepath.flowchart import render_flowchart

__all__ = ["CompileError", "Diagnostic", "Facts", "FactsError", "RunResult", "__version__", "compile_file",
           "compile_text", "render_flowchart", "run"]
