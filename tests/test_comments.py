"""Each variation's reason stands beside its change in Word too: a comment (word/comments.xml)
anchored on the variation's first change, authored by the consortium, dated by the overlay; the
law still holds, and LibreOffice shows the comments."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, convert_with_libreoffice
from contractgen import api
from contractgen.overlay import resolve_chain
from docxread import NS, lint_revisions, part, q
from test_redline import assert_law, case_project

COMMENTS_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
COMMENTS_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CTNS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
SIMPLE = ROOT / "variations" / "white-rose-fostering.yaml"  # extends nothing
CHILD = ROOT / "variations" / "west-london-alliance.yaml"  # extends london-model


def write(red: api.Redline, path: Path) -> Path:
    path.write_bytes(red.docx)
    return path


def comments(path: Path) -> dict[str, etree._Element]:
    return {c.get(q("id")): c for c in part(path, "word/comments.xml").iterfind("w:comment", NS)}


def comment_text(c: etree._Element) -> list[str]:
    return ["".join(t.text or "" for t in p.iter(q("t"))) for p in c.iterfind("w:p", NS)]


def anchored_paragraph(body: etree._Element, name: str) -> etree._Element:
    bm = next(b for b in body.iter(q("bookmarkStart")) if b.get(q("name")) == name)
    return bm.getparent()


def starts_by_id(body: etree._Element) -> dict[str, etree._Element]:
    return {s.get(q("id")): s for s in body.iter(q("commentRangeStart"))}


def test_the_comments_part_is_declared(tmp_path: Path) -> None:
    path = write(api.redline(SIMPLE, with_html=False), tmp_path / "r.docx")
    with zipfile.ZipFile(path) as z:
        rels = etree.fromstring(z.read("word/_rels/document.xml.rels"))
        types = etree.fromstring(z.read("[Content_Types].xml"))
    rel = [r for r in rels.iter(f"{PR}Relationship") if r.get("Type") == COMMENTS_RT]
    assert [r.get("Target") for r in rel] == ["comments.xml"]
    over = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CTNS}Override")}
    assert over.get("/word/comments.xml") == COMMENTS_CT


def test_one_comment_per_changing_variation_on_its_first_change(tmp_path: Path) -> None:
    red = api.redline(SIMPLE, with_html=False)
    path = write(red, tmp_path / "r.docx")
    ov = resolve_chain(SIMPLE).overlay
    name = ov.consortium["name"]
    found = comments(path)
    body = part(path).find("w:body", NS)
    starts = starts_by_id(body)
    register = body.find("w:tbl", NS)
    linked = [h.get(q("anchor")) for h in register.iter(q("hyperlink"))]
    reasons = {tr.find(".//w:hyperlink", NS).get(q("anchor")): "".join(t.text or "" for t in tr[-1].iter(q("t")))
               for tr in register.iterfind("w:tr", NS) if tr.find(".//w:hyperlink", NS) is not None}
    assert linked and len(found) == len(linked), "one comment per variation that changes something"
    by_number = {}
    for cid, c in found.items():
        head = comment_text(c)[0]
        number = head.split(" · ", 1)[0]
        by_number[number] = (cid, c)
        assert c.get(q("author")) == name
        assert c.get(q("initials")) == "".join(w[0] for w in name.split() if w[0].isupper())
        assert c.get(q("date")) == f"{ov.effective.isoformat()}T00:00:00Z"
    for anchor in linked:
        n = anchor.removeprefix("_Var")
        cid, c = by_number[f"V{n}"]
        said = comment_text(c)[0].split(" — ", 1)[1]
        assert said and reasons[anchor].endswith(said), "the comment gives the row's reason"
        # the range starts in the paragraph of the variation's first change (its register link's
        # target), or, for a table, in the same table
        p = anchored_paragraph(body, anchor)
        start = starts[cid]
        tbl = next(p.iterancestors(q("tbl")), None)
        assert start.getparent() is p or (tbl is not None and tbl in list(start.iterancestors())), anchor
        # a sibling of the revisions, never inside one; the end and reference in the same paragraph
        assert etree.QName(start.getparent()).localname == "p"
        para = start.getparent()
        ends = [e for e in para.iter(q("commentRangeEnd")) if e.get(q("id")) == cid]
        refs = [r for r in para.iter(q("commentReference")) if r.get(q("id")) == cid]
        assert len(ends) == 1 and len(refs) == 1
        assert ends[0].getparent() is para
        ref_run = refs[0].getparent()
        assert ref_run.getprevious() is ends[0]
        assert ref_run.find("w:rPr/w:rStyle", NS).get(q("val")) == "CommentReference"


def test_comment_ids_are_unique_and_distinct_from_other_ids(tmp_path: Path) -> None:
    path = write(api.redline(CHILD, with_html=False), tmp_path / "r.docx")
    body = part(path).find("w:body", NS)
    cids = set(comments(path))
    other = [e.get(q("id")) for e in body.iter() if isinstance(e.tag, str)
             and etree.QName(e).localname in ("ins", "del", "moveFrom", "moveTo", "bookmarkStart",
                                              "moveFromRangeStart", "moveToRangeStart")]
    assert cids and not cids & set(other)
    for tag in ("commentRangeStart", "commentRangeEnd", "commentReference"):
        assert sorted(e.get(q("id")) for e in body.iter(q(tag))) == sorted(cids), tag
    assert lint_revisions(path) == []


def test_an_extending_overlays_comments_are_authored_by_the_consortium_that_gives_the_reason(tmp_path: Path) -> None:
    resolved = resolve_chain(CHILD)
    parent, child = (ov for ov, _ in resolved.steps)
    path = write(api.redline(CHILD, with_html=False), tmp_path / "r.docx")
    found = list(comments(path).values())
    authors = {c.get(q("author")) for c in found}
    assert authors == {parent.consortium["name"], child.consortium["name"]}
    parties = next(c for c in found if any("We are nine boroughs" in t for t in comment_text(c)))
    assert parties.get(q("author")) == child.consortium["name"]
    texts = comment_text(parties)
    assert texts[0].startswith("V") and " · terms — " in texts[0]
    # the parent's reason it overrides follows, marked superseded
    assert any(t.startswith("Superseded — london-model") and "41 authorities" in t for t in texts[1:])


def test_comments_keep_the_law_and_pandoc_reads_them_as_comments(tmp_path: Path, pandoc: str) -> None:
    red = api.redline(CHILD, with_html=False)
    path = write(red, tmp_path / "r.docx")
    assert_law(red, path)  # accept all / reject all: the texts, without the comments
    flat = subprocess.run([pandoc, "--track-changes=all", "-f", "docx", "-t", "json", str(path)],
                          capture_output=True, text=True, check=True).stdout
    assert flat.count('"comment-start"') == len(comments(path))


@pytest.mark.parametrize("case", ["clause-delete", "clause-insert", "clause-move", "table-cell", "parameter"])
def test_comments_on_whole_paragraph_and_table_changes(case: str, tmp_path: Path, pandoc: str) -> None:
    red = api.redline(case_project(tmp_path, case), with_html=False)
    path = write(red, tmp_path / "r.docx")
    assert len(comments(path)) == red.variations
    assert lint_revisions(path) == []
    assert_law(red, path)


def test_the_same_sources_give_the_same_bytes() -> None:
    assert api.redline(CHILD, with_html=False).docx == api.redline(CHILD, with_html=False).docx


def test_libreoffice_shows_the_comments(tmp_path: Path, soffice: str) -> None:
    red = api.redline(SIMPLE, with_html=False)
    path = write(red, tmp_path / "redline.docx")
    name = resolve_chain(SIMPLE).overlay.consortium["name"]
    odt = convert_with_libreoffice(soffice, [path], tmp_path, fmt="odt")["redline"]
    with zipfile.ZipFile(odt) as z:
        content = etree.fromstring(z.read("content.xml"))
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    dc = "http://purl.org/dc/elements/1.1/"
    notes = list(content.iter(f"{{{office}}}annotation"))
    assert len(notes) == len(comments(path))
    assert {n.findtext(f"{{{dc}}}creator") for n in notes} == {name}
    said = " ".join(" ".join("".join(n.itertext()).split()) for n in notes)
    row = next(v for v in resolve_chain(SIMPLE).overlay.variations if v.op in ("replace", "insert"))
    assert " ".join(row.rationale.split()) in said
