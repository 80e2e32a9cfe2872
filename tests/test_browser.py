"""The built site in headless Chromium, opened from disk: it loads, links, searches, and stays on the machine.

Needs Debian's chromium at /usr/bin/chromium (Playwright drives it; no browser download).
Without it these tests skip, except under CI (CI=true), where a missing browser fails.
Screenshots (light, dark, phone) go to tests/screenshots/ (ignored by Git) for people to look at.

The accessibility audit injects axe-core (npm `axe-core`, version 4) from
`.cache/npm/node_modules/axe-core/axe.min.js` (`.ci/run` installs it there with
`npm install --prefix .cache/npm axe-core@4`; REFSITE_AXE names another copy). Without it the
audit skips, except under CI, where it fails.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from refsite import site
from refsite.due import due
from refsite.workspace import load_and_validate

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
FIXTURE = Path(__file__).parent / "fixtures" / "site-records"
DEMO = Path(__file__).parent.parent / "records"
SCREENSHOTS = Path(__file__).parent / "screenshots"
TODAY = dt.date(2026, 11, 22)
AXE = Path(os.environ.get("REFSITE_AXE") or Path(__file__).parent.parent / ".cache/npm/node_modules/axe-core/axe.min.js")
# One page of every type (the fixture's partners: an active one with due items, a prospect, a former one).
PAGE_TYPES = ("index.html", "partners/harbour.html", "partners/prospect.html", "partners/former.html",
              "lists/index.html", "lists/tag/knee.html", "pipeline.html", "review.html", "due/maya.html",
              "downloads.html")

pytestmark = pytest.mark.browser


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI, but {what}")
    pytest.skip(what)


def _require_browser() -> None:
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is not installed"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:  # pragma: no cover
            missing = "the playwright package is not installed"
    if missing:
        _missing(missing)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The fixture records built once for the whole session."""
    return _build(tmp_path_factory.mktemp("browser"), FIXTURE)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The demo practice (records/: 37 partners, 54 tags), built once: long tables, many chips."""
    return _build(tmp_path_factory.mktemp("demo"), DEMO)


@pytest.fixture(scope="session")
def paged_site(tmp_path_factory) -> Path:
    """The fixture records with the partners list built with its first 2 rows (LIST_PAGE), the rest as data;
    the first partner's name tries to close the data island's script."""
    from refsite.render import pages

    def closing_name(records: Path) -> None:
        xss = records / "xss.md"
        xss.write_text(xss.read_text().replace("name: <script>alert(1)</script>",
                                               'name: "</script><script>alert(1)</script>"'))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pages, "LIST_PAGE", 2)
        return _build(tmp_path_factory.mktemp("paged"), FIXTURE, closing_name)


def _build(root: Path, records: Path, edit=None) -> Path:
    """``records`` copied under ``root`` (then ``edit``-ed), built into ``root/site``."""
    shutil.copytree(records, root / "records")
    if edit is not None:
        edit(root / "records")
    result = site.build(site.Layout.find(root / "records"), TODAY)
    assert result.built, result.problems
    return root / "site"


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A browser context that records every request and every dialog (an alert would be a leak)."""

    def __init__(self, browser, **options) -> None:
        self.context = browser.new_context(**options)
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def outside(self) -> list[str]:
        """Requests that left the machine (anything but file:, data:, blob: or localhost)."""
        local = ("file://", "data:", "blob:", "about:", "http://localhost", "http://127.0.0.1")
        return [url for url in self.requests if not url.startswith(local)]

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def visit(browser):
    visits: list[Visit] = []

    def open_(**options) -> Visit:
        v = Visit(browser, **options)
        visits.append(v)
        return v

    yield open_
    for v in visits:
        assert v.outside() == [], "requests left the machine"
        assert v.dialogs == [], "a record value ran as a script"
        v.close()


def url(site_dir: Path, page: str) -> str:
    return (site_dir / page).as_uri()


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def require_axe() -> None:
    if not AXE.exists():
        _missing(f"axe-core is not installed at {AXE} (npm install --prefix .cache/npm axe-core@4)")


