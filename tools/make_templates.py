"""Write contractgen/templates/contract.docx: the styles, title page, header and footer of every
contract.

Run once after changing this file (`python tools/make_templates.py`); the output is committed so
that a commissioner can restyle it in Word. The body is appended by contractgen at build time.
Jinja tags ({{ … }}) are filled by docxtpl in a sandbox.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from contractgen.render.docx import tidy_package  # noqa: E402
from contractgen.render.schema_order import sort_properties  # noqa: E402
from contractgen.render.zipnorm import normalise_zip  # noqa: E402

NAVY = RGBColor(0x1F, 0x2A, 0x44)
FONT = "Arial"


def _font(style, size=None, bold=None, color=None, italic=None):
    f = style.font
    f.name = FONT
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(a), FONT)
    for a in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        if fonts.get(qn(a)) is not None:
            del fonts.attrib[qn(a)]
    if size:
        f.size = Pt(size)
    if bold is not None:
        f.bold = bold
    if italic is not None:
        f.italic = italic
    f.color.rgb = color or RGBColor(0, 0, 0)


def _para(style, before=0, after=6, keep=False, align=None, left=None, hanging=None, outline=None,
          page_break=False, line=None):
    pf = style.paragraph_format
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if line:
        pf.line_spacing = line
    pf.keep_with_next = keep
    if align is not None:
        pf.alignment = align
    if left is not None:
        pf.left_indent = Cm(left)
    if hanging is not None:
        pf.first_line_indent = Cm(-hanging)
    pf.page_break_before = page_break
    ppr = style.element.get_or_add_pPr()
    old = ppr.find(qn("w:outlineLvl"))
    if old is not None:
        ppr.remove(old)
    if outline is not None:
        el = OxmlElement("w:outlineLvl")
        el.set(qn("w:val"), str(outline))
        ppr.append(el)  # python-docx has no API for it; save_clean() puts it in schema order


def _style(doc, name, base="Normal", kind=WD_STYLE_TYPE.PARAGRAPH):
    try:
        s = doc.styles[name]
    except KeyError:
        s = doc.styles.add_style(name, kind)
    if base and kind == WD_STYLE_TYPE.PARAGRAPH:
        s.base_style = doc.styles[base]
    s.hidden = False
    s.quick_style = True
    return s


def _field(paragraph, instr: str, cached: str) -> None:
    for kind, text in (("begin", None), ("instr", instr), ("separate", None), ("text", cached), ("end", None)):
        r = OxmlElement("w:r")
        if kind in ("begin", "separate", "end"):
            fc = OxmlElement("w:fldChar")
            fc.set(qn("w:fldCharType"), kind)
            r.append(fc)
        elif kind == "instr":
            it = OxmlElement("w:instrText")
            it.set(qn("xml:space"), "preserve")
            it.text = f" {text} "
            r.append(it)
        else:
            t = OxmlElement("w:t")
            t.text = text
            r.append(t)
        paragraph._p.append(r)


def save_clean(doc, path: Path) -> None:
    """Save `doc` to `path`, valid against ISO/IEC 29500 and as Word would write it: no
    stylesWithEffects.xml (python-docx's default template carries a stale one), w:zoom with its
    w:percent, every pPr/rPr in schema order; fixed timestamps."""
    import datetime as dt
    from io import BytesIO

    tidy_package(doc)
    for part in (doc.part, *(s.header.part for s in doc.sections), *(s.footer.part for s in doc.sections)):
        sort_properties(part.element)
    buf = BytesIO()
    doc.save(buf)
    path.write_bytes(normalise_zip(buf.getvalue(), epoch=None, date=dt.date(2026, 1, 1)))


def make_contract_template(path: Path) -> None:
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.top_margin = sec.bottom_margin = Cm(2.5)
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.header_distance = sec.footer_distance = Cm(1.25)
    sec.different_first_page_header_footer = True

    normal = doc.styles["Normal"]
    _font(normal, 10.5)
    _para(normal, after=6, line=1.1)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-GB")
    normal.element.get_or_add_rPr().append(lang)  # last of CT_RPr's children but oMath

    s = _style(doc, "Title")
    _font(s, 26, bold=True, color=NAVY)
    _para(s, before=120, after=24, align=WD_ALIGN_PARAGRAPH.LEFT)
    s = _style(doc, "Subtitle")
    _font(s, 15, color=NAVY, italic=False)
    _para(s, after=36)
    s = _style(doc, "Title Page Detail")
    _font(s, 11)
    _para(s, after=4)
    s = _style(doc, "Title Page Notice")
    _font(s, 9, italic=True)
    _para(s, before=48, after=0)

    h1 = _style(doc, "Heading 1")
    _font(h1, 11.5, bold=True, color=NAVY)
    _para(h1, before=14, after=6, keep=True, outline=0)
    h1.font.all_caps = True  # python-docx puts w:caps in its place (after w:b, before w:color)

    st = _style(doc, "Schedule Title", base="Heading 1")
    _font(st, 14, bold=True, color=NAVY)
    _para(st, before=0, after=18, keep=True, outline=0, page_break=True)

    sh = _style(doc, "Schedule Heading", base="Normal")
    _font(sh, 10.5, bold=True, color=NAVY)
    _para(sh, before=12, after=6, keep=True, outline=1)

    for level in range(2, 6):
        s = _style(doc, f"Clause Level {level}")
        _font(s, 10.5)
        _para(s, after=6, align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    s = _style(doc, "Clause Text")
    _font(s, 10.5)
    _para(s, after=6, left=1.27, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    s = _style(doc, "Definition")
    _font(s, 10.5)
    _para(s, after=6, left=1.27, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    s = _style(doc, "Table Text")
    _font(s, 9.5)
    _para(s, after=2, line=1.0)
    s = _style(doc, "Table Heading", base="Table Text")
    _font(s, 9.5, bold=True, color=RGBColor(0xFF, 0xFF, 0xFF))

    s = _style(doc, "TOC Heading")
    _font(s, 14, bold=True, color=NAVY)
    _para(s, after=12, outline=None)
    toc1 = _style(doc, "toc 1")
    _font(toc1, 10.5)
    _para(toc1, after=3, left=1.27, hanging=1.27)
    toc1.paragraph_format.tab_stops.add_tab_stop(Cm(1.27), WD_TAB_ALIGNMENT.LEFT)  # w:tabs after w:pageBreakBefore

    for name in ("Header", "Footer"):
        s = _style(doc, name)
        _font(s, 8.5, color=RGBColor(0x55, 0x55, 0x55))
        _para(s, after=0)

    tstyle = _style(doc, "Contract Table", base=None, kind=WD_STYLE_TYPE.TABLE)
    tstyle.base_style = doc.styles["Normal Table"]
    tbl_pr = tstyle.element.find(qn("w:tblPr"))
    if tbl_pr is None:
        tbl_pr = OxmlElement("w:tblPr")
        tstyle.element.append(tbl_pr)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = OxmlElement(f"w:{edge}")
        b.set(qn("w:val"), "single")
        b.set(qn("w:sz"), "4")
        b.set(qn("w:space"), "0")
        b.set(qn("w:color"), "7F8795")
        borders.append(b)
    tbl_pr.append(borders)
    mar = OxmlElement("w:tblCellMar")
    for edge, w in (("left", 85), ("right", 85)):
        m = OxmlElement(f"w:{edge}")
        m.set(qn("w:w"), str(w))
        m.set(qn("w:type"), "dxa")
        mar.append(m)
    tbl_pr.append(mar)

    # Title page: filled by docxtpl (sandboxed) with the contract's metadata.
    doc.add_paragraph("{{ title }}", style="Title")
    doc.add_paragraph("{{ subtitle }}", style="Subtitle")
    doc.add_paragraph("Version {{ version }}", style="Title Page Detail")
    doc.add_paragraph("{{ date }}", style="Title Page Detail")
    doc.add_paragraph("{{ status }}", style="Title Page Detail")
    doc.add_paragraph("{{ reference }}", style="Title Page Detail")
    doc.add_paragraph("{{ notice }}", style="Title Page Notice")
    brk = doc.add_paragraph()
    brk.add_run().add_break(WD_BREAK.PAGE)

    header = sec.header
    hp = header.paragraphs[0]
    hp.text = "{{ short_title }}\tVersion {{ version }}"
    hp.style = doc.styles["Header"]
    _right_tab(hp, 9072)
    footer = sec.footer
    fp = footer.paragraphs[0]
    fp.style = doc.styles["Footer"]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fp.add_run("Page ")
    _field(fp, "PAGE", "1")
    fp.add_run(" of ")
    _field(fp, "NUMPAGES", "1")

    cp = doc.core_properties
    cp.author = "contractgen"
    cp.title = "contractgen contract template"
    cp.comments = "Restyle freely in Word; keep the template fields in double braces."
    import datetime as dt

    cp.created = cp.modified = dt.datetime(2026, 1, 1, 0, 0, 0)
    cp.last_modified_by = "contractgen"
    cp.revision = 1
    save_clean(doc, path)


def _right_tab(paragraph, pos: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    tabs = OxmlElement("w:tabs")
    for clear in (4680, 9360):  # the Header style's own tab stops
        c = OxmlElement("w:tab")
        c.set(qn("w:val"), "clear")
        c.set(qn("w:pos"), str(clear))
        tabs.append(c)
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), "right")
    tab.set(qn("w:pos"), str(pos))
    tabs.append(tab)
    ppr.append(tabs)


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1] / "contractgen" / "templates"
    root.mkdir(exist_ok=True)
    make_contract_template(root / "contract.docx")
    print(f"wrote {root / 'contract.docx'}")
