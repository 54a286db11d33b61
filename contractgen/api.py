"""Orchestration: validate, build, stats. The only place that strings the steps together."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import SourceError, SourceErrors, UsageError
from .model import Contract, frozen_map
from .numbering import Numbered, number_contract
from .render.text import body_text
from .text import TOKEN
from .validate import Report, contract_versions, find_contract_dir, load_contract

CONTRACT_ROOT = Path("national_contract")
VARIATION_ROOT = Path("variations")


@dataclass
class ValidationResult:
    checked: list[str]
    errors: list[SourceError]
    warnings: list[SourceError]


def default_sources() -> list[Path]:
    """Return every shipped source: each contract version and each overlay."""
    found: list[Path] = []
    if CONTRACT_ROOT.is_dir():
        for folder in sorted(CONTRACT_ROOT.iterdir()):
            found.extend(contract_versions(folder))
    if VARIATION_ROOT.is_dir():
        found.extend(sorted(VARIATION_ROOT.glob("*.yaml")))
    if not found:
        raise UsageError("no sources found here: run in the project folder, or name the files to check")
    return found


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir() and not (p / "contract.yaml").is_file():
            versions = contract_versions(p)
            if versions:
                out.extend(versions)
                continue
            if list(p.glob("*.yaml")):
                out.extend(sorted(p.glob("*.yaml")))
                continue
        out.append(p)
    return out


def validate_paths(paths: list[Path] | None = None) -> ValidationResult:
    """Return every problem in the given sources (default: everything shipped)."""
    targets = _expand(list(paths)) if paths else default_sources()
    report = Report()
    checked = []
    for target in targets:
        checked.append(str(target))
        if target.suffix in (".yaml", ".yml") and target.name != "contract.yaml":
            from .overlay import load_overlay_checked  # noqa: PLC0415 (overlays are optional)

            load_overlay_checked(target, report)
            continue
        before = len(report.errors)
        try:
            contract = load_contract(target, report=report)
        except SourceErrors:
            continue
        if len(report.errors) > before:
            continue  # numbering a contract with known problems would only repeat them
        omitted: dict[tuple, list[str]] = {}
        for values in condition_variants(contract):
            try:
                number_contract(replace(contract, values=frozen_map(values)))
            except SourceErrors as exc:
                for e in exc.errors:
                    head, _, when = e.message.partition(" which is omitted when ")
                    omitted.setdefault((e.pos, head, e.hint), []).append(when)
        for (pos, head, hint), whens in omitted.items():
            report.errors.append(SourceError(pos, f"{head} which is omitted when {' or '.join(sorted(set(whens)))}", hint))
    return ValidationResult(checked, report.errors, report.warnings)


def condition_variants(contract: Contract) -> list[dict]:
    """Return parameter value sets covering every choice used in a `when:` condition."""
    used = {name for _, c in contract.walk() for name, _ in c.when}
    variants = [dict(contract.values)]
    for name in sorted(used):
        p = contract.parameters.get(name)
        if p is None:
            continue
        options = p.choices if p.type == "choice" else ((True, False) if p.type == "boolean" else ())
        for option in options:
            if option != contract.values[name]:
                variants.append({**contract.values, name: option})
    return variants


def open_source(path: Path, version: str | None = None, strict: bool = False) -> Contract:
    """Return the contract named by `path`: a contract folder or version, or an overlay file."""
    path = Path(path)
    if path.suffix in (".yaml", ".yml") and path.name != "contract.yaml":
        from .overlay import resolve_overlay  # noqa: PLC0415

        return resolve_overlay(path, strict=strict)
    return load_contract(find_contract_dir(path, version), strict=strict)


@dataclass
class Stats:
    words: int
    top_level_clauses: int
    numbered_paragraphs: int
    defined_terms: int
    cross_references: int
    parameters: int
    schedules: int


def contract_stats(numbered: Numbered) -> Stats:
    """Return counts over the contract as rendered with its current parameter values."""
    words = sum(len(t.split()) for t in body_text(numbered))
    terms_part = numbered.parts[0]
    raw_refs = 0
    for _, node in numbered.walk():
        c = node.clause
        for text in (c.text or "", *(cell for r in (c.table.rows if c.table else ()) for cell in r)):
            raw_refs += sum(1 for m in TOKEN.finditer(text) if m.group(2) is not None)
    return Stats(
        words=words,
        top_level_clauses=len(terms_part.nodes),
        numbered_paragraphs=sum(1 for _ in numbered.walk()),
        defined_terms=len(numbered.contract.terms),
        cross_references=raw_refs,
        parameters=len(numbered.contract.parameters),
        schedules=sum(1 for p in numbered.parts if p.part.kind == "schedule"),
    )


def source_date_epoch() -> int | None:
    """Return SOURCE_DATE_EPOCH as an int when set, checked to be a time a .docx (zip) can record."""
    from .render.zipnorm import END_EPOCH, LAST_YEAR  # noqa: PLC0415

    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
            raise UsageError(f"SOURCE_DATE_EPOCH={value} is before 1970; "
                             "give the number of seconds since 1970-01-01 00:00 UTC, or unset it")
        raise UsageError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds; "
                         "give the number of seconds since 1970-01-01 00:00 UTC, or unset it")
    if len(text) > 12 or int(text) >= END_EPOCH:
        shown = text if len(text) <= 24 else text[:20] + "…"
        raise UsageError(f"SOURCE_DATE_EPOCH={shown} is after {LAST_YEAR}, the last year a .docx (zip) can record; "
                         f"unset it or give a date before {LAST_YEAR + 1}")
    return int(text)


def build_docx(contract: Contract) -> bytes:
    """Return the Word document of `contract`."""
    from .render.docx import render_docx  # noqa: PLC0415

    return render_docx(number_contract(contract), epoch=source_date_epoch())


def build(path: Path, out: Path, version: str | None = None, strict: bool = False,
          schedule: Path | None = None, templates: Path | None = None) -> list[tuple[Path, str]]:
    """Build the Word contract for a source (and, for an overlay, its schedule of variations).

    Every document is rendered before anything is written, so a failure writes nothing. A
    template present in `templates` (--templates DIR) is used instead of the shipped one.
    """
    from .render.docx import user_templates

    with user_templates(templates):
        return _build(path, out, version, strict, schedule)


def _build(path: Path, out: Path, version: str | None, strict: bool,
           schedule: Path | None) -> list[tuple[Path, str]]:
    from .output import check_outputs, check_suffix, write_atomic  # noqa: PLC0415

    path = Path(path)
    is_overlay = path.suffix in (".yaml", ".yml") and path.name != "contract.yaml"
    if schedule is not None and not is_overlay:
        raise UsageError("--schedule needs an overlay (variations/X.yaml): a national contract has no variations")
    outputs: list[tuple[Path, bytes, str]] = []
    if is_overlay:
        from .overlay import resolve_chain  # noqa: PLC0415
        from .render.variations import render_schedule  # noqa: PLC0415

        resolved = resolve_chain(path, strict=strict)
        contract = resolved.contract
        outputs.append((out, build_docx(contract), contract.ref))
        if schedule is not None:
            data = render_schedule(resolved.parent, contract, resolved.overlay, epoch=source_date_epoch())
            outputs.append((schedule, data, f"schedule of variations, {len(resolved.overlay.variations)} rows"))
    else:
        contract = load_contract(find_contract_dir(path, version), strict=strict)
        outputs.append((out, build_docx(contract), contract.ref))
    check_outputs(target for target, _, _ in outputs)
    for target, _, _ in outputs:
        check_suffix(target, (".docx",), "a Word document")
    for target, data, _ in outputs:
        write_atomic(target, data)
    return [(target, what) for target, _, what in outputs]


# ---------------------------------------------------------------------------------------------
# Redlines and diffs


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


def open_for_diff(spec: str) -> Contract:
    """Return the contract a diff operand names: contract@version, a contract folder, or an overlay."""
    path = Path(spec)
    if "@" in spec and not path.exists():
        from .validate import find_contract_ref  # noqa: PLC0415

        root = CONTRACT_ROOT if CONTRACT_ROOT.is_dir() else Path(__file__).resolve().parents[1] / "national_contract"
        if not root.is_dir():  # an installed package ships no contracts: they are the project's data
            raise UsageError(f"{spec}: there is no national_contract/ folder here to find it in "
                             "(run in the project folder, or name the contract's folder: "
                             "path/to/national_contract/<contract>)")
        return load_contract(find_contract_ref(spec, root))
    if not path.exists():
        raise UsageError(f"{spec}: no such file or folder (name contract@version, a contract folder or an overlay)")
    return open_source(path)


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
    from .redline.docx import Note  # noqa: PLC0415
    from .render.variations import parameter_label, set_change, shown_value  # noqa: PLC0415

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
    from .model import Overlay  # noqa: PLC0415
    from .redline.attribute import attribute, group_variations  # noqa: PLC0415
    from .redline.docx import RegisterRow  # noqa: PLC0415
    from .render.variations import parameter_label, shown_value, variation_rows, where  # noqa: PLC0415

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
    from .model import Overlay  # noqa: PLC0415
    from .numbering import number_contract  # noqa: PLC0415
    from .redline.attribute import explain, group_variations  # noqa: PLC0415
    from .redline.docx import Note, RegisterRow  # noqa: PLC0415
    from .render.variations import variation_rows, where  # noqa: PLC0415

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
    from .redline.docx import Note, RegisterRow  # noqa: PLC0415
    from .render.variations import where  # noqa: PLC0415
    from .revision import revision_changes  # noqa: PLC0415

    old, new = nb.contract, nv.contract

    def label(ident: str, numbered: Numbered, of: str) -> tuple[str, str]:
        if of == "term":
            return f"“{ident}”", "Definition"
        if of == "parameter":
            return ident, "Parameter"
        w = where(numbered, ident)
        if w is None:
            return ident, ""
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


def build_redline(base: Contract, varied: Contract, variations: list | None, author: str, date,
                  title: str, subtitle: str, with_html: bool = True, sources: dict[int, Source] | None = None,
                  sides: list[Side | None] | None = None) -> Redline:
    """Return the redline from `base` to `varied`; with `variations` (and the overlay each comes
    from, `sources`), attribute every change; with `sides` (a diff), attribute each change to
    either operand's variations."""
    from .numbering import number_contract  # noqa: PLC0415
    from .redline.align import align, flatten, notes  # noqa: PLC0415
    from .redline.docx import render_redline_docx  # noqa: PLC0415
    from .render.docx import long_date, title_context  # noqa: PLC0415
    from .revision import is_revision_of  # noqa: PLC0415

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
    ctx = title_context(nv)
    ctx.update({
        "title": title, "subtitle": subtitle, "date": long_date(date),
        "status": (f"Status: release notes, {len(register)} change{'s' if len(register) != 1 else ''}"
                   if sides is None and variations is None and is_revision_of(base, varied) else
                   f"Status: redline, {len(register)} variation{'s' if len(register) != 1 else ''}"),
        "reference": f"Reference: {base.ref} → {varied.ref}",
        "register_intro": (f"{intro} Every change is tracked with {author} as author; accept all to read "
                           f"{varied.ref}, reject all to read {base.ref}."),
        "subject": author,
    })
    docx, count = render_redline_docx(nv, outs, register, ctx, author, date, anchors, epoch=source_date_epoch())
    html = None
    if with_html:
        from .redline.html import render_redline_html  # noqa: PLC0415

        html = render_redline_html(nv, outs, register, ctx, author, row_of=row_of)
    return Redline(docx, html, count, len(register), unexplained, silent, base, varied, notes(outs, varied))


