"""The register's offline search index (docs/dev/search.md).

`build_index` turns the site's search documents into small classic scripts under `search/`:
`meta.js` (the documents' facets), `t-<key>.js` (the inverted index, sharded by the first two
characters of a token) and `d-<n>.js` (what a result shows). `static/search.js` loads only those a
query needs, with <script> elements, which browsers allow from file:// (fetch, XHR, ES modules and
WebAssembly are refused there, which rules out Pagefind). Pure: returns bytes, the same for the
same input.

`tokenize` here and `tokenize` in static/search.js are one tokenizer written twice; the tests run
both over the same strings.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Version of the file format below; search.js refuses an index of another one.
FORMAT = 1
#: Documents per d-<n>.js. Results are scattered over the documents, so a first page of 20 can
#: touch 20 chunks: small chunks keep that page light (docs/dev/search.md, "Budgets").
CHUNK = 10
#: A token in the title counts as this many occurrences in the text.
TITLE_WEIGHT = 3
#: The longest excerpt shown under a result, in characters.
EXCERPT = 240
#: The kinds of document, and how a result's tag names them.
KINDS = {"clause": "Clause", "variation": "Variation", "consortium": "Consortium", "term": "Defined term",
         "parameter": "Parameter"}
#: The facets the search page filters by, in the order a result's tags show them (after its kind).
FACETS = ("consortium", "category", "operation", "base")
#: How the status line and a crowded tag name a facet: (singular, plural).
FACET_NAMES = {"kind": ("Type", "types"), "consortium": ("Consortium", "consortia"),
               "category": ("Category", "categories"), "operation": ("Operation", "operations"),
               "base": ("Base version", "base versions")}

# --- the tokenizer (static/search.js has the same constants and steps) ---------------------------

#: Combining marks left by NFKD decomposition, removed: "é" → "e".
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
#: Latin letters NFKD does not decompose, spelt as their usual ASCII transliteration.
_FOLD = {"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "ł": "l",
         "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i"}
_FOLDS = re.compile("[" + "".join(_FOLD) + "]")
#: A comma between digits that groups thousands ("£1,000" → "1000"), not one in a list ("1,2").
_THOUSANDS = re.compile(r"([0-9]),(?=[0-9]{3}(?![0-9]))")
#: A token: a dotted number ("9.3", "2026.2", "12.4.1") or a run of ASCII letters and digits.
_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)+|[A-Za-z0-9]+")


def _stem(t: str) -> str:
    """A light plural rule, so that "tiers" finds "tier" and "parties" "party"."""
    if len(t) > 4 and t.endswith("ies") and t[-4] not in "ae":
        return t[:-3] + "y"  # parties → party, authorities → authority
    if t.endswith("sses"):
        return t[:-2]  # processes → process
    if len(t) > 3 and t[-1] == "s" and t[-2] not in "sui":
        return t[:-1]  # placements → placement; not process, status, basis
    return t


def tokenize(text: str) -> list[str]:
    """Return the search tokens of `text`, in order (static/search.js's `tokenize` is the same).

    NFKD, combining marks removed, a few undecomposed letters transliterated, thousands
    separators dropped; then dotted numbers and runs of [A-Za-z0-9], lower-cased, the light
    plural rule applied; a single letter is dropped, a single digit kept ("Schedule 2", "Lot 3").
    """
    s = unicodedata.normalize("NFKD", text)
    s = _MARKS.sub("", s)
    s = _FOLDS.sub(lambda m: _FOLD[m.group()], s)
    s = _THOUSANDS.sub(r"\1", s)
    out = []
    for m in _TOKEN.finditer(s):
        t = _stem(m.group().lower())
        if len(t) > 1 or t in "0123456789":
            out.append(t)
    return out


def shard_key(token: str) -> str:
    """The shard a token is in: its first two characters, dots left out ("9.3" → "93")."""
    return token.replace(".", "")[:2]


# --- compact integer lists --------------------------------------------------------------------

#: Base-32 digits: the last digit of a number is one of _LAST, the ones before it of _MORE, so a
#: list of numbers is one string with no separators. Every character is safe in a JSON string.
_LAST = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
_MORE = "WXYZabcdefghijklmnopqrstuvwxyz-_"


def _number(n: int) -> str:
    s = _LAST[n & 31]
    n >>= 5
    while n:
        s = _MORE[n & 31] + s
        n >>= 5
    return s


def encode_postings(postings: Iterable[tuple[int, int]]) -> str:
    """[(document, term frequency), …] in increasing document order → a string.

    Each posting is the gap g from the previous document (the first from -1), written as
    2(g-1) + (1 if tf > 1), followed by tf-2 when tf > 1: most postings take one or two characters.
    """
    out, last = [], -1
    for doc, tf in postings:
        out.append(_number(2 * (doc - last - 1) + (tf > 1)))
        if tf > 1:
            out.append(_number(tf - 2))
        last = doc
    return "".join(out)


def encode_docs(docs: Iterable[int]) -> str:
    """Increasing document numbers → a string of their gaps minus one."""
    out, last = [], -1
    for doc in docs:
        out.append(_number(doc - last - 1))
        last = doc
    return "".join(out)


def decode_numbers(s: str) -> list[int]:
    """The numbers of a string written by `_number` (for tests; search.js decodes in the browser)."""
    out, n = [], 0
    for c in s:
        if c in _MORE:
            n = n * 32 + _MORE.index(c)
        else:
            out.append(n * 32 + _LAST.index(c))
            n = 0
    return out


# --- the index -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchDoc:
    url: str  # relative to the site root, e.g. "clauses/fostering-2026.2/referrals.call-off.html#v-gm-tiers"
    title: str
    kind: str  # "clause" | "variation" | "consortium" | "term" | "parameter"
    text: str  # the text searched (with the title)
    facets: dict[str, tuple[str, ...]]  # "consortium", "category", "operation", "base" → value ids
    excerpt: str = ""  # shown under the result (at most 240 characters; empty: the start of text)


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _check(n: int, doc: SearchDoc) -> None:
    where = f"search document {n} ({doc.url!r})"
    if doc.kind not in KINDS:
        raise ValueError(f"{where}: kind {doc.kind!r} is not one of {', '.join(KINDS)}")
    if not doc.url or doc.url.startswith(("/", "#")) or "\\" in doc.url or _SCHEME.match(doc.url):
        raise ValueError(f"{where}: the url must be relative to the site root (the site is opened from file:// too)")
    for name, values in doc.facets.items():
        if name == "kind" or not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
            raise ValueError(f"{where}: {name!r} cannot be a facet name")
        if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
            raise ValueError(f"{where}: facet {name!r} must be a tuple of value ids, not {values!r}")


def excerpt(doc: SearchDoc) -> str:
    """What a result shows under its title: the excerpt, or the start of the text, on one line."""
    s = " ".join((doc.excerpt or doc.text).split())
    if len(s) <= EXCERPT:
        return s
    cut = s[:EXCERPT - 1]
    space = cut.rfind(" ")
    if space > EXCERPT // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def _script(kind: str, key: str, payload: Any) -> bytes:
    """One index file: a classic script that hands its payload to search.js."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # nothing in a payload can end or comment out a script, were it ever inlined in a page; and
    # U+2028/2029, line terminators to engines before ES2019, are escaped
    text = (text.replace("<!--", "\\u003c!--").replace("</", "<\\/")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return f'window.CGSearch&&CGSearch.add("{kind}","{key}",{text});\n'.encode()


def build_index(docs: list[SearchDoc], facet_labels: dict[str, dict[str, str]]) -> dict[str, bytes]:
    """Return {relative path under the site root: file bytes} for every search file, all under "search/".

    facet_labels: facet name → {value id → human label}, e.g. {"consortium": {"gm-fostering": "Greater
    Manchester"}}; a value a document names without a label is shown by its id. Deterministic: the
    same documents in the same order and the same labels give the same bytes.
    """
    for n, doc in enumerate(docs):
        _check(n, doc)
    postings: dict[str, list[tuple[int, int]]] = {}
    for n, doc in enumerate(docs):
        counts = Counter(tokenize(doc.text))
        for tok, c in Counter(tokenize(doc.title)).items():
            counts[tok] += TITLE_WEIGHT * c
        for tok in counts:
            postings.setdefault(tok, []).append((n, counts[tok]))

    shards: dict[str, dict[str, str]] = {}
    for tok in sorted(postings):
        shards.setdefault(shard_key(tok), {})[tok] = encode_postings(postings[tok])
    files = {f"search/t-{key}.js": _script("t", key, terms) for key, terms in shards.items()}

    for start in range(0, len(docs), CHUNK):
        chunk = [[d.url, d.title, d.kind, excerpt(d)] for d in docs[start:start + CHUNK]]
        files[f"search/d-{start // CHUNK}.js"] = _script("d", str(start // CHUNK), chunk)

    # facets: every value with the documents that have it, so filters need no document chunk
    extra = ({f for d in docs for f in d.facets} | set(facet_labels)) - set(FACETS) - {"kind"}
    names = [*FACETS, *sorted(extra)]
    facets = [_facet("kind", {k: [n for n, d in enumerate(docs) if d.kind == k] for k in KINDS},
                     {**KINDS, **facet_labels.get("kind", {})}, order=list(KINDS))]
    for name in names:
        having: dict[str, list[int]] = {v: [] for v in facet_labels.get(name, {})}
        for n, d in enumerate(docs):
            for v in sorted(set(d.facets.get(name, ()))):
                having.setdefault(v, []).append(n)
        facets.append(_facet(name, having, facet_labels.get(name, {}), order=sorted(having)))
    files["search/meta.js"] = _script("meta", "", {
        "format": FORMAT, "docs": len(docs), "chunk": CHUNK, "facets": facets,
        "shards": " ".join(sorted(shards)),
    })
    return dict(sorted(files.items()))


def _facet(name: str, having: dict[str, list[int]], labels: dict[str, str], order: list[str]) -> dict[str, Any]:
    one, many = FACET_NAMES.get(name, (name.capitalize(), name + "s"))
    return {"name": name, "label": one, "plural": many,
            "values": [[v, labels.get(v, v), encode_docs(having[v])] for v in order]}
