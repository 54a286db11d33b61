"""The same bytes from any working directory: no output names the folder it was run from.

Each document of an overlay (contract, schedule of variations, redline DOCX and HTML, the tender
pack and its zip) is built from the repository root with relative paths, from / with absolute
paths, and from a temporary folder with a ../../-style relative path, and must be identical."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

OVERLAY = ROOT / "variations" / "south-west-london.yaml"  # extends london-model: both are read
ENV = {"PYTHONPATH": str(ROOT)}  # the tree under test, whatever the working directory


def _outputs(cwd: Path, overlay: str, out: Path) -> dict[str, bytes]:
    """Build every output of `overlay` (as spelt from `cwd`) into `out`; return name → bytes."""
    out.mkdir(parents=True, exist_ok=True)
    runs = [
        ("build", overlay, "-o", str(out / "contract.docx"), "--schedule", str(out / "schedule.docx")),
        ("redline", overlay, "-o", str(out / "redline.docx"), "--html", str(out / "redline.html")),
        ("pack", overlay, "-o", str(out / "packs"), "--jobs", "1"),
    ]
    for args in runs:
        r = run_cli(*args, cwd=cwd, env=ENV)
        assert r.returncode == 0, (args, r.stderr)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def from_root(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _outputs(ROOT, OVERLAY.relative_to(ROOT).as_posix(), tmp_path_factory.mktemp("root"))


def test_from_the_root_with_absolute_paths(from_root: dict[str, bytes], tmp_path: Path) -> None:
    got = _outputs(Path("/"), str(OVERLAY), tmp_path / "out")
    assert sorted(got) == sorted(from_root)
    assert "packs/south-west-london.zip" in got and "schedule.docx" in got
    assert [n for n in got if got[n] != from_root[n]] == []


def test_from_another_folder_with_a_relative_path(from_root: dict[str, bytes], tmp_path: Path) -> None:
    cwd = tmp_path / "a" / "b"
    cwd.mkdir(parents=True)
    relative = os.path.relpath(OVERLAY, cwd)
    assert relative.startswith("..")
    got = _outputs(cwd, relative, tmp_path / "out")
    assert [n for n in got if got[n] != from_root[n]] == []


def test_the_schedule_names_the_overlay_from_the_project_root(from_root: dict[str, bytes], tmp_path: Path) -> None:
    from docx import Document

    (tmp_path / "s.docx").write_bytes(from_root["schedule.docx"])
    text = "\n".join(p.text for p in Document(str(tmp_path / "s.docx")).paragraphs)
    assert "declared in variations/south-west-london.yaml against" in text
    for name, data in from_root.items():
        assert str(ROOT).encode() not in data, name
