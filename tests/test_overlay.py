"""The overlay engine on small cases: each operation, stacking, every error, the invariants."""

from __future__ import annotations

import difflib
import shutil
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from contractgen.errors import SourceErrors
from contractgen.model import Contract
from contractgen.numbering import number_contract
from contractgen.overlay import apply_overlay, fill_pins, load_overlay, resolve_chain
from contractgen.render.text import body_text
from contractgen.validate import Report, load_contract

MINI = ROOT / "tests" / "data" / "mini"

HEAD = """\
# yaml-language-server: $schema=../schemas/overlay.schema.json
id: {id}
{parent}
effective: 2026-04-01
consortium:
  name: {name}
  arrangement: {arrangement}
variations:
"""


@dataclass
class Project:
    root: Path

    def overlay(self, ident: str, variations: str, parent: str = "base: mini@1.0", name: str = "Test Consortium",
                arrangement: str = "framework", pin: bool = True, extra: str = "") -> Path:
        path = self.root / "variations" / f"{ident}.yaml"
        text = HEAD.format(id=ident, parent=parent, name=name, arrangement=arrangement)
        if extra:
            text = text.replace("variations:\n", textwrap.dedent(extra) + "variations:\n")
        text += textwrap.indent(textwrap.dedent(variations), "  ") if variations.strip() else ""
        if not variations.strip():
            text = text.replace("variations:\n", "variations: []\n")
        path.write_text(text, encoding="utf-8")
        if pin:
            fill_pins(path)
        return path

    def text(self, path: Path) -> list[str]:
        return body_text(number_contract(resolve_chain(path).contract))

    def base_text(self) -> list[str]:
        return body_text(number_contract(load_contract(self.root / "national_contract" / "mini")))

    def errors(self, path: Path) -> str:
        with pytest.raises(SourceErrors) as info:
            resolve_chain(path)
        return str(info.value)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    shutil.copytree(MINI, tmp_path / "national_contract" / "mini")
    (tmp_path / "variations").mkdir()
    return Project(tmp_path)


# --- each operation ---------------------------------------------------------------------------

def test_set_changes_the_value_where_it_appears(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: set
          parameter: payment_days
          value: 14
          rationale: Small providers need quicker payment.
          category: commercial
        """)
    text = project.text(p)
    assert any("paid within 14 days of a valid invoice" in t for t in text)
    assert not any("30 days" in t for t in text)


def test_replace_and_retitle(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: replace
          clause: fees.disputes
          text: A disputed invoice is paid in full and the dispute settled later.
          rationale: Providers asked for cash flow certainty.
          category: commercial
        - id: v2
          op: retitle
          clause: insurance
          heading: Insurance and indemnity
          rationale: Our template names the clause this way.
          category: terms
        """)
    text = project.text(p)
    assert "A disputed invoice is paid in full and the dispute settled later." in text
    assert "Insurance and indemnity" in text and "Insurance" not in text


def test_amend_replaces_exact_text_once(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: amend
          clause: insurance.levels
          find: each home
          replace: each home and office
          rationale: Offices hold records too.
          category: terms
        """)
    assert any("register each home and office with Ofsted" in t for t in project.text(p))


def test_insert_before_after_into_and_into_a_schedule(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: insert
          before: fees.invoicing
          clause: {id: fees.first, text: The first new clause.}
          rationale: Needed first.
          category: terms
        - id: v2
          op: insert
          after: fees.disputes
          clause: {id: fees.last, text: The last new clause.}
          rationale: Needed last.
          category: terms
        - id: v3
          op: insert
          into: fees.invoicing.content
          clause: {id: fees.invoicing.content.ref, text: the purchase order number.}
          rationale: Our finance system matches on it.
          category: procedure
        - id: v4
          op: insert
          into: sch.ipa
          clause: {id: ipa.signatures, heading: Signatures, children: [{id: ipa.signatures.text, text: Signed for each party.}]}
          rationale: We sign every agreement.
          category: procedure
        """)
    numbered = number_contract(resolve_chain(p).contract)
    labels = numbered.labels
    assert labels["fees.first"] == "2.1" and labels["fees.invoicing"] == "2.2"
    assert labels["fees.disputes"] == "2.3" and labels["fees.last"] == "2.4"
    assert labels["fees.invoicing.content.ref"] == "2.2.1(c)"
    assert labels["ipa.signatures"] == "2" and labels["ipa.signatures.text"] == "2.1"
    # references follow the renumbering
    assert any("subject to clause 2.3." in t for t in body_text(numbered))


