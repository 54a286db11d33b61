"""The register's search: the index Python writes (contractgen/site/search.py) and the script that
reads it (contractgen/site/static/search.js), run under Node.js against the very files Python wrote,
and in Chromium from file:// on a page that follows the HTML contract (docs/dev/search.md)."""

from __future__ import annotations

import gzip
import json
import math
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import IN_CI, ROOT, require

from contractgen.site.search import (
    CHUNK,
    TITLE_WEIGHT,
    SearchDoc,
    build_index,
    decode_numbers,
    encode_docs,
    encode_postings,
    excerpt,
    shard_key,
    tokenize,
)

SEARCH_JS = ROOT / "contractgen" / "site" / "static" / "search.js"

#: Strings the two tokenizers must split alike; the expected tokens of those with an opinion.
TRICKY = {
    "“defined terms”": ["defined", "term"],
    "the provider’s carer’s": ["the", "provider", "carer"],
    "Call-off — Greater Manchester: replace": ["call", "off", "greater", "manchester", "replace"],
    "Schedule 2": ["schedule", "2"],
    "£1,000 and £12,500,000 (1,2)": ["1000", "and", "12500000", "1", "2"],
    "9.3(b)": ["9.3"],
    "clause 12.4.1. See 2026.2": ["clause", "12.4.1", "see", "2026.2"],
    "Zoë Brontë, café, naïve résumé": ["zoe", "bronte", "cafe", "naive", "resume"],
    "Łódź, Ørsted, Straße, Æsir, İstanbul": ["lodz", "orsted", "strasse", "aesir", "istanbul"],
    "ﬁnal Ｆｕｌｌｗｉｄｔｈ ½ ²": ["final", "fullwidth", "1", "2", "2"],
    "parties authorities processes status basis placements tiers days series": [
        "party", "authority", "process", "status", "basis", "placement", "tier", "day", "sery"],
    "a I x OK": ["ok"],
    "tab\tnew\nline\u2028sep\u00a0nbsp": ["tab", "new", "line", "sep", "nbsp"],
    "CONSTRUCTOR __proto__ hasOwnProperty": ["constructor", "proto", "hasownproperty"],
    "": [],
}
MORE_TRICKY = ["e\u0301te\u0301", "ǅungla", "Ⅻ ㎏", "𝐁𝐨𝐥𝐝 𝟗.𝟑", "x\u200by", "٣ arabic digit", "1990s 1,0000",
               "a.b 9. .9 9..3", "9,999.5", "UPPER lower MiXeD", "K Å ﬀ", "don't", "o'clock", "e-mail"]

