"""What the register site shows, gathered once: every national contract version, every consortium
on it, and every variation placed on the row (clause, value or definition) it varies, with that
row's national text and the consortium's text redlined against it. Pure: reads sources, writes
nothing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from ..matrix import CATEGORY_MARK, place
from ..numbering import Numbered, number_contract
from ..ops import REGISTRY

CATEGORIES = tuple(CATEGORY_MARK)


def slug(text: str) -> str:
    """Return a file-name-safe form of `text`: ASCII letters, digits, dots and hyphens."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9.]+", "-", text).strip("-") or "x"


def version_slug(ref: str) -> str:
    return ref.replace("@", "-")


@dataclass
class Change:
    """One variation, as the register shows it on its row's page and its consortium's page."""

    overlay: str  # the consortium (overlay) whose contract it is in
    consortium: str  # its name
    vid: str  # the variation's id
    op: str
    op_label: str
    category: str
    rationale: str
    source: str  # where the practice is recorded, "illustrative", or ""
    from_overlay: str  # the overlay of the chain that declares it (an extended parent's, or its own)
    derived: bool  # set from the consortium's particulars
    row: tuple[str, str]  # (kind, key) of the row of the base version it varies
    base: str  # contract@version
    where: str  # its clause number(s) in the varied contract
    heading: str
    html: str = ""  # the paragraphs it changes, redlined against the national text
    new_text: str = ""  # the same paragraphs as the consortium's contract reads them
    live: bool = True  # False when a later overlay of the chain supersedes it

    @property
    def anchor(self) -> str:
        return f"v-{self.overlay}--{self.vid}"


@dataclass
class RowPage:
    """A clause, value or definition of a national version: its text and every variation of it."""

    base: str
    kind: str  # clause | parameter | term
    key: str
    label: str  # "9.3", "Schedule 2, 1.4", "Value: price freeze", "Definition: “Child”"
    heading: str
    order: int
    file: str  # relative to the site root
    national_html: str
    national_text: str
    parent: str | None = None  # the row key of the enclosing clause
    conditional: bool = False  # a national clause the national defaults leave out (no number)
    children: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def consortia(self) -> list[str]:
        return list(dict.fromkeys(c.overlay for c in self.changes))


@dataclass
class Version:
    ref: str  # fostering@2026.2
    contract: str  # fostering
    version: str
    title: str
    date: Any
    status: str
    numbered: Numbered
    file: str
    rows: dict[tuple[str, str], RowPage] = field(default_factory=dict)
    revises: str | None = None

    @property
    def clause_rows(self) -> list[RowPage]:
        return [r for r in self.rows.values() if r.kind == "clause"]


@dataclass
class Consortium:
    id: str
    name: str
    region: str
    arrangement: str
    base: str  # contract@version of its chain's root
    extends: str | None
    effective: Any
    title: str
    particulars: list[tuple[str, str]]
    changes: list[Change]
    file: str
    redline_file: str
    data_file: str
    paragraphs: int  # paragraphs of its contract's redline
    changed: int  # of them, changed from the national text
    redline_html: str = ""
    pack: list[tuple[str, int]] = field(default_factory=list)  # (path under the site root, bytes)
    status: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(CATEGORIES, 0)
        for c in self.changes:
            out[c.category] = out.get(c.category, 0) + 1
        return out

    @property
    def drift(self) -> float:
        return 100.0 * self.changed / self.paragraphs if self.paragraphs else 0.0


@dataclass
class Register:
    versions: dict[str, Version]
    consortia: list[Consortium]
    matrices: list[Any]
    status: list[tuple[str, str, str, str, str]]


# ---------------------------------------------------------------------------------------------


def _runs(pieces: list, status: str) -> str:
    from ..redline.html import _runs as runs  # noqa: PLC0415

    return runs(pieces, status)


def _plain(toks: Any) -> str:
    return "".join(t.text for t in toks)


