"""The pricing workbook prints: landscape, every column of a sheet on one page width, the header row
repeated, one page per sheet, titles without repetition, and each lot priced by its own basis.

Two packs are printed through LibreOffice: a fostering pack with several lots, age bands, tiers and
a parent-and-child lot (south-central-fostering), and a residential one with four lots, one of them
parent and child, and no age bands of its own (white-rose-residential)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import convert_with_libreoffice, run_cli

PACKS = ["south-central-fostering", "white-rose-residential"]
WORKBOOK = "07-pricing-schedule.xlsx"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("wbprint")
    found = {}
    for name in PACKS:
        r = run_cli("pack", f"variations/{name}.yaml", "-o", str(out))
        assert r.returncode == 0, r.stderr[-3000:]
        found[name] = out / name / WORKBOOK
    return found


@pytest.fixture(scope="module")
def pdfs(books: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    soffice = shutil.which("soffice")
    if not (soffice and shutil.which("pdfinfo") and shutil.which("pdftotext")):
        pytest.skip("needs soffice, pdfinfo and pdftotext")
    tmp = tmp_path_factory.mktemp("wbpdf")
    inputs = []
    for name, path in books.items():  # every workbook has the same file name: copy them apart
        dst = tmp / "in" / f"{name}.xlsx"
        dst.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, dst)
        inputs.append(dst)
    return convert_with_libreoffice(soffice, inputs, tmp / "out", "pdf")


def _pages(pdf: Path) -> list[tuple[float, float, str]]:
    """Return (width, height, text laid out) for each page of a PDF."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    assert int(re.search(r"Pages:\s+(\d+)", info)[1]) == len(sizes)
    out = []
    for i, (w, h) in enumerate(sizes, start=1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        out.append((w, h, text))
    return out


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _header_columns(page: str, headings: list[str]) -> list[str]:
    """Return each column heading as `pdftotext -layout` lays it out on the page, its wrapped lines
    joined: a heading wrapped in its cell takes two or three lines, interleaved with its neighbours'
    lines, each at the column's horizontal offset. The heading row is the first line on which the
    first word of every heading appears, in order; a column runs from its heading's first word to the
    next one's; its text is what those offsets hold on that line and the three below it."""
    lines = page.splitlines()
    for n, line in enumerate(lines):
        starts, pos = [], 0
        for heading in headings:
            found = line.find(heading.split()[0], pos)
            if found < 0:
                break
            starts.append(found)
            pos = found + 1
        if len(starts) < len(headings):
            continue
        ends = [*starts[1:], None]
        return [_flat(" ".join(below[a:b] for below in lines[n:n + 4] if len(below) > a)).strip()
                for a, b in zip(starts, ends)]
    return []


def test_workbook_page_setup(books: dict[str, Path]) -> None:
    from openpyxl import load_workbook

    for name, path in books.items():
        wb = load_workbook(path)
        for ws in wb.worksheets:
            where = f"{name}/{ws.title}"
            assert ws.page_setup.orientation == "landscape", where
            assert ws.page_setup.paperSize in (9, "9"), where  # A4
            assert ws.sheet_properties.pageSetUpPr.fitToPage, where
            assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0, where
            last = ws.max_row
            if ws.title == "Instructions":
                assert ws.print_area == f"'Instructions'!$A$1:$A${last}", where
                assert all(ws.cell(r, 1).alignment.wrap_text for r in range(2, last + 1)), where
                continue
            assert ws.print_area == f"'{ws.title}'!$A$1:$F${last}", where
            header = next(r for r in range(1, last + 1) if ws.cell(r, 6).value == "Total weekly fee (£)")
            assert ws.print_title_rows == f"${header}:${header}", where
            # every heading and row label wraps in its cell, and its row is tall enough for the lines
            for r in range(header, last + 1):
                assert ws.row_dimensions[r].height, f"{where} row {r} has no height"
                for c in range(1, 7):
                    cell = ws.cell(r, c)
                    if isinstance(cell.value, str) and not cell.value.startswith("="):
                        assert cell.alignment.wrap_text, cell.coordinate
            heights = ws.row_dimensions[header].height
            assert heights >= 2 * 14, f"{where}: the header row must hold two lines of a wrapped heading"
            assert not re.match(r"(?i)lot\s*(\d+)\s*:\s*lot\s*\1\b", str(ws["A1"].value)), ws["A1"].value


def test_lots_are_priced_by_their_own_basis(books: dict[str, Path]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(books["south-central-fostering"])
    bands = ["0 to 4 years", "5 to 10 years", "11 years and over"]

    def rows(ws) -> tuple[str, list[str]]:
        header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 6).value == "Total weekly fee (£)")
        return ws.cell(header, 1).value, [ws.cell(r, 1).value for r in range(header + 1, ws.max_row + 1)]

    assert rows(wb["Lot 1"]) == ("Age band", bands)
    assert rows(wb["Lot 2"]) == ("Placement", ["Parent and child placement"]), "priced per placement"
    assert rows(wb["Lot 3"]) == ("Age band", bands)
    assert "per placement" in " ".join(str(c.value) for c in wb["Lot 2"]["A"] if c.value)
    res = load_workbook(books["white-rose-residential"])
    assert rows(res["Lot 4"]) == ("Placement", ["Parent and child placement"])
    assert rows(res["Lot 1"])[0] == "Age band"


def test_libreoffice_prints_each_sheet_on_one_landscape_page(books: dict[str, Path],
                                                             pdfs: dict[str, Path]) -> None:
    """Each sheet holds at most a title, a tier, a heading row and a handful of priced rows (or, for
    the instructions, a few wrapped lines), all of which fit one landscape A4 page once the sheet is
    scaled to one page wide: so the PDF has exactly one page per sheet, in workbook order (each
    page's footer names its sheet and its page number in the workbook), and the page holds the whole heading row and every row label."""
    from openpyxl import load_workbook

    for name, pdf in pdfs.items():
        wb = load_workbook(books[name])
        pages = _pages(pdf)
        assert len(pages) == len(wb.sheetnames), f"{name}: {len(pages)} pages for {len(wb.sheetnames)} sheets"
        for n, ((w, h, text), ws) in enumerate(zip(pages, wb.worksheets), start=1):
            where = f"{name}/{ws.title}"
            assert w > h, f"{where}: the page is not landscape ({w} x {h})"
            footer = rf"{re.escape(ws.title)}\s+—\s+page {n} of {len(pages)}"
            assert re.search(footer, text), f"{where}: page {n} is not the sheet's only page\n{text}"
            assert not re.search(r"(?i)lot\s*(\d+)\s*:\s*lot\s*\1\b", text), f"{where}: repeated lot\n{text}"
            if ws.title == "Instructions":
                for r in range(1, ws.max_row + 1):  # every instruction, whole: nothing cut at the margin
                    assert _flat(str(ws.cell(r, 1).value)) in _flat(text), f"{where} row {r}\n{text}"
                continue
            header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 6).value == "Total weekly fee (£)")
            headings = [ws.cell(header, c).value for c in range(1, 7)]
            laid_out = _header_columns(text, headings)
            assert len(laid_out) == 6, f"{where}: no heading row with every column\n{text}"
            for heading, got in zip(headings, laid_out):  # each whole, in its own column, on this page
                assert got.startswith(heading), f"{where}: {heading!r} laid out as {got!r}\n{text}"
            for r in range(header + 1, ws.max_row + 1):
                assert _flat(ws.cell(r, 1).value) in _flat(text), f"{where}: row {r} is not on the page"
