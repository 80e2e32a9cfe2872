"""Each page's context from the computed model, and ``render_pages``: every page and download.

One builder per page template (``dashboard_page``, ``due_pages``, ``partner_page``,
``list_pages``, ``pipeline_page``, ``review_page``, ``downloads_page``); ``page_contexts``
lists them all in order and ``render_pages`` renders them. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from refsite import vocab
from refsite.due import DueItem, value_ideas_not_given
from refsite.fit import fit_score
from refsite.metrics import PartnerFacts, Period, figures, review
from refsite.model import Partner, Records
from refsite.privacy import without_marker
from refsite.problems import Problem, Severity
from refsite.render.charts import referral_charts, sparkline
from refsite.render.computed import Model, build_model, list_url, partner_row
from refsite.render.contexts import (
    ContactRow,
    DashboardPage,
    DataWarning,
    Download,
    DownloadsPage,
    DuePage,
    Facet,
    FacetValue,
    Figure,
    FocusRow,
    GroupRow,
    IdeaRow,
    Link,
    ListPage,
    OwnerDue,
    PageContext,
    PartnerPage,
    PartnerRow,
    PartnersPage,
    PartnersRows,
    PipelineCard,
    PipelineColumn,
    PipelinePage,
    RankedRow,
    Ranking,
    RankRow,
    ReviewPage,
    State,
    TimelineRow,
    Totals,
)
from refsite.render.downloads import download_files
from refsite.render.figures import (
    compliance_figures,
    glance_figures,
    headline_figures,
    partner_figures,
    period_figures,
    pipeline_funnel,
    system_figures,
    usual_gap,
)
from refsite.render.formatting import fmt_money, fmt_pct, label, plural, safe_url
from refsite.render.templates import Renderer, RenderError
from refsite.settings import Settings
from refsite.words import short_date

SOON_STATUSES = ("overdue", "due", "soon")


def _root(path: str) -> str:
    return "../" * path.count("/")


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
            text=without_marker(event.text) if event.text else event.text,
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
            notes=without_marker(contact.notes) if contact.notes else contact.notes,
            last_seen=max(seen) if seen else None,
        ))
    return tuple(rows)


PROSPECT_STEPS = {"value": (1, "engaging"), "ask-meeting": (2, "asking for a meeting"),
                  "introduction": (3, "asking for an introduction")}


def partner_states(model: Model, partner: Partner, items: Sequence[DueItem]) -> tuple[State, ...]:
    """The chips in a partner's header, from the record and the due engine's structured items."""
    states = []
    if partner.stage == "former":
        states.append(State("former", "Former partner"))
    if partner.snooze_until is not None and partner.snooze_until > model.today:
        states.append(State("snoozed", f"Snoozed until {short_date(partner.snooze_until, model.today)}",
                            "Nothing is due for them before then."))
    risk = next((i for i in items if i.rule == "at-risk"), None)
    if risk is not None:
        states.append(State("at-risk", "At risk", risk.reason))
    if partner.stage == "prospect":
        step = next((PROSPECT_STEPS[(i.step or "") if i.rule == "prospect" else i.rule] for i in items
                     if (i.rule == "prospect" and i.step in PROSPECT_STEPS) or i.rule == "introduction"), None)
        if step is not None:
            states.append(State("prospect", f"Prospect · step {step[0]} of 3: {step[1]}"))
    return tuple(states)


def partner_page(model: Model, partner: Partner) -> PartnerPage:
    path = f"partners/{partner.id}.md"
    items = model.by_partner.get(partner.id, ())
    rows = tuple(model.due_row(i) for i in items)
    ideas_left = value_ideas_not_given(partner, model.today)
    received = sorted(r.received for f in model.facts_of([partner.id]) for r in f.received if r.received <= model.today)
    usual = (figures(model.facts_of([partner.id]), Period.between(received[0], model.today)).repeat_days
             if received else None)
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
        ideas=tuple(IdeaRow(without_marker(i), i not in ideas_left) for i in partner.value_ideas),
        notes=without_marker(partner.notes or ""),
        introduced_by=model.link(partner.introduced_by) if partner.introduced_by and model.records.get(
            partner.introduced_by) else None,
        introduced=tuple(model.link(p) for p in model.introduced.get(partner.id, ())),
        source=f"{partner.id}.md",
        states=partner_states(model, partner, items),
        trend=sparkline(model, partner.id) if received else None,
        rhythm=usual_gap(usual, (model.today - received[-1]).days if received else None),
        referral_ids=tuple(r.id for r in sorted((r for r in partner.referrals if r.direction == "in"),
                                                key=lambda r: (r.received, r.id), reverse=True)),
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


class RowsMemo:
    """Each partner's list row (:func:`refsite.render.computed.partner_row`) kept between runs (``refsite serve``).

    A row is offered again while what it is made from is the same: the very same ``Partner`` object,
    an equal next item and the very same partners it names as introducers (their names, the item's
    message), with the same settings, day and templates. Each run keeps only its own rows.
    """

    def __init__(self) -> None:
        self._kept: dict[str, tuple[tuple[Any, ...], PartnerRow]] = {}
        self._given: tuple[Any, ...] = ()
        self._last: tuple[Model, dict[str, PartnerRow]] | None = None  # the last run's model and rows, kept at the next

    def rows(self, model: Model) -> dict[str, PartnerRow]:
        """The rows still good for ``model``, by partner id: a dict that :func:`list_pages` fills in, and this
        memo keeps (it is read at the next run)."""
        if self._last is not None:
            last, made = self._last
            self._kept = {p.id: (_row_from(last, p), made[p.id]) for p in last.records.partners if p.id in made}
        given = (model.settings, model.today, model.templates)
        if len(given) != len(self._given) or any(a is not b and a != b for a, b in zip(given, self._given)):
            self._kept, self._given = {}, given
        rows = {}
        for partner in model.records.partners:
            kept = self._kept.get(partner.id)
            if kept is not None and _same(kept[0], _row_from(model, partner)):
                rows[partner.id] = kept[1]
        self._last, self._kept = (model, rows), {}
        return rows


def _row_from(model: Model, partner: Partner) -> tuple[Any, ...]:
    items = model.by_partner.get(partner.id, ())
    item = items[0] if items else None
    return (partner, item, tuple(model.records.get(i) for i in item.introducers) if item else ())


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return a[0] is b[0] and a[1] == b[1] and len(a[2]) == len(b[2]) and all(x is y for x, y in zip(a[2], b[2]))


def _rows(model: Model, partners: Iterable[Partner], cache: dict[str, PartnerRow] | None = None) -> tuple[PartnerRow, ...]:
    cache = {} if cache is None else cache
    rows = []
    for partner in sorted(partners, key=lambda p: (p.name.casefold(), p.id)):
        if partner.id not in cache:
            cache[partner.id] = partner_row(model, partner)
        rows.append(cache[partner.id])
    return tuple(rows)


# The partners list is built with its first LIST_PAGE rows; every row is also in a script beside it, ROWS_FILE
# (the table script loads it when first needed, and when the browser is idle after the page opened), and every
# partner is on the list of its category, owner and stage, which are built whole. ROWS_FILE ends in '.js':
# no page (.md) and no partner (partners/ID.md) can take its name.
LIST_PAGE = 200
ROWS_FILE = "lists/partners-rows.js"
LIST_DAYS = 364  # a partners list's 'Referrals, 12 months': the 365 days up to today (refsite.render.computed.partner_row)


def _totals(label_: str, partners: int, now: Any, currency: str) -> Totals:
    return Totals(label_, partners, now.received, now.conversions, fmt_pct(now.conversion_rate) or "–",
                  fmt_money(now.revenue, currency), now.touches)


def partner_totals(model: Model, partners: Sequence[Partner]) -> Totals:
    """The totals row under a partners table: refsite.metrics.figures over the partners listed, the last 365 days."""
    window = Period.between(model.today - dt.timedelta(days=LIST_DAYS), model.today)
    shown = f"All {plural(len(partners), 'partner')}" if len(partners) > 1 else plural(len(partners), "partner")
    return _totals(shown, len(partners), _figures(model, model.facts_of(p.id for p in partners), window),
                   model.site.currency)


def _figures(model: Model, facts: Sequence[PartnerFacts], period: Period) -> Any:
    """refsite.metrics.figures, kept by the model's memo (the preview's) while the group's facts are the same."""
    return figures(facts, period) if model.memo is None else model.memo.group(facts, period, figures)


