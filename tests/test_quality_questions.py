"""The quality questions: weightings that add up to the quality share, a question about each lot
naming its services, one scoring scale for two documents, and a located error for a bad data file."""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from contractgen.overlay import resolve_chain
from contractgen.pack import build_pack, lot_facts
from contractgen.questions import distribute

#: One fostering and one residential overlay without award weightings, and one with them (60/40).
OVERLAYS = ["white-rose-fostering", "white-rose-residential", "greater-manchester-residential"]
PLACEHOLDER = re.compile(r"(?i)\bTBC\b|to be confirmed|\[insert|\bTODO\b|\bXXX?\b|\{\{|\{%|lorem ipsum")
DATA = ROOT / "contractgen" / "templates" / "pack" / "quality-questions.yaml"


def plain(data: bytes, tmp: Path, name: str) -> str:
    path = tmp / name
    path.write_bytes(data)
    return subprocess.run(["pandoc", "-f", "docx", "-t", "plain", "--wrap=none", str(path)], check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Each overlay's quality questions and award criteria, as pandoc reads them."""
    if not shutil.which("pandoc"):
        pytest.skip("pandoc is not installed")
    tmp = tmp_path_factory.mktemp("qq")
    out = {}
    for name in OVERLAYS:
        _, files = build_pack(ROOT / "variations" / f"{name}.yaml", epoch=0)
        out[name] = {k: plain(files[k], tmp, f"{name}-{k}") for k in ("11-quality-questions.docx",
                                                                      "08-award-criteria.docx")}
    return out


def _weights(text: str) -> dict[int, list[Decimal]]:
    """Return each lot's question weightings, read from the 'Weighting: n% of the …' lines."""
    lots: dict[int, list[Decimal]] = {}
    for m in re.finditer(r"Question (\d+)\.\d+: .*?Weighting: (\d+(?:\.\d+)?)% of the", text, re.DOTALL):
        lots.setdefault(int(m[1]), []).append(Decimal(m[2]))
    return lots


@pytest.mark.parametrize("name", OVERLAYS)
def test_each_lots_weightings_add_up_to_the_quality_share(packs, name: str) -> None:
    resolved = resolve_chain(ROOT / "variations" / f"{name}.yaml")
    award = resolved.overlay.consortium.get("award")
    share = Decimal(str(award["quality"])) if award else Decimal(100)
    text = packs[name]["11-quality-questions.docx"]
    weights = _weights(text)
    assert len(weights) == len(resolved.overlay.consortium.get("lots") or [1]), name
    for lot, ws in weights.items():
        assert sum(ws) == share, (name, lot, ws)
        assert all(w == w.to_integral_value() for w in ws), "whole percentages"
    assert bool(re.search(r"Weighting: [\d.]+% of the total marks", text)) == bool(award)
    assert bool(re.search(r"Weighting: [\d.]+% of the quality marks", text)) == (not award)
    if not award:
        assert "state no award weightings" in text


@pytest.mark.parametrize("name", OVERLAYS)
def test_the_question_about_each_lot_names_its_services(packs, name: str) -> None:
    text = " ".join(packs[name]["11-quality-questions.docx"].split())
    resolved = resolve_chain(ROOT / "variations" / f"{name}.yaml")
    for i, facts in enumerate(lot_facts(resolved), start=1):
        services = next(r["value"] for r in facts if r["fact"] == "Services")
        question = text.split(f"Question {i}.1: ")[1].split(f"Question {i}.2: ")[0]
        assert f"provide {services} in " in question, (name, i, services)
    contract = resolved.contract.id
    assert ("foster carers" in text.lower()) == (contract == "fostering")
    assert ("residential staff" in text.lower()) == (contract == "residential")


@pytest.mark.parametrize("name", OVERLAYS)
def test_no_placeholder_wording(packs, name: str) -> None:
    for doc, text in packs[name].items():
        assert not PLACEHOLDER.search(text), (name, doc, PLACEHOLDER.search(text))


def test_the_scale_is_one_source_for_both_documents(packs) -> None:
    import yaml

    scale = yaml.safe_load(DATA.read_text(encoding="utf-8"))["scale"]
    for name in OVERLAYS:
        for doc in ("11-quality-questions.docx", "08-award-criteria.docx"):
            text = " ".join(packs[name][doc].split())
            for row in scale:
                assert f"{row['label']}: {' '.join(row['meaning'].split())}" in text, (name, doc, row["score"])
            assert f"scored from 0 to {scale[-1]['score']}" in text


def test_a_commissioners_questions_file_is_used_by_both_documents(tmp_path: Path) -> None:
    import io

    import docx
    import yaml

    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    data["scale"] = data["scale"][:5]  # 0 to 4
    data["scale"][4]["meaning"] = "Outstanding in every respect."
    data["questions"] = [q for q in data["questions"] if q["id"] in ("lot-services", "safeguarding")]
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "quality-questions.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    _, files = build_pack(ROOT / "variations" / "greater-manchester-residential.yaml", epoch=0, templates=tmp_path)

    def text(name: str) -> str:
        d = docx.Document(io.BytesIO(files[name]))
        return " ".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])

    for name in ("11-quality-questions.docx", "08-award-criteria.docx"):
        assert "Outstanding in every respect." in text(name) and "scored from 0 to 4" in text(name), name
    assert "Question 1.3" not in text("11-quality-questions.docx")
    assert "Weighting: 33% of the total marks" in text("11-quality-questions.docx")  # 25:20 of 60 is 33 and 27
    assert "Weighting: 27% of the total marks" in text("11-quality-questions.docx")


