"""Benchmark: `contractgen site` over every shipped consortium, and the weight of its pages.

build: the whole command (`python -m contractgen site -o DIR`, a fresh process each time), median
of `repeats` runs with the spread; then one in-process run split into its steps (gather: load,
resolve and analyse; render: every page and file; write: the folder swap). The floor is writing
the same files to a new folder and nothing else.

weight: what a browser reads from the built site for the home page, a clause page, and the first
search (Chromium via Playwright, from file://: the page, its CSS and scripts, the search files the
query loads, as its stylesheet and script elements name them), in bytes as stored and gzip-compressed (what a web
host that compresses would send). The goal for a first search is under 300 kB transferred.

Run from the project folder: `python bench/bench_site.py [repeats]`.
"""

from __future__ import annotations

import gzip
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def whole_process(repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "contractgen", "site", "-o", f"{tmp}/site"], cwd=ROOT, check=True,
                           capture_output=True)
            times.append(time.perf_counter() - t0)
    return times


def steps() -> dict[str, float]:
    from contractgen.site import write_site
    from contractgen.site.data import gather
    from contractgen.site.pages import pages

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    register = gather(ROOT / "variations", ROOT / "national_contract")
    out["gather"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    files = pages(register)
    out["render"] = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_site(Path(tmp) / "site", files)
        out["write"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        floor = Path(tmp) / "floor"
        for rel, data in files.items():
            p = floor / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        out["floor (write only)"] = time.perf_counter() - t0
    out["files"] = len(files)
    out["MB"] = sum(len(b) for b in files.values()) / 1e6
    return out


def weights(site: Path) -> dict[str, tuple[int, int, int]]:
    """Return {what: (files, bytes, gzip bytes)} read by a browser."""
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    found: dict[str, tuple[int, int, int]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()

        def read(what: str, url: str, search: str | None = None) -> None:
            page.goto(url)
            if search:
                page.fill("#cg-q", search)
                page.locator("#cg-search-form button[type=submit]").click()
                page.wait_for_function("document.querySelector('#cg-search-status').textContent.indexOf('result') >= 0")
            # file:// loads make no performance entries: the page's stylesheets and scripts
            # (search.js adds one script element per index file it loads) are what it read
            names = [page.url.split("#")[0].split("?")[0]]
            names += page.evaluate("Array.from(document.querySelectorAll('link[rel=stylesheet], script[src]'))"
                                   ".map(e => e.href || e.src)")
            paths = [Path(n.removeprefix("file://")) for n in dict.fromkeys(names)]
            raw = sum(q.stat().st_size for q in paths)
            gz = sum(len(gzip.compress(q.read_bytes(), 6)) for q in paths)
            found[what] = (len(paths), raw, gz)

        read("home page", (site / "index.html").as_uri())
        read("clause page", (site / "clauses/fostering-2026.2/referrals.call-off.tiers.html").as_uri())
        read("first search ('tiers')", (site / "search.html").as_uri(), "tiers")
        read("first search ('price freeze')", (site / "search.html").as_uri(), "price freeze")
        browser.close()
    return found


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    times = whole_process(repeats)
    print(f"contractgen site, whole process, {len(times)} runs: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}); goal under 10 s on two cores")
    s = steps()
    print("in-process steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in s.items() if k not in ("files", "MB"))
          + f"; {s['files']:.0f} files, {s['MB']:.1f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "contractgen", "site", "-o", f"{tmp}/site"], cwd=ROOT, check=True,
                       capture_output=True)
        for what, (n, raw, gz) in weights(Path(tmp) / "site").items():
            print(f"{what}: {n} files, {raw / 1024:.0f} kB as stored, {gz / 1024:.0f} kB gzip-compressed")


if __name__ == "__main__":
    main()