def redline(path: Path, against: str = "base", with_html: bool = True,
            templates: Path | None = None) -> Redline:
    """Return the redline of an overlay against the national base (or against its parent); a
    template present in `templates` (--templates DIR) is used instead of the shipped one."""
    from .render.docx import user_templates

    with user_templates(templates):
        return _redline(path, against, with_html)


def _redline(path: Path, against: str, with_html: bool) -> Redline:
    from .overlay import resolve_chain  # noqa: PLC0415

    path = Path(path)
    if path.suffix not in (".yaml", ".yml") or path.name == "contract.yaml":
        raise UsageError(f"{path}: redline needs an overlay (variations/X.yaml); use `contractgen diff` for two contracts")
    resolved = resolve_chain(path)
    steps = resolved.steps
    if against == "parent":
        if len(steps) < 2:
            raise UsageError(f"{path}: overlay '{resolved.overlay.id}' extends no other overlay; use --against base")
        steps = steps[-1:]
        base = resolved.parent
    elif against == "base":
        base = resolved.base
    else:
        raise UsageError(f"--against must be 'base' or 'parent', not {against!r}")
    variations, sources = _chain_variations(base, steps)
    ov = resolved.overlay
    name = ov.consortium["name"]
    return build_redline(base, resolved.contract, variations, author=name, date=ov.effective,
                         title=f"Redline: {resolved.contract.title}",
                         subtitle=f"Changes made by {name} to {base.ref}", with_html=with_html, sources=sources)


