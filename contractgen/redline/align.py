"""Align two numbered contracts paragraph by paragraph, by id; never diff the document as a whole."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..numbering import Node, Numbered
from ..text import split
from .textdiff import DEL, EQ, INS, Piece, Tok, compare, tokens, words


@dataclass
class Item:
    """A paragraph (or a table) of one contract, keyed by the id it comes from."""

    key: str
    kind: str  # schedule-title | heading | text | para | definition | table
    part_id: str
    level: int  # list level 1..5; 0 when the paragraph is not numbered
    clause_id: str | None
    toks: list[Tok] = field(default_factory=list)
    rows: list[list[list[Tok]]] = field(default_factory=list)  # table: header row first
    params: frozenset[str] = frozenset()  # parameters whose values the paragraph shows
    conditions: frozenset[str] = frozenset()  # parameters in when: of the clause or its ancestors
    term: str | None = None
    number: str = ""  # number in its own contract (for the change register)


def _params(*texts: str) -> frozenset[str]:
    return frozenset(s.value for t in texts if t for s in split(t) if s.kind == "param")


def flatten(numbered: Numbered, label: Callable[[str], str]) -> list[Item]:
    """Return the paragraphs of `numbered` in document order."""
    items: list[Item] = []
    for part in numbered.parts:
        pid = part.part.id
        if part.part.kind == "schedule":
            items.append(Item(f"part:{pid}", "schedule-title", pid, 1, pid,
                              tokens(numbered, part.part.title, label), params=_params(part.part.title),
                              number=part.label))
        for node in part.nodes:
            _node(numbered, node, pid, label, frozenset(), items)
    return items


def _node(numbered: Numbered, node: Node, pid: str, label: Callable[[str], str],
          conditions: frozenset[str], items: list[Item]) -> None:
    c = node.clause
    conds = conditions | frozenset(name for name, _ in c.when)
    if node.level == 1:
        items.append(Item(f"{c.id}#heading", "heading", pid, 1, c.id, tokens(numbered, c.heading or "", label),
                          params=_params(c.heading or ""), conditions=conds, number=node.full))
        if c.text:
            items.append(Item(f"{c.id}#text", "text", pid, 0, c.id, tokens(numbered, c.text, label),
                              params=_params(c.text), conditions=conds, number=node.full))
    else:
        toks: list[Tok] = []
        head = numbered.inline(c.heading or "")
        if head:
            sep = "" if head.endswith((".", ":", "?")) or not c.text else "."
            toks.extend(tokens(numbered, (c.heading or "") + sep, label, bold=True))
            if c.text:
                toks.extend(words(" "))
        if c.text:
            toks.extend(tokens(numbered, c.text, label))
        items.append(Item(c.id, "para", pid, node.level, c.id, toks, params=_params(c.heading or "", c.text or ""),
                          conditions=conds, number=node.full))
    if c.list == "definitions":
        for term in sorted(numbered.contract.terms, key=lambda t: t.term.casefold()):
            toks = words(term.term, bold=True) + words(" ") + tokens(numbered, term.text, label)
            items.append(Item(f"term:{term.term}", "definition", pid, 0, c.id, toks, params=_params(term.text),
                              conditions=conds, term=term.term, number=node.full))
    if c.table:
        rows = [[tokens(numbered, cell, label) for cell in c.table.columns]]
        rows += [[tokens(numbered, cell, label) for cell in row] for row in c.table.rows]
        items.append(Item(f"{c.id}#table", "table", pid, node.level, c.id, rows=rows,
                          params=_params(*c.table.columns, *(x for r in c.table.rows for x in r)),
                          conditions=conds, number=node.full))
    for child in node.children:
        _node(numbered, child, pid, label, conds, items)


@dataclass
class Row:
    status: str  # same | changed | inserted | deleted
    cells: list[list[Piece]]
    whole: bool = False  # a cell too different to compare word by word


@dataclass
class Out:
    """One paragraph (or table) of the redline."""

    status: str  # same | changed | inserted | deleted | moved-from | moved-to
    item: Item  # the varied contract's item (the base's for deleted / moved-from)
    pieces: list[Piece] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    old: Item | None = None  # the base's item, for changed / moved-to
    move: int = 0  # pairs a moved-from with its moved-to
    variation: Any = None  # the declared Variation it belongs to (set by attribution)
    whole: bool = False  # too different to compare word by word: shown deleted and inserted whole

    @property
    def changed(self) -> bool:
        return self.status != "same"


def _pieces(status: str, toks: list[Tok]) -> list[Piece]:
    if not toks:
        return []
    op = {"inserted": INS, "moved-to": INS, "deleted": DEL, "moved-from": DEL}.get(status, EQ)
    return [Piece(op, tuple(toks))]


def _table_rows(status: str, old: Item | None, new: Item) -> list[Row]:
    if status in ("inserted", "deleted", "moved-to", "moved-from") or old is None:
        kind = {"moved-to": "inserted", "moved-from": "deleted"}.get(status, status)
        return [Row(kind, [_pieces(kind, cell) for cell in row]) for row in new.rows]
    a, b = old.rows, new.rows
    if len(a[0]) != len(b[0]):
        return [Row("deleted", [_pieces("deleted", c) for c in row]) for row in a] + \
               [Row("inserted", [_pieces("inserted", c) for c in row]) for row in b]

    def key(row: list[list[Tok]]) -> tuple:
        return tuple(tuple(cell) for cell in row)

    rows: list[Row] = []
    sm = difflib.SequenceMatcher(None, [key(r) for r in a], [key(r) for r in b], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            rows += [Row("same", [_pieces("same", c) for c in row]) for row in b[j1:j2]]
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):  # changed rows, cell by cell
            diffs = [compare(a[i1 + k][c], b[j1 + k][c]) for c in range(len(b[j1 + k]))]
            rows.append(Row("changed", [d.pieces for d in diffs], any(d.whole for d in diffs)))
        rows += [Row("deleted", [_pieces("deleted", c) for c in row]) for row in a[i1 + pairs:i2]]
        rows += [Row("inserted", [_pieces("inserted", c) for c in row]) for row in b[j1 + pairs:j2]]
    return rows


def _same(a: Item, b: Item) -> bool:
    return a.rows == b.rows if a.kind == "table" else a.toks == b.toks


def align(base: list[Item], varied: list[Item]) -> list[Out]:
    """Return the redline's paragraphs: the varied contract's order, with deletions and moves placed."""
    bkeys = {i.key: i for i in base}
    vkeys = {i.key: i for i in varied}
    seq_a = [i.key for i in base if i.key in vkeys]
    seq_b = [i.key for i in varied if i.key in bkeys]
    sm = difflib.SequenceMatcher(None, seq_a, seq_b, autojunk=False)
    in_place: set[str] = set()
    for block in sm.get_matching_blocks():
        in_place.update(seq_a[block.a:block.a + block.size])
    moved = set(seq_a) - in_place
    move_ids = {k: n for n, k in enumerate(sorted(moved, key=seq_b.index), start=1)}

    # base paragraphs not in place (deleted or moved away) go after their nearest in-place predecessor
    after: dict[str | None, list[Item]] = {}
    anchor: str | None = None
    for item in base:
        if item.key in in_place:
            anchor = item.key
        else:
            after.setdefault(anchor, []).append(item)

    out: list[Out] = []

    def flush(key: str | None) -> None:
        for old in after.get(key, []):
            status = "moved-from" if old.key in moved else "deleted"
            rows = _table_rows(status, None, old) if old.kind == "table" else []
            out.append(Out(status, old, _pieces(status, old.toks), rows, move=move_ids.get(old.key, 0)))

    flush(None)
    for item in varied:
        old = bkeys.get(item.key)
        if old is None:
            status = "inserted"
        elif item.key in moved:
            status = "moved-to"
        elif _same(old, item):
            status = "same"
        else:
            status = "changed"
        if item.kind == "table":
            rows = _table_rows(status, old, item)
            out.append(Out(status, item, [], rows, old, move_ids.get(item.key, 0),
                           whole=any(r.whole for r in rows)))
        else:
            if status == "changed" and old:
                d = compare(old.toks, item.toks)
                out.append(Out(status, item, d.pieces, [], old, move_ids.get(item.key, 0), whole=d.whole))
            else:
                out.append(Out(status, item, _pieces(status, item.toks), [], old, move_ids.get(item.key, 0)))
        if item.key in in_place:
            flush(item.key)
    return out



def notes(outs: list[Out], varied: Any) -> list[Any]:
    """Return a note (a SourceError at the new text) for each paragraph shown replaced whole."""
    from ..errors import SourceError

    found: list[Any] = []
    for o in outs:
        if not o.whole:
            continue
        i = o.item
        pos = None
        if i.kind == "definition":
            term = next((t for t in varied.terms if t.term == i.term), None)
            pos = term.text_pos if term else None
            where = f"the definition of '{i.term}'"
        else:
            clause = next((c for _, c in varied.walk() if c.id == i.clause_id), None)
            key = {"heading": "heading", "table": "table", "schedule-title": "title"}.get(i.kind, "text")
            pos = clause.locs.get(key, clause.pos) if clause else None
            where = {"schedule-title": f"the title of {i.number}", "heading": f"the heading of clause {i.number}",
                     "table": f"the table of clause {i.number}"}.get(i.kind, f"clause {i.number}")
        found.append(SourceError(pos, f"{where}: the old and new texts differ too much to compare word by "
                                      "word, so the redline shows it deleted and inserted whole",
                                 "compare the two texts by eye"))
    return found
