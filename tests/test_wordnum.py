"""The numbering resolver (contractgen/ingest/wordnum.py, docs/dev/word-numbering.md): every rule on
small literal numbering.xml / document.xml / styles.xml snippets, then two real documents — the
contract contractgen builds (against tests/docxread.word_numbers and the model's clause numbers)
and a DOCX pandoc writes from Markdown lists (against the Markdown's own numbers)."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from contractgen.ingest.wordnum import (
    ParaNumber,
    format_number,
    resolve,
    resolve_docx,
    resolve_docx_with_warnings,
    resolve_with_warnings,
    typed_number,
)

NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
REV = 'w:author="A" w:date="2026-04-01T00:00:00Z"'
_ids = iter(range(1, 10**6))


# --- building snippets ----------------------------------------------------------------------------

def rev(kind: str) -> str:
    return f'<w:{kind} w:id="{next(_ids)}" {REV}/>'


def numpr(num: str | int | None = None, ilvl: int | None = None, extra: str = "") -> str:
    inner = (f'<w:ilvl w:val="{ilvl}"/>' if ilvl is not None else "") + \
            (f'<w:numId w:val="{num}"/>' if num is not None else "")
    return f"<w:numPr>{inner}{extra}</w:numPr>"


def p(text: str = "", num: str | int | None = None, ilvl: int | None = None, style: str | None = None,
      ppr: str = "", mark: str = "", runs: str | None = None) -> str:
    """A paragraph: optional style, direct numbering, extra pPr, a tracked mark ("ins", "del", …)
    and its text as one run (or `runs` as given)."""
    inner = (f'<w:pStyle w:val="{style}"/>' if style else "") + \
            (numpr(num, ilvl) if num is not None or ilvl is not None else "") + ppr + \
            (f"<w:rPr>{rev(mark)}</w:rPr>" if mark else "")
    if runs is None:
        runs = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else ""
    return f"<w:p>{f'<w:pPr>{inner}</w:pPr>' if inner else ''}{runs}</w:p>"


def document(*paragraphs: str) -> bytes:
    return f'<w:document {NS} {MC}><w:body>{"".join(paragraphs)}<w:sectPr/></w:body></w:document>'.encode()


def lvl(ilvl: int, text: str | None = None, fmt: str | None = "decimal", start: int | None = 1,
        extra: str = "") -> str:
    if text is None:
        text = ".".join(f"%{k + 1}" for k in range(ilvl + 1))
    return (f'<w:lvl w:ilvl="{ilvl}">' + (f'<w:start w:val="{start}"/>' if start is not None else "") +
            (f'<w:numFmt w:val="{fmt}"/>' if fmt is not None else "") +
            f'<w:lvlText w:val="{text}"/>{extra}</w:lvl>')


def abstract(aid: int, *levels: str, extra: str = "") -> str:
    return f'<w:abstractNum w:abstractNumId="{aid}">{extra}{"".join(levels)}</w:abstractNum>'


def num(nid: int, aid: int, *overrides: str) -> str:
    return f'<w:num w:numId="{nid}"><w:abstractNumId w:val="{aid}"/>{"".join(overrides)}</w:num>'


def start_override(ilvl: int, value: int) -> str:
    return f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{value}"/></w:lvlOverride>'


def numbering(*parts: str) -> bytes:
    return f'<w:numbering {NS} {MC}>{"".join(parts)}</w:numbering>'.encode()


def style(sid: str, based_on: str | None = None, num: str | int | None = None, ilvl: int | None = None,
          kind: str = "paragraph", default: bool = False) -> str:
    ppr = f"<w:pPr>{numpr(num, ilvl)}</w:pPr>" if num is not None or ilvl is not None else ""
    return (f'<w:style w:type="{kind}" w:styleId="{sid}"' + (' w:default="1"' if default else "") + ">" +
            f'<w:name w:val="{sid}"/>' + (f'<w:basedOn w:val="{based_on}"/>' if based_on else "") + ppr +
            "</w:style>")


def styles(*items: str) -> bytes:
    return f'<w:styles {NS}>{style("Normal", default=True)}{"".join(items)}</w:styles>'.encode()


#: a three-level legal outline "1", "1.1", "1.1.1", counted as abstractNum 1 through num 1
OUTLINE = abstract(1, lvl(0), lvl(1), lvl(2))


def numbers(*paragraphs: str, parts: str = OUTLINE + num(1, 1), styles_xml: bytes | None = None,
            view: str = "accept") -> list[str]:
    return [x.text for x in resolve(document(*paragraphs), numbering(parts), styles_xml, view)]


def docx(document_xml: bytes, numbering_xml: bytes | None = None, styles_xml: bytes | None = None,
         numbering_part: str = "word/numbering.xml") -> bytes:
    """A minimal .docx: content types, the package and document relationships, the parts."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    doc_rels = []
    if numbering_xml is not None:
        target = numbering_part.removeprefix("word/")
        doc_rels.append(f'<Relationship Id="rId1" Type="{rel}/numbering" Target="{target}"/>')
    if styles_xml is not None:
        doc_rels.append(f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="{rels_ns}"><Relationship Id="rId1" '
                                  f'Type="{rel}/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/_rels/document.xml.rels", f'<Relationships xmlns="{rels_ns}">{"".join(doc_rels)}'
                                                   "</Relationships>")
        z.writestr("word/document.xml", document_xml)
        if numbering_xml is not None:
            z.writestr(numbering_part, numbering_xml)
        if styles_xml is not None:
            z.writestr("word/styles.xml", styles_xml)
    return buf.getvalue()


# --- 1. counters per abstractNum; startOverride -------------------------------------------------------

def test_two_nums_of_one_abstract_continue_one_sequence() -> None:
    parts = OUTLINE + num(1, 1) + num(2, 1)
    got = numbers(p("a", 1, 0), p("b", 1, 0), p("c", 2, 0), p("d", 2, 1), p("e", 1, 0), parts=parts)
    assert got == ["1", "2", "3", "3.1", "4"]


def test_nums_of_different_abstracts_count_apart() -> None:
    parts = OUTLINE + abstract(2, lvl(0)) + num(1, 1) + num(2, 2)
    assert numbers(p("a", 1, 0), p("b", 2, 0), p("c", 1, 0), p("d", 2, 0), parts=parts) == ["1", "1", "2", "2"]


def test_start_override_restarts_its_level_the_first_time_its_num_is_used_only() -> None:
    parts = OUTLINE + num(1, 1) + num(2, 1, start_override(0, 1))
    got = numbers(p("a", 1, 0), p("b", 1, 0), p("c", 1, 0),
                  p("d", 2, 0), p("e", 2, 0),  # restarts at 1 on the first use of num 2 ...
                  p("f", 1, 0),  # ... and the shared count goes on through num 1
                  p("g", 2, 0),  # num 2 again: no second restart
                  parts=parts)
    assert got == ["1", "2", "3", "1", "2", "3", "4"]


