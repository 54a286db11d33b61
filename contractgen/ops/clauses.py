"""`replace`, `amend`, `retitle` and `delete`: change or remove a clause in place."""

from __future__ import annotations

from typing import Any

from ..errors import AmendNotFound
from ..model import Contract, Variation, frozen_map
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
