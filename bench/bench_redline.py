"""Benchmark: contractgen's redline against python-redlines 2.x (the Docxodus engine), one run.

Both compare the same pair: the national base and the overlay with the most variations.
contractgen works from the sources; the peer compares the two .docx files `contractgen build`
wrote for them. Correctness is read the same way for both: pandoc's accept-all / reject-all
text of the redline against pandoc's text of the varied / base document.

    bash bench/setup_peer.sh            # once: .bench-venv with python-redlines
    python bench/bench_redline.py [repeats] [--peer-python .bench-venv/bin/python]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_time  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from contractgen import api  # noqa: E402
from contractgen.overlay import resolve_chain  # noqa: E402
from docxread import pandoc_paragraphs  # noqa: E402

PEER = r"""
import json, statistics, sys, time
from python_redlines import DocxodusEngine
engine = DocxodusEngine()
base, varied, out, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
times = []
for _ in range(repeat):
    t0 = time.perf_counter()
    data, _, _ = engine.run_redline("peer", base, varied)
    times.append(time.perf_counter() - t0)
open(out, "wb").write(data)
print(json.dumps({"median": statistics.median(times), "times": times}))
"""




def body(paragraphs: list[str], marker: str | None) -> list[str]:
    if marker and marker in paragraphs:
        return paragraphs[paragraphs.index(marker) + 1:]
    if "Contents" in paragraphs:  # a built contract: skip title page and contents
        i = paragraphs.index("Contents")
        while i + 1 < len(paragraphs) and (paragraphs[i + 1][:1].isdigit() or paragraphs[i + 1].startswith("Schedule ")):
            i += 1
        return paragraphs[i + 1:]
    return paragraphs


def same(a: list[str], b: list[str]) -> str:
    import difflib
    import re

    if a == b:
        return "exact"
    num = re.compile(r"\d+(?:\.\d+)*(?:\([a-z]+\))*")
    if [num.sub("#", x) for x in a] == [num.sub("#", x) for x in b]:
        return "same text, numbers aside"
    return f"differs (similarity {difflib.SequenceMatcher(None, a, b, autojunk=False).ratio():.3f})"


def main() -> None:
    args = sys.argv[1:]
    repeat = int(args[0]) if args and args[0].isdigit() else 5
    peer_python = args[args.index("--peer-python") + 1] if "--peer-python" in args else ".bench-venv/bin/python"
    overlays = sorted(Path("variations").glob("*.yaml"))
    overlay = max(overlays, key=lambda p: len(resolve_chain(p).overlay.variations))
    n_var = len(resolve_chain(overlay).overlay.variations)
    tmp = Path(tempfile.mkdtemp())
    base_doc, varied_doc = tmp / "base.docx", tmp / "varied.docx"
    resolved = resolve_chain(overlay)
    base_doc.write_bytes(api.build_docx(resolved.base))
    varied_doc.write_bytes(api.build_docx(resolved.contract))

    red = api.redline(overlay, with_html=False)
    ours = tmp / "ours.docx"
    ours.write_bytes(red.docx)
    t_in = median_time(lambda: api.redline(overlay, with_html=False), repeat)
    from contractgen.overlay import derived_variations

    variations = [*derived_variations(resolved.base, resolved.overlay), *resolved.overlay.variations]
    t_step = median_time(lambda: api.build_redline(
        resolved.base, resolved.contract, variations, author="x", date=resolved.overlay.effective,
        title="t", subtitle="s", with_html=False), repeat)
    t_in_html = median_time(lambda: api.redline(overlay, with_html=True), repeat)
    t_cli = median_time(lambda: subprocess.run(
        [sys.executable, "-m", "contractgen", "redline", str(overlay), "-o", str(tmp / "cli.docx")],
        check=True, capture_output=True), repeat)

    print(f"pair: {resolved.base.ref} → {overlay.stem} ({n_var} declared variations, {red.changes} tracked changes)")
    print(f"median of {repeat} runs, seconds")
    print(f"  contractgen redline step alone (models → DOCX){t_step:8.3f}")
    print(f"  contractgen redline, in-process (DOCX)        {t_in:8.3f}")
    print(f"  contractgen redline, in-process (DOCX + HTML) {t_in_html:8.3f}")
    print(f"  contractgen redline, CLI                      {t_cli:8.3f}")

    peer_out = tmp / "peer.docx"
    try:
        r = subprocess.run([peer_python, "-c", PEER, str(base_doc), str(varied_doc), str(peer_out), str(repeat)],
                           check=True, capture_output=True, text=True)
        t_peer = json.loads(r.stdout.strip().splitlines()[-1])["median"]
        print(f"  python-redlines 2.x (Docxodus), in-process    {t_peer:8.3f}")
        print(f"  ratio peer / contractgen step alone           {t_peer / t_step:8.1f}x")
        print(f"  ratio peer / contractgen in-process           {t_peer / t_in:8.1f}x")
        print(f"  ratio peer / contractgen CLI                  {t_peer / t_cli:8.1f}x")
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  python-redlines not run ({exc}); run bench/setup_peer.sh first")
        peer_out = None

    want_accept = body(pandoc_paragraphs(varied_doc), None)
    want_reject = body(pandoc_paragraphs(base_doc), None)
    marker = "The contract with the changes tracked"
    print("correctness (pandoc text of accept-all / reject-all against the varied / base document):")
    for name, path, mk in (("contractgen", ours, marker), ("python-redlines", peer_out, None)):
        if path is None:
            continue
        acc = body(pandoc_paragraphs(path, "accept"), mk)
        rej = body(pandoc_paragraphs(path, "reject"), mk)
        print(f"  {name:<16} accept: {same(acc, want_accept)}; reject: {same(rej, want_reject)}")


if __name__ == "__main__":
    main()
