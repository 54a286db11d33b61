"""Tree → numbers: conditions applied, clauses numbered, cross-references resolved. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SourceError, SourceErrors
from .loader import locate
from .model import Clause, Contract, Part, frozen_map
from .text import format_value, split


@dataclass(frozen=True)
class Node:
    """A clause as it appears in the output: its level and number."""

    clause: Clause
    level: int  # 1..5
    number: str  # own number as Word shows it: "14", "14.2", "14.2.1", "(a)", "(i)"
    full: str  # full-context number, as a REF \w field gives it: "14.2.1(a)"
    children: tuple[Node, ...]

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class NumberedPart:
    part: Part
    index: int  # schedule number; 0 for the terms
    label: str  # "Schedule 1"; "" for the terms
    nodes: tuple[Node, ...]

    def walk(self) -> Iterator[Node]:
        for node in self.nodes:
            yield from node.walk()


@dataclass(frozen=True)
class Numbered:
    contract: Contract
    parts: tuple[NumberedPart, ...]
    labels: Mapping[str, str]  # id -> text a reference shows

    def walk(self) -> Iterator[tuple[NumberedPart, Node]]:
        for part in self.parts:
            for node in part.walk():
                yield part, node

    def inline(self, text: str) -> str:
        """Return `text` with parameters and references replaced by what the reader sees."""
        return "".join(self.segment_text(s.kind, s.value, s.raw) for s in split(text))

    def segment_text(self, kind: str, value: str, raw: str = "") -> str:
        if kind == "text":
            return value
        if kind == "param":
            p = self.contract.parameters[value]
            return format_value(p, self.contract.values[value])
        return self.labels[value]


def included(clause: Clause, values: Mapping[str, Any]) -> bool:
    """Return True when every `when:` condition of the clause holds for `values`."""
    return all(values.get(name) in allowed for name, allowed in clause.when)


def _roman(n: int) -> str:
    table = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for v, s in table:
        while n >= v:
            out += s
            n -= v
    return out


def _alpha(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


def _number(clauses: tuple[Clause, ...], values: Mapping[str, Any], prefix: list[int],
            full_prefix: str) -> tuple[Node, ...]:
    out = []
    n = 0
    for clause in clauses:
        if not included(clause, values):
            continue
        n += 1
        path = prefix + [n]
        level = len(path)
        if level <= 3:
            number = ".".join(str(x) for x in path)
            full = number
        elif level == 4:
            number = f"({_alpha(n)})"
            full = full_prefix + number
        else:
            number = f"({_roman(n)})"
            full = full_prefix + number
        children = _number(clause.children, values, path, full)
        out.append(Node(clause, level, number, full, children))
    return tuple(out)


def number_contract(contract: Contract) -> Numbered:
    """Return the contract with conditions applied and every clause numbered.

    Raises SourceErrors when an included clause refers to one that the conditions omit.
    """
    values = contract.values
    parts = []
    labels: dict[str, str] = {}
    sched = 0
    for part in contract.parts:
        if part.kind == "schedule":
            sched += 1
            index, label = sched, f"Schedule {sched}"
        else:
            index, label = 0, ""
        nodes = _number(part.clauses, values, [], "")
        np = NumberedPart(part, index, label, nodes)
        parts.append(np)
        labels[part.id] = label or part.title
        for node in np.walk():
            labels[node.clause.id] = node.full
    numbered = Numbered(contract, tuple(parts), frozen_map(labels))
    _check_refs(numbered)
    return numbered


def _check_refs(numbered: Numbered) -> None:
    errors = []
    conditions = ", ".join(f"{k} = {v}" for k, v in sorted(numbered.contract.values.items())
                           if k == "arrangement")
    for _, node in numbered.walk():
        c = node.clause
        for fieldname, text in (("text", c.text), ("table", _table_text(c))):
            if not text:
                continue
            for seg in split(text):
                if seg.kind == "ref" and seg.value not in numbered.labels:
                    pos = c.locs.get(fieldname, c.pos)
                    errors.append(SourceError(
                        locate(pos, seg.raw) if pos else None,
                        f"clause '{c.id}' refers to '{seg.value}', which is omitted when {conditions or 'these parameters apply'}",
                        "give the referring clause the same 'when:' condition, or refer to a clause that is always present",
                    ))
    errors.extend(_term_refs(numbered, conditions))
    if errors:
        raise SourceErrors(errors)


def _term_refs(numbered: Numbered, conditions: str) -> list[SourceError]:
    errors = []
    for term in numbered.contract.terms:
        for seg in split(term.text):
            if seg.kind == "ref" and seg.value not in numbered.labels:
                errors.append(SourceError(
                    locate(term.text_pos, seg.raw) if term.text_pos else None,
                    f"the definition of '{term.term}' refers to '{seg.value}', which is omitted when "
                    f"{conditions or 'these parameters apply'}",
                    "refer to a clause that is always present"))
    return errors


def _table_text(clause: Clause) -> str:
    if not clause.table:
        return ""
    return " ".join([*clause.table.columns, *(c for r in clause.table.rows for c in r)])
