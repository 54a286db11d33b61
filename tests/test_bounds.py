"""Bounded work on any input: the worst inputs found end in a correct result or a clean error.

No test here measures time (the benchmark bench/bench_worst.py does): each asserts the outcome
of an input that once took from half a minute to forever, so a scan that turns super-linear again
shows up as a hung test stopped by the subprocess guard (run_cli's timeout), not a slow pass."""

from __future__ import annotations

import random
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import PACK_PARTICULARS, ROOT, run_cli

from contractgen import api
from contractgen.errors import SourceError, SourceErrors
from contractgen.overlay import fill_pins
from contractgen.redline.textdiff import DEL, EQ, INS, Tok, compare
from contractgen.render.docx import MAX_TEMPLATE_BYTES, render_template
from contractgen.validate import _LEGISLATION, FormIndex, legislation_spans, load_contract

MINI = ROOT / "tests" / "data" / "mini"
ENV = {"PYTHONPATH": str(ROOT)}  # the CLI of this checkout, wherever the test project lies
HEAD = ("id: {id}\nbase: mini@1.0\neffective: 2026-04-01\nconsortium:\n  name: Test Consortium\n"
        "  arrangement: framework\n" + PACK_PARTICULARS.replace("{", "{{").replace("}", "}}"))


def project(tmp_path: Path) -> Path:
    shutil.copytree(MINI, tmp_path / "national_contract" / "mini")
    shutil.copytree(ROOT / "contractgen" / "templates", tmp_path / "templates")
    (tmp_path / "variations").mkdir()
    return tmp_path


def replace_overlay(root: Path, ident: str, text: str) -> Path:
    path = root / "variations" / f"{ident}.yaml"
    spec = yaml.safe_load(HEAD.format(id=ident))
    spec["variations"] = [{"id": "v1", "op": "replace", "clause": "fees.disputes", "text": text,
                           "rationale": "Our members need it.", "category": "terms", "pin": "00000000"}]
    path.write_text(yaml.safe_dump(spec, sort_keys=False, width=10**9), encoding="utf-8")
    fill_pins(path)
    return path


def words(seed: int, n: int) -> str:
    vocab = random.Random(0)
    pool = ["".join(vocab.choice("abcdefghijklmnoprstuvw") for _ in range(vocab.randint(2, 9))) for _ in range(2000)]
    r = random.Random(seed)
    return " ".join(r.choice(pool) for _ in range(n)) + "."


# ---------------------------------------------------------------------------------------------
# The defined-term scan


def test_a_long_run_of_one_term_is_scanned_and_checked(tmp_path: Path) -> None:
    root = project(tmp_path)
    defs = root / "national_contract" / "mini" / "1.0" / "definitions.yaml"
    text = defs.read_text(encoding="utf-8")
    run = "Provider " * 8000
    defs.write_text(text.replace("means the organisation that cares for the Child.",
                                 f"means the organisation that cares for the Child. {run}and the Purchaser."),
                    encoding="utf-8")
    with pytest.raises(SourceErrors) as exc:
        load_contract(root / "national_contract" / "mini")
    messages = [e.message for e in exc.value.errors]
    assert messages == ["capitalised 'Purchaser' is not a defined term"]


def test_a_huge_replacement_text_validates_and_builds(tmp_path: Path) -> None:
    root = project(tmp_path)
    text = "Provider " * 20000 + "and the Child."  # 180 KB, every word a defined term
    replace_overlay(root, "big", text)
    r = run_cli("validate", "variations/big.yaml", cwd=root, env=ENV)
    assert r.returncode == 0, r.stderr
    r = run_cli("build", "variations/big.yaml", "-o", "big.docx", cwd=root, env=ENV)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(root / "big.docx") as z:
        assert z.read("word/document.xml").decode("utf-8").count("Provider") >= 20000


