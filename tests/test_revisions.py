"""A revision of a national contract declares what it changed (docs/dev/revisions.md), and
`contractgen diff old new` prints the release notes: every clause-level change with its note."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

MINI = ROOT / "tests" / "data" / "mini" / "1.0"

MIGRATION = """revises: "1.0"
migration:
  - from: [insurance]
    to: [cover]
    note: The id now names the cover, not the topic.
  - from: [fees.disputes]
    to: [fees.disputes, fees.interest]
    note: Interest on late payment is now its own clause.
  - from: [fees.invoicing.content.child, fees.invoicing.content.period]
    to: [fees.invoicing.content.child]
    note: One line for what an invoice identifies.
  - of: term
    from: [Placement]
    to: [Care Arrangement]
    note: The term says what is bought.
  - of: parameter
    from: [payment_days]
    to: []
    note: Payment terms are now the placing authority's standard terms.
"""


def revise(tmp_path: Path) -> Path:
    """Make national_contract/mini/1.0 and a revision 1.1 that splits, merges, renames, moves,
    rewords, adds and removes; return the project folder."""
    root = tmp_path
    base = root / "national_contract" / "mini"
    shutil.copytree(MINI, base / "1.0")
    new = base / "1.1"
    shutil.copytree(MINI, new)
    head = (new / "contract.yaml").read_text(encoding="utf-8")
    head = head.replace('version: "1.0"', 'version: "1.1"').replace("date: 2026-01-15", "date: 2026-06-01")
    head = head.replace("  payment_days:\n    type: integer\n    unit: day\n    default: 30\n"
                        "    description: Days from a valid invoice to payment.\n",
                        "  interest_rate:\n    type: percent\n    default: 8\n    description: Late payment interest.\n"
                        "    changes: Added for the new interest clause.\n")
    (new / "contract.yaml").write_text(head + MIGRATION, encoding="utf-8")
    terms = (new / "terms.yaml").read_text(encoding="utf-8")
    terms = terms.replace("be paid within {{ payment_days }}\n          of a valid invoice", "be paid on the "
                          "placing authority's standard terms\n          for a valid invoice")
    terms = terms.replace("""              - id: fees.invoicing.content.child
                text: the Child's initials; and
              - id: fees.invoicing.content.period
                text: the period invoiced.""", """              - id: fees.invoicing.content.child
                text: the Child's initials and the period invoiced.""")
    terms = terms.replace("""      - id: fees.disputes
        text: A disputed invoice is paid in part as clause [[fees.invoicing]] allows.""",
                          """      - id: fees.disputes
        text: A disputed invoice is paid in part as clause [[fees.invoicing]] allows.
      - id: fees.interest
        text: Interest on a late payment runs at {{ interest_rate }}.
        changes: Split from the disputes clause.""")
    terms = terms.replace("      - id: fees.block\n", "      - id: fees.block\n        changes: Quarterly, not monthly.\n")
    terms = terms.replace("Block payments are made quarterly in advance.", "Block payments are made monthly in advance.")
    terms = terms.replace("  - id: insurance\n", "  - id: cover\n")
    (new / "terms.yaml").write_text(terms, encoding="utf-8")
    defs = (new / "definitions.yaml").read_text(encoding="utf-8")
    defs = defs.replace("  - term: Placement\n    text: means the care of a Child by the Provider.",
                        "  - term: Care Arrangement\n    text: means the care of a Child by the Provider.")
    (new / "definitions.yaml").write_text(defs, encoding="utf-8")
    for path in new.glob("*.yaml"):  # the term's uses, and the removed parameter's
        text = path.read_text(encoding="utf-8").replace("one Placement", "one Care Arrangement")
        text = text.replace("each Placement made", "each Care Arrangement made")
        text = text.replace('within {{ payment_days }} of invoice', "the placing authority's standard terms")
        path.write_text(text, encoding="utf-8")
    return root


def test_a_revision_validates_and_its_changes_are_found(tmp_path: Path) -> None:
    from contractgen.revision import revision_changes
    from contractgen.validate import load_contract

    root = revise(tmp_path)
    r = run_cli("validate", "national_contract/mini", cwd=root)
    assert r.returncode == 0, r.stdout + r.stderr
    old = load_contract(root / "national_contract" / "mini", "1.0")
    new = load_contract(root / "national_contract" / "mini", "1.1")
    found = {(c.kind, c.of, c.old, c.new) for c in revision_changes(old, new)}
    assert found == {
        ("renamed", "clause", ("insurance",), ("cover",)),
        ("split", "clause", ("fees.disputes",), ("fees.disputes", "fees.interest")),
        ("merged", "clause", ("fees.invoicing.content.child", "fees.invoicing.content.period"),
         ("fees.invoicing.content.child",)),
        ("reworded", "clause", ("fees.invoicing",), ("fees.invoicing",)),
        ("reworded", "clause", ("fees.block",), ("fees.block",)),
        ("reworded", "clause", ("ipa.parties.provider",), ("ipa.parties.provider",)),
        ("renamed", "term", ("Placement",), ("Care Arrangement",)),
        ("reworded", "term", ("Individual Placement Agreement",), ("Individual Placement Agreement",)),
        ("removed", "parameter", ("payment_days",), ()),
        ("added", "parameter", (), ("interest_rate",)),
    }, found


