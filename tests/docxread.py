"""Independent readings of a .docx for tests: pandoc's text, and Word's numbering recomputed
from numbering.xml alone (not from contractgen's model)."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


def part(path: Path, name: str = "word/document.xml") -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


# --- pandoc -----------------------------------------------------------------------------------

def _inline_text(inlines: list) -> str:
    out = []
    for x in inlines:
        t = x["t"]
        c = x.get("c")
        if t == "Str":
            out.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t in ("Emph", "Strong", "Underline", "Strikeout", "SmallCaps", "Superscript", "Subscript"):
            out.append(_inline_text(c))
        elif t in ("Link", "Span"):
            out.append(_inline_text(c[1]))
        elif t == "Quoted":
            q1, q2 = ("'", "'") if c[0]["t"] == "SingleQuote" else ('"', '"')
            out.append(q1 + _inline_text(c[1]) + q2)
        elif t == "Code":
            out.append(c[1])
    return "".join(out)


def _blocks(blocks: list, out: list[str]) -> None:
    for b in blocks:
        t = b["t"]
        c = b.get("c")
        if t in ("Para", "Plain"):
            out.append(_inline_text(c))
        elif t == "Header":
            out.append(_inline_text(c[2]))
        elif t == "OrderedList":
            for item in c[1]:
                _blocks(item, out)
        elif t == "BulletList":
            for item in c:
                _blocks(item, out)
        elif t in ("BlockQuote",):
            _blocks(c, out)
        elif t == "Div":
            _blocks(c[1], out)
        elif t == "Table":
            _table(c, out)


def _table(c: list, out: list[str]) -> None:
    # pandoc >= 2.10: [attr, caption, colspecs, head, bodies, foot]
    head, bodies = c[3], c[4]
    rows = list(head[1])
    for body in bodies:
        rows.extend(body[2])
        rows.extend(body[3])
    for row in rows:
        for cell in row[1]:
            _blocks(cell[4], out)


def pandoc_paragraphs(path: Path, track_changes: str | None = None) -> list[str]:
    """Return pandoc's reading of a .docx as a list of whitespace-normalised paragraphs."""
    cmd = ["pandoc", "-f", "docx", "-t", "json", str(path)]
    if track_changes:
        cmd.insert(1, f"--track-changes={track_changes}")
    doc = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    out: list[str] = []
    _blocks(doc["blocks"], out)
    return [" ".join(p.split()) for p in out if p.strip()]


# --- numbering recomputed from numbering.xml ----------------------------------------------------

def _fmt(n: int, numfmt: str) -> str:
    if numfmt == "decimal":
        return str(n)
    if numfmt == "lowerLetter":
        s = ""
        while n:
            n, r = divmod(n - 1, 26)
            s = chr(97 + r) + s
        return s
    if numfmt == "lowerRoman":
        out = ""
        for v, sym in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
            while n >= v:
                out += sym
                n -= v
        return out
    raise AssertionError(f"unexpected numFmt {numfmt}")


