"""Lot specifications (02-specification-lot-*): per-lot facts, real Word numbering, whole-word names."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import etree

from conftest import ROOT, convert_with_libreoffice
from docxread import pandoc_paragraphs

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
OVERLAYS = sorted((ROOT / "variations").glob("*.yaml"))
TYPED_NUMBER = re.compile(r"^\s*(\d+(\.\d+)+\s|\d+\.?\t|\([a-z]+\)\s)")  # "1.2 ", "3\t", "(a) "


@pytest.fixture(scope="module")
def packs() -> dict[str, dict[str, bytes]]:
    from contractgen.pack import build_pack

    return {name: build_pack(ROOT / "variations" / f"{name}.yaml", epoch=0)[1]
            for name in ("south-central-fostering", "greater-manchester-residential")}


def specs(files: dict[str, bytes]) -> dict[int, tuple[str, bytes]]:
    out = {}
    for name, data in files.items():
        m = re.match(r"02-specification-lot-(\d+)-", name)
        if m:
            out[int(m[1])] = (name, data)
    return dict(sorted(out.items()))


def part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read(name))


def para_text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{{{W}}}t", f"{{{W}}}tab")
                   if t.tag.endswith("}t")) if p is not None else ""


def style_ids(data: bytes) -> dict[str, str]:
    styles = part(data, "word/styles.xml")
    return {s.find("w:name", NS).get(f"{{{W}}}val"): s.get(f"{{{W}}}styleId")
            for s in styles.findall("w:style", NS)}


def lot_section(data: bytes) -> str:
    """The text from "This lot" to where the specification proper begins (its numbered Schedule
    Title); the title page before it carries the tender's title, which names every service."""
    doc = part(data, "word/document.xml")
    title = style_ids(data).get("Schedule Title")
    out = []
    for p in doc.iter(f"{{{W}}}p"):
        st = p.find("w:pPr/w:pStyle", NS)
        if title and st is not None and st.get(f"{{{W}}}val") == title:
            break
        out.append(para_text(p))
    text = " ".join(" ".join(out).split())
    assert "This lot" in text
    return text[text.index("This lot"):]


def whole_text(data: bytes) -> str:
    doc = part(data, "word/document.xml")
    return "\n".join(para_text(p) for p in doc.iter(f"{{{W}}}p"))


def test_each_lot_names_its_own_facts_and_not_another_lots(packs: dict[str, dict[str, bytes]]) -> None:
    sc = specs(packs["south-central-fostering"])
    assert sorted(sc) == [1, 2, 3]
    one, two, three = (lot_section(sc[i][1]) for i in (1, 2, 3))
    # lot 1 declares three age bands; its service is the one no other lot claims
    assert "0 to 4 years" in one and "11 years and over" in one
    assert "foster care placements" in one
    assert "parent and child placements" not in one
    assert "disabled children" not in one
    # lot 2: parent and child; lot 3: disabled children
    assert "parent and child placements" in two and "disabled children" not in two
    assert "foster care placements for disabled children" in three and "parent and child" not in three
    # lots 2 and 3 do not declare age bands: the document says they are the framework's
    assert re.search(r"framework", two.split("Age bands")[1][:200], re.I)
    gm = specs(packs["greater-manchester-residential"])
    assert sorted(gm) == [1, 2, 3, 4]
    g1, g2, g3, g4 = (lot_section(gm[i][1]) for i in (1, 2, 3, 4))
    assert "standard residential child care" in g1 and "solo placements" not in g1
    assert re.search(r"\b3 tiers\b", g1) and not re.search(r"\b1 tier\b", g1)
    assert "therapeutic and specialist medical residential child care" in g2 and "rural" not in g2
    assert "solo placements" in g3 and re.search(r"\b1 tier\b", g3) and "3 tiers" not in g3
    assert "rural and complex placements" in g4 and "solo placements" not in g4
    # the files differ in more than the lot box: with the lot's own name removed they still differ
    for lots in (sc, gm):
        bodies = set()
        for n, (_, data) in lots.items():
            text = lot_section(data)
            text = re.sub(r"\blot \d+\b|\bLot \d+\b", "", text)
            bodies.add(text)
        assert len(bodies) == len(lots)


