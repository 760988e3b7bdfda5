"""Wall time of `carepath check` on the reference guideline, start-up included.

Target: under 1 s. Measured side by side in one run with the floor every command
pays (a bare Python start-up and `carepath --version`), so a slow machine shows
as a slow floor rather than as a slow compiler. Prints medians over several runs.

    python benchmarks/check_time.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDELINE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"
CAREPATH = Path(sys.executable).with_name("carepath")
TARGET_SECONDS = 1.0


def wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    wall([str(CAREPATH), "check", str(GUIDELINE)], 1)  # warm the disk and the unit cache
    python = wall([sys.executable, "-c", "pass"], runs)
    version = wall([str(CAREPATH), "--version"], runs)
    check = wall([str(CAREPATH), "check", str(GUIDELINE)], runs)
    print(f"median of {runs} runs")
    print(f"  python -c pass             {python * 1000:7.0f} ms")
    print(f"  carepath --version         {version * 1000:7.0f} ms")
    print(f"  carepath check <reference> {check * 1000:7.0f} ms")
    print(f"  check / --version          {check / version:7.2f}x")
    print(f"  check / target ({TARGET_SECONDS:.0f} s)       {check / TARGET_SECONDS:7.2f}  ({'ok' if check < TARGET_SECONDS else 'OVER TARGET'})")


if __name__ == "__main__":
    main()
