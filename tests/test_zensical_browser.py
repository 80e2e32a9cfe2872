"""The Zensical-built site in headless Chromium, from disk and over http: every page type, tables, search, axe-core.

Uses test_browser.py's Chromium (Debian's, its flags) and its Visit (every request and dialog recorded;
none may leave the machine), in a thread of its own: test_browser.py's session-wide Playwright may be
running in this thread, and Playwright's sync API runs one per thread. Skips without zensical or
chromium, except under CI, where both fail.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import expect
from test_browser import (
    ARGS,
    CHROMIUM,
    FIXTURE,
    PAGE_TYPES,
    TODAY,
    Visit,
    _require_browser,
    require_axe,
    serious_violations,
    url,
)
from test_zensical import require_zensical

from refsite import site
from refsite.site import zensical

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory) -> Path:
    require_zensical()
    root = tmp_path_factory.mktemp("zensical-browser")
    shutil.copytree(FIXTURE, root / "records")
    result = site.build(site.Layout.find(root / "records"), TODAY, zensical.ZENSICAL)
    assert result.built, result.problems
    return root / "site"


def in_chromium(check: Callable[[Visit], None], **options: object) -> None:
    """``check(visit)`` in a fresh Chromium, in a thread of its own; then no request left the machine, no dialog."""
    _require_browser()
    failure: list[BaseException] = []

    def run() -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as p:
                chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                try:
                    v = Visit(chromium, **options)
                    check(v)
                    assert v.outside() == [], "requests left the machine"
                    assert v.dialogs == [], "a record value ran as a script"
                    v.close()
                finally:
                    chromium.close()
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def _search(page, query: str, answer: str) -> str:
    """Type ``query`` into Zensical's search dialog, wait for a result showing ``answer``; the first result's text.

    """
    dialog = page.locator('dialog[aria-label="Search"]')
    if not dialog.is_visible():
        page.locator(".md-search__button").click()
    box = dialog.locator('input[role="combobox"]')
    options = dialog.locator('[role="listbox"] [role="option"]')
    box.fill("")
    expect(options).to_have_count(0)  # the last query's results are gone
    box.fill(query)  # one input event: no results of the query's first letters in between
    options.filter(has_text=answer).first.wait_for(timeout=15_000)
    return options.first.inner_text()


def _dashboard_partner_and_search(page, base: str) -> None:
    page.goto(f"{base}/index.html")
    assert page.title() == "Dashboard - Test Physio & Co"
    assert page.locator("article h1").inner_text() == "Dashboard"
    assert page.locator(".rs-chart svg").count() == 2
    page.locator("a.rs-due__partner", has_text="Harbour Street Family Practice").first.click()
    page.wait_for_url("**/partners/harbour.html")
    assert page.locator("article h1").inner_text() == "Harbour Street Family Practice"
    assert "zeppelin poster" in page.locator(".rs-notes").inner_text()
    assert "zeppelin" in _search(page, "zeppelin", "Harbour Street Family Practice")  # a word from its notes
    assert "R-001" in _search(page, "R-001", "Closed Clinic")  # a referral id finds its partner
    assert "Dr. Priya Natarajan" in _search(page, "Natarjan", "Natarajan")  # a typo: a result of her own
    first = _search(page, "Harbor Street", "Harbour Street Family Practice")
    assert first.splitlines()[0] == "Harbour Street Family Practice"  # its own name first
    page.locator('dialog[aria-label="Search"] [role="option"]').first.click()
    page.wait_for_url("**/partners/harbour.html*")


def test_the_zensical_site_works_from_disk_with_search(zensical_site):
    def check(v: Visit) -> None:
        _dashboard_partner_and_search(v.page, url(zensical_site, "index.html").rsplit("/", 1)[0])
        assert all(u.startswith("file://") for u in v.requests)
        assert any(u.endswith("/search.js") for u in v.requests)  # the index inlined for file://
        v.page.goto(url(zensical_site, "lists/index.html"))
        rows = v.page.locator("table tbody tr")
        assert rows.count() == 4
        v.page.locator("th", has_text="Partner").first.click()  # refsite's tables.js sorts it
        assert rows.count() == 4

    in_chromium(check, viewport={"width": 1280, "height": 900})


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_the_zensical_site_works_over_http_with_search(zensical_site):
    handler = functools.partial(_Quiet, directory=str(zensical_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def check(v: Visit) -> None:
        _dashboard_partner_and_search(v.page, base)
        assert all(u.startswith(base) or u.startswith(("data:", "blob:")) for u in v.requests)

    try:
        in_chromium(check)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def zensical_paged_site(tmp_path_factory) -> Path:
    """The fixture records with the partners list built with its first 2 rows: the rest in its rows file."""
    from refsite.render import pages

    require_zensical()
    root = tmp_path_factory.mktemp("zensical-paged")
    shutil.copytree(FIXTURE, root / "records")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pages, "LIST_PAGE", 2)
        result = site.build(site.Layout.find(root / "records"), TODAY, zensical.ZENSICAL)
    assert result.built, result.problems
    return root / "site"


def test_every_page_type_opens_and_nothing_in_a_record_runs(zensical_site):
    def check(v: Visit) -> None:
        errors: list[str] = []
        v.page.on("pageerror", lambda error: errors.append(str(error)))
        for page in (*PAGE_TYPES, "partners/xss.html"):
            v.page.goto(url(zensical_site, page))
            assert v.page.locator("article h1").count() == 1, page
        assert v.page.locator("article h1").inner_text() == "<script>alert(1)</script>"  # the record's text, as text
        assert v.page.locator("article iframe, article script, article img, article [onerror]").count() == 0
        assert v.page.locator(".rs-notes em").first.inner_text() == "markdown"  # notes are Markdown here too
        assert errors == []

    in_chromium(check, viewport={"width": 1366, "height": 900})


def test_the_partners_table_sorts_and_filters(zensical_site):
    def check(v: Visit) -> None:
        v.page.goto(url(zensical_site, "lists/index.html"))
        table = v.page.locator("table[data-rs-sort]")
        names = table.locator("tbody tr:not([hidden]) td:first-child")
        referrals = table.locator("th button", has_text="Referrals")
        referrals.click()
        referrals.click()
        expect(table.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
        expect(names.first).to_have_text("Harbour Street Family Practice")  # 3 referrals, the most
        v.page.locator(".rs-filter input").fill("pilates")
        expect(names).to_have_text(["Oxford Street Pilates"])
        expect(v.page.locator(".rs-filter__count")).to_have_text("1 of 4 shown")

    in_chromium(check, viewport={"width": 1366, "height": 900})


def test_a_long_partners_list_finds_and_shows_the_rows_not_built(zensical_paged_site):
    """Zensical publishes the list's rows file beside the page, and the table script loads it from disk."""
    from refsite.render.pages import ROWS_FILE

    assert (zensical_paged_site / ROWS_FILE).is_file()

    def check(v: Visit) -> None:
        v.page.goto(url(zensical_paged_site, "lists/index.html"))
        names = v.page.locator("table[data-rs-sort] tbody tr td:first-child")
        expect(names).to_have_count(2)
        v.page.locator(".rs-filter input").fill("pilates")  # a partner beyond the rows built
        expect(names).to_have_text(["Oxford Street Pilates"])
        expect(v.page.locator(".rs-filter__count")).to_have_text("1 of 4 shown")
        v.page.locator(".rs-filter input").fill("")
        v.page.locator("p.rs-more button").first.click()
        expect(names).to_have_count(4)

    in_chromium(check, viewport={"width": 1366, "height": 900})


@pytest.mark.parametrize(("scheme", "width", "height"), [
    ("light", 1366, 900), ("dark", 1366, 900), ("light", 390, 844), ("dark", 390, 844)])
def test_no_serious_accessibility_violation_on_any_page_type(zensical_site, scheme, width, height):
    """As test_browser.py audits the MkDocs site: every rule in light, the colour rules in dark."""
    require_axe()
    found: dict[str, list[str]] = {}

    def check(v: Visit) -> None:
        for page in PAGE_TYPES:
            v.page.goto(url(zensical_site, page))
            violations = serious_violations(v.page, scheme)
            if violations:
                found[page] = violations

    phone = width < 500
    in_chromium(check, viewport={"width": width, "height": height}, color_scheme=scheme, is_mobile=phone,
                has_touch=phone)
    assert found == {}
