"""Invariants of `contractgen rebase` on the shipped overlays (docs/dev/rebase.md): a rebase onto
the version an overlay is already on changes nothing, byte for byte; a CRLF + BOM overlay keeps
both and changes only the scalars the rebase rewrites (base:, pin:, renamed ids)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from contractgen.overlay import overlay_chain
from contractgen.rebase import CARRIED, rebase_many
from contractgen.validate import Report

OVERLAYS = sorted((ROOT / "variations").glob("*.yaml"))
BOM = "\ufeff"


def base_of(path: Path) -> str:
    """Return 'contract@version' an overlay is on (its root parent's base for one that extends)."""
    chain = overlay_chain(path, Report())
    assert chain, path
    base = chain[0].base
    assert base, path
    return base


def by_base() -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for path in OVERLAYS:
        groups.setdefault(base_of(path), []).append(path)
    return groups


def newer(base: str) -> str | None:
    """Return 'contract@version' of the revision of `base`, when the project has one."""
    from contractgen.validate import contract_versions, find_contract_dir, load_contract

    name, _, version = base.partition("@")
    for folder in contract_versions(ROOT / "national_contract" / name):
        c = load_contract(find_contract_dir(ROOT / "national_contract" / name, folder.name))
        if c.revises == version:
            return f"{name}@{c.version}"
    return None


def test_every_shipped_overlay_is_grouped() -> None:
    assert sum(len(g) for g in by_base().values()) == len(OVERLAYS) >= 30


@pytest.mark.parametrize("base", sorted(by_base()))
def test_a_rebase_onto_the_same_version_changes_nothing(base: str) -> None:
    paths = by_base()[base]
    results = rebase_many(paths, base)
    assert [r.path for r in results] != [] and {r.path for r in results} == set(paths)
    for r in results:
        assert r.changed is False, r.path
        assert r.data == r.path.read_bytes(), r.path
        assert r.old_ref == r.new_ref
        assert [o.variation for o in r.outcomes] == list(r.overlay.variations)
        assert all(o.status == CARRIED for o in r.outcomes), [(o.variation.id, o.status, o.reason) for o in r.outcomes]


def copy_project(root: Path) -> Path:
    for name in ("national_contract", "variations", "schemas"):
        shutil.copytree(ROOT / name, root / name)
    return root


def test_the_cli_rebase_onto_the_same_version_changes_nothing(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    before = {p.name: p.read_bytes() for p in (root / "variations").glob("*.yaml")}
    for base, paths in sorted(by_base().items()):
        r = run_cli("rebase", *(f"variations/{p.name}" for p in paths), "--onto", base, "--report-dir", "reports",
                    cwd=root)
        assert r.returncode == 0, (base, r.stdout, r.stderr)
        assert r.stdout.count("(no change)") == len(paths), r.stdout
    after = {p.name: p.read_bytes() for p in (root / "variations").glob("*.yaml")}
    assert after == before
    assert not (root / "reports").exists()  # nothing changed, flagged or in conflict: no report


def crlf_bom(data: bytes) -> bytes:
    text = data.decode("utf-8")
    assert "\r" not in text and not text.startswith(BOM)
    return (BOM + text.replace("\n", "\r\n")).encode("utf-8")


def check_only_rewritten_lines(lf: bytes, crlf: bytes, result_lf: bytes, result: bytes, markers: set[str]) -> int:
    """Check the CRLF + BOM rebase against the LF one and the input; return the lines changed."""
    text = result.decode("utf-8")
    assert text.startswith(BOM)
    body = text[1:]
    assert "\n" not in body.replace("\r\n", ""), "a bare LF or CR in the CRLF file"
    assert body.replace("\r\n", "\n").encode("utf-8") == result_lf  # the same edit, whatever the line endings
    old_lines = crlf.decode("utf-8")[1:].split("\r\n")
    new_lines = body.split("\r\n")
    assert len(old_lines) == len(new_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    for a, b in changed:
        assert b.lstrip().startswith(("base:", "pin:")) or any(m in b for m in markers), (a, b)
    return len(changed)


def test_a_crlf_bom_shipped_overlay_keeps_both(tmp_path: Path) -> None:
    """On the shipped overlays as they were on 2026.1 (tests/data/overlays-2026.1), rebased onto
    2026.2: the one with the most variations, as CRLF with a BOM."""
    old = ROOT / "tests" / "data" / "overlays-2026.1"
    candidates = []
    for p in sorted(old.glob("*.yaml")):
        raw = p.read_text(encoding="utf-8")
        if "\nextends:" not in raw:
            base = next(ln.split(":", 1)[1].strip() for ln in raw.splitlines() if ln.startswith("base:"))
            candidates.append((raw.count("\n  - id: "), p.name, base.replace("2026.1", "2026.2")))
    assert len(candidates) == 30
    _, name, onto = max(candidates)  # the overlay with the most variations
    root = copy_project(tmp_path)
    for p in (root / "variations").glob("*.yaml"):
        p.unlink()
    shutil.copy(old / name, root / "variations" / name)
    path = root / "variations" / name
    lf = path.read_bytes()
    lf_result = rebase_many([path], onto)[0]
    crlf = crlf_bom(lf)
    path.write_bytes(crlf)
    got = rebase_many([path], onto)[0]
    assert got.changed and [o.status for o in got.outcomes] == [o.status for o in lf_result.outcomes]
    changed = check_only_rewritten_lines(lf, crlf, lf_result.data, got.data, set())
    assert changed == 1 + sum(o.pin is not None and o.pin != o.variation.pin for o in got.outcomes)


def test_a_crlf_bom_overlay_keeps_both_when_ids_are_renamed(tmp_path: Path) -> None:
    from test_rebase_cases import CASES, make_project

    root = make_project(CASES / "renamed", tmp_path)
    path = root / "variations" / "x.yaml"
    lf = path.read_bytes()
    path.write_bytes(crlf_bom(lf))
    r = run_cli("rebase", "variations/x.yaml", "--onto", "mini@1.1", "--report-dir", "reports", cwd=root)
    assert r.returncode == 0, r.stderr
    result_lf = (CASES / "renamed" / "expected" / "x.yaml").read_bytes()
    changed = check_only_rewritten_lines(lf, crlf_bom(lf), result_lf, path.read_bytes(),
                                         {"cover", "Care Arrangement"})
    assert changed == 7
