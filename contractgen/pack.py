"""Tender packs: every document a consortium issues to providers, from its overlay. Deterministic."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import __version__
from .errors import SourceError, SourceErrors, UsageError, note_warnings
from .model import Contract, Overlay
from .numbering import Numbered, number_contract
from .overlay import Resolved, derived_variations, prose_list, resolve_chain
from .questions import load_questions, quality_context
from .render.docx import NOTICE, long_date, prop, render_template, template_path, tidy_package, user_templates
from .render.text import blocks
from .render.zipnorm import normalise_zip, zip_time
from .text import counted

CPV = {"scheme": "CPV", "id": "85311300", "description": "Welfare services for children and young people"}
ARRANGEMENT_LABEL = {
    "framework": "framework agreement", "dps": "dynamic purchasing system", "approved-list": "approved provider list",
    "select-list": "select list", "block": "block contract", "cost-and-volume": "cost and volume contract",
    "spot": "spot purchasing arrangement", "open-framework": "open framework", "dynamic-market": "dynamic market",
}
IPA_FORM = ("04-individual-placement-agreement.docx", "Individual placement agreement (form)", "contractAnnexe")
TEMPLATE_DOCS = [
    ("01-instructions-to-tenderers.docx", "instructions-to-tenderers.docx", "Instructions to tenderers", "biddingDocuments"),
    ("08-award-criteria.docx", "award-criteria.docx", "Award criteria and weightings", "evaluationCriteria"),
    ("09-call-off-procedure.docx", "call-off-procedure.docx", "Call-off procedure", "biddingDocuments"),
    ("10-form-of-tender.docx", "form-of-tender.docx", "Form of tender and declarations", "biddingDocuments"),
    ("11-quality-questions.docx", "quality-questions.docx", "Quality questions", "evaluationCriteria"),
    ("12-selection-questionnaire.docx", "selection-questionnaire.docx",
     "Selection questionnaire and conditions of participation", "eligibilityCriteria"),
]


@dataclass
class PackResult:
    folder: Path
    zip: Path
    files: int


def slug(text: str) -> str:
    """Return a file-name-safe slug (no path separators, no dots at the start)."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:60] or "x"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


#: The tender's stages (docs/dev/pack-facts.md): (particulars key, the stage, weeks before the
#: Commencement Date when the particulars' timetable gives no date for it).
TIMETABLE = [("published", "Tender published", 16), ("clarifications_close", "Deadline for clarification questions", 12),
             ("tender_deadline", "Tender deadline", 10), ("award_notified", "Award decisions notified", 6),
             ("signed", "Agreements signed", 2)]


def timetable(resolved: Resolved) -> tuple[list[dict[str, str]], list[str]]:
    """Return the tender's timetable (its stages, then the Commencement Date) and the stages whose
    dates were set back from the Commencement Date because the particulars give none."""
    start = resolved.contract.values.get("commencement_date") or resolved.overlay.effective
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    given = dict(resolved.overlay.consortium.get("timetable") or {})
    rows, derived = [], []
    for key, event, weeks in TIMETABLE:
        if key in given:
            when = given[key] if isinstance(given[key], dt.date) else dt.date.fromisoformat(str(given[key]))
        else:
            when = start - dt.timedelta(weeks=weeks)
            derived.append(event)
        rows.append({"event": event, "date": long_date(when)})
    rows.append({"event": "Commencement Date: the framework starts", "date": long_date(start)})
    return rows, derived


#: The particulars a pack needs (docs/dev/pack-facts.md): key, what needs it, what to add.
NEEDED = [
    ("lead", "the framework agreement names the lead authority as the Purchaser", "lead: <the lead authority>"),
    ("members", "the parties block and the instructions list the member authorities",
     "members: [<each member authority>]"),
    ("services", "the tender says what it buys", "services: [<each service>]"),
    ("award", "the award criteria and the quality questions are weighted by it", "award: {quality: 60, price: 40}"),
    ("portal", "tenders and clarification questions go through it",
     "portal: {name: <the portal>, url: https://<its address>/}"),
]


def check_needed(resolved: Resolved) -> None:
    """Raise SourceErrors naming each particular a pack needs that the overlay does not give, at
    the overlay's consortium particulars."""
    ov = resolved.overlay
    where = ov.locs.get("consortium", ov.pos)
    problems = [SourceError(where, f"the consortium particulars give no {key}, which the pack needs: {why}",
                            f"add {fix} under consortium:; if the value is illustrative, say why under assumed:")
                for key, why, fix in NEEDED if not ov.consortium.get(key)]
    if problems:
        raise SourceErrors(problems)


def _particular_text(resolved: Resolved, key: str) -> str:
    """Return a particular's value as the pack's note on assumptions shows it."""
    from .render.variations import particulars_rows

    cons = dict(resolved.overlay.consortium)
    value = cons[key]
    if key == "award":
        return f"quality {value['quality']:g}% and price {value['price']:g}%"
    if key == "portal":
        return f"{value['name']} ({value['url']})"
    if key == "timetable":
        return "; ".join(f"{k.replace('_', ' ')} {long_date(dt.date.fromisoformat(str(v)))}" for k, v in value.items())
    rows = particulars_rows({key: value}, resolved.contract.values)
    return rows[0][1] if rows else str(value)


#: How the note on assumptions names a particular.
ASSUMED_LABELS = {"portal": "E-tendering portal", "timetable": "Timetable",
                  "documents_url": "Address of the published documents", "contact": "Clarifications contact",
                  "award": "Award weightings"}


def _assumed(key: str, value: str, reason: str) -> dict[str, str]:
    from .render.variations import particular_label

    return {"particular": key, "label": ASSUMED_LABELS.get(key) or particular_label(key), "value": value,
            "reason": reason}


