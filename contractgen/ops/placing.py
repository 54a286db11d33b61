"""`insert` and `move`: put a clause somewhere, before, after or into an anchor."""

from __future__ import annotations

from typing import Any

from ..errors import DuplicateId, SourceError
from ..model import Contract, Variation
from . import Operation, loc, unknown_clause
from .pins import pin_of_clause, pin_of_part
from .tree import find, part, place, remove


class Insert(Operation):
    name = "insert"
    order = 4
    kind = "clause"
    target_key = "clause"  # the new clause's own id (clause: is the clause itself)
    required = ("clause",)
    allowed = frozenset({"clause", "before", "after", "into"})
    label = "Clause inserted"
    anchored = True
    claims_subtree = True

    def problems(self, v: Any) -> list[tuple[str, str, str, str]]:
        from ..loader import Map

        if not isinstance(v.get("clause"), Map):
            return [("value", "clause", f"variation '{v['id']}': insert needs the new clause (id:, text:…)",
                     "write the clause as a mapping under clause:")]
        return []

    def apply(self, contract: Contract, v: Variation) -> tuple[Contract, str]:
        assert v.clause is not None and v.anchor is not None
        if find(contract, v.target) or part(contract, v.target):
            raise DuplicateId(loc(v, "clause"), f"variation '{v.id}' inserts clause '{v.target}', but that id exists",
                              "choose a new id for the inserted clause", subject=v.target)
        anchor_clause = find(contract, v.anchor.id)
        anchor_part = part(contract, v.anchor.id)
        if anchor_clause is None and not (anchor_part and v.anchor.where == "into"):
            raise unknown_clause(contract, v, v.anchor.id, v.anchor.where)
        pin = pin_of_clause(anchor_clause) if anchor_clause else pin_of_part(anchor_part)  # type: ignore[arg-type]
        return place(contract, v.clause, v.anchor), pin

    def was(self, base: Contract, v: Variation) -> str:
        c = find(base, v.anchor.id) if v.anchor else None
        return " ".join(filter(None, [c.heading, c.text])) if c else "(gone)"

    def makes(self, v: Variation) -> str:
        return f"(a new clause {v.anchor.where if v.anchor else ''} it)"


class Move(Operation):
    name = "move"
    order = 6
    kind = "clause"
    target_key = "clause"
    required = ("clause",)
    allowed = frozenset({"clause", "before", "after", "into"})
    label = "Clause moved"
    anchored = True
    claims_subtree = True

    def apply(self, contract: Contract, v: Variation) -> tuple[Contract, str]:
        assert v.anchor is not None
        clause = find(contract, v.target)
        if clause is None:
            raise unknown_clause(contract, v, v.target, "clause")
        inside = {c.id for c in clause.walk()}
        if v.anchor.id in inside:
            raise SourceError(loc(v, v.anchor.where), f"variation '{v.id}' moves '{v.target}' inside itself",
                              "choose an anchor outside the moved clause")
        if find(contract, v.anchor.id) is None and not (part(contract, v.anchor.id) and v.anchor.where == "into"):
            raise unknown_clause(contract, v, v.anchor.id, v.anchor.where)
        return place(remove(contract, v.target), clause, v.anchor), pin_of_clause(clause)

    def makes(self, v: Variation) -> str:
        return f"(moved {v.anchor.where if v.anchor else ''} {v.anchor.id if v.anchor else ''})"
