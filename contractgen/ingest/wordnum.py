"""List numbers as Word displays them, recomputed from a .docx (ECMA-376 Part 1 §17.9).

The "9.1" a reader sees before a paragraph is not stored in the file: Word computes it from
`word/numbering.xml`, the paragraph's and its style's properties and the paragraphs before it.
`resolve` does the same for every body paragraph, with tracked changes accepted or rejected, and
also reports numbers typed by hand at the start of a paragraph. The rules, their sources and
what is out of scope are in docs/dev/word-numbering.md.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
VIEWS = ("accept", "reject")
LEVELS = 9


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


VAL = _w("val")


@dataclass(frozen=True)
class ParaNumber:
    """One body paragraph and the number Word shows before it."""

    text: str  # the number as Word shows it, e.g. "9.1", "(a)", "Schedule 2"; "" if none
    level: int  # ilvl 0..8, or -1 when not in a list
    num_id: str | None
    abstract_id: str | None  # the abstractNum that counts (after numStyleLink indirection)
    is_typed: bool  # the number was typed as text at the start of the paragraph
    body: str  # the paragraph's text without a typed number (and the space/tab after it)
    style: str | None  # the paragraph's w:pStyle; None when it names none
    full: str = ""  # the number in full context, as a REF \w field shows it: "14.2.1(a)"
    suffix: str | None = None  # w:suff of the level ("tab", "space", "nothing"); None if not in a list
    index: int = -1  # position of the paragraph's w:p in document order (body.iter("w:p"))


@dataclass
class Resolution:
    paragraphs: list[ParaNumber]
    warnings: list[str] = field(default_factory=list)


# --- small readers --------------------------------------------------------------------------------

class _Warnings:
    """Distinct problems, each named once with the first paragraph it occurred at."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.list: list[str] = []

    def add(self, message: str, index: int | None = None) -> None:
        if message in self.keys:
            return
        self.keys.add(message)
        self.list.append(message if index is None else f"{message} (first at paragraph {index})")


def _parse(xml: bytes | str | None, name: str, warnings: _Warnings) -> etree._Element | None:
    if xml is None:
        return None
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    if not xml.strip():
        return None
    xml = xml.replace(STRICT_W.encode(), W.encode())  # strict OOXML: same elements, other namespace
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        return etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as e:
        warnings.add(f"{name} is not well-formed XML ({e}); it is ignored")
        return None


def _local(el: etree._Element) -> str | None:
    """The local name of a WordprocessingML element; None for other namespaces, comments, PIs."""
    if not isinstance(el.tag, str):
        return None
    if el.tag.startswith("{" + W + "}"):
        return el.tag[len(W) + 2:]
    return None


def _int(el: etree._Element | None, warnings: _Warnings, what: str, attr: str = VAL) -> int | None:
    if el is None:
        return None
    raw = el.get(attr)
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        warnings.add(f"{what}: {raw!r} is not a number; it is ignored")
        return None


def _id(raw: str | None) -> str | None:
    """A numId/abstractNumId as a canonical string ("05" and "5" are the same id)."""
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return str(int(raw))
    except ValueError:
        return raw


def _on(el: etree._Element | None) -> bool:
    """ST_OnOff: present without w:val means on."""
    if el is None:
        return False
    return (el.get(VAL) or "true").strip().lower() not in ("0", "false", "off")


# --- number formats (ST_NumberFormat, §17.18.59) ----------------------------------------------------

_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
_ONES = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                  "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}
_CHICAGO = ("*", "\u2020", "\u2021", "\u00a7")
KNOWN_FORMATS = frozenset({
    "decimal", "decimalZero", "lowerLetter", "upperLetter", "lowerRoman", "upperRoman",
    "ordinal", "cardinalText", "ordinalText", "bullet", "none", "decimalEnclosedParen",
    "decimalEnclosedFullstop", "decimalEnclosedCircle", "chicago", "custom"})


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, symbol in _ROMAN:
        while n >= value:
            out += symbol
            n -= value
    return out