def assumptions(resolved: Resolved, documents_url: str | None = None) -> list[dict[str, str]]:
    """Return the pack's assumed particulars, in the order of the particulars: those the overlay
    marks `assumed:`, then what contractgen derives for want of a particular (the timetable's
    dates, the documents' address)."""
    from .schemas import PARTICULAR_KEYS

    cons = dict(resolved.overlay.consortium)
    marked = dict(cons.get("assumed") or {})
    out = [_assumed(key, _particular_text(resolved, key), str(marked[key]))
           for key in PARTICULAR_KEYS if key in marked and key in cons]
    rows, derived = timetable(resolved)
    if derived and "timetable" not in marked:
        dates = {r["event"]: r["date"] for r in rows}
        out.append(_assumed("timetable", "; ".join(f"{e} {dates[e]}" for e in derived),
                            "The particulars give no date for "
                            + prose_list([e[:1].lower() + e[1:] for e in derived])
                            + ": each is set back from the Commencement Date by the usual interval."))
    base, placeholder = documents_base(resolved, documents_url)
    if placeholder:
        out.append(_assumed("documents_url", base,
                            "The particulars give no address for the published documents: release.json uses "
                            "this reserved address, which resolves nowhere. Give documents_url, or pack with "
                            "--documents-url."))
    return out


def tiers_text(resolved: Resolved, facts: list[list[dict[str, str]]] | None = None) -> str:
    """Return how the lots are tiered, lot by lot where they differ, from each lot's facts."""
    facts = lot_facts(resolved) if facts is None else facts
    by_lot = [next(r["value"] for r in rows if r["fact"] == "Tiers") for rows in facts]
    counts = []
    for value in by_lot:
        m = re.match(r"(\d+) tiers?", value)
        counts.append(int(m[1]) if m else 0)
    ranked = "Providers are ranked in {n}, and Referrals go to the tiers in order"
    if len(set(counts)) == 1:
        n = counts[0]
        if n > 1:
            return ranked.format(n=counted(n, "tier")) + (" within each lot." if len(counts) > 1 else ".")
        return "Providers are not ranked in tiers." if n == 0 else "Each lot has a single tier."
    groups: dict[int, list[int]] = {}
    for i, n in enumerate(counts, start=1):
        groups.setdefault(n, []).append(i)
    parts = []
    for n, lots in sorted(groups.items(), key=lambda kv: kv[1][0]):
        which = ("In lot " if len(lots) == 1 else "In lots ") + prose_list([str(i) for i in lots])
        if n > 1:
            parts.append(f"{which}, " + ranked.format(n=counted(n, "tier")) + ".")
        else:
            parts.append(f"{which}, Providers are not ranked: " + ("the lot has" if len(lots) == 1 else "each has")
                         + (" a single tier." if n == 1 else " no tiers."))
    return " ".join(parts)


def pack_context(resolved: Resolved) -> dict[str, Any]:
    """Return the variables every pack template may use."""
    ov = resolved.overlay
    c = resolved.contract
    cons = dict(ov.consortium)
    arrangement = cons["arrangement"]
    lots = cons.get("lots") or []
    tiers = cons.get("tiers", 0) or 0
    from .render.variations import contract_term

    term_text = contract_term(cons, c.values)  # the varied contract's term, worded as every document words it
    award = cons.get("award") or {"quality": 0, "price": 0}  # `pack` stops first when there is none
    facts = lot_facts(resolved)
    rows, _ = timetable(resolved)
    portal = cons.get("portal") or {"name": "", "url": ""}
    lead = cons.get("lead", "")
    return {
        "consortium": {"name": cons["name"], "short_name": cons.get("short_name", cons["name"])},
        "lead": lead,
        "members": cons.get("members") or [lead],
        "arrangement_label": ARRANGEMENT_LABEL[arrangement],
        "services_text": prose_list(cons.get("services") or []),
        "lots": [{"number": i, "name": name,
                  "label": name if re.match(r"(?i)lot\s*\d", name) else f"Lot {i}: {name}"}
                 for i, name in enumerate(lots or ["All placements"], start=1)],
        "lot_count": max(len(lots), 1),
        "age_bands_text": prose_list(cons.get("age_bands") or []) or str(c.values.get("age_bands_description", "")),
        "tiers_text": tiers_text(resolved, facts),
        "term_text": term_text,
        "timetable": rows,
        "commencement_date": rows[-1]["date"],
        "portal": {"name": portal["name"], "url": portal["url"]},
        "contact_text": cons.get("contact") or f"the procurement team of {lead}",
        "assumptions": assumptions(resolved),
        "award_text": f"quality {award['quality']:g}% and price {award['price']:g}%.",
        "award_rows": [{"criterion": "Quality", "weight": f"{award['quality']:g}%"},
                       {"criterion": "Price", "weight": f"{award['price']:g}%"}],
        "call_off_text": cons.get("call_off") or str(c.values.get("call_off_procedure", "")),
        "tender_title": f"{ARRANGEMENT_LABEL[arrangement].capitalize()} for {prose_list(cons.get('services') or ['placements'])}",
        "issue_date": rows[0]["date"],
        "reference": c.ref,
        "notice": NOTICE,
        "short_title": c.short_title,
        "version": c.version,
    }


def _paragraphs(numbered: Numbered, part_id: str | None = None, clause_id: str | None = None) -> list[dict[str, str]]:
    out = []
    for part in numbered.parts:
        if part_id and part.part.id != part_id:
            continue
        from .render.text import part_blocks

        for b in part_blocks(numbered, part):
            if b.kind == "schedule-title":
                continue
            if clause_id and not (b.id == clause_id or b.id.startswith(clause_id + ".")):
                continue
            if b.text.strip():
                out.append({"number": b.number, "text": b.text})
    if clause_id and not out:  # the clause sits in the terms
        for b in blocks(numbered):
            if (b.id == clause_id or b.id.startswith(clause_id + ".")) and b.text.strip():
                out.append({"number": b.number, "text": b.text})
    return out