def test_delete_and_move(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: delete
          clause: fees.invoicing.content.period
          rationale: We invoice by placement, not by period.
          category: procedure
        - id: v2
          op: move
          clause: insurance
          before: fees
          rationale: Insurance comes first in our template.
          category: terms
        """)
    numbered = number_contract(resolve_chain(p).contract)
    assert "fees.invoicing.content.period" not in numbered.labels
    assert numbered.labels["insurance"] == "2" and numbered.labels["fees"] == "3"


def test_define_and_undefine(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: define
          term: Portal
          text: means the purchasing council's invoicing website.
          rationale: All invoices go through one website.
          category: procedure
        - id: v2
          op: amend
          clause: fees.invoicing
          find: shall invoice monthly
          replace: shall invoice monthly through the Portal
          rationale: All invoices go through one website.
          category: procedure
        """)
    text = project.text(p)
    assert "Portal means the purchasing council's invoicing website." in text
    q = project.overlay("u", """\
        - id: v1
          op: undefine
          term: Placement
          rationale: We do not use the word.
          category: terms
        """)
    assert "is undefined by variation 'v1' but still used in the text" in project.errors(q)


# --- stacking ---------------------------------------------------------------------------------

def test_a_child_overrides_its_parent(project: Project) -> None:
    project.overlay("parent", """\
        - id: p1
          op: set
          parameter: payment_days
          value: 28
          rationale: Four-week cycle.
          category: commercial
        - id: p2
          op: amend
          clause: insurance.levels
          find: each home
          replace: each home and office
          rationale: Offices hold records.
          category: terms
        """, name="Parent Consortium")
    child = project.overlay("child", """\
        - id: c1
          op: set
          parameter: payment_days
          value: 14
          rationale: Our members pay faster.
          category: commercial
        - id: c2
          op: amend
          clause: insurance.levels
          find: each home and office
          replace: each home, office and vehicle
          rationale: Vehicles carry records too.
          category: terms
        """, parent="extends: parent", name="Child Consortium")
    resolved = resolve_chain(child)
    assert [o.id for o, _ in resolved.steps] == ["parent", "child"]
    assert resolved.parent.values["payment_days"] == 28
    assert resolved.contract.values["payment_days"] == 14
    text = project.text(child)
    assert any("each home, office and vehicle" in t for t in text)
    assert resolved.contract.ref == "mini@1.0+parent+child"


def test_a_cycle_of_extends_is_an_error(project: Project) -> None:
    a = project.overlay("a", "", parent="extends: b", pin=False)
    project.overlay("b", "", parent="extends: a", pin=False)
    msg = project.errors(a)
    assert "overlays extend each other in a cycle: a → b → a" in msg
    assert f"{a}:3:" in msg or "a.yaml:3:" in msg


# --- errors (through the CLI: location first, exit 1, no traceback, no output left) ------------

def _cli_error(project: Project, path: Path, expected: str, where: str) -> None:
    out = project.root / "out" / "x.docx"
    r = run_cli("build", str(path), "-o", str(out), "--schedule", str(project.root / "out" / "s.docx"))
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if where in ln)
    assert f"{path}:{line}:" in r.stderr and expected in r.stderr, r.stderr
    assert not (project.root / "out").exists() or not any((project.root / "out").iterdir())


def test_unknown_clause_with_did_you_mean(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: replace
          clause: fees.invoicng
          text: New text.
          rationale: Because.
          category: terms
        """, pin=False)
    _cli_error(project, p, "unknown clause 'fees.invoicng' in variation 'v1' (did you mean 'fees.invoicing'?)",
               "clause: fees.invoicng")


@pytest.mark.parametrize("find,expected", [("each castle", "is not found"), ("shall", "is found 2 times")])
def test_amend_not_found_or_found_twice(project: Project, find: str, expected: str) -> None:
    p = project.overlay("o", f"""\
        - id: v1
          op: amend
          clause: insurance.levels
          find: {find}
          replace: x
          rationale: Because.
          category: terms
          pin: "00000000"
        """, pin=False)
    _cli_error(project, p, f"the text to find {expected} in clause 'insurance.levels'", f"find: {find}")


def test_stale_pin_shows_both_texts(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: replace
          clause: fees.disputes
          text: Disputed invoices are paid in full.
          rationale: Cash flow.
          category: commercial
        """)
    terms = project.root / "national_contract" / "mini" / "1.0" / "terms.yaml"
    terms.write_text(terms.read_text().replace("is paid in part", "is paid in the undisputed part"))
    out = project.root / "out.docx"
    r = run_cli("build", str(p), "-o", str(out))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "variation 'v1': the text of 'fees.disputes' has changed since the variation was written" in r.stderr
    assert "is paid in the undisputed part" in r.stderr and "Disputed invoices are paid in full." in r.stderr
    assert "review the variation against the new text, then run `contractgen pin" in r.stderr
    assert not out.exists()
    r = run_cli("pin", str(p))
    assert r.returncode == 0 and "1 pin, 1 written" in r.stdout
    assert run_cli("build", str(p), "-o", str(out)).returncode == 0


