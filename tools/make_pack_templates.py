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
    # Only while the overlay marks a particular as assumed (docs/dev/pack-facts.md): the note goes
    # when every value is confirmed in the overlay and the pack is made again.
    p(d, "{%p if assumptions %}")
    h(d, "Before issue: particulars to confirm")
    p(d, "This pack was made from particulars some of which are assumed: the sources it was prepared from do "
         "not state them, so an illustrative value was used. Before the pack is issued, the lead authority "
         "should confirm or replace each value below in the consortium's overlay, remove it from the "
         "overlay's list of assumed particulars, and make the pack again; this section then no longer "
         "appears.")
    table(d, ["Particular", "Value used", "Why it is assumed"], "row", "assumptions",
          ["{{ row.label }}", "{{ row.value }}", "{{ row.reason }}"])
    p(d, "{%p endif %}")
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
    p(d, "The framework agreement runs for {{ term_text }}.")
    h(d, "Timetable")
    p(d, "The lead authority will tell every interested provider of any change to the dates below.")
    table(d, ["Stage", "Date"], "row", "timetable", ["{{ row.event }}", "{{ row.date }}"])
    h(d, "How to respond")
    p(d, "Complete the pricing schedule (a separate workbook with a sheet for each lot), the form of tender "
         "and the declarations, and answer the quality questions in 11-quality-questions.docx. Submit "
         "everything through the lead authority's e-tendering portal, {{ portal.name }} ({{ portal.url }}), "
         "before the tender deadline; late or incomplete tenders may be rejected. Do not change the wording of "
         "the framework agreement: the variations this consortium "
         "makes to the national contract are listed in the schedule of variations and shown in the redline.")
    h(d, "Clarifications")
    p(d, "Ask questions through the messaging facility of {{ portal.name }} by the deadline for clarification "
         "questions in the timetable; {{ contact_text }} answers them. Answers to questions of general interest "
         "are published to every provider through the portal, without naming who asked.")
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


def scale_table(d: Document) -> None:
    """The scoring scale, from the quality questions' data file: one source for every document."""
    table(d, ["Score", "Meaning"], "row", "scale", ["{{ row.score }}", "{{ row.label }}: {{ row.meaning }}"])
    _widths(d.tables[-1], (1200, 7872))


def _widths(t, widths) -> None:
    from docx.shared import Twips

    t.autofit = False
    for col, width in zip(t.columns, widths):  # twips; the text width is 9072
        col.width = Twips(width)  # the grid, which LibreOffice follows
        for cell in col.cells:
            cell.width = Twips(width)


def award() -> None:
    d = new_doc("Award Criteria and Weightings")
    h(d, "Weightings")
    p(d, "{{ award_text }}")
    table(d, ["Criterion", "Weighting"], "row", "award_rows", ["{{ row.criterion }}", "{{ row.weight }}"])
    h(d, "Scoring method")
    p(d, "Each quality question is scored from {{ scale_low }} to {{ scale_high }} on the scale below. A "
         "question's score is divided by {{ scale_high }} and multiplied by its weighting. The questions and "
         "their weightings for each lot are in the quality questions document (11-quality-questions.docx). A "
         "tender that scores {{ scale_low }} on any question, or less than half the available quality marks, "
         "may be excluded.")
    scale_table(d)
    p(d, "Price is scored for each lot from the weekly core fees in the pricing schedule, weighted by the "
         "expected mix of age bands: the lowest compliant price scores the full price weighting, and every "
         "other tender scores that weighting multiplied by the lowest price divided by its own.")
    p(d, "{{ tiers_text }}")
    save(d, "award-criteria.docx")


def bullet(d: Document, text: str) -> None:
    """A bulleted point, indented under the body text."""
    from docx.shared import Twips

    para = d.add_paragraph(text, style="List Bullet")
    para.paragraph_format.left_indent = Twips(1080)
    para.paragraph_format.first_line_indent = Twips(-360)


