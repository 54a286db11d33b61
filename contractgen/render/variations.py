"""The schedule of variations: a separate Word document, one row per declared variation."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Contract, Overlay, Variation
from ..numbering import Numbered, number_contract
from ..text import earlier_start, format_value, split, term_wording

from ..ops import REGISTRY

#: How the schedule of variations names each operation (declared with the operation).
OP_LABEL = {name: op.label for name, op in REGISTRY.items()}


@dataclass(frozen=True)
class Row:
    """One row of the schedule of variations (and of a redline's change register)."""

    number: int
    variation: Variation
    clause: str  # number(s) in the varied contract ("14.2", "Schedule 2, 3.1", "deleted (was 14.2)")
    heading: str
    operation: str
    category: str
    rationale: str
    target_id: str | None  # the clause id to link to in the varied contract, if present
    detail: str = ""  # a long value's change, in words ("Now: “…” (was: “…”)."), shown before the reason

    @property
    def reason(self) -> str:
        """The rationale as a reader sees it: a long value's change first, then why."""
        return f"{self.detail} {self.rationale}" if self.detail else self.rationale


#: Words a parameter's name spells otherwise in prose.
_NAME_WORDS = {"dps": "DPS", "ipa": "IPA", "call off": "call-off", "kpi": "KPI", "ofsted": "Ofsted"}
#: Longest "Label: new (was: old)" kept in the register's Operation column.
SHORT_CHANGE = 72


def parameter_label(name: str) -> str:
    """Return a parameter's name as a heading a person would write: call_off_procedure → Call-off procedure."""
    text = name.replace("_", " ")
    for suffix in (" description",):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
    padded = f" {text} "
    for word, shown in _NAME_WORDS.items():
        padded = padded.replace(f" {word} ", f" {shown} ")
    text = padded.strip()
    return text[:1].upper() + text[1:]


def particular_label(source: str) -> str:
    """Return how the schedule names the particular a `from:` parameter reads (consortium.term.years → Term)."""
    key = source.split(".")[1] if "." in source else source
    return dict(PARTICULAR_LABELS).get(key, key.replace("_", " ").capitalize())


def shown_value(p: Any, value: Any) -> str:
    """Return a parameter value as the register shows it ("none" for a count of nothing)."""
    if p.type in ("integer", "number") and value == 0 and p.unit:
        return "none"
    return format_value(p, value, figures=True)  # a table cell: counts stay in figures


def set_change(p: Any, old: Any, new: Any) -> tuple[str, str]:
    """Return (operation, detail) for a changed value: "Tiers: 3 (was: none)" when that is short;
    else "Call-off procedure changed" and the change in words, shown before the reason (long
    prose values read better there than in a narrow column)."""
    label = parameter_label(p.name)
    was, now = shown_value(p, old), shown_value(p, new)
    change = f"{label}: {now} (was: {was})"
    if len(change) <= SHORT_CHANGE:
        return change, ""
    return f"{label} changed", f"Now: “{now}” (was: “{was}”)."


def derived_reason(p: Any) -> str:
    """Return the reason a row gives for a value set from the consortium particulars."""
    return f"Set from the consortium's particulars ({particular_label(p.source or '')})."


def where(numbered: Numbered, ident: str) -> tuple[str, str] | None:
    for part, node in numbered.walk():
        if node.clause.id == ident:
            prefix = f"{part.label}, " if part.label else ""
            heading = node.clause.heading or _parent_heading(numbered, ident) or ""
            return prefix + node.full, numbered.inline(heading)
    for part in numbered.parts:
        if part.part.id == ident:
            return part.label or part.part.title, part.part.title
    return None


def _parent_heading(numbered: Numbered, ident: str) -> str | None:
    for _, node in numbered.walk():
        stack = [(node, node.clause.heading)]
        while stack:
            n, head = stack.pop()
            for child in n.children:
                if child.clause.id == ident:
                    return child.clause.heading or head
    return None


def _uses(numbered: Numbered, name: str) -> list[str]:
    """Return the ids of clauses whose text shows parameter `name` (or whose presence depends on it)."""
    return _param_uses(numbered).get(name, [])


_USES_CACHE: dict[int, tuple[Numbered, dict[str, list[str]]]] = {}


def _param_uses(numbered: Numbered) -> dict[str, list[str]]:
    hit = _USES_CACHE.get(id(numbered))
    if hit is not None and hit[0] is numbered:
        return hit[1]
    uses: dict[str, list[str]] = {}
    for _, node in numbered.walk():
        c = node.clause
        texts = [c.text or "", c.heading or ""]
        if c.table:
            texts += [cell for row in c.table.rows for cell in row] + list(c.table.columns)
        names = {s.value for t in texts for s in split(t) if s.kind == "param"} | {p for p, _ in c.when}
        for n in sorted(names):
            uses.setdefault(n, []).append(c.id)
    _USES_CACHE.clear()
    _USES_CACHE[id(numbered)] = (numbered, uses)
    return uses


def variation_rows(base: Contract | Numbered, varied: Contract | Numbered, overlay: Overlay,
                   derived: list[Variation] | None = None) -> list[Row]:
    """Return one row per variation (derived particulars first, then the declared ones)."""
    before = base if isinstance(base, Numbered) else number_contract(base)
    after = varied if isinstance(varied, Numbered) else number_contract(varied)
    rows = []
    running = dict(before.contract.values)
    for i, v in enumerate([*(derived or []), *overlay.variations], start=1):
        target_id: str | None = None
        if v.op == "set":
            uses = _uses(after, v.target)
            places = [w for w in (where(after, u) for u in uses) if w]
            clause = ", ".join(p[0] for p in places[:6]) + (" …" if len(places) > 6 else "") or "(not shown in the text)"
            p = after.contract.parameters[v.target]
            label = parameter_label(p.name)
            heading = places[0][1] if places and places[0][1] else label  # the clause's heading, else the label
            target_id = uses[0] if uses else None
            operation, detail = set_change(p, running[v.target], v.value)
            running[v.target] = v.value
            rationale = derived_reason(p) if v.derived else v.rationale
            rows.append(Row(i, v, clause, heading, operation, v.category, rationale, target_id, detail))
            continue
        elif v.op in ("define", "undefine"):
            defs = next((c.id for _, c in after.contract.walk() if c.list == "definitions"), None)
            w = where(after, defs) if defs else None
            clause = w[0] if w else ""
            heading = f"Definition of “{v.target}”"
            target_id = defs
        elif v.op == "delete":
            w = where(before, v.target)
            clause = f"deleted (was {w[0]})" if w else "deleted"
            heading = w[1] if w else ""
        else:
            w = where(after, v.target)
            if w:
                clause, heading = w
                target_id = v.target
            else:
                clause, heading = "(omitted under these particulars)", ""
            if v.op == "move":
                was = where(before, v.target)
                clause += f" (was {was[0]})" if was else ""
        rows.append(Row(i, v, clause, heading, OP_LABEL[v.op], v.category, v.rationale, target_id))
    return rows


PARTICULAR_LABELS = (
    ("name", "Consortium"), ("region", "Region"), ("lead", "Lead authority"), ("members", "Member authorities"),
    ("arrangement", "Arrangement"), ("services", "Services"), ("lots", "Lots"), ("age_bands", "Age bands"),
    ("tiers", "Tiers"), ("term", "Term"), ("award", "Award weightings"), ("call_off", "Call-off"),
    ("monitoring", "Monitoring"),
)


def contract_term(consortium: dict[str, Any], values: Any) -> str:
    """Return the wording of the term (Commencement Date, term, extensions) from the varied
    contract's values, as every document states it."""
    term = consortium.get("term") or {}
    return term_wording(values.get("commencement_date"), values.get("contract_years"), term.get("extensions"),
                        values.get("extension_years"))


def term_history(consortium: dict[str, Any], values: Any) -> str | None:
    """Return the sentence on the start date the particulars record, or None when they record none."""
    term = consortium.get("term") or {}
    if term.get("start") is None or values.get("commencement_date") is None:
        return None
    return earlier_start(values["commencement_date"], term["start"])


def particulars_rows(consortium: dict[str, Any], values: Any = None) -> list[tuple[str, str]]:
    """Return (label, value) rows describing the consortium particulars that are present; the
    term as the varied contract (its `values`) states it, and any start the particulars record
    as the earlier arrangement's."""
    rows = []
    for key, label in PARTICULAR_LABELS:
        if key not in consortium:
            continue
        value = consortium[key]
        if key == "term":
            if values is None or values.get("commencement_date") is None:
                continue
            text = contract_term(consortium, values)
            text = text[:1].upper() + text[1:]
            history = term_history(consortium, values)
            rows.append((label, text))
            if history:
                rows.append(("Earlier arrangement", history))
            continue
        elif key == "award":
            text = f"quality {value['quality']:g}% / price {value['price']:g}%"
        elif isinstance(value, list):
            text = "; ".join(str(v) for v in value) if value else "none"
        else:
            text = str(value)
        if key in (consortium.get("assumed") or {}):
            text += " (assumed: the sources do not state it)"
        rows.append((label, text))
    return rows


def document_path(path: str | Path) -> str:
    """Return how a document names a source file, the same from any working directory:
    variations/<file> for an overlay in a project's variations/ folder, else the file name."""
    resolved = Path(os.path.realpath(path))
    if resolved.parent.name == "variations":
        return f"variations/{resolved.name}"
    return resolved.name


def render_schedule(base: Contract, varied: Contract, overlay: Overlay, derived: list[Variation],
                    epoch: int | None = None) -> bytes:
    """Return the schedule of variations as a Word document; `derived` are the values the
    overlay's particulars set (overlay.derived_variations), which the caller resolved."""
    from .docx import Body, long_date, render_document, title_context
    from .oxml import w_r

    numbered = number_contract(varied)
    derived = derived if not base.overlays else []
    rows = variation_rows(base, varied, overlay)
    consortium = dict(overlay.consortium)
    ctx = title_context(numbered)
    ctx.update({
        "title": f"Schedule of Variations — {consortium['name']}",
        "subtitle": f"Variations to {base.title}",
        "date": f"Effective {long_date(overlay.effective)}",
        "status": f"Status: {len(rows)} declared variation{'s' if len(rows) != 1 else ''}",
        "reference": f"Reference: {varied.ref}",
    })

    def fill(doc: Any, body: Body) -> None:
        body.para("Heading 1", [w_r("Consortium particulars")])
        body.table(("Particular", "Value"), tuple(particulars_rows(consortium, varied.values)), indent=0,
                   plain=True, weights=[1, 3])
        if varied.values.get("commencement_date") is not None and varied.values.get("contract_years"):
            history = term_history(consortium, varied.values)
            body.para("Clause Text", [w_r(
                f"The Contract runs for {contract_term(consortium, varied.values)}."
                + (f" {history}" if history else ""))])
        if derived:
            body.para("Heading 1", [w_r("Values set from the particulars")])
            body.para("Clause Text", [w_r(
                "These values of the base contract follow from the particulars above; each is shown "
                "where it appears in the varied contract.")])
            drows = variation_rows(base, varied, Overlay(overlay.id, overlay.path, None, None, overlay.effective,
                                                          None, overlay.consortium, tuple(derived)))
            body.table(("Clause", "Value", "Category"),
                       tuple((r.clause, r.detail or r.operation, r.category) for r in drows),
                       indent=0, plain=True, weights=[2, 3, 1])
        body.para("Heading 1", [w_r("Variations")])
        body.para("Clause Text", [w_r(
            f"Each row is one variation declared in {document_path(overlay.path)} against {base.ref}. Clause numbers "
            "are those of the varied contract.")])
        body.table(("No.", "Clause", "Heading", "Operation", "Category", "Rationale"),
                   tuple((str(r.number), r.clause, r.heading, r.operation, r.category, r.reason) for r in rows),
                   indent=0, plain=True, weights=[0.75, 1.2, 1.8, 1.6, 1.75, 4.0])

    return render_document(numbered, ctx, fill, title=ctx["title"], subject=consortium["name"], epoch=epoch)
