"""Redline numbers as LibreOffice shows them: every surviving clause carries its number in the
varied contract. While changes are shown, LibreOffice (7.3 and later) labels a tracked list item
"new[old]": the number as if every change were accepted, then the number as if every change were
rejected. We convert the redlines to PDF in one LibreOffice run and read the labels with
pdftotext; the expected numbers are contractgen's own numbering of the varied contract."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, convert_with_libreoffice, require
from contractgen import api
from contractgen.numbering import number_contract
from contractgen.overlay import fill_pins
from docxread import NS, _fmt, lint_revisions, part, q

MARKER = "The contract with the changes tracked"


def _text(p) -> str:
    """The paragraph's text as shown with changes (inserted and deleted text both, in order)."""
    out = []
    for x in p.iter(q("t"), q("delText"), q("tab")):
        out.append("\t" if x.tag == q("tab") else (x.text or ""))
    return "".join(out)


def varied_numbers(varied) -> list[str]:
    """Return the label Word's numbering gives each numbered paragraph of the varied contract."""
    numbered = number_contract(varied)
    out = []
    for p in numbered.parts:
        if p.part.kind == "schedule":
            out.append(p.label)
        out.extend(node.number for node in p.walk())
    return out


def _norm(s: str) -> str:
    return " ".join(s.replace("\u00ad", "").split()).casefold()


LABEL = re.compile(r"^(schedule \d+)?[0-9a-z.()]*(\[[^\]]*\])?$")


def pdf_labels(pdf_text: str, paragraphs: list[str]) -> list[str | None]:
    """Return the label LibreOffice printed before each paragraph's text (None where not found),
    searching the PDF's lines in order from the heading of the tracked contract: a paragraph's
    first line is its label (or nothing) followed by the start of its text."""
    lines = [_norm(line) for line in pdf_text.splitlines()] + ["", ""]
    cursor = next(i for i, line in enumerate(lines) if line == _norm(MARKER)) + 1
    out: list[str | None] = []

    def find(words: list[str], labelled: bool, whole: bool = False) -> tuple[int, str] | None:
        probe = " ".join(words)
        for i in range(cursor, min(cursor + 300, len(lines) - 2)):
            k = lines[i].find(words[0])
            while k >= 0:
                label = lines[i][:k].strip()
                if LABEL.match(label) and (label or not labelled) and \
                        (lines[i][k:] == probe if whole else
                         " ".join((lines[i][k:], lines[i + 1], lines[i + 2])).startswith(probe)):
                    return i, label
                k = lines[i].find(words[0], k + 1)
        return None

    for text in paragraphs:
        words = _norm(text).split()
        if not words:
            found = None
        elif len(words) <= 6:  # a short paragraph (a schedule heading) fits its first line
            found = find(words, False, whole=True) or find(words, True)
        else:
            found = find(words[:8], False) or find(words[:3], True)
        if found is not None:
            cursor = found[0] + 1
        out.append(found[1] if found else None)
    return out


def _levels(path: Path) -> dict[str, dict[int, tuple[str, str]]]:
    numbering = part(path, "word/numbering.xml")
    fmt = {a.get(q("abstractNumId")): {int(lv.get(q("ilvl"))): (lv.find("w:numFmt", NS).get(q("val")),
                                                                 lv.find("w:lvlText", NS).get(q("val")))
                                        for lv in a.findall("w:lvl", NS)}
           for a in numbering.findall("w:abstractNum", NS)}
    return {n.get(q("numId")): fmt[n.find("w:abstractNumId", NS).get(q("val"))]
            for n in numbering.findall("w:num", NS)}


def _mark(p) -> str | None:
    for r in ("ins", "del", "moveFrom", "moveTo"):
        if p.find(f"w:pPr/w:rPr/w:{r}", NS) is not None:
            return r
    return None


def predicted_labels(path: Path, rule: str) -> list[tuple[bool, str, str]]:
    """Return (survives, label, text) for each numbered paragraph after the register, numbered by
    `rule`: "word" (a paragraph whose mark is deleted or moved away shows the counter but does not
    advance it) or "lo74" (LibreOffice 7.4's "as accepted" number: a numbered paragraph holding a
    tracked deletion, or following a deleted or moved-away paragraph mark, is left out, unless it
    follows an inserted mark; see docs/dev/redline.md)."""
    levels = _levels(path)
    counters: dict[str, list[int]] = {}
    out, started, prev = [], False, None
    for p in part(path).find("w:body", NS).iter(q("p")):
        mark = _mark(p)
        numpr = p.find("w:pPr/w:numPr", NS)
        if started and numpr is not None and p.getparent().tag == q("body"):
            num_id = numpr.find("w:numId", NS).get(q("val"))
            ilvl = int(numpr.find("w:ilvl", NS).get(q("val")))
            gone = mark in ("del", "moveFrom")
            if rule == "word":
                counts, shown = not gone, True
            else:
                deletes = any(e.getparent().tag != q("rPr") for e in p.iter(q("del"), q("moveFrom")))
                counts = shown = not ((deletes or prev in ("del", "moveFrom")) and prev not in ("ins", "moveTo"))
            c = list(counters.setdefault(num_id, [0] * 9))
            c[ilvl] += 1
            for deeper in range(ilvl + 1, 9):
                c[deeper] = 0
            label = ""
            if shown:
                label = levels[num_id][ilvl][1]
                for k in range(ilvl + 1):
                    label = label.replace(f"%{k + 1}", _fmt(c[k] or 1, levels[num_id][k][0]))
            if counts:
                counters[num_id] = c
            out.append((not gone, label, _text(p)))
        if not started:
            started = _text(p) == MARKER
        prev = mark
    return out