def _letters(n: int) -> str:
    """a..z, then aa, bb .. zz, then aaa: the letter repeated (Word's and §17.18.59's sequence)."""
    if not 0 < n <= 26 * 30:  # Word's number text is at most 31 characters ([MS-OI29500] on lvlText)
        return str(n)
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _words(n: int) -> str:
    if n < 20:
        return _ONES[n] if n else "zero"
    if n < 100:
        return _TENS[n // 10] + ("-" + _ONES[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + (" and " + _words(rest) if rest else "")
    rest = n % 1000
    tail = "" if not rest else (" and " if rest < 100 else " ") + _words(rest)
    return _words(n // 1000) + " thousand" + tail


def _ordinal_words(n: int) -> str:
    words = _words(n)
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    head, last = words[:cut], words[cut:]
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + last


def format_number(n: int, fmt: str, width: int | None = None) -> str:
    """Return `n` in the numbering format `fmt` (an ST_NumberFormat value) as Word shows it."""
    if fmt in ("bullet", "none"):
        return ""
    if fmt == "custom":
        return str(n).zfill(width or 1)
    if fmt == "decimalZero":
        return str(n).zfill(2) if 0 <= n < 10 else str(n)
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "ordinal":
        return f"{n}{_ordinal_suffix(n)}" if n >= 0 else str(n)
    if fmt in ("cardinalText", "ordinalText"):
        if not 0 < n < 1_000_000:
            return str(n)
        text = _words(n) if fmt == "cardinalText" else _ordinal_words(n)
        return text[0].upper() + text[1:]
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return f"{n}."
    if fmt == "decimalEnclosedCircle":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "chicago":
        if not 0 < n <= 4 * 30:
            return str(n)
        return _CHICAGO[(n - 1) % 4] * ((n - 1) // 4 + 1)
    return str(n)


# --- numbering.xml ---------------------------------------------------------------------------------

_LEVEL_DEFAULTS = {"start": 0, "fmt": "decimal", "width": None, "text": None, "legal": False,
                   "suff": "tab", "pstyle": None}
_CUSTOM_ZERO = re.compile(r"^(0*1),\s*0*2\b")


def _num_fmt(lvl: etree._Element) -> tuple[str | None, int | None]:
    """Return (numFmt, zero-pad width for a custom format) of a w:lvl, looking into the
    mc:AlternateContent Word 2010 writes for custom formats ("001, 002, 003, ...")."""
    el = lvl.find(_w("numFmt"))
    if el is not None:
        return el.get(VAL), None
    alt = lvl.find(f"{{{MC}}}AlternateContent")
    if alt is None:
        return None, None
    for choice in alt.findall(f"{{{MC}}}Choice"):
        el = choice.find(_w("numFmt"))
        if el is not None and el.get(VAL) == "custom":
            m = _CUSTOM_ZERO.match(el.get(_w("format")) or "")
            if m:
                return "custom", len(m.group(1))
    fallback = alt.find(f"{{{MC}}}Fallback/{_w('numFmt')}")
    return (fallback.get(VAL), None) if fallback is not None else (None, None)


def _level_fields(lvl: etree._Element, warnings: _Warnings, where: str) -> dict:
    """The properties a w:lvl states (only those present, so an override can fall back)."""
    out: dict = {}
    start = _int(lvl.find(_w("start")), warnings, f"{where} w:start")
    if start is not None:
        out["start"] = start
    fmt, width = _num_fmt(lvl)
    if fmt is not None:
        out["fmt"] = fmt
        out["width"] = width
    text = lvl.find(_w("lvlText"))
    if text is not None:
        out["text"] = None if _on_attr(text, "null") else text.get(VAL)
    legal = lvl.find(_w("isLgl"))
    if legal is not None:
        out["legal"] = _on(legal)
    restart = lvl.find(_w("lvlRestart"))
    if restart is not None:
        out["restart"] = _int(restart, warnings, f"{where} w:lvlRestart")
    suff = lvl.find(_w("suff"))
    if suff is not None and suff.get(VAL) in ("tab", "space", "nothing"):
        out["suff"] = suff.get(VAL)
    pstyle = lvl.find(_w("pStyle"))
    if pstyle is not None and pstyle.get(VAL):
        out["pstyle"] = pstyle.get(VAL)
    return out


def _on_attr(el: etree._Element, name: str) -> bool:
    return (el.get(_w(name)) or "false").strip().lower() in ("1", "true", "on")


@dataclass
class _Abstract:
    id: str
    levels: dict[int, dict]
    num_style_link: str | None
    style_link: str | None


@dataclass
class _Num:
    id: str
    abstract_id: str | None
    start_overrides: dict[int, int]
    level_overrides: dict[int, dict]


def _ilvl(el: etree._Element, warnings: _Warnings, where: str) -> int | None:
    n = _int(el, warnings, f"{where} w:ilvl", _w("ilvl"))
    if n is None or not 0 <= n < LEVELS:
        if n is not None:
            warnings.add(f"{where}: level {n} is outside 0..8; it is ignored")
        return None
    return n


def _read_numbering(root: etree._Element | None, warnings: _Warnings) -> tuple[dict, dict]:
    abstracts: dict[str, _Abstract] = {}
    nums: dict[str, _Num] = {}
    if root is None:
        return abstracts, nums
    for a in root.iter(_w("abstractNum")):
        aid = _id(a.get(_w("abstractNumId")))
        if aid is None:
            continue
        levels: dict[int, dict] = {}
        for lvl in a.findall(_w("lvl")):
            n = _ilvl(lvl, warnings, f"abstractNum {aid}")
            if n is not None and n not in levels:
                levels[n] = _level_fields(lvl, warnings, f"abstractNum {aid} level {n}")
        link = a.find(_w("numStyleLink"))
        slink = a.find(_w("styleLink"))
        abstracts.setdefault(aid, _Abstract(aid, levels, link.get(VAL) if link is not None else None,
                                            slink.get(VAL) if slink is not None else None))
    for num in root.iter(_w("num")):
        nid = _id(num.get(_w("numId")))
        if nid is None:
            continue
        ref = num.find(_w("abstractNumId"))
        starts: dict[int, int] = {}
        lvls: dict[int, dict] = {}
        for o in num.findall(_w("lvlOverride")):
            n = _ilvl(o, warnings, f"num {nid} lvlOverride")
            if n is None:
                continue
            so = _int(o.find(_w("startOverride")), warnings, f"num {nid} level {n} w:startOverride")
            if so is not None:
                starts[n] = so
            lvl = o.find(_w("lvl"))
            if lvl is not None:
                fields = _level_fields(lvl, warnings, f"num {nid} level {n} override")
                fields.pop("restart", None)  # Word ignores lvlRestart in an override ([MS-OI29500])
                lvls[n] = fields
        nums.setdefault(nid, _Num(nid, _id(ref.get(VAL)) if ref is not None else None, starts, lvls))
    return abstracts, nums


# --- styles.xml ------------------------------------------------------------------------------------

@dataclass
class _Style:
    based_on: str | None
    num_id: str | None
    ilvl: int | None


class _Styles:
    def __init__(self, root: etree._Element | None, warnings: _Warnings) -> None:
        self.para: dict[str, _Style] = {}
        self.numbering: dict[str, str | None] = {}  # numbering style id -> numId
        self.default: str | None = None
        self.warnings = warnings
        if root is None:
            return
        for st in root.iter(_w("style")):
            sid = st.get(_w("styleId"))
            if sid is None:
                continue
            kind = st.get(_w("type")) or "paragraph"
            numpr = st.find(f"{_w('pPr')}/{_w('numPr')}")
            num_id = _id(numpr.find(_w("numId")).get(VAL)) if numpr is not None and \
                numpr.find(_w("numId")) is not None else None
            ilvl = None
            if numpr is not None and numpr.find(_w("ilvl")) is not None:
                ilvl = _int(numpr.find(_w("ilvl")), warnings, f"style {sid} w:ilvl")
            if kind == "paragraph":
                based = st.find(_w("basedOn"))
                self.para.setdefault(sid, _Style(based.get(VAL) if based is not None else None, num_id, ilvl))
                if self.default is None and _on_attr(st, "default"):
                    self.default = sid
            elif kind == "numbering":
                self.numbering.setdefault(sid, num_id)

    def chain(self, style_id: str | None, index: int) -> list[str]:
        """The paragraph style and the styles it is based on, nearest first."""
        if style_id is not None and style_id not in self.para:
            if self.para:
                self.warnings.add(f"paragraph style {style_id!r} is not defined; the default style applies", index)
            style_id = None
        if style_id is None:
            style_id = self.default
        out: list[str] = []
        while style_id is not None and style_id in self.para:
            if style_id in out:
                self.warnings.add(f"paragraph style {style_id!r} is based on itself (a w:basedOn loop)", index)
                break
            out.append(style_id)
            style_id = self.para[style_id].based_on
        return out


# --- paragraphs, text and tracked changes ------------------------------------------------------------

_DROP = {"accept": ("del", "moveFrom"), "reject": ("ins", "moveTo")}
_SKIP = frozenset({"pPr", "rPr", "sdtPr", "sdtEndPr", "drawing", "pict", "object", "p", "tbl",
                   "txbxContent", "footnoteReference", "endnoteReference", "commentReference"})
_FIELD = re.compile(r"^\s*(LISTNUM|AUTONUMLGL|AUTONUMOUT|AUTONUM|SEQ)\b", re.IGNORECASE)


def _text(el: etree._Element, view: str, fields: list[str]) -> str:
    out: list[str] = []
    for child in el:
        tag = _local(child)
        if tag is None or tag in _SKIP or tag in _DROP[view]:
            continue
        if tag == "t":
            out.append(child.text or "")
        elif tag == "delText":
            if view == "reject":
                out.append(child.text or "")
        elif tag in ("tab", "ptab"):
            out.append("\t")
        elif tag == "br":
            if child.get(_w("type")) in (None, "textWrapping"):
                out.append("\n")
        elif tag == "cr":
            out.append("\n")
        elif tag == "noBreakHyphen":
            out.append("-")
        elif tag in ("instrText", "delInstrText"):
            if (tag == "delInstrText") == (view == "reject"):
                fields.append(child.text or "")
        else:
            if tag == "fldSimple":
                fields.append("\x00" + (child.get(_w("instr")) or ""))
            out.append(_text(child, view, fields))
    return "".join(out)


def _field_kinds(fields: list[str]) -> set[str]:
    """The field types among a paragraph's instructions (complex fields' pieces are joined)."""
    kinds = set()
    joined = "".join(fields).split("\x00")
    for instr in joined:
        m = _FIELD.match(instr)
        if m:
            kinds.add(m.group(1).upper())
    return kinds


def _mark(p: etree._Element) -> str | None:
    rpr = p.find(f"{_w('pPr')}/{_w('rPr')}")
    if rpr is None:
        return None
    for kind in ("ins", "del", "moveTo", "moveFrom"):
        if rpr.find(_w(kind)) is not None:
            return kind
    return None


def _row_gone(tr: etree._Element, view: str) -> bool:
    trpr = tr.find(_w("trPr"))
    if trpr is None:
        return False
    return trpr.find(_w("del" if view == "accept" else "ins")) is not None


@dataclass
class _Para:
    index: int
    p: etree._Element
    container: etree._Element
    gone: bool


def _collect(body: etree._Element, view: str) -> list[_Para]:
    out: list[_Para] = []
    tc, txbx, tr = _w("tc"), _w("txbxContent"), _w("tr")
    for index, p in enumerate(body.iter(_w("p"))):
        container = body
        skip = False
        for anc in p.iterancestors():
            if anc is body:
                break
            if anc.tag == txbx:
                skip = True
                break
            if anc.tag == tr and _row_gone(anc, view):
                skip = True
                break
            if anc.tag == tc and container is body:
                container = anc
        if skip:
            continue
        mark = _mark(p)
        out.append(_Para(index, p, container, mark in _DROP[view]))
    return out


# --- typed numbers -----------------------------------------------------------------------------------

_BLANKS = " \t\u00a0"
_DOTTED = re.compile(r"(\d{1,3}(?:\.\d{1,3})+)\.?")
_PAREN = re.compile(r"\(([a-zA-Z]{1,2}|[ivxlcdmIVXLCDM]+|\d{1,3})\)")
_INT_DOT = re.compile(r"(\d{1,3})\.")
_INT = re.compile(r"(\d{1,3})")
_KEYWORD = re.compile(r"((?:schedule|appendix|annexe|annex|part)[ \u00a0]+\d{1,3})\b", re.IGNORECASE)
_ROMAN_RE = re.compile(r"m{0,4}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})")
_OPENERS = "\"'\u201c\u2018("
_DASHES = "-\u2013\u2014:"


def _opens_sentence(rest: str) -> bool:
    return bool(rest) and (rest[0].isupper() or rest[0] in _OPENERS)


def _paren_ok(label: str) -> bool:
    if label.isdigit():
        return True
    if len(label) == 1:
        return True
    if len(label) == 2 and label[0] == label[1]:
        return True
    low = label.lower()
    return (label == low or label == label.upper()) and bool(_ROMAN_RE.fullmatch(low))


def typed_number(text: str) -> tuple[str, str] | None:
    """Return (number, body) when `text` starts with a number typed by hand, else None.

    The rule (docs/dev/word-numbering.md, rule 7) is conservative: "12.3 The", "12.3. The",
    "1.2.3<tab>Text", "(a) the", "(iv) …", "12<tab>Text", "12. The", "Schedule 2 – Services";
    never "2026 onwards", "£1,000", "14 days after", "1.5 million".
    """
    s = text.lstrip(_BLANKS)

    def after(end: int) -> tuple[str, str]:
        rest = s[end:].lstrip(_BLANKS)
        return s[end:len(s) - len(rest)], rest

    m = _DOTTED.match(s)
    if m:
        sep, rest = after(m.end())
        if rest and ("\t" in sep or (sep and _opens_sentence(rest))):
            return m.group(1), rest
        return None
    m = _PAREN.match(s)
    if m:
        sep, rest = after(m.end())
        if sep and rest and _paren_ok(m.group(1)):
            return m.group(0), rest
        return None
    m = _INT_DOT.match(s)
    if m:
        sep, rest = after(m.end())
        if rest and ("\t" in sep or (sep and _opens_sentence(rest))):
            return m.group(1), rest
        return None
    m = _INT.match(s)
    if m and not s[m.end():m.end() + 1].isdigit():
        sep, rest = after(m.end())
        if rest and "\t" in sep:
            return m.group(1), rest
        return None
    m = _KEYWORD.match(s)
    if m:
        sep, rest = after(m.end())
        label = " ".join(m.group(1).split())
        if not rest:
            return label, ""
        if rest[0] in _DASHES:
            return label, rest[1:].lstrip(" \t\u00a0")
        if "\t" in sep or (sep and rest[0].isupper()):
            return label, rest
    return None


# --- the resolver --------------------------------------------------------------------------------------

class _Deeper(Exception):
    """A placeholder names a level deeper than the paragraph's: Word shows no number."""


class _Resolver:
    def __init__(self, numbering: etree._Element | None, styles: etree._Element | None,
                 has_numbering_part: bool, warnings: _Warnings) -> None:
        self.warnings = warnings
        self.has_numbering = has_numbering_part
        self.abstracts, self.nums = _read_numbering(numbering, warnings)
        self.styles = _Styles(styles, warnings)
        self.counters: dict[str, list[int | None]] = {}
        self.seen: set[tuple[str, int]] = set()
        self._targets: dict[str, _Abstract | None] = {}
        self._levels: dict[str, dict[int, dict]] = {}

    # numbering definitions

    def target(self, num: _Num, index: int) -> _Abstract | None:
        """The abstractNum whose levels and counters a num uses (numStyleLink followed)."""
        if num.id in self._targets:
            return self._targets[num.id]
        aid = num.abstract_id
        found: _Abstract | None = None
        visited: list[str] = []
        while aid is not None:
            a = self.abstracts.get(aid)
            if a is None:
                self.warnings.add(f"num {num.id} names abstractNum {aid}, which does not exist", index)
                break
            if a.num_style_link is None:
                found = a
                break
            if aid in visited or len(visited) >= 10:
                self.warnings.add(f"abstractNum {aid}: numStyleLink loop", index)
                break
            visited.append(aid)
            link = a.num_style_link
            linked_num = self.styles.numbering.get(link)
            nxt = None
            if linked_num is not None and linked_num in self.nums:
                nxt = self.nums[linked_num].abstract_id
            else:
                nxt = next((b.id for b in self.abstracts.values() if b.style_link == link and b.id != aid), None)
            if nxt is None:
                self.warnings.add(f"abstractNum {aid}: numStyleLink {link!r} names no numbering definition", index)
                break
            aid = nxt
        if num.abstract_id is None:
            self.warnings.add(f"num {num.id} names no abstractNum", index)
        self._targets[num.id] = found
        return found

    def levels(self, num: _Num, abstract: _Abstract) -> dict[int, dict]:
        """The effective level definitions of a num: the abstract's, with the num's overrides."""
        if num.id not in self._levels:
            out = {}
            for n in range(LEVELS):
                base = abstract.levels.get(n)
                over = num.level_overrides.get(n)
                if base is None and over is None:
                    continue
                merged = {**_LEVEL_DEFAULTS, "restart": None, **(base or {}), **(over or {})}
                merged["restart"] = (base or {}).get("restart")
                out[n] = merged
            self._levels[num.id] = out
        return self._levels[num.id]

    def restart_value(self, num: _Num, levels: dict[int, dict], k: int) -> int:
        if k in num.start_overrides:
            return num.start_overrides[k]
        return levels[k]["start"] if k in levels else 0

    # counting and rendering

    def count(self, num: _Num, abstract: _Abstract, levels: dict[int, dict], n: int) -> list[int | None]:
        c = self.counters.setdefault(abstract.id, [None] * LEVELS)
        if n in num.start_overrides and (num.id, n) not in self.seen:
            c[n] = num.start_overrides[n]
        else:
            current = c[n]
            c[n] = self.restart_value(num, levels, n) if current is None else current + 1
        self.seen.add((num.id, n))
        for k in range(n):  # a shallower level not started yet counts as started (Word)
            if c[k] is None:
                c[k] = self.restart_value(num, levels, k)
                self.seen.add((num.id, k))
        for m in range(n + 1, LEVELS):
            restart = abstract.levels.get(m, {}).get("restart")
            if restart is None or restart < 0 or restart - 1 >= m:
                c[m] = None  # the default: restart after any shallower level
            elif restart == 0:
                continue  # never restarts
            elif n <= restart - 1:
                c[m] = None  # restarts after level restart-1 or any shallower one (Word)
        return c

    def render(self, levels: dict[int, dict], c: list[int | None], n: int, num: _Num,
               legal: bool) -> str:
        text = levels[n]["text"]
        if text is None:
            return ""

        def value(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            if k > n:
                raise _Deeper
            lvl = levels.get(k)
            current = c[k]
            v = current if current is not None else self.restart_value(num, levels, k)
            fmt = lvl["fmt"] if lvl is not None else "decimal"
            if fmt in ("bullet", "none"):
                return ""
            if legal:
                return str(v)
            return format_number(v, fmt, lvl["width"] if lvl is not None else None)

        return re.sub(r"%([1-9])", value, text)

    def number(self, num_id: str, direct_ilvl: int | None, chain: list[str], style_ilvl: int | None,
               index: int) -> tuple[str, str, int, str | None, str | None]:
        """Return (text, full, level, abstract id, suffix) and advance the counters."""
        if not self.has_numbering:
            self.warnings.add(f"paragraphs are numbered (numId {num_id}) but the document has no numbering part",
                              index)
            return "", "", -1, None, None
        num = self.nums.get(num_id)
        if num is None:
            self.warnings.add(f"numId {num_id} has no w:num in numbering.xml", index)
            return "", "", -1, None, None
        abstract = self.target(num, index)
        if abstract is None:
            return "", "", -1, None, None
        levels = self.levels(num, abstract)
        n = direct_ilvl
        if n is None:
            linked = {lvl["pstyle"]: k for k, lvl in sorted(levels.items(), reverse=True) if lvl["pstyle"]}
            n = next((linked[s] for s in chain if s in linked), None)
        if n is None:
            n = style_ilvl if style_ilvl is not None and 0 <= style_ilvl < LEVELS else 0
        if n not in levels:
            self.warnings.add(f"abstractNum {abstract.id} (numId {num_id}) has no level {n}", index)
            return "", "", n, abstract.id, None
        fmt = levels[n]["fmt"]
        if fmt not in KNOWN_FORMATS:
            self.warnings.add(f"numbering format {fmt!r} (abstractNum {abstract.id} level {n}) is shown as decimal",
                              index)
        c = self.count(num, abstract, levels, n)
        legal = bool(levels[n]["legal"])
        try:
            own = self.render(levels, c, n, num, legal)
            full, k = own, n
            while k > 0 and "%1" not in (levels[k]["text"] or ""):
                k -= 1
                if k not in levels:
                    break
                full = self.render(levels, c, k, num, bool(levels[k]["legal"])) + full
        except _Deeper:
            self.warnings.add(f"abstractNum {abstract.id} level {n}: w:lvlText {levels[n]['text']!r} names a deeper "
                              "level; Word shows no number", index)
            own = full = ""
        return own, full, n, abstract.id, levels[n]["suff"]


def _numpr(ppr: etree._Element | None, view: str, has_change: bool) -> etree._Element | None:
    if ppr is None:
        return None
    numpr = ppr.find(_w("numPr"))
    if numpr is not None and view == "reject" and not has_change and numpr.find(_w("ins")) is not None:
        return None  # numbering inserted as a tracked change (older Word), rejected
    return numpr


def resolve_with_warnings(document_xml: bytes | str, numbering_xml: bytes | str | None,
                          styles_xml: bytes | str | None, view: str = "accept") -> Resolution:
    """Like `resolve`, with the problems met on the way (a number that could not be computed
    is "" and named here)."""
    if view not in VIEWS:
        raise ValueError(f"view must be 'accept' or 'reject', not {view!r}")
    warnings = _Warnings()
    doc = _parse(document_xml, "document.xml", warnings)
    numbering = _parse(numbering_xml, "numbering.xml", warnings)
    styles = _parse(styles_xml, "styles.xml", warnings)
    if doc is None:
        warnings.add("there is no document body")
        return Resolution([], warnings.list)
    body = doc.find(_w("body")) if _local(doc) != "body" else doc
    if body is None:
        warnings.add("document.xml has no w:body")
        return Resolution([], warnings.list)
    resolver = _Resolver(numbering, styles, numbering is not None, warnings)
    out: list[ParaNumber] = []
    carry = ""
    items = _collect(body, view)
    for i, item in enumerate(items):
        fields: list[str] = []
        text = carry + _text(item.p, view, fields)
        for kind in sorted(_field_kinds(fields)):
            warnings.add(f"{kind} field: numbering by fields is not computed (a cached result is kept as text)",
                         item.index)
        nxt = items[i + 1] if i + 1 < len(items) else None
        if item.gone and nxt is not None and nxt.container is item.container:
            carry = text  # the mark is gone in this view: the text joins the next paragraph
            continue
        carry = ""
        out.append(_paragraph(resolver, item, text, view))
    return Resolution(out, warnings.list)


def _paragraph(resolver: _Resolver, item: _Para, text: str, view: str) -> ParaNumber:
    ppr = item.p.find(_w("pPr"))
    change = ppr.find(_w("pPrChange")) if ppr is not None else None
    if view == "reject" and change is not None:
        ppr = change.find(_w("pPr"))  # the old paragraph properties, complete
    numpr = _numpr(ppr, view, change is not None)
    pstyle = ppr.find(_w("pStyle")) if ppr is not None else None
    style = pstyle.get(VAL) if pstyle is not None else None
    chain = resolver.styles.chain(style, item.index)
    num_id = _id(numpr.find(_w("numId")).get(VAL)) if numpr is not None and numpr.find(_w("numId")) is not None \
        else None
    direct_ilvl = None
    if numpr is not None and numpr.find(_w("ilvl")) is not None:
        direct_ilvl = _int(numpr.find(_w("ilvl")), resolver.warnings, "paragraph w:ilvl")
        if direct_ilvl is not None and not 0 <= direct_ilvl < LEVELS:
            resolver.warnings.add(f"paragraph level {direct_ilvl} is outside 0..8; level 0 is used", item.index)
            direct_ilvl = 0
    style_ilvl = None
    for sid in chain:
        st = resolver.styles.para[sid]
        if num_id is None and st.num_id is not None:
            num_id = st.num_id
        if style_ilvl is None and st.ilvl is not None:
            style_ilvl = st.ilvl
    number = full = ""
    level, abstract_id, suffix = -1, None, None
    if num_id is not None and num_id != "0":
        number, full, level, abstract_id, suffix = resolver.number(num_id, direct_ilvl, chain, style_ilvl,
                                                                   item.index)
    elif num_id == "0":
        num_id = None
    typed = typed_number(text) if not number else None
    if typed is not None:
        return ParaNumber(typed[0], level, num_id, abstract_id, True, typed[1], style, typed[0], suffix, item.index)
    return ParaNumber(number, level, num_id, abstract_id, False, text, style, full, suffix, item.index)


def resolve(document_xml: bytes | str, numbering_xml: bytes | str | None, styles_xml: bytes | str | None,
            view: str = "accept") -> list[ParaNumber]:
    """One entry per body paragraph (w:p, document order, including paragraphs inside tables and
    content controls (w:sdt), excluding headers/footers/footnotes), numbered as Word displays them.
    view="accept": tracked changes accepted (w:ins content kept, w:del dropped, w:pPrChange ignored,
    a paragraph whose paragraph mark is deleted merges with the next);
    view="reject": rejected (w:del kept, w:ins dropped, the old w:pPr from w:pPrChange used for numbering)."""
    return resolve_with_warnings(document_xml, numbering_xml, styles_xml, view).paragraphs


# --- .docx packages ------------------------------------------------------------------------------------

Source = str | Path | bytes | bytearray | memoryview | IO[bytes]


def _rels(z: zipfile.ZipFile, part: str) -> Iterable[tuple[str, str]]:
    """(type, target part name) of the relationships of `part` ("" for the package)."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    try:
        root = etree.fromstring(z.read(rels_name), etree.XMLParser(resolve_entities=False, no_network=True))
    except (KeyError, etree.XMLSyntaxError):
        return []
    out = []
    for rel in root.iter(f"{{{REL}}}Relationship"):
        if rel.get("TargetMode") == "External" or not rel.get("Target"):
            continue
        target = rel.get("Target")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out.append((rel.get("Type") or "", target))
    return out


def _find(z: zipfile.ZipFile, rels: Iterable[tuple[str, str]], kind: str, fallback: str) -> str | None:
    names = set(z.namelist())
    for rtype, target in rels:
        if rtype.endswith("/" + kind) and target in names:
            return target
    return fallback if fallback in names else None


def read_docx_parts(path_or_bytes: Source) -> tuple[bytes | None, bytes | None, bytes | None]:
    """Return (document.xml, numbering.xml, styles.xml) of a .docx, found through its relationships."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        path_or_bytes = io.BytesIO(bytes(path_or_bytes))
    try:
        z = zipfile.ZipFile(path_or_bytes)
    except zipfile.BadZipFile as e:
        raise ValueError(f"not a .docx (zip) package: {e}") from e
    with z:
        main = _find(z, _rels(z, ""), "officeDocument", "word/document.xml")
        if main is None:
            return None, None, None
        rels = list(_rels(z, main))
        folder = posixpath.dirname(main)
        numbering = _find(z, rels, "numbering", posixpath.join(folder, "numbering.xml"))
        styles = _find(z, rels, "styles", posixpath.join(folder, "styles.xml"))
        return (z.read(main), z.read(numbering) if numbering else None, z.read(styles) if styles else None)


def resolve_docx_with_warnings(path_or_bytes: Source, view: str = "accept") -> Resolution:
    document, numbering, styles = read_docx_parts(path_or_bytes)
    if document is None:
        return Resolution([], ["the package has no main document part"])
    return resolve_with_warnings(document, numbering, styles, view)


def resolve_docx(path_or_bytes: Source, view: str = "accept") -> list[ParaNumber]:
    """`resolve` on a .docx given as a path, its bytes or a binary file."""
    return resolve_docx_with_warnings(path_or_bytes, view).paragraphs
