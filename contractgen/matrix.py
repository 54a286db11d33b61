"""The variation matrix (issue 13): every clause, parameter and defined term of a national
contract version × every consortium on it; each cell the variations that consortium makes there,
by category and operation. `contractgen matrix -o FILE` writes it as CSV, XLSX or HTML.

A consortium's variations are its whole chain's (an overlay that extends another inherits its
parent's), the values its particulars set included. Pure but for the final write.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import Contract
from .numbering import number_contract
from .ops import REGISTRY

#: Each category's letter (so that no cell carries its meaning by colour alone) and colour.
CATEGORY_MARK = {"specification": ("S", "DCEBFA"), "terms": ("T", "FDE8C8"), "commercial": ("C", "F9D5D3"),
                 "procedure": ("P", "DDF0DC"), "monitoring": ("M", "EADCF5")}


@dataclass
class Row:
    kind: str  # clause | parameter | term
    key: str  # clause id, parameter name or term
    number: str  # the clause's number in the national version ("" for parameters and terms)
    heading: str
    cells: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # overlay → (variation, op, category)

    @property
    def label(self) -> str:
        return {"clause": self.number or self.key, "parameter": f"Value: {self.key}",
                "term": f"Definition: “{self.key}”"}[self.kind]


@dataclass
class Matrix:
    base: str  # contract@version
    overlays: list[tuple[str, str]]  # (overlay id, consortium name), in file order
    rows: list[Row]

    def column_totals(self) -> dict[str, int]:
        return {o: sum(len(r.cells.get(o, ())) for r in self.rows) for o, _ in self.overlays}

    def row_total(self, row: Row) -> int:
        return sum(1 for o, _ in self.overlays if row.cells.get(o))


def place(v: object) -> tuple[str, str]:
    """Return (kind, key) of the row a variation belongs to: an inserted clause sits on the row of
    the clause it is placed by."""
    op = REGISTRY[v.op]  # type: ignore[attr-defined]
    if op.name == "insert" and v.anchor is not None:  # type: ignore[attr-defined]
        return "clause", v.anchor.id  # type: ignore[attr-defined]
    return op.kind, v.target  # type: ignore[attr-defined]


def build_matrices(variations_dir: Path) -> list[Matrix]:
    """Return one matrix per national contract version that has overlays on it, in name order."""
    from .overlay import resolve_chain

    return matrices_of([resolve_chain(path) for path in sorted(Path(variations_dir).glob("*.yaml"))])


def matrices_of(chains: list) -> list[Matrix]:
    """Return the matrices of resolved overlay chains (in the order given: file order)."""
    from .redline.build import _chain_variations

    by_base: dict[str, tuple[Contract, list[tuple[str, str, list]]]] = {}
    for resolved in chains:
        variations, _ = _chain_variations(resolved.base, resolved.steps)
        ov = resolved.overlay
        cells = [(*place(v), v.id, v.op, v.category) for v in variations]
        by_base.setdefault(resolved.base.ref, (resolved.base, []))[1].append((ov.id, str(ov.consortium["name"]), cells))
    return assemble({ref: (number_contract(base), members) for ref, (base, members) in by_base.items()})


def assemble(by_base: dict[str, tuple[Any, list[tuple[str, str, list]]]]) -> list[Matrix]:
    """Return one matrix per version from its numbered base and, per consortium on it, (overlay id,
    name, its variations as (kind, key, variation id, operation, category)), in name order."""
    out = []
    for ref in sorted(by_base):
        numbered, members = by_base[ref]
        rows: dict[tuple[str, str], Row] = {}
        for part, node in numbered.walk():
            prefix = f"{part.label}, " if part.label else ""
            rows[("clause", node.clause.id)] = Row("clause", node.clause.id, prefix + node.full,
                                                   numbered.inline(node.clause.heading or ""))
        for part in numbered.parts:
            rows.setdefault(("clause", part.part.id), Row("clause", part.part.id, part.label or part.part.title,
                                                          part.part.title))
        extra: dict[tuple[str, str], Row] = {}
        for overlay_id, _, cells in members:
            for kind, key, vid, op, category in cells:
                row = rows.get((kind, key)) or extra.setdefault((kind, key), Row(kind, key, "", ""))
                row.cells.setdefault(overlay_id, []).append((vid, op, category))
        ordered = [r for r in rows.values() if r.cells or r.kind == "clause"]
        ordered += sorted(extra.values(), key=lambda r: (r.kind != "parameter", r.key))
        out.append(Matrix(ref, [(o, n) for o, n, _ in members], ordered))
    return out


def _cell_text(cell: list[tuple[str, str, str]]) -> str:
    return "; ".join(f"{CATEGORY_MARK[c][0]} {op} ({vid})" for vid, op, c in cell)


def to_csv(matrices: list[Matrix]) -> bytes:
    """One row per clause, parameter or term of each version; a column per consortium."""
    overlays = [o for m in matrices for o, _ in m.overlays]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["contract", "kind", "id", "number", "heading", "consortia varying it", *overlays])
    for m in matrices:
        for r in m.rows:
            w.writerow([m.base, r.kind, r.key, r.number, r.heading, m.row_total(r),
                        *[_cell_text(r.cells.get(o, [])) for o in overlays]])
        totals = m.column_totals()
        w.writerow([m.base, "total", "", "", "variations", sum(totals.values()),
                    *[totals.get(o, "") for o in overlays]])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # a BOM: Excel then reads it as UTF-8


def to_xlsx(matrices: list[Matrix]) -> bytes:
    """A sheet per contract version: frozen headings, a filled and lettered cell per variation."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(name="Calibri", bold=True)
    for m in matrices:
        ws = wb.create_sheet(m.base.replace("@", " ")[:31])
        head = ["Clause", "Heading", "Consortia varying it", *[o for o, _ in m.overlays]]
        ws.append(head)
        for c in ws[1]:
            c.font = bold
            c.alignment = Alignment(wrap_text=True, vertical="top", text_rotation=90 if c.column > 3 else 0)
        for r in m.rows:
            ws.append([r.label, r.heading, m.row_total(r), *[_cell_text(r.cells.get(o, [])) for o, _ in m.overlays]])
            for j, (o, _) in enumerate(m.overlays, start=4):
                cell = r.cells.get(o)
                if cell:
                    ws.cell(row=ws.max_row, column=j).fill = PatternFill("solid", fgColor=CATEGORY_MARK[cell[0][2]][1])
        totals = m.column_totals()
        ws.append(["Total", "variations", sum(totals.values()), *[totals[o] for o, _ in m.overlays]])
        for c in ws[ws.max_row]:
            c.font = bold
        ws.freeze_panes = "D2"
        ws.column_dimensions["A"].width = 18
        ws.column_dimensions["B"].width = 40
        ws.row_dimensions[1].height = 170
    wb.properties.creator = "contractgen"
    import datetime as dt

    stamp = dt.datetime(2026, 1, 1)
    wb.properties.created = wb.properties.modified = stamp
    buf = io.BytesIO()
    wb.save(buf)
    from .pack import _tidy_xlsx  # shared strings, schema order, a fixed date: Excel rewrites nothing
    from .render.zipnorm import normalise_zip

    return normalise_zip(_tidy_xlsx(buf.getvalue(), stamp), None, stamp.date())