def serious_violations(page, scheme: str) -> list[str]:
    """axe-core's serious and critical violations on ``page``, shown in ``scheme``'s palette (asserted).

    The palettes differ only in colours (the same DOM): light runs every rule, dark the colour rules
    (each run is about two seconds on two cores).
    """
    assert page.locator("body").get_attribute("data-md-color-scheme") == (
        "slate" if scheme == "dark" else "default"), page.url
    page.add_script_tag(path=str(AXE))
    options: dict[str, object] = {"resultTypes": ["violations"]}
    if scheme == "dark":
        options["runOnly"] = ["color-contrast", "link-in-text-block"]
    return page.evaluate(
        """async options => (await axe.run(document, options)).violations
            .filter(r => r.impact === 'serious' || r.impact === 'critical')
            .map(r => r.id + ': ' + r.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))""", options)


def test_the_dashboard_loads_from_disk(built_site, visit):
    v = visit(viewport={"width": 1280, "height": 900})
    v.page.goto(url(built_site, "index.html"))
    assert v.page.title() == "Dashboard - Test Physio & Co"  # the practice's name (settings), not 'Referrals'
    assert v.page.locator(".md-header__topic").first.inner_text() == "Test Physio & Co"
    assert v.page.locator("article h1").inner_text() == "Dashboard"
    records, settings, _ = load_and_validate(FIXTURE, None, TODAY)
    overdue = sum(1 for i in due(records, settings, TODAY) if i.status == "overdue")
    assert v.page.locator(".rs-count").first.inner_text() == f"{overdue}\nOverdue"
    assert v.page.locator(".rs-chart svg").count() == 2
    assert all(u.startswith("file://") for u in v.requests)
    assert any(u.endswith("/assets/refsite/refsite.css") for u in v.requests)
    shoot(v.page, "dashboard-light")


def test_a_click_reaches_a_partner_profile(built_site, visit):
    v = visit()
    v.page.goto(url(built_site, "index.html"))
    v.page.locator("a.rs-due__partner", has_text="Harbour Street Family Practice").first.click()
    v.page.wait_for_url("**/partners/harbour.html")
    assert v.page.locator("article h1").inner_text() == "Harbour Street Family Practice"
    assert "zeppelin poster" in v.page.locator(".rs-notes").inner_text()
    v.page.locator("a", has_text="<script>alert(1)</script>").first.click()
    v.page.wait_for_url("**/partners/xss.html")
    assert v.page.locator("article h1").inner_text() == "<script>alert(1)</script>"
    assert v.page.title() == "<script>alert(1)</script> - Test Physio & Co"