def _chain_variations(base: Contract, steps: list) -> tuple[list, dict[int, Source]]:
    """Return the variations of each overlay of `steps` (its particulars' first), and the source of each."""
    from .overlay import derived_variations  # noqa: PLC0415

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


def diff(a: str, b: str, with_html: bool = True, templates: Path | None = None) -> Redline:
    """Return the redline between any two sources (no attribution to variations); a template
    present in `templates` (--templates DIR) is used instead of the shipped one."""
    from .render.docx import user_templates

    with user_templates(templates):
        (ca, sa), (cb, sb) = _diff_side(a), _diff_side(b)
        return build_redline(ca, cb, None, author="contractgen", date=cb.date,
                             title=f"Comparison: {ca.ref} and {cb.ref}",
                             subtitle=f"{cb.title}: changes from {ca.ref} to {cb.ref}", with_html=with_html,
                             sides=[sa, sb] if sa or sb else None)


def _diff_side(spec: str) -> tuple[Contract, Side | None]:
    """Return the contract a diff operand names and, for an overlay, the variations that made it."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") and path.name != "contract.yaml" and path.is_file():
        from .overlay import resolve_chain  # noqa: PLC0415

        resolved = resolve_chain(path)
        variations, sources = _chain_variations(resolved.base, resolved.steps)
        return resolved.contract, Side(resolved.overlay.id, resolved.base, resolved.contract, variations, sources)
    return open_for_diff(spec), None
