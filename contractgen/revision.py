"""What a revision of a national contract changed, clause by clause (docs/dev/revisions.md).

`revision_changes(old, new)` matches the two versions' clauses, defined terms and parameters by
id, then by the new version's migration map, and returns one `Change` per difference, each with
the editor's note: the release notes that `contractgen diff old new` prints as its register.
Pure: no files, no rendering.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .model import Clause, Contract, Migration

#: How a change is named in the release notes.
KIND_LABEL = {
    "added": "Added", "removed": "Removed", "moved": "Moved", "reworded": "Reworded",
    "moved and reworded": "Moved and reworded", "split": "Split", "merged": "Merged", "renamed": "Renamed",
    "retyped": "Type changed", "default changed": "Default changed",
}


@dataclass(frozen=True)
class Change:
    """One clause-level (or term, or parameter) difference between two versions."""

    kind: str  # see KIND_LABEL
    of: str  # "clause" | "term" | "parameter"
    old: tuple[str, ...]  # ids in the revised version (empty when added)
    new: tuple[str, ...]  # ids in this version (empty when removed)
    note: str  # the editor's note: the migration entry's, else the new element's `changes:`

    @property
    def label(self) -> str:
        return KIND_LABEL[self.kind]


@dataclass(frozen=True)
class _Place:
    clause: Clause
    part: str
    parent: str | None


def _places(contract: Contract) -> dict[str, _Place]:
    out: dict[str, _Place] = {}

    def walk(clauses: tuple[Clause, ...], part: str, parent: str | None) -> None:
        for c in clauses:
            out[c.id] = _Place(c, part, parent)
            walk(c.children, part, c.id)

    for p in contract.parts:
        walk(p.clauses, p.id, None)
    return out


def _content(c: Clause) -> tuple[Any, ...]:
    """What of a clause is its own wording (not its children, position or editor's note)."""
    return (c.heading, c.text, c.table, c.when, c.list)


def _migrated(migration: tuple[Migration, ...], of: str) -> Iterator[Migration]:
    return (m for m in migration if m.of == of)


def revision_changes(old: Contract, new: Contract) -> list[Change]:
    """Return every change from `old` to `new`, in the new version's order (then what was removed)."""
    changes: list[Change] = []
    changes += _clause_changes(old, new)
    changes += _term_changes(old, new)
    changes += _parameter_changes(old, new)
    return changes


def _clause_changes(old: Contract, new: Contract) -> list[Change]:
    before, after = _places(old), _places(new)
    out: list[tuple[int, Change]] = []
    order = {ident: i for i, ident in enumerate(after)}
    old_order = {ident: i for i, ident in enumerate(before)}
    consumed_old: set[str] = set()
    consumed_new: set[str] = set()
    successors: dict[str | None, set[str | None]] = {}
    for m in _migrated(new.migration, "clause"):
        for ident in m.from_ids:
            successors[ident] = set(m.to_ids)
        consumed_old.update(m.from_ids)
        consumed_new.update(m.to_ids)
        at = min((order[i] for i in m.to_ids if i in order), default=len(order) + min(
            (old_order.get(i, 0) for i in m.from_ids), default=0))
        out.append((at, Change(m.kind, "clause", m.from_ids, m.to_ids, m.note)))
    for ident, place in after.items():
        if ident in consumed_new:
            continue
        if ident not in before:
            out.append((order[ident], Change("added", "clause", (), (ident,), place.clause.changes or "")))
            continue
        was = before[ident]
        # under a renamed, split or merged parent (or part), a clause stays put if it follows it
        moved = (place.part not in successors.get(was.part, {was.part})
                 or place.parent not in successors.get(was.parent, {was.parent}))
        reworded = _content(was.clause) != _content(place.clause)
        if moved or reworded:
            kind = "moved and reworded" if moved and reworded else "moved" if moved else "reworded"
            out.append((order[ident], Change(kind, "clause", (ident,), (ident,), place.clause.changes or "")))
    for ident in before:
        if ident not in after and ident not in consumed_old:  # validate refuses this; shown, never hidden
            out.append((len(order) + old_order[ident], Change("removed", "clause", (ident,), (), "")))
    return [c for _, c in sorted(out, key=lambda t: t[0])]


def _by_name(old: Any, new: Any, of: str, migration: tuple[Migration, ...],
             differs: Any) -> list[Change]:
    """Return the changes of elements matched by name (terms, parameters): the migration map's
    entries, then what was added, changed (`differs(before, after)` names how, or None) or removed."""
    out: list[Change] = []
    consumed_old: set[str] = set()
    consumed_new: set[str] = set()
    for m in _migrated(migration, of):
        consumed_old.update(m.from_ids)
        consumed_new.update(m.to_ids)
        out.append(Change(m.kind, of, m.from_ids, m.to_ids, m.note))
    for name, item in new.items():
        if name in consumed_new:
            continue
        kind = "added" if name not in old else differs(old[name], item)
        if kind:
            out.append(Change(kind, of, () if kind == "added" else (name,), (name,), item.changes or ""))
    out += [Change("removed", of, (name,), (), "") for name in old if name not in new and name not in consumed_old]
    return out


def _term_changes(old: Contract, new: Contract) -> list[Change]:
    return _by_name({t.term: t for t in old.terms}, {t.term: t for t in new.terms}, "term", new.migration,
                    lambda a, b: "reworded" if (a.text, a.forms) != (b.text, b.forms) else None)


def _parameter_changes(old: Contract, new: Contract) -> list[Change]:
    return _by_name(old.parameters, new.parameters, "parameter", new.migration,
                    lambda a, b: "retyped" if a.type != b.type else "default changed" if a.default != b.default
                    else None)


def is_revision_of(old: Contract, new: Contract) -> bool:
    """Return whether `new` declares that it revises `old` (same contract, `revises` its version),
    both being national bases (no overlay applied)."""
    return (old.id == new.id and new.revises == old.version and not old.overlays and not new.overlays)
