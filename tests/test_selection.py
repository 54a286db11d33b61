"""The selection questionnaire: the framework agreement's insurance levels, registration for each
lot's services, exclusion grounds and a declaration, no placeholders; LibreOffice converts it."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from conftest import ROOT, convert_with_libreoffice

from contractgen.overlay import resolve_chain
from contractgen.pack import build_pack, lot_facts

OVERLAYS = ["white-rose-fostering", "white-rose-residential", "greater-manchester-residential"]
PLACEHOLDER = re.compile(r"(?i)\bTBC\b|to be confirmed|\[insert|\bTODO\b|\bXXX?\b|\{\{|\{%|lorem ipsum")
SQ = "12-selection-questionnaire.docx"
MONEY = re.compile(r"£[\d,]+")


def plain(path: Path) -> str:
    return subprocess.run(["pandoc", "-f", "docx", "-t", "plain", "--wrap=none", str(path)], check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Each overlay's selection questionnaire, quality questions and framework agreement, on disk."""
    if not shutil.which("pandoc"):
        pytest.skip("pandoc is not installed")
    tmp = tmp_path_factory.mktemp("sq")
    out: dict[str, dict[str, Path]] = {}
    for name in OVERLAYS:
        _, files = build_pack(ROOT / "variations" / f"{name}.yaml", epoch=0)
        out[name] = {}
        for k in (SQ, "11-quality-questions.docx", "03-framework-agreement.docx"):
            path = tmp / f"{name}-{k}"
            path.write_bytes(files[k])
            out[name][k] = path
    return out


def _agreement_insurance(text: str) -> list[str]:
    """Return the minimum sums the framework agreement's insurance clause states, in order."""
    return [m for line in text.splitlines() if "for any one claim" in line
            and re.search(r"(not less than|at least) £", line) for m in MONEY.findall(line)]


@pytest.mark.parametrize("name", OVERLAYS)
def test_insurance_levels_are_the_framework_agreements(packs, name: str) -> None:
    sq = plain(packs[name][SQ])
    agreement = plain(packs[name]["03-framework-agreement.docx"])
    section = sq.split("B3. Insurance")[1].split("B4.")[0]
    stated = [m for line in section.splitlines() if "for any one claim" in line for m in MONEY.findall(line)]
    assert stated and stated == _agreement_insurance(agreement), name
    values = resolve_chain(ROOT / "variations" / f"{name}.yaml").contract.values
    covers = sorted(f"£{v:,}" for k, v in values.items() if k.endswith("_cover"))
    assert sorted(stated) == covers
    clause = re.search(r"in clause (\d+\.\d+), the insurance below", " ".join(section.split()))
    assert clause, section[:300]


@pytest.mark.parametrize("name", OVERLAYS)
def test_registration_for_each_lots_services_and_the_conditions(packs, name: str) -> None:
    sq = " ".join(plain(packs[name][SQ]).split())
    resolved = resolve_chain(ROOT / "variations" / f"{name}.yaml")
    for facts in lot_facts(resolved):
        services = next(r["value"] for r in facts if r["fact"] == "Services")
        assert services[:1].upper() + services[1:] in sq, (name, services)
    unit = {"fostering": "an independent fostering agency", "residential": "a children's home"}[resolved.contract.id]
    assert f"Ofsted, as {unit} under the Care Standards Act 2000" in sq
    for needed in ("Schedule 6 to the Procurement Act 2023", "Schedule 7 to the Procurement Act 2023",
                   "Central Digital Platform", "section 22 of the Procurement Act 2023", "judged inadequate",
                   "Safeguarding policy and training", "Financial standing", "We declare that"):
        assert needed in sq, (name, needed)
    questions = re.findall(r"\b([AB]\d)\. ", sq)
    assessments = re.findall(r"Assessment: (pass or fail|for information)", sq)
    assert len(set(questions)) == len(assessments) == 9, (questions, assessments)


@pytest.mark.parametrize("name", OVERLAYS)
def test_no_placeholder_wording(packs, name: str) -> None:
    for doc in (SQ, "11-quality-questions.docx"):
        text = plain(packs[name][doc])
        assert not PLACEHOLDER.search(text), (name, doc, PLACEHOLDER.search(text))


def test_every_answer_has_a_field_to_fill_in(packs) -> None:
    with zipfile.ZipFile(BytesIO(packs["greater-manchester-residential"][SQ].read_bytes())) as z:
        xml = z.read("word/document.xml").decode()
    tags = re.findall(r'<w:tag w:val="([^"]+)"', xml)
    assert len(tags) == len(set(tags)) >= 20, tags


def test_release_lists_both_documents_with_codelist_types() -> None:
    import csv
    import json

    _, files = build_pack(ROOT / "variations" / "greater-manchester-residential.yaml", epoch=0)
    docs = {d["url"].rsplit("/", 1)[1]: d["documentType"]
            for d in json.loads(files["release.json"])["releases"][0]["tender"]["documents"]}
    assert docs["11-quality-questions.docx"] == "evaluationCriteria"
    assert docs[SQ] == "eligibilityCriteria"
    codelist = ROOT.parent / "shared" / "standards" / "ocds-1.1.5" / "codelists" / "documentType.csv"
    with codelist.open(encoding="utf-8") as f:
        codes = {row["Code"] for row in csv.DictReader(f)}
    assert set(docs.values()) <= codes


def test_libreoffice_converts_both_documents(packs, soffice: str, tmp_path: Path) -> None:
    docs = [packs["greater-manchester-residential"][SQ], packs["greater-manchester-residential"]["11-quality-questions.docx"]]
    pdfs = convert_with_libreoffice(soffice, docs, tmp_path / "pdf")
    for d in docs:
        assert pdfs[d.stem].read_bytes().startswith(b"%PDF"), d.name
