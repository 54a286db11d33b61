"""`contractgen extract`: a consortium's variations out of an edited Word copy of the national
contract, as a declared overlay (issue 14, item 3). The specification is docs/dev/extract.md.

    result = extract(read_docx(path), base, overlay_id="kent-fostering")
    result.yaml      # the overlay, every variation pinned, rationale TODO
    result.report    # the residue report (Markdown)
    result.contract  # the base with the extracted overlay applied (equivalent to the document)

Pure but for `run_extract`, which reads the document and the base and writes the outputs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from ..errors import SourceError, SourceErrors, UsageError
from ..model import Anchor, Clause, Contract, Overlay, Table, Variation, frozen_map
from ..numbering import Numbered, included, number_contract
from ..ops import REGISTRY
from ..text import format_value, split, type_problem
from .docxread import Change, Document, Para, is_contents_heading, norm

#: A gated clause counts as present when some paragraph is at least this similar (0-100).
GATED_MIN = 85
#: An in-place pair (between two anchors) needs this similarity, unless it is the only candidate.
GAP_MIN = 60
#: A pair across places (a moved and changed paragraph) needs this similarity.
MOVE_MIN = 85
#: An `amend` changes at most this share of a clause's text; more is a `replace`.
AMEND_SHARE = 0.5
#: Below this share of the base's paragraphs found unchanged, the report asks whether --base is right.
LOW_SHARE = 0.5
#: The most wildcards a paragraph's template may have (beyond it the template is not used).
MAX_WILDCARDS = 16
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$")
OVERLAY_ID = re.compile(r"^[a-z][a-z0-9-]*$")

# ---------------------------------------------------------------------------------------------
# The reference contract, flattened into items


@dataclass(frozen=True)
class Piece:
    """A piece of a rendered text: its source (`raw`, a placeholder or plain text) and what it shows."""

    raw: str
    shown: str
    atomic: bool  # a parameter or a cross-reference: never cut


@dataclass
class Item:
    """A paragraph (or a table) of the reference contract."""

    n: int
    key: str
    kind: str  # schedule-title | heading | text | para | definition | table
    part: str
    clause: str | None
    level: int
    text: str = ""
    rows: list[list[str]] | None = None
    term: str | None = None
    template: Template = (None, ())
    #: a sub-clause with a heading: the templates of its heading and of its text on their own
    lead_templates: tuple[Any, Any] | None = None
    cell_templates: list[list[Template]] | None = None


def _ws(text: str) -> str:
    """Collapse white space to single spaces, keeping one at either end if there was one."""
    return re.sub(r"\s+", " ", text)


#: What a reference to a clause the contract no longer has shows: nothing a document can hold,
#: so that a text change always takes the reference in.
GONE = "\x00"


def pieces(numbered: Numbered, source: str) -> list[Piece]:
    out = []
    for seg in split(source or ""):
        if seg.kind == "text":
            out.append(Piece(_ws(seg.value), _ws(seg.value), False))
        elif seg.kind == "param":
            out.append(Piece(seg.raw, numbered.segment_text("param", seg.value), True))
        else:
            out.append(Piece(seg.raw, numbered.labels.get(seg.value, GONE), True))
    return out


def number_loosely(contract: Contract) -> Numbered:
    """Return `contract` numbered as `number_contract` does, without refusing a reference to a
    clause it does not have (an intermediate contract: the text that refers is changed later)."""
    from ..numbering import NumberedPart, _number

    parts, labels, sched = [], {}, 0
    for part in contract.parts:
        if part.kind == "schedule":
            sched += 1
            index, label = sched, f"Schedule {sched}"
        else:
            index, label = 0, ""
        np = NumberedPart(part, index, label, _number(part.clauses, contract.values, [], ""))
        parts.append(np)
        labels[part.id] = label or part.title
        for node in np.walk():
            labels[node.clause.id] = node.full
    return Numbered(contract, tuple(parts), frozen_map(labels))


def shown(ps: list[Piece]) -> str:
    return norm("".join(p.shown for p in ps))


#: A text's template: the source of a regex matching what it shows with each parameter and
#: cross-reference a wildcard (group i captures parameter names[i]), or None when the text has no
#: wildcard (it matches only itself) or too many; compiled when first used (`_rx`).
Template = tuple[str | None, tuple[str, ...]]


@lru_cache(maxsize=8192)
def _rx(source: str) -> re.Pattern[str]:
    return re.compile(source, re.DOTALL)


def matches(template: Template, text: str) -> re.Match[str] | None:
    return _rx(template[0]).fullmatch(text) if template[0] else None


def _template(sources: list[tuple[str, str]]) -> Template:
    """Return the template of a text; `sources` is [(kind, text)], kind "src" (source text with
    placeholders) or "lit" (literal)."""
    regex: list[str] = []
    names: list[str] = []
    wild = 0
    for kind, text in sources:
        if kind == "lit":
            regex.append(re.escape(text))
            continue
        for seg in split(text or ""):
            if seg.kind == "text":
                regex.append(re.escape(_ws(seg.value)))
            elif seg.kind == "param":
                regex.append("(.+?)")
                names.append(seg.value)
                wild += 1
            else:
                regex.append("(?:.+?)")
                wild += 1
    if not wild or wild > MAX_WILDCARDS:
        return None, ()
    body = "".join(regex).strip()
    body = re.sub(r"(\\ )+", r"\\ ", body)
    return r"\s*" + body + r"\s*", tuple(names)


def lead(numbered: Numbered, clause: Clause) -> tuple[list[Piece], str, list[Piece]]:
    """Return a sub-clause's heading pieces, the separator after the heading, and text pieces."""
    head = pieces(numbered, clause.heading or "")
    text = pieces(numbered, clause.text or "")
    h = shown(head)
    sep = ""
    if h and clause.text:
        sep = ("" if h.endswith((".", ":", "?")) else ".") + " "
    return head, sep, text


def flatten(numbered: Numbered) -> list[Item]:
    items: list[Item] = []

    def add(**kw: Any) -> Item:
        item = Item(len(items), **kw)
        items.append(item)
        return item

    for np in numbered.parts:
        pid = np.part.id
        if np.part.kind == "schedule":
            add(key=f"part:{pid}", kind="schedule-title", part=pid, clause=None, level=0,
                text=shown(pieces(numbered, np.part.title)), template=_template([("src", np.part.title)]))
        for node in np.walk():
            c = node.clause
            if node.level == 1:
                add(key=f"{c.id}#heading", kind="heading", part=pid, clause=c.id, level=1,
                    text=shown(pieces(numbered, c.heading or "")), template=_template([("src", c.heading or "")]))
                if c.text:
                    add(key=f"{c.id}#text", kind="text", part=pid, clause=c.id, level=1,
                        text=shown(pieces(numbered, c.text)), template=_template([("src", c.text)]))
            else:
                head, sep, text = lead(numbered, c)
                add(key=c.id, kind="para", part=pid, clause=c.id, level=node.level,
                    text=norm(shown(head) + sep + shown(text)),
                    template=_template([("src", c.heading or ""), ("lit", sep), ("src", c.text or "")]),
                    lead_templates=(_template([("src", c.heading)]), _template([("src", c.text or "")]))
                    if c.heading else None)
            if c.list == "definitions":
                for t in sorted(numbered.contract.terms, key=lambda t: t.term.casefold()):
                    add(key=f"term:{t.term}", kind="definition", part=pid, clause=c.id, level=0, term=t.term,
                        text=norm(t.term + " " + shown(pieces(numbered, t.text))),
                        template=_template([("lit", t.term + " "), ("src", t.text)]))
            if c.table:
                rows = [list(c.table.columns), *[list(r) for r in c.table.rows]]
                add(key=f"{c.id}#table", kind="table", part=pid, clause=c.id, level=node.level,
                    rows=[[shown(pieces(numbered, cell)) for cell in row] for row in rows],
                    cell_templates=[[_template([("src", cell)]) for cell in row] for row in rows])
    for item in items:
        if item.kind == "table":
            item.text = table_text(item.rows or [])
    return items


def table_text(rows: list[list[str]]) -> str:
    return " | ".join(" ¦ ".join(r) for r in rows)


# ---------------------------------------------------------------------------------------------
# The document, as units


@dataclass
class Unit:
    """A paragraph of the document, or a table."""

    n: int
    kind: str  # para | table
    text: str  # what is aligned: the text, a typed number stripped (see `full`)
    full: str
    paras: list[Para]
    hint: str  # schedule | heading | list-N | definition | plain | table
    rows: list[list[str]] | None = None
    role: str = ""  # "" (content) | "front" | "block" (outside the clauses)
    block: str = ""  # the contents-heading text that opened its block

    @property
    def para(self) -> Para:
        return self.paras[0]

    @property
    def level(self) -> int | None:
        if self.hint == "heading":
            return 1
        if self.hint.startswith("list-"):
            return int(self.hint[5:])
        return None

    @property
    def where(self) -> str:
        p = self.para
        return f"paragraph {p.index + 1}" + (f" ({p.number})" if p.number else "")


_ROMAN = re.compile(r"^\((?:i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)\)$")


def _typed_level(number: str) -> str | None:
    if re.match(r"(?i)^(schedule|appendix|annexe?)\b", number):
        return "schedule"
    if re.fullmatch(r"\d+(?:\.\d+)*\.?", number):
        return "heading" if number.rstrip(".").count(".") == 0 else f"list-{number.rstrip('.').count('.') + 1}"
    if re.fullmatch(r"\([a-zA-Z]{1,2}\)", number):
        return "list-5" if _ROMAN.match(number) and number not in ("(i)", "(v)", "(x)") else "list-4"
    if _ROMAN.match(number):
        return "list-5"
    return None


def hint_of(p: Para) -> str:
    name = re.sub(r"[\s_-]", "", (p.style_name or p.style or "")).lower()
    sid = re.sub(r"[\s_-]", "", (p.style or "")).lower()
    names = (name, sid)
    if p.number.lower().startswith(("schedule", "appendix", "annex")) or any("scheduletitle" in n for n in names):
        return "schedule"
    for n in names:
        m = re.fullmatch(r"clauselevel(\d)", n)
        if m:
            return f"list-{m.group(1)}"
        if n in ("scheduleheading",):
            return "heading"
        m = re.fullmatch(r"heading(\d)", n)
        if m:
            return "heading" if m.group(1) == "1" else f"list-{m.group(1)}"
        if n == "definition":
            return "definition"
    if p.is_list:
        return "heading" if p.level <= 0 else f"list-{min(p.level + 1, 5)}"
    if p.typed:
        return _typed_level(p.number) or "plain"
    return "plain"