def _sort_js() -> str:
    """The register site's table-sorting script (one script for both)."""
    return (Path(__file__).parent / "site" / "static" / "sort.js").read_text("utf-8")


def to_html(matrices: list[Matrix]) -> bytes:
    """A self-contained page: a real table per version (works without JavaScript; sortable with it),
    each cell lettered and coloured by category, with row and column totals."""
    e = html.escape
    legend = " ".join(f'<span class="c {c}">{letter}</span> {c}' for c, (letter, _) in CATEGORY_MARK.items())
    parts = ["<!DOCTYPE html>", '<html lang="en-GB">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>Variation matrix</title>", "<style>",
             "body{font-family:system-ui,sans-serif;margin:1rem}table{border-collapse:collapse;font-size:.85rem}"
             "th,td{border:1px solid #888;padding:.2rem .35rem;vertical-align:top}"
             "thead th{position:sticky;top:0;background:#fff}th button{font:inherit;background:none;border:0;"
             "padding:0;cursor:pointer;text-align:left}th button:focus,a:focus{outline:3px solid #fd0}"
             "td.n{text-align:right}.c{display:inline-block;min-width:1.2em;text-align:center;font-weight:bold}"
             + "".join(f".{c}{{background:#{col}}}" for c, (_, col) in CATEGORY_MARK.items())
             + "@media print{th button{pointer-events:none}}", "</style>", "</head>", "<body>",
             '<main id="main">', "<h1>Variation matrix</h1>",
             f"<p>Each cell lists the variations a consortium makes to a clause, value or definition of the "
             f"national contract: a letter for the category, then the operation. Categories: {legend}.</p>"]
    for m in matrices:
        totals = m.column_totals()
        parts.append(f'<h2 id="{e(m.base)}">{e(m.base)}</h2>')
        parts.append(f'<table class="matrix" data-sortable><caption>{e(m.base)}: {len(m.rows)} rows × {len(m.overlays)} '
                     f"consortia, {sum(totals.values())} variations</caption>")
        parts.append('<thead><tr><th scope="col">Clause</th><th scope="col">Heading</th>'
                     '<th scope="col">Consortia</th>'
                     + "".join(f'<th scope="col" title="{e(n)}">{e(o)}</th>' for o, n in m.overlays)
                     + "</tr></thead><tbody>")
        for i, r in enumerate(m.rows):
            cells = []
            for o, _ in m.overlays:
                cell = r.cells.get(o)
                if not cell:
                    cells.append('<td data-sort=""></td>')
                    continue
                items = "<br>".join(f'<span class="c {c}">{CATEGORY_MARK[c][0]}</span> '
                                    f'<a href="#{e(o)}--{e(vid)}" id="{e(o)}--{e(vid)}">{e(op)}</a>'
                                    for vid, op, c in cell)
                cells.append(f'<td class="{cell[0][2]}" data-sort="{len(cell)}">{items}</td>')
            parts.append(f'<tr><th scope="row" data-sort="{i:05d}">{e(r.label)}</th><td>{e(r.heading)}</td>'
                         f'<td class="n">{m.row_total(r)}</td>' + "".join(cells) + "</tr>")
        parts.append('</tbody><tfoot><tr><th scope="row">Total</th><td>variations</td>'
                     f'<td class="n">{sum(totals.values())}</td>'
                     + "".join(f'<td class="n">{totals[o]}</td>' for o, _ in m.overlays) + "</tr></tfoot></table>")
    parts += ["</main>", f"<script>{_sort_js()}</script>", "</body>", "</html>", ""]
    return "\n".join(parts).encode("utf-8")


def write_matrix(out: Path, variations_dir: Path = Path("variations")) -> tuple[int, int]:
    """Write the matrix to `out` (.csv, .xlsx or .html); return (rows, variations)."""
    from .errors import UsageError
    from .output import check_outputs, write_atomic

    writers = {".csv": to_csv, ".xlsx": to_xlsx, ".html": to_html}
    if out.suffix.lower() not in writers:
        raise UsageError(f"{out}: the matrix is written as .csv, .xlsx or .html; name a file with one of those")
    matrices = build_matrices(variations_dir)
    data = writers[out.suffix.lower()](matrices)
    check_outputs([out])
    write_atomic(out, data)
    return sum(len(m.rows) for m in matrices), sum(sum(m.column_totals().values()) for m in matrices)
