"""The body of an existing .docx, paragraph by paragraph, as `extract` needs it (issue 14).

Numbers come from `wordnum.resolve_docx` (the number Word shows, and whether one was typed by
hand); this module adds what the resolver does not say: which table cell a paragraph is in, its
style's name, its bold lead-in, the tracked changes in it (with author and date), whether it is a
table-of-contents entry, the tables as rows of cell texts, and the core properties. The view is
always "accept": inserted text kept, deleted text dropped (docs/dev/extract.md).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from . import wordnum

W = wordnum.W
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
#: Uncompressed size of the parts read (a zip "bomb" stops here).
MAX_PART_BYTES = 200 * 2**20
_FALSE = ("0", "false", "off", "none")


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


class NotADocx(ValueError):
    """The file is not a Word document that can be read."""


@dataclass(frozen=True)
class Change:
    """One tracked change: what was inserted or deleted, by whom, when."""

    kind: str  # "inserted" | "deleted" | "moved from" | "moved to" | "paragraph inserted" | "paragraph deleted"
    author: str
    date: str
    text: str
    index: int  # the paragraph (w:p in document order) it is in

    def describe(self) -> str:
        who = f" by {self.author}" if self.author else ""
        when = f" on {self.date}" if self.date else ""
        text = " ".join(self.text.split())
        if len(text) > 120:
            text = text[:119] + "…"
        return f"{self.kind}{who}{when}" + (f": «{text}»" if text else "")


@dataclass
class Para:
    """One body paragraph in the accept view."""

    index: int  # position of its w:p in document order (wordnum's index)
    text: str  # whitespace-normalised text, a typed number included
    body: str  # whitespace-normalised text without a typed number
    number: str  # the number Word shows (or the typed one); "" if none
    level: int  # list level (ilvl) 0..8, -1 when not in a list
    is_list: bool  # numbered by Word (not typed)
    typed: bool  # the number was typed by hand
    style: str | None  # style id
    style_name: str | None
    bold: str  # whitespace-normalised text of its leading bold runs ("" if none)
    table: int | None = None  # index of the body table it is in
    row: int = -1
    col: int = -1
    toc: bool = False  # a table-of-contents entry
    changes: list[Change] = field(default_factory=list)


@dataclass
class Table:
    index: int
    rows: list[list[str]]
    paras: list[int]  # indices (Para.index) of the paragraphs in it


@dataclass
class Document:
    paragraphs: list[Para]
    tables: list[Table]
    title: str | None
    subject: str | None
    modified: dt.date | None
    warnings: list[str]
    changes: list[Change]  # every tracked change, those of paragraphs joined to the next included


def norm(text: str) -> str:
    """Return `text` with every run of white space one space, trimmed."""
    return " ".join(text.split())


def _zip(path_or_bytes: Any) -> zipfile.ZipFile:
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        path_or_bytes = io.BytesIO(bytes(path_or_bytes))
    try:
        z = zipfile.ZipFile(path_or_bytes)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotADocx(f"not a Word document (.docx): {exc}") from None
    if sum(i.file_size for i in z.infolist()) > MAX_PART_BYTES * 4:
        raise NotADocx("the document inflates to more than 800 MB; it is not read")
    return z


def _read(z: zipfile.ZipFile, name: str | None) -> bytes | None:
    if name is None:
        return None
    try:
        info = z.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise NotADocx(f"{name} inflates to more than {MAX_PART_BYTES // 2**20} MB; it is not read")
    return z.read(name)


def _parse(data: bytes | None) -> etree._Element | None:
    if not data:
        return None
    data = data.replace(wordnum.STRICT_W.encode(), W.encode())
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        return None


# --- styles -------------------------------------------------------------------------------------

class _Styles:
    def __init__(self, root: etree._Element | None) -> None:
        self.names: dict[str, str] = {}
        self.based: dict[str, str] = {}
        self.bold: dict[str, bool | None] = {}
        if root is None:
            return
        for s in root.iter(_w("style")):
            sid = s.get(_w("styleId"))
            if not sid:
                continue
            name = s.find(_w("name"))
            if name is not None and name.get(_w("val")):
                self.names[sid] = name.get(_w("val"))
            based = s.find(_w("basedOn"))
            if based is not None and based.get(_w("val")):
                self.based[sid] = based.get(_w("val"))
            b = s.find(f"{_w('rPr')}/{_w('b')}")
            self.bold[sid] = None if b is None else (b.get(_w("val")) or "true").lower() not in _FALSE

    def char_bold(self, sid: str | None) -> bool:
        seen: set[str] = set()
        while sid and sid not in seen:
            seen.add(sid)
            if self.bold.get(sid) is not None:
                return bool(self.bold[sid])
            sid = self.based.get(sid)
        return False


def _run_bold(r: etree._Element, styles: _Styles) -> bool:
    rpr = r.find(_w("rPr"))
    if rpr is None:
        return False
    b = rpr.find(_w("b"))
    if b is not None:
        return (b.get(_w("val")) or "true").lower() not in _FALSE
    rstyle = rpr.find(_w("rStyle"))
    return rstyle is not None and styles.char_bold(rstyle.get(_w("val")))


# --- text pieces in the accept view ------------------------------------------------------------

_SKIP = frozenset({"pPr", "rPr", "sdtPr", "sdtEndPr", "drawing", "pict", "object", "txbxContent",
                   "footnoteReference", "endnoteReference", "commentReference", "del", "moveFrom",
                   "instrText", "delText", "delInstrText", "p", "tbl"})


def _pieces(el: etree._Element, styles: _Styles, bold: bool, out: list[tuple[str, bool]]) -> None:
    """Append (text, bold) for the visible text under `el`, as wordnum._text reads it."""
    for child in el:
        if not isinstance(child.tag, str) or not child.tag.startswith("{" + W + "}"):
            continue
        tag = child.tag[len(W) + 2:]
        if tag in _SKIP:
            continue
        if tag == "r":
            _pieces(child, styles, _run_bold(child, styles), out)
        elif tag == "t":
            out.append((child.text or "", bold))
        elif tag in ("tab", "ptab"):
            out.append(("\t", bold))
        elif tag in ("br", "cr"):
            out.append(("\n", bold))
        elif tag == "noBreakHyphen":
            out.append(("-", bold))
        else:
            _pieces(child, styles, bold, out)


def _bold_lead(p: etree._Element, styles: _Styles) -> str:
    pieces: list[tuple[str, bool]] = []
    _pieces(p, styles, False, pieces)
    lead: list[str] = []
    for text, bold in pieces:
        if bold or not text.strip():
            lead.append(text)
            continue
        break
    return norm("".join(lead)) if any(b and t.strip() for t, b in pieces[:len(lead)]) else ""


# --- tracked changes ----------------------------------------------------------------------------

_KINDS = {"ins": "inserted", "del": "deleted", "moveFrom": "moved from", "moveTo": "moved to"}


def _changes(p: etree._Element, index: int) -> list[Change]:
    out: list[Change] = []
    for kind, label in _KINDS.items():
        for c in p.iter(_w(kind)):
            parent = c.getparent()
            if parent is not None and parent.tag in (_w("rPr"), _w("numPr"), _w("trPr")):
                continue  # a mark on a paragraph, a number or a row: below
            texts = [t.text or "" for t in c.iter(_w("t"), _w("delText"))]
            out.append(Change(label, c.get(_w("author")) or "", c.get(_w("date")) or "", "".join(texts), index))
    mark = p.find(f"{_w('pPr')}/{_w('rPr')}")
    if mark is not None:
        for kind in ("ins", "del"):
            m = mark.find(_w(kind))
            if m is not None:
                out.append(Change(f"paragraph {_KINDS[kind]}", m.get(_w("author")) or "", m.get(_w("date")) or "",
                                  "", index))
    return sorted(out, key=lambda c: (c.kind != "deleted", c.kind))


# --- table of contents ----------------------------------------------------------------------------

_TOC_STYLE = re.compile(r"^(?:toc|contents)\s*\d+$", re.IGNORECASE)


def is_toc_style(*names: str | None) -> bool:
    return any(n and _TOC_STYLE.match(n.strip()) for n in names)


def is_contents_heading(*names: str | None) -> bool:
    """A 'TOC Heading' / 'Contents Heading' style: it opens the contents, parties or execution."""
    return any(n and re.sub(r"[\s_-]", "", n).lower() in ("tocheading", "contentsheading") for n in names)


def _toc_paragraphs(body: etree._Element, elements: list[etree._Element]) -> set[int]:
    """Return the indices of paragraphs inside a TOC field or a table-of-contents control
    (`elements`: the body's w:p in document order, kept alive so that each has one proxy)."""
    found: set[int] = set()
    p_tag = _w("p")
    index_of = {id(p): i for i, p in enumerate(elements)}
    for sdt in body.iter(_w("sdt")):
        gallery = sdt.find(f"{_w('sdtPr')}/{_w('docPartObj')}/{_w('docPartGallery')}")
        if gallery is not None and "contents" in (gallery.get(_w("val")) or "").lower():
            found.update(index_of[id(p)] for p in sdt.iter(p_tag))
    stack: list[list[Any]] = []  # [instruction, in result]
    current = -1
    for el in body.iter(p_tag, _w("fldChar"), _w("instrText"), _w("fldSimple")):
        if el.tag == p_tag:
            current = index_of[id(el)]
            if any(f[0].lstrip().upper().startswith("TOC") for f in stack):
                found.add(current)
            continue
        if el.tag == _w("fldSimple"):
            if (el.get(_w("instr")) or "").lstrip().upper().startswith("TOC"):
                found.add(current)
            continue
        if el.tag == _w("instrText"):
            if stack:
                stack[-1][0] += el.text or ""
            continue
        kind = el.get(_w("fldCharType"))
        if kind == "begin":
            stack.append(["", False])
        elif kind == "end" and stack:
            stack.pop()
        if any(f[0].lstrip().upper().startswith("TOC") for f in stack):
            found.add(current)
    return found


# --- core properties -----------------------------------------------------------------------------

_CP = {"dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/"}


def _core(z: zipfile.ZipFile) -> tuple[str | None, str | None, dt.date | None]:
    name = None
    for rtype, target in wordnum._rels(z, ""):
        if rtype.endswith("/core-properties"):
            name = target
    root = _parse(_read(z, name or "docProps/core.xml"))
    if root is None:
        return None, None, None

    def text(tag: str) -> str | None:
        el = root.find(tag, _CP)
        value = norm(el.text or "") if el is not None else ""
        return value or None

    modified = None
    raw = text("dcterms:modified")
    if raw:
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})", raw)
        if m:
            try:
                modified = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                modified = None
    return text("dc:title"), text("dc:subject"), modified


