"""Pages from the computed model: Jinja2 templates in, ``{relative path: text}`` out.

``render_pages(records, settings, today)`` computes what the site shows (the due
items, the metrics, the lists) and renders one Markdown page per template and
context, plus the downloads (CSV, iCalendar). It writes nothing and knows
nothing of MkDocs: ``refsite.site`` hands the pages to the site generator.

Templates come from a records repository's own ``site_templates/`` first, then
refsite's defaults (the project's top-level ``site_templates/``, shipped in the
package), file by file; ``{% extends "default:partner.md" %}`` reaches a default
from an override. Every page template receives the fields of its context
dataclass below as variables (documented in docs/site.md, checked by
tests/test_render.py): that is the template contract.

Values from the records are text, never markup: templates are autoescaped for
HTML, and the pages put record values only inside HTML blocks (which Markdown
leaves alone); headings written in Markdown hold fixed words only. Links between
pages are relative ``.html`` paths (the site is built with
``use_directory_urls: false`` so that it works opened from disk).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import traceback
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping, Sequence

import jinja2
from markupsafe import Markup, escape

from refsite import vocab
from refsite.due import DueItem, due, value_ideas_not_given
from refsite.metrics import Figures, PartnerFacts, Period, figures, monthly_referrals, partner_facts, review
from refsite.model import Partner, Records
from refsite.problems import Problem, Source, error
from refsite.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the refsite package
TEMPLATES_FOLDER = "site_templates"
SOON_STATUSES = ("overdue", "due", "soon")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def defaults_root() -> Path:
    """The folder holding refsite's default ``site_templates/`` and ``mkdocs.yml``.

    In an installed wheel that is ``refsite/_defaults``; in a source checkout (or an
    editable install) it is the project's top level, one folder above the package.
    """
    packaged = PACKAGE_DIR / "_defaults"
    if (packaged / TEMPLATES_FOLDER).is_dir():
        return packaged
    return PACKAGE_DIR.parent


def default_templates_dir() -> Path:
    return defaults_root() / TEMPLATES_FOLDER


class RenderError(Exception):
    """A template could not be rendered; ``problems`` say which file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# --------------------------------------------------------------------------- formatting (pure, no locale)


def label(term: object) -> str:
    """A vocabulary term for people: 'primary-care' -> 'Primary care'."""
    text = str(term or "").replace("-", " ")
    return text[:1].upper() + text[1:]


def fmt_date(day: dt.date | None) -> str:
    """'22 Nov 2026' (no locale: the same bytes on every machine)."""
    if day is None:
        return ""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def fmt_long_date(day: dt.date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS_LONG[day.month - 1]} {day.year}"


def fmt_money(amount: Decimal | float | int | None, currency: str = "$") -> str:
    if amount is None:
        return ""
    value = Decimal(str(amount))
    if value == value.to_integral_value():
        return f"{currency}{value:,.0f}"
    return f"{currency}{value:,.2f}"


def fmt_pct(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f}%"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def relative_days(days_overdue: int) -> str:
    """'12 days overdue', 'due today', 'in 3 days'."""
    if days_overdue > 0:
        return f"{plural(days_overdue, 'day')} overdue"
    if days_overdue == 0:
        return "due today"
    return f"in {plural(-days_overdue, 'day')}"


def ago(day: dt.date | None, today: dt.date) -> str:
    """'today', 'yesterday', '5 days ago', '3 weeks ago', '4 months ago', '2 years ago'."""
    if day is None:
        return "–"
    days = (today - day).days
    if days <= 0:
        return "today" if days == 0 else fmt_date(day)
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 61:
        return f"{days // 7} weeks ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def front_matter_text(value: object) -> Markup:
    """A value for the page's YAML front matter: HTML-escaped (themes print titles raw), then quoted."""
    return Markup(json.dumps(str(escape(str(value)))))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "tag"


def safe_url(url: str | None) -> str | None:
    """A web address worth linking: http(s) only (never javascript: and friends)."""
    if url and re.match(r"^https?://[^\s\"'<>]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


# --------------------------------------------------------------------------- template contract: shared parts


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
    url: str | None = None


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


# --------------------------------------------------------------------------- template contract: pages


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
    counts: tuple[Figure, ...]  # overdue, due today, due soon, thanks owed, updates owed
    owed: tuple[DueRow, ...]  # the most urgent thanks and updates owed (at most DASHBOARD_OWED)
    owed_more: int  # how many more thanks and updates are owed
    owners: tuple[OwnerDue, ...]  # per team member (and 'unassigned'), the other rules
    headline: tuple[Figure, ...]  # metrics for the last full month against the month before
    headline_period: str
    per_month: BarChart
    by_source: BarChart


@dataclass(frozen=True)
class OwnerDue:
    owner: str | None
    name: str
    url: str | None  # the owner's list of partners
    items: tuple[DueRow, ...]  # the most urgent of their other items (at most DASHBOARD_ITEMS)
    more: int  # how many more are on their due page
    due_url: str  # their due page: every item overdue, due or soon
    overdue: int
    owed: int  # thanks and updates, listed in the dashboard's own section


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
    notes: tuple[str, ...]  # paragraphs
    introduced_by: Link | None
    introduced: tuple[Link, ...]
    source: str  # the record's file name


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


@dataclass(frozen=True, kw_only=True)
class ListPage(PageContext):
    template: ClassVar[str] = "list.md"
    facet: str
    facet_title: str
    value: str
    meaning: str
    rows: tuple[PartnerRow, ...]


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


@dataclass(frozen=True, kw_only=True)
class ReviewPage(PageContext):
    template: ClassVar[str] = "review.md"
    period: str  # 'Q3 2026 (July to September)'
    previous: str
    figures: tuple[Figure, ...]  # the quarter against the one before
    rankings: tuple[Ranking, ...]  # top ten by score, rising, falling
    ranked: tuple[RankedRow, ...]  # every partner ranked (refsite.metrics.review), best first
    focus: tuple[FocusRow, ...]  # the short list for next quarter
    by_category: tuple[GroupRow, ...]
    by_owner: tuple[GroupRow, ...]


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
                                        ReviewPage, DownloadsPage)


