"""Small builders of WordprocessingML elements, named after Word's own elements."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_NSMAP = {"w": W_NS}


@lru_cache(maxsize=None)
def _attr(key: str) -> str:
    return qn(key if ":" in key else f"w:{key}")


@lru_cache(maxsize=None)
def qn(tag: str) -> str:
    """Return the Clark name of 'w:tag' (or 'xml:space')."""
    prefix, _, local = tag.partition(":")
    return f"{{{XML_NS if prefix == 'xml' else W_NS}}}{local}"


def el(tag: str, attrs: dict[str, str] | None = None, *children: etree._Element) -> etree._Element:
    """Return a new w: element with w:-prefixed attributes and children."""
    e = etree.Element(qn(tag), nsmap=_NSMAP)
    if attrs:
        for k, v in attrs.items():
            e.set(_attr(k), str(v))
    for c in children:
        if c is not None:
            e.append(c)
    return e


def val(tag: str, value: str | int) -> etree._Element:
    return el(tag, {"val": str(value)})


def w_t(text: str, tag: str = "w:t") -> etree._Element:
    t = el(tag)
    t.text = text
    if text != text.strip() or "  " in text:
        t.set(qn("xml:space"), "preserve")
    return t


def w_r(text: str = "", bold: bool = False, rpr: etree._Element | None = None,
        tag: str = "w:t") -> etree._Element:
    """Return a run; tabs in `text` become w:tab."""
    r = el("w:r")
    if rpr is not None:
        r.append(rpr)
    elif bold:
        r.append(el("w:rPr", None, el("w:b")))
    parts = text.split("\t")
    for i, piece in enumerate(parts):
        if i:
            r.append(el("w:tab"))
        if piece:
            r.append(w_t(piece, tag))
    return r


def w_ppr(style: str | None = None, num_id: int | None = None, ilvl: int | None = None,
          *extra: etree._Element) -> etree._Element:
    ppr = el("w:pPr")
    if style:
        ppr.append(val("w:pStyle", style))
    for e in extra:
        if e is not None and e.tag in (qn("w:keepNext"),):
            ppr.append(e)
    if num_id is not None:
        ppr.append(el("w:numPr", None, val("w:ilvl", ilvl or 0), val("w:numId", num_id)))
    for e in extra:
        if e is not None and e.tag not in (qn("w:keepNext"),):
            ppr.append(e)
    return ppr


def w_p(ppr: etree._Element | None = None, *content: etree._Element) -> etree._Element:
    p = el("w:p")
    if ppr is not None:
        p.append(ppr)
    for c in content:
        if c is not None:
            p.append(c)
    return p


def field_runs(instr: str, cached: list[etree._Element]) -> list[etree._Element]:
    """Return the runs of a complex field whose cached result is `cached` (runs)."""
    out = [el("w:r", None, el("w:fldChar", {"fldCharType": "begin"}))]
    it = el("w:instrText")
    it.text = f" {instr} "
    it.set(qn("xml:space"), "preserve")
    out.append(el("w:r", None, it))
    out.append(el("w:r", None, el("w:fldChar", {"fldCharType": "separate"})))
    out.extend(cached)
    out.append(el("w:r", None, el("w:fldChar", {"fldCharType": "end"})))
    return out


def bookmark_name(ident: str) -> str:
    """Return the hidden bookmark name ('_Ref' + 9 digits, as Word makes) for a clause id."""
    digest = int(hashlib.sha1(ident.encode()).hexdigest()[:12], 16) % 10**9
    return f"_Ref{digest:09d}"


def bookmark_start(bid: int, name: str) -> etree._Element:
    return el("w:bookmarkStart", {"id": str(bid), "name": name})


def bookmark_end(bid: int) -> etree._Element:
    return el("w:bookmarkEnd", {"id": str(bid)})


#: The grey text an empty content control shows, as Word's own placeholder reads.
PLACEHOLDER = "Click or tap to enter"


def sdt_text(tag: str, alias: str) -> etree._Element:
    """Return a run-level plain-text content control (w:sdt) showing the grey placeholder.

    Run-level (CT_SdtRun, a child of w:p), so the paragraph, its style and its mark stay the
    cell's own. CT_SdtPr's children in schema order: alias, tag, showingPlcHdr, then the type."""
    pr = el("w:sdtPr", None, val("w:alias", alias), val("w:tag", tag), el("w:showingPlcHdr"), el("w:text"))
    run = w_r(PLACEHOLDER, rpr=el("w:rPr", None, val("w:color", "808080")))
    return el("w:sdt", None, pr, el("w:sdtContent", None, run))
