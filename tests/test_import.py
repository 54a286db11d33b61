"""contractgen import (docs/dev/import.md): Word contracts into the YAML model.

Round trips of every shipped national version (build → import → validate → build again, the
same numbered paragraphs and the same cross-reference fields); a contract written by pandoc from
Markdown; a contractgen contract edited (a typed number, a restarted list) and saved by
LibreOffice; documents written with python-docx; the CLI, its refusals and its report."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, run_cli
from contractgen import api
from contractgen.errors import ContractgenError, UsageError
from contractgen.ingest.importer import ImportResult, import_docx
from contractgen.loader import load_yaml_text
from contractgen.numbering import number_contract
from contractgen.render.text import blocks
from docxread import ref_fields

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
VERSIONS = [(c, v.name) for c in ("fostering", "residential")
            for v in sorted((ROOT / "national_contract" / c).iterdir()) if (v / "contract.yaml").is_file()]


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


def numbered_text(contract) -> list[tuple[str, str]]:
    """(number, text) of every non-empty paragraph of the body, as the renderer lays it out."""
    return [(b.number, " ".join(b.text.split())) for b in blocks(number_contract(contract)) if b.text.strip()]


def report_has(result: ImportResult, section: str, *needles: str) -> list[str]:
    lines = [i.line() for i in result.items if i.section == section]
    for needle in needles:
        assert any(needle in line for line in lines), f"{needle!r} not in the {section} items: {lines}"
    return lines


def load_part(folder: Path, name: str) -> dict:
    return load_yaml_text((folder / name).read_text(encoding="utf-8"), name)


def clause_tree(clauses) -> list:
    """[(id, heading, children…)] of a part's clauses, for structure assertions."""
    return [(c["id"], c.get("heading"), clause_tree(c.get("children") or [])) for c in clauses]


# --- round trips of the shipped versions --------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_docx(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    out = tmp_path_factory.mktemp("shipped")
    paths = {}
    for c, v in VERSIONS:
        path = out / f"{c}-{v}.docx"
        path.write_bytes(api.build_docx(api.open_source(ROOT / "national_contract" / c, version=v)))
        paths[(c, v)] = path
    return paths


@pytest.mark.parametrize(("contract", "version"), VERSIONS, ids=[f"{c}@{v}" for c, v in VERSIONS])
def test_round_trip(contract: str, version: str, shipped_docx: dict, tmp_path: Path) -> None:
    src = shipped_docx[(contract, version)]
    folder = tmp_path / "national_contract" / contract / version
    result = import_docx(src, folder)

    check = api.validate_paths([folder])
    assert not check.errors, [e.render() for e in check.errors]
    assert result.problems == 0
    original = api.open_source(ROOT / "national_contract" / contract, version=version)
    imported = api.open_source(folder)
    assert imported.id == contract and imported.version == version
    assert imported.title == original.title and imported.date == original.date
    assert [p.kind for p in imported.parts] == [p.kind for p in original.parts]
    assert [p.title for p in imported.parts] == [p.title for p in original.parts]
    assert numbered_text(imported) == numbered_text(original)
    assert sorted(t.term for t in imported.terms) == sorted(t.term for t in original.terms)

    rebuilt = tmp_path / "rebuilt.docx"
    rebuilt.write_bytes(api.build_docx(imported))
    before, after = ref_fields(src), ref_fields(rebuilt)
    assert len(after) == len(before) > 100
    assert [shown for _, shown in after] == [shown for _, shown in before]
    assert result.counts["ref_fields"] == len(before)
    assert result.counts["references"] == len(before)
    # what could not be placed: contractgen's own pages, and nothing else of the body
    skipped = report_has(result, "skipped", "front matter", "“Contents”", "“Parties”", "“Execution”")
    assert len(skipped) == 4
    assert not [i for i in result.items if i.section in ("numbering", "structure", "validation")]


