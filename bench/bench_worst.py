"""Benchmark: the worst inputs of hardening item 9.7 (and the YAML bombs whose timing the tests
no longer assert: an alias bomb, nesting 5,000 deep), each through the command line.

Each case builds a scratch project from the project folder it is run in (tests/data/mini and
templates/), then times `python -m contractgen …` with that folder's package, so the same script
measures any checkout:

    python bench/bench_worst.py [repeats]                     # this checkout
    cd ../main && python ../wt/bounds/bench/bench_worst.py 1  # another one, e.g. before a change

A run still going after 120 s is killed and shown as such (and the case is not repeated); a run
may use at most 4 GB of memory. Prints the median of the runs, their spread (max - min) and the
exit code, which should be 0 or 1 (never 123, a bug).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import yaml

TIMEOUT = 120
MEMORY = 4 * 2**30
HEAD = {"base": "mini@1.0", "effective": "2026-04-01",
        "consortium": {"name": "Test Consortium", "arrangement": "framework"}}


def cli(root: Path, project: Path, *args: str) -> tuple[float | None, int]:
    """Return (seconds or None when killed, exit code) of one CLI run in `project`."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    t0 = time.perf_counter()
    try:
        r = subprocess.run([sys.executable, "-m", "contractgen", *args], cwd=project, capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(root)}, timeout=TIMEOUT, preexec_fn=limit,
                           check=False)
    except subprocess.TimeoutExpired:
        return None, -9
    return time.perf_counter() - t0, r.returncode


def replace_overlay(project: Path, ident: str, text: str) -> None:
    spec = {"id": ident, **HEAD, "variations": [{
        "id": "v1", "op": "replace", "clause": "fees.disputes", "text": text, "rationale": "Our members need it.",
        "category": "terms", "pin": "00000000"}]}
    (project / "variations" / f"{ident}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False, width=10**9),
                                                          encoding="utf-8")


def words(seed: int, n: int) -> str:
    vocab = random.Random(0)
    pool = ["".join(vocab.choice("abcdefghijklmnoprstuvw") for _ in range(vocab.randint(2, 9))) for _ in range(2000)]
    r = random.Random(seed)
    return " ".join(r.choice(pool) for _ in range(n)) + "."


def template(project: Path, field: str | None = None, inflate: int = 0) -> None:
    from docx import Document

    path = project / "templates" / "pack" / "award-criteria.docx"
    if field is not None:
        doc = Document(str(path))
        doc.add_paragraph(field)
        doc.save(str(path))
    if inflate:
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z, \
                z.open("word/media/image1.bin", "w", force_zip64=True) as fh:
            chunk = b"\0" * 2**24
            for _ in range(inflate // len(chunk)):
                fh.write(chunk)


def main(repeat: int = 3) -> None:
    root = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        shutil.copytree(root / "tests" / "data" / "mini", base / "national_contract" / "mini")
        shipped = root / "contractgen" / "templates"  # the templates are package data
        shutil.copytree(shipped if shipped.is_dir() else root / "templates", base / "templates")
        (base / "variations").mkdir()
        (base / "variations" / "ok.yaml").write_text(yaml.safe_dump({"id": "ok", **HEAD, "variations": []}))

        def fresh(name: str, setup: Callable[[Path], None]) -> Path:
            project = Path(tmp) / name
            shutil.copytree(base, project)
            setup(project)
            return project

        def long_definition(p: Path) -> None:
            defs = p / "national_contract" / "mini" / "1.0" / "definitions.yaml"
            defs.write_text(defs.read_text().replace("cares for the Child.", "cares for the Child. " + "Provider " * 8000))

        def big_replace(p: Path) -> None:
            replace_overlay(p, "big", "Provider " * 20000)
            assert cli(root, p, "pin", "variations/big.yaml")[1] == 0

        def two_texts(p: Path) -> None:
            for ident, seed in (("a", 1), ("b", 2)):
                replace_overlay(p, ident, words(seed, 5000))
                assert cli(root, p, "pin", f"variations/{ident}.yaml")[1] == 0

        def alias_bomb(p: Path) -> None:  # 10**10 values if expanded
            bomb = ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                    + "".join(f"{n}: &{n} [{', '.join(['*' + q] * 10)}]\n" for q, n in zip("abcdefgh", "bcdefghi"))
                    + "j: [" + ", ".join(["*i"] * 10) + "]\n")
            (p / "variations" / "bomb.yaml").write_text(bomb)

        def deep(p: Path) -> None:
            (p / "variations" / "deep.yaml").write_text("id: " + "[" * 5000 + "]" * 5000 + "\n")

        templates = ["--templates", "templates"] if shipped.is_dir() else []  # the edited copy
        cases: list[tuple[str, Path, list[list[str]]]] = [
            ("term scan: 'Provider ' * 8000", fresh("terms", long_definition), [["validate", "national_contract/mini"]]),
            ("180 KB replace: validate + build", fresh("big", big_replace),
             [["validate", "variations/big.yaml"], ["build", "variations/big.yaml", "-o", "big.docx"]]),
            ("diff of two 5,000-word texts", fresh("diff", two_texts),
             [["diff", "variations/a.yaml", "variations/b.yaml", "-o", "ab.docx"]]),
            ("YAML alias bomb (10**10 values)", fresh("bomb", alias_bomb), [["validate", "variations/bomb.yaml"]]),
            ("YAML nested 5,000 deep", fresh("deep", deep), [["validate", "variations/deep.yaml"]]),
        ]
        bombs = {
            "template {{ 7**(10**8) }}": "{{ 7**(10**8) }}",
            "template nested range(10**6)": "{% for i in range(10**6) %}{% for j in range(10**6) %}x{% endfor %}{% endfor %}",
            "template lipsum(10**7)": "{{ lipsum(10**7) }}",
        }
        for label, field in bombs.items():
            cases.append((label, fresh(label.split()[1][:6], lambda p, f=field: template(p, f)),
                          [["pack", "variations/ok.yaml", "-o", "out", *templates]]))
        cases.append(("template inflating to 2 GB", fresh("zipbomb", lambda p: template(p, inflate=2 * 2**30)),
                      [["pack", "variations/ok.yaml", "-o", "out", *templates]]))

        print(f"median of {repeat} runs each, seconds, through the CLI (python {sys.version.split()[0]}, {root})")
        print(f"{'case':<36} {'median':>9} {'spread':>8} {'exit':>5}")
        for label, project, commands in cases:
            times: list[float] = []
            codes: set[int] = set()
            killed = False
            for _ in range(repeat):
                total = 0.0
                for cmd in commands:
                    t, code = cli(root, project, *cmd)
                    codes.add(code)
                    if t is None:
                        killed = True
                        break
                    total += t
                if killed:
                    break
                times.append(total)
            exit_codes = ",".join(str(c) for c in sorted(codes))
            if killed:
                print(f"{label:<36} {'>' + str(TIMEOUT) + ' s':>9} {'killed':>8} {exit_codes:>5}")
            else:
                spread = max(times) - min(times)
                print(f"{label:<36} {statistics.median(times):>9.2f} {spread:>8.2f} {exit_codes:>5}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