# --- the document ---------------------------------------------------------------------------------

def read_docx(path_or_bytes: str | Path | bytes) -> Document:
    """Return the body of a .docx in the accept view (raises NotADocx when it cannot be read)."""
    if isinstance(path_or_bytes, (str, Path)):
        data = Path(path_or_bytes).read_bytes()
    else:
        data = bytes(path_or_bytes)
    with _zip(data) as z:
        main = wordnum._find(z, wordnum._rels(z, ""), "officeDocument", "word/document.xml")
        if main is None:
            raise NotADocx("the package has no main document part (word/document.xml)")
        rels = list(wordnum._rels(z, main))
        folder = posixpath.dirname(main)
        document = _read(z, main)
        numbering = _read(z, wordnum._find(z, rels, "numbering", posixpath.join(folder, "numbering.xml")))
        styles_xml = _read(z, wordnum._find(z, rels, "styles", posixpath.join(folder, "styles.xml")))
        title, subject, modified = _core(z)
    root = _parse(document)
    if root is None:
        raise NotADocx("word/document.xml is not well-formed XML")
    body = root.find(_w("body"))
    if body is None:
        raise NotADocx("word/document.xml has no body")
    assert document is not None
    resolution = wordnum.resolve_with_warnings(document, numbering, styles_xml, "accept")
    styles = _Styles(_parse(styles_xml))
    # where each w:p is: which body table, row and cell (nested tables belong to the outer cell)
    p_tag, tbl_tag, tr_tag, tc_tag = _w("p"), _w("tbl"), _w("tr"), _w("tc")
    elements = list(body.iter(p_tag))
    toc = _toc_paragraphs(body, elements)
    tables: list[Table] = []
    table_of: dict[int, tuple[int, int, int]] = {}
    for tbl in body.iter(tbl_tag):
        if any(a.tag == tbl_tag for a in tbl.iterancestors()):
            continue  # a nested table: its cells' text belongs to the outer cell
        t = Table(len(tables), [], [])
        row_n = 0
        for tr in tbl.iter(tr_tag):
            if next((a for a in tr.iterancestors(tbl_tag)), None) is not tbl:
                continue
            if wordnum._row_gone(tr, "accept"):
                continue
            cells = [tc for tc in tr if tc.tag == tc_tag] + \
                    [tc for sdt in tr if sdt.tag == _w("sdt") for tc in sdt.iter(tc_tag)]
            t.rows.append([""] * len(cells))
            for col, tc in enumerate(cells):
                for p in tc.iter(p_tag):
                    table_of[id(p)] = (t.index, row_n, col)
            row_n += 1
        tables.append(t)
    where = {i: table_of[id(p)] for i, p in enumerate(elements) if id(p) in table_of}

    paragraphs: list[Para] = []
    all_changes: list[Change] = []
    pending: list[Change] = []
    kept = {pn.index for pn in resolution.paragraphs}
    changes_at: dict[int, list[Change]] = {}
    for i, p in enumerate(elements):
        found = _changes(p, i)
        changes_at[i] = found
        all_changes.extend(found)
        if i not in kept:
            pending.extend(found)  # a paragraph joined to the next, or in a deleted row
    pending_by_next: dict[int, list[Change]] = {}
    order = sorted(kept)
    for c in pending:
        nxt = next((k for k in order if k > c.index), None)
        if nxt is not None:
            pending_by_next.setdefault(nxt, []).append(c)
    for pn in resolution.paragraphs:
        p = elements[pn.index]
        sid = pn.style
        name = styles.names.get(sid) if sid else None
        full = norm((pn.text + " " + pn.body) if pn.is_typed else pn.body)
        tpos = where.get(pn.index)
        para = Para(
            index=pn.index, text=full, body=norm(pn.body), number=pn.text, level=pn.level,
            is_list=bool(pn.text) and not pn.is_typed, typed=pn.is_typed, style=sid, style_name=name,
            bold=_bold_lead(p, styles), toc=pn.index in toc or is_toc_style(sid, name),
            changes=pending_by_next.get(pn.index, []) + changes_at[pn.index],
        )
        if tpos is not None:
            para.table, para.row, para.col = tpos
            t = tables[tpos[0]]
            t.paras.append(pn.index)
            if tpos[1] < len(t.rows) and tpos[2] < len(t.rows[tpos[1]]):
                cell = t.rows[tpos[1]][tpos[2]]
                t.rows[tpos[1]][tpos[2]] = norm(cell + " " + para.text)
        paragraphs.append(para)
    return Document(paragraphs, [t for t in tables if t.paras or t.rows], title, subject, modified,
                    list(resolution.warnings), all_changes)
