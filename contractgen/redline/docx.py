"""Redline → Word document with native tracked changes and a change register at the front.

See docs/dev/redline.md for the rules each element here follows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..numbering import Numbered
from ..render.docx import LEVEL_INDENT, TEXT_WIDTH, _add_numbering, Body, render_document
from ..render.oxml import bookmark_end, bookmark_start, el, field_runs, qn, val, w_p, w_ppr, w_t
from .align import Out, Row
from .textdiff import DEL, EQ, Piece, Tok

REVISION_TAGS = ("w:ins", "w:del", "w:moveFrom", "w:moveTo")


@dataclass(frozen=True)
class Note:
    """One reason beside a change: whose it is, and whether a later overlay superseded it."""

    text: str
    label: str = ""  # who gives it, when the register has several sources ("west-london-alliance")
    author: str = ""  # the consortium whose reason it is: the Word comment's author
    category: str = ""
    date: dt.date | None = None  # the overlay's effective date: the comment's date
    superseded: bool = False
    detail: str = ""  # a long value's change in words, shown before the reason in the register only

    @property
    def shown(self) -> str:
        return f"{self.label}: {self.text}" if self.label else self.text

    @property
    def full(self) -> str:
        """The reason as the register shows it: a long value's change first."""
        text = f"{self.detail} {self.text}" if self.detail else self.text
        return f"{self.label}: {text}" if self.label else text


@dataclass
class RegisterRow:
    number: int
    clause: str
    heading: str
    operation: str
    category: str
    rationale: str
    anchor: str | None  # bookmark of the first change of the variation
    variation: Any = None
    notes: tuple[Note, ...] = ()  # the reasons, live first; the rationale cell shows one per paragraph
    live: bool = True  # False: a row kept only to show reasons a later overlay superseded


class _Revisions:
    def __init__(self, body: Body, author: str, date: dt.datetime) -> None:
        self.body = body
        self.author = author
        self.date = date.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.count = 0  # run-level revisions (w:ins/w:del/w:moveFrom/w:moveTo wrappers)

    def rev(self, tag: str, **extra: str) -> etree._Element:
        bid = self.body.bookmark_id()
        return el(tag, {"id": str(bid), "author": self.author, "date": self.date, **extra})

    def runs(self, toks: Iterable[Tok], deleted: bool = False) -> list[etree._Element]:
        """Return runs for tokens: text grouped by formatting, references as REF fields."""
        out: list[etree._Element] = []
        buf: list[str] = []
        bold = False

        def flush() -> None:
            if buf:
                r = el("w:r")
                if bold:
                    r.append(el("w:rPr", None, el("w:b")))
                r.append(w_t("".join(buf), "w:delText" if deleted else "w:t"))
                out.append(r)
                buf.clear()

        for t in toks:
            if t.ref and not deleted:
                flush()
                bm = self.body.bookmarks.get(t.ref)
                result = el("w:r", None, w_t(t.text))
                out.extend(field_runs(f"REF {bm} \\w \\h", [result]) if bm else [result])
                continue
            if t.bold != bold:
                flush()
                bold = t.bold
            buf.append(t.text)
        flush()
        return out

    def pieces(self, pieces: list[Piece], status: str) -> list[etree._Element]:
        out: list[etree._Element] = []
        for piece in pieces:
            if piece.op == EQ:
                out.extend(self.runs(piece.toks))
                continue
            if status == "moved-from":
                wrap = self.rev("w:moveFrom")
                wrap.extend(self.runs(piece.toks))
            elif status == "moved-to":
                wrap = self.rev("w:moveTo")
                wrap.extend(self.runs(piece.toks))
            elif piece.op == DEL:
                wrap = self.rev("w:del")
                wrap.extend(self.runs(piece.toks, deleted=True))
            else:
                wrap = self.rev("w:ins")
                wrap.extend(self.runs(piece.toks))
            self.count += 1
            out.append(wrap)
        return out

    def mark(self, status: str) -> etree._Element | None:
        """Return the paragraph-mark revision for a wholly inserted / deleted / moved paragraph."""
        tag = {"inserted": "w:ins", "deleted": "w:del", "moved-from": "w:moveFrom", "moved-to": "w:moveTo"}.get(status)
        return self.rev(tag) if tag else None


def _style_and_num(body: Body, out: Out) -> tuple[str, tuple[int, int] | None]:
    item = out.item
    num_id = body.num_ids.get(item.part_id) or next(iter(body.num_ids.values()))
    if item.kind == "schedule-title":
        return "Schedule Title", (body.schedule_num, 0)
    if item.kind == "heading":
        terms = item.part_id == body.numbered.parts[0].part.id
        return ("Heading 1" if terms else "Schedule Heading"), (num_id, 0)
    if item.kind == "text":
        return "Clause Text", None
    if item.kind == "definition":
        return "Definition", None
    return f"Clause Level {item.level}", (num_id, item.level - 1)