def _item_html(out: Any) -> str:
    """Return one redlined paragraph (or table) as HTML."""
    item = out.item
    num = item.number if item.kind in ("schedule-title", "heading", "para") else ""
    numspan = f'<span class="cg-num">{escape(num)}</span> ' if num else ""
    if item.kind == "table":
        rows = []
        for r, row in enumerate(out.rows):
            tag = "th" if r == 0 and row.status != "deleted" else "td"
            attr = ' scope="col"' if tag == "th" else ""
            cells = "".join(f'<{tag}{attr} class="govuk-table__{"header" if tag == "th" else "cell"}">'
                            f"{_runs(cell, 'changed')}</{tag}>" for cell in row.cells)
            rows.append(f'<tr class="govuk-table__row">{cells}</tr>')
        return (f'<div class="cg-scroll" role="region" aria-label="Table" tabindex="0"><table class="govuk-table">'
                f'{"".join(rows)}</table></div>')
    status = {"moved-from": "moved from here", "moved-to": "moved here", "deleted": "deleted",
              "inserted": "inserted"}.get(out.status, "")
    mark = f' <span class="cg-status">({status})</span>' if status else ""
    cls = "cg-heading" if item.kind in ("heading", "schedule-title") else "cg-para"
    return f'<p class="govuk-body {cls}">{numspan}{_runs(out.pieces, out.status)}{mark}</p>'


def _same_html(item: Any) -> str:
    from ..redline.textdiff import EQ, Piece  # noqa: PLC0415
    from ..redline.align import Out, Row  # noqa: PLC0415

    if item.kind == "table":
        rows = [Row("same", [[Piece(EQ, tuple(c))] for c in r]) for r in item.rows]
        return _item_html(Out("same", item, rows=rows))
    return _item_html(Out("same", item, pieces=[Piece(EQ, tuple(item.toks))] if item.toks else []))


def _item_text(item: Any) -> str:
    if item.kind == "table":
        return " ".join(_plain(c) for r in item.rows for c in r)
    return _plain(item.toks)


def _version_rows(v: Version) -> None:
    """Make a page for every clause of a version (definitions and values get pages when varied)."""
    from ..redline.align import flatten  # noqa: PLC0415

    nb = v.numbered
    items = flatten(nb, lambda ident: nb.labels.get(ident, ident))
    by_clause: dict[str, list[Any]] = {}
    terms: dict[str, Any] = {}
    for item in items:
        if item.kind == "definition":
            terms[item.term] = item
        elif item.clause_id is not None:
            by_clause.setdefault(item.clause_id, []).append(item)
    order = 0
    vs = version_slug(v.ref)
    for part in nb.parts:
        pid = part.part.id
        label = part.label or part.part.title
        own = [i for i in by_clause.get(pid, []) if i.kind == "schedule-title"]
        v.rows[("clause", pid)] = RowPage(
            v.ref, "clause", pid, label, part.part.title, order, f"clauses/{vs}/{slug(pid)}.html",
            "".join(_same_html(i) for i in own), " ".join(_item_text(i) for i in own),
            children=[n.clause.id for n in part.nodes])
        order += 1

        def visit(node: Any, parent: str, prefix: str = f"{part.label}, " if part.label else "") -> None:
            nonlocal order
            c = node.clause
            own = [i for i in by_clause.get(c.id, []) if i.kind != "schedule-title"]
            v.rows[("clause", c.id)] = RowPage(
                v.ref, "clause", c.id, prefix + node.full, nb.inline(c.heading or ""), order,
                f"clauses/{vs}/{slug(c.id)}.html", "".join(_same_html(i) for i in own),
                " ".join(_item_text(i) for i in own), parent=parent, children=[n.clause.id for n in node.children])
            order += 1
            for child in node.children:
                visit(child, c.id)

        for node in part.nodes:
            visit(node, pid)
    v.term_items = terms  # type: ignore[attr-defined]


def _inline(nb: Numbered, text: str) -> str:
    """Return `text` as the reader sees it; a reference to a clause the national defaults leave
    out names that clause by its heading (it has no number)."""
    from ..text import split  # noqa: PLC0415

    index = nb.contract.clause_index()
    out = []
    for s in split(text):
        try:
            out.append(nb.segment_text(s.kind, s.value, s.raw))
        except KeyError:
            c = index.get(s.value)
            out.append(f"the clause “{c.heading}”" if c is not None and c.heading else f"[{s.value}]")
    return "".join(out)


