"""Reading a .docx for `contractgen import`: paragraphs and tables in document order, each
paragraph as runs of text (bold or not), cross-reference fields and links to bookmarks, with the
number the resolver (wordnum.py) says Word shows before it. Tracked changes are accepted.

Only what the importer needs is read; list numbers are never computed here (docs/dev/import.md).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from . import wordnum
from .wordnum import ParaNumber

W = wordnum.W
STRICT_W = wordnum.STRICT_W
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
MAX_PART_BYTES = 200 * 2**20  # a document part larger than this is refused (a zip bomb stops here)


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _local(el: etree._Element) -> str | None:
    tag = el.tag
    if isinstance(tag, str) and tag.startswith("{" + W + "}"):
        return tag[len(W) + 2:]
    return None


def _on(el: etree._Element | None) -> bool:
    if el is None:
        return False
    return (el.get(_w("val")) or "true").strip().lower() not in ("0", "false", "off", "none")


class NotADocx(Exception):
    """The input cannot be read as a Word document; the message says why."""


@dataclass
class Seg:
    """A piece of a paragraph: text, or a reference to a bookmark (REF field or internal link)."""

    kind: str  # "text" | "ref" | "link"
    text: str  # the text Word shows
    bold: bool = False
    target: str | None = None  # bookmark name
    switches: str = ""  # a REF field's switches ("\\w \\h")


@dataclass
class Para:
    index: int  # the paragraph's position among the body's w:p (ParaNumber.index)
    segs: list[Seg]
    num: ParaNumber
    style_name: str  # the style's name, lower case ("heading 1", "clause level 2"); "" if none
    outline: int | None  # outline level 0..8 (Heading 1 = 0), None for body text
    bookmarks: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segs)


@dataclass
class Cell:
    paras: list[Para]
    span: int = 1  # w:gridSpan
    merged: bool = False  # continues a vertical merge from the row above


@dataclass
class Table:
    rows: list[list[Cell]]
    index: int  # the index of its first paragraph

    @property
    def first_row(self) -> str:
        return " | ".join(" ".join(p.text for p in c.paras).strip() for c in self.rows[0]) if self.rows else ""


@dataclass
class Counts:
    images: int = 0
    footnotes: int = 0
    comments: int = 0
    text_boxes: int = 0
    insertions: int = 0
    deletions: int = 0
    fields: dict[str, int] = field(default_factory=dict)  # field type -> count (not REF)

    def field(self, kind: str) -> None:
        self.fields[kind] = self.fields.get(kind, 0) + 1


@dataclass
class Document:
    items: list[Para | Table]
    paragraphs: int  # every w:p of the body, in tables too
    title: str | None  # docProps/core.xml dc:title
    created: dt.date | None  # docProps/core.xml dcterms:created
    counts: Counts
    warnings: list[str]


# --- the package ------------------------------------------------------------------------------------


def _read_zip(source: Path | bytes, shown: str) -> tuple[bytes, bytes | None, bytes | None, bytes | None]:
    """Return (document.xml, numbering.xml, styles.xml, core.xml) of the package."""
    data = source if isinstance(source, (bytes, bytearray)) else None
    try:
        z = zipfile.ZipFile(io.BytesIO(data) if data is not None else source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile) and data is None:
            raise
        raise NotADocx("is not a Word document (.docx): it is not a zip package") from None
    with z:
        for info in z.infolist():
            if info.file_size > MAX_PART_BYTES:
                raise NotADocx(f"its part {info.filename} inflates to {info.file_size / 2**20:,.0f} MB, more than "
                               f"the {MAX_PART_BYTES // 2**20} MB a document part may hold")
        rels = list(wordnum._rels(z, ""))
        main = wordnum._find(z, rels, "officeDocument", "word/document.xml")
        if main is None:
            raise NotADocx("is not a Word document (.docx): the package has no main document part "
                           "(an .xlsx, .pptx or .odt?)")
        doc_rels = list(wordnum._rels(z, main))
        folder = posixpath.dirname(main)
        numbering = wordnum._find(z, doc_rels, "numbering", posixpath.join(folder, "numbering.xml"))
        styles = wordnum._find(z, doc_rels, "styles", posixpath.join(folder, "styles.xml"))
        core = wordnum._find(z, rels, "core-properties", "docProps/core.xml")
        try:
            return (z.read(main), z.read(numbering) if numbering else None, z.read(styles) if styles else None,
                    z.read(core) if core else None)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:  # a damaged member
            raise NotADocx(f"is a damaged Word document ({exc})") from None


def _xml(data: bytes | None, name: str, required: bool = False) -> etree._Element | None:
    if data is None:
        return None
    data = data.replace(STRICT_W.encode(), W.encode())
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        if required:
            raise NotADocx(f"its {name} is not well-formed XML ({exc})") from None
        return None


# --- styles --------------------------------------------------------------------------------------------


@dataclass
class _StyleInfo:
    name: str
    based_on: str | None
    outline: int | None


class Styles:
    """Paragraph styles by id: name (lower case) and outline level, through basedOn."""

    def __init__(self, root: etree._Element | None) -> None:
        self.styles: dict[str, _StyleInfo] = {}
        self.default: str | None = None
        if root is None:
            return
        for st in root.iter(_w("style")):
            if (st.get(_w("type")) or "paragraph") != "paragraph":
                continue
            sid = st.get(_w("styleId"))
            if sid is None or sid in self.styles:
                continue
            name_el = st.find(_w("name"))
            name = (name_el.get(_w("val")) if name_el is not None else None) or sid
            based = st.find(_w("basedOn"))
            out = st.find(f"{_w('pPr')}/{_w('outlineLvl')}")
            self.styles[sid] = _StyleInfo(" ".join(name.lower().split()), based.get(_w("val")) if based is not None else None,
                                          _outline(out))
            if self.default is None and (st.get(_w("default")) or "").lower() in ("1", "true", "on"):
                self.default = sid

    def chain(self, sid: str | None) -> list[_StyleInfo]:
        if sid is None or sid not in self.styles:
            sid = self.default
        out: list[_StyleInfo] = []
        seen: set[str] = set()
        while sid is not None and sid in self.styles and sid not in seen:
            seen.add(sid)
            out.append(self.styles[sid])
            sid = self.styles[sid].based_on
        return out

    def name(self, sid: str | None) -> str:
        chain = self.chain(sid)
        return chain[0].name if chain else ""

    def outline(self, sid: str | None) -> int | None:
        for info in self.chain(sid):
            if info.outline is not None:
                return info.outline if info.outline < 9 else None
            m = _HEADING_NAME.fullmatch(info.name)
            if m:
                return int(m.group(1)) - 1
        return None


_HEADING_NAME = re.compile(r"heading ([1-9])")


def _outline(el: etree._Element | None) -> int | None:
    if el is None:
        return None
    try:
        n = int((el.get(_w("val")) or "").strip())
    except ValueError:
        return None
    return n if 0 <= n <= 9 else None


# --- paragraphs -----------------------------------------------------------------------------------------

_REF = re.compile(r"^\s*REF\s+(\"[^\"]*\"|\S+)(.*)$", re.IGNORECASE | re.DOTALL)
_FIELD_KIND = re.compile(r"^\s*([A-Za-z]+)")
_CONTAINERS = frozenset({"ins", "moveTo", "smartTag", "customXml", "sdt", "sdtContent", "dir", "bdo"})
_DROPPED = frozenset({"del", "moveFrom", "pPr", "rPr", "sdtPr", "sdtEndPr", "proofErr", "permStart", "permEnd"})


class _Field:
    def __init__(self) -> None:
        self.instr = ""
        self.result: list[Seg] = []
        self.in_result = False


class _ParaReader:
    """The segments of one paragraph (accepted view), and the bookmarks that start in it."""

    def __init__(self, counts: Counts, bold_styles: set[str]) -> None:
        self.counts = counts
        self.bold_styles = bold_styles
        self.out: list[Seg] = []
        self.fields: list[_Field] = []
        self.bookmarks: list[str] = []
        self.link: str | None = None

    def emit(self, seg: Seg) -> None:
        for f in reversed(self.fields):
            if f.in_result:
                f.result.append(seg)
                return
            return  # text inside a field's instructions is not shown
        self.out.append(seg)

    def text(self, text: str, bold: bool) -> None:
        if not text:
            return
        if self.link is not None:
            self.emit(Seg("link", text, bold, self.link))
        else:
            self.emit(Seg("text", text, bold))

    def walk(self, el: etree._Element) -> None:
        for child in el:
            tag = _local(child)
            if tag is None or tag in _DROPPED:
                if tag in ("del", "moveFrom"):
                    self.counts.deletions += 1
                continue
            if tag == "r":
                self.run(child)
            elif tag == "hyperlink":
                anchor = child.get(_w("anchor"))
                outer = self.link
                self.link = anchor if anchor else outer
                self.walk(child)
                self.link = outer
            elif tag == "fldSimple":
                f = _Field()
                f.instr = child.get(_w("instr")) or ""
                f.in_result = True
                self.fields.append(f)
                self.walk(child)
                self.end_field()
            elif tag == "bookmarkStart":
                name = child.get(_w("name"))
                if name:
                    self.bookmarks.append(name)
            elif tag in _CONTAINERS:
                if tag in ("ins", "moveTo"):
                    self.counts.insertions += 1
                self.walk(child)

    def run(self, r: etree._Element) -> None:
        rpr = r.find(_w("rPr"))
        bold = False
        if rpr is not None:
            if _on(rpr.find(_w("vanish"))):
                return  # hidden text
            b = rpr.find(_w("b"))
            if b is not None:
                bold = _on(b)
            else:
                rs = rpr.find(_w("rStyle"))
                bold = rs is not None and rs.get(_w("val")) in self.bold_styles
        for child in r:
            tag = _local(child)
            if tag == "t":
                self.text(child.text or "", bold)
            elif tag in ("tab", "ptab"):
                self.text("\t", bold)
            elif tag in ("br", "cr"):
                if child.get(_w("type")) in (None, "textWrapping"):
                    self.text(" ", bold)
            elif tag == "noBreakHyphen":
                self.text("-", bold)
            elif tag == "sym":
                char = child.get(_w("char")) or ""
                try:
                    self.text(chr(int(char, 16)) if int(char, 16) < 0xF000 else "", bold)
                except ValueError:
                    pass
            elif tag == "fldChar":
                kind = child.get(_w("fldCharType"))
                if kind == "begin":
                    self.fields.append(_Field())
                elif kind == "separate" and self.fields:
                    self.fields[-1].in_result = True
                elif kind == "end" and self.fields:
                    self.end_field()
            elif tag == "instrText":
                if self.fields and not self.fields[-1].in_result:
                    self.fields[-1].instr += child.text or ""
            elif tag in ("drawing", "pict", "object"):
                if child.find(f".//{{*}}txbx") is not None or child.find(f".//{_w('txbxContent')}") is not None:
                    self.counts.text_boxes += 1
                else:
                    self.counts.images += 1
            elif tag in ("footnoteReference", "endnoteReference"):
                self.counts.footnotes += 1
            elif tag == "commentReference":
                self.counts.comments += 1

    def end_field(self) -> None:
        f = self.fields.pop()
        m = _REF.match(f.instr)
        if m:
            shown = "".join(s.text for s in f.result)
            seg = Seg("ref", shown, any(s.bold for s in f.result), m.group(1).strip('"'), " ".join(m.group(2).split()))
            self.emit(seg)
            return
        k = _FIELD_KIND.match(f.instr)
        if k:
            self.counts.field(k.group(1).upper())
        for seg in f.result:
            self.emit(seg)

    def finish(self) -> list[Seg]:
        while self.fields:  # a field that ends in a later paragraph (a TOC): its result so far is shown
            f = self.fields.pop()
            if not f.in_result:
                continue
            for seg in f.result:
                self.emit(seg)
        return self.out


def _mark_deleted(p: etree._Element) -> bool:
    rpr = p.find(f"{_w('pPr')}/{_w('rPr')}")
    return rpr is not None and (rpr.find(_w("del")) is not None or rpr.find(_w("moveFrom")) is not None)


def _row_deleted(tr: etree._Element) -> bool:
    trpr = tr.find(_w("trPr"))
    return trpr is not None and trpr.find(_w("del")) is not None


class _BodyReader:
    def __init__(self, body: etree._Element, numbers: dict[int, ParaNumber], styles: Styles,
                 bold_styles: set[str], counts: Counts) -> None:
        self.numbers = numbers
        self.styles = styles
        self.bold_styles = bold_styles
        self.counts = counts
        self.order = {p: i for i, p in enumerate(body.iter(_w("p")))}
        self.carry: list[Seg] = []
        self.carry_marks: list[str] = []
        self.pending: list[str] = []  # body-level bookmarks: they belong to the next paragraph

    def para(self, p: etree._Element) -> Para | None:
        index = self.order[p]
        reader = _ParaReader(self.counts, self.bold_styles)
        reader.walk(p)
        segs = reader.finish()
        num = self.numbers.get(index)
        if num is None:
            if _mark_deleted(p):  # accepted: the paragraph joins the next (the resolver did the same)
                self.carry.extend(segs)
                self.carry_marks.extend(reader.bookmarks)
            return None
        segs = self.carry + segs
        marks = self.pending + self.carry_marks + reader.bookmarks
        self.carry, self.carry_marks, self.pending = [], [], []
        ppr = p.find(_w("pPr"))
        sid = None
        outline = None
        if ppr is not None:
            ps = ppr.find(_w("pStyle"))
            sid = ps.get(_w("val")) if ps is not None else None
            outline = _outline(ppr.find(_w("outlineLvl")))
            if outline == 9:
                outline = -1
        if outline is None:
            outline = self.styles.outline(sid)
        elif outline < 0:
            outline = None
        return Para(index, _merge(segs), num, self.styles.name(sid), outline, marks)

    def blocks(self, el: etree._Element, out: list[Para | Table]) -> None:
        for child in el:
            tag = _local(child)
            if tag == "p":
                para = self.para(child)
                if para is not None:
                    out.append(para)
            elif tag == "tbl":
                table = self.table(child)
                if table is not None:
                    out.append(table)
            elif tag == "bookmarkStart":
                name = child.get(_w("name"))
                if name:
                    self.pending.append(name)
            elif tag in ("sdt", "sdtContent", "customXml", "ins", "moveTo"):
                self.blocks(child, out)

    def table(self, tbl: etree._Element) -> Table | None:
        rows: list[list[Cell]] = []
        first = None
        for tr in tbl.iter(_w("tr")):
            if not _direct_row(tr, tbl) or _row_deleted(tr):
                continue
            row: list[Cell] = []
            for tc in tr:
                if _local(tc) == "sdt":
                    cells = [c for c in tc.iter(_w("tc"))]
                else:
                    cells = [tc] if _local(tc) == "tc" else []
                for cell in cells:
                    paras: list[Para] = []
                    self.cell_paras(cell, paras)
                    tcpr = cell.find(_w("tcPr"))
                    span, merged = 1, False
                    if tcpr is not None:
                        gs = tcpr.find(_w("gridSpan"))
                        if gs is not None:
                            try:
                                span = max(1, int(gs.get(_w("val")) or "1"))
                            except ValueError:
                                span = 1
                        vm = tcpr.find(_w("vMerge"))
                        merged = vm is not None and (vm.get(_w("val")) or "continue") == "continue"
                    row.append(Cell(paras, span, merged))
                    if first is None and paras:
                        first = paras[0].index
            if row:
                rows.append(row)
        if not rows:
            return None
        return Table(rows, first if first is not None else -1)

    def cell_paras(self, el: etree._Element, out: list[Para]) -> None:
        for child in el:
            tag = _local(child)
            if tag == "p":
                para = self.para(child)
                if para is not None:
                    out.append(para)
            elif tag == "tbl":  # a nested table: its text goes into this cell
                for p in child.iter(_w("p")):
                    para = self.para(p)
                    if para is not None:
                        out.append(para)
            elif tag in ("sdt", "sdtContent", "customXml", "ins", "moveTo"):
                self.cell_paras(child, out)


def _direct_row(tr: etree._Element, tbl: etree._Element) -> bool:
    """A row of `tbl` itself (possibly inside w:sdt or w:customXml), not of a nested table."""
    for anc in tr.iterancestors():
        if anc is tbl:
            return True
        if _local(anc) == "tbl":
            return False
    return False


def _merge(segs: list[Seg]) -> list[Seg]:
    """Join neighbouring text segments of the same boldness (Word splits runs anywhere)."""
    out: list[Seg] = []
    for s in segs:
        if out and s.kind == "text" and out[-1].kind == "text" and out[-1].bold == s.bold:
            out[-1] = Seg("text", out[-1].text + s.text, s.bold)
        elif out and s.kind == "link" and out[-1].kind == "link" and out[-1].target == s.target:
            out[-1] = Seg("link", out[-1].text + s.text, out[-1].bold and s.bold, s.target)
        else:
            out.append(s)
    return out


def _bold_char_styles(root: etree._Element | None) -> set[str]:
    out: set[str] = set()
    if root is None:
        return out
    for st in root.iter(_w("style")):
        if st.get(_w("type")) == "character" and _on(st.find(f"{_w('rPr')}/{_w('b')}")):
            sid = st.get(_w("styleId"))
            if sid:
                out.add(sid)
    return out


def _core(root: etree._Element | None) -> tuple[str | None, dt.date | None]:
    if root is None:
        return None, None
    title = created = None
    for el in root:
        if not isinstance(el.tag, str):
            continue
        local = el.tag.rpartition("}")[2]
        if local == "title" and (el.text or "").strip():
            title = " ".join(el.text.split())
        elif local == "created" and el.text:
            m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", el.text)
            if m:
                try:
                    created = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    created = None
    return title, created


def read_document(source: Path | bytes, shown: str) -> Document:
    """Read the body of the .docx at `source` (a path or its bytes)."""
    document, numbering, styles_xml, core = _read_zip(source, shown)
    doc = _xml(document, "word/document.xml", required=True)
    assert doc is not None
    body = doc.find(_w("body")) if _local(doc) != "body" else doc
    if body is None:
        raise NotADocx("has no document body (word/document.xml holds no w:body)")
    resolution = wordnum.resolve_with_warnings(document, numbering, styles_xml, "accept")
    numbers = {n.index: n for n in resolution.paragraphs}
    styles_root = _xml(styles_xml, "word/styles.xml")
    counts = Counts()
    reader = _BodyReader(body, numbers, Styles(styles_root), _bold_char_styles(styles_root), counts)
    items: list[Para | Table] = []
    reader.blocks(body, items)
    title, created = _core(_xml(core, "docProps/core.xml"))
    return Document(items, len(reader.order), title, created, counts, list(resolution.warnings))