def quality_questions() -> None:
    d = new_doc("Quality Questions")
    h(d, "About the quality questions")
    p(d, "These are the quality questions of this tender, which {{ lead }} runs for {{ consortium.name }}. "
         "Answer the questions of each lot you tender for. The answers for a lot are evaluated for that lot "
         "alone, so each must stand on its own, even where it repeats what you say for another lot.")
    p(d, "{{ quality_weighting_text }}")
    p(d, "Keep each answer within its word limit: words beyond it are not read. Do not refer to attachments, "
         "websites or answers to other questions. A panel of officers of the member authorities scores each "
         "answer, and the panel's scores are moderated before they are confirmed.")
    h(d, "Scoring scale")
    p(d, "Each answer is scored from {{ scale_low }} to {{ scale_high }} on the scale below, the scale the award "
         "criteria and weightings document also sets out. A question's marks are its score divided by "
         "{{ scale_high }} and multiplied by its weighting.")
    scale_table(d)
    p(d, "{%p for lot in quality_lots %}", "Definition")
    h(d, "{{ lot.heading }}")
    p(d, "The questions of this lot and their weightings:")
    t = d.add_table(rows=5, cols=3)
    t.style = d.styles["Contract Table"]
    heads = ["Question", "Title", "Weighting"]
    for i, text in enumerate(heads):
        cell = t.rows[0].cells[i]
        cell.text = text
        cell.paragraphs[0].style = d.styles["Table Heading"]
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), "1F2A44")
        cell._tc.get_or_add_tcPr().append(shd)
    t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    t.rows[1].cells[0].text = "{%tr for q in lot.questions %}"
    for i, text in enumerate(["{{ q.number }}", "{{ q.title }}", "{{ q.weight }}"]):
        t.rows[2].cells[i].text = text
        t.rows[2].cells[i].paragraphs[0].style = d.styles["Table Text"]
    t.rows[3].cells[0].text = "{%tr endfor %}"
    for i, text in enumerate(["", "Total", "{{ lot.total }}"]):
        t.rows[4].cells[i].text = text
        t.rows[4].cells[i].paragraphs[0].style = d.styles["Table Heading" if False else "Table Text"]
        for run in t.rows[4].cells[i].paragraphs[0].runs:
            run.bold = True
    _widths(t, (1300, 6172, 1600))
    d.add_paragraph("", style="Table Text")
    p(d, "{%p for q in lot.questions %}", "Definition")
    d.add_paragraph("Question {{ q.number }}: {{ q.title }}", style="Heading 2")
    p(d, "{{ q.question }}")
    p(d, "A good answer covers:")
    p(d, "{%p for point in q.good_answer %}", "Definition")
    bullet(d, "{{ point }}")
    p(d, "{%p endfor %}", "Definition")
    p(d, "Word limit: {{ q.word_limit }}. Weighting: {{ q.weight }} of the "
         "total marks.")
    p(d, "{%p endfor %}", "Definition")
    p(d, "{%p endfor %}", "Definition")
    save(d, "quality-questions.docx")


def _entry(para, label: str, tag: str, prompt: str = "Click or tap to enter") -> None:
    """A plain-text content control a tenderer fills in, showing `prompt` in grey until then."""
    sdt = OxmlElement("w:sdt")
    pr = OxmlElement("w:sdtPr")
    for name, value in (("w:alias", label[:60]), ("w:tag", tag)):
        e = OxmlElement(name)
        e.set(qn("w:val"), value)
        pr.append(e)
    pr.append(OxmlElement("w:showingPlcHdr"))
    text = OxmlElement("w:text")
    text.set(qn("w:multiLine"), "1")
    pr.append(text)
    content = OxmlElement("w:sdtContent")
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "808080")
    rpr.append(color)
    run.append(rpr)
    t_el = OxmlElement("w:t")
    t_el.text = prompt
    run.append(t_el)
    content.append(run)
    sdt.append(pr)
    sdt.append(content)
    para._p.append(sdt)


def response_table(d: Document, ref: str, answers: list[tuple[str, str]]) -> None:
    """A response table: a row for each answer, its label in bold and a field to fill in."""
    t = d.add_table(rows=len(answers), cols=2)
    t.style = d.styles["Contract Table"]
    for r, (label, prompt) in enumerate(answers):
        cell = t.rows[r].cells[0]
        cell.text = label
        cell.paragraphs[0].style = d.styles["Table Text"]
        for run in cell.paragraphs[0].runs:
            run.bold = True
        para = t.rows[r].cells[1].paragraphs[0]
        para.style = d.styles["Table Text"]
        _entry(para, f"{ref} {label}", f"sq-{ref.lower().rstrip('.').replace(' ', '-')}-{r + 1}", prompt)
        trpr = t.rows[r]._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), "567")  # a centimetre at least: room to write in
        height.set(qn("w:hRule"), "atLeast")
        trpr.append(height)
    _widths(t, (3400, 5672))
    d.add_paragraph("", style="Table Text")


PASS_FAIL = "pass or fail."
FOR_INFORMATION = "for information; not scored."


def sq_question(d: Document, ref: str, title: str, kind: str, text: str, evidence: str,
                answers: list[tuple[str, str]]) -> None:
    """A question of the selection questionnaire: what is asked, how it is assessed, the evidence
    asked for, and its response table."""
    d.add_paragraph(f"{ref} {title}", style="Heading 2")
    p(d, text)
    p(d, f"Assessment: {kind}")
    p(d, f"Evidence: {evidence}")
    response_table(d, ref, answers)


