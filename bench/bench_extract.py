"""Benchmark: `contractgen extract` of a whole contract (docs/dev/extract.md).

The contract is the shipped overlay whose consolidated contract has the most paragraphs; its
DOCX is built once, in memory, and then read and extracted against its national base N times
(median). Then every shipped overlay is extracted once, for the spread.

    python bench/bench_extract.py [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_time  # noqa: E402

from contractgen import api  # noqa: E402
from contractgen.ingest.docxread import read_docx  # noqa: E402
from contractgen.ingest.extract import extract  # noqa: E402
from contractgen.numbering import number_contract  # noqa: E402
from contractgen.overlay import resolve_chain  # noqa: E402
from contractgen.render.text import body_text  # noqa: E402


def main() -> None:
    import os

    os.chdir(ROOT)
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    overlays = sorted((ROOT / "variations").glob("*.yaml"))
    resolved = {p.stem: resolve_chain(p) for p in overlays}
    size = {name: len(body_text(number_contract(r.contract))) for name, r in resolved.items()}
    largest = max(size, key=lambda n: (size[n], n))
    r = resolved[largest]
    data = api.build_docx(r.contract)
    doc = read_docx(data)
    result = extract(doc, r.base, largest)  # warm: the base's templates are compiled once per process
    read_s = median_time(lambda: read_docx(data), repeat)
    extract_s = median_time(lambda: extract(read_docx(data), r.base, largest), repeat)
    print(f"largest contract: {largest} ({r.contract.ref}), {size[largest]} body paragraphs, "
          f"{len(doc.paragraphs)} Word paragraphs, {len(doc.tables)} tables, {len(data) / 1024:.0f} KiB")
    print(f"  extracted: {len(result.variations)} variations, residue {len(result.residue)}, "
          f"problems {len(result.problems)}")
    print(f"  read (docxread + wordnum), median of {repeat}: {read_s * 1000:.0f} ms")
    print(f"  read + extract (align, operations, pins, rebuild check, YAML, report), median of {repeat}: "
          f"{extract_s * 1000:.0f} ms")
    times = []
    same = 0
    for name, res in resolved.items():
        blob = api.build_docx(res.contract)
        t0 = time.perf_counter()
        ex = extract(read_docx(blob), res.base, name)
        times.append(time.perf_counter() - t0)
        same += ex.contract is not None and body_text(number_contract(ex.contract)) == \
            body_text(number_contract(res.contract))
    print(f"every shipped overlay once ({len(times)}): median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms, total {sum(times):.1f} s; {same} of {len(times)} give back "
          "their contract's text")


if __name__ == "__main__":
    main()