def test_many_undefined_words_are_counted_not_each_located(tmp_path: Path) -> None:
    root = project(tmp_path)
    words_ = " ".join(f"Q{i:04d}x" for i in range(300))
    replace_overlay(root, "many", f"The Provider and {words_}.")
    r = run_cli("validate", "variations/many.yaml", cwd=root, env=ENV)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.count("is not a defined term (") == 100
    assert "200 more capitalised words in this text are not defined terms" in r.stderr


@pytest.mark.parametrize("seed", range(5))
def test_the_linear_scans_find_what_the_regexes_found(seed: int) -> None:
    vocab = ["Children", "Act", "1989", "of", "the", "Care", "Standards", "2000", "(Wales)", "and", "x",
             "Provider", "Order", "20245", "Provider's", "sub-Act", "a", "Code", "1998,", "Rules", "(", ")",
             "Child", "Children's", "Placement", "Guide", "Act,", "“Quoted”"]
    seps = [" ", "  ", "\n", "", ",", "-"]
    forms = ["Provider", "Providers", "Child", "Children", "Individual Placement Agreement", "Placement",
             "Act", "Care Act", "(the) Act", "“Quoted”", "sub-Act"]
    regex = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(a) for a in sorted(forms, key=len, reverse=True))
                       + r")(?![A-Za-z0-9])")
    index = FormIndex(forms)
    r = random.Random(seed)
    for _ in range(3000):
        text = "".join(r.choice(vocab) + r.choice(seps) for _ in range(r.randint(0, 14)))
        assert legislation_spans(text) == [m.span() for m in _LEGISLATION.finditer(text)], text
        assert list(index.finditer(text)) == [(m.start(), m.end(), m.group(0)) for m in regex.finditer(text)], text


# ---------------------------------------------------------------------------------------------
# The word diff


def test_two_long_different_replacements_are_compared_within_the_budget(tmp_path: Path, pandoc: str) -> None:
    from test_redline import assert_law

    root = project(tmp_path)
    a = replace_overlay(root, "a", words(1, 5000))
    b = replace_overlay(root, "b", words(2, 5000))
    outs = []
    for n in (1, 2):
        r = run_cli("diff", "variations/a.yaml", "variations/b.yaml", "-o", f"ab{n}.docx", cwd=root, env=ENV)
        assert r.returncode == 0, r.stderr
        assert "variations/b.yaml:" in r.stderr and "differ too much to compare word by word" in r.stderr
        assert r.stderr.rstrip().endswith("[note]")
        outs.append((root / f"ab{n}.docx").read_bytes())
    assert outs[0] == outs[1]
    red = api.diff(str(a), str(b), with_html=False)
    assert [n.message.split(":")[0] for n in red.notes] == ["clause 2.2"]
    (root / "law.docx").write_bytes(red.docx)
    assert_law(red, root / "law.docx")


def test_a_diff_over_the_budget_keeps_both_texts_and_says_so() -> None:
    a = [Tok(w) for w in words(3, 3000).split(" ")]
    b = [Tok(w) for w in words(4, 3000).split(" ")]
    a, b = [Tok("Same")] + a + [Tok("end")], [Tok("Same")] + b + [Tok("end")]
    d = compare(a, b)
    assert d.whole
    assert [p.op for p in d.pieces] == [EQ, DEL, INS, EQ]
    assert [t for p in d.pieces if p.op != INS for t in p.toks] == a
    assert [t for p in d.pieces if p.op != DEL for t in p.toks] == b


def test_a_diff_within_the_budget_is_word_by_word() -> None:
    a = [Tok(w) for w in words(5, 5000).split(" ")]
    b = list(a)
    for i in range(10, 5000, 500):  # ten words changed in a 5,000-word paragraph
        b[i] = Tok("changed")
    d = compare(a, b)
    assert not d.whole
    assert sum(1 for p in d.pieces if p.op == INS) == 10
    assert [t for p in d.pieces if p.op != INS for t in p.toks] == a
    assert [t for p in d.pieces if p.op != DEL for t in p.toks] == b


# ---------------------------------------------------------------------------------------------
# Templates


CTX = {k: "x" for k in ("consortium", "lead", "tender_title", "issue_date", "reference", "notice",
                        "short_title", "version", "term_text")}