def context_fields(page: PageContext) -> dict[str, Any]:
    """The variables a page template receives: the context's fields, shallow (not copied)."""
    return {f.name: getattr(page, f.name) for f in fields(page)}


# --------------------------------------------------------------------------- Jinja


def template_loader(user_dir: Path | None = None) -> jinja2.BaseLoader:
    """The repository's templates first, then the defaults; 'default:NAME' always reaches the default."""
    default_dir = default_templates_dir()
    default = jinja2.FileSystemLoader(str(default_dir))
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None and user_dir.is_dir() and user_dir.resolve() != default_dir.resolve():
        loaders.append(jinja2.FileSystemLoader(str(user_dir)))
    loaders.append(default)
    loaders.append(jinja2.PrefixLoader({"default": default}, delimiter=":"))
    return jinja2.ChoiceLoader(loaders)


def environment(user_dir: Path | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=template_loader(user_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(
        label=label,
        date=fmt_date,
        long_date=fmt_long_date,
        pct=fmt_pct,
        plural=plural,
        front_matter=front_matter_text,
        relative_days=relative_days,
        money=fmt_money,
    )
    return env


def _template_display(filename: str, roots: Sequence[Path]) -> str:
    """'site_templates/partner.md': the template folder's name and the file in it (never an absolute path)."""
    path = Path(filename)
    for root in roots:
        try:
            return f"{root.name}/{path.resolve().relative_to(root.resolve()).as_posix()}"
        except ValueError:
            continue
    return path.name


def _template_problem(exc: Exception, name: str, roots: Sequence[Path]) -> Problem:
    """Where in which template a rendering error happened, from Jinja's rewritten traceback."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return error(Source(_template_display(exc.filename or exc.name or name, roots), exc.lineno or 0),
                     f"template syntax: {exc.message}")
    where = Source(f"{TEMPLATES_FOLDER}/{name}", 0)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        shown = _template_display(frame.filename, roots)
        if shown != Path(frame.filename).name:
            where = Source(shown, frame.lineno or 0)
            break
    message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
    return error(where, f"template: {message} (rendering {name})")


class Renderer:
    """Renders page contexts with one Jinja environment; collects template problems."""

    def __init__(self, user_dir: Path | None = None) -> None:
        self.env = environment(user_dir)
        self.roots = [d for d in (user_dir, default_templates_dir()) if d is not None]
        self.problems: list[Problem] = []
        self._templates: dict[str, jinja2.Template | None] = {}

    def _template(self, name: str) -> jinja2.Template | None:
        if name not in self._templates:
            try:
                self._templates[name] = self.env.get_template(name)
            except jinja2.TemplateNotFound as exc:
                self.problems.append(error(Source(f"{TEMPLATES_FOLDER}/{name}", 0), f"template not found: {exc.message}"))
                self._templates[name] = None
            except jinja2.TemplateError as exc:
                self.problems.append(_template_problem(exc, name, self.roots))
                self._templates[name] = None
        return self._templates[name]

    def render(self, page: PageContext) -> str | None:
        template = self._template(page.template)
        if template is None:
            return None
        try:
            return template.render(context_fields(page), page=page)
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
            problem = _template_problem(exc, page.template, self.roots)
            if problem not in self.problems:
                self.problems.append(problem)
            return None


# --------------------------------------------------------------------------- the computed model


def _root(path: str) -> str:
    return "../" * path.count("/")


def partner_url(partner_id: str) -> str:
    return f"partners/{partner_id}.html"


def list_url(facet: str, value: str) -> str:
    return f"lists/{facet}/{slugify(value) if facet == 'tag' else value}.html"


@dataclass(frozen=True)
class Model:
    """Everything computed once for all pages."""

    records: Records
    settings: Settings
    today: dt.date
    site: SiteInfo
    items: tuple[DueItem, ...]
    by_partner: Mapping[str, tuple[DueItem, ...]]
    introduced: Mapping[str, tuple[str, ...]]
    facts: tuple[PartnerFacts, ...]  # refsite.metrics' view of every partner, in id order
    tag_slugs: Mapping[str, str] = field(default_factory=dict)
    _facts_by_id: Mapping[str, PartnerFacts] = field(init=False, repr=False, compare=False)

    def facts_of(self, partner_ids: Iterable[str]) -> list[PartnerFacts]:
        return [self._facts_by_id[i] for i in partner_ids if i in self._facts_by_id]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_facts_by_id", {f.id: f for f in self.facts})

    def owner_name(self, owner: str | None) -> str:
        return self.settings.member_name(owner) if owner else "Unassigned"

    def owner_url(self, owner: str | None) -> str | None:
        return list_url("owner", owner) if owner else None

    def link(self, partner_id: str) -> Link:
        partner = self.records.get(partner_id)
        return Link(partner.name if partner else partner_id, partner_url(partner_id))

    def due_row(self, item: DueItem) -> DueRow:
        return DueRow(
            partner=Link(item.partner_name, partner_url(item.partner_id)),
            owner=item.owner,
            owner_name=self.owner_name(item.owner),
            rule=item.rule,
            rule_label=RULE_LABELS.get(item.rule, label(item.rule)),
            due_date=item.due_date,
            days_overdue=item.days_overdue,
            status=item.status,
            when=relative_days(item.days_overdue),
            reason=item.reason,
            action=item.action,
            ref=item.ref,
            introducers=tuple(self.link(p) for p in item.introducers if self.records.get(p) is not None),
        )


RULE_LABELS = {
    "thanks": "Thank",
    "update": "Update",
    "at-risk": "At risk",
    "cadence": "Check in",
    "meeting": "Meet",
    "nurture": "Nurture",
    "prospect": "Prospect",
    "introduction": "Introduction",
    "gift-cap": "Gift cap",
    "single-contact": "One contact",
}


def build_model(records: Records, settings: Settings, today: dt.date) -> Model:
    items = tuple(due(records, settings, today))
    by_partner: dict[str, list[DueItem]] = {}
    for item in items:
        by_partner.setdefault(item.partner_id, []).append(item)
    introduced: dict[str, list[str]] = {}
    for partner in records.partners:
        if partner.introduced_by and records.get(partner.introduced_by) is not None:
            introduced.setdefault(partner.introduced_by, []).append(partner.id)
    team = tuple(
        TeamMember(m.id, m.name, list_url("owner", m.id), sum(1 for p in records.partners if p.owner == m.id))
        for m in settings.team
    )
    site = SiteInfo(practice=str(settings.practice), today=today, currency=str(settings.currency), team=team)
    slugs: dict[str, str] = {}
    for partner in records.partners:
        for tag in partner.tags:
            slugs.setdefault(tag, slugify(tag))
    return Model(
        records=records,
        settings=settings,
        today=today,
        site=site,
        items=items,
        by_partner={k: tuple(v) for k, v in by_partner.items()},
        introduced={k: tuple(sorted(v)) for k, v in introduced.items()},
        facts=tuple(partner_facts(p, settings, today) for p in records.partners),
        tag_slugs=slugs,
    )


def _last_contact(partner: Partner, today: dt.date) -> dt.date | None:
    dates = [e.date for e in partner.events if e.date <= today and vocab.LOG_KINDS[e.kind].contact]
    return max(dates) if dates else None


def _referrals_in(partner: Partner, start: dt.date, end: dt.date) -> int:
    return sum(1 for r in partner.referrals if r.direction == "in" and start <= r.received <= end)


def partner_row(model: Model, partner: Partner) -> PartnerRow:
    today = model.today
    items = model.by_partner.get(partner.id, ())
    return PartnerRow(
        id=partner.id,
        name=partner.name,
        url=partner_url(partner.id),
        organisation=partner.organisation,
        category=partner.category,
        stage=partner.stage,
        tier=partner.tier,
        owner=partner.owner,
        owner_name=model.owner_name(partner.owner),
        location=partner.location,
        tags=partner.tags,
        last_contact=_last_contact(partner, today),
        referrals_year=_referrals_in(partner, today - dt.timedelta(days=364), today),
        next=model.due_row(items[0]) if items else None,
    )


def _rows(model: Model, partners: Iterable[Partner], cache: dict[str, PartnerRow] | None = None) -> tuple[PartnerRow, ...]:
    cache = {} if cache is None else cache
    rows = []
    for partner in sorted(partners, key=lambda p: (p.name.casefold(), p.id)):
        if partner.id not in cache:
            cache[partner.id] = partner_row(model, partner)
        rows.append(cache[partner.id])
    return tuple(rows)


# --------------------------------------------------------------------------- partner page


_GROUPS = {"referral-in": "referral", "referral-out": "referral", "thanks": "contact", "update": "contact",
           "note": "note", "stage": "note"}


def _timeline(model: Model, partner: Partner) -> tuple[TimelineRow, ...]:
    rows = []
    currency = model.site.currency
    for event in sorted(partner.events, key=lambda e: (e.date, e.source.line), reverse=True):
        kind = vocab.LOG_KINDS[event.kind]
        group = _GROUPS.get(event.kind) or ("value" if kind.value else "contact" if kind.contact else "note")
        detail = []
        if event.stage:
            detail.append(f"now {label(event.stage).lower()}")
        if event.ref:
            detail.append(event.ref)
        if event.status:
            detail.append(event.status)
        if event.service:
            detail.append(label(event.service).lower())
        if event.value is not None:
            detail.append(f"value {fmt_money(event.value, currency)}")
        if event.cost is not None:
            detail.append(f"cost {fmt_money(event.cost, currency)}")
        if event.consent is not None:
            detail.append("consent given" if event.consent else "no consent")
        if event.satisfaction is not None:
            detail.append(f"satisfaction {event.satisfaction}/5")
        rows.append(TimelineRow(
            date=event.date,
            kind=event.kind,
            kind_label=label(event.kind),
            group=group,
            who=model.settings.member_name(event.author) if event.author else "",
            with_=", ".join(event.with_),
            detail=" · ".join(detail),
            text=event.text,
        ))
    return tuple(rows)


def _contacts(partner: Partner) -> tuple[ContactRow, ...]:
    rows = []
    for contact in partner.contacts:
        seen = [e.date for e in partner.events if any(contact.matches(n) for n in e.with_)]
        rows.append(ContactRow(
            name=contact.name,
            role=label(contact.role),
            prefers=contact.prefers,
            email=contact.email,
            phone=contact.phone,
            notes=contact.notes,
            last_seen=max(seen) if seen else None,
        ))
    return tuple(rows)


def partner_figures(model: Model, partner: Partner) -> tuple[Figure, ...]:
    """The relationship in numbers (refsite.metrics over the last 12 months and all time)."""
    today, currency = model.today, model.site.currency
    facts = model.facts_of([partner.id])
    year = figures(facts, Period.between(today - dt.timedelta(days=364), today))
    start = min([today, *(f.first_seen for f in facts if f.first_seen)])
    ever = figures(facts, Period.between(start, today))
    last_referral = max((r.received for f in facts for r in f.received), default=None)
    costs = sum((c for f in facts for d, c in f.costs if d.year == today.year), Decimal(0))
    cap = Decimal(str(model.settings.gift_cap or 0))
    return (
        Figure("Referrals received", str(year.received), note=f"last 12 months; {ever.received} in all"),
        Figure("Converted", str(year.conversions),
               note=f"{fmt_pct(year.conversion_rate)} of the year's referrals" if year.conversion_rate is not None else None),
        Figure("Revenue", fmt_money(year.revenue, currency), note=f"last 12 months; {fmt_money(ever.revenue, currency)} in all"),
        Figure("Referrals we sent", str(year.sent), note=f"{ever.sent} in all"),
        Figure("Days between referrals", f"{ever.repeat_days:.0f}" if ever.repeat_days is not None else "–",
               note="median" if ever.repeat_days is not None else "needs two referrals"),
        Figure("Days to thank", f"{ever.median_days_to_thank:.0f}" if ever.median_days_to_thank is not None else "–",
               note="median" if ever.median_days_to_thank is not None else None),
        Figure("Last referral", ago(last_referral, today), note=fmt_date(last_referral) or None),
        Figure("Last contact", ago(_last_contact(partner, today), today),
               note=fmt_date(_last_contact(partner, today)) or None),
        Figure(f"Gifts {today.year}", fmt_money(costs, currency),
               note=f"cap {fmt_money(cap, currency)}" if cap else None),
    )


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip())


def partner_page(model: Model, partner: Partner) -> PartnerPage:
    path = f"partners/{partner.id}.md"
    items = model.by_partner.get(partner.id, ())
    rows = tuple(model.due_row(i) for i in items)
    ideas_left = value_ideas_not_given(partner, model.today)
    return PartnerPage(
        path=path,
        title=partner.name,
        root=_root(path),
        site=model.site,
        search=True,
        partner=partner,
        category_label=label(partner.category),
        owner_name=model.owner_name(partner.owner),
        owner_url=model.owner_url(partner.owner),
        tags=tuple(Link(t, list_url("tag", t)) for t in partner.tags),
        website=safe_url(partner.website),
        next=rows[0] if rows else None,
        items=rows,
        contacts=_contacts(partner),
        figures=partner_figures(model, partner),
        timeline=_timeline(model, partner),
        ideas=tuple(IdeaRow(i, i not in ideas_left) for i in partner.value_ideas),
        notes=_paragraphs(partner.notes),
        introduced_by=model.link(partner.introduced_by) if partner.introduced_by and model.records.get(
            partner.introduced_by) else None,
        introduced=tuple(model.link(p) for p in model.introduced.get(partner.id, ())),
        source=f"{partner.id}.md",
    )


# --------------------------------------------------------------------------- lists


FACETS = (("category", "By category"), ("owner", "By owner"), ("stage", "By stage"), ("tag", "By tag"))


def _facet_groups(model: Model) -> dict[str, dict[str, list[Partner]]]:
    groups: dict[str, dict[str, list[Partner]]] = {name: {} for name, _ in FACETS}
    for partner in model.records.partners:
        groups["category"].setdefault(partner.category, []).append(partner)
        groups["owner"].setdefault(partner.owner or "unassigned", []).append(partner)
        groups["stage"].setdefault(partner.stage, []).append(partner)
        for tag in partner.tags:
            groups["tag"].setdefault(tag, []).append(partner)
    return groups


def _facet_order(model: Model, facet: str, values: Iterable[str]) -> list[str]:
    if facet == "stage":
        order = list(vocab.STAGES)
    elif facet == "category":
        order = list(model.settings.categories)
    elif facet == "owner":
        order = [m.id for m in model.settings.team]
    else:
        order = []
    rank = {v: i for i, v in enumerate(order)}
    return sorted(values, key=lambda v: (rank.get(v, len(rank)), v.casefold(), v))


def _facet_label(model: Model, facet: str, value: str) -> str:
    if facet == "owner":
        return model.owner_name(None if value == "unassigned" else value)
    if facet == "tag":
        return value
    return label(value)


def _facet_meaning(model: Model, facet: str, value: str) -> str:
    if facet == "category":
        return model.settings.categories.get(value, "")
    if facet == "stage":
        return vocab.STAGES.get(value, "")
    return ""


def list_pages(model: Model) -> tuple[PartnersPage, list[ListPage]]:
    groups = _facet_groups(model)
    facets = []
    pages = []
    cache: dict[str, PartnerRow] = {}
    for facet, title in FACETS:
        by_url: dict[str, tuple[str, dict[str, Partner]]] = {}
        for value in _facet_order(model, facet, groups[facet]):
            # Two tags with one slug ('Knee' and 'knee') share a page, named after the first.
            first, members = by_url.setdefault(list_url(facet, value), (value, {}))
            members.update((p.id, p) for p in groups[facet][value])
        values = []
        for url, (value, members) in by_url.items():
            path = url[: -len(".html")] + ".md"
            shown = _facet_label(model, facet, value)
            meaning = _facet_meaning(model, facet, value)
            values.append(FacetValue(shown, url, len(members), meaning))
            pages.append(ListPage(
                path=path, title=shown, root=_root(path), site=model.site, search=False,
                facet=facet, facet_title=title, value=shown, meaning=meaning, rows=_rows(model, members.values(), cache),
            ))
        facets.append(Facet(facet, title, tuple(values)))
    index = PartnersPage(path="lists/index.md", title="Partners", root=_root("lists/index.md"), site=model.site,
                         search=False, facets=tuple(facets), rows=_rows(model, model.records.partners, cache))
    return index, pages


# --------------------------------------------------------------------------- dashboard


def _bar_columns(title: str, points: Sequence[tuple[str, float, str]], width: int = 560, height: int = 220) -> BarChart:
    """Columns over time: ``points`` are (label, value, display)."""
    top, bottom, left, right = 16, 28, 8, 8
    peak = max((v for _, v, _ in points), default=0) or 1
    slot = (width - left - right) / max(len(points), 1)
    bars = []
    for i, (name, value, display) in enumerate(points):
        h = (height - top - bottom) * value / peak
        bars.append(Bar(name, value, display, round(left + i * slot + slot * 0.15, 2), round(height - bottom - h, 2),
                        round(slot * 0.7, 2), round(h, 2)))
    summary = ", ".join(f"{name}: {display}" for name, _, display in points)
    return BarChart(title, "columns", width, height, tuple(bars), not any(v for _, v, _ in points), summary)


def _bar_rows(title: str, points: Sequence[tuple[str, float, str, str | None]], width: int = 560) -> BarChart:
    """Horizontal bars by source: ``points`` are (label, value, display, url)."""
    row, gap, label_width = 22, 6, 150
    height = max(len(points), 1) * (row + gap)
    peak = max((v for _, v, _, _ in points), default=0) or 1
    bars = []
    for i, (name, value, display, url) in enumerate(points):
        w = (width - label_width - 60) * value / peak
        bars.append(Bar(name, value, display, label_width, i * (row + gap), round(w, 2), row, url))
    summary = ", ".join(f"{name}: {display}" for name, _, display, _ in points)
    return BarChart(title, "rows", width, height, tuple(bars), not points, summary)


def chart_months(today: dt.date, months: int = 12) -> Period:
    """The months the dashboard charts cover: the last ``months`` calendar months, up to today."""
    first = Period.containing(today, "month")
    for _ in range(months - 1):
        first = first.previous()
    return Period.between(first.start, today)


def referral_charts(model: Model) -> tuple[BarChart, BarChart]:
    """Referrals received per month, and by source (partner category), over the last 12 months."""
    span = chart_months(model.today)
    months = monthly_referrals(model.records, span.start, span.end)
    per_month = _bar_columns(
        "Referrals received per month",
        [(MONTHS[m.month.start.month - 1] + (f" {m.month.start.year % 100:02d}" if m.month.start.month == 1 or i == 0 else ""),
          m.received, str(m.received)) for i, m in enumerate(months)],
    )
    by_category: dict[str, int] = {}
    for month in months:
        for count in month.by_category:
            by_category[count.name] = by_category.get(count.name, 0) + count.count
    ranked = sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))
    by_source = _bar_rows(
        f"Referrals by source since {fmt_date(span.start)}",
        [(label(c), n, str(n), list_url("category", c)) for c, n in ranked[:8]],
    )
    return per_month, by_source


DASHBOARD_ITEMS = 8  # per owner; the rest are on the owner's due page
DASHBOARD_OWED = 10
OWED_RULES = ("thanks", "update")


def due_url(owner: str | None) -> str:
    return f"due/{owner or 'unassigned'}.html"


def _owners(model: Model, items: Sequence[DueItem]) -> list[str | None]:
    """The team in the settings' order, then any other owner (unassigned last), if they have items."""
    order: list[str | None] = [m.id for m in model.settings.team]
    extra = sorted({i.owner for i in items if i.owner not in order}, key=lambda o: (o is None, o or ""))
    return [*order, *extra]


def due_pages(model: Model) -> list[DuePage]:
    soon = [i for i in model.items if i.status in SOON_STATUSES]
    pages = []
    for owner in _owners(model, soon):
        path = due_url(owner)[: -len(".html")] + ".md"
        name = model.owner_name(owner)
        pages.append(DuePage(path=path, title=f"Due: {name}", root=_root(path), site=model.site, search=False,
                             owner=owner, name=name, rows=tuple(model.due_row(i) for i in soon if i.owner == owner)))
    return pages


def dashboard_page(model: Model) -> DashboardPage:
    settings = model.settings
    soon = [i for i in model.items if i.status in SOON_STATUSES]
    owed = [i for i in soon if i.rule in OWED_RULES]
    owners: list[OwnerDue] = []
    for owner in _owners(model, soon):
        mine = [i for i in soon if i.owner == owner]
        rest = [i for i in mine if i.rule not in OWED_RULES]
        if owner not in settings.member_ids and not mine:
            continue
        owners.append(OwnerDue(
            owner=owner, name=model.owner_name(owner), url=model.owner_url(owner),
            items=tuple(model.due_row(i) for i in rest[:DASHBOARD_ITEMS]), more=max(0, len(rest) - DASHBOARD_ITEMS),
            due_url=due_url(owner), overdue=sum(1 for i in mine if i.status == "overdue"),
            owed=sum(1 for i in mine if i.rule in OWED_RULES),
        ))
    counts = (
        Figure("Overdue", str(sum(1 for i in soon if i.status == "overdue")), good=False),
        Figure("Due today", str(sum(1 for i in soon if i.status == "due"))),
        Figure(f"Due in {settings.due_soon_days} days", str(sum(1 for i in soon if i.status == "soon"))),
        Figure("Thanks owed", str(sum(1 for i in soon if i.rule == "thanks"))),
        Figure("Updates owed", str(sum(1 for i in soon if i.rule == "update"))),
    )
    per_month, by_source = referral_charts(model)
    headline, period = headline_figures(model)
    return DashboardPage(
        path="index.md", title="Dashboard", root="", site=model.site, search=False,
        counts=counts, owed=tuple(model.due_row(i) for i in owed[:DASHBOARD_OWED]),
        owed_more=max(0, len(owed) - DASHBOARD_OWED), owners=tuple(owners), headline=headline,
        headline_period=period, per_month=per_month, by_source=by_source,
    )


def compare(name: str, now: float | None, before: float | None, shown: str, shown_before: str, *,
            change: str | None = None, higher_is_better: bool | None = True, note: str | None = None) -> Figure:
    """A figure against the previous period's: the change, its direction and whether it is good news."""
    if now is None or before is None:
        return Figure(name, shown, shown_before, None, "flat", None, note)
    if now == before:
        return Figure(name, shown, shown_before, "no change", "flat", None, note)
    trend = "up" if now > before else "down"
    good = None if higher_is_better is None else (now > before) == higher_is_better
    return Figure(name, shown, shown_before, change or f"{now - before:+,.0f}", trend, good, note)


def period_figures(current: Figures, previous: Figures, currency: str) -> tuple[Figure, ...]:
    """The headline metrics of a period against the period before (definitions: docs/metrics.md)."""
    def days(value: float | None) -> str:
        return "–" if value is None else plural(round(value), "day")

    rate_change = None
    if current.conversion_rate is not None and previous.conversion_rate is not None:
        rate_change = f"{(current.conversion_rate - previous.conversion_rate) * 100:+.0f} pts"
    revenue_change = None
    if current.revenue != previous.revenue:
        sign = "+" if current.revenue > previous.revenue else "-"
        revenue_change = sign + fmt_money(abs(current.revenue - previous.revenue), currency)
    return (
        compare("Referrals received", current.received, previous.received, str(current.received), str(previous.received)),
        compare("Converted", current.conversions, previous.conversions, str(current.conversions),
                str(previous.conversions)),
        compare("Conversion rate", current.conversion_rate, previous.conversion_rate,
                fmt_pct(current.conversion_rate) or "–", fmt_pct(previous.conversion_rate) or "–", change=rate_change),
        compare("Revenue", float(current.revenue), float(previous.revenue),
                fmt_money(current.revenue, currency), fmt_money(previous.revenue, currency), change=revenue_change),
        compare("Active referrers", current.active_referrers, previous.active_referrers,
                str(current.active_referrers), str(previous.active_referrers)),
        compare("Days to thank", current.median_days_to_thank, previous.median_days_to_thank,
                days(current.median_days_to_thank), days(previous.median_days_to_thank),
                higher_is_better=False, note="median"),
    )


def headline_figures(model: Model) -> tuple[tuple[Figure, ...], str]:
    """The last full month against the month before."""
    month = Period.last_full("month", model.today)
    previous = month.previous()
    current_figures = figures(model.facts, month)
    previous_figures = figures(model.facts, previous)
    return (period_figures(current_figures, previous_figures, model.site.currency),
            f"{month.title} against {previous.title}")


# --------------------------------------------------------------------------- pipeline


PIPELINE_STAGES = ("prospect", "nurture", "active")


def _stage_since(partner: Partner, today: dt.date) -> dt.date | None:
    """The day the partner entered its current stage: its last stage line, else since."""
    lines = [e.date for e in partner.events if e.kind == "stage" and e.stage == partner.stage and e.date <= today]
    return max(lines) if lines else partner.since


def pipeline_page(model: Model) -> PipelinePage:
    columns = []
    today = model.today
    for stage in PIPELINE_STAGES:
        partners = [p for p in model.records.partners if p.stage == stage]
        cards = []
        for partner in partners:
            items = model.by_partner.get(partner.id, ())
            entered = _stage_since(partner, today)
            cards.append(PipelineCard(
                partner=model.link(partner.id),
                owner_name=model.owner_name(partner.owner),
                category=label(partner.category),
                since=entered,
                days_in_stage=(today - entered).days if entered else None,
                next=model.due_row(items[0]) if items else None,
            ))
        cards.sort(key=lambda c: (c.next.due_date if c.next else dt.date.max, c.partner.text.casefold(), c.partner.url))
        columns.append(PipelineColumn(stage, label(stage), list_url("stage", stage), vocab.STAGES[stage], tuple(cards)))
    funnel = pipeline_funnel(model)
    return PipelinePage(path="pipeline.md", title="Pipeline", root="", site=model.site, search=False,
                        columns=tuple(columns), funnel=funnel)


def pipeline_funnel(model: Model) -> tuple[Figure, ...]:
    """The prospect funnel over the last 12 months (refsite.metrics: each step reached in the period)."""
    today = model.today
    year = figures(model.facts, Period.between(today - dt.timedelta(days=364), today))
    shown = []
    for step in year.funnel:
        note = None if step.median_days is None else f"median {step.median_days:.0f} days from first contact"
        shown.append(Figure(label(step.step), str(step.count), note=note))
    return (Figure("Prospects now", str(sum(1 for p in model.records.partners if p.stage == "prospect")),
                   note="last 12 months below"), *shown)


# --------------------------------------------------------------------------- review


def _group_rows(model: Model, quarter: Period, key: str) -> tuple[GroupRow, ...]:
    groups: dict[str, list[PartnerFacts]] = {}
    for f in model.facts:
        groups.setdefault(f.category if key == "category" else f.owner, []).append(f)
    rows = []
    currency = model.site.currency
    for name, facts in groups.items():
        now = figures(facts, quarter)
        if key == "category":
            shown, url = label(name), list_url("category", name)
        else:
            known = name in model.settings.member_ids
            shown, url = model.owner_name(name if known else None), (list_url("owner", name) if known else None)
        rows.append((now.received, now.revenue, name, GroupRow(
            shown, url, now.received, now.conversions, fmt_pct(now.conversion_rate) or "–",
            fmt_money(now.revenue, currency), now.touches)))
    rows.sort(key=lambda r: (-r[0], -r[1], r[2]))
    return tuple(r[3] for r in rows if r[3].received or r[3].touches)


def review_page(model: Model) -> ReviewPage:
    """The quarterly review of the last full quarter (refsite.metrics.review)."""
    quarter = Period.last_full("quarter", model.today)
    result = review(model.records, model.settings, quarter, model.today)
    currency = model.site.currency
    total = result.total
    top = result.ranking[:10]
    rankings = (
        Ranking("Ranking", "score", tuple(RankRow(r.rank, model.link(r.partner_id), f"{r.score:.0f}") for r in top)),
        Ranking("Rising", "change", tuple(RankRow(i, model.link(c.partner_id), f"{c.previous} → {c.current}")
                                          for i, c in enumerate(result.rising[:10], 1))),
        Ranking("Falling", "change", tuple(RankRow(i, model.link(c.partner_id), f"{c.previous} → {c.current}")
                                           for i, c in enumerate(result.falling[:10], 1))),
    )
    focus = tuple(
        FocusRow(model.link(item.partner_id), "; ".join(item.reasons), item.owner_name) for item in result.focus
    )
    return ReviewPage(
        path="review.md", title="Quarterly review", root="", site=model.site, search=False,
        period=quarter.title, previous=result.previous.title,
        figures=period_figures(total.current, total.previous, currency),
        rankings=rankings, ranked=tuple(_ranked_row(model, r) for r in result.ranking),
        focus=focus, by_category=_group_rows(model, quarter, "category"), by_owner=_group_rows(model, quarter, "owner"),
    )


def _ranked_row(model: Model, r: Any) -> RankedRow:
    return RankedRow(
        rank=r.rank, partner=model.link(r.partner_id), category=label(r.category), owner_name=model.owner_name(r.owner)
        if r.owner in model.settings.member_ids else "Unassigned", received=r.received, conversions=r.conversions,
        rate=fmt_pct(r.conversion_rate) or "–", revenue=fmt_money(r.revenue, model.site.currency),
        last_referral=r.last_referral, score=f"{r.score:.0f}",
    )


# --------------------------------------------------------------------------- downloads


def _cell(value: object) -> object:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def partners_csv(model: Model) -> str:
    rows = []
    for partner in model.records.partners:
        row = partner_row(model, partner)
        rows.append((partner.id, partner.name, partner.organisation, partner.category, partner.stage, partner.tier,
                     partner.owner, partner.location, ";".join(partner.tags), row.last_contact, row.referrals_year,
                     row.next.rule if row.next else None, row.next.due_date if row.next else None))
    return _csv(("id", "name", "organisation", "category", "stage", "tier", "owner", "location", "tags",
                 "last_contact", "referrals_12_months", "next_rule", "next_due"), rows)


def due_csv(model: Model) -> str:
    return _csv(
        ("partner_id", "partner_name", "owner", "rule", "status", "due_date", "days_overdue", "reason", "action", "ref"),
        ((i.partner_id, i.partner_name, i.owner, i.rule, i.status, i.due_date, i.days_overdue, i.reason, i.action, i.ref)
         for i in model.items),
    )


def _ics_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")


def _ics_fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75  # continuation lines start with a space: 74 octets of content
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a UTF-8 continuation byte
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74
    return "\r\n ".join(parts)


def due_ics(model: Model, owner: str | None = None, name: str = "Referral contacts") -> str:
    """An iCalendar feed of due contacts (all owners, or one): all-day events, stable UIDs, no clock."""
    stamp = f"{model.today:%Y%m%d}T000000Z"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//refsite//due contacts//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_ics_text(name)}"]
    for item in model.items:
        if owner is not None and item.owner != owner:
            continue
        day = max(item.due_date, model.today)
        uid = f"{item.rule}-{item.partner_id}" + (f"-{item.ref}" if item.ref else "")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_ics_text(uid)}@refsite",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_ics_text(f'{item.partner_name}: {item.action}')}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_ics_fold(line) + "\r\n" for line in lines)


def downloads(model: Model) -> dict[str, str]:
    files = {
        "downloads/partners.csv": partners_csv(model),
        "downloads/due.csv": due_csv(model),
        "downloads/due.ics": due_ics(model),
    }
    for member in model.settings.team:
        files[f"downloads/due-{member.id}.ics"] = due_ics(model, member.id, f"Referral contacts: {member.name}")
    return files


def downloads_page(model: Model, files: Mapping[str, str]) -> DownloadsPage:
    described = []
    names = {m.id: m.name for m in model.settings.team}
    for path in sorted(files, key=lambda p: (not p.endswith(".csv"), p != "downloads/due.ics", p)):
        content = files[path]
        base = path.rsplit("/", 1)[1]
        if base == "partners.csv":
            title, text = "Partners (CSV)", "Every partner with category, stage, owner, last contact and next due item."
        elif base == "due.csv":
            title, text = "Due items (CSV)", "Every open item for every partner: rule, status, due date, reason and action."
        elif base == "due.ics":
            title, text = "Calendar: everyone (.ics)", "All due contacts as all-day events, to import into a calendar."
        else:
            member = base[len("due-"):-len(".ics")]
            title = f"Calendar: {names.get(member, member)} (.ics)"
            text = f"The due contacts of {names.get(member, member)}."
        described.append(Download(title, path, text, len(content.encode("utf-8"))))
    return DownloadsPage(path="downloads.md", title="Downloads", root="", site=model.site, search=False,
                         files=tuple(described))


# --------------------------------------------------------------------------- all pages


def page_contexts(model: Model, files: Mapping[str, str]) -> list[PageContext]:
    index, lists = list_pages(model)
    pages: list[PageContext] = [dashboard_page(model), *due_pages(model), index, *lists, pipeline_page(model),
                                review_page(model), downloads_page(model, files)]
    pages += [partner_page(model, p) for p in model.records.partners]
    return pages


def render_pages(
    records: Records, settings: Settings, today: dt.date, templates_dir: Path | None = None
) -> dict[str, str]:
    """Every page and download of the site, as ``{relative path: text}``. Writes nothing.

    ``templates_dir`` is the records repository's own ``site_templates/`` (overrides, file by
    file). Raises :class:`RenderError` (with file and line) when a template fails.
    """
    model = build_model(records, settings, today)
    files = downloads(model)
    renderer = Renderer(templates_dir)
    pages: dict[str, str] = {}
    for context in page_contexts(model, files):
        text = renderer.render(context)
        if text is not None:
            pages[context.path] = text
    if renderer.problems:
        raise RenderError(renderer.problems)
    pages.update(files)
    return dict(sorted(pages.items()))
