"""The template contract: what each page template receives, as documented frozen dataclasses.

Every page template receives the fields of its context (one class per template, listed in
``PAGES``) as variables, and the whole context as ``page``. docs/site.md documents each class
and field; tests/test_render.py checks that it does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from refsite.model import Partner

# --------------------------------------------------------------------------- shared parts


@dataclass(frozen=True)
class Link:
    """A link to another page: ``url`` is relative to the site root; templates prefix ``root``."""

    text: str
    url: str


@dataclass(frozen=True)
class TeamMember:
    id: str
    name: str
    url: str  # the owner's list page
    partners: int


@dataclass(frozen=True)
class SiteInfo:
    """What every page knows about the practice and the build."""

    practice: str
    today: dt.date
    currency: str
    team: tuple[TeamMember, ...]
    partners: int = 0  # how many partners the records hold (the footer: 'as of 22 Nov 2026 · 34 partners')


@dataclass(frozen=True)
class DueRow:
    """One due item as the pages show it (from :class:`refsite.due.DueItem`)."""

    partner: Link
    owner: str | None
    owner_name: str
    rule: str  # one of refsite.due.RULES
    rule_label: str
    due_date: dt.date
    days_overdue: int  # negative: days left
    status: str  # overdue | due | soon | later
    when: str  # '12 days overdue', 'due today', 'in 3 days'
    reason: str
    action: str
    ref: str | None
    introducers: tuple[Link, ...]
    draft: DraftView | None = None  # the message for this item (refsite.drafts); None for notices (gift cap, one contact)


@dataclass(frozen=True)
class DraftView:
    """A due item's message as the site offers it: a link that opens it, talking points, a letter."""

    channel: str | None  # the contact's preferred channel (refsite.vocab.CHANNELS), or None
    name: str  # whom the message is for: the contact's name, else the partner's
    to: str | None  # the email address or number the draft goes to, when one is known
    subject: str
    body: str
    href: str  # 'mailto:...?subject=...&body=...' or, by text, 'sms:...?body=...'
    href_label: str  # 'Open in email', 'Open in messages'
    call: str | None  # by phone: a 'tel:' link to the number, else None
    points: tuple[str, ...]  # talking points for a call: the body's paragraphs without greeting and signature
    letter: str  # the message as a letter for post or fax: the date, whom to, subject, body


@dataclass(frozen=True)
class PartnerRow:
    """One partner in a list."""

    id: str
    name: str
    url: str
    organisation: str | None
    category: str
    stage: str
    tier: str
    owner: str | None
    owner_name: str
    location: str | None
    tags: tuple[str, ...]
    last_contact: dt.date | None
    referrals_year: int  # referrals received in the 365 days up to today
    next: DueRow | None  # the most urgent open item


@dataclass(frozen=True)
class Totals:
    """A table's totals row, computed by refsite.metrics.figures (the function behind every figure), never summed by the page."""

    label: str  # 'All 34 partners'
    partners: int
    received: int  # referrals received: in the 365 days up to today under a partners list, in the quarter in the review
    converted: int = 0
    rate: str = ""  # the conversion rate, '62%' ('–' when nothing was received)
    revenue: str = ""
    touches: int = 0


@dataclass(frozen=True)
class DataWarning:
    """A warning the validator found in the records, as the dashboard's notices say it: plain words, no file or line."""

    partner: Link | None  # the partner whose record it is about (None: the settings, the folder)
    text: str


@dataclass(frozen=True)
class Figure:
    """A headline number, with the previous period's for comparison."""

    label: str
    value: str
    previous: str | None = None
    change: str | None = None  # '+3', '-12%'
    trend: str = "flat"  # up | down | flat
    good: bool | None = None  # whether the change is good news (None: neither)
    note: str | None = None


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    display: str
    x: float
    y: float
    width: float
    height: float
    url: str | None = None  # the page the bar links to (rows), if any
    sublabel: str | None = None  # a second line under a column's label: the year, where it changes


@dataclass(frozen=True)
class BarChart:
    """An SVG bar chart laid out at build time: ``columns`` (over time) or ``rows`` (by source)."""

    title: str
    kind: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    empty: bool
    summary: str  # the chart in words, for screen readers
    axis: float = 0  # columns: the y of the baseline (labels are drawn below it)


@dataclass(frozen=True)
class Facet:
    """A way of grouping partners (category, owner, stage, tag) and its values."""

    name: str
    title: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True)