BOMBS = {
    "{{ 7 ** (10 ** 8) }}": "is too large a number",
    "{% for i in range(10 ** 6) %}{% for j in range(10 ** 6) %}x{% endfor %}{% endfor %}": "range() of 1,000,000 items",
    "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}": "more than 200,000 steps",
    "{{ lipsum(10 ** 7) }}": "template uses 'lipsum', which the data does not provide",
    "{{ 'a' * 10 ** 9 }}": "repeats a text or list 1,000,000,000 times",
    "{{ [1] * 10 ** 9 }}": "repeats a text or list",
    "{{ 'a'.center(10 ** 9) }}": "uses the number 1,000,000,000 as a size",
    "{{ 'a'|center(10 ** 9) }}": "uses the number 1,000,000,000 as a size",
    "{{ '%999999999d' % 1 }}": "a million characters or more wide",
    "{{ '{:999999999}'.format(1) }}": "a million characters or more wide",
    "{{ '%999999999d'|format(1) }}": "a million characters or more wide",
    "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}":
        "more than 20,000,000 characters",
    "{% set ns = namespace(n=3) %}{% for i in range(60) %}{% set ns.n = ns.n * ns.n %}{% endfor %}":
        "multiplies numbers too large",
    "{% macro f(n) %}{% if n > 0 %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}": "more than 200,000 steps",
    "{% for i in range(10000) %}{{ 'abcdefghij' * 1000 }}{% endfor %}": "more than 20,000,000 characters",
}


def template_with(tmp_path: Path, field: str) -> Path:
    from docx import Document

    path = tmp_path / "t.docx"
    doc = Document(str(ROOT / "contractgen" / "templates" / "pack" / "form-of-tender.docx"))
    doc.add_paragraph(field)
    doc.save(str(path))
    return path


@pytest.mark.parametrize("field", list(BOMBS))
def test_a_template_bomb_is_a_clean_error(field: str, tmp_path: Path) -> None:
    with pytest.raises(SourceError) as exc:
        render_template(template_with(tmp_path, field), CTX)
    assert BOMBS[field] in exc.value.message


def test_a_template_within_the_limits_renders_as_before(tmp_path: Path) -> None:
    field = ("ok {{ lead|upper }} {{ 5000000|string }} {{ '%05d' % 3 }} {{ '{:>4}'.format(lead) }} "
             "{% for i in range(3) %}{{ i }}{% endfor %} {{ 2 ** 10 }} {{ 'ab' * 2 }} {{ lead ~ lead }}")
    tpl = render_template(template_with(tmp_path, field), CTX)
    assert tpl.docx.paragraphs[-1].text == "ok X 5000000 00003    x 012 1024 abab xx"


def test_a_template_that_inflates_past_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = template_with(tmp_path, "{{ lead }}")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/media/padding.bin", b"\0" * (MAX_TEMPLATE_BYTES + 1))
    assert path.stat().st_size < 2**20  # a small file…
    with pytest.raises(SourceError) as exc:  # …that would inflate past the limit
        render_template(path, CTX)
    assert re.fullmatch(r"the template inflates to 5\d\.\d MB, more than the 50 MB limit", exc.value.message)


def test_a_template_bomb_through_the_cli_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    from docx import Document

    root = project(tmp_path)
    (root / "variations" / "ok.yaml").write_text(HEAD.format(id="ok") + "variations: []\n", encoding="utf-8")
    path = root / "templates" / "pack" / "award-criteria.docx"
    doc = Document(str(path))
    doc.add_paragraph("{% for i in range(10000) %}{% for j in range(10000) %}{{ i }}{% endfor %}{% endfor %}")
    doc.save(str(path))
    r = run_cli("pack", "variations/ok.yaml", "-o", "out", "--templates", "templates", cwd=root, env=ENV)
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("templates/pack/award-criteria.docx: the template exceeds what a template may do")
    assert "Traceback" not in r.stderr
    assert not [p for p in (root / "out").rglob("*") if p.is_file()]
