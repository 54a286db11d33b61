"""Tender packs: manifest, workbook, OCDS release, determinism, real readers, failures."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from openpyxl.utils import get_column_letter

from conftest import ROOT, convert_with_libreoffice, run_cli
from docxread import pandoc_paragraphs

OVERLAYS = sorted((ROOT / "variations").glob("*.yaml"))
SAMPLE = "white-rose-fostering"  # three lots, three tiers


def test_every_overlay_packs_and_its_manifest_is_exact(all_packs: Path) -> None:
    for overlay in OVERLAYS:
        folder = all_packs / overlay.stem
        manifest = json.loads((folder / "manifest.json").read_text())
        listed = {f["name"] for f in manifest["files"]}
        present = {p.name for p in folder.iterdir()} - {"manifest.json"}
        assert listed == present, overlay.stem
        for f in manifest["files"]:
            data = (folder / f["name"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["size"]
        assert manifest["base"]["contract"] in ("fostering@2026.2", "residential@2026.2")
        assert len(manifest["base"]["sources_sha256"]) == 64
        assert manifest["overlays"][-1]["id"] == overlay.stem
        assert manifest["overlays"][-1]["sha256"] == hashlib.sha256(overlay.read_bytes()).hexdigest()
        assert manifest["contractgen"]
        with zipfile.ZipFile(all_packs / f"{overlay.stem}.zip") as z:
            assert sorted(z.namelist()) == sorted(f"{overlay.stem}/{n}" for n in present | {"manifest.json"})
            for n in present:
                assert z.read(f"{overlay.stem}/{n}") == (folder / n).read_bytes()


def test_pack_holds_every_document_of_a_tender(all_packs: Path) -> None:
    names = {p.name for p in (all_packs / SAMPLE).iterdir()}
    for prefix in ("01-instructions", "02-specification-lot-1", "02-specification-lot-3", "03-framework-agreement",
                   "04-individual-placement-agreement", "05-schedule-of-variations", "06-redline.docx",
                   "06-redline.html", "07-pricing-schedule.xlsx", "08-award-criteria", "09-call-off-procedure",
                   "10-form-of-tender", "11-quality-questions", "12-selection-questionnaire", "manifest.json",
                   "release.json"):
        assert any(n.startswith(prefix) for n in names), prefix


def _sample_layout() -> tuple[int, list[str], int]:
    """Return (tiers, age bands, lots) from the sample overlay's particulars: what the workbook must hold."""
    cons = yaml.safe_load((ROOT / "variations" / f"{SAMPLE}.yaml").read_text(encoding="utf-8"))["consortium"]
    return cons["tiers"], cons["age_bands"], len(cons["lots"])


def _cells(rule) -> set[str]:
    return {f"{get_column_letter(c)}{r}" for rng in rule.sqref.ranges for r, c in rng.cells}


def test_workbook_inputs_are_unlocked_and_validated(all_packs: Path) -> None:
    from openpyxl import load_workbook

    tiers, bands, n_lots = _sample_layout()
    assert tiers > 1 and len(bands) > 1, "the sample must have tiers and several age bands"
    wb = load_workbook(all_packs / SAMPLE / "07-pricing-schedule.xlsx")
    assert wb.sheetnames == ["Instructions", *(f"Lot {i}" for i in range(1, n_lots + 1))]
    assert wb["Instructions"].protection.sheet, "the instructions sheet must be protected"
    lots = yaml.safe_load((ROOT / "variations" / f"{SAMPLE}.yaml").read_text(encoding="utf-8"))["consortium"]["lots"]
    # each lot is priced on its own basis: per age band, but the parent-and-child lot per placement
    want = [(["Parent and child placement"], "Placement") if "parent and child" in lot else (bands, "Age band")
            for lot in lots]
    assert {len(rows) for rows, _ in want} == {1, len(bands)}, "the sample must have lots of both bases"
    header, first = 5, 6  # row 3 is the tier, row 5 the column headings
    for ws, (rows, basis) in zip(wb.worksheets[1:], want):
        last = 5 + len(rows)
        prices = {f"{col}{r}" for col in "BCDE" for r in range(first, last + 1)}
        assert ws.max_row == last, ws.title
        assert ws.protection.sheet, f"{ws.title}: the sheet must be protected"
        assert [ws.cell(r, 1).value for r in range(first, last + 1)] == rows, ws.title
        assert ws.cell(header, 1).value == basis, ws.title
        assert ws.cell(header, 2).value == "Weekly core fee (£)" and ws.cell(header, 6).value == "Total weekly fee (£)"
        rules = ws.data_validations.dataValidation
        assert sorted(r.type for r in rules) == ["decimal", "whole"], ws.title
        price = next(r for r in rules if r.type == "decimal")
        tier = next(r for r in rules if r.type == "whole")
        # a price: a number of 0 or more, or left blank; anything else is refused with a message
        assert (price.operator, price.formula1, price.formula2) == ("greaterThanOrEqual", "0", None)
        assert price.allow_blank and price.showErrorMessage and price.errorStyle in (None, "stop")
        assert "0 or more" in (price.error or "")
        assert _cells(price) == prices, ws.title
        # the tier: a whole number from 1 to the number of tiers
        assert (tier.operator, tier.formula1, tier.formula2) == ("between", "1", str(tiers))
        assert tier.showErrorMessage and tier.errorStyle in (None, "stop") and _cells(tier) == {"B3"}
        # exactly the validated cells are unlocked; every other cell (formulas, headings) stays locked
        unlocked = {c.coordinate for row in ws.iter_rows() for c in row if c.protection.locked is False}
        assert unlocked == prices | {"B3"}, ws.title
        for r in range(first, last + 1):
            total = ws.cell(r, 6)
            assert total.value == f"=SUM(B{r}:E{r})" and total.protection.locked, total.coordinate


