"""refsite.render: pages from the computed model, with nothing written and no MkDocs involved."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from refsite import render
from refsite.due import DueItem, due, within
from refsite.metrics import Period, figures, partner_facts
from refsite.model import Records
from refsite.problems import Source, error, warning
from refsite.render import charts, downloads
from refsite.render import pages as page_builders
from refsite.workspace import load_and_validate

FIXTURE = Path(__file__).parent / "fixtures" / "site-records"
TODAY = dt.date(2026, 11, 22)
DOCS = Path(__file__).parent.parent / "docs" / "site.md"


@pytest.fixture(scope="module")
def loaded():
    records, settings, problems = load_and_validate(FIXTURE, None, TODAY)
    assert problems == []
    return records, settings


@pytest.fixture(scope="module")
def pages(loaded):
    records, settings = loaded
    return render.render_pages(records, settings, TODAY)


def test_every_page_and_download_is_rendered(pages):
    assert sorted(pages) == [
        "downloads.md",
        "downloads/due-maya.ics",
        "downloads/due-tom.ics",
        "downloads/due.csv",
        "downloads/due.ics",
        "downloads/partners.csv",
        "due/maya.md",
        "due/tom.md",
        "index.md",
        "lists/category/chiropractic.md",
        "lists/category/fitness.md",
        "lists/category/primary-care.md",
        "lists/index.md",
        "lists/owner/maya.md",
        "lists/owner/tom.md",
        "lists/stage/active.md",
        "lists/stage/former.md",
        "lists/stage/prospect.md",
        "lists/tag/i-evil-i.md",
        "lists/tag/knee.md",
        "lists/tag/pilates.md",
        "lists/tag/sports.md",
        "partners/former.md",
        "partners/harbour.md",
        "partners/prospect.md",
        "partners/xss.md",
        "pipeline.md",
        "review.md",
    ]


def test_render_is_deterministic(loaded, pages):
    records, settings = loaded
    assert render.render_pages(records, settings, TODAY) == pages


def test_front_matter_titles_are_escaped_and_quoted(pages):
    assert pages["partners/xss.md"].startswith(
        '---\ntitle: "&lt;script&gt;alert(1)&lt;/script&gt;"\nhide:\n  - navigation\n---\n')
    assert pages["index.md"].startswith('---\ntitle: "Dashboard"\nsearch:\n  exclude: true\nhide:\n  - navigation\n  - toc\n---\n')


def test_record_values_are_text_never_markup(pages):
    page = pages["partners/xss.md"]
    for raw in ("<script>", "<img", "<b>Gym", "<i>evil", "<em>html"):
        assert raw not in page
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert '<h3 class="rs-person__title" id="person-1">Eve &lt;img src=x onerror=alert(2)&gt;</h3>' in page
    # Notes are Markdown: emphasis and lists render, raw HTML is text, only http(s)/mailto/tel links are links.
    assert ('<div class="rs-person__notes"><p><strong>not bold</strong> [link](javascript:alert(3))</p></div>'
            in page)
    assert "<p>Notes with <em>markdown</em> and &lt;em&gt;html&lt;/em&gt; and a {{ jinja }} brace: # not a heading.</p>" in page
    assert ('<li>a list item with <a href="https://example.org/gym" rel="noopener noreferrer">a safe link</a> and '
            '[a script link](javascript:alert(6))</li>') in page
    assert ('<li>&lt;iframe src=&quot;https://example.org/frame&quot;&gt;&lt;/iframe&gt; and '
            '&lt;img src=x onerror=alert(7)&gt;</li>') in page
    assert "<p>&lt;script&gt;alert(8)&lt;/script&gt;</p>" in page
    # an empty line in a code block would end the HTML block: it keeps a space
    assert "<pre><code>code with a blank line\n&#32;\nafter it\n</code></pre>" in page
    # A website that is not http(s) is shown, never linked.
    assert "<span>javascript:alert(4)</span>" in page
    assert 'href="javascript' not in page
    for path, text in pages.items():
        if path.endswith(".md"):
            assert "<script>alert" not in text, path


def test_record_values_never_reach_markdown_headings(pages):
    """Every Markdown heading line holds fixed words; record values are in HTML blocks only."""
    for path, text in pages.items():
        if not path.endswith(".md"):
            continue
        for line in text.split("\n"):
            if line.startswith("#"):
                assert re.fullmatch(r"#{1,3} [A-Z][a-z ]+( \{ data-search-exclude \})?", line), (path, line)


def test_html_blocks_start_at_column_zero(pages):
    """An indented line after a blank line would be a Markdown code block, showing HTML as text."""
    for path, text in pages.items():
        if path.endswith(".md"):
            assert not re.search(r"\n\n {4}", text), path


def test_dashboard_lists_the_items_due_soon_per_owner(loaded, pages):
    records, settings = loaded
    model = render.build_model(records, settings, TODAY)
    page = render.dashboard_page(model)
    items = within(due(records, settings, TODAY), settings.due_soon_days)
    contacts = [i for i in items if i.rule not in ("gift-cap", "single-contact")]
    assert [(o.owner, o.more, o.due_url) for o in page.owners] == [("maya", 2, "due/maya.html"), ("tom", 0, "due/tom.html")]
    assert [(o.owner, [(r.partner.url, r.rule) for r in o.items]) for o in page.owners] == [
        ("maya", [(f"partners/{i.partner_id}.html", i.rule) for i in contacts if i.owner == "maya"][:3]),
        ("tom", [("partners/prospect.html", "prospect"), ("partners/xss.html", "cadence"), ("partners/xss.html", "thanks")]),
    ]
    # the counts over each owner's cards add up to them: the three shown and the rest on their page
    for o in page.owners:
        assert o.overdue + o.today + o.soon == len(o.items) + o.more == sum(1 for i in contacts if i.owner == o.owner)
    # a notice is apart from the contacts, and no count holds it
    assert [(n.partner.url, n.rule) for n in page.notices] == [("partners/xss.html", "single-contact")]
    assert [(f.label, f.value) for f in page.counts] == [
        ("Overdue", "8"), ("Due today", "0"), ("Due in 7 days", "0"), ("Thanks owed", "2"), ("Updates owed", "2"),
    ]
    text = pages["index.md"]
    for o in page.owners:
        for row in o.items:
            assert str(render.keep_together(row.action)) in text
    due_text = pages["due/maya.md"] + pages["due/tom.md"]
    for item in contacts:
        assert f'href="../partners/{item.partner_id}.html"' in due_text
        assert str(render.keep_together(item.action)) in due_text


def test_the_dashboard_shows_a_few_items_per_owner_and_links_to_the_rest(loaded, monkeypatch):
    records, settings = loaded
    monkeypatch.setattr(page_builders, "DASHBOARD_ITEMS", 1)
    model = render.build_model(records, settings, TODAY)
    page = render.dashboard_page(model)
    assert [(o.owner, len(o.items), o.more) for o in page.owners] == [("maya", 1, 4), ("tom", 1, 2)]
    due_pages = render.due_pages(model)
    assert [(p.path, p.title, len(p.rows)) for p in due_pages] == [
        ("due/maya.md", "Due: Maya Chen", 5), ("due/tom.md", "Due: Tom Alvarez", 3)]
    assert [r.rule for r in due_pages[1].rows] == ["prospect", "cadence", "thanks"]


def test_the_first_glance_month_so_far_leaderboards_and_compliance(loaded):
    records, settings = loaded
    model = render.build_model(records, settings, TODAY)
    page = render.dashboard_page(model)
    facts = [partner_facts(p, settings, TODAY) for p in records.partners]
    so_far = figures(facts, Period.between(dt.date(2026, 11, 1), TODAY)).received
    then = figures(facts, Period.between(dt.date(2026, 10, 1), dt.date(2026, 10, 22))).received
    assert [(f.label, f.value, f.previous, f.note) for f in page.glance] == [
        ("Referrals, November to date", str(so_far), str(then), "against 1 Oct to 22 Oct"),
        ("Referrals in October", "1", "1", "against September"),
    ]
    quarter = [(p.name, n) for p in records.partners
               if (n := p.referrals_received(dt.date(2026, 10, 1), TODAY))]
    assert [(r.partner.text, r.value) for r in page.top_referrers] == [
        (name, render.plural(n, "referral")) for name, n in sorted(quarter, key=lambda x: (-x[1], x[0].casefold()))][:5]
    month = figures(facts, Period.month(2026, 10))
    assert [(f.label, f.value) for f in page.compliance] == [
        ("Thanked on time", render.fmt_pct(month.thanked_on_time_rate) or "–"),
        ("Updates on time", render.fmt_pct(month.updates_on_time_rate) or "–"),
        ("Cadence kept", render.fmt_pct(month.cadence_kept_rate) or "–"),
        ("Key partners met", render.fmt_pct(month.met_quarterly_rate) or "–"),
    ]
    assert render.review_page(model).compliance[0].label == "Thanked on time"


def test_dashboard_headline_is_last_month_against_the_month_before(loaded):
    records, settings = loaded
    model = render.build_model(records, settings, TODAY)
    headline, period = render.headline_figures(model)
    facts = [partner_facts(p, settings, TODAY) for p in records.partners]
    october = figures(facts, Period.month(2026, 10))
    assert period == "October 2026 against September 2026"
    assert (headline[0].label, headline[0].value, headline[0].previous, headline[0].change) == (
        "Referrals received", str(october.received), "1", "no change")
    assert [(f.label, f.value, f.previous, f.change, f.trend, f.good) for f in headline] == [
        ("Referrals received", "1", "1", "no change", "flat", None),
        ("Converted", "1", "1", "no change", "flat", None),
        ("Conversion rate", "100%", "100%", "no change", "flat", None),
        ("Revenue", "$320", "$640", "-$320", "down", False),
        ("Active referrers", "1", "1", "no change", "flat", None),
        ("Days to thank", "1 day", "1 day", "no change", "flat", None),
    ]


def test_charts_count_referrals_per_month_and_by_source(loaded):
    records, settings = loaded
    per_month, by_source = render.referral_charts(render.build_model(records, settings, TODAY))
    # Month names only; the year once, under the first month and under January (no 'Dec 25' to read as a date)
    assert [(b.label, b.sublabel, b.value) for b in per_month.bars] == [
        ("Dec", "2025", 0), ("Jan", "2026", 0), ("Feb", None, 0), ("Mar", None, 0), ("Apr", None, 0),
        ("May", None, 0), ("Jun", None, 0), ("Jul", None, 0), ("Aug", None, 0), ("Sep", None, 1), ("Oct", None, 1),
        ("Nov", None, 2),
    ]
    assert per_month.summary.startswith("Dec 2025: 0, Jan 2026: 0, Feb: 0, ")
    assert (per_month.height, per_month.axis) == (236, 192)
    assert [(b.label, b.value, b.url) for b in by_source.bars] == [
        ("Primary care", 3, "lists/category/primary-care.html"), ("Fitness", 1, "lists/category/fitness.html"),
    ]
    assert by_source.title == "Referrals by source since 1 Dec 2025"


def test_month_labels_show_the_year_where_it_changes():
    months = [Period.month(2026, m) for m in range(3, 13)] + [Period.month(2027, 1), Period.month(2027, 2)]
    assert charts.month_labels(months) == [
        ("Mar", "2026"), ("Apr", None), ("May", None), ("Jun", None), ("Jul", None), ("Aug", None), ("Sep", None),
        ("Oct", None), ("Nov", None), ("Dec", None), ("Jan", "2027"), ("Feb", None),
    ]


def _partner(category: str, referrals: int) -> str:
    log = "\n".join(f"- 2026-{month:02d}-10 referral-in {category[:3].upper()}-{month} service:knee"
                     for month in range(1, referrals + 1))
    return f"---\nname: A {category} partner\ncategory: {category}\nstage: active\ntier: standard\n---\n\n## Log\n\n{log}\n"


def test_the_sources_chart_adds_up_to_the_months_chart(tmp_path):
    """Every referral of the months chart is in a bar of the sources chart: beyond eight, an 'Other' bar."""
    counts = {"primary-care": 11, "specialist": 10, "surgeon": 9, "hospital": 8, "sports": 7, "school": 6,
              "employer": 5, "legal": 4, "insurer": 3, "community": 2, "pharmacy": 1, "other": 1}
    for category, n in counts.items():
        (tmp_path / f"{category}.md").write_text(_partner(category, n), encoding="utf-8")
    records, settings, problems = load_and_validate(tmp_path, None, TODAY)
    assert problems == []
    per_month, by_source = render.referral_charts(render.build_model(records, settings, TODAY))
    assert sum(b.value for b in per_month.bars) == sum(counts.values()) == 67
    assert sum(b.value for b in by_source.bars) == 67
    assert [(b.label, b.value, b.url) for b in by_source.bars] == [
        ("Primary care", 11, "lists/category/primary-care.html"), ("Specialist", 10, "lists/category/specialist.html"),
        ("Surgeon", 9, "lists/category/surgeon.html"), ("Hospital", 8, "lists/category/hospital.html"),
        ("Sports", 7, "lists/category/sports.html"), ("School", 6, "lists/category/school.html"),
        ("Employer", 5, "lists/category/employer.html"), ("Legal", 4, "lists/category/legal.html"),
        ("Other (4 categories)", 7, None),  # insurer 3, community 2, other 1, pharmacy 1
    ]
    assert by_source.summary.endswith("Legal: 4, Other (4 categories): 7")


def test_nine_sources_are_all_shown_by_name():
    assert charts.source_points({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "z": 0}) == [
        (name.upper(), n, str(n), f"lists/category/{name}.html")
        for name, n in (("i", 9), ("h", 8), ("g", 7), ("f", 6), ("e", 5), ("d", 4), ("c", 3), ("b", 2), ("a", 1))
    ]


def test_partner_page_context(loaded):
    records, settings = loaded
    model = render.build_model(records, settings, TODAY)
    page = render.partner_page(model, records.get("harbour"))
    assert page.root == "../" and page.path == "partners/harbour.md" and page.search is True
    assert page.next is not None and (page.next.rule, page.next.due_date) == ("update", dt.date(2026, 9, 27))
    assert [t.date for t in page.timeline] == sorted((e.date for e in records.get("harbour").events), reverse=True)
    assert page.introduced == (render.Link("<script>alert(1)</script>", "partners/xss.html"),)
    assert page.introduced_by is None
    assert [(c.name, c.role, c.last_seen) for c in page.contacts] == [
        ("Dr. Priya Natarajan", "Physician", None), ("Leah Ortiz", "Referral coordinator", dt.date(2026, 9, 11)),
    ]
    assert {f.label: f.value for f in page.figures}["Referrals received"] == "3"
    assert {f.label: f.value for f in page.figures}["Revenue"] == "$960"
    assert page.tags == (render.Link("sports", "lists/tag/sports.html"), render.Link("knee", "lists/tag/knee.html"))


def test_downloads(pages):
    assert pages["downloads/partners.csv"].split("\n")[0] == (
        "id,name,organisation,category,stage,tier,owner,location,phone,email,website,tags,last_contact,"
        "referrals_12_months,next_rule,next_due"
    )
    assert "\nharbour,Harbour Street Family Practice,,primary-care,active,key,maya,Surry Hills,,,https://harbour.example,sports;knee," \
           "2026-10-03,3,update,2026-09-27\n" in pages["downloads/partners.csv"]
    ics = pages["downloads/due-tom.ics"]
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//refsite//due contacts//EN\r\n")
    assert ics.endswith("END:VCALENDAR\r\n")
    assert "\nUID:thanks-xss-R-201@refsite\r\nDTSTAMP:20261122T000000Z\r\nDTSTART;VALUE=DATE:20261123\r\n" \
           "DTEND;VALUE=DATE:20261124\r\n" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert "\n" not in ics.replace("\r\n", "")
    assert "maya" not in ics and "Harbour" not in ics


def test_ics_each_item_on_its_day_overdue_on_the_catch_up_day_notices_left_out(loaded):
    icalendar = pytest.importorskip("icalendar")
    records, settings = loaded
    model = render.build_model(records, settings, TODAY)
    ics = downloads.due_ics(model)
    calendar = icalendar.Calendar.from_ical(ics)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    contacts = [i for i in model.items if i.rule not in ("gift-cap", "single-contact")]
    assert len(events) == len(contacts) < len(model.items)  # the single-contact notice is no event
    monday = dt.date(2026, 11, 23)  # 22 Nov 2026 is a Sunday; calendar_catch_up: monday (the default)
    for item in contacts:
        event = events[f"{item.rule}-{item.partner_id}" + (f"-{item.ref}" if item.ref else "") + "@refsite"]
        start = event.decoded("DTSTART")
        assert start == (item.due_date if item.due_date >= TODAY else monday), item
        assert event.decoded("DTEND") - start == dt.timedelta(days=1)
        assert str(event["SUMMARY"]) == downloads.ics_title(item)
        assert str(event["DESCRIPTION"]) == downloads.ics_description(item)
        assert str(event["SUMMARY"]).startswith(item.partner_name + ": ")
    # no phone number, no email, no notes, no log text anywhere in the feed
    for partner in records.partners:
        for value in (partner.phone, partner.email, *(c.phone for c in partner.contacts),
                      *(c.email for c in partner.contacts)):
            assert not value or value not in ics.replace("\r\n ", ""), value
    assert "zeppelin" not in ics and "alert(5)" not in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert ics == downloads.due_ics(render.build_model(records, settings, TODAY))  # deterministic


@pytest.mark.parametrize(("setting", "day"), [
    ("monday", dt.date(2026, 11, 23)), ("sunday", TODAY), ("Friday", dt.date(2026, 11, 27)), ("today", TODAY)])
def test_the_catch_up_day_is_the_next_such_weekday_from_today(setting, day):
    assert downloads.catch_up_day(TODAY, setting) == day


def test_ics_title_and_description_carry_no_number_or_address():
    item = DueItem("harbour", "Harbour Street", "maya", "thanks", TODAY - dt.timedelta(days=1), 1, "overdue",
                   "Thank-you owed: referral R-2418 (knee) received 2026-11-18, 4 days ago; thank within 3 days",
                   "Call Leah Ortiz on 02 5550 4128 (prefers phone): thank them for referral R-2418",
                   Source("harbour.md", 9), ref="R-2418", contact="Leah Ortiz", channel="phone", address="02 5550 4128")
    assert downloads.ics_title(item) == "Harbour Street: thank Leah Ortiz for referral R-2418 (phone)"
    assert downloads.ics_description(item) == (
        "Thank-you owed: referral R-2418 (knee) received 2026-11-18, 4 days ago; thank within 3 days\n"
        "Next: thank Leah Ortiz for referral R-2418 (phone)")
    model = dataclasses.replace(render.build_model(*load_and_validate(FIXTURE, None, TODAY)[:2], TODAY), items=(item,))
    event = downloads.due_ics(model).split("BEGIN:VEVENT\r\n", 1)[1].split("END:VEVENT", 1)[0]
    assert event == (
        "UID:thanks-harbour-R-2418@refsite\r\n"
        "DTSTAMP:20261122T000000Z\r\n"
        "DTSTART;VALUE=DATE:20261123\r\n"
        "DTEND;VALUE=DATE:20261124\r\n"
        "SUMMARY:Harbour Street: thank Leah Ortiz for referral R-2418 (phone)\r\n"
        "DESCRIPTION:Thank-you owed: referral R-2418 (knee) received 2026-11-18\\, 4 \r\n"
        " days ago\\; thank within 3 days\\nNext: thank Leah Ortiz for referral R-2418\r\n"
        "  (phone)\r\n"
        "TRANSP:TRANSPARENT\r\n"
    )


def test_referral_ids_and_dates_are_kept_from_breaking_and_the_rest_is_escaped():
    assert str(render.keep_together("update them on referral R-2418 (converted) <b>&")) == (
        'update them on referral <span class="rs-nowrap">R-2418</span> (converted) &lt;b&gt;&amp;')
    assert str(render.keep_together("last R-2293 on 2026-06-09; FlexFit 24/7, e.g. falls-prevention.")) == (
        'last <span class="rs-nowrap">R-2293</span> on <span class="rs-nowrap">2026-06-09</span>; '
        'FlexFit <span class="rs-nowrap">24/7</span>, e.g. falls-prevention.')
    assert str(render.keep_together("R-1.")) == '<span class="rs-nowrap">R-1</span>.'
    assert str(render.keep_together(None)) == ""


def test_mail_and_phone_links():
    assert render.mailto_url("priya@harbour.example") == "mailto:priya@harbour.example"
    assert render.mailto_url(" a@b.example?subject=x&body=<y>") == "mailto:a@b.example%3Fsubject%3Dx%26body%3D%3Cy%3E"
    assert render.mailto_url("javascript:alert(1)") is None
    assert render.tel_url("02 5550 4128") == "tel:0255504128"
    assert render.tel_url("+61 (2) 5550-4128") == "tel:+61255504128"
    assert render.tel_url("ask the desk") is None


def test_the_people_on_a_profile_link_their_email_and_phone(pages):
    page = pages["partners/harbour.md"]
    assert ('<td class="rs-person__reach" data-search-exclude><span class="rs-prefers">Prefers email</span> <span><a href="mailto:priya@harbour.example">'
            'priya@harbour.example</a></span> </td>') in page
    assert ('<td class="rs-person__reach" data-search-exclude><span class="rs-prefers">Prefers phone</span> <span><a href="tel:0255504128">02 5550 4128</a>'
            '</span></td>') in page
    assert '<td class="rs-person__seen" data-label="Last together" data-search-exclude>11 Sep 2026</td>' in page
    assert ('<p class="rs-next__action">Call Leah Ortiz (prefers phone): update them on referral '
            '<span class="rs-nowrap">R-101</span> (converted)</p>') in page


def test_ics_folds_at_75_octets_between_characters():
    folded = downloads._ics_fold("SUMMARY:" + "é" * 70)
    lines = folded.split("\r\n")
    assert [len(line.encode()) for line in lines] == [74, 75]
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == "SUMMARY:" + "é" * 70
    assert downloads._ics_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_formatting_has_no_locale():
    assert render.fmt_date(dt.date(2026, 1, 5)) == "5 Jan 2026"
    assert render.fmt_long_date(TODAY) == "Sunday 22 November 2026"
    assert render.fmt_money(Decimal("1280.5"), "$") == "$1,280.50"
    assert render.fmt_money(Decimal("1280"), "€") == "€1,280"
    assert render.relative_days(3) == "3 days overdue"
    assert render.relative_days(0) == "due today"
    assert render.relative_days(-1) == "in 1 day"
    assert render.ago(dt.date(2026, 11, 1), TODAY) == "3 weeks ago"
    assert render.label("nurse-practitioner") == "Nurse practitioner"
    assert render.safe_url("https://a.example/x") == "https://a.example/x"
    assert render.safe_url("javascript:alert(1)") is None
    assert render.safe_url("https://a.example/\"onclick=x") is None


# --------------------------------------------------------------------------- templates and overrides


def test_default_templates_are_the_projects_top_level_folder():
    assert render.default_templates_dir() == Path(__file__).resolve().parent.parent / "site_templates"
    assert (render.default_templates_dir() / "partner.md").is_file()


def test_a_repository_template_overrides_the_default_and_can_extend_it(loaded, tmp_path):
    records, settings = loaded
    (tmp_path / "partner.md").write_text(
        '{% extends "default:partner.md" %}\n{% block body %}<p class="ours">{{ partner.name }}</p>\n'
        "{{ super() }}{% endblock %}\n"
    )
    pages = render.render_pages(records, settings, TODAY, templates_dir=tmp_path)
    assert '<p class="ours">Harbour Street Family Practice</p>\n<div class="rs-profile">' in pages["partners/harbour.md"]
    assert '<p class="ours">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in pages["partners/xss.md"]
    assert '<p class="ours">' not in pages["index.md"]


def test_an_undefined_variable_in_a_template_names_file_and_line(loaded, tmp_path):
    records, settings = loaded
    ours = tmp_path / "site_templates"
    ours.mkdir()
    (ours / "downloads.md").write_text("---\ntitle: x\n---\n\n{{ files }}\n{{ no_such_thing }}\n")
    with pytest.raises(render.RenderError) as caught:
        render.render_pages(records, settings, TODAY, templates_dir=ours)
    assert [str(p) for p in caught.value.problems] == [
        "site_templates/downloads.md:6: error: template: 'no_such_thing' is undefined (rendering downloads.md)"
    ]


def test_a_template_syntax_error_names_file_and_line(loaded, tmp_path):
    records, settings = loaded
    ours = tmp_path / "site_templates"
    ours.mkdir()
    (ours / "pipeline.md").write_text("line one\n{% if %}\n")
    with pytest.raises(render.RenderError) as caught:
        render.render_pages(records, settings, TODAY, templates_dir=ours)
    assert [str(p) for p in caught.value.problems] == [
        "site_templates/pipeline.md:2: error: template syntax: Expected an expression, got 'end of statement block'"
    ]


def test_every_page_context_is_documented():
    """docs/site.md is the template contract: every page's context class and each of its fields."""
    text = DOCS.read_text(encoding="utf-8")
    for page in render.PAGES:
        assert f"### {page.template}: `{page.__name__}`" in text, page.__name__
        section = text.split(f"### {page.template}: `{page.__name__}`", 1)[1].split("\n### ", 1)[0]
        for f in dataclasses.fields(page):
            assert f"`{f.name}`" in section, (page.__name__, f.name)


