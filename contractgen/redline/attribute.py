"""Tie every change of a redline to the declared variation that made it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Contract, Variation
from ..ops import REGISTRY
from .align import Out


def attribute(outs: list[Out], variations: list[Variation], base: Contract, varied: Contract) -> list[Out]:
    """Set `out.variation` on every changed paragraph; return the ones no variation explains."""
    found = explain(outs, variations, base, varied)
    unexplained = []
    for out, v in zip(outs, found):
        if not out.changed:
            continue
        out.variation = v
        if v is None:
            unexplained.append(out)
    return unexplained


def explain(outs: list[Out], variations: list[Variation], base: Contract, varied: Contract,
            absent: str | None = None) -> list[Variation | None]:
    """Return, for each paragraph, the variation (from `base` to `varied`) that changed it, or None.

    In a diff, `variations` may be one operand's: `absent` is then the status of the paragraphs
    that operand does not have ("inserted" for the older side, "deleted" for the newer), which a
    variation can explain only by taking them away (a deletion, or a value that leaves them out).
    """
    by_clause: dict[str, Variation] = {}
    by_term: dict[str, Variation] = {}
    by_param: dict[str, Variation] = {}
    for v in variations:
        op = REGISTRY[v.op]
        if op.kind == "parameter":
            by_param[v.target] = v
        elif op.kind == "term":
            by_term[v.target] = v
        elif op.claims_subtree:
            for ident in op.claims(v, base, varied):
                by_clause.setdefault(ident, v)
        else:
            for ident in op.claims(v, base, varied):
                by_clause[ident] = v
    changed_params = {k for k in varied.values if base.values.get(k) != varied.values.get(k)}
    result: list[Variation | None] = []
    for out in outs:
        if not out.changed:
            result.append(None)
            continue
        item, old = out.item, out.old
        missing = absent is not None and out.status == absent

        def fits(v: Variation | None, missing: bool = missing) -> Variation | None:
            return v if v is not None and (not missing or REGISTRY[v.op].removes) else None

        found = None
        if item.term:
            found = fits(by_term.get(item.term))
        elif item.clause_id:
            found = fits(by_clause.get(item.clause_id))
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
            found = fits(by_clause.get(item.clause_id))
        result.append(found)
    return result


# ---------------------------------------------------------------------------------------------
# Variations of a chain that vary the same thing


def group_key(v: Variation) -> tuple[str, str]:
    """Return what a variation varies: ("parameter", name), ("term", term) or ("clause", id)."""
    return REGISTRY[v.op].kind, v.target


def supersedes(later: Variation, earlier: Variation) -> bool:
    """Whether `later` (same target, a later overlay or a declared value over a particular)
    leaves nothing of `earlier` standing, so that its reason no longer applies."""
    return REGISTRY[later.op].supersedes(later, earlier)  # an amendment, insertion or move builds on what came before


@dataclass
class Group:
    """The variations of a chain on one target, in the order they apply."""

    key: tuple[str, str]
    members: list[Variation] = field(default_factory=list)
    superseded: list[Variation] = field(default_factory=list)

    @property
    def live(self) -> list[Variation]:
        gone = {id(v) for v in self.superseded}
        return [v for v in self.members if id(v) not in gone]


def group_variations(variations: list[Variation]) -> list[Group]:
    """Return one group per target, in the order of each target's first variation; within a
    group, the variations a later one supersedes are marked so."""
    groups: dict[tuple[str, str], Group] = {}
    for v in variations:
        g = groups.setdefault(group_key(v), Group(group_key(v)))
        for earlier in g.live:
            if supersedes(v, earlier):
                g.superseded.append(earlier)
        g.members.append(v)
    return list(groups.values())
