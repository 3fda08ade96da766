// The report's only script: sortable tables, and the long lists (documents, claims) drawn a
// page at a time from the JSON embedded once in #report-data. Corpus text only ever reaches
// the page through textContent. It sets data-ready on <html> when done, or data-error if
// anything fails, so a headless browser can tell.
(function () {
  var root = document.documentElement;
  window.addEventListener("error", function (event) {
    root.setAttribute("data-error", String(event.message || event));
  });
  var PAGE = 50;
  var numeric = /^-?\d+(\.\d+)?$/;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    a = a === null || a === undefined ? "" : String(a);
    b = b === null || b === undefined ? "" : String(b);
    if (numeric.test(a) && numeric.test(b)) return parseFloat(a) - parseFloat(b);
    return a.localeCompare(b);
  }
  function sortHeads(heads, th, onSort) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    onSort(ascending);
  }
  function clickable(th, action) {
    th.tabIndex = 0;
    th.title = "Sort";
    th.addEventListener("click", action);
    th.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); action(); }
    });
  }

  // Static tables: sort the rows in place.
  function key(row, column) {
    var cell = row.cells[column];
    if (!cell) return "";
    var value = cell.getAttribute("data-sort");
    return value === null ? cell.textContent.trim() : value;
  }
  function sortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, column) {
      clickable(th, function () {
        sortHeads(heads, th, function (ascending) {
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var order = compare(key(a, column), key(b, column));
            return ascending ? order : -order;
          });
          rows.forEach(function (row) { body.appendChild(row); });
        });
      });
    });
  }

  // Cells shared by the lists.
  function score(value, band) {
    if (value === null) return el("span", "sub", "not scored");
    var box = el("span", "score");
    var bar = el("span", "bar");
    var fill = el("span", "fill band-" + band);
    fill.style.width = Math.max(0, Math.min(100, value)).toFixed(0) + "%";
    bar.appendChild(fill);
    box.appendChild(bar);
    box.appendChild(el("span", "value", value.toFixed(0)));
    box.appendChild(el("span", "band band-" + band, band));
    return box;
  }
  function docLink(id, position) {
    var code = el("code", null, id);
    if (position < 0) return code;
    var link = el("a");
    link.href = "#doc-" + position;
    link.appendChild(code);
    return link;
  }
  function reasons(list) {
    var box = el("span", "reasons");
    list.forEach(function (reason, i) {
      if (i > 0) box.appendChild(document.createTextNode(" · "));
      var points = reason[1];
      var sign = points > 0 ? "+" : "\u2212";
      box.appendChild(el("span", points > 0 ? "up" : "down", sign + Math.abs(points) + " " + reason[0]));
    });
    return box;
  }

  // Each list: its columns (title, sort key, cell), the text a filter searches, and a note.
  var lists = {
    docs: {
      columns: [
        ["#", function (d, i) { return i; }, function (d, i) { return el("span", null, i + 1); }],
        ["Document", function (d) { return d[1] || d[0]; }, function (d, i) {
          var box = el("div");
          box.appendChild(docLink(d[0], d[10] ? i : -1));
          if (d[1]) box.appendChild(el("div", "sub", d[1]));
          return box;
        }],
        ["Outlet", function (d) { return d[2]; }, function (d) { return el("span", null, d[2]); }],
        ["Published", function (d) { return d[3]; }, function (d) { return el("span", null, d[3]); }],
        ["Cluster", function (d) { return d[4]; }, function (d) {
          var box = el("span");
          if (d[4]) box.appendChild(el("code", null, d[4]));
          if (d[5] && d[5] !== "none") box.appendChild(document.createTextNode(" " + d[5]));
          if (d[6]) { box.appendChild(document.createTextNode(" ")); box.appendChild(el("span", "tag rep", "representative")); }
          return box;
        }],
        ["Reliability", function (d) { return d[7] === null ? -1 : d[7]; }, function (d) { return score(d[7], d[8]); }],
        ["Moved most by", function (d) { return d[9].length ? d[9][0][1] : 0; }, function (d) { return reasons(d[9]); }]
      ],
      text: function (d) { return [d[0], d[1], d[2], d[3], d[4]].join(" "); }
    },
    claims: {
      columns: [
        ["Claim", function (c) { return c[0]; }, function (c) {
          var box = el("div");
          if (c[2] >= 0) {
            var link = el("a", null, c[0]);
            link.href = "#d" + c[2] + "-c" + c[3];
            box.appendChild(link);
          } else {
            box.appendChild(document.createTextNode(c[0]));
          }
          if (c[4]) box.appendChild(el("div", "sub", "Said by " + c[4]));
          if (c[5]) { box.appendChild(document.createTextNode(" ")); box.appendChild(el("span", "tag", "hedged")); }
          return box;
        }],
        ["Document", function (c) { return c[1]; }, function (c) { return docLink(c[1], c[2]); }],
        ["Supported", function (c) { return c[8]; }, function (c) { return el("span", null, c[8]); }],
        ["Contradicted", function (c) { return c[9]; }, function (c) { return el("span", null, c[9]); }],
        ["Reliability", function (c) { return c[6] === null ? -1 : c[6]; }, function (c) { return score(c[6], c[7]); }]
      ],
      text: function (c) { return [c[0], c[1], c[4]].join(" "); }
    }
  };

  function pagedList(box, rows, spec) {
    var order = rows.map(function (row, i) { return i; });
    var shown = order;
    var page = 0;
    var bar = el("div", "pager");
    var filter = el("input");
    filter.type = "search";
    filter.placeholder = "Filter";
    filter.setAttribute("aria-label", "Filter the list");
    var prev = el("button", null, "\u2190 Previous");
    var next = el("button", null, "Next \u2192");
    prev.type = next.type = "button";
    var status = el("span", "sub");
    status.setAttribute("aria-live", "polite");
    [filter, prev, status, next].forEach(function (node) { bar.appendChild(node); });
    var wrap = el("div", "table-wrap");
    var table = el("table", "reflow");
    var head = table.createTHead().insertRow();
    var body = table.createTBody();
    wrap.appendChild(table);
    box.appendChild(bar);
    box.appendChild(wrap);
    var heads = spec.columns.map(function (column, c) {
      var th = el("th", null, column[0]);
      head.appendChild(th);
      clickable(th, function () {
        sortHeads(heads, th, function (ascending) {
          order.sort(function (a, b) {
            var diff = compare(column[1](rows[a], a), column[1](rows[b], b));
            return (ascending ? diff : -diff) || a - b;
          });
          page = 0;
          apply();
        });
      });
      return th;
    });
    table.className += " sortable";
    function draw() {
      body.textContent = "";
      var pages = Math.max(1, Math.ceil(shown.length / PAGE));
      page = Math.min(page, pages - 1);
      shown.slice(page * PAGE, page * PAGE + PAGE).forEach(function (i) {
        var tr = body.insertRow();
        spec.columns.forEach(function (column) {
          var td = tr.insertCell();
          td.setAttribute("data-th", column[0]);
          td.appendChild(column[2](rows[i], i));
        });
      });
      status.textContent = shown.length
        ? (page * PAGE + 1) + "\u2013" + Math.min(shown.length, page * PAGE + PAGE) + " of " + shown.length
        : "nothing matches";
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }
    function apply() {
      var words = filter.value.toLowerCase().trim();
      shown = words ? order.filter(function (i) { return spec.text(rows[i]).toLowerCase().indexOf(words) >= 0; }) : order;
      draw();
    }
    filter.addEventListener("input", function () { page = 0; apply(); });
    prev.addEventListener("click", function () { page -= 1; draw(); });
    next.addEventListener("click", function () { page += 1; draw(); });
    draw();
  }

  try {
    root.classList.add("js");
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), sortable);
    var source = document.getElementById("report-data");
    var data = source ? JSON.parse(source.textContent) : {};
    Array.prototype.forEach.call(document.querySelectorAll("[data-list]"), function (box) {
      var name = box.getAttribute("data-list");
      if (lists[name] && data[name]) pagedList(box, data[name], lists[name]);
    });
    // Printing shows the evidence that the screen keeps folded.
    window.addEventListener("beforeprint", function () {
      Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
    });
    root.setAttribute("data-ready", "1");
  } catch (err) {
    root.setAttribute("data-error", String(err));
  }
})();
