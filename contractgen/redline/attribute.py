"""Tie every change of a redline to the declared variation that made it."""

from __future__ import annotations

from ..model import Contract, Variation
from .align import Out


def _subtree(contract: Contract, ident: str) -> list[str]:
    for _, c in contract.walk():
        if c.id == ident:
            return [d.id for d in c.walk()]
    return [ident]


def attribute(outs: list[Out], variations: list[Variation], base: Contract, varied: Contract) -> list[Out]:
    """Set `out.variation` on every changed paragraph; return the ones no variation explains."""
    by_clause: dict[str, Variation] = {}
    by_term: dict[str, Variation] = {}
    by_param: dict[str, Variation] = {}
    for v in variations:
        if v.op == "set":
            by_param[v.target] = v
        elif v.op in ("define", "undefine"):
            by_term[v.target] = v
        elif v.op == "delete":
            for ident in _subtree(base, v.target):
                by_clause.setdefault(ident, v)
        elif v.op in ("insert", "move"):
            for ident in _subtree(varied, v.target):
                by_clause.setdefault(ident, v)
        else:
            by_clause[v.target] = v
    changed_params = {k for k in varied.values if base.values.get(k) != varied.values.get(k)}
    unexplained = []
    for out in outs:
        if not out.changed:
            continue
        item, old = out.item, out.old
        found = None
        if item.term:
            found = by_term.get(item.term)
        elif item.clause_id:
            found = by_clause.get(item.clause_id)
        if found is None:
            shown = (item.params | (old.params if old else frozenset())) & changed_params
            for name in sorted(shown):
                if name in by_param:
                    found = by_param[name]
                    break
        if found is None:
            for name in sorted(item.conditions & changed_params):
                if name in by_param:
                    found = by_param[name]
                    break
        if found is None and item.term is None and item.clause_id and out.status in ("inserted", "deleted"):
            # a definition list or table that came or went with its clause
            found = by_clause.get(item.clause_id)
        out.variation = found
        if found is None:
            unexplained.append(out)
    return unexplained
