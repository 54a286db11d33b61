"""Build a redline in memory: align two numbered contracts, attribute each change to the
variation that made it (or, for a diff, to either side's; for a revision, to its release notes),
and render the Word and HTML documents. Pure: nothing is read or written here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..model import Contract
from ..numbering import Numbered


@dataclass
class Redline:
    """A redline built in memory: the documents, and what the tests and the CLI report."""

    docx: bytes
    html: str | None
    changes: int  # run-level revisions in the DOCX
    variations: int  # rows of the change register
    unexplained: list  # changes no declared variation explains (always empty for a sound overlay)
    silent: list  # declared variations that change nothing visible
    base: Contract
    varied: Contract
    notes: list = field(default_factory=list)  # paragraphs shown replaced whole (too costly to compare)


@dataclass(frozen=True)
class Source:
    """Where a variation of a redline comes from: an overlay of the chain, and the contract
    after it is applied."""

    overlay: str  # the overlay's id
    author: str  # its consortium's name
    effective: Any  # its effective date
    contract: Contract


@dataclass
class Side:
    """One operand of a diff that resolves through overlays: its base, variations and their sources."""

    name: str  # the overlay's id
    base: Contract
    contract: Contract
    variations: list
    sources: dict[int, Source]


def _summary(group: Any, rows: dict[int, Any], sources: dict[int, Source], nbase: Numbered, nvaried: Numbered,
             multi: bool, side: str = "", omitted: frozenset[int] = frozenset()) -> tuple[Any, str, str, list]:
    """Return (the row of the variation the clause finally stands by, operation, category, notes)
    for one group of variations on the same target; `side` prefixes every label (a diff)."""
    from ..render.variations import parameter_label, set_change, shown_value  # noqa: PLC0415
    from .docx import Note  # noqa: PLC0415

    gone = {id(v) for v in group.superseded} | set(omitted)
    live = [v for v in group.members if id(v) not in gone]
    final = live[-1] if live else group.members[-1]
    row = rows[id(final)]
    blank = Source("", "", None, nvaried.contract)

    def label(v: Any, superseded: bool = False) -> str:
        src = sources.get(id(v), blank).overlay
        what = "its particulars" if v.derived else v.id
        if side:  # a diff: the operand, and the overlay of its chain the variation comes from
            where = "" if src == side else f"from {src}"
            if superseded:
                return f"{side}, superseded — {where or src} ({what})"
            return f"{side} ({where})" if where else side
        where = f"{src} ({what})" if superseded else src
        return ("Superseded — " + where) if superseded else (where if multi else "")

    notes = []
    for v in live:
        r, src = rows[id(v)], sources.get(id(v), blank)
        detail = r.detail
        if v.op == "set" and v is final:  # from the base's value, whichever overlay set it between
            p = nvaried.contract.parameters[v.target]
            _, detail = set_change(p, nbase.contract.values[v.target], v.value)
        notes.append(Note(r.rationale, label(v), src.author, v.category, src.effective, detail=detail))
    for v in group.members:
        if id(v) in gone:
            src = sources.get(id(v), blank)
            r = rows[id(v)]
            text, detail = r.rationale, r.detail
            if v.op == "set":  # what it had set, which no longer stands
                p = nvaried.contract.parameters[v.target]
                detail = f"It had set {parameter_label(p.name)}: “{shown_value(p, v.value)}”."
            if id(v) in omitted:
                text += " (The clause is not in the contract as it finally stands.)"
            notes.append(Note(text, label(v, True), src.author, v.category, src.effective, superseded=True,
                              detail=detail))
    if final.op == "set":
        p = nvaried.contract.parameters[final.target]
        operation, _ = set_change(p, nbase.contract.values[final.target], final.value)
    elif len(live) > 1:
        operation = "; ".join(f"{rows[id(v)].operation} ({sources.get(id(v), blank).overlay or v.id})" for v in live)
    else:
        operation = row.operation
    return row, operation, final.category, notes


def _chain_register(outs: list, nb: Numbered, nv: Numbered, variations: list,
                    sources: dict[int, Source]) -> tuple[list, dict[int, str], list, list, dict[int, Any]]:
    """Return (register, anchors, unexplained, silent, row of each changed paragraph) for a redline
    whose changes all come from `variations`: one row per clause, phrase or value as it finally
    stands, with the reasons a later overlay superseded marked so."""
    from ..model import Overlay  # noqa: PLC0415
    from ..render.variations import parameter_label, shown_value, variation_rows, where  # noqa: PLC0415
    from .attribute import attribute, group_variations  # noqa: PLC0415
    from .docx import RegisterRow  # noqa: PLC0415

    base, varied = nb.contract, nv.contract
    unexplained = attribute(outs, variations, base, varied)
    first: dict[int, int] = {}
    for i, out in enumerate(outs):
        if out.variation is not None:
            first.setdefault(id(out.variation), i)
    pseudo = Overlay("redline", "", None, None, varied.date, None, {}, tuple(variations))
    rows = {id(r.variation): r for r in variation_rows(nb, nv, pseudo)}
    overlays = list(dict.fromkeys(s.overlay for s in sources.values()))
    multi = len(overlays) > 1
    last = overlays[-1] if overlays else ""
    present = {node.clause.id for _, node in nv.walk()} | {part.part.id for part in nv.parts}  # as numbered: when: applied
    live_rows: list[tuple[Any, ...]] = []
    gone_rows: list[tuple[Any, ...]] = []
    silent: list = []
    for g in group_variations(variations):
        hits = [first[id(v)] for v in g.members if id(v) in first]
        # a clause an earlier overlay varied that a later one leaves out of the contract altogether
        omitted = frozenset(
            id(v) for v in g.live
            if id(v) not in first and v.op in ("replace", "amend", "insert", "move", "retitle")
            and sources.get(id(v)) is not None and sources[id(v)].overlay != last and v.target not in present
            and any(c.id == v.target for _, c in sources[id(v)].contract.walk()))
        row, operation, category, notes = _summary(g, rows, sources, nb, nv, multi, omitted=omitted)
        if hits:
            live_rows.append((min(hits), g, row, operation, category, notes))
        elif len(g.members) == 1 and not omitted:  # changes nothing, and nothing later explains why
            silent.extend(g.members)
            live_rows.append((None, g, row, operation, category, notes))
        else:  # nothing of it stands: a later overlay undid it, or left its clause out
            final = g.members[-1]
            ops = [rows[id(v)].operation for v in g.members]
            if final.op == "set":
                p = varied.parameters[final.target]
                op = f"No net change: {parameter_label(p.name)} stays {shown_value(p, final.value)}, as in the base"
            elif len(ops) > 1:
                op = f"No net change: {', then '.join(o[:1].lower() + o[1:] for o in ops)}"
            else:
                op = f"{ops[0]}; superseded"
            if final.op != "set" and g.key[0] == "clause" and final.target not in present:
                was = where(nb, final.target)
                src = sources.get(id(g.members[0]))
                heading = was[1] if was else _model_heading(src.contract if src else varied, final.target, nv)
                row = replace(row, clause="not in the varied contract" + (f" (was {was[0]})" if was else ""),
                              heading=heading)
            gone_rows.append((None, g, row, op, category, notes))
    register: list[RegisterRow] = []
    anchors: dict[int, str] = {}
    row_of: dict[int, RegisterRow] = {}
    by_variation: dict[int, RegisterRow] = {}
    ordered = [(True, *r) for r in live_rows] + [(False, *r) for r in gone_rows]
    for number, (live, hit, g, row, operation, category, notes) in enumerate(ordered, start=1):
        anchor = f"_Var{number}" if hit is not None else None
        if anchor is not None:
            anchors[hit] = anchor
        reg = RegisterRow(number, row.clause, row.heading, operation, category,
                          " ".join(n.full for n in notes), anchor, row.variation, tuple(notes), live=live)
        register.append(reg)
        for v in g.members:
            by_variation[id(v)] = reg
    for i, out in enumerate(outs):
        if out.variation is not None:
            row_of[i] = by_variation[id(out.variation)]
    return register, anchors, unexplained, silent, row_of


def _model_heading(contract: Contract, ident: str, numbered: Numbered) -> str:
    """Return the heading of a clause (or of the nearest clause above it that has one) in a
    contract's model, as `numbered` would show it."""
    def find(clauses: tuple, above: str) -> str | None:
        for c in clauses:
            head = c.heading or above
            if c.id == ident:
                return head
            hit = find(c.children, head)
            if hit is not None:
                return hit
        return None

    for part in contract.parts:
        hit = find(part.clauses, "")
        if hit is not None:
            try:
                return numbered.inline(hit)
            except KeyError:  # a reference to a clause the numbered contract leaves out
                return hit
    return ""


