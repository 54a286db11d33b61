"""`contractgen site`: the national variation register (issue 13), read back by independent
readers: lxml for every page and link, Chromium (Playwright, from file://) for what a reader
does, and axe-core for WCAG 2.2 AA on every page template."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from lxml import html as lhtml

from conftest import IN_CI, ROOT, run_cli
from contractgen.site import MANIFEST, build_site
from contractgen.site.data import slug

OVERLAYS = sorted((ROOT / "variations").glob("*.yaml"))
ARTIFACTS = ROOT / "test-artifacts"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _raw(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def declared() -> dict[str, list[tuple[str, str, str]]]:
    """Every consortium's declared variations, read from the YAML with PyYAML (not our loader):
    overlay id → [(variation id, the page of the row it varies, the declaring overlay)], its
    parents' first."""
    raw = {p.stem: _raw(p) for p in OVERLAYS}

    def chain(oid: str) -> list[str]:
        parent = raw[oid].get("extends")
        return (chain(parent) if parent else []) + [oid]

    out = {}
    for oid in raw:
        ids = chain(oid)
        base = raw[ids[0]]["base"].replace("@", "-")
        rows = []
        for step in ids:
            for v in raw[step]["variations"]:
                op = v["op"]
                if op == "set":
                    page = f"value-{slug(v['parameter'])}"
                elif op in ("define", "undefine"):
                    page = f"term-{slug(v['term'])}"
                elif op == "insert":
                    page = slug(v.get("after") or v.get("before") or v.get("into"))
                else:
                    page = slug(v["clause"])
                rows.append((v["id"], f"clauses/{base}/{page}.html", step))
        out[oid] = rows
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, all_packs: Path) -> Path:
    """The register of the shipped data, built once through the CLI, with the packs linked."""
    out = tmp_path_factory.mktemp("site") / "register"
    r = run_cli("site", "-o", str(out), "--packs", str(all_packs))
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.startswith(f"wrote {out}/ (") and "33 consortia" in r.stdout, r.stdout
    return out


def _page(path: Path) -> Any:
    return lhtml.parse(str(path)).getroot()


def _ids(doc: Any) -> set[str]:
    return {e.get("id") for e in doc.iter() if isinstance(e.tag, str) and e.get("id")}


# --- every variation, every link -------------------------------------------------------------


def test_every_variation_is_on_its_clause_page_and_its_consortium_page(site: Path) -> None:
    pages: dict[str, set[str]] = {}
    missing = []
    checked = 0
    for oid, rows in declared().items():
        consortium = site / "consortia" / f"{oid}.html"
        own = _ids(_page(consortium))
        for vid, page, step in rows:
            checked += 1
            if f"v-{vid}" not in own:
                missing.append(f"{oid}: {vid} not on consortia/{oid}.html")
            if page not in pages:
                pages[page] = _ids(_page(site / page)) if (site / page).is_file() else set()
            if f"v-{oid}--{vid}" not in pages[page]:
                missing.append(f"{oid}: {vid} (declared by {step}) not on {page}")
    assert checked >= 334, checked  # every shipped variation, each consortium's inherited ones included
    assert not missing, "\n".join(missing[:20])


def test_the_consortium_page_shows_the_variation_its_reason_and_redline(site: Path) -> None:
    doc = _page(site / "consortia" / "white-rose-fostering.html")
    row = doc.get_element_by_id("v-wrf-price-freeze")
    text = " ".join(row.text_content().split())
    assert "We have held framework prices since award" in text and "commercial" in text
    clause = _page(site / "clauses" / "fostering-2026.2" / "value-price-freeze.html")
    section = clause.get_element_by_id("v-white-rose-fostering--wrf-price-freeze")
    assert "White Rose Independent Fostering Framework" in section.text_content()
    # the inline redline: a tiers amendment shows the words inserted into the national text
    tiers = _page(site / "clauses" / "fostering-2026.2" / "referrals.call-off.tiers.html")
    amend = tiers.get_element_by_id("v-white-rose-fostering--wrf-tiers-within-lots")
    assert "Within each lot" in " ".join(i.text_content() for i in amend.iter("ins"))
    # particulars and the pack
    summary = " ".join(" ".join(doc.xpath("//dl[1]//text()")).split())
    assert "Lead authority Leeds City Council" in summary and "Member authorities" in summary
    packs = [a.get("href") for a in doc.xpath("//h2[@id='pack']/following-sibling::ul[1]//a")]
    assert "../packs/white-rose-fostering/05-schedule-of-variations.docx" in packs, packs
    assert "../packs/white-rose-fostering.zip" in packs


