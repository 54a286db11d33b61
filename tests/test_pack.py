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


@pytest.fixture(scope="session")
def all_packs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("packs")
    r = run_cli("pack", "--all", "-o", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"{len(OVERLAYS)} of {len(OVERLAYS)} packs written" in r.stdout
    return out


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
        assert manifest["base"]["contract"] in ("fostering@2026.1", "residential@2026.1")
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
                   "10-form-of-tender", "manifest.json", "release.json"):
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
    header, first, last = 5, 6, 5 + len(bands)  # row 3 is the tier, row 5 the column headings
    prices = {f"{col}{r}" for col in "BCDE" for r in range(first, last + 1)}
    for ws in wb.worksheets[1:]:
        assert ws.protection.sheet, f"{ws.title}: the sheet must be protected"
        assert [ws.cell(r, 1).value for r in range(first, last + 1)] == bands, ws.title
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

    _, bands, _ = _sample_layout()
    wb = load_workbook(all_packs / SAMPLE / "07-pricing-schedule.xlsx")
    want = {}
    for n, ws in enumerate(wb.worksheets[1:], start=1):
        for r in range(6, 6 + len(bands)):
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


def test_release_json_is_a_valid_draft_ocds_release(all_packs: Path) -> None:
    from jsonschema import Draft4Validator

    schema = json.loads((ROOT / "schemas" / "ocds" / "release-draft.schema.json").read_text())
    for overlay in OVERLAYS:
        folder = all_packs / overlay.stem
        release = json.loads((folder / "release.json").read_text())
        errors = sorted(Draft4Validator(schema).iter_errors(release), key=str)
        assert not errors, [e.message for e in errors]
        assert release["ocid"].startswith("DRAFT-") and not release["ocid"].startswith("ocds-")
        assert {i["classification"]["id"] for i in release["tender"]["items"]} == {"85311300"}
        for doc in release["tender"]["documents"]:
            assert (folder / doc["url"]).is_file()
        assert {d["documentType"] for d in release["tender"]["documents"]} >= {
            "biddingDocuments", "technicalSpecifications", "evaluationCriteria", "contractDraft", "tariffs"}


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
