"""Tender packs: manifest, workbook, OCDS release, determinism, real readers, failures."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

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


def test_workbook_inputs_are_unlocked_and_validated(all_packs: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(all_packs / SAMPLE / "07-pricing-schedule.xlsx")
    lots = [ws for ws in wb.worksheets if ws.title.startswith("Lot ")]
    assert len(lots) == 3
    for ws in lots:
        assert ws.protection.sheet, "sheet must be protected"
        rules = ws.data_validations.dataValidation
        prices = [r for r in rules if r.type == "decimal"]
        tiers = [r for r in rules if r.type == "whole"]
        assert prices and tiers
        rule = prices[0]
        assert rule.operator == "greaterThanOrEqual" and rule.formula1 == "0" and rule.showErrorMessage
        covered = {ws.cell(r, c).coordinate for rng in rule.sqref.ranges for r, c in rng.cells}
        unlocked = {c.coordinate for row in ws.iter_rows() for c in row if c.protection.locked is False}
        assert covered and covered <= unlocked
        assert unlocked - covered == {"B3"}  # the tier cell, validated as a whole number
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    assert c.protection.locked is not False, f"formula {c.coordinate} must be locked"
                if isinstance(c.value, str) and not c.value.startswith("=") and c.coordinate not in unlocked:
                    assert c.protection.locked is not False
        # the rule accepts numbers of 0 or more and rejects text: Excel's "decimal" type
        assert _accepts(rule, 125.5) and _accepts(rule, 0) and not _accepts(rule, -1) and not _accepts(rule, "£ a lot")


def _accepts(rule, value) -> bool:
    if rule.type != "decimal" or isinstance(value, str):
        return False
    return value >= float(rule.formula1)


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
