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
from .errors import SourceError, UsageError, note_warnings
from .model import Contract, Overlay
from .numbering import Numbered, number_contract
from .overlay import Resolved, prose_list, resolve_chain
from .render.docx import NOTICE, long_date, prop, render_template, template_path, user_templates
from .render.text import blocks
from .render.zipnorm import normalise_zip, zip_time
from .text import counted

CPV = {"scheme": "CPV", "id": "85311300", "description": "Welfare services for children and young people"}
ARRANGEMENT_LABEL = {
    "framework": "framework agreement", "dps": "dynamic purchasing system", "approved-list": "approved provider list",
    "select-list": "select list", "block": "block contract", "cost-and-volume": "cost and volume contract",
    "spot": "spot purchasing arrangement", "open-framework": "open framework", "dynamic-market": "dynamic market",
}
TEMPLATE_DOCS = [
    ("01-instructions-to-tenderers.docx", "instructions-to-tenderers.docx", "Instructions to tenderers", "biddingDocuments"),
    ("04-individual-placement-agreement.docx", "individual-placement-agreement.docx",
     "Individual placement agreement (form)", "contractAnnexe"),
    ("08-award-criteria.docx", "award-criteria.docx", "Award criteria and weightings", "evaluationCriteria"),
    ("09-call-off-procedure.docx", "call-off-procedure.docx", "Call-off procedure", "biddingDocuments"),
    ("10-form-of-tender.docx", "form-of-tender.docx", "Form of tender and declarations", "biddingDocuments"),
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


def _timetable(effective: dt.date) -> list[dict[str, str]]:
    steps = [("Tender published", -16), ("Deadline for clarification questions", -12),
             ("Tender deadline", -10), ("Evaluation and moderation", -8), ("Award decisions notified", -6),
             ("Agreements signed", -2), ("Framework starts", 0)]
    return [{"event": e, "date": long_date(effective + dt.timedelta(weeks=w))} for e, w in steps]


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
    award = cons.get("award")
    award_text = (f"quality {award['quality']:g}% and price {award['price']:g}%." if award else
                  "the weightings are published with the tender; they are not stated in the consortium particulars.")
    return {
        "consortium": {"name": cons["name"], "short_name": cons.get("short_name", cons["name"])},
        "lead": cons.get("lead", f"the lead authority of {cons['name']}"),
        "members": cons.get("members") or [cons.get("lead", cons["name"])],
        "arrangement_label": ARRANGEMENT_LABEL[arrangement],
        "services_text": prose_list(cons.get("services") or ["placements for looked after children"]),
        "lots": [{"number": i, "name": name,
                  "label": name if re.match(r"(?i)lot\s*\d", name) else f"Lot {i}: {name}"}
                 for i, name in enumerate(lots or ["All placements"], start=1)],
        "lot_count": max(len(lots), 1),
        "age_bands_text": prose_list(cons.get("age_bands") or []) or str(c.values.get("age_bands_description", "")),
        "tiers_text": (f"Providers are ranked in {counted(tiers, 'tier')} within each lot, and Referrals go to the "
                       "tiers in order."
                       if tiers else "Providers are not ranked in tiers."),
        "term_text": term_text,
        "timetable": _timetable(ov.effective),
        "award_text": award_text,
        "award_rows": ([{"criterion": "Quality", "weight": f"{award['quality']:g}%"},
                        {"criterion": "Price", "weight": f"{award['price']:g}%"}] if award else
                       [{"criterion": "Quality and price", "weight": "published with the tender"}]),
        "call_off_text": cons.get("call_off") or str(c.values.get("call_off_procedure", "")),
        "tender_title": f"{ARRANGEMENT_LABEL[arrangement].capitalize()} for {prose_list(cons.get('services') or ['placements'])}",
        "issue_date": long_date(ov.effective + dt.timedelta(weeks=-16)),
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
    buf = io.BytesIO()
    tpl.docx.save(buf)
    return normalise_zip(buf.getvalue(), epoch, date)


def pricing_workbook(resolved: Resolved, date: dt.date, epoch: int | None) -> bytes:
    """Return the pricing schedule: a sheet per lot, rows per age band, inputs unlocked and validated."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    ctx = pack_context(resolved)
    cons = dict(resolved.overlay.consortium)
    bands = cons.get("age_bands") or [b.strip() for b in re.split(r",| and ", str(
        resolved.contract.values.get("age_bands_description", "0 to 17"))) if b.strip()]
    tiers = cons.get("tiers", 0) or 0
    wb = Workbook()
    info = wb.active
    info.title = "Instructions"
    header_fill = PatternFill("solid", fgColor="1F2A44")
    body_font = "Calibri"  # the workbook's default font: a font without a name falls back to a serif
    white = Font(name=body_font, bold=True, color="FFFFFF")
    input_fill = PatternFill("solid", fgColor="FFF4CC")
    lines = [
        f"Pricing schedule — {cons['name']}",
        f"{ctx['tender_title']} ({resolved.contract.ref})",
        "Enter prices in the yellow cells only, in pounds, excluding VAT. Every other cell is locked.",
        "Weekly core fee: the all-inclusive weekly fee for a Placement in that age band, as defined in the framework agreement.",
        "Additional services: weekly prices for services bought only when an Individual Placement Agreement names them.",
        "Totals are calculated for you.",
    ]
    for r, line in enumerate(lines, start=1):
        info.cell(row=r, column=1, value=line).font = Font(name=body_font, bold=(r == 1),
                                                                         size=14 if r == 1 else 11)
    info.column_dimensions["A"].width = 110
    info.protection.sheet = True
    columns = ["Age band", "Weekly core fee (£)", "Additional support, per week (£)",
               "Therapeutic support, per week (£)", "Education, per week (£)", "Total weekly fee (£)"]
    for lot in ctx["lots"]:
        ws = wb.create_sheet(title=f"Lot {lot['number']}"[:31])
        ws["A1"] = f"Lot {lot['number']}: {lot['name']}"
        ws["A1"].font = Font(name=body_font, bold=True, size=13)
        ws["A2"] = cons["name"]
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
        for i, name in enumerate(columns, start=1):
            cell = ws.cell(row=row0, column=i, value=name)
            cell.fill, cell.font = header_fill, white
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="Price",
                            error="Enter a price in pounds: a number of 0 or more.")
        ws.add_data_validation(dv)
        for r, band in enumerate(bands, start=row0 + 1):
            ws.cell(row=r, column=1, value=str(band))
            for c in range(2, 6):
                cell = ws.cell(row=r, column=c)
                cell.protection = Protection(locked=False)
                cell.fill = input_fill
                cell.number_format = "£#,##0.00"
                dv.add(cell.coordinate)
            total = ws.cell(row=r, column=6, value=f"=SUM(B{r}:E{r})")
            total.number_format = "£#,##0.00"
        ws.column_dimensions["A"].width = 28
        for col in "BCDEF":
            ws.column_dimensions[col].width = 20
        ws.protection.sheet = True
    wb.properties.creator = "contractgen"
    wb.properties.lastModifiedBy = "contractgen"
    stamp = dt.datetime(date.year, date.month, date.day) if epoch is None else \
        dt.datetime.fromtimestamp(epoch, dt.timezone.utc).replace(tzinfo=None)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.title = f"Pricing schedule — {cons['name']}"
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_zip(_tidy_xlsx(_fix_xlsx_dates(buf.getvalue(), stamp)), epoch, date)


def _fix_xlsx_dates(data: bytes, stamp: dt.datetime) -> bytes:
    """openpyxl writes the save time into docProps/core.xml; put the source's date there instead."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            raw = src.read(name)
            if name == "docProps/core.xml":
                raw = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + iso.encode() + rb"\2", raw)
            dst.writestr(name, raw)
    return out.getvalue()


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


def _tidy_xlsx(data: bytes) -> bytes:
    """Return openpyxl's workbook as Excel itself writes it, so that Excel has nothing to rewrite:
    text cells as shared strings (openpyxl 3.1 writes only inline strings, which Excel moves into
    xl/sharedStrings.xml on its next save), and each font's children in schema order.

    Shared strings are numbered in order of first use, sheet by sheet in workbook order and row by
    row: deterministic."""
    from lxml import etree

    src = zipfile.ZipFile(io.BytesIO(data))
    parts = {name: src.read(name) for name in src.namelist()}
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

    That document (templates/pack/award-criteria.docx) always scores quality (0 to 5 a question)
    and price (from the pricing schedule's weekly core fees), with the particulars' weightings or,
    without them, weightings published with the tender: rated criteria. Only a weighting of 0
    leaves one of them out of the evaluation."""
    award = consortium.get("award")
    if award and not award["price"]:
        return "qualityOnly"
    if award and not award["quality"]:
        return "priceOnly"
    return "ratedCriteria"


def _award_details(consortium: Mapping[str, Any]) -> str:
    award = consortium.get("award")
    weights = (f"Quality {award['quality']:g}% and price {award['price']:g}%"
               if award else "Quality and price, with weightings published with the tender")
    return (f"{weights}. Each quality question is scored from 0 to 5; price is scored for each lot from the "
            "weekly core fees in the pricing schedule (see the award criteria and weightings document).")


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
            "awardCriteriaDetails": _award_details(cons),
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
    from . import api

    resolved = resolve_chain(Path(overlay_path))
    ov: Overlay = resolved.overlay
    c: Contract = resolved.contract
    numbered = number_contract(c)
    ctx = pack_context(resolved)
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
    spec = _paragraphs(numbered, part_id="sch.specification")
    for lot in ctx["lots"]:
        lctx = {**ctx, "lot": lot, "spec": spec}
        lot_slug = re.sub(r"^lot-\d+-", "", slug(lot["name"]))[:40]
        fname = f"02-specification-lot-{lot['number']}-{lot_slug}.docx"
        add(fname, _render_doc("specification.docx", lctx, date, epoch, f"Specification: {lot['name']}",
                               ov.consortium["name"]), f"Service specification, lot {lot['number']}: {lot['name']}",
            "technicalSpecifications")
    add("03-framework-agreement.docx", api.build_docx(c), f"{c.title} (consolidated)", "contractDraft")
    for fname, template, title, dtype in TEMPLATE_DOCS[1:2]:
        add(fname, _render_doc(template, ctx, date, epoch, title, ov.consortium["name"]), title, dtype)
    from .render.variations import render_schedule

    add("05-schedule-of-variations.docx", render_schedule(resolved.parent, c, ov, epoch=epoch),
        "Schedule of variations", "contractAnnexe")
    red = api.redline(Path(overlay_path))
    add("06-redline.docx", red.docx, "Redline against the national contract", "contractAnnexe")
    add("06-redline.html", (red.html or "").encode("utf-8"), "Redline against the national contract (HTML)",
        "contractAnnexe")
    add("07-pricing-schedule.xlsx", pricing_workbook(resolved, date, epoch), "Pricing schedule", "billOfQuantity")
    procedure = _paragraphs(numbered, clause_id="referrals.call-off")
    for fname, template, title, dtype in TEMPLATE_DOCS[2:]:
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