HARNESS = r"""
// A minimal window for search.js: <script> elements appended to the head are read from the site
// folder and run in the same context, after the current task, as a browser does.
const vm = require("vm"), fs = require("fs"), path = require("path");
const req = JSON.parse(fs.readFileSync(0, "utf8"));
const site = req.site;
let loaded = [];
const head = {appendChild(el) {
  setImmediate(() => {
    const file = path.resolve(site, el.src);
    let code;
    try { code = fs.readFileSync(file, "utf8"); } catch (e) { el.onerror && el.onerror({}); return; }
    loaded.push(path.relative(site, file).split(path.sep).join("/"));
    vm.runInContext(code, ctx, {filename: file});
    el.onload && el.onload({});
  });
}};
const document = {head, readyState: "complete", createElement: () => ({}), getElementById: () => null};
const ctx = vm.createContext({document, setImmediate, console});
ctx.window = ctx;
vm.runInContext(fs.readFileSync(req.script, "utf8"), ctx, {filename: req.script});
const S = ctx.CGSearch;
S.setRoot(req.root);
(async () => {
  const out = [];
  for (const op of req.ops) {
    if (op.op === "tokenize") { out.push(op.texts.map(t => Array.from(S.tokenize(t)))); continue; }
    if (op.op === "postings") { const p = S.postings(op.s); out.push([Array.from(p.docs), Array.from(p.tfs)]); continue; }
    if (op.op === "numbers") { out.push(Array.from(S.numbers(op.s))); continue; }
    loaded = [];
    out.push(await new Promise(resolve => S.search(op.q, op.filters || {}, op.page || 1, (err, res) => {
      if (err) { resolve({error: err.message, loaded}); return; }
      resolve({total: res.total, page: res.page, pages: res.pages, tokens: Array.from(res.tokens),
               urls: res.results.map(r => r.url), titles: res.results.map(r => r.title),
               scores: res.results.map(r => r.score), docs: res.results.map(r => r.doc),
               tags: res.results.map(r => r.tags.map(t => t.name + ": " + t.text)),
               excerpts: res.results.map(r => r.excerpt), kinds: res.results.map(r => r.kind), loaded});
    })));
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


@pytest.fixture(scope="session")
def node() -> str:
    return require("node")


def write_site(folder: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    (folder / "static").mkdir(exist_ok=True)
    shutil.copy(SEARCH_JS, folder / "static" / "search.js")
    return folder


def run_js(node: str, site: Path, ops: list[dict[str, Any]], root: str = "./") -> list[Any]:
    harness = site / "harness.cjs"
    harness.write_text(HARNESS, encoding="utf-8")
    request = {"site": str(site), "script": str(site / "static" / "search.js"), "root": root, "ops": ops}
    r = subprocess.run([node, str(harness)], check=False, input=json.dumps(request), capture_output=True,
                       text=True, encoding="utf-8", timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def payload(data: bytes) -> Any:
    """The JSON a search file hands to CGSearch.add."""
    text = data.decode("utf-8")
    m = re.fullmatch(r'window\.CGSearch&&CGSearch\.add\("(\w+)","([\w]*)",(.*)\);\n', text, re.DOTALL)
    assert m, text[:100]
    return json.loads(m.group(3))


# --- a small corpus whose rankings are worked out by hand ----------------------------------------

F = "fostering@2026.2"
LABELS = {"consortium": {"gm-fostering": "Greater Manchester", "wrf": "White Rose", "er4": "Eastern Region 4",
                         "gm-residential": "Greater Manchester (residential)", "mers": "Merseyside"},
          "category": {"procedure": "Procedure", "commercial": "Commercial", "terms": "Terms"},
          "operation": {"replace": "replace", "set": "set", "insert": "insert"},
          "base": {F: F, "residential@2026.2": "residential@2026.2"}}
SMALL = [
    SearchDoc("clauses/fostering-2026.2/referrals.call-off.html", "9.3 Call-off", "clause",
              "The authority may call off a placement from the tiers of the framework.", {"base": (F,)}),
    SearchDoc("clauses/fostering-2026.2/referrals.call-off.html#v-gm-tiers-by-lot",
              "9.3 Call-off — Greater Manchester: replace (gm-tiers-by-lot)", "variation",
              "Call-offs are made by tiers within each lot. Tiers keep local providers first.",
              {"consortium": ("gm-fostering",), "category": ("procedure",), "operation": ("replace",), "base": (F,)}),
    SearchDoc("values/fostering-2026.2/value-price-freeze.html#v-wrf-price-freeze",
              "Value: price freeze — White Rose: set (wrf-price-freeze)", "variation",
              "Placement budgets are held, so framework prices are frozen for 2026/27 (£1,000 cap).",
              {"consortium": ("wrf",), "category": ("commercial",), "operation": ("set",), "base": (F,)},
              "Budgets are held at framework prices."),
    SearchDoc("clauses/residential-2026.2/tiers.html", "4.1 Tiers", "clause", "Providers are ranked in tiers.",
              {"consortium": ("gm-residential", "mers"), "base": ("residential@2026.2",)}),
    SearchDoc("consortia/gm-fostering.html", "Greater Manchester", "consortium",
              "Greater Manchester Fostering Framework, North West",
              {"consortium": ("gm-fostering",), "base": (F,), "category": (), "operation": ()}),
    SearchDoc("terms/fostering-2026.2/placement.html", "Definition: “Placement”", "term",
              "“Placement” means the placement of a child with a foster carer under Schedule 2.", {"base": (F,)}),
    SearchDoc("clauses/fostering-2026.2/fees.html#v-er4-fees", "12.1 Fees — Eastern Region 4: insert (er4-fees)",
              "variation", "A tiered approach to café fees — Zoë’s naïve résumé </script><script>alert(1)</script>"
              " \u2028 <!-- x",
              {"consortium": ("er4",), "category": ("terms",), "operation": ("insert",), "base": (F,)}),
]
URLS = [d.url for d in SMALL]


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site(tmp_path_factory.mktemp("small"), build_index(SMALL, LABELS))


# --- Python ---------------------------------------------------------------------------------------


def test_tokenizer_cases() -> None:
    for text, expected in TRICKY.items():
        assert tokenize(text) == expected, text


def test_shard_keys_and_number_lists() -> None:
    assert [shard_key(t) for t in ("9.3", "12.4.1", "tier", "2", "ab")] == ["93", "12", "ti", "2", "ab"]
    rng = random.Random(5)
    docs = sorted(rng.sample(range(100_000), 500))
    posts = [(d, rng.choice([1, 1, 1, 2, 3, 40, 5000])) for d in docs]
    nums = decode_numbers(encode_postings(posts))
    back, last, i = [], -1, 0
    while i < len(nums):
        last += nums[i] // 2 + 1
        tf = nums[i + 1] + 2 if nums[i] % 2 else 1
        i += 2 if nums[i] % 2 else 1
        back.append((last, tf))
    assert back == posts
    assert decode_numbers(encode_docs(docs)) == [b - a - 1 for a, b in zip([-1, *docs], docs)]
    assert encode_postings([(0, 1), (1, 1), (2, 1)]) == "000"


def test_build_index_is_deterministic_and_under_search() -> None:
    a = build_index(SMALL, LABELS)
    b = build_index(list(SMALL), {k: dict(reversed(list(v.items()))) for k, v in reversed(list(LABELS.items()))})
    assert a == b  # the labels' order does not matter
    assert list(a) == sorted(a)
    assert all(re.fullmatch(r"search/(meta|t-[a-z0-9]{1,2}|d-[0-9]+)\.js", p) for p in a), sorted(a)
    assert build_index(SMALL, LABELS) == a
    assert build_index(SMALL[::-1], LABELS) != a


def test_nothing_can_end_a_script_and_the_text_survives() -> None:
    files = build_index(SMALL, LABELS)
    for path, data in files.items():
        text = data.decode("utf-8")
        assert "</" not in text and "<!--" not in text and "\u2028" not in text and "\u2029" not in text, path
        payload(data)  # still JSON
    chunk = payload(files["search/d-0.js"])
    assert chunk[6][3] == excerpt(SMALL[6]) and "</script><script>alert(1)</script>" in chunk[6][3]
    assert chunk[2][3] == "Budgets are held at framework prices."  # the excerpt given
    assert chunk[0][3] == SMALL[0].text  # none given: the text


def test_meta_holds_the_facets_and_the_shards() -> None:
    files = build_index(SMALL, LABELS)
    meta = payload(files["search/meta.js"])
    assert meta["docs"] == len(SMALL) and meta["chunk"] == CHUNK and meta["format"] == 1
    assert sorted(meta["shards"].split()) == sorted(p[len("search/t-"):-3] for p in files if "/t-" in p)
    facets = {f["name"]: f for f in meta["facets"]}
    assert [f["name"] for f in meta["facets"]] == ["kind", "consortium", "category", "operation", "base"]
    gm = next(v for v in facets["consortium"]["values"] if v[0] == "gm-fostering")
    assert gm[1] == "Greater Manchester"
    assert decode_numbers(gm[2]) == [1, 2]  # docs 1 and 4: gaps 2 and 3, less one each
    shard = payload(files["search/t-ti.js"])
    # doc 0 (tf 1): 0; doc 1 (gap 1, tf 3 + 2 from title and text): 1 then 3; doc 3 (gap 2, tf 4): 3 then 2
    assert decode_numbers(shard["tier"]) == [0, 1, 5 - 2, 2 * 1 + 1, (TITLE_WEIGHT + 1) - 2]


def test_bad_documents_are_refused() -> None:
    good = SMALL[0]
    for bad, why in [(SearchDoc("/abs.html", "t", "clause", "x", {}), "relative"),
                     (SearchDoc("https://example.org/", "t", "clause", "x", {}), "relative"),
                     (SearchDoc(good.url, "t", "chapter", "x", {}), "kind"),
                     (SearchDoc(good.url, "t", "clause", "x", {"kind": ("clause",)}), "facet name"),
                     (SearchDoc(good.url, "t", "clause", "x", {"base": "fostering"}), "tuple")]:
        with pytest.raises(ValueError, match=why):
            build_index([good, bad], {})


def test_excerpts_are_short_and_whole_words() -> None:
    long = SearchDoc("a.html", "t", "clause", " ".join(["placement"] * 100), {})
    e = excerpt(long)
    assert len(e) <= 240 and e.endswith("placement…")
    assert excerpt(SearchDoc("a.html", "t", "clause", "short\n  text", {})) == "short text"


# --- JavaScript under Node ------------------------------------------------------------------------


def test_python_and_javascript_tokenise_alike(node: str, tmp_path: Path) -> None:
    texts = [*TRICKY, *MORE_TRICKY, *corpus_strings()]
    site = write_site(tmp_path, {})
    (js,) = run_js(node, site, [{"op": "tokenize", "texts": texts}])
    differ = [(t, tokenize(t), j) for t, j in zip(texts, js) if tokenize(t) != j]
    assert not differ, differ[:5]
    assert len(texts) > 4000


def test_javascript_decodes_what_python_encodes(node: str, tmp_path: Path) -> None:
    rng = random.Random(7)
    docs = sorted(rng.sample(range(3_000_000), 300))
    posts = [(d, rng.choice([1, 2, 3, 31, 32, 33, 1025, 99999])) for d in docs]
    site = write_site(tmp_path, {})
    got = run_js(node, site, [{"op": "postings", "s": encode_postings(posts)},
                              {"op": "numbers", "s": encode_docs(docs)}])
    assert got[0] == [docs, [tf for _, tf in posts]]
    assert got[1] == decode_numbers(encode_docs(docs))


def test_queries_rank_as_worked_out(node: str, small_site: Path) -> None:
    ops = [
        {"q": "tiers"},  # 1: tf 3 (title) + 2; 3: 3 + 1; 0: 1; 6: "tiered", a prefix match, weighs half
        {"q": "tiers", "filters": {"consortium": ["gm-fostering"]}},
        {"q": "", "filters": {"consortium": ["gm-fostering", "wrf"]}},  # OR within a facet, in doc order
        {"q": "", "filters": {"consortium": ["gm-fostering"], "category": ["procedure"]}},  # AND across
        {"q": "", "filters": {"kind": ["term"]}},
        {"q": "greater manch"},  # the last token as a prefix
        {"q": "manch greater"},  # only the last: "manch" is no word
        {"q": "£1,000"},
        {"q": "9.3"},  # a tie: document order
        {"q": "Schedule 2"},
        {"q": "CAFÉ zoe naive"},
        {"q": "placements"},
        {"q": "the zzzz"},
        {"q": "tiers", "filters": {"consortium": ["no-such-consortium"]}},
        {"q": "alert script"},
        {"q": "a"},
    ]
    got = run_js(node, small_site, [{"op": "search", **o} for o in ops])
    urls = [[URLS.index(u) for u in g["urls"]] for g in got]
    assert urls == [[1, 3, 0, 6], [1], [1, 2, 4], [1], [5], [4, 1], [], [2], [0, 1], [5], [6], [5, 0, 2], [], [],
                    [6], []]
    assert got[0]["tokens"] == ["tier"] and got[0]["total"] == 4
    first = got[0]
    assert first["titles"][0] == SMALL[1].title and first["kinds"] == ["variation", "clause", "clause", "variation"]
    assert first["tags"][0] == ["Type: Variation", "Consortium: Greater Manchester", "Category: Procedure",
                                "Operation: replace", "Base version: fostering@2026.2"]
    assert first["tags"][1][:3] == ["Type: Clause", "Consortium: Greater Manchester (residential)",
                                    "Consortium: Merseyside"]
    assert got[14]["titles"] == [SMALL[6].title] and got[14]["excerpts"][0] == excerpt(SMALL[6])
    # the scores are the documented tf-idf: (1 + ln tf) × ln(1 + N/df), a prefix match × 0.5
    idf = math.log(1 + 7 / 3)
    expected = [(1 + math.log(5)) * idf, (1 + math.log(4)) * idf, idf, 0.5 * math.log(1 + 7 / 1)]
    assert first["scores"] == pytest.approx(expected)
    # only what the query needs was loaded: meta, one shard, the chunk of its results
    assert first["loaded"] == ["search/meta.js", "search/t-ti.js", "search/d-0.js"]
    assert got[1]["loaded"] == []  # all of it already there


def test_a_missing_file_is_an_error_not_a_hang(node: str, tmp_path: Path) -> None:
    site = write_site(tmp_path, build_index(SMALL, LABELS))
    (site / "search" / "t-ti.js").unlink()
    got = run_js(node, site, [{"op": "search", "q": "tiers"}, {"op": "search", "q": "greater"}])
    assert got[0]["error"] == "could not load search/t-ti.js"
    assert got[1]["urls"] == [SMALL[4].url, SMALL[1].url]  # doc 4: "Greater" in title and text
    shutil.rmtree(site / "search")
    (other,) = run_js(node, site, [{"op": "search", "q": "tiers"}])
    assert other["error"] == "could not load search/meta.js"


def test_the_root_the_page_declares_is_where_files_are_read(node: str, tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", build_index(SMALL, LABELS))
    deeper = tmp_path / "site" / "a" / "b"
    deeper.mkdir(parents=True)
    harness_site = deeper  # the harness resolves script src against this folder, as a page there would
    shutil.copytree(tmp_path / "site" / "static", deeper / "static")
    (got,) = run_js(node, harness_site, [{"op": "search", "q": "tiers"}], root="../..")
    assert got["loaded"] == ["../../search/meta.js", "../../search/t-ti.js", "../../search/d-0.js"]
    assert len(got["urls"]) == 4 and site.is_dir()


def test_empty_index(node: str, tmp_path: Path) -> None:
    files = build_index([], LABELS)
    assert list(files) == ["search/meta.js"]
    (got,) = run_js(node, write_site(tmp_path, files), [{"op": "search", "q": "tiers"}])
    assert got["total"] == 0 and got["urls"] == []


# --- a synthetic corpus the size of the register, from the contracts' own words -------------------


def corpus_strings() -> list[str]:
    found: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, str):
            if len(x.split()) >= 3:
                found.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for f in sorted([*(ROOT / "national_contract").rglob("*.yaml"), *(ROOT / "variations").glob("*.yaml")]):
        walk(yaml.safe_load(f.read_text(encoding="utf-8")))
    return found


def synthetic(n: int = 2000, words: int = 80) -> tuple[list[SearchDoc], dict[str, dict[str, str]]]:
    """n documents of `words` words each, drawn from the national contracts' and overlays' text."""
    rng = random.Random(13)
    pool = " ".join(corpus_strings()).split()
    consortia = [f"consortium-{i:02d}" for i in range(30)]
    cats, ops = ["specification", "terms", "commercial", "procedure", "monitoring"], [
        "replace", "insert", "delete", "set", "append", "move"]
    bases = ["fostering@2026.1", "fostering@2026.2", "residential@2026.1", "residential@2026.2"]
    kinds = ["variation"] * 6 + ["clause"] * 2 + ["term", "parameter"]
    docs = []
    for i in range(n):
        start = rng.randrange(len(pool) - words)
        text = " ".join(pool[start:start + words])
        heading = " ".join(pool[rng.randrange(len(pool) - 3):][:3])
        c, kind = rng.choice(consortia), rng.choice(kinds)
        title = f"{rng.randint(1, 30)}.{rng.randint(1, 9)} {heading} — Consortium {c[-2:]}: replace ({c}-v{i})"
        docs.append(SearchDoc(f"clauses/{rng.choice(bases).replace('@', '-')}/clause-{i}.html#v-{c}-v{i}", title,
                              kind, text, {"consortium": (c,), "category": (rng.choice(cats),),
                                           "operation": (rng.choice(ops),), "base": (rng.choice(bases),)}))
    labels = {"consortium": {c: f"The {c.replace('-', ' ').title()} Children's Framework" for c in consortia},
              "category": {c: c.capitalize() for c in cats}, "operation": {o: o for o in ops},
              "base": {b: b for b in bases}}
    return docs, labels


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[SearchDoc], dict[str, bytes], Path]:
    docs, labels = synthetic()
    files = build_index(docs, labels)
    assert files == build_index(docs, labels)
    return docs, files, write_site(tmp_path_factory.mktemp("big"), files)


#: A first search may transfer, in all, the page, the CSS, search.js and the index files it reads.
BUDGET, CSS, PAGE = 300_000, 100_000, 15_000
QUERIES = ["the", "provider", "placement", "the provider shall", "co", "safeguarding children", "price freeze",
           "9.3", "schedule 2", "consortium 07"]


def test_sizes_within_budget(big: tuple[list[SearchDoc], dict[str, bytes], Path], node: str) -> None:
    docs, files, site = big
    shards = {p: len(b) for p, b in files.items() if "/t-" in p}
    chunks = [len(b) for p, b in files.items() if "/d-" in p]
    meta, js = len(files["search/meta.js"]), SEARCH_JS.stat().st_size
    gz = len(gzip.compress(SEARCH_JS.read_bytes(), 6))
    biggest = sorted(shards.items(), key=lambda kv: -kv[1])[:3]
    print(f"\nsynthetic corpus: {len(docs)} docs × 80 words; {len(files)} files, "
          f"{sum(len(b) for b in files.values()):,} bytes in all")
    print(f"meta.js {meta:,} B; {len(shards)} shards, largest {', '.join(f'{p} {n:,} B' for p, n in biggest)}, "
          f"median {sorted(shards.values())[len(shards) // 2]:,} B; {len(chunks)} chunks of {CHUNK} docs, "
          f"largest {max(chunks):,} B; search.js {js:,} B ({gz:,} B gzipped)")
    assert meta < 60_000
    assert max(shards.values()) < 40_000
    assert js < 30_000
    got = run_js(node, site, [{"op": "search", "q": q} for q in QUERIES])
    worst = 0
    for q, g in zip(QUERIES, got):
        read = js + sum((site / f).stat().st_size for f in g["loaded"])
        worst = max(worst, read)
        print(f"first search {q!r}: {g['total']} results, {len(g['loaded'])} files, {read:,} B "
              f"(with a {PAGE // 1000} kB page and {CSS // 1000} kB of CSS: {read + PAGE + CSS:,} B)")
        assert g["total"] > 0, q
    assert worst + PAGE + CSS < BUDGET


def test_javascript_ranks_as_documented_on_the_big_corpus(big: tuple[list[SearchDoc], dict[str, bytes], Path],
                                                          node: str) -> None:
    """search.js's order equals a Python reading of the same files with the documented formula."""
    docs, files, site = big
    queries = ["the provider", "placement", "safeguarding", "price", "shall not", "co"]
    filters = [{}, {"consortium": ["consortium-03", "consortium-04"]}, {"category": ["terms"], "base": ["fostering@2026.2"]}]
    ops = [{"op": "search", "q": q, "filters": f} for q in queries for f in filters]
    got = run_js(node, site, ops)
    for op, g in zip(ops, got):
        ranked = reference_rank(files, op["q"], op["filters"])
        assert g["total"] == len(ranked), op
        assert g["docs"] == [d for d, _ in ranked[:20]] or _ties_only(g, ranked), op
        assert g["scores"] == pytest.approx([s for _, s in ranked[:20]], rel=1e-12), op
        assert [docs[d].url for d in g["docs"]] == g["urls"]


