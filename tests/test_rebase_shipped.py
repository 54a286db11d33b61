"""The shipped overlays' move from 2026.1 to 2026.2, replayed through the CLI (issue 12).

`tests/data/overlays-2026.1/` holds the 33 overlays as they were on 2026.1. `rebase --all` must
reproduce the shipped 2026.2 overlays byte for byte, except the variations a person resolved by
hand after the run (they are in conflict, and left as written); `status` must then see every
shipped overlay on the newest version with its pins holding.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import ROOT, run_cli

OLD = ROOT / "tests" / "data" / "overlays-2026.1"
#: The overlays whose conflicts were resolved by hand after `rebase --all` (see CHANGELOG).
RESOLVED_BY_HAND = {"peninsula-cost-volume": {"cv-committed-volume", "cv-other-providers"},
                    "south-central-fostering": {"sc-additional-services"},
                    "west-london-alliance": {"wla-sub-regional-framework"}}


def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "national_contract", tmp_path / "national_contract")
    shutil.copytree(OLD, tmp_path / "variations")
    return tmp_path


def test_rebase_all_reproduces_the_shipped_overlays(tmp_path: Path) -> None:
    root = project(tmp_path)
    outputs = []
    for contract in ("fostering", "residential"):
        r = run_cli("rebase", "--all", "--onto", f"{contract}@2026.2", cwd=root)
        outputs.append(r)
    fostering, residential = outputs
    assert fostering.returncode == 3, fostering.stderr  # conflicts remain
    assert "4 variations in conflict: see the reports in rebase-reports/" in fostering.stderr
    assert residential.returncode == 0, residential.stderr
    lines = (fostering.stdout + residential.stdout).splitlines()
    assert len(lines) == 33
    counts = [tuple(map(int, re.search(r"(\d+) carried, (\d+) flagged, (\d+) in conflict", ln).groups()))
              for ln in lines]
    assert tuple(map(sum, zip(*counts))) == (319, 11, 4)  # 334 variations: none lost
    for old in sorted(OLD.glob("*.yaml")):
        rebased = (root / "variations" / old.name).read_bytes()
        shipped = (ROOT / "variations" / old.name).read_bytes()
        if old.stem in RESOLVED_BY_HAND:
            report = (root / "rebase-reports" / f"{old.stem}.md").read_text(encoding="utf-8")
            for vid in RESOLVED_BY_HAND[old.stem]:
                assert f"`{vid}`" in report
            assert rebased != shipped
        else:
            assert rebased == shipped, old.name
    # every report lists every variation of its overlay, with its rationale
    for report in (root / "rebase-reports").glob("*.md"):
        text = report.read_text(encoding="utf-8")
        ids = re.findall(r"^  - id: ([a-z0-9-]+)$", (OLD / f"{report.stem}.yaml").read_text(encoding="utf-8"), re.M)
        for vid in ids:
            assert f"### `{vid}`" in text, (report.name, vid)
    assert (root / "rebase-reports" / "peninsula-cost-volume.html").read_text(encoding="utf-8").startswith(
        "<!DOCTYPE html>")


def test_the_conflicts_are_reported_with_the_three_texts(tmp_path: Path) -> None:
    root = project(tmp_path)
    run_cli("rebase", "variations/peninsula-cost-volume.yaml", "--onto", "fostering@2026.2", cwd=root)
    report = (root / "rebase-reports" / "peninsula-cost-volume.md").read_text(encoding="utf-8")
    section = report.split("### `cv-other-providers`", 1)[1].split("###", 1)[0]
    assert "fostering@2026.2 removes 'arrangement.cost-volume.offers', the clause it is placed after" in section
    assert "- **fostering@2026.1 (base the variation was written against):**" in section
    assert "- **Suggested:** choose another anchor for the clause in the new version" in section
    # validate then points at the conflicts, located, until they are resolved
    r = run_cli("validate", "variations/peninsula-cost-volume.yaml", cwd=root)
    assert r.returncode == 1
    assert re.search(r"variations/peninsula-cost-volume\.yaml:\d+:\d+: unknown clause "
                     r"'arrangement\.cost-volume\.offers' in variation 'cv-other-providers'", r.stderr), r.stderr


def test_status_sees_every_shipped_overlay_on_the_newest_version() -> None:
    r = run_cli("status")
    assert r.returncode == 0, r.stderr
    rows = r.stdout.splitlines()[1:]
    assert len(rows) == 33
    for row in rows:
        assert re.search(r"@2026\.2\s+hold\s+\S+@2026\.2\s+on the newest version$", row), row


def test_status_on_the_old_overlays_says_what_a_rebase_would_do(tmp_path: Path) -> None:
    root = project(tmp_path)
    r = run_cli("status", cwd=root)
    assert r.returncode == 0, r.stderr
    row = next(ln for ln in r.stdout.splitlines() if ln.startswith("peninsula-cost-volume "))
    assert re.search(r"fostering@2026\.1\s+hold\s+fostering@2026\.2\s+6 carried, 1 flagged, 2 in conflict$", row), row
    before = {p.name: p.read_bytes() for p in (root / "variations").glob("*.yaml")}
    assert before == {p.name: p.read_bytes() for p in OLD.glob("*.yaml")}  # status writes nothing


def test_rebasing_onto_the_version_it_is_on_changes_nothing(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "national_contract", tmp_path / "national_contract")
    shutil.copytree(ROOT / "variations", tmp_path / "variations")
    r = run_cli("rebase", "--all", "--onto", "fostering@2026.2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("(no change)") == 19
    for p in (ROOT / "variations").glob("*.yaml"):
        assert (tmp_path / "variations" / p.name).read_bytes() == p.read_bytes(), p.name
    assert not (tmp_path / "rebase-reports").exists()
