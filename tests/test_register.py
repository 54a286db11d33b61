"""Change registers a provider can read: one row per clause as it finally stands (an extending
overlay's parent reasons it overrides shown as superseded, never as live), each reason naming
the overlay it comes from; value and particulars rows in words; and a diff between two consortia
giving, per changed clause, each side's variation and reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html as lhtml

from conftest import ROOT
from contractgen import api
from contractgen.overlay import resolve_chain
from contractgen.render.variations import variation_rows

VARIATIONS = ROOT / "variations"
EXTENDING = sorted(p for p in VARIATIONS.glob("*.yaml") if re.search(r"^extends:", p.read_text(), re.MULTILINE))
ALL = sorted(VARIATIONS.glob("*.yaml"))
WHY = './/span[contains(concat(" ", @class, " "), " why ")]'


def register(red: api.Redline) -> list[dict]:
    """Return the HTML register's rows: cells, and the reasons (label, text, superseded) of the last."""
    page = lhtml.fromstring(red.html or "")
    rows = []
    for tr in page.xpath('//table[@class="register"]/tbody/tr'):
        cells = [" ".join(td.text_content().split()) for td in tr.findall("td")]
        reasons = []
        for span in tr.findall("td")[-1].xpath(WHY):
            label = span.find("i")
            who = label.text_content().rstrip(":") if label is not None else ""
            text = " ".join(span.text_content().split())
            reasons.append((who, text.removeprefix(f"{who}: ") if who else text, "superseded" in span.get("class", "")))
        rows.append({"no": cells[0], "clause": cells[1], "heading": cells[2], "operation": cells[3],
                     "category": cells[4], "reason": cells[5], "reasons": reasons,
                     "live": "superseded" not in (tr.get("class") or "")})
    return rows


def test_there_are_extending_overlays() -> None:
    assert {p.stem for p in EXTENDING} >= {"west-london-alliance", "south-west-london", "nlcep-fostering"}


@pytest.mark.parametrize("path", EXTENDING, ids=lambda p: p.stem)
def test_an_extending_overlays_register_has_one_row_per_clause_as_it_finally_stands(path: Path) -> None:
    resolved = resolve_chain(path)
    parent, child = resolved.steps[-2][0], resolved.overlay
    red = api.redline(path)
    rows = register(red)
    assert len(rows) == red.variations
    # each declared variation of the chain gives its reason in exactly one row
    for ov in (parent, child):
        for v in ov.variations:
            why = " ".join(v.rationale.split())
            holding = [r for r in rows if any(why in text for _, text, _ in r["reasons"])]
            assert len(holding) == 1, (ov.id, v.id, [r["no"] for r in holding])
    # a parent reason the child overrides is shown superseded, beside the child's live one
    for v in child.variations:
        over = [u for u in parent.variations if u.target == v.target and u.op == v.op and v.op in ("replace", "set", "define")]
        for u in over:
            row = next(r for r in rows if any(" ".join(v.rationale.split()) in t for _, t, _ in r["reasons"]))
            live = [(who, t) for who, t, gone in row["reasons"] if not gone]
            gone = [(who, t) for who, t, g in row["reasons"] if g]
            assert any(who == child.id and " ".join(v.rationale.split()) in t for who, t in live), row
            assert any(parent.id in who and " ".join(u.rationale.split()) in t for who, t in gone), row
            assert not any(" ".join(u.rationale.split()) in t for _, t in live), f"{u.id} shown as live"
    # a live row never gives two reasons for one clause from overlays that override each other,
    # and every reason names the overlay it comes from
    live_clauses = [r["clause"] for r in rows if r["live"] and r["clause"][:1].isdigit() and "," not in r["clause"]
                    and " and " not in r["heading"]]
    for r in rows:
        assert r["reasons"] and all(who for who, _, _ in r["reasons"]), r
        assert all(who.startswith((child.id, parent.id, "Superseded — ")) for who, _, _ in r["reasons"]), r
    by_clause = {}
    for r in rows:
        if r["live"] and r["heading"] and not r["operation"].startswith(("Value", "No net")):
            by_clause.setdefault((r["clause"], r["heading"], r["operation"]), []).append(r["no"])
    assert all(len(v) == 1 for v in by_clause.values()), by_clause
    assert live_clauses  # the register is not empty of clause rows


