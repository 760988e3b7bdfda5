"""`carepath check` of generated guidelines from 1,000 to 20,000 nodes → wall and CPU times, growth ratios.

Target (issue 14): a 20,000-node guideline checks in under a minute on 2 cores, and
the time grows near-linearly with the number of nodes (ratios near the size ratio).
The guidelines are those of `verify_scaling.py` (modules of eight nodes whose
decisions depend on the whole chain before them). Up to the verification budget
(5,000 nodes, docs/limits.md) the check includes the z3 logic verification; above
it, every stage but that one runs and the check warns CP0407. CPU time is printed
beside wall time because the machine may be shared.

    .venv/bin/python benchmarks/check_scaling.py [--sizes 1000,2000,4000,20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_SECONDS = 60.0


def measure(nodes: int) -> tuple[int, float, float, list[str]]:
    from carepath.api import check_text
    from verify_scaling import generate

    text = generate(nodes)
    wall, cpu = time.perf_counter(), time.process_time()
    checked = check_text(text, f"generated_{nodes}.cpath")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return text.count("\n"), wall, cpu, sorted({d.code for d in checked.diagnostics})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,4000,10000,20000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(f"{'nodes':>7} {'lines':>7} {'wall s':>8} {'cpu s':>8} {'size×':>6} {'cpu×':>6}  diagnostics")
    previous = None
    for size in sizes:
        lines, wall, cpu, codes = measure(size)
        ratios = ("", "") if previous is None else (f"{size / previous[0]:.1f}", f"{cpu / previous[1]:.1f}")
        print(f"{size:>7} {lines:>7} {wall:>8.1f} {cpu:>8.1f} {ratios[0]:>6} {ratios[1]:>6}  {', '.join(codes) or '-'}",
              flush=True)
        previous = (size, cpu)
    verdict = "within" if previous[1] < TARGET_SECONDS else "OVER"
    print(f"largest: {verdict} the {TARGET_SECONDS:.0f} s target (cpu time)")


if __name__ == "__main__":
    main()
