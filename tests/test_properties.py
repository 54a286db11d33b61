"""Property tests: random overlays over the shipped national contracts either fail with a user's
error or build, and when they build the redline obeys the law (pandoc) and LibreOffice opens it.

HYPOTHESIS_PROFILE=thorough runs many more examples than CI does."""

from __future__ import annotations

import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import ROOT, convert_with_libreoffice
from contractgen import api
from contractgen.errors import ContractgenError
from contractgen.overlay import fill_pins
from contractgen.validate import load_contract
from docxread import lint_revisions
from test_redline import assert_law

# text with XML's special characters, quotes, and letters from beyond ASCII; mostly lower case so
# that many examples pass the defined-terms check and build
ALPHABET = st.sampled_from(list("abcdefghijklmnopqrstuvwxyz      ") + list("<>&\"'’é—ü£%;:,.()") + ["Ω", "中", "Z"])
TEXT = st.text(ALPHABET, min_size=1, max_size=50).map(lambda s: " ".join(s.split()) or "x")


@lru_cache(maxsize=None)
def base(name: str):
    return load_contract(ROOT / "national_contract" / name)


@lru_cache(maxsize=None)
def project() -> Path:
    root = Path(tempfile.mkdtemp(prefix="contractgen-prop-"))
    shutil.copytree(ROOT / "national_contract", root / "national_contract")
    (root / "variations").mkdir()
    return root


@st.composite
def overlays(draw):
    name = draw(st.sampled_from(["fostering", "residential"]))
    contract = base(name)
    clauses = [c for _, c in contract.walk()]
    ids = [c.id for c in clauses]
    variations = []
    used = set()
    for i in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["replace", "amend", "insert", "delete", "retitle", "set", "define", "move"]))
        clause = draw(st.sampled_from(clauses))
        if clause.id in used:
            continue
        v: dict = {"id": f"p{i}", "op": op, "rationale": "Generated to test the engine.", "category": "terms"}
        if op == "replace":
            v.update(clause=clause.id, text=draw(TEXT))
        elif op == "amend":
            words = (clause.text or "").split()
            if not words:
                continue
            v.update(clause=clause.id, find=draw(st.sampled_from(words)), replace=draw(TEXT))
        elif op == "insert":
            where = draw(st.sampled_from(["after", "before", "into"]))
            v.update({where: clause.id, "clause": {"id": f"prop.new-{i}", "text": draw(TEXT)}})
        elif op == "delete":
            v.update(clause=clause.id)
        elif op == "move":
            where = draw(st.sampled_from(["after", "before", "into"]))
            v.update({"clause": clause.id, where: draw(st.sampled_from(ids))})
        elif op == "retitle":
            v.update(clause=clause.id, heading=draw(TEXT))
        elif op == "set":
            p = draw(st.sampled_from(sorted(contract.parameters)))
            param = contract.parameters[p]
            value = {"integer": st.integers(0, 400), "money": st.integers(0, 10**7), "boolean": st.booleans(),
                     "choice": st.sampled_from(param.choices or ("x",)), "percent": st.integers(0, 100),
                     "number": st.integers(0, 1000)}.get(param.type, TEXT)
            v.update(parameter=p, value=draw(value))
            clause = None
        elif op == "define":
            v.update(term=draw(st.sampled_from(["Zeta Rule", *(t.term for t in contract.terms)])), text=draw(TEXT))
            clause = None
        if clause is not None:
            used.add(clause.id)
        variations.append(v)
    arrangement = draw(st.sampled_from(["framework", "dps", "block", "spot", "cost-and-volume"]))
    return name, {"id": "prop", "base": f"{name}@{contract.version}", "effective": "2026-04-01",
                  "consortium": {"name": "Property Consortium", "arrangement": arrangement},
                  "variations": variations}, ids


@settings(deadline=None, suppress_health_check=list(HealthCheck))
@given(overlays())
def test_random_overlays_fail_cleanly_or_obey_the_law(pandoc: str, soffice: str, case) -> None:
    name, overlay, _ = case
    root = project()
    path = root / "variations" / "prop.yaml"
    path.write_text(yaml.safe_dump(overlay, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        fill_pins(path)
        red = api.redline(path)
    except ContractgenError as exc:
        event(f"user error: {type(exc).__name__}")
        return  # a user's error, reported as one: the property holds
    event("built")
    docx = root / "prop-redline.docx"
    docx.write_bytes(red.docx)
    assert not red.unexplained
    assert lint_revisions(docx) == []
    assert_law(red, docx)
    out = root / "pdf"
    if out.exists():
        shutil.rmtree(out)
    pdfs = convert_with_libreoffice(soffice, [docx], out)
    assert pdfs["prop-redline"].read_bytes().startswith(b"%PDF")


def _messages(exc: ContractgenError) -> list[str]:
    return [e.render() for e in getattr(exc, "errors", [])] or [str(exc)]


@settings(deadline=None, suppress_health_check=list(HealthCheck))
@given(overlays())
def test_validate_rejects_exactly_what_build_and_redline_reject(tmp_path_factory, case) -> None:
    """`validate` is the editor's and pre-commit's check: when it passes, build, schedule and
    redline succeed; when they refuse an overlay, validate gave the same messages."""
    _, overlay, _ = case
    root = project()
    path = root / "variations" / "prop.yaml"
    path.write_text(yaml.safe_dump(overlay, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        fill_pins(path)
    except ContractgenError:
        event("pin refused")
        return
    found = api.validate_paths([path])
    said = sorted(e.render() for e in found.errors)
    out = tmp_path_factory.mktemp("agree")
    refused: list[str] = []
    for step in (lambda: api.build(path, out / "c.docx", schedule=out / "s.docx"), lambda: api.redline(path)):
        try:
            step()
        except ContractgenError as exc:
            refused = sorted(_messages(exc))
            break
    event("refused" if refused else "built")
    if not said:
        assert refused == [], f"validate passed, build or redline refused: {refused}"
    else:
        assert refused, f"validate refused, build and redline passed: {said}"
        assert set(refused) <= set(said), (refused, said)


@pytest.fixture(autouse=True, scope="module")
def _cleanup():
    yield
    shutil.rmtree(project(), ignore_errors=True)
