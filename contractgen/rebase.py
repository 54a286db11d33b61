"""Rebase an overlay onto a new national version (docs/dev/rebase.md). The replay is pure; the
edit of the overlay file goes through yamledit, losslessly."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import yamledit
from .errors import SourceError, SourceErrors, UsageError
from .loader import display_path
from .model import Clause, Contract, Overlay, Variation
from .ops import REGISTRY, kind_of
from .ops.tree import find
from .text import split

#: The exit code of `contractgen rebase` when conflicts remain (docs/dev/rebase.md).
EXIT_CONFLICTS = 3
CARRIED, FLAGGED, CONFLICT = "carried", "flagged", "conflict"


@dataclass
class Outcome:
    """What became of one variation."""

    variation: Variation
    status: str  # carried | flagged | conflict
    reason: str
    rebased: Variation | None = None  # the variation as it applies to the new version
    pin: str | None = None
    #: old base, new base and overlay texts of a conflict (trimmed when shown)
    texts: tuple[str, str, str] | None = None
    suggestions: tuple[str, ...] = ()


@dataclass
class Context:
    """What an operation's `rebase` reads: the old and the new base as the earlier variations
    left them, and the new version's migration map."""

    old: Contract
    new: Contract
    old_ref: str
    new_ref: str
    clause_map: dict[str, tuple[str, tuple[str, ...], str]] = field(default_factory=dict)  # id → (kind, ids, note)
    term_map: dict[str, tuple[str, tuple[str, ...], str]] = field(default_factory=dict)
    parameter_map: dict[str, tuple[str, tuple[str, ...], str]] = field(default_factory=dict)

    def successor(self, ident: str) -> tuple[str, tuple[str, ...], str]:
        """Return (how, successor ids, note) for a clause id of the old base: ("same", (id,), "")
        when it stays; ("renamed" | "merged" | "split" | "removed", ids, the editor's note)."""
        if ident in self.clause_map:
            return self.clause_map[ident]
        if find(self.new, ident) is not None or any(p.id == ident for p in self.new.parts):
            return "same", (ident,), ""
        return "removed", (), ""

    def clause_text(self, contract: Contract, ident: str) -> str:
        c = find(contract, ident)
        return clause_words(c) if c else "(not in this version)"


def clause_words(c: Clause) -> str:
    parts = [c.heading or "", c.text or ""]
    if c.table:
        parts += [" | ".join(c.table.columns)] + [" | ".join(r) for r in c.table.rows]
    return " ".join(p for p in parts if p)


def migration_maps(contract: Contract) -> dict[str, dict[str, tuple[str, tuple[str, ...], str]]]:
    out: dict[str, dict[str, tuple[str, tuple[str, ...], str]]] = {"clause": {}, "term": {}, "parameter": {}}
    for m in contract.migration:
        for ident in m.from_ids:
            kind = m.kind
            if kind == "split" and ident in m.to_ids and len(m.to_ids) > 1:
                kind = "split"
            out[m.of][ident] = (kind, m.to_ids, m.note)
    return out


# --- rewriting what the overlay writes --------------------------------------------------------

def rewrite_text(text: str | None, ctx: Context) -> tuple[str | None, list[str]]:
    """Return `text` with references to renamed or merged clauses and renamed terms written for
    the new version, and what in it cannot be (references to removed clauses, removed parameters)."""
    if not text:
        return text, []
    problems: list[str] = []
    out = []
    for seg in split(text):
        if seg.kind == "ref":
            how, ids, _ = ctx.successor(seg.value) if find(ctx.old, seg.value) or any(
                p.id == seg.value for p in ctx.old.parts) else ("same", (seg.value,), "")
            if how in ("renamed", "merged") and ids:
                out.append(seg.raw.replace(seg.value, ids[0]))
                continue
            if how == "removed":
                problems.append(f"it refers to clause '{seg.value}', which {ctx.new_ref} removes")
            elif how == "split":
                problems.append(f"it refers to clause '{seg.value}', which {ctx.new_ref} splits into "
                                + " and ".join(ids))
        elif seg.kind == "param" and seg.value not in ctx.new.parameters:
            how, ids, _ = ctx.parameter_map.get(seg.value, ("removed", (), ""))
            if how == "renamed" and ids and ids[0] in ctx.new.parameters:
                out.append(seg.raw.replace(seg.value, ids[0]))
                continue
            problems.append(f"it uses the parameter '{seg.value}', which {ctx.new_ref} removes")
        out.append(seg.raw if seg.kind != "text" else seg.value)
    new = "".join(out)
    for old_term, (how, ids, _) in ctx.term_map.items():
        if how == "renamed" and ids:
            forms, unmapped = term_forms(ctx, old_term, ids[0])
            for form in sorted(forms, key=len, reverse=True):
                new = re.sub(r"(?<![A-Za-z0-9])" + re.escape(form) + r"(?![A-Za-z0-9])", forms[form], new)
            for form in unmapped:
                if re.search(r"(?<![A-Za-z0-9])" + re.escape(form) + r"(?![A-Za-z0-9])", new):
                    problems.append(f"it uses '{form}', a form of the term '{old_term}', which {ctx.new_ref} "
                                    f"renames '{ids[0]}'")
    return new, problems