def list_pages(model: Model, memo: RowsMemo | None = None) -> tuple[PartnersPage, list[ListPage]]:
    """``memo``: the rows an earlier run made (``refsite serve``): the same pages, sooner."""
    groups = _facet_groups(model)
    facets = []
    pages = []
    cache: dict[str, PartnerRow] = {} if memo is None else memo.rows(model)
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
                totals=partner_totals(model, list(members.values())),
            ))
        facets.append(Facet(facet, title, tuple(values)))
    rows = _rows(model, model.records.partners, cache)
    index = PartnersPage(path="lists/index.md", title="Partners", root=_root("lists/index.md"), site=model.site,
                         search=False, facets=tuple(facets), rows=rows,
                         totals=partner_totals(model, model.records.partners), first_rows=LIST_PAGE,
                         rows_file=ROWS_FILE if len(rows) > LIST_PAGE else None)
    return index, pages


def partners_rows(index: PartnersPage) -> PartnersRows | None:
    """The partners list's rows file (every row, as data), or None when the list is built whole."""
    if index.rows_file is None:
        return None
    return PartnersRows(path=index.rows_file, title=index.title, root=index.root, site=index.site, search=False,
                        rows=index.rows)


# --------------------------------------------------------------------------- due pages and dashboard


DASHBOARD_ITEMS = 3  # per owner; the rest are on the owner's due page
LEADERBOARD = 5
OWED_RULES = ("thanks", "update")
NOTICES = ("gift-cap", "single-contact")  # things to know, not contacts to make


