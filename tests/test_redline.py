"""Redlines: the law (accept all = varied, reject all = base) read by pandoc, granularity on
golden cases, the OOXML rules, LibreOffice, and the HTML in a real browser."""

from __future__ import annotations

import difflib
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from contractgen import api
from contractgen.numbering import number_contract
from contractgen.overlay import fill_pins
from contractgen.render.text import body_text
from docxread import count_revisions, lint_revisions, pandoc_paragraphs, revision_markup

MINI = ROOT / "tests" / "data" / "mini"
CASES = sorted(p.name for p in (ROOT / "tests" / "cases").iterdir() if (p / "overlay.yaml").is_file())
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"
MARKER = "The contract with the changes tracked"


def expected_texts(red: api.Redline) -> tuple[list[str], list[str]]:
    """Return (accept-all text, reject-all text): the varied contract, and the base with the
    varied contract's numbers in its references (renumbering is never a change)."""
    nb, nv = number_contract(red.base), number_contract(red.varied)
    labels = {**nb.labels, **{k: v for k, v in nv.labels.items() if k in nb.labels}}
    return body_text(nv), body_text(replace(nb, labels=labels))


def body_of(paragraphs: list[str]) -> list[str]:
    return paragraphs[paragraphs.index(MARKER) + 1:]


def assert_law(red: api.Redline, path: Path) -> None:
    want_accept, want_reject = expected_texts(red)
    for mode, want in (("accept", want_accept), ("reject", want_reject)):
        got = body_of(pandoc_paragraphs(path, track_changes=mode))
        if got != want:
            diff = "\n".join(difflib.unified_diff(want, got, "model", f"pandoc {mode}", lineterm="", n=1))
            pytest.fail(f"{path.name}: --track-changes={mode} differs:\n{diff[:5000]}")


def case_project(tmp_path: Path, name: str) -> Path:
    shutil.copytree(MINI, tmp_path / "national_contract" / "mini")
    (tmp_path / "variations").mkdir()
    overlay = tmp_path / "variations" / "case.yaml"
    shutil.copy(ROOT / "tests" / "cases" / name / "overlay.yaml", overlay)
    fill_pins(overlay)
    return overlay


@pytest.mark.parametrize("name", CASES)
def test_golden_case(name: str, tmp_path: Path, pandoc: str) -> None:
    overlay = case_project(tmp_path, name)
    red = api.redline(overlay)
    path = tmp_path / "red.docx"
    path.write_bytes(red.docx)
    assert not lint_revisions(path)
    assert not red.unexplained and not red.silent
    got = "\n".join(revision_markup(path)) + "\n"
    golden = ROOT / "tests" / "cases" / name / "expected.txt"
    if UPDATE or not golden.exists():
        golden.write_text(got, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"no golden for case {name}: wrote {golden}, review it (UPDATE_GOLDENS=1 refreshes)")
    want = golden.read_text(encoding="utf-8")
    assert got == want, "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(), "golden", "got", lineterm=""))
    assert_law(red, path)


def test_word_change_marks_whole_words_only(tmp_path: Path) -> None:
    red = api.redline(case_project(tmp_path, "word-change"))
    (tmp_path / "r.docx").write_bytes(red.docx)
    assert [m for m in revision_markup(tmp_path / "r.docx") if "{+" in m] == [
        m for m in revision_markup(tmp_path / "r.docx") if "{+and office +}" in m or "{+ and office+}" in m]
    assert count_revisions(tmp_path / "r.docx") == 1


def test_inserted_and_deleted_clauses_are_whole_paragraphs(tmp_path: Path) -> None:
    red = api.redline(case_project(tmp_path, "clause-insert"))
    (tmp_path / "i.docx").write_bytes(red.docx)
    assert any(m.startswith("¶+ {+Portal.") for m in revision_markup(tmp_path / "i.docx"))
    red = api.redline(case_project(tmp_path / "d", "clause-delete"))
    (tmp_path / "d.docx").write_bytes(red.docx)
    assert revision_markup(tmp_path / "d.docx") == ["¶- [-the period invoiced.-]"]


def test_a_move_is_a_move_not_delete_and_insert(tmp_path: Path) -> None:
    red = api.redline(case_project(tmp_path, "clause-move"))
    (tmp_path / "m.docx").write_bytes(red.docx)
    marks = revision_markup(tmp_path / "m.docx")
    assert any(m.startswith("¶> {>Insurance") for m in marks) and any(m.startswith("¶< [<Insurance") for m in marks)
    assert not any("{+" in m or "[-" in m for m in marks)