def test_notes_are_markdown_and_nothing_in_them_runs(built_site, visit):
    v = visit()
    v.page.goto(url(built_site, "partners/xss.html"))
    notes = v.page.locator(".rs-notes")
    assert notes.locator("em").first.inner_text() == "markdown"
    assert notes.locator("li").count() == 2
    # the raw HTML of the record is text on the page, never elements
    assert v.page.locator("article iframe, article script, article img, article [onerror]").count() == 0
    assert "<script>alert(8)</script>" in notes.inner_text()
    assert "<iframe" in notes.inner_text()
    hrefs = v.page.locator("article a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h and h.strip().lower().startswith("javascript")]
    assert notes.locator("a").evaluate_all("links => links.map(a => a.href)") == ["https://example.org/gym"]
    assert v.page.locator(".rs-person__notes strong").inner_text() == "not bold"
    v.page.locator(".rs-notes li", has_text="a script link").click()  # text, not a link: nothing happens


def test_the_partners_table_sorts_and_filters(built_site, visit):
    from playwright.sync_api import expect
    v = visit(viewport={"width": 1366, "height": 900})
    v.page.goto(url(built_site, "lists/index.html"))
    table = v.page.locator("table[data-rs-sort]")
    names = table.locator("tbody tr:not([hidden]) td:first-child")
    # expect(...) retries and reads textContent: innerText needs layout, and rows laid out only near the
    # screen (content-visibility) could read '' for a frame after the filter put them back (a CI flake)
    expect(names).to_have_text(["<script>alert(1)</script>", "Closed Clinic", "Harbour Street Family Practice",
                                "Oxford Street Pilates"])  # as built: by name
    referrals = table.locator("th button", has_text="Referrals")
    referrals.click()
    assert table.locator("th[aria-sort]").get_attribute("aria-sort") == "ascending"
    referrals.click()
    assert table.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    counts = [c.strip() for c in table.locator("tbody tr td.rs-num").all_text_contents()]
    assert len(counts) == 4 and counts == sorted(counts, key=int, reverse=True)
    assert names.first.inner_text() == "Harbour Street Family Practice"
    v.page.locator(".rs-filter select[data-facet=owner]").select_option("Tom Alvarez")
    expect(names).to_have_text(["<script>alert(1)</script>", "Oxford Street Pilates"])  # still by referrals
    v.page.locator(".rs-filter input").fill("pilates")
    expect(names).to_have_text(["Oxford Street Pilates"])
    expect(v.page.locator(".rs-filter__count")).to_have_text("1 of 4 shown")
    # numbers right-aligned
    assert table.locator("td.rs-num").first.evaluate("e => getComputedStyle(e).textAlign") == "right"


def test_on_a_phone_table_rows_are_cards_that_keep_next_owner_and_score(built_site, visit):
    phone = visit(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    for page, kept in (("lists/index.html", ("Owner", "Next")), ("review.html", ("Owner", "Score"))):
        phone.page.goto(url(built_site, page))
        rows = phone.page.locator("table[data-rs-sort] tbody tr")
        assert rows.count() >= 1, page
        for label in kept:  # each card shows the cell, labelled, inside the screen
            cells = phone.page.locator(f'table[data-rs-sort] tbody td[data-label="{label}"]')
            boxes = cells.evaluate_all("cs => cs.map(c => c.getBoundingClientRect()).map(r => [r.left, r.right, r.width])")
            assert len(boxes) == rows.count() and all(0 <= left and right <= 390 and width > 0
                                                      for left, right, width in boxes), (page, label, boxes)
            assert cells.first.evaluate("e => getComputedStyle(e, '::before').content") == f'"{label}: "'
        assert phone.page.evaluate("() => document.documentElement.scrollWidth") <= 390, page


def test_the_review_and_the_lists_print_on_a4_landscape(built_site, visit):
    v = visit(viewport={"width": 1032, "height": 700})  # A4 landscape less 12 mm margins, at 96 px per inch
    v.page.emulate_media(media="print")
    for page in ("review.html", "lists/index.html"):
        v.page.goto(url(built_site, page))
        clipped = v.page.evaluate(
            """() => { const page = document.querySelector('article').getBoundingClientRect();
                return [...document.querySelectorAll('article th, article td')]
                  .filter(e => e.getBoundingClientRect().right > page.right + 1 || e.scrollWidth > e.clientWidth + 1)
                  .map(e => e.textContent); }""")
        assert clipped == [], (page, clipped[:5])
        assert v.page.locator("thead").first.evaluate("e => getComputedStyle(e).display") == "table-header-group"
        assert v.page.locator(".md-header").evaluate("e => getComputedStyle(e).display") == "none"
    assert v.page.pdf(prefer_css_page_size=True)[:5] == b"%PDF-"


def test_a_draft_opens_with_its_link_and_prints_as_a_letter_alone(built_site, visit):
    v = visit(viewport={"width": 390, "height": 844})
    v.page.goto(url(built_site, "partners/harbour.html"))
    draft = v.page.locator("aside.rs-next details.rs-draft")
    draft.locator("summary").click()
    link = draft.locator("a.rs-draft__open").last
    assert link.get_attribute("href").startswith("mailto:") and "body=Hi%20" in link.get_attribute("href")
    box = draft.locator(".rs-draft__letter").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # no overflow on a phone
    v.page.emulate_media(media="print")
    assert draft.locator(".rs-draft__letter").is_visible()
    assert not v.page.locator(".rs-next__action").is_visible() and not v.page.locator("h1").is_visible()


def test_search_answers_the_front_desk(built_site, visit):
    """Notes, referral ids, a contact as a result of their own, a typo, and a partner's own name first."""
    v = visit()
    v.page.goto(url(built_site, "lists/index.html"))
    v.page.locator("label.md-search__icon, .md-search__input").first.click()
    box = v.page.locator("input.md-search__input")

    def first(query: str) -> str:
        box.fill("")
        v.page.wait_for_function("() => !document.querySelector('.md-search-result__item')")
        box.press_sequentially(query, delay=10)
        result = v.page.locator(".md-search-result__item").first
        result.wait_for(timeout=15_000)
        return result.inner_text()

    assert "Harbour Street Family Practice" in first("zeppelin")  # a word from its notes
    assert "Closed Clinic" in first("R-001")  # a referral id finds its partner
    person = first("Natarjan")  # a typo: Dr. Priya Natarajan, a result of her own
    assert "Harbour Street Family Practice" in person
    assert "Natarajan" in v.page.locator(".md-search-result__item").first.locator("a").first.inner_text() or \
        "Natarajan" in person
    assert first("Harbor Street").splitlines()[0] == "Harbour Street Family Practice"  # its own name first
    v.page.locator(".md-search-result__item").first.locator("a").first.click()
    v.page.wait_for_url("**/partners/harbour.html*")


def test_opened_from_disk_the_search_index_loads_after_the_page(built_site, visit):
    """The page's load event does not wait for the search index (refsite/theme/assets/refsite/search-later.js):
    it comes when the browser is idle after it, and search answers as before."""
    v = visit()
    v.context.add_init_script("""window.addEventListener('load', () => {
        window.rsIndexAtLoad = typeof __index; });""")
    v.page.goto(url(built_site, "lists/index.html"))
    assert v.page.evaluate("window.rsIndexAtLoad") == "undefined"
    v.page.wait_for_function("typeof __index !== 'undefined'", timeout=15_000)  # then, on idle: nobody searched
    v.page.locator("label.md-search__icon, .md-search__input").first.click()
    v.page.locator("input.md-search__input").press_sequentially("zeppelin", delay=10)
    result = v.page.locator(".md-search-result__item").first
    result.wait_for(timeout=15_000)
    assert "Harbour Street Family Practice" in result.inner_text()


def test_the_lists_and_reports_open(built_site, visit):
    v = visit()
    for page, heading in (("lists/index.html", "Partners"), ("lists/tag/knee.html", "knee"),
                          ("pipeline.html", "Pipeline"), ("review.html", "Q3 2026 (July to September)"),
                          ("downloads.html", "Downloads")):
        v.page.goto(url(built_site, page))
        assert v.page.locator("article h1").inner_text() == heading, page
    v.page.goto(url(built_site, "lists/index.html"))
    v.page.locator("nav.md-tabs a", has_text="Pipeline").click()
    v.page.wait_for_url("**/pipeline.html")


def test_dark_palette_and_phone_width(built_site, visit):
    dark = visit(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    dark.page.goto(url(built_site, "index.html"))
    assert dark.page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    shoot(dark.page, "dashboard-dark")
    dark.page.goto(url(built_site, "partners/harbour.html"))
    shoot(dark.page, "profile-dark")

    light = visit(viewport={"width": 1280, "height": 900}, color_scheme="light")
    light.page.goto(url(built_site, "partners/harbour.html"))
    assert light.page.locator("body").get_attribute("data-md-color-scheme") == "default"
    shoot(light.page, "profile-light")

    phone = visit(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    for page, name in (("index.html", "dashboard-phone"), ("partners/harbour.html", "profile-phone"),
                       ("lists/index.html", "partners-phone")):
        phone.page.goto(url(built_site, page))
        # Nothing wider than the screen but tables, which scroll inside their own box.
        too_wide = phone.page.evaluate(
            """() => [...document.querySelectorAll('article *')]
                .filter(e => !e.closest('.md-typeset__scrollwrap, table, svg'))
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .map(e => e.tagName + '.' + e.className)"""
        )
        assert too_wide == [], (page, too_wide[:5])
        shoot(phone.page, name)


def test_on_a_phone_people_are_cards_and_ids_do_not_break(built_site, visit):
    phone = visit(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.page.goto(url(built_site, "partners/harbour.html"))
    people = phone.page.locator(".rs-table--contacts")
    # no sideways scrolling: the people fit the screen, every cell in full (the column heads are for screen readers)
    assert people.evaluate("e => [...e.querySelectorAll('*')].filter(c => !c.closest('thead'))"
                           ".filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.tagName)") == []
    assert people.evaluate("e => e.getBoundingClientRect().right") <= 390
    cards = people.locator("tbody tr")
    assert cards.count() == 2
    # one line each (the date is labelled 'Last together:' by the stylesheet, which inner_text leaves out)
    assert cards.nth(0).inner_text().splitlines() == [
        "Dr. Priya Natarajan", "Physician", "Prefers email", "priya@harbour.example", "–"]
    assert cards.nth(1).inner_text().splitlines() == [
        "Leah Ortiz", "Referral coordinator", "Prefers phone", "02 5550 4128", "11 Sep 2026"]
    assert people.locator("td.rs-person__seen").first.evaluate(
        "e => getComputedStyle(e, '::before').content") == '"Last together: "'
    assert phone.page.locator(".rs-table--contacts thead").bounding_box()["height"] <= 1
    for link in ("mailto:priya@harbour.example", "tel:0255504128"):
        box = people.locator(f'a[href="{link}"]').bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, link
    shoot(phone.page, "profile-people-phone")
    # referral ids and dates in due text each stay on one line
    for page in ("index.html", "partners/harbour.html", "due/maya.html"):
        phone.page.goto(url(built_site, page))
        spans = phone.page.locator(".rs-nowrap")
        assert spans.count() > 0, page
        assert spans.evaluate_all("s => s.filter(e => e.getClientRects().length > 1).map(e => e.textContent)") == []


@pytest.mark.parametrize(("scheme", "width", "height"), [
    ("light", 1366, 900), ("dark", 1366, 900), ("light", 390, 844), ("dark", 390, 844)])
def test_no_serious_accessibility_violation_on_any_page_type(built_site, visit, scheme, width, height):
    require_axe()
    phone = width < 500
    v = visit(viewport={"width": width, "height": height}, color_scheme=scheme, is_mobile=phone, has_touch=phone)
    found = {}
    for page in PAGE_TYPES:
        v.page.goto(url(built_site, page))
        violations = serious_violations(v.page, scheme)
        if violations:
            found[page] = violations
        if phone:
            # chart text stays readable on a phone: at least 11 px as drawn (font size times the SVG's scale)
            small = v.page.evaluate(
                """() => [...document.querySelectorAll('.rs-chart svg text')]
                    .map(t => [t.textContent, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a])
                    .filter(([_, px]) => px < 11)""")
            assert small == [], (page, small[:3])
    assert found == {}


def test_a_missing_browser_skips_but_fails_under_ci(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="browser tests must run in CI, but /nonexistent/chromium"):
        _require_browser()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="/nonexistent/chromium is not installed"):
        _require_browser()


def _frame(page) -> None:
    """Wait for the next frame: rows laid out only near the screen (content-visibility) have their text again."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))")


@pytest.mark.parametrize(("page", "table"), [("lists/index.html", "table[data-rs-sort]"),
                                             ("review.html", ".rs-table--ranked table")])
def test_table_heads_stick_under_the_header_while_the_table_scrolls(demo_site, visit, page, table):
    v = visit(viewport={"width": 1366, "height": 600})
    v.page.goto(url(demo_site, page))
    header = v.page.locator(".md-header").evaluate("e => e.getBoundingClientRect().bottom")
    assert header == 48
    where = v.page.locator(table).evaluate(
        """t => { const box = t.getBoundingClientRect(); window.scrollTo(0, box.top + scrollY + 120);
                  const head = t.tHead.rows[0].cells[0].getBoundingClientRect(), body = t.tBodies[0].getBoundingClientRect();
                  return [head.top, body.top < head.top, getComputedStyle(t.tHead).position === 'sticky' ||
                          getComputedStyle(t.tHead.rows[0].cells[0]).position === 'sticky']; }""")
    assert where == [48, True, True], page  # the head sits under the header; the rows went on under it


def test_the_totals_row_is_the_builds_and_recounts_what_a_filter_leaves(built_site, visit):
    v = visit(viewport={"width": 1366, "height": 900})
    v.page.goto(url(built_site, "lists/index.html"))
    foot = v.page.locator("table[data-rs-sort] tfoot tr")
    assert foot.locator("th").inner_text() == "All 4 partners"
    assert foot.locator("td[data-rs-sum]").inner_text() == "4"
    assert foot.locator("td.rs-num").evaluate("e => getComputedStyle(e).textAlign") == "right"
    v.page.locator(".rs-filter select[data-facet=owner]").select_option("Tom Alvarez")
    assert foot.locator("th").inner_text() == "Total of the 2 of 4 partners shown"
    assert foot.locator("td[data-rs-sum]").inner_text() == "1"
    v.page.locator(".rs-filter select[data-facet=owner]").select_option("")
    assert foot.locator("th").inner_text() == "All 4 partners"  # every row again: the build's own figure
    assert foot.locator("td[data-rs-sum]").inner_text() == "4"
    v.page.locator("table[data-rs-sort] th button", has_text="Referrals").click()
    assert v.page.locator("table[data-rs-sort] tbody tr").count() == 4  # sorting keeps the totals in the foot
    assert foot.locator("td[data-rs-sum]").inner_text() == "4"


def test_no_iso_date_in_the_reasons_a_manager_reads(built_site, visit):
    v = visit()
    for page in ("index.html", "partners/harbour.html", "due/maya.html"):
        v.page.goto(url(built_site, page))
        reasons = v.page.locator(".rs-due__reason, .rs-next__reason").all_inner_texts()
        assert reasons, page
        assert [r for r in reasons if re.search(r"\b\d{4}-\d\d-\d\d\b", r)] == [], page


def test_on_a_phone_the_partners_table_starts_on_the_first_screen(demo_site, visit):
    phone = visit(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.page.goto(url(demo_site, "lists/index.html"))
    browse = phone.page.locator("details.rs-browse")
    assert browse.evaluate("d => d.open") is False  # folded on a phone by the table script
    assert browse.locator("> summary").inner_text() == "Browse by category, owner, stage or tag"
    top = phone.page.locator("table[data-rs-sort]").evaluate("t => t.getBoundingClientRect().top")
    first = phone.page.locator("table[data-rs-sort] tbody tr").first.evaluate("r => r.getBoundingClientRect().bottom")
    assert top < 844 and first < 844, (top, first)  # the table and its first card on the first screen
    browse.locator("> summary").click()
    tags = phone.page.locator("details.rs-facet__fold", has_text="By tag")
    assert tags.locator("summary").inner_text() == "By tag (54)"
    assert tags.evaluate("d => d.open") is False
    desk = visit(viewport={"width": 1366, "height": 900})
    desk.page.goto(url(demo_site, "lists/index.html"))
    assert desk.page.locator("details.rs-browse").evaluate("d => d.open") is True  # open on a laptop


XSS_NAME = "</script><script>alert(1)</script>"
BY_NAME = [XSS_NAME, "Closed Clinic", "Harbour Street Family Practice", "Oxford Street Pilates"]


def test_a_long_partners_list_shows_its_first_rows_and_the_rest_on_request(paged_site, visit):
    from playwright.sync_api import expect
    v = visit(viewport={"width": 1366, "height": 900})
    v.page.goto(url(paged_site, "lists/index.html"))
    names = v.page.locator("table[data-rs-sort] tbody tr td:first-child")
    expect(names).to_have_text(BY_NAME[:2])  # as built: the first 2, by name
    expect(v.page.locator(".rs-filter__count")).to_have_text("2 of 4 shown")
    more = v.page.locator("p.rs-more")
    expect(more.locator("button").first).to_have_text("Show 2 more")
    expect(more.locator("button").last).to_be_hidden()  # no 'Show all' when one click shows the rest
    more.locator("button").first.click()
    expect(names).to_have_text(BY_NAME)
    expect(v.page.locator(".rs-filter__count")).to_have_text("4 shown")
    expect(more).to_be_hidden()
    assert v.page.locator("table[data-rs-sort] tfoot th").inner_text() == "All 4 partners"


def test_sorting_and_filtering_act_on_the_rows_not_shown(paged_site, visit):
    from playwright.sync_api import expect
    v = visit(viewport={"width": 1366, "height": 900})
    v.page.goto(url(paged_site, "lists/index.html"))
    table = v.page.locator("table[data-rs-sort]")
    names = table.locator("tbody tr td:first-child")
    count = v.page.locator(".rs-filter__count")
    v.page.locator(".rs-filter input").fill("pilates")  # a partner beyond the rows built
    expect(names).to_have_text(["Oxford Street Pilates"])
    expect(count).to_have_text("1 of 4 shown")
    expect(v.page.locator("p.rs-more")).to_be_hidden()
    v.page.locator(".rs-filter input").fill("2026")  # three rows match (their dates), two are shown
    expect(names).to_have_text([XSS_NAME, "Harbour Street Family Practice"])
    expect(count).to_have_text("2 shown of the 3 that match (4 in all)")
    expect(table.locator("tfoot th")).to_have_text("Total of the 3 of 4 partners that match")
    expect(v.page.locator("p.rs-more button").first).to_have_text("Show 1 more")
    v.page.locator(".rs-filter input").fill("")
    expect(names).to_have_text(BY_NAME[:2])
    partner = table.locator("th button", has_text="Partner")
    partner.click()
    expect(table.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    partner.click()
    expect(table.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    expect(names).to_have_text(BY_NAME[::-1][:2])  # the last row first
    expect(count).to_have_text("2 of 4 shown")
    v.page.locator(".rs-filter select[data-facet=owner]").select_option("Maya Chen")
    expect(names).to_have_text(["Harbour Street Family Practice", "Closed Clinic"])  # still by name, descending
    foot = table.locator("tfoot tr")
    expect(foot.locator("th")).to_have_text("Total of the 2 of 4 partners shown")
    expect(foot.locator("td[data-rs-sum]")).to_have_text("3")  # recounted from the model, as the build's list says
    v.page.locator(".rs-filter select[data-facet=owner]").select_option("")
    referrals = table.locator("th button", has_text="Referrals")
    referrals.click()
    referrals.click()
    counts = [c.strip() for c in table.locator("tbody tr td.rs-num").all_text_contents()]
    assert counts == sorted(counts, key=int, reverse=True) and len(counts) == 2
    expect(names.first).to_have_text("Harbour Street Family Practice")  # the most referrals, from beyond the first rows
    v.page.locator("p.rs-more button").first.click()
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table.locator("tbody tr").last.locator('td[data-label="Next"]')).to_have_text("–")  # blanks last


ROWS_FILE = "lists/partners-rows.js"


def _rows_requests(v) -> list[str]:
    return [u for u in v.requests if u.endswith("/" + ROWS_FILE)]


def test_the_rows_data_cannot_close_its_script(paged_site, visit):
    from playwright.sync_api import expect
    v = visit(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    v.page.on("pageerror", lambda e: errors.append(str(e)))
    v.page.goto(url(paged_site, "lists/index.html"))
    assert v.page.locator("article script").count() == 0  # the rows are not in the page
    table = v.page.locator("table[data-rs-sort]")
    partner = table.locator("th button", has_text="Partner")
    partner.click()
    partner.click()
    v.page.locator("p.rs-more button").first.click()  # the name's row, put in by the script from the rows file
    expect(table.locator("tbody tr").last.locator("td").first).to_have_text(XSS_NAME)
    assert table.locator("tbody script").count() == 0
    assert v.page.locator("script").evaluate_all("ss => ss.filter(s => s.src.endsWith('partners-rows.js')).length") == 1
    assert v.page.evaluate("() => 'refsiteRows' in window") is False  # read once and let go
    assert len(_rows_requests(v)) == 1 and errors == []
    # the visit's teardown asserts no dialog opened and no request left the machine


def test_the_rows_file_loads_when_the_browser_is_idle_after_the_page_loaded(paged_site, visit):
    from playwright.sync_api import expect
    v = visit(viewport={"width": 1366, "height": 900})
    # When the page's load event ended, and when a script for the rows file was put in the page.
    v.page.add_init_script("""window.rsSeen = {};
        addEventListener('load', () => { rsSeen.loaded = performance.now(); });  // before tables.js's listener
        new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => {
          if (n.src && n.src.endsWith('partners-rows.js')) rsSeen.inserted = performance.now(); })))
          .observe(document, { childList: true, subtree: true });""")
    v.page.goto(url(paged_site, "lists/index.html"))
    table = v.page.locator("table[data-rs-sort]")
    v.page.wait_for_function("() => rsSeen.inserted && !document.querySelector('table[aria-busy]')")
    assert v.page.evaluate("() => rsSeen.inserted >= rsSeen.loaded")  # after the load event, not part of opening
    expect(v.page.locator(".rs-filter__count")).to_have_text("2 of 4 shown")  # nothing else changed
    expect(table.locator("tbody tr td:first-child")).to_have_text(BY_NAME[:2])
    table.locator("th button", has_text="Partner").click()
    table.locator("th button", has_text="Partner").click()
    expect(table.locator("tbody tr td:first-child")).to_have_text(BY_NAME[::-1][:2])
    assert len(_rows_requests(v)) == 1


class _Gate:
    """The paged site over http, with the rows file held back until ``open()``: what a click does while it loads."""

    def __init__(self, root: Path) -> None:
        import functools
        import http.server
        import threading

        self.release = threading.Event()
        gate = self.release

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path.endswith(ROWS_FILE):
                    gate.wait(30)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_sort_and_a_filter_asked_while_the_rows_file_loads_are_done_when_it_arrives(paged_site, visit):
    from playwright.sync_api import expect
    gate = _Gate(paged_site)
    try:
        v = visit(viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        v.page.on("pageerror", lambda e: errors.append(str(e)))
        v.page.goto(gate.base + "lists/index.html")
        table = v.page.locator("table[data-rs-sort]")
        names = table.locator("tbody tr td:first-child")
        count = v.page.locator(".rs-filter__count")
        partner = table.locator("th button", has_text="Partner")
        partner.click()
        partner.click()  # descending, once the rows are here
        expect(count).to_have_text("Loading all 4 rows…")
        expect(table).to_have_attribute("aria-busy", "true")
        expect(names).to_have_text(BY_NAME[:2])  # as built, meanwhile
        v.page.locator(".rs-filter select[data-facet=owner]").select_option("Maya Chen")
        gate.release.set()
        expect(names).to_have_text(["Harbour Street Family Practice", "Closed Clinic"])  # both sorts, then the filter
        expect(table.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
        expect(count).to_have_text("2 of 4 shown")
        expect(table).not_to_have_attribute("aria-busy", "true")
        assert len(_rows_requests(v)) == 1 and errors == []
    finally:
        gate.close()


def test_without_its_rows_file_the_table_works_on_the_rows_built_and_says_so(paged_site, tmp_path, visit):
    from playwright.sync_api import expect
    shutil.copytree(paged_site, tmp_path / "site")
    (tmp_path / "site" / ROWS_FILE).unlink()
    v = visit(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    v.page.on("pageerror", lambda e: errors.append(str(e)))
    v.page.goto(url(tmp_path / "site", "lists/index.html"))
    table = v.page.locator("table[data-rs-sort]")
    names = table.locator("tbody tr td:first-child")
    partner = table.locator("th button", has_text="Partner")
    partner.click()
    partner.click()
    expect(names).to_have_text(BY_NAME[:2][::-1])  # the rows built, sorted
    count = v.page.locator(".rs-filter__count")
    expect(count).to_have_text("2 shown (the other 2 rows could not be loaded: browse them above)")
    expect(table.locator("tfoot th")).to_have_text("Total of the 2 of 4 partners shown")
    expect(v.page.locator("p.rs-more")).to_be_hidden()
    v.page.locator(".rs-filter input").fill("closed")
    expect(names).to_have_text(["Closed Clinic"])
    assert errors == []


def test_without_the_script_a_long_list_says_what_it_shows_and_where_the_rest_are(paged_site, visit):
    v = visit(viewport={"width": 1366, "height": 900}, java_script_enabled=False)
    v.page.goto(url(paged_site, "lists/index.html"))
    assert v.page.locator("table tbody tr").count() == 2
    note = v.page.locator("article p.rs-more")
    assert note.inner_text() == ("The first 2 of 4 partners, by name. Every partner is on the list of its category, "
                                 "owner and stage: browse them above.")
    assert v.page.locator("details#browse").evaluate("d => d.open") is True
    reached = set()
    for link in v.page.locator("details#browse section.rs-facet").first.locator("a.rs-chip").all():
        v.page.goto(url(paged_site, "lists/" + link.get_attribute("href")))
        reached.update(v.page.locator("table tbody td:first-child").all_text_contents())
        v.page.goto(url(paged_site, "lists/index.html"))
    assert sorted(reached) == sorted(n.strip() for n in BY_NAME)  # every partner, from the category lists


@pytest.mark.parametrize(("scheme", "width", "height"), [
    ("light", 1366, 900), ("dark", 1366, 900), ("light", 390, 844), ("dark", 390, 844)])
def test_no_serious_accessibility_violation_under_a_long_list(paged_site, visit, scheme, width, height):
    """The 'Show more' buttons, in both palettes and widths (the page types' audit covers the rest)."""
    require_axe()
    phone = width < 500
    v = visit(viewport={"width": width, "height": height}, color_scheme=scheme, is_mobile=phone, has_touch=phone)
    v.page.goto(url(paged_site, "lists/index.html"))
    assert v.page.locator("p.rs-more button").first.is_visible()
    assert serious_violations(v.page, scheme) == []


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (1024, 768)])
def test_a_partners_table_head_is_as_tall_as_its_wrapped_text(demo_site, visit, width, height):
    """No room kept after a head's text for Material's own sort icon (it took a line under 'Referrals, 12 months')."""
    v = visit(viewport={"width": width, "height": height})
    v.page.goto(url(demo_site, "lists/index.html"))
    row, text = v.page.locator("table[data-rs-sort] thead tr").evaluate(
        """tr => { const cells = [...tr.cells], s = getComputedStyle(cells[0]);
            const pad = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom);
            return [tr.getBoundingClientRect().height - pad,
                    Math.max(...cells.map(c => c.querySelector('button').getBoundingClientRect().height))]; }""")
    assert abs(row - text) < 1, (row, text)
