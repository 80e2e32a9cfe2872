/* refsite: sort any column of a table marked data-rs-sort, and filter a table marked
   data-rs-filter by text, owner, stage and category. Local, no dependency, works from file://;
   without it the tables read as they were built (sorted by name or by rank).

   Every table is one model: its rows in the current order, each {html, text, facets, keys}.
   A long partners list is built with its first rows only; every row, its HTML rendered by the
   same template macro as the built ones, travels in an inert JSON island beside the table
   (script.rs-rows, docs/site.md "Tables"). Other tables' models are read from their rows.
   Sorting and filtering act on the whole model; the body shows the first rows of the result
   (as many as the page was built with, more on "Show more"). */
(function () {
  "use strict";

  var NUMBER = /[$,%\s]/g;

  function isNumber(text) {
    return text !== "" && !isNaN(Number(text.replace(NUMBER, "")));
  }

  function blank(text) { return text === "" || text === "–"; }

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }

  var FACETS = [["owner", "Owner"], ["stage", "Stage"], ["category", "Category"]];

  // The model of a table: from its island when it has one, else from the rows it was built with.
  function modelOf(table) {
    var wrapper = table.closest(".rs-table");
    var island = wrapper && wrapper.querySelector("script.rs-rows");
    var body = table.tBodies[0];
    if (island) {
      // [html, text, owner, stage, category, keys] per row (site_templates/_macros.html, partner_table)
      var data = JSON.parse(island.textContent);
      return {
        body: body,
        step: Number(island.getAttribute("data-rs-page")) || body.rows.length,
        limit: body.rows.length,
        rows: data.rows.map(function (r) {
          return { html: r[0], text: r[1], facets: { owner: r[2], stage: r[3], category: r[4] }, keys: r[5] };
        })
      };
    }
    var columns = table.tHead ? table.tHead.rows[0].cells.length : 0;
    var rows = Array.prototype.map.call(body.rows, function (row) {
      var keys = [];
      for (var i = 0; i < columns; i++) keys.push(cellValue(row, i));
      var facets = {};
      FACETS.forEach(function (f) { facets[f[0]] = row.getAttribute("data-" + f[0]) || ""; });
      return { html: row.outerHTML, text: row.textContent.toLowerCase(), facets: facets, keys: keys };
    });
    return { body: body, step: rows.length, limit: rows.length, rows: rows };
  }

  function Table(table) {
    var model = modelOf(table);
    this.table = table;
    this.body = model.body;
    this.rows = model.rows;       // every row, in the current order
    this.matches = model.rows;    // the rows the filter leaves, in that order
    this.step = model.step;       // rows added by "Show more"
    this.limit = model.limit;     // rows the body shows at most
    this.keep = null;             // the filter's test (none: every row)
    this.onrender = [];
  }

  Table.prototype.render = function () {
    var n = Math.min(this.limit, this.matches.length), html = new Array(n);
    for (var i = 0; i < n; i++) html[i] = this.matches[i].html;
    this.body.innerHTML = html.join("");
    this.onrender.forEach(function (f) { f(); });
  };

  Table.prototype.refilter = function () {
    var keep = this.keep;
    this.matches = keep ? this.rows.filter(keep) : this.rows;
  };

  Table.prototype.sortBy = function (index, button) {
    var th = button.parentElement;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    this.table.querySelectorAll("thead th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    // Each row's key read once (not at every comparison), numbers parsed once.
    var keyed = this.rows.map(function (row, i) {
      var text = row.keys[index] || "";
      return { row: row, i: i, text: text, blank: blank(text), number: isNumber(text) ? Number(text.replace(NUMBER, "")) : null };
    });
    var collator = new Intl.Collator("en", { sensitivity: "base", numeric: true });
    keyed.sort(function (x, y) {
      if (x.blank || y.blank) return x.blank === y.blank ? x.i - y.i : x.blank ? 1 : -1;  // blanks last, either way
      var c = x.number !== null && y.number !== null ? x.number - y.number : collator.compare(x.text, y.text);
      if (c === 0) return x.i - y.i;
      return ascending ? c : -c;
    });
    this.rows = keyed.map(function (k) { return k.row; });
    this.refilter();
    this.render();
  };

  function makeSortable(t) {
    t.table.querySelectorAll("thead th").forEach(function (th, index) {
      var text = th.textContent.trim();
      if (!text) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "rs-sort";
      button.textContent = text;
      button.title = "Sort by " + text;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () { t.sortBy(index, button); });
    });
  }

  // "Show 200 more" and "Show all 5000" under a table the body shows only part of.
  function makeMore(t) {
    var wrapper = t.table.closest(".rs-table") || t.table;
    var more = document.createElement("p");
    more.className = "rs-more";
    var next = document.createElement("button");
    next.type = "button";
    var all = document.createElement("button");
    all.type = "button";
    more.appendChild(next);
    more.appendChild(document.createTextNode(" "));
    more.appendChild(all);
    next.addEventListener("click", function () { t.limit += t.step; t.render(); });
    all.addEventListener("click", function () { t.limit = t.matches.length; t.render(); });
    function update() {
      var left = t.matches.length - Math.min(t.limit, t.matches.length);
      more.hidden = left === 0;
      next.textContent = "Show " + Math.min(t.step, left) + " more";
      all.hidden = left <= t.step;
      all.textContent = "Show all " + t.matches.length;
    }
    t.onrender.push(update);
    update();
    wrapper.parentNode.insertBefore(more, wrapper.nextSibling);
  }

  function makeFilter(t) {
    var table = t.table;
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
      t.rows.forEach(function (r) { var v = r.facets[facet[0]]; if (v) values[v] = true; });
      var names = Object.keys(values).sort();
      if (names.length < 2) return;
      var select = document.createElement("select");
      select.setAttribute("aria-label", facet[1]);
      select.setAttribute("data-facet", facet[0]);
      var any = document.createElement("option");
      any.value = "";
      any.textContent = "Any " + facet[1].toLowerCase();
      select.appendChild(any);
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
      var chosen = selects.filter(function (s) { return s.value; }).map(function (s) {
        return [s.getAttribute("data-facet"), s.value];
      });
      t.keep = words.length || chosen.length ? function (row) {
        return words.every(function (w) { return row.text.indexOf(w) >= 0; }) &&
          chosen.every(function (c) { return row.facets[c[0]] === c[1]; });
      } : null;
      t.refilter();
      t.render();
    }

    function recount() {
      var total = t.rows.length, matched = t.matches.length, shown = Math.min(t.limit, matched);
      if (matched === total) {
        count.textContent = shown === total ? total + " shown" : shown + " of " + total + " shown";
      } else {
        count.textContent = shown === matched ? matched + " of " + total + " shown"
          : shown + " of the " + matched + " of " + total + " that match shown";
      }
      // The totals row: as built (refsite.metrics) for every row; recounted from the model when filtered.
      sums.forEach(function (cell, n) {
        if (matched === total) { cell.textContent = built[n]; return; }
        var sum = 0, index = cell.cellIndex;
        t.matches.forEach(function (row) { sum += Number(row.keys[index]) || 0; });
        cell.textContent = String(sum);
      });
      if (label) {
        label.textContent = matched === total ? builtLabel
          : "Total of the " + matched + " of " + total + (shown === matched ? " partners shown" : " partners that match");
      }
    }

    text.addEventListener("input", apply);
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    t.onrender.push(recount);
    recount();  // as built: no work on the rows at load
    var wrapper = table.closest(".rs-table") || table;
    wrapper.parentNode.insertBefore(form, wrapper);
  }

  // On a phone the ways to browse (the partners list's chips) start folded: the table comes first.
  if (window.matchMedia("(max-width: 44.9375em)").matches) {
    document.querySelectorAll("details.rs-browse[open]").forEach(function (d) { d.open = false; });
  }

  document.querySelectorAll("table[data-rs-sort], table[data-rs-filter]").forEach(function (table) {
    var t = new Table(table);
    if (table.hasAttribute("data-rs-sort")) makeSortable(t);
    if (table.hasAttribute("data-rs-filter")) makeFilter(t);
    if (t.limit < t.rows.length) makeMore(t);
  });
})();