#: Words that say nothing about which services a lot holds.
_LOT_STOP = frozenset("""a an the of and in on at to for with within or by lot lots tier tiers one two three four five six
    seven eight nine ten children child's young people person placement placements care service services
    independent framework covering including include includes which may all other category categories
    bought""".split())
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_NEED_WORDS = ("limited support", "core", "standard", "enhanced", "intensive", "complex", "specialist")
_TRAILING = frozenset("a an the of and in on at to for with or by".split())
SPEC_NAME_LIMIT = 48


def spec_file_name(number: int, name: str) -> str:
    """Return the file name of a lot's specification: its number, then the words of its name
    (less a leading "lot N" or article), cut at a word boundary and never after a joining word."""
    words = [w for w in re.sub(r"[^a-z0-9]+", "-", name.lower()).split("-") if w]
    if len(words) >= 2 and words[0] == "lot" and words[1].isdigit():
        words = words[2:]
    while words and words[0] in ("a", "an", "the"):
        words = words[1:]
    kept: list[str] = []
    for w in words:
        if len("-".join(kept + [w])) > SPEC_NAME_LIMIT:
            break
        kept.append(w)
    while kept and kept[-1] in _TRAILING:
        kept.pop()
    return f"02-specification-lot-{number}-{'-'.join(kept) or 'lot'}.docx"


def _stem(word: str) -> str:
    for end in ("ies", "s"):
        if word.endswith(end) and len(word) > len(end) + 3:
            return word[: -len(end)] + ("y" if end == "ies" else "")
    return word


def _content_words(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z][a-z-]*[a-z]", text.lower()) if w not in _LOT_STOP}


def _lot_services(lots: list[str], services: list[str]) -> list[tuple[list[str], str]]:
    """Return, for each lot, (its services, where that comes from). The particulars give each lot
    only a name: a service is the lot's when the lot's name shares its rarer words; the one service
    no lot's name claims goes to the one lot that claims none; otherwise the lot has the framework's."""
    if len(lots) <= 1:
        return [(list(services), "The framework's services: it has only this lot.")] * len(lots)
    lot_words = [_content_words(n) for n in lots]
    weight = {w: 1 / sum(w in lw for lw in lot_words) for lw in lot_words for w in lw}
    svc_words = [_content_words(sv) for sv in services]
    found: list[list[str]] = []
    for lw in lot_words:
        scores = [sum(weight[w] for w in lw & sw) - 0.01 * len(sw - lw) for sw in svc_words]
        best = max(scores, default=0)
        found.append([services[i] for i, sc in enumerate(scores) if sc == best and lw & svc_words[i]])
    claimed = {sv for f in found for sv in f}
    spare = [sv for sv in services if sv not in claimed]
    empty = [i for i, f in enumerate(found) if not f]
    out = []
    for i, f in enumerate(found):
        if f:
            out.append((f, "Derived: the framework's services whose words the lot's name shares."))
        elif len(empty) == 1 and len(spare) == 1:
            out.append((spare, "Derived: the one service of the framework that no lot's name claims."))
        elif len(empty) == len(spare) == len(lots) == len(services):
            out.append(([services[i]], "Derived: the service listed in the same place as the lot."))
        else:
            out.append((list(services), "The framework's services: the lot's name does not say which are its own."))
    return out


def lot_facts(resolved: Resolved) -> list[list[dict[str, str]]]:
    """Return, for each lot, the rows (fact, value, source) its specification states: what the lot
    declares, what can honestly be derived from its name, and what is the framework's."""
    cons = dict(resolved.overlay.consortium)
    values = resolved.contract.values
    lots = list(cons.get("lots") or ["All placements"])
    services = list(cons.get("services") or ["placements for looked after children"])
    bands = list(cons.get("age_bands") or [])
    bands_text = prose_list(bands) or str(values.get("age_bands_description", "")) or "not stated"
    tiers = cons.get("tiers", 0) or 0
    out = []
    for i, (name, (svcs, svc_source)) in enumerate(zip(lots, _lot_services(lots, services)), start=1):
        low = name.lower()
        rows = [{"fact": "Lot", "value": f"Lot {i}: {name}" if not re.match(r"(?i)lot\s*\d", name) else name,
                 "source": "The consortium's particulars."},
                {"fact": "Services", "value": prose_list(svcs), "source": svc_source}]
        # a lone lot's name may list categories; only among several does a word set the lot's level
        needs = [w for w in _NEED_WORDS if re.search(rf"\b{w}\b", low)] if len(lots) > 1 else []
        if needs:
            rows.append({"fact": "Level of need", "value": prose_list(needs).capitalize(),
                         "source": "The lot's name."})
        m = re.search(r"\b(\d+|one|two|three|four|five|six|seven|eight)\s+age\s+bands?\b", low)
        if m or re.search(r"\bage bands?\b", low):
            count = (int(m[1]) if m[1].isdigit() else _NUMBER_WORDS[m[1]]) if m else None
            rows.append({"fact": "Age bands", "value": bands_text,
                         "source": "The lot's name declares " + (f"{count} age bands" if count else "age bands")
                                   + "; the bands are those of the consortium's particulars."})
        else:
            rows.append({"fact": "Age bands", "value": bands_text,
                         "source": "The framework's: the lot declares no age bands of its own."})
        m = re.search(r"\b(\d+|one|two|three|four|five|six|seven|eight)\s+tiers?\b", low)
        if m:
            n = int(m[1]) if m[1].isdigit() else _NUMBER_WORDS[m[1]]
            rows.append({"fact": "Tiers", "value": f"{n} tier{'s' if n != 1 else ''}", "source": "The lot's name."})
        else:
            rows.append({"fact": "Tiers", "value": f"{tiers} tiers" if tiers else "Not tiered",
                         "source": "The framework's: the lot declares no tiers of its own."})
        rows.append({"fact": "Pricing basis",
                     "value": f"A weekly Core Fee for each age band, with weekly prices for additional support, "
                              f"therapeutic support and education, on sheet \"Lot {i}\" of the pricing schedule"
                              + (", for the tier applied for." if tiers or m else "."),
                     "source": "The framework's: the particulars state no pricing for the lot."})
        out.append(rows)
    return out


