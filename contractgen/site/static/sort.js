/* Sort a register table by any column, by keyboard or pointer: each column heading becomes a
   button; the table states its order with aria-sort. Without JavaScript the table is unchanged. */
(function () {
  "use strict";
  var tables = document.querySelectorAll("table[data-sortable]");
  Array.prototype.forEach.call(tables, function (t) {
    var heads = t.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      var b = document.createElement("button");
      b.type = "button";
      while (th.firstChild) { b.appendChild(th.firstChild); }
      th.appendChild(b);
      b.addEventListener("click", function () {
        var body = t.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        var down = th.getAttribute("aria-sort") !== "descending";
        Array.prototype.forEach.call(heads, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", down ? "descending" : "ascending");
        rows.sort(function (a, c) {
          var x = a.cells[i].getAttribute("data-sort"), y = c.cells[i].getAttribute("data-sort");
          if (x === null) { x = a.cells[i].textContent; }
          if (y === null) { y = c.cells[i].textContent; }
          var n = parseFloat(x) - parseFloat(y);
          var r = isNaN(n) ? x.localeCompare(y, "en-GB", {numeric: true}) : n;
          if (r === 0) { r = rows.indexOf(a) - rows.indexOf(c); return r; }
          return down ? -r : r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
}());