def _extra_row(v: Version, kind: str, key: str) -> RowPage:
    """Return (making it) the page of a value or definition of `v`."""
    found = v.rows.get((kind, key))
    if found is not None:
        return found
    from ..render.variations import parameter_label, shown_value  # noqa: PLC0415

    vs = version_slug(v.ref)
    contract = v.numbered.contract
    if kind == "parameter":
        p = contract.parameters.get(key)
        value = shown_value(p, contract.values.get(key)) if p is not None else "(not a value of this version)"
        html = (f'<p class="govuk-body">National value: <strong>{escape(value)}</strong></p>'
                + (f'<p class="govuk-body">{escape(p.description)}</p>' if p is not None and p.description else ""))
        row = RowPage(v.ref, kind, key, f"Value: {parameter_label(key)}", parameter_label(key), 100000 + len(v.rows),
                      f"clauses/{vs}/value-{slug(key)}.html", html, f"{parameter_label(key)} {value}")
    elif kind == "term":
        item = v.term_items.get(key)  # type: ignore[attr-defined]
        html = _same_html(item) if item is not None else '<p class="govuk-body">Not defined in the national text.</p>'
        row = RowPage(v.ref, kind, key, f"Definition: “{key}”", f"“{key}”", 200000 + len(v.rows),
                      f"clauses/{vs}/term-{slug(key)}.html", html, _item_text(item) if item is not None else key)
    else:
        found = next((c for _, c in contract.walk() if c.id == key), None)
        if found is not None:  # a national clause that the national defaults leave out (a when: condition)
            nb = v.numbered
            conds = "; ".join(f"{parameter_label(n).lower()} is "
                              + " or ".join(shown_value(contract.parameters[n], x) if n in contract.parameters
                                            else str(x) for x in vals) for n, vals in found.when)
            text = _inline(nb, found.text or "")
            heading = _inline(nb, found.heading or "")
            html = (f'<p class="govuk-body cg-status">Part of the national text only when {escape(conds or "its condition holds")}; '
                    "under the national defaults it is left out, so it has no number there.</p>"
                    + (f'<p class="govuk-body cg-para"><b>{escape(heading)}</b> {escape(text)}</p>' if heading
                       else f'<p class="govuk-body cg-para">{escape(text)}</p>'))
            row = RowPage(v.ref, kind, key, heading or key, "(conditional)", 300000 + len(v.rows),
                          f"clauses/{vs}/{slug(key)}.html", html,
                          (f"{heading}{'' if heading.endswith(('.', ':', '?')) or not text else '.'} {text}"
                           if heading else text).strip(), conditional=True)
        else:  # a clause of no national version
            row = RowPage(v.ref, kind, key, key, "", 300000 + len(v.rows), f"clauses/{vs}/{slug(key)}.html",
                          '<p class="govuk-body">Not in the national text: a clause a consortium adds.</p>', "")
    v.rows[(kind, key)] = row
    return row


def _consortium(path: Path) -> tuple[Consortium | None, str | None, Any]:
    """Resolve one overlay and make its consortium's record (run in a worker process): (the
    record, its chain's base as written, its base contract when the parent has not loaded it);
    (None, None, None) when it does not load (the
    parent resolves it again, so that the error reaches the user as it would without workers)."""
    from ..errors import SourceErrors  # noqa: PLC0415
    from ..model import Overlay  # noqa: PLC0415
    from ..overlay import resolve_chain  # noqa: PLC0415
    from ..redline.attribute import group_variations  # noqa: PLC0415
    from ..redline.build import _chain_variations, analysis_of, redline_context  # noqa: PLC0415
    from ..redline.html import render_redline_html  # noqa: PLC0415
    from ..render.variations import OP_LABEL, derived_reason, particulars_rows, variation_rows  # noqa: PLC0415

    try:
        resolved = resolve_chain(path)
    except SourceErrors:
        return None, None, None
    ov = resolved.overlay
    base = resolved.base
    a = analysis_of(resolved)
    outs_of: dict[int, list[Any]] = {}
    for out in a.outs:
        if out.variation is not None:
            outs_of.setdefault(id(out.variation), []).append(out)
    variations, sources = _chain_variations(base, resolved.steps)
    gone = {id(x) for g in group_variations(variations) for x in g.superseded}
    pseudo = Overlay("site", "", None, None, resolved.contract.date, None, {}, tuple(variations))
    vrows = {id(r.variation): r for r in variation_rows(a.nb, a.nv, pseudo)}
    changes = []
    for var in variations:
        row = vrows.get(id(var))
        outs = outs_of.get(id(var), [])
        rationale = derived_reason(resolved.contract.parameters[var.target]) if var.derived else var.rationale
        changes.append(Change(
            ov.id, str(ov.consortium["name"]), var.id, var.op, OP_LABEL[var.op], var.category, rationale,
            str(getattr(var, "source", "") or ""), sources[id(var)].overlay, var.derived, place(var), base.ref,
            row.clause if row else "", row.heading if row else "", "".join(_item_html(o) for o in outs),
            " ".join(_item_text(o.item) for o in outs if o.status not in ("deleted", "moved-from")),
            live=id(var) not in gone))
    author = str(ov.consortium["name"])
    ctx = redline_context(a, author, ov.effective, f"Redline: {resolved.contract.title}",
                          f"Changes made by {author} to {base.ref}", revision=False)
    html = render_redline_html(a.nv, a.outs, a.register, ctx, author, row_of=a.row_of)
    record = Consortium(
        ov.id, author, str(ov.consortium.get("region", "")), str(ov.consortium.get("arrangement", "")),
        base.ref, ov.extends, ov.effective, resolved.contract.title,
        particulars_rows(dict(ov.consortium), resolved.contract.values), changes,
        f"consortia/{ov.id}.html", f"consortia/{ov.id}-redline.html", f"data/{ov.id}.js",
        sum(1 for o in a.outs if o.status != "moved-from"),
        sum(1 for o in a.outs if o.changed and o.status != "moved-from"), html)
    return record, resolved.steps[0][0].base, base if base.ref not in _KNOWN else None


