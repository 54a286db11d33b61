"""The pack's individual placement agreement (04-…) is the framework agreement's IPA schedule, as
varied, with its numbers, as a fillable form: read back by pandoc, numbering.xml, openxml-audit and
LibreOffice."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, convert_with_libreoffice, require
from docxread import NS, bookmarked_paragraphs, part, q, word_numbers

from contractgen.numbering import number_contract
from contractgen.overlay import resolve_chain
from contractgen.render.oxml import PLACEHOLDER, bookmark_name

OVERLAYS = {"south-central-fostering": "Schedule 4", "greater-manchester-residential": "Schedule 5"}
FORM = "04-individual-placement-agreement.docx"
AGREEMENT = "03-framework-agreement.docx"


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build each overlay's pack once; return {overlay: its folder}, the form and agreement written."""
    from contractgen.pack import build_pack

    out = tmp_path_factory.mktemp("ipa")
    folders = {}
    for name in OVERLAYS:
        _, files = build_pack(ROOT / "variations" / f"{name}.yaml", epoch=0)
        folder = out / name
        folder.mkdir()
        for fname in (FORM, AGREEMENT):
            (folder / fname).write_bytes(files[fname])
        folders[name] = folder
    return folders


def _ipa(name: str):
    numbered = number_contract(resolve_chain(ROOT / "variations" / f"{name}.yaml").contract)
    return numbered, next(p for p in numbered.parts if p.part.id == "sch.ipa")


def _plain(path: Path) -> list[str]:
    out = subprocess.run(["pandoc", "-t", "plain", "--wrap=none", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("name", OVERLAYS)
def test_precedence_paragraph_is_the_framework_agreements(name: str, packs: dict[str, Path], pandoc: str) -> None:
    numbered, ipa = _ipa(name)
    node = next(n for n in ipa.walk() if n.clause.id.endswith(".precedence"))
    text = numbered.inline(node.clause.text)
    form, agreement = packs[name] / FORM, packs[name] / AGREEMENT
    in_form = [line for line in _plain(form) if text in line]
    in_agreement = [line for line in _plain(agreement) if text in line]
    assert len(in_form) == 1 and in_form == in_agreement, (in_form, in_agreement)
    # the same number, as Word computes it from each document's numbering.xml
    mark = bookmark_name(node.clause.id)
    got = {}
    for path in (form, agreement):
        got[path.name] = word_numbers(path)[bookmarked_paragraphs(path)[mark]]
    assert got[FORM] == got[AGREEMENT] == (node.number, node.full), got
    title = bookmarked_paragraphs(form)[bookmark_name("sch.ipa")]
    assert word_numbers(form)[title][0] == OVERLAYS[name] == ipa.label


@pytest.mark.parametrize("name", OVERLAYS)
def test_the_form_is_the_schedule_and_nothing_contradicts_it(name: str, packs: dict[str, Path], pandoc: str) -> None:
    lines = _plain(packs[name] / FORM)
    numbered, ipa = _ipa(name)
    consortium = resolve_chain(ROOT / "variations" / f"{name}.yaml").overlay.consortium["name"]
    body = part(packs[name] / FORM).find(q("body"))
    title_page = ["".join(t.text or "" for t in p.iter(q("t"))) for p in body.findall("w:p", NS)[:2]]
    assert title_page == ["Individual Placement Agreement", consortium]  # pandoc keeps these as metadata
    intro = " ".join(lines[lines.index("How to use this form") + 1:lines.index("Individual Placement Agreement")])
    assert f"This form is {ipa.label} of the framework agreement in this pack" in intro
    assert "one form for each Child" in intro and "grey are for completion" in intro
    for word in ("prevail", "precedence", "fee", "Fee"):
        assert word not in intro, word
    assert not any("this agreement prevails for this Placement only" in line for line in lines), "the old wording"
    for node in ipa.walk():
        if node.level == 1:
            heading = numbered.inline(node.clause.heading)
            assert any(line.endswith(heading) for line in lines), node.clause.id  # after pandoc's list marker


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_empty_cell_is_a_content_control(name: str, packs: dict[str, Path]) -> None:
    _, ipa = _ipa(name)
    empty = sum(not cell.strip() for n in ipa.walk() if n.clause.table for row in n.clause.table.rows for cell in row)
    assert empty > 20
    doc = part(packs[name] / FORM)
    sdts = list(doc.iter(q("sdt")))
    assert len(sdts) == empty
    tags = [s.find("w:sdtPr/w:tag", NS).get(q("val")) for s in sdts]
    assert len(set(tags)) == len(tags) and all(t.startswith("ipa.") for t in tags)
    for sdt in sdts:
        p = sdt.getparent()
        assert p.tag == q("p") and p.getparent().tag == q("tc"), "a run-level control in a table cell"
        pr = sdt.find("w:sdtPr", NS)
        assert [c.tag.rsplit("}", 1)[1] for c in pr] == ["alias", "tag", "showingPlcHdr", "text"]
        assert pr.find("w:alias", NS).get(q("val"))
        run = sdt.find("w:sdtContent/w:r", NS)
        assert run.findtext("w:t", namespaces=NS) == PLACEHOLDER
        assert run.find("w:rPr/w:color", NS).get(q("val")) == "808080"
    # the framework agreement's own schedule is not a form: its only controls are the execution page's
    agreement = part(packs[name] / AGREEMENT)
    assert all(t.get(q("val")).startswith(("execution.", "parties.")) for t in agreement.iter(q("tag")))


def test_the_form_is_deterministic() -> None:
    from contractgen.pack import ipa_form, pack_context

    resolved = resolve_chain(ROOT / "variations" / "south-central-fostering.yaml")
    numbered = number_contract(resolved.contract)
    ctx = pack_context(resolved)
    assert ipa_form(resolved, numbered, ctx, 0) == ipa_form(resolved, numbered, ctx, 0)


def test_openxml_audit_finds_nothing(packs: dict[str, Path]) -> None:
    from openxml_audit import AppPrediction, OpenXmlValidator, predict

    problems = []
    for folder in packs.values():
        result = OpenXmlValidator(max_errors=0).validate(folder / FORM)
        problems += [f"{folder.name}: {e.part_uri} {e.path}: {e.description}" for e in result.errors]
        if predict(result).prediction is not AppPrediction.OPENS_CLEAN:
            problems.append(f"{folder.name}: {predict(result).headline}")
    assert not problems, "\n".join(problems)


def test_libreoffice_converts_the_form(packs: dict[str, Path], soffice: str, tmp_path: Path) -> None:
    pdftotext = require("pdftotext")
    docs = []
    for name, folder in packs.items():
        src = tmp_path / f"{name}.docx"
        src.write_bytes((folder / FORM).read_bytes())
        docs.append(src)
    pdfs = convert_with_libreoffice(soffice, docs, tmp_path / "pdf")
    for name, label in OVERLAYS.items():
        text = subprocess.run([pdftotext, "-layout", str(pdfs[name]), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert label in text and PLACEHOLDER in text, name
        assert re.search(r"^\s*1\.2\s+\S", text, re.MULTILINE), name  # Word's number, as LibreOffice lays it out
