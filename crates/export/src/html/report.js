// Sortable tables. The report needs no other script; it sets data-ready on <html> when done,
// or data-error if anything fails, so a headless browser can tell.
(function () {
  var root = document.documentElement;
  window.addEventListener("error", function (event) {
    root.setAttribute("data-error", String(event.message || event));
  });
  var numeric = /^-?\d+(\.\d+)?$/;
  function key(row, column) {
    var cell = row.cells[column];
    if (!cell) return "";
    var value = cell.getAttribute("data-sort");
    return value === null ? cell.textContent.trim() : value;
  }
  function compare(a, b) {
    if (numeric.test(a) && numeric.test(b)) return parseFloat(a) - parseFloat(b);
    return a.localeCompare(b);
  }
  function sortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, column) {
      th.tabIndex = 0;
      th.title = "Sort";
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var order = compare(key(a, column), key(b, column));
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }
  try {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), sortable);
    root.setAttribute("data-ready", "1");
  } catch (err) {
    root.setAttribute("data-error", String(err));
  }
})();
