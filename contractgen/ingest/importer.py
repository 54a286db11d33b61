"""`contractgen import`: a Word contract into the YAML source model (docs/dev/import.md).

    result = import_docx(Path("contract.docx"), Path("national_contract/acme/1.0"))

Reads the document (import_read.py; numbers from the resolver, wordnum.py), cuts it into the
terms and schedules, builds the clause tree from headings and list levels, generates ids, turns
REF fields, links to bookmarks and typed references into `[[id]]`, collects definitions, writes
the folder (never over a file), validates it and reports what could not be placed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SourceError, UsageError
from ..loader import display_path
from . import import_yaml as yml
from .import_read import Document, NotADocx, Para, Seg, Table, read_document
from .import_refs import find_refs, paths
from .wordnum import typed_number

EXIT_PROBLEMS = 3
MAX_LEVEL = 5
ID_RE = re.compile(r"^[a-z][a-z0-9-]*$")

# --- the report -----------------------------------------------------------------------------------------

SECTIONS = {
    "skipped": "Not imported",
    "structure": "Structure",
    "numbering": "Numbering",
    "references": "References",
    "terms": "Terms and names",
    "validation": "Validation",
}


@dataclass
class Item:
    section: str
    where: str
    what: str
    fix: str = ""

    def line(self) -> str:
        return f"{self.where}: {self.what}" + (f" ({self.fix})" if self.fix else "")


@dataclass
class ImportResult:
    folder: Path
    files: list[str]
    items: list[Item]
    summary: list[str]
    problems: int  # validate errors left in the written folder
    counts: dict[str, int]

    def report_lines(self) -> list[str]:
        return [i.line() for i in self.items]

    def markdown(self, source: str) -> str:
        out = [f"# Import of {source}", ""]
        out += [f"- {line}" for line in self.summary]
        for key, title in SECTIONS.items():
            items = [i for i in self.items if i.section == key]
            if not items:
                continue
            out += ["", f"## {title}", "", "| Where | What | What to do |", "|---|---|---|"]
            for i in items:
                out.append(f"| {_md(i.where)} | {_md(i.what)} | {_md(i.fix)} |")
        return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


# --- the model being built --------------------------------------------------------------------------------


@dataclass
class TableB:
    columns: list[list[Seg]]
    rows: list[list[list[Seg]]]


@dataclass
class Node:
    level: int
    para: Para | None
    heading: str | None = None
    text: list[Seg] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    table: TableB | None = None
    lists_defs: bool = False
    shown: str = ""  # the number Word shows (own), typed or not
    shown_full: str = ""
    typed: bool = False
    parent: Node | None = None
    id: str = ""
    number: str = ""
    full: str = ""
    index: int = 0  # 1-based place among its siblings
    slug_words: list[str] = field(default_factory=list)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass
class Definition:
    term: str
    forms: list[str]
    text: list[Seg]
    para: Para


@dataclass
class PartB:
    kind: str  # terms | schedule
    title: str
    items: list[Para | Table] = field(default_factory=list)
    title_para: Para | None = None
    shown_number: int | None = None  # "Schedule N" as the document numbered it
    nodes: list[Node] = field(default_factory=list)
    pending_title: bool = False
    id: str = ""
    prefix: str = ""
    file: str = ""
    number: int = 0  # schedule number in contractgen's order
    label: str = ""

    def walk(self):
        for n in self.nodes:
            yield from n.walk()


@dataclass
class _Anchor:
    level: int
    abstract: str | None
    ilvl: int | None
    base: int | None = None


# --- words and slugs ---------------------------------------------------------------------------------------

STOP = frozenset("""a an the and or nor of to in into on onto for by with without within at from as per via
under over upon after before during between among against about through than then so such that this these those
its it their his her our your we they them there here which who whom whose where when whether if is are be been
being was were has have had do does shall will may must can should would could not no any each every all other
others also only both either neither same own further following under its s clause clauses paragraph
paragraphs""".split())
_WORD = re.compile(r"[a-z0-9]+")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slug_words(text: str) -> list[str]:
    low = re.sub(r"['\u2019]s\b", "", text.lower())
    words = _WORD.findall(_ascii(low))
    keep = [w for w in words if w not in STOP and not w.isdigit()]
    return keep or [w for w in words if w not in STOP] or words


def _slug(words: list[str], n: int) -> str:
    return "-".join(words[:n])


# --- text ----------------------------------------------------------------------------------------------------


def plain(segs: list[Seg]) -> str:
    return "".join(s.text for s in segs)


def norm(text: str) -> str:
    return " ".join(text.split())


def split_segs(segs: list[Seg], n: int) -> tuple[list[Seg], list[Seg]]:
    """Cut `segs` after `n` characters of shown text (a reference straddling the cut goes after it)."""
    head: list[Seg] = []
    tail: list[Seg] = []
    pos = 0
    for s in segs:
        if pos >= n:
            tail.append(s)
        elif pos + len(s.text) <= n:
            head.append(s)
        elif s.kind == "text":
            k = n - pos
            head.append(Seg("text", s.text[:k], s.bold))
            tail.append(Seg("text", s.text[k:], s.bold))
        else:
            tail.append(s)
        pos += len(s.text)
    return head, tail


def lstrip_segs(segs: list[Seg]) -> list[Seg]:
    out = list(segs)
    while out and out[0].kind == "text" and not out[0].text.strip():
        out.pop(0)
    if out and out[0].kind == "text":
        out[0] = Seg("text", out[0].text.lstrip(), out[0].bold)
    return out


_QUOTES_OPEN = "\u201c\"\u2018'"
_QUOTES_CLOSE = "\u201d\"\u2019'"
_VERBS = r"(?:means|mean|has\s+the\s+meanings?|have\s+the\s+meanings?|shall\s+mean|shall\s+have\s+the\s+meanings?|includes|include|refers\s+to|is|are)\b"
_QUOTED_TERM = re.compile(
    r"^\s*[\u201c\"\u2018']([^\u201c\u201d\"\u2018\u2019]{1,80}?)[\u201d\"\u2019']"
    r"((?:\s*(?:,|or|and|,\s*or|,\s*and)\s*[\u201c\"\u2018'][^\u201c\u201d\"\u2018\u2019]{1,80}?[\u201d\"\u2019'])*)"
    r"\s*(?:\([^)]{0,80}\)\s*)?[,:]?\s*(?=" + _VERBS + ")"
)
_MORE_TERMS = re.compile(r"[\u201c\"\u2018']([^\u201c\u201d\"\u2018\u2019]{1,80}?)[\u201d\"\u2019']")
_VERB_AT = re.compile(r"\s*[,:]?\s*(?=" + _VERBS + ")")
_DEFS_HEADING = re.compile(r"\b(definitions?|interpretation|defined\s+terms|meanings)\b", re.IGNORECASE)
_INLINE_DEF = re.compile(r"\((?:the\s+|each\s+a\s+|together\s+the\s+)?[\u201c\"]([A-Z][^\u201d\"]{0,60})[\u201d\"]\)")
_MONTHS = ("january february march april may june july august september october november december").split()
_LONG_DATE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(_MONTHS) + r")\s+(\d{4})\b", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SCHEDULE_NO = re.compile(r"^\s*(?:schedule|SCHEDULE|Schedule)[ \u00a0]+(\d{1,3}|[IVXLC]{1,6})\b\s*[-\u2013\u2014:.]?\s*", re.IGNORECASE)
_SKIP_STYLES = re.compile(r"^(title|subtitle|toc heading|contents heading|toc \d|contents \d|table of figures|index \d)$")


def _roman_value(s: str) -> int | None:
    vals = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    s = s.lower()
    if not s or any(c not in vals for c in s):
        return None
    total = 0
    for i, c in enumerate(s):
        v = vals[c]
        total += -v if i + 1 < len(s) and vals[s[i + 1]] > v else v
    return total


# --- the importer ------------------------------------------------------------------------------------------


class Importer:
    def __init__(self, doc: Document, shown: str, stem: str) -> None:
        self.doc = doc
        self.shown = shown
        self.stem = stem
        self.items: list[Item] = []
        self.parts: list[PartB] = []
        self.defs: list[Definition] = []
        self.front: list[Para] = []
        self.owner: dict[int, Node | PartB] = {}  # paragraph index -> the clause (or schedule) it became
        self.counts = {"fields": 0, "links": 0, "typed": 0, "unresolved": 0}
        self.defs_owner: Node | None = None

    # ---- the report
    def where(self, p: Para | None, index: int | None = None) -> str:
        if p is None and index is None:
            return self.shown
        idx = p.index if p is not None else index
        snippet = norm(p.num.body if p is not None else "")[:48]
        if p is not None and len(norm(p.num.body)) > 48:
            snippet = snippet.rstrip() + "…"
        return f"{self.shown} ¶{idx + 1}" + (f" “{snippet}”" if snippet else "")

    def note(self, section: str, p: Para | None, what: str, fix: str = "") -> None:
        self.items.append(Item(section, self.where(p), what, fix))

    # ---- pass 1: sections and parts
    def sections(self) -> None:
        """Cut the body into the terms and the schedules; leave out the front matter and the
        sections contractgen writes around the terms (contents, parties, execution)."""
        terms = PartB("terms", "Terms and Conditions")
        self.parts.append(terms)
        part = terms
        state = "front"  # front | skip | body
        skipped: list[list[Any]] = [["front matter", None, 0, 0]]  # name, first para, paragraphs, tables
        for item in self.doc.items:
            if isinstance(item, Table):
                if state == "body":
                    part.items.append(item)
                else:
                    skipped[-1][3] += 1
                continue
            p = item
            body = norm(p.num.body)
            marker = _SKIP_STYLES.match(p.style_name)
            if marker:
                if p.style_name not in ("title", "subtitle") and body:
                    if state == "body" or p.style_name in ("toc heading", "contents heading"):
                        skipped.append([f"“{body[:40]}”", p, 0, 0])
                    state = "skip"
                if self._before_body(part):
                    self.front.append(p)
                rec = skipped[-1]
                rec[1] = rec[1] or p
                rec[2] += 1 if body else 0
                continue
            sched = self._schedule_title(p)
            if sched is not None:
                number, title = sched
                part = PartB("schedule", title, title_para=p, shown_number=number, pending_title=not title)
                self.parts.append(part)
                self.owner[p.index] = part
                state = "body"
                continue
            if part.pending_title and body and not p.num.text and (
                    p.outline is not None or (len(body) <= 100 and not body.endswith((".", ";", ",")))):
                part.title = body
                part.pending_title = False
                self.owner[p.index] = part
                continue
            if state != "body":
                listed = p.num.level >= 0 and _has_alnum(p.num.text) and not p.num.is_typed
                starts = bool(body) and (p.outline is not None or listed or (state == "front" and p.num.is_typed))
                if not starts:
                    if self._before_body(part):
                        self.front.append(p)
                    rec = skipped[-1]
                    rec[1] = rec[1] or p
                    rec[2] += 1 if body else 0
                    continue
                state = "body"
            part.items.append(p)
        for name, first, paras, tables in skipped:
            if not paras and not tables:
                continue
            what = f"{name}: {paras} paragraph{'s' if paras != 1 else ''}" + (
                f" and {tables} table{'s' if tables != 1 else ''}" if tables else "") + " not imported"
            why = ("the model keeps only the terms and schedules; `contractgen build` writes the title page, "
                   "contents, parties and execution pages")
            self.items.append(Item("skipped", self.where(first) if first else self.shown, what, why))
        for part in self.parts[1:]:
            if part.pending_title:
                part.title = f"Schedule {part.shown_number}"
                self.note("structure", part.title_para, f"schedule {part.shown_number} has no title; "
                          f"it is titled “{part.title}”", "give it a title in the schedule's file")

    def _before_body(self, part: PartB) -> bool:
        return part.kind == "terms" and not part.items

    def _schedule_title(self, p: Para) -> tuple[int | None, str] | None:
        shown = p.num.text.strip()
        body = norm(p.num.body)
        m = re.match(r"^(?:schedule|SCHEDULE|Schedule)\s+(\d{1,3}|[IVXLC]{1,6})\b", shown)
        if m and not p.num.is_typed:
            return _schedule_number(m.group(1)), body
        m = _SCHEDULE_NO.match(p.num.body if not p.num.is_typed else f"{shown} {p.num.body}")
        if not m:
            return None
        heading_like = p.outline is not None or "schedule" in p.style_name or "title" in p.style_name or \
            (len(body) <= 100 and not body.endswith((".", ";", ",")) and p.num.level < 0)
        if not heading_like:
            return None
        full = norm(p.num.body if not p.num.is_typed else f"{shown} {p.num.body}")
        rest = full[m.end():].strip() if len(full) >= m.end() else ""
        rest = rest.lstrip("-\u2013\u2014:. ").strip()
        return _schedule_number(m.group(1)), rest

    # ---- pass 2: the clause tree of each part
    def build(self) -> None:
        for part in self.parts:
            _PartBuilder(self, part).run()

    # ---- numbers, ids
    def number(self) -> None:
        sched = 0
        for part in self.parts:
            if part.kind == "schedule":
                sched += 1
                part.number = sched
                part.label = f"Schedule {sched}"
                if part.shown_number is not None and part.shown_number != sched:
                    self.note("numbering", part.title_para,
                              f"the document numbers this schedule {part.shown_number}; it is Schedule {sched} "
                              "in the import (schedules are numbered in their order)",
                              "check references to it, and its place among the schedules")
            _number_nodes(part.nodes, [], "")

    def assign_ids(self) -> None:
        terms = [p for p in self.parts if p.kind == "terms"]
        taken_top: set[str] = set()
        for part in terms:
            part.id = "terms"
            part.file = "terms.yaml"
            _assign(part.nodes, "", taken_top)
        prefixes: set[str] = set(taken_top) | {"terms", "sch"}
        for part in self.parts:
            if part.kind != "schedule":
                continue
            words = slug_words(part.title) or ["schedule", str(part.number)]
            prefix = _unique(words, 2, prefixes, first_letter=True)
            prefixes.add(prefix)
            part.prefix = prefix
            part.id = f"sch.{prefix}"
            part.file = f"schedule-{part.number}-{prefix}.yaml"
            _assign(part.nodes, prefix + ".", set())

    # ---- the numbers Word shows, against the import's
    def check_numbering(self) -> None:
        for part in self.parts:
            runs: list[list[Node]] = []
            for node in part.walk():
                if node.typed:
                    same = node.shown.rstrip(".") in (node.number, node.full)
                    what = f"the number {node.shown} is typed as text, not a list number"
                    if not same and not _counter_matches(node):
                        what += f"; the import numbers the paragraph {node.full}"
                    self.note("numbering", node.para, what,
                              "contractgen numbers every clause itself: the typed number is removed from the text")
                    continue
                if not node.shown or _counter_matches(node):
                    continue
                if runs and runs[-1][-1].parent is node.parent and runs[-1][-1].index + 1 == node.index:
                    runs[-1].append(node)
                else:
                    runs.append([node])
            for run in runs:
                first, last = run[0], run[-1]
                shown = first.shown_full or first.shown
                if len(run) == 1:
                    what = f"Word shows {shown}; the import numbers it {first.full}"
                else:
                    what = (f"Word shows {shown} to {last.shown_full or last.shown} on {len(run)} paragraphs (to "
                            f"{self.where(last.para)}); the import numbers them {first.full} to {last.full}")
                self.note("numbering", first.para, what + " (a list restarted, or numbered by hand, where the "
                          "numbering should continue)",
                          "the structure is read from the list levels; check that the clause is where you expect")
        for w in self.doc.warnings:
            self.items.append(Item("numbering", self.shown, f"numbering: {w}"))

    # ---- references and text
    def render_all(self) -> None:
        self.bookmarks: dict[str, Node | PartB] = {}
        for p in self._all_paras():
            owner = self.owner.get(p.index)
            if owner is None:
                continue
            for b in p.bookmarks:
                self.bookmarks.setdefault(b, owner)
        self.shown_map: dict[tuple[int, str], list[Node]] = {}
        agree = total = 0
        for k, part in enumerate(self.parts):
            for node in part.walk():
                if node.shown_full or node.shown:
                    key = (node.shown_full or node.shown).rstrip(".")
                    self.shown_map.setdefault((k, key), []).append(node)
                    total += 1
                    agree += key == node.full
        self.use_shown = total > 0 and agree >= 0.8 * total
        for k, part in enumerate(self.parts):
            for node in part.walk():
                where = node.para
                node.rendered_text = self.render(node.text, k, where) if node.text else None
                if node.table is not None:
                    node.rendered_table = (
                        [self.render(c, k, where) for c in node.table.columns],
                        [[self.render(c, k, where) for c in row] for row in node.table.rows])
        for d in self.defs:
            k = next((i for i, part in enumerate(self.parts) if self.defs_owner in list(part.walk())), 0)
            d.rendered = self.render(d.text, k, d.para)

    def _all_paras(self):
        for part in self.parts:
            if part.title_para is not None:
                yield part.title_para
            for item in part.items:
                if isinstance(item, Para):
                    yield item

    def label(self, target: Node | PartB) -> str:
        return target.label if isinstance(target, PartB) else target.full

    def ident(self, target: Node | PartB) -> str:
        return target.id

    def render(self, segs: list[Seg], part_index: int, para: Para | None) -> str:
        """Return the text of `segs` with references as `[[id]]`; whitespace collapsed."""
        refs: list[str] = []
        buf: list[str] = []
        for s in segs:
            if s.kind == "text":
                buf.append(s.text)
                continue
            target = self.bookmarks.get(s.target or "")
            if target is None:
                if s.kind == "ref":
                    self.note("references", para, f"a cross-reference field shows “{s.text}” but points to a "
                              "bookmark outside the imported clauses; kept as text", "make it a reference by hand")
                buf.append(s.text)
                continue
            shown = norm(s.text)
            if s.kind == "ref":
                sw = s.switches.lower()
                if not any(x in sw for x in ("\\w", "\\r", "\\n")):
                    buf.append(s.text)
                    self.note("references", para, f"a cross-reference field shows the text of its target "
                              f"(“{shown[:40]}”), not its number; kept as text")
                    continue
                if shown != self.label(target):
                    self.note("references", para, f"a cross-reference shows “{shown}”; it will show "
                              f"“{self.label(target)}” (the full number of {target.id})")
                self.counts["fields"] += 1
            else:
                if shown not in {self.label(target), getattr(target, "shown_full", "").rstrip("."),
                                 getattr(target, "shown", "").rstrip(".")}:
                    buf.append(s.text)
                    continue
                self.counts["links"] += 1
            refs.append(target.id)
            buf.append(chr(0xE000 + len(refs) - 1))
        text = norm("".join(buf))
        text = self.typed_refs(text, part_index, para, refs)
        if "[[" in text or "{{" in text:
            self.note("structure", para, "the text holds “[[” or “{{”, which the source format reads as a "
                      "reference or a parameter; a space was put between the brackets")
            text = text.replace("[[", "[ [").replace("{{", "{ {")
        return re.sub("[\ue000-\uf8ff]", lambda m: f"[[{refs[ord(m.group(0)) - 0xE000]}]]", text)

    def typed_refs(self, text: str, part_index: int, para: Para | None, refs: list[str]) -> str:
        found = find_refs(text)
        if not found:
            return text
        out: list[str] = []
        pos = 0
        part = self.parts[part_index]
        for f in found:
            if f.keyword == "schedule":
                if f.plural_schedules:
                    self.note("references", para, f"“{text[f.start:f.end]}” is left as text",
                              "a reference shows “Schedule N”: write “[[id]] and [[id]]” for each schedule")
                    continue
                target = self._schedule(f.numbers[0][2] if f.numbers else "")
                if target is None:
                    self.counts["unresolved"] += 1
                    self.note("references", para, f"“{text[f.start:f.end]}”: the document has no such schedule; "
                              "left as text", "correct the reference")
                    continue
                out.append(text[pos:f.start])
                out.append(self._mark(refs, target))
                self.counts["typed"] += 1
                pos = f.end
                continue
            scope: PartB | None
            if f.schedule is not None:
                scope = self._schedule(str(f.schedule[2]))
                if scope is None:
                    self.counts["unresolved"] += 1
                    self.note("references", para, f"“{text[f.start:f.end]}”: the document has no Schedule "
                              f"{f.schedule[2]}; left as text", "correct the reference")
                    continue
            elif f.this_schedule or f.keyword == "paragraph":
                scope = part
            else:
                scope = None  # clause: the terms, else this schedule
            replaced: list[tuple[int, int, str]] = []
            for start, end, number in f.numbers:
                target, note = self._resolve(number, scope, part)
                if target is None:
                    self.counts["unresolved"] += 1
                    self.note("references", para, f"“{text[f.start:f.end]}”: no clause is numbered {number}; "
                              "left as text", "correct the reference, or make it one by hand")
                    continue
                if note:
                    self.note("references", para, note)
                if norm(number) != target.full:
                    self.note("references", para, f"“{f.keyword} {number}” is {target.id}, which the import "
                              f"numbers {target.full}; the text will read “{target.full}”")
                replaced.append((start, end, self._mark(refs, target)))
                self.counts["typed"] += 1
            if f.schedule is not None and replaced:
                assert scope is not None
                replaced.append((f.schedule[0], f.schedule[1], self._mark(refs, scope)))
                self.counts["typed"] += 1
            for start, end, mark in sorted(replaced):
                out.append(text[pos:start])
                out.append(mark)
                pos = end
        out.append(text[pos:])
        return "".join(out)

    def _mark(self, refs: list[str], target: Node | PartB) -> str:
        refs.append(target.id)
        return chr(0xE000 + len(refs) - 1)

    def _schedule(self, number: str) -> PartB | None:
        try:
            n = int(number)
        except ValueError:
            return None
        schedules = [p for p in self.parts if p.kind == "schedule"]
        for p in schedules:
            if p.shown_number == n:
                return p
        return schedules[n - 1] if 0 < n <= len(schedules) and schedules[n - 1].shown_number is None else None

    def _resolve(self, number: str, scope: PartB | None, here: PartB) -> tuple[Node | None, str]:
        scopes = [scope] if scope is not None else [p for p in self.parts if p.kind == "terms"] + (
            [here] if here.kind == "schedule" else [])
        for part in scopes:
            found = _by_path(part, number)
            if found is not None:
                k = self.parts.index(part)
                shown = self.shown_map.get((k, norm(number)), []) if self.use_shown else []
                if shown and found not in shown:
                    return found, (f"“{number}” is shown by Word on {self.where(shown[0].para)} (a numbering "
                                   f"slip); it is taken by its place as {found.id}")
                return found, ""
            if self.use_shown:
                k = self.parts.index(part)
                shown = self.shown_map.get((k, norm(number)), [])
                if len(shown) == 1:
                    return shown[0], ""
        return None, ""

    # ---- terms, forms and names
    def terms_and_names(self) -> tuple[list[dict[str, Any]], list[str]]:
        from ..validate import BUILTIN_NAMES, FormIndex, _CAPWORD, _sentence_start, legislation_spans  # noqa: PLC0415
        from ..text import TOKEN  # noqa: PLC0415

        defs = self._definitions()
        forms_of = {d["term"]: list(d.get("forms") or []) for d in defs}

        def all_forms(term: str) -> list[str]:
            base = term if term.endswith("s") or term.isupper() else term + "s"
            return [term, base, *forms_of[term]] + ([term + "s"] if term.isupper() else [])

        texts: list[tuple[str, str]] = []
        for part in self.parts:
            for node in part.walk():
                if node.heading:
                    texts.append(("heading", node.heading))
                if node.rendered_text:
                    texts.append(("text", node.rendered_text))
                if node.table is not None:
                    cols, rows = node.rendered_table
                    texts += [("cell", c) for c in cols if c] + [("cell", c) for r in rows for c in r if c]
        texts += [("definition", d["text"]) for d in defs]
        names: dict[str, None] = {}
        for _round in range(2):
            allowed = [f for t in forms_of for f in all_forms(t)] + list(names) + list(BUILTIN_NAMES)
            index = FormIndex(allowed)
            runs: list[str] = []
            for kind, text in texts:
                masked = TOKEN.sub(lambda m: "0" * len(m.group(0)), text)
                covered = bytearray(len(masked))
                for start, end, _ in index.finditer(masked):
                    covered[start:end] = b"\x01" * (end - start)
                for start, end in legislation_spans(masked):
                    covered[start:end] = b"\x01" * (end - start)
                flagged: list[tuple[int, int, str]] = []
                for m in _CAPWORD.finditer(masked):
                    if covered[m.start()]:
                        continue
                    word = m.group(0).rstrip("\u2019'-")
                    if _sentence_start(masked, m.start()):
                        if word.lower() not in STOP:  # may open a name ("Acme Limited"), never alone
                            flagged.append((m.start(), m.start() + len(word), word, True))
                        continue
                    if len(word) == 1 and word != "I" and kind == "cell":
                        continue
                    flagged.append((m.start(), m.start() + len(word), word, False))
                runs += _runs(masked, flagged)
            if not runs:
                break
            for run in runs:
                bare = re.sub(r"['\u2019]s$", "", run)
                term = _form_of(bare, forms_of)
                if term is not None:
                    if bare not in forms_of[term] and bare not in all_forms(term):
                        forms_of[term].append(bare)
                else:
                    names.setdefault(bare)
        for d in defs:
            d["forms"] = forms_of[d["term"]]
            added = [f for f in d["forms"] if f not in d.get("declared", [])]
            if added:
                self.items.append(Item("terms", f"definition of “{d['term']}”",
                                       f"other forms of the term found in the text: {', '.join(added)}",
                                       "check them in definitions.yaml (forms:)"))
            d.pop("declared", None)
        ordered = sorted(names, key=lambda n: (n.casefold(), n))
        if ordered:
            self.items.append(Item("terms", "contract.yaml, names",
                                   f"{len(ordered)} capitalised word{'s' if len(ordered) != 1 else ''} that "
                                   f"{'are' if len(ordered) != 1 else 'is'} not a defined term added to names: "
                                   + ", ".join(ordered),
                                   "each is a name (keep it) or a term the document never defines "
                                   "(define it in definitions.yaml and remove it from names:)"))
        inline = self._inline_definitions({d["term"] for d in defs})
        for term, p in inline:
            self.note("terms", p, f"“{term}” is defined in the running text, not in the definitions clause",
                      "add it to definitions.yaml with its meaning (and remove it from names:)")
        return defs, ordered

    def _definitions(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: dict[str, Para] = {}
        for d in self.defs:
            if d.term in seen:
                self.note("terms", d.para, f"“{d.term}” is defined twice; the second definition is "
                          f"not imported (the first is at {self.where(seen[d.term])})",
                          "keep one definition in definitions.yaml")
                continue
            seen[d.term] = d.para
            text = d.rendered
            if not text:
                self.note("terms", d.para, f"the definition of “{d.term}” has no text; it is not imported")
                continue
            out.append({"term": d.term, "forms": list(d.forms), "declared": list(d.forms), "text": text})
        return out

    def _inline_definitions(self, terms: set[str]) -> list[tuple[str, Para]]:
        out: list[tuple[str, Para]] = []
        seen = set(terms)
        for part in self.parts:
            for node in part.walk():
                if node.para is None:
                    continue
                for m in _INLINE_DEF.finditer(plain(node.text)):
                    if m.group(1) not in seen:
                        seen.add(m.group(1))
                        out.append((m.group(1), node.para))
        return out

    # ---- the metadata
    def title(self) -> str:
        for p in self.front:
            if p.style_name == "title" and norm(p.num.body):
                return norm(p.num.body)
        if self.doc.title:
            return self.doc.title
        return self.stem

    def date(self, given: dt.date | None) -> tuple[dt.date, str]:
        if given is not None:
            return given, "--date"
        for p in self.front:
            text = norm(p.num.body)
            m = _LONG_DATE.search(text)
            if m:
                try:
                    return dt.date(int(m.group(3)), _MONTHS.index(m.group(2).lower()) + 1, int(m.group(1))), \
                        f"the front matter (“{text[:40]}”)"
                except ValueError:
                    pass
            m = _ISO_DATE.search(text)
            if m:
                try:
                    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), \
                        f"the front matter (“{text[:40]}”)"
                except ValueError:
                    pass
        if self.doc.created is not None:
            return self.doc.created, "the document's created date (docProps/core.xml)"
        raise UsageError(f"{self.shown}: no date found on its front matter or in its properties; "
                         "give the version's date with --date YYYY-MM-DD")

    # ---- output data
    def part_data(self, part: PartB) -> dict[str, Any]:
        return {"id": part.id, "kind": part.kind, "title": part.title,
                "clauses": [self._clause_data(n) for n in part.nodes]}

    def _clause_data(self, node: Node) -> dict[str, Any]:
        d: dict[str, Any] = {"id": node.id}
        if node.heading:
            d["heading"] = node.heading
        if node.rendered_text:
            d["text"] = node.rendered_text
        if node.lists_defs:
            d["list"] = "definitions"
        if node.table is not None:
            cols, rows = node.rendered_table
            d["table"] = {"columns": cols, "rows": rows}
        if node.children:
            d["children"] = [self._clause_data(c) for c in node.children]
        return d


def _has_alnum(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _schedule_number(raw: str) -> int | None:
    if raw.isdigit():
        return int(raw)
    return _roman_value(raw)


def _runs(text: str, flagged: list[tuple[int, int, str, bool]]) -> list[str]:
    """Join flagged capitalised words next to each other (or joined by of/for/the/to) into names;
    a word exempt as a sentence's first (lead-only) may open a name but is never one alone."""
    out: list[str] = []
    cur: list[tuple[int, int, str, bool]] = []

    def close() -> None:
        while cur and cur[0][3] and len(cur) > 1 and cur[1][3]:
            cur.pop(0)
        if any(not f[3] for f in cur):
            out.append(text[cur[0][0]:cur[-1][1]])

    for f in flagged:
        if cur:
            gap = text[cur[-1][1]:f[0]]
            if not f[3] and gap in (" ", " of ", " for ", " the ", " of the ", " for the ", " to "):
                cur.append(f)
                continue
            close()
        cur = [f]
    if cur:
        close()
    return out


