"""`define` and `undefine`: add, replace or remove a defined term."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..errors import SourceError, did_you_mean
from ..model import Contract, Term, Variation
from . import Operation, loc
from .pins import pin_of_term


def _term(contract: Contract, name: str) -> Term | None:
    return next((t for t in contract.terms if t.term == name), None)


class Define(Operation):
    name = "define"
    order = 7
    kind = "term"
    target_key = "term"
    required = ("term", "text")
    allowed = frozenset({"term", "text", "forms"})
    label = "Term defined"

    def apply(self, contract: Contract, v: Variation) -> tuple[Contract, str]:
        existing = _term(contract, v.target)
        new = Term(term=v.target, text=v.text or "", forms=v.forms or (existing.forms if existing else ()),
                   pos=loc(v, "term"), text_pos=loc(v, "text"))
        terms = [t for t in contract.terms if t.term != v.target] + [new]
        return replace(contract, terms=tuple(terms)), pin_of_term(existing)

    def was(self, base: Contract, v: Variation) -> str:
        term = _term(base, v.target)
        return term.text if term else "(not defined)"

    def supersedes(self, later: Variation, earlier: Variation) -> bool:
        return True

    def rebase(self, v: Variation, ctx: Any) -> Any:
        """A renamed term is followed; a term both define anew, or whose national definition the
        new version also rewords, is a conflict."""
        from dataclasses import replace as copy

        from ..rebase import CARRIED, CONFLICT, FLAGGED, Outcome, rewrite_text

        how, ids, note = ctx.term_map.get(v.target, ("same", (v.target,), ""))
        if how == "removed":
            return Outcome(v, CONFLICT, f"{ctx.new_ref} removes the defined term '{v.target}' ({note})",
                           texts=(self.was(ctx.old, v), "(removed)", v.text or ""),
                           suggestions=("delete the variation if nothing uses the term", "or keep defining it"))
        name = ids[0] if ids else v.target
        text, problems = rewrite_text(v.text, ctx)
        if problems:
            return Outcome(v, CONFLICT, "; ".join(problems), texts=(self.was(ctx.old, v), "", v.text or ""),
                           suggestions=("rewrite the definition for the new version",))
        rebased = copy(v, target=name, text=text)
        old_t, new_t = _term(ctx.old, v.target), _term(ctx.new, name)
        followed = f"follows the term '{v.target}', renamed '{name}' ({note})" if name != v.target else ""
        if old_t is None and new_t is not None and self.name == "define":
            return Outcome(v, CONFLICT, f"{ctx.new_ref} defines '{name}' too",
                           texts=("(not defined)", new_t.text, v.text or ""),
                           suggestions=("if the national definition serves, delete the variation",
                                        "otherwise keep the consortium's: pin it against the new version"))
        if self.name == "undefine" and new_t is None:
            return Outcome(v, CONFLICT, f"{ctx.new_ref} no longer defines '{name}'; the variation has nothing to remove",
                           texts=(self.was(ctx.old, v), "(not defined)", "(definition removed)"),
                           suggestions=("delete the variation",))
        if old_t is not None and new_t is not None and old_t.text != new_t.text and self.name == "define":
            return Outcome(v, CONFLICT, f"{ctx.new_ref} rewords the definition of '{name}' the variation also replaces",
                           texts=(old_t.text, new_t.text, v.text or ""),
                           suggestions=("keep the consortium's definition: pin it", "take the national one: delete "
                                        "the variation", "combine the two"))
        if self.name == "undefine" and old_t is not None and new_t is not None and old_t.text != new_t.text:
            return Outcome(v, FLAGGED, (f"{followed}; " if followed else "") + f"{ctx.new_ref} rewords the definition "
                           f"of '{name}' the variation removes; check the removal still stands", rebased)
        if followed:  # a renamed term whose national definition is unchanged is carried
            same = old_t is not None and new_t is not None and old_t.text == new_t.text
            return Outcome(v, CARRIED if same else FLAGGED, followed, rebased)
        return Outcome(v, CARRIED, "the term is unchanged" if old_t is not None else "a term the consortium adds",
                       rebased)


class Undefine(Define):
    name = "undefine"
    order = 8
    required = ("term",)
    allowed = frozenset({"term"})
    label = "Definition removed"
    removes = True

    def apply(self, contract: Contract, v: Variation) -> tuple[Contract, str]:
        existing = _term(contract, v.target)
        if existing is None:
            raise SourceError(loc(v, "term"), f"'{v.target}' is not a defined term, so it cannot be undefined",
                              did_you_mean(v.target, [t.term for t in contract.terms]) or "check the term")
        return replace(contract, terms=tuple(t for t in contract.terms if t.term != v.target)), pin_of_term(existing)

    def makes(self, v: Variation) -> str:
        return "(definition removed)"
