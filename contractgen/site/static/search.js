/* The register's offline search (docs/dev/search.md). The index is a set of small classic scripts
   under search/ that hand their payload to CGSearch.add; only those a query needs are loaded, by
   <script> elements, which browsers allow from file:// (fetch, XHR, modules and WebAssembly they
   refuse there). Plain ES5, no dependencies, no inline handlers, no eval. */
(function (global) {
  "use strict";

  var FORMAT = 1, PAGE = 20, PREFIX_WEIGHT = 0.5, MAX_TAGS = 3;
  var own = Object.prototype.hasOwnProperty;

  /* ---- the tokenizer: the same constants and steps as contractgen/site/search.py ---- */
  var MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
  var FOLD = {"\u00df": "ss", "\u1e9e": "ss", "\u00e6": "ae", "\u00c6": "ae", "\u0153": "oe", "\u0152": "oe",
    "\u00f8": "o", "\u00d8": "o", "\u0142": "l", "\u0141": "l", "\u0111": "d", "\u0110": "d", "\u00f0": "d",
    "\u00d0": "d", "\u00fe": "th", "\u00de": "th", "\u0131": "i"};
  var FOLDS = /[\u00df\u1e9e\u00e6\u00c6\u0153\u0152\u00f8\u00d8\u0142\u0141\u0111\u0110\u00f0\u00d0\u00fe\u00de\u0131]/g;
  var THOUSANDS = /([0-9]),(?=[0-9]{3}(?![0-9]))/g;
  var TOKEN = /[0-9]+(?:\.[0-9]+)+|[A-Za-z0-9]+/g;

  function stem(t) {
    var n = t.length;
    if (n > 4 && t.slice(-3) === "ies" && "ae".indexOf(t.charAt(n - 4)) < 0) { return t.slice(0, -3) + "y"; }
    if (t.slice(-4) === "sses") { return t.slice(0, -2); }
    if (n > 3 && t.charAt(n - 1) === "s" && "sui".indexOf(t.charAt(n - 2)) < 0) { return t.slice(0, -1); }
    return t;
  }

  function tokenize(text) {
    var s = String(text), out = [], m, i, t;
    if (s.normalize) { s = s.normalize("NFKD"); }
    s = s.replace(MARKS, "").replace(FOLDS, function (c) { return FOLD[c]; }).replace(THOUSANDS, "$1");
    m = s.match(TOKEN) || [];
    for (i = 0; i < m.length; i += 1) {
      t = stem(m[i].toLowerCase());
      if (t.length > 1 || "0123456789".indexOf(t) >= 0) { out.push(t); }
    }
    return out;
  }

  function shardKey(token) { return token.replace(/\./g, "").slice(0, 2); }

  /* ---- compact integer lists (search.py: _number, encode_postings, encode_docs) ---- */
  var LAST = "0123456789ABCDEFGHIJKLMNOPQRSTUV", MORE = "WXYZabcdefghijklmnopqrstuvwxyz-_", DIGIT = {};
  (function () {
    for (var i = 0; i < 32; i += 1) { DIGIT[LAST.charAt(i)] = i; DIGIT[MORE.charAt(i)] = 32 + i; }
  }());

  function numbers(s) {
    var out = [], n = 0, i, d;
    for (i = 0; i < s.length; i += 1) {
      d = DIGIT[s.charAt(i)];
      if (d >= 32) { n = n * 32 + d - 32; } else { out.push(n * 32 + d); n = 0; }
    }
    return out;
  }

  function postings(s) {  /* → {docs: [...], tfs: [...]} */
    var v = numbers(s), docs = [], tfs = [], doc = -1, i = 0, x;
    while (i < v.length) {
      x = v[i]; i += 1;
      doc += Math.floor(x / 2) + 1;
      docs.push(doc);
      if (x % 2) { tfs.push(v[i] + 2); i += 1; } else { tfs.push(1); }
    }
    return {docs: docs, tfs: tfs};
  }

  function docList(s) {
    var v = numbers(s), out = [], doc = -1, i;
    for (i = 0; i < v.length; i += 1) { doc += v[i] + 1; out.push(doc); }
    return out;
  }

  /* ---- the index files and their loader ---- */
  var state = {root: "", meta: null, shards: {}, chunks: {}, pending: {}, decoded: {}, facets: null, seq: 0};

  function add(type, key, payload) {
    if (type === "meta") { state.meta = payload; state.facets = null; }
    else if (type === "t") { state.shards[key] = payload; }
    else if (type === "d") { state.chunks[key] = payload; }
  }

  /* Load root + file once, by a <script> element; cb(error) when it has run (or failed). */
  function load(file, ready, cb) {
    if (ready()) { cb(null); return; }
    if (state.pending[file]) { state.pending[file].push(cb); return; }
    var waiting = state.pending[file] = [cb], doc = global.document, el = doc.createElement("script");
    function finish() {
      var err = ready() ? null : new Error("could not load " + file), i;
      el.onload = el.onerror = null;
      delete state.pending[file];
      for (i = 0; i < waiting.length; i += 1) { waiting[i](err); }
    }
    el.onload = finish;
    el.onerror = finish;
    el.src = state.root + file;
    (doc.head || doc.getElementsByTagName("head")[0] || doc.documentElement).appendChild(el);
  }

  function loadAll(files, cb) {  /* files: [[file, ready], ...] */
    var left = files.length, failed = null, i;
    if (!left) { cb(null); return; }
    function one(err) { failed = failed || err; left -= 1; if (!left) { cb(failed); } }
    for (i = 0; i < files.length; i += 1) { load(files[i][0], files[i][1], one); }
  }

  function metaReady() { return state.meta !== null; }
  function shardReady(key) { return function () { return own.call(state.shards, key); }; }
  function chunkReady(n) { return function () { return own.call(state.chunks, String(n)); }; }

  /* The facets, decoded once: facets[i] = {name, label, plural, values: [[id, label]], docs: {id: [doc]},
     of: [values of doc n, as indices into values]} */
  function facets() {
    if (state.facets) { return state.facets; }
    var m = state.meta, out = [], i, j, k, f, list, entry;
    for (i = 0; i < m.facets.length; i += 1) {
      f = m.facets[i];
      entry = {name: f.name, label: f.label, plural: f.plural, values: [], docs: {}, of: []};
      for (j = 0; j < f.values.length; j += 1) {
        list = docList(f.values[j][2]);
        entry.values.push([f.values[j][0], f.values[j][1]]);
        entry.docs[f.values[j][0]] = list;
        for (k = 0; k < list.length; k += 1) { (entry.of[list[k]] = entry.of[list[k]] || []).push(j); }
      }
      out.push(entry);
    }
    state.facets = out;
    return out;
  }

  /* ---- ranking ---- */

  /* The documents the filters allow ({facet: [value id, ...]}; OR within a facet, AND across), as
     {doc: true}, or null when nothing is filtered. */
  function allowed(filters) {
    var fs = facets(), result = null, i, j, k, want, set, list;
    for (i = 0; i < fs.length; i += 1) {
      want = filters && own.call(filters, fs[i].name) ? filters[fs[i].name] : [];
      if (!want.length) { continue; }
      set = {};
      for (j = 0; j < want.length; j += 1) {
        list = own.call(fs[i].docs, want[j]) ? fs[i].docs[want[j]] : [];
        for (k = 0; k < list.length; k += 1) { if (!result || result[list[k]]) { set[list[k]] = true; } }
      }
      result = set;
    }
    return result;
  }

  function decoded(key, term) {
    var id = key + " " + term;
    if (!own.call(state.decoded, id)) { state.decoded[id] = postings(state.shards[key][term]); }
    return state.decoded[id];
  }

  /* The query's distinct tokens, and whether the last may match as a prefix (not if repeated). */
  function queryTokens(query) {
    var raw = tokenize(query), seen = {}, out = [], i;
    for (i = 0; i < raw.length; i += 1) { if (!own.call(seen, raw[i])) { seen[raw[i]] = true; out.push(raw[i]); } }
    return {tokens: out, prefix: raw.length > 0 && raw.indexOf(raw[raw.length - 1]) === raw.length - 1};
  }

  /* Rank the documents: those with every token (the last one also as a prefix of a longer token,
     within its shard), scored by the sum over tokens of (1 + ln tf) × ln(1 + N/df), a prefix match
     weighing half; ties in document order. Needs meta and the tokens' shards loaded. */
  function rank(query, filters) {
    var q = queryTokens(query), ok = allowed(filters), n = state.meta.docs, scores = null, list = [];
    var i, j, k, tok, key, shard, terms, term, p, idf, w, s, contrib, d, next;
    if (!q.tokens.length) {
      if (!ok) { return []; }
      for (d in ok) { if (own.call(ok, d)) { list.push({doc: +d, score: 0}); } }
      list.sort(function (a, b) { return a.doc - b.doc; });
      return list;
    }
    for (i = 0; i < q.tokens.length; i += 1) {
      tok = q.tokens[i]; key = shardKey(tok);
      shard = own.call(state.shards, key) ? state.shards[key] : {};
      terms = [];
      if (q.prefix && i === q.tokens.length - 1) {
        for (term in shard) { if (own.call(shard, term) && term.indexOf(tok) === 0) { terms.push(term); } }
      } else if (own.call(shard, tok)) {
        terms.push(tok);
      }
      contrib = {};
      for (j = 0; j < terms.length; j += 1) {
        p = decoded(key, terms[j]);
        idf = Math.log(1 + n / p.docs.length);
        w = terms[j] === tok ? 1 : PREFIX_WEIGHT;
        for (k = 0; k < p.docs.length; k += 1) {
          d = p.docs[k];
          if (ok && !ok[d]) { continue; }
          s = w * (1 + Math.log(p.tfs[k])) * idf;
          if (!own.call(contrib, d) || s > contrib[d]) { contrib[d] = s; }
        }
      }
      if (scores === null) { scores = contrib; } else {
        next = {};
        for (d in scores) { if (own.call(scores, d) && own.call(contrib, d)) { next[d] = scores[d] + contrib[d]; } }
        scores = next;
      }
    }
    for (d in scores) { if (own.call(scores, d)) { list.push({doc: +d, score: scores[d]}); } }
    list.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
    return list;
  }

  function tagsOf(doc) {
    var fs = facets(), tags = [], i, j, vals;
    for (i = 0; i < fs.length; i += 1) {
      vals = fs[i].of[doc] || [];
      if (vals.length > MAX_TAGS) {
        tags.push({facet: fs[i].name, name: fs[i].label, text: vals.length + " " + fs[i].plural});
        continue;
      }
      for (j = 0; j < vals.length; j += 1) {
        tags.push({facet: fs[i].name, name: fs[i].label, text: fs[i].values[vals[j]][1]});
      }
    }
    return tags;
  }

  /* Search: cb(error, {query, total, page, pages, first, results: [{doc, score, url, title, kind,
     excerpt, tags}]}). filters: {facet: [value id, ...]}; page counts from 1. */
  function search(query, filters, page, cb) {
    load("search/meta.js", metaReady, function (err) {
      if (err) { cb(err); return; }
      if (state.meta.format !== FORMAT) { cb(new Error("search/meta.js is of another version of search.js")); return; }
      var q = queryTokens(query), files = [], seen = {}, keys = {}, i, key;
      var have = " " + state.meta.shards + " ";
      for (i = 0; i < q.tokens.length; i += 1) {
        key = shardKey(q.tokens[i]);
        if (!own.call(keys, key) && have.indexOf(" " + key + " ") >= 0) {
          keys[key] = true;
          files.push(["search/t-" + key + ".js", shardReady(key)]);
        }
      }
      loadAll(files, function (err2) {
        if (err2) { cb(err2); return; }
        var ranked = rank(query, filters), pages = Math.max(1, Math.ceil(ranked.length / PAGE));
        var at = Math.min(Math.max(1, page || 1), pages), shown = ranked.slice((at - 1) * PAGE, at * PAGE);
        var chunks = [], c, j;
        for (j = 0; j < shown.length; j += 1) {
          c = Math.floor(shown[j].doc / state.meta.chunk);
          if (!own.call(seen, c)) { seen[c] = true; chunks.push(["search/d-" + c + ".js", chunkReady(c)]); }
        }
        loadAll(chunks, function (err3) {
          if (err3) { cb(err3); return; }
          var results = [], k, r, row;
          for (k = 0; k < shown.length; k += 1) {
            r = shown[k];
            row = state.chunks[String(Math.floor(r.doc / state.meta.chunk))][r.doc % state.meta.chunk];
            results.push({doc: r.doc, score: r.score, url: row[0], title: row[1], kind: row[2], excerpt: row[3],
                          tags: tagsOf(r.doc)});
          }
          cb(null, {query: query, tokens: q.tokens, total: ranked.length, page: at, pages: pages,
                    first: (at - 1) * PAGE + 1, results: results});
        });
      });
    });
  }

  /* ---- the page (the HTML contract in docs/dev/search.md) ---- */

  function parseQuery(search) {
    var out = {}, parts = String(search || "").replace(/^\?/, "").split("&"), i, kv, k, v;
    for (i = 0; i < parts.length; i += 1) {
      if (!parts[i]) { continue; }
      kv = parts[i].split("=");
      try {
        k = decodeURIComponent(kv[0].replace(/\+/g, " "));
        v = decodeURIComponent(kv.slice(1).join("=").replace(/\+/g, " "));
      } catch (e) { continue; }
      (out[k] = out[k] || []).push(v);
    }
    return out;
  }

  function controls(form) {  /* the named controls, other than the query and the submit button */
    var out = [], els = form.elements, i;
    for (i = 0; i < els.length; i += 1) {
      if (els[i].name && els[i].name !== "q" && els[i].name !== "page" && !/^(submit|button|reset)$/.test(els[i].type)) {
        out.push(els[i]);
      }
    }
    return out;
  }

  function valuesOf(el) {
    var out = [], i;
    if (el.tagName === "SELECT") {
      for (i = 0; i < el.options.length; i += 1) { if (el.options[i].selected && el.options[i].value) { out.push(el.options[i].value); } }
    } else if (el.type === "checkbox" || el.type === "radio") {
      if (el.checked && el.value) { out.push(el.value); }
    } else if (el.value) {
      out.push(el.value);
    }
    return out;
  }

  function fill(form, params) {
    var els = controls(form), i, j, want;
    if (form.elements.q && params.q) { form.elements.q.value = params.q[0]; }
    for (i = 0; i < els.length; i += 1) {
      want = params[els[i].name];
      if (!want) { continue; }
      if (els[i].tagName === "SELECT") {
        for (j = 0; j < els[i].options.length; j += 1) { els[i].options[j].selected = want.indexOf(els[i].options[j].value) >= 0; }
      } else if (els[i].type === "checkbox" || els[i].type === "radio") {
        els[i].checked = want.indexOf(els[i].value) >= 0;
      } else {
        els[i].value = want[0];
      }
    }
  }

  /* What to search for: the form's controls, and for a facet no control names, the URL's. */
  function request(form, params) {
    var els = controls(form), filters = {}, named = {}, i, j, v, k;
    for (i = 0; i < els.length; i += 1) {
      named[els[i].name] = true;
      v = valuesOf(els[i]);
      for (j = 0; j < v.length; j += 1) { (filters[els[i].name] = filters[els[i].name] || []).push(v[j]); }
    }
    for (k in params) {
      if (own.call(params, k) && k !== "q" && k !== "page" && !named[k]) { filters[k] = params[k].slice(); }
    }
    return {q: form.elements.q ? String(form.elements.q.value) : "", filters: filters,
            page: params.page ? parseInt(params.page[0], 10) || 1 : 1};
  }

  function queryString(req, page) {
    function enc(s) { return encodeURIComponent(s).replace(/%20/g, "+"); }
    var parts = ["q=" + enc(req.q)], k, i;
    for (k in req.filters) {
      if (own.call(req.filters, k)) { for (i = 0; i < req.filters[k].length; i += 1) { parts.push(enc(k) + "=" + enc(req.filters[k][i])); } }
    }
    if (page > 1) { parts.push("page=" + page); }
    return "?" + parts.join("&");
  }

  function el(doc, tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.appendChild(doc.createTextNode(text)); }
    return e;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function filterText(req) {
    var fs = facets(), parts = [], i, j, want, label;
    for (i = 0; i < fs.length; i += 1) {
      want = own.call(req.filters, fs[i].name) ? req.filters[fs[i].name] : [];
      for (j = 0; j < want.length; j += 1) {
        label = want[j];
        for (var v = 0; v < fs[i].values.length; v += 1) { if (fs[i].values[v][0] === want[j]) { label = fs[i].values[v][1]; } }
        parts.push(fs[i].label + ": " + label);
      }
    }
    return parts.join("; ");
  }

  function statusText(req, res) {
    var s = res.total + (res.total === 1 ? " result" : " results"), f = filterText(req);
    if (req.q.replace(/\s+/g, "")) { s += " for \u201c" + req.q.replace(/^\s+|\s+$/g, "") + "\u201d"; }
    if (f) { s += ", filtered by " + f; }
    if (res.pages > 1) { s += ". Showing " + res.first + " to " + (res.first + res.results.length - 1); }
    return s;
  }

  function render(doc, req, res) {
    var list = doc.getElementById("cg-search-results"), level = list.getAttribute("data-heading-level") || "2";
    var old = doc.getElementById("cg-search-pages"), i, j, r, li, h, a, tags, tag;
    clear(list);
    if (old) { old.parentNode.removeChild(old); }
    for (i = 0; i < res.results.length; i += 1) {
      r = res.results[i];
      li = el(doc, "li", "cg-search-result govuk-!-margin-bottom-6");
      h = el(doc, "h" + level, "govuk-heading-s govuk-!-margin-bottom-1");
      a = el(doc, "a", "govuk-link", r.title);
      a.setAttribute("href", state.root + r.url);
      h.appendChild(a);
      li.appendChild(h);
      if (r.excerpt) { li.appendChild(el(doc, "p", "govuk-body-s govuk-!-margin-bottom-1", r.excerpt)); }
      tags = el(doc, "p", "govuk-body-s cg-search-tags");
      for (j = 0; j < r.tags.length; j += 1) {
        tag = el(doc, "strong", "govuk-tag govuk-tag--grey");
        tag.appendChild(el(doc, "span", "govuk-visually-hidden", r.tags[j].name + ": "));
        tag.appendChild(doc.createTextNode(r.tags[j].text));
        if (j) { tags.appendChild(doc.createTextNode(" ")); }
        tags.appendChild(tag);
      }
      li.appendChild(tags);
      list.appendChild(li);
    }
    if (res.pages > 1) { list.parentNode.insertBefore(pager(doc, req, res), list.nextSibling); }
  }

  function pager(doc, req, res) {
    var nav = el(doc, "nav", "govuk-pagination");
    nav.id = "cg-search-pages";
    nav.setAttribute("aria-label", "Results pages");
    function link(side, page, words) {
      var div = el(doc, "div", "govuk-pagination__" + side), a = el(doc, "a", "govuk-link govuk-pagination__link");
      var title = el(doc, "span", "govuk-pagination__link-title", words);
      title.appendChild(el(doc, "span", "govuk-visually-hidden", " page of results"));
      a.setAttribute("href", queryString(req, page));
      a.setAttribute("rel", side);
      a.appendChild(title);
      a.appendChild(el(doc, "span", "govuk-pagination__link-label", "Page " + page + " of " + res.pages));
      div.appendChild(a);
      nav.appendChild(div);
    }
    if (res.page > 1) { link("prev", res.page - 1, "Previous"); }
    if (res.page < res.pages) { link("next", res.page + 1, "Next"); }
    return nav;
  }

  function run(doc, req) {
    var status = doc.getElementById("cg-search-status"), list = doc.getElementById("cg-search-results");
    var seq = (state.seq += 1), anything = req.q.replace(/\s+/g, ""), k;
    for (k in req.filters) { if (own.call(req.filters, k) && req.filters[k].length) { anything = true; } }
    status.textContent = "";
    if (!anything) {
      clear(list);
      status.textContent = "Enter a word to search for, or choose a filter.";
      return;
    }
    list.setAttribute("aria-busy", "true");
    search(req.q, req.filters, req.page, function (err, res) {
      if (seq !== state.seq) { return; }  /* a newer search has started */
      list.removeAttribute("aria-busy");
      if (err) {
        clear(list);
        status.textContent = "Search is not available: " + err.message + ". Every clause and variation is also listed on the contract and consortium pages.";
        return;
      }
      render(doc, req, res);
      status.textContent = statusText(req, res);
    });
  }

  var current = global.document && global.document.currentScript;

  function init() {
    var doc = global.document, form = doc.getElementById("cg-search-form"), root, params, src;
    if (!form || form.getAttribute("data-cg-search") || !doc.getElementById("cg-search-results")) { return; }
    form.setAttribute("data-cg-search", "on");
    root = form.getAttribute("data-site-root");
    if (root === null) {  /* the site root is where static/search.js is */
      src = current && current.src ? current.src : "";
      root = /static\/search\.js([?#].*)?$/.test(src) ? src.replace(/static\/search\.js([?#].*)?$/, "") : "";
    }
    setRoot(root);
    params = parseQuery(global.location.search);
    fill(form, params);
    form.addEventListener("submit", function (e) {
      var req = request(form, {});
      e.preventDefault();
      try { global.history.replaceState(null, "", queryString(req, 1)); } catch (ignore) { /* some file:// */ }
      run(doc, req);
    });
    if (params.q || hasFilter(params)) { run(doc, request(form, params)); }
  }

  function hasFilter(params) {
    for (var k in params) { if (own.call(params, k) && k !== "q" && k !== "page" && params[k].join("")) { return true; } }
    return false;
  }

  function setRoot(root) {
    root = String(root || "");
    state.root = root && root.charAt(root.length - 1) !== "/" ? root + "/" : root;
  }

  var api = {add: add, tokenize: tokenize, shardKey: shardKey, numbers: numbers, postings: postings,
             docList: docList, search: search, rank: rank, setRoot: setRoot, parseQuery: parseQuery,
             state: state, init: init};
  if (global.CGSearch && global.CGSearch.add) { return; }  /* included twice */
  global.CGSearch = api;
  if (typeof module === "object" && module && module.exports) { module.exports = api; }
  if (global.document && global.document.getElementById) {
    if (global.document.readyState === "loading") { global.document.addEventListener("DOMContentLoaded", init); } else { init(); }
  }
}(typeof window !== "undefined" ? window : this));