def test_import_is_deterministic_and_looks_like_the_shipped_files(shipped_docx: dict, tmp_path: Path) -> None:
    src = shipped_docx[("fostering", "2026.2")]
    a = tmp_path / "a" / "fostering" / "2026.2"
    b = tmp_path / "b" / "fostering" / "2026.2"
    import_docx(src, a)
    import_docx(src, b)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert names == ["contract.yaml", "definitions.yaml", "schedule-1-service-specification.yaml",
                     "schedule-2-service-delivery.yaml", "schedule-3-individual-outcomes.yaml",
                     "schedule-4-individual-placement.yaml", "terms.yaml"]
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    shipped = ROOT / "national_contract" / "fostering" / "2026.2"
    for name in names:
        first = (a / name).read_text(encoding="utf-8").splitlines()[0]
        kind = "contract" if name == "contract.yaml" else "definitions" if name == "definitions.yaml" else "part"
        assert first == f"# yaml-language-server: $schema=../../../schemas/{kind}.schema.json"
        assert first == (shipped / ("terms.yaml" if kind == "part" else name)).read_text().splitlines()[0]
    terms = (a / "terms.yaml").read_text(encoding="utf-8")
    assert "\n        text: >-\n" in terms  # long text folded
    assert max(len(line) for line in terms.splitlines() if "text" not in line and "[" not in line) <= 100
    data = load_part(a, "terms.yaml")
    ids = [c["id"] for c in data["clauses"]]
    assert ids[:3] == ["background-purpose", "structure-order-precedence", "definitions-interpretation"]
    referrals = next(c for c in data["clauses"] if c["heading"] == "Referral, matching and placement procedure")
    assert referrals["id"] == "referral-matching-placement"
    call_off = next(c for c in referrals["children"] if c.get("heading") == "Call-Off")
    assert call_off["id"] == "referral-matching-placement.call-off"
    assert all(k["id"].startswith(call_off["id"] + ".") for k in call_off.get("children", []))
    defs = data["clauses"][2]
    assert defs["list"] == "definitions"
    head = load_part(a, "contract.yaml")
    assert head["status"] == "draft" and head["parameters"] == {}
    assert "Ofsted" in head["names"]
    sched = load_part(a, "schedule-1-service-specification.yaml")
    assert sched["id"] == "sch.service-specification" and sched["kind"] == "schedule"
    assert all(c["id"].startswith("service-specification.") for c in sched["clauses"])
    definitions = load_part(a, "definitions.yaml")["definitions"]
    child = next(d for d in definitions if d["term"] == "Child")
    assert "Children" in child["forms"] and child["text"].startswith("means the child or young person")


