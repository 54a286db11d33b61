"""The HTML redline in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import IN_CI, ROOT, require
from contractgen import api
from docxread import count_revisions

ARTIFACTS = ROOT / "test-artifacts"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if IN_CI:
        pytest.fail("chromium is not installed: .ci/run must install it")
    pytest.skip("chromium is not installed")


def largest_overlay() -> Path:
    overlays = sorted((ROOT / "variations").glob("*.yaml"))
    return max(overlays, key=lambda p: p.read_text(encoding="utf-8").count("\n  - id:"))


def test_html_redline_in_chromium(tmp_path: Path) -> None:
    exe = chromium()
    sync_api = pytest.importorskip("playwright.sync_api") if not IN_CI else __import__(
        "playwright.sync_api", fromlist=["sync_playwright"])
    overlay = largest_overlay()
    red = api.redline(overlay)
    html_path = tmp_path / "redline.html"
    html_path.write_text(red.html or "", encoding="utf-8")
    docx = tmp_path / "redline.docx"
    docx.write_bytes(red.docx)
    html = html_path.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "the HTML must not reach the network"

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html_path.as_uri())
        marked = page.locator("main ins, main del").count()
        assert marked == count_revisions(docx) == red.changes
        register_rows = page.locator("table.register tbody tr").count()
        assert register_rows == red.variations
        # every register link lands on a change in the document
        for href in page.locator("table.register a").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
            assert page.locator(href).count() == 1, href
        # the rationale stands beside its change
        assert page.locator("aside.note").count() >= 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "redline.png"), full_page=False)
        first = page.locator("main .row.changed").first
        first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "redline-change.png"), full_page=False)
        screen = _styles(page)
        assert screen["body_font"] == "15px" and screen["back_display"] != "none", screen
        assert screen["note_column"] == "272px", screen  # 17rem: the print width below is its own
        note = " ".join(page.locator("main aside.note").first.inner_text().split())
        # the reason itself (the note's number, category and status are laid out beside it, and
        # pdftotext may read them in another order)
        reason = " ".join(page.locator("main aside.note").first.evaluate(
            "n => Array.from(n.childNodes).filter(c => !(c.tagName === 'B' || (c.classList && "
            "(c.classList.contains('status') || c.classList.contains('back'))))).map(c => c.textContent).join(' ')"
        ).split())

        # the print stylesheet: on an A4-wide page, 10pt text, narrow margin notes that stay visible
        # beside their change, no register links, nothing running off the page
        page.set_viewport_size({"width": 794, "height": 1123})
        page.emulate_media(media="print")
        printed = _styles(page)
        assert printed["body_font"] == "13.3333px", printed  # 10pt
        assert printed["back_display"] == "none" and printed["main_max_width"] == "none", printed
        assert printed["nav_break_after"] == "page", printed
        assert abs(float(printed["note_column"].removesuffix("px")) - 5.5 / 2.54 * 96) < 0.5, printed  # 5.5cm
        assert printed["notes"] >= 1 and printed["hidden_notes"] == 0, printed
        assert printed["overflowing"] == [], printed
        pdf = page.pdf(format="A4", print_background=True)
        browser.close()
    assert all(u.startswith("file:") or u.startswith("data:") for u in requests), requests
    assert (ARTIFACTS / "redline.png").stat().st_size > 10_000
    # the PDF Chromium prints: several pages, holding the document, its headings and the rationale
    (ARTIFACTS / "redline-print.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    info = subprocess.run([require("pdfinfo"), "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    assert pages > 1, info
    text = subprocess.run([require("pdftotext"), "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    flat = " ".join(text.split()).casefold()
    heading = next(c.heading for _, c in red.varied.walk() if c.heading)
    assert len(reason.split()) >= 6, note
    for want in ("Change register", "The contract with the changes marked", heading, " ".join(reason.split()[:6])):
        assert want.casefold() in flat, f"{want!r} is not in the printed PDF"


def _styles(page) -> dict:
    """Return the computed styles the print stylesheet sets, and what overflows the page width."""
    return page.evaluate("""() => {
        const css = (sel, prop) => { const e = document.querySelector(sel); return e && getComputedStyle(e)[prop]; };
        const width = document.documentElement.clientWidth;
        const notes = [...document.querySelectorAll('main aside.note')];
        return {
            body_font: css('body', 'fontSize'),
            back_display: css('a.back', 'display'),
            main_max_width: css('main', 'maxWidth'),
            nav_break_after: css('nav', 'breakAfter'),
            note_column: (css('main .row.changed', 'gridTemplateColumns') || '').split(' ').pop(),
            notes: notes.length,
            hidden_notes: notes.filter(n => { const r = n.getBoundingClientRect();
                return r.width === 0 || r.height === 0 || getComputedStyle(n).visibility !== 'visible'; }).length,
            overflowing: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1)
                .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40)),
        };
    }""")