def _variants(term: str) -> set[str]:
    """Other forms of `term` than its plural with "s": irregular plurals and singulars."""
    out = {term + "ren", term + "es"}
    if term.endswith("y"):
        out.add(term[:-1] + "ies")
    if term.endswith("ies"):
        out.add(term[:-3] + "y")
    if term.endswith("es"):
        out.add(term[:-2])
    if term.endswith("s"):
        out.add(term[:-1])
    if term.endswith("man"):
        out.add(term[:-3] + "men")
    if term.endswith("f"):
        out.add(term[:-1] + "ves")
    if " of " in term:
        first, _, rest = term.partition(" of ")
        out.add(f"{first}s of {rest}")
    out.discard(term)
    return out


def _form_of(word: str, forms_of: dict[str, list[str]]) -> str | None:
    """The defined term `word` is another form of ("Children" of "Child"), if any."""
    for term in forms_of:
        if word in _variants(term):
            return term
    return None


def _counter_matches(node: Node) -> bool:
    """Whether the counter Word shows for the paragraph (the last part of its number) is its place."""
    shown = node.shown.strip().rstrip(".)").lstrip("(")
    m = re.search(r"([0-9]+|[A-Za-z]+)$", shown)
    if not m:
        return True
    raw = m.group(1)
    if raw.isdigit():
        return int(raw) == node.index
    low = raw.lower()
    values = set()
    if len(low) == 1:
        values.add(ord(low) - 96)
    if len(low) == 2 and low[0] == low[1]:
        values.add(26 + ord(low[0]) - 96)
    r = _roman_value(low)
    if r is not None:
        values.add(r)
    return not values or node.index in values