def test_never_writes_over_files(shipped_docx: dict, tmp_path: Path) -> None:
    folder = tmp_path / "national_contract" / "fostering" / "2026.2"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not empty"):
        import_docx(shipped_docx[("fostering", "2026.2")], folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert (folder / "notes.txt").read_text() == "keep me"
    empty = tmp_path / "national_contract" / "fostering" / "2026.3"
    empty.mkdir()
    import_docx(shipped_docx[("fostering", "2026.2")], empty)  # an empty folder is fine
    assert (empty / "contract.yaml").is_file()
    assert not [p for p in empty.parent.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_bad_inputs_write_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "national_contract" / "x" / "1.0"
    text = tmp_path / "notes.docx"
    text.write_text("not a zip")
    with pytest.raises(ContractgenError, match=r"notes.docx: is not a Word document \(.docx\)"):
        import_docx(text, folder)
    xlsx = tmp_path / "book.docx"
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ContractgenError, match="no main document part"):
        import_docx(xlsx, folder)
    with pytest.raises(UsageError, match="no such file"):
        import_docx(tmp_path / "missing.docx", folder)
    with pytest.raises(UsageError, match="contract's id"):
        import_docx(text, tmp_path / "Bad Name" / "1.0")
    assert not folder.exists() and not folder.parent.exists()


# --- documents contractgen did not write ---------------------------------------------------------------

MARKDOWN = """\
---
title: Model Services Agreement
date: 2026-04-01
---

# Definitions

In this Agreement the following words have the meanings given below.

“Agreement” means this agreement and its schedules.

**Services** means the services described in Schedule 1.

# Services

1. Acme Limited (the “Supplier”) shall provide the Services in accordance with clause 2.2.
2. The Supplier shall:
    a. act with reasonable care; and
    b. comply with paragraph 1.1 of Schedule 1.

<!-- a second list: pandoc restarts it at 1 -->

1. Clauses 2.1 to 2.2 apply throughout the term of the Agreement.

2.4 The Supplier shall keep records of the Services as clause 9.9 requires.

# Fees

| Item | Fee |
|------|-----|
| Core | £100 |
| Extra | £20 |

## Invoicing

The Supplier shall invoice monthly under clause 2.1.

# Schedule 1 – Service Description

## Scope

1. The Services cover the work in clause 2.1 and paragraph 1.2.
2. The Supplier shall report on the work in paragraph 1.1 of this Schedule.
"""


@pytest.fixture(scope="module")
def pandoc_import(pandoc: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[ImportResult, Path, Path]:
    tmp = tmp_path_factory.mktemp("pandoc")
    md = tmp / "services.md"
    md.write_text(MARKDOWN, encoding="utf-8")
    docx = tmp / "services.docx"
    subprocess.run([pandoc, str(md), "-o", str(docx)], check=True, timeout=120)
    folder = tmp / "national_contract" / "services" / "1.0"
    return import_docx(docx, folder), folder, docx


def test_pandoc_structure(pandoc_import: tuple[ImportResult, Path, Path]) -> None:
    result, folder, _ = pandoc_import
    assert result.problems == 0, result.report_lines()
    assert not api.validate_paths([folder]).errors
    head = load_part(folder, "contract.yaml")
    assert head["title"] == "Model Services Agreement"
    assert str(head["date"]) == "2026-04-01"
    assert head["parts"] == ["terms.yaml", "schedule-1-service-description.yaml"]
    terms = load_part(folder, "terms.yaml")
    assert clause_tree(terms["clauses"]) == [
        ("definitions", "Definitions", []),
        ("services", "Services", [
            ("services.acme-limited", None, []),
            ("services.supplier", None, [("services.supplier.act-reasonable", None, []),
                                         ("services.supplier.comply-schedule", None, [])]),
            ("services.apply-throughout", None, []),
            ("services.supplier-keep", None, []),
        ]),
        ("fees", "Fees", [("fees.invoicing", "Invoicing", [])]),
    ]
    defs_clause, services, fees = terms["clauses"]
    assert defs_clause["list"] == "definitions"
    assert defs_clause["text"] == "In this Agreement the following words have the meanings given below."
    first, shall, apply, keep = services["children"]
    assert first["text"] == ("Acme Limited (the “Supplier”) shall provide the Services in accordance with "
                             "clause [[services.supplier]].")
    assert shall["children"][1]["text"] == ("comply with paragraph [[service-description.scope.services-cover]] "
                                            "of [[sch.service-description]].")
    assert apply["text"] == ("Clauses [[services.acme-limited]] to [[services.supplier]] apply throughout the "
                             "term of the Agreement.")
    assert keep["text"] == "The Supplier shall keep records of the Services as clause 9.9 requires."
    assert fees["table"] == {"columns": ["Item", "Fee"], "rows": [["Core", "£100"], ["Extra", "£20"]]}
    assert fees["children"][0]["text"] == "The Supplier shall invoice monthly under clause [[services.acme-limited]]."
    sched = load_part(folder, "schedule-1-service-description.yaml")
    assert sched["id"] == "sch.service-description" and sched["title"] == "Service Description"
    scope = sched["clauses"][0]
    assert (scope["id"], scope["heading"]) == ("service-description.scope", "Scope")
    assert scope["children"][0]["text"] == ("The Services cover the work in clause [[services.acme-limited]] and "
                                            "paragraph [[service-description.scope.supplier-report]].")
    assert scope["children"][1]["text"] == ("The Supplier shall report on the work in paragraph "
                                            "[[service-description.scope.services-cover]] of this Schedule.")
    defs = load_part(folder, "definitions.yaml")["definitions"]
    assert defs == [
        {"term": "Agreement", "text": "means this agreement and its schedules."},
        {"term": "Services", "text": "means the services described in [[sch.service-description]]."},
    ]
    assert result.counts["ref_typed"] == 10 and result.counts["unresolved"] == 1


def test_pandoc_report(pandoc_import: tuple[ImportResult, Path, Path], tmp_path: Path) -> None:
    result, folder, docx = pandoc_import
    report_has(result, "skipped", "front matter: 2 paragraphs not imported")
    numbering = report_has(result, "numbering",
                           "Word shows 1.; the import numbers it 2.3 (a list restarted",
                           "the number 2.4 is typed as text")
    assert len(numbering) == 2
    report_has(result, "references", "“clause 9.9”: no clause is numbered 9.9; left as text",
               "parameters are not recognised")
    report_has(result, "terms", "added to names: Acme Limited, Supplier",
               "“Supplier” is defined in the running text")
    # the rebuilt contract reads as the document did, numbered in contractgen's scheme
    got = numbered_text(api.open_source(folder))
    assert ("2.2.2", "comply with paragraph 1.1 of Schedule 1.") in got
    assert ("2.3", "Clauses 2.1 to 2.2 apply throughout the term of the Agreement.") in got
    assert ("", "Services means the services described in Schedule 1.") in got
    assert ("Schedule 1", "Service Description") in got
    md = result.markdown("services.docx")
    assert md.startswith("# Import of services.docx\n")
    for title in ("## Not imported", "## Numbering", "## References", "## Terms and names"):
        assert title in md
    assert "## Validation" not in md


def _edit_docx(src: Path, dst: Path) -> None:
    """Type clause 1.5's number by hand (and drop its list number), and restart the level-2 list at
    clause 8.3 ("Matching"), as Word's "Restart at 1" does: a new w:num with a startOverride."""
    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        infos = z.infolist()
    doc = etree.fromstring(parts["word/document.xml"])
    numbering = etree.fromstring(parts["word/numbering.xml"])
    paras = list(doc.iter(q("p")))

    def text(p: etree._Element) -> str:
        return "".join(t.text or "" for t in p.iter(q("t")))

    typed = next(p for p in paras if text(p).startswith("The Parties shall act in good faith"))
    typed.find(q("pPr")).remove(typed.find(q("pPr")).find(q("numPr")))
    first_t = typed.find(f"{q('r')}/{q('t')}")
    first_t.text = "1.5\t" + first_t.text
    restart = next(p for p in paras if text(p).startswith("Matching. The Provider shall offer only"))
    num_id = restart.find(f"{q('pPr')}/{q('numPr')}/{q('numId')}").get(q("val"))
    abstract = next(n for n in numbering.findall(q("num")) if n.get(q("numId")) == num_id).find(
        q("abstractNumId")).get(q("val"))
    new_id = str(max(int(n.get(q("numId"))) for n in numbering.findall(q("num"))) + 1)
    num = etree.SubElement(numbering, q("num"), {q("numId"): new_id})
    etree.SubElement(num, q("abstractNumId"), {q("val"): abstract})
    override = etree.SubElement(num, q("lvlOverride"), {q("ilvl"): "1"})
    etree.SubElement(override, q("startOverride"), {q("val"): "1"})
    started = False
    for p in paras:
        started = started or p is restart
        nid = p.find(f"{q('pPr')}/{q('numPr')}/{q('numId')}")
        if started and nid is not None and nid.get(q("val")) == num_id:
            nid.set(q("val"), new_id)
    parts["word/document.xml"] = etree.tostring(doc, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts["word/numbering.xml"] = etree.tostring(numbering, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for info in infos:
            z.writestr(info, parts[info.filename])


def test_libreoffice_edited_contract(soffice: str, shipped_docx: dict, tmp_path: Path) -> None:
    src = shipped_docx[("fostering", "2026.2")]
    edited = tmp_path / "edited.docx"
    _edit_docx(src, edited)
    out = tmp_path / "lo"
    cmd = [soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--norestore",
           "--convert-to", "docx", "--outdir", str(out), str(edited)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    saved = out / "edited.docx"
    folder = tmp_path / "national_contract" / "fostering" / "2026.2"
    result = import_docx(saved, folder)
    assert result.problems == 0, result.report_lines()
    assert not api.validate_paths([folder]).errors
    # neither slip changes the structure: the import reads as the original contract
    original = api.open_source(ROOT / "national_contract" / "fostering", version="2026.2")
    imported = api.open_source(folder)
    assert numbered_text(imported) == numbered_text(original)
    rebuilt = tmp_path / "rebuilt.docx"
    rebuilt.write_bytes(api.build_docx(imported))
    assert [s for _, s in ref_fields(rebuilt)] == [s for _, s in ref_fields(src)]
    lines = report_has(result, "numbering",
                       "“The Parties shall act in good faith towards each…”: the number 1.5 is typed as text",
                       "“Where a provision of the Contract can reasonably…”: Word shows 1.5; the import numbers it 1.6",
                       "“Matching. The Provider shall offer only a Foster…”: Word shows 8.1 to 8.4 on 4 paragraphs",
                       "the import numbers them 8.3 to 8.6")
    assert len(lines) == 3
    # LibreOffice updated the cached results of references to the restarted clauses: they are
    # followed by bookmark, and the report says what they will show
    report_has(result, "references", "a cross-reference shows “8.2”; it will show “8.4”")
    typed = next(c for c in load_part(folder, "terms.yaml")["clauses"][0]["children"]
                 if c["text"].startswith("The Parties shall act in good faith"))
    assert typed["id"] == "background-purpose.parties-act"


# --- documents written with python-docx -------------------------------------------------------------------


def _python_docx(path: Path, tracked: bool = False) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("Supply Agreement", style="Title")
    d.add_heading("Definitions", level=1)
    d.add_paragraph("In this Agreement:")
    p = d.add_paragraph()
    p.add_run("Goods").bold = True
    p.add_run(" means the goods listed in the Schedule.")
    d.add_paragraph("“Widget” means a thing the text never mentions.")
    d.add_heading("Supply", level=1)
    d.add_paragraph("The Seller shall deliver the Goods within ten days of an order.", style="List Number")
    d.add_paragraph("Payment is due as clause 2.1 says.", style="List Number")
    d.add_heading("Schedule 1 – Goods", level=1)
    d.add_heading("Goods", level=2)
    d.add_paragraph("The Goods are those in clause 2.1 of the Agreement.", style="List Number 2")
    d.save(str(path))
    if tracked:
        with zipfile.ZipFile(path) as z:
            parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        xml = parts["word/document.xml"].decode()
        xml = xml.replace("<w:t>The Seller shall deliver the Goods within ten days of an order.</w:t></w:r>",
                          "<w:t>The Seller shall deliver the Goods within </w:t></w:r>"
                          f'<w:del w:id="901" w:author="A" w:date="2026-01-01T00:00:00Z"><w:r><w:delText>ten'
                          '</w:delText></w:r></w:del><w:ins w:id="902" w:author="A" w:date="2026-01-01T00:00:00Z">'
                          "<w:r><w:t>five</w:t></w:r></w:ins><w:r><w:t xml:space=\"preserve\"> days of an order.</w:t></w:r>")
        assert "five" in xml
        parts["word/document.xml"] = xml.encode()
        with zipfile.ZipFile(path, "w") as z:
            for name, data in parts.items():
                z.writestr(name, data)


def test_python_docx_style_numbering_tracked_changes_and_an_unused_term(tmp_path: Path) -> None:
    src = tmp_path / "supply.docx"
    _python_docx(src, tracked=True)
    folder = tmp_path / "national_contract" / "supply" / "1.0"
    import datetime as dt

    result = import_docx(src, folder, dt.date(2026, 5, 1))
    terms = load_part(folder, "terms.yaml")
    assert clause_tree(terms["clauses"]) == [
        ("definitions", "Definitions", []),
        ("supply", "Supply", [("supply.seller-deliver", None, []), ("supply.payment-due", None, [])]),
    ]
    assert terms["clauses"][1]["children"][0]["text"] == "The Seller shall deliver the Goods within five days of an order."
    assert terms["clauses"][1]["children"][1]["text"] == "Payment is due as clause [[supply.seller-deliver]] says."
    sched = load_part(folder, "schedule-1-goods.yaml")
    assert sched["clauses"][0]["children"][0]["text"] == ("The Goods are those in clause [[supply.seller-deliver]] "
                                                          "of the Agreement.")
    assert str(load_part(folder, "contract.yaml")["date"]) == "2026-05-01"
    # the unused definition is kept, and validate's complaint is explained
    assert result.problems == 1
    report_has(result, "validation", "defined term 'Widget' is never used",
               "the document defines it but no text uses it")
    report_has(result, "structure", "tracked changes (1 insertions, 1 deletions); they were accepted")
    report_has(result, "terms", "Agreement, Seller")


# --- the command line ----------------------------------------------------------------------------------------


def test_cli(tmp_path: Path, shipped_docx: dict) -> None:
    src = tmp_path / "supply.docx"
    _python_docx(src)
    folder = tmp_path / "national_contract" / "supply" / "1.0"
    report = tmp_path / "report.md"
    r = run_cli("import", str(src), "-o", str(folder), "--report", str(report), "--date", "2026-05-01")
    assert r.returncode == 3, r.stderr
    assert "validate: 1 problem (see Validation)" in r.stdout
    assert "defined term 'Widget' is never used" in r.stdout
    md = report.read_text(encoding="utf-8")
    assert "## Validation" in md and "| " in md and "Widget" in md
    assert "Traceback" not in r.stderr

    again = run_cli("import", str(src), "-o", str(folder))
    assert again.returncode == 1
    assert "the folder is not empty" in again.stderr and "Traceback" not in again.stderr
    bad_date = run_cli("import", str(src), "-o", str(tmp_path / "national_contract" / "supply" / "2.0"),
                       "--date", "1 May")
    assert bad_date.returncode == 1 and "--date 1 May: not a date; write YYYY-MM-DD" in bad_date.stderr
    not_docx = run_cli("import", str(report), "-o", str(tmp_path / "national_contract" / "supply" / "3.0"))
    assert not_docx.returncode == 1 and "is not a Word document (.docx)" in not_docx.stderr
    assert "Traceback" not in not_docx.stderr

    ok = tmp_path / "national_contract" / "fostering" / "2026.2"
    r = run_cli("import", str(shipped_docx[("fostering", "2026.2")]), "-o", str(ok))
    assert r.returncode == 0, r.stderr
    assert "validate: no problems" in r.stdout
    assert run_cli("validate", str(ok)).returncode == 0