def test_west_london_alliance_reads_as_a_provider_would_want() -> None:
    rows = register(api.redline(VARIATIONS / "west-london-alliance.yaml"))
    background = [r for r in rows if r["heading"] == "Background and purpose"]
    assert len(background) == 1, background
    row = background[0]
    assert row["live"] and row["clause"] == "1.1"
    (who, text, gone), (who2, text2, gone2) = row["reasons"]
    assert (who, gone) == ("west-london-alliance", False) and text.startswith("We are nine boroughs")
    assert gone2 and who2.startswith("Superseded — london-model") and "41 authorities" in text2
    # the parent's arrangement (approved provider list) is never presented as live: the child's
    # particulars put the framework back
    for r in rows:
        live = " ".join(t for _, t, g in r["reasons"] if not g)
        if r["live"]:
            assert "approved provider list" not in r["operation"] + live, r


def test_nlcep_says_once_what_the_arrangement_now_is() -> None:
    rows = register(api.redline(VARIATIONS / "nlcep-fostering.yaml"))
    arrangement = [r for r in rows if r["operation"].startswith("Arrangement")]
    assert len(arrangement) == 1, arrangement
    assert arrangement[0]["operation"] == "Arrangement: rolling select list (was: framework agreement)"
    assert any(g and "approved provider list" in t for _, t, g in arrangement[0]["reasons"])


PATHS = re.compile(r"\bconsortium\.[a-z_]|\b[a-z]+_[a-z_]+\b")


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_value_and_particulars_rows_read_as_a_person_wrote_them(path: Path) -> None:
    red = api.redline(path)
    descriptions = {p.description for p in red.varied.parameters.values()}
    for r in register(red):
        for field in ("heading", "operation", "reason"):
            assert not PATHS.search(r[field]), (r["no"], field, r[field])
        for d in descriptions:
            assert d not in r["heading"] and d not in r["operation"], (r["no"], d)
    # the schedule of variations, row by row, too
    resolved = resolve_chain(path)
    for row in variation_rows(resolved.parent, resolved.contract, resolved.overlay):
        assert not PATHS.search(row.heading + row.operation + row.reason), row
        assert all(d not in row.heading for d in descriptions), row


def test_a_particulars_row_says_the_change_and_its_reason() -> None:
    rows = register(api.redline(VARIATIONS / "er4-fostering.yaml"))
    tiers = next(r for r in rows if r["operation"].startswith("Tiers:"))
    assert tiers["operation"] == "Tiers: 3 tiers (was: none)"
    assert tiers["heading"] == "Tiers"
    assert tiers["reason"] == "Set from the consortium's particulars (Tiers)."
    call_off = next(r for r in rows if r["heading"] == "Call-off procedure")
    assert call_off["operation"] == "Call-off procedure changed"
    assert call_off["reason"].startswith("Now: “") and "(was: “" in call_off["reason"]


@pytest.mark.parametrize("a, b", [("white-rose-fostering", "ne7-fostering"), ("london-model", "west-london-alliance")])
def test_a_diff_between_two_consortia_gives_both_sides_reasons(a: str, b: str) -> None:
    red = api.diff(f"variations/{a}.yaml", f"variations/{b}.yaml")
    rows = register(red)
    assert rows and len(rows) == red.variations
    ova, ovb = resolve_chain(VARIATIONS / f"{a}.yaml").overlay, resolve_chain(VARIATIONS / f"{b}.yaml").overlay
    for r in rows:
        sides = {who.split(" ")[0].rstrip(",") for who, _, _ in r["reasons"]}
        assert sides == {a, b}, r  # each side says what it did there, or that it kept the national wording
    both = [r for r in rows if all("national wording stands" not in t for _, t, _ in r["reasons"])]
    assert both, "some clause both consortia varied"
    for ov in (ova, ovb):
        whys = [" ".join(v.rationale.split()) for v in ov.variations]
        assert any(w in r["reason"] for r in rows for w in whys), ov.id
    page = lhtml.fromstring(red.html or "")
    notes = page.xpath('//main//aside[@class="note"]')
    assert notes
    reasoned = [n for n in notes if n.xpath(WHY)]
    assert len(reasoned) >= len(notes) * 0.9, "the margin gives the reasons, not only CHANGED"
    for n in reasoned:
        assert {s.find("i").text_content().split(" ")[0].rstrip(",:") for s in n.xpath(WHY)} == {a, b}


def test_a_diff_says_where_a_side_keeps_the_national_wording() -> None:
    rows = register(api.diff("variations/london-model.yaml", "variations/west-london-alliance.yaml"))
    database = [r for r in rows if r["heading"] == "The London Care Services database"]
    assert database
    for r in database:
        assert "west-london-alliance: national wording" in r["operation"], r
        assert r["clause"].endswith("in london-model only"), r
