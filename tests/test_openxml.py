"""Every document contractgen writes opens in Word and Excel without repair.

openxml-audit checks each package against the ISO/IEC 29500 schemas (as the Open XML SDK does) and
against rules that encode Word's and Excel's observed repairs and silent rewrites. A finding of
either kind, or a prediction other than "opens clean", fails the test, naming the file, the part
and the path of the element. The rules openxml-audit does not check (w:zoom's required w:percent,
shared strings rather than inline strings) are checked here directly.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from lxml import etree
from openxml_audit import (  # the test extras: pip install '.[test]'
    AppPrediction,
    OpenXmlValidator,
    predict,
)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

MOST_VARIED = "west-sussex-kent-dps"  # residential, the most variations but one, tiers and lots
EXTENDS = "west-london-alliance"  # extends: london-model
OTHER = "south-west-london"  # extends london-model too: a diff of two consortia
FOSTERING = "south-central-fostering"  # the most variations; a fostering pack


def _cli(*args: str) -> None:
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr[-3000:]


@pytest.fixture(scope="session")
def outputs(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Build one of every kind of document contractgen writes; return {kind: files}."""
    out = tmp_path_factory.mktemp("openxml")
    overlay, schedule = out / f"{MOST_VARIED}.docx", out / f"{MOST_VARIED}-schedule.docx"
    _cli("build", f"variations/{MOST_VARIED}.yaml", "-o", str(overlay), "--schedule", str(schedule))
    redlines = []
    for name in (MOST_VARIED, EXTENDS):
        path = out / f"{name}-redline.docx"
        _cli("redline", f"variations/{name}.yaml", "-o", str(path))
        redlines.append(path)
    parent = out / f"{EXTENDS}-against-parent.docx"
    _cli("redline", f"variations/{EXTENDS}.yaml", "--against", "parent", "-o", str(parent))
    diff = out / f"diff-{EXTENDS}-{OTHER}.docx"
    _cli("diff", f"variations/{EXTENDS}.yaml", f"variations/{OTHER}.yaml", "-o", str(diff))
    packs = out / "packs"
    _cli("pack", f"variations/{MOST_VARIED}.yaml", f"variations/{FOSTERING}.yaml", "-o", str(packs), "-j", "1")

    def pack_files(name: str) -> list[Path]:
        files = sorted(p for p in (packs / name).iterdir() if p.suffix in (".docx", ".xlsx"))
        assert any(p.suffix == ".xlsx" for p in files) and sum(p.suffix == ".docx" for p in files) >= 9
        return files

    return {
        "national contracts": sorted(built.values()),
        "consolidated contract": [overlay],
        "schedule of variations": [schedule],
        "redlines": [*redlines, parent],
        "diff": [diff],
        f"pack {MOST_VARIED}": pack_files(MOST_VARIED),
        f"pack {FOSTERING}": pack_files(FOSTERING),
    }


KINDS = ["national contracts", "consolidated contract", "schedule of variations", "redlines", "diff",
         f"pack {MOST_VARIED}", f"pack {FOSTERING}"]
TEMPLATES = sorted((ROOT / "contractgen" / "templates").rglob("*.docx"))


@pytest.fixture(scope="session")
def validator() -> OpenXmlValidator:
    return OpenXmlValidator(max_errors=0)  # 0: every finding, not the first hundred


def audit(validator: OpenXmlValidator, path: Path) -> list[str]:
    """Return openxml-audit's findings for `path`, one line each: file part path: what.

    A fresh validator for each file: one validator reused across documents (openxml-audit 0.8)
    checked a redline's comment ids against the comments part of a document validated before it."""
    result = OpenXmlValidator(max_errors=0).validate(path)  # 0: every finding
    verdict = predict(result)
    problems = []
    for e in result.errors:
        where = f"{path.name} {e.part_uri} {e.path}".rstrip()
        problems.append(f"{where}: {e.description} [{e.severity.value}, {e.source_class.value}]")
    if verdict.prediction is not AppPrediction.OPENS_CLEAN:
        problems.append(f"{path.name}: {verdict.headline}")
    return problems


def _fail_on(problems: list[str]) -> None:
    if problems:
        pytest.fail(f"{len(problems)} finding(s):\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("kind", KINDS)
def test_openxml_audit_finds_nothing(outputs: dict[str, list[Path]], validator: OpenXmlValidator,
                                     kind: str) -> None:
    problems: list[str] = []
    for path in outputs[kind]:
        problems += audit(validator, path)
    _fail_on(problems)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.relative_to(ROOT / "contractgen" / "templates").as_posix())
def test_shipped_templates_are_clean(validator: OpenXmlValidator, template: Path) -> None:
    """The fix is at the source: the templates tools/make_*templates.py write are clean themselves."""
    _fail_on(audit(validator, template))


def _docx_files(outputs: dict[str, list[Path]]) -> list[Path]:
    return [p for kind in KINDS for p in outputs[kind] if p.suffix == ".docx"] + TEMPLATES


def test_every_zoom_has_the_percent_the_schema_requires(outputs: dict[str, list[Path]]) -> None:
    """ISO/IEC 29500-1 §17.15.1.95: w:zoom's w:percent is required (openxml-audit does not check it)."""
    problems = []
    for path in _docx_files(outputs):
        with zipfile.ZipFile(path) as z:
            settings = etree.fromstring(z.read("word/settings.xml"))
        zooms = settings.findall(f"{{{W}}}zoom")
        assert len(zooms) <= 1, path.name
        for zoom in zooms:
            percent = zoom.get(f"{{{W}}}percent")
            if percent is None or not percent.rstrip("%").isdigit():
                problems.append(f"{path.name} /word/settings.xml /settings[1]/zoom[1]: w:percent is "
                                f"{percent!r}, not a whole number")
    _fail_on(problems)