def test_start_override_sets_the_first_value() -> None:
    parts = OUTLINE + num(1, 1, start_override(0, 5))
    assert numbers(p("a", 1, 0), p("b", 1, 0), p("c", 1, 1), parts=parts) == ["5", "6", "6.1"]


def test_start_override_of_another_level_leaves_the_used_level_counting() -> None:
    """A num whose only override is on level 0, used at level 1, continues level 1 (dolanmiu/docx #2877)."""
    parts = abstract(1, lvl(0, "%1."), lvl(1, "%2.")) + num(1, 1, start_override(0, 1)) + \
        num(2, 1, start_override(0, 1))
    got = numbers(p("a", 1, 1), p("b", 1, 1), p("sep"), p("c", 2, 1), p("d", 2, 1), parts=parts)
    assert got == ["1.", "2.", "", "3.", "4."]


def test_nested_list_with_its_own_num_does_not_restart_the_outer_list() -> None:
    """pandoc's shape: each list a new num of one abstractNum with overrides on all nine levels."""
    every = "".join(start_override(k, 1) for k in range(9))
    parts = abstract(1, lvl(0, "%1."), lvl(1, "%2.")) + num(1, 1, every) + num(2, 1, every) + num(3, 1, every)
    got = numbers(p("one", 1, 0), p("two", 1, 0), p("two-a", 2, 1), p("two-b", 2, 1), p("three", 1, 0),
                  p("text"), p("again", 3, 0), parts=parts)
    assert got == ["1.", "2.", "1.", "2.", "3.", "", "1."]


def test_start_override_is_used_again_when_its_level_restarts() -> None:
    parts = OUTLINE + num(1, 1, start_override(1, 4))
    assert numbers(p("a", 1, 0), p("b", 1, 1), p("c", 1, 0), p("d", 1, 1), parts=parts) == ["1", "1.4", "2", "2.4"]


def test_level_override_replaces_the_format_for_its_num_only() -> None:
    over = '<w:lvlOverride w:ilvl="0"><w:lvl w:ilvl="0"><w:numFmt w:val="upperRoman"/></w:lvl></w:lvlOverride>'
    parts = OUTLINE + num(1, 1) + num(2, 1, over)
    assert numbers(p("a", 1, 0), p("b", 2, 0), p("c", 1, 0), parts=parts) == ["1", "II", "3"]


# --- 2. start values ------------------------------------------------------------------------------------

def test_start_value_and_increment() -> None:
    parts = abstract(1, lvl(0, "%1", start=7)) + num(1, 1)
    assert numbers(p("a", 1, 0), p("b", 1, 0), p("c", 1, 0), parts=parts) == ["7", "8", "9"]


def test_missing_start_is_zero() -> None:
    parts = abstract(1, lvl(0, "%1", start=None), lvl(1, "%1.%2", start=None)) + num(1, 1)
    assert numbers(p("a", 1, 0), p("b", 1, 1), p("c", 1, 0), parts=parts) == ["0", "0.0", "1"]


# --- 3. restarting deeper levels ---------------------------------------------------------------------------

def test_a_paragraph_restarts_the_deeper_levels() -> None:
    got = numbers(p("a", 1, 0), p("b", 1, 1), p("c", 1, 2), p("d", 1, 1), p("e", 1, 2), p("f", 1, 0),
                  p("g", 1, 1), p("h", 1, 2))
    assert got == ["1", "1.1", "1.1.1", "1.2", "1.2.1", "2", "2.1", "2.1.1"]


def test_lvl_restart_zero_never_restarts() -> None:
    parts = abstract(1, lvl(0), lvl(1, extra='<w:lvlRestart w:val="0"/>')) + num(1, 1)
    got = numbers(p("a", 1, 0), p("b", 1, 1), p("c", 1, 1), p("d", 1, 0), p("e", 1, 1), parts=parts)
    assert got == ["1", "1.1", "1.2", "2", "2.3"]


def test_lvl_restart_k_restarts_only_after_level_k_minus_1_or_shallower() -> None:
    """val="1" on level 2: restarted by level-0 paragraphs, not by level-1 ones (1-based value)."""
    parts = abstract(1, lvl(0), lvl(1), lvl(2, extra='<w:lvlRestart w:val="1"/>')) + num(1, 1)
    got = numbers(p("a", 1, 0), p("b", 1, 1), p("c", 1, 2), p("d", 1, 1), p("e", 1, 2), p("f", 1, 0),
                  p("g", 1, 1), p("h", 1, 2), parts=parts)
    assert got == ["1", "1.1", "1.1.1", "1.2", "1.2.2", "2", "2.1", "2.1.1"]


def test_lvl_restart_after_a_level_is_also_restarted_by_shallower_levels() -> None:
    """val="2" on level 3 restarts after level 1 and, as Word does ([MS-OI29500]), after level 0."""
    parts = abstract(1, lvl(0), lvl(1), lvl(2), lvl(3, extra='<w:lvlRestart w:val="2"/>')) + num(1, 1)
    got = numbers(p("a", 1, 0), p("b", 1, 1), p("c", 1, 2), p("d", 1, 3), p("e", 1, 2), p("f", 1, 3),
                  p("g", 1, 0), p("h", 1, 1), p("i", 1, 2), p("j", 1, 3), parts=parts)
    assert got == ["1", "1.1", "1.1.1", "1.1.1.1", "1.1.2", "1.1.2.2", "2", "2.1", "2.1.1", "2.1.1.1"]


def test_lvl_restart_naming_a_level_that_is_not_shallower_is_ignored() -> None:
    parts = abstract(1, lvl(0), lvl(1, extra='<w:lvlRestart w:val="5"/>')) + num(1, 1)
    assert numbers(p("a", 1, 0), p("b", 1, 1), p("c", 1, 0), p("d", 1, 1), parts=parts) == ["1", "1.1", "2", "2.1"]


def test_lvl_restart_in_a_level_override_is_ignored() -> None:
    over = ('<w:lvlOverride w:ilvl="1"><w:lvl w:ilvl="1"><w:lvlRestart w:val="0"/>'
            '<w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl></w:lvlOverride>')
    parts = abstract(1, lvl(0), lvl(1)) + num(1, 1, over)
    assert numbers(p("a", 1, 0), p("b", 1, 1), p("c", 1, 0), p("d", 1, 1), parts=parts) == ["1", "1.1", "2", "2.1"]