def _diff_register(outs: list, nb: Numbered, nv: Numbered,
                   sides: list[Side | None]) -> tuple[list, dict[int, str], dict[int, Any]]:
    """Return (register, anchors, row of each changed paragraph) for a diff whose operands
    resolve through overlays: one row per changed clause, with each side's variation and reason."""
    from ..model import Overlay  # noqa: PLC0415
    from ..numbering import number_contract  # noqa: PLC0415
    from ..render.variations import variation_rows, where  # noqa: PLC0415
    from .attribute import explain, group_variations  # noqa: PLC0415
    from .docx import Note, RegisterRow  # noqa: PLC0415

    found: list[list] = []
    info: list[tuple[Any, ...] | None] = []
    for side, absent in zip(sides, ("inserted", "deleted")):
        if side is None:
            found.append([None] * len(outs))
            info.append(None)
            continue
        sb, sv = number_contract(side.base), number_contract(side.contract)
        pseudo = Overlay(side.name, "", None, None, side.contract.date, None, {}, tuple(side.variations))
        rows = {id(r.variation): r for r in variation_rows(sb, sv, pseudo)}
        groups = group_variations(side.variations)
        gid = {id(v): n for n, g in enumerate(groups) for v in g.members}
        multi = len({s.overlay for s in side.sources.values()}) > 1
        found.append([None if v is None else gid[id(v)] for v in explain(outs, side.variations, side.base, side.contract, absent)])
        info.append((side, sb, sv, rows, groups, multi))
    names = [s.name if s is not None else c.ref for s, c in zip(sides, (nb.contract, nv.contract))]
    keys: dict[tuple, int] = {}
    for i, out in enumerate(outs):
        if out.changed and (found[0][i] is not None or found[1][i] is not None):
            keys.setdefault((found[0][i], found[1][i]), i)
    register: list[RegisterRow] = []
    anchors: dict[int, str] = {}
    row_of: dict[int, RegisterRow] = {}
    by_key: dict[tuple, RegisterRow] = {}
    for number, (key, i) in enumerate(keys.items(), start=1):
        item = outs[i].item
        ident = item.clause_id or ""
        w, old = where(nv, ident), where(nb, ident)
        clause, heading = w if w else (f"{old[0]} in {names[0]} only", old[1]) if old else (item.number, "")
        if item.term:
            heading = f"Definition of “{item.term}”"
        ops, cats, notes, final = [], [], [], None
        for side_no, gi in enumerate(key):
            name = names[side_no]
            if gi is None:
                ops.append(f"{name}: national wording")
                notes.append(Note("No variation here: the national wording stands.", name))
                continue
            side_info = info[side_no]
            assert side_info is not None  # a side with a variation here resolves through overlays
            side, sb, sv, rows, groups, multi = side_info
            final, op, cat, side_notes = _summary(groups[gi], rows, side.sources, sb, sv, multi, side=name)
            ops.append(f"{name}: {op}")
            cats.append(cat)
            notes.extend(side_notes)
        if clause.startswith("(") and final is not None:
            clause = final.clause
        anchor = f"_Var{number}"
        reg = RegisterRow(number, clause, heading, "; ".join(ops), " / ".join(dict.fromkeys(cats)),
                          " ".join(n.full for n in notes), anchor, final.variation if final else None,
                          tuple(notes))
        anchors[i] = anchor
        register.append(reg)
        by_key[key] = reg
    for i, out in enumerate(outs):
        k = (found[0][i], found[1][i])
        if out.changed and k in by_key:
            row_of[i] = by_key[k]
    return register, anchors, row_of


