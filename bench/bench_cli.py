"""Benchmark: whole-process times of the commands people run over and over (issue 15).

Each command is run N times as a new process (`python -m contractgen …`) and timed from start to
exit; the median is printed with the spread (min–max). Each is run three ways, in this order:

- `--no-cache`: every source loaded and checked afresh (what every run cost before the cache);
- cold: an empty cache folder for each run (the same work, plus writing the cache);
- warm: the cache filled by the runs before.

Beside them, measured in the same run: Python starting and exiting (`python -c pass`), the floor
under any command; and, when a python-redlines 2.x environment is given (`bash
bench/setup_peer.sh`), the peer's whole process redlining the same two DOCX files.

    python bench/bench_cli.py [repeats] [--peer-python .bench-venv/bin/python] [--pack]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REDLINE = "variations/west-sussex-kent-dps.yaml"

PEER = r"""
import sys
from python_redlines import DocxodusEngine
data, _, _ = DocxodusEngine().run_redline("peer", sys.argv[1], sys.argv[2])
open(sys.argv[3], "wb").write(data)
"""


def timed(cmd: list[str], env: dict[str, str], repeat: int, before: object = None) -> list[float]:
    times = []
    for _ in range(repeat):
        if callable(before):
            before()
        t0 = time.perf_counter()
        r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return times


def show(label: str, times: list[float], against: float | None = None, what: str = "") -> float:
    med = statistics.median(times)
    ratio = f"  {against / med:5.1f}× {what}" if against else ""
    print(f"  {label:<12} median {med:6.2f} s  (min {min(times):.2f}, max {max(times):.2f}, n={len(times)}){ratio}")
    return med


def main() -> None:
    args = sys.argv[1:]
    repeat = int(args[0]) if args and args[0].isdigit() else 5
    peer = args[args.index("--peer-python") + 1] if "--peer-python" in args else None
    work = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    cache_dir = work / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CONTRACTGEN_CACHE_DIR": str(cache_dir)}
    env.pop("CONTRACTGEN_NO_CACHE", None)
    py = [sys.executable, "-m", "contractgen"]

    def clean() -> None:  # pack refuses a folder holding packs: each run writes a new one
        shutil.rmtree(work / "packs", ignore_errors=True)

    def empty() -> None:
        clean()
        shutil.rmtree(cache_dir, ignore_errors=True)

    floor = statistics.median(timed([sys.executable, "-c", "pass"], env, repeat))
    print(f"Python start and exit (the floor): {floor:.3f} s")
    commands = {
        "--help": ["--help"],
        "validate (all 37 sources)": ["validate"],
        "build national_contract/fostering": ["build", "national_contract/fostering", "-o", str(work / "f.docx")],
        f"redline {REDLINE}": ["redline", REDLINE, "-o", str(work / "r.docx")],
        "validate " + REDLINE: ["validate", REDLINE],
    }
    if "--pack" in args:
        commands["pack --all (33 packs)"] = ["pack", "--all", "-o", str(work / "packs")]
    for label, cmd in commands.items():
        print(label)
        if cmd == ["--help"]:
            show("", timed(py + cmd, env, repeat))
            continue
        n = repeat if not cmd[0] == "pack" else max(1, repeat // 3)
        off = show("--no-cache", timed(py + ["--no-cache", *cmd], env, n, before=clean))
        show("cold", timed(py + cmd, env, n, before=empty), off, "vs --no-cache")
        warm = show("warm", timed(py + cmd, env, n, before=clean), off, "vs --no-cache")
        if cmd[0] == "redline" and peer:
            base, varied = work / "base.docx", work / "varied.docx"
            subprocess.run(py + ["build", "national_contract/residential", "--version", "2026.2", "-o", str(base)],
                           cwd=ROOT, env=env, check=True, capture_output=True)
            subprocess.run(py + ["build", REDLINE, "-o", str(varied)], cwd=ROOT, env=env, check=True,
                           capture_output=True)
            peer_t = timed([peer, "-c", PEER, str(base), str(varied), str(work / "peer.docx")], env, n)
            p = show("peer", peer_t)
            print(f"  python-redlines 2.x (Docxodus) whole process / contractgen redline warm: {p / warm:.1f}×, "
                  f"--no-cache: {p / off:.1f}×")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
