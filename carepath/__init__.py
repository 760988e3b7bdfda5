"""carepath: clinical guidelines as code, compiled to verified decision graphs.

The public Python API. It threads the stages (parse → check → lower → verify)
and is the only package that imports `dsl`, `compiler` and `targets` together.
"""

__version__ = "0.1.0"
