"""`replace`, `amend`, `retitle` and `delete`: change or remove a clause in place."""

from __future__ import annotations

from dataclasses import replace as copy
from typing import Any

from ..errors import AmendNotFound
from ..model import Clause, Contract, Variation, frozen_map
from . import Operation, clip, loc, unknown_clause
from .pins import pin_of_clause
from .tree import find, remove, update


class ClauseOperation(Operation):
    """An operation on one existing clause, named by `clause:`."""

    kind = "clause"
    target_key = "clause"

    def apply(self, contract: Contract, v: Variation) -> tuple[Contract, str]:
        clause = find(contract, v.target)
        if clause is None:
            raise unknown_clause(contract, v, v.target, "clause")
        return self.change(contract, v), pin_of_clause(clause)

    def change(self, contract: Contract, v: Variation) -> Contract:
        raise NotImplementedError

    # --- rebasing (docs/dev/rebase.md) ---------------------------------------------------------
    def rebase(self, v: Variation, ctx: Any) -> Any:
        """Follow the clause id through the migration map, rewrite what the variation writes, and
        judge a reworded target with `on_reworded`."""
        from ..rebase import CARRIED, CONFLICT, FLAGGED, Outcome, overlay_text, rewrite_text

        old_c = find(ctx.old, v.target)
        assert old_c is not None  # the overlay applies to its own base
        how, ids, note = ctx.successor(v.target)
        said = f" ({note})" if note else ""
        if how == "removed":
            return Outcome(v, CONFLICT, f"{ctx.new_ref} removes clause '{v.target}'{said}",
                           texts=(ctx.clause_text(ctx.old, v.target), "(removed)", overlay_text(v)),
                           suggestions=("if the national change answers the reason, delete the variation",
                                        "otherwise add the clause the consortium still needs as an `insert`"))
        if how == "split":
            chosen = self.split_successor(v, ctx, ids)
            if chosen is None:
                return Outcome(v, CONFLICT, f"{ctx.new_ref} splits clause '{v.target}' into {' and '.join(ids)}{said}; "
                               "the variation cannot say which part it belongs to",
                               texts=(ctx.clause_text(ctx.old, v.target),
                                      " / ".join(ctx.clause_text(ctx.new, i) for i in ids), overlay_text(v)),
                               suggestions=(f"address the variation to one of {', '.join(ids)}",
                                            "or make it one variation for each part"))
            ids = (chosen,)
        target = ids[0]
        new_c = find(ctx.new, target)
        assert new_c is not None
        problems: list[str] = []
        changes: dict[str, Any] = {"target": target}
        for attr in ("text", "find", "replace"):
            value, found = rewrite_text(getattr(v, attr), ctx)
            changes[attr] = value
            problems += found
        if problems:
            return Outcome(v, CONFLICT, "; ".join(dict.fromkeys(problems)),
                           texts=(ctx.clause_text(ctx.old, v.target), ctx.clause_text(ctx.new, target),
                                  overlay_text(v)),
                           suggestions=("rewrite the variation's text for the new version",))
        rebased = copy(v, **changes)
        followed = {"renamed": f"follows clause '{v.target}', renamed '{target}'{said}",
                    "merged": f"follows clause '{v.target}' into '{target}', which merges it{said}",
                    "split": f"follows clause '{v.target}' to '{target}', the part of the split that holds its "
                             f"text{said}"}.get(how)
        if pin_of_clause(old_c) == pin_of_clause(new_c):
            return Outcome(v, CARRIED if how in ("same", "renamed") else FLAGGED,
                           followed or "its clause is unchanged", rebased)
        out = self.on_reworded(v, rebased, ctx, old_c, new_c)
        if followed and out.status != CONFLICT:
            out.reason, out.status = f"{followed}; {out.reason}", FLAGGED
        return out

    def split_successor(self, v: Variation, ctx: Any, ids: tuple[str, ...]) -> str | None:
        """Return the one part of a split target the variation belongs to, or None (a conflict)."""
        return None

    def on_reworded(self, v: Variation, rebased: Variation, ctx: Any, old_c: Clause, new_c: Clause) -> Any:
        """Return the outcome when the new version rewords the target."""
        from ..rebase import FLAGGED, Outcome

        return Outcome(v, FLAGGED, f"{ctx.new_ref} rewords clause '{rebased.target}'; check the variation still "
                       "stands against the new text", rebased)

    @staticmethod
    def both_changed(v: Variation, rebased: Variation, ctx: Any, what: str) -> Any:
        from ..rebase import CONFLICT, Outcome, overlay_text

        return Outcome(v, CONFLICT, f"{ctx.new_ref} rewords the {what} the variation also changes",
                       texts=(ctx.clause_text(ctx.old, v.target), ctx.clause_text(ctx.new, rebased.target),
                              overlay_text(rebased)),
                       suggestions=("keep the consortium's wording: pin the variation against the new text",
                                    "take the national wording: delete the variation",
                                    "combine them: rewrite the variation to carry the national change too"))


