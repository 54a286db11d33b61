"""The selection questionnaire's facts: what each lot must be registered for, and the insurance
the framework agreement requires, read from the varied contract so the two cannot disagree."""

from __future__ import annotations

import re
from typing import Any

from .numbering import Node, Numbered
from .text import split

#: The regulator and what a provider registers as, for each national contract (England).
REGISTRATION = {
    "fostering": {"unit": "independent fostering agency", "units": "the fostering agency",
                  "regulations": "the Fostering Services (England) Regulations 2011",
                  "people": "foster carers and staff"},
    "residential": {"unit": "children's home", "units": "each children's home offered for the lot",
                    "regulations": "the Children's Homes (England) Regulations 2015",
                    "people": "staff"},
}
#: A contract other than the national ones: the registration its services need, in general words.
_OTHER = {"unit": "provider of the services", "units": "each service offered for the lot",
          "regulations": "the regulations that apply to the services", "people": "staff"}
INSURANCE_CLAUSE = "insurance.levels"


def _node(numbered: Numbered, clause_id: str) -> Node | None:
    return next((n for _, n in numbered.walk() if n.clause.id == clause_id), None)


def _cover_name(description: str) -> str:
    """Return a cover's name from its parameter's description: 'Minimum public liability insurance
    for any one claim.' → 'Public liability insurance'."""
    text = re.sub(r"(?i)^minimum\s+", "", description.strip().rstrip("."))
    text = re.sub(r",?\s+for any one claim$", "", text)
    return text[:1].upper() + text[1:]


def insurance_rows(numbered: Numbered) -> tuple[str, list[dict[str, str]], list[str]]:
    """Return (the clause that sets the insurance, e.g. 'clause 20.1'; a row per cover: its name and
    minimum as the framework agreement states it; the clause's other requirements, in its words)."""
    c = numbered.contract
    node = _node(numbered, INSURANCE_CLAUSE)
    rows: list[dict[str, str]] = []
    others: list[str] = []
    if node is None:  # an overlay that removed the clause: the contract's cover parameters still bind
        for name, p in c.parameters.items():
            if p.type == "money" and name.endswith("_cover"):
                rows.append({"cover": _cover_name(p.description),
                             "minimum": numbered.segment_text("param", name) + " for any one claim"})
        return "its insurance clause", rows, others
    for child in node.children:
        text = child.clause.text or ""
        money = [s.value for s in split(text) if s.kind == "param" and c.parameters[s.value].type == "money"]
        if money:
            for name in money:
                rows.append({"cover": _cover_name(c.parameters[name].description),
                             "minimum": numbered.segment_text("param", name) + " for any one claim"})
        else:
            said = numbered.inline(text).strip().rstrip(";.").removesuffix(" and").rstrip(";,")
            others.append(said[:1].upper() + said[1:] + ".")
    for sibling in ("insurance.run-off",):
        extra = _node(numbered, sibling)
        if extra is not None and extra.clause.text:
            others.append(numbered.inline(extra.clause.text).strip())
    label = numbered.labels.get(INSURANCE_CLAUSE)
    return (f"clause {label}" if label else "its insurance clause"), rows, others


def selection_context(numbered: Numbered, lots: list[dict[str, Any]],
                      facts: list[list[dict[str, str]]]) -> dict[str, Any]:
    """Return the template variables of the selection questionnaire."""
    reg = REGISTRATION.get(numbered.contract.id, _OTHER)
    clause, rows, others = insurance_rows(numbered)
    sel_lots = []
    for lot, lot_facts in zip(lots, facts):
        services = next(r["value"] for r in lot_facts if r["fact"] == "Services")
        sel_lots.append({"label": lot["label"], "services": services[:1].upper() + services[1:],
                         "registration": f"Ofsted, as {'an' if reg['unit'][0] in 'aeiou' else 'a'} {reg['unit']} "
                                         f"under the Care Standards Act 2000"})
    return {
        "regulator": "Ofsted",
        "registration_unit": reg["unit"],
        "registration_units": reg["units"],
        "regulations_text": reg["regulations"],
        "people_text": reg["people"],
        "selection_lots": sel_lots,
        "insurance_clause": clause,
        "insurance_rows": rows,
        "insurance_other": others,
    }
