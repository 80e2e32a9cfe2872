"""The built site in headless Chromium: how long the dashboard and the partners list take to open, sort and filter.

``measure_site(site_dir)`` opens a site that ``refsite build`` made, from ``file://`` as a
practice opens it, in Debian's Chromium through Playwright (no browser download), and returns
seconds:

- ``open_dashboard``, ``open_partners``: from the start of the navigation to the end of the
  ``load`` event (the browser's Navigation Timing), each page in a fresh tab;
- ``sort_partners``: the partners list sorted by its "Referrals, 12 months" column, clicked as
  soon as the load event has ended: from the first click on the column's head until the first row
  shown is another partner (a second click, the other way, when the first sort leaves it in
  place), and the frame that shows the rows of the new order laid out (the table script shows them
  all at once, the first 200 of a long list). On a long list this INCLUDES loading its rows file
  (``lists/partners-rows.js``, which the table script otherwise starts loading when the browser is
  idle after the load event): the click comes before that file is loaded, or while it loads, and
  the sort waits for it (the table is ``aria-busy`` meanwhile). It is the worst case of a first
  sort; a manager who reads the page for a moment first finds the rows loaded;
- ``sort_partners_loaded``: the sort of ``sort_partners`` in another tab, once the rows file has
  loaded by itself (the browser idle after the load event): the usual first sort (the same as
  ``sort_partners`` for a list with no rows file);
- ``sort_partners_by_name``: the same by the Partner column (built by name, so the first click
  leaves the first row and the second one reverses the list), after the sort above: the rows are
  loaded;
- ``filter_partners``: a word typed into the filter box until the "N of M shown" count changes,
  and the frame that shows it (the rows loaded);
- ``usable_dashboard``, ``usable_partners``: on Playwright's clock, not the page's, from the start
  of the navigation until the page has handled a click made at its load event (on its heading) and
  answered a script call after it: what the times inside the page cannot show, a page that has
  loaded but does not answer (Material's search building its index on the page's own thread, as
  it did from ``file://`` before ``refsite/theme/assets/refsite/search-later.js``).

Each figure is the median of ``repeat`` runs. The issue's bar (issue 17): at 5,000 partners,
the dashboard and the partners list open and sort in under a second. benchmarks/run.py calls
this on its largest site; run it alone with ``python benchmarks/site_timing.py SITE_DIR``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 900}
PAGES = (("open_dashboard", "index.html"), ("open_partners", "lists/index.html"))
USABLE = (("usable_dashboard", "index.html"), ("usable_partners", "lists/index.html"))

# Navigation to the end of the load event, in seconds (Navigation Timing level 2).
_LOAD = """() => { const n = performance.getEntriesByType('navigation')[0];
  return (n.loadEventEnd - n.startTime) / 1000; }"""

# Resolves once the table is no longer busy loading its rows file (at once for a table that has none).
_SETTLED = """const settled = table => new Promise(done => {
  const check = () => table.hasAttribute('aria-busy') ? requestAnimationFrame(check) : done();
  check(); });"""

# Click the head of column `label` until the first row changes (at most twice), then wait for the frame
# that paints it: seconds from the first click.
_SORT = """async label => {
  """ + _SETTLED + """
  const table = document.querySelector('table[data-rs-sort]');
  const button = [...table.querySelectorAll('thead th button')].find(b => b.textContent.trim() === label);
  if (!button) throw new Error('no sortable column ' + label);
  const first = () => table.tBodies[0].rows[0].textContent;
  const before = first();
  const t0 = performance.now();
  for (let i = 0; i < 2 && first() === before; i++) {
    button.click();
    await settled(table);  // a click while the rows file loads is done when it arrives
    void table.offsetHeight;
    await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
  }
  if (first() === before) throw new Error('sorting by ' + label + ' left the first row in place');
  return (performance.now() - t0) / 1000;
}"""

# Type `word` into the filter box until the count of rows shown changes, then wait for the frame.
_FILTER = """async word => {
  """ + _SETTLED + """
  const input = document.querySelector('.rs-filter input');
  const count = document.querySelector('.rs-filter__count');
  const before = count.textContent;
  const t0 = performance.now();
  input.value = word;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await settled(document.querySelector('table[data-rs-filter]'));
  void document.body.offsetHeight;
  await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
  if (count.textContent === before) throw new Error('filtering by ' + word + ' changed nothing');
  return (performance.now() - t0) / 1000;
}"""

# Whether a table's rows file (if it has one) has loaded: its script is in the page and the table is not busy.
_ROWS_LOADED = """() => { const t = document.querySelector('table[data-rs-sort]');
  return !t.hasAttribute('data-rs-rows') || ([...document.scripts].some(s => s.src.endsWith('/partners-rows.js'))
    && !t.hasAttribute('aria-busy')); }"""

# A word to filter by: the longest word of the name in the 101st row as built (the middle one of fewer),
# by name, so the same partner's in a list built whole or with its first rows (found, and not in every row).
_WORD = """() => { const rows = document.querySelectorAll('table[data-rs-filter] tbody tr');
  const name = rows[Math.min(100, Math.floor(rows.length / 2))].cells[0].textContent.trim();
  return name.split(/\\s+/).sort((a, b) => b.length - a.length)[0].toLowerCase(); }"""


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def measure_site(site_dir: Path, chromium: str = "/usr/bin/chromium", repeat: int = 3) -> dict[str, float]:
    """Seconds to open the dashboard and the partners list, and to sort and filter the list (medians of ``repeat``)."""
    from playwright.sync_api import sync_playwright

    site_dir = Path(site_dir).resolve()
    runs: dict[str, list[float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            for _ in range(repeat):
                for key, page_path in PAGES:
                    tab = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
                    tab.goto((site_dir / page_path).as_uri(), wait_until="load", timeout=120_000)
                    runs.setdefault(key, []).append(float(tab.evaluate(_LOAD)))
                    if key == "open_partners":
                        _measure_table(tab, runs)
                    tab.close()
                for key, page_path in USABLE:
                    tab = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
                    start = time.perf_counter()
                    tab.goto((site_dir / page_path).as_uri(), wait_until="load", timeout=120_000)
                    tab.locator("article h1").click(timeout=120_000)
                    tab.evaluate("() => 0")
                    runs.setdefault(key, []).append(time.perf_counter() - start)
                    tab.close()
                tab = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
                tab.goto((site_dir / "lists/index.html").as_uri(), wait_until="load", timeout=120_000)
                tab.wait_for_function(_ROWS_LOADED, timeout=120_000)
                runs.setdefault("sort_partners_loaded", []).append(float(tab.evaluate(_SORT, "Referrals, 12 months")))
                tab.close()
        finally:
            browser.close()
    return {key: _median(values) for key, values in runs.items()}


def _measure_table(tab: Any, runs: dict[str, list[float]]) -> None:
    runs.setdefault("sort_partners", []).append(float(tab.evaluate(_SORT, "Referrals, 12 months")))
    runs.setdefault("sort_partners_by_name", []).append(float(tab.evaluate(_SORT, "Partner")))
    runs.setdefault("filter_partners", []).append(float(tab.evaluate(_FILTER, tab.evaluate(_WORD))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site_dir", type=Path, help="a site that refsite build made")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    json.dump(measure_site(args.site_dir, args.chromium, args.repeat), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
