"""Overlays: load one, resolve its chain (base → parent → child), apply its variations. Pure.

Every variation is addressed by id — a clause, a parameter or a defined term — never by
position or number, and carries a rationale, a category and a pin (a short hash of the text it
was written against). Problems are collected and reported together, located in the overlay.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import schemas, yamledit
from .errors import (
    AmendNotFound,
    Conflict,
    DuplicateId,
    Pos,
    SourceError,
    SourceErrors,
    StalePin,
    UndefinedWord,
    UnknownClause,
    UsageError,
    did_you_mean,
)
from .loader import Map, display_path, key_pos_of, pos_of
from .model import Anchor, Clause, Contract, Overlay, Variation, frozen_map
from .ops import REGISTRY, clip, kind_of, loc
from .ops.pins import pin_of_clause, pin_of_part, pin_of_term, pin_of_value
from .text import format_value, type_problem
from .validate import MAX_DEPTH, Report, _clause, _safe_load, check_contract, find_contract_dir

__all__ = ["AmendNotFound", "Conflict", "StalePin", "pin_of_clause", "pin_of_part", "pin_of_term", "pin_of_value"]

CATEGORY_OF_PARTICULAR = {
    "arrangement": "procedure", "call_off": "procedure", "tiers": "procedure", "award": "procedure",
    "term": "terms", "lots": "specification", "age_bands": "specification",
    "services": "specification", "monitoring": "monitoring",
}


# ---------------------------------------------------------------------------------------------
# Loading


def project_root(overlay_path: Path) -> Path:
    """Return the folder holding national_contract/ and variations/ for an overlay file."""
    # realpath, not Path.resolve: a loop of symbolic links is reported when the file is read
    folder = Path(os.path.realpath(overlay_path)).parent
    for candidate in (folder.parent, folder, Path.cwd()):
        if (candidate / "national_contract").is_dir():
            return candidate
    return folder.parent


def load_overlay(path: Path, report: Report, pins_optional: bool = False) -> Overlay | None:
    """Return the overlay at `path` (not yet applied), adding its problems to `report`.

    With `pins_optional` (for `contractgen pin`), a pin that is empty or malformed is no error.
    """
    raw = _safe_load(Path(path), report)
    if raw is None:
        return None
    shown = display_path(Path(path))
    if not isinstance(raw, Map):
        report.error(pos_of(raw) or Pos(shown, 1, 1), "an overlay should be a mapping of keys",
                     "start with 'id:', 'base:' or 'extends:', 'consortium:' and 'variations:'")
        return None
    n = len(report.errors)
    errors, warnings = schemas.check(raw, "overlay")
    if pins_optional and isinstance(raw.get("variations"), list):
        spots = {v.value_pos["pin"] for v in raw["variations"] if isinstance(v, Map) and "pin" in v}
        errors = [e for e in errors if e.pos not in spots]
    report.extend((errors, warnings))
    if len(report.errors) > n:
        return None
    if ("base" in raw) == ("extends" in raw):
        report.error(raw.pos, "an overlay needs exactly one of 'base:' and 'extends:'",
                     "write 'base: fostering@2026.1' or 'extends: <overlay id>'")
        return None
    if raw["id"] != Path(path).stem:
        report.error(pos_of(raw, "id"), f"overlay id '{raw['id']}' differs from its file name '{Path(path).name}'",
                     f"rename the file to {raw['id']}.yaml or the id to {Path(path).stem}")
    award = raw["consortium"].get("award")
    if award and award["quality"] + award["price"] != 100:
        report.error(pos_of(raw["consortium"], "award"),
                     f"award weightings add up to {award['quality'] + award['price']}%, not 100%",
                     "make quality + price = 100")
    assumed = raw["consortium"].get("assumed")
    for key in assumed or {}:
        if key not in raw["consortium"]:
            report.error(key_pos_of(assumed, key), f"'{key}' is marked as assumed, but the particulars give no {key}",
                         f"add the particular {key}: with its illustrative value, or remove it from assumed:")
    variations = []
    seen: dict[str, Pos | None] = {}
    for i, v in enumerate(raw["variations"]):
        var = _variation(v, report)
        if var is None:
            continue
        if var.id in seen:
            first = seen[var.id]
            report.error(var.pos, f"variation id '{var.id}' is used twice (first at line {first.line if first else '?'})",
                         "give each variation its own id", DuplicateId)
        seen[var.id] = var.pos
        variations.append(var)
    effective = raw["effective"]
    if isinstance(effective, str):
        effective = dt.date.fromisoformat(effective)
    return Overlay(
        id=raw["id"], path=shown, base=raw.get("base"), extends=raw.get("extends"),
        effective=effective, title=raw.get("title"), consortium=frozen_map(_plain(raw["consortium"])),
        variations=tuple(variations), pos=raw.pos, locs=frozen_map(dict(raw.value_pos)),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


COMMON = {"id", "op", "rationale", "category", "pin"}


def _variation(v: Map, report: Report) -> Variation | None:
    op = REGISTRY[v["op"]]
    pos = pos_of(v, "id")
    ok = True
    for key in op.required:
        if key not in v:
            report.error(key_pos_of(v, "op"), f"variation '{v['id']}': '{op.name}' needs '{key}:'", f"add '{key}:'")
            ok = False
    for key in sorted(set(v) - op.allowed - COMMON):
        report.error(key_pos_of(v, key), f"variation '{v['id']}': '{key}:' has no meaning for '{op.name}'",
                     f"remove it; '{op.name}' takes {', '.join(sorted(op.allowed))}")
        ok = False
    anchors = [k for k in ("before", "after", "into") if k in v]
    if op.anchored and len(anchors) != 1:
        report.error(key_pos_of(v, "op"), f"variation '{v['id']}': '{op.name}' needs exactly one of before:, after:, into:",
                     "say where the clause goes")
        ok = False
    if not v.get("rationale", "").strip():
        report.error(pos_of(v, "rationale"), f"variation '{v['id']}' has an empty rationale",
                     "say why local need requires this variation")
        ok = False
    elif v["rationale"].strip().casefold() == "todo":  # left by `contractgen extract`: --strict refuses it
        report.warnings.append(SourceError(pos_of(v, "rationale"), f"variation '{v['id']}' has the rationale TODO",
                                           "write the consortium's reason"))
    for where, key, message, hint in op.problems(v):
        report.error(key_pos_of(v, key) if where == "key" else pos_of(v, key), message, hint)
        ok = False
    if not ok:
        return None
    new_clause = None
    if op.name == "insert":
        from .loader import Seq

        clause_value = v["clause"]
        holder = Seq([clause_value])
        holder.pos = clause_value.pos
        holder.item_pos = [clause_value.pos]
        new_clause = _clause(clause_value, holder, 0, 2, report)
        target = new_clause.id
    else:
        target = v[op.target_key]
    anchor = Anchor(anchors[0], v[anchors[0]]) if anchors else None
    value = v.get("value")
    table = None
    if "table" in v:
        from .model import Table

        t = v["table"]
        table = Table(tuple(t["columns"]), tuple(tuple(r) for r in t["rows"]), pos=pos_of(v, "table"))
        for r, row in enumerate(t["rows"]):
            if len(row) != len(t["columns"]):
                report.error(pos_of(t["rows"], r), f"table row {r + 1} has {len(row)} cells for {len(t['columns'])} columns",
                             "give every row one cell per column (\"\" for an empty cell)")
    return Variation(
        id=v["id"], op=op.name, target=target, rationale=" ".join(v["rationale"].split()),
        category=v["category"], pin=v.get("pin"), anchor=anchor, text=v.get("text"),
        heading=v.get("heading"), find=v.get("find"), replace=v.get("replace"), value=value,
        clause=new_clause, forms=tuple(v.get("forms") or ()), table=table, pos=pos,
        locs=frozen_map(dict(v.value_pos)),
    )


# ---------------------------------------------------------------------------------------------
# Resolving a chain


@dataclass
class Resolved:
    """The base contract and the contract after each overlay of the chain, root first."""

    base: Contract
    steps: list[tuple[Overlay, Contract]] = field(default_factory=list)

    @property
    def contract(self) -> Contract:
        return self.steps[-1][1] if self.steps else self.base

    @property
    def overlay(self) -> Overlay:
        return self.steps[-1][0]

    @property
    def parent(self) -> Contract:
        return self.steps[-2][1] if len(self.steps) > 1 else self.base


def overlay_chain(path: Path, report: Report, pins_optional: bool = False) -> list[Overlay]:
    """Return the overlays from the one extending the base down to `path` (whose pins may be
    empty or malformed with `pins_optional`)."""
    chain: list[Overlay] = []
    seen: list[str] = []
    current: Path | None = Path(path)
    root = project_root(Path(path))
    while current is not None:
        ov = load_overlay(current, report, pins_optional=pins_optional and current == Path(path))
        if ov is None:
            return []
        if ov.id in seen:
            cycle = " → ".join([*seen, ov.id])
            first = chain[0]
            report.error(first.locs.get("extends", first.pos), f"overlays extend each other in a cycle: {cycle}",
                         "make one of them extend a base (base: fostering@…) instead")
            return []
        seen.append(ov.id)
        chain.append(ov)
        if ov.extends:
            parent = root / "variations" / f"{ov.extends}.yaml"
            if not parent.is_file():
                report.error(ov.locs.get("extends", ov.pos), f"overlay '{ov.extends}' not found ({display_path(parent)})",
                             did_you_mean(ov.extends, [p.stem for p in (root / "variations").glob("*.yaml")])
                             or "check the overlay id")
                return []
            current = parent
        else:
            current = None
    chain.reverse()
    return chain


def resolve_chain(path: Path, report: Report | None = None, strict: bool = False) -> Resolved:
    """Return the base and each step of applying the overlay chain that ends at `path`.

    A chain resolved without errors is kept in the cache (contractgen/cache.py) with its
    warnings, and reused while every file it read is unchanged."""
    from . import cache

    own = report is None
    report = report or Report()
    hit = cache.lookup("chain", Path(path))
    if hit is not None:
        resolved, warnings = hit
        report.warnings.extend(warnings)
        if not own and report.errors:
            raise SourceErrors(report.errors)
    else:
        n_warnings = len(report.warnings)
        with cache.recording() as deps:
            resolved = _resolve_chain(Path(path), report, own, strict)
        cache.store("chain", Path(path), deps, (resolved, report.warnings[n_warnings:]))
    if own:
        report.raise_if_errors(strict)
    return resolved


def _resolve_chain(path: Path, report: Report, own: bool, strict: bool) -> Resolved:
    """resolve_chain's work; raises SourceErrors on any error."""
    from .validate import load_contract

    chain = overlay_chain(path, report)
    if not chain:
        report.raise_if_errors(strict)
        raise SourceErrors(report.errors)
    root = project_root(path)
    first = chain[0]
    assert first.base is not None
    name, _, version = first.base.partition("@")
    try:
        folder = find_contract_dir(root / "national_contract" / name, version)
    except UsageError as exc:
        report.error(first.locs.get("base", first.pos), f"base '{first.base}' not found: {exc}",
                     "name a contract and version under national_contract/")
        raise SourceErrors(report.errors) from None
    base_report = Report()
    base = load_contract(folder, report=base_report)
    report.warnings.extend(base_report.warnings)
    if base_report.errors:  # build what validate would refuse? never: the base's problems stop here too
        report.errors.extend(base_report.errors)
        raise SourceErrors(report.errors)
    resolved = Resolved(base)
    current = base
    for ov in chain:
        n = len(report.errors)
        try:
            current = apply_overlay(current, ov)
        except SourceErrors as exc:
            report.errors.extend(exc.errors)
        if len(report.errors) > n:
            break
        resolved.steps.append((ov, current))
    if report.errors:
        if own:
            report.raise_if_errors(strict)
        raise SourceErrors(report.errors)
    return resolved