def _alpha(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


def _roman(n: int) -> str:
    out = ""
    for v, s in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                 (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= v:
            out += s
            n -= v
    return out


def _number_nodes(nodes: list[Node], prefix: list[int], full_prefix: str) -> None:
    """Number as contractgen/numbering.py does: 1, 1.1, 1.1.1, (a), (i)."""
    for i, node in enumerate(nodes, 1):
        node.index = i
        path = prefix + [i]
        if len(path) <= 3:
            node.number = node.full = ".".join(str(x) for x in path)
        elif len(path) == 4:
            node.number = f"({_alpha(i)})"
            node.full = full_prefix + node.number
        else:
            node.number = f"({_roman(i)})"
            node.full = full_prefix + node.number
        _number_nodes(node.children, path, node.full)


def _by_path(part: PartB, number: str) -> Node | None:
    for path in paths(norm(number).replace(" ", "")):
        nodes = part.nodes
        found = None
        for i in path:
            if not 0 < i <= len(nodes):
                found = None
                break
            found = nodes[i - 1]
            nodes = found.children
        if found is not None:
            return found
    return None


def _unique(words: list[str], n: int, taken: set[str], first_letter: bool = False) -> str:
    words = words or ["clause"]
    if first_letter and not words[0][0].isalpha():
        words = ["clause", *words]
    for k in range(min(n, len(words)), min(len(words), 5) + 1):
        cand = _slug(words, k)
        if cand not in taken:
            return cand
    base = _slug(words, min(n, len(words)))
    i = 2
    while f"{base}-{i}" in taken:
        i += 1
    return f"{base}-{i}"


def _assign(nodes: list[Node], prefix: str, taken: set[str]) -> None:
    for node in nodes:
        n = 3 if node.heading and not getattr(node, "made_heading", False) else 2
        own = _unique(node.slug_words, n, taken, first_letter=not prefix)
        taken.add(own)
        node.id = prefix + own
        _assign(node.children, node.id + ".", set())


# --- pass 2 ------------------------------------------------------------------------------------------------


class _PartBuilder:
    def __init__(self, imp: Importer, part: PartB) -> None:
        self.imp = imp
        self.part = part
        self.stack: list[Node] = []
        self.anchor: _Anchor | None = None
        self.last: Node | None = None
        self.paren_level: dict[str, int] = {}
        self.paren_value: dict[str, int] = {}
        headings = [p.outline for p in part.items if isinstance(p, Para) and p.outline is not None and norm(p.num.body)]
        self.base_outline = min(headings) if headings else 0

    def run(self) -> None:
        for item in self.part.items:
            if isinstance(item, Table):
                self.table(item)
            else:
                self.para(item)

    # -- placing
    def open(self, level: int, p: Para | None) -> Node:
        if level > len(self.stack) + 1:
            if p is not None:
                self.imp.note("structure", p, f"a clause at level {level} with no clause at level {level - 1} "
                              f"above it; it is imported at level {len(self.stack) + 1}",
                              "check its place in the clause tree")
            level = len(self.stack) + 1
        if level > MAX_LEVEL:
            if p is not None:
                self.imp.note("structure", p, f"a clause at level {level}; the model numbers five levels, so "
                              f"it is imported at level {MAX_LEVEL}", "move it up a level, or split it")
            level = MAX_LEVEL
        del self.stack[level - 1:]
        parent = self.stack[-1] if self.stack else None
        node = Node(level, p, parent=parent)
        (parent.children if parent else self.part.nodes).append(node)
        self.stack.append(node)
        self.last = node
        if p is not None:
            self.imp.owner[p.index] = node
            node.shown = p.num.text.strip()
            node.shown_full = (p.num.full or p.num.text).strip()
            node.typed = p.num.is_typed
        return node

    def synthetic(self, p: Para | None) -> Node:
        node = self.open(1, None)
        node.heading = self.part.title if self.part.kind == "schedule" else "General"
        node.slug_words = slug_words(node.heading)
        self.imp.note("structure", p, f"text before the first clause of {self.part.title}; it is placed "
                      f"in a clause headed “{node.heading}”", "give the clause its own heading")
        return node

    # -- paragraphs
    def para(self, p: Para) -> None:
        segs = p.segs
        if p.num.is_typed:
            typed = typed_number(plain(segs))
            if typed is not None:
                _, rest = typed
                segs = split_segs(segs, len(plain(segs)) - len(rest))[1]
        body = norm(plain(segs))
        bullet = p.num.level >= 0 and p.num.text and not _has_alnum(p.num.text)
        numbered = (p.num.level >= 0 and bool(p.num.text)) or p.num.is_typed
        if not body:
            if numbered and not bullet:
                self.imp.note("structure", p, f"an empty numbered paragraph ({p.num.text}) is not imported",
                              "the import numbers the clauses after it one lower")
            return
        if p.outline is not None:
            self.heading(p, segs, body)
            return
        if self.definition(p, segs, numbered):
            return
        if numbered:
            if bullet:
                self.imp.note("structure", p, "a bulleted paragraph is imported as a numbered sub-clause",
                              "the model has no bullets")
            level = self.typed_level(p, body) if p.num.is_typed else self.list_level(p)
            self.clause(p, segs, body, level)
            return
        self.plain(p, segs)

    def heading(self, p: Para, segs: list[Seg], body: str) -> None:
        level = p.outline - self.base_outline + 1 if p.outline is not None else 1
        if level < 1:
            level = 1
        node = self.open(level, p)
        level = node.level
        node.heading = body
        node.slug_words = slug_words(body)
        self.anchor = _Anchor(level, p.num.abstract_id if p.num.level >= 0 else None,
                              p.num.level if p.num.level >= 0 else None)
        self.paren_level.clear()
        if _DEFS_HEADING.search(body):
            self.imp.defs_candidate = node

    def list_level(self, p: Para) -> int:
        ilvl = max(p.num.level, 0)
        a = self.anchor
        if a is not None and a.abstract is not None and a.abstract == p.num.abstract_id and a.ilvl is not None:
            return max(1, a.level + ilvl - a.ilvl)
        if a is None:
            a = self.anchor = _Anchor(0, None, None)
        if a.base is None or ilvl < a.base:
            a.base = ilvl
        return a.level + 1 + ilvl - a.base

    def typed_level(self, p: Para, body: str) -> int:
        number = p.num.text.strip()
        last_level = self.last.level if self.last is not None else 0
        anchor_level = self.anchor.level if self.anchor is not None else 0
        if re.fullmatch(r"\d{1,3}(?:\.\d{1,3})+\.?", number):
            self.paren_level.clear()
            return min(number.rstrip(".").count(".") + 1, MAX_LEVEL)
        m = re.fullmatch(r"\(([A-Za-z]{1,5}|\d{1,3})\)", number)
        if m:
            label = m.group(1).lower()
            if label.isdigit():
                cls, value = "digit", int(label)
            else:
                letter = _letter_value(label)
                roman = _roman_value(label)
                if letter is not None and roman is not None:  # (i), (v), (x)
                    if "letter" in self.paren_value and self.paren_value["letter"] + 1 == letter:
                        cls, value = "letter", letter
                    elif "roman" in self.paren_level or "letter" in self.paren_level:
                        cls, value = "roman", roman
                    else:
                        cls, value = "letter", letter
                elif letter is not None:
                    cls, value = "letter", letter
                elif roman is not None:
                    cls, value = "roman", roman
                else:
                    cls, value = "other", 0
            if cls in self.paren_level and self.paren_level[cls] <= last_level + 1:
                level = self.paren_level[cls]
                for k in [k for k, v in self.paren_level.items() if v > level]:
                    del self.paren_level[k]
            else:
                level = min(last_level + 1, MAX_LEVEL)
                self.paren_level[cls] = level
            self.paren_value[cls] = value
            return level
        self.paren_level.clear()
        if re.fullmatch(r"\d{1,3}\.?", number):
            return anchor_level + 1 if anchor_level else 1
        return min(last_level + 1, MAX_LEVEL) if last_level else 1

    def clause(self, p: Para, segs: list[Seg], body: str, level: int) -> None:
        node = self.open(level, p)
        if node.level == 1:
            if len(body) <= 80 and not body.endswith((".", ";", ":")):
                node.heading = body
            else:
                words = body.split()
                node.heading = " ".join(words[:6]).rstrip(",;:.") + ("…" if len(words) > 6 else "")
                node.text = lstrip_segs(segs)
                node.made_heading = True
                self.imp.note("structure", p, f"a top-level clause with no heading; it is headed “{node.heading}”",
                              "write its heading in terms.yaml")
            node.slug_words = slug_words(node.heading)
            if _DEFS_HEADING.search(node.heading):
                self.imp.defs_candidate = node
            self.anchor = _Anchor(1, p.num.abstract_id if p.num.level >= 0 else None,
                                  p.num.level if p.num.level >= 0 else None)
            return
        segs = lstrip_segs(segs)
        heading, rest = _lead_in(segs)
        if heading is not None:
            node.heading = heading
            node.text = rest
            node.slug_words = slug_words(heading)
        else:
            node.text = segs
            node.slug_words = slug_words(plain(segs))

    def plain(self, p: Para, segs: list[Seg]) -> None:
        node = self.last
        if node is None:
            node = self.synthetic(p)
        segs = lstrip_segs(segs)
        if not node.text and (node.heading or node.table is None):
            node.text = segs
            if not node.slug_words:
                node.slug_words = slug_words(plain(segs))
            self.imp.owner[p.index] = node
            return
        node.text = node.text + [Seg("text", " ")] + segs
        self.imp.owner.setdefault(p.index, node)
        self.imp.note("structure", p, f"a further paragraph of clause {node.full or '?'} is joined to its text",
                      "the model has one paragraph per clause: make it a sub-clause if it should stand alone")

    # -- definitions
    def definition(self, p: Para, segs: list[Seg], numbered: bool) -> bool:
        styled = p.style_name == "definition"
        owner = self._defs_clause()
        if not styled and owner is None:
            return False
        found = _definition(segs, lenient=styled)
        if found is None:
            return False
        term, forms, text = found
        if not re.match(r"[A-Z0-9]", term):
            self.imp.note("terms", p, f"“{term}” looks defined here but starts in lower case; imported as text",
                          "a defined term starts with a capital letter")
            return False
        target = self.last if styled and owner is None else owner
        if target is None:
            target = self.synthetic(p)
        if self.imp.defs_owner is None:
            self.imp.defs_owner = target
            target.lists_defs = True
        elif self.imp.defs_owner is not target and not getattr(self.imp, "defs_moved_noted", False):
            self.imp.defs_moved_noted = True
            self.imp.note("terms", p, f"definitions under a second clause ({target.full}); all definitions are "
                          f"listed after clause {self.imp.defs_owner.full}",
                          "check that the definitions belong together")
        if numbered:
            self.imp.note("terms", p, f"the numbered definition of “{term}” is imported as a definition",
                          "contractgen lists definitions unnumbered, in alphabetical order")
        self.imp.defs.append(Definition(term, forms, text, p))
        return True

    def _defs_clause(self) -> Node | None:
        """The clause definitions here are listed after: the latest clause, when it is (within) a
        clause headed as the definitions; else None."""
        cand = getattr(self.imp, "defs_candidate", None)
        node = self.last
        while node is not None and cand is not None:
            if node is cand:
                return self.last
            node = node.parent
        return None

    # -- tables
    def table(self, t: Table) -> None:
        node = self.last
        if node is None:
            node = self.synthetic(None)
        if node.table is not None:
            self.imp.items.append(Item("skipped", self.imp.where(None, t.index),
                                       f"a second table after clause {node.full or node.heading} (first row: "
                                       f"“{norm(t.first_row)[:60]}”) is not imported",
                                       "the model has one table per clause: make it a clause of its own"))
            return
        width = max(sum(c.span for c in row) for row in t.rows)
        grid: list[list[list[Seg]]] = []
        merged = numbered = False
        for row in t.rows:
            cells: list[list[Seg]] = []
            for cell in row:
                segs: list[Seg] = []
                for k, cp in enumerate(cell.paras):
                    if k:
                        segs.append(Seg("text", " "))
                    if cp.num.text and not cp.num.is_typed and cp.num.level >= 0:
                        segs.append(Seg("text", cp.num.text + " "))
                        numbered = True
                    segs += cp.segs
                    self.imp.owner.setdefault(cp.index, node)
                if cell.merged:
                    merged = True
                    segs = []
                cells.append(segs)
                if cell.span > 1:
                    merged = True
                    cells += [[] for _ in range(cell.span - 1)]
            cells += [[] for _ in range(width - len(cells))]
            grid.append(cells)
        node.table = TableB(grid[0], grid[1:])
        where = self.imp.where(None, t.index)
        if merged:
            self.imp.items.append(Item("structure", where, f"a table of clause {node.full or '?'} has merged "
                                       "cells; each merged cell's text is in its first cell, the others are empty",
                                       "the model has no merged cells: check the table"))
        if numbered:
            self.imp.items.append(Item("structure", where, f"a table of clause {node.full or '?'} has numbered "
                                       "paragraphs; their numbers are kept as text"))


def _letter_value(s: str) -> int | None:
    if len(s) == 1 and s.isalpha():
        return ord(s) - 96
    if len(s) == 2 and s[0] == s[1] and s.isalpha():
        return 26 + ord(s[0]) - 96
    return None


def _lead_in(segs: list[Seg]) -> tuple[str | None, list[Seg]]:
    """A bold lead-in heading at the start of a level 2+ paragraph, and the rest: "Invoicing." → the
    heading "Invoicing" (contractgen adds the full stop back); a wholly bold paragraph is a heading."""
    i = 0
    while i < len(segs) and segs[i].kind == "text" and segs[i].bold:
        i += 1
    head = norm(plain(segs[:i]))
    if not head:
        return None, segs
    rest = lstrip_segs(segs[i:])
    if not norm(plain(rest)):
        return head, []
    if head.endswith((".", ":", "?")) and len(head) <= 120:
        return (head[:-1] if head.endswith(".") else head), rest
    return None, segs


def _definition(segs: list[Seg], lenient: bool) -> tuple[str, list[str], list[Seg]] | None:
    text = plain(segs)
    m = _QUOTED_TERM.match(text)
    if m:
        term = norm(m.group(1))
        forms = [norm(x) for x in _MORE_TERMS.findall(m.group(2) or "")]
        rest = split_segs(segs, m.end())[1]
        return term, forms, lstrip_segs(rest)
    lead = []
    for s in segs:
        if s.kind == "text" and s.bold:
            lead.append(s)
        elif s.kind == "text" and not s.text.strip() and lead:
            continue
        else:
            break
    if not lead:
        return None
    n = len(plain(lead))
    term = norm(plain(lead)).strip(_QUOTES_OPEN + _QUOTES_CLOSE + " :,")
    if not term or len(term) > 80:
        return None
    after = text[n:]
    v = _VERB_AT.match(after)
    if v is None and not lenient:
        return None
    cut = n + (v.end() if v is not None else 0)
    rest = lstrip_segs(split_segs(segs, cut)[1])
    if not norm(plain(rest)):
        return None
    return term, [], rest


# --- writing ------------------------------------------------------------------------------------------------


def _check_out(out: Path) -> tuple[str, str]:
    out = Path(out)
    version = out.name
    cid = out.resolve().parent.name if out.name else ""
    shown = display_path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"-o {shown}: is a file; name a folder national_contract/<id>/<version>/")
    if out.is_dir():
        inside = sorted(p.name for p in out.iterdir())
        if inside:
            raise UsageError(f"-o {shown}: the folder is not empty (it holds {inside[0]}"
                             f"{f' and {len(inside) - 1} more' if len(inside) > 1 else ''}); import never writes "
                             "over files: name a new or empty folder, or remove its files first")
    if not ID_RE.match(cid):
        raise UsageError(f"-o {shown}: the folder above the version ('{cid}') is the contract's id and must be "
                         "lower-case letters, digits and hyphens, starting with a letter; write "
                         "-o national_contract/<id>/<version>/")
    if not version or version in (".", "..") or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", version):
        raise UsageError(f"-o {shown}: '{version}' cannot be a version: use letters, digits, dots and hyphens, "
                         "e.g. national_contract/<id>/2026.1/")
    return cid, version


def _write_folder(out: Path, files: dict[str, str]) -> None:
    """Write `files` into `out` (absent or empty) via a temporary folder beside it."""
    from ..output import os_error  # noqa: PLC0415

    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".import", dir=parent))
    except OSError as exc:
        raise os_error(out, exc) from None
    try:
        for name, text in files.items():
            (tmp / name).write_bytes(text.encode("utf-8"))
        if out.is_dir():
            if any(out.iterdir()):
                raise UsageError(f"-o {display_path(out)}: files appeared in the folder while importing; nothing written")
            for name in files:
                os.replace(tmp / name, out / name)
            tmp.rmdir()
        else:
            os.rename(tmp, out)
            os.chmod(out, 0o777 & ~_umask())
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise os_error(out, exc) from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_yaml(files: dict[str, str], data: dict[str, Any]) -> None:
    """Every file reads back as the data it was written from (a bug otherwise)."""
    import yaml  # noqa: PLC0415

    for name, text in files.items():
        back = yaml.safe_load(text)
        want = data[name]
        if back != want:
            raise RuntimeError(f"import wrote {name} that does not read back as its data")


