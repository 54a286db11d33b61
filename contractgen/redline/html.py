"""Redline → one self-contained HTML file: no scripts, no network, a print stylesheet."""

from __future__ import annotations

from html import escape
from typing import Any

from ..numbering import Numbered
from .align import Out
from .textdiff import DEL, EQ, Piece

CSS = """
:root { --ink:#1b1f24; --muted:#5b6470; --ins:#0b6b2f; --ins-bg:#e3f5e8; --del:#a3161a; --del-bg:#fbe6e6;
        --move:#5a2d91; --move-bg:#efe7fa; --rule:#d5d9df; --navy:#1f2a44; }
* { box-sizing: border-box; }
body { font: 15px/1.5 "Segoe UI", Arial, "Liberation Sans", sans-serif; color: var(--ink); margin: 0; }
header, nav, main { max-width: 70rem; margin: 0 auto; padding: 0 1.5rem; }
header { padding-top: 2rem; border-bottom: 3px solid var(--navy); }
header h1 { color: var(--navy); font-size: 1.7rem; margin: 0 0 .3rem; }
header p { margin: .2rem 0 .8rem; color: var(--muted); }
.legend span { margin-right: 1.2rem; }
h2 { color: var(--navy); font-size: 1.2rem; margin: 1.6rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border: 1px solid var(--rule); padding: .3rem .45rem; vertical-align: top; text-align: left; }
th { background: var(--navy); color: #fff; font-weight: 600; }
.register td:first-child { white-space: nowrap; }
.row { display: grid; grid-template-columns: minmax(0, 1fr) 17rem; gap: 1.2rem; border-left: 3px solid transparent;
       padding: 0 .5rem; }
.row.changed { border-left-color: #c9a227; background: #fffdf4; }
.row p { margin: .35rem 0; padding-left: 3.2rem; text-indent: -3.2rem; }
.num { display: inline-block; min-width: 3.2rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.lvl-1 p, p.lvl-1 { font-weight: 700; text-transform: uppercase; color: var(--navy); margin-top: 1rem; }
p.lvl-3 { padding-left: 5.4rem; } p.lvl-4 { padding-left: 7.6rem; } p.lvl-5 { padding-left: 9.8rem; }
p.text, p.definition { padding-left: 3.2rem; text-indent: 0; }
p.schedule-title { text-indent: 0; padding-left: 0; }
p.schedule-title { font-size: 1.15rem; font-weight: 700; color: var(--navy); margin-top: 2rem;
                   border-top: 2px solid var(--navy); padding-top: .6rem; }
ins { color: var(--ins); background: var(--ins-bg); text-decoration: underline; }
del { color: var(--del); background: var(--del-bg); text-decoration: line-through; }
ins.moved { color: var(--move); background: var(--move-bg); text-decoration: underline double; }
del.moved { color: var(--move); background: var(--move-bg); text-decoration: line-through double; }
.note { font-size: .82rem; color: var(--muted); border-left: 2px solid #c9a227; padding: .3rem .6rem; margin: .35rem 0;
        align-self: start; }
.note b { color: var(--ink); display: block; }
.note .why { display: block; margin-top: .2rem; }
.why i { font-style: normal; font-weight: 600; color: var(--ink); }
.why.superseded, .why.superseded i { color: var(--muted); font-style: italic; font-weight: 400; }
.register .why { display: block; }
.register .why + .why { margin-top: .25rem; }
tr.superseded td { color: var(--muted); }
.status { font-size: .72rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.table-wrap { margin: .4rem 0 .6rem 3.2rem; }
.register-wrap { overflow-x: auto; }
@media screen and (max-width: 40rem) {  /* a phone, or 400% zoom: the notes go under their paragraph */
  header, nav, main { padding: 0 .75rem; }
  .row { grid-template-columns: minmax(0, 1fr); gap: 0; }
  .row p { padding-left: 0; text-indent: 0; }
  p.lvl-3, p.lvl-4, p.lvl-5, p.text, p.definition { padding-left: 0; }
  .table-wrap { margin-left: 0; overflow-x: auto; }
}
tr.inserted td { background: var(--ins-bg); } tr.deleted td { background: var(--del-bg); }
a { color: #1f4e99; }
a.back { font-size: .75rem; margin-left: .4rem; }
footer { max-width: 70rem; margin: 2rem auto; padding: 0 1.5rem; color: var(--muted); font-size: .8rem; }
@media print {
  .register-wrap { overflow: visible; }
  body { font-size: 10pt; }
  header, nav, main, footer { max-width: none; padding: 0; }
  .row { grid-template-columns: minmax(0, 1fr) 5.5cm; break-inside: avoid; background: none !important; }
  a { color: inherit; text-decoration: none; }
  a.back { display: none; }
  nav { break-after: page; }
  thead { display: table-header-group; }
  ins, del { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _toks(piece: Piece) -> str:
    return escape("".join(t.text for t in piece.toks))


def _runs(pieces: list[Piece], status: str) -> str:
    out = []
    moved = status in ("moved-from", "moved-to")
    for p in pieces:
        if not any(t.bold for t in p.toks):
            text = escape("".join(t.text for t in p.toks))
        else:
            text = "".join(f"<b>{escape(t.text)}</b>" if t.bold else escape(t.text) for t in p.toks)
        if p.op == EQ:
            out.append(text)
        elif p.op == DEL:
            cls = ' class="moved"' if moved else ""
            out.append(f"<del{cls}>{text}</del>")
        else:
            cls = ' class="moved"' if moved else ""
            out.append(f"<ins{cls}>{text}</ins>")
    return "".join(out)


STATUS_LABEL = {"changed": "changed", "inserted": "inserted", "deleted": "deleted",
                "moved-from": "moved from here", "moved-to": "moved here"}


def _reasons(row: Any, margin: bool = False) -> str:
    """Return a register row's reasons, one a line: who gives each, and the superseded ones
    marked; in the register, a long value's change comes first (the margin stands beside it)."""
    notes = getattr(row, "notes", ())
    if not notes:
        return escape(row.rationale)
    out = []
    for n in notes:
        cls = "why superseded" if n.superseded else "why"
        label = f"<i>{escape(n.label)}:</i> " if n.label else ""
        text = n.text if margin or not n.detail else f"{n.detail} {n.text}"
        out.append(f'<span class="{cls}">{label}{escape(text)}</span>')
    return "".join(out)


