"""`contractgen extract` (issue 14, item 3; docs/dev/extract.md): a consortium's variations out of
an edited Word copy of the national contract, proved by round trips.

- every shipped overlay: its contract DOCX, extracted against its chain's national base, gives
  back the same contract (body text, numbers aside);
- a contractgen DOCX edited and saved by LibreOffice, and a DOCX pandoc wrote from Markdown: the
  edits come back as the variations expected, checked against the same edits made to the model,
  with the residue report expected;
- tracked changes become variations with their author and date in a comment;
- `validate --strict` refuses `rationale: TODO`, plain `validate` warns, located.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import IN_CI, ROOT, convert_with_libreoffice, run_cli
from lxml import etree

from contractgen import api
from contractgen.ingest.docxread import read_docx
from contractgen.ingest.extract import Extraction, extract
from contractgen.model import Anchor, Clause, Contract, Table, Variation
from contractgen.numbering import Numbered, number_contract
from contractgen.ops import REGISTRY
from contractgen.ops.pins import pin_of_value
from contractgen.overlay import apply_overlay, load_overlay, resolve_chain
from contractgen.render.oxml import bookmark_name
from contractgen.render.text import blocks
from contractgen.text import split
from contractgen.validate import Report, find_contract_ref, load_contract

SHIPPED = sorted((ROOT / "variations").glob("*.yaml"))
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


def base_of(ref: str) -> Contract:
    return load_contract(find_contract_ref(ref, ROOT / "national_contract"))


def read_back(ex: Extraction, base: Contract, folder: Path) -> Contract:
    """Write the extracted overlay, load it as any overlay is loaded (schema, pins), apply it."""
    path = folder / "variations" / f"{ex.overlay.id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ex.yaml, encoding="utf-8")
    report = Report()
    overlay = load_overlay(path, report)
    assert overlay is not None and not report.errors, [e.render() for e in report.errors]
    assert {w.message for w in report.warnings} == {f"variation '{v.id}' has the rationale TODO"
                                                    for v in overlay.variations}
    return apply_overlay(base, overlay)  # the pins hold, or this raises StalePin


def text_of(contract: Contract) -> list[tuple[str, str]]:
    """Every non-empty body paragraph as (its number, its text, whitespace-normalised): two
    overlays are equivalent when they build this alike, whatever their ids and operations."""
    return [(b.number, " ".join(b.text.split())) for b in blocks(number_contract(contract)) if b.text.strip()]


def sections(report: str) -> list[str]:
    return re.findall(r"^## (.+)$", report, re.MULTILINE)


# --- every shipped overlay ------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_overlay_round_trips(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # the document's modified date: its effective date
    resolved = resolve_chain(path)
    docx = api.build_docx(resolved.contract)
    ex = extract(read_docx(docx), resolved.base, path.stem)
    assert ex.problems == [], [e.render() for e in ex.problems]
    assert ex.residue == [], ex.residue
    assert sections(ex.report) == ["Where the overlay's header came from", "Outside the clauses (not compared)",
                                   *(["Notes"] if "## Notes" in ex.report else [])]
    assert all(v.rationale == "TODO" and v.pin for v in ex.variations)
    assert text_of(read_back(ex, resolved.base, tmp_path)) == text_of(resolved.contract)
    consortium = resolved.overlay.consortium
    assert ex.overlay.consortium["name"] == consortium["name"]  # the document's subject
    assert ex.overlay.consortium["arrangement"] == resolved.contract.values["arrangement"]
    assert ex.overlay.effective == resolved.overlay.effective  # the document's modified date


def test_extract_is_deterministic_and_reports_outside_the_clauses() -> None:
    path = ROOT / "variations" / "ne6-residential.yaml"  # a move, inserts, a define, a retitle
    resolved = resolve_chain(path)
    docx = api.build_docx(resolved.contract)
    one = extract(read_docx(docx), resolved.base, "ne6-residential")
    two = extract(read_docx(docx), resolved.base, "ne6-residential")
    assert (one.yaml, one.report) == (two.yaml, two.report)
    ops = sorted(v.op for v in one.variations)
    assert "move" in ops and "insert" in ops and "define" in ops
    assert "the contents: " in one.report
    assert "the block headed «Parties»" in one.report and "the block headed «Execution»" in one.report
    assert "Nothing else: the base with the extracted overlay gives the document's clauses." in one.report


# --- editing a contractgen DOCX's XML -------------------------------------------------------------


class Docx:
    """A .docx whose document.xml is edited in place."""

    def __init__(self, data: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self.names = z.namelist()
            self.files = {n: z.read(n) for n in self.names}
        self.root = etree.fromstring(self.files["word/document.xml"])

    def para(self, clause_id: str) -> etree._Element:
        name = bookmark_name(clause_id)
        found = [b.getparent() for b in self.root.iter(q("bookmarkStart")) if b.get(q("name")) == name]
        assert len(found) == 1, clause_id
        return found[0]

    def table_after(self, clause_id: str) -> etree._Element:
        el = self.para(clause_id).getnext()
        while el is not None and el.tag != q("tbl"):
            el = el.getnext()
        assert el is not None
        return el

    def data(self) -> bytes:
        self.files["word/document.xml"] = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8",
                                                         standalone=True)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for n in self.names:
                z.writestr(n, self.files[n])
        return buf.getvalue()


def only_text(p: etree._Element) -> etree._Element:
    """The one w:t of a paragraph with one run of text."""
    ts = list(p.iter(q("t")))
    assert len(ts) == 1, etree.tostring(p)[:300]
    return ts[0]


def referenced(base: Contract) -> set[str]:
    texts = [t.text for t in base.terms]
    for _, c in base.walk():
        texts += [c.text or "", c.heading or ""]
        if c.table:
            texts += [*c.table.columns, *(x for r in c.table.rows for x in r)]
    return {s.value for t in texts for s in split(t) if s.kind == "ref"}


def plain_leaf(node: Any) -> bool:
    c = node.clause
    return (not node.children and node.level >= 2 and not c.heading and not c.table and bool(c.text)
            and "{{" not in c.text and "[[" not in c.text)


def picks(numbered: Numbered, refs: set[str]) -> dict[str, Any]:
    """Choose where to make each edit: last children (so no other clause's number changes and
    no cross-reference in the document goes stale), unreferenced, each under its own parent."""
    parents = [n for _, n in numbered.walk() if len(n.children) >= 2]
    used: set[str] = set()
    out: dict[str, Any] = {}

    def take(key: str, test: Any) -> None:
        for p in parents:
            if p.clause.id in used:
                continue
            kids = p.children
            last = kids[-1]
            if last.clause.id in refs or not plain_leaf(last) or not test(p, last):
                continue
            out[key] = (p, last)
            used.add(p.clause.id)
            return
        raise AssertionError(f"no clause for {key}")

    take("delete", lambda p, last: True)
    take("move", lambda p, last: plain_leaf(p.children[-2]) and p.children[-2].clause.id not in refs)
    take("typed2", lambda p, last: last.level == 2 and last.clause.text[0].isupper())
    take("typed3", lambda p, last: last.level == 3)
    take("split", lambda p, last: len(re.findall(r"\. (?=[A-Z])", last.clause.text)) == 1
         and last.clause.text.endswith("."))
    chosen = {x.clause.id for pair in out.values() for x in pair}
    amend = next(n for _, n in numbered.walk() if plain_leaf(n) and n.clause.id not in chosen
                 and n.clause.id not in refs and n.clause.text.endswith(".") and len(n.clause.text) > 120
                 and n.level == 2)
    out["amend"] = (None, amend)
    table = next(n for _, n in numbered.walk() if n.clause.table and n.clause.table.rows
                 and "{{" not in n.clause.table.rows[0][0] and "[[" not in n.clause.table.rows[0][0]
                 and n.clause.table.rows[0][0])
    out["table"] = (None, table)
    return out


def edited_base(base: Contract) -> tuple[bytes, Contract, dict[str, Any]]:
    """Return the base's DOCX with six hand edits in its XML, the base with the same edits made in
    the model (the oracle), and what was chosen."""
    numbered = number_contract(base)
    chosen = picks(numbered, referenced(base))
    doc = Docx(api.build_docx(base))
    intended = base

    def apply(op: str, **kw: Any) -> None:
        nonlocal intended
        intended, _ = REGISTRY[op].apply(intended, Variation(id="t", op=op, rationale="t", category="terms", **kw))

    # 1. a sentence changed
    a = chosen["amend"][1].clause
    t = only_text(doc.para(a.id))
    t.text = t.text[:-1] + " and in writing."
    apply("amend", target=a.id, find=a.text[-12:], replace=a.text[-12:-1] + " and in writing.")
    # 2. a paragraph deleted
    d = chosen["delete"][1].clause
    p = doc.para(d.id)
    p.getparent().remove(p)
    apply("delete", target=d.id)
    # 3. a clause moved: the last child before the one before it
    parent, last = chosen["move"]
    prev = parent.children[-2].clause
    doc.para(prev.id).addprevious(doc.para(last.clause.id))
    apply("move", target=last.clause.id, anchor=Anchor("before", prev.id))
    # 4. numbers typed by hand in place of Word's: "5.4 The …" and "5.4.2<tab>the …"
    for key, sep in (("typed2", " "), ("typed3", "\t")):
        node = chosen[key][1]
        p = doc.para(node.clause.id)
        ppr = p.find(q("pPr"))
        ppr.remove(ppr.find(q("numPr")))
        run = etree.SubElement(p, q("r"))
        p.find(q("r")).addprevious(run)
        etree.SubElement(run, q("t")).text = node.full
        if sep == "\t":
            etree.SubElement(run, q("tab"))
        else:
            run[0].text += " "
            run[0].set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    # 5. a table cell changed
    tc = chosen["table"][1].clause
    cells = list(doc.table_after(tc.id).iter(q("tr")))[1].findall(q("tc"))
    only_text(cells[0]).text = "Changed by the consortium"
    table = tc.table
    rows = [list(r) for r in table.rows]
    rows[0][0] = "Changed by the consortium"
    apply("replace", target=tc.id, table=Table(table.columns, tuple(tuple(r) for r in rows)))
    # 6. a paragraph split in two: the second sentence a new numbered paragraph
    s = chosen["split"][1].clause
    p = doc.para(s.id)
    t = only_text(p)
    first, second = re.split(r"(?<=\.) (?=[A-Z])", t.text)
    t.text = first
    new = etree.Element(q("p"))
    new.append(copy.deepcopy(p.find(q("pPr"))))
    r = etree.SubElement(new, q("r"))
    if p.find(q("r")).find(q("rPr")) is not None:
        r.append(copy.deepcopy(p.find(q("r")).find(q("rPr"))))
    etree.SubElement(r, q("t")).text = second
    p.addnext(new)
    apply("replace", target=s.id, text=first)
    apply("insert", target="x.new", clause=Clause(id="x.new", text=second), anchor=Anchor("after", s.id))
    return doc.data(), intended, chosen


def test_a_docx_edited_and_saved_by_libreoffice(soffice: str, tmp_path: Path) -> None:
    base = base_of("fostering@2026.2")
    data, intended, chosen = edited_base(base)
    src = tmp_path / "edited.docx"
    src.write_bytes(data)
    saved = convert_with_libreoffice(soffice, [src], tmp_path / "lo", "docx")["edited"]
    with zipfile.ZipFile(saved) as z:  # LibreOffice wrote it
        assert b"<Application>LibreOffice" in z.read("docProps/app.xml")
    ex = extract(read_docx(saved), base, "edited-by-libreoffice")
    got = text_of(read_back(ex, base, tmp_path))
    assert got == text_of(intended)
    by_op: dict[str, list[Variation]] = {}
    for v in ex.variations:
        by_op.setdefault(v.op, []).append(v)
    amend, split_at = chosen["amend"][1].clause.id, chosen["split"][1].clause.id
    (d,) = by_op.pop("delete")
    assert d.target == chosen["delete"][1].clause.id
    (m,) = by_op.pop("move")
    assert m.target in {chosen["move"][1].clause.id, chosen["move"][0].children[-2].clause.id}
    (ins,) = by_op.pop("insert")
    assert (ins.anchor.where, ins.anchor.id) == ("after", split_at)
    assert ins.clause.text == re.split(r"(?<=\.) (?=[A-Z])", chosen["split"][1].clause.text)[1]
    changed = {v.target: v for v in by_op.pop("amend", []) + by_op.pop("replace", [])}
    assert set(changed) == {amend, split_at, chosen["table"][1].clause.id}
    assert changed[amend].op == "amend" and changed[amend].replace.endswith(" and in writing.")
    assert changed[chosen["table"][1].clause.id].table is not None
    assert by_op == {}  # nothing else: the typed numbers are no change
    # the residue: only what is outside the clauses, and the typed numbers in the notes
    assert ex.residue == [] and ex.problems == []
    assert sections(ex.report) == ["Where the overlay's header came from", "Outside the clauses (not compared)",
                                   "Notes"]
    typed = [chosen["typed2"][1].full, chosen["typed3"][1].full]
    assert f"typed numbers stripped before aligning: 2 paragraphs («{typed[0]}»" in ex.report
    assert f"«{typed[1]}»" in ex.report
    assert "the block headed «Execution»" in ex.report


@pytest.fixture(scope="session")
def writer_python() -> str:
    """A Python with LibreOffice's `uno` module (Debian's python3-uno), to drive Writer."""
    for exe in ("/usr/bin/python3", shutil.which("python3") or ""):
        if exe and subprocess.run([exe, "-c", "import uno"], capture_output=True).returncode == 0:
            return exe
    if IN_CI:
        pytest.fail("python3-uno is not installed: .ci/run must install it")
    pytest.skip("python3-uno is not installed")


def writer_edits(base: Contract) -> tuple[list[dict[str, str]], Contract, dict[str, Any]]:
    """Six edits a person makes in Writer (tests/lo_writer_edit.py), each addressed by the bookmark
    contractgen puts on a clause, and the base with the same edits made in the model (the oracle)."""
    numbered = number_contract(base)
    chosen = picks(numbered, referenced(base))
    cells = [x for _, n in numbered.walk() if n.clause.table
             for x in (*n.clause.table.columns, *(c for r in n.clause.table.rows for c in r))]
    table = next(n for _, n in numbered.walk() if n.clause.table and n.clause.table.rows
                 and re.fullmatch(r"[A-Za-z ,()'-]{8,}", n.clause.table.rows[0][0])
                 and cells.count(n.clause.table.rows[0][0]) == 1)
    chosen["table"] = (None, table)
    intended = base
    edits: list[dict[str, str]] = []

    def apply(op: str, **kw: Any) -> None:
        nonlocal intended
        intended, _ = REGISTRY[op].apply(intended, Variation(id="t", op=op, rationale="t", category="terms", **kw))

    a = chosen["amend"][1].clause
    edits.append({"kind": "retype", "bookmark": bookmark_name(a.id), "find": a.text[-12:],
                  "replace": a.text[-12:-1] + " and in writing."})
    apply("amend", target=a.id, find=a.text[-12:], replace=a.text[-12:-1] + " and in writing.")
    d = chosen["delete"][1].clause
    edits.append({"kind": "delete", "bookmark": bookmark_name(d.id)})
    apply("delete", target=d.id)
    parent, last = chosen["move"]
    prev = parent.children[-2].clause
    edits.append({"kind": "move", "bookmark": bookmark_name(last.clause.id), "before": bookmark_name(prev.id)})
    apply("move", target=last.clause.id, anchor=Anchor("before", prev.id))
    for key, sep in (("typed2", " "), ("typed3", "\t")):
        node = chosen[key][1]
        edits.append({"kind": "typed", "bookmark": bookmark_name(node.clause.id), "number": node.full,
                      "separator": sep})
    old = table.clause.table.rows[0][0]
    edits.append({"kind": "cell", "find": old, "replace": "Changed by the consortium"})
    rows = [list(r) for r in table.clause.table.rows]
    rows[0][0] = "Changed by the consortium"
    apply("replace", target=table.clause.id, table=Table(table.clause.table.columns, tuple(tuple(r) for r in rows)))
    s = chosen["split"][1].clause
    first, second = re.split(r"(?<=\.) (?=[A-Z])", s.text)
    edits.append({"kind": "split", "bookmark": bookmark_name(s.id), "after": first})
    apply("replace", target=s.id, text=first)
    apply("insert", target="x.new", clause=Clause(id="x.new", text=second), anchor=Anchor("after", s.id))
    return edits, intended, chosen


def test_a_contract_edited_by_hand_in_libreoffice_writer(writer_python: str, soffice: str, tmp_path: Path) -> None:
    """The edits are made by Writer's own text model, as its keyboard commands make them (Enter,
    Backspace over a paragraph mark, cut and paste, No List, a selection typed over), and Writer
    writes the file: nothing of ours touches its XML."""
    base = base_of("residential@2026.1")
    edits, intended, chosen = writer_edits(base)
    src, out, spec = tmp_path / "national.docx", tmp_path / "edited.docx", tmp_path / "edits.json"
    src.write_bytes(api.build_docx(base))
    spec.write_text(json.dumps(edits), encoding="utf-8")
    r = subprocess.run([writer_python, str(ROOT / "tests" / "lo_writer_edit.py"), str(src), str(out), str(spec),
                        str(tmp_path / "lo-profile")], capture_output=True, text=True, timeout=600,
                       env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")})
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(out) as z:
        assert b"<Application>LibreOffice" in z.read("docProps/app.xml")
    ex = extract(read_docx(out.read_bytes()), base, "edited-in-writer")
    assert text_of(read_back(ex, base, tmp_path)) == text_of(intended)
    ops = sorted(v.op for v in ex.variations)
    assert ops.count("delete") == 1 and ops.count("move") == 1 and ops.count("insert") == 1, ops
    changed = {v.target for v in ex.variations if v.op in ("amend", "replace")}
    assert changed == {chosen["amend"][1].clause.id, chosen["split"][1].clause.id, chosen["table"][1].clause.id}
    assert len(ex.variations) == 6, [(v.op, v.target) for v in ex.variations]  # the typed numbers are no change
    assert ex.residue == [] and ex.problems == []
    assert "typed numbers stripped before aligning: 2 paragraphs (" in ex.report
    assert all(f"«{chosen[k][1].full}» at paragraph" in ex.report for k in ("typed2", "typed3"))


def test_a_clause_both_moved_and_changed_is_deleted_and_inserted(tmp_path: Path) -> None:
    """One overlay may not move and change one clause; an unreferenced one is recast."""
    base = base_of("fostering@2026.2")
    chosen = picks(number_contract(base), referenced(base))
    doc = Docx(api.build_docx(base))
    leaf, target = chosen["delete"][1].clause, chosen["typed2"][1].clause
    p = doc.para(leaf.id)
    only_text(p).text = "Changed as well: " + leaf.text
    doc.para(target.id).addnext(p)
    ex = extract(read_docx(doc.data()), base, "recast")
    assert [(v.op, v.anchor) for v in ex.variations] == [("insert", Anchor("after", target.id)), ("delete", None)]
    assert ex.variations[0].clause.text == "Changed as well: " + leaf.text
    assert ex.variations[1].target == leaf.id
    assert ex.residue == [] and ex.problems == []
    intended, _ = REGISTRY["delete"].apply(base, Variation(id="t", op="delete", target=leaf.id, rationale="t",
                                                          category="terms"))
    intended, _ = REGISTRY["insert"].apply(intended, Variation(
        id="t", op="insert", target="x.y", rationale="t", category="terms", anchor=Anchor("after", target.id),
        clause=Clause(id="x.y", text="Changed as well: " + leaf.text)))
    assert text_of(read_back(ex, base, tmp_path)) == text_of(intended)


# --- a DOCX pandoc wrote from Markdown ------------------------------------------------------------

_PUNCT = re.compile(r"([\\`*_{}\[\]<>#+\-!|~^$@=().])")


def md(text: str) -> str:
    return _PUNCT.sub(r"\\\1", text)


def markdown_of(numbered: Numbered) -> str:
    """The contract's body as Markdown: headings, paragraphs, bold lead-ins and terms, pipe tables."""
    from contractgen.render.text import lead_in

    out: list[str] = []

    def table(rows: list[list[str]]) -> None:
        out.append("| " + " | ".join(md(c) for c in rows[0]) + " |")
        out.append("|" + "---|" * len(rows[0]))
        out.extend("| " + " | ".join(md(c) for c in r) + " |" for r in rows[1:])
        out.append("")

    for np in numbered.parts:
        if np.part.kind == "schedule":
            out += [f"# {md(numbered.inline(np.part.title))}", ""]
        for _, node in ((np, n) for n in np.walk()):
            c = node.clause
            if node.level == 1:
                out += [f"# {md(numbered.inline(c.heading or ''))}", ""]
                if c.text:
                    out += [md(numbered.inline(c.text)), ""]
            else:
                head, rest = lead_in(numbered.inline(c.heading or ""), numbered.inline(c.text or ""))
                out += [(f"**{md(head)}**" if head else "") + md(rest), ""]
            if c.list == "definitions":
                for t in sorted(numbered.contract.terms, key=lambda t: t.term.casefold()):
                    out += [f"**{md(t.term)}** {md(numbered.inline(t.text))}", ""]
            if c.table:
                table([[numbered.inline(x) for x in c.table.columns],
                       *[[numbered.inline(x) for x in r] for r in c.table.rows]])
    return "\n".join(out)