def term_forms(ctx: Context, old_name: str, new_name: str) -> tuple[dict[str, str], list[str]]:
    """Return the forms of a renamed term mapped to the new term's (the term and its plural,
    explicit forms in order when both give as many), and the old forms with no counterpart."""
    old_t = next((t for t in ctx.old.terms if t.term == old_name), None)
    new_t = next((t for t in ctx.new.terms if t.term == new_name), None)
    forms = {old_name: new_name}
    if old_t is None or new_t is None:
        return forms, []
    old_all, new_all = old_t.all_forms, new_t.all_forms
    if len(old_all) > 1 and len(new_all) > 1:
        forms.setdefault(old_all[1], new_all[1])  # the plural
    if len(old_t.forms) == len(new_t.forms):
        for a, b in zip(old_t.forms, new_t.forms):
            forms.setdefault(a, b)
    return forms, [f for f in old_all if f not in forms]


def rewrite_clause(c: Clause, ctx: Context) -> tuple[Clause, list[str]]:
    text, problems = rewrite_text(c.text, ctx)
    kids = []
    for child in c.children:
        k, p = rewrite_clause(child, ctx)
        kids.append(k)
        problems += p
    return replace(c, text=text, children=tuple(kids)), problems


# --- the replay --------------------------------------------------------------------------------

def replay(overlay: Overlay, old_base: Contract, new_base: Contract, old_ref: str,
           new_ref: str) -> tuple[list[Outcome], Contract, Contract]:
    """Return the outcome of each declared variation of `overlay`, replayed in order from
    `old_base` (where it applies, pins holding) onto `new_base`, and the two contracts the
    variations make (old, and new without the conflicts). Pure."""
    from .overlay import derived_variations

    maps = migration_maps(new_base) if new_base is not old_base else {"clause": {}, "term": {}, "parameter": {}}
    old, new = old_base, new_base
    for v in derived_variations(old_base, overlay):
        old, _ = REGISTRY[v.op].apply(old, v)
    for v in derived_variations(new_base, overlay):
        new, _ = REGISTRY[v.op].apply(new, v)
    outcomes: list[Outcome] = []
    for v in overlay.variations:
        ctx = Context(old, new, old_ref, new_ref, maps["clause"], maps["term"], maps["parameter"])
        op = REGISTRY[v.op]
        outcome = op.rebase(v, ctx)
        if outcome.status != CONFLICT:
            assert outcome.rebased is not None
            try:
                new, outcome.pin = op.apply(new, outcome.rebased)
            except SourceError as exc:
                outcome = Outcome(v, CONFLICT, f"it no longer applies to {new_ref}: {exc.message}",
                                  texts=(ctx.clause_text(old, v.target), ctx.clause_text(new, v.target),
                                         overlay_text(v)),
                                  suggestions=("rewrite the variation against the new text, then run "
                                               "`contractgen pin`",))
        old, _ = op.apply(old, v)
        outcomes.append(outcome)
    return outcomes, old, new


def overlay_text(v: Variation) -> str:
    """Return what the variation makes its target say, as the conflict report shows it."""
    if v.op == "amend":
        return f"find «{v.find}» → «{v.replace}»"
    if v.op == "set":
        return repr(v.value)
    if v.op == "insert" and v.clause is not None:
        return clause_words(v.clause)
    return " ".join(x for x in (v.heading, v.text) if x) or REGISTRY[v.op].makes(v)


