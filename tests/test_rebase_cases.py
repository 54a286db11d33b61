"""The rebase golden cases (tests/cases/rebase/<case>/), one per outcome of docs/dev/rebase.md.

Each case is a revision 1.1 of tests/data/mini/1.0 — its folder holds only the files of 1.1 that
differ from 1.0 (contract.yaml, with `revises:` and `migration:`, always does) — and an overlay
`variations/x.yaml` pinned against mini@1.0. The test builds the project in a tmp folder, runs
`contractgen rebase variations/x.yaml --onto mini@1.1 --report-dir reports` through the CLI and
compares the rewritten overlay and reports/x.md with expected/, byte for byte, and the exit code
with case.yaml's. Refresh the expected files with UPDATE_GOLDENS=1 and read every one: they are
the specification.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_cli

CASES = ROOT / "tests" / "cases" / "rebase"
NAMES = sorted(p.name for p in CASES.iterdir() if (p / "case.yaml").is_file())
MINI = ROOT / "tests" / "data" / "mini" / "1.0"
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"


def make_project(case: Path, root: Path) -> Path:
    """Build the case's project in `root`: mini@1.0 as shipped, mini@1.1 as 1.0 with the case's
    files over it, and the case's overlay; return `root`."""
    national = root / "national_contract" / "mini"
    shutil.copytree(MINI, national / "1.0")
    shutil.copytree(MINI, national / "1.1")
    for path in (case / "national_contract" / "mini" / "1.1").iterdir():
        shutil.copyfile(path, national / "1.1" / path.name)
    shutil.copytree(case / "variations", root / "variations")
    return root


def test_every_outcome_has_a_case() -> None:
    assert set(NAMES) >= {"unchanged", "reworded", "moved", "renamed", "split", "deleted", "both-changed",
                          "term-clash", "parameter-removed"}


@pytest.mark.parametrize("name", NAMES)
def test_rebase_case(name: str, tmp_path: Path) -> None:
    case = CASES / name
    spec = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
    root = make_project(case, tmp_path)
    # the case is sound: its revision validates, and the overlay applies to 1.0 with its pins holding
    r = run_cli("validate", "national_contract/mini", cwd=root)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run_cli("validate", "variations/x.yaml", cwd=root)
    assert r.returncode == 0, r.stdout + r.stderr

    r = run_cli("rebase", "variations/x.yaml", "--onto", "mini@1.1", "--report-dir", "reports", cwd=root)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    got = {"x.yaml": (root / "variations" / "x.yaml").read_bytes(),
           "report.md": (root / "reports" / "x.md").read_bytes()}
    expected = case / "expected"
    if UPDATE:
        expected.mkdir(exist_ok=True)
        for fname, data in got.items():
            (expected / fname).write_bytes(data)
    assert r.returncode == spec["exit"], (r.returncode, r.stdout, r.stderr)
    for fname, data in got.items():
        want = expected / fname
        assert want.is_file(), f"no {want}: run with UPDATE_GOLDENS=1 and read it"
        assert data.decode("utf-8") == want.read_bytes().decode("utf-8")  # a readable diff first
        assert data == want.read_bytes()
    assert (root / "reports" / "x.html").is_file()
    if spec["exit"] == 0:
        # every variation carried or flagged: the rebased overlay applies to 1.1, pins holding
        r = run_cli("validate", "variations/x.yaml", cwd=root)
        assert r.returncode == 0, r.stdout + r.stderr
