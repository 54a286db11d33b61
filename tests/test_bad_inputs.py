"""The bad-input corpus (tests/bad_inputs/<case>/): every mistake a commissioner or editor can make
ends in its exact message, location first and fix last, with the right exit code, no traceback,
and no output file left behind. Refresh the expected messages with UPDATE_GOLDENS=1 and review them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli

CORPUS = ROOT / "tests" / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.yaml").is_file())
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"


def make_project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "tests" / "data" / "mini", tmp_path / "national_contract" / "mini")
    # a commissioner's copy of the shipped templates, for cases that edit one (`--templates templates`)
    shutil.copytree(ROOT / "contractgen" / "templates", tmp_path / "templates")
    (tmp_path / "variations").mkdir()
    return tmp_path


def apply(project: Path, edit: dict) -> None:
    path = project / edit["file"]
    if edit.get("delete"):
        path.unlink()
    elif "content" in edit:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(edit["content"], encoding="utf-8", newline="")
    elif "append" in edit:
        with path.open("a", encoding="utf-8", newline="") as fh:
            fh.write(edit["append"])
    elif "append_repeat" in edit:
        rep = edit["append_repeat"]
        with path.open("a", encoding="utf-8", newline="") as fh:
            fh.write(rep["text"] * rep["times"])
    elif "replace_hex" in edit:
        data = path.read_bytes()
        assert edit["find"].encode() in data
        path.write_bytes(data.replace(edit["find"].encode(), bytes.fromhex(edit["replace_hex"]), 1))
    elif "docx_append" in edit:
        from docx import Document

        doc = Document(str(path))
        doc.add_paragraph(edit["docx_append"])
        doc.save(str(path))
    else:
        text = path.read_text(encoding="utf-8")
        assert edit["find"] in text, f"{edit['find']!r} not in {edit['file']}"
        path.write_text(text.replace(edit["find"], edit["replace"], 1), encoding="utf-8", newline="")


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name: str, tmp_path: Path) -> None:
    spec = yaml.safe_load((CORPUS / name / "case.yaml").read_text(encoding="utf-8"))
    project = make_project(tmp_path)
    for edit in spec["edits"]:
        apply(project, edit)
    if spec.get("pin_first"):
        run_cli("pin", spec["pin_first"], cwd=project)
    before = {p for p in project.rglob("*")}
    r = run_cli(*spec["cmd"], cwd=project)
    assert r.returncode == spec["exit"], (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    golden = CORPUS / name / "expected.txt"
    got = r.stderr
    if UPDATE or not golden.exists():
        golden.write_text(got, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"no expected message for {name}: wrote {golden}, review it")
    assert got == golden.read_text(encoding="utf-8")
    lines = [ln for ln in got.splitlines() if ln and not ln.endswith("problems found.") and not ln.endswith("problem found.")]
    assert lines, "a message is expected"
    for ln in lines:
        if ln.startswith("error: "):
            continue
        head = ln.split(": ", 1)[0]
        assert head.count(":") >= 2 or head.startswith(("variations/", "national_contract/", "templates/")), ln
    if spec["exit"] != 0:
        created = {p for p in project.rglob("*")} - before
        leftovers = [p for p in created if p.is_file() or (p.is_dir() and any(p.iterdir()))]
        assert not leftovers, f"output left behind: {sorted(map(str, leftovers))}"