# --- the conflict report -------------------------------------------------------------------------

def trim(a: str, b: str, c: str, context: int = 6) -> tuple[str, str, str]:
    """Return the three texts trimmed to where they differ, with `context` words either side
    (the common start and end shown as '…'), as git's zdiff3 shows a conflict."""
    wa, wb, wc = a.split(), b.split(), c.split()
    start = 0
    while start < min(len(wa), len(wb), len(wc)) and wa[start] == wb[start] == wc[start]:
        start += 1
    end = 0
    while (end < min(len(wa), len(wb), len(wc)) - start and wa[-1 - end] == wb[-1 - end] == wc[-1 - end]):
        end += 1
    lo = max(start - context, 0)

    def cut(words: list[str]) -> str:
        hi = len(words) - max(end - context, 0)
        return ("… " if lo else "") + " ".join(words[lo:hi]) + (" …" if hi < len(words) else "")

    return cut(wa), cut(wb), cut(wc)


def report_markdown(overlay_id: str, path: str, old_ref: str, new_ref: str, outcomes: list[Outcome]) -> str:
    counts = {s: sum(o.status == s for o in outcomes) for s in (CARRIED, FLAGGED, CONFLICT)}
    lines = [f"# Rebase of {overlay_id} onto {new_ref}", "",
             f"`{path}`, from {old_ref} to {new_ref}: {len(outcomes)} variation{'' if len(outcomes) == 1 else 's'} — {counts[CARRIED]} carried, "
             f"{counts[FLAGGED]} flagged for review, {counts[CONFLICT]} in conflict.", ""]
    if counts[CONFLICT]:
        lines += ["Each variation in conflict is left as it was written: `contractgen validate` points at it until "
                  "it is resolved. Resolve it, then run `contractgen pin` on the overlay.", ""]
    for status, title in ((CONFLICT, "Conflicts"), (FLAGGED, "Flagged for review"), (CARRIED, "Carried")):
        rows = [o for o in outcomes if o.status == status]
        if not rows:
            continue
        lines += [f"## {title}", ""]
        for o in rows:
            v = o.variation
            lines += [f"### `{v.id}` — {v.op} {kind_of(v)} `{v.target}`", "", f"- **Outcome:** {o.status}: {o.reason}",
                      f"- **Rationale:** {v.rationale}"]
            if o.texts:
                a, b, c = trim(*o.texts)
                lines += [f"- **{old_ref} (base the variation was written against):** {a}",
                          f"- **{new_ref} (new base):** {b}", f"- **The overlay:** {c}"]
            for s in o.suggestions:
                lines.append(f"- **Suggested:** {s}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def report_html(markdown: str) -> str:
    """Return the report as a small self-contained HTML page (from its Markdown, which uses only
    headings, bullets, bold and code)."""
    body = []
    in_list = False
    for line in markdown.splitlines():
        esc = html.escape(line)
        esc = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc)
        esc = re.sub(r"`(.+?)`", r"<code>\1</code>", esc)
        if line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{esc[2:]}</li>")
            continue
        if in_list:
            body.append("</ul>")
            in_list = False
        m = re.match(r"(#+) (.*)", esc)
        if m:
            body.append(f"<h{len(m[1])}>{m[2]}</h{len(m[1])}>")
        elif esc.strip():
            body.append(f"<p>{esc}</p>")
    if in_list:
        body.append("</ul>")
    title = html.escape(markdown.splitlines()[0].lstrip("# "))
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
            "line-height:1.5;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}h3{margin-top:1.5rem}"
            "</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


# --- the edit of the overlay file -------------------------------------------------------------------