def render_redline_html(numbered: Numbered, outs: list[Out], register: list[Any], context: dict[str, Any],
                        author: str, row_of: dict[int, Any] | None = None) -> str:
    """Return the HTML redline (one file, readable without scripts or network); `row_of` gives
    the register row of each changed paragraph (its margin note shows that row's reasons)."""
    if row_of is None:
        var_row = {id(_var(r)): r for r in register}
        row_of = {i: var_row[id(o.variation)] for i, o in enumerate(outs)
                  if o.variation is not None and id(o.variation) in var_row}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(context['title'])}</title><style>{CSS}</style></head><body>",
        "<header>",
        f"<h1>{escape(context['title'])}</h1>",
        f"<p>{escape(context['subtitle'])} · {escape(context['date'])} · changes by {escape(author)}</p>",
        f"<p>{escape(context['reference'])}</p>",
        '<p class="legend"><span><ins>inserted</ins></span><span><del>deleted</del></span>'
        '<span><ins class="moved">moved here</ins> / <del class="moved">moved from here</del></span></p>',
        "</header>",
    ]
    if register:
        parts.append('<nav aria-label="Change register"><h2>Change register</h2>')
        parts.append(f"<p>{escape(context['register_intro'])}</p>")
        parts.append('<div class="register-wrap" role="region" aria-label="Change register table" tabindex="0">'
                     '<table class="register"><thead><tr><th>No.</th><th>Clause</th><th>Heading</th>'
                     "<th>Operation</th><th>Category</th><th>Rationale</th></tr></thead><tbody>")
        for r in register:
            link = f'<a href="#v{r.number}">{r.number}</a>' if r.anchor else str(r.number)
            cls = "" if getattr(r, "live", True) else ' class="superseded"'
            parts.append(f'<tr id="reg{r.number}"{cls}><td>{link}</td><td>{escape(r.clause)}</td>'
                         f"<td>{escape(r.heading)}</td><td>{escape(r.operation)}</td><td>{escape(r.category)}</td>"
                         f"<td>{_reasons(r)}</td></tr>")
        parts.append("</tbody></table></div></nav>")
    else:
        changes = [i for i, o in enumerate(outs) if o.changed]
        parts.append(f'<nav aria-label="Changes"><h2>Changes ({len(changes)})</h2><p>')
        parts.append(" · ".join(f'<a href="#c{i}">{escape(outs[i].item.number or outs[i].item.key)}</a>' for i in changes))
        parts.append("</p></nav>")
    parts.append("<main><h2>The contract with the changes marked</h2>")
    seen_var: set[int] = set()
    for i, out in enumerate(outs):
        item = out.item
        reg = row_of.get(i)
        number = reg.number if reg is not None else None
        ident = ""
        if number is not None and number not in seen_var:
            seen_var.add(number)
            ident = f' id="v{number}"'
        elif out.changed:
            ident = f' id="c{i}"'
        cls = "row changed" if out.changed else "row"
        parts.append(f'<div class="{cls}"{ident}>')
        parts.append("<div>")
        num = item.number if item.kind in ("schedule-title", "heading", "para") else ""
        if item.kind == "table":
            parts.append('<div class="table-wrap"><table>')
            for r, row in enumerate(out.rows):
                tag = "th" if r == 0 and row.status != "deleted" else "td"
                cells = "".join(f"<{tag}>{_runs(cell, 'changed')}</{tag}>" for cell in row.cells)
                parts.append(f'<tr class="{row.status}">{cells}</tr>')
            parts.append("</table></div>")
        else:
            klass = item.kind if item.kind in ("schedule-title", "text", "definition") else f"lvl-{item.level}"
            numspan = f'<span class="num">{escape(num)}</span>' if num else ""
            parts.append(f'<p class="{klass}">{numspan}{_runs(out.pieces, out.status)}</p>')
        parts.append("</div>")
        if out.changed:
            label = STATUS_LABEL.get(out.status, out.status)
            if reg is not None:
                parts.append(f'<aside class="note"><b>{number} · {escape(reg.category)}</b>'
                             f'<span class="status">{escape(label)}</span> {_reasons(reg, margin=True)}'
                             f'<a class="back" href="#reg{number}">register</a></aside>')
            else:
                parts.append(f'<aside class="note"><span class="status">{escape(label)}</span></aside>')
        else:
            parts.append("<div></div>")
        parts.append("</div>")
    parts.append("</main>")
    parts.append(f"<footer>{escape(context.get('notice', ''))}</footer></body></html>")
    return "\n".join(parts) + "\n"


def _var(row: Any) -> Any:
    return getattr(row, "variation", None)
