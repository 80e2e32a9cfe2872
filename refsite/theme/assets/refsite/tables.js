/* refsite: sort any column of a table marked data-rs-sort, and filter a table marked
   data-rs-filter by text, owner, stage and category. Local, no dependency, works from file://;
   without it the tables read as they were built (sorted by name or by rank). */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }

  function isNumber(text) {
    return text !== "" && !isNaN(Number(text.replace(/[$,%\s]/g, "")));
  }

  function compare(a, b) {
    var blankA = a === "" || a === "–", blankB = b === "" || b === "–";
    if (blankA || blankB) return blankA === blankB ? 0 : blankA ? 1 : -1;  // blanks last
    if (isNumber(a) && isNumber(b)) return Number(a.replace(/[$,%\s]/g, "")) - Number(b.replace(/[$,%\s]/g, ""));
    return a.localeCompare(b, "en", { sensitivity: "base", numeric: true });
  }

  function sortBy(table, index, button) {
    var th = button.parentElement;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return !r.classList.contains("rs-total"); });
    var totals = Array.prototype.slice.call(body.rows).filter(function (r) { return r.classList.contains("rs-total"); });
    rows.map(function (row, i) { return [row, i]; })
      .sort(function (x, y) {
        var c = compare(cellValue(x[0], index), cellValue(y[0], index));
        if (c === 0) return x[1] - y[1];
        var blank = cellValue(x[0], index) === "" || cellValue(x[0], index) === "–" ||
          cellValue(y[0], index) === "" || cellValue(y[0], index) === "–";
        return ascending || blank ? c : -c;
      })
      .forEach(function (pair) { body.appendChild(pair[0]); });
    totals.forEach(function (row) { body.appendChild(row); });
  }

  function makeSortable(table) {
    table.querySelectorAll("thead th").forEach(function (th, index) {
      var text = th.textContent.trim();
      if (!text) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "rs-sort";
      button.textContent = text;
      button.title = "Sort by " + text;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, index, button); });
    });
  }

  var FACETS = [["owner", "Owner"], ["stage", "Stage"], ["category", "Category"]];

  function makeFilter(table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return !r.classList.contains("rs-total"); });
    var form = document.createElement("form");
    form.className = "rs-filter";
    form.setAttribute("role", "search");
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    var text = document.createElement("input");
    text.type = "search";
    text.placeholder = "Filter";
    text.setAttribute("aria-label", "Filter the table by any word");
    form.appendChild(text);
    var selects = [];
    FACETS.forEach(function (facet) {
      var values = {};
      rows.forEach(function (r) { var v = r.getAttribute("data-" + facet[0]); if (v) values[v] = true; });
      var names = Object.keys(values).sort();
      if (names.length < 2) return;
      var select = document.createElement("select");
      select.setAttribute("aria-label", facet[1]);
      select.setAttribute("data-facet", facet[0]);
      var all = document.createElement("option");
      all.value = "";
      all.textContent = "Any " + facet[1].toLowerCase();
      select.appendChild(all);
      names.forEach(function (name) {
        var option = document.createElement("option");
        option.value = name;
        option.textContent = name;
        select.appendChild(option);
      });
      form.appendChild(select);
      selects.push(select);
    });
    var count = document.createElement("output");
    count.className = "rs-filter__count";
    count.setAttribute("aria-live", "polite");
    form.appendChild(count);
    function apply() {
      var words = text.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var haystack = row.textContent.toLowerCase();
        var ok = words.every(function (w) { return haystack.indexOf(w) >= 0; }) &&
          selects.every(function (s) { return !s.value || row.getAttribute("data-" + s.getAttribute("data-facet")) === s.value; });
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown === rows.length ? rows.length + " shown" : shown + " of " + rows.length + " shown";
    }
    text.addEventListener("input", apply);
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    apply();
    var wrapper = table.closest(".rs-table") || table;
    wrapper.parentNode.insertBefore(form, wrapper);
  }

  document.querySelectorAll("table[data-rs-sort]").forEach(makeSortable);
  document.querySelectorAll("table[data-rs-filter]").forEach(makeFilter);
})();