def _edits(raw: Any, overlay: Overlay, outcomes: list[Outcome], new_ref: str | None) -> list[yamledit.Edit]:
    edits: list[yamledit.Edit] = []
    if new_ref is not None and raw.get("base") != new_ref:
        edits.append(yamledit.SetValue(("base",), new_ref))
    index = {v["id"]: i for i, v in enumerate(raw["variations"])}
    for o in outcomes:
        if o.status == CONFLICT or o.rebased is None:
            continue
        v, r = o.variation, o.rebased
        i = index[v.id]
        raw_v = raw["variations"][i]
        if o.pin is not None and raw_v.get("pin") != o.pin:
            edits.append(yamledit.SetValue(("variations", i, "pin"), o.pin) if "pin" in raw_v else
                         yamledit.AddKey(("variations", i), "pin", o.pin, after="id"))
        key = REGISTRY[v.op].target_key
        if v.op != "insert" and r.target != v.target:
            edits.append(yamledit.SetValue(("variations", i, key), r.target))
        if v.anchor and r.anchor and r.anchor.id != v.anchor.id:
            edits.append(yamledit.SetValue(("variations", i, v.anchor.where), r.anchor.id))
        for attr in ("text", "find", "replace", "heading"):
            if getattr(r, attr) != getattr(v, attr) and attr in raw_v:
                edits.append(yamledit.SetValue(("variations", i, attr), getattr(r, attr)))
        if v.op == "insert" and r.clause is not None and v.clause is not None and r.clause.text != v.clause.text:
            edits.append(yamledit.SetValue(("variations", i, "clause", "text"), r.clause.text or ""))
    return edits


@dataclass
class Rebased:
    path: Path
    overlay: Overlay
    outcomes: list[Outcome]
    data: bytes  # the overlay file as rebased (the same bytes when nothing changes)
    changed: bool
    report: str  # Markdown
    old_ref: str
    new_ref: str
    old_result: Contract  # what the overlay makes of its old base
    new_result: Contract  # what the rebased overlay makes of the new one (its conflicts left out)

    @property
    def conflicts(self) -> int:
        return sum(o.status == CONFLICT for o in self.outcomes)

    @property
    def flagged(self) -> int:
        return sum(o.status == FLAGGED for o in self.outcomes)

    @property
    def carried(self) -> int:
        return sum(o.status == CARRIED for o in self.outcomes)


def rebase_file(path: Path, onto: str, old_parent: Contract | None = None,
                new_parent: Contract | None = None) -> Rebased:
    """Return the rebase of the overlay at `path` onto version `onto` ("2026.2" or
    "fostering@2026.2") without writing anything. For an overlay that extends another, give the
    parent as resolved before (`old_parent`) and after (`new_parent`) its own rebase."""
    from .overlay import apply_overlay, load_overlay, project_root
    from .validate import Report, find_contract_dir, load_contract

    path = Path(path)
    report = Report()
    ov = load_overlay(path, report)
    report.raise_if_errors()
    assert ov is not None
    root = project_root(path)
    if ov.extends:
        if old_parent is None or new_parent is None:
            raise UsageError(f"{display_path(path)}: overlay '{ov.id}' extends '{ov.extends}'; rebase the two together "
                             f"(`contractgen rebase variations/{ov.extends}.yaml {display_path(path)} --onto …` or --all)")
        old_base, new_base = old_parent, new_parent
        old_ref, new_ref, base_line = f"{old_parent.ref}+{ov.extends}", f"{new_parent.ref}+{ov.extends}", None
    else:
        assert ov.base is not None
        name, _, version = ov.base.partition("@")
        want_name, _, want_version = onto.rpartition("@")
        if want_name and want_name != name:
            raise UsageError(f"--onto {onto}: overlay '{ov.id}' is on {ov.base}, a version of '{name}', not of "
                             f"'{want_name}'")
        old_base = load_contract(find_contract_dir(root / "national_contract" / name, version))
        new_base = load_contract(find_contract_dir(root / "national_contract" / name, want_version))
        if new_base.version != old_base.version and new_base.revises != old_base.version:
            raise UsageError(f"--onto {onto}: {name}@{new_base.version} does not revise {ov.base} (its revises: is "
                             f"{new_base.revises or 'not given'}); rebase one version at a time")
        old_ref, new_ref, base_line = ov.base, f"{name}@{new_base.version}", f"{name}@{new_base.version}"
    try:
        apply_overlay(old_base, ov)
    except SourceErrors as exc:
        raise SourceErrors([SourceError(exc.errors[0].pos, f"overlay '{ov.id}' does not apply to its own base "
                                        f"{old_ref} ({exc.errors[0].message}); fix it there before rebasing",
                                        "run `contractgen validate` on it")]) from None
    same = new_base.version == old_base.version  # (for a child: its parent stayed on its version)
    outcomes, old_result, new_result = replay(ov, old_base, old_base if same else new_base, old_ref, new_ref)
    data = path.read_bytes()
    shown = display_path(path)
    raw = yamledit.parse(data, shown)
    edits = _edits(raw, ov, outcomes, base_line)
    new_data = data
    if edits:
        try:
            new_data = yamledit.edit_yaml(data, edits, shown)
        except yamledit.EditRefused as exc:
            raise SourceErrors([SourceError(exc.pos, f"cannot rebase here without changing other text: {exc.detail}",
                                            "write the value in the variation itself, not through an anchor")]) from None
    md = report_markdown(ov.id, shown, old_ref, new_ref, outcomes)
    return Rebased(path, ov, outcomes, new_data, new_data != data, md, old_ref, new_ref, old_result, new_result)