def lot_specification(resolved: Resolved, numbered: Numbered, ctx: dict[str, Any], lot: dict[str, Any],
                      facts: list[dict[str, str]], epoch: int | None) -> bytes:
    """Return a lot's specification: the lot's own facts, then Schedule 1 with its real numbering."""
    from .render.docx import render_document, render_parts

    schedule = next((p for p in numbered.parts if p.part.id == "sch.specification"), None)
    label = schedule.label if schedule is not None else "the service specification"
    lctx = {**ctx, "lot": lot, "lot_facts": facts, "schedule_label": label}
    own = [r["fact"].lower() for r in facts[1:] if not r["source"].startswith("The framework's")]
    lctx["lot_note"] = ("This lot declares or implies its own " + prose_list(own) + "; the other facts above are the "
                        "framework's and apply to every lot." if own else
                        "The lot's particulars give only its name: every fact above is the framework's and "
                        "applies to every lot.")

    def fill(doc: Any, body: Any) -> None:
        render_parts(doc, body, [schedule.part.id] if schedule is not None else [])

    return render_document(numbered, lctx, fill, title=f"Specification: {lot['name']}",
                           subject=str(resolved.overlay.consortium["name"]), epoch=epoch,
                           template=template_path("pack/specification.docx"))


def ipa_form(resolved: Resolved, numbered: Numbered, ctx: dict[str, Any], epoch: int | None) -> bytes | None:
    """Return the pack's individual placement agreement: the contract's IPA schedule (sch.ipa), as
    varied, with its Word numbering, as a form whose empty cells are content controls; None (and a
    warning) for a contract without one."""
    from .render.docx import render_document, render_parts

    schedule = next((p for p in numbered.parts if p.part.id == "sch.ipa"), None)
    if schedule is None:
        ov = resolved.overlay
        note_warnings([SourceError(
            ov.pos, f"{resolved.contract.base_ref} has no Individual Placement Agreement schedule (a part with id "
                    "sch.ipa): the pack holds no 04-individual-placement-agreement.docx",
            "give the base contract its IPA schedule as a part with id: sch.ipa")])
        return None

    def fill(doc: Any, body: Any) -> None:
        render_parts(doc, body, [schedule.part.id], fillable=True)

    return render_document(numbered, {**ctx, "schedule_label": schedule.label}, fill,
                           title="Individual Placement Agreement", subject=str(resolved.overlay.consortium["name"]),
                           epoch=epoch, template=template_path("pack/individual-placement-agreement.docx"))


def _render_doc(template: str, context: dict[str, Any], date: dt.date, epoch: int | None, title: str,
                subject: str) -> bytes:
    tpl = render_template(template_path(f"pack/{template}"), context)
    cp = tpl.docx.core_properties
    stamp = dt.datetime(date.year, date.month, date.day) if epoch is None else \
        dt.datetime.fromtimestamp(epoch, dt.timezone.utc).replace(tzinfo=None)
    cp.title, cp.subject, cp.author, cp.last_modified_by = prop(title), prop(subject), "contractgen", "contractgen"
    cp.created = cp.modified = cp.last_printed = stamp
    cp.revision = 1
    cp.comments = NOTICE
    tidy_package(tpl.docx)  # a commissioner's --templates copy may carry what Word would repair
    buf = io.BytesIO()
    tpl.docx.save(buf)
    return normalise_zip(buf.getvalue(), epoch, date)


#: How a lot is priced, from what its name says (the particulars give each lot as a name only):
#: (basis, the first column's heading, the rows). See `_pricing_basis`.
PricingBasis = tuple[str, str, list[str]]


def _lot_phrase(name: str) -> str:
    """Return a lot's name without its article, capitalised: 'a standard level of need' → 'Standard level of need'."""
    text = re.sub(r"(?i)^(a|an|the)\s+", "", name.strip())
    return text[:1].upper() + text[1:]


def _pricing_basis(name: str, bands: list[str]) -> PricingBasis:
    """Return how a lot is priced, read from its name, the only thing the particulars say of a lot:

    - a lot of named placement categories ("one lot with seven placement categories (a, b and c)")
      is priced per placement category, a row for each;
    - a lot that is a level of need ("a limited support level of need") per need level, one row;
    - a parent-and-child lot per placement, one row: the fee is for the parent and child together,
      so the child's age band does not set it;
    - every other lot per age band, a row for each of the consortium's age bands."""
    cats = re.search(r"(?i)placement categories\s*\(([^()]*)\)", name)
    if cats:
        items = [s.strip() for s in cats[1].split(",") if s.strip()]
        if items and " and " in items[-1]:
            items[-1:] = [s.strip() for s in items[-1].rsplit(" and ", 1)]
        return "per placement category", "Placement category", [_lot_phrase(s) for s in items]
    if re.search(r"(?i)\b(level of need|need level)\b", name):
        return "per need level", "Need level", [_lot_phrase(name)]
    if re.search(r"(?i)\bparent and child\b", name):
        return "per placement", "Placement", ["Parent and child placement"]
    return "per age band", "Age band", bands


def _wrapped_lines(text: str, width: float, bold: bool = False) -> int:
    """Return how many lines `text` takes wrapped at word boundaries in a column `width` characters
    wide (Excel's unit: the width of '0' in the default font). Letters average a little under a
    '0'; bold ones a little over, so a line holds fewer: a safe estimate, never one line short."""
    room = max(int(width * (0.82 if bold else 0.95)) - 1, 1)
    lines, used = 1, 0
    for word in str(text).split():
        need = len(word) if used == 0 else used + 1 + len(word)
        if need <= room:
            used = need
        else:
            lines += 1
            used = len(word)
            while used > room:  # a word longer than the line breaks inside itself
                lines += 1
                used -= room
    return lines


