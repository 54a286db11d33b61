"""The register's search index (contractgen/site/search.py) and the script that reads it
(static/search.js), run under Node.js against the index Python wrote: one tokenizer on both
sides, the ranking and filters, the file budget, and escaping."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import IN_CI, ROOT
from contractgen.site.search import SearchDoc, build_index, tokens

SCRIPT = ROOT / "contractgen" / "site" / "static" / "search.js"
TRICKY = ["“Child’s Plan”", "Schedule 2 — Monitoring", "£1,000 per week", "9.3(b) of Schedule 2",
          "Café Noël, İstanbul", "ﬁnal ﬂat fees", "process tiers bus status", "A B c dd", "Ofsted-registered",
          "e\u0301cole", "ＦＵＬＬ width", "x</script><script>alert(1)</script>"]


def node() -> str:
    found = shutil.which("node")
    if found:
        return found
    if IN_CI:
        pytest.fail("node is not installed: .ci/run must install it")
    pytest.skip("node is not installed")


def run_node(index: dict[str, bytes], tmp: Path, program: str) -> object:
    """Evaluate the index files and search.js in one Node context, then `program`; return its JSON."""
    for rel, data in index.items():
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_bytes(data)
    harness = f"""
const vm = require('vm'), fs = require('fs'), path = require('path');
const ctx = {{console}}; ctx.window = ctx; vm.createContext(ctx);
vm.runInContext(fs.readFileSync({json.dumps(str(SCRIPT))}, 'utf8'), ctx);
for (const f of fs.readdirSync({json.dumps(str(tmp / 'search'))}).sort())
  vm.runInContext(fs.readFileSync(path.join({json.dumps(str(tmp / 'search'))}, f), 'utf8'), ctx);
const CG = ctx.CGSearch;
process.stdout.write(JSON.stringify((function () {{ {program} }})()));
"""
    r = subprocess.run([node(), "-e", harness], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def corpus() -> list[SearchDoc]:
    return [
        SearchDoc("a.html", "9.3 Tiers", "clause", "Providers are ranked in tiers by quality and price.",
                  {"consortium": ("x",), "category": ("procedure",), "operation": ("replace",), "base": ("f@1",)}),
        SearchDoc("b.html#v", "X: value set, price freeze", "variation",
                  "We have held framework prices since award and set placement budgets on that basis.",
                  {"consortium": ("x",), "category": ("commercial",), "operation": ("set",), "base": ("f@1",)}),
        SearchDoc("c.html", "Safeguarding", "clause", "The Provider shall keep children safe; tiers are not relevant.",
                  {"consortium": ("y",), "category": ("specification",), "operation": ("amend",), "base": ("r@1",)}),
    ]


LABELS = {"consortium": {"x": "Ex", "y": "Why"}, "category": {c: c for c in ("procedure", "commercial", "specification")},
          "operation": {o: o for o in ("replace", "set", "amend")}, "base": {"f@1": "f@1", "r@1": "r@1"}}


def test_python_and_javascript_tokenise_alike(tmp_path: Path) -> None:
    (tmp_path / "search").mkdir()
    got = run_node({}, tmp_path, f"return {json.dumps(TRICKY)}.map(function (t) {{ return CG.tokens(t); }});")
    assert got == [tokens(t) for t in TRICKY]
    assert tokens("“Child’s Plan”") == ["child", "plan"] and tokens("tiers") == ["tier"]
    assert tokens("process") == ["process"] and tokens("£1,000") == ["000"]


def test_ranking_filters_and_prefixes_in_node(tmp_path: Path) -> None:
    index = build_index(corpus(), LABELS)
    got = run_node(index, tmp_path, """
      var f = function (q, filt) { return CG.rank(q, filt || {}); };
      return {tiers: f('tiers'), and: f('tiers quality'), prefix: f('placement budg'), none: f('nothing here'),
              filtered: f('tiers', {base: 'r@1'}), cat: f('', {category: 'commercial'}), two: f('tiers', {consortium: 'x'})};
    """)
    assert got["tiers"] == [0, 2]  # the title counts: 9.3 Tiers first
    assert got["and"] == [0] and got["prefix"] == [1] and got["none"] == []
    assert got["filtered"] == [2] and got["cat"] == [1] and got["two"] == [0]


def test_the_index_is_deterministic_sharded_and_escaped() -> None:
    docs = corpus() + [SearchDoc("d.html", "</script><b>", "clause", "x</script> \u2028 y", {"base": ("f@1",)})]
    a, b = build_index(docs, LABELS), build_index(list(docs), LABELS)
    assert a == b and all(k.startswith("search/") for k in a)
    for data in a.values():
        text = data.decode("utf-8")
        assert "</script" not in text.lower() and "\u2028" not in text
        assert text.startswith("CGSearch.") and text.endswith(");\n")


def test_a_large_corpus_stays_within_budget() -> None:
    # 3,000 words spread over first letters as words are (a shard holds the words of two letters)
    words = [chr(97 + i % 26) + chr(97 + (i * 7) // 26 % 26) + f"x{i}" for i in range(3000)]
    docs = [SearchDoc(f"p{n}.html", f"Clause {n}", "clause", " ".join(words[(n * 37 + k * 11) % 3000] for k in range(80)),
                      {"consortium": (f"c{n % 30}",), "category": ("terms",), "operation": ("amend",), "base": ("f@1",)})
            for n in range(2000)]
    labels = {**LABELS, "consortium": {f"c{i}": f"C{i}" for i in range(30)}, "category": {"terms": "terms"},
              "operation": {"amend": "amend"}}
    files = build_index(docs, labels)
    sizes = {k: len(v) for k, v in files.items()}
    print({"meta": sizes["search/meta.js"], "largest term shard": max(v for k, v in sizes.items() if "/t-" in k),
           "doc chunk": max(v for k, v in sizes.items() if "/d-" in k)})
    assert sizes["search/meta.js"] < 80_000
    # a first search of two words: meta, two term shards, a doc chunk
    first = sizes["search/meta.js"] + 2 * max(v for k, v in sizes.items() if "/t-" in k) + sizes["search/d-0.js"]
    assert first < 300_000, sizes