def word_numbers(path: Path) -> dict[int, tuple[str, str]]:
    """Return {index of paragraph in body order: (own number, full-context number)}."""
    numbering = part(path, "word/numbering.xml")
    abstract = {}
    for a in numbering.findall("w:abstractNum", NS):
        levels = {}
        for lvl in a.findall("w:lvl", NS):
            levels[int(lvl.get(q("ilvl")))] = (
                lvl.find("w:numFmt", NS).get(q("val")),
                lvl.find("w:lvlText", NS).get(q("val")),
                int(lvl.find("w:start", NS).get(q("val"))),
            )
        abstract[a.get(q("abstractNumId"))] = levels
    nums = {n.get(q("numId")): n.find("w:abstractNumId", NS).get(q("val")) for n in numbering.findall("w:num", NS)}
    starts = {(n.get(q("numId")), int(o.get(q("ilvl")))): int(o.find("w:startOverride", NS).get(q("val")))
              for n in numbering.findall("w:num", NS) for o in n.findall("w:lvlOverride", NS)
              if o.find("w:startOverride", NS) is not None}  # a list that restarts at a given number
    counters: dict[str, list[int]] = {}
    body = part(path).find("w:body", NS)
    out = {}
    for i, p in enumerate(body.iter(q("p"))):
        numpr = p.find("w:pPr/w:numPr", NS)
        if numpr is None:
            continue
        num_id = numpr.find("w:numId", NS).get(q("val"))
        ilvl = int(numpr.find("w:ilvl", NS).get(q("val")))
        levels = abstract[nums[num_id]]
        c = counters.setdefault(nums[num_id], [0] * 9)
        c[ilvl] = c[ilvl] + 1 if c[ilvl] else starts.get((num_id, ilvl), levels[ilvl][2])
        for deeper in range(ilvl + 1, 9):
            c[deeper] = 0

        def render(level: int) -> str:
            text = levels[level][1]
            for k in range(level + 1):
                text = text.replace(f"%{k + 1}", _fmt(c[k] or levels[k][2], levels[k][0]))
            return text

        own = render(ilvl)
        full = own
        level = ilvl
        while "%1" not in levels[level][1] and level > 0:
            level -= 1
            full = render(level) + full
            if "%1" in levels[level][1]:
                break
        out[i] = (own, full)
    return out


def ref_fields(path: Path) -> list[tuple[str, str]]:
    """Return (bookmark name, cached result text) for every REF field in the body."""
    body = part(path).find("w:body", NS)
    found = []
    for p in body.iter(q("p")):
        state, instr, result = None, "", []
        for r in p.iter(q("r")):
            fc = r.find("w:fldChar", NS)
            if fc is not None:
                kind = fc.get(q("fldCharType"))
                if kind == "begin":
                    state, instr, result = "instr", "", []
                elif kind == "separate":
                    state = "result"
                elif kind == "end":
                    m = re.match(r"\s*REF\s+(\S+)", instr)
                    if m:
                        found.append((m.group(1), "".join(result)))
                    state = None
                continue
            if state == "instr":
                instr += "".join(t.text or "" for t in r.findall("w:instrText", NS))
            elif state == "result":
                result.append("".join(t.text or "" for t in r.findall("w:t", NS)))
    return found


def bookmarked_paragraphs(path: Path) -> dict[str, int]:
    """Return {bookmark name: index of its paragraph in body order}."""
    body = part(path).find("w:body", NS)
    out = {}
    for i, p in enumerate(body.iter(q("p"))):
        for b in p.findall("w:bookmarkStart", NS):
            out[b.get(q("name"))] = i
    return out


# --- tracked changes ------------------------------------------------------------------------------

REVISIONS = ("ins", "del", "moveFrom", "moveTo")


def revision_markup(path: Path) -> list[str]:
    """Return every body paragraph that holds a revision, as text with the changes marked:
    {+inserted+} [-deleted-] {>moved to>} [<moved from<]; a revised paragraph mark as ¶+ / ¶- / ¶> / ¶<;
    a REF field as «label→bookmark»; table rows as | cells |."""
    body = part(path).find("w:body", NS)
    marks = {"ins": ("{+", "+}"), "del": ("[-", "-]"), "moveTo": ("{>", ">}"), "moveFrom": ("[<", "<]")}
    para_marks = {"ins": "¶+", "del": "¶-", "moveTo": "¶>", "moveFrom": "¶<"}
    out = []

    def runs_text(parent) -> str:
        s = []
        field = None
        for child in parent:
            tag = etree.QName(child).localname
            if tag in marks:
                a, b = marks[tag]
                s.append(a + runs_text(child) + b)
            elif tag in ("r", "hyperlink"):
                for x in child.iter():
                    t = etree.QName(x).localname
                    if t == "fldChar":
                        kind = x.get(q("fldCharType"))
                        if kind == "begin":
                            field = {"instr": "", "result": ""}
                        elif kind == "separate" and field is not None:
                            field["sep"] = True
                        elif kind == "end" and field is not None:
                            bm = field["instr"].split()[1] if field["instr"].split()[:1] == ["REF"] else "?"
                            s.append(f"«{field['result']}→{bm}»")
                            field = None
                    elif t == "instrText" and field is not None:
                        field["instr"] += x.text or ""
                    elif t in ("t", "delText"):
                        if field is not None and field.get("sep"):
                            field["result"] += x.text or ""
                        else:
                            s.append(x.text or "")
                    elif t == "tab":
                        s.append("\t")
        return "".join(s)

    for p in body.iter(q("p")):
        has = any(p.find(f".//w:{r}", NS) is not None for r in REVISIONS)
        if not has:
            continue
        prefix = ""
        rpr = p.find("w:pPr/w:rPr", NS)
        if rpr is not None:
            for r in REVISIONS:
                if rpr.find(f"w:{r}", NS) is not None:
                    prefix = para_marks[r] + " "
        text = runs_text(p)
        in_table = p.getparent().tag == q("tc")
        out.append(("| " if in_table else "") + prefix + text)
    return out