# --------------------------------------------------------------------------- drafts on the site

DEMO = Path(__file__).parent.parent / "records"


@pytest.fixture(scope="module")
def demo_model():
    records, settings, problems = load_and_validate(DEMO, None, TODAY, as_of=True)
    assert [str(p) for p in problems if p.is_error] == []
    return render.build_model(records, settings, TODAY), render.render_pages(records, settings, TODAY)


def test_every_due_item_on_the_site_has_its_draft_and_the_link_fills_it_in(demo_model):
    model, pages = demo_model
    update = next(i for i in model.items if i.partner_id == "crown-lane-medical" and i.rule == "update"
                  and i.ref == "R-2374")
    d = model.due_row(update).draft
    assert d.href == (
        "mailto:r.delgado@crownlanemedical.example?subject=Update%20on%20referral%20R-2374&body=Hi%20Rosa%2C%0A%0A"
        "A%20short%20update%20on%20referral%20R-2374%3A%20the%20status%20is%20now%20discharged.%20Thank%20you%20again"
        "%20for%20sending%20them%20to%20us.%0A%0AIf%20you%20would%20like%20more%20detail%2C%20please%20call%20us%20and"
        "%20we%20can%20talk%20it%20through.%0A%0ATom%20Alvarez%0ACrown%20Street%20Physiotherapy%0A")
    assert (d.name, d.to, d.href_label, d.call) == ("Rosa Delgado", "r.delgado@crownlanemedical.example",
                                                    "Open in email", None)
    assert d.points == ("A short update on referral R-2374: the status is now discharged. Thank you again for "
                        "sending them to us.", "If you would like more detail, please call us and we can talk it through.")
    assert d.letter.splitlines()[:5] == ["22 Nov 2026", "", "Rosa Delgado, Crown Lane Medical Centre", "",
                                         "Re: Update on referral R-2374"]
    assert f'href="{d.href.replace("&", "&amp;")}"' in pages["partners/crown-lane-medical.md"]
    assert f'href="{d.href.replace("&", "&amp;")}"' in pages["due/tom.md"]
    # by text: an sms: link; by phone: a tel: link besides
    thanks = next(i for i in model.items if i.partner_id == "glebe-point-medical" and i.rule == "thanks")
    assert model.due_row(thanks).draft.call == "tel:0255506120"
    texted = [model.due_row(i).draft for i in model.items if i.channel == "text" and i.rule == "thanks"]
    assert texted and all(d.href.startswith("sms:04") and d.href_label == "Open in messages" for d in texted)
    # every item shown gets one, except the notices, which have no message
    for item in model.items:
        assert (model.due_row(item).draft is None) == (item.rule in ("gift-cap", "single-contact")), item
    shown = sum(1 for i in model.items if i.status in ("overdue", "due", "soon") and i.rule not in ("gift-cap", "single-contact"))
    assert pages["due/maya.md"].count('<details class="rs-draft">') + pages["due/tom.md"].count(
        '<details class="rs-draft">') + pages.get("due/sam.md", "").count('<details class="rs-draft">') + pages.get(
        "due/unassigned.md", "").count('<details class="rs-draft">') == shown


