"""The Word output, read back by independent readers: pandoc, LibreOffice, and numbering.xml."""

from __future__ import annotations

import difflib
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from contractgen.api import build_docx, open_source
from contractgen.numbering import number_contract
from contractgen.render.text import body_text
from docxread import bookmarked_paragraphs, pandoc_paragraphs, part, q, ref_fields, word_numbers
from conftest import CONTRACTS, ROOT, require, run_cli, without_parties_and_execution

MINI = ROOT / "tests" / "data" / "mini"


def _model(name: str):
    src = MINI if name == "mini" else ROOT / "national_contract" / name
    return number_contract(open_source(src))


class _Docs(dict):
    """Built documents by name, built on first use (mini in-process, shipped ones by the CLI)."""

    def __init__(self, request: pytest.FixtureRequest, folder: Path) -> None:
        super().__init__()
        self.request = request
        self.folder = folder

    def __missing__(self, name: str) -> Path:
        if name == "mini":
            path = self.folder / "mini.docx"
            path.write_bytes(build_docx(open_source(MINI)))
        else:
            path = self.request.getfixturevalue("built")[name]
        self[name] = path
        return path


@pytest.fixture(scope="session")
def docs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _Docs(request, tmp_path_factory.mktemp("docs"))


NAMES = ["mini", *CONTRACTS]


def _body_after_toc(paragraphs: list[str], toc_entries: int) -> list[str]:
    start = paragraphs.index("Contents") + 1 + toc_entries
    return paragraphs[start:]


@pytest.mark.parametrize("name", NAMES)
def test_pandoc_reads_the_model_text_clause_by_clause(name: str, docs: dict[str, Path], pandoc: str) -> None:
    numbered = _model(name)
    toc_entries = len(numbered.parts[0].nodes) + len(numbered.parts) - 1
    got = without_parties_and_execution(_body_after_toc(pandoc_paragraphs(docs[name]), toc_entries), numbered)
    want = body_text(numbered)
    if got != want:
        diff = "\n".join(difflib.unified_diff(want, got, "model", "pandoc", lineterm="", n=1))
        pytest.fail(f"pandoc's text differs from the model's:\n{diff[:6000]}")


def test_libreoffice_converts_each_contract_to_pdf(libreoffice_pdfs: dict[str, Path]) -> None:
    for name in CONTRACTS:
        pdf = libreoffice_pdfs[name]
        assert pdf.is_file(), f"LibreOffice wrote no PDF for {name}"
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF")
        pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
        assert pages >= 20, f"{name}: only {pages} pages"


def test_libreoffice_pdf_shows_numbers_and_references(libreoffice_pdfs: dict[str, Path]) -> None:
    pdftotext = require("pdftotext")  # skips only outside CI
    for name in CONTRACTS:
        text = subprocess.run([pdftotext, "-layout", str(libreoffice_pdfs[name]), "-"],
                              capture_output=True, text=True, check=True).stdout
        numbered = _model(name)
        sched = [p for p in numbered.parts if p.part.kind == "schedule"][-1]
        assert f"{sched.label}" in text
        # A cross-reference's cached number is what LibreOffice shows.
        assert re.search(r"clause \d+\.\d+", text), "no 'clause N.N' cross-reference visible"
        assert "Page 2 of" in text


@pytest.mark.parametrize("name", NAMES)
def test_every_ref_field_points_at_a_bookmark_and_shows_its_number(name: str, docs: dict[str, Path]) -> None:
    path = docs[name]
    refs = ref_fields(path)
    assert refs, "no REF fields"
    bookmarks = bookmarked_paragraphs(path)
    numbers = word_numbers(path)
    for bookmark, cached in refs:
        assert bookmark in bookmarks, f"REF to missing bookmark {bookmark}"
        para = bookmarks[bookmark]
        assert para in numbers, f"bookmark {bookmark} is on an unnumbered paragraph"
        assert cached == numbers[para][1], f"REF {bookmark}: cached {cached!r}, Word computes {numbers[para][1]!r}"