def test_a_level_not_yet_used_shows_its_start_value_and_counts_as_used() -> None:
    parts = abstract(1, lvl(0, "%1", start=3), lvl(1, "%1.%2")) + num(1, 1)
    assert numbers(p("a", 1, 1), p("b", 1, 1), p("c", 1, 0), parts=parts) == ["3.1", "3.2", "4"]
    # a Word-authored list (CKEditor's paste-from-Word material): 1., then i. (level 1 skipped), then b.
    parts = abstract(1, lvl(0, "%1."), lvl(1, "%2.", "lowerLetter"), lvl(2, "%3.", "lowerRoman")) + num(1, 1)
    assert numbers(p("a", 1, 0), p("b", 1, 2), p("c", 1, 2), p("d", 1, 1), p("e", 1, 0), parts=parts) == \
        ["1.", "i.", "ii.", "b.", "2."]


# --- 4. numbering through styles ---------------------------------------------------------------------

def test_a_styles_numbering_applies_to_its_paragraphs() -> None:
    st = styles(style("Clause", num=1, ilvl=0), style("Sub", num=1, ilvl=1))
    got = numbers(p("a", style="Clause"), p("b", style="Sub"), p("c", style="Sub"), p("d", style="Clause"),
                  styles_xml=st)
    assert got == ["1", "1.1", "1.2", "2"]


def test_based_on_chain_inherits_the_numbering() -> None:
    st = styles(style("Clause", num=1, ilvl=0), style("Sub", num=1, ilvl=1), style("SubBold", "Sub"),
                style("SubBoldRed", "SubBold"))
    assert numbers(p("a", style="Clause"), p("b", style="SubBoldRed"), styles_xml=st) == ["1", "1.1"]


def test_num_id_and_level_are_inherited_separately() -> None:
    st = styles(style("Listed", num=1, ilvl=0), style("Deeper", "Listed", ilvl=2))
    res = resolve(document(p("a", style="Listed"), p("b", style="Deeper")), numbering(OUTLINE + num(1, 1)), st)
    assert [(x.text, x.level, x.num_id) for x in res] == [("1", 0, "1"), ("1.1.1", 2, "1")]


def test_direct_numbering_wins_over_the_styles() -> None:
    parts = OUTLINE + abstract(2, lvl(0, "(%1)", "lowerLetter")) + num(1, 1) + num(2, 2)
    st = styles(style("Clause", num=1, ilvl=0))
    got = numbers(p("a", style="Clause"), p("b", 2, 0, style="Clause"), p("c", ilvl=1, style="Clause"),
                  parts=parts, styles_xml=st)
    assert got == ["1", "(a)", "1.1"]


def test_num_id_zero_turns_numbering_off() -> None:
    st = styles(style("Clause", num=1, ilvl=0), style("Unnumbered", "Clause", num=0))
    res = resolve(document(p("a", style="Clause"), p("b", 0, style="Clause"), p("c", style="Unnumbered"),
                           p("d", style="Clause")), numbering(OUTLINE + num(1, 1)), st)
    assert [(x.text, x.level, x.num_id) for x in res] == [("1", 0, "1"), ("", -1, None), ("", -1, None),
                                                          ("2", 0, "1")]


def test_a_level_only_numpr_is_not_a_list() -> None:
    """python-docx's template has a Subtitle style whose numPr holds only ilvl."""
    st = styles(style("Subtitle", "Normal", ilvl=1))
    assert [x.level for x in resolve(document(p("a", style="Subtitle")), numbering(OUTLINE + num(1, 1)), st)] == [-1]


def test_the_default_paragraph_style_numbers_paragraphs_that_name_no_style() -> None:
    st = f'<w:styles {NS}>{style("Numbered", num=1, ilvl=0, default=True)}</w:styles>'.encode()
    res = resolve(document(p("a"), p("b")), numbering(OUTLINE + num(1, 1)), st)
    assert [(x.text, x.style) for x in res] == [("1", None), ("2", None)]


def test_a_level_linked_to_a_style_gives_that_styles_paragraphs_their_level() -> None:
    """Word's "link level to style": the style names the numId only, the level names the style."""
    parts = abstract(1, lvl(0, extra='<w:pStyle w:val="Heading1"/>'), lvl(1, extra='<w:pStyle w:val="Heading2"/>'),
                     lvl(2, extra='<w:pStyle w:val="Heading3"/>')) + num(1, 1)
    st = styles(style("Heading1", num=1), style("Heading2", num=1), style("Heading3", num=1, ilvl=0),
                style("MyHeading2", "Heading2"))
    got = numbers(p("a", style="Heading1"), p("b", style="Heading2"), p("c", style="Heading3"),
                  p("d", style="MyHeading2"), p("e", style="Heading1"), parts=parts, styles_xml=st)
    assert got == ["1", "1.1", "1.1.1", "1.2", "2"]  # the link wins over Heading3's own ilvl 0


def test_num_style_link_delegates_to_the_numbering_styles_definition() -> None:
    definition = abstract(10, lvl(0, "Article %1", "upperRoman"), lvl(1, "%1.%2"),
                          extra='<w:styleLink w:val="LegalList"/>')
    user = abstract(20, extra='<w:numStyleLink w:val="LegalList"/>')
    parts = definition + user + num(10, 10) + num(20, 20)
    st = styles(style("LegalList", num=10, kind="numbering"))
    res = resolve(document(p("a", 20, 0), p("b", 20, 1), p("c", 10, 0), p("d", 20, 0)), numbering(parts), st)
    assert [(x.text, x.abstract_id, x.num_id) for x in res] == [
        ("Article I", "10", "20"), ("I.1", "10", "20"), ("Article II", "10", "10"), ("Article III", "10", "20")]


def test_num_style_link_found_through_style_link_when_the_style_names_no_num() -> None:
    definition = abstract(10, lvl(0, "(%1)", "lowerLetter"), extra='<w:styleLink w:val="Alpha"/>')
    parts = definition + abstract(20, extra='<w:numStyleLink w:val="Alpha"/>') + num(20, 20)
    st = styles(style("Alpha", kind="numbering"))
    assert numbers(p("a", 20, 0), p("b", 20, 0), parts=parts, styles_xml=st) == ["(a)", "(b)"]