def _row_height(texts: list[tuple[str, float, bool]], size: float = 11) -> float:
    """Return a row's height in points for its cells' (text, column width, bold): the tallest cell's
    lines at 1.3 times the font size, and a little padding."""
    lines = max((_wrapped_lines(t, w, b) for t, w, b in texts), default=1)
    return round(lines * size * 1.3 + 4, 1)


#: The lot sheets' columns: (heading, width). The first column's heading is the lot's pricing basis.
_PRICE_COLUMNS = [("", 30), ("Weekly core fee (£)", 18), ("Additional support, per week (£)", 18),
                  ("Therapeutic support, per week (£)", 18), ("Education, per week (£)", 18),
                  ("Total weekly fee (£)", 18)]
#: Printed: landscape A4, scaled to one page wide, each page numbered with its sheet's name.
_FOOTER = "&A — page &P of &N"


def _print_setup(ws: Any, last_col: str, title_row: int | None) -> None:
    ws.print_area = f"A1:{last_col}{ws.max_row}"
    if title_row:
        ws.print_title_rows = f"{title_row}:{title_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.oddFooter.center.text = _FOOTER
    ws.oddFooter.center.size = 9


def pricing_workbook(resolved: Resolved, date: dt.date, epoch: int | None) -> bytes:
    """Return the pricing schedule: a sheet per lot, a row per unit of the lot's pricing basis (age
    band, need level, placement category or placement), inputs unlocked and validated. Each sheet
    prints on landscape A4, one page wide, its heading row repeated on every page."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    ctx = pack_context(resolved)
    cons = dict(resolved.overlay.consortium)
    bands = cons.get("age_bands") or [b.strip() for b in re.split(r",| and ", str(
        resolved.contract.values.get("age_bands_description", "0 to 17"))) if b.strip()]
    tiers = cons.get("tiers", 0) or 0
    bases = {lot["number"]: _pricing_basis(lot["name"], [str(b) for b in bands]) for lot in ctx["lots"]}
    wb = Workbook()
    info = wb.active
    info.title = "Instructions"
    header_fill = PatternFill("solid", fgColor="1F2A44")
    body_font = "Calibri"  # the workbook's default font: a font without a name falls back to a serif
    white = Font(name=body_font, bold=True, color="FFFFFF")
    input_fill = PatternFill("solid", fgColor="FFF4CC")
    wrap = Alignment(wrap_text=True, vertical="top")
    lot_bases = "; ".join(f"lot {n} {basis}" for n, (basis, _, _) in bases.items())
    lines = [
        f"Pricing schedule — {cons['name']}",
        f"{ctx['tender_title']} ({resolved.contract.ref})",
        "Enter prices in the yellow cells only, in pounds, excluding VAT. Every other cell is locked.",
        f"Each lot is priced on its own basis, a row for each: {lot_bases}.",
        ("Weekly core fee: the all-inclusive weekly fee for a Placement of the row's kind (its age band, need "
         "level or placement category, or the lot's placement), as defined in the framework agreement."),
        "Additional services: weekly prices for services bought only when an Individual Placement Agreement names them.",
        "Totals are calculated for you.",
    ]
    info_width = 100
    info.column_dimensions["A"].width = info_width
    for r, line in enumerate(lines, start=1):
        cell = info.cell(row=r, column=1, value=line)
        size = 14 if r == 1 else 11
        cell.font = Font(name=body_font, bold=(r == 1), size=size)
        cell.alignment = wrap
        info.row_dimensions[r].height = _row_height([(line, info_width * 11 / size, r == 1)], size)
    info.protection.sheet = True
    _print_setup(info, "A", None)
    widths = [w for _, w in _PRICE_COLUMNS]
    span = sum(widths)
    for lot in ctx["lots"]:
        basis, first_heading, rows = bases[lot["number"]]
        ws = wb.create_sheet(title=f"Lot {lot['number']}"[:31])
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[chr(64 + i)].width = w
        # the title is the lot's label: its own name when that already says "Lot n", else "Lot n: name"
        title = lot["label"][:1].upper() + lot["label"][1:]
        each = f", a row for each {first_heading.lower()}" if len(rows) > 1 else ""
        heads = [(1, title, 13, True), (2, f"{cons['name']}. Priced {basis}{each}.", 11, False)]
        for r, text, size, bold in heads:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(widths))
            ws.cell(row=r, column=1, value=text).font = Font(name=body_font, bold=bold, size=size)
            ws.cell(row=r, column=1).alignment = wrap
            ws.row_dimensions[r].height = _row_height([(text, span * 11 / size, bold)], size)
        row0 = 4
        if tiers:
            ws["A3"] = f"Tier applied for (1 to {tiers})"
            ws["B3"].protection = Protection(locked=False)
            ws["B3"].fill = input_fill
            dv_tier = DataValidation(type="whole", operator="between", formula1="1", formula2=str(tiers),
                                     showErrorMessage=True, errorTitle="Tier",
                                     error=f"Enter a whole number from 1 to {tiers}.")
            ws.add_data_validation(dv_tier)
            dv_tier.add("B3")
            row0 = 5
        columns = [first_heading, *(h for h, _ in _PRICE_COLUMNS[1:])]
        for i, name in enumerate(columns, start=1):
            cell = ws.cell(row=row0, column=i, value=name)
            cell.fill, cell.font = header_fill, white
            cell.alignment = wrap
        ws.row_dimensions[row0].height = _row_height(list(zip(columns, widths, [True] * len(widths))))
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="Price",
                            error="Enter a price in pounds: a number of 0 or more.")
        ws.add_data_validation(dv)
        for r, label in enumerate(rows, start=row0 + 1):
            ws.cell(row=r, column=1, value=str(label)).alignment = wrap
            ws.row_dimensions[r].height = _row_height([(str(label), widths[0], False)])
            for c in range(2, 6):
                cell = ws.cell(row=r, column=c)
                cell.protection = Protection(locked=False)
                cell.fill = input_fill
                cell.number_format = "£#,##0.00"
                dv.add(cell.coordinate)
            total = ws.cell(row=r, column=6, value=f"=SUM(B{r}:E{r})")
            total.number_format = "£#,##0.00"
        ws.protection.sheet = True
        _print_setup(ws, "F", row0)
    wb.properties.creator = "contractgen"
    wb.properties.lastModifiedBy = "contractgen"
    stamp = dt.datetime(date.year, date.month, date.day) if epoch is None else \
        dt.datetime.fromtimestamp(epoch, dt.timezone.utc).replace(tzinfo=None)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.title = f"Pricing schedule — {cons['name']}"
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_zip(_tidy_xlsx(buf.getvalue(), stamp), epoch, date)


_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_SHARED_STRINGS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_CT_SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
#: CT_Font's children in the order Excel writes them and the Open XML SDK requires (openpyxl
#: writes name, family, color, sz, scheme).
_FONT_ORDER = {f"{{{_SML}}}{n}": i for i, n in enumerate((
    "b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color", "name",
    "family", "charset", "scheme"))}


def _xml(root: Any) -> bytes:
    from lxml import etree

    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _tidy_xlsx(data: bytes, stamp: dt.datetime) -> bytes:
    """Return openpyxl's workbook as Excel itself writes it, so that Excel has nothing to rewrite:
    text cells as shared strings (openpyxl 3.1 writes only inline strings, which Excel moves into
    xl/sharedStrings.xml on its next save), and each font's children in schema order; and with the
    source's date in docProps/core.xml, where openpyxl writes the time of saving.

    Shared strings are numbered in order of first use, sheet by sheet in workbook order and row by
    row: deterministic."""
    from lxml import etree

    src = zipfile.ZipFile(io.BytesIO(data))
    parts = {name: src.read(name) for name in src.namelist()}
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    parts["docProps/core.xml"] = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + iso + rb"\2",
                                        parts["docProps/core.xml"])
    c_tag, is_tag, v_tag = (f"{{{_SML}}}{n}" for n in ("c", "is", "v"))
    index: dict[bytes, int] = {}
    items: list[Any] = []
    uses = 0
    sheets = sorted((n for n in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                    key=lambda n: int(re.sub(r"\D", "", n)))
    for name in sheets:
        root = etree.fromstring(parts[name])
        changed = False
        for cell in root.iter(c_tag):
            inline = cell.find(is_tag)
            if cell.get("t") != "inlineStr" or inline is None:
                continue
            key = b"".join(etree.tostring(child) for child in inline)
            if key not in index:
                index[key] = len(items)
                items.append(inline)
            v = etree.Element(v_tag)
            v.text = str(index[key])
            inline.addprevious(v)
            cell.remove(inline)
            cell.set("t", "s")
            uses += 1
            changed = True
        if changed:
            parts[name] = _xml(root)
    if items:
        sst = etree.Element(f"{{{_SML}}}sst", nsmap={None: _SML})
        sst.set("count", str(uses))
        sst.set("uniqueCount", str(len(items)))
        for inline in items:
            si = etree.SubElement(sst, f"{{{_SML}}}si")
            si.extend(inline)  # CT_Rst both: <t> or rich-text runs, moved over whole
        parts["xl/sharedStrings.xml"] = _xml(sst)
        rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
        taken = {r.get("Id") for r in rels}
        n = len(taken) + 1
        while f"rId{n}" in taken:
            n += 1
        etree.SubElement(rels, f"{{{_PKG_RELS}}}Relationship", Type=_REL_SHARED_STRINGS,
                         Target="sharedStrings.xml", Id=f"rId{n}")
        parts["xl/_rels/workbook.xml.rels"] = _xml(rels)
        types = etree.fromstring(parts["[Content_Types].xml"])
        etree.SubElement(types, f"{{{_CONTENT_TYPES}}}Override", PartName="/xl/sharedStrings.xml",
                         ContentType=_CT_SHARED_STRINGS)
        parts["[Content_Types].xml"] = _xml(types)
    styles = etree.fromstring(parts["xl/styles.xml"])
    for font in styles.iter(f"{{{_SML}}}font"):
        children = list(font)
        ordered = sorted(children, key=lambda e: _FONT_ORDER.get(e.tag, len(_FONT_ORDER)))
        if ordered != children:
            font[:] = ordered
    parts["xl/styles.xml"] = _xml(styles)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, raw in parts.items():
            dst.writestr(name, raw)
    return out.getvalue()


#: The OCDS version the release package declares, and the extensions its releases use.
OCDS_VERSION = "1.1"
LOTS_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json"
#: The file the pack's OCDS release package is written to (listed in manifest.json like every
#: file); the name packs have always used, which contractgen's pack-folder checks know.
RELEASE_PACKAGE = "release.json"
#: Where the documents are said to be when neither the particulars nor --documents-url say:
#: `.invalid` is reserved (RFC 2606), so no such address can ever resolve.
PLACEHOLDER_DOCUMENTS_URL = "https://documents.invalid/{id}/"


def check_documents_url(url: str, what: str = "--documents-url") -> None:
    """Raise UsageError unless `url` is an https address a file name can be appended to."""
    from .schemas import HTTPS_URL_PATTERN

    if not re.match(HTTPS_URL_PATTERN, url):
        raise UsageError(f"{what} {url!r} is not an https address the documents can be published at "
                         "(give one such as https://www.example.gov.uk/tenders/fostering-2026/: "
                         "https, a host name, a path; no query, fragment or spaces)")


def documents_base(resolved: Resolved, documents_url: str | None = None) -> tuple[str, bool]:
    """Return (the address the pack's documents are published at, ending in '/'; whether it is the
    placeholder). --documents-url wins over the particulars' documents_url."""
    ov = resolved.overlay
    url = documents_url or ov.consortium.get("documents_url")
    if not url:
        return PLACEHOLDER_DOCUMENTS_URL.format(id=ov.id), True
    return url if url.endswith("/") else url + "/", False