def selection_questionnaire() -> None:
    d = new_doc("Selection Questionnaire", "{{ consortium.name }}: conditions of participation")
    h(d, "About this questionnaire")
    p(d, "This questionnaire sets the conditions of participation of this tender, which {{ lead }} runs for "
         "{{ consortium.name }}, under section 22 of the Procurement Act 2023. The services are social and "
         "other specific services under the light-touch regime, and the conditions test only what is needed to "
         "show that a tenderer has the legal and financial capacity and the technical ability to provide them: "
         "each is proportionate to the lots concerned.")
    p(d, "Each question is marked as pass or fail, or for information. A tenderer that fails a pass or fail "
         "question for a lot does not go on to the evaluation of its quality answers and prices for that lot. "
         "Answers for information are not scored; they help the lead authority, {{ lead }}, check the other "
         "answers. Answer every question in the response table beneath it, and attach the evidence asked for, "
         "named with the question's number.")
    h(d, "Part A: core supplier information and exclusion grounds")
    p(d, "A tenderer's core supplier information (its identity, connected persons and exclusion grounds) is "
         "held on the Central Digital Platform. The tenderer keeps it up to date there and shares it with the "
         "lead authority; it is not asked for again in this questionnaire. The tender's own questions, in "
         "Part B, are those of the procurement specific questionnaire.")
    sq_question(d, "A1.", "Registration on the Central Digital Platform", PASS_FAIL,
                "Give the tenderer's unique identifier on the Central Digital Platform and a share code for its "
                "core supplier information, generated after this tender was published. The condition is met "
                "when the core supplier information is complete and shared.",
                "the unique identifier and share code; the lead authority reads the information on the platform.",
                [("Unique identifier", "Enter the unique identifier"), ("Share code", "Enter the share code")])
    sq_question(d, "A2.", "Connected and associated persons", FOR_INFORMATION,
                "Confirm that the connected persons recorded on the Central Digital Platform are current, and "
                "name any person on whose resources the tenderer relies to meet the conditions in Part B, and "
                "any sub-contractor it intends to use for a substantial part of the services.",
                "each associated person's or sub-contractor's own unique identifier and share code.",
                [("Connected persons current (yes or no)", "Enter yes or no"),
                 ("Associated persons and sub-contractors", "Enter names and identifiers, or none")])
    sq_question(d, "A3.", "Mandatory exclusion grounds (Schedule 6)", PASS_FAIL,
                "State whether any mandatory exclusion ground in Schedule 6 to the Procurement Act 2023 applies "
                "to the tenderer, a connected person or an associated person. Where one applies, describe the "
                "circumstances and the steps taken to stop them recurring. A tenderer is excluded where a "
                "mandatory ground applies and the circumstances giving rise to it are continuing or likely to "
                "occur again.",
                "the declaration on the Central Digital Platform; where a ground applies, evidence of the steps "
                "taken (for example, changes to staff, management or governance, and any compensation paid).",
                [("Does a mandatory ground apply? (yes or no)", "Enter yes or no"),
                 ("Circumstances and steps taken", "Enter details, or not applicable")])
    sq_question(d, "A4.", "Discretionary exclusion grounds (Schedule 7)", PASS_FAIL,
                "State whether any discretionary exclusion ground in Schedule 7 to the Procurement Act 2023 "
                "applies, including poor performance of a public contract, professional misconduct and "
                "insolvency. Where one applies, describe the circumstances and the steps taken. The lead "
                "authority decides, on the evidence, whether to exclude the tenderer, and first gives it a "
                "reasonable opportunity to make representations.",
                "as for A3.",
                [("Does a discretionary ground apply? (yes or no)", "Enter yes or no"),
                 ("Circumstances and steps taken", "Enter details, or not applicable")])
    h(d, "Part B: the conditions of participation of this tender")
    d.add_paragraph("B1. Registration with {{ regulator }}", style="Heading 2")
    p(d, "For each lot it tenders for, the tenderer must be registered with {{ regulator }} for the services of "
         "the lot, and must meet {{ regulations_text }}. The registration each lot needs is:")
    table(d, ["Lot", "Services", "Registration required"], "row", "selection_lots",
          ["{{ row.label }}", "{{ row.services }}", "{{ row.registration }}"])
    _widths(d.tables[-1], (2800, 3172, 3100))
    p(d, "Assessment: " + PASS_FAIL + " The condition is met for a lot when {{ registration_units }} is "
         "registered for its services on the tender deadline.")
    p(d, "Evidence: the {{ regulator }} unique reference number (URN) of each registered service, and its "
         "certificate of registration.")
    response_table(d, "B1.", [("Lots tendered for", "Enter the lots"),
                              ("URN of each service, by lot", "Enter each URN and its lot")])
    sq_question(d, "B2.", "Latest inspection rating", PASS_FAIL,
                "For each service given in B1, state the date and overall judgement of its most recent full "
                "inspection by {{ regulator }}. The condition is met when no service offered for a lot was "
                "judged inadequate overall at its most recent full inspection. A service registered too "
                "recently to have had a full inspection meets the condition; give the date of its registration "
                "instead.",
                "the URN, the date of the inspection and the overall judgement; the lead authority checks them "
                "against the reports {{ regulator }} publishes.",
                [("Inspection date and judgement, by URN", "Enter the date and judgement for each URN")])
    d.add_paragraph("B3. Insurance", style="Heading 2")
    p(d, "The framework agreement requires, in {{ insurance_clause }}, the insurance below for the whole of "
         "its term. The tenderer must hold it, or undertake to hold it from the start of the framework "
         "agreement.")
    table(d, ["Insurance", "Minimum cover"], "row", "insurance_rows", ["{{ row.cover }}", "{{ row.minimum }}"])
    _widths(d.tables[-1], (5272, 3800))
    p(d, "{%p if insurance_other %}", "Definition")
    p(d, "The framework agreement also provides:")
    p(d, "{%p endif %}", "Definition")
    p(d, "{%p for line in insurance_other %}", "Definition")
    bullet(d, "{{ line }}")
    p(d, "{%p endfor %}", "Definition")
    p(d, "Assessment: " + PASS_FAIL + " The condition is met when the tenderer holds each insurance at no less "
         "than the minimum, or undertakes to hold it from the start of the framework agreement.")
    p(d, "Evidence: a certificate of each insurance, or a letter from the tenderer's insurer or broker "
         "confirming the cover that would be in place.")
    response_table(d, "B3.", [("Each insurance held: insurer, cover and expiry date", "Enter the details"),
                              ("Or: undertaking to hold it from the start (yes or no)", "Enter yes or no")])
    sq_question(d, "B4.", "Safeguarding policy and training", PASS_FAIL,
                "Confirm that the tenderer has a written safeguarding policy, approved by its board or owner and "
                "reviewed in the last 12 months; a named senior person responsible for safeguarding; and "
                "safeguarding training for all {{ people_text }} at induction, refreshed at set intervals. The "
                "condition is met when all three are in place.",
                "the safeguarding policy, with its approval and review dates; the name and role of the person "
                "responsible; and a summary of the training programme and how many have completed it.",
                [("Policy approved and reviewed (dates)", "Enter the dates"),
                 ("Person responsible (name and role)", "Enter the name and role"),
                 ("Training: programme and completion", "Enter a summary")])
    sq_question(d, "B5.", "Financial standing", PASS_FAIL,
                "Give the tenderer's accounts for its last two financial years (for a tenderer trading for "
                "less than two years, its accounts to date or management accounts, and its business plan). The "
                "lead authority assesses whether the tenderer can bear the risks of the lots it tenders for: "
                "whether its turnover is in proportion to the value of the Placements it may be offered in those "
                "lots, whether its net assets and current ratio show that it can meet its debts as they fall "
                "due, and whether its accounts carry a qualified audit opinion or a material uncertainty about "
                "going concern. The measures and the levels applied for each lot are the lead authority's to set, "
                "and are stated in the tender notice. Where a tenderer does not meet them, the lead authority "
                "may accept a parent company guarantee or other evidence of financial resources.",
                "the accounts; the lead authority may also obtain a credit report.",
                [("Accounts attached (years)", "Enter the years"),
                 ("Parent company or other support, if relied on", "Enter details, or not applicable")])
    h(d, "Declaration")
    p(d, "We declare that the answers in this questionnaire, and the core supplier information we have shared "
         "through the Central Digital Platform, are true, complete and up to date; that we will tell the lead "
         "authority at once of any change to them before the framework agreement is awarded; and that we "
         "understand that a false declaration may lead to our exclusion from this and other procurements.")
    response_table(d, "Declaration", [(label, "Click or tap to enter")
                                      for label in ["Organisation", "Name", "Position", "Signature", "Date"]])
    save(d, "selection-questionnaire.docx")


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
         "the framework agreement in this pack, including the schedule of variations, for its term of "
         "{{ term_text }}. We understand that no "
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
    quality_questions()
    selection_questionnaire()