def resolve_overlay(path: Path, strict: bool = False) -> Contract:
    """Return the consolidated contract for the overlay at `path`."""
    return resolve_chain(path, strict=strict).contract


def load_overlay_checked(path: Path, report: Report) -> None:
    """Add every problem of the overlay at `path` (and of its chain) to `report`."""
    from .numbering import number_contract

    inner = Report()
    try:
        resolved = resolve_chain(path, report=inner)
        number_contract(resolved.contract)
    except SourceErrors as exc:
        inner.errors.extend(e for e in exc.errors if e not in inner.errors)
    report.errors.extend(inner.errors)
    report.warnings.extend(inner.warnings)


# ---------------------------------------------------------------------------------------------
# Applying


def particulars_value(consortium: Mapping[str, Any], source: str) -> Any:
    """Return the value at 'consortium.a.b' in the particulars, or None."""
    value: Any = {"consortium": consortium}
    for key in source.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def prose_list(items: list[Any]) -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _convert(ptype: str, value: Any) -> Any:
    if isinstance(value, list):
        if ptype in ("integer", "number"):
            total = sum(value)
            return int(total) if ptype == "integer" and float(total).is_integer() else total
        if ptype == "boolean":
            return bool(value)
        return prose_list(value) if value else "none"
    if ptype == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if ptype == "boolean" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value > 0
    if ptype == "text" and not isinstance(value, str):
        return str(value)
    if ptype == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def derived_variations(contract: Contract, overlay: Overlay) -> list[Variation]:
    """Return the `set` variations implied by the consortium particulars (`from:` parameters)."""
    out = []
    for name, p in contract.parameters.items():
        if not p.source:
            continue
        raw = particulars_value(overlay.consortium, p.source)
        if raw is None or raw == []:
            continue  # not given (or "none"): the base's own wording stands
        value = _convert(p.type, raw)
        if value == contract.values[name]:
            continue
        key = p.source.split(".")[1]
        out.append(Variation(
            id=f"particulars.{name.replace('_', '-')}", op="set", target=name,
            rationale=_sentence(f"Set from the consortium particulars ({p.source}): "
                                f"{format_value(p, value) if not type_problem(p, value) else value}"),
            category=CATEGORY_OF_PARTICULAR.get(key, "terms"), value=value, derived=True,
            pos=overlay.locs.get("consortium", overlay.pos),
        ))
    return out


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def apply_overlay(contract: Contract, overlay: Overlay, check_pins: bool = True,
                  pins: dict[str, str] | None = None) -> Contract:
    """Return `contract` with the overlay's variations applied; raise SourceErrors on any problem.

    With `pins` given, record each variation's pin there (computed against the text it targets
    when it is applied) instead of checking the pins written in the overlay.
    """
    errors: list[SourceError] = []
    current = contract
    seen: dict[tuple[str, str], Variation] = {}
    deleted: dict[str, Variation] = {}
    undefined: dict[str, Variation] = {}
    placed: dict[str, Variation] = {}  # clause id -> the insert or move that put it where it is
    ids = {c.id for _, c in contract.walk()} | {p.id for p in contract.parts}

    for v in [*derived_variations(contract, overlay), *overlay.variations]:
        kind = kind_of(v)
        key = (kind, v.target)
        if key in seen and not seen[key].derived:
            other = seen[key]
            errors.append(Conflict(v.pos, f"variations '{other.id}' and '{v.id}' both vary {kind} '{v.target}'",
                                   f"combine them into one variation (the first is at line {other.pos.line if other.pos else '?'})"))
            continue
        seen[key] = v
        try:
            current, pin = _apply_one(current, v, overlay)
        except SourceError as exc:
            errors.append(exc)
            continue
        if v.derived:
            continue
        if pins is not None:
            pins[v.id] = pin
        elif check_pins:
            if v.pin is None:
                errors.append(SourceError(v.pos, f"variation '{v.id}' has no pin",
                                          f"run `contractgen pin {overlay.path}` to record the text it was written against"))
            elif v.pin != pin:
                errors.append(_stale(contract, v, pin, overlay))
        if v.op == "delete":
            deleted[v.target] = v
        if v.op == "undefine":
            undefined[v.target] = v
        if v.op == "insert":
            ids.add(v.target)
        if v.op in ("insert", "move"):
            placed[v.target] = v

    errors.extend(_depth_problems(current, placed))
    if errors:
        raise SourceErrors(errors)
    consortium = dict(overlay.consortium)
    short = consortium.get("short_name") or consortium["name"]
    chain = [*contract.overlays, overlay.id]
    # facts only: the title page and core properties are worded where they are rendered
    # (render.docx.title_context, document_keywords)
    result = replace(
        current,
        title=overlay.title or contract.title,
        short_title=f"{contract.short_title.split(' — ')[0]} — {short}",
        date=overlay.effective,
        overlays=tuple(chain),
        context=frozen_map({"consortium": consortium, "effective": overlay.effective,
                            "declared": len(overlay.variations), "varies": contract.ref}),
    )
    report = Report()
    check_contract(result, report)
    problems = _after_checks(result, deleted, undefined)
    undefined_forms = {f for v in undefined.values() for f in _forms_of(contract, v.target)}
    undefined_words = undefined_forms | {w for f in undefined_forms for w in f.split()}
    for e in report.errors:
        if isinstance(e, UnknownClause) and e.subject in deleted:
            continue  # reported once, at the delete
        if isinstance(e, UndefinedWord) and e.subject in undefined_words:
            continue  # reported once, at the undefine
        problems.append(e)
    if problems:
        raise SourceErrors(problems)
    return result