def test_a_docx_written_by_pandoc_from_markdown(pandoc: str, tmp_path: Path) -> None:
    base = base_of("residential@2026.2")
    numbered = number_contract(base)
    target = next(n.clause for _, n in numbered.walk() if plain_leaf(n) and n.clause.text.endswith(".")
                  and " shall " in n.clause.text and n.clause.text.count(" shall ") == 1)
    text = numbered.inline(target.text)
    source = markdown_of(numbered).replace(md(text), md(text.replace(" shall ", " must ", 1)), 1)
    (tmp_path / "contract.md").write_text(source, encoding="utf-8")
    out = tmp_path / "contract.docx"
    subprocess.run([pandoc, "-f", "markdown-smart", "-t", "docx", "-o", str(out), str(tmp_path / "contract.md")],
                   check=True, capture_output=True, env={"SOURCE_DATE_EPOCH": "1767225600", "PATH": "/usr/bin:/bin"})
    ex = extract(read_docx(out), base, "written-by-pandoc", today=dt.date(2026, 5, 1))
    assert [(v.op, v.target) for v in ex.variations] == [("amend", target.id)]
    (v,) = ex.variations
    assert "shall" in v.find and "must" in v.replace and target.text.count(v.find) == 1
    intended, _ = REGISTRY["amend"].apply(base, Variation(id="t", op="amend", target=target.id, rationale="t",
                                                         category="terms", find=" shall ", replace=" must "))
    assert text_of(read_back(ex, base, tmp_path)) == text_of(intended)
    assert ex.residue == [] and ex.problems == [] and ex.outside == []  # pandoc writes nothing but the body
    assert sections(ex.report) == ["Where the overlay's header came from"]
    assert "`consortium.name` is from the output file's name" in ex.report  # pandoc wrote no title
    assert ex.overlay.consortium["name"] == "written-by-pandoc"


