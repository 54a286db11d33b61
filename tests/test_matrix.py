"""`contractgen matrix`: clauses × consortia, read back by independent readers (csv, openpyxl,
lxml, Chromium), its counts equal to the overlays' variations (issue 13, first step)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from lxml import html as lhtml
from openpyxl import load_workbook

from conftest import IN_CI, ROOT, run_cli
from contractgen.overlay import resolve_chain
from contractgen.redline.build import _chain_variations

OVERLAYS = sorted((ROOT / "variations").glob("*.yaml"))


@pytest.fixture(scope="module")
def expected() -> dict[str, list]:
    """Every consortium's variations (its chain's, with the values its particulars set)."""
    out = {}
    for p in OVERLAYS:
        r = resolve_chain(p)
        out[p.stem] = _chain_variations(r.base, r.steps)[0]
    return out


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("matrix")
    for suffix in ("csv", "xlsx", "html"):
        r = run_cli("matrix", "-o", str(folder / f"m.{suffix}"))
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith(f"wrote {folder / f'm.{suffix}'} (")
    return folder


def test_the_csv_counts_every_variation_in_its_consortiums_column(written: Path, expected: dict) -> None:
    text = (written / "m.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    for overlay, variations in expected.items():
        listed = [item for r in rows if r["kind"] != "total" for item in r[overlay].split("; ") if item]
        assert len(listed) == len(variations), overlay
        ids = {item.rsplit("(", 1)[1].rstrip(")") for item in listed}
        assert ids == {v.id for v in variations}, overlay
        total = next(r for r in rows if r["kind"] == "total" and r[overlay])
        assert int(total[overlay]) == len(variations)
    # a known cell: Greater Manchester replaces the tiers clause, a procedure variation
    tiers = next(r for r in rows if r["id"] == "referrals.call-off.tiers" and r["contract"] == "residential@2026.2")
    assert tiers["greater-manchester-residential"] == "P replace (gm-tiers-by-lot)"
    assert int(tiers["consortia varying it"]) == sum(1 for o in expected if tiers[o])


def test_the_workbook_has_a_sheet_per_version_with_lettered_coloured_cells(written: Path, expected: dict) -> None:
    wb = load_workbook(written / "m.xlsx")
    assert wb.sheetnames == ["fostering 2026.2", "residential 2026.2"]
    ws = wb["residential 2026.2"]
    head = [c.value for c in ws[1]]
    col = head.index("greater-manchester-residential") + 1
    filled = [ws.cell(row=r, column=col) for r in range(2, ws.max_row) if ws.cell(row=r, column=col).value]
    assert sum(len(c.value.split("; ")) for c in filled) == len(expected["greater-manchester-residential"])
    assert all(c.fill.fgColor.rgb.endswith(("DCEBFA", "FDE8C8", "F9D5D3", "DDF0DC", "EADCF5")) for c in filled)
    assert ws.freeze_panes == "D2"
    assert ws.cell(row=ws.max_row, column=col).value == len(expected["greater-manchester-residential"])


def test_the_html_is_a_real_table_without_javascript(written: Path, expected: dict) -> None:
    doc = lhtml.fromstring((written / "m.html").read_bytes())
    tables = doc.xpath("//table[@class='matrix']")
    assert len(tables) == 2
    for t in tables:
        overlays = [th.text_content() for th in t.xpath("./thead/tr/th")][3:]
        links = t.xpath(".//tbody//a")
        assert len(links) == sum(len(expected[o]) for o in overlays)
        for a in links:  # each cell says its category in a letter, not by colour alone
            assert a.getprevious().text in ("S", "T", "C", "P", "M")
        totals = [int(td.text_content()) for td in t.xpath("./tfoot/tr/td")[1:]]  # after "variations": all, then each
        assert totals == [sum(len(expected[o]) for o in overlays)] + [len(expected[o]) for o in overlays]
    assert not doc.xpath("//*[@src or @href][starts-with(@src, 'http') or starts-with(@href, 'http')]")


def test_the_matrix_sorts_in_chromium_and_every_cell_is_reached_by_keyboard(written: Path) -> None:
    from test_html import ARTIFACTS, chromium

    exe = chromium()
    sync_api = pytest.importorskip("playwright.sync_api") if not IN_CI else __import__(
        "playwright.sync_api", fromlist=["sync_playwright"])
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((written / "m.html").as_uri())
        table = page.locator("table.matrix").nth(1)  # residential
        button = table.locator("thead th").nth(2).locator("button")  # "Consortia": how many vary the row
        button.focus()
        page.keyboard.press("Enter")  # sort by keyboard
        counts = [int(x) for x in table.locator("tbody tr td.n").all_inner_texts()]
        assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
        assert table.locator("thead th").nth(2).get_attribute("aria-sort") == "descending"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "matrix-sorted.png"))
        # keyboard only: Tab reaches every link of the first rows in order
        first_links = table.locator("tbody a")
        n = min(first_links.count(), 8)
        first_links.nth(0).focus()
        for i in range(1, n):
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.id") == first_links.nth(i).get_attribute("id")
        browser.close()


def test_a_wrong_suffix_is_refused(tmp_path: Path) -> None:
    r = run_cli("matrix", "-o", str(tmp_path / "m.pdf"))
    assert r.returncode == 1
    assert "the matrix is written as .csv, .xlsx or .html" in r.stderr
    assert not (tmp_path / "m.pdf").exists()


def test_the_matrix_is_deterministic(tmp_path: Path, written: Path) -> None:
    for suffix in ("xlsx",):  # the one that carries a timestamp (docProps/core.xml)
        run_cli("matrix", "-o", str(tmp_path / f"m.{suffix}"))
        assert (tmp_path / f"m.{suffix}").read_bytes() == (written / f"m.{suffix}").read_bytes(), suffix