def test_libreoffice_computes_the_workbook_totals(all_packs: Path, soffice: str, tmp_path: Path) -> None:
    """Fill the price cells as a bidder would and let LibreOffice compute the totals."""
    from openpyxl import load_workbook

    wb = load_workbook(all_packs / SAMPLE / "07-pricing-schedule.xlsx")
    want = {}
    for n, ws in enumerate(wb.worksheets[1:], start=1):
        for r in range(6, ws.max_row + 1):  # every priced row, whatever the lot's basis
            fees = [100 * n + r, 12.5, 0, r]
            for col, fee in zip("BCDE", fees):
                ws[f"{col}{r}"] = fee
            want[(ws.title, r)] = sum(fees)
    (tmp_path / "in").mkdir()
    filled = tmp_path / "in" / "filled.xlsx"
    wb.save(filled)
    out = convert_with_libreoffice(soffice, [filled], tmp_path / "out", "xlsx")["filled"]
    computed = load_workbook(out, data_only=True)
    got = {(t, r): computed[t][f"F{r}"].value for t, r in want}
    assert got == want


PLACEHOLDER = "https://documents.invalid/{id}/"
LOTS_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json"


def test_every_release_package_passes_the_official_ocds_schemas(all_packs: Path) -> None:
    """As the Data Review Tool checks it: the package schema, the release schema with the lots
    extension merged, formats, no undeclared field, codelists respected (see ocds_validate)."""
    from ocds_validate import check_package

    for overlay in OVERLAYS:
        folder = all_packs / overlay.stem
        package = json.loads((folder / "release.json").read_text(encoding="utf-8"))
        assert set(package) == {"uri", "version", "extensions", "publishedDate", "publisher", "releases"}
        report = check_package(package)
        assert not report.errors, (overlay.stem, report.errors[:10])
        assert not report.additional, (overlay.stem, report.additional[:10])
        assert not report.notes, (overlay.stem, report.notes[:10])
        assert package["extensions"] == [LOTS_EXTENSION]
        [release] = package["releases"]
        assert release["ocid"] == f"DRAFT-{overlay.stem}"
        assert {i["classification"]["id"] for i in release["tender"]["items"]} == {"85311300"}
        # no documents_url in the shipped particulars: the documented placeholder, + the file name
        base = PLACEHOLDER.format(id=overlay.stem)
        assert package["uri"] == base + "release.json"
        docs = release["tender"]["documents"]
        for doc in docs:
            assert doc["url"].startswith(base), doc["url"]
            assert (folder / doc["url"][len(base):]).is_file(), doc["url"]
        assert {d["documentType"] for d in docs} >= {
            "biddingDocuments", "technicalSpecifications", "evaluationCriteria", "contractDraft", "billOfQuantity"}
        lots = {lot["id"] for lot in release["tender"]["lots"]}
        assert {i["relatedLot"] for i in release["tender"]["items"]} == lots
        assert {lot for d in docs for lot in d.get("relatedLots", [])} == lots


def test_pack_warns_once_per_pack_that_document_urls_are_placeholders(all_packs_run: tuple[Path, str]) -> None:
    _, stderr = all_packs_run
    for overlay in OVERLAYS:
        lines = [ln for ln in stderr.splitlines() if ln.startswith(f"variations/{overlay.name}:")
                 and "no documents_url" in ln]
        assert len(lines) == 1, (overlay.stem, lines)
        assert PLACEHOLDER.format(id=overlay.stem) in lines[0] and lines[0].endswith("[warning]")
        assert "--documents-url" in lines[0]