class FacetValue:
    label: str
    url: str
    count: int
    meaning: str


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True, kw_only=True)
class PageContext:
    """Every page's fields. ``root`` leads from the page to the site root ('', '../', '../../')."""

    template: ClassVar[str] = ""
    path: str
    title: str
    root: str
    site: SiteInfo
    search: bool  # whether the page is in the search index


@dataclass(frozen=True, kw_only=True)
class DashboardPage(PageContext):
    template: ClassVar[str] = "dashboard.md"
    glance: tuple[Figure, ...]  # referrals this month so far against the same point last month; last month's
    top_referrers: tuple[RankRow, ...]  # the quarter under way, most referrals first (at most LEADERBOARD)
    below_usual: tuple[RankRow, ...]  # partners the due engine finds at risk, longest overdue first
    counts: tuple[Figure, ...]  # overdue, due today, due soon, thanks owed, updates owed (notices left out)
    owners: tuple[OwnerDue, ...]  # per team member (and 'unassigned'): counts and the most urgent cards
    notices: tuple[DueRow, ...]  # gift caps and single contacts: for the team to know, not contacts to make
    warnings: tuple[DataWarning, ...] = ()  # the records' warnings (render_pages(problems=...)), in plain words, at most 10
    warnings_total: int = 0  # how many warnings in all (the dashboard lists the first DASHBOARD_WARNINGS)
    headline: tuple[Figure, ...]  # metrics for the last full month against the month before
    headline_period: str
    compliance: tuple[Figure, ...]  # whether the system is followed, the last full month against the one before
    per_month: BarChart
    by_source: BarChart


@dataclass(frozen=True)
class OwnerDue:
    owner: str | None
    name: str
    url: str | None  # the owner's list of partners
    items: tuple[DueRow, ...]  # their most urgent items (at most DASHBOARD_ITEMS), notices left out
    more: int  # how many more are on their due page
    due_url: str  # their due page: every item overdue, due or soon
    overdue: int  # overdue + today + soon == len(items) + more
    today: int
    soon: int


@dataclass(frozen=True, kw_only=True)
class DuePage(PageContext):
    template: ClassVar[str] = "due.md"
    owner: str | None
    name: str  # the owner's name ('Unassigned' for partners with no owner)
    rows: tuple[DueRow, ...]  # every item overdue, due today or due soon, most urgent first


@dataclass(frozen=True, kw_only=True)
class PartnerPage(PageContext):
    template: ClassVar[str] = "partner.md"
    partner: Partner  # the record itself (refsite.model.Partner)
    category_label: str
    owner_name: str
    owner_url: str | None
    tags: tuple[Link, ...]
    website: str | None  # only an http(s) address
    next: DueRow | None
    items: tuple[DueRow, ...]  # every open item, most urgent first
    contacts: tuple[ContactRow, ...]
    figures: tuple[Figure, ...]
    timeline: tuple[TimelineRow, ...]  # newest first
    ideas: tuple[IdeaRow, ...]
    notes: str  # Markdown, as written (the `markdown` filter renders it safely)
    introduced_by: Link | None
    introduced: tuple[Link, ...]
    source: str  # the record's file name
    states: tuple[State, ...] = ()  # chips in the header: snoozed, at risk, prospect step, former
    trend: BarChart | None = None  # referrals per month over the last 12 months (a sparkline); None: none ever
    rhythm: str = ""  # 'usually every 20 days, last one 171 days ago' (empty without referrals)
    referral_ids: tuple[str, ...] = ()  # the referrals received, newest first (searchable: R-2418 finds them)


@dataclass(frozen=True)
class State:
    """A chip in a partner's header: ``kind`` (snoozed, at-risk, prospect, former) and its words."""

    kind: str
    text: str
    title: str = ""  # more, on hover: why


@dataclass(frozen=True)
class ContactRow:
    name: str
    role: str
    prefers: str | None
    email: str | None
    phone: str | None
    notes: str | None
    last_seen: dt.date | None


@dataclass(frozen=True)
class TimelineRow:
    date: dt.date
    kind: str
    kind_label: str
    group: str  # referral | contact | value | note
    who: str  # the team member's name
    with_: str
    detail: str  # ref, status, service, value, cost, as text
    text: str


@dataclass(frozen=True)
class IdeaRow:
    text: str
    given: bool