def _paragraph(body: Body, revs: _Revisions, out: Out, bookmark: str | None, anchor: str | None) -> None:
    style, num = _style_and_num(body, out)
    num_id, ilvl = num if num else (None, None)
    ppr = w_ppr(body.styles[style], num_id, ilvl)
    mark = revs.mark(out.status)
    if mark is not None:
        ppr.append(el("w:rPr", None, mark))
    if out.status in ("same", "changed") and out.old is not None:
        # A paragraph whose style or list level changed keeps its old properties in w:pPrChange,
        # so that reject-all (Word) and the "[old]" number (LibreOffice) are the base's.
        old_style, old_num = _style_and_num(body, Out(out.status, out.old))
        if (old_style, old_num) != (style, num):
            old_id, old_ilvl = old_num if old_num else (None, None)
            change = revs.rev("w:pPrChange")
            change.append(w_ppr(body.styles[old_style], old_id, old_ilvl))
            ppr.append(change)
    p = w_p(ppr)
    marks = []
    for name in (bookmark, anchor):
        if name:
            bid = body.bookmark_id()
            p.append(bookmark_start(bid, name))
            marks.append(bid)
    move_range = None
    if out.status in ("moved-from", "moved-to"):
        tag = "w:moveFromRangeStart" if out.status == "moved-from" else "w:moveToRangeStart"
        move_range = revs.rev(tag, name=f"move{out.move}")
        p.append(move_range)
    for r in revs.pieces(out.pieces, out.status):
        p.append(r)
    if move_range is not None:
        end = "w:moveFromRangeEnd" if out.status == "moved-from" else "w:moveToRangeEnd"
        p.append(el(end, {"id": move_range.get(qn("w:id"))}))
    for bid in marks:
        p.append(bookmark_end(bid))
    body.out.append(p)