def test_no_draft_on_any_page_says_more_about_a_referral_than_its_id_status_and_date(demo_model):
    model, pages = demo_model
    ids = {r.id for p in model.records.partners for r in p.referrals}
    for item in model.items:
        d = model.due_row(item).draft
        if d is None:
            continue
        text = "\n".join([d.subject, d.body, d.letter, *d.points])
        assert set(re.findall(r"\bR-\d+\b", text)) <= ({item.ref} if item.ref else set()), item
        assert {w for w in re.findall(r"[\w-]+", text) if w in ids} <= {item.ref}
        partner = model.records.get(item.partner_id)
        for who in model.records.partners:  # names are the records' own words, not the referral's
            for name in (who.name, who.organisation, *(c.name for c in who.contacts)):
                text = text.replace(name, "") if name else text
        for event in partner.events:
            if event.kind != "referral-in":
                continue
            private = [event.text, event.service and render.label(event.service).lower(),
                       event.value is not None and render.fmt_money(event.value, model.site.currency),
                       event.satisfaction is not None and f"{event.satisfaction}/5"]
            for words in filter(None, private):
                assert not re.search(rf"\b{re.escape(str(words))}\b", text, re.IGNORECASE), (item, words)
    # and what the pages hold is exactly those drafts
    letters = {model.due_row(i).draft.letter for i in model.items if model.due_row(i).draft}
    for path, text in pages.items():
        for block in re.findall(r'<div class="rs-draft__letter">(.*?)</div>', text, re.DOTALL):
            assert html_unescape(block) in letters, path


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_a_partner_at_a_glance_states_trend_rhythm_and_no_empty_tiles(demo_model, loaded):
    model, pages = demo_model
    atlas = render.partner_page(model, model.records.get("atlas-creative"))
    assert [(s.kind, s.text) for s in atlas.states] == [
        ("snoozed", "Snoozed until 1 Feb 2027"), ("prospect", "Prospect · step 1 of 3: engaging")]
    king = render.partner_page(model, model.records.get("king-street-medical"))
    assert [s.kind for s in king.states] == ["at-risk"]
    assert king.rhythm == "usually every 20 days, last one 171 days ago"
    received = [r.received for r in model.records.get("king-street-medical").referrals]
    assert sum(b.value for b in king.trend.bars) == sum(1 for d in received if d >= dt.date(2025, 12, 1))
    assert len(king.trend.bars) == 12 and king.trend.summary.startswith("Dec 2025: ")
    assert '<svg class="rs-spark"' in pages["partners/king-street-medical.md"]
    records, settings = loaded
    fixture = render.build_model(records, settings, TODAY)
    prospect = render.partner_page(fixture, records.get("prospect"))
    assert ([f.label for f in prospect.figures], prospect.trend, prospect.rhythm) == (["Last contact"], None, "")
    assert all(f.value not in ("0", "$0", "–") for p in model.records.partners
               for f in render.partner_page(model, p).figures)