#: The versions the parent has loaded (a worker returns the base only when it is not one of them).
_KNOWN: set[str] = set()


def _records(paths: list[Path], workers: int | None) -> list[tuple[Consortium | None, str | None, Any]]:
    """Return `_consortium` of every path, in order: in worker processes forked from this one
    (which inherit the bases it has loaded) where the platform forks, else here."""
    import multiprocessing  # noqa: PLC0415
    import os  # noqa: PLC0415
    import sys  # noqa: PLC0415

    n = workers if workers is not None else (os.cpu_count() or 1)
    n = max(1, min(n, len(paths)))
    if n == 1 or not sys.platform.startswith("linux"):
        return [_consortium(p) for p in paths]
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_consortium, paths, chunksize=max(1, len(paths) // (4 * n))))


def gather(variations_dir: Path, national_dir: Path, with_status: bool = True, workers: int | None = None) -> Register:
    """Return everything the site shows, each base loaded and numbered once."""
    from ..matrix import assemble  # noqa: PLC0415
    from ..overlay import resolve_chain  # noqa: PLC0415
    from ..validate import contract_versions, load_contract  # noqa: PLC0415

    versions: dict[str, Version] = {}
    for folder in sorted(p for p in Path(national_dir).iterdir() if p.is_dir()):
        for vf in contract_versions(folder):
            c = load_contract(vf)
            v = Version(c.ref, c.id, c.version, c.title, c.date, c.status, number_contract(c),
                        f"contracts/{version_slug(c.ref)}.html", revises=getattr(c, "revises", None))
            _version_rows(v)
            versions[c.ref] = v
    paths = sorted(Path(variations_dir).glob("*.yaml"))
    _KNOWN.clear()
    _KNOWN.update(versions)
    records = _records(paths, workers)
    consortia: list[Consortium] = []
    chains: dict[Path, str] = {}
    from ..redline.textdiff import diff, words  # noqa: PLC0415

    for path, (record, chain, base) in zip(paths, records):
        if record is None:
            resolve_chain(path)  # raises the located errors
            continue
        chains[path] = chain
        v = versions.get(record.base)
        if v is None:  # a base outside national_dir: number it here
            v = Version(base.ref, base.id, base.version, base.title, base.date, base.status, number_contract(base),
                        f"contracts/{version_slug(base.ref)}.html")
            _version_rows(v)
            versions[base.ref] = v
        for ch in record.changes:
            kind, key = ch.row
            page = v.rows.get((kind, key)) or _extra_row(v, kind, key)
            if page.conditional and ch.new_text:  # shown inserted against the defaults: compare with the model's text
                ch.html = (f'<p class="govuk-body cg-para">'
                           f"{_runs(diff(words(page.national_text), words(ch.new_text)), 'changed')}</p>")
            page.changes.append(ch)
        consortia.append(record)
    status: list = []
    if with_status:
        from ..rebase import status_rows  # noqa: PLC0415

        status = status_rows(Path(variations_dir), Path(national_dir), resolved=chains)
        by_id = {c.id: c for c in consortia}
        for row in status:
            if row[0] in by_id:
                by_id[row[0]].status = tuple(row)
    by_base: dict[str, tuple[Any, list[Any]]] = {}
    for c in consortia:
        cells = [(*ch.row, ch.vid, ch.op, ch.category) for ch in c.changes]
        by_base.setdefault(c.base, (versions[c.base].numbered, []))[1].append((c.id, c.name, cells))
    return Register(versions, consortia, assemble(by_base), status)