def award_criteria(consortium: Mapping[str, Any]) -> str:
    """Return the OCDS awardCriteria code the award-criteria document describes.

    That document (templates/pack/award-criteria.docx) scores quality (each question on the scale
    of templates/pack/quality-questions.yaml) and price (from the pricing schedule's weekly core
    fees) with the particulars' weightings, which a pack needs (`check_needed`): rated criteria.
    Only a weighting of 0 leaves one of them out."""
    award = consortium["award"]
    if not award["price"]:
        return "qualityOnly"
    if not award["quality"]:
        return "priceOnly"
    return "ratedCriteria"


def _award_details(consortium: Mapping[str, Any], scale: list[dict[str, Any]]) -> str:
    award = consortium["award"]
    return (f"Quality {award['quality']:g}% and price {award['price']:g}%. Each quality question is scored from "
            f"{scale[0]['score']} to {scale[-1]['score']}; price is scored for each lot from the weekly core fees "
            "in the pricing schedule (see the award criteria and weightings document and the quality questions).")


def ocds_release(resolved: Resolved, files: list[tuple[str, str, str]], base: str) -> dict[str, Any]:
    """Return a draft OCDS 1.1 release describing the tender (no ocid is minted); each document's
    URL is `base` (an https address ending in '/') followed by its file name."""
    ov = resolved.overlay
    cons = dict(ov.consortium)
    ctx = pack_context(resolved)
    lots = ctx["lots"]
    lead = cons.get("lead", cons["name"])
    parties = [{"id": f"GB-LA-{slug(lead)}", "name": lead, "roles": ["buyer", "procuringEntity"]}]
    for m in cons.get("members") or []:
        if m != lead:
            parties.append({"id": f"GB-LA-{slug(m)}", "name": m, "roles": ["buyer"]})
    method = {"framework": "open", "open-framework": "open", "dps": "selective", "dynamic-market": "selective",
              "approved-list": "selective", "select-list": "selective", "block": "open",
              "cost-and-volume": "open", "spot": "direct"}[cons["arrangement"]]

    def document(i: int, name: str, title: str, dtype: str) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": f"doc-{i}", "documentType": dtype, "title": title,
                               "url": base + quote(name), "format": _mime(name), "language": "en"}
        lot = re.match(r"02-specification-lot-(\d+)-", name)
        if lot:
            doc["relatedLots"] = [f"lot-{lot[1]}"]
        return doc

    release: dict[str, Any] = {
        "ocid": f"DRAFT-{ov.id}",
        "id": f"{ov.id}-tender-{ov.effective.isoformat()}",
        "date": f"{ov.effective.isoformat()}T00:00:00Z",
        "tag": ["planning"],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": {"id": parties[0]["id"], "name": lead},
        "tender": {
            "id": f"{ov.id}-tender",
            "title": ctx["tender_title"],
            "description": f"{ctx['tender_title']} for {cons['name']}, on {resolved.contract.ref}.",
            "status": "planned",
            "procuringEntity": {"id": parties[0]["id"], "name": lead},
            "items": [{"id": f"lot-{lot['number']}-item", "description": lot["name"], "classification": CPV,
                       "relatedLot": f"lot-{lot['number']}"} for lot in lots],
            "procurementMethod": method,
            "procurementMethodDetails": ARRANGEMENT_LABEL[cons["arrangement"]],
            "mainProcurementCategory": "services",
            "awardCriteria": award_criteria(cons),
            "awardCriteriaDetails": _award_details(cons, load_questions(resolved.contract.id)["scale"]),
            "lots": [{"id": f"lot-{lot['number']}", "title": lot["name"], "status": "planned"} for lot in lots],
            "documents": [document(i, name, title, dtype) for i, (name, title, dtype) in enumerate(files, start=1)],
        },
    }
    return release


