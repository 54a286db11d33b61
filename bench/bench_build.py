"""Benchmark: build each national contract, in-process and as a CLI call, beside the floor.

The floor is the time to merely unzip the same DOCX, parse every XML part with lxml, serialise
it again and re-zip it: no contract can be written faster than its own bytes can be re-packed.
Prints medians (seconds) and ratios; run from the project folder: `python bench/bench_build.py`.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_time  # noqa: E402
from contractgen.api import build_docx, open_source  # noqa: E402

CONTRACTS = ["fostering", "residential"]




def floor(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            raw = src.read(info.filename)
            if info.filename.endswith((".xml", ".rels")):
                raw = etree.tostring(etree.fromstring(raw), xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, raw)
    return out.getvalue()


def main(repeat: int = 7) -> None:
    print(f"median of {repeat} runs each, seconds (python {sys.version.split()[0]})")
    print(f"{'contract':<12} {'in-process':>11} {'  cli':>8} {'floor':>8} {'in-proc/floor':>14} {'words':>7}")
    for name in CONTRACTS:
        src = Path("national_contract") / name

        def inproc() -> bytes:
            return build_docx(open_source(src))

        data = inproc()
        t_in = median_time(inproc, repeat)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "x.docx"
            t_cli = median_time(lambda: subprocess.run(
                [sys.executable, "-m", "contractgen", "build", str(src), "-o", str(out)],
                check=True, capture_output=True), repeat)
        t_floor = median_time(lambda: floor(data), repeat)
        from contractgen.api import contract_stats
        from contractgen.numbering import number_contract

        words = contract_stats(number_contract(open_source(src))).words
        print(f"{name:<12} {t_in:>11.3f} {t_cli:>8.3f} {t_floor:>8.3f} {t_in / t_floor:>13.1f}x {words:>7,}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