def units_of(doc: Document) -> tuple[list[Unit], list[Para]]:
    """Return the document's units (empty paragraphs and contents entries left out) and its
    table-of-contents paragraphs."""
    units: list[Unit] = []
    contents: list[Para] = []
    tables = {t.index: t for t in doc.tables}
    done: set[int] = set()
    for p in doc.paragraphs:
        if p.table is not None:
            if p.table in done:
                continue
            done.add(p.table)
            t = tables[p.table]
            in_table = [q for q in doc.paragraphs if q.table == p.table]
            if all(not q.text for q in in_table):
                continue
            units.append(Unit(len(units), "table", table_text(t.rows), table_text(t.rows), in_table, "table",
                              rows=[list(r) for r in t.rows]))
            continue
        if p.toc:
            contents.append(p)
            continue
        if not p.text:
            continue
        units.append(Unit(len(units), "para", p.body if p.typed else p.text, p.text, [p], hint_of(p)))
    return units, contents


# ---------------------------------------------------------------------------------------------
# Parameters: values shown in text, and values that conditions need


_WORDS = {w: i + 1 for i, w in enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))}
_MONTHS = {dt.date(2000, m, 1).strftime("%B"): m for m in range(1, 13)}


def _number(text: str) -> int | float | None:
    if text in _WORDS:
        return _WORDS[text]
    if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+|-?\d+", text):
        return int(text.replace(",", ""))
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return None


def parse_value(p: Any, text: str) -> tuple[bool, Any]:
    """Return (True, value) when `text` is how the parameter `p` shows some value, else (False, None)."""
    text = norm(text)
    t = p.type
    value: Any = None
    if t == "money":
        m = re.fullmatch(r"£(\d{1,3}(?:,\d{3})*|\d+)(\.\d{2})?", text)
        if m:
            try:
                d = Decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
            except InvalidOperation:
                d = None
            if d is not None:
                value = int(d) if d == d.to_integral_value() else float(d)
    elif t == "percent":
        m = re.fullmatch(r"(-?\d+(?:\.\d+)?)%", text)
        if m:
            value = _number(m.group(1))
    elif t in ("integer", "number"):
        if p.unit:
            m = re.fullmatch(r"(\S+) (.+)", text)
            if m:
                value = _number(m.group(1))
                if value is not None and m.group(2) in ("month", "months") and p.unit == "year":
                    value = value / 12
                    if float(value).is_integer():
                        value = int(value)
        else:
            value = _number(text)
        if t == "number" and isinstance(value, float) and value.is_integer():
            value = int(value)
    elif t == "date":
        m = re.fullmatch(r"(\d{1,2}) ([A-Z][a-z]+) (\d{4})", text)
        if m and m.group(2) in _MONTHS:
            try:
                value = dt.date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
            except ValueError:
                value = None
    elif t == "choice":
        by_label = {norm(label): key for key, label in p.labels.items()}
        value = by_label.get(text, text if text in p.choices else None)
    elif t == "boolean":
        value = {"yes": True, "no": False}.get(text)
    else:
        value = text
    if value is None or type_problem(p, value) is not None:
        return False, None
    if norm(format_value(p, value)) != text:
        return False, None
    return True, value


def condition_parameters(contract: Contract) -> list[str]:
    used: dict[str, None] = {}
    for _, c in contract.walk():
        for name, _ in c.when:
            p = contract.parameters.get(name)
            if p is not None and p.type in ("choice", "boolean"):
                used.setdefault(name)
    return list(used)