def ocds_release_package(resolved: Resolved, files: list[tuple[str, str, str]],
                         documents_url: str | None = None) -> dict[str, Any]:
    """Return an OCDS 1.1 release package holding the tender's draft release, declaring the lots
    extension its releases use. The package's URI is the documents' address + release.json.
    Without a documents address (particulars or --documents-url) the placeholder is used, and a
    warning says so."""
    ov = resolved.overlay
    base, placeholder = documents_base(resolved, documents_url)
    if placeholder:
        note_warnings([SourceError(
            ov.locs.get("consortium", ov.pos),
            f"the consortium particulars give no documents_url: the OCDS release package's document URLs "
            f"use the placeholder {base}",
            "add to the particulars documents_url: https://…/, the address the pack will be published at, "
            "or pack with --documents-url URL")])
    release = ocds_release(resolved, files, base)
    return {
        "uri": base + RELEASE_PACKAGE,
        "version": OCDS_VERSION,
        "extensions": [LOTS_EXTENSION],
        "publishedDate": release["date"],
        "publisher": {"name": release["buyer"]["name"]},
        "releases": [release],
    }


def _mime(name: str) -> str:
    return {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".html": "text/html", ".json": "application/json"}[Path(name).suffix]


def build_pack(overlay_path: Path, epoch: int | None = None, templates: Path | None = None,
               documents_url: str | None = None) -> tuple[str, dict[str, bytes]]:
    """Return (pack name, {file name: bytes}) for an overlay; nothing is written. A template
    present in `templates` (--templates DIR) is used instead of the shipped one. `documents_url`
    (--documents-url) is where the documents will be published, for the release package; it wins
    over the particulars' documents_url."""
    with user_templates(templates):
        return _build_pack(overlay_path, epoch, documents_url)


