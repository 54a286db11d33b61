"""Every file of the register site, rendered from the gathered register. Pure: returns bytes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from ..matrix import CATEGORY_MARK, to_csv
from .data import CATEGORIES, Consortium, Register, RowPage, Version, version_slug

HERE = Path(__file__).parent
SITE_NAME = "National variation register"
ARRANGEMENT_LABEL = {"framework": "Framework", "dps": "Dynamic purchasing system", "block": "Block contract",
                     "cost-and-volume": "Cost and volume", "partnership": "Partnership", "spot": "Spot purchasing"}
OPERATIONS = ("set", "replace", "amend", "insert", "delete", "move", "retitle", "define", "undefine")


def _env() -> Any:
    import jinja2  # noqa: PLC0415

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    env.globals.update(site_name=SITE_NAME, categories=CATEGORIES, mark=CATEGORY_MARK,
                       arrangement_label=lambda a: ARRANGEMENT_LABEL.get(a, a.replace("-", " ").capitalize()))
    env.filters["long_date"] = _long_date
    env.filters["kb"] = lambda n: f"{n / 1024:,.0f} kB" if n >= 1024 else f"{n} bytes"
    return env


def _long_date(d: Any) -> str:
    if d is None:
        return ""
    from ..render.docx import long_date  # noqa: PLC0415

    return long_date(d)


def _json(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _root(path: str) -> str:
    return "../" * path.count("/") or "./"


def _row_title(row: RowPage) -> str:
    """A row as a title names it: "9.3 Tiers"; a value or definition by its label alone."""
    if row.kind != "clause" or not row.heading:
        return row.label
    return f"{row.label} {row.heading}"


def _row_key(row: RowPage) -> str:
    return f"{row.kind}:{row.key}"


def pages(register: Register, packs: Path | None = None) -> dict[str, bytes]:
    """Return {path: bytes} for the whole site."""
    env = _env()
    files: dict[str, bytes] = {}
    versions = register.versions
    consortia = register.consortia
    by_base: dict[str, list[Consortium]] = {}
    for c in consortia:
        by_base.setdefault(c.base, []).append(c)
    newest: dict[str, str] = {}
    for v in versions.values():
        newest[v.contract] = v.ref  # versions come in order
    if packs is not None:
        for c in consortia:
            c.pack = _copy_pack(Path(packs), c.id, files)

    def page(path: str, template: str, **ctx: Any) -> None:
        ctx.setdefault("title", SITE_NAME)
        html = env.get_template(template).render(root=_root(path), path=path, nav=ctx.pop("nav", ""), **ctx)
        files[path] = html.encode("utf-8")

    page("index.html", "home.html.j2", versions=list(versions.values()), consortia=consortia, by_base=by_base,
         newest=newest, nav="home", total=sum(len(c.changes) for c in consortia))
    for v in versions.values():
        rows = sorted(v.rows.values(), key=lambda r: r.order)
        page(v.file, "version.html.j2", title=f"{v.ref}: {v.title}", version=v, rows=rows,
             on_it=by_base.get(v.ref, []), newest=newest[v.contract], nav="home")
        for row in rows:
            parent = v.rows.get(("clause", row.parent)) if row.parent else None
            kids = [v.rows[("clause", k)] for k in row.children if ("clause", k) in v.rows]
            page(row.file, "row.html.j2", title=f"{_row_title(row)} ({v.ref})",
                 version=v, row=row, parent=parent, kids=kids, nav="home",
                 names={c.id: c.name for c in consortia})
    names = {c.id: c.name for c in consortia}
    for c in consortia:
        v = versions[c.base]
        peers = [o for o in by_base.get(c.base, []) if o.id != c.id]
        page(c.file, "consortium.html.j2", title=c.name, c=c, version=v, peers=peers, names=names, nav="consortia")
        files[c.redline_file] = c.redline_html.encode("utf-8")
        files[c.data_file] = ("CGData.consortium(" + _json(_compare_data(c, v)) + ");\n").encode("utf-8")
    page("matrix.html", "matrix.html.j2", title="Variation matrix", matrices=register.matrices,
         versions=versions, names=names, nav="matrix", link=lambda m, o, vid: _cell_link(versions, m, o, vid))
    files["matrix.csv"] = to_csv(register.matrices)
    files["matrix.json"] = (json.dumps(_matrix_json(register), ensure_ascii=False, indent=1, sort_keys=True)
                            + "\n").encode("utf-8")
    page("status.html", "status.html.j2", title="Base versions and rebase status", status=register.status,
         consortia={c.id: c for c in consortia}, newest=newest, nav="status")
    page("compare.html", "compare.html.j2", title="Compare two consortia", by_base=by_base, nav="compare")
    facets = _facet_labels(register)
    page("search.html", "search.html.j2", title="Search the register", facets=facets, nav="search")
    page("accessibility.html", "accessibility.html.j2", title="Accessibility statement", nav="")
    files.update(_search_files(register, facets))
    for f in sorted((HERE / "static").iterdir()):
        if f.is_file():
            files[f"static/{f.name}"] = f.read_bytes()
    return files


def _cell_link(versions: dict[str, Version], m: Any, overlay: str, vid: str) -> str:
    """Return where a matrix cell's variation is shown on its row's page."""
    v = versions[m.base]
    for row in v.rows.values():
        for ch in row.changes:
            if ch.overlay == overlay and ch.vid == vid:
                return f"{row.file}#{ch.anchor}"
    return f"consortia/{overlay}.html#v-{vid}"


def _copy_pack(packs: Path, overlay: str, files: dict[str, bytes]) -> list[tuple[str, int]]:
    folder = packs / overlay
    found: list[tuple[str, int]] = []
    if not folder.is_dir():
        return found
    for f in sorted(folder.iterdir()):
        if f.is_file() and not f.name.startswith("."):
            rel = f"packs/{overlay}/{f.name}"
            files[rel] = f.read_bytes()
            found.append((rel, len(files[rel])))
    z = packs / f"{overlay}.zip"
    if z.is_file():
        rel = f"packs/{overlay}.zip"
        files[rel] = z.read_bytes()
        found.append((rel, len(files[rel])))
    return found


def _compare_data(c: Consortium, v: Version) -> dict[str, Any]:
    """The data `compare.js` reads for one consortium: each row it varies, national text and its own."""
    rows: dict[str, Any] = {}
    for ch in c.changes:
        row = v.rows[ch.row]
        key = _row_key(row)
        entry = rows.setdefault(key, {"label": row.label, "heading": row.heading, "order": row.order,
                                      "national": row.national_text, "text": "", "variations": [], "_t": []})
        entry["variations"].append({"id": ch.vid, "op": ch.op_label, "category": ch.category,
                                    "rationale": ch.rationale, "source": ch.source})
        if ch.live and ch.new_text and ch.new_text not in entry["_t"]:
            entry["_t"].append(ch.new_text)
    for entry in rows.values():
        entry["text"] = " ".join(entry.pop("_t"))
    return {"id": c.id, "name": c.name, "contract": c.base, "url": c.file, "rows": rows}


def _matrix_json(register: Register) -> dict[str, Any]:
    out: dict[str, Any] = {"consortia": [{"id": c.id, "name": c.name, "base": c.base} for c in register.consortia],
                           "versions": []}
    for m in register.matrices:
        totals = m.column_totals()
        out["versions"].append({
            "base": m.base, "total": sum(totals.values()), "totals": totals,
            "rows": [{"kind": r.kind, "id": r.key, "label": r.label, "heading": r.heading, "consortia": m.row_total(r),
                      "cells": {o: [{"id": vid, "op": op, "category": cat} for vid, op, cat in cell]
                                for o, cell in r.cells.items()}} for r in m.rows]})
    return out


def _facet_labels(register: Register) -> dict[str, dict[str, str]]:
    return {
        "consortium": {c.id: c.name for c in sorted(register.consortia, key=lambda c: c.name)},
        "category": {c: c.capitalize() for c in CATEGORIES},
        "operation": {o: o for o in OPERATIONS},
        "base": {ref: ref for ref in register.versions},
    }


def _search_files(register: Register, facets: dict[str, dict[str, str]]) -> dict[str, bytes]:
    from .search import SearchDoc, build_index  # noqa: PLC0415

    docs: list[SearchDoc] = []
    for c in register.consortia:
        docs.append(SearchDoc(
            c.file, c.name, "consortium", " ".join([c.name, c.region, c.arrangement, *(v for _, v in c.particulars)]),
            {"consortium": (c.id,), "base": (c.base,), "category": (), "operation": ()},
            f"{c.region} · {c.arrangement} · on {c.base} · {len(c.changes)} variations"))
    for v in register.versions.values():
        for row in sorted(v.rows.values(), key=lambda r: r.order):
            if row.kind == "clause" and not row.national_text and not row.changes:
                continue
            ops = tuple(sorted({ch.op for ch in row.changes}))
            cats = tuple(sorted({ch.category for ch in row.changes}))
            docs.append(SearchDoc(
                row.file, f"{_row_title(row)} ({v.ref})", row.kind,
                f"{row.label} {row.heading} {row.national_text}",
                {"consortium": tuple(row.consortia), "base": (v.ref,), "category": cats, "operation": ops},
                row.national_text[:240]))
            for ch in row.changes:
                docs.append(SearchDoc(
                    f"{row.file}#{ch.anchor}",
                    f"{ch.consortium}: {ch.op_label.lower()}, {_row_title(row)}", "variation",
                    f"{ch.vid} {ch.rationale} {ch.new_text}",
                    {"consortium": (ch.overlay,), "base": (v.ref,), "category": (ch.category,), "operation": (ch.op,)},
                    ch.rationale[:240]))
    return build_index(docs, facets)


def category_counts(changes: list[Any]) -> Counter[str]:
    return Counter(ch.category for ch in changes)