def infer_conditions(contract: Contract, values: dict[str, Any],
                     units: list[Unit]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """Return the value of each `when:` parameter that best explains which gated clauses the
    document has (docs/dev/extract.md; a tie keeps the value in `values`, else the first), and
    for each parameter the values that tie for best (the text may tell them apart)."""
    texts = [u.text for u in units if u.kind == "para"]
    if not texts:
        return {}, {}
    numbered = _number_leniently(replace(contract, values=frozen_map(values)), contract)
    present: dict[str, bool] = {}

    def is_present(clause: Clause) -> bool:
        if clause.id not in present:
            probe = _probe_text(numbered, clause)
            best = process.extractOne(probe, texts, scorer=fuzz.ratio) if probe else None
            present[clause.id] = bool(best and best[1] >= GATED_MIN)
        return present[clause.id]

    found: dict[str, Any] = {}
    ties: dict[str, list[Any]] = {}
    for _ in range(2):  # twice: a clause gated inside another gated clause
        for name in condition_parameters(contract):
            p = contract.parameters[name]
            options = list(p.choices) if p.type == "choice" else [True, False]
            current = {**values, **found}
            scores: dict[Any, int] = {}
            for option in options:
                trial = {**current, name: option}
                score = 0
                for _, c in contract.walk():
                    if not any(n == name for n, _ in c.when):
                        continue
                    on = included(c, trial)
                    score += 1 if on == is_present(c) else -1
                scores[option] = score
            best = max(scores.values())
            winners = [o for o in options if scores[o] == best]
            keep = current.get(name)
            found[name] = keep if keep in winners else winners[0]
            ties[name] = winners
    return {k: v for k, v in found.items() if v != values.get(k)}, {k: w for k, w in ties.items() if len(w) > 1}


def _probe_text(numbered: Numbered, clause: Clause) -> str:
    """The text a gated clause shows (its heading and text; references as the base numbers them)."""
    def safe(text: str) -> str:
        out = []
        for seg in split(text or ""):
            if seg.kind == "text":
                out.append(seg.value)
            elif seg.kind == "param":
                out.append(numbered.segment_text("param", seg.value))
            else:
                out.append(numbered.labels.get(seg.value, ""))
        return norm("".join(out))

    head, body = safe(clause.heading or ""), safe(clause.text or "")
    if head and body:
        return norm(head + ("" if head.endswith((".", ":", "?")) else ".") + " " + body)
    return head or body


def _number_leniently(contract: Contract, fallback: Contract) -> Numbered:
    try:
        return number_contract(contract)
    except SourceErrors:
        return number_contract(fallback)


# ---------------------------------------------------------------------------------------------
# Alignment: exact text, order, similarity


def _compatible(item: Item, unit: Unit) -> bool:
    if item.kind == "table" or unit.kind == "table":
        return item.kind == "table" and unit.kind == "table"
    h = unit.hint
    if item.kind == "schedule-title":
        return h in ("schedule", "plain", "heading")
    if item.kind == "heading":
        return h in ("heading", "plain")
    if item.kind == "text":
        return h == "plain"
    if item.kind == "definition":
        return h in ("definition", "plain")
    return h.startswith("list-") or h in ("plain", "definition")


def _lis(seq: list[int]) -> list[int]:
    """Return the positions in `seq` of a longest strictly increasing subsequence."""
    import bisect

    tails: list[int] = []
    tails_at: list[int] = []
    prev = [-1] * len(seq)
    for i, x in enumerate(seq):
        k = bisect.bisect_left(tails, x)
        if k == len(tails):
            tails.append(x)
            tails_at.append(i)
        else:
            tails[k] = x
            tails_at[k] = i
        prev[i] = tails_at[k - 1] if k else -1
    out: list[int] = []
    i = tails_at[-1] if tails_at else -1
    while i >= 0:
        out.append(i)
        i = prev[i]
    return out[::-1]


def align(items: list[Item], units: list[Unit]) -> dict[int, int]:
    """Return {item.n: unit.n} (docs/dev/extract.md: exact, order, similarity)."""
    pairs: dict[int, int] = {}
    by_text_i: dict[str, list[int]] = {}
    for it in items:
        by_text_i.setdefault(it.text, []).append(it.n)
    taken: set[int] = set()
    # 1. exact text: the full text first, then without a typed number
    for attr in ("full", "text"):
        by_text_u: dict[str, list[int]] = {}
        for u in units:
            if u.n in taken or u.role:
                continue
            by_text_u.setdefault(getattr(u, attr), []).append(u.n)
        for text, ins in by_text_i.items():
            ins = [i for i in ins if i not in pairs]
            uns = by_text_u.get(text, [])
            if text and ins and len(ins) == len(uns):
                for i, un in zip(ins, uns):
                    pairs[i] = un
                    taken.add(un)
                    if attr == "full":
                        units[un].text = units[un].full
    # 1b. exact but for parameter values and reference numbers (the template of the text)
    _template_pairs(items, units, pairs, taken)
    # 2. order: the longest run in both orders are the anchors
    exact = sorted(pairs.items())
    anchors = [exact[k] for k in _lis([u for _, u in exact])]
    mark_blocks(units, set(pairs.values()))
    # 3a. in place: each gap between anchors, in order
    bounds = [(-1, -1), *anchors, (len(items), len(units))]
    for (i0, u0), (i1, u1) in itertools.pairwise(bounds):
        gap_i = [it for it in items[i0 + 1:i1] if it.n not in pairs]
        gap_u = [u for u in units[u0 + 1:u1] if u.n not in taken and not u.role]
        if gap_i and gap_u:
            for i, un in _gap_pairs(gap_i, gap_u):
                pairs[i] = un
                taken.add(un)
    # 3b. moved and changed: the rest, globally
    rest_i = [it for it in items if it.n not in pairs]
    rest_u = [u for u in units if u.n not in taken and not u.role]
    if rest_i and rest_u:
        import numpy as np
        from scipy.optimize import linear_sum_assignment

        scores = process.cdist([it.text for it in rest_i], [u.text for u in rest_u], scorer=fuzz.ratio,
                               dtype=np.float32)
        for a, it in enumerate(rest_i):
            for b, u in enumerate(rest_u):
                if not _compatible(it, u):
                    scores[a, b] = 0
        rows, cols = linear_sum_assignment(-scores)
        for a, b in zip(rows, cols):
            if scores[a, b] >= MOVE_MIN:
                pairs[rest_i[a].n] = rest_u[b].n
                taken.add(rest_u[b].n)
    return pairs


def _literal_ends(item: Item) -> tuple[str, str]:
    """The literal text a template starts and ends with (a cheap filter before the regex)."""
    pattern = item.template[0]
    if pattern is None:
        return "", ""
    body = pattern[3:-3]  # without the leading and trailing \s*
    head = re.split(r"\((?:\?:)?\.\+\?\)", body)
    unesc = [re.sub(r"\\(.)", r"\1", h) for h in head]
    return (unesc[0], unesc[-1]) if len(unesc) > 1 else ("", "")


def _template_pairs(items: list[Item], units: list[Unit], pairs: dict[int, int], taken: set[int]) -> None:
    """Pair the items whose template (parameters and references as wildcards) matches exactly one
    unpaired unit, and that unit no other item's template."""
    open_units = [u for u in units if u.n not in taken and not u.role and u.kind == "para"]
    found: dict[int, list[int]] = {}
    claimed: Counter[int] = Counter()
    for it in items:
        if it.n in pairs or it.kind == "table" or it.template[0] is None:
            continue
        head, tail = _literal_ends(it)
        if not head and not tail:
            continue
        hits = [u.n for u in open_units if u.text.startswith(head.strip()) and u.text.endswith(tail.strip())
                and matches(it.template, u.text)]
        if hits:
            found[it.n] = hits
            claimed.update(hits)
    for i, hits in found.items():
        if len(hits) == 1 and claimed[hits[0]] == 1:
            pairs[i] = hits[0]
            taken.add(hits[0])


def _gap_pairs(gap_i: list[Item], gap_u: list[Unit]) -> list[tuple[int, int]]:
    """Align a gap in order (dynamic programming over similarity)."""
    import numpy as np

    scores = process.cdist([it.text for it in gap_i], [u.text for u in gap_u], scorer=fuzz.ratio,
                           dtype=np.float32)
    n, m = len(gap_i), len(gap_u)
    ok = np.zeros((n, m), dtype=bool)
    for a, it in enumerate(gap_i):
        for b, u in enumerate(gap_u):
            ok[a, b] = _compatible(it, u)
    sole = {}
    for kind in {it.kind for it in gap_i}:
        ia = [a for a, it in enumerate(gap_i) if it.kind == kind]
        ub = [b for b in range(m) if ok[ia[0], b]] if len(ia) == 1 else []
        if len(ia) == 1 and len(ub) == 1 and all(not ok[a, ub[0]] for a in range(n) if a != ia[0]):
            sole[ia[0]] = ub[0]
    gain = np.where(ok & (scores >= GAP_MIN), scores, -1.0)
    for a, b in sole.items():
        gain[a, b] = max(gain[a, b], 1.0)
    # the same place at the same level: a clause rewritten whole stays that clause (its number,
    # its sub-clauses and what refers to it), however little of its text is left
    for a, it in enumerate(gap_i):
        for b, u in enumerate(gap_u):
            if ok[a, b] and u.level is not None and u.level == it.level and it.kind in ("heading", "para"):
                gain[a, b] = max(gain[a, b], 1.0 + scores[a, b] / 1000)
    best = np.zeros((n + 1, m + 1), dtype=np.float64)
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            take = gain[a, b] + best[a + 1, b + 1] if gain[a, b] > 0 else -1.0
            best[a, b] = max(best[a + 1, b], best[a, b + 1], take)
    out = []
    a = b = 0
    while a < n and b < m:
        if gain[a, b] > 0 and best[a, b] == gain[a, b] + best[a + 1, b + 1]:
            out.append((gap_i[a].n, gap_u[b].n))
            a += 1
            b += 1
        elif best[a, b] == best[a + 1, b]:
            a += 1
        else:
            b += 1
    return out


def mark_blocks(units: list[Unit], matched: set[int]) -> None:
    """Mark each block a contents-heading paragraph opens (the parties, the execution page): it
    runs until a paired paragraph or one that looks like a clause."""
    block = ""
    for u in units:
        if u.n in matched:
            block = ""
            continue
        if u.kind == "para" and is_contents_heading(u.para.style, u.para.style_name):
            block = u.text
            u.role, u.block = "block", block
            continue
        if block and u.hint in ("table", "plain"):
            u.role, u.block = "block", block
        else:
            block = ""


# ---------------------------------------------------------------------------------------------
# The document's tree of clauses


@dataclass
class Node:
    """A clause as the document has it: a base clause (paired) or a new one."""

    id: str
    level: int
    part: str
    base: bool
    heading_unit: Unit | None = None  # level 1
    text_unit: Unit | None = None  # level 1: its text paragraph; levels 2+: the paragraph
    table_unit: Unit | None = None
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    new_heading: str | None = None  # a new clause's heading and text (literal, as shown)
    new_text: str | None = None
    inserted: bool = False  # carried inside its parent's insert

    def walk(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            yield from c.walk()

    @property
    def units(self) -> list[Unit]:
        return [u for u in (self.heading_unit, self.text_unit, self.table_unit) if u is not None]


@dataclass
class Extraction:
    overlay: Overlay
    yaml: str
    report: str
    contract: Contract | None  # base + the extracted overlay (None when it does not apply)
    variations: list[Variation]
    residue: list[str]  # "Not expressed" and "Differences after rebuilding", one line each
    outside: list[str]
    problems: list[SourceError]
    notes: list[str]


def split_lead(text: str, bold: str) -> tuple[str | None, str]:
    """Return (heading, text) of a sub-clause paragraph from its bold lead-in."""
    if not bold or not text.startswith(bold):
        return None, text
    rest = text[len(bold):].strip()
    head = bold
    if rest and head.endswith(".") and not head[:-1].rstrip().endswith((".", ":", "?")) and head[:-1].strip():
        head = head[:-1].rstrip()
    return head, rest


_QUOTES = "\"'\u201c\u201d\u2018\u2019"
_DEF = re.compile(r"^(?P<term>[A-Z0-9][^\s].*?) (?P<text>(?:means|has the meaning|includes|is|are) .*)$")


def split_definition(unit: Unit, terms: Iterable[str]) -> tuple[str, str] | None:
    """Return (term, text) of a paragraph in the definitions list, or None."""
    text = unit.text
    bold = unit.para.bold if unit.kind == "para" else ""
    if bold and text.startswith(bold) and text[len(bold):].startswith(" "):
        return bold.strip(_QUOTES) or bold, text[len(bold):].strip()
    m = re.match(f"^[{_QUOTES}]([^{_QUOTES}]+)[{_QUOTES}] (.*)$", text)
    if m:
        return m.group(1), m.group(2)
    for t in sorted(terms, key=len, reverse=True):
        if text.startswith(t + " "):
            return t, text[len(t) + 1:]
    m = _DEF.match(text)
    if m and len(m.group("term")) <= 60:
        return m.group("term"), m.group("text")
    return None


def slug(text: str, words: int = 4) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    stop = {"the", "a", "an", "of", "and", "or", "to", "in", "for", "on", "by", "with", "shall", "is", "be"}
    found = [w for w in re.findall(r"[a-z0-9]+", ascii_text.lower()) if w not in stop]
    s = "-".join(found[:words])
    if not s or not s[0].isalpha():
        s = "new-" + s if s else "new"
    return s


# ---------------------------------------------------------------------------------------------
# Text changes: a source text, what it shows, and what the document shows


@dataclass
class TextChange:
    new_source: str  # the whole new source text
    find: str | None  # an amend's find (None when only a replace will do)
    repl: str | None


def _map(ps: list[Piece]) -> tuple[str, list[tuple[int, int, int, int, bool]]]:
    """Return the source text and, per piece, (shown start, shown end, source start, source end, atomic)."""
    spans = []
    src = r = 0
    for p in ps:
        spans.append((r, r + len(p.shown), src, src + len(p.raw), p.atomic))
        r += len(p.shown)
        src += len(p.raw)
    return "".join(p.raw for p in ps), spans


def _to_source(spans: list[tuple[int, int, int, int, bool]], pos: int, side: str) -> int:
    for r0, r1, s0, s1, atomic in spans:
        if r0 <= pos < r1 or (pos == r1 and side == "end" and r0 < r1):
            if atomic:
                return s0 if side == "start" else s1
            return s0 + (pos - r0)
    return spans[-1][3] if spans else 0


def _widen(shown_text: str, spans: list[tuple[int, int, int, int, bool]], start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) of the shown text to whole words and whole placeholders."""
    while start > 0 and not shown_text[start - 1].isspace():
        start -= 1
    while end < len(shown_text) and not shown_text[end].isspace():
        end += 1
    changed = True
    while changed:
        changed = False
        for r0, r1, _, _, atomic in spans:
            if atomic and r0 < end and start < r1 and (r0 < start or r1 > end):
                start, end = min(start, r0), max(end, r1)
                changed = True
        while start > 0 and not shown_text[start - 1].isspace():
            start -= 1
            changed = True
        while end < len(shown_text) and not shown_text[end].isspace():
            end += 1
            changed = True
    return start, end


def text_change(source: str, ps: list[Piece], doc: str, convert: Any) -> TextChange | None:
    """Return how `source` (which shows `ps`) becomes the document's `doc`, or None if it does not change."""
    joined = "".join(p.shown for p in ps)
    if norm(joined) == doc:
        return None
    if joined != norm(joined):  # white space the pieces cannot map: the whole text is new
        return TextChange(convert(doc), None, None)
    src, spans = _map(ps)
    n, m = len(joined), len(doc)
    p = 0
    while p < min(n, m) and joined[p] == doc[p]:
        p += 1
    s = 0
    while s < min(n, m) - p and joined[n - 1 - s] == doc[m - 1 - s]:
        s += 1
    start, end = _widen(joined, spans, p, n - s)
    d0, d1 = start, m - (n - end)
    s0, s1 = _to_source(spans, start, "start"), _to_source(spans, end, "end") if end > start else _to_source(spans, start, "start")
    repl = convert(doc[d0:d1])
    new_source = src[:s0] + repl + src[s1:]
    find = None
    if source == src:  # the text as written maps one to one
        share = (end - start) / max(1, n)
        while share <= AMEND_SHARE:
            f = src[s0:s1]
            if f.strip() and source.count(f) == 1:
                find = f
                break
            # widen by a word on each side until the text to find occurs once
            ns, ne = start, end
            if ns > 0:
                ns = _widen(joined, spans, max(0, ns - 2), ne)[0]
            if ne < n:
                ne = _widen(joined, spans, ns, min(n, ne + 2))[1]
            if (ns, ne) == (start, end):
                break
            start, end = ns, ne
            d0, d1 = start, m - (n - end)
            s0, s1 = _to_source(spans, start, "start"), _to_source(spans, end, "end")
            repl = convert(doc[d0:d1])
            share = (end - start) / max(1, n)
        if find is not None:
            return TextChange(new_source, find, repl)
    return TextChange(new_source, None, None)


# ---------------------------------------------------------------------------------------------
# Cross-references written back as [[ id ]]

_REF = re.compile(r"\b(?P<word>clauses?|paragraphs?)\s+(?P<num>\d+(?:\.\d+)*(?:\([a-z]+\))*)"
                  r"(?:\s+of\s+(?P<sched>Schedule\s+\d+))?|\b(?P<alone>Schedule\s+\d+)")


class RefWriter:
    """Turns "clause 14.2", "paragraph 3.2 of Schedule 1" and "Schedule 4" back into [[ id ]]
    where the number names exactly one clause of the extracted contract."""

    def __init__(self, numbered: Numbered) -> None:
        self.by_part: dict[str, dict[str, list[str]]] = {}
        self.schedules: dict[str, str] = {}
        self.terms_part = numbered.parts[0].part.id if numbered.parts else ""
        for np in numbered.parts:
            if np.label:
                self.schedules[np.label] = np.part.id
            for node in np.walk():
                self.by_part.setdefault(np.part.id, {}).setdefault(node.full, []).append(node.clause.id)

    def convert(self, text: str, part: str) -> str:
        def one(m: re.Match[str]) -> str:
            if m.group("alone"):
                pid = self.schedules.get(" ".join(m.group("alone").split()))
                return f"[[{pid}]]" if pid else m.group(0)
            word, num = m.group("word"), m.group("num")
            if word.endswith("s"):
                return m.group(0)  # "clauses 4.1 and 4.2": the numbers stay as they are
            if m.group("sched"):
                pid = self.schedules.get(" ".join(m.group("sched").split()))
                ids = self.by_part.get(pid or "", {}).get(num, [])
                if len(ids) == 1 and pid:
                    return f"{word} [[{ids[0]}]] of [[{pid}]]"
                return m.group(0)
            where = self.terms_part if word.startswith("clause") else part
            ids = self.by_part.get(where, {}).get(num, [])
            return f"{word} [[{ids[0]}]]" if len(ids) == 1 else m.group(0)

        return _REF.sub(one, text)


# ---------------------------------------------------------------------------------------------
# Extracting


CATEGORY_WORDS = (
    ("commercial", r"fee|price|pay|invoice|uplift|retainer|discount|cover|cost|rate|sibling|money|charge|volume"),
    ("monitoring", r"kpi|monitor|return|outcome|report|minutes|accounts|review|record|visit"),
    ("procedure", r"arrangement|call.?off|referral|tier|dps|admission|list|framework|block|reopen|procur"),
)


def category_of(kind: str, target: str, part: str = "", source: str | None = None) -> str:
    """A guess at a variation's category (the file's header says so)."""
    if source:
        from ..overlay import CATEGORY_OF_PARTICULAR

        key = source.split(".")[1] if "." in source else source
        if key in CATEGORY_OF_PARTICULAR:
            return CATEGORY_OF_PARTICULAR[key]
    if kind == "clause" and "specification" in part:
        return "specification"
    if kind == "clause" and ("monitoring" in part or "outcome" in part):
        return "monitoring"
    if kind == "term":
        return "terms"
    for category, words in CATEGORY_WORDS:
        if re.search(words, target.split(".")[0] if kind == "clause" else target):
            return category
    return "terms"


@dataclass
class Var:
    """A variation being made, with where it came from."""

    v: Variation
    units: list[Unit] = field(default_factory=list)
    deleted_text: str = ""  # for a delete or an undefine: the text it removes
    order: tuple[int, int] = (0, 0)


class Extractor:
    def __init__(self, doc: Document, base: Contract, overlay_id: str, name: str | None,
                 arrangement: str | None, today: dt.date | None, source_name: str, out_name: str,
                 schema_path: str) -> None:
        self.doc, self.base, self.overlay_id = doc, base, overlay_id
        self.source_name, self.out_name, self.schema_path = source_name, out_name, schema_path
        self.given_name, self.given_arrangement = name, arrangement
        self.today = today or dt.date.today()
        self.notes: list[str] = []
        self.header_notes: list[str] = []
        self.residue: list[str] = []
        self.outside: list[str] = []
        self.alarm = ""  # the document hardly looks like the base
        self.outside_units: list[Unit] = []
        self.vars: list[Var] = []
        self.terms_part = base.parts[0].id if base.parts else "terms"

    # --- the overlay's header ------------------------------------------------------------------
    def header(self, found_arrangement: str | None) -> dict[str, Any]:
        d = self.doc
        if d.modified and 1980 <= d.modified.year <= 2107:
            effective = d.modified
            self.header_notes.append(f"`effective: {effective.isoformat()}` is the document's modified date "
                                     "(its core properties)")
        else:
            effective = self.today
            why = "records no modified date" if d.modified is None else \
                f"records a modified date ({d.modified.isoformat()}) a .docx cannot hold"
            self.header_notes.append(f"`effective: {effective.isoformat()}` is today's date: the document {why}; "
                                     "put the date the varied contract takes effect")
        subject = d.subject if d.subject and d.subject != "National base contract" else None
        if self.given_name:
            name, where = self.given_name, "--name"
        elif subject:
            name, where = subject, "the document's subject (core properties)"
        elif d.title:
            name, where = d.title, "the document's title (core properties)"
        else:
            name, where = self.overlay_id, "the output file's name"
        self.header_notes.append(f"`consortium.name` is from {where}")
        if self.given_arrangement:
            arrangement, where = self.given_arrangement, "--arrangement"
        elif found_arrangement:
            arrangement, where = found_arrangement, "the arrangement the document's clauses show"
        else:
            arrangement, where = "framework", "the default (the document does not show one)"
        self.header_notes.append(f"`consortium.arrangement: {arrangement}` is from {where}")
        head: dict[str, Any] = {"id": self.overlay_id, "base": self.base.base_ref, "effective": effective}
        if d.title and d.title != self.base.title:
            head["title"] = d.title
        head["consortium"] = {"name": name, "arrangement": arrangement}
        return head

    # --- the whole run -------------------------------------------------------------------------
    def run(self) -> Extraction:

        base = self.base
        units, contents = units_of(self.doc)
        self.units = units
        if contents:
            self.outside.append(f"the contents: {len(contents)} entries")
        typed = [u for u in units if u.kind == "para" and u.para.typed]
        # the particulars, then the values the conditions need
        has_arrangement = "arrangement" in base.parameters and \
            base.parameters["arrangement"].source == "consortium.arrangement"
        probe_head = {"name": "x", "arrangement": self.given_arrangement or base.values.get("arrangement", "framework")}
        wanted, ties = infer_conditions(base, self._with_particulars(probe_head), units)
        for attempt in range(3):  # again when the text shows which of tied condition values it is
            head, values, conditions, r0, numbered0 = self._reference(wanted, has_arrangement, probe_head)
            for u in units:
                u.role, u.block = "", ""
                if u.kind == "para":
                    u.text = u.para.body if u.para.typed else u.para.text
            items = flatten(numbered0)
            pairs = align(items, units)
            shown_values = self._votes(items, units, pairs, r0, set())
            broken = {name: value for name, value in shown_values.items()
                      if name in ties and value in ties[name] and value != values.get(name)}
            if not broken or attempt == 2:
                break
            wanted = {**wanted, **broken}
        self.head = head
        share = sum(items[i].text == units[u].text for i, u in pairs.items()) / max(1, len(items))
        if share < LOW_SHARE:
            self.alarm = (
                f"only {share:.0%} of the paragraphs of {base.base_ref} are in the document unchanged: is it a "
                f"copy of that contract? (check --base; the variations below rewrite most of it)")
        self.r0, self.numbered0 = r0, numbered0
        self.items = items
        self.pairs = pairs
        unit_item = {u: i for i, u in pairs.items()}
        self.unit_item = unit_item
        first = min(unit_item, default=len(units))
        for u in units[:first]:
            if not u.role:
                u.role = "front"
        self._outside(units)
        typed = [u for u in typed if not u.role and u.text != u.full]
        if typed:
            self.notes.append(f"typed numbers stripped before aligning: {len(typed)} paragraph"
                              f"{'s' if len(typed) != 1 else ''} ("
                              + ", ".join(f"«{u.para.number}» at paragraph {u.para.index + 1}" for u in typed[:8])
                              + (", …" if len(typed) > 8 else "") + ")")
        for w in self.doc.warnings:
            self.notes.append(f"numbering: {w}")
        # values shown in the text
        sets = self._votes(items, units, pairs, r0, set(condition_parameters(base)))
        for name, value in {**conditions, **sets}.items():
            p = base.parameters[name]
            self._add(Variation(id="", op="set", target=name, rationale="TODO",
                                category=category_of("parameter", name, source=p.source), value=value),
                      order=(0, list(base.parameters).index(name)))
        values1 = {**values, **sets}
        # the structure
        roots, nodes, new_defs = self._tree(items, units, pairs, r0)
        self.nodes = nodes
        structure, moved = self._structure(roots, nodes, r0, items, units, pairs)
        r1 = replace(r0, values=frozen_map(values1))
        r1 = self._apply_structure(r1, structure)
        numbered1 = number_loosely(r1)
        refs = RefWriter(numbered1)
        self.refs = refs
        structure = self._convert_inserts(structure, refs)
        r1 = self._apply_structure(replace(r0, values=frozen_map(values1)), structure, quiet=True)
        numbered1 = number_loosely(r1)
        for var in structure:
            self.vars.append(var)
        # text changes of the clauses in place, and the definitions
        self._texts(numbered1, nodes, moved)
        self._definitions(numbered1, items, units, pairs, new_defs)
        return self._finish(values1)

    def _reference(self, conditions: dict[str, Any], has_arrangement: bool,
                   probe_head: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], Contract,
                                                         Numbered]:
        """Return the header, the reference's values, the condition values it sets, R0 and R0 numbered."""
        probe = self._with_particulars(probe_head)
        found = conditions.get("arrangement", probe.get("arrangement")) if has_arrangement else None
        self.header_notes = []
        head = self.header(found if isinstance(found, str) else None)
        values = self._with_particulars(head["consortium"])
        conditions = {k: v for k, v in conditions.items() if v != values.get(k)}
        values.update(conditions)
        r0 = replace(self.base, values=frozen_map(values))
        try:
            return head, values, conditions, r0, number_contract(r0)
        except SourceErrors as exc:
            self.notes.append("the conditions the document shows leave a reference without its clause "
                              f"({exc.errors[0].message}); it is compared with the base's own conditions")
            values = self._with_particulars(head["consortium"])
            r0 = replace(self.base, values=frozen_map(values))
            return head, values, {}, r0, number_contract(r0)

    def _with_particulars(self, consortium: Mapping[str, Any]) -> dict[str, Any]:
        from ..overlay import derived_variations

        values = dict(self.base.values)
        for v in derived_variations(self.base, _header_overlay({"consortium": consortium}, ())):
            values[v.target] = v.value
        return values

    def _outside(self, units: list[Unit]) -> None:
        front = [u for u in units if u.role == "front"]
        self.outside_units = [u for u in units if u.role in ("front", "block")]
        if front:
            self.outside.append(f"the front matter before the first clause: {len(front)} paragraph"
                                f"{'s' if len(front) != 1 else ''} ({_firsts(front)})")
        blocks: dict[str, list[Unit]] = {}
        for u in units:
            if u.role == "block":
                blocks.setdefault(u.block, []).append(u)
        for name, us in blocks.items():
            paras = sum(u.kind == "para" for u in us[1:])
            tables = sum(u.kind == "table" for u in us[1:])
            what = [f"{paras} paragraph{'s' if paras != 1 else ''}"] if paras else []
            what += [f"{tables} table{'s' if tables != 1 else ''}"] if tables else []
            self.outside.append(f"the block headed «{name}»: {' and '.join(what)} ({_firsts(us[1:])})" if what
                                else f"the heading «{name}», on its own")

    # --- values -------------------------------------------------------------------------------
    def _votes(self, items: list[Item], units: list[Unit], pairs: dict[int, int], r0: Contract,
               skip: set[str]) -> dict[str, Any]:
        votes: dict[str, Counter[Any]] = {}

        def vote(template: Template, text: str) -> bool:
            names = template[1]
            m = matches(template, text) if names else None
            if not m:
                return False
            for i, name in enumerate(names):
                if name in skip or name not in r0.parameters:
                    continue
                ok, value = parse_value(r0.parameters[name], m.group(i + 1))
                if ok:
                    votes.setdefault(name, Counter())[(type(value).__name__, value)] += 1
            return True

        for i, u in sorted(pairs.items(), key=lambda kv: kv[1]):
            item, unit = items[i], units[u]
            if item.kind == "table":
                rows, cells = unit.rows or [], item.cell_templates or []
                if len(rows) == len(cells) and all(len(a) == len(b) for a, b in zip(rows, cells)):
                    for row, trow in zip(rows, cells):
                        for text, t in zip(row, trow):
                            vote(t, text)
            elif not vote(item.template, unit.text) and item.lead_templates and unit.kind == "para":
                head, text = split_lead(unit.text, unit.para.bold)  # a heading changed too
                if head is not None:
                    vote(item.lead_templates[0], head)
                    vote(item.lead_templates[1], text)
        out: dict[str, Any] = {}
        for name in r0.parameters:
            if name not in votes:
                continue
            current = (type(r0.values[name]).__name__, r0.values[name])
            (top, count), = votes[name].most_common(1)
            if top != current and count > votes[name].get(current, 0):
                out[name] = top[1]
        return out

    # --- the document's tree --------------------------------------------------------------------
    def _tree(self, items: list[Item], units: list[Unit], pairs: dict[int, int],
              r0: Contract) -> tuple[dict[str, Node], dict[str, Node], list[Unit]]:
        unit_item = {u: items[i] for i, u in pairs.items()}
        roots = {p.id: Node(p.id, 0, p.id, True) for p in r0.parts}
        nodes: dict[str, Node] = {}
        new_defs: list[Unit] = []
        terms = [t.term for t in r0.terms]
        clause_of = r0.clause_index()
        part = r0.parts[0].id
        stack: list[Node] = []
        last: Node | None = None
        last_unit_was_l1_heading = False
        in_defs = False
        fresh = 0

        def attach(node: Node, level: int) -> None:
            nonlocal stack
            while stack and stack[-1].level >= level:
                stack.pop()
            parent = stack[-1] if stack else roots[part]
            node.parent = parent
            node.level = parent.level + 1
            node.part = part
            parent.children.append(node)
            stack.append(node)

        for u in units:
            if u.role:
                continue
            item = unit_item.get(u.n)
            was_heading = last_unit_was_l1_heading
            last_unit_was_l1_heading = False
            if item is not None:
                if item.kind == "schedule-title":
                    part, stack, last, in_defs = item.part, [], None, False
                    if u.text != item.text:
                        self.residue.append(f"{u.where}: the title of a schedule reads «{_clip(u.text)}», not "
                                            f"«{item.text}» (an overlay varies clauses, not a schedule's title)")
                    continue
                if item.kind == "definition":
                    in_defs = True
                    continue
                if item.kind == "table":
                    owner = nodes.get(item.clause or "")
                    if owner is None:
                        self.residue.append(f"{u.where}: a table of clause '{item.clause}', whose own paragraph "
                                            f"the document does not have: «{_clip(u.text)}»")
                    elif owner.table_unit is None:
                        owner.table_unit = u
                    continue
                cid = item.clause or ""
                node = nodes.get(cid)
                if item.kind == "text":
                    if node is None:
                        self.residue.append(f"{u.where}: the text of clause '{cid}' without its heading: "
                                            f"«{_clip(u.text)}»")
                        continue
                    node.text_unit = u
                    in_defs = clause_of[cid].list == "definitions"
                    continue
                if node is not None:  # a second paragraph paired with one clause cannot happen
                    continue
                node = Node(cid, 0, part, True)
                nodes[cid] = node
                if item.kind == "heading":
                    node.heading_unit = u
                    attach(node, 1)
                    last_unit_was_l1_heading = True
                    in_defs = clause_of[cid].list == "definitions" and not clause_of[cid].text
                else:
                    node.text_unit = u
                    attach(node, u.level or item.level)
                    in_defs = False
                last = node
                continue
            # a unit paired with nothing
            if in_defs and u.kind == "para" and split_definition(u, terms):
                new_defs.append(u)
                continue
            in_defs = False
            if u.hint == "schedule":
                self.residue.append(f"{u.where}: a schedule title the base does not have (an overlay varies "
                                    f"clauses, not schedules): «{_clip(u.text)}»")
                continue
            if u.kind == "table":
                if last is not None and last.table_unit is None:
                    last.table_unit = u
                else:
                    self.residue.append(f"{u.where}: a table that belongs to no clause: «{_clip(u.text)}»")
                continue
            fresh += 1
            if u.hint == "heading":
                node = Node(f"\0new{fresh}", 0, part, False, heading_unit=u, new_heading=u.text)
                nodes[node.id] = node
                attach(node, 1)
                last_unit_was_l1_heading = True
                last = node
                continue
            if last is not None and last.level == 1 and was_heading and last.text_unit is None and \
                    u.hint in ("plain", "definition") and \
                    (not last.base or not clause_of[last.id].children or clause_of[last.id].text):
                last.text_unit = u  # the text of the level-1 clause just before
                if not last.base:
                    last.new_text = u.text
                continue
            level = u.level or (last.level if last is not None and last.level > 1 else 2 if last is not None else 1)
            node = Node(f"\0new{fresh}", 0, part, False, text_unit=u)
            head, text = split_lead(u.text, u.para.bold)
            node.new_heading, node.new_text = head, (text or None) if head else u.text
            nodes[node.id] = node
            attach(node, level)
            last = node
        return roots, nodes, new_defs

    # --- moves, inserts and deletes ---------------------------------------------------------------
    def _structure(self, roots: dict[str, Node], nodes: dict[str, Node], r0: Contract, items: list[Item],
                   units: list[Unit], pairs: dict[int, int]) -> tuple[list[Var], set[str]]:
        base_parent: dict[str, str] = {}
        base_kids: dict[str, list[str]] = {}
        numbered = self.numbered0
        for np in numbered.parts:
            base_kids[np.part.id] = [n.clause.id for n in np.nodes]
            for nn in np.walk():
                base_kids[nn.clause.id] = [c.clause.id for c in nn.children]
                for c in nn.children:
                    base_parent[c.clause.id] = nn.clause.id
            for n in np.nodes:
                base_parent[n.clause.id] = np.part.id
        changed = self._changed_estimate(items, units, pairs)

        def in_place() -> set[str]:
            stable: set[str] = set()
            for parent in [*roots.values(), *[n for n in nodes.values()]]:
                kids = [k.id for k in parent.children if k.base and base_parent.get(k.id) == parent.id]
                if not kids:
                    continue
                order = [k for k in base_kids.get(parent.id, []) if k in set(kids)]
                stable.update(_weighted_lcs(order, kids, {k: 1 + 100 * (k in changed) for k in kids}))
            return stable

        stable = in_place()
        # One overlay may not both move and change a clause: one that must, and that nothing
        # refers to, becomes a new clause (an insert) and the old one is deleted.
        refs = _referenced(r0)
        recast = [n for n in nodes.values() if n.base and n.id not in stable and n.id in changed and n.id not in refs]
        for node in recast:
            del nodes[node.id]
            node.id = f"\0recast-{node.id}"
            nodes[node.id] = node
            node.base = False
            if node.heading_unit is not None:
                node.new_heading = node.heading_unit.text
                node.new_text = node.text_unit.text if node.text_unit is not None else None
            elif node.text_unit is not None:
                u = node.text_unit
                head, text = split_lead(u.text, u.para.bold)
                node.new_heading, node.new_text = head, (text or None) if head else u.text
        if recast:
            stable = in_place()
        self._name_new(roots, nodes, r0)
        out: list[Var] = []
        moved: set[str] = set()
        seq = 0

        def anchor(siblings: list[Node], k: int, parent: Node) -> Anchor:
            if k > 0:
                return Anchor("after", siblings[k - 1].id)
            nxt = next((s for s in siblings[k + 1:] if s.base and s.id in stable), None)
            if nxt is not None:
                return Anchor("before", nxt.id)
            return Anchor("into", parent.id)

        def visit(parent: Node) -> None:
            nonlocal seq
            siblings = parent.children
            for k, node in enumerate(siblings):
                if node.inserted:
                    continue  # carried inside the insert of its parent
                if not node.base:
                    clause, nested = self._new_clause(node)
                    seq += 1
                    out.append(Var(Variation(id="", op="insert", target=clause.id, rationale="TODO",
                                             category=category_of("clause", clause.id, node.part),
                                             anchor=anchor(siblings, k, parent), clause=clause),
                                   units=[u for n in nested for u in n.units], order=(1, seq)))
                    for n in nested[1:]:
                        n.inserted = True
                elif node.id not in stable:
                    seq += 1
                    moved.add(node.id)
                    out.append(Var(Variation(id="", op="move", target=node.id, rationale="TODO",
                                             category=category_of("clause", node.id, node.part),
                                             anchor=anchor(siblings, k, parent)),
                                   units=node.units, order=(1, seq)))
                visit(node)

        for root in roots.values():
            visit(root)
        # deletes: the topmost base clauses the document does not have
        for np in numbered.parts:
            for nn in np.walk():
                cid = nn.clause.id
                parent = base_parent.get(cid, "")
                if cid in nodes or (parent not in nodes and parent not in roots):
                    continue  # present, or inside a clause deleted whole
                seq += 1
                text = " ".join(it.text for it in items if it.clause == cid)
                out.append(Var(Variation(id="", op="delete", target=cid, rationale="TODO",
                                         category=category_of("clause", cid, np.part.id)),
                               deleted_text=text, order=(2, seq)))
        return out, moved

    def _changed_estimate(self, items: list[Item], units: list[Unit], pairs: dict[int, int]) -> set[str]:
        """The clauses whose text (references and parameters aside) the document changes."""
        out: set[str] = set()
        for i, u in pairs.items():
            it, un = items[i], units[u]
            if it.clause is None or it.kind == "definition":
                continue
            if it.kind == "table":
                if (un.rows or []) != (it.rows or []):
                    out.add(it.clause)
                continue
            if it.text != un.text and not matches(it.template, un.text):
                out.add(it.clause)
        return out

    def _name_new(self, roots: dict[str, Node], nodes: dict[str, Node], r0: Contract) -> None:
        used = {c.id for _, c in r0.walk()} | {p.id for p in r0.parts}
        tops: dict[str, str] = {}
        for p in r0.parts:
            firsts = {c.id.split(".")[0] for c in p.clauses if "." in c.id}
            if len(firsts) == 1 and all("." in c.id for c in p.clauses):
                tops[p.id] = firsts.pop()
        for root in roots.values():
            for node in root.walk():
                if node.base or node is root:
                    continue
                words = slug(node.new_heading or node.new_text or "new clause")
                parent = node.parent
                prefix = parent.id if parent is not None and parent is not roots.get(parent.id) else tops.get(root.id, "")
                ident = f"{prefix}.{words}" if prefix else words
                if not ID_PATTERN.match(ident):
                    ident = f"{prefix}.new" if prefix else "new"
                candidate, k = ident, 1
                while candidate in used:
                    k += 1
                    candidate = f"{ident}-{k}"
                used.add(candidate)
                old = node.id
                node.id = candidate
                nodes[candidate] = nodes.pop(old)

    def _new_clause(self, node: Node) -> tuple[Clause, list[Node]]:
        """Return the clause an insert adds for `node`, with the new children it can carry."""
        nested = [node]
        kids: list[Clause] = []
        for c in node.children:
            if c.base or any(d.base for d in c.walk()):
                break
            clause, inner = self._new_clause(c)
            kids.append(clause)
            nested.extend(inner)
        table = None
        if node.table_unit is not None:
            rows = node.table_unit.rows or []
            if rows and all(len(r) == len(rows[0]) for r in rows):
                table = Table(tuple(rows[0]), tuple(tuple(r) for r in rows[1:]))
            else:
                self.residue.append(f"{node.table_unit.where}: a table whose rows have unequal numbers of cells "
                                    f"(an overlay's table needs one cell per column): «{_clip(node.table_unit.text)}»")
        heading = node.new_heading or None
        text = node.new_text or None
        if heading is None and text is None:
            text = "(empty)"
        return Clause(id=node.id, heading=heading, text=text, children=tuple(kids), table=table), nested

    def _apply_structure(self, contract: Contract, structure: list[Var], quiet: bool = False) -> Contract:
        for var in structure:
            try:
                contract, _ = REGISTRY[var.v.op].apply(contract, var.v)
            except SourceError as exc:
                if not quiet:
                    self.residue.append(f"{var.v.op} of '{var.v.target}' could not be made: {exc.message}")
        return contract

    def _convert_inserts(self, structure: list[Var], refs: RefWriter) -> list[Var]:
        def conv(c: Clause, part: str) -> Clause:
            table = None
            if c.table is not None:
                table = Table(tuple(refs.convert(x, part) for x in c.table.columns),
                              tuple(tuple(refs.convert(x, part) for x in r) for r in c.table.rows))
            return replace(c, text=refs.convert(c.text, part) if c.text else c.text,
                           heading=refs.convert(c.heading, part) if c.heading else c.heading,
                           table=table, children=tuple(conv(k, part) for k in c.children))

        out = []
        for var in structure:
            if var.v.op == "insert" and var.v.clause is not None:
                node = self.nodes.get(var.v.target)
                part = node.part if node else self.terms_part
                var = replace(var, v=replace(var.v, clause=conv(var.v.clause, part)))
            out.append(var)
        return out

    # --- text changes ---------------------------------------------------------------------------
    def _texts(self, numbered: Numbered, nodes: dict[str, Node], moved: set[str]) -> None:
        index = numbered.contract.clause_index()
        order = {c.id: k for k, (_, c) in enumerate(numbered.contract.walk())}
        for node in sorted((n for n in nodes.values() if n.base), key=lambda n: order.get(n.id, 0)):
            c = index.get(node.id)
            if c is None:
                continue

            def convert(text: str, part: str = node.part) -> str:
                return self.refs.convert(text, part)

            heading: str | None = None
            text_tc: TextChange | None = None
            new_text: str | None = None
            table: Table | None = None
            if node.heading_unit is not None:
                hu, tu = node.heading_unit, node.text_unit
                if hu is not None:
                    tc = text_change(c.heading or "", pieces(numbered, c.heading or ""), hu.text, convert)
                    heading = tc.new_source if tc else None
                if tu is not None and c.text:
                    text_tc = text_change(c.text, pieces(numbered, c.text), tu.text, convert)
                elif tu is not None:
                    new_text = convert(tu.text)
                elif c.text:
                    self.residue.append(f"clause '{c.id}': the document has its heading but not its text "
                                        f"(an overlay cannot remove a clause's text): «{_clip(shown(pieces(numbered, c.text)))}»")
            else:
                u = node.text_unit
                assert u is not None
                head_ps, sep, text_ps = lead(numbered, c)
                h_shown = shown(head_ps)
                doc_head: str | None
                doc_head_shown: str | None
                if c.heading and (u.text == h_shown or u.text.startswith(h_shown + sep) and sep):
                    doc_head, doc_text = c.heading, u.text[len(h_shown + sep):].strip() if sep else ""
                    doc_head_shown = h_shown
                else:
                    doc_head, doc_text = split_lead(u.text, u.para.bold)
                    if not doc_text and not c.heading:
                        doc_head, doc_text = None, u.text  # bold throughout: emphasis, not a heading
                    doc_head_shown = doc_head
                    if doc_head is None and c.heading:
                        doc_head, doc_text = None, u.text
                if c.heading and doc_head is None:
                    self.residue.append(f"{u.where}: clause '{c.id}' without its heading «{h_shown}» (an overlay "
                                        f"cannot remove a heading): «{_clip(u.text)}»")
                elif doc_head_shown is not None and doc_head_shown != h_shown:
                    tc = text_change(c.heading or "", head_ps, doc_head_shown, convert)
                    heading = tc.new_source if tc else None
                if c.text and doc_text:
                    text_tc = text_change(c.text, text_ps, doc_text, convert)
                elif doc_text:
                    new_text = convert(doc_text)
                elif c.text:
                    self.residue.append(f"{u.where}: clause '{c.id}' keeps its heading but not its text (an overlay "
                                        f"cannot remove a clause's text): «{_clip(shown(text_ps))}»")
            if node.table_unit is not None:
                table = self._table_change(numbered, c, node.table_unit, convert)
            elif c.table is not None:
                self.residue.append(f"clause '{c.id}': the document does not have its table (an overlay cannot "
                                    f"remove a table): «{_clip(table_text([list(c.table.columns)]))} …»")
            if heading is None and text_tc is None and new_text is None and table is None:
                continue
            if node.id in moved:
                self.residue.append(f"clause '{c.id}' is both moved and changed: one overlay cannot move and change "
                                    f"a clause, so the move is written and the change is not")
                continue
            units = node.units
            part = node.part
            if heading is not None and text_tc is None and new_text is None and table is None:
                self._add(Variation(id="", op="retitle", target=c.id, rationale="TODO",
                                    category=category_of("clause", c.id, part), heading=heading),
                          units=units, order=(3, order.get(c.id, 0)))
            elif text_tc is not None and text_tc.find is not None and heading is None and table is None:
                self._add(Variation(id="", op="amend", target=c.id, rationale="TODO",
                                    category=category_of("clause", c.id, part), find=text_tc.find,
                                    replace=text_tc.repl),
                          units=units, order=(3, order.get(c.id, 0)))
            else:
                text = text_tc.new_source if text_tc is not None else new_text
                if text is not None and not text.strip():
                    self.residue.append(f"clause '{c.id}': its new text is empty (an overlay cannot remove a "
                                        "clause's text)")
                    text = None
                if text is None and heading is None and table is None:
                    continue
                self._add(Variation(id="", op="replace", target=c.id, rationale="TODO",
                                    category=category_of("clause", c.id, part), text=text, heading=heading,
                                    table=table),
                          units=units, order=(3, order.get(c.id, 0)))

    def _table_change(self, numbered: Numbered, c: Clause, unit: Unit, convert: Any) -> Table | None:
        rows = unit.rows or []
        if not rows or any(len(r) != len(rows[0]) for r in rows):
            self.residue.append(f"{unit.where}: clause '{c.id}''s table has rows of unequal numbers of cells "
                                f"(an overlay's table needs one cell per column): «{_clip(unit.text)}»")
            return None
        if c.table is None:
            return Table(tuple(convert(x) for x in rows[0]), tuple(tuple(convert(x) for x in r) for r in rows[1:]))
        src_rows = [list(c.table.columns), *[list(r) for r in c.table.rows]]
        shown_rows = [[shown(pieces(numbered, cell)) for cell in row] for row in src_rows]
        if shown_rows == rows:
            return None
        out: list[list[str]] = []
        if len(rows[0]) == len(src_rows[0]):
            sm = difflib.SequenceMatcher(None, [tuple(r) for r in shown_rows], [tuple(r) for r in rows], autojunk=False)
            for tag, i1, i2, j1, j2 in sm.get_opcodes():
                if tag == "equal":
                    out.extend(list(r) for r in src_rows[i1:i2])
                    continue
                k = min(i2 - i1, j2 - j1) if tag == "replace" else 0
                for d in range(k):
                    src, doc = src_rows[i1 + d], rows[j1 + d]
                    cells = []
                    for s, dcell in zip(src, doc):
                        tc = text_change(s, pieces(numbered, s), dcell, convert)
                        cells.append(s if tc is None else tc.new_source)
                    out.append(cells)
                out.extend([convert(x) for x in r] for r in rows[j1 + k:j2])
        else:
            out = [[convert(x) for x in r] for r in rows]
        return Table(tuple(out[0]), tuple(tuple(r) for r in out[1:]))

    # --- definitions ----------------------------------------------------------------------------
    def _definitions(self, numbered: Numbered, items: list[Item], units: list[Unit], pairs: dict[int, int],
                     new_defs: list[Unit]) -> None:
        terms = {t.term: t for t in self.r0.terms}
        paired: dict[str, Unit] = {}
        for i, un in pairs.items():
            term = items[i].term
            if items[i].kind == "definition" and term:
                paired[term] = units[un]
        candidates: dict[str, tuple[str, Unit]] = {}
        for u in new_defs:
            parsed = split_definition(u, terms)
            if parsed is None:
                continue
            term, text = parsed
            if term in candidates or term in paired:
                self.residue.append(f"{u.where}: a second definition of '{term}': «{_clip(u.text)}»")
                continue
            candidates[term] = (text, u)
        for name in sorted(terms, key=str.casefold):
            t = terms[name]
            pu = paired.get(name)
            ps = pieces(numbered, t.text)
            if pu is not None:
                if pu.text == norm(name + " " + shown(ps)):
                    continue
                if pu.text.startswith(name + " "):
                    tc = text_change(t.text, ps, pu.text[len(name) + 1:], lambda x: self.refs.convert(x, self.terms_part))
                    if tc is not None:
                        self._add(Variation(id="", op="define", target=name, rationale="TODO", category="terms",
                                            text=tc.new_source), units=[pu], order=(4, 0))
                    continue
                parsed = split_definition(pu, [])
                if parsed and parsed[0] == name:  # the term as written otherwise (in quotes)
                    self.residue.append(f"{pu.where}: the term '{name}' is written «{_clip(pu.text, 40)}»; a "
                                        "definition shows its term plain, so that cannot be kept")
                    tc = text_change(t.text, ps, parsed[1], lambda x: self.refs.convert(x, self.terms_part))
                    if tc is not None:
                        self._add(Variation(id="", op="define", target=name, rationale="TODO", category="terms",
                                            text=tc.new_source), units=[pu], order=(4, 0))
                    continue
                if parsed and parsed[0] not in terms:
                    candidates.setdefault(parsed[0], (parsed[1], pu))
                else:
                    self.residue.append(f"{pu.where}: the definition of '{name}' reads «{_clip(pu.text)}»")
                    continue
            if name in candidates:
                text, cu = candidates.pop(name)
                tc = text_change(t.text, ps, text, lambda x: self.refs.convert(x, self.terms_part))
                if tc is not None:
                    self._add(Variation(id="", op="define", target=name, rationale="TODO", category="terms",
                                        text=tc.new_source), units=[cu], order=(4, 0))
                continue
            self._add(Variation(id="", op="undefine", target=name, rationale="TODO", category="terms"),
                      deleted_text=norm(name + " " + shown(ps)), order=(4, 0))
        for name in sorted(candidates, key=str.casefold):
            text, u = candidates[name]
            if not text.strip():
                self.residue.append(f"{u.where}: a definition of '{name}' without text")
                continue
            self._add(Variation(id="", op="define", target=name, rationale="TODO", category="terms",
                                text=self.refs.convert(text, self.terms_part)), units=[u], order=(4, 0))

    # --- putting it together ----------------------------------------------------------------------
    def _add(self, v: Variation, units: list[Unit] | None = None, deleted_text: str = "",
             order: tuple[int, int] = (0, 0)) -> None:
        self.vars.append(Var(v, list(units or []), deleted_text, order))

    def _finish(self, values1: dict[str, Any]) -> Extraction:
        from ..overlay import apply_overlay

        vars_ = sorted(self.vars, key=lambda x: (x.order[0], x.order[1] if x.order[0] != 4 else 0,
                                                 x.v.target.casefold() if x.order[0] == 4 else ""))
        used: set[str] = set()
        named: list[Var] = []
        for var in vars_:
            target = var.v.target.rsplit(".", 1)[-1] if var.v.op == "insert" else var.v.target
            base_id = f"{var.v.op}-{_id_part(target)}"
            ident, k = base_id, 1
            while ident in used:
                k += 1
                ident = f"{base_id}-{k}"
            used.add(ident)
            named.append(replace(var, v=replace(var.v, id=ident)))
        head = self.head
        overlay = _header_overlay(head, tuple(v.v for v in named), self.out_name)
        pins: dict[str, str] = {}
        problems: list[SourceError] = []
        contract: Contract | None = None
        try:
            contract = apply_overlay(self.base, overlay, pins=pins)
        except SourceErrors as exc:
            problems = list(exc.errors)
        named = [replace(var, v=replace(var.v, pin=pins.get(var.v.id))) for var in named]
        overlay = _header_overlay(head, tuple(v.v for v in named), self.out_name)
        built = contract if contract is not None else self._lenient(overlay)
        differences = self._differences(built)
        comments, unused = self._tracked(named)
        yaml_text = self._yaml(head, named, comments)
        report = self._report(named, problems, differences, unused)
        return Extraction(overlay, yaml_text, report, contract, [v.v for v in named],
                          self.residue + differences, self.outside, problems, self.notes)

    def _lenient(self, overlay: Overlay) -> Contract | None:
        from ..overlay import derived_variations

        c = self.base
        for v in [*derived_variations(self.base, overlay), *overlay.variations]:
            try:
                c, _ = REGISTRY[v.op].apply(c, v)
            except SourceError:
                continue
        return c

    def _differences(self, built: Contract | None) -> list[str]:
        from ..render.text import body_text

        expected: list[tuple[str, str]] = []
        for u in self.units:
            if u.role:
                continue
            if u.kind == "table":
                expected.extend((u.where, cell) for row in u.rows or [] for cell in row if cell.strip())
            else:
                expected.append((u.where, u.text))
        if built is None:
            return ["the extracted overlay could not be applied to the base"]
        try:
            got = body_text(number_contract(built))
        except SourceErrors as exc:
            return [f"the base with the extracted overlay cannot be numbered: {e.message}" for e in exc.errors]
        sm = difflib.SequenceMatcher(None, [t for _, t in expected], got, autojunk=False)
        out = []
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                continue
            has = "; ".join(f"{w}: «{_clip(t)}»" for w, t in expected[i1:i2]) or "nothing"
            gives = "; ".join(f"«{_clip(t)}»" for t in got[j1:j2]) or "nothing"
            out.append(f"the document has {has} — the base with the extracted overlay gives {gives}")
        return out

    def _tracked(self, named: list[Var]) -> tuple[dict[str, list[str]], list[Change]]:
        comments: dict[str, list[str]] = {}
        used: set[int] = set()
        changes = self.doc.changes
        for var in named:
            found: list[Change] = []
            for u in var.units:
                for p in u.paras:
                    found.extend(p.changes)
            if var.v.op in ("delete", "undefine") and var.deleted_text:
                for c in changes:
                    if c.kind in ("deleted", "moved from") and c.text.strip() and \
                            fuzz.partial_ratio(norm(c.text), var.deleted_text) >= 90:
                        found.append(c)
            lines = []
            for c in found:
                if id(c) in used:
                    continue
                used.add(id(c))
                lines.append(f"tracked change: {c.describe()}")
            if lines:
                comments[var.v.id] = lines
        unused = [c for c in changes if id(c) not in used and c.kind not in ("paragraph inserted", "paragraph deleted")]
        return comments, unused

    # --- the YAML ---------------------------------------------------------------------------------
    def _yaml(self, head: dict[str, Any], named: list[Var], comments: dict[str, list[str]]) -> str:
        from ..loader import load_yaml_text
        from ..yamledit import plain

        lines = [f"# yaml-language-server: $schema={self.schema_path}",
                 f"# Extracted by `contractgen extract` from {_comment(self.source_name)} against {self.base.base_ref}.",
                 "# Every rationale is TODO: write the consortium's reason for each variation (`contractgen",
                 "# validate --strict` refuses TODO). Each category is a guess: check it.",
                 f"id: {_scalar(head['id'])}",
                 f"base: {_scalar(head['base'])}",
                 f"effective: {head['effective'].isoformat()}"]
        data: dict[str, Any] = {"id": head["id"], "base": head["base"], "effective": head["effective"]}
        if "title" in head:
            lines.extend(_key("title", head["title"], 0))
            data["title"] = head["title"]
        lines.append("consortium:")
        for k, v in head["consortium"].items():
            lines.extend(_key(k, v, 2))
        data["consortium"] = dict(head["consortium"])
        lines.append("variations:" + ("" if named else " []"))
        data["variations"] = []
        for var in named:
            v = var.v
            entry = _entry(v)
            if data["variations"]:
                lines.append("")
            data["variations"].append(entry)
            for c in comments.get(v.id, []):
                lines.append("  # " + _comment(c))
            first = True
            for key, value in entry.items():
                for line in _key(key, value, 4):
                    lines.append(("  - " + line[4:]) if first else line)
                    first = False
        text = "\n".join(lines) + "\n"
        back = plain(load_yaml_text(text, self.out_name))
        if back != data:
            from ..yamledit import difference

            raise RuntimeError(f"the extracted overlay does not read back as written (at {difference(back, data)})")
        return text

    # --- the report -------------------------------------------------------------------------------
    def _report(self, named: list[Var], problems: list[SourceError], differences: list[str],
                unused: list[Change]) -> str:
        counts = Counter(v.v.op for v in named)
        ops = ", ".join(f"{n} {op}" for op, n in sorted(counts.items(), key=lambda kv: REGISTRY[kv[0]].order))
        out = [f"# Extracted from {_md(self.source_name)}", "",
               f"Against {self.base.base_ref}: {len(named)} variation{'s' if len(named) != 1 else ''}"
               + (f" ({ops})" if ops else "") + f", written to {_md(self.out_name)}. Every rationale is TODO.",
               ""]
        if self.alarm:
            out.extend([f"**Check the base:** {self.alarm}", ""])

        def section(title: str, lines: list[str]) -> None:
            if lines:
                out.extend([f"## {title}", "", *[f"- {_md(x)}" for x in lines], ""])

        section("Where the overlay's header came from", self.header_notes)
        section("Outside the clauses (not compared)", self.outside)
        if self.outside_units:
            out.extend(["Every paragraph outside the clauses, in order:", "",
                        *[f"{k}. {u.where}: «{_md(_clip(u.text, 100))}»" for k, u in
                          enumerate(self.outside_units, start=1)], ""])
        section("Not expressed", self.residue)
        section("Does not validate yet", [e.render() for e in problems])
        section("Differences after rebuilding", differences)
        tracked = len(self.doc.changes)
        notes = list(self.notes)
        if tracked:
            notes.append(f"tracked changes in the document: {tracked} (read with every change accepted)")
        notes.extend(f"a tracked change that became no variation: {c.describe()}" for c in unused)
        section("Notes", notes)
        if not (self.residue or problems or differences):
            out.extend(["Nothing else: the base with the extracted overlay gives the document's clauses.", ""])
        return "\n".join(out).rstrip() + "\n"


def _header_overlay(head: Mapping[str, Any], variations: tuple[Variation, ...], path: str = "") -> Overlay:
    return Overlay(id=str(head.get("id", "x")), path=path, base=head.get("base"), extends=None,
                   effective=head.get("effective", dt.date(2026, 1, 1)), title=head.get("title"),
                   consortium=frozen_map(dict(head["consortium"])), variations=variations)


def _referenced(contract: Contract) -> set[str]:
    """The ids some text of `contract` refers to ([[ id ]])."""
    texts = [t.text for t in contract.terms]
    for _, c in contract.walk():
        texts += [c.text or "", c.heading or ""]
        if c.table is not None:
            texts += [*c.table.columns, *(x for r in c.table.rows for x in r)]
    return {seg.value for t in texts for seg in split(t) if seg.kind == "ref"}


def _weighted_lcs(a: list[str], b: list[str], weight: Mapping[str, int]) -> set[str]:
    """Return the elements of the heaviest common subsequence of `a` and `b` (each element once)."""
    n, m = len(a), len(b)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = best[i + 1][j + 1] + weight.get(a[i], 1) if a[i] == b[j] else -1
            best[i][j] = max(best[i + 1][j], best[i][j + 1], take)
    out: set[str] = set()
    i = j = 0
    while i < n and j < m:
        if a[i] == b[j] and best[i][j] == best[i + 1][j + 1] + weight.get(a[i], 1):
            out.add(a[i])
            i += 1
            j += 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return out


def _id_part(target: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", target.lower()).strip("-")
    return s or "x"


def _clip(text: str, n: int = 120) -> str:
    text = norm(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _firsts(units: list[Unit], k: int = 3) -> str:
    shown_ = [f"«{_clip(u.text, 50)}»" for u in units[:k]]
    return ", ".join(shown_) + (", …" if len(units) > k else "")


def _md(text: str) -> str:
    return text.replace("\n", " ")


def _comment(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029\ufeff]", " ", text)


# --- writing YAML -------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 _.,()'/@-]*[A-Za-z0-9.)]$|^[A-Za-z]$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def _quoted(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    for ch in ("\u2028", "\u2029", "\x85", "\ufeff"):
        out = out.replace(ch, f"\\u{ord(ch):04x}")
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and "  " not in text and " #" not in text:
        return text
    return _quoted(text)


def _foldable(text: str) -> bool:
    return (len(text) > 60 and text == text.strip() and "  " not in text and not re.search(r"[\n\r\t]", text)
            and not re.search(r"[\x00-\x1f\x7f\u0085\u2028\u2029\ufeff]", text))


def _fold(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines


def _key(key: str, value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        out = [f"{pad}{key}:"]
        for k, v in value.items():
            out.extend(_key(k, v, indent + 2))
        return out
    if isinstance(value, list):
        if not value:
            return [f"{pad}{key}: []"]
        if all(isinstance(x, list) for x in value):
            return [f"{pad}{key}:"] + [f"{pad}  - [{', '.join(_quoted(str(c)) for c in row)}]" for row in value]
        if all(isinstance(x, str) for x in value):
            return [f"{pad}{key}: [{', '.join(_quoted(x) for x in value)}]"]
        out = [f"{pad}{key}:"]
        for x in value:
            first = True
            for k, v in x.items():
                for line in _key(k, v, indent + 4):
                    out.append((f"{pad}  - " + line[indent + 4:]) if first else line)
                    first = False
        return out
    if isinstance(value, str) and key != "pin" and _foldable(value) and \
            (indent + len(key) + 2 + len(_scalar(value)) > 100 or _scalar(value).startswith('"')):
        return [f"{pad}{key}: >-"] + [f"{pad}  {line}" for line in _fold(value, max(40, 96 - indent))]
    if key == "pin":
        return [f"{pad}{key}: {_quoted(str(value))}"]
    return [f"{pad}{key}: {_scalar(value)}"]


def _clause_data(c: Clause) -> dict[str, Any]:
    d: dict[str, Any] = {"id": c.id}
    if c.heading:
        d["heading"] = c.heading
    if c.text:
        d["text"] = c.text
    if c.table is not None:
        d["table"] = {"columns": list(c.table.columns), "rows": [list(r) for r in c.table.rows]}
    if c.children:
        d["children"] = [_clause_data(k) for k in c.children]
    return d


def _entry(v: Variation) -> dict[str, Any]:
    e: dict[str, Any] = {"id": v.id, "op": v.op}
    if v.op == "set":
        e["parameter"], e["value"] = v.target, v.value
    elif v.op in ("define", "undefine"):
        e["term"] = v.target
        if v.op == "define":
            e["text"] = v.text
    elif v.op == "insert":
        assert v.anchor is not None and v.clause is not None
        e[v.anchor.where] = v.anchor.id
        e["clause"] = _clause_data(v.clause)
    else:
        e["clause"] = v.target
        if v.op == "move":
            assert v.anchor is not None
            e[v.anchor.where] = v.anchor.id
        if v.op == "amend":
            e["find"], e["replace"] = v.find, v.replace
        if v.op in ("replace", "retitle") and v.heading:
            e["heading"] = v.heading
        if v.op == "replace" and v.text:
            e["text"] = v.text
        if v.op == "replace" and v.table is not None:
            e["table"] = {"columns": list(v.table.columns), "rows": [list(r) for r in v.table.rows]}
    e["rationale"] = v.rationale
    e["category"] = v.category
    if v.pin:
        e["pin"] = v.pin
    return e


# ---------------------------------------------------------------------------------------------
# Entry points


def extract(doc: Document, base: Contract, overlay_id: str, *, name: str | None = None,
            arrangement: str | None = None, today: dt.date | None = None, source_name: str = "the document",
            out_name: str | None = None, schema_path: str = "../schemas/overlay.schema.json") -> Extraction:
    """Return the overlay that makes `base` what `doc` says, with its residue report."""
    return Extractor(doc, base, overlay_id, name, arrangement, today, source_name,
                     out_name or f"variations/{overlay_id}.yaml", schema_path).run()


def run_extract(document: Path, base_spec: str, out: Path, *, name: str | None = None,
                arrangement: str | None = None, report: Path | None = None, force: bool = False,
                today: dt.date | None = None) -> Extraction:
    """Read `document` and the base it names, extract, and write the overlay (and the report)."""
    import os

    from ..loader import display_path
    from ..output import check_outputs, write_atomic
    from ..schemas import ARRANGEMENTS
    from ..validate import find_contract_ref, load_contract
    from .docxread import NotADocx, read_docx

    document, out = Path(document), Path(out)
    if not document.is_file():
        raise UsageError(f"{document}: no such file (name the edited Word copy of the contract, a .docx)")
    if document.suffix.lower() != ".docx":
        raise UsageError(f"{document}: extract reads a Word document (.docx); save the copy as .docx first")
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(f"{out}: the overlay is YAML; name it variations/<id>.yaml")
    overlay_id = out.stem
    if not OVERLAY_ID.match(overlay_id):
        raise UsageError(f"{out}: the file name is the overlay's id and must be lower-case letters, digits and "
                         f"'-' (e.g. variations/kent-fostering.yaml)")
    if report is not None and Path(report).suffix.lower() not in (".md", ".markdown"):
        raise UsageError(f"{report}: the residue report is Markdown; name it with .md")
    if arrangement is not None and arrangement not in ARRANGEMENTS:
        raise UsageError(f"--arrangement {arrangement}: not an arrangement (one of {', '.join(ARRANGEMENTS)})")
    targets = [out] + ([Path(report)] if report is not None else [])
    if not force:
        for t in targets:
            if t.exists():
                raise UsageError(f"{t}: exists; extract does not replace it (use --force, or name another file)")
    root = Path("national_contract")
    if not root.is_dir():
        root = Path(__file__).resolve().parents[2] / "national_contract"
    if not root.is_dir():
        raise UsageError(f"--base {base_spec}: there is no national_contract/ folder here (run in the project folder)")
    folder = find_contract_ref(base_spec, root)
    contract = load_contract(folder)
    inputs = [document, *sorted(Path(folder).glob("*.y*ml"))]
    check_outputs(targets, inputs=inputs)
    try:
        doc = read_docx(document)
    except NotADocx as exc:
        raise UsageError(f"{document}: {exc}") from None
    schema = Path(root).resolve().parent / "schemas" / "overlay.schema.json"
    schema_path = os.path.relpath(schema, Path(os.path.abspath(out)).parent).replace(os.sep, "/")
    result = extract(doc, contract, overlay_id, name=name, arrangement=arrangement, today=today,
                     source_name=document.name, out_name=display_path(out), schema_path=schema_path)
    write_atomic(out, result.yaml.encode("utf-8"))
    if report is not None:
        write_atomic(Path(report), result.report.encode("utf-8"))
    return result