# --- tracked changes --------------------------------------------------------------------------------

AUTHOR, DATE = "Jane Smith", "2026-03-02T10:00:00Z"


def test_tracked_changes_become_variations_with_author_and_date(tmp_path: Path) -> None:
    base = base_of("fostering@2026.2")
    numbered = number_contract(base)
    chosen = picks(numbered, referenced(base))
    doc = Docx(api.build_docx(base))
    # a word replaced, as Word tracks it
    a = chosen["amend"][1].clause
    p = doc.para(a.id)
    t = only_text(p)
    run = t.getparent()
    words = t.text.rsplit(" ", 1)
    t.text = words[0] + " "
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    dele = etree.Element(q("del"), {q("id"): "901", q("author"): AUTHOR, q("date"): DATE})
    dr = etree.SubElement(dele, q("r"))
    etree.SubElement(dr, q("delText")).text = words[1]
    ins = etree.Element(q("ins"), {q("id"): "902", q("author"): AUTHOR, q("date"): DATE})
    ir = etree.SubElement(ins, q("r"))
    etree.SubElement(ir, q("t")).text = "promptly."
    run.addnext(dele)
    dele.addnext(ins)
    # a whole paragraph deleted, its mark too
    d = chosen["delete"][1].clause
    p = doc.para(d.id)
    for tt in list(p.iter(q("t"))):
        tt.tag = q("delText")
    for r in list(p.findall(q("r"))):
        wrap = etree.Element(q("del"), {q("id"): "903", q("author"): AUTHOR, q("date"): DATE})
        r.addprevious(wrap)
        wrap.append(r)
    rpr = p.find(q("pPr")).find(q("rPr"))
    if rpr is None:
        rpr = etree.SubElement(p.find(q("pPr")), q("rPr"))
    etree.SubElement(rpr, q("del"), {q("id"): "904", q("author"): AUTHOR, q("date"): DATE})
    ex = extract(read_docx(doc.data()), base, "tracked")
    assert sorted((v.op, v.target) for v in ex.variations) == [("amend", a.id), ("delete", d.id)]
    lines = ex.yaml.splitlines()
    for v in ex.variations:
        at = lines.index(f"  - id: {v.id}")
        above = []
        while lines[at - 1].startswith("  # "):
            at -= 1
            above.insert(0, lines[at])
        assert above, v.id
        assert all(f"by {AUTHOR} on {DATE}" in line for line in above)
    assert f"  # tracked change: inserted by {AUTHOR} on {DATE}: «promptly.»" in lines
    assert f"  # tracked change: deleted by {AUTHOR} on {DATE}: «{words[1]}»" in lines
    assert "tracked changes in the document: " in ex.report
    text_of(read_back(ex, base, tmp_path))


