"""The register's offline search index (docs/dev/search.md): sharded files that `static/search.js`
loads with classic <script> tags, which browsers allow from file:// (fetch, modules and
WebAssembly are refused there, so Pagefind cannot be used). Pure: returns bytes."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

FACETS = ("consortium", "category", "operation", "base")
CHUNK = 40  # documents per d-<n>.js
_SPLIT = re.compile(r"[^a-z0-9]+")
#: Combining marks removed after NFKD decomposition (the same ranges as static/search.js).
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@dataclass(frozen=True)
class SearchDoc:
    url: str  # relative to the site root
    title: str
    kind: str  # clause | variation | consortium | term | parameter
    text: str
    facets: dict[str, tuple[str, ...]]
    excerpt: str = ""


def tokens(text: str) -> list[str]:
    """Split `text` into search tokens; static/search.js does exactly the same (tests check it)."""
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text)).lower()
    return [_stem(t) for t in _SPLIT.split(text) if len(t) > 1]


def _stem(t: str) -> str:
    """A light plural rule: 'tiers' and 'tier' meet; 'process', 'bus' and 'ss' words are left."""
    if len(t) > 3 and t.endswith("s") and not t.endswith(("ss", "us", "is")):
        return t[:-1]
    return t


def _script(call: str, payload: Any) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"CGSearch.{call}({text});\n".encode("utf-8")


def shard_key(token: str) -> str:
    return token[:2]


def build_index(docs: list[SearchDoc], facet_labels: dict[str, dict[str, str]]) -> dict[str, bytes]:
    """Return {path under the site root: bytes} of every search file, all under search/."""
    values = {f: list(facet_labels.get(f, {})) for f in FACETS}
    index_of = {f: {v: i for i, v in enumerate(vs)} for f, vs in values.items()}
    codes = []
    postings: dict[str, list[list[int]]] = {}
    for n, doc in enumerate(docs):
        codes.append([[index_of[f][v] for v in doc.facets.get(f, ()) if v in index_of[f]] for f in FACETS])
        counts = Counter(tokens(f"{doc.title} {doc.title} {doc.text}"))  # the title counts twice
        for tok in sorted(counts):
            postings.setdefault(tok, []).append([n, counts[tok]])
    shards: dict[str, dict[str, list[list[int]]]] = {}
    for tok in sorted(postings):
        shards.setdefault(shard_key(tok), {})[tok] = postings[tok]
    files = {}
    for key, terms in shards.items():
        files[f"search/t-{key}.js"] = _script("terms", {"key": key, "terms": terms})
    for start in range(0, len(docs), CHUNK):
        chunk = [{"u": d.url, "t": d.title, "k": d.kind, "e": (d.excerpt or d.text)[:240]}
                 for d in docs[start:start + CHUNK]]
        files[f"search/d-{start // CHUNK}.js"] = _script("docs", {"chunk": start // CHUNK, "docs": chunk})
    files["search/meta.js"] = _script("meta", {
        "count": len(docs), "chunk": CHUNK, "shards": sorted(shards), "facets": list(FACETS),
        "values": {f: [[v, facet_labels.get(f, {}).get(v, v)] for v in values[f]] for f in FACETS},
        "codes": codes, "idf_n": len(docs),
        "avg": round(sum(len(tokens(d.text)) for d in docs) / max(len(docs), 1), 2),
    })
    return files


def idf(n_docs: int, n_with: int) -> float:
    """Inverse document frequency as search.js computes it."""
    return math.log(1 + n_docs / max(n_with, 1))