def test_missing_pin(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: retitle
          clause: insurance
          heading: Cover
          rationale: Shorter.
          category: terms
        """, pin=False)
    _cli_error(project, p, "variation 'v1' has no pin (run `contractgen pin", "- id: v1")


def test_two_variations_on_one_clause(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: retitle
          clause: insurance
          heading: Cover
          rationale: Shorter.
          category: terms
        - id: v2
          op: retitle
          clause: insurance
          heading: Insurances
          rationale: Plural.
          category: terms
        """, pin=False)
    _cli_error(project, p, "variations 'v1' and 'v2' both vary clause 'insurance' (combine them into one variation",
               "- id: v2")


def test_missing_rationale(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: retitle
          clause: insurance
          heading: Cover
          rationale: "  "
          category: terms
        """, pin=False)
    _cli_error(project, p, "variation 'v1' has an empty rationale (say why local need requires this variation)",
               "rationale:")


def test_unknown_category(project: Project) -> None:
    p = project.overlay("o", """\
        - id: v1
          op: retitle
          clause: insurance
          heading: Cover
          rationale: Shorter.
          category: commerical
        """, pin=False)
    _cli_error(project, p, "'commerical' is not allowed for variations.0.category (did you mean 'commercial'?)",
               "category: commerical")


def test_bad_particulars(project: Project) -> None:
    p = project.overlay("o", "", arrangement="framwork", pin=False)
    _cli_error(project, p, "'framwork' is not allowed for consortium.arrangement (did you mean 'framework'?)",
               "arrangement: framwork")
    q = project.overlay("q", "", pin=False, extra="""\
        """)
    text = q.read_text().replace("  arrangement: framework\n", "  arrangement: framework\n  tiers: two\n")
    q.write_text(text)
    _cli_error(project, q, "consortium.tiers should be a whole number, not text", "tiers: two")


# --- invariants -------------------------------------------------------------------------------

def test_an_overlay_with_no_variations_builds_the_base_text(project: Project) -> None:
    p = project.overlay("empty", "")
    assert project.text(p) == project.base_text()


def _frozen(obj: object) -> object:
    """Return a plain, independent copy of `obj` (dataclasses, mappings and sequences taken apart
    field by field, positions included), so a later change to `obj` cannot change the copy."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__, tuple((f.name, _frozen(getattr(obj, f.name))) for f in fields(obj)))
    if isinstance(obj, Mapping):
        return ("map", tuple(sorted((repr(k), _frozen(v)) for k, v in obj.items())))
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, tuple(_frozen(x) for x in obj))
    if isinstance(obj, (set, frozenset)):
        return ("set", tuple(sorted(repr(x) for x in obj)))
    return repr(obj)


def snapshot(contract: Contract) -> str:
    return repr(_frozen(contract))


def test_applying_an_overlay_never_changes_the_base(project: Project) -> None:
    base = load_contract(project.root / "national_contract" / "mini")
    before = snapshot(base)
    p = project.overlay("o", """\
        - id: v1
          op: set
          parameter: payment_days
          value: 7
          rationale: Fast.
          category: commercial
        - id: v2
          op: delete
          clause: fees.invoicing.content.period
          rationale: Not needed.
          category: terms
        - id: v3
          op: amend
          clause: insurance.levels
          find: each home
          replace: each home and office
          rationale: Offices hold records too.
          category: terms
        - id: v4
          op: insert
          into: fees.invoicing.content
          clause: {id: fees.invoicing.content.ref, text: the purchase order number.}
          rationale: Our finance system matches on it.
          category: procedure
        - id: v5
          op: move
          clause: fees.disputes
          before: fees.invoicing
          rationale: Disputes come first in our template.
          category: terms
        """)
    overlay = load_overlay(p, Report())
    varied = apply_overlay(base, overlay)
    assert varied.values["payment_days"] == 7 and snapshot(varied) != before
    after = snapshot(base)
    if after != before:
        diff = difflib.unified_diff(before.split("), ("), after.split("), ("), "before", "after", lineterm="", n=1)
        pytest.fail("apply_overlay changed the base contract:\n" + "\n".join(diff)[:3000])
    # and the base is still what a fresh load from disk gives
    assert snapshot(load_contract(project.root / "national_contract" / "mini")) == after
    assert base.values["payment_days"] == 30
    assert "fees.invoicing.content.period" in base.clause_index()


def test_deleting_a_clause_a_definition_refers_to_is_an_error(tmp_path: Path) -> None:
    """Found by the property tests: a reference from a definition used to crash numbering."""
    shutil.copytree(ROOT / "national_contract", tmp_path / "national_contract")
    (tmp_path / "variations").mkdir()
    path = tmp_path / "variations" / "d.yaml"
    path.write_text(textwrap.dedent("""\
        id: d
        base: residential@2026.1
        effective: 2026-04-01
        consortium: {name: Test Consortium, arrangement: framework}
        variations:
          - id: v1
            op: delete
            clause: notices.service
            rationale: We serve notices by our own rules.
            category: terms
        """))
    fill_pins(path)
    with pytest.raises(SourceErrors) as info:
        resolve_chain(path)
    assert "deleting 'notices.service' leaves the definition of" in str(info.value)
    assert "referring to it (amend or delete the referring text in this overlay too)" in str(info.value)