def lint_revisions(path: Path) -> list[str]:
    """Return every breach of the rules of docs/dev/redline.md in a .docx (empty when sound)."""
    problems = []
    doc = part(path)
    body = doc.find("w:body", NS)
    ids: dict[str, str] = {}
    for e in doc.iter():
        if not isinstance(e.tag, str):
            continue
        name = etree.QName(e).localname
        if name in (*REVISIONS, "moveFromRangeStart", "moveToRangeStart", "bookmarkStart"):
            i = e.get(q("id"))
            if i is None:
                problems.append(f"{name} without w:id")
            elif i in ids:
                problems.append(f"w:id {i} used by {ids[i]} and {name}")
            else:
                ids[i] = name
            if name != "bookmarkStart" and (not e.get(q("author")) or not e.get(q("date"))):
                problems.append(f"{name} {i} lacks w:author or w:date")
    for d in body.iter(q("del")):
        if d.find(".//w:t", NS) is not None:
            problems.append("w:t inside w:del")
        if d.find(".//w:instrText", NS) is not None:
            problems.append("w:instrText inside w:del")
    for t in body.iter(q("delText")):
        anc = [etree.QName(a).localname for a in t.iterancestors()]
        if "del" not in anc:
            problems.append("w:delText outside w:del")
    for r in REVISIONS:
        for wrap in body.iter(q(r)):
            if wrap.find(".//w:p", NS) is not None:
                problems.append(f"a paragraph inside w:{r}")
    for rpr in body.iterfind(".//w:pPr/w:rPr", NS):
        revs = [c for c in rpr if etree.QName(c).localname in REVISIONS]
        if len(revs) > 1:
            problems.append("more than one revision on a paragraph mark")
        if revs and rpr[0] is not revs[0]:
            problems.append("paragraph-mark revision is not the first child of w:rPr")
    for kind in ("moveFrom", "moveTo"):
        starts = {e.get(q("id")): e.get(q("name")) for e in body.iter(q(f"{kind}RangeStart"))}
        ends = {e.get(q("id")) for e in body.iter(q(f"{kind}RangeEnd"))}
        for i in starts:
            if i not in ends:
                problems.append(f"{kind}RangeStart {i} has no end")
    names_from = {e.get(q("name")) for e in body.iter(q("moveFromRangeStart"))}
    names_to = {e.get(q("name")) for e in body.iter(q("moveToRangeStart"))}
    if names_from != names_to:
        problems.append(f"unpaired moves: {sorted(names_from ^ names_to)}")
    paras = body.findall("w:p", NS)
    last = paras[-1] if paras else None
    if last is not None and last.find("w:pPr/w:rPr/w:del", NS) is not None:
        problems.append("the last paragraph mark of the body is deleted")
    return problems


def count_revisions(path: Path) -> int:
    """Return the number of run-level revision wrappers (w:ins, w:del, w:moveFrom, w:moveTo around runs)."""
    body = part(path).find("w:body", NS)
    n = 0
    for r in REVISIONS:
        for e in body.iter(q(r)):
            if etree.QName(e.getparent()).localname not in ("rPr", "trPr"):
                n += 1
    return n
