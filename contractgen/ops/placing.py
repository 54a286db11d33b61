"""`insert` and `move`: put a clause somewhere, before, after or into an anchor."""

from __future__ import annotations

from dataclasses import replace as copy
from typing import Any

from ..errors import DuplicateId, SourceError
from ..model import Anchor, Contract, Variation
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

    def rebase(self, v: Variation, ctx: Any) -> Any:
        """A new id the new version also adds is a conflict; else the anchor is followed."""
        return _rebase_insert(v, ctx)


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

    def rebase(self, v: Variation, ctx: Any) -> Any:
        """The moved clause and its anchor are followed by id; a removed or split one is a conflict."""
        return _rebase_move(v, ctx)


def _anchor(v: Variation, ctx: Any) -> tuple[Anchor | None, str | None, str, str]:
    """Return (the anchor in the new version, what makes it a conflict, how it was followed, and
    what became of it: same, renamed, merged, split or removed)."""
    assert v.anchor is not None
    a = v.anchor
    how, ids, note = ctx.successor(a.id)
    said = f" ({note})" if note else ""
    if how == "removed":
        return None, f"{ctx.new_ref} removes '{a.id}', the clause it is placed {a.where}{said}", "", how
    if how == "same":
        return a, None, "", how
    chosen = ids[-1] if a.where == "after" else ids[0]  # after a split: after its last part; else its first
    if chosen == a.id:  # a split or merge that keeps the anchor's id
        return Anchor(a.where, chosen), None, f"placed {a.where} '{a.id}', which {ctx.new_ref} {how}{said}", how
    return Anchor(a.where, chosen), None, f"placed {a.where} '{chosen}', the {how} '{a.id}'{said}", how


def _placed(v: Variation, ctx: Any, target: str | None = None) -> Any:
    """The replay shared by insert and move: follow the anchor; flag a reworded anchor."""
    from ..rebase import CARRIED, CONFLICT, FLAGGED, Outcome, overlay_text, rewrite_clause

    anchor, problem, followed, how = _anchor(v, ctx)
    if problem:
        return Outcome(v, CONFLICT, problem, texts=(ctx.clause_text(ctx.old, v.anchor.id), "(removed)", overlay_text(v)),
                       suggestions=("choose another anchor for the clause in the new version",))
    changes: dict[str, Any] = {"anchor": anchor}
    if target is not None:
        changes["target"] = target
    if v.clause is not None:
        clause, problems = rewrite_clause(v.clause, ctx)
        if problems:
            return Outcome(v, CONFLICT, "; ".join(dict.fromkeys(problems)),
                           texts=(ctx.clause_text(ctx.old, v.anchor.id), ctx.clause_text(ctx.new, anchor.id),
                                  overlay_text(v)),
                           suggestions=("rewrite the inserted clause for the new version",))
        changes["clause"] = clause
    rebased = copy(v, **changes)
    old_a, new_a = find(ctx.old, v.anchor.id), find(ctx.new, anchor.id)
    same = (old_a is None and new_a is None) or (old_a is not None and new_a is not None
                                                 and pin_of_clause(old_a) == pin_of_clause(new_a))
    if followed and not (how == "renamed" and same):  # a renamed, unchanged anchor is carried
        return Outcome(v, FLAGGED, followed, rebased)
    if followed:
        return Outcome(v, CARRIED, f"{followed}; its text is unchanged", rebased)
    if not same:
        return Outcome(v, FLAGGED, f"{ctx.new_ref} rewords '{anchor.id}', the clause it is placed {anchor.where}; "
                       "check the place still fits", rebased)
    return Outcome(v, CARRIED, "the clause it is placed by is unchanged", rebased)


def _rebase_insert(v: Variation, ctx: Any) -> Any:
    from ..rebase import CONFLICT, Outcome, overlay_text

    if find(ctx.new, v.target) is not None or part(ctx.new, v.target) is not None:
        return Outcome(v, CONFLICT, f"{ctx.new_ref} adds a clause with the id '{v.target}' that the variation inserts",
                       texts=("(none)", ctx.clause_text(ctx.new, v.target), overlay_text(v)),
                       suggestions=("if the national clause does what the inserted one did, delete the variation",
                                    "otherwise give the inserted clause another id"))
    return _placed(v, ctx)


def _rebase_move(v: Variation, ctx: Any) -> Any:
    from ..rebase import CONFLICT, FLAGGED, Outcome, overlay_text

    how, ids, note = ctx.successor(v.target)
    if how == "removed" or how == "split":
        what = "removes" if how == "removed" else f"splits into {' and '.join(ids)}"
        return Outcome(v, CONFLICT, f"{ctx.new_ref} {what} clause '{v.target}', which the variation moves",
                       texts=(ctx.clause_text(ctx.old, v.target), " / ".join(ctx.clause_text(ctx.new, i) for i in ids)
                              or "(removed)", overlay_text(v)),
                       suggestions=("move what is left of it, or delete the variation",))
    out = _placed(v, ctx, target=ids[0])
    old_c, new_c = find(ctx.old, v.target), find(ctx.new, ids[0])
    if out.status != CONFLICT and old_c is not None and new_c is not None and pin_of_clause(old_c) != pin_of_clause(new_c):
        out.status = FLAGGED  # like a delete of reworded text: the move is to be checked against it
        out.reason = f"{ctx.new_ref} rewords clause '{ids[0]}', which the variation moves; {out.reason}"
    if how in ("renamed", "merged") and out.status != CONFLICT:
        out.reason = f"follows clause '{v.target}', {how} '{ids[0]}'; {out.reason}"
    return out


