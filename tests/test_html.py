"""The HTML redline in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import IN_CI, ROOT
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
        page.emulate_media(media="print")
        page.pdf(path=str(ARTIFACTS / "redline-print.pdf")) if False else None
        browser.close()
    assert all(u.startswith("file:") or u.startswith("data:") for u in requests), requests
    assert (ARTIFACTS / "redline.png").stat().st_size > 10_000
