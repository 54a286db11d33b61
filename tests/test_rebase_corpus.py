"""A generated rebase corpus: every shipped overlay replayed (contractgen.rebase.replay) onto
copies of its own base mutated in memory — the variation's target reworded, another clause
reworded, the target deleted, moved to another parent, split, renamed (the last two through the
migration map) — each with the outcome docs/dev/rebase.md gives for it.

For every replay: no silent loss (each variation has exactly one outcome, in order); the expected
outcome of the variation the mutation aims at; and for every carried or flagged variation whose
target the base did not change, the rebased overlay makes of the new base what the original made
of the old (same clause words, value, definition, presence and place). The share carried,
flagged and in conflict onto the real next versions is printed (`pytest -s`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from contractgen.model import Clause, Contract, Migration, Overlay, Term, Variation
from contractgen.ops import kind_of
from contractgen.ops.pins import pin_of_clause
from contractgen.ops.tree import find, map_parts, part, place, remove, update
from contractgen.overlay import apply_overlay, derived_variations, overlay_chain
from contractgen.rebase import CARRIED, CONFLICT, FLAGGED, clause_words, rebase_many, replay
from contractgen.text import split
from contractgen.validate import Report, find_contract_dir, load_contract

OVERLAYS = sorted((ROOT / "variations").glob("*.yaml"))
NEW_SENTENCE = "This sentence is new in the revision."
#: Variations of one operation mutated per overlay (a sample, to keep the run short)
PER_OP = 3
CLAUSE_OPS = ("replace", "amend", "retitle", "delete", "move", "insert")


@dataclass
class Mutation:
    kind: str
    new: Contract
    clause_ids: dict[str, str]  # old clause id -> new id (renamed)
    terms: dict[str, str]  # old term -> new term (renamed)
    changed: str | None = None  # which attribute of the target a reword changed


@functools.cache
def national(ref: str) -> Contract:
    name, _, version = ref.partition("@")
    return load_contract(find_contract_dir(ROOT / "national_contract" / name, version))


@functools.cache
def own_base(path: Path) -> tuple[Overlay, Contract]:
    """Return the overlay at `path` and the contract it applies to (its parent's result)."""
    chain = overlay_chain(path, Report())
    assert chain, path
    base = national(chain[0].base or "")
    for ov in chain[:-1]:
        base = apply_overlay(base, ov)
    return chain[-1], base


def revision(base: Contract, migration: tuple[Migration, ...] = (), **changes: Any) -> Contract:
    return replace(base, version=f"{base.version}-mutated", revises=base.version, migration=migration, **changes)


def rename_refs(contract: Contract, old: str, new: str) -> Contract:
    pattern = re.compile(r"\[\[\s*" + re.escape(old) + r"\s*\]\]")
    return map_parts(contract, lambda c: [replace(c, text=pattern.sub(f"[[{new}]]", c.text))
                                          if c.text and pattern.search(c.text) else c])


def term_pattern(form: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(form) + r"(?![A-Za-z0-9])")


def rename_term_uses(text: str | None, terms: dict[str, str]) -> str | None:
    for a, b in sorted(terms.items(), key=lambda kv: len(kv[0]), reverse=True):
        text = term_pattern(a).sub(b, text) if text else text
    return text


# --- the mutations ------------------------------------------------------------------------------

def reword_clause(base: Contract, ident: str) -> Mutation:
    c = find(base, ident)
    assert c is not None
    if c.text:
        new, changed = update(base, ident, text=f"{c.text} {NEW_SENTENCE}"), "text"
    else:
        new, changed = update(base, ident, heading=f"{c.heading or ''} (revised)".strip()), "heading"
    return Mutation("reword", revision(new), {}, {}, changed)


def delete_clause(base: Contract, ident: str) -> Mutation:
    gone = (Migration("clause", (ident,), (), "Removed in the revision."),)
    return Mutation("delete", revision(remove(base, ident), gone), {}, {})


def move_clause(base: Contract, ident: str) -> Mutation | None:
    c = find(base, ident)
    assert c is not None
    inside = {d.id for d in c.walk()}
    parent = next((p.id for _, p in base.walk() if any(k.id == ident for k in p.children)), None)
    host = next((top.id for p in base.parts for top in p.clauses
                 if top.id not in inside and top.id != parent and top.id != ident), None)
    if host is None:
        return None
    from contractgen.model import Anchor

    return Mutation("move", revision(place(remove(base, ident), c, Anchor("into", host))), {}, {})


def split_clause(base: Contract, ident: str) -> Mutation:
    from contractgen.model import Anchor

    extra = Clause(id=f"{ident}-split", text="A clause split from the one before it in the revision.")
    migration = (Migration("clause", (ident,), (ident, extra.id), "Split in the revision."),)
    return Mutation("split", revision(place(base, extra, Anchor("after", ident)), migration), {}, {})


def rename_clause(base: Contract, ident: str) -> Mutation:
    new_id = f"{ident}-renamed"
    new = rename_refs(update(base, ident, id=new_id), ident, new_id)
    migration = (Migration("clause", (ident,), (new_id,), "Renamed in the revision."),)
    return Mutation("rename", revision(new, migration), {ident: new_id}, {})


def reword_elsewhere(base: Contract, touched: set[str]) -> Mutation | None:
    """Reword the first clause with text that no variation aims at."""
    other = next((c.id for _, c in base.walk() if c.id not in touched and c.text), None)
    return replace(reword_clause(base, other), kind="elsewhere", changed=None) if other else None


def new_default(p: Any, value: Any) -> Any:
    if p.type == "choice":
        return next(c for c in p.choices if c != value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + " (revised)"
    return None


def parameter_mutations(base: Contract, name: str) -> list[Mutation]:
    p = base.parameters[name]
    out = []
    value = new_default(p, base.values[name])
    if value is not None:
        out.append(Mutation("reword", revision(base, values={**base.values, name: value}), {}, {}))
    gone = (Migration("parameter", (name,), (), "Removed in the revision."),)
    out.append(Mutation("delete", revision(base, gone, parameters={k: v for k, v in base.parameters.items() if k != name},
                                           values={k: v for k, v in base.values.items() if k != name}), {}, {}))
    return out


def term_mutations(base: Contract, name: str) -> list[Mutation]:
    existing = next((t for t in base.terms if t.term == name), None)
    if existing is None:  # a term the overlay adds: the new version adds it too
        clash = Term(term=name, text="means what the revision says it means.")
        return [Mutation("clash", revision(base, terms=(*base.terms, clash)), {}, {})]
    reworded = tuple(replace(t, text=t.text + " " + NEW_SENTENCE) if t.term == name else t for t in base.terms)
    gone = (Migration("term", (name,), (), "Removed in the revision."),)
    new_name = f"Renamed {name}"
    forms = dict(zip(existing.all_forms[:2], (new_name, Term(new_name, "").all_forms[1]), strict=False))
    renamed = tuple(replace(t, term=new_name, forms=()) if t.term == name else replace(t, text=rename_term_uses(t.text, forms))
                    for t in base.terms)
    renamed_base = map_parts(base, lambda c: [replace(c, text=rename_term_uses(c.text, forms))])
    return [Mutation("reword", revision(base, terms=reworded), {}, {}),
            Mutation("delete", revision(base, gone, terms=tuple(t for t in base.terms if t.term != name)), {}, {}),
            Mutation("rename", revision(renamed_base, (Migration("term", (name,), (new_name,), "Renamed."),),
                                        terms=renamed), {}, forms)]


# --- what each mutation should do to the variation it aims at -----------------------------------

def refs(v: Variation) -> set[str]:
    texts = [v.text, v.find, v.replace] + ([d.text for d in v.clause.walk()] if v.clause else [])
    return {s.value for t in texts if t for s in split(t) if s.kind == "ref"}


def expected(v: Variation, m: Mutation) -> str:
    if m.kind == "elsewhere":
        return CARRIED
    if v.op == "set":
        return {"reword": FLAGGED, "delete": CONFLICT}[m.kind]
    if v.op in ("define", "undefine"):
        if m.kind == "clash":
            return CONFLICT
        return {"reword": CONFLICT if v.op == "define" else FLAGGED, "delete": CONFLICT, "rename": CARRIED}[m.kind]
    target = v.anchor.id if v.op == "insert" else v.target  # type: ignore[union-attr]
    if m.kind == "delete" or (m.kind == "split" and target in refs(v)):
        return CONFLICT
    if m.kind in ("move", "rename"):
        return CARRIED
    if m.kind == "split":
        return FLAGGED if v.op in ("amend", "insert") else CONFLICT
    # reword
    if v.op == "replace":
        return CONFLICT if getattr(v, m.changed or "text") else FLAGGED
    if v.op == "retitle":
        return CONFLICT if m.changed == "heading" else CARRIED
    return FLAGGED


def mutations_for(v: Variation, base: Contract, overlay: Overlay, aimed: dict[str, int]) -> list[Mutation]:
    """Return the mutations aimed at `v` (none when another variation shares its target)."""
    kind = kind_of(v)
    if kind == "parameter":
        if base.parameters[v.target].source or aimed[v.target] > 1:
            return []
        return parameter_mutations(base, v.target)
    if kind == "term":
        return term_mutations(base, v.target) if aimed[v.target] == 1 else []
    target = v.anchor.id if v.op == "insert" else v.target  # type: ignore[union-attr]
    if aimed[target] > 1 or part(base, target) is not None or find(base, target) is None:
        return []
    out = [reword_clause(base, target), delete_clause(base, target), split_clause(base, target),
           rename_clause(base, target)]
    moved = move_clause(base, target)
    return out + ([moved] if moved else [])


def aims(overlay: Overlay, base: Contract) -> dict[str, int]:
    """Return how many variations (derived ones included) aim at each clause, parameter or term."""
    count: dict[str, int] = {}
    for v in [*derived_variations(base, overlay), *overlay.variations]:
        for ident in {v.target, *([v.anchor.id] if v.anchor else [])}:
            count[ident] = count.get(ident, 0) + 1
    return count


# --- the overlay's effect survives ----------------------------------------------------------------

def position(contract: Contract, ident: str) -> tuple[str | None, str | None, str | None]:
    """Return (parent or part id, previous sibling, next sibling) of a clause."""
    def look(owner: str, kids: tuple[Clause, ...]) -> tuple[str | None, str | None, str | None] | None:
        for i, k in enumerate(kids):
            if k.id == ident:
                return owner, kids[i - 1].id if i else None, kids[i + 1].id if i + 1 < len(kids) else None
            found = look(k.id, k.children)
            if found:
                return found
        return None

    for p in contract.parts:
        found = look(p.id, p.clauses)
        if found:
            return found
    return None, None, None


def holds(contract: Contract, ident: str, where: str, anchor: str) -> bool:
    owner, before, after = position(contract, ident)
    return {"after": before == anchor, "before": after == anchor, "into": owner == anchor}[where]


def check_effect(overlay: Overlay, outcomes: list[Any], old_base: Contract, new_base: Contract,
                 old_res: Contract, new_res: Contract, m: Mutation) -> None:
    ids = m.clause_ids

    def mapped(text: str) -> str:
        for a, b in ids.items():
            text = re.sub(r"\[\[\s*" + re.escape(a) + r"\s*\]\]", f"[[{b}]]", text)
        return rename_term_uses(text, m.terms) or ""

    standing: dict[str, bool] = {}
    for o in outcomes:
        standing[o.variation.target] = standing.get(o.variation.target, True) and o.status != CONFLICT
    for o in outcomes:
        v = o.variation
        if o.status == CONFLICT or not standing[v.target]:
            continue
        r = o.rebased
        assert r is not None
        label = (overlay.id, m.kind, v.id, v.op)
        if v.op == "set":
            if old_base.values[v.target] == new_base.values[v.target]:
                assert new_res.values[v.target] == old_res.values[v.target], label
        elif v.op in ("define", "undefine"):
            old_t = next((t for t in old_base.terms if t.term == v.target), None)
            new_t = next((t for t in new_base.terms if t.term == r.target), None)
            if (old_t.text if old_t else None) == (new_t.text if new_t else None) or m.terms:
                got = next((t.text for t in new_res.terms if t.term == r.target), None)
                was = next((t.text for t in old_res.terms if t.term == v.target), None)
                assert got == (mapped(was) if was else None), label
        else:
            a, b = find(old_base, v.target), find(new_base, r.target)
            if v.op != "insert" and (a is None or b is None or pin_of_clause(a) != pin_of_clause(b)):
                continue  # the base changed the clause: its text may differ
            was, got = find(old_res, v.target), find(new_res, r.target)
            assert (was is None) == (got is None), label
            if was is not None and got is not None:
                assert mapped(clause_words(was)) == clause_words(got), label
            if v.anchor is not None and r.anchor is not None and was is not None:
                oa, na = find(old_base, v.anchor.id), find(new_base, r.anchor.id)
                if oa is not None and na is not None and pin_of_clause(oa) == pin_of_clause(na):
                    assert holds(old_res, v.target, v.anchor.where, v.anchor.id) == holds(
                        new_res, r.target, r.anchor.where, r.anchor.id), label


# --- the tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", OVERLAYS, ids=[p.stem for p in OVERLAYS])
def test_rebase_corpus(path: Path) -> None:
    overlay, base = own_base(path)
    aimed = aims(overlay, base)
    touched = set(aimed)
    elsewhere = reword_elsewhere(base, touched)
    runs: list[tuple[Mutation, Variation | None]] = [(elsewhere, None)] if elsewhere else []
    per_op: dict[str, int] = {}
    for v in overlay.variations:  # a sample: at most PER_OP variations of each operation
        found = mutations_for(v, base, overlay, aimed)
        if found and per_op.get(v.op, 0) < PER_OP:
            per_op[v.op] = per_op.get(v.op, 0) + 1
            runs += [(m, v) for m in found]
    assert runs, overlay.id
    seen = set()
    for m, aimed_at in runs:
        outcomes, old_res, new_res = replay(overlay, base, m.new, base.ref, m.new.ref)
        # no silent loss: one outcome per variation, in order, each one of the three
        assert [o.variation for o in outcomes] == list(overlay.variations), (overlay.id, m.kind)
        assert all(o.status in (CARRIED, FLAGGED, CONFLICT) for o in outcomes)
        assert all(o.rebased is not None for o in outcomes if o.status != CONFLICT)
        if aimed_at is None:
            assert all(o.status == CARRIED for o in outcomes), [(o.variation.id, o.reason) for o in outcomes
                                                                if o.status != CARRIED]
        else:
            got = next(o for o in outcomes if o.variation is aimed_at)
            assert got.status == expected(aimed_at, m), (overlay.id, m.kind, aimed_at.id, aimed_at.op, got.reason)
            seen.add((aimed_at.op, m.kind, got.status))
        check_effect(overlay, outcomes, base, m.new, old_res, new_res, m)
    assert seen or not overlay.variations


def test_the_corpus_covers_every_operation_and_mutation() -> None:
    """Across all shipped overlays, every clause operation meets every clause mutation."""
    pairs = set()
    for path in OVERLAYS:
        overlay, base = own_base(path)
        aimed = aims(overlay, base)
        for v in overlay.variations:
            pairs |= {(v.op, m.kind) for m in mutations_for(v, base, overlay, aimed)}
    ops = {p[0] for p in pairs}
    assert {"set", "amend", "replace", "insert", "delete", "define"} <= ops, ops
    for op in ops & set(CLAUSE_OPS):
        assert {k for o, k in pairs if o == op} >= {"reword", "delete", "split", "rename"}, (op, pairs)


def test_the_share_onto_the_real_next_versions(tmp_path: Path) -> None:
    """Rebase every shipped overlay, as it was on 2026.1 (tests/data/overlays-2026.1), onto 2026.2."""
    import shutil

    shutil.copytree(ROOT / "national_contract", tmp_path / "national_contract")
    shutil.copytree(ROOT / "tests" / "data" / "overlays-2026.1", tmp_path / "variations")
    totals = {CARRIED: 0, FLAGGED: 0, CONFLICT: 0}
    rows = []
    for onto in ("fostering@2026.2", "residential@2026.2"):
        paths = [p for p in sorted((tmp_path / "variations").glob("*.yaml"))
                 if overlay_chain(p, Report())[0].base.startswith(onto.split("@")[0] + "@")]
        for r in rebase_many(paths, onto):
            assert [o.variation for o in r.outcomes] == list(r.overlay.variations)
            assert r.carried + r.flagged + r.conflicts == len(r.outcomes)
            for o in r.outcomes:
                totals[o.status] += 1
            rows.append((r.path.stem, r.old_ref, r.new_ref, r.carried, r.flagged, r.conflicts))
    assert len(rows) == 33
    n = sum(totals.values())
    print(f"\nrebase onto the next version: {len(rows)} overlays, {n} variations — "
          + ", ".join(f"{totals[s]} {s} ({100 * totals[s] / n:.1f}%)" for s in (CARRIED, FLAGGED, CONFLICT)))
    for row in rows:
        print("  {:40} {} → {}: {} carried, {} flagged, {} in conflict".format(*row))
    assert totals[CARRIED] > 0