def _table(body: Body, revs: _Revisions, out: Out, anchor: str | None) -> None:
    item = out.item
    indent = LEVEL_INDENT[min(max(item.level - 1, 0), 4)][0]
    width = TEXT_WIDTH - indent
    ncols = max(len(r.cells) for r in out.rows)
    widths = [width // ncols] * ncols
    tbl = el("w:tbl")
    tbl.append(el("w:tblPr", None, val("w:tblStyle", body.styles["Contract Table"]),
                  el("w:tblW", {"w": str(width), "type": "dxa"}), el("w:tblInd", {"w": str(indent), "type": "dxa"}),
                  el("w:tblLayout", {"type": "fixed"})))
    grid = el("w:tblGrid")
    for w in widths:
        grid.append(el("w:gridCol", {"w": str(w)}))
    tbl.append(grid)
    for i, row in enumerate(out.rows):
        tbl.append(_row(body, revs, row, widths, header=(i == 0 and row.status != "deleted"), anchor=anchor if i == 0 else None))
    body.out.append(tbl)
    body.out.append(w_p(w_ppr(body.styles["Table Text"])))


def _row(body: Body, revs: _Revisions, row: Row, widths: list[int], header: bool, anchor: str | None) -> etree._Element:
    tr = el("w:tr")
    trpr = el("w:trPr", None, el("w:cantSplit"))
    if header:
        trpr.append(el("w:tblHeader"))
    status = row.status
    if status in ("inserted", "deleted"):
        trpr.append(revs.rev("w:ins" if status == "inserted" else "w:del"))
    tr.append(trpr)
    for c, cell in enumerate(row.cells):
        tcpr = el("w:tcPr", None, el("w:tcW", {"w": str(widths[min(c, len(widths) - 1)]), "type": "dxa"}))
        if header:
            tcpr.append(el("w:shd", {"val": "clear", "color": "auto", "fill": "1F2A44"}))
        ppr = w_ppr(body.styles["Table Heading" if header else "Table Text"])
        if status in ("inserted", "deleted"):
            ppr.append(el("w:rPr", None, revs.rev("w:ins" if status == "inserted" else "w:del")))
        p = w_p(ppr)
        if anchor and c == 0:
            bid = body.bookmark_id()
            p.append(bookmark_start(bid, anchor))
            p.extend(revs.pieces(cell, "changed"))
            p.append(bookmark_end(bid))
        else:
            p.extend(revs.pieces(cell, "changed"))
        tr.append(el("w:tc", None, tcpr, p))
    return tr


def _register(body: Body, rows: list[RegisterRow]) -> None:
    cols = ("No.", "Clause", "Heading", "Operation", "Category", "Rationale")
    weights = [0.75, 1.2, 1.8, 1.6, 1.75, 4.0]
    total = sum(weights)
    widths = [int(TEXT_WIDTH * w / total) for w in weights]
    tbl = el("w:tbl", None, el("w:tblPr", None, val("w:tblStyle", body.styles["Contract Table"]),
                               el("w:tblW", {"w": str(TEXT_WIDTH), "type": "dxa"}), el("w:tblLayout", {"type": "fixed"})))
    grid = el("w:tblGrid")
    for w in widths:
        grid.append(el("w:gridCol", {"w": str(w)}))
    tbl.append(grid)

    def cell(i: int, content: list[etree._Element], header: bool) -> etree._Element:
        tcpr = el("w:tcPr", None, el("w:tcW", {"w": str(widths[i]), "type": "dxa"}))
        if header:
            tcpr.append(el("w:shd", {"val": "clear", "color": "auto", "fill": "1F2A44"}))
        return el("w:tc", None, tcpr, w_p(w_ppr(body.styles["Table Heading" if header else "Table Text"]), *content))

    tr = el("w:tr", None, el("w:trPr", None, el("w:cantSplit"), el("w:tblHeader")))
    for i, c in enumerate(cols):
        tr.append(cell(i, [el("w:r", None, w_t(c))], True))
    tbl.append(tr)
    for row in rows:
        tr = el("w:tr")
        number = el("w:r", None, el("w:rPr", None, el("w:color", {"val": "1F4E99"}), el("w:u", {"val": "single"})),
                    w_t(str(row.number)))
        first = [el("w:hyperlink", {"anchor": row.anchor, "history": "1"}, number)] if row.anchor else [
            el("w:r", None, w_t(str(row.number)))]
        tr.append(cell(0, first, False))
        for i, text in enumerate((row.clause, row.heading, row.operation, row.category), start=1):
            tr.append(cell(i, [el("w:r", None, w_t(text))], False))
        tr.append(_reasons_cell(body, cell(5, [], False), row))
        tbl.append(tr)
    body.out.append(tbl)


MUTED = "5B6470"


def _reasons_cell(body: Body, tc: etree._Element, row: RegisterRow) -> etree._Element:
    """Fill a register row's Rationale cell: one paragraph per reason, the source in bold, a
    superseded reason in grey italics."""
    p = tc.find(qn("w:p"))
    notes = row.notes or (Note(row.rationale),)
    for n, note in enumerate(notes):
        para = p if n == 0 else w_p(w_ppr(body.styles["Table Text"]))
        grey = [el("w:i"), el("w:color", {"val": MUTED})] if note.superseded else []
        if note.label:
            para.append(el("w:r", None, el("w:rPr", None, el("w:b"), *grey), w_t(f"{note.label}: ")))
        grey = [el("w:i"), el("w:color", {"val": MUTED})] if note.superseded else []
        text = f"{note.detail} {note.text}" if note.detail else note.text
        para.append(el("w:r", None, *([el("w:rPr", None, *grey)] if grey else []), w_t(text)))
        if n:
            tc.append(para)
    return tc


# ---------------------------------------------------------------------------------------------
# Comments: each register row's reasons beside its first change

COMMENTS_URI = "/word/comments.xml"
COMMENT_STYLES = (
    ('<w:style xmlns:w="{w}" w:type="paragraph" w:styleId="CommentText"><w:name w:val="annotation text"/>'
     '<w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>'
     '<w:pPr><w:spacing w:after="60" w:line="240" w:lineRule="auto"/></w:pPr>'
     '<w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>'),
    ('<w:style xmlns:w="{w}" w:type="character" w:styleId="CommentReference"><w:name w:val="annotation reference"/>'
     '<w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/>'
     '<w:rPr><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr></w:style>'),
)


def initials(name: str) -> str:
    """Return the initials Word shows beside a comment: West London Alliance → WLA."""
    caps = "".join(w[0] for w in name.split() if w[:1].isupper())
    return caps or name[:1].upper()


def comment_texts(row: RegisterRow, author: str, date: dt.date) -> list[tuple[str, dt.date, list[str]]]:
    """Return the comments of a register row: one per consortium that gives a live reason
    there, as (author, date, paragraphs); the reasons it supersedes follow the last one's."""
    live = [n for n in row.notes if not n.superseded] or [Note(row.rationale, "", author, row.category)]
    gone = [n for n in row.notes if n.superseded]
    out: list[tuple[str, dt.date, list[str]]] = []
    for note in live:
        who = note.author or author
        first = f"V{row.number} · {note.category or row.category} — {note.shown}"
        if out and out[-1][0] == who:
            out[-1][2].append(first)
        else:
            out.append((who, note.date or date, [first]))
    out[-1][2].extend(n.shown for n in gone)
    return out


def _anchor_paragraph(body: Body, anchor: str) -> etree._Element | None:
    """Return the paragraph of a register row's first change: the one holding its bookmark (in a
    table, the first paragraph of the table that holds a revision)."""
    for top in body.out:
        for bm in top.iter(qn("w:bookmarkStart")):
            if bm.get(qn("w:name")) != anchor:
                continue
            p = bm.getparent()
            tbl = next((a for a in p.iterancestors(qn("w:tbl"))), None)
            if tbl is not None:
                for q in tbl.iter(qn("w:p")):
                    if any(q.find(f".//{qn(t)}") is not None for t in REVISION_TAGS):
                        return q
            return p
    return None


def _mark_comment(p: etree._Element, cid: int, after: etree._Element | None) -> etree._Element:
    """Put comment `cid`'s range around the revisions of paragraph `p` (its whole content when it
    has no run-level revision), as siblings of them, then the reference run; return that run."""
    revs = [c for c in p if etree.QName(c).localname in ("ins", "del", "moveFrom", "moveTo")]
    start = el("w:commentRangeStart", {"id": str(cid)})
    end = el("w:commentRangeEnd", {"id": str(cid)})
    ref = el("w:r", None, el("w:rPr", None, val("w:rStyle", "CommentReference")), el("w:commentReference", {"id": str(cid)}))
    if revs:
        revs[0].addprevious(start)
        last = after if after is not None else revs[-1]
    else:
        ppr = p.find(qn("w:pPr"))
        if ppr is not None:
            ppr.addnext(start)
        else:
            p.insert(0, start)
        last = after if after is not None else p[-1]
    last.addnext(end)
    end.addnext(ref)
    return ref


def add_comments(doc: Any, body: Body, register: list[RegisterRow], author: str, date: dt.date) -> int:
    """Add each anchored register row's reasons as Word comments on its first change (the
    word/comments.xml part); return how many."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import XmlPart

    rows = [(r, p) for r in register if r.anchor for p in [_anchor_paragraph(body, r.anchor)] if p is not None]
    if not rows:
        return 0
    W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    styles = doc.styles.element
    have = {s.get(qn("w:styleId")) for s in styles.iter(qn("w:style"))}
    for xml in COMMENT_STYLES:
        style = etree.fromstring(xml.format(w=W))
        if style.get(qn("w:styleId")) not in have:
            styles.append(style)
    root = etree.Element(qn("w:comments"), nsmap={"w": W})
    count = 0
    for row, p in rows:
        tail = None
        for who, when, paragraphs in comment_texts(row, author, date):
            cid = body.bookmark_id()
            comment = el("w:comment", {"id": str(cid), "author": who, "date": f"{when.isoformat()}T00:00:00Z",
                                       "initials": initials(who)})
            for n, text in enumerate(paragraphs):
                para = w_p(w_ppr("CommentText"))
                if n == 0:
                    para.append(el("w:r", None, el("w:rPr", None, val("w:rStyle", "CommentReference")),
                                   el("w:annotationRef")))
                para.append(el("w:r", None, w_t(text)))
                comment.append(para)
            root.append(comment)
            tail = _mark_comment(p, cid, tail)
            count += 1
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    part = XmlPart.load(PackURI(COMMENTS_URI), CT.WML_COMMENTS, blob, doc.part.package)
    doc.part.relate_to(part, RT.COMMENTS)
    return count


def render_redline_docx(numbered: Numbered, outs: list[Out], register: list[RegisterRow], context: dict[str, Any],
                        author: str, date: dt.date, anchors: dict[int, str], epoch: int | None = None) -> tuple[bytes, int]:
    """Return (the redline .docx, the number of run-level revisions in it)."""
    stamp = dt.datetime(date.year, date.month, date.day)
    holder: dict[str, int] = {}

    def fill(doc: Any, body: Body) -> None:
        _add_numbering(doc, body)
        revs = _Revisions(body, author, stamp)
        body.para("TOC Heading", [el("w:r", None, w_t("Change register"))])
        body.para("Clause Text", [el("w:r", None, w_t(context["register_intro"]))])
        _register(body, register)
        body.para("TOC Heading", [el("w:r", None, w_t("The contract with the changes tracked"))])
        for i, out in enumerate(outs):
            anchor = anchors.get(i)
            bookmark = None
            item = out.item
            if out.status not in ("deleted", "moved-from") and item.kind in ("schedule-title", "heading", "para"):
                if item.clause_id and item.clause_id in body.bookmarks:
                    bookmark = body.bookmarks[item.clause_id]
            if item.kind == "table":
                _table(body, revs, out, anchor)
            else:
                _paragraph(body, revs, out, bookmark, anchor)
        body.out.append(w_p(w_ppr(body.styles["Clause Text"])))  # the final mark is never revised
        holder["count"] = revs.count
        add_comments(doc, body, register, author, date)

    data = render_document(numbered, context, fill, title=context["title"], subject=context.get("subject", ""),
                           epoch=epoch)
    return data, holder["count"]