# --- 5. level text and formats ------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "values", "shown"), [
    ("decimal", [1, 9, 10, 123], ["1", "9", "10", "123"]),
    ("decimalZero", [1, 9, 10, 100], ["01", "09", "10", "100"]),
    ("lowerLetter", [1, 2, 26, 27, 28, 52, 53], ["a", "b", "z", "aa", "bb", "zz", "aaa"]),
    ("upperLetter", [1, 26, 27, 30], ["A", "Z", "AA", "DD"]),
    ("lowerRoman", [1, 4, 9, 14, 40, 1999], ["i", "iv", "ix", "xiv", "xl", "mcmxcix"]),
    ("upperRoman", [3, 12, 49], ["III", "XII", "XLIX"]),
    ("ordinal", [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111, 112], ["1st", "2nd", "3rd", "4th", "11th", "12th",
                                                                   "13th", "21st", "22nd", "101st", "111th",
                                                                   "112th"]),
    ("cardinalText", [1, 12, 21, 100, 105], ["One", "Twelve", "Twenty-one", "One hundred", "One hundred and five"]),
    ("ordinalText", [1, 2, 3, 5, 12, 20, 21, 100], ["First", "Second", "Third", "Fifth", "Twelfth", "Twentieth",
                                                    "Twenty-first", "One hundredth"]),
    ("decimalEnclosedParen", [3], ["(3)"]),
    ("decimalEnclosedCircle", [1, 20, 21], ["\u2460", "\u2473", "21"]),
    ("chicago", [1, 2, 4, 5, 6], ["*", "\u2020", "\u00a7", "**", "\u2020\u2020"]),
    ("bullet", [1], [""]),
    ("none", [1], [""]),
])
def test_number_formats(fmt: str, values: list[int], shown: list[str]) -> None:
    assert [format_number(v, fmt) for v in values] == shown


def test_numbers_too_large_for_a_format_are_shown_in_decimal() -> None:
    assert [format_number(10**12, f) for f in ("lowerLetter", "upperRoman", "chicago", "cardinalText")] == \
        ["1000000000000"] * 4
    assert format_number(4000, "lowerRoman") == "4000" and format_number(0, "lowerLetter") == "0"


def test_each_placeholder_is_formatted_in_its_own_levels_format() -> None:
    parts = abstract(1, lvl(0, "%1", "upperRoman"), lvl(1, "%1.%2", "upperLetter"),
                     lvl(2, "%1.%2.%3", "lowerRoman"), lvl(3, "(%4)", "lowerLetter")) + num(1, 1)
    got = numbers(p("a", 1, 0), p("b", 1, 0), p("c", 1, 1), p("d", 1, 1), p("e", 1, 2), p("f", 1, 2),
                  p("g", 1, 2), p("h", 1, 3), parts=parts)
    assert got == ["I", "II", "II.A", "II.B", "II.B.i", "II.B.ii", "II.B.iii", "(a)"]


def test_literal_text_around_placeholders() -> None:
    parts = abstract(1, lvl(0, "Schedule %1"), lvl(1, "Part %1-%2:", "upperLetter")) + num(1, 1) + \
        abstract(2, lvl(0, "Article %1 \u2013", "upperRoman")) + num(2, 2)
    got = numbers(p("a", 1, 0), p("b", 1, 1), p("c", 1, 0), p("d", 2, 0), parts=parts)
    assert got == ["Schedule 1", "Part 1-A:", "Schedule 2", "Article I \u2013"]


def test_legal_numbering_shows_every_placeholder_in_decimal() -> None:
    levels = (lvl(0, "Article %1", "upperRoman"), lvl(1, "%1.%2", "lowerLetter", extra="<w:isLgl/>"),
              lvl(2, "%1.%2.%3", "lowerRoman"))
    parts = abstract(1, *levels) + num(1, 1)
    got = numbers(p("a", 1, 0), p("b", 1, 0), p("c", 1, 1), p("d", 1, 2), parts=parts)
    assert got == ["Article I", "Article II", "2.1", "II.a.i"]


def test_full_context_number_as_a_ref_w_field_gives_it() -> None:
    parts = abstract(1, lvl(0), lvl(1), lvl(2), lvl(3, "(%4)", "lowerLetter"), lvl(4, "(%5)", "lowerRoman")) + num(1, 1)
    res = resolve(document(p("a", 1, 0), p("b", 1, 1), p("c", 1, 2), p("d", 1, 3), p("e", 1, 4)),
                  numbering(parts), None)
    assert [(x.text, x.full) for x in res] == [("1", "1"), ("1.1", "1.1"), ("1.1.1", "1.1.1"),
                                               ("(a)", "1.1.1(a)"), ("(i)", "1.1.1(a)(i)")]


def test_bullets_show_their_literal_text_and_print_nothing_through_a_placeholder() -> None:
    """A placeholder for a bullet level prints nothing (docxjs PR #217: "%1.%2.%3%4." over a bullet level 2)."""
    parts = abstract(1, lvl(0, "%1."), lvl(1, "%1.%2."), lvl(2, "\u2022", "bullet"), lvl(3, "%1.%2.%3%4.")) + num(1, 1)
    got = numbers(p("a", 1, 0), p("b", 1, 1), p("c", 1, 2), p("d", 1, 3), p("e", 1, 3), parts=parts)
    assert got == ["1.", "1.1.", "\u2022", "1.1.1.", "1.1.2."]


def test_a_none_level_shows_only_its_literal_text() -> None:
    parts = abstract(1, lvl(0, "%1", "none"), lvl(1, "Note", "none")) + num(1, 1)
    assert numbers(p("a", 1, 0), p("b", 1, 1), parts=parts) == ["", "Note"]


def test_a_placeholder_for_a_deeper_level_blanks_the_number() -> None:
    parts = abstract(1, lvl(0, "%1.%2")) + num(1, 1)
    r = resolve_with_warnings(document(p("a", 1, 0)), numbering(parts), None)
    assert [x.text for x in r.paragraphs] == [""] and r.paragraphs[0].level == 0
    assert any("deeper" in w for w in r.warnings)


def test_null_or_missing_level_text_shows_nothing() -> None:
    parts = abstract(1, '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:lvlText w:val="%1" w:null="1"/></w:lvl>',
                     '<w:lvl w:ilvl="1"><w:start w:val="1"/></w:lvl>') + num(1, 1)
    assert numbers(p("a", 1, 0), p("b", 1, 1), parts=parts) == ["", ""]


def test_missing_num_fmt_is_decimal_and_an_unknown_one_is_decimal_with_a_warning() -> None:
    parts = abstract(1, lvl(0, "%1", fmt=None)) + abstract(2, lvl(0, "%1", "hebrew2", start=4)) + num(1, 1) + num(2, 2)
    r = resolve_with_warnings(document(p("a", 1, 0), p("b", 2, 0)), numbering(parts), None)
    assert [x.text for x in r.paragraphs] == ["1", "4"]
    assert any("hebrew2" in w for w in r.warnings)


