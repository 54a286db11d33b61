"""Numbers in prose: one to nine as words, 10 and over as figures; and one wording of the term
(Commencement Date, term, extensions) in the contract, the schedule of variations and the pack."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import docx
import pytest

from conftest import ROOT
from contractgen import api
from contractgen.model import Parameter
from contractgen.overlay import derived_variations, resolve_chain
from contractgen.pack import _render_doc, pack_context
from contractgen.render.variations import render_schedule
from contractgen.text import counted, format_value, number_words, term_wording


def _param(ptype: str, unit: str | None = None, plural: str | None = None) -> Parameter:
    return Parameter(name="x", type=ptype, default=None, description="", unit=unit, unit_plural=plural)


# --- number wording -------------------------------------------------------------------------

@pytest.mark.parametrize("n, words", [(1, "one"), (2, "two"), (3, "three"), (5, "five"), (9, "nine"),
                                      (9.0, "nine"), (10, "10"), (12, "12"), (520, "520"), (0, "0"),
                                      (1.5, "1.5"), (-3, "-3")])
def test_one_to_nine_are_words_and_the_rest_figures(n, words) -> None:
    assert number_words(n) == words


def test_counted_nouns_have_the_right_plural() -> None:
    assert counted(1, "year") == "one year"
    assert counted(3, "year") == "three years"
    assert counted(10, "Working Day") == "10 Working Days"
    assert counted(2, "extension") == "two extensions"
    assert counted(2, "waking member of Staff", "waking members of Staff") == "two waking members of Staff"


def test_format_value_words_small_counts_in_prose() -> None:
    assert format_value(_param("integer", "Working Day"), 5) == "five Working Days"
    assert format_value(_param("integer", "year"), 1) == "one year"
    assert format_value(_param("integer", "day"), 30) == "30 days"
    assert format_value(_param("integer", "placement week"), 10400) == "10,400 placement weeks"
    assert format_value(_param("integer"), 2) == "two"
    assert format_value(_param("integer"), 14) == "14"


def test_format_value_leaves_money_percent_and_dates_alone() -> None:
    assert format_value(_param("money"), 5) == "£5"
    assert format_value(_param("percent"), 5) == "5%"
    assert format_value(_param("date"), dt.date(2026, 4, 1)) == "1 April 2026"


def test_format_value_in_figures_for_tables() -> None:
    assert format_value(_param("integer", "year"), 3, figures=True) == "3 years"


def test_term_wording() -> None:
    start = dt.date(2026, 4, 1)
    assert term_wording(start, 3, [1, 1], 2) == (
        "three years from 1 April 2026, which the Purchaser may extend by up to two years "
        "in all, in two extensions of one year each")
    assert term_wording(start, 7, [2, 1], 3) == (
        "seven years from 1 April 2026, which the Purchaser may extend by up to three years "
        "in all, in two extensions of two years and one year")
    assert term_wording(start, 4, [2], 2) == (
        "four years from 1 April 2026, which the Purchaser may extend once, by up to two years")
    assert term_wording(start, 4, None, 2) == (
        "four years from 1 April 2026, which the Purchaser may extend by up to two years in all")
    assert term_wording(start, 10, None, 0) == "10 years from 1 April 2026, with no option to extend"
    assert term_wording(start, 4, [], 2) == "four years from 1 April 2026, with no option to extend"
    assert "(s)" not in term_wording(start, 1, [1], 1)
    assert term_wording(None, None, None, None) == "the term set out in the framework agreement"


# --- the same term in every document ---------------------------------------------------------

OVERLAYS = ["south-central-fostering", "nottingham-block", "bedford-luton-fostering",
            "east-midlands-residential", "tees-valley-fostering", "white-rose-residential"]
#: A figure 1–9 before a counted noun; not the end of an age range ("0 to 4 years"), which the
#: consortium writes in its particulars and UK drafting keeps in figures.
COUNTED = re.compile(r"(?<!to )\b[1-9] (tiers?|years?|extensions?|consecutive|months?|weeks?|days?|Working Days?|hours?)\b")


def _paras(data: bytes) -> list[str]:
    """The prose paragraphs of a .docx (body paragraphs; table cells excluded)."""
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs if p.text.strip()]


def _cells(data: bytes) -> list[str]:
    d = docx.Document(io.BytesIO(data))
    return [c.text for t in d.tables for r in t.rows for c in r.cells]


@pytest.fixture(scope="module", params=OVERLAYS)
def documents(request):
    path = ROOT / "variations" / f"{request.param}.yaml"
    resolved = resolve_chain(path)
    c = resolved.contract
    ctx = pack_context(resolved)
    ov = resolved.overlay
    return {
        "overlay": ov,
        "contract": c,
        "contract.docx": api.build_docx(c),
        "schedule": render_schedule(resolved.parent, c, ov, derived_variations(resolved.parent, ov)),
        "instructions": _render_doc("instructions-to-tenderers.docx", ctx, ov.effective, None, "t", "s"),
    }


def _long(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


def test_every_document_states_the_same_commencement_term_and_extensions(documents) -> None:
    c = documents["contract"]
    start = c.values["commencement_date"]
    years, total = c.values["contract_years"], c.values["extension_years"]
    contract_text = " ".join(_paras(documents["contract.docx"]))
    assert (f"means {_long(start)}" in contract_text  # the Commencement Date (definition or clause)
            or f"starts on {_long(start)}, which is the Commencement Date" in contract_text)
    assert f"continues for {counted(years, 'year')}" in contract_text
    ext = (documents["overlay"].consortium.get("term") or {}).get("extensions")
    if ext == []:
        assert "may not be extended" in contract_text
        assert "not more than" not in contract_text.split("continues for")[1][:400]
    else:
        assert f"not more than {counted(total, 'year')}" in contract_text
    wording = term_wording(start, years, ext, total)
    schedule_text = " ".join(_paras(documents["schedule"]))
    instructions_text = " ".join(_paras(documents["instructions"]))
    assert wording in schedule_text
    assert wording in instructions_text
    assert any(wording[:1].upper() + wording[1:] in cell for cell in _cells(documents["schedule"]))


def test_no_document_gives_the_historical_start_as_this_contracts_start(documents) -> None:
    term = documents["overlay"].consortium.get("term") or {}
    start = documents["contract"].values["commencement_date"]
    old = term.get("start")
    for key in ("contract.docx", "schedule", "instructions"):
        texts = _paras(documents[key]) + _cells(documents[key])
        joined = " ".join(texts)
        assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b", " ".join(_paras(documents[key]))), key
        if old is None:
            continue
        old = old if isinstance(old, dt.date) else dt.date.fromisoformat(str(old))
        if old == start:
            continue
        for t in texts:
            if _long(old) in t or old.isoformat() in t:
                assert "earlier arrangement" in t, (key, t)
        if key == "schedule":
            assert f"The consortium's earlier arrangement began on {_long(old)}." in joined


def test_no_small_figure_before_a_counted_noun_in_generated_prose(documents) -> None:
    for key in ("contract.docx", "schedule", "instructions"):
        for para in _paras(documents[key]):
            assert not COUNTED.search(para), (key, para)
            assert "(s)" not in para, (key, para)
