"""The site's compare page script (contractgen/site/static/compare.js): its pure parts (tokenise,
the word diff, the row merge) under Node, and the whole script on a page opened from disk in
Chromium (docs/dev/compare.md)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import IN_CI, ROOT, require

SCRIPT = ROOT / "contractgen" / "site" / "static" / "compare.js"


def js(body: str) -> Any:
    """Run `body` under Node with `c` the script's exports; return what it passes to out()."""
    node = require("node")  # fails in CI, skips elsewhere
    prog = (f"const c = require({json.dumps(str(SCRIPT))});\n"
            "const out = x => process.stdout.write(JSON.stringify(x));\n" + body)
    r = subprocess.run([node, "-e", prog], check=False, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def diff(a: str, b: str, cap: int | None = None) -> tuple[list[list[Any]], bool]:
    got = js(f"out(c.diff({json.dumps(a)}, {json.dumps(b)}{'' if cap is None else f', {cap}'}))")
    return got["parts"], got["whole"]


def sides(parts: list[list[Any]]) -> tuple[str, str]:
    return ("".join(t for op, t in parts if op <= 0), "".join(t for op, t in parts if op >= 0))


# ---- tokenise ----

def test_tokens_are_words_spaces_and_punctuation() -> None:
    assert js("out(c.tokenise('The Provider\u2019s fee, \u00a31,000.50 (5%), is due.'))") == [
        "The", " ", "Provider\u2019s", " ", "fee", ",", " ", "\u00a31,000.50", " ", "(", "5%", ")", ",",
        " ", "is", " ", "due", "."]
    assert js("out(c.tokenise(''))") == []
    # letters beyond ASCII stay in their word; a character beyond the BMP stays whole
    assert js("out(c.tokenise('caf\u00e9 na\u00efve \\u{1F600}x'))") == ["caf\u00e9", " ", "na\u00efve", " ", "\U0001F600", "x"]


# ---- the word diff ----

def test_identical_texts_are_one_equal_part() -> None:
    assert diff("The Commissioner shall pay.", "The Commissioner shall pay.") == (
        [[0, "The Commissioner shall pay."]], False)
    assert diff("", "") == ([], False)


def test_an_insertion() -> None:
    parts, whole = diff("The Commissioner shall pay.", "The Commissioner shall promptly pay.")
    assert parts == [[0, "The Commissioner shall "], [1, "promptly "], [0, "pay."]] and not whole


def test_a_deletion() -> None:
    parts, _ = diff("The Commissioner shall promptly pay.", "The Commissioner shall pay.")
    assert parts == [[0, "The Commissioner shall "], [-1, "promptly "], [0, "pay."]]


def test_a_replacement_shows_a_before_b_and_joins_across_a_lone_space() -> None:
    parts, _ = diff("within 30 days of invoice", "within 10 days of invoice")
    assert parts == [[0, "within "], [-1, "30"], [1, "10"], [0, " days of invoice"]]
    # two changed words with one space between them: one change, not two
    parts, _ = diff("paid by the Commissioner monthly", "paid by each Authority monthly")
    assert parts == [[0, "paid by "], [-1, "the Commissioner"], [1, "each Authority"], [0, " monthly"]]


def test_punctuation_is_its_own_token() -> None:
    parts, _ = diff("the Provider shall notify.", "the Provider shall notify;")
    assert parts == [[0, "the Provider shall notify"], [-1, "."], [1, ";"]]
    parts, _ = diff("a fee of \u00a3100.", "a fee of \u00a3120.")
    assert parts == [[0, "a fee of "], [-1, "\u00a3100"], [1, "\u00a3120"], [0, "."]]


def test_from_nothing_and_to_nothing() -> None:
    assert diff("", "New clause.") == ([[1, "New clause."]], False)
    assert diff("Old clause.", "") == ([[-1, "Old clause."]], False)


def test_over_the_cap_a_is_removed_and_b_added_whole() -> None:
    a = " ".join(f"a{i}" for i in range(3000))
    b = " ".join(f"b{i}" for i in range(3000))  # nothing in common but the spaces: D is about 6,000
    parts, whole = diff(a, b)
    assert whole and parts == [[-1, a], [1, b]]
    # the common beginning and end are kept whatever the middle does
    parts, whole = diff("Start x y end.", "Start p q end.", cap=1)
    assert whole and parts == [[0, "Start "], [-1, "x y"], [1, "p q"], [0, " end."]]
    # a long text with a few scattered changes is still diffed word by word
    words = [f"w{i}" for i in range(3000)]
    changed = list(words)
    for i in (10, 900, 2000, 2990):
        changed[i] = "CHANGED"
    parts, whole = diff(" ".join(words), " ".join(changed))
    assert not whole and sum(1 for op, _ in parts if op == 1) == 4
    assert sides(parts) == (" ".join(words), " ".join(changed))


def test_the_diff_is_minimal_and_rebuilds_both_sides_on_random_texts() -> None:
    """500 seeded random pairs: A's parts give A, B's give B, and the tokens kept equal are as many
    as a longest common subsequence (an independent dynamic programme) has, at most."""
    failures = js(r"""
let seed = 13; const rnd = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const vocab = ['the', 'Provider', 'shall', ',', '.', ' ', '  ', 'fee', '\u00a310', 'Commissioner', '\n'];
const text = () => { let s = ''; const n = rnd(40); for (let i = 0; i < n; i++) s += vocab[rnd(vocab.length)]; return s; };
const lcs = (A, B) => { const t = Array(B.length + 1).fill(0);
  for (let i = 1; i <= A.length; i++) { let diag = 0;
    for (let j = 1; j <= B.length; j++) { const up = t[j]; t[j] = A[i-1] === B[j-1] ? diag + 1 : Math.max(t[j], t[j-1]); diag = up; } }
  return t[B.length]; };
const bad = [];
for (let n = 0; n < 500; n++) {
  const a = text(), b = rnd(4) ? text() : a.replace(/fee/g, 'sum');
  const d = c.diff(a, b), A = c.tokenise(a), B = c.tokenise(b);
  const ga = d.parts.filter(p => p[0] <= 0).map(p => p[1]).join('');
  const gb = d.parts.filter(p => p[0] >= 0).map(p => p[1]).join('');
  const kept = d.parts.filter(p => p[0] === 0).map(p => c.tokenise(p[1]).length).reduce((x, y) => x + y, 0);
  const best = lcs(A, B);
  if (ga !== a || gb !== b || d.whole || kept > best) bad.push([a, b, d.parts]);
  // the search itself (before grouping joins a lone space into a change) keeps exactly that many
  const e = c.myers(A, B, c.CAP), same = e.filter(x => x[0] === 0).length;
  if (same !== best || e.filter(x => x[0] <= 0).map(x => x[1]).join('') !== a
      || e.filter(x => x[0] >= 0).map(x => x[1]).join('') !== b) bad.push(['not minimal', a, b, e]);
  for (let i = 1; i < d.parts.length; i++) if (d.parts[i][0] === d.parts[i-1][0] || (d.parts[i][0] === -1 && d.parts[i-1][0] === 1)) bad.push(['order', a, b, d.parts]);
}
out(bad.slice(0, 5));
""")
    assert failures == []


# ---- the row merge ----

NAT = {"label": "9.3", "heading": "Tiers", "order": 412, "national": "The Commissioner shall rank."}


def consortium(cid: str, rows: dict[str, dict[str, Any]], contract: str = "fostering@2026.2") -> dict[str, Any]:
    return {"id": cid, "name": cid.upper(), "contract": contract, "url": f"consortia/{cid}.html", "rows": rows}


def row(text: str, vid: str, **over: Any) -> dict[str, Any]:
    return {**NAT, "text": text, "variations": [
        {"id": vid, "op": "replace", "category": "procedure", "rationale": "why " + vid, "source": ""}], **over}


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return js(f"out(c.merge({json.dumps(a)}, {json.dumps(b)}))")


def test_the_merge_takes_the_union_in_contract_order() -> None:
    a = consortium("gm", {
        "clause:tiers": row("GM ranks.", "gm-tiers"),  # A only
        "clause:fees": row("GM pays.", "gm-fees", order=100, national="The Commissioner pays."),  # both, differently
        "term:Lot": row("Lot means a lot.", "gm-lot", order=5, label="", heading="Lot",
                        national="Lot means a part."),  # both, identically
    })
    b = consortium("ch", {
        "clause:fees": row("CH pays.", "ch-fees", order=100, national="The Commissioner pays."),
        "term:Lot": row("Lot means a lot.", "ch-lot", order=5, label="", heading="Lot", national="Lot means a part."),
        "parameter:notice": row("", "ch-notice", order=412, label="", heading="notice period",
                                national="28 days"),  # B only, deleted; same order as A's tiers: by key
    })
    m = merge(a, b)
    rows = m["rows"]
    assert [r["key"] for r in rows] == ["term:Lot", "clause:fees", "clause:tiers", "parameter:notice"]
    lot, fees, tiers, notice = rows
    assert (lot["a"], lot["b"], lot["same"]) == ("Lot means a lot.", "Lot means a lot.", True)
    assert [v["id"] for v in lot["va"]] == ["gm-lot"] and [v["id"] for v in lot["vb"]] == ["ch-lot"]
    assert (fees["a"], fees["b"], fees["same"]) == ("GM pays.", "CH pays.", False)
    assert (tiers["a"], tiers["b"], tiers["vb"]) == ("GM ranks.", "The Commissioner shall rank.", [])
    assert (notice["a"], notice["b"], notice["va"]) == ("28 days", "", [])
    assert (m["differ"], m["same"]) == (3, 1)
    titles = js(f"out({json.dumps(rows)}.map(c.title))")
    assert titles == ["Definition: \u201cLot\u201d", "9.3 Tiers", "9.3 Tiers", "Value: notice period"]


def test_different_contract_versions_are_refused_and_a_consortium_with_itself_has_nothing() -> None:
    a = consortium("gm", {"clause:tiers": row("GM ranks.", "gm-tiers")})
    b = consortium("ch", {"clause:tiers": row("CH ranks.", "ch-tiers")}, contract="fostering@2026.1")
    assert merge(a, b) == {"error": "contract"}
    assert merge(a, a) == {"error": "same"}
    assert merge(consortium("gm", {}), consortium("ch", {})) == {"rows": [], "differ": 0, "same": 0}


# ---- the script as a file ----

def test_the_script_is_small_es5_and_never_parses_data_as_html() -> None:
    src = SCRIPT.read_text(encoding="utf-8")
    assert len(src.encode("utf-8")) < 13_312, len(src.encode("utf-8"))  # 13 KiB; about 5 kB gzipped
    # the code without its comments and string literals
    code = re.sub(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|/\*[\s\S]*?\*/|//[^\n]*""", "", src)
    assert "use strict" not in code and "govuk-body" not in code and "a word" not in code  # they are gone
    for banned in (r"\.innerHTML", r"\.outerHTML", r"insertAdjacentHTML", r"document\.write", r"\beval\(",
                   r"\bFunction\(", r"\bfetch\(", r"XMLHttpRequest", r"\bimport\b", r"\bexport\b",
                   r"=>", r"`", r"\blet\b", r"\bconst\b", r"\bclass\b", r"\.\.\.", r"\bof\b"):
        assert not re.search(banned, code), banned
    assert not re.search(r"""\bon[a-z]+\s*=\s*["']""", src), "no inline event handlers"
    node = require("node")
    # a classic script in a bare global with no document and no module: it runs and defines nothing
    prog = ("const vm = require('vm'); const w = {};"
            f"vm.runInNewContext(require('fs').readFileSync({json.dumps(str(SCRIPT))}, 'utf8'), w);"
            "process.stdout.write(String(typeof w.CGData))")
    r = subprocess.run([node, "-e", prog], check=False, capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stdout) == (0, "undefined"), r.stderr


# ---- the page, opened from disk in Chromium ----

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Compare</title></head><body><main>
<h1>Compare two consortia</h1>
<form id="cg-compare-form" action="compare.html" method="get" data-site-root="./">
  <div class="govuk-form-group"><label class="govuk-label" for="cg-a">First consortium</label>
    <select class="govuk-select" id="cg-a" name="a">{options}</select></div>
  <div class="govuk-form-group"><label class="govuk-label" for="cg-b">Second consortium</label>
    <select class="govuk-select" id="cg-b" name="b">{options}</select></div>
  <button class="govuk-button" type="submit">Compare</button>
</form>
<div id="cg-compare-status" role="status" aria-live="polite" class="govuk-body"></div>
<div id="cg-compare-result"></div>
<noscript>Compare needs JavaScript.</noscript>
<script src="static/compare.js"></script>
</main></body></html>
"""


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "compare.js").write_bytes(SCRIPT.read_bytes())
    (tmp_path / "data").mkdir()
    evil = "<img src=x onerror=alert(1)>"
    data = {
        "gm": consortium("gm", {"clause:tiers": row("The Commissioner shall rank by lot.", "gm-tiers"),
                                "clause:same": row("Both say this.", "gm-same", order=1, label="2.1", heading="Same")}),
        "ch": consortium("ch", {"clause:tiers": row("The Commissioner shall rank by price.", "ch-tiers",
                                                    variations=[{"id": "ch-tiers", "op": "amend", "category": "commercial",
                                                                 "rationale": evil, "source": "illustrative"}]),
                                "clause:same": row("Both say this.", "ch-same", order=1, label="2.1", heading="Same")}),
        "old": consortium("old", {}, contract="fostering@2026.1"),
    }
    data["ch"]["name"] = "Cheshire " + evil
    for cid, d in data.items():
        (tmp_path / "data" / f"{cid}.js").write_text(f"CGData.consortium({json.dumps(d)});\n", encoding="utf-8")
    options = ('<optgroup label="fostering@2026.2"><option value="gm">GM</option><option value="ch">CH</option>'
               '<option value="gone">Gone</option></optgroup>'
               '<optgroup label="fostering@2026.1"><option value="old">Old</option></optgroup>')
    (tmp_path / "compare.html").write_text(PAGE.format(options=options), encoding="utf-8")
    return tmp_path


def test_the_page_compares_from_disk_in_chromium(site: Path) -> None:
    from test_html import chromium

    exe = chromium()
    sync_api = pytest.importorskip("playwright.sync_api") if not IN_CI else __import__(
        "playwright.sync_api", fromlist=["sync_playwright"])
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        url = (site / "compare.html").as_uri()

        # on load, from the query: rows rendered, focus left where it was
        page.goto(url + "?a=gm&b=ch")
        status = page.locator("#cg-compare-status")
        sync_api.expect(status).to_have_text("GM and Cheshire <img src=x onerror=alert(1)> differ in 1 place.")
        assert page.evaluate("document.activeElement === document.body")
        assert page.locator("#cg-a").input_value() == "gm" and page.locator("#cg-b").input_value() == "ch"
        result = page.locator("#cg-compare-result")
        assert result.locator("h2.govuk-heading-l").inner_text().startswith("1 place where GM and Cheshire")
        assert result.locator("img").count() == 0  # data is text, never markup
        sections = result.locator("section")
        assert sections.locator("h2.govuk-heading-m").all_inner_texts() == ["2.1 Same", "9.3 Tiers"]
        assert "Same wording" in sections.nth(0).inner_text()
        red = sections.nth(1).locator("p.cg-redline")
        assert red.locator("del").inner_text() == "[removed: lot]" and red.locator("ins").inner_text() == "[added: price]"
        assert red.evaluate("e => getComputedStyle(e.querySelector('del')).textDecorationLine") == "line-through"
        link = sections.nth(1).locator("dd a").nth(1)
        assert link.get_attribute("href") == "./consortia/ch.html#v-ch-tiers"
        assert "commercial" in sections.nth(1).locator("strong.govuk-tag").nth(1).inner_text()
        assert "No variation" not in sections.nth(1).inner_text()

        # submitting: no reload, the query rewritten, the result announced
        page.evaluate("window.notReloaded = true")
        page.select_option("#cg-a", "old")
        page.click("button[type=submit]")
        sync_api.expect(status).to_contain_text("Only consortia on the same national contract version")
        assert page.evaluate("window.notReloaded") is True
        assert page.url.endswith("compare.html?a=old&b=ch")
        assert "fostering@2026.1" in result.inner_text() and "fostering@2026.2" in result.inner_text()
        assert result.locator("section").count() == 0

        page.select_option("#cg-a", "ch")
        page.click("button[type=submit]")
        sync_api.expect(status).to_contain_text("nothing to compare")

        page.select_option("#cg-a", "gone")  # listed, but its data file is missing
        page.click("button[type=submit]")
        sync_api.expect(status).to_contain_text("Could not load the data for Gone")

        # an id from the query that the form does not list is never loaded
        page.goto(url + "?a=..%2F..%2Fx&b=ch")
        sync_api.expect(status).to_contain_text("There is no consortium")
        assert not any("x.js" in r for r in requests)
        assert all(r.startswith("file://") for r in requests), requests
        assert errors == []
        browser.close()