def test_a_word_2010_custom_format_in_alternate_content() -> None:
    custom = ('<w:lvl w:ilvl="0"><w:start w:val="1"/><mc:AlternateContent><mc:Choice Requires="w14">'
              '<w:numFmt w:val="custom" w:format="001, 002, 003, ..."/></mc:Choice><mc:Fallback>'
              '<w:numFmt w:val="decimal"/></mc:Fallback></mc:AlternateContent><w:lvlText w:val="%1."/></w:lvl>')
    other = ('<w:lvl w:ilvl="0"><w:start w:val="1"/><mc:AlternateContent><mc:Choice Requires="w14">'
             '<w:numFmt w:val="custom" w:format="\u4e00, \u4e8c, ..."/></mc:Choice><mc:Fallback>'
             '<w:numFmt w:val="lowerRoman"/></mc:Fallback></mc:AlternateContent><w:lvlText w:val="%1"/></w:lvl>')
    parts = abstract(1, custom) + abstract(2, other) + num(1, 1) + num(2, 2)
    assert numbers(p("a", 1, 0), p("b", 1, 0), p("c", 2, 0), p("d", 2, 0), parts=parts) == \
        ["001.", "002.", "i", "ii"]


# --- 6. suffix ----------------------------------------------------------------------------------------------

def test_the_suffix_is_recorded() -> None:
    parts = abstract(1, lvl(0), lvl(1, extra='<w:suff w:val="space"/>'), lvl(2, extra='<w:suff w:val="nothing"/>')) + \
        num(1, 1)
    res = resolve(document(p("a", 1, 0), p("b", 1, 1), p("c", 1, 2), p("d")), numbering(parts), None)
    assert [x.suffix for x in res] == ["tab", "space", "nothing", None]


# --- 7. typed numbers -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "number", "body"), [
    ("12.3 The Provider shall", "12.3", "The Provider shall"),
    ("12.3. The Provider shall", "12.3", "The Provider shall"),
    ("12.3.1 The Provider", "12.3.1", "The Provider"),
    ("1.2.3\tText", "1.2.3", "Text"),
    ("1.2.3\ttext in lower case", "1.2.3", "text in lower case"),
    ("4.1 \u201cCharges\u201d means", "4.1", "\u201cCharges\u201d means"),
    ("4.1 (Reserved)", "4.1", "(Reserved)"),
    ("  12.3  The Provider", "12.3", "The Provider"),
    ("(a) the Provider", "(a)", "the Provider"),
    ("(iv) where the Child", "(iv)", "where the Child"),
    ("(IV)\tRoman", "(IV)", "Roman"),
    ("(aa) doubled", "(aa)", "doubled"),
    ("(B) Capital", "(B)", "Capital"),
    ("(12) numbered", "(12)", "numbered"),
    ("12\tServices", "12", "Services"),
    ("12. The Provider", "12", "The Provider"),
    ("3.\tCharges", "3", "Charges"),
    ("Schedule 2", "Schedule 2", ""),
    ("Schedule 2 Service Specification", "Schedule 2", "Service Specification"),
    ("SCHEDULE 2 \u2013 Services", "SCHEDULE 2", "Services"),
    ("Part 3: Charges", "Part 3", "Charges"),
    ("Appendix 1\tForms", "Appendix 1", "Forms"),
])
def test_typed_numbers(text: str, number: str, body: str) -> None:
    assert typed_number(text) == (number, body)
    res = resolve(document(p(text)), None, None)[0]
    assert (res.text, res.is_typed, res.body, res.level) == (number, True, body, -1)


@pytest.mark.parametrize("text", [
    "2026 onwards the Purchaser",
    "2026. The year",
    "\u00a31,000 is payable",
    "14 days after the Start Date",
    "14 Days after",
    "1.5 million pounds",
    "12.30pm on the day",
    "3.5% of the Fee",
    "2026.01.15 The date",
    "(see clause 4) The",
    "(i.e. the Provider)",
    "(iiv) not roman",
    "(ab) not doubled",
    "(a)",
    "12\t",
    "Schedule 2 sets out the Services",
    "Schedules 2 and 3",
    "Partner 2 Ltd",
    "The Provider shall",
    "",
])
def test_not_typed_numbers(text: str) -> None:
    assert typed_number(text) is None
    res = resolve(document(p(text)), None, None)[0]
    assert (res.text, res.is_typed, res.body) == ("", False, text)


def test_typed_numbers_only_where_the_paragraph_shows_no_list_number() -> None:
    parts = OUTLINE + num(1, 1) + abstract(2, lvl(0, "", "none")) + num(2, 2)
    res = resolve(document(p("12.3 The Provider", 1, 0), p("12.3 The Provider", 2, 0)), numbering(parts), None)
    assert [(x.text, x.is_typed, x.body, x.level) for x in res] == [
        ("1", False, "12.3 The Provider", 0), ("12.3", True, "The Provider", 0)]


# --- 8. tracked changes ------------------------------------------------------------------------------------

def ins_run(text: str) -> str:
    return f'<w:ins w:id="{next(_ids)}" {REV}><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:ins>'


def del_run(text: str) -> str:
    return f'<w:del w:id="{next(_ids)}" {REV}><w:r><w:delText xml:space="preserve">{text}</w:delText></w:r></w:del>'


def both(*paragraphs: str, parts: str = OUTLINE + num(1, 1), styles_xml: bytes | None = None) -> tuple[list, list]:
    doc = document(*paragraphs)
    return tuple([(x.text, x.body) for x in resolve(doc, numbering(parts), styles_xml, view)]
                 for view in ("accept", "reject"))


def test_an_inserted_paragraph_shifts_the_following_numbers_in_the_accept_view_only() -> None:
    accept, reject = both(p("Alpha", 1, 0), p(num=1, ilvl=0, mark="ins", runs=ins_run("New")), p("Beta", 1, 0),
                          p("Gamma", 1, 0))
    assert accept == [("1", "Alpha"), ("2", "New"), ("3", "Beta"), ("4", "Gamma")]
    assert reject == [("1", "Alpha"), ("2", "Beta"), ("3", "Gamma")]


def test_a_deleted_paragraph_is_gone_in_the_accept_view_only() -> None:
    accept, reject = both(p("Alpha", 1, 0), p(num=1, ilvl=0, mark="del", runs=del_run("Old")), p("Beta", 1, 0))
    assert accept == [("1", "Alpha"), ("2", "Beta")]
    assert reject == [("1", "Alpha"), ("2", "Old"), ("3", "Beta")]


def test_a_deleted_paragraph_mark_merges_the_paragraph_with_the_next() -> None:
    """The merged paragraph keeps the next paragraph's properties (its mark is the one left)."""
    accept, reject = both(p("Alpha", 1, 0), p("Beta, ", 1, 1, mark="del"), p("continued", 1, 0), p("Gamma", 1, 0))
    assert accept == [("1", "Alpha"), ("2", "Beta, continued"), ("3", "Gamma")]
    assert reject == [("1", "Alpha"), ("1.1", "Beta, "), ("2", "continued"), ("3", "Gamma")]


