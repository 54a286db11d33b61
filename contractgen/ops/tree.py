"""Pure operations on a contract's frozen clause trees, shared by the operations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..model import Anchor, Clause, Contract, Part


def rebuild(clauses: tuple[Clause, ...], fn: Callable[[Clause], list[Clause]]) -> tuple[Clause, ...]:
    out: list[Clause] = []
    for c in clauses:
        kids = rebuild(c.children, fn)
        c2 = c if kids == c.children else replace(c, children=kids)
        out.extend(fn(c2))
    return tuple(out)


def map_parts(contract: Contract, fn: Callable[[Clause], list[Clause]]) -> Contract:
    return replace(contract, parts=tuple(replace(p, clauses=rebuild(p.clauses, fn)) for p in contract.parts))


def find(contract: Contract, ident: str) -> Clause | None:
    for _, c in contract.walk():
        if c.id == ident:
            return c
    return None


def part(contract: Contract, ident: str) -> Part | None:
    return next((p for p in contract.parts if p.id == ident), None)


def place(contract: Contract, clause: Clause, anchor: Anchor) -> Contract:
    target = part(contract, anchor.id)
    if target is not None and anchor.where == "into":
        parts = tuple(replace(p, clauses=p.clauses + (clause,)) if p.id == anchor.id else p for p in contract.parts)
        return replace(contract, parts=parts)

    def fn(c: Clause) -> list[Clause]:
        if c.id != anchor.id:
            return [c]
        if anchor.where == "before":
            return [clause, c]
        if anchor.where == "after":
            return [c, clause]
        return [replace(c, children=c.children + (clause,))]

    return map_parts(contract, fn)


def remove(contract: Contract, ident: str) -> Contract:
    return map_parts(contract, lambda c: [] if c.id == ident else [c])


def update(contract: Contract, ident: str, **changes: Any) -> Contract:
    return map_parts(contract, lambda c: [replace(c, **changes)] if c.id == ident else [c])


def subtree(contract: Contract, ident: str) -> list[str]:
    """Return the ids of a clause and everything below it (just `ident` when it is not found)."""
    c = find(contract, ident)
    return [d.id for d in c.walk()] if c is not None else [ident]
