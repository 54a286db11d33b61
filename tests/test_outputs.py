"""An output path never destroys an input or a file that is not a regular file; every refusal of
the operating system is a user's error naming the path (exit 1), never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from faults import REFUSE, script

OVERLAY = "variations/peninsula-cost-volume.yaml"


def _clean(r: subprocess.CompletedProcess[str]) -> None:
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr


def test_a_fifo_as_output_is_refused_and_left_alone(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.docx"
    os.mkfifo(fifo)
    r = run_cli("build", "national_contract/fostering", "-o", str(fifo))
    _clean(r)
    assert "exists and is not a regular file" in r.stderr
    assert fifo.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.docx"]


def test_a_hard_link_to_an_input_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "p"
    for name in ("national_contract", "variations"):
        shutil.copytree(ROOT / name, project / name)
    overlay = project / OVERLAY
    link = project / "out" / "contract.docx"
    link.parent.mkdir()
    os.link(overlay, link)
    before = overlay.read_bytes()
    r = run_cli("build", OVERLAY, "-o", "out/contract.docx", cwd=project)
    _clean(r)
    assert "is an input of this run (variations/peninsula-cost-volume.yaml)" in r.stderr
    assert overlay.read_bytes() == before


def test_a_symbolic_link_as_output_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "real.docx"
    target.write_bytes(b"mine")
    link = tmp_path / "link.docx"
    link.symlink_to(target)
    r = run_cli("build", "national_contract/fostering", "-o", str(link))
    _clean(r)
    assert "is a symbolic link" in r.stderr
    assert link.is_symlink() and target.read_bytes() == b"mine"


def test_a_loop_of_symbolic_links_among_overlays_is_a_users_error(tmp_path: Path) -> None:
    project = tmp_path / "p"
    for name in ("national_contract",):
        shutil.copytree(ROOT / name, project / name)
    (project / "variations").mkdir()
    (project / "variations" / "a.yaml").symlink_to("b.yaml")
    (project / "variations" / "b.yaml").symlink_to("a.yaml")
    r = run_cli("build", "variations/a.yaml", "-o", "out.docx", cwd=project)
    _clean(r)
    assert r.stderr.startswith("variations/a.yaml:1:1: cannot read the file: Too many levels of symbolic links")
    assert not (project / "out.docx").exists()


FAIL_WRITES = script(REFUSE)


@pytest.mark.parametrize(("code", "reason", "fix"), [
    ("ENOSPC", "No space left on device", "free some space on that disk"),
    ("EROFS", "Read-only file system", "that disk is read-only"),
    ("EACCES", "Permission denied", "choose a folder you can write to"),
])
def test_the_disk_refusing_a_write_is_a_users_error_and_leaves_nothing(tmp_path: Path, code: str, reason: str,
                                                                      fix: str) -> None:
    out = tmp_path / "fostering.docx"
    r = subprocess.run([sys.executable, "-c", FAIL_WRITES, code, "build", "national_contract/fostering", "-o", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    _clean(r)
    assert f"{out}: cannot write: {reason} ({fix}" in r.stderr
    assert list(tmp_path.iterdir()) == [], "a temporary file was left behind"


def test_an_existing_output_is_replaced_whole(tmp_path: Path) -> None:
    """The ordinary case still works: rebuilding over the previous output replaces it."""
    out = tmp_path / "fostering.docx"
    out.write_bytes(b"an older build")
    r = run_cli("build", "national_contract/fostering", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:2] == b"PK"