def test_the_privacy_marker_never_shows_on_a_page(demo_model):
    model, _ = demo_model
    partner = model.records.partners[0]
    marked = dataclasses.replace(partner, notes="Send the *handout* <!-- not-patient -->\n",
                                 value_ideas=("Share the ACL protocol <!-- not-patient -->",))
    page = render.partner_page(model, marked)
    assert page.notes == "Send the *handout*\n"
    assert [i.text for i in page.ideas] == ["Share the ACL protocol"]


# --------------------------------------------------------------------------- totals, notices, dates, channels


def test_the_partners_tables_end_in_totals_computed_by_the_metrics(loaded, pages):
    records, settings = loaded
    model = render.build_model(records, settings, TODAY)
    index, lists = render.list_pages(model)
    assert index.totals == render.Totals("All 4 partners", 4, 4, 2, "50%", "$960", 6)
    assert index.totals.received == sum(r.referrals_year for r in index.rows)  # the rows agree with the metrics
    maya = next(p for p in lists if p.path == "lists/owner/maya.md")
    assert (maya.totals.label, maya.totals.partners, maya.totals.received) == ("All 2 partners", 2, 3)
    assert ('<tfoot role="rowgroup"><tr role="row" class="rs-total" data-rs-partners="4"><th scope="row" role="rowheader" '
            'class="rs-cell--name" data-rs-total-label>All 4 partners</th>') in pages["lists/index.md"]
    assert ('<td role="cell" class="rs-num" data-label="Referrals, 12 months" data-rs-sum>4</td>'
            in pages["lists/index.md"])