@dataclass(frozen=True, kw_only=True)
class PartnersPage(PageContext):
    template: ClassVar[str] = "partners.md"
    facets: tuple[Facet, ...]
    rows: tuple[PartnerRow, ...]
    totals: Totals | None = None  # the totals row: every partner, referrals in the last 365 days
    # How many rows the table is built with (the first, by name); every row also travels in the rows file
    # (PartnersRows, at rows_file), which the table script loads, then sorts, filters and shows from.
    # None: every row is built (and there is no rows file).
    first_rows: int | None = None
    rows_file: str | None = None  # the rows file's path from the site root (refsite.render.pages.ROWS_FILE), or None


@dataclass(frozen=True, kw_only=True)
class PartnersRows(PageContext):
    """Not a page: the partners list's rows file, a script beside the list that the table script loads.

    ``path`` is the file's (``lists/partners-rows.js``) and ``root`` the list page's (its rows' links are
    put into that page). Written only when the list is built with fewer rows than it has.
    """

    template: ClassVar[str] = "partners-rows.js"
    rows: tuple[PartnerRow, ...]


@dataclass(frozen=True, kw_only=True)
class ListPage(PageContext):
    template: ClassVar[str] = "list.md"
    facet: str
    facet_title: str
    value: str
    meaning: str
    rows: tuple[PartnerRow, ...]
    totals: Totals | None = None  # the totals row: the partners listed, referrals in the last 365 days


@dataclass(frozen=True, kw_only=True)
class PipelinePage(PageContext):
    template: ClassVar[str] = "pipeline.md"
    columns: tuple[PipelineColumn, ...]
    funnel: tuple[Figure, ...]


@dataclass(frozen=True)
class PipelineColumn:
    stage: str
    title: str
    url: str  # the stage's list (it exists when the column has cards)
    meaning: str
    cards: tuple[PipelineCard, ...]


@dataclass(frozen=True)
class PipelineCard:
    partner: Link
    owner_name: str
    category: str
    since: dt.date | None
    days_in_stage: int | None
    next: DueRow | None
    fit: int | None = None  # the prospect's fit score, 0-100 (refsite.fit.fit_score); None: no fit: block


@dataclass(frozen=True, kw_only=True)
class ReviewPage(PageContext):
    template: ClassVar[str] = "review.md"
    period: str  # 'Q3 2026 (July to September)'
    previous: str
    figures: tuple[Figure, ...]  # the quarter against the one before
    compliance: tuple[Figure, ...]  # whether the system is followed, the quarter against the one before
    rankings: tuple[Ranking, ...]  # top ten by score, rising, falling
    ranked: tuple[RankedRow, ...]  # every partner ranked (refsite.metrics.review), best first
    focus: tuple[FocusRow, ...]  # the short list for next quarter
    by_category: tuple[GroupRow, ...]
    by_owner: tuple[GroupRow, ...]
    ranked_total: Totals | None = None  # every ranked partner (not only the 25 shown), the quarter's figures
    groups_total: Totals | None = None  # every partner in the quarter: the by-category and by-owner tables' totals


@dataclass(frozen=True)
class Ranking:
    title: str
    measure: str
    rows: tuple[RankRow, ...]


@dataclass(frozen=True)
class RankRow:
    rank: int
    partner: Link
    value: str


@dataclass(frozen=True)
class RankedRow:
    """One partner in the quarter's ranking: a score out of 100 (volume, conversion, revenue, recency)."""

    rank: int
    partner: Link
    category: str
    owner_name: str
    received: int
    conversions: int
    rate: str
    revenue: str
    last_referral: dt.date | None
    score: str


@dataclass(frozen=True)
class FocusRow:
    partner: Link
    why: str
    owner_name: str


@dataclass(frozen=True)
class GroupRow:
    name: str
    url: str | None
    received: int
    converted: int
    rate: str
    revenue: str
    touches: int


@dataclass(frozen=True, kw_only=True)
class DownloadsPage(PageContext):
    template: ClassVar[str] = "downloads.md"
    files: tuple[Download, ...]


@dataclass(frozen=True)
class Download:
    title: str
    url: str
    description: str
    size: int


PAGES: tuple[type[PageContext], ...] = (DashboardPage, DuePage, PartnerPage, PartnersPage, ListPage, PipelinePage,
                                        ReviewPage, DownloadsPage, PartnersRows)


def context_fields(page: PageContext) -> dict[str, Any]:
    """The variables a page template receives: the context's fields, shallow (not copied)."""
    return {f.name: getattr(page, f.name) for f in fields(page)}