def test_no_styles_with_effects_part_is_left(outputs: dict[str, list[Path]]) -> None:
    """The part, its relationship and its content type go together (an orphan is a package error)."""
    for path in _docx_files(outputs):
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            rels = z.read("word/_rels/document.xml.rels").decode()
            types = z.read("[Content_Types].xml").decode()
        assert "word/stylesWithEffects.xml" not in names, path.name
        assert "stylesWithEffects" not in rels and "stylesWithEffects" not in types, path.name


def _xlsx_files(outputs: dict[str, list[Path]]) -> list[Path]:
    return [p for kind in KINDS for p in outputs[kind] if p.suffix == ".xlsx"]


def test_workbook_uses_shared_strings(outputs: dict[str, list[Path]]) -> None:
    """No inline strings (Excel rewrites them into a shared-strings table on its next save): every
    text cell is t="s", indexing a sharedStrings part that is related and typed."""
    from openpyxl import load_workbook

    books = _xlsx_files(outputs)
    assert len(books) == 2
    for path in books:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            assert "xl/sharedStrings.xml" in names, path.name
            sst = etree.fromstring(z.read("xl/sharedStrings.xml"))
            rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            types = etree.fromstring(z.read("[Content_Types].xml"))
            sheets = {n: etree.fromstring(z.read(n)) for n in names if n.startswith("xl/worksheets/sheet")}
        assert [r.get("Target") for r in rels if r.get("Type") == SST_REL] == ["sharedStrings.xml"], path.name
        assert [o.get("ContentType") for o in types.iter(f"{{{CT}}}Override")
                if o.get("PartName") == "/xl/sharedStrings.xml"] == [SST_CT], path.name
        items = sst.findall(f"{{{S}}}si")
        texts = ["".join(si.itertext()) for si in items]
        assert len(set(texts)) == len(texts), "each string once"
        assert sst.get("uniqueCount") == str(len(items))
        used = 0
        for name, sheet in sheets.items():
            assert not sheet.xpath("//s:c[@t='inlineStr' or s:is]", namespaces={"s": S}), f"{path.name} {name}"
            for cell in sheet.iter(f"{{{S}}}c"):
                if cell.get("t") == "s":
                    used += 1
                    assert 0 <= int(cell.findtext(f"{{{S}}}v")) < len(items), f"{path.name} {name}"
        assert used and sst.get("count") == str(used), path.name
        # and the strings read back as written
        wb = load_workbook(path)
        assert wb["Instructions"]["A1"].value.startswith("Pricing schedule — ")
        title = wb["Lot 1"]["A1"].value  # "Lot 1: name", or the lot's own name when it says "Lot 1"
        assert title.startswith(("Lot 1: ", "Lot 1 ")) and not title.startswith("Lot 1: Lot 1"), title
        assert any(c.value == "Weekly core fee (£)" for row in wb["Lot 1"].iter_rows() for c in row)
        assert any(isinstance(c.value, str) and c.value.startswith("=SUM(") for row in wb["Lot 1"].iter_rows()
                   for c in row), "formulas stay formulas"


def test_sort_properties_puts_children_in_schema_order() -> None:
    from contractgen.render.schema_order import sort_properties

    xml = (f'<w:style xmlns:w="{W}"><w:pPr><w:tabs/><w:keepNext/><w:outlineLvl w:val="0"/><w:spacing/>'
           '<w:pageBreakBefore/></w:pPr><w:rPr><w:lang/><w:sz/><w:caps/><w:b/><w:rFonts/></w:rPr></w:style>')
    root = etree.fromstring(xml)
    assert sort_properties(root) == 2
    local = [[etree.QName(c).localname for c in e] for e in root]
    assert local == [["keepNext", "pageBreakBefore", "tabs", "spacing", "outlineLvl"],
                     ["rFonts", "b", "caps", "sz", "lang"]]
    assert sort_properties(root) == 0
    mark = etree.fromstring(f'<w:pPr xmlns:w="{W}"><w:rPr><w:b/><w:ins/></w:rPr><w:jc/><w:pStyle/></w:pPr>')
    sort_properties(mark)
    assert [etree.QName(c).localname for c in mark] == ["pStyle", "jc", "rPr"]
    assert [etree.QName(c).localname for c in mark[2]] == ["ins", "b"]


def test_a_commissioners_own_template_is_cleaned_too(validator: OpenXmlValidator, tmp_path: Path) -> None:
    """A form of tender saved from python-docx's default template (which carries the
    stylesWithEffects part Word may call unreadable) still gives a pack document that opens clean."""
    from docx import Document

    folder = tmp_path / "mine" / "pack"
    folder.mkdir(parents=True)
    doc = Document(str(ROOT / "contractgen" / "templates" / "pack" / "form-of-tender.docx"))
    mine = Document()  # python-docx's own default package, stylesWithEffects.xml included
    for p in doc.paragraphs:
        mine.add_paragraph(p.text)
    mine.save(str(folder / "form-of-tender.docx"))
    with zipfile.ZipFile(folder / "form-of-tender.docx") as z:
        assert "word/stylesWithEffects.xml" in z.namelist()
    out = tmp_path / "packs"
    _cli("pack", f"variations/{FOSTERING}.yaml", "-o", str(out), "--templates", str(tmp_path / "mine"))
    (written,) = (out / FOSTERING).glob("*form-of-tender*.docx")
    _fail_on(audit(validator, written))