def test_the_partners_table_keeps_its_table_roles_while_its_rows_are_grids(pages):
    """On a screen the rows are CSS grids (quick at 5,000 rows); explicit roles keep it a table for screen readers."""
    page = pages["lists/index.md"]
    assert '<table data-rs-sort data-rs-filter role="table">' in page
    assert '<thead role="rowgroup"><tr role="row"><th role="columnheader">Partner</th>' in page
    assert page.count('<tbody role="rowgroup">') == 1
    rows = [line for line in page.splitlines() if line.startswith("<tr ") and "data-owner=" in line]
    assert len(rows) == 4 and all(line.startswith('<tr role="row" ') for line in rows)
    assert all(line.count("<td") == line.count('<td role="cell"') for line in rows)


class _Cells(HTMLParser):
    """A built row's cells as tables.js reads them: each cell's data-sort, else its text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[list] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            sort = dict(attrs).get("data-sort")
            self.cells.append([sort, []])
        self.depth += tag == "td"

    def handle_endtag(self, tag):
        self.depth -= tag == "td"

    def handle_data(self, data):
        if self.depth:
            self.cells[-1][1].append(data)

    def keys(self) -> list[str]:
        return [sort if sort is not None else "".join(text).strip() for sort, text in self.cells]


ROWS_PREFIX = "window.refsiteRows = "


def _rows_file(text: str) -> list:
    """The rows of the partners list's rows file: one assignment of JSON to the one global, and nothing else."""
    assert text.startswith(ROWS_PREFIX) and text.endswith(";\n") and text.count("\n") == 1
    data = json.loads(text[len(ROWS_PREFIX):-2])
    assert list(data) == ["count", "rows"] and data["count"] == len(data["rows"])
    return data["rows"]