def test_inserted_and_deleted_words_inside_a_paragraph() -> None:
    runs = '<w:r><w:t xml:space="preserve">The </w:t></w:r>' + del_run("old ") + ins_run("new ") + \
        '<w:r><w:t>Fee</w:t></w:r>'
    accept, reject = both(p(num=1, ilvl=0, runs=runs))
    assert accept == [("1", "The new Fee")] and reject == [("1", "The old Fee")]


def test_a_ppr_change_that_removed_numbering_is_undone_in_the_reject_view() -> None:
    old = f'<w:pPrChange w:id="{next(_ids)}" {REV}><w:pPr>{numpr(1, 0)}</w:pPr></w:pPrChange>'
    accept, reject = both(p("Alpha", 1, 0), p("Now plain", ppr=old), p("Beta", 1, 0))
    assert accept == [("1", "Alpha"), ("", "Now plain"), ("2", "Beta")]
    assert reject == [("1", "Alpha"), ("2", "Now plain"), ("3", "Beta")]


def test_a_ppr_change_of_level_and_style_is_undone_in_the_reject_view() -> None:
    st = styles(style("Clause", num=1, ilvl=0), style("Sub", num=1, ilvl=1))
    old = f'<w:pPrChange w:id="{next(_ids)}" {REV}><w:pPr><w:pStyle w:val="Clause"/></w:pPr></w:pPrChange>'
    doc = document(p("Alpha", style="Clause"), p("Moved down", style="Sub", ppr=old), p("Beta", style="Clause"))
    accept = resolve(doc, numbering(OUTLINE + num(1, 1)), st, "accept")
    reject = resolve(doc, numbering(OUTLINE + num(1, 1)), st, "reject")
    assert [(x.text, x.style) for x in accept] == [("1", "Clause"), ("1.1", "Sub"), ("2", "Clause")]
    assert [(x.text, x.style) for x in reject] == [("1", "Clause"), ("2", "Clause"), ("3", "Clause")]


def test_numbering_inserted_in_numpr_is_dropped_in_the_reject_view() -> None:
    inserted = f"<w:pPr>{numpr(1, 0, rev('ins'))}</w:pPr>"
    runs = '<w:r><w:t>Alpha</w:t></w:r>'
    accept, reject = both(f"<w:p>{inserted}{runs}</w:p>", p("Beta", 1, 0))
    assert accept == [("1", "Alpha"), ("2", "Beta")] and reject == [("", "Alpha"), ("1", "Beta")]


def test_numbering_change_is_ignored() -> None:
    legacy = f'<w:numberingChange w:id="{next(_ids)}" {REV} w:original="%1:7:0:."/>'
    paragraph = f"<w:p><w:pPr>{numpr(1, 0, legacy)}</w:pPr><w:r><w:t>Alpha</w:t></w:r></w:p>"
    accept, reject = both(paragraph, p("Beta", 1, 0))
    assert accept == reject == [("1", "Alpha"), ("2", "Beta")]


def test_a_move_counts_at_its_new_place_when_accepted_and_at_its_old_place_when_rejected() -> None:
    move_from = (f'<w:moveFrom w:id="{next(_ids)}" {REV}><w:r><w:t>Moved</w:t></w:r></w:moveFrom>')
    move_to = (f'<w:moveTo w:id="{next(_ids)}" {REV}><w:r><w:t>Moved</w:t></w:r></w:moveTo>')
    accept, reject = both(p(num=1, ilvl=0, mark="moveFrom", runs=move_from), p("Alpha", 1, 0), p("Beta", 1, 0),
                          p(num=1, ilvl=0, mark="moveTo", runs=move_to), p("end"))
    assert accept == [("1", "Alpha"), ("2", "Beta"), ("3", "Moved"), ("", "end")]
    assert reject == [("1", "Moved"), ("2", "Alpha"), ("3", "Beta"), ("", "end")]


def test_tracked_table_rows() -> None:
    def row(text: str, mark: str = "") -> str:
        trpr = f"<w:trPr>{rev(mark)}</w:trPr>" if mark else ""
        content = (del_run(text) if mark == "del" else ins_run(text)) if mark else f"<w:r><w:t>{text}</w:t></w:r>"
        return f"<w:tr>{trpr}<w:tc><w:p><w:pPr>{numpr(1, 0)}</w:pPr>{content}</w:p></w:tc></w:tr>"

    table = f"<w:tbl>{row('kept')}{row('removed', 'del')}{row('added', 'ins')}{row('last')}</w:tbl>"
    accept, reject = both(table, p("after"))
    assert accept == [("1", "kept"), ("2", "added"), ("3", "last"), ("", "after")]
    assert reject == [("1", "kept"), ("2", "removed"), ("3", "last"), ("", "after")]


def test_a_deleted_mark_does_not_merge_across_a_table_cell() -> None:
    cell = f'<w:tbl><w:tr><w:tc>{p("in cell", 1, 0, mark="del")}</w:tc></w:tr></w:tbl>'
    accept, _ = both(cell, p("after", 1, 0))
    assert accept == [("1", "in cell"), ("2", "after")]


# --- which paragraphs, and their text ------------------------------------------------------------------

def test_paragraphs_in_tables_and_content_controls_in_document_order_without_text_boxes() -> None:
    sdt = f"<w:sdt><w:sdtPr><w:alias w:val='x'/></w:sdtPr><w:sdtContent>{p('in sdt', 1, 0)}</w:sdtContent></w:sdt>"
    nested = f"<w:tbl><w:tr><w:tc>{p('nested', 1, 1)}</w:tc></w:tr></w:tbl>"
    table = f"<w:tbl><w:tr><w:tc>{p('cell 1', 1, 0)}{nested}</w:tc><w:tc>{p('cell 2', 1, 0)}</w:tc></w:tr></w:tbl>"
    textbox = ('<w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent>' +
               p("in a text box", 1, 0) + "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>")
    res = resolve(document(p("first", 1, 0), sdt, table, p("with box", 1, 0, runs="<w:r><w:t>with box</w:t></w:r>"
                                                                                  + textbox)),
                  numbering(OUTLINE + num(1, 1)), None)
    assert [(x.text, x.body, x.index) for x in res] == [
        ("1", "first", 0), ("2", "in sdt", 1), ("3", "cell 1", 2), ("3.1", "nested", 3), ("4", "cell 2", 4),
        ("5", "with box", 5)]