def due_url(owner: str | None) -> str:
    return f"due/{owner or 'unassigned'}.html"


def _owners(model: Model, items: Sequence[DueItem]) -> list[str | None]:
    """The team in the settings' order, then any other owner (unassigned last), if they have items."""
    order: list[str | None] = [m.id for m in model.settings.team]
    extra = sorted({i.owner for i in items if i.owner not in order}, key=lambda o: (o is None, o or ""))
    return [*order, *extra]


def _contacts_due(model: Model) -> list[DueItem]:
    """Items overdue, due today or due soon, notices left out: the contacts to make."""
    return [i for i in model.items if i.status in SOON_STATUSES and i.rule not in NOTICES]


def due_pages(model: Model) -> list[DuePage]:
    soon = _contacts_due(model)
    pages = []
    for owner in _owners(model, soon):
        path = due_url(owner)[: -len(".html")] + ".md"
        name = model.owner_name(owner)
        pages.append(DuePage(path=path, title=f"Due: {name}", root=_root(path), site=model.site, search=False,
                             owner=owner, name=name, rows=tuple(model.due_row(i) for i in soon if i.owner == owner)))
    return pages


DASHBOARD_WARNINGS = 10  # data warnings listed on the dashboard; the count says how many there are in all

# The validator's warnings in the dashboard's words, by check id (refsite.problems.CHECK_IDS): no file,
# line or field name, and never the text a check quoted (a privacy warning quotes what looked like a patient).
WARNING_WORDS = {
    "duplicates": "has the same name as another partner: one partner written twice?",
    "contacts": "a log line names someone who is not among their contacts",
    "stage": "the stage in the record and the last stage change in its log disagree",
    "front-matter": "the record has an entry refsite does not know, and leaves it out",
    "field": "a detail of the record is written in a form refsite does not read",
    "vocabulary": "a word in the record is not one refsite knows",
    "log": "a line of the record's log needs a look",
    "referrals": "a referral in the record's log needs a look",
    "team": "someone named in the record is not on the team",
    "network": "who introduced them is not clear from the record",
    "privacy": "some text in the record may identify a patient: check it, and take it out if so",
    "dates": "the record has a date after today, left out of today's figures",
    "settings": "the settings file has something refsite does not use",
    "files": "a file in the records folder is not read",
}
WARNING_OTHER = "something in the record needs a look"
WARNING_OTHER_FILE = "something in the records folder needs a look"


def data_warnings(model: Model, problems: Sequence[Problem]) -> tuple[DataWarning, ...]:
    """The records' warnings as the dashboard says them: the partner, plain words; every kind before repeats."""
    by_path = {p.source.path: p for p in model.records.partners}
    found: list[tuple[str, str, str, DataWarning]] = []
    for problem in problems:
        if problem.severity is not Severity.WARNING:
            continue
        partner = by_path.get(problem.source.path)
        if partner is not None:
            words = WARNING_WORDS.get(problem.check, WARNING_OTHER)
        elif problem.check in ("settings", "files"):
            words = WARNING_WORDS[problem.check]
        else:
            words = WARNING_OTHER_FILE
        name = partner.name if partner else ""
        found.append((problem.check, name.casefold(), partner.id if partner else "",
                      DataWarning(model.link(partner.id) if partner else None, words)))
    found.sort(key=lambda f: f[:3])
    # Each kind once before any kind twice: ten lines of one kind would hide the others.
    seen: dict[str, int] = {}
    ranked = []
    for check, name, pid, warning_ in found:
        seen[check] = seen.get(check, 0) + 1
        ranked.append((seen[check], check, name, pid, warning_))
    ranked.sort(key=lambda r: r[:4])
    return tuple(r[4] for r in ranked)