@pytest.mark.parametrize("name", NAMES)
def test_numbers_come_from_word_numbering_not_typed_digits(name: str, docs: dict[str, Path]) -> None:
    numbered = _model(name)
    numbers = word_numbers(docs[name])
    bookmarks = bookmarked_paragraphs(docs[name])
    from contractgen.render.oxml import bookmark_name

    checked = 0
    paragraphs = list(part(docs[name]).find(q("body")).iter(q("p")))
    for part_, node in numbered.walk():
        para = bookmarks[bookmark_name(node.clause.id)]
        assert numbers[para] == (node.number, node.full), node.clause.id
        text = "".join(t.text or "" for t in paragraphs[para].iter(q("t")))
        assert not text.startswith(node.number + " "), f"typed number in {text[:40]!r}"
        checked += 1
    assert checked == sum(1 for _ in numbered.walk())


def test_schedules_are_numbered_within_themselves(docs: dict[str, Path]) -> None:
    numbered = _model("fostering")
    for p in numbered.parts[1:]:
        assert p.nodes[0].number == "1"
        assert p.label == f"Schedule {p.index}"
    nums = part(docs["fostering"], "word/numbering.xml")
    texts = [e.get(q("val")) for e in nums.iter(q("lvlText"))]
    assert "Schedule %1" in texts and "%1.%2.%3" in texts and "(%4)" in texts


@pytest.mark.parametrize("name", NAMES)
def test_toc_title_page_header_footer_and_properties(name: str, docs: dict[str, Path]) -> None:
    path = docs[name]
    numbered = _model(name)
    c = numbered.contract
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        document = z.read("word/document.xml").decode()
        headers = "".join(z.read(n).decode() for n in names if n.startswith("word/header"))
        footers = "".join(z.read(n).decode() for n in names if n.startswith("word/footer"))
        core = z.read("docProps/core.xml").decode()
        settings = z.read("word/settings.xml").decode()
    assert "{{" not in document + headers + footers and "{%" not in document
    assert 'TOC \\o "1-1"' in document
    assert c.title in document.replace("&amp;", "&")
    assert c.short_title in headers.replace("&amp;", "&") and f"Version {c.version}" in headers
    assert " PAGE " in footers and " NUMPAGES " in footers
    assert f"<dc:title>{c.title}</dc:title>".replace("&", "&amp;") in core
    assert f"<cp:version>{c.version}</cp:version>" in core
    assert c.date.isoformat() in core
    assert "w:updateFields" in settings
    # defined terms are bold where defined
    doc = part(path)
    bold_terms = set()
    for p in doc.iter(q("p")):
        style = p.find(f"{q('pPr')}/{q('pStyle')}")
        if style is not None and style.get(q("val")) == "Definition":
            first = p.find(q("r"))
            assert first.find(f"{q('rPr')}/{q('b')}") is not None
            bold_terms.add(first.find(q("t")).text)
    assert bold_terms == {t.term for t in c.terms}


@pytest.mark.parametrize("name", NAMES)
def test_building_twice_gives_identical_bytes(name: str, docs: dict[str, Path], tmp_path: Path) -> None:
    src = MINI if name == "mini" else ROOT / "national_contract" / name
    again = tmp_path / "again.docx"
    r = run_cli("build", str(src), "-o", str(again))
    assert r.returncode == 0, r.stderr
    assert again.read_bytes() == docs[name].read_bytes()


def test_source_date_epoch_sets_the_zip_timestamps(tmp_path: Path) -> None:
    out = tmp_path / "m.docx"
    r = run_cli("build", str(MINI), "-o", str(out), env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(out) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 1, 1, 0, 0, 0)}
        assert "2026-01-01T00:00:00Z" in z.read("docProps/core.xml").decode()
    default = tmp_path / "d.docx"
    run_cli("build", str(MINI), "-o", str(default))
    with zipfile.ZipFile(default) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 1, 15, 0, 0, 0)}