def test_a_long_partners_list_is_built_with_its_first_rows_and_every_row_is_in_its_rows_file(loaded, monkeypatch):
    records, settings = loaded
    monkeypatch.setattr(page_builders, "LIST_PAGE", 2)
    pages = render.render_pages(records, settings, TODAY)
    page = pages["lists/index.md"]
    built = [line for line in page.splitlines() if line.startswith('<tr role="row" data-owner=')]
    island = _rows_file(pages[page_builders.ROWS_FILE])
    assert page_builders.ROWS_FILE == "lists/partners-rows.js"
    assert len(built) == 2 and len(island) == 4
    assert ('<table data-rs-sort data-rs-filter data-rs-rows="../lists/partners-rows.js" data-rs-page="2" '
            'data-rs-count="4" data-rs-facets=\'{"category": ["Chiropractic", "Fitness", "Primary care"], '
            '"owner": ["Maya Chen", "Tom Alvarez"], "stage": ["Active", "Former", "Prospect"]}\' role="table">') in page
    assert "<script" not in page  # the rows are not in the page
    assert [row[0] for row in island[:2]] == built  # one macro for the rows built and the rows carried
    names = ["&lt;script&gt;alert(1)&lt;/script&gt;", "Closed Clinic", "Harbour Street Family Practice",
             "Oxford Street Pilates"]
    assert [re.search(r'<a href="[^"]*">([^<]*)</a>', row[0]).group(1) for row in island] == names  # by name, once each
    for html, text, owner, stage, category, keys in island:
        cells = _Cells()
        cells.feed(html)
        assert keys == cells.keys()  # the sort keys tables.js would read from the row itself
        assert text == "".join("".join(t) for _, t in cells.cells).lower()
        assert [owner, stage, category] == re.findall(r'data-(?:owner|stage|category)="([^"]*)"', html)
    assert island[0][5][:2] == ["<script>alert(1)</script>", "Tom & Jerry's <b>Gym</b>"]
    assert island[1][5] == ["Closed Clinic", "", "Chiropractic", "Former · light", "Maya Chen", "–", "0", "–"]
    assert island[3][5] == ["Oxford Street Pilates", "Paddington", "Fitness", "Prospect · light", "Tom Alvarez",
                            "2026-10-16", "0", "2026-10-09"]
    assert ('<noscript><p class="rs-more">The first 2 of 4 partners, by name. Every partner is on the list of its '
            'category, owner and stage: <a href="#browse">browse them above</a>.</p></noscript>') in page
    assert '<details class="rs-browse" id="browse" open>' in page
    # Without the script every partner is reached from a list built whole: its category's.
    on_lists = set()
    for path, text in pages.items():
        if path.startswith("lists/category/"):
            assert "data-rs-rows" not in text and "<noscript>" not in text
            on_lists.update(re.findall(r'<a href="\.\./\.\./partners/([^"]+)\.html">', text))
    assert on_lists == {p.id for p in records.partners}
    # The same records, the same bytes; the rows file comes right after its page.
    again = render.render_pages(records, settings, TODAY)
    assert again[page_builders.ROWS_FILE] == pages[page_builders.ROWS_FILE]
    order = [path for path, _ in render.iter_pages(records, settings, TODAY)]
    assert order[order.index("lists/index.md") + 1] == page_builders.ROWS_FILE and order.count(page_builders.ROWS_FILE) == 1


