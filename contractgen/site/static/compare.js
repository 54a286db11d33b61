/* The register's compare page (docs/dev/compare.md). ES5, no dependencies: data files are scripts. */
(function (g) {
  "use strict";
  // a word (as redline/textdiff.py's _WORD), spaces, a surrogate pair or a character
  var W = "A-Za-z0-9_\u00AA\u00B5\u00BA\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u03FF\u0400-\u052F\u1E00-\u1FFF";
  var TOKEN = new RegExp("\\s+|[" + W + "\u2019'\u00A3%.,\\-]*[" + W + "][" + W + "\u2019'%]*|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\\s\\S]", "g");
  var CAP = 4e6; // steps of the search before a text is shown replaced whole

  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  function tokenise(s) { return String(s || "").match(TOKEN) || []; }

  function at(v, d, k) { return k < -d || k > d ? -1 : v[(k + d) / 2]; }
  // where the furthest d-path on diagonal k comes from: 1 (k+1, B's token), -1 (k-1, A's), 0 none
  function from(v, d, k, n, m) {
    var down = at(v, d, k + 1), right = at(v, d, k - 1);
    if (down >= 0 && down - k > m) down = -1;
    if (right >= 0 && right + 1 > n) right = -1; else if (right >= 0) right++;
    return right > down ? -1 : down >= 0 ? 1 : 0;
  }
  function start(v, d, k, r) { return r === 1 ? at(v, d, k + 1) : at(v, d, k - 1) + 1; }

  // Myers 1986: A → B as [op, token] (0 both, -1 A's, 1 B's), null over the cap
  function myers(A, B, cap) {
    var n = A.length, m = B.length, snaps = [], prev = null, work = 0, d, k, r, x, y, v;
    for (d = 0; d <= n + m; d++) {
      v = [];
      for (k = -d; k <= d; k += 2) {
        work++;
        r = d ? from(prev, d - 1, k, n, m) : 1;
        if (k < -m || k > n || r === 0) { v.push(-1); continue; }
        x = d ? start(prev, d - 1, k, r) : 0;
        y = x - k;
        while (x < n && y < m && A[x] === B[y]) { x++; y++; work++; }
        v.push(x);
        if (x >= n && y >= m) return back(snaps, d, A, B);
      }
      if (work > cap) return null;
      snaps.push(v); prev = v;
    }
    return null;
  }
  function back(snaps, D, A, B) {
    var out = [], x = A.length, y = B.length, n = x, m = y, d, k, r, sx;
    for (d = D; d > 0; d--) {
      k = x - y;
      r = from(snaps[d - 1], d - 1, k, n, m);
      sx = start(snaps[d - 1], d - 1, k, r);
      while (x > sx) { out.push([0, A[--x]]); y--; }
      if (r === 1) out.push([1, B[--y]]); else out.push([-1, A[--x]]);
    }
    while (x > 0) { out.push([0, A[--x]]); }
    return out.reverse();
  }

  // diff(a, b[, cap]) → {parts: [[op, text], ...], whole: true when over the cap (a removed, b added whole)}
  function diff(a, b, cap) {
    var A = tokenise(a), B = tokenise(b), p = 0, s = 0, whole = false, mid;
    while (p < A.length && p < B.length && A[p] === B[p]) p++;
    while (s < A.length - p && s < B.length - p && A[A.length - 1 - s] === B[B.length - 1 - s]) s++;
    var a2 = A.slice(p, A.length - s), b2 = B.slice(p, B.length - s);
    function as(op) { return function (t) { return [op, t]; }; }
    mid = myers(a2, b2, cap === undefined ? CAP : cap) || (whole = true, a2.map(as(-1)).concat(b2.map(as(1))));
    return {parts: group(A.slice(0, p).map(as(0)).concat(mid, A.slice(A.length - s).map(as(0)))), whole: whole};
  }
  // runs of one op, A's words before B's in a change; a space alone between two changes joins them
  function group(ops) {
    var out = [], del = "", ins = "", eq = "", i, o;
    function flush() { if (del) out.push([-1, del]); if (ins) out.push([1, ins]); del = ins = ""; }
    for (i = 0; i <= ops.length; i++) {
      o = ops[i];
      if (o && !o[0]) { eq += o[1]; continue; }
      if (eq && o && (del || ins) && /^\s+$/.test(eq)) { del += eq; ins += eq; } else if (eq) { flush(); out.push([0, eq]); }
      eq = "";
      if (o) { if (o[0] < 0) del += o[1]; else ins += o[1]; }
    }
    flush();
    return out;
  }

  // merge(A, B) → {error: "same"|"contract"} or {rows: [...], differ: N, same: M}, rows in contract order
  function merge(A, B) {
    if (A.id === B.id) return {error: "same"};
    if (A.contract !== B.contract) return {error: "contract"};
    var ra = A.rows || {}, rb = B.rows || {}, rows = [], k, x, y, r, n, differ = 0;
    for (k in ra) if (has(ra, k)) rows.push(k);
    for (k in rb) if (has(rb, k) && !has(ra, k)) rows.push(k);
    for (k = 0; k < rows.length; k++) {
      x = has(ra, rows[k]) ? ra[rows[k]] : null; y = has(rb, rows[k]) ? rb[rows[k]] : null;
      r = x || y; n = r.national || "";
      r = rows[k] = {key: rows[k], label: r.label || "", heading: r.heading || "", order: r.order || 0, national: n,
        a: x ? x.text || "" : n, b: y ? y.text || "" : n, va: x ? x.variations || [] : [], vb: y ? y.variations || [] : []};
      differ += (r.same = r.a === r.b) ? 0 : 1;
    }
    rows.sort(function (p, q) { return p.order - q.order || (p.key < q.key ? -1 : p.key > q.key ? 1 : 0); });
    return {rows: rows, differ: differ, same: rows.length - differ};
  }

  function title(row) {
    var i = row.key.indexOf(":"), kind = row.key.slice(0, i), name = row.heading || row.key.slice(i + 1), t;
    if (kind === "term") t = "Definition: \u201C" + name + "\u201D";
    else if (kind === "parameter") t = "Value: " + name;
    else return (row.label + " " + row.heading).replace(/^\s+|\s+$/g, "") || row.key;
    return row.label ? row.label + " " + t : t;
  }
  function places(n) { return n + (n === 1 ? " place" : " places"); }

  var api = {tokenise: tokenise, diff: diff, myers: myers, merge: merge, title: title, CAP: CAP};
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (typeof document === "undefined") return;

  var store = {}, generation = 0, doc = document;
  (g.CGData = g.CGData || {}).consortium = function (d) { if (d && typeof d.id === "string") store[d.id] = d; };

  // el(tag, class or attributes, children): strings become text nodes, never markup
  function el(tag, at, kids) {
    var e = doc.createElement(tag), a, i;
    if (typeof at === "string") at = {"class": at};
    for (a in at || {}) e.setAttribute(a, at[a]);
    kids = kids === undefined ? [] : [].concat(kids);
    for (i = 0; i < kids.length; i++) if (kids[i]) e.appendChild(kids[i].nodeType ? kids[i] : doc.createTextNode(kids[i]));
    return e;
  }
  function hide(t) { return el("span", "govuk-visually-hidden", t); }
  function lines(e, t) { // line breaks as <br>
    var ls = t.split("\n"), i;
    for (i = 0; i < ls.length; i++) { if (i) e.appendChild(el("br")); if (ls[i]) e.appendChild(doc.createTextNode(ls[i])); }
    return e;
  }
  function own(c) { return c.name + "\u2019s"; }

  function side(c, vs, root) {
    if (!vs.length) return el("p", "govuk-body", "No variation: national wording");
    var ul = el("ul", "govuk-list"), i, v, rel = /^[\w.\-][\w.\-\/]*$/.test(c.url || "");
    for (i = 0; i < vs.length; i++) {
      v = vs[i];
      ul.appendChild(el("li", {}, [
        el("p", "govuk-body govuk-!-margin-bottom-1", [rel ? el("a", {"class": "govuk-link", href: root + c.url + "#v-" + encodeURIComponent(v.id)}, v.id) : v.id,
          " (" + (v.op || "") + ") ", el("strong", "govuk-tag", v.category || "")]),
        v.rationale ? el("p", "govuk-body govuk-!-margin-bottom-1", v.rationale) : null,
        v.source ? el("p", "govuk-body-s", "Source: " + v.source) : null]));
    }
    return ul;
  }
  function pair(c, vs, root) {
    return el("div", "govuk-summary-list__row", [el("dt", "govuk-summary-list__key", c.name), el("dd", "govuk-summary-list__value", side(c, vs, root))]);
  }
  function fill(box, kids) { while (box.firstChild) box.removeChild(box.firstChild); box.appendChild(kids); }

  // fill box with the comparison of A and B; return what the status region says
  function render(A, B, root, box) {
    var m = merge(A, B), out = doc.createDocumentFragment(), both = A.name + " and " + B.name, i, j, row, p, sec, d, del;
    if (m.error) {
      d = m.error === "same" ? "There is nothing to compare." : "Only consortia on the same national contract version can be compared: " +
        A.name + " is on " + A.contract + ", " + B.name + " on " + B.contract + ".";
      fill(box, el("div", "govuk-inset-text", d));
      return d;
    }
    out.appendChild(el("h2", "govuk-heading-l", (m.differ ? places(m.differ) : "No places") + " where " + both + " differ"));
    if (m.same) out.appendChild(el("p", "govuk-body", "Also shown: " + places(m.same) + " where both vary the wording the same way."));
    out.appendChild(el("p", "govuk-body cg-compare-legend", ["Each place shows " + own(A) + " wording changed into " + own(B) + ": ",
      el("del", {}, "struck-through words"), " are only in " + own(A) + ", ", el("ins", {}, "underlined words"),
      " only in " + own(B) + " (read out as \u201Cremoved\u201D and \u201Cadded\u201D)."]));
    for (i = 0; i < m.rows.length; i++) {
      row = m.rows[i];
      sec = el("section", {"class": "cg-compare-row", "aria-labelledby": "cg-row-" + i}, el("h2", {"class": "govuk-heading-m", id: "cg-row-" + i}, title(row)));
      p = el("p", "govuk-body cg-redline");
      if (row.same) {
        sec.appendChild(el("p", "govuk-body", el("strong", {}, row.a ? "Same wording" : "Same wording: not in either contract")));
        lines(p, row.a);
      } else {
        d = diff(row.a, row.b);
        for (j = 0; j < d.parts.length; j++) {
          if (!d.parts[j][0]) { lines(p, d.parts[j][1]); continue; }
          del = d.parts[j][0] < 0;
          p.appendChild(lines(el(del ? "del" : "ins", {}, hide(del ? "[removed: " : "[added: ")), d.parts[j][1])).appendChild(hide("]"));
        }
        if (d.whole) sec.appendChild(el("p", "govuk-body-s", "Too long to compare word by word: shown removed and added whole."));
        if (!row.a || !row.b) sec.appendChild(el("p", "govuk-body-s", "Not in " + own(row.a ? B : A) + " contract."));
      }
      if (p.firstChild) sec.appendChild(p);
      sec.appendChild(el("dl", "govuk-summary-list", [pair(A, row.va, root), pair(B, row.vb, root)]));
      out.appendChild(sec);
    }
    fill(box, out);
    return m.differ ? both + " differ in " + places(m.differ) + "." : both + " have the same wording everywhere.";
  }

  function load(id, root, done) { // a data script, once; a failed one is removed to be tried afresh
    if (store[id]) return done(true);
    var s = el("script", {src: root + "data/" + id + ".js"});
    s.onload = function () { done(!!store[id]); };
    s.onerror = function () { doc.head.removeChild(s); done(false); };
    doc.head.appendChild(s);
  }

  function query() {
    var out = {}, q = g.location.search.slice(1).split("&"), i, kv;
    for (i = 0; i < q.length; i++) {
      kv = q[i].replace(/\+/g, " ").split("=");
      try { out[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1] || ""); } catch (e) { /* malformed */ }
    }
    return out;
  }

  function init() {
    var form = doc.getElementById("cg-compare-form"), status = doc.getElementById("cg-compare-status"),
        box = doc.getElementById("cg-compare-result"), sa = doc.getElementById("cg-a"), sb = doc.getElementById("cg-b");
    if (!form || !status || !box || !sa || !sb) return;
    var root = (form.getAttribute("data-site-root") || "./").replace(/([^\/])$/, "$1/"), q = query();
    function say(t, kids) { if (kids) fill(box, kids.nodeType ? kids : el("div")); status.textContent = t; }
    function name(id) { // the form's name for id, or null when the form does not list it
      for (var i = 0; i < sa.options.length; i++) if (sa.options[i].value === id) return sa.options[i].text;
      return null;
    }
    function compare(a, b) {
      var mine = ++generation, got = 0, bad = [], ids = [a, b], i, d;
      if (!a || !b) return say("Choose two consortia to compare.");
      for (i = 0; i < 2; i++) if (!/^[a-z][a-z0-9-]*$/.test(ids[i]) || name(ids[i]) === null)
        return say("There is no consortium \u201C" + ids[i] + "\u201D in this register: choose one from the list.", 1);
      if (a === b) return say(d = "You chose " + name(a) + " twice: there is nothing to compare.", el("div", "govuk-inset-text", d));
      say("Loading " + name(a) + " and " + name(b) + "\u2026");
      for (i = 0; i < 2; i++) load(ids[i], root, check(ids[i]));
      function check(id) {
        return function (ok) {
          if (!ok) bad.push(name(id) + " (" + root + "data/" + id + ".js)");
          if (++got < 2 || mine !== generation) return;
          if (bad.length) return say("Could not load the data for " + bad.join(" and ") + ".", 1);
          say(render(store[a], store[b], root, box));
        };
      }
    }
    if (name(q.a) !== null) sa.value = q.a;
    if (name(q.b) !== null) sb.value = q.b;
    if (q.a && q.b) compare(q.a, q.b); // focus stays where it is
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      try { g.history.replaceState(null, "", "?a=" + encodeURIComponent(sa.value) + "&b=" + encodeURIComponent(sb.value)); } catch (x) { /* refused */ }
      compare(sa.value, sb.value);
    });
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", init); else init();
})(typeof window !== "undefined" ? window : this);