def test_numbering_is_real_with_bold_run_in_headings_and_hanging_indents(
        packs: dict[str, dict[str, bytes]]) -> None:
    for files in packs.values():
        for _, (name, data) in specs(files).items():
            doc = part(data, "word/document.xml")
            paras = list(doc.iter(f"{{{W}}}p"))
            numbered = [p for p in paras if p.find("w:pPr/w:numPr", NS) is not None]
            assert len(numbered) > 50, name
            typed = [para_text(p) for p in paras if TYPED_NUMBER.match(para_text(p))]
            assert not typed, (name, typed[:3])
            # run-in headings ("Short-term Placements.") are bold runs at the start of numbered paragraphs
            bold_heads = [p for p in numbered
                          if (r := p.find("w:r", NS)) is not None and r.find("w:rPr/w:b", NS) is not None
                          and para_text(r).rstrip().endswith(".")]
            assert len(bold_heads) >= 3, name
            # every numId used resolves to a level with a hanging indent
            numbering = part(data, "word/numbering.xml")
            used = {(p.find("w:pPr/w:numPr/w:numId", NS).get(f"{{{W}}}val"),
                     p.find("w:pPr/w:numPr/w:ilvl", NS).get(f"{{{W}}}val")) for p in numbered}
            for num_id, ilvl in used:
                num = numbering.find(f"w:num[@w:numId='{num_id}']", NS)
                assert num is not None, (name, num_id)
                abs_id = num.find("w:abstractNumId", NS).get(f"{{{W}}}val")
                lvl = numbering.find(f"w:abstractNum[@w:abstractNumId='{abs_id}']/w:lvl[@w:ilvl='{ilvl}']", NS)
                assert lvl is not None, (name, num_id, ilvl)
                if lvl.find("w:numFmt", NS).get(f"{{{W}}}val") == "decimal" and "Schedule" not in \
                        lvl.find("w:lvlText", NS).get(f"{{{W}}}val"):
                    ind = lvl.find("w:pPr/w:ind", NS)
                    assert ind is not None and int(ind.get(f"{{{W}}}hanging", "0")) > 0, (name, ilvl)


def test_no_cross_reference_field_points_outside_the_document(packs: dict[str, dict[str, bytes]]) -> None:
    for files in packs.values():
        for _, (name, data) in specs(files).items():
            doc = part(data, "word/document.xml")
            marks = {b.get(f"{{{W}}}name") for b in doc.iter(f"{{{W}}}bookmarkStart")}
            refs = re.findall(r"REF (\S+)", " ".join(t.text or "" for t in doc.iter(f"{{{W}}}instrText")))
            assert set(refs) <= marks, (name, sorted(set(refs) - marks)[:5])


def test_pandoc_reads_each_specification(packs: dict[str, dict[str, bytes]], tmp_path: Path) -> None:
    for files in packs.values():
        for _, (name, data) in specs(files).items():
            path = tmp_path / name
            path.write_bytes(data)
            paras = pandoc_paragraphs(path)
            assert any("Short-term Placements" in p or "Schedule" in p for p in paras), name
            assert any(p.startswith("This specification applies to") for p in paras), name


def test_libreoffice_shows_the_numbers(packs: dict[str, dict[str, bytes]], soffice: str, tmp_path: Path) -> None:
    name, data = specs(packs["south-central-fostering"])[2]
    src = tmp_path / name
    src.write_bytes(data)
    pdf = convert_with_libreoffice(soffice, [src], tmp_path / "pdf")[src.stem]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^\s*1\.1\s+\S", text, re.M), text[:2000]
    assert re.search(r"^\s*3\.6\s+Parent and Child Placements", text, re.M)
    assert "Schedule 1" in text


def _lots(path: Path) -> list[str]:
    cons = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("consortium") or {}
    return cons.get("lots") or ["All placements"]


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.stem)
def test_file_names_end_at_a_word_boundary(overlay: Path) -> None:
    from contractgen.pack import slug, spec_file_name

    for i, lot in enumerate(_lots(overlay), start=1):
        fname = spec_file_name(i, lot)
        m = re.fullmatch(r"02-specification-lot-(\d+)-([a-z0-9-]+)\.docx", fname)
        assert m and int(m[1]) == i, fname
        words = slug(lot).split("-")
        got = m[2].split("-")
        # the name's words are a run of the lot's words, whole
        assert any(words[k:k + len(got)] == got for k in range(len(words))), (fname, lot)
        assert len(fname) <= 80


def test_the_pack_uses_those_names(packs: dict[str, dict[str, bytes]]) -> None:
    from contractgen.pack import spec_file_name

    names = [n for n in packs["south-central-fostering"] if n.startswith("02-")]
    lots = _lots(ROOT / "variations" / "south-central-fostering.yaml")
    assert sorted(names) == sorted(spec_file_name(i, lot) for i, lot in enumerate(lots, start=1))
    assert "02-specification-lot-1-children-and-young-people-in-three-age-b.docx" not in names
