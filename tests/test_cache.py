"""The cache of loaded and checked sources (contractgen/cache.py, docs/dev/cache.md).

The rest of the suite runs with the cache off (conftest sets CONTRACTGEN_NO_CACHE=1), so that each
test loads what it names afresh; these tests turn it on, each with its own cache folder, over a
copy of the shipped sources.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

import contractgen
from contractgen import api, cache, overlay, validate

OVERLAY = "variations/white-rose-fostering.yaml"  # on fostering@2026.2, with particulars and inserts
CHILD = "variations/west-london-alliance.yaml"  # extends london-model


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped sources as the working folder, with an empty cache of its own."""
    root = tmp_path / "project"
    for name in ("national_contract", "variations"):
        shutil.copytree(ROOT / name, root / name)
    monkeypatch.chdir(root)
    monkeypatch.delenv("CONTRACTGEN_NO_CACHE", raising=False)
    monkeypatch.setenv("CONTRACTGEN_CACHE_DIR", str(tmp_path / "cache"))
    fresh(monkeypatch)
    return root


def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a new process: nothing in memory, the counters at zero."""
    monkeypatch.setattr(validate, "_LOADED", {})
    monkeypatch.setattr(cache, "stats", {"hit": 0, "miss": 0, "write": 0})
    monkeypatch.setattr(cache, "_fingerprint", None)
    monkeypatch.setattr(cache, "_disabled", False)


def never_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make parsing a base or applying an overlay fail: what follows must come from the cache."""

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("loaded again although the cache holds it")

    monkeypatch.setattr(validate, "_load", refuse)
    monkeypatch.setattr(overlay, "apply_overlay", refuse)


def entries(project: Path) -> list[Path]:
    return sorted((project.parent / "cache").glob("*.pickle"))


def test_an_unchanged_source_is_not_loaded_or_checked_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = overlay.resolve_chain(Path(OVERLAY))
    checked = api.validate_paths([Path(OVERLAY), Path(CHILD), Path("national_contract/fostering/2026.2")])
    assert cache.stats["hit"] == 1 and cache.stats["write"] >= 5  # the chain resolved just before
    assert not checked.errors
    fresh(monkeypatch)
    never_again(monkeypatch)
    again = overlay.resolve_chain(Path(OVERLAY))
    assert again.contract == first.contract and again.base == first.base
    assert [ov.id for ov, _ in again.steps] == [ov.id for ov, _ in first.steps]
    rechecked = api.validate_paths([Path(OVERLAY), Path(CHILD), Path("national_contract/fostering/2026.2")])
    assert (rechecked.errors, rechecked.warnings) == (checked.errors, checked.warnings)
    assert cache.stats["miss"] == 0 and cache.stats["hit"] == 4


def words(resolved: overlay.Resolved, word: str) -> int:
    return sum((c.text or "").count(word) for _, c in resolved.base.walk())


