"""Write the tender-pack templates in contractgen/templates/pack/: one docxtpl template per
document.

Each starts from contractgen/templates/contract.docx (its styles, header and footer) and carries
its own wording with Jinja fields. Run `python tools/make_pack_templates.py` after changing this file;
the outputs are committed so that a commissioner can restyle and reword them in Word.
"""

from __future__ import annotations

import copy
import datetime as dt
import sys
from pathlib import Path

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
from make_templates import save_clean  # noqa: E402

OUT = ROOT / "contractgen" / "templates" / "pack"


def new_doc(title: str, subtitle: str = "{{ consortium.name }}") -> Document:
    doc = Document(str(ROOT / "contractgen" / "templates" / "contract.docx"))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    doc.add_paragraph(title, style="Title")
    doc.add_paragraph(subtitle, style="Subtitle")
    doc.add_paragraph("{{ tender_title }}", style="Title Page Detail")
    doc.add_paragraph("Issued {{ issue_date }}", style="Title Page Detail")
    doc.add_paragraph("Reference: {{ reference }}", style="Title Page Detail")
    doc.add_paragraph("{{ notice }}", style="Title Page Notice")
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    return doc


def h(doc: Document, text: str) -> None:
    doc.add_paragraph(text, style="Heading 1")


def p(doc: Document, text: str, style: str = "Clause Text") -> None:
    doc.add_paragraph(text, style=style)


def loop(doc: Document, var: str, items: str, line: str, style: str = "Definition") -> None:
    p(doc, f"{{%p for {var} in {items} %}}", style)
    p(doc, line, style)
    p(doc, "{%p endfor %}", style)


def table(doc: Document, headers: list[str], loop_var: str, items: str, cells: list[str]) -> None:
    t = doc.add_table(rows=3, cols=len(headers))
    t.style = doc.styles["Contract Table"]
    for i, text in enumerate(headers):
        cell = t.rows[0].cells[i]
        cell.text = text
        cell.paragraphs[0].style = doc.styles["Table Heading"]
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), "1F2A44")
        cell._tc.get_or_add_tcPr().append(shd)
    t.rows[1].cells[0].text = f"{{%tr for {loop_var} in {items} %}}"
    for i, text in enumerate(cells):
        t.rows[2].cells[i].text = text
        t.rows[2].cells[i].paragraphs[0].style = doc.styles["Table Text"]
    # docxtpl: the {%tr %} tags need their own rows; the closing tag goes in a row after
    row = copy.deepcopy(t.rows[1]._tr)
    t._tbl.append(row)
    t.rows[3].cells[0].text = "{%tr endfor %}"
    for r in (1, 3):
        for c in t.rows[r].cells[1:]:
            c.text = ""
    trpr = t.rows[0]._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:tblHeader"))
    doc.add_paragraph("", style="Table Text")


def save(doc: Document, name: str) -> None:
    cp = doc.core_properties
    cp.title = name
    cp.created = cp.modified = dt.datetime(2026, 1, 1)
    cp.revision = 1
    OUT.mkdir(parents=True, exist_ok=True)
    save_clean(doc, OUT / name)
    print(f"wrote contractgen/templates/pack/{name}")


def instructions() -> None:
    d = new_doc("Instructions to Tenderers")
    h(d, "About this tender")
    p(d, "{{ consortium.name }} invites tenders from providers of {{ services_text }} to join its "
         "{{ arrangement_label }}. The lead authority, {{ lead }}, runs this procurement on behalf of "
         "the member authorities listed below. Placements are bought under the light-touch rules for "
         "social and other specific services; each Placement is called off by an Individual Placement "
         "Agreement, and no volume of Placements is promised.")
    h(d, "The member authorities")
    loop(d, "m", "members", "{{ m }}")
    h(d, "What is being bought")
    p(d, "The services are described in the specification for each lot in this pack. The lots are:")
    loop(d, "lot", "lots", "{{ lot.label }}")
    p(d, "Age bands used for matching and pricing: {{ age_bands_text }}.")
    p(d, "{{ tiers_text }}")
    p(d, "The contract runs for {{ term_text }}.")
    h(d, "Timetable")
    p(d, "The dates below are indicative. The lead authority will tell every interested provider of any change.")
    table(d, ["Stage", "Date"], "row", "timetable", ["{{ row.event }}", "{{ row.date }}"])
    h(d, "How to respond")
    p(d, "Complete the pricing schedule (a separate workbook with a sheet for each lot), the form of tender "
         "and the declarations, and answer the quality questions. Submit everything through the lead "
         "authority's e-tendering portal before the tender deadline; late or incomplete tenders may be "
         "rejected. Do not change the wording of the framework agreement: the variations this consortium "
         "makes to the national contract are listed in the schedule of variations and shown in the redline.")
    h(d, "Clarifications")
    p(d, "Ask questions through the portal's messaging facility by the clarification deadline. Answers to "
         "questions of general interest are published to every provider, without naming who asked.")
    h(d, "Evaluation")
    p(d, "Tenders are evaluated as set out in the award criteria and weightings document in this pack: "
         "{{ award_text }}")
    h(d, "Conditions of tender")
    p(d, "Each provider bears its own costs of tendering. The member authorities are not bound to accept any "
         "tender, and may abandon or vary the procurement at any stage. A provider must be registered with "
         "Ofsted for the services it offers, hold the insurances the framework agreement requires, and keep "
         "its tender open for acceptance for 120 days after the tender deadline. Canvassing or collusion "
         "disqualifies a tender.")
    save(d, "instructions-to-tenderers.docx")