def test_paragraph_text_tabs_breaks_hyperlinks_and_field_results() -> None:
    field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> REF _Ref1 \\w \\h </w:instrText>'
             '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>4.2</w:t></w:r>'
             '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    runs = ('<w:r><w:t xml:space="preserve">See </w:t></w:r>' + field +
            '<w:hyperlink w:anchor="x"><w:r><w:t xml:space="preserve"> and</w:t></w:r></w:hyperlink>'
            '<w:r><w:tab/><w:t>x</w:t><w:br/><w:t>y</w:t><w:br w:type="page"/><w:noBreakHyphen/>'
            '<w:softHyphen/><w:t>z</w:t></w:r>')
    assert resolve(document(p(runs=runs)), None, None)[0].body == "See 4.2 and\tx\ny-z"


# --- 9. robustness ---------------------------------------------------------------------------------------

def test_missing_numbering_part() -> None:
    r = resolve_with_warnings(document(p("a", 1, 0), p("b")), None, None)
    assert [(x.text, x.level, x.num_id) for x in r.paragraphs] == [("", -1, "1"), ("", -1, None)]
    assert any("no numbering part" in w for w in r.warnings)


def test_a_num_id_with_no_num() -> None:
    r = resolve_with_warnings(document(p("a", 7, 0), p("b", 1, 0)), numbering(OUTLINE + num(1, 1)), None)
    assert [(x.text, x.level) for x in r.paragraphs] == [("", -1), ("1", 0)]
    assert any("numId 7 has no w:num" in w for w in r.warnings)


def test_a_num_whose_abstract_num_is_missing() -> None:
    r = resolve_with_warnings(document(p("a", 2, 0)), numbering(OUTLINE + num(2, 9)), None)
    assert [x.text for x in r.paragraphs] == [""] and any("abstractNum 9" in w for w in r.warnings)


def test_an_abstract_num_without_the_level() -> None:
    parts = abstract(1, lvl(0)) + num(1, 1)
    r = resolve_with_warnings(document(p("a", 1, 0), p("b", 1, 3), p("c", 1, 0)), numbering(parts), None)
    assert [(x.text, x.level) for x in r.paragraphs] == [("1", 0), ("", 3), ("2", 0)]
    assert any("has no level 3" in w for w in r.warnings)


def test_an_unresolved_num_style_link_and_a_based_on_loop() -> None:
    parts = abstract(20, extra='<w:numStyleLink w:val="Nowhere"/>') + num(20, 20)
    st = styles(style("A", "B"), style("B", "A"))
    r = resolve_with_warnings(document(p("a", 20, 0), p("b", style="A"), p("c", style="Missing")), numbering(parts), st)
    assert [x.text for x in r.paragraphs] == ["", "", ""]
    assert any("numStyleLink 'Nowhere'" in w for w in r.warnings)
    assert any("basedOn loop" in w for w in r.warnings)
    assert any("'Missing' is not defined" in w for w in r.warnings)


def test_malformed_values_and_xml_do_not_raise() -> None:
    parts = abstract(1, '<w:lvl w:ilvl="0"><w:start w:val="x"/><w:numFmt w:val="decimal"/>'
                        '<w:lvlText w:val="%1"/></w:lvl>', '<w:lvl w:ilvl="12"/>') + num(1, 1)
    r = resolve_with_warnings(document(p("a", 1, 0), p(runs="<w:r><w:t>b</w:t></w:r>", ppr=numpr(1, "two"))),
                              numbering(parts), b"<w:styles")
    assert [x.text for x in r.paragraphs] == ["0", "1"]
    assert any("'x' is not a number" in w for w in r.warnings)
    assert any("styles.xml is not well-formed" in w for w in r.warnings)
    r = resolve_with_warnings(b"not xml", None, None)
    assert r.paragraphs == [] and r.warnings
    with pytest.raises(ValueError):
        resolve(document(p("a")), None, None, view="both")


def test_field_numbering_is_detected_and_warned_about() -> None:
    listnum = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> LIST</w:instrText></w:r>'
               '<w:r><w:instrText>NUM "LegalDefault" \\l 2 </w:instrText></w:r>'
               '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> The Provider</w:t></w:r>')
    seq = '<w:fldSimple w:instr=" SEQ Table \\* ARABIC "><w:r><w:t>3</w:t></w:r></w:fldSimple>'
    r = resolve_with_warnings(document(p(runs=listnum), p(runs=seq)), None, None)
    assert [x.body for x in r.paragraphs] == [" The Provider", "3"]
    assert any(w.startswith("LISTNUM field") for w in r.warnings)
    assert any(w.startswith("SEQ field") for w in r.warnings)


# --- .docx packages ------------------------------------------------------------------------------------------

def test_resolve_docx_reads_the_parts_through_the_relationships(tmp_path: Path) -> None:
    data = docx(document(p("a", style="Clause"), p("b", 1, 1)), numbering(OUTLINE + num(1, 1)),
                styles(style("Clause", num=1, ilvl=0)), numbering_part="word/lists/numbering2.xml")
    path = tmp_path / "x.docx"
    path.write_bytes(data)
    for source in (data, path, str(path), io.BytesIO(data)):
        assert [x.text for x in resolve_docx(source)] == ["1", "1.1"]
    assert resolve_docx_with_warnings(data, view="reject").warnings == []
    with pytest.raises(ValueError):
        resolve_docx(b"not a zip")


def test_strict_ooxml_namespace() -> None:
    strict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
    doc = document(p("a", 1, 0), p("b", 1, 1)).replace(b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                                                        strict.encode())
    nb = numbering(OUTLINE + num(1, 1)).replace(b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                                                strict.encode())
    assert [x.text for x in resolve(doc, nb, None)] == ["1", "1.1"]


def test_para_number_fields() -> None:
    res = resolve(document(p("Alpha", 1, 0, style="Clause")), numbering(OUTLINE + num(1, 1)),
                  styles(style("Clause")))[0]
    assert res == ParaNumber(text="1", level=0, num_id="1", abstract_id="1", is_typed=False, body="Alpha",
                             style="Clause", full="1", suffix="tab", index=0)


# --- real documents ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["fostering", "residential"])
def test_contractgens_own_contract(name: str, tmp_path: Path) -> None:
    """Every numbered paragraph of a built contract: the numbers docxread.word_numbers recomputes,
    and the clause numbers (own and full) contractgen's model assigns."""
    from docxread import bookmarked_paragraphs, word_numbers

    from contractgen import api
    from contractgen.numbering import number_contract
    from contractgen.render.oxml import bookmark_name

    contract = api.open_source(ROOT / "national_contract" / name)
    path = tmp_path / f"{name}.docx"
    path.write_bytes(api.build_docx(contract))
    r = resolve_docx_with_warnings(path)
    assert r.warnings == []
    by_index = {x.index: x for x in r.paragraphs}
    assert sorted(by_index) == list(range(len(r.paragraphs)))  # no tracked changes, no text boxes
    expected = word_numbers(path)
    listed = {x.index for x in r.paragraphs if x.level >= 0}
    assert listed == set(expected)
    for index, (own, full) in expected.items():
        assert (by_index[index].text, by_index[index].full) == (own, full), index
    marks = bookmarked_paragraphs(path)
    numbered = number_contract(contract)
    checked = 0
    for numbered_part in numbered.parts:
        for node in numbered_part.walk():
            got = by_index[marks[bookmark_name(node.clause.id)]]
            assert (got.text, got.full, got.is_typed) == (node.number, node.full, False), node.clause.id
            checked += 1
    assert checked == sum(1 for _ in numbered.walk()) and checked > 300
    titles = [x.text for x in r.paragraphs if x.level >= 0 and x.text.startswith("Schedule ")]
    assert titles == [p.label for p in numbered.parts if p.part.kind == "schedule"]
    print(f"{name}: {len(expected)} numbered paragraphs compared, {checked} clauses")