def _revision_register(outs: list, nb: Numbered, nv: Numbered) -> tuple[list, dict[int, str], dict[int, Any]]:
    """Return (register, anchors, row of each changed paragraph) for the release notes of a
    revision: one row per clause-level change (docs/dev/revisions.md), with the editor's note."""
    from ..render.variations import where  # noqa: PLC0415
    from ..revision import revision_changes  # noqa: PLC0415
    from .docx import Note, RegisterRow  # noqa: PLC0415

    old, new = nb.contract, nv.contract

    def label(ident: str, numbered: Numbered, of: str) -> tuple[str, str]:
        if of == "term":
            return f"“{ident}”", "Definition"
        if of == "parameter":
            return ident, "Parameter"
        w = where(numbered, ident)
        if w is None:  # a clause with when: that the national defaults leave out
            return f"{ident} (shown only under some particulars)", ""
        return (w[0], w[1]) if numbered is nv else (f"{w[0]} of {old.ref}", w[1])

    register: list[RegisterRow] = []
    anchors: dict[int, str] = {}
    row_of: dict[int, RegisterRow] = {}
    for number, change in enumerate(revision_changes(old, new), start=1):
        shown_new = [label(i, nv, change.of) for i in change.new]
        shown_old = [label(i, nb, change.of) for i in change.old]
        clause, heading = (shown_new or shown_old)[0]
        if change.kind in ("split", "merged", "renamed"):
            operation = (f"{change.label}: " + " and ".join(c for c, _ in shown_old) + " → "
                         + " and ".join(c for c, _ in shown_new))
        elif change.kind == "removed":
            operation = f"{change.label}: " + " and ".join(c for c, _ in shown_old)
        else:
            operation = change.label
        note = change.note or "No note from the editor."
        ids = set(change.new) | set(change.old)
        hits = [i for i, out in enumerate(outs)
                if out.changed and (out.item.term if change.of == "term" else out.item.clause_id) in ids]
        anchor = f"_Var{number}" if hits else None
        row = RegisterRow(number, clause, heading, operation, "revision", note, anchor, None,
                          (Note(note, category="revision"),))
        if hits:
            anchors[hits[0]] = f"_Var{number}"
        for i in hits:
            row_of.setdefault(i, row)
        register.append(row)
    return register, anchors, row_of