def dashboard_page(model: Model, problems: Sequence[Problem] = ()) -> DashboardPage:
    settings = model.settings
    soon = _contacts_due(model)
    owners: list[OwnerDue] = []
    for owner in _owners(model, soon):
        mine = [i for i in soon if i.owner == owner]
        if owner not in settings.member_ids and not mine:
            continue
        owners.append(OwnerDue(
            owner=owner, name=model.owner_name(owner), url=model.owner_url(owner),
            items=tuple(model.due_row(i) for i in mine[:DASHBOARD_ITEMS]), more=max(0, len(mine) - DASHBOARD_ITEMS),
            due_url=due_url(owner), overdue=sum(1 for i in mine if i.status == "overdue"),
            today=sum(1 for i in mine if i.status == "due"), soon=sum(1 for i in mine if i.status == "soon"),
        ))
    counts = (
        Figure("Overdue", str(sum(1 for i in soon if i.status == "overdue")), good=False),
        Figure("Due today", str(sum(1 for i in soon if i.status == "due"))),
        Figure(f"Due in {settings.due_soon_days} days", str(sum(1 for i in soon if i.status == "soon"))),
        Figure("Thanks owed", str(sum(1 for i in soon if i.rule == "thanks"))),
        Figure("Updates owed", str(sum(1 for i in soon if i.rule == "update"))),
    )
    notices = tuple(model.due_row(i) for i in model.items if i.rule in NOTICES and i.status in SOON_STATUSES)
    per_month, by_source = referral_charts(model)
    headline, period = headline_figures(model)
    warnings = data_warnings(model, problems)
    return DashboardPage(
        path="index.md", title="Dashboard", root="", site=model.site, search=False,
        glance=glance_figures(model), top_referrers=_top_referrers(model), below_usual=_below_usual(model),
        counts=counts, owners=tuple(owners), notices=notices, warnings=warnings[:DASHBOARD_WARNINGS],
        warnings_total=len(warnings), headline=headline, headline_period=period,
        compliance=compliance_figures(model), per_month=per_month, by_source=by_source,
    )


def _top_referrers(model: Model) -> tuple[RankRow, ...]:
    """The quarter under way: the partners who referred the most, most first (ties by name)."""
    quarter = Period.containing(model.today, "quarter")
    so_far = Period.between(quarter.start, model.today)
    counts = []
    for f in model.facts:
        n = sum(1 for r in f.received if r.received in so_far)
        if n:
            partner = model.records.get(f.id)
            counts.append((-n, partner.name.casefold() if partner else f.id, f.id, n))
    counts.sort()
    return tuple(RankRow(rank, model.link(pid), plural(n, "referral"))
                 for rank, (_, _, pid, n) in enumerate(counts[:LEADERBOARD], 1))


def _below_usual(model: Model) -> tuple[RankRow, ...]:
    """Partners referring less than usual (the due engine's at-risk items): how often they used to, and since when."""
    rows = []
    for item in model.items:
        if item.rule != "at-risk":
            continue
        facts = model.facts_of([item.partner_id])
        received = sorted(r.received for f in facts for r in f.received)
        usual = figures(facts, Period.between(received[0], model.today)).repeat_days if received else None
        since = (model.today - received[-1]).days if received else None
        text = usual_gap(usual, since)
        rows.append((-item.days_overdue, item.partner_name.casefold(), item.partner_id, text))
    rows.sort()
    return tuple(RankRow(rank, model.link(pid), text) for rank, (_, _, pid, text) in enumerate(rows[:LEADERBOARD], 1))


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
                fit=fit_score(partner.fit) if partner.fit is not None else None,
            ))
        # Prospects by fit, highest first, those without a fit: block after them (docs/records.md); then by due date.
        cards.sort(key=lambda c: (-(c.fit if stage == "prospect" and c.fit is not None else -1),
                                  c.next.due_date if c.next else dt.date.max, c.partner.text.casefold(), c.partner.url))
        columns.append(PipelineColumn(stage, label(stage), list_url("stage", stage), vocab.STAGES[stage], tuple(cards)))
    funnel = pipeline_funnel(model)
    return PipelinePage(path="pipeline.md", title="Pipeline", root="", site=model.site, search=False,
                        columns=tuple(columns), funnel=funnel)


# --------------------------------------------------------------------------- review


