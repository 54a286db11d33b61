"""Benchmark: `contractgen import` of a whole national contract (docs/dev/import.md).

Each shipped national version is built once to DOCX, in memory; then, N times each (median):
reading the document (body, styles, numbering resolved by wordnum), the whole import (read,
structure, ids, references, definitions, YAML written, the written folder validated), and, as a
peer measured in the same run, building that contract's DOCX from its YAML.

    python bench/bench_import.py [repeats]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_time  # noqa: E402

from contractgen import api  # noqa: E402
from contractgen.ingest.import_read import read_document  # noqa: E402
from contractgen.ingest.importer import import_docx  # noqa: E402


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    versions = [(c, v.name) for c in ("fostering", "residential")
                for v in sorted((ROOT / "national_contract" / c).iterdir()) if (v / "contract.yaml").is_file()]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for c, v in versions:
            contract = api.open_source(ROOT / "national_contract" / c, version=v)
            src = work / f"{c}-{v}.docx"
            src.write_bytes(api.build_docx(contract))
            runs = iter(range(10**6))

            def one() -> object:
                return import_docx(src, work / f"run{next(runs)}" / "national_contract" / c / v)

            result = one()  # warm
            read_s = median_time(lambda: read_document(src, src.name), repeat)
            import_s = median_time(one, repeat)
            build_s = median_time(lambda: api.build_docx(contract), repeat)
            print(f"{c}@{v}: {src.stat().st_size / 1024:.0f} KiB, {result.counts.get('clauses', '?')} clauses, "
                  f"{result.counts.get('references', '?')} references; median of {repeat}: "
                  f"read {read_s * 1000:.0f} ms, import {import_s * 1000:.0f} ms "
                  f"(building the same DOCX: {build_s * 1000:.0f} ms; import/build {import_s / build_s:.2f})")


if __name__ == "__main__":
    main()