@dataclass
class Analysis:
    """A redline before it is rendered: the aligned paragraphs, each changed one tied to the
    variation that made it, and the change register."""

    nb: Numbered
    nv: Numbered
    outs: list
    register: list
    anchors: dict[int, str]
    row_of: dict[int, Any]
    unexplained: list
    silent: list
    intro: str


def analyse(base: Contract, varied: Contract, variations: list | None, sources: dict[int, Source] | None = None,
            sides: list[Side | None] | None = None) -> Analysis:
    """Align `base` and `varied` and attribute every change: to `variations` (from the overlay
    each comes from, `sources`), to either operand of a diff (`sides`), or to a revision's notes."""
    from ..numbering import number_contract  # noqa: PLC0415
    from ..revision import is_revision_of  # noqa: PLC0415
    from .align import align, flatten  # noqa: PLC0415

    nb, nv = number_contract(base), number_contract(varied)
    label_v = lambda ident: nv.labels.get(ident, nb.labels.get(ident, ident))  # noqa: E731
    outs = align(flatten(nb, label_v), flatten(nv, label_v))
    unexplained: list = []
    silent: list = []
    register: list = []
    anchors: dict[int, str] = {}
    row_of: dict[int, Any] = {}
    if variations is not None:
        register, anchors, unexplained, silent, row_of = _chain_register(outs, nb, nv, variations, sources or {})
        intro = (f"Each row is one clause, definition or value as it stands after the variations from {base.ref} "
                 f"to {varied.ref}, with its reason; the number links to its first change, where the reason is "
                 "also a comment. Clause numbers are those of the varied contract.")
        if len({s.overlay for s in (sources or {}).values()}) > 1:
            intro += (" Each reason names the overlay it comes from; a reason marked superseded was given by "
                      "an overlay that a later one overrides, and no longer applies.")
    elif sides is None and is_revision_of(base, varied):
        register, anchors, row_of = _revision_register(outs, nb, nv)
        intro = (f"The release notes of {varied.ref}: each row is one clause, definition or parameter that "
                 f"{varied.ref} changes from {base.ref}, matched by id and by the version's migration map, with "
                 "the editor's note; the number links to its first change. Clause numbers are those of "
                 f"{varied.ref}.")
    elif sides is not None and any(sides):
        register, anchors, row_of = _diff_register(outs, nb, nv, sides)
        intro = (f"Each row is one clause that differs between {base.ref} and {varied.ref}, with the variation "
                 "each side made there and its reason; the number links to its first change. Clause numbers "
                 f"are those of {varied.ref}.")
    else:
        intro = f"Every change from {base.ref} to {varied.ref}."
    return Analysis(nb, nv, outs, register, anchors, row_of, unexplained, silent, intro)