def pdf_text(pdf: Path) -> str:
    return subprocess.run([require("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def misnumbered(docx: Path, text: str, varied) -> list[str]:
    """Return one line per surviving numbered paragraph whose LibreOffice label does not start
    with its number in the varied contract (the part before any '[…]')."""
    paragraphs = [(keep, t) for keep, _, t in predicted_labels(docx, "word")]
    want = varied_numbers(varied)
    assert sum(keep for keep, _ in paragraphs) == len(want), "surviving numbered paragraphs ≠ varied clauses"
    labels = pdf_labels(text, [t for _, t in paragraphs])
    bad, numbers = [], iter(want)
    for (keep, para), label in zip(paragraphs, labels):
        if keep:
            number = next(numbers)
            if label is None or label.split("[", 1)[0] != number.casefold():
                bad.append(f"{number}: LibreOffice shows {label!r} before {para[:40]!r}")
    return bad


# --- the redlines and the reproducers, converted in one LibreOffice run ----------------------------

REDLINES = {
    "south-central": ("south-central-fostering", "base"),  # inserted and replaced clauses, a parameter
    "ne6": ("ne6-residential", "base"),  # a move (schedule → terms), inserted clauses
    "west-sussex-brighton": ("west-sussex-brighton-fostering", "base"),  # a deleted clause, insertions
    "west-london": ("west-london-alliance", "base"),  # extends london-model
    "west-london-own": ("west-london-alliance", "parent"),  # --against parent
}

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
REV = 'w:author="A" w:date="2026-04-01T00:00:00Z"'


_IDS = iter(range(900, 10**6))


def _para(text: str, mark: str = "", inline_del: str = "") -> str:
    """A numbered paragraph; mark "del" makes it a wholly deleted one, inline_del adds deleted words."""
    rpr = f'<w:rPr><w:{mark} w:id="{next(_IDS)}" {REV}/></w:rPr>' if mark else ""
    run = (f'<w:del w:id="{next(_IDS)}" {REV}><w:r><w:delText>{text}</w:delText></w:r></w:del>'
           if mark == "del" else f"<w:r><w:t>{text}</w:t></w:r>")
    if inline_del:
        run += f'<w:del w:id="{next(_IDS)}" {REV}><w:r><w:delText xml:space="preserve"> {inline_del}</w:delText></w:r></w:del>'
    return f'<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>{rpr}</w:pPr>{run}</w:p>'


def reproducer(path: Path, paragraphs: list[str]) -> Path:
    """Write a minimal .docx: the marker, then numbered paragraphs (one list, "%1.")."""
    import zipfile

    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
          '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
          'document.main+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.'
          'openxmlformats-officedocument.wordprocessingml.numbering+xml"/></Types>')
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            f'Target="word/document.xml"/></Relationships>')
    doc_rels = rels.replace("/officeDocument\" Target=\"word/document.xml", "/numbering\" Target=\"numbering.xml")
    numbering = (f'<?xml version="1.0" encoding="UTF-8"?><w:numbering {W}><w:abstractNum w:abstractNumId="1">'
                 '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/>'
                 '</w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num></w:numbering>')
    body = f"<w:p><w:r><w:t>{MARKER}</w:t></w:r></w:p>" + "".join(paragraphs) + "<w:p/><w:sectPr/>"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/_rels/document.xml.rels", doc_rels)
        z.writestr("word/numbering.xml", numbering)
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>'
                                        f"{body}</w:body></w:document>")
    return path


#: name -> (paragraphs, the labels LibreOffice would show without the defect, the labels 7.4 shows)
REPRODUCERS = {
    "repro-deleted": ([_para("Alpha"), _para("Beta", "del"), _para("Gamma")],
                      ["1.", "[2.]", "2.[3.]"], ["1.", "[2.]", "[3.]"]),
    "repro-inline": ([_para("Alpha", inline_del="old"), _para("Beta"), _para("Gamma")],
                     ["1.", "2.", "3."], ["[1.]", "1.[2.]", "2.[3.]"]),
}


