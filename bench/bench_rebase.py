"""Benchmark: `contractgen rebase` of every shipped overlay onto the next version of its
contract, beside a line-merge baseline.

rebase: rebase_many on each contract's overlays, in-process, a dry run (nothing written).
line merge: each contract rendered as plain text, one paragraph a line, numbers aside
(contractgen.render.text.body_text) — old base, new base, and old base + overlay (the whole
chain, for an overlay that extends another) — and `git merge-file -p --zdiff3 ours base theirs`
with ours = old base + overlay, base = old base, theirs = new base; a conflict is a `<<<<<<<`
hunk. Both times are end to end from the files (load, replay or render, merge).

Prints medians (seconds) and the conflict counts side by side; run from the project folder:
`python bench/bench_rebase.py [repeats]`. When every shipped overlay is already on the newest
version, it replays their move from 2026.1 (tests/data/overlays-2026.1) in a copy of the project.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_time

from contractgen.numbering import number_contract
from contractgen.overlay import overlay_chain, resolve_chain
from contractgen.rebase import rebase_many
from contractgen.render.text import body_text
from contractgen.validate import Report, contract_versions, find_contract_dir, load_contract


def groups() -> dict[tuple[str, str], list[Path]]:
    """Return {(old ref, new ref): overlays} for every overlay whose contract has a revision of
    the version it is on."""
    out: dict[tuple[str, str], list[Path]] = {}
    for path in sorted(Path("variations").glob("*.yaml")):
        chain = overlay_chain(path, Report())
        base = chain[0].base if chain else None
        if not base:
            continue
        name, _, version = base.partition("@")
        for folder in contract_versions(Path("national_contract") / name):
            c = load_contract(find_contract_dir(Path("national_contract") / name, folder.name))
            if c.revises == version:
                out.setdefault((base, f"{name}@{c.version}"), []).append(path)
    return out


def rebase_all(todo: dict[tuple[str, str], list[Path]]) -> dict[str, tuple[int, int, int]]:
    """Return {contract: (carried, flagged, in conflict)} over its overlays."""
    out = {}
    for (old, new), paths in todo.items():
        results = rebase_many(paths, new)
        out[old.partition("@")[0]] = (sum(r.carried for r in results), sum(r.flagged for r in results),
                                      sum(r.conflicts for r in results))
    return out


def text_of(contract: object) -> str:
    return "\n".join(body_text(number_contract(contract))) + "\n"  # type: ignore[arg-type]


def line_merge_all(todo: dict[tuple[str, str], list[Path]], tmp: Path) -> dict[str, tuple[int, int]]:
    """Return {contract: (conflict hunks, overlays with at least one)} of the line merge."""
    out = {}
    for (old, new), paths in todo.items():
        name = old.partition("@")[0]
        folder = Path("national_contract") / name
        base_text = text_of(load_contract(find_contract_dir(folder, old.partition("@")[2])))
        theirs_text = text_of(load_contract(find_contract_dir(folder, new.partition("@")[2])))
        base, theirs = tmp / f"{name}.base.txt", tmp / f"{name}.theirs.txt"
        base.write_text(base_text, encoding="utf-8")
        theirs.write_text(theirs_text, encoding="utf-8")
        hunks = overlays = 0
        for path in paths:
            ours = tmp / f"{path.stem}.ours.txt"
            ours.write_text(text_of(resolve_chain(path).contract), encoding="utf-8")
            r = subprocess.run(["git", "merge-file", "-p", "--zdiff3", str(ours), str(base), str(theirs)],
                               check=False, capture_output=True, text=True)
            if r.returncode > 127:  # 0..127: the number of conflicts; above: an error
                raise SystemExit(f"git merge-file failed: {r.stderr}")
            n = sum(line.startswith("<<<<<<<") for line in r.stdout.splitlines())
            hunks += n
            overlays += n > 0
        out[name] = (hunks, overlays)
    return out


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 3
    todo = groups()
    old = Path(__file__).resolve().parents[1] / "tests" / "data" / "overlays-2026.1"
    if not todo and old.is_dir():
        # the shipped overlays are on the newest version: replay their move from 2026.1, as they
        # were before it (tests/data/overlays-2026.1), in a copy of the project
        import os
        import shutil

        project = Path(tempfile.mkdtemp())
        shutil.copytree(Path("national_contract"), project / "national_contract")
        shutil.copytree(old, project / "variations")
        os.chdir(project)
        print("the shipped overlays are on the newest version; replaying their move from 2026.1 "
              "(tests/data/overlays-2026.1)")
        todo = groups()
    if not todo:
        print("every shipped overlay is on the newest version of its contract: nothing to rebase")
        return
    tmp = Path(tempfile.mkdtemp())
    ours = rebase_all(todo)
    theirs = line_merge_all(todo, tmp)
    t_rebase = median_time(lambda: rebase_all(todo), repeat)
    t_merge = median_time(lambda: line_merge_all(todo, tmp), repeat)
    n_overlays = sum(len(p) for p in todo.values())
    print(f"{n_overlays} overlays: " + ", ".join(f"{len(p)} {old} → {new}" for (old, new), p in todo.items()))
    print(f"median of {repeat} runs, seconds")
    print(f"  contractgen rebase, in-process dry run (rebase_many) {t_rebase:8.3f}")
    print(f"  line merge (render 3 texts, git merge-file --zdiff3) {t_merge:8.3f}")
    print()
    print(f"  {'contract':14} {'overlays':>8} {'variations':>10} {'carried':>8} {'flagged':>8} "
          f"{'rebase conflicts':>17} {'line-merge conflict hunks':>26} {'overlays with a hunk':>21}")
    total = [0, 0, 0, 0, 0, 0, 0]
    for (old, _new), paths in todo.items():
        name = old.partition("@")[0]
        carried, flagged, conflicts = ours[name]
        hunks, with_hunk = theirs[name]
        row = [len(paths), carried + flagged + conflicts, carried, flagged, conflicts, hunks, with_hunk]
        total = [a + b for a, b in zip(total, row)]
        print(f"  {name:14} {row[0]:8} {row[1]:10} {row[2]:8} {row[3]:8} {row[4]:17} {row[5]:26} {row[6]:21}")
    print(f"  {'total':14} {total[0]:8} {total[1]:10} {total[2]:8} {total[3]:8} {total[4]:17} {total[5]:26} "
          f"{total[6]:21}")


if __name__ == "__main__":
    main()