#: ordered lists of every pandoc style, nested, restarted and resumed ("A." needs two spaces in pandoc)
MARKDOWN = """\
1. One
2. Two
    a. Two-a
    b. Two-b
        i. Two-b-i
        ii. Two-b-ii
3. Three
    1. Three-1
    2. Three-2
4. Four

A paragraph between two lists.

1. Again-1
2. Again-2

Another paragraph.

5. Five
6. Six

- Bullet
    1. Under-bullet-1
    2. Under-bullet-2

(a) Paren-a
(b) Paren-b

A.  Upper-A
B.  Upper-B

iv) Roman-iv
v) Roman-v
"""

_PANDOC_FMT = {"Decimal": "decimal", "DefaultStyle": "decimal", "Example": "decimal", "LowerAlpha": "lowerLetter",
               "UpperAlpha": "upperLetter", "LowerRoman": "lowerRoman", "UpperRoman": "upperRoman"}
_PANDOC_DELIM = {"Period": "{}.", "OneParen": "{})", "TwoParens": "({})", "DefaultDelim": "{}."}


def _markdown_labels(blocks: list, out: dict[str, str]) -> None:
    """{item text: its label} for every ordered-list item of pandoc's reading of the Markdown."""
    for b in blocks:
        if b["t"] == "OrderedList":
            (start, style, delim), items = b["c"][0], b["c"][1]
            fmt, pattern = _PANDOC_FMT[style["t"]], _PANDOC_DELIM[delim["t"]]
            for i, item in enumerate(items):
                first = item[0]
                text = "".join(x["c"] for x in first["c"] if x["t"] == "Str")
                out[text] = pattern.format(format_number(start + i, fmt))
                _markdown_labels(item[1:], out)
        elif b["t"] == "BulletList":
            for item in b["c"]:
                _markdown_labels(item[1:], out)


def test_a_docx_pandoc_writes(pandoc: str, tmp_path: Path) -> None:
    """pandoc's DOCX writer: its own abstractNums, a new num with startOverrides for every list,
    one abstractNum shared by the lists of one style — the numbers must be the Markdown's."""
    source = tmp_path / "lists.md"
    source.write_text(MARKDOWN)
    out = tmp_path / "lists.docx"
    subprocess.run([pandoc, "-f", "markdown", "-t", "docx", str(source), "-o", str(out)], check=True)
    ast = json.loads(subprocess.run([pandoc, "-f", "markdown", "-t", "json", str(source)], check=True,
                                    capture_output=True, text=True).stdout)
    want: dict[str, str] = {}
    _markdown_labels(ast["blocks"], want)
    assert len(want) == 22 and want["Five"] == "5." and want["Roman-iv"] == "iv)" and want["Again-1"] == "1."
    r = resolve_docx_with_warnings(out)
    assert r.warnings == []
    got = {x.body: x.text for x in r.paragraphs if x.level >= 0}
    assert {k: got.get(k) for k in want} == want
    bullet = next(x for x in r.paragraphs if x.body == "Bullet")
    assert bullet.level == 0 and bullet.text and not bullet.text[0].isalnum()
    nums = {x.num_id for x in r.paragraphs if x.level >= 0}
    abstracts = {x.abstract_id for x in r.paragraphs if x.level >= 0}
    assert len(abstracts) < len(nums)  # lists share abstractNums: counting per numId is not enough
    plain = [x for x in r.paragraphs if x.level < 0]
    assert {x.body for x in plain} >= {"A paragraph between two lists.", "Another paragraph."}


#: contractgen redlines with every kind of tracked paragraph: a move from a schedule into the terms
#: and insertions (ne6), a deleted clause and insertions (west-sussex-brighton)
REDLINES = ["ne6-residential", "west-sussex-brighton-fostering"]


@pytest.fixture(scope="module")
def redlines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, object]]:
    from contractgen import api

    out = tmp_path_factory.mktemp("redlines")
    built = {}
    for name in REDLINES:
        red = api.redline(ROOT / "variations" / f"{name}.yaml", against="base", with_html=False)
        path = out / f"{name}.docx"
        path.write_bytes(red.docx)
        built[name] = (path, red)
    return built


@pytest.mark.parametrize("name", REDLINES)
def test_a_contractgen_redline_accepted_and_rejected(name: str, redlines) -> None:
    """Accepting every change gives the varied contract's clause numbers, rejecting every change
    the base's: the tracked contract's numbered paragraphs, in order, against the model."""
    from contractgen.numbering import number_contract

    path, red = redlines[name]
    for view, contract in (("accept", red.varied), ("reject", red.base)):
        r = resolve_docx_with_warnings(path, view)
        assert r.warnings == []
        # the tracked contract follows its heading (contractgen/redline/docx.py); the register precedes it
        start = next(i for i, x in enumerate(r.paragraphs) if x.body == "The contract with the changes tracked")
        got = [x.text for x in r.paragraphs[start + 1:] if x.level >= 0]
        want = []
        for numbered_part in number_contract(contract).parts:
            if numbered_part.part.kind == "schedule":
                want.append(numbered_part.label)
            want.extend(node.number for node in numbered_part.walk())
        assert got == want, view


@pytest.mark.parametrize("name", REDLINES)
def test_a_contractgen_redlines_text_in_each_view_is_pandocs(name: str, redlines, pandoc: str) -> None:
    """The paragraphs' text with the changes accepted or rejected, against pandoc's
    --track-changes=accept|reject (pandoc puts the title and subtitle in its metadata)."""
    from docxread import pandoc_paragraphs

    path, _ = redlines[name]
    for view in ("accept", "reject"):
        mine = [" ".join(f"{x.text} {x.body}".split()) if x.is_typed else " ".join(x.body.split())
                for x in resolve_docx(path, view) if x.style not in ("Title", "Subtitle")]
        assert [t for t in mine if t] == pandoc_paragraphs(path, view), view
