"""`define` and `undefine`: add, replace or remove a defined term."""

from __future__ import annotations

from dataclasses import replace

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
