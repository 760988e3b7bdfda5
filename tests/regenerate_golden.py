"""Regenerate every golden file: `python -m tests.regenerate_golden [NAME...]`.

Golden files are generated, then reviewed in the diff like any other change. Each
target registers one generator here as "module:function"; the function rewrites
its files under `tests/golden/` (or its own corpus folder) and returns their paths.
`make golden` runs them all.
"""

from __future__ import annotations

import importlib
import sys

GENERATORS: dict[str, str] = {
    "errors": "tests.test_error_corpus:regenerate",
    "flowcharts": "tests.test_flowchart_golden:regenerate",
    "json": "tests.test_graph_json:regenerate",
    "conformance": "tests.test_conformance:regenerate_vectors",
    "corpus": "tests.test_conformance_corpus:regenerate",
    "runtime": "tests.test_runtime_golden:regenerate",
    "review": "tests.test_review:regenerate",
    "generated": "tests.test_generated_executor:regenerate",
}


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in GENERATORS]
    if unknown:
        print(f"unknown generator(s): {', '.join(unknown)}; known: {', '.join(GENERATORS)}", file=sys.stderr)
        return 2
    for name in names or list(GENERATORS):
        module, function = GENERATORS[name].split(":")
        written = getattr(importlib.import_module(module), function)()
        print(f"{name}: {len(written)} file(s) written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