def _award_basis(docx: Path) -> tuple[str, str | None]:
    """Return (the awardCriteria code the award-criteria document describes, its weightings or None)."""
    import re

    from docx import Document

    doc = Document(str(docx))
    text = " ".join([p.text for p in doc.paragraphs]
                    + [c.text for t in doc.tables for row in t.rows for c in row.cells])
    quality = "Each quality question is scored" in text
    price = "Price is scored for each lot" in text
    weights = re.search(r"quality (\d+(?:\.\d+)?)% and price (\d+(?:\.\d+)?)%", text)
    assert weights, f"{docx}: the award criteria state no weightings"
    quality = quality and float(weights[1]) > 0
    price = price and float(weights[2]) > 0
    code = {(True, True): "ratedCriteria", (True, False): "qualityOnly", (False, True): "priceOnly"}[(quality, price)]
    return code, f"{weights[1]}% and price {weights[2]}%"


def test_award_criteria_code_matches_the_award_criteria_document(all_packs: Path) -> None:
    """Every pack states weightings (pack needs them), and release.json says what the document says."""
    for overlay in OVERLAYS:
        folder = all_packs / overlay.stem
        tender = json.loads((folder / "release.json").read_text())["releases"][0]["tender"]
        code, weights = _award_basis(folder / "08-award-criteria.docx")
        assert tender["awardCriteria"] == code, overlay.stem
        assert weights in tender["awardCriteriaDetails"], overlay.stem


def test_a_relative_document_url_is_reported(all_packs: Path) -> None:
    """The format checker is live: the mistake the draft schema let through is caught."""
    import copy

    from ocds_validate import check_package

    package = json.loads((all_packs / SAMPLE / "release.json").read_text())
    assert not check_package(package).problems()
    bad = copy.deepcopy(package)
    bad["releases"][0]["tender"]["documents"][0]["url"] = "01-instructions-to-tenderers.docx"
    assert check_package(bad).errors == [
        "releases/0/tender/documents/0/url: '01-instructions-to-tenderers.docx' is not a 'uri'"]
    no_ext = copy.deepcopy(package)
    no_ext["extensions"] = []
    assert "releases/0/tender/lots: not declared by the schema" in check_package(no_ext).additional
    closed = copy.deepcopy(package)
    closed["releases"][0]["tender"]["lots"][0]["status"] = "open"
    assert "releases/0/tender/lots/0/status: 'open' is not in the closed codelist tenderStatus.csv" in \
        check_package(closed).errors