def test_no_page_links_to_a_missing_file_or_anchor(site: Path) -> None:
    docs = {p.resolve(): _page(p) for p in site.rglob("*.html")}
    ids = {p: _ids(d) for p, d in docs.items()}
    bad = []
    links = 0
    for p, doc in docs.items():
        for el in doc.iter("a", "link", "script"):
            href = el.get("href") or el.get("src")
            if not href:
                continue
            assert not href.startswith(("http:", "https:", "//")), f"{p}: an outside link {href}"
            links += 1
            u = urlsplit(href)
            target = (p.parent / unquote(u.path)).resolve() if u.path else p
            if not target.is_file():
                bad.append(f"{p.relative_to(site.resolve())}: {href} (no such file)")
            elif u.fragment and target.suffix == ".html" and u.fragment not in ids[target]:
                bad.append(f"{p.relative_to(site.resolve())}: {href} (no such anchor)")
    assert links > 10000
    assert not bad, "\n".join(bad[:20])


def test_the_pages_and_downloads_agree_with_the_overlays(site: Path) -> None:
    data = json.loads((site / "matrix.json").read_text("utf-8"))
    assert len(data["consortia"]) == len(OVERLAYS)
    per = {oid: len(rows) for oid, rows in declared().items()}
    totals = {o: n for v in data["versions"] for o, n in v["totals"].items()}
    for oid, n in per.items():  # the matrix also counts values set from the particulars
        assert totals[oid] >= n, oid
        doc = _page(site / "consortia" / f"{oid}.html")
        rows = doc.xpath("//table[contains(@class,'cg-schedule')]/tbody/tr")
        assert len(rows) == totals[oid], oid
    csv_text = (site / "matrix.csv").read_bytes().decode("utf-8-sig")
    assert csv_text.count("\r\n") > 900


def test_the_site_is_deterministic_and_replaces_only_its_own_folder(site: Path, tmp_path: Path,
                                                                   all_packs: Path) -> None:
    again = tmp_path / "again"
    build_site(again, ROOT / "variations", ROOT / "national_contract", packs=all_packs)
    a = json.loads((site / MANIFEST).read_text("utf-8"))
    b = json.loads((again / MANIFEST).read_text("utf-8"))
    assert a == b
    for rel in ("index.html", "matrix.html", "search/meta.js", "consortia/white-rose-fostering.html"):
        assert (site / rel).read_bytes() == (again / rel).read_bytes()
    # a folder that is not a site: refused, untouched
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine", "utf-8")
    r = run_cli("site", "-o", str(theirs))
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "not a site written by contractgen" in r.stderr
    assert (theirs / "notes.txt").read_text("utf-8") == "mine" and len(list(theirs.iterdir())) == 1
    # a site someone has added a file to: refused, naming it
    (again / "extra.html").write_text("<p>mine</p>", "utf-8")
    with pytest.raises(Exception, match="extra.html"):
        build_site(again, ROOT / "variations", ROOT / "national_contract")
    assert (again / "extra.html").is_file()
    (again / "extra.html").unlink()
    # a failure part-way leaves the previous site as it was, and nothing behind
    before = hashlib.sha256((again / MANIFEST).read_bytes()).hexdigest()
    import contractgen.site.pages as pages

    real = pages.pages

    def broken(*args: Any, **kw: Any) -> Any:
        raise RuntimeError("disk on fire")

    pages.pages = broken
    try:
        with pytest.raises(RuntimeError):
            build_site(again, ROOT / "variations", ROOT / "national_contract")
    finally:
        pages.pages = real
    assert hashlib.sha256((again / MANIFEST).read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "theirs"]