def _ties_only(g: dict[str, Any], ranked: list[tuple[int, float]]) -> bool:
    """Orders that differ only among scores equal to the last bit of a log (V8's and libm's can)."""
    by_doc = dict(ranked)
    return all(math.isclose(by_doc[d], s, rel_tol=1e-12) for d, s in zip(g["docs"], g["scores"]))


def reference_rank(files: dict[str, bytes], query: str, filters: dict[str, list[str]]) -> list[tuple[int, float]]:
    meta = payload(files["search/meta.js"])
    n = meta["docs"]
    allowed = set(range(n))
    for facet in meta["facets"]:
        want = filters.get(facet["name"])
        if want:
            docs: set[int] = set()
            for vid, _, enc in facet["values"]:
                if vid in want:
                    last = -1
                    for gap in decode_numbers(enc):
                        last += gap + 1
                        docs.add(last)
            allowed &= docs
    raw = tokenize(query)
    toks = list(dict.fromkeys(raw))
    prefix = bool(raw) and raw.index(raw[-1]) == len(raw) - 1
    scores: dict[int, float] | None = None
    for i, tok in enumerate(toks):
        path = f"search/t-{shard_key(tok)}.js"
        shard = payload(files[path]) if path in files else {}
        terms = [t for t in shard if t.startswith(tok)] if prefix and i == len(toks) - 1 else (
            [tok] if tok in shard else [])
        contrib: dict[int, float] = {}
        for t in terms:
            nums, posts, last, j = decode_numbers(shard[t]), [], -1, 0
            while j < len(nums):
                last += nums[j] // 2 + 1
                posts.append((last, nums[j + 1] + 2 if nums[j] % 2 else 1))
                j += 2 if nums[j] % 2 else 1
            idf = math.log(1 + n / len(posts))
            w = 1 if t == tok else 0.5
            for d, tf in posts:
                if d in allowed:
                    contrib[d] = max(contrib.get(d, 0), w * (1 + math.log(tf)) * idf)
        scores = contrib if scores is None else {d: s + contrib[d] for d, s in scores.items() if d in contrib}
    return sorted((scores or {}).items(), key=lambda ds: (-ds[1], ds[0]))