@pytest.fixture(scope="module")
def converted(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str, object]]:
    """Build each redline (and the reproducers) and convert them all in one LibreOffice run."""
    out = tmp_path_factory.mktemp("numbers")
    docs: dict[str, tuple[Path, object]] = {}
    for name, (overlay, against) in REDLINES.items():
        red = api.redline(ROOT / "variations" / f"{overlay}.yaml", against=against, with_html=False)
        path = out / f"{name}.docx"
        path.write_bytes(red.docx)
        assert not lint_revisions(path)
        docs[name] = (path, red.varied)
    for name, (paragraphs, _, _) in REPRODUCERS.items():
        docs[name] = (reproducer(out / f"{name}.docx", paragraphs), None)
    pdfs = convert_with_libreoffice(soffice, [p for p, _ in docs.values()], out)
    return {name: (path, pdf_text(pdfs[name]), varied) for name, (path, varied) in docs.items()}


def _lo_has_the_defect(converted) -> bool:
    path, text, _ = converted["repro-inline"]
    return pdf_labels(text, ["Alpha", "Beta", "Gamma"]) == REPRODUCERS["repro-inline"][2]


@pytest.mark.parametrize("name", REPRODUCERS)
def test_libreoffice_numbers_the_reproducers_by_a_known_rule(name: str, converted) -> None:
    """The minimal reproducers: LibreOffice gives either the right labels or those of 7.4's rule."""
    path, text, _ = converted[name]
    got = pdf_labels(text, ["Alpha", "Beta", "Gamma"])
    _, right, lo74 = REPRODUCERS[name]
    assert got in (right, lo74), got
    assert [label for _, label, _ in predicted_labels(path, "lo74")] == [x.split("[")[0] for x in lo74]


@pytest.mark.parametrize("name", REDLINES)
def test_word_numbering_gives_every_surviving_clause_its_varied_number(name: str, converted) -> None:
    """Word numbers as if every change were accepted; recomputed here from numbering.xml."""
    path, _, varied = converted[name]
    shown = [label for keep, label, _ in predicted_labels(path, "word") if keep]
    assert shown == varied_numbers(varied)


@pytest.mark.parametrize("name", REDLINES)
def test_libreoffice_shows_every_surviving_clause_with_its_varied_number(name: str, converted) -> None:
    path, text, varied = converted[name]
    bad = misnumbered(path, text, varied)
    if bad and _lo_has_the_defect(converted):
        # Every label LibreOffice printed is the one its 7.4 rule gives: nothing else is wrong.
        predicted = predicted_labels(path, "lo74")
        labels = pdf_labels(text, [t for _, _, t in predicted])
        unexplained = [f"{want!r}: shows {got!r} before {t[:40]!r}" for (_, want, t), got in zip(predicted, labels)
                       if got is None or got.split("[", 1)[0] != want.casefold()]
        assert not unexplained, "\n".join(unexplained[:20])
        pytest.xfail(f"LibreOffice {_lo_version()} leaves tracked paragraphs out of its 'as accepted' numbering "
                     f"(docs/dev/redline.md): {len(bad)} surviving paragraphs misnumbered, all by that rule")
    assert not bad, f"{len(bad)} misnumbered:\n" + "\n".join(bad[:20])


def _lo_version() -> str:
    r = subprocess.run([require("soffice"), "--version"], capture_output=True, text=True)
    return " ".join(r.stdout.split()[1:2]) or "?"


def test_a_clause_whose_level_changes_keeps_its_old_level_in_ppr_change(tmp_path: Path, pandoc: str) -> None:
    """Moving a clause into its predecessor keeps its place but changes its level: tracked as a
    paragraph-property change, so that reject-all restores the base's level (and number)."""
    shutil.copytree(ROOT / "tests" / "data" / "mini", tmp_path / "national_contract" / "mini")
    (tmp_path / "variations").mkdir()
    overlay = tmp_path / "variations" / "case.yaml"
    overlay.write_text("id: case\nbase: mini@1.0\neffective: 2026-04-01\n"
                       "consortium: {name: Case Consortium, arrangement: spot}\nvariations:\n"
                       "  - id: v1\n    op: move\n    clause: fees.disputes\n    into: fees.invoicing\n"
                       "    rationale: Disputes belong to invoicing.\n    category: terms\n", encoding="utf-8")
    fill_pins(overlay)
    red = api.redline(overlay, with_html=False)
    path = tmp_path / "r.docx"
    path.write_bytes(red.docx)
    assert not lint_revisions(path)
    changes = list(part(path).iter(q("pPrChange")))
    assert len(changes) == 1
    ppr = changes[0].getparent()
    assert ppr.find("w:numPr/w:ilvl", NS).get(q("val")) == "2"
    assert changes[0].find("w:pPr/w:numPr/w:ilvl", NS).get(q("val")) == "1"
    assert changes[0].get(q("author")) == "Case Consortium" and changes[0].get(q("id"))
    assert ppr[-1] is changes[0]  # w:pPrChange is the last child of w:pPr
    from test_redline import assert_law

    assert_law(red, path)
