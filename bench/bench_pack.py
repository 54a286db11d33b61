"""Benchmark: `contractgen pack --all` (every consortium) on this machine, and the time per pack.

Prints the median wall time of the whole run (CLI, parallel across the cores), the time per
pack in that run, and the median time of one pack built alone in-process.
    python bench/bench_pack.py [repeats]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from contractgen.pack import build_pack  # noqa: E402


def main(repeat: int = 3) -> None:
    overlays = sorted(Path("variations").glob("*.yaml"))
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "contractgen", "pack", "--all", "-o", tmp], check=True,
                           capture_output=True)
            runs.append(time.perf_counter() - t0)
    one = []
    sample = overlays[len(overlays) // 2]
    for _ in range(repeat):
        t0 = time.perf_counter()
        build_pack(sample)
        one.append(time.perf_counter() - t0)
    med = statistics.median(runs)
    print(f"{len(overlays)} packs, {os.cpu_count()} cores, median of {repeat} runs")
    print(f"  pack --all (CLI, parallel)     {med:7.2f} s   (runs: {', '.join(f'{r:.2f}' for r in runs)})")
    print(f"  per pack in that run           {med / len(overlays):7.3f} s")
    print(f"  one pack alone, in-process     {statistics.median(one):7.3f} s   ({sample.stem})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