@pytest.mark.parametrize("where", ["base", "overlay", "parent"])
def test_any_changed_byte_is_a_miss(where: str, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = Path(CHILD if where == "parent" else OVERLAY)
    first = overlay.resolve_chain(target)
    path = project / {"base": "national_contract/fostering/2026.2/terms.yaml", "overlay": OVERLAY,
                      "parent": "variations/london-model.yaml"}[where]
    if where == "base":
        target = Path(OVERLAY)
        before, after = " shall ", " must "  # one word of one clause
    else:
        before, after = "rationale: >-\n      ", "rationale: >-\n      Q"  # one byte more
    text = path.read_text(encoding="utf-8")
    assert before in text
    path.write_text(text.replace(before, after, 1), encoding="utf-8")
    fresh(monkeypatch)
    got = overlay.resolve_chain(target)
    assert cache.stats["miss"] >= 1  # the chain; its base too when the change is there
    assert cache.stats["hit"] == (0 if where == "base" else 1)  # an unchanged base still comes from the cache
    if where == "base":
        assert words(got, " must ") == words(first, " must ") + 1
    else:
        changed = [v for ov, _ in got.steps for v in ov.variations if v.rationale.startswith("Q")]
        assert len(changed) == 1, "the edited rationale is read"


def test_another_version_of_contractgen_is_a_miss(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overlay.resolve_chain(Path(OVERLAY))
    old = cache.fingerprint()
    fresh(monkeypatch)
    monkeypatch.setattr(contractgen, "__version__", "99.0.0")
    assert cache.fingerprint() != old
    overlay.resolve_chain(Path(OVERLAY))
    assert cache.stats["hit"] == 0 and cache.stats["miss"] >= 1


def test_a_corrupt_or_truncated_entry_is_ignored_and_rewritten(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = overlay.resolve_chain(Path(OVERLAY)).contract
    found = entries(project)
    assert found
    for i, p in enumerate(found):
        data = p.read_bytes()
        p.write_bytes(data[: len(data) // 2] if i % 2 else b"not a cache entry")
    fresh(monkeypatch)
    assert overlay.resolve_chain(Path(OVERLAY)).contract == want
    assert cache.stats["hit"] == 0 and cache.stats["write"] >= 1
    fresh(monkeypatch)
    never_again(monkeypatch)
    assert overlay.resolve_chain(Path(OVERLAY)).contract == want


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_cache_folder_others_can_write_is_not_used(project: Path) -> None:
    folder = project.parent / "cache"
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)  # anyone could plant a pickle here
    overlay.resolve_chain(Path(OVERLAY))
    assert cache.stats["write"] == 0 and entries(project) == []
    folder.chmod(0o700)
    overlay.resolve_chain(Path(OVERLAY))
    assert cache.stats["write"] >= 1
    folder.chmod(0o777)
    validate._LOADED.clear()
    before = cache.stats["hit"]
    overlay.resolve_chain(Path(OVERLAY))
    assert cache.stats["hit"] == before  # present, but not read from a folder others can write


def test_no_cache_neither_reads_nor_writes(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTRACTGEN_NO_CACHE", "1")
    overlay.resolve_chain(Path(OVERLAY))
    assert cache.stats == {"hit": 0, "miss": 0, "write": 0} and not (project.parent / "cache").exists()


def test_two_processes_filling_the_cache_at_once(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CONTRACTGEN_NO_CACHE": "0"}
    procs = [subprocess.Popen([sys.executable, "-m", "contractgen", "validate"], cwd=project, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    assert outs[0] == outs[1]
    assert not list((project.parent / "cache").glob(".tmp-*")), "a temporary file was left behind"
    # every entry either process left is whole: a run in this process finds everything there
    fresh(monkeypatch)
    never_again(monkeypatch)
    result = api.validate_paths()
    assert not result.errors
    assert cache.stats["miss"] == 0 and cache.stats["hit"] == len(result.checked)


def test_outputs_are_byte_identical_with_a_cold_cache_a_warm_one_and_none(project: Path, tmp_path: Path) -> None:
    env = {"CONTRACTGEN_NO_CACHE": "0"}
    runs = {}
    for run in ("none", "cold", "warm"):
        out = tmp_path / run
        out.mkdir()
        flag = ["--no-cache"] if run == "none" else []
        for args in (["build", OVERLAY, "-o", str(out / "c.docx")],
                     ["redline", CHILD, "-o", str(out / "r.docx"), "--html", str(out / "r.html")],
                     ["validate", "--strict"]):
            r = run_cli(*flag, *args, cwd=project, env=env)
            assert r.returncode == 0, r.stderr
        if run == "none":
            assert not (tmp_path / "cache").exists(), "--no-cache wrote the cache"
        runs[run] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert entries(project)
    assert runs["none"] == runs["cold"] == runs["warm"]


def test_an_input_read_from_the_cache_is_still_never_overwritten(project: Path) -> None:
    env = {"CONTRACTGEN_NO_CACHE": "0"}
    base_file = project / "national_contract/fostering/2026.2/contract.yaml"
    before = base_file.read_bytes()
    assert run_cli("validate", OVERLAY, cwd=project, env=env).returncode == 0  # fills the cache
    r = run_cli("build", OVERLAY, "-o", str(base_file), cwd=project, env=env)
    assert r.returncode == 1 and "is an input of this run" in r.stderr
    assert base_file.read_bytes() == before


def test_warnings_come_back_from_the_cache_and_strict_still_refuses(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project / OVERLAY
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"rationale: >-\n(?:      .*\n)+", "rationale: TODO\n", text, count=1),
                    encoding="utf-8")  # a warning, not an error
    first = api.validate_paths([Path(OVERLAY)])
    assert not first.errors and any("TODO" in w.message for w in first.warnings)
    fresh(monkeypatch)
    never_again(monkeypatch)
    again = api.validate_paths([Path(OVERLAY)])
    assert [w.render() for w in again.warnings] == [w.render() for w in first.warnings]
    r = run_cli("validate", "--strict", OVERLAY, cwd=project, env={"CONTRACTGEN_NO_CACHE": "0"})
    assert r.returncode == 1 and "TODO" in r.stderr


def test_a_private_cache_folder_is_made_private(project: Path) -> None:
    overlay.resolve_chain(Path(OVERLAY))
    mode = stat.S_IMODE((project.parent / "cache").stat().st_mode)
    assert os.name != "posix" or mode & 0o077 == 0, oct(mode)