def test_a_partners_list_no_longer_than_its_first_rows_is_built_whole(pages):
    page = pages["lists/index.md"]
    assert "data-rs-rows" not in page and "<noscript>" not in page
    assert page_builders.ROWS_FILE not in pages


def test_the_rows_file_is_inert_data(tmp_path, monkeypatch):
    shutil.copytree(FIXTURE, tmp_path / "records")
    xss = tmp_path / "records" / "xss.md"
    xss.write_text(xss.read_text().replace("name: <script>alert(1)</script>",
                                           'name: "</script><script>alert(1)</script>\u2028&\'"'))
    records, settings, problems = load_and_validate(tmp_path / "records", None, TODAY)
    assert [p for p in problems if p.severity == "error"] == []
    monkeypatch.setattr(page_builders, "LIST_PAGE", 2)
    text = render.render_pages(records, settings, TODAY)[page_builders.ROWS_FILE]
    data = text[len(ROWS_PREFIX):]
    assert text.isascii() and not set(data) & set("<>&'\u2028\u2029")  # escaped as \u003c, \u003e, \u0026, \u2028 ...
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in data
    rows = _rows_file(text)
    assert rows[0][5][0] == "</script><script>alert(1)</script>\u2028&'"
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;\u2028&amp;&#39;</a>" in rows[0][0]