class Replace(ClauseOperation):
    name = "replace"
    order = 2
    required = ("clause",)
    allowed = frozenset({"clause", "text", "heading", "table"})
    label = "Clause replaced"

    def problems(self, v: Any) -> list[tuple[str, str, str, str]]:
        out = []
        if not any(k in v for k in ("text", "table", "heading")):
            out.append(("key", "op", f"variation '{v['id']}': replace needs 'text:', 'table:' or 'heading:'",
                        "give the new text (or table)"))
        return out + super().problems(v)

    def change(self, contract: Contract, v: Variation) -> Contract:
        clause = find(contract, v.target)
        assert clause is not None
        changes: dict[str, Any] = {"locs": frozen_map({**clause.locs, "text": loc(v, "text"), "table": loc(v, "table")})}
        if v.text:
            changes["text"] = v.text
        if v.heading:
            changes["heading"] = v.heading
        if v.table:
            changes["table"] = v.table
        return update(contract, v.target, **changes)

    def supersedes(self, later: Variation, earlier: Variation) -> bool:
        return earlier.op in ("replace", "amend") and (later.heading is not None or earlier.heading is None)

    def on_reworded(self, v: Variation, rebased: Variation, ctx: Any, old_c: Clause, new_c: Clause) -> Any:
        from ..rebase import FLAGGED, Outcome

        touched = [a for a in ("text", "heading", "table") if getattr(v, a)]
        if all(getattr(rebased, a) == getattr(new_c, a) for a in touched):
            return Outcome(v, FLAGGED, f"{ctx.new_ref} now says what the variation says; it may be deleted", rebased)
        if all(getattr(old_c, a) == getattr(new_c, a) for a in touched):
            return Outcome(v, FLAGGED, f"{ctx.new_ref} changes only what the variation leaves as it is", rebased)
        return self.both_changed(v, rebased, ctx, "clause")


class Amend(ClauseOperation):
    name = "amend"
    order = 3
    required = ("clause", "find", "replace")
    allowed = frozenset({"clause", "find", "replace"})
    label = "Clause amended"

    def change(self, contract: Contract, v: Variation) -> Contract:
        clause = find(contract, v.target)
        assert clause is not None
        text = clause.text or ""
        count = text.count(v.find or "")
        if count != 1:
            where = "is not found" if count == 0 else f"is found {count} times"
            raise AmendNotFound(loc(v, "find"),
                                f"variation '{v.id}': the text to find {where} in clause '{v.target}' "
                                f"(find: «{clip(v.find or '', 80)}»; clause: «{clip(text, 160)}»)",
                                "copy the text exactly from the clause, with enough words to occur once"
                                if count == 0 else "add surrounding words so that it occurs exactly once",
                                subject=v.target)
        return update(contract, v.target, text=text.replace(v.find or "", v.replace or "", 1),
                      locs=frozen_map({**clause.locs, "text": loc(v, "replace")}))

    def makes(self, v: Variation) -> str:
        return f"find {v.find!r} → {v.replace!r}"

    def split_successor(self, v: Variation, ctx: Any, ids: tuple[str, ...]) -> str | None:
        from ..rebase import rewrite_text

        needle, _ = rewrite_text(v.find, ctx)
        texts = {i: (c.text or "") for i in ids if (c := find(ctx.new, i)) is not None}
        holding = [i for i, t in texts.items() if t.count(needle or "") == 1]
        return holding[0] if len(holding) == 1 else None

    def on_reworded(self, v: Variation, rebased: Variation, ctx: Any, old_c: Clause, new_c: Clause) -> Any:
        from ..rebase import FLAGGED, Outcome

        if (new_c.text or "").count(rebased.find or "") == 1:
            return Outcome(v, FLAGGED, f"{ctx.new_ref} rewords clause '{rebased.target}', but the text the "
                           "amendment finds still occurs in it once", rebased)
        return self.both_changed(v, rebased, ctx, "text the amendment finds in the clause, which")


class Retitle(ClauseOperation):
    name = "retitle"
    order = 9
    required = ("clause", "heading")
    allowed = frozenset({"clause", "heading"})
    label = "Heading changed"

    def change(self, contract: Contract, v: Variation) -> Contract:
        clause = find(contract, v.target)
        assert clause is not None
        return update(contract, v.target, heading=v.heading,
                      locs=frozen_map({**clause.locs, "heading": loc(v, "heading")}))

    def supersedes(self, later: Variation, earlier: Variation) -> bool:
        return earlier.op == "retitle"

    def on_reworded(self, v: Variation, rebased: Variation, ctx: Any, old_c: Clause, new_c: Clause) -> Any:
        from ..rebase import CARRIED, Outcome

        if old_c.heading == new_c.heading:
            return Outcome(v, CARRIED, f"{ctx.new_ref} rewords the clause but not the heading the variation "
                           "replaces", rebased)
        return self.both_changed(v, rebased, ctx, "heading")


class Delete(ClauseOperation):
    name = "delete"
    order = 5
    required = ("clause",)
    allowed = frozenset({"clause"})
    label = "Clause deleted"
    removes = True
    claims_subtree = True

    def change(self, contract: Contract, v: Variation) -> Contract:
        return remove(contract, v.target)

    def makes(self, v: Variation) -> str:
        return "(deleted)"

    def supersedes(self, later: Variation, earlier: Variation) -> bool:
        return True

    def on_reworded(self, v: Variation, rebased: Variation, ctx: Any, old_c: Clause, new_c: Clause) -> Any:
        from ..rebase import FLAGGED, Outcome

        return Outcome(v, FLAGGED, f"{ctx.new_ref} rewords clause '{rebased.target}', which the variation deletes; "
                       "check the deletion still stands", rebased)