def specification() -> None:
    # The lot's own facts; contractgen appends the service specification after the last
    # paragraph, with the framework agreement's Word numbering (numbered lists, hanging indents).
    d = new_doc("Service Specification", "{{ consortium.name }} — {{ lot.label }}")
    h(d, "This lot")
    p(d, "This specification applies to {{ lot.label }}, lot {{ lot.number }} of {{ lot_count }}, under the "
         "{{ arrangement_label }} of {{ consortium.name }}. Providers appointed to this lot receive Referrals "
         "for it, in the way the call-off procedure in this pack describes.")
    table(d, ["Fact", "This lot", "Where it comes from"], "row", "lot_facts",
          ["{{ row.fact }}", "{{ row.value }}", "{{ row.source }}"])
    from docx.shared import Twips

    facts = d.tables[-1]
    facts.autofit = False
    for col, width in zip(facts.columns, (1800, 3636, 3636)):  # twips; the text width is 9072
        col.width = Twips(width)  # the grid, which LibreOffice follows
        for cell in col.cells:
            cell.width = Twips(width)
    p(d, "{{ lot_note }}")
    h(d, "The specification")
    p(d, "{{ schedule_label }} of the framework agreement, the service specification, applies to this lot in "
         "full, as varied by the consortium. It follows with the numbers it has in the framework agreement, "
         "and a reference in it to a clause or schedule is to the framework agreement. Where it speaks of "
         "the lots, services or age bands of the framework as a whole, this lot's are those set out above.")
    save(d, "specification.docx")


def ipa_form() -> None:
    # The form is the framework agreement's own IPA schedule: contractgen appends it after the
    # last paragraph, with its Word numbering and a content control in each empty cell. This
    # introduction states nothing the schedule states (no precedence, no fees), so the two cannot
    # disagree.
    d = new_doc("Individual Placement Agreement", "{{ consortium.name }}")
    h(d, "How to use this form")
    p(d, "This form is {{ schedule_label }} of the framework agreement in this pack, as varied by the "
         "consortium. It follows with the numbers it has in the framework agreement, and a reference in it "
         "to a clause or schedule is to the framework agreement.")
    p(d, "Complete one form for each Child placed under the {{ arrangement_label }}. Fields in grey are for "
         "completion.")
    save(d, "individual-placement-agreement.docx")


def award() -> None:
    d = new_doc("Award Criteria and Weightings")
    h(d, "Weightings")
    p(d, "{{ award_text }}")
    table(d, ["Criterion", "Weighting"], "row", "award_rows", ["{{ row.criterion }}", "{{ row.weight }}"])
    h(d, "Scoring method")
    p(d, "Each quality question is scored from 0 to 5: 0 no answer or an unacceptable one; 1 serious "
         "reservations; 2 some reservations; 3 acceptable; 4 good, with some evidence of added value; 5 "
         "excellent, fully evidenced. A question's score is divided by 5 and multiplied by its weighting. A "
         "tender that scores 0 on any question, or less than half the available quality marks, may be "
         "excluded.")
    p(d, "Price is scored for each lot from the weekly core fees in the pricing schedule, weighted by the "
         "expected mix of age bands: the lowest compliant price scores the full price weighting, and every "
         "other tender scores that weighting multiplied by the lowest price divided by its own.")
    p(d, "{{ tiers_text }}")
    save(d, "award-criteria.docx")


def call_off() -> None:
    d = new_doc("Call-off Procedure")
    h(d, "How Placements are called off")
    p(d, "Placements under the {{ arrangement_label }} of {{ consortium.name }} are called off as follows.")
    p(d, "{{ call_off_text }}")
    p(d, "{{ tiers_text }}")
    h(d, "The procedure in the framework agreement")
    p(d, "{%p for para in procedure %}", "Definition")
    p(d, "{{ para.number }}\t{{ para.text }}", "Definition")
    p(d, "{%p endfor %}", "Definition")
    save(d, "call-off-procedure.docx")


def form_of_tender() -> None:
    d = new_doc("Form of Tender and Declarations")
    h(d, "Form of tender")
    p(d, "To {{ lead }}, for itself and the member authorities of {{ consortium.name }}: we offer to provide "
         "the services in the lots we have priced in the pricing schedule, at those prices, on the terms of "
         "the framework agreement in this pack, including the schedule of variations. We understand that no "
         "volume of Placements is promised and that each Placement is made by an Individual Placement "
         "Agreement.")
    h(d, "Declaration of non-collusion")
    p(d, "We have not fixed or adjusted our prices by agreement with any other person, told any other person "
         "our prices before the tender deadline, or agreed with any other person not to tender.")
    h(d, "Declaration on canvassing")
    p(d, "We have not canvassed any member or officer of the member authorities about this tender, and we "
         "will not do so before the contract is awarded.")
    h(d, "Freedom of information")
    p(d, "We understand that the member authorities are subject to the Freedom of Information Act 2000 and "
         "may disclose information in our tender unless an exemption applies. We have marked any information "
         "we consider commercially sensitive and said why, and we accept that the decision to disclose rests "
         "with the authority that receives a request.")
    h(d, "Signature")
    t = d.add_table(rows=5, cols=2)
    t.style = d.styles["Contract Table"]
    for r, label in enumerate(["Organisation", "Name", "Position", "Signature", "Date"]):
        t.rows[r].cells[0].text = label
    save(d, "form-of-tender.docx")


if __name__ == "__main__":
    instructions()
    specification()
    ipa_form()
    award()
    call_off()
    form_of_tender()