_VALIDATION_WHY = [
    (re.compile(r"defined term '(.+)' is never used"),
     "the document defines it but no text uses it: use it, or remove the definition"),
    (re.compile(r"capitalised '(.+)' is not a defined term"),
     "the import could not tell whether it is a term or a name: define it, add it to names:, or lower-case it"),
    (re.compile(r"has neither heading nor text"), "the paragraph was empty in the document: give it text or delete it"),
    (re.compile(r"no clause lists the defined terms"), "the definitions were found outside any clause"),
]


def import_docx(source: Path, out: Path, date: dt.date | None = None) -> ImportResult:
    """Import the Word contract at `source` into the version folder `out` (absent or empty)."""
    from ..output import note_input  # noqa: PLC0415

    source = Path(source)
    shown = display_path(source)
    if not source.exists():
        raise UsageError(f"{shown}: no such file (name the Word contract to import)")
    if source.is_dir():
        raise UsageError(f"{shown}: is a folder; name a .docx file")
    cid, version = _check_out(Path(out))
    note_input(source)
    try:
        doc = read_document(source, shown)
    except NotADocx as exc:
        raise SourceError(None, f"{shown}: {exc}", "save it from Word as a Word document (.docx)") from None
    imp = Importer(doc, shown, source.stem)
    imp.sections()
    imp.build()
    parts = [p for p in imp.parts if p.nodes]
    for p in imp.parts:
        if not p.nodes and p.kind == "schedule":
            imp.note("skipped", p.title_para, f"schedule “{p.title}” has no clauses; it is not imported",
                     "a schedule needs at least one clause")
    imp.parts = parts
    if not parts or parts[0].kind != "terms":
        if parts:
            terms = PartB("terms", "Terms and Conditions")
            imp.parts.insert(0, terms)
            node = Node(1, None, heading="General", slug_words=["general"])
            node.text = [Seg("text", "The schedules below form part of the Contract.")]
            terms.nodes.append(node)
            imp.note("structure", None, "the document has no clauses before its first schedule; terms.yaml "
                     "holds one placeholder clause", "write the terms, or merge the schedules into them")
        else:
            raise SourceError(None, f"{shown}: no clauses found: the document has no headings, numbered "
                              "paragraphs or schedules after its front matter",
                              "use Word's heading styles (Heading 1) or numbered lists for the clauses")
    imp.number()
    imp.assign_ids()
    imp.check_numbering()
    imp.render_all()
    defs, names = imp.terms_and_names()
    when, date_from = imp.date(date)
    if not 1980 <= when.year <= 2107:
        raise UsageError(f"{shown}: its date {when.isoformat()} (from {date_from}) is outside 1980–2107, the "
                         "years a .docx can record; give --date YYYY-MM-DD")
    title = imp.title()
    data: dict[str, Any] = {}
    files: dict[str, str] = {}
    part_files = [p.file for p in imp.parts]
    head = {"id": cid, "title": title, "version": version, "date": when, "status": "draft",
            "parts": part_files, "names": names}
    files["contract.yaml"] = yml.contract_yaml(head)
    data["contract.yaml"] = {k: v for k, v in {**head, "parameters": {}}.items() if not (k == "names" and not v)}
    files["definitions.yaml"] = yml.definitions_yaml(defs)
    data["definitions.yaml"] = {"definitions": [{k: v for k, v in d.items() if not (k == "forms" and not v)}
                                                for d in defs]}
    for part in imp.parts:
        pd = imp.part_data(part)
        files[part.file] = yml.part_yaml(pd)
        data[part.file] = pd
    _check_yaml(files, data)
    _write_folder(Path(out), files)

    from .. import api  # noqa: PLC0415

    result = api.validate_paths([Path(out)])
    problems = 0
    for e in result.errors:
        problems += 1
        why = next((w for rx, w in _VALIDATION_WHY if rx.search(e.message)), "")
        imp.items.append(Item("validation", str(e.pos) if e.pos else display_path(Path(out)),
                              e.message + (f" ({e.hint})" if e.hint else ""), why))
    for w in result.warnings:
        imp.items.append(Item("validation", str(w.pos) if w.pos else display_path(Path(out)),
                              f"warning: {w.message}", w.hint))
    imp.items.append(Item("references", shown, "parameters are not recognised: every value (periods, amounts, "
                          "dates) is text, and contract.yaml has parameters: {}",
                          "make commercially variable values parameters ({{ name }}) by hand"))
    clauses = sum(1 for p in imp.parts for _ in p.walk())
    schedules = sum(1 for p in imp.parts if p.kind == "schedule")
    refs = imp.counts["fields"] + imp.counts["links"] + imp.counts["typed"]
    counts = {"clauses": clauses, "definitions": len(defs), "schedules": schedules, "references": refs,
              "ref_fields": imp.counts["fields"], "ref_links": imp.counts["links"], "ref_typed": imp.counts["typed"],
              "unresolved": imp.counts["unresolved"], "names": len(names), "problems": problems}
    c = doc.counts
    extras = [f"{n} {what}" for n, what in ((c.images, "images"), (c.text_boxes, "text boxes"), (c.footnotes,
              "footnote references"), (c.comments, "comments")) if n]
    extras += [f"{n} {k} field{'s' if n != 1 else ''}" for k, n in sorted(c.fields.items())
               if k not in ("TOC", "PAGEREF", "HYPERLINK")]
    if extras:
        imp.items.append(Item("skipped", shown, f"not imported: {', '.join(extras)} (a field's shown text is kept)",
                              "add them by hand where they matter"))
    if c.insertions or c.deletions:
        imp.items.append(Item("structure", shown, f"the document has tracked changes ({c.insertions} insertions, "
                              f"{c.deletions} deletions); they were accepted",
                              "reject them in Word first if the import should not include them"))
    out_shown = display_path(Path(out))
    summary = [
        f"read {shown}: {doc.paragraphs} paragraphs, {sum(1 for i in doc.items if isinstance(i, Table))} tables",
        f"wrote {out_shown}/: {', '.join(files)}",
        f"{clauses} clauses in {len(imp.parts)} parts ({schedules} schedule{'s' if schedules != 1 else ''}), "
        f"{len(defs)} definitions, {len(names)} names",
        f"{refs} references: {imp.counts['fields']} from cross-reference fields, {imp.counts['links']} from links, "
        f"{imp.counts['typed']} typed in the text; {imp.counts['unresolved']} left as text",
        f"date {when.isoformat()} from {date_from}; status draft",
        "validate: " + ("no problems" if not problems else f"{problems} problem{'s' if problems != 1 else ''} "
                        "(see Validation)"),
    ]
    return ImportResult(Path(out), list(files), imp.items, summary, problems, counts)
