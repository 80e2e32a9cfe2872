"""The site built by Zensical (`refsite build --builder zensical`), in headless Chromium from disk.

The same claims as tests/test_browser.py makes for the MkDocs site, where they are the builder's to
keep: every page type opens with nothing loaded from another site and nothing in a record running,
the tables sort and filter, search answers the front desk in Zensical's own dialog (docs/builders.md:
referral ids, contacts as results of their own, typos forgiven, a partner's own name first), and
axe-core finds no serious violation on any page type in either palette at either width.
Needs Chromium and Playwright (as tests/test_browser.py) and Zensical (as tests/test_zensical.py):
without them these tests skip, except under CI (CI=true), where they fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import test_browser
from test_browser import AXE, PAGE_TYPES, TODAY, _missing, url
from test_zensical import records_in, require_zensical

from refsite import site
from refsite.site import zensical

pytestmark = pytest.mark.browser
browser = test_browser.browser  # the fixtures: one Chromium for this module, every request recorded
visit = test_browser.visit


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory) -> Path:
    """The fixture records (an active partner with due items, a prospect, a former one, a record full of
    markup) built once by Zensical."""
    require_zensical()
    root = tmp_path_factory.mktemp("zensical-browser")
    result = site.build(site.Layout.find(records_in(root)), TODAY, zensical.ZENSICAL)
    assert result.built, result.problems
    return root / "site"


@pytest.fixture(scope="module")
def zensical_paged_site(tmp_path_factory) -> Path:
    """The same records with the partners list built with its first 2 rows: the rest in its rows file."""
    from refsite.render import pages

    require_zensical()
    root = tmp_path_factory.mktemp("zensical-paged")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pages, "LIST_PAGE", 2)
        result = site.build(site.Layout.find(records_in(root)), TODAY, zensical.ZENSICAL)
    assert result.built, result.problems
    return root / "site"


def test_every_page_type_opens_from_disk_and_nothing_in_a_record_runs(zensical_site, visit):
    v = visit(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    v.page.on("pageerror", lambda error: errors.append(str(error)))
    headings = {"index.html": "Dashboard", "partners/harbour.html": "Harbour Street Family Practice",
                "lists/index.html": "Partners", "pipeline.html": "Pipeline", "downloads.html": "Downloads"}
    for page in (*PAGE_TYPES, "partners/xss.html"):
        v.page.goto(url(zensical_site, page))
        assert v.page.locator("article h1").count() == 1, page
        if page in headings:
            assert v.page.locator("article h1").inner_text() == headings[page]
    assert v.page.locator("article h1").inner_text() == "<script>alert(1)</script>"  # the record's text, as text
    assert v.page.locator("article iframe, article script, article img, article [onerror]").count() == 0
    assert errors == []
    # the fixture `visit` asserts that no request left the machine and that no dialog opened


def test_a_click_on_the_dashboard_reaches_a_partner(zensical_site, visit):
    v = visit()
    v.page.goto(url(zensical_site, "index.html"))
    v.page.locator("a.rs-due__partner", has_text="Harbour Street Family Practice").first.click()
    v.page.wait_for_url("**/partners/harbour.html")
    assert "zeppelin poster" in v.page.locator(".rs-notes").inner_text()


def test_the_partners_table_sorts_and_filters(zensical_site, visit):
    from playwright.sync_api import expect

    v = visit(viewport={"width": 1366, "height": 900})
    v.page.goto(url(zensical_site, "lists/index.html"))
    table = v.page.locator("table[data-rs-sort]")
    names = table.locator("tbody tr:not([hidden]) td:first-child")
    table.locator("th button", has_text="Referrals").click()
    table.locator("th button", has_text="Referrals").click()
    assert table.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    expect(names.first).to_have_text("Harbour Street Family Practice")  # 3 referrals, the most
    v.page.locator(".rs-filter input").fill("pilates")
    expect(names).to_have_text(["Oxford Street Pilates"])
    expect(v.page.locator(".rs-filter__count")).to_have_text("1 of 4 shown")


def test_a_long_partners_list_finds_sorts_and_shows_the_rows_not_built(zensical_paged_site, visit):
    """Zensical publishes the list's rows file beside the page, and the table script loads it from disk."""
    from playwright.sync_api import expect

    from refsite.render.pages import ROWS_FILE

    assert (zensical_paged_site / ROWS_FILE).is_file()
    v = visit(viewport={"width": 1366, "height": 900})
    v.page.goto(url(zensical_paged_site, "lists/index.html"))
    table = v.page.locator("table[data-rs-sort]")
    names = table.locator("tbody tr td:first-child")
    expect(names).to_have_count(2)
    v.page.locator(".rs-filter input").fill("pilates")  # a partner beyond the rows built
    expect(names).to_have_text(["Oxford Street Pilates"])
    expect(v.page.locator(".rs-filter__count")).to_have_text("1 of 4 shown")
    v.page.locator(".rs-filter input").fill("")
    v.page.locator("p.rs-more button").first.click()
    expect(names).to_have_count(4)


@pytest.mark.parametrize(("query", "first", "detail"), [
    ("R-001", "Closed Clinic", "R-001"),  # a referral id finds its partner
    ("Natarjan", "Dr. Priya Natarajan", "Harbour Street Family Practice"),  # a typo; a contact, a result of her own
    ("Harbor Street", "Harbour Street Family Practice", ""),  # a misspelt name: the partner itself first
    ("zeppelin", "Notes", "Harbour Street Family Practice"),  # a word from the notes
])
def test_search_answers_the_front_desk(zensical_site, visit, query, first, detail):
    from playwright.sync_api import expect

    v = visit(viewport={"width": 1366, "height": 900})
    v.page.goto(url(zensical_site, "lists/index.html"))
    v.page.locator("button.md-search__button").click()
    v.page.get_by_role("combobox", name="Search").press_sequentially(query, delay=10)
    results = v.page.get_by_role("listbox", name="Search results").get_by_role("option")
    expect(results.first).to_contain_text(first, timeout=15_000)  # results update as the query is typed
    lines = results.first.inner_text().splitlines()
    assert lines[0] == first, lines
    assert detail in results.first.inner_text()


@pytest.mark.parametrize(("scheme", "width", "height"), [
    ("light", 1366, 900), ("dark", 1366, 900), ("light", 390, 844), ("dark", 390, 844)])
def test_no_serious_accessibility_violation_on_any_page_type(zensical_site, visit, scheme, width, height):
    if not AXE.exists():
        _missing(f"axe-core is not installed at {AXE} (npm install --prefix .cache/npm axe-core@4)")
    phone = width < 500
    v = visit(viewport={"width": width, "height": height}, color_scheme=scheme, is_mobile=phone, has_touch=phone)
    options: dict[str, object] = {"resultTypes": ["violations"]}
    if scheme == "dark":  # the same DOM in other colours (as in tests/test_browser.py)
        options["runOnly"] = ["color-contrast", "link-in-text-block"]
    found = {}
    for page in PAGE_TYPES:
        v.page.goto(url(zensical_site, page))
        assert v.page.locator("body").get_attribute("data-md-color-scheme") == (
            "slate" if scheme == "dark" else "default"), page
        v.page.add_script_tag(path=str(AXE))
        violations = v.page.evaluate(
            """async options => (await axe.run(document, options)).violations
                .filter(r => r.impact === 'serious' || r.impact === 'critical')
                .map(r => r.id + ': ' + r.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))""", options)
        if violations:
            found[page] = violations
    assert found == {}

