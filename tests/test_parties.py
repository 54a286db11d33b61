"""The framework agreement can be signed: a parties block before clause 1, an execution page
after the terms, both unnumbered, deterministic and valid."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_cli
from docxread import NS, bookmarked_paragraphs, pandoc_paragraphs, part, q, word_numbers

from contractgen.api import build_docx, open_source
from contractgen.numbering import number_contract
from contractgen.overlay import resolve_chain

OVERLAY = "greater-manchester-residential"  # a lead authority that is also one of ten members


@pytest.fixture(scope="module")
def gm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parties") / f"{OVERLAY}.docx"
    r = run_cli("build", f"variations/{OVERLAY}.yaml", "-o", str(out))
    assert r.returncode == 0, r.stderr
    return out


def _particulars(ident: str) -> dict:
    return yaml.safe_load((ROOT / "variations" / f"{ident}.yaml").read_text(encoding="utf-8"))["consortium"]


def test_parties_block_names_the_lead_and_every_member(gm: Path, pandoc: str) -> None:
    cons = _particulars(OVERLAY)
    paras = pandoc_paragraphs(gm)
    start = paras.index("Parties")
    end = paras.index("The Parties agree as follows.")
    block = paras[start:end]
    assert block[2] == (f"(1) {cons['lead']}, acting for itself and on behalf of the Member Authorities listed "
                        "below (the \u201cPurchaser\u201d); and")
    assert block[3] == "(2) the provider named in the execution page (the \u201cProvider\u201d)."
    listed = block[block.index("The Member Authorities are:") + 1:]
    assert listed == cons["members"]
    # before clause 1, after the contents
    assert start > paras.index("Contents")
    assert paras[end + 1] == "Background and purpose"


def test_execution_page_has_both_parties_on_a_new_page(gm: Path, pandoc: str) -> None:
    cons = _particulars(OVERLAY)
    paras = pandoc_paragraphs(gm)
    at = paras.index("Execution")
    page = paras[at:at + 40]
    assert f"Signed for and on behalf of {cons['lead']}, the Purchaser" in page
    assert "Signed for and on behalf of the Provider" in page
    for label in ("Signature", "Name", "Position", "Date", "Provider (full legal name)"):
        assert label in page, label
    body = part(gm).find(q("body"))
    heading = next(p for p in body.iter(q("p")) if "".join(t.text or "" for t in p.iter(q("t"))) == "Execution")
    assert heading.find("w:pPr/w:pageBreakBefore", NS) is not None
    # after the last clause of the terms, before Schedule 1
    numbered = number_contract(resolve_chain(ROOT / "variations" / f"{OVERLAY}.yaml").contract)
    first_schedule = next(p for p in numbered.parts if p.part.kind == "schedule")
    title = numbered.inline(first_schedule.part.title)
    assert paras.index(title) > at
    last_clause = numbered.parts[0].nodes[-1].clause
    assert paras.index(numbered.inline(last_clause.heading)) < at


def test_signature_blanks_are_content_controls_with_unique_tags(gm: Path) -> None:
    doc = part(gm)
    tags = [t.get(q("val")) for t in doc.iter(q("tag"))]
    assert len(tags) == len(set(tags)), "content control tags must be unique"
    assert {"execution.purchaser.name", "execution.provider.party", "execution.provider.date"} <= set(tags)
    for sdt in doc.iter(q("sdt")):
        assert sdt.getparent().tag == q("p"), "run-level controls only"
        pr = sdt.find("w:sdtPr", NS)
        assert [etree_local(c) for c in pr] == ["alias", "tag", "showingPlcHdr", "text"]


def etree_local(e) -> str:
    return e.tag.rsplit("}", 1)[1]


def test_national_base_parties_are_a_form_and_its_numbers_are_unchanged(tmp_path: Path, pandoc: str) -> None:
    src = ROOT / "national_contract" / "fostering"
    path = tmp_path / "fostering.docx"
    path.write_bytes(build_docx(open_source(src)))
    paras = pandoc_paragraphs(path)
    at = paras.index("Parties")
    assert paras[at + 2] == ("(1) Click or tap to enter, acting for itself and on behalf of the Member Authorities "
                             "named in the Consortium Variation (the \u201cPurchaser\u201d); and")
    assert "Signed for and on behalf of the Purchaser" in paras
    tags = {t.get(q("val")) for t in part(path).iter(q("tag"))}
    assert {"parties.purchaser", "execution.purchaser.party"} <= tags
    # every clause keeps its number: the parties block and execution page are unnumbered
    from contractgen.render.oxml import bookmark_name

    numbered = number_contract(open_source(src))
    numbers, marks = word_numbers(path), bookmarked_paragraphs(path)
    for _, node in numbered.walk():
        assert numbers[marks[bookmark_name(node.clause.id)]] == (node.number, node.full), node.clause.id


def test_same_inputs_give_the_same_bytes() -> None:
    contract = resolve_chain(ROOT / "variations" / f"{OVERLAY}.yaml").contract
    assert build_docx(contract) == build_docx(contract)


def test_without_a_lead_the_first_member_is_the_purchaser() -> None:
    from contractgen.render.docx import _purchaser

    assert _purchaser({"name": "X", "members": ["A Council", "B Council"]}) == ("A Council", ["A Council", "B Council"])
    assert _purchaser({"name": "X", "lead": "L", "members": ["A"]}) == ("L", ["A"])
    assert _purchaser(None) == (None, [])
    assert _purchaser({"name": "X"}) == (None, [])