# --- Chromium, from file:// -----------------------------------------------------------------------

PAGE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Search</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'">
</head><body><main>
<h1>Search the register</h1>
<form id="cg-search-form" action="search.html" method="get" role="search" data-site-root="../">
  <label class="govuk-label" for="cg-q">Search clauses, variations and reasons</label>
  <input class="govuk-input" id="cg-q" name="q" type="search">
  FACETS
  <button class="govuk-button" type="submit">Search</button>
</form>
<p id="cg-search-status" class="govuk-body" role="status" aria-live="polite"></p>
<ol id="cg-search-results" class="govuk-list"></ol>
<noscript><p class="govuk-body">Search needs JavaScript.</p></noscript>
<script src="../static/search.js"></script>
</main></body></html>
"""


def wait_status(page: Any, text: str) -> None:
    """Wait for the status line to say `text` (a locator: the page's CSP forbids evaluating strings)."""
    page.locator("#cg-search-status").filter(has_text=text).wait_for(timeout=10_000)


def search_page(site: Path) -> Path:
    selects = []
    for facet, values in LABELS.items():
        options = "".join(f'<option value="{v}">{label}</option>' for v, label in values.items())
        selects.append(f'<fieldset class="govuk-fieldset" data-facet="{facet}"><legend>{facet}</legend>'
                       f'<label for="cg-f-{facet}">{facet}</label><select class="govuk-select" name="{facet}" '
                       f'id="cg-f-{facet}"><option value="">Any</option>{options}</select></fieldset>')
    page = site / "deeper" / "search.html"  # not at the root: the root is what the form declares
    page.parent.mkdir(exist_ok=True)
    page.write_text(PAGE_HTML.replace("FACETS", "\n  ".join(selects)), encoding="utf-8")
    for d in SMALL:
        target = site / d.url.split("#")[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"<!DOCTYPE html><title>{d.title}</title><h1 id='{d.url.partition('#')[2]}'>x</h1>",
                          encoding="utf-8")
    return page


def test_the_search_page_in_chromium_from_file(small_site: Path) -> None:
    from test_html import chromium

    exe = chromium()
    sync_api = pytest.importorskip("playwright.sync_api") if not IN_CI else __import__(
        "playwright.sync_api", fromlist=["sync_playwright"])
    page_path = search_page(small_site)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        # a query in the URL: the form is filled in, the search runs, focus is not moved
        page.goto(page_path.as_uri() + "?q=tiers&consortium=gm-fostering")
        status = page.locator("#cg-search-status")
        wait_status(page, "result")
        assert status.inner_text() == "1 result for “tiers”, filtered by Consortium: Greater Manchester"
        assert page.input_value("#cg-q") == "tiers" and page.input_value("#cg-f-consortium") == "gm-fostering"
        assert page.evaluate("document.activeElement === document.body")
        hrefs = page.eval_on_selector_all("#cg-search-results a", "els => els.map(e => e.getAttribute('href'))")
        assert hrefs == ["../" + SMALL[1].url]
        # the tags name their facet in words (visually hidden with the GOV.UK CSS, not loaded here)
        tags = page.locator("#cg-search-results li").first.locator("strong.govuk-tag").all_text_contents()
        assert tags[:2] == ["Type: Variation", "Consortium: Greater Manchester"]
        assert page.locator("#cg-search-results li").first.locator(".govuk-visually-hidden").first.text_content() \
            == "Type: "
        # by keyboard: type a query, Enter submits; the page does not reload, the URL follows, focus stays
        page.evaluate("window.__same = true")
        page.select_option("#cg-f-consortium", "")
        page.focus("#cg-q")
        page.fill("#cg-q", "greater manch")
        page.keyboard.press("Enter")
        wait_status(page, "2 results")
        assert page.evaluate("window.__same === true")
        assert page.evaluate("document.activeElement.id") == "cg-q"
        assert page.url.endswith("search.html?q=greater+manch")
        hrefs = page.eval_on_selector_all("#cg-search-results a", "els => els.map(e => e.getAttribute('href'))")
        assert hrefs == ["../" + SMALL[4].url, "../" + SMALL[1].url]
        # the script the page declared and the index files it read, from the site root, nothing else
        loaded = page.eval_on_selector_all("head script[src]", "els => els.map(e => e.getAttribute('src'))")
        assert loaded == ["../search/meta.js", "../search/t-ti.js", "../search/d-0.js", "../search/t-gr.js",
                          "../search/t-ma.js"]
        assert all(u.startswith("file://") for u in requests), requests
        # a text that looks like markup is shown as text
        page.fill("#cg-q", "alert script")
        page.locator("#cg-search-form button[type=submit]").click()
        wait_status(page, "1 result")
        assert "</script><script>alert(1)</script>" in page.locator("#cg-search-results p").first.inner_text()
        # a result opens where it says
        page.locator("#cg-search-results a").first.click()
        page.wait_for_load_state()
        assert page.url == (small_site / SMALL[6].url.split("#")[0]).as_uri() + "#v-er4-fees"
        assert not errors, errors
        browser.close()


def test_many_results_are_paged_by_links(tmp_path: Path) -> None:
    from test_html import chromium

    exe = chromium()
    sync_api = pytest.importorskip("playwright.sync_api") if not IN_CI else __import__(
        "playwright.sync_api", fromlist=["sync_playwright"])
    docs = [SearchDoc(f"clauses/c-{i}.html", f"Clause {i}", "clause", "placement " * (1 + i % 3), {"base": (F,)})
            for i in range(45)]
    site = write_site(tmp_path, build_index(docs, LABELS))
    page_path = search_page(site)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(page_path.as_uri() + "?q=placement")
        wait_status(page, "result")
        assert page.locator("#cg-search-status").inner_text() == "45 results for “placement”. Showing 1 to 20"
        assert page.locator("#cg-search-results li").count() == 20
        page.locator("#cg-search-pages a[rel=next]").click()
        wait_status(page, "21 to 40")
        assert page.url.endswith("?q=placement&page=2")
        assert page.locator("#cg-search-pages a").count() == 2
        page.locator("#cg-search-pages a[rel=next]").click()
        wait_status(page, "41 to 45")
        assert page.locator("#cg-search-results li").count() == 5
        browser.close()
