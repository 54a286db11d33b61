/* The register's offline search (docs/dev/search.md). The index is a set of small classic
   scripts under search/ that register themselves with CGSearch; only those a query needs are
   loaded, with <script> elements, which browsers allow from file://. No dependencies. */
(function (global) {
  "use strict";

  var MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;

  function stem(t) {
    if (t.length > 3 && t.charAt(t.length - 1) === "s" && !/(ss|us|is)$/.test(t)) { return t.slice(0, -1); }
    return t;
  }

  /* The same tokens as contractgen/site/search.py: NFKD, no combining marks, lower case, split
     on anything but a-z and 0-9, tokens of two characters or more, a light plural rule. */
  function tokens(text) {
    var s = String(text);
    if (s.normalize) { s = s.normalize("NFKD"); }
    s = s.replace(MARKS, "").toLowerCase();
    var out = [];
    s.split(/[^a-z0-9]+/).forEach(function (t) { if (t.length > 1) { out.push(stem(t)); } });
    return out;
  }

  var state = {meta: null, terms: {}, docs: {}, waiting: {}};

  function arrived(name) {
    var w = state.waiting[name];
    delete state.waiting[name];
    if (w) { w.forEach(function (f) { f(); }); }
  }

  var CG = {
    tokens: tokens,
    meta: function (m) { state.meta = m; arrived("meta"); },
    terms: function (s) { state.terms[s.key] = s.terms; arrived("t-" + s.key); },
    docs: function (d) { state.docs[d.chunk] = d.docs; arrived("d-" + d.chunk); },
    state: state
  };

  /* Load search/<name>.js once; call done() when it has registered (or failed to load). */
  function load(root, name, loaded, done) {
    if (loaded()) { done(); return; }
    if (state.waiting[name]) { state.waiting[name].push(done); return; }
    state.waiting[name] = [done];
    if (typeof document === "undefined") { return; }
    var el = document.createElement("script");
    el.src = root + "search/" + name + ".js";
    el.onerror = function () { arrived(name); };
    document.head.appendChild(el);
  }

  function loadAll(root, names, done) {
    var left = names.length;
    if (!left) { done(); return; }
    names.forEach(function (n) {
      var parts = n.split("-"), key = parts.slice(1).join("-");
      var loaded = parts[0] === "t" ? function () { return state.terms[key] !== undefined; }
        : function () { return state.docs[key] !== undefined; };
      load(root, n, loaded, function () { left -= 1; if (!left) { done(); } });
    });
  }

  /* Return the documents (indices) matching every query token, best first: a tf-idf score; the
     last token also matches as a prefix. Facet filters: {facet: value id}. */
  function rank(query, filters) {
    var m = state.meta, qt = tokens(query), i;
    var allowed = function (n) {
      var code = m.codes[n];
      for (var f = 0; f < m.facets.length; f += 1) {
        var want = filters[m.facets[f]];
        if (want) {
          var idx = -1;
          for (var j = 0; j < m.values[m.facets[f]].length; j += 1) {
            if (m.values[m.facets[f]][j][0] === want) { idx = j; }
          }
          if (code[f].indexOf(idx) < 0) { return false; }
        }
      }
      return true;
    };
    if (!qt.length) {
      var every = [];
      for (i = 0; i < m.count; i += 1) { if (allowed(i)) { every.push(i); } }
      return every;
    }
    var scores = null;
    qt.forEach(function (tok, k) {
      var shard = state.terms[tok.slice(0, 2)] || {};
      var matched = {};
      Object.keys(shard).forEach(function (term) {
        if (term === tok || (k === qt.length - 1 && term.indexOf(tok) === 0)) {
          var posting = shard[term], w = Math.log(1 + m.count / Math.max(posting.length, 1));
          posting.forEach(function (p) { matched[p[0]] = (matched[p[0]] || 0) + p[1] * w; });
        }
      });
      if (scores === null) { scores = matched; return; }
      var next = {};
      Object.keys(scores).forEach(function (d) { if (matched[d] !== undefined) { next[d] = scores[d] + matched[d]; } });
      scores = next;
    });
    var found = Object.keys(scores || {}).map(Number).filter(allowed);
    found.sort(function (a, b) { return (scores[b] - scores[a]) || (a - b); });
    return found;
  }

  CG.rank = rank;

  /* Run a search: load what it needs, then call done(results, total) with up to `limit` docs. */
  CG.search = function (root, query, filters, limit, done) {
    load(root, "meta", function () { return state.meta !== null; }, function () {
      if (!state.meta) { done(null, 0); return; }
      var qt = tokens(query), shards = [];
      qt.forEach(function (t) {
        var key = t.slice(0, 2);
        if (state.meta.shards.indexOf(key) >= 0 && shards.indexOf("t-" + key) < 0) { shards.push("t-" + key); }
      });
      loadAll(root, shards, function () {
        var hits = rank(query, filters), shown = hits.slice(0, limit), chunks = [];
        shown.forEach(function (n) {
          var c = "d-" + Math.floor(n / state.meta.chunk);
          if (chunks.indexOf(c) < 0) { chunks.push(c); }
        });
        loadAll(root, chunks, function () {
          done(shown.map(function (n) {
            var d = state.docs[Math.floor(n / state.meta.chunk)][n % state.meta.chunk];
            return {url: d.u, title: d.t, kind: d.k, excerpt: d.e, codes: state.meta.codes[n]};
          }), hits.length);
        });
      });
    });
  };

  global.CGSearch = CG;
  if (typeof module !== "undefined" && module.exports) { module.exports = CG; }

  /* The search page: progressive enhancement of a plain GET form. */
  if (typeof document === "undefined") { return; }
  var form = document.getElementById("cg-search-form");
  if (!form) { return; }
  var root = form.getAttribute("data-site-root") || "./";
  var status = document.getElementById("cg-search-status");
  var list = document.getElementById("cg-search-results");
  var FACETS = ["consortium", "category", "operation", "base"];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function label(facet, value) {
    var sel = form.elements[facet];
    for (var i = 0; sel && i < sel.options.length; i += 1) {
      if (sel.options[i].value === value) { return sel.options[i].textContent; }
    }
    return value;
  }

  function run() {
    var q = form.elements.q.value, filters = {}, named = [];
    FACETS.forEach(function (f) {
      var v = form.elements[f] ? form.elements[f].value : "";
      if (v) { filters[f] = v; named.push(label(f, v)); }
    });
    if (!q.replace(/\s/g, "") && !named.length) { status.textContent = ""; list.textContent = ""; return; }
    status.textContent = "Searching…";
    CG.search(root, q, filters, 20, function (results, total) {
      list.textContent = "";
      if (results === null) { status.textContent = "The search index could not be loaded."; return; }
      var what = q ? " for “" + q + "”" : "";
      status.textContent = total + (total === 1 ? " result" : " results") + what +
        (named.length ? " (" + named.join(", ") + ")" : "") +
        (total > results.length ? "; the first " + results.length + " are shown" : "");
      results.forEach(function (r) {
        var li = el("li"), h = el("h2", "govuk-heading-s cg-result-title"), a = el("a", "govuk-link", r.title);
        a.href = root + r.url;
        h.appendChild(a);
        li.appendChild(h);
        li.appendChild(el("p", "govuk-body-s", r.excerpt));
        var tags = el("p", "govuk-body-s");
        var kind = el("strong", "govuk-tag govuk-tag--grey", r.kind);
        tags.appendChild(kind);
        var cat = state.meta.facets.indexOf("category"), cats = r.codes[cat] || [];
        cats.forEach(function (c) {
          tags.appendChild(document.createTextNode(" "));
          tags.appendChild(el("strong", "govuk-tag cg-cat cg-cat--" + state.meta.values.category[c][0],
            state.meta.values.category[c][0]));
        });
        li.appendChild(tags);
        list.appendChild(li);
      });
    });
  }

  var params = {};
  location.search.replace(/^\?/, "").split("&").forEach(function (kv) {
    if (!kv) { return; }
    var p = kv.split("=");
    params[decodeURIComponent(p[0])] = decodeURIComponent((p[1] || "").replace(/\+/g, " "));
  });
  if (params.q !== undefined) { form.elements.q.value = params.q; }
  FACETS.forEach(function (f) { if (params[f] && form.elements[f]) { form.elements[f].value = params[f]; } });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var parts = ["q=" + encodeURIComponent(form.elements.q.value)];
    FACETS.forEach(function (f) {
      if (form.elements[f] && form.elements[f].value) { parts.push(f + "=" + encodeURIComponent(form.elements[f].value)); }
    });
    if (history.replaceState) {
      try { history.replaceState(null, "", "?" + parts.join("&")); } catch (err) { /* some file:// setups refuse */ }
    }
    run();
  });
  run();
}(typeof window !== "undefined" ? window : this));