def rebase_many(paths: list[Path], onto: str) -> list[Rebased]:
    """Return the rebase of each overlay (nothing written), parents before the overlays that
    extend them; an overlay that extends one not in `paths` is refused."""
    from .overlay import load_overlay
    from .validate import Report

    by_id: dict[str, Path] = {}
    parent_of: dict[str, str | None] = {}
    for path in paths:
        report = Report()
        ov = load_overlay(Path(path), report)
        report.raise_if_errors()
        assert ov is not None
        by_id[ov.id] = Path(path)
        parent_of[ov.id] = ov.extends
    done: dict[str, Rebased] = {}
    order: list[str] = []

    def visit(ident: str, seen: tuple[str, ...] = ()) -> None:
        if ident in order or ident in seen:
            return
        parent = parent_of[ident]
        if parent is not None:
            if parent not in by_id:
                raise UsageError(f"{display_path(by_id[ident])}: overlay '{ident}' extends '{parent}'; rebase the two "
                                 f"together (add variations/{parent}.yaml, or use --all)")
            visit(parent, (*seen, ident))
        order.append(ident)

    for ident in by_id:
        visit(ident)
    for ident in order:
        parent = parent_of[ident]
        if parent is None:
            done[ident] = rebase_file(by_id[ident], onto)
        else:
            p = done[parent]
            done[ident] = rebase_file(by_id[ident], onto, old_parent=p.old_result, new_parent=p.new_result)
    return [done[i] for i in order]


def status_rows(variations: Path, national: Path, resolved: dict[Path, str] | None = None
                ) -> list[tuple[str, str, str, str, str]]:
    """Return, for every overlay: (id, its base, whether its pins hold, the newest version of its
    contract, what a rebase onto that would do). `resolved`: the base (contract@version) of each
    overlay already resolved (its pins hold), by path, so that it is not resolved again."""
    from .overlay import overlay_chain, resolve_chain
    from .validate import Report, contract_versions

    paths = sorted(Path(variations).glob("*.yaml"))
    done = {Path(p).resolve(): base for p, base in (resolved or {}).items()}
    bases: dict[Path, str | None] = {}
    for p in paths:
        if p.resolve() in done:
            bases[p] = done[p.resolve()]
        else:
            chain = overlay_chain(p, Report())
            bases[p] = (chain[0].base or "?") if chain else None
    rows: dict[Path, list[str]] = {}
    by_contract: dict[str, list[Path]] = {}
    for p, known in bases.items():
        if known is None:
            rows[p] = [p.stem, "?", "no", "?", "does not load: run contractgen validate"]
            continue
        base = known
        name = base.partition("@")[0]
        try:
            if p.resolve() not in done:
                resolve_chain(p)
            pins = "hold"
        except SourceErrors:
            pins = "stale"
        versions = contract_versions(Path(national) / name)
        newest = f"{name}@{versions[-1].name}" if versions else "?"
        rows[p] = [p.stem, base, pins, newest, ""]
        if pins == "hold" and newest != base:
            by_contract.setdefault(newest, []).append(p)
        elif newest == base:
            rows[p][4] = "on the newest version"
    for newest, group in by_contract.items():
        try:
            results = {r.path: r for r in rebase_many(group, newest)}
        except (SourceErrors, UsageError) as exc:
            for p in group:
                rows[p][4] = f"cannot rebase: {str(exc).splitlines()[0]}"
            continue
        for p in group:
            r = results[p]
            rows[p][4] = f"{r.carried} carried, {r.flagged} flagged, {r.conflicts} in conflict"
    for p, row in rows.items():
        if row[2] == "stale":
            row[4] = "pins do not hold on its own base: run contractgen validate"
    return [tuple(rows[p]) for p in paths]  # type: ignore[misc]
