"""Frozen data model: Contract, Part, Clause, Term, Parameter, Table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from .errors import Pos


def frozen_map(d: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """Return a read-only copy of `d`."""
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any
    description: str
    unit: str | None = None
    unit_plural: str | None = None
    choices: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=frozen_map)
    minimum: float | None = None
    source: str | None = None  # "consortium.tiers": filled from an overlay's particulars
    pos: Pos | None = field(default=None, compare=False)
    #: The editor's note on what this version changed (docs/dev/revisions.md); not contract text.
    changes: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Term:
    term: str
    text: str
    forms: tuple[str, ...] = ()
    pos: Pos | None = field(default=None, compare=False)
    text_pos: Pos | None = field(default=None, compare=False)
    changes: str | None = field(default=None, compare=False)

    @property
    def all_forms(self) -> tuple[str, ...]:
        """Return the term and every form it may take in the text (plural included)."""
        plural = self.term if self.term.endswith("s") or self.term.isupper() else self.term + "s"
        seen = dict.fromkeys((self.term, plural, *self.forms))
        if self.term.isupper():
            seen.setdefault(self.term + "s")
        return tuple(seen)


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    pos: Pos | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Clause:
    id: str
    heading: str | None = None
    text: str | None = None
    children: tuple[Clause, ...] = ()
    when: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    list: str | None = None
    table: Table | None = None
    pos: Pos | None = field(default=None, compare=False)
    locs: Mapping[str, Pos] = field(default_factory=frozen_map, compare=False)
    changes: str | None = field(default=None, compare=False)

    def walk(self) -> Iterator[Clause]:
        """Yield this clause and every descendant, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def with_children(self, children: tuple[Clause, ...]) -> Clause:
        return replace(self, children=children)


@dataclass(frozen=True)
class Part:
    id: str
    kind: str  # "terms" | "schedule"
    title: str
    clauses: tuple[Clause, ...]
    path: str = ""
    pos: Pos | None = field(default=None, compare=False)

    def walk(self) -> Iterator[Clause]:
        for clause in self.clauses:
            yield from clause.walk()


@dataclass(frozen=True)
class Migration:
    """What became of ids of the revised version (docs/dev/revisions.md): renamed (one to one),
    split (one to many), merged (many to one) or removed (to none)."""

    of: str  # "clause" | "term" | "parameter"
    from_ids: tuple[str, ...]
    to_ids: tuple[str, ...]
    note: str
    pos: Pos | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        if not self.to_ids:
            return "removed"
        if len(self.from_ids) > 1:
            return "merged"
        return "split" if len(self.to_ids) > 1 else "renamed"


@dataclass(frozen=True)
class Contract:
    id: str
    title: str
    short_title: str
    version: str
    date: dt.date
    status: str
    parameters: Mapping[str, Parameter]
    values: Mapping[str, Any]
    terms: tuple[Term, ...]
    parts: tuple[Part, ...]
    names: tuple[str, ...] = ()
    source: str = ""
    #: Overlay ids applied to the base, in order (empty for a national base contract).
    overlays: tuple[str, ...] = ()
    #: Extra context for templates and title pages (consortium, etc.); empty for a base.
    context: Mapping[str, Any] = field(default_factory=frozen_map)
    pos: Pos | None = field(default=None, compare=False)
    #: The version this one revises, and what became of its ids (docs/dev/revisions.md).
    revises: str | None = None
    migration: tuple[Migration, ...] = ()

    @property
    def base_ref(self) -> str:
        """Return 'id@version' of the national base."""
        return f"{self.id}@{self.version}"

    @property
    def ref(self) -> str:
        """Return 'id@version', followed by '+overlay' for each overlay applied."""
        return self.base_ref + "".join(f"+{o}" for o in self.overlays)

    def walk(self) -> Iterator[tuple[Part, Clause]]:
        """Yield (part, clause) for every clause in document order (conditions ignored)."""
        for part in self.parts:
            for clause in part.walk():
                yield part, clause

    def clause_index(self) -> dict[str, Clause]:
        return {c.id: c for _, c in self.walk()}


@dataclass(frozen=True)
class Anchor:
    """Where an inserted or moved clause goes: before / after a clause, or into one as last child."""

    where: str  # "before" | "after" | "into"
    id: str


@dataclass(frozen=True)
class Variation:
    """One declared change of an overlay, addressed by id, with its reason."""

    id: str
    op: str  # set | replace | amend | insert | delete | move | define | undefine | retitle
    target: str  # clause id, parameter name or term; for insert, the new clause's id
    rationale: str
    category: str
    pin: str | None = None
    anchor: Anchor | None = None
    text: str | None = None
    heading: str | None = None
    find: str | None = None
    replace: str | None = None
    value: Any = None
    clause: Clause | None = None  # the clause an insert adds
    forms: tuple[str, ...] = ()
    table: Table | None = None  # replace: the clause's new table
    derived: bool = False  # made from the consortium particulars, not written by hand
    pos: Pos | None = field(default=None, compare=False)
    locs: Mapping[str, Pos] = field(default_factory=frozen_map, compare=False)


@dataclass(frozen=True)
class Overlay:
    """A consortium's declared variations on a base contract or on another overlay."""

    id: str
    path: str
    base: str | None  # "fostering@2026.1"
    extends: str | None  # another overlay's id
    effective: dt.date
    title: str | None
    consortium: Mapping[str, Any]
    variations: tuple[Variation, ...]
    pos: Pos | None = field(default=None, compare=False)
    locs: Mapping[str, Pos] = field(default_factory=frozen_map, compare=False)