def test_renumbering_is_never_a_change(tmp_path: Path) -> None:
    red = api.redline(case_project(tmp_path, "renumbering"))
    path = tmp_path / "r.docx"
    path.write_bytes(red.docx)
    marks = revision_markup(path)
    # only the inserted clause is marked; the references that now read 3.x are not
    assert all(m.startswith("¶+") for m in marks), marks
    text = "\n".join(pandoc_paragraphs(path, track_changes="accept"))
    assert "subject to clause 3.2." in text and "as clause 3.1 allows" in text


def test_a_redline_of_a_source_against_itself_has_no_change(tmp_path: Path) -> None:
    red = api.diff(str(MINI), str(MINI))
    path = tmp_path / "self.docx"
    path.write_bytes(red.docx)
    assert count_revisions(path) == 0 and revision_markup(path) == []
    assert red.html is not None and "<ins" not in red.html.split("<main>")[1] and "<del" not in red.html.split("<main>")[1]


def test_redline_and_diff_through_the_cli(tmp_path: Path) -> None:
    overlay = case_project(tmp_path, "parameter")
    out, html = tmp_path / "out" / "r.docx", tmp_path / "out" / "r.html"
    r = run_cli("redline", str(overlay), "-o", str(out), "--html", str(html), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert out.is_file() and html.is_file()
    assert "1 variation" in r.stdout and "changes" in r.stdout
    d = run_cli("diff", str(tmp_path / "national_contract" / "mini"), str(overlay), "-o", str(tmp_path / "d.docx"),
                cwd=tmp_path)
    assert d.returncode == 0, d.stderr
    assert count_revisions(tmp_path / "d.docx") == count_revisions(out)


def test_against_parent_shows_only_the_childs_changes(tmp_path: Path, pandoc: str) -> None:
    child = ROOT / "variations" / "west-london-alliance.yaml"
    full = api.redline(child)
    own = api.redline(child, against="parent")
    assert own.base.ref.endswith("+london-model") and own.varied.ref.endswith("+west-london-alliance")
    assert own.changes > 0 and own.variations < full.variations  # the register lists only its own
    path = tmp_path / "own.docx"
    path.write_bytes(own.docx)
    assert not own.unexplained
    assert_law(own, path)
    r = run_cli("redline", str(ROOT / "variations" / "ne7-fostering.yaml"), "--against", "parent",
                "-o", str(tmp_path / "x.docx"))
    assert r.returncode == 1 and "extends no other overlay; use --against base" in r.stderr


def test_diff_between_two_consortia(tmp_path: Path, pandoc: str) -> None:
    out = tmp_path / "a-vs-b.docx"
    r = run_cli("diff", "variations/white-rose-fostering.yaml", "variations/ne7-fostering.yaml", "-o", str(out),
                "--html", str(tmp_path / "a-vs-b.html"))
    assert r.returncode == 0, r.stderr
    red = api.diff("variations/white-rose-fostering.yaml", "variations/ne7-fostering.yaml")
    assert red.changes > 0 and lint_revisions(out) == []
    assert_law(red, out)
    # a contract folder means its latest version, so naming that version explicitly changes nothing
    latest = sorted(p.name for p in (ROOT / "national_contract" / "fostering").iterdir()
                    if (p / "contract.yaml").is_file())[-1]
    assert run_cli("diff", f"fostering@{latest}", "national_contract/fostering", "-o", str(tmp_path / "s.docx")).returncode == 0
    assert count_revisions(tmp_path / "s.docx") == 0


def test_diff_between_two_national_versions(tmp_path: Path, pandoc: str) -> None:
    out = tmp_path / "revision.docx"
    r = run_cli("diff", "fostering@2026.1", "fostering@2026.2", "-o", str(out), "--html", str(tmp_path / "r.html"))
    assert r.returncode == 0, r.stderr
    red = api.diff("fostering@2026.1", "fostering@2026.2")
    assert red.changes > 0 and lint_revisions(out) == []
    assert_law(red, out)


def test_a_variation_that_changes_nothing_visible_is_reported(tmp_path: Path) -> None:
    overlay = case_project(tmp_path, "parameter")
    text = overlay.read_text().replace("value: 14", "value: 30")
    overlay.write_text(text)
    fill_pins(overlay)
    r = run_cli("redline", str(overlay), "-o", str(tmp_path / "r.docx"), cwd=tmp_path)
    assert r.returncode == 0
    assert "variation 'v1' changes nothing visible in this redline" in r.stderr and "[warning]" in r.stderr
    strict = run_cli("redline", str(overlay), "-o", str(tmp_path / "s.docx"), "--strict", cwd=tmp_path)
    assert strict.returncode == 1 and not (tmp_path / "s.docx").exists()