# --- the command --------------------------------------------------------------------------------------


def test_the_command_writes_refuses_and_forces(tmp_path: Path) -> None:
    base = base_of("fostering@2026.2")
    chosen = picks(number_contract(base), referenced(base))
    doc = Docx(api.build_docx(base))
    p = doc.para(chosen["delete"][1].clause.id)
    p.getparent().remove(p)
    src = tmp_path / "copy.docx"
    src.write_bytes(doc.data())
    out, report = tmp_path / "variations" / "kent-fostering.yaml", tmp_path / "residue.md"
    args = ("extract", "--base", "fostering@2026.2", str(src), "-o", str(out), "--report", str(report),
            "--name", "Kent and Medway")
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    assert f"wrote {out} (1 variation, each with rationale TODO)" in r.stdout
    assert "## Where the overlay's header came from" in r.stdout
    assert report.read_text(encoding="utf-8").strip() in r.stdout
    written = out.read_bytes()
    assert b"name: Kent and Medway" in written and b"rationale: TODO" in written
    again = run_cli(*args)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert f"{out}: exists; extract does not replace it (use --force" in again.stderr
    assert out.read_bytes() == written
    forced = run_cli(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes() == written  # the same inputs: the same bytes
    bad = run_cli("extract", "--base", "fostering@2026.2", str(report), "-o", str(tmp_path / "x.yaml"))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "extract reads a Word document" in bad.stderr


# --- TODO rationales ----------------------------------------------------------------------------------


def test_validate_strict_refuses_a_todo_rationale(tmp_path: Path) -> None:
    base = base_of("fostering@2026.2")
    text = ("id: todo-test\nbase: fostering@2026.2\neffective: 2026-04-01\n"
            "consortium:\n  name: Testshire\n  arrangement: framework\nvariations:\n"
            "  - id: set-payment-days\n    op: set\n    parameter: payment_days\n    value: 45\n"
            f"    rationale: TODO\n    category: commercial\n"
            f"    pin: \"{pin_of_value('payment_days', base.values['payment_days'])}\"\n")
    path = tmp_path / "variations" / "todo-test.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    where = f"{path}:12:16: variation 'set-payment-days' has the rationale TODO (write the consortium's reason)"
    plain = run_cli("validate", str(path))
    assert plain.returncode == 0, plain.stderr
    assert f"{where} [warning]" in plain.stderr
    strict = run_cli("validate", "--strict", str(path))
    assert strict.returncode == 1 and "Traceback" not in strict.stderr
    assert where in strict.stderr and f"{where} [warning]" not in strict.stderr