def _depth_problems(contract: Contract, placed: Mapping[str, Variation]) -> list[SourceError]:
    """Return an error for each insert or move that puts a clause deeper than Word numbers it."""
    out: list[SourceError] = []
    reported: set[str] = set()

    def visit(clause: Clause, depth: int, culprit: Variation | None) -> None:
        culprit = placed.get(clause.id, culprit)
        if depth > MAX_DEPTH and culprit is not None and culprit.id not in reported:
            reported.add(culprit.id)
            what = "moves" if culprit.op == "move" else "inserts"
            out.append(SourceError(
                culprit.pos,
                f"variation '{culprit.id}' {what} clause '{culprit.target}' so that clause '{clause.id}' is "
                f"nested {depth} levels deep; at most {MAX_DEPTH} are numbered",
                "place it higher up: before or after a clause rather than into it; or flatten its children"))
        for child in clause.children:
            visit(child, depth + 1, culprit)

    for part in contract.parts:
        for clause in part.clauses:
            visit(clause, 1, None)
    return out


def _forms_of(contract: Contract, term: str) -> tuple[str, ...]:
    t = next((t for t in contract.terms if t.term == term), None)
    return t.all_forms if t else (term,)


def _after_checks(result: Contract, deleted: dict[str, Variation], undefined: dict[str, Variation]) -> list[SourceError]:
    import re

    from .text import split
    from .validate import texts_of

    out: list[SourceError] = []
    for term, v in undefined.items():
        pattern = re.compile(r"(?<![A-Za-z0-9])" + re.escape(term) + r"(?![A-Za-z0-9])")
        if any(pattern.search(text) for _, _, text in texts_of(result)):
            out.append(SourceError(v.pos, f"'{term}' is undefined by variation '{v.id}' but still used in the text",
                                   "amend the clauses that use it in this overlay, or keep the definition"))
    for ident, v in deleted.items():
        users = []
        for _, c in result.walk():
            texts = [c.text or ""] + ([x for r in c.table.rows for x in r] + list(c.table.columns) if c.table else [])
            if any(s.kind == "ref" and s.value == ident for t in texts for s in split(t)):
                users.append(repr(c.id))
        for defined in result.terms:
            if any(s.kind == "ref" and s.value == ident for s in split(defined.text)):
                users.append(f"the definition of '{defined.term}'")
        if users:
            out.append(SourceError(v.pos, f"deleting '{ident}' leaves {', '.join(users)} referring to it",
                                   "amend or delete the referring text in this overlay too"))
    return out


