"""Every shipped overlay: it builds, pandoc reads it as the model's text, LibreOffice converts it,
and its schedule of variations has one row per declared variation."""

from __future__ import annotations

import difflib
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, convert_with_libreoffice, without_parties_and_execution
from contractgen.api import build_docx
from contractgen.numbering import number_contract
from contractgen.overlay import derived_variations, resolve_chain
from contractgen.render.text import body_text
from contractgen.render.variations import render_schedule
from docxread import W, pandoc_paragraphs

OVERLAYS = sorted((ROOT / "variations").glob("*.yaml"))
IDS = [p.stem for p in OVERLAYS]


@pytest.fixture(scope="session")
def overlay_docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    out = tmp_path_factory.mktemp("overlays")
    docs = {}
    for path in OVERLAYS:
        resolved = resolve_chain(path)
        contract = out / f"{path.stem}.docx"
        schedule = out / f"{path.stem}-variations.docx"
        contract.write_bytes(build_docx(resolved.contract))
        schedule.write_bytes(render_schedule(resolved.parent, resolved.contract, resolved.overlay,
                                             derived_variations(resolved.parent, resolved.overlay)))
        docs[path.stem] = (contract, schedule)
    return docs


def test_there_is_an_overlay_for_every_consortium_of_the_sources() -> None:
    assert len(OVERLAYS) >= 33, IDS


@pytest.mark.parametrize("ident", IDS)
def test_overlay_declares_particulars_and_reasons(ident: str) -> None:
    resolved = resolve_chain(ROOT / "variations" / f"{ident}.yaml")
    ov = resolved.overlay
    assert len(ov.variations) >= 4, f"{ident}: only {len(ov.variations)} variations"
    assert ov.consortium["name"] and ov.consortium["arrangement"]
    for v in ov.variations:
        assert len(v.rationale.split()) >= 5, f"{ident}/{v.id}: rationale too thin"


@pytest.mark.parametrize("ident", IDS)
def test_pandoc_reads_the_consolidated_contract_as_the_model_text(ident: str, overlay_docs, pandoc: str) -> None:
    contract_doc, _ = overlay_docs[ident]
    numbered = number_contract(resolve_chain(ROOT / "variations" / f"{ident}.yaml").contract)
    got = pandoc_paragraphs(contract_doc)
    toc = len(numbered.parts[0].nodes) + len(numbered.parts) - 1
    got = without_parties_and_execution(got[got.index("Contents") + 1 + toc:], numbered)
    want = body_text(numbered)
    if got != want:
        diff = "\n".join(difflib.unified_diff(want, got, "model", "pandoc", lineterm="", n=1))
        pytest.fail(diff[:4000])


@pytest.mark.parametrize("ident", IDS)
def test_schedule_of_variations_has_one_row_per_variation(ident: str, overlay_docs, pandoc: str) -> None:
    _, schedule = overlay_docs[ident]
    ov = resolve_chain(ROOT / "variations" / f"{ident}.yaml").overlay
    from lxml import etree

    with zipfile.ZipFile(schedule) as z:
        doc = etree.fromstring(z.read("word/document.xml"))
    tables = doc.findall(f".//{{{W}}}tbl")
    rows = tables[-1].findall(f"{{{W}}}tr")
    assert len(rows) - 1 == len(ov.variations)
    text = "\n".join(pandoc_paragraphs(schedule))
    for v in ov.variations:
        assert " ".join(v.rationale.split()) in text


def test_libreoffice_converts_every_contract_and_schedule(overlay_docs, soffice: str, tmp_path: Path) -> None:
    docs = [p for pair in overlay_docs.values() for p in pair]
    pdfs = convert_with_libreoffice(soffice, docs, tmp_path)
    for doc in docs:
        pdf = pdfs[doc.stem]
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), doc.name


# --- redlines of every shipped overlay --------------------------------------------------------

from contractgen import api  # noqa: E402
from docxread import count_revisions, lint_revisions  # noqa: E402
from test_redline import assert_law  # noqa: E402


@pytest.fixture(scope="session")
def redlines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[api.Redline, Path]]:
    out = tmp_path_factory.mktemp("redlines")
    reds = {}
    for path in OVERLAYS:
        red = api.redline(path)
        doc = out / f"{path.stem}-redline.docx"
        doc.write_bytes(red.docx)
        (out / f"{path.stem}-redline.html").write_text(red.html or "", encoding="utf-8")
        reds[path.stem] = (red, doc)
    return reds


@pytest.mark.parametrize("ident", IDS)
def test_redline_obeys_the_law_for_every_overlay(ident: str, redlines, pandoc: str) -> None:
    red, doc = redlines[ident]
    assert red.changes > 0
    assert not red.unexplained, [o.item.key for o in red.unexplained]
    assert_law(red, doc)


@pytest.mark.parametrize("ident", IDS)
def test_redline_follows_the_ooxml_rules(ident: str, redlines) -> None:
    red, doc = redlines[ident]
    assert lint_revisions(doc) == []
    assert count_revisions(doc) == red.changes


def test_libreoffice_opens_and_converts_every_redline(redlines, soffice: str, tmp_path: Path) -> None:
    docs = [doc for _, doc in redlines.values()]
    pdfs = convert_with_libreoffice(soffice, docs, tmp_path)
    for doc in docs:
        assert pdfs[doc.stem].is_file() and pdfs[doc.stem].read_bytes().startswith(b"%PDF"), doc.name


@pytest.mark.parametrize("name", ["fostering", "residential"])
def test_a_base_against_itself_has_no_tracked_change(name: str, tmp_path: Path) -> None:
    red = api.diff(f"national_contract/{name}", f"national_contract/{name}")
    path = tmp_path / "self.docx"
    path.write_bytes(red.docx)
    assert red.changes == 0 and count_revisions(path) == 0