def redline_context(a: Analysis, author: str, date, title: str, subtitle: str, revision: bool) -> dict[str, Any]:
    """Return the title-page and register wording of a redline (both renderings share it)."""
    from ..render.docx import long_date, title_context  # noqa: PLC0415

    base, varied = a.nb.contract, a.nv.contract
    n = len(a.register)
    ctx = title_context(a.nv)
    ctx.update({
        "title": title, "subtitle": subtitle, "date": long_date(date),
        "status": (f"Status: release notes, {n} change{'s' if n != 1 else ''}" if revision else
                   f"Status: redline, {n} variation{'s' if n != 1 else ''}"),
        "reference": f"Reference: {base.ref} → {varied.ref}",
        "register_intro": (f"{a.intro} Every change is tracked with {author} as author; accept all to read "
                           f"{varied.ref}, reject all to read {base.ref}."),
        "subject": author,
    })
    return ctx


def build_redline(base: Contract, varied: Contract, variations: list | None, author: str, date,
                  title: str, subtitle: str, with_html: bool = True, sources: dict[int, Source] | None = None,
                  sides: list[Side | None] | None = None, epoch: int | None = None) -> Redline:
    """Return the redline from `base` to `varied`; with `variations` (and the overlay each comes
    from, `sources`), attribute every change; with `sides` (a diff), attribute each change to
    either operand's variations."""
    from ..revision import is_revision_of  # noqa: PLC0415
    from .align import notes  # noqa: PLC0415
    from .docx import render_redline_docx  # noqa: PLC0415

    a = analyse(base, varied, variations, sources, sides)
    revision = sides is None and variations is None and is_revision_of(base, varied)
    ctx = redline_context(a, author, date, title, subtitle, revision)
    docx, count = render_redline_docx(a.nv, a.outs, a.register, ctx, author, date, a.anchors, epoch=epoch)
    html = None
    if with_html:
        from .html import render_redline_html  # noqa: PLC0415

        html = render_redline_html(a.nv, a.outs, a.register, ctx, author, row_of=a.row_of)
    return Redline(docx, html, count, len(a.register), a.unexplained, a.silent, base, varied, notes(a.outs, varied))


def _chain_variations(base: Contract, steps: list) -> tuple[list, dict[int, Source]]:
    """Return the variations of each overlay of `steps` (its particulars' first), and the source of each."""
    from ..overlay import derived_variations  # noqa: PLC0415

    variations: list = []
    sources: dict[int, Source] = {}
    before = base
    for ov, after in steps:
        src = Source(ov.id, str(ov.consortium.get("name", ov.id)), ov.effective, after)
        for v in [*derived_variations(before, ov), *ov.variations]:
            variations.append(v)
            sources[id(v)] = src
        before = after
    return variations, sources


def _redline_args(resolved: Any, against: str) -> tuple[Contract, list, dict[int, Source]]:
    from ..errors import UsageError  # noqa: PLC0415

    steps = resolved.steps
    if against == "parent":
        if len(steps) < 2:
            raise UsageError(f"overlay '{resolved.overlay.id}' extends no other overlay; use --against base")
        steps = steps[-1:]
        base = resolved.parent
    elif against == "base":
        base = resolved.base
    else:
        raise UsageError(f"--against must be 'base' or 'parent', not {against!r}")
    variations, sources = _chain_variations(base, steps)
    return base, variations, sources


def analysis_of(resolved: Any, against: str = "base") -> Analysis:
    """Return the unrendered redline of a resolved overlay chain (what the register site shows)."""
    base, variations, sources = _redline_args(resolved, against)
    return analyse(base, resolved.contract, variations, sources)


def redline_of(resolved: Any, against: str = "base", with_html: bool = True, epoch: int | None = None) -> Redline:
    """Return the redline of a resolved overlay chain against the national base (or, with
    against="parent", against the overlay it extends)."""
    base, variations, sources = _redline_args(resolved, against)
    ov = resolved.overlay
    name = ov.consortium["name"]
    return build_redline(base, resolved.contract, variations, author=name, date=ov.effective,
                         title=f"Redline: {resolved.contract.title}",
                         subtitle=f"Changes made by {name} to {base.ref}", with_html=with_html, sources=sources,
                         epoch=epoch)