def _build_pack(overlay_path: Path, epoch: int | None,
                documents_url: str | None = None) -> tuple[str, dict[str, bytes]]:
    from .redline.build import redline_of
    from .render.docx import render_docx

    resolved = resolve_chain(Path(overlay_path))
    ov: Overlay = resolved.overlay
    c: Contract = resolved.contract
    check_needed(resolved)
    numbered = number_contract(c)
    ctx = pack_context(resolved)
    ctx["assumptions"] = assumed = assumptions(resolved, documents_url)
    facts = lot_facts(resolved)
    from .selection import selection_context

    ctx.update(quality_context(c.id, ov.consortium["award"], ctx["lots"], facts))
    ctx.update(selection_context(numbered, ctx["lots"], facts))
    date = ov.effective
    name = ov.id
    if slug(name) != name:
        raise UsageError(f"overlay id {name!r} cannot name a pack folder")
    files: dict[str, bytes] = {}
    meta: list[tuple[str, str, str]] = []

    def add(fname: str, data: bytes, title: str, dtype: str) -> None:
        files[fname] = data
        meta.append((fname, title, dtype))

    for fname, template, title, dtype in TEMPLATE_DOCS[:1]:
        add(fname, _render_doc(template, ctx, date, epoch, title, ov.consortium["name"]), title, dtype)
    for lot, lot_rows in zip(ctx["lots"], facts):
        add(spec_file_name(lot["number"], lot["name"]), lot_specification(resolved, numbered, ctx, lot, lot_rows, epoch),
            f"Service specification, lot {lot['number']}: {lot['name']}", "technicalSpecifications")
    add("03-framework-agreement.docx", render_docx(numbered, epoch=epoch), f"{c.title} (consolidated)", "contractDraft")
    form = ipa_form(resolved, numbered, ctx, epoch)
    if form is not None:
        add(IPA_FORM[0], form, *IPA_FORM[1:])
    from .render.variations import render_schedule

    add("05-schedule-of-variations.docx", render_schedule(resolved.parent, c, ov, derived_variations(resolved.parent, ov), epoch=epoch),
        "Schedule of variations", "contractAnnexe")
    red = redline_of(resolved, epoch=epoch)
    add("06-redline.docx", red.docx, "Redline against the national contract", "contractAnnexe")
    add("06-redline.html", (red.html or "").encode("utf-8"), "Redline against the national contract (HTML)",
        "contractAnnexe")
    add("07-pricing-schedule.xlsx", pricing_workbook(resolved, date, epoch), "Pricing schedule", "billOfQuantity")
    procedure = _paragraphs(numbered, clause_id="referrals.call-off")
    for fname, template, title, dtype in TEMPLATE_DOCS[1:]:
        add(fname, _render_doc(template, {**ctx, "procedure": procedure}, date, epoch, title,
                               ov.consortium["name"]), title, dtype)
    package = ocds_release_package(resolved, meta, documents_url)
    files[RELEASE_PACKAGE] = (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    root = Path(overlay_path).resolve().parents[1]
    base_dir = root / "national_contract" / c.id / c.version
    chain = []
    for step_ov, _ in resolved.steps:
        p = root / "variations" / f"{step_ov.id}.yaml"
        chain.append({"id": step_ov.id, "path": f"variations/{step_ov.id}.yaml", "sha256": _sha256(p.read_bytes())})
    manifest = {
        "pack": name,
        "generator": "contractgen",
        "consortium": ov.consortium["name"],
        "contractgen": __version__,
        "base": {"contract": c.base_ref, "sources_sha256": _tree_hash(base_dir) if base_dir.is_dir() else None},
        "overlays": chain,
        "assumed": assumed,
        "files": [{"name": f, "sha256": _sha256(files[f]), "size": len(files[f])} for f in sorted(files)],
    }
    files["manifest.json"] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return name, files


def zip_pack(name: str, files: dict[str, bytes], date: dt.date, epoch: int | None) -> bytes:
    """Return the pack as a zip with fixed timestamps and order."""
    stamp = zip_time(epoch, date)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for fname in sorted(files):
            info = zipfile.ZipInfo(f"{name}/{fname}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, files[fname], compresslevel=6)
    return out.getvalue()


def write_pack(overlay_path: Path, out_dir: Path, epoch: int | None = None,
               templates: Path | None = None, on_wait: Callable[[str], None] | None = None,
               documents_url: str | None = None) -> PackResult:
    """Build an overlay's pack and write out_dir/<id>/ and out_dir/<id>.zip, replacing them whole.

    Only a pack contractgen wrote is replaced (see `packdir.check_replaceable`), and the swap is
    recoverable at every point (the state machine is in `contractgen.packdir` and
    docs/dev/packs.md). `on_wait` is told when another run holds the folder's lock."""
    from . import packdir

    resolved = resolve_chain(Path(overlay_path))
    name = resolved.overlay.id
    if slug(name) != name:
        raise UsageError(f"overlay id {name!r} cannot name a pack folder")
    out_dir = packdir.prepare_out_dir(Path(out_dir))
    target = out_dir / name  # a slug: no separator, no leading dot, so it stays in out_dir
    with packdir.folder_lock(out_dir, on_wait):
        packdir.recover(out_dir)
        packdir.check_replaceable(out_dir, name)
        txn = packdir.Replacement(out_dir, name)
    try:
        built, files = build_pack(overlay_path, epoch, templates, documents_url)
        assert built == name
        txn.write(files, zip_pack(name, files, resolved.overlay.effective, epoch))
        with packdir.folder_lock(out_dir, on_wait):
            packdir.check_replaceable(out_dir, name)  # again: the user may have added a file meanwhile
            txn.commit()
    except BaseException:
        txn.abandon()
        raise
    return PackResult(target, out_dir / f"{name}.zip", len(files))