def _group_rows(model: Model, quarter: Period, key: str) -> tuple[GroupRow, ...]:
    groups: dict[str, list[PartnerFacts]] = {}
    for f in model.facts:
        groups.setdefault(f.category if key == "category" else f.owner, []).append(f)
    rows = []
    currency = model.site.currency
    for name, facts in groups.items():
        now = _figures(model, facts, quarter)
        url: str | None
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
    result = review(model.records, model.settings, quarter, model.today, model.memo)
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
        compliance=system_figures(total.current, total.previous),
        rankings=rankings, ranked=tuple(_ranked_row(model, r) for r in result.ranking),
        focus=focus, by_category=_group_rows(model, quarter, "category"), by_owner=_group_rows(model, quarter, "owner"),
        ranked_total=_totals(f"All {plural(len(result.ranking), 'ranked partner')}" if len(result.ranking) > 1 else
                             plural(len(result.ranking), "ranked partner"), len(result.ranking),
                             figures(model.facts_of(r.partner_id for r in result.ranking), quarter), currency),
        groups_total=_totals(f"All {plural(len(model.facts), 'partner')}", len(model.facts), total.current, currency),
    )


def _ranked_row(model: Model, r: Any) -> RankedRow:
    return RankedRow(
        rank=r.rank, partner=model.link(r.partner_id), category=label(r.category), owner_name=model.owner_name(r.owner)
        if r.owner in model.settings.member_ids else "Unassigned", received=r.received, conversions=r.conversions,
        rate=fmt_pct(r.conversion_rate) or "–", revenue=fmt_money(r.revenue, model.site.currency),
        last_referral=r.last_referral, score=f"{r.score:.0f}",
    )


# --------------------------------------------------------------------------- downloads


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


def summary_contexts(model: Model, files: Mapping[str, str], problems: Sequence[Problem] = (),
                     rows: RowsMemo | None = None) -> list[PageContext]:
    """The contexts of every page but the partners', in the site's order.

    ``problems``: the records' problems (their warnings become the dashboard's notices). The
    incremental preview (``refsite.site.incremental``) renders these on every change, and a
    partner's page only when what it shows changed; ``rows`` keeps the partners' list rows between them.
    """
    return list(_summary_stream(model, problems, downloads_page(model, files), rows))


def _summary_stream(model: Model, problems: Sequence[Problem], downloads: DownloadsPage,
                    rows: RowsMemo | None = None) -> Iterator[PageContext]:
    """:func:`summary_contexts` one by one, each made when its turn comes (a build renders it and lets it go)."""
    yield dashboard_page(model, problems)
    yield from due_pages(model)
    index, lists = list_pages(model, rows)
    yield index
    rows_file = partners_rows(index)
    if rows_file is not None:
        yield rows_file
    yield from lists
    del index, lists, rows_file
    yield pipeline_page(model)
    yield review_page(model)
    yield downloads


def page_contexts(model: Model, files: Mapping[str, str], problems: Sequence[Problem] = ()) -> list[PageContext]:
    """Every page's context: the summary pages', then each partner's."""
    return [*summary_contexts(model, files, problems), *(partner_page(model, p) for p in model.records.partners)]


def iter_pages(
    records: Records, settings: Settings, today: dt.date, templates_dir: Path | None = None,
    problems: Sequence[Problem] = (),
) -> Iterator[tuple[str, str]]:
    """Every page and download of the site as a stream: each ``(relative path, text)`` once rendered, downloads first.

    So that a build can write each page and let it go (memory stays flat). ``templates_dir`` is
    the records repository's own ``site_templates/`` (overrides, file by file). ``problems`` are
    the records' problems as validated (the build stops on errors first): their warnings show on
    the dashboard, in plain words. Raises :class:`RenderError` (with file and line) at the end,
    after the last page, when a template failed: a caller must not publish what it received.
    """
    model = build_model(records, settings, today, templates_dir)
    files = download_files(model)
    downloads = downloads_page(model, files)  # now, so that the downloads' texts go once written
    yield from files.items()
    del files
    renderer = Renderer(templates_dir)
    # page_contexts' pages in its order, but each context made only when its turn comes, and let go with its
    # page (all of them at once, with the partners' timelines, are most of a build's memory).
    contexts = itertools.chain(_summary_stream(model, problems, downloads),
                               (partner_page(model, p) for p in model.records.partners))
    for context in contexts:
        text = renderer.render(context)
        if text is not None:
            yield context.path, text
    if renderer.problems:
        raise RenderError(renderer.problems)


def render_pages(
    records: Records, settings: Settings, today: dt.date, templates_dir: Path | None = None,
    problems: Sequence[Problem] = (),
) -> dict[str, str]:
    """Every page and download of the site, as ``{relative path: text}`` sorted by path (:func:`iter_pages`)."""
    return dict(sorted(iter_pages(records, settings, today, templates_dir, problems)))