def _stale(base: Contract, v: Variation, now: str, overlay: Overlay) -> SourceError:
    op = REGISTRY[v.op]
    return StalePin(
        loc(v, "pin"),
        f"variation '{v.id}': the text of '{v.target}' has changed since the variation was written "
        f"(pin {v.pin}, now {now}); the text now reads: «{clip(op.was(base, v))}»; the variation makes it: "
        f"«{clip(op.makes(v))}»",
        f"review the variation against the new text, then run `contractgen pin {overlay.path}`",
        subject=v.id,
    )


def _apply_one(contract: Contract, v: Variation, overlay: Overlay) -> tuple[Contract, str]:
    return REGISTRY[v.op].apply(contract, v)


# ---------------------------------------------------------------------------------------------
# Pins written back into the overlay file


def fill_pins(path: Path) -> tuple[int, int]:
    """Write each variation's pin into the overlay file; return (pins written, pins changed)."""
    from .output import write_atomic

    report = Report()
    chain = overlay_chain(Path(path), report, pins_optional=True)
    report.raise_if_errors()
    resolved_parent: Contract
    if len(chain) > 1:
        parent_path = project_root(Path(path)) / "variations" / f"{chain[-2].id}.yaml"
        resolved_parent = resolve_chain(parent_path).contract
    else:
        from .validate import load_contract

        name, _, version = (chain[0].base or "").partition("@")
        resolved_parent = load_contract(find_contract_dir(project_root(Path(path)) / "national_contract" / name, version))
    pins: dict[str, str] = {}
    try:
        apply_overlay(resolved_parent, chain[-1], pins=pins)
    except SourceErrors as exc:
        blocking = [e for e in exc.errors if not isinstance(e, StalePin)]
        if blocking and not pins:
            raise
    shown = display_path(Path(path))
    data = Path(path).read_bytes()
    raw = yamledit.parse(data, shown)
    edits: list[yamledit.Edit] = []
    changed = 0
    for i, v in enumerate(raw["variations"]):
        new = pins.get(v["id"])
        if new is None:
            continue
        if "pin" not in v:
            edits.append(yamledit.AddKey(("variations", i), "pin", new, after="id"))
            changed += 1
        elif v["pin"] != new:
            edits.append(yamledit.SetValue(("variations", i, "pin"), new))
            changed += 1
    if edits:
        try:
            out = yamledit.edit_yaml(data, edits, shown)
        except yamledit.EditRefused as exc:
            at = exc.edit.path[1] if exc.edit and len(exc.edit.path) > 1 else 0
            vid = raw["variations"][at]["id"] if isinstance(at, int) else "?"
            what = "add" if isinstance(exc.edit, yamledit.AddKey) else "replace"
            raise SourceErrors([SourceError(
                exc.pos, f"cannot {what} the pin of variation '{vid}' here without changing other text: {exc.detail}",
                f"write `pin: \"\"` in the variation itself, not through an anchor or merge key, "
                f"and run `contractgen pin {shown}` again")]) from None
        write_atomic(Path(path), out)
    return len(pins), changed