def test_the_reviews_tables_end_in_the_quarters_totals(pages):
    page = pages["review.md"]
    assert ('<tfoot><tr class="rs-total"><td class="rs-num rs-cell--minor"></td><th scope="row" class="rs-cell--name">'
            '1 ranked partner</th><td class="rs-cell--empty"></td><td class="rs-num" data-label="Referrals">1</td>'
            '<td class="rs-num" data-label="Converted">1<br><small>100%</small></td>'
            '<td class="rs-num" data-label="Revenue">$640</td>') in page
    assert page.count('<tfoot><tr class="rs-total"><th scope="row">All 4 partners</th><td class="rs-num">1</td>'
                      '<td class="rs-num">1</td><td class="rs-num">100%</td><td class="rs-num">$640</td>'
                      '<td class="rs-num">3</td></tr></tfoot>') == 2  # by category, by owner


def test_the_dashboard_says_the_records_warnings_in_plain_words(loaded):
    records, settings = loaded
    harbour = records.get("harbour")
    problems = [
        warning(Source(harbour.source.path, 14), "'Kim Ray' is not among harbour's contacts (x): add them under contacts:",
                check="contacts"),
        warning(Source(harbour.source.path, 2), "name: 'X' is also the name of y (y.md): one partner in two files?",
                check="duplicates"),
        warning(Source("records/settings.yml", 3), "unknown setting 'colour' (refsite ignores it)", check="settings"),
        error(Source(harbour.source.path, 9), "an error never reaches the page (the build stops first)", check="log"),
    ]
    page = render.render_pages(records, settings, TODAY, problems=problems)["index.md"]
    notices = page.split("## Notices", 1)[1].split("\n## ", 1)[0]
    assert ('<section class="rs-warnings">\n<h3 class="rs-warnings__title">3 data warnings</h3>\n<ul class="rs-notices">\n'
            '<li><a href="partners/harbour.html">Harbour Street Family Practice</a>: a log line names someone who is not '
            'among their contacts</li>\n'
            '<li><a href="partners/harbour.html">Harbour Street Family Practice</a>: has the same name as another partner: '
            'one partner written twice?</li>\n'
            '<li>The settings file has something refsite does not use</li>\n</ul>\n') in notices
    assert "The site is built all the same; whoever keeps the records sees each warning" in notices
    for hidden in ("harbour.md", "settings.yml", ":14", "Kim Ray", "contacts:", "an error"):
        assert hidden not in notices, hidden
    assert "rs-warnings" not in render.render_pages(records, settings, TODAY)["index.md"]  # no problems, no block


def test_no_iso_date_in_any_reason_or_draft_on_the_site(demo_model):
    model, pages = demo_model
    iso = re.compile(r"\b\d{4}-\d\d-\d\d\b")
    rows = [model.due_row(i) for i in model.items]
    assert rows and [r.reason for r in rows if iso.search(r.reason)] == []
    assert [r.draft.body for r in rows if r.draft and iso.search(r.draft.body)] == []
    thanks = next(r for r in rows if r.rule == "thanks")
    assert re.search(r"received \d{1,2} [A-Z][a-z]{2},", thanks.reason), thanks.reason
    for path in ("index.md", "due/maya.md"):
        shown = re.findall(r'<div class="rs-due__reason">(.*?)</div>', pages[path])
        assert shown and [s for s in shown if iso.search(s)] == [], path


@pytest.mark.parametrize(("channel", "email", "phone", "text"), [
    ("fax", None, "02 5550 1000", "Prefers fax · no fax number on record"),
    ("post", "a@b.example", None, "Prefers post · no postal address on record"),
    ("phone", None, None, "Prefers phone · no phone number on record"),
    ("text", None, None, "Prefers text · no mobile number on record"),
    ("email", None, "02 5550 1000", "Prefers email · no email address on record"),
    ("phone", None, "02 5550 1000", "Prefers phone"),
    ("email", "a@b.example", None, "Prefers email"),
    ("in-person", None, None, "Prefers to meet in person"),
    (None, None, None, ""),
])
def test_a_preferred_channel_comes_with_the_way_to_reach_it_or_says_it_is_missing(channel, email, phone, text):
    assert render.prefers_text(channel, email, phone) == text


def test_a_partner_who_prefers_fax_says_the_record_has_no_fax_number(loaded):
    records, settings = loaded
    faxing = dataclasses.replace(records.get("harbour"), prefers="fax")
    changed = Records(tuple(faxing if p.id == "harbour" else p for p in records.partners))
    page = render.render_pages(changed, settings, TODAY)["partners/harbour.md"]
    assert '<span class="rs-prefers">Prefers fax · no fax number on record</span>' in page
    assert "Prefers fax</span>" not in page


def test_a_partners_referral_ids_fold_under_a_plain_label(pages):
    page = pages["partners/harbour.md"]
    assert '<details class="rs-refs"><summary>Referral ids (3)</summary><p>R-103 · R-102 · R-101</p></details>' in page  # newest first


def test_counts_of_a_thousand_or_more_have_a_comma_between_thousands():
    from refsite import words

    assert [words.count(n) for n in (0, 7, 999, 1000, 5000, 12345, 1234567, -1200)] == [
        "0", "7", "999", "1,000", "5,000", "12,345", "1,234,567", "-1,200"]
    assert words.plural(1, "partner") == "1 partner"
    assert words.plural(999, "partner") == "999 partners"
    assert words.plural(5000, "partner") == "5,000 partners"
    assert words.plural(1200, "person", "people") == "1,200 people"
    assert words.relative_days(1500) == "1,500 days overdue"
    assert words.days_ago(TODAY - dt.timedelta(days=1001), TODAY) == "1,001 days ago"