def test_a_moved_clause_is_found_by_its_id(tmp_path: Path) -> None:
    from contractgen.revision import revision_changes
    from contractgen.validate import load_contract

    root = revise(tmp_path)
    terms = root / "national_contract" / "mini" / "1.1" / "terms.yaml"
    text = terms.read_text(encoding="utf-8")
    block = "      - id: fees.block\n        changes: Quarterly, not monthly.\n        when: {arrangement: block}\n" \
            "        text: Block payments are made monthly in advance.\n"
    assert block in text
    text = text.replace(block, "").replace("    children:\n      - id: insurance.levels",
                                           "    children:\n" + block + "      - id: insurance.levels")
    terms.write_text(text, encoding="utf-8")
    old = load_contract(root / "national_contract" / "mini", "1.0")
    new = load_contract(root / "national_contract" / "mini", "1.1")
    kinds = {c.new: c.kind for c in revision_changes(old, new) if c.of == "clause"}
    assert kinds[("fees.block",)] == "moved and reworded"


@pytest.mark.parametrize(("edit", "message"), [
    (lambda h: h.replace("  - from: [insurance]\n    to: [cover]\n    note: The id now names the cover, not the topic.\n",
                         ""),
     r"contract\.yaml:\d+:1: clause 'insurance' of mini@1\.0 is not in this version and the migration does not "
     r"say what became of it \(add to migration: \{from: \[insurance\], to: \[<its successor ids, or none>\], "
     r"note: <why>\}\)"),
    (lambda h: h.replace("from: [insurance]", "from: [insurence]"),
     r"contract\.yaml:\d+:5: migration: 'insurence' is no clause id of mini@1\.0 \(did you mean 'insurance'\?\)"),
    (lambda h: h.replace("to: [cover]", "to: [covers]"),
     r"contract\.yaml:\d+:5: migration: 'covers' is no clause id of this version \(did you mean 'cover'\?\)"),
    (lambda h: h.replace('revises: "1.0"', 'revises: "0.9"'),
     r"contract\.yaml:\d+:1: 'revises: 0\.9' names no other version of 'mini' \(versions: 1\.0, 1\.1\)"),
])
def test_a_revision_that_loses_or_misnames_an_id_is_a_located_error(tmp_path: Path, edit, message: str) -> None:
    root = revise(tmp_path)
    head = root / "national_contract" / "mini" / "1.1" / "contract.yaml"
    head.write_text(edit(head.read_text(encoding="utf-8")), encoding="utf-8")
    r = run_cli("validate", "national_contract/mini", cwd=root)
    assert r.returncode == 1
    assert re.search(message, r.stderr), r.stderr
    assert "Traceback" not in r.stderr


def test_diff_of_two_versions_prints_the_release_notes(tmp_path: Path) -> None:
    root = revise(tmp_path)
    r = run_cli("diff", "national_contract/mini/1.0", "national_contract/mini/1.1", "-o", "notes.docx",
                "--html", "notes.html", cwd=root)
    assert r.returncode == 0, r.stderr
    html = (root / "notes.html").read_text(encoding="utf-8")
    for note in ("The id now names the cover, not the topic.", "Interest on late payment is now its own clause.",
                 "One line for what an invoice identifies.", "The term says what is bought.",
                 "Payment terms are now the placing authority&#x27;s standard terms.", "Quarterly, not monthly."):
        assert note in html or note.replace("&#x27;", "'") in html, note
    from docxread import pandoc_paragraphs

    text = "\n".join(pandoc_paragraphs(root / "notes.docx"))
    assert "The release notes of mini@1.1" in text
    flat = re.sub(r"\s+", " ", text)
    assert "Status: release notes, 10 changes" in flat
    assert "Split: 2.2 of mini@1.0 → 2.2 and 2.3" in flat
    assert "Merged: 2.1.1(a) of mini@1.0 and 2.1.1(b) of mini@1.0 → 2.1.1(a)" in flat
    assert "Renamed: “Placement” → “Care Arrangement”" in flat


def test_a_changed_clause_without_a_note_is_a_warning(tmp_path: Path) -> None:
    root = revise(tmp_path)
    r = run_cli("validate", "national_contract/mini", cwd=root)
    assert re.search(r"terms\.yaml:\d+:13: clause 'fees\.invoicing' is reworded in this version but has no "
                     r"changes: note \(add changes: with a sentence on why, for the release notes\)", r.stderr), r.stderr
