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

  function blank(text) { return text === "" || text === "–"; }

  function sortBy(table, index, button) {
    var th = button.parentElement;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var state = rowsOf(table);
    // Each row's key read once (not at every comparison), numbers parsed once.
    var keyed = state.rows.map(function (row, i) {
      var text = cellValue(row, index);
      return { row: row, i: i, text: text, blank: blank(text), number: isNumber(text) ? Number(text.replace(/[$,%\s]/g, "")) : null };
    });
    var collator = new Intl.Collator("en", { sensitivity: "base", numeric: true });
    keyed.sort(function (x, y) {
      if (x.blank || y.blank) return x.blank === y.blank ? x.i - y.i : x.blank ? 1 : -1;  // blanks last, either way
      var c = x.number !== null && y.number !== null ? x.number - y.number : collator.compare(x.text, y.text);
      if (c === 0) return x.i - y.i;
      return ascending ? c : -c;
    });
    // A new tbody of copies, swapped in at once: Chromium moves rows it has laid out slowly enough that
    // 5,000 moves take seconds (measured: benchmarks/site_timing.py); copies it has not laid out are quick.
    var sorted = body.cloneNode(false);
    var rows = keyed.map(function (k) { var copy = k.row.cloneNode(true); sorted.appendChild(copy); return copy; });
    state.texts = keyed.map(function (k) { return state.texts[k.i]; });
    state.rows = rows;
    table.replaceChild(sorted, body);
  }

  // The rows of a table's body in their current order, and their text in lower case (read once, for the filter).
  var STATES = typeof WeakMap === "function" ? new WeakMap() : null;

  function rowsOf(table) {
    var state = STATES && STATES.get(table);
    if (!state) {
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      state = { rows: rows, texts: rows.map(function (r) { return r.textContent.toLowerCase(); }) };
      if (STATES) STATES.set(table, state);
    }
    return state;
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
    var rows = rowsOf(table).rows;
    var foot = table.tFoot && table.tFoot.rows[0];
    var label = foot && foot.querySelector("[data-rs-total-label]");
    var sums = foot ? Array.prototype.slice.call(foot.querySelectorAll("[data-rs-sum]")) : [];
    var built = sums.map(function (cell) { return cell.textContent; });
    var builtLabel = label ? label.textContent : "";
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
      var state = rowsOf(table), body = table.tBodies[0], texts = state.texts;
      rows = state.rows;  // sorting replaces the rows with copies in the new order
      var parent = body.parentNode, next = body.nextSibling;
      parent.removeChild(body);  // out of the page while 5,000 rows change, then back at once
      rows.forEach(function (row, i) {
        var haystack = texts[i];
        var ok = words.every(function (w) { return haystack.indexOf(w) >= 0; }) &&
          selects.every(function (s) { return !s.value || row.getAttribute("data-" + s.getAttribute("data-facet")) === s.value; });
        if (row.hidden === ok) row.hidden = !ok;
        if (ok) shown += 1;
      });
      parent.insertBefore(body, next);
      count.textContent = shown === rows.length ? rows.length + " shown" : shown + " of " + rows.length + " shown";
      // The totals row: as built (refsite.metrics) for every row; recounted from the rows shown when filtered.
      sums.forEach(function (cell, n) {
        if (shown === rows.length) { cell.textContent = built[n]; return; }
        var total = 0;
        rows.forEach(function (row) { if (!row.hidden) total += Number(row.cells[cell.cellIndex].textContent.trim()) || 0; });
        cell.textContent = String(total);
      });
      if (label) {
        label.textContent = shown === rows.length ? builtLabel : "Total of the " + shown + " of " + rows.length + " partners shown";
      }
    }
    text.addEventListener("input", apply);
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    count.textContent = rows.length + " shown";  // as built: every row (no work on 5,000 rows at load)
    var wrapper = table.closest(".rs-table") || table;
    wrapper.parentNode.insertBefore(form, wrapper);
  }

  // On a phone the ways to browse (the partners list's chips) start folded: the table comes first.
  if (window.matchMedia("(max-width: 44.9375em)").matches) {
    document.querySelectorAll("details.rs-browse[open]").forEach(function (d) { d.open = false; });
  }

  document.querySelectorAll("table[data-rs-sort]").forEach(makeSortable);
  document.querySelectorAll("table[data-rs-filter]").forEach(makeFilter);
})();
