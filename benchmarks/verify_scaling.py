"""Verifier scaling: generated guidelines of 100, 1,000 and 5,000 nodes → check times and growth.

Each generated guideline is a chain of modules shaped like the reference
guideline's: an assessment collecting two facts, a `first` decision with two
guarded lines and an `otherwise`, a `unique` decision over an enum, and actions
that converge on the next module, so every decision's reach formula depends on
the whole chain before it (the hard case for path-sensitive checks). Every
module also states an assertion. Prints, per size, the time of the full check
(parse to logic verification), the time of the logic verification alone, the
number of z3 queries, and the growth ratios against the previous size (near
10× and 5× mean near-linear growth).

    .venv/bin/python benchmarks/verify_scaling.py [--sizes 100,1000,5000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NODES_PER_MODULE = 8


def generate(nodes: int) -> str:
    modules = max(1, nodes // NODES_PER_MODULE)
    lines = ['guideline scaling "Generated scaling guideline" version "1.0.0"', 'reference r1 "Source" 2024']
    for i in range(modules):
        lines += [f'input x{i}: number from 0 to 10 ask "x{i}?"',
                  f'input k{i}: one of low, mid, high ask "k{i}?"']
    lines.append("start -> m0")
    for i in range(modules):
        following = f"m{i + 1}" if i + 1 < modules else "finish"
        lines += [
            f'assess m{i} "Module {i}" collects x{i}, k{i} then d{i}',
            f'decide d{i} "Threshold {i}" (first) [r1]',
            f"  when x{i} > {1 + i % 7} -> high{i}",
            f"  when x{i} > {i % 5 / 10:.1f} and k{i} = low -> low{i}",
            f"  otherwise -> e{i}",
            f'decide e{i} "Kind {i}" (unique) [r1]',
            f"  when k{i} = high -> high{i}",
            f"  when k{i} in {{low, mid}} -> mid{i}",
            f'action high{i} "High {i}" [r1] urgency {"urgent" if i % 3 else "emergent"} then {following}',
            f'action low{i} "Low {i}" [r1] urgency routine then {following}',
            f'action mid{i} "Mid {i}" [r1] urgency routine then j{i}',
            f'assess j{i} "Join {i}" then {following}',
            f'assert "module {i}" never reaches low{i} and x{i} > {1 + i % 7}',
        ]
    lines.append('end finish "Done"')
    return "\n".join(lines) + "\n"


def measure(nodes: int) -> tuple[int, float, float, int]:
    from carepath import compile_text
    from carepath.compiler.logic import prover
    from carepath.compiler.passes.verify_logic import logic_findings

    text = generate(nodes)
    started = time.perf_counter()
    graph = compile_text(text, f"scaling_{nodes}.cpath")
    full = time.perf_counter() - started
    queries_before = prover.Prover.total_queries
    started = time.perf_counter()
    findings = logic_findings(graph)
    logic = time.perf_counter() - started
    assert not findings, findings[:3]
    return len(graph.nodes), full, logic, prover.Prover.total_queries - queries_before


def reference_time() -> str:
    reference = Path(__file__).resolve().parents[1] / "guidelines" / "leg_numbness_cramping.cpath"
    if not reference.exists():
        return "reference guideline: not present"
    from carepath import compile_file

    started = time.perf_counter()
    compile_file(reference)
    return f"reference guideline: full check {time.perf_counter() - started:.2f} s (target < 2 s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(reference_time())
    print(f"{'nodes':>7} {'check s':>9} {'logic s':>9} {'queries':>8} {'size×':>7} {'check×':>7} {'logic×':>7}")
    previous = None
    for size in sizes:
        nodes, full, logic, queries = measure(size)
        if previous is None:
            ratios = ("", "", "")
        else:
            ratios = (f"{nodes / previous[0]:.1f}", f"{full / previous[1]:.1f}", f"{logic / previous[2]:.1f}")
        print(f"{nodes:>7} {full:>9.2f} {logic:>9.2f} {queries:>8} {ratios[0]:>7} {ratios[1]:>7} {ratios[2]:>7}",
              flush=True)
        previous = (nodes, full, logic)


if __name__ == "__main__":
    main()
