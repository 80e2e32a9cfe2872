/* refsite: sort any column of a table marked data-rs-sort, and filter a table marked
   data-rs-filter by text, owner, stage and category. Local, no dependency, works from file://;
   without it the tables read as they were built (sorted by name or by rank).

   Every table is one model: its rows in the current order, each {html, text, facets, keys}.
   A long partners list is built with its first rows only; every row, its HTML rendered by the
   same template macro as the built ones, is in a script file beside the page (the table's
   data-rs-rows, lists/partners-rows.js: docs/site.md "The pages"), which assigns them as JSON to
   the one global window.refsiteRows. That file is loaded by a script tag (fetch does not work from
   file://) on first need (a sort, a filter, "Show more") and when the browser is idle after the
   page loaded; what is asked while it loads waits for it. Should it fail to load, the table works
   on the rows it was built with, and says so. Other tables' models are read from their rows.
   Sorting and filtering act on the whole model; the body shows the first rows of the result
   (as many as the page was built with, more on "Show more"). */
(function () {
  "use strict";

  var NUMBER = /[$,%\s]/g;

  function isNumber(text) {
    return text !== "" && !isNaN(Number(text.replace(NUMBER, "")));
  }

  function blank(text) { return text === "" || text === "–"; }

  // A count for people: 5000 -> "5,000" (as refsite.words.count writes it; not the browser's locale).
  function count(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }

  var FACETS = [["owner", "Owner"], ["stage", "Stage"], ["category", "Category"]];

  // The model of a table: from its rows file when it has one (loaded when first needed: the page
  // opens without it), else from the rows it was built with.
  function Table(table) {
    this.table = table;
    this.body = table.tBodies[0];
    this.limit = this.body.rows.length;  // rows the body shows at most
    this.keep = null;                    // the filter's test (none: every row)
    this.onrender = [];
    this.waiting = [];                   // what was asked while the rows file loads, in order
    this.src = table.getAttribute("data-rs-rows");
    if (this.src) {
      this.state = "unloaded";  // then "loading", then "loaded" or "failed"
      this.total = Number(table.getAttribute("data-rs-count"));
      this.step = Number(table.getAttribute("data-rs-page")) || this.limit;  // rows added by "Show more"
      this.facets = JSON.parse(table.getAttribute("data-rs-facets"));
      this.rows = this.matches = null;
      return;
    }
    this.state = "loaded";
    this.built();
  }

  // The model from the rows the body was built with.
  Table.prototype.built = function () {
    var columns = this.table.tHead ? this.table.tHead.rows[0].cells.length : 0;
    var facets = {};
    FACETS.forEach(function (f) { facets[f[0]] = {}; });
    var rows = Array.prototype.map.call(this.body.rows, function (row) {
      var keys = [];
      for (var i = 0; i < columns; i++) keys.push(cellValue(row, i));
      var values = {};
      FACETS.forEach(function (f) {
        var v = row.getAttribute("data-" + f[0]) || "";
        values[f[0]] = v;
        if (v) facets[f[0]][v] = true;
      });
      return { html: row.outerHTML, text: row.textContent.toLowerCase(), facets: values, keys: keys };
    });
    if (!this.facets) {
      this.facets = {};
      FACETS.forEach(function (f) { this.facets[f[0]] = Object.keys(facets[f[0]]).sort(); }, this);
    }
    this.rows = this.matches = rows;  // every row in the current order; the rows the filter leaves
    this.total = rows.length;
    this.step = rows.length;
  };

  // Start loading the rows file (once): a script tag, which works from file:// and over http.
  Table.prototype.load = function () {
    if (this.state !== "unloaded") return;
    this.state = "loading";
    var t = this, script = document.createElement("script");
    script.src = this.src;
    script.async = true;
    script.onload = function () {
      var data = window.refsiteRows;
      try { delete window.refsiteRows; } catch (e) { window.refsiteRows = undefined; }
      if (!data || !data.rows || data.rows.length !== t.total) { t.failed(); return; }
      t.rows = data.rows.map(function (r) {
        return { html: r[0], text: r[1], facets: { owner: r[2], stage: r[3], category: r[4] }, keys: r[5] };
      });
      t.state = "loaded";
      t.refilter();
      t.ready();
    };
    script.onerror = function () { t.failed(); };
    this.busy(true);
    document.head.appendChild(script);
  };

  // The rows file did not load: the model is the rows the page was built with.
  Table.prototype.failed = function () {
    var all = this.total;
    this.state = "failed";
    this.missing = all;  // how many rows the table should have had
    this.built();
    this.ready();
  };

  Table.prototype.busy = function (on) {
    if (on) this.table.setAttribute("aria-busy", "true"); else this.table.removeAttribute("aria-busy");
  };

  // Run what waited for the rows, in the order asked.
  Table.prototype.ready = function () {
    var waiting = this.waiting;
    this.waiting = [];
    this.busy(false);
    if (!waiting.length) this.onrender.forEach(function (f) { f(); });  // the counts and notes (the body as it is)
    waiting.forEach(function (w) { w[1](); });
  };

  // Do ``action`` on every row: now when they are here, else once the rows file has loaded. ``key``:
  // an action that reads the page as it then is (the filter) waits once, however often it was asked.
  Table.prototype.when = function (key, action) {
    if (this.state === "loaded" || this.state === "failed") { action(); return; }
    if (!key || !this.waiting.some(function (w) { return w[0] === key; })) this.waiting.push([key, action]);
    this.load();
    this.onrender.forEach(function (f) { f(); });  // shows "Loading all rows"
  };

  Table.prototype.all = function () { return this.rows; };

  Table.prototype.shown = function () { return Math.min(this.limit, this.matched()); };
  Table.prototype.matched = function () { return this.matches ? this.matches.length : this.total; };

  Table.prototype.render = function () {
    if (!this.matches) { this.onrender.forEach(function (f) { f(); }); return; }
    var n = Math.min(this.limit, this.matches.length), html = new Array(n);
    for (var i = 0; i < n; i++) html[i] = this.matches[i].html;
    this.body.innerHTML = html.join("");
    this.onrender.forEach(function (f) { f(); });
  };

  Table.prototype.refilter = function () {
    var keep = this.keep;
    this.matches = keep ? this.all().filter(keep) : this.all();
  };

  Table.prototype.sortBy = function (index, button) {
    var th = button.parentElement;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    this.table.querySelectorAll("thead th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    // Each row's key read once (not at every comparison), numbers parsed once.
    var keyed = this.all().map(function (row, i) {
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
      button.addEventListener("click", function () { t.when(null, function () { t.sortBy(index, button); }); });
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
    next.addEventListener("click", function () { t.when(null, function () { t.limit += t.step; t.render(); }); });
    all.addEventListener("click", function () { t.when("all", function () { t.limit = t.matched(); t.render(); }); });
    function update() {
      var left = t.matched() - t.shown();
      more.hidden = left <= 0;
      next.textContent = "Show " + count(Math.min(t.step, left)) + " more";
      all.hidden = left <= t.step;
      all.textContent = "Show all " + count(t.matched());
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
      var names = t.facets[facet[0]] || [];
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
    var counted = document.createElement("output");
    counted.className = "rs-filter__count";
    counted.setAttribute("aria-live", "polite");
    form.appendChild(counted);

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
      var total = t.total, matched = t.matched(), shown = t.shown(), text;
      if (t.state === "loading") {
        text = "Loading all " + count(total) + " rows…";
      } else if (matched === total) {
        text = shown === total ? count(total) + " shown" : count(shown) + " of " + count(total) + " shown";
      } else {
        text = shown === matched ? count(matched) + " of " + count(total) + " shown"
          : count(shown) + " shown of the " + count(matched) + " that match (" + count(total) + " in all)";
      }
      if (t.state === "failed") {
        text += " (the other " + count(t.missing - total) + " rows could not be loaded: browse them above)";
      }
      counted.textContent = text;
      // The totals row: as built (refsite.metrics) for every row; recounted from the model when filtered
      // (or when the rows file failed: the model is then only the rows built).
      var whole = matched === total && t.state !== "failed";
      sums.forEach(function (cell, n) {
        if (whole) { cell.textContent = built[n]; return; }
        var sum = 0, index = cell.cellIndex;
        t.matches.forEach(function (row) { sum += Number(row.keys[index]) || 0; });
        cell.textContent = String(sum);
      });
      if (label) {
        label.textContent = whole ? builtLabel
          : "Total of the " + count(matched) + " of " + count(t.missing || total)
            + (shown === matched ? " partners shown" : " partners that match");
      }
    }

    function asked() { t.when("filter", apply); }
    text.addEventListener("input", asked);
    selects.forEach(function (s) { s.addEventListener("change", asked); });
    t.onrender.push(recount);
    recount();  // as built: no work on the rows at load
    var wrapper = table.closest(".rs-table") || table;
    wrapper.parentNode.insertBefore(form, wrapper);
  }

  // On a phone the ways to browse (the partners list's chips) start folded: the table comes first.
  if (window.matchMedia("(max-width: 44.9375em)").matches) {
    document.querySelectorAll("details.rs-browse[open]").forEach(function (d) { d.open = false; });
  }

  var tables = [];  // those with a rows file
  document.querySelectorAll("table[data-rs-sort], table[data-rs-filter]").forEach(function (table) {
    var t = new Table(table);
    if (table.hasAttribute("data-rs-sort")) makeSortable(t);
    if (table.hasAttribute("data-rs-filter")) makeFilter(t);
    if (t.limit < t.total) makeMore(t);
    if (t.src) tables.push(t);
  });

  // The rows files, once the page has loaded and the browser is idle (within a second at most: a headless
  // or busy browser may have no idle time to give): the first sort is then usually instant.
  function idle() {
    var start = function () { tables.forEach(function (t) { t.load(); }); };
    if (window.requestIdleCallback) window.requestIdleCallback(start, { timeout: 1000 }); else setTimeout(start, 200);
  }
  if (tables.length) {
    if (document.readyState === "complete") idle(); else window.addEventListener("load", idle);
  }
})();