def test_a_broken_questions_file_is_a_located_error(tmp_path: Path) -> None:
    folder = tmp_path / "templates" / "pack"
    folder.mkdir(parents=True)
    lines = DATA.read_text(encoding="utf-8").splitlines()
    line = next(i for i, s in enumerate(lines, start=1) if s.strip() == "weight: 20")
    lines[line - 1] = lines[line - 1].replace("20", "twenty")
    (folder / "quality-questions.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run_cli("pack", str(ROOT / "variations" / "ne7-fostering.yaml"), "-o", str(tmp_path / "packs"),
                "--templates", str(tmp_path / "templates"), cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"pack/quality-questions.yaml:{line}:13: questions.1.weight should be a number, not text" in r.stderr
    assert not (tmp_path / "packs" / "ne7-fostering").exists()
    # a lot fact named outside the question about the lot
    lines = DATA.read_text(encoding="utf-8").splitlines()
    line = next(i for i, s in enumerate(lines, start=1) if s.strip() == "title: Safeguarding")
    lines[line - 1] = lines[line - 1].replace("Safeguarding", "Safeguarding in {lot}")
    (folder / "quality-questions.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run_cli("pack", str(ROOT / "variations" / "ne7-fostering.yaml"), "-o", str(tmp_path / "packs"),
                "--templates", str(tmp_path / "templates"), cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"pack/quality-questions.yaml:{line}:12: {{lot}} names no lot fact" in r.stderr, r.stderr


@pytest.mark.parametrize("share, weights, want", [
    (60, [25, 20, 20, 20, 15, 5], [14, 12, 11, 11, 9, 3]),
    (100, [1, 1, 1], [34, 33, 33]),  # equal remainders: the earlier question takes the unit
    (70, [1], [70]),
    (0, [1, 2], [0, 0]),
    (62.5, [1, 1, 1], [Decimal("20.9"), Decimal("20.8"), Decimal("20.8")]),  # the share's own places
])
def test_largest_remainder_sums_exactly(share, weights, want) -> None:
    got = distribute(share, weights)
    assert got == [Decimal(str(w)) for w in want]
    assert sum(got) == Decimal(str(share))


def test_the_documents_are_deterministic() -> None:
    overlay = ROOT / "variations" / "greater-manchester-residential.yaml"
    _, a = build_pack(overlay, epoch=0)
    _, b = build_pack(overlay, epoch=0)
    for name in ("11-quality-questions.docx", "12-selection-questionnaire.docx", "08-award-criteria.docx"):
        assert a[name] == b[name], name