# --- in a browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Any:
    from test_html import chromium

    exe = chromium()
    sync_api = pytest.importorskip("playwright.sync_api") if not IN_CI else __import__(
        "playwright.sync_api", fromlist=["sync_playwright"])
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu",
                                                         "--disable-background-networking"])
        yield b
        b.close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)


def test_a_reader_goes_home_to_a_consortium_to_a_clause_and_back(site: Path, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((site / "index.html").as_uri())
    assert page.locator("h1").inner_text() == "National variation register"
    _shot(page, "site-home.png")
    page.get_by_role("link", name="White Rose Independent Fostering Framework").click()
    assert page.url.endswith("consortia/white-rose-fostering.html")
    assert page.locator("h1").inner_text() == "White Rose Independent Fostering Framework"
    _shot(page, "site-consortium.png")
    page.locator("#v-wrf-tiers-within-lots th a").click()
    assert page.url.endswith("referrals.call-off.tiers.html#v-white-rose-fostering--wrf-tiers-within-lots")
    target = page.locator("#v-white-rose-fostering--wrf-tiers-within-lots")
    assert target.is_visible() and "Within each lot" in target.locator("ins").first.inner_text()
    _shot(page, "site-clause.png")
    page.go_back()
    assert page.url.endswith("consortia/white-rose-fostering.html")
    assert page.locator("h1").inner_text() == "White Rose Independent Fostering Framework"
    assert not errors
    page.close()


def _search(page: Any, site: Path, query: str, **facets: str) -> list[str]:
    page.goto((site / "search.html").as_uri())
    page.fill("#cg-q", query)
    for facet, value in facets.items():
        page.select_option(f"#cg-f-{facet}", value)
    page.locator("#cg-search-form button[type=submit]").click()
    page.wait_for_function("document.querySelector('#cg-search-status').textContent.indexOf('result') >= 0")
    return page.eval_on_selector_all("#cg-search-results a", "els => els.map(e => e.getAttribute('href'))")


def test_search_finds_a_known_rationale_and_a_known_clause(site: Path, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # a rationale: White Rose's reason for its price freeze
    hrefs = _search(page, site, "placement budgets held framework prices")
    assert any(h.endswith("value-price-freeze.html#v-white-rose-fostering--wrf-price-freeze") for h in hrefs[:5]), hrefs
    _shot(page, "site-search.png")
    # a clause, by its heading words, restricted to a version
    hrefs = _search(page, site, "tiers", base="fostering@2026.2", category="procedure")
    assert hrefs and all("fostering-2026.2" in h for h in hrefs), hrefs
    assert any("referrals.call-off.tiers.html" in h for h in hrefs), hrefs
    # a result opens where it says
    page.locator("#cg-search-results a").first.click()
    assert "clauses/fostering-2026.2/" in page.url
    assert not errors
    page.close()


def test_the_matrix_sorts_and_its_counts_equal_the_overlays(site: Path, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((site / "matrix.html").as_uri())
    per = declared()
    for table in page.locator("table.cg-matrix").all():
        heads = table.locator("thead th abbr").all_inner_texts()
        for i, oid in enumerate(heads):
            links = table.locator(f"tbody tr td:nth-child({4 + i}) a").count()
            total = int(table.locator(f"tfoot td[data-total='{oid}']").inner_text())
            assert links == total >= len(per[oid]), oid
    table = page.locator("table.cg-matrix").first
    button = table.locator("thead th").nth(2).locator("button")
    button.focus()
    page.keyboard.press("Enter")
    counts = [int(x) for x in table.locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    assert table.locator("thead th").nth(2).get_attribute("aria-sort") == "descending"
    _shot(page, "site-matrix-sorted.png")
    page.close()


def test_keyboard_alone_reaches_every_link_of_the_matrix(site: Path, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((site / "matrix.html").as_uri())
    want = page.eval_on_selector_all("table.cg-matrix a", "els => els.map(e => e.getAttribute('href'))")
    assert len(want) > 400
    page.evaluate("""() => {
        window.__reached = [];
        document.addEventListener('focusin', e => {
            const a = e.target.closest('a'); if (a) window.__reached.push(a.getAttribute('href')); });
    }""")
    total_stops = page.evaluate("document.querySelectorAll('a, button, [tabindex=\"0\"]').length")
    # the first Tab must land on the skip link, and the focus must be visible there
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "govuk-skip-link"
    for _ in range(total_stops + 5):
        page.keyboard.press("Tab")
    reached = set(page.evaluate("window.__reached"))
    assert set(want) <= reached, sorted(set(want) - reached)[:5]
    page.close()


def test_compare_any_two_shows_both_sides_and_their_reasons(site: Path, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((site / "consortia" / "white-rose-fostering.html").as_uri())
    page.select_option("#cg-peer", "ne7-fostering")
    page.locator("form.cg-compare-form button").click()
    assert "compare.html?a=white-rose-fostering&b=ne7-fostering" in page.url
    page.wait_for_function("document.querySelector('#cg-compare-status').textContent.length > 0")
    status = page.locator("#cg-compare-status").inner_text()
    assert "White Rose" in status, status
    result = page.locator("#cg-compare-result")
    assert "We have held framework prices since award" in result.inner_text()
    assert result.locator("ins, del").count() > 0
    _shot(page, "site-compare.png")
    assert not errors
    page.close()


def test_pages_reflow_at_320_pixels(site: Path, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 320, "height": 800})
    for rel in ("index.html", "consortia/white-rose-fostering.html", "matrix.html",
                "clauses/fostering-2026.2/referrals.call-off.tiers.html", "search.html", "status.html",
                "consortia/white-rose-fostering-redline.html", "contracts/fostering-2026.2.html"):
        page.goto((site / rel).as_uri())
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{rel} scrolls sideways at 320 px ({width} px wide)"
    _shot(page, "site-320px.png")
    page.close()


TEMPLATES = {  # one page of every template (and the states search and compare render into)
    "home": "index.html", "version": "contracts/fostering-2026.2.html",
    "clause": "clauses/fostering-2026.2/referrals.call-off.tiers.html",
    "value": "clauses/fostering-2026.2/value-price-freeze.html",
    "consortium": "consortia/white-rose-fostering.html", "redline": "consortia/white-rose-fostering-redline.html",
    "matrix": "matrix.html", "status": "status.html", "accessibility": "accessibility.html",
    "search": "search.html?q=tiers", "compare": "compare.html?a=white-rose-fostering&b=ne7-fostering",
}


def _axe(page: Any) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    return results.response["violations"]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_axe_finds_no_wcag_22_aa_violation(site: Path, browser: Any, template: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    rel = TEMPLATES[template]
    path, _, query = rel.partition("?")
    page.goto((site / path).as_uri() + (f"?{query}" if query else ""))
    if template == "search":
        page.wait_for_function("document.querySelector('#cg-search-status').textContent.indexOf('result') >= 0")
    if template == "compare":
        page.wait_for_function("document.querySelector('#cg-compare-status').textContent.length > 0")
    violations = _axe(page)
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in violations]
    page.close()


def test_axe_would_catch_a_violation(site: Path, browser: Any, tmp_path: Path) -> None:
    """The scan is not vacuous: the same page with its skip link's text removed and an unlabelled
    control added fails it."""
    src = (site / "status.html").read_text("utf-8")
    bad = src.replace("Skip to main content", "").replace("</main>", '<input type="text"></main>')
    copy = tmp_path / "site"
    shutil.copytree(site / "static", copy / "static")
    (copy / "status.html").write_text(bad, "utf-8")
    page = browser.new_page()
    page.goto((copy / "status.html").as_uri())
    ids = {v["id"] for v in _axe(page)}
    assert {"label", "link-name"} <= ids, ids
    page.close()


def test_a_wrong_packs_folder_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    r = run_cli("site", "-o", str(tmp_path / "s"), "--packs", str(tmp_path / "nope"))
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert re.search(r"nope: no such folder; write the packs first", r.stderr), r.stderr
    assert not (tmp_path / "s").exists()