def test_merge_patch_follows_rfc_7386() -> None:
    from ocds_validate import merge_patch

    # RFC 7386 appendix A, a selection
    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b", "b": "c"}, {"a": None}) == {"b": "c"}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge_patch({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert merge_patch(["a", "b"], {"a": "b"}) == {"a": "b"}
    assert merge_patch({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}


def _set_documents_url(project: Path, overlay: str, url: str) -> Path:
    path = project / "variations" / f"{overlay}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("\nconsortium:\n") == 1
    path.write_text(text.replace("\nconsortium:\n", f"\nconsortium:\n  documents_url: {url}\n"), encoding="utf-8")
    return path


def test_documents_url_from_the_particulars_or_the_command_line(tmp_path: Path) -> None:
    from ocds_validate import check_package

    project = _project(tmp_path)
    _set_documents_url(project, "ne7-fostering", "https://www.example.gov.uk/tenders/ne7")  # no final /
    r = run_cli("validate", "variations/ne7-fostering.yaml", cwd=project)
    assert r.returncode == 0 and "unknown key" not in r.stdout + r.stderr, r.stdout + r.stderr
    r = run_cli("pack", "variations/ne7-fostering.yaml", "-o", "packs", cwd=project)
    assert r.returncode == 0 and "documents_url" not in r.stderr, r.stderr
    package = json.loads((project / "packs" / "ne7-fostering" / "release.json").read_text())
    assert not check_package(package).problems()
    assert package["uri"] == "https://www.example.gov.uk/tenders/ne7/release.json"
    urls = [d["url"] for d in package["releases"][0]["tender"]["documents"]]
    assert "https://www.example.gov.uk/tenders/ne7/01-instructions-to-tenderers.docx" in urls
    # the command line wins over the particulars
    r = run_cli("pack", "variations/ne7-fostering.yaml", "-o", "packs",
                "--documents-url", "https://procurement.example.org/ne7/2026/", cwd=project)
    assert r.returncode == 0 and "documents_url" not in r.stderr, r.stderr
    package = json.loads((project / "packs" / "ne7-fostering" / "release.json").read_text())
    assert not check_package(package).problems()
    assert all(d["url"].startswith("https://procurement.example.org/ne7/2026/")
               for d in package["releases"][0]["tender"]["documents"])
    manifest = json.loads((project / "packs" / "ne7-fostering" / "manifest.json").read_text())
    assert "release.json" in {f["name"] for f in manifest["files"]}


def test_a_bad_documents_url_is_a_clear_error(tmp_path: Path) -> None:
    project = _project(tmp_path)
    path = _set_documents_url(project, "ne7-fostering", "http://www.example.gov.uk/ne7/")
    line = path.read_text().splitlines().index("  documents_url: http://www.example.gov.uk/ne7/") + 1
    r = run_cli("pack", "variations/ne7-fostering.yaml", "-o", "packs", cwd=project)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert (f"variations/ne7-fostering.yaml:{line}:18: 'http://www.example.gov.uk/ne7/' is not a valid "
            "documents_url (write the https address") in r.stderr, r.stderr
    assert not (project / "packs" / "ne7-fostering").exists()
    for args, message in (
            (["variations/white-rose-fostering.yaml", "--documents-url", "documents/"],
             "error: --documents-url 'documents/' is not an https address"),
            (["--all", "--documents-url", "https://www.example.gov.uk/x/"],
             "error: --documents-url is one pack's address: pack one overlay with it")):
        r = run_cli("pack", *args, "-o", "packs2", cwd=project)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert message in r.stderr, r.stderr
        assert not (project / "packs2").exists()


def test_packing_twice_gives_identical_bytes(all_packs: Path, tmp_path: Path) -> None:
    r = run_cli("pack", f"variations/{SAMPLE}.yaml", "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / f"{SAMPLE}.zip").read_bytes() == (all_packs / f"{SAMPLE}.zip").read_bytes()
    for p in (all_packs / SAMPLE).iterdir():
        assert (tmp_path / SAMPLE / p.name).read_bytes() == p.read_bytes(), p.name


def test_pandoc_reads_every_docx_in_a_pack(all_packs: Path, pandoc: str) -> None:
    for doc in sorted((all_packs / SAMPLE).glob("*.docx")):
        text = pandoc_paragraphs(doc)
        assert len(text) > 5 and not any("{{" in t or "{%" in t for t in text), doc.name


def test_libreoffice_converts_every_docx_and_the_workbook(all_packs: Path, soffice: str, tmp_path: Path) -> None:
    docs = sorted((all_packs / SAMPLE).glob("*.docx"))
    pdfs = convert_with_libreoffice(soffice, docs, tmp_path / "pdf")
    for d in docs:
        assert pdfs[d.stem].read_bytes().startswith(b"%PDF"), d.name
    xlsx = convert_with_libreoffice(soffice, [all_packs / SAMPLE / "07-pricing-schedule.xlsx"], tmp_path / "x", "pdf")
    assert xlsx["07-pricing-schedule"].read_bytes().startswith(b"%PDF")


def _project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "national_contract", tmp_path / "national_contract")
    shutil.copytree(ROOT / "contractgen" / "templates", tmp_path / "templates")
    (tmp_path / "variations").mkdir()
    for name in ("white-rose-fostering", "ne7-fostering"):
        shutil.copy(ROOT / "variations" / f"{name}.yaml", tmp_path / "variations")
    return tmp_path


def test_a_template_variable_the_data_lacks_is_a_clear_error(tmp_path: Path) -> None:
    project = _project(tmp_path)
    from docx import Document

    path = project / "templates" / "pack" / "award-criteria.docx"
    doc = Document(str(path))
    doc.add_paragraph("Contact: {{ contact_officer }}")
    doc.save(str(path))
    r = run_cli("pack", "variations/ne7-fostering.yaml", "-o", "packs", "--templates", "templates", cwd=project)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "templates/pack/award-criteria.docx: template uses 'contact_officer', which the data does not provide" in r.stderr
    assert not (project / "packs" / "ne7-fostering").exists()


def test_pack_all_reports_a_failure_and_completes_the_others(tmp_path: Path) -> None:
    project = _project(tmp_path)
    broken = project / "variations" / "ne7-fostering.yaml"
    broken.write_text(broken.read_text().replace("op: set", "op: sett", 1))
    r = run_cli("pack", "--all", "-o", "packs", cwd=project)
    assert r.returncode == 1
    assert "1 of 2 packs written" in r.stdout and "1 failed" in r.stdout
    assert "variations/ne7-fostering.yaml:" in r.stderr and "'sett' is not allowed" in r.stderr
    assert (project / "packs" / "white-rose-fostering" / "manifest.json").is_file()
    assert not (project / "packs" / "ne7-fostering").exists()
