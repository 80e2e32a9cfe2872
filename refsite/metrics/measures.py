"""The metrics of a group of partners over a period, and the report that groups them.

Every definition is in docs/metrics.md; the function that computes a figure
names it there. Ratios and medians are ``None`` when undefined (nothing to
divide, no value to take the middle of); output shows them as "n/a".
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

from refsite import words
from refsite.metrics.facts import FactsMemo, PartnerFacts, ReferralFacts, partner_facts, records_start
from refsite.metrics.period import Period, months_between
from refsite.model import Records
from refsite.settings import Settings

BY = ("practice", "partner", "category", "owner", "organisation")
TRAILING_DAYS = 365  # the window of a trailing average
TREND_SHARE = 0.25  # rising/falling: at least this share of the trailing average away from it ...
TREND_MIN = 1.0  # ... and at least this many referrals away
CENT = Decimal("0.01")

FUNNEL_STEPS = ("new prospects", "engaged", "met in person", "first referral", "became active", "dropped")


@dataclass(frozen=True)
class Count:
    """A name (a service line, a log kind, a category) and how many."""

    name: str
    count: int


@dataclass(frozen=True)
class FunnelStep:
    """How many prospects reached a step in the period, and the median days from becoming a prospect."""

    step: str
    count: int
    median_days: float | None


@dataclass(frozen=True)
class Figures:
    """Every metric of one group of partners over one period (see docs/metrics.md)."""

    period: Period
    partners: int
    received: int
    sent: int
    reciprocity: float | None
    conversions: int
    declined: int
    open: int
    conversion_rate: float | None
    median_days_to_convert: float | None
    revenue: Decimal
    valued: int
    average_value: Decimal | None
    services: tuple[Count, ...]
    satisfaction: float | None
    rated: int
    repeat_days: float | None
    intervals: int
    active_referrers: int
    median_days_to_thank: float | None
    thanked: int
    unthanked: int
    touches: int
    touches_by_kind: tuple[Count, ...]
    gifts: Decimal
    top1_share: float | None
    top5_share: float | None
    concentration: float | None
    effective_sources: float | None
    categories_referring: int
    category_concentration: float | None
    effective_categories: float | None
    trailing_average: float | None
    trend: str
    funnel: tuple[FunnelStep, ...]
    # Whether the system is followed (docs/metrics.md, "Is the system followed?")
    thanked_on_time: int = 0
    thanks_counted: int = 0
    thanked_on_time_rate: float | None = None
    updates_on_time: int = 0
    updates_counted: int = 0
    updates_on_time_rate: float | None = None
    cadence_kept: int = 0
    cadence_partners: int = 0
    cadence_kept_rate: float | None = None
    met_quarterly: int = 0
    key_partners: int = 0
    met_quarterly_rate: float | None = None
    gifts_to_revenue: float | None = None
    booked: int = 0
    median_days_to_book: float | None = None

    def funnel_step(self, step: str) -> FunnelStep:
        return next(s for s in self.funnel if s.step == step)


@dataclass(frozen=True)
class Group:
    """One row of a report: a partner, a category, an owner or the whole practice, in both periods."""

    key: str
    label: str
    partner_ids: tuple[str, ...]
    current: Figures
    previous: Figures


@dataclass(frozen=True)
class MemberTouches:
    """Touches by one team member (the line's @author, else the partner's owner)."""

    member: str
    name: str
    total: int
    previous_total: int
    by_kind: tuple[Count, ...]


@dataclass(frozen=True)
class GiftLine:
    """Gifts and hospitality for one partner: the period, and its calendar year to date against the cap.

    ``year_spend`` counts from 1 January of ``year`` to ``year_to``: today when the period ends in
    this year (as `refsite due` counts the cap), else 31 December of that year.
    """

    partner_id: str
    name: str
    period_spend: Decimal
    year: int
    year_spend: Decimal
    cap: Decimal | None
    share_of_cap: float | None
    year_to: dt.date
    period_revenue: Decimal = Decimal(0)  # the revenue of the partner's referrals received in the period
    share_of_revenue: float | None = None  # period_spend / period_revenue; None without revenue

    @property
    def over_cap(self) -> bool:
        return self.cap is not None and self.year_spend > self.cap


@dataclass(frozen=True)
class Report:
    """The metrics for a period against the period before, grouped ``by`` partner, category, owner or practice."""

    practice: str
    currency: str
    period: Period
    previous: Period
    today: dt.date
    by: str
    records_begin: dt.date | None  # the first log line of any partner: nothing is known before it
    total: Group
    groups: tuple[Group, ...]
    touches: tuple[MemberTouches, ...]
    gifts: tuple[GiftLine, ...]
    at_risk: tuple[AtRisk, ...] = ()  # partners the due engine finds at risk today (the CLI fills it: with_at_risk)


@dataclass(frozen=True)
class AtRisk:
    """A partner at risk today (the due engine's 'at-risk' item), listed in the report and the review."""

    partner_id: str
    name: str
    owner: str | None
    due_date: dt.date
    reason: str


@dataclass(frozen=True)
class MonthlyReferrals:
    """Referrals in one calendar month, for charts."""

    month: Period
    received: int
    sent: int
    by_category: tuple[Count, ...]


# --------------------------------------------------------------------------- small helpers


money = words.money  # one money policy (refsite.words)


def median(values: Sequence[int] | Sequence[float]) -> float | None:
    """The median, or None for no values."""
    return float(statistics.median(values)) if values else None


def ratio(part: float | Decimal, whole: float | Decimal) -> float | None:
    """part / whole, or None when whole is 0 (shown as n/a, never as 0 %)."""
    return None if not whole else float(part) / float(whole)


def counts(names: Iterable[str]) -> tuple[Count, ...]:
    """Counts by name, most first, ties by name."""
    tally: dict[str, int] = {}
    for name in names:
        tally[name] = tally.get(name, 0) + 1
    return tuple(Count(n, c) for n, c in sorted(tally.items(), key=lambda item: (-item[1], item[0])))


def _herfindahl(amounts: Sequence[int]) -> float | None:
    total = sum(amounts)
    return sum((a / total) ** 2 for a in amounts) if total else None


def all_facts(records: Records, settings: Settings, today: dt.date,
              memo: FactsMemo | None = None) -> tuple[PartnerFacts, ...]:
    """Every partner's facts as of ``today``, in partner-id order (``memo``: reuse those of unchanged partners)."""
    begin = records_start(records.partners, today) if memo is None else memo.records_start(records.partners, today)
    make = memo.facts if memo is not None else partner_facts
    return tuple(make(p, settings, today, begin) for p in records.partners)


# --------------------------------------------------------------------------- figures


NO_HISTORY = "no history"  # the trend when the records do not go back far enough to compare


def trend(current: int, average: float | None, clipped: bool = False) -> str:
    """rising, steady or falling against a trailing average; 'n/a' with nothing to compare.

    Without a full period of history: 'new' when the group itself began recently, 'no history'
    when the records begin too recently (``clipped``: the group's history begins with them).
    """
    if average is None:
        if not current:
            return "n/a"
        return NO_HISTORY if clipped else "new"
    if current == 0 and average == 0:
        return "n/a"
    margin = max(TREND_MIN, TREND_SHARE * average)
    if current - average >= margin:
        return "rising"
    if average - current >= margin:
        return "falling"
    return "steady"


def trailing_average(facts: Sequence[PartnerFacts], period: Period) -> float | None:
    """Referrals received per period-length over the 365 days before the period (only since the group began)."""
    firsts = [f.first_seen for f in facts if f.first_seen is not None]
    if not firsts:
        return None
    end = period.start - dt.timedelta(days=1)
    start = max(period.start - dt.timedelta(days=TRAILING_DAYS), min(firsts))
    days = (end - start).days + 1
    if days < period.days:
        return None
    count = 0
    for f in facts:
        dates = _received_dates(f)
        count += bisect.bisect_right(dates, end) - bisect.bisect_left(dates, start)
    return count * period.days / days


def _funnel_part(f: PartnerFacts, period: Period) -> tuple[tuple[str, int], ...]:
    """The funnel steps one prospect reached in the period, with the days from becoming a prospect."""
    began = f.prospect_start
    if began is None or began > period.end:
        return ()
    reached: dict[str, dt.date | None] = {
        "new prospects": began,
        "engaged": min((d for d, _ in f.engaged if d >= began), default=None),
        "met in person": min((d for d in f.in_person if d >= began), default=None),
        "first referral": min((r.received for r in f.received if r.received >= began), default=None),
    }
    active = min((d for d, s in f.stages if d >= began and s in ("active", "nurture")), default=None)
    dropped = min((d for d, s in f.stages if d >= began and s == "former"), default=None)
    reached["became active"] = active
    reached["dropped"] = dropped if dropped is not None and (active is None or dropped < active) else None
    return tuple((step, (when - began).days) for step, when in reached.items() if when is not None and when in period)


@dataclass(frozen=True)
class _Part:
    """One partner's share of :func:`figures` over one period: what takes a pass over its facts."""

    received: tuple[ReferralFacts, ...]  # received in the period
    intervals: tuple[int, ...]  # days between a referral in the period and the one before it
    touch_kinds: tuple[str, ...]  # the kinds of its touches in the period
    sent: int
    costs: tuple[Decimal, ...]  # gifts and hospitality in the period
    cadence: bool | None  # cadence_kept
    met: bool | None  # met_in_person
    funnel: tuple[tuple[str, int], ...]  # (step, days from becoming a prospect) reached in the period


_PARTS = "_figures_parts"  # a PartnerFacts' own memo: period -> _Part (the facts are immutable)


def _part(f: PartnerFacts, period: Period) -> _Part:
    """``f``'s share of the figures over ``period``, computed once per facts and period (kept on the facts)."""
    memo = f.__dict__.get(_PARTS)
    if memo is None:
        memo = {}
        object.__setattr__(f, _PARTS, memo)  # a cache beside the frozen fields: not a field, not compared
    part = memo.get(period)
    if part is None:
        part = memo[period] = _make_part(f, period)
    return part


def _make_part(f: PartnerFacts, period: Period) -> _Part:
    start, end = period.start, period.end
    refs = f.received_in(start, end)
    intervals = []
    if refs:
        dates = [r.received for r in f.received]
        for i in range(1, len(dates)):
            if start <= dates[i] <= end:
                intervals.append((dates[i] - dates[i - 1]).days)
    return _Part(
        received=refs,
        intervals=tuple(intervals),
        touch_kinds=tuple(t.kind for t in f.touches if start <= t.date <= end),
        sent=sum(1 for d in f.sent if start <= d <= end),
        costs=tuple(c for d, c in f.costs if start <= d <= end),
        cadence=cadence_kept(f, period),
        met=met_in_person(f, period),
        funnel=_funnel_part(f, period),
    )


def _received_dates(f: PartnerFacts) -> tuple[dt.date, ...]:
    dates = f.__dict__.get("_received_dates")
    if dates is None:
        dates = tuple(r.received for r in f.received)
        object.__setattr__(f, "_received_dates", dates)
    return dates


def figures(facts: Sequence[PartnerFacts], period: Period) -> Figures:
    """Every metric for these partners over ``period`` (definitions: docs/metrics.md).

    Each partner's share is computed once per period and kept on its facts (:func:`_part`), so the
    many groupings of the same partners (the site's pages, the incremental preview) sum shares.
    """
    parts = [_part(f, period) for f in facts]
    received = [r for p in parts for r in p.received]
    per_partner = [len(p.received) for p in parts]
    converted = [r for r in received if r.converted is not None]
    declined = [r for r in received if r.declined is not None and r.converted is None]
    valued = [r.value for r in received if r.value is not None]
    revenue = sum(valued, Decimal(0))
    rated = [r.satisfaction for r in received if r.satisfaction is not None]
    thanked = [r.days_to_thank for r in received if r.days_to_thank is not None]
    intervals = [d for p in parts for d in p.intervals]
    touch_kinds = [k for p in parts for k in p.touch_kinds]
    sent = sum(p.sent for p in parts)
    ranked = sorted(per_partner, reverse=True)
    total = len(received)
    by_category: dict[str, int] = {}
    for f, n in zip(facts, per_partner):
        if n:
            by_category[f.category] = by_category.get(f.category, 0) + n
    hhi = _herfindahl([n for n in per_partner if n])
    category_hhi = _herfindahl(list(by_category.values()))
    average = trailing_average(facts, period)
    today = max((f.as_of for f in facts if f.as_of is not None), default=period.end)
    thanks = [r for r in received if r.thanks_counted(today)]
    thanked_on_time = sum(1 for r in thanks if r.thanked_on_time)
    updates = [u for r in received for u in r.updates if u.counted(today)]
    updates_on_time = sum(1 for u in updates if u.on_time)
    cadence = [p.cadence for p in parts if p.cadence is not None]
    met = [p.met for p in parts if p.met is not None]
    booked = [r.days_to_book for r in received if r.days_to_book is not None]
    gifts = sum((c for p in parts for c in p.costs), Decimal(0))
    funnel_days: dict[str, list[int]] = {step: [] for step in FUNNEL_STEPS}
    for p in parts:
        for step, days in p.funnel:
            funnel_days[step].append(days)
    funnel = tuple(FunnelStep(step, len(funnel_days[step]), None if step == "new prospects" else median(funnel_days[step]))
                   for step in FUNNEL_STEPS)
    return Figures(
        period=period,
        partners=len(facts),
        received=total,
        sent=sent,
        reciprocity=ratio(sent, total),
        conversions=len(converted),
        declined=len(declined),
        open=total - len(converted) - len(declined),
        conversion_rate=ratio(len(converted), total),
        median_days_to_convert=median([d for r in converted if (d := r.days_to_convert) is not None]),
        revenue=revenue,
        valued=len(valued),
        average_value=(revenue / len(valued)).quantize(CENT, ROUND_HALF_UP) if valued else None,
        services=counts(r.service or "unknown" for r in received),
        satisfaction=round(sum(rated) / len(rated), 2) if rated else None,
        rated=len(rated),
        repeat_days=median(intervals),
        intervals=len(intervals),
        active_referrers=sum(1 for n in per_partner if n),
        median_days_to_thank=median(thanked),
        thanked=len(thanked),
        unthanked=total - len(thanked),
        touches=len(touch_kinds),
        touches_by_kind=counts(touch_kinds),
        gifts=gifts,
        top1_share=ratio(sum(ranked[:1]), total),
        top5_share=ratio(sum(ranked[:5]), total),
        concentration=hhi,
        effective_sources=None if not hhi else 1 / hhi,
        categories_referring=len(by_category),
        category_concentration=category_hhi,
        effective_categories=None if not category_hhi else 1 / category_hhi,
        trailing_average=average,
        trend=trend(total, average, any(f.history_clipped for f in facts)),
        funnel=funnel,
        thanked_on_time=thanked_on_time,
        thanks_counted=len(thanks),
        thanked_on_time_rate=ratio(thanked_on_time, len(thanks)),
        updates_on_time=updates_on_time,
        updates_counted=len(updates),
        updates_on_time_rate=ratio(updates_on_time, len(updates)),
        cadence_kept=sum(cadence),
        cadence_partners=len(cadence),
        cadence_kept_rate=ratio(sum(cadence), len(cadence)),
        met_quarterly=sum(met),
        key_partners=len(met),
        met_quarterly_rate=ratio(sum(met), len(met)),
        gifts_to_revenue=ratio(gifts, revenue),
        booked=len(booked),
        median_days_to_book=median(booked),
    )


def _last_day(f: PartnerFacts, period: Period) -> dt.date:
    """The period's last day, or the day the facts are as of when that is earlier (a period still running)."""
    return min(period.end, f.as_of) if f.as_of is not None else period.end


def _paused(f: PartnerFacts, period: Period) -> bool:
    return f.snooze_until is not None and f.snooze_until >= period.start


def cadence_kept(f: PartnerFacts, period: Period) -> bool | None:
    """Whether an active partner was never overdue for contact on any day of the period (up to today).

    None when the cadence does not apply: not active, no cadence, snoozed on or after the period's
    start, or nothing known of it by the period's last day (no contact, no since, no log line).
    Overdue on a day: more than ``cadence`` days after the last contact on or before it (before any
    contact: after ``clock_start``), as `refsite due` counts a check-in.
    """
    last = _last_day(f, period)
    if not f.cadence or _paused(f, period) or last < period.start:
        return None
    anchors = sorted(d for d in f.contacts if d <= last)
    if f.clock_start is not None and f.clock_start <= last and (not anchors or f.clock_start < anchors[0]):
        anchors.insert(0, f.clock_start)
    if not anchors:
        return None
    gap = dt.timedelta(days=f.cadence)
    for i, anchor in enumerate(anchors):
        following = anchors[i + 1] if i + 1 < len(anchors) else last + dt.timedelta(days=1)
        first_overdue = max(anchor + gap + dt.timedelta(days=1), period.start)
        if first_overdue <= min(following - dt.timedelta(days=1), last):
            return False
    return True


def met_in_person(f: PartnerFacts, period: Period) -> bool | None:
    """Whether a key partner (active or nurture) was met in person in the ``meeting_days`` (90) days
    ending on the period's last day (or today, for a period still running).

    None when it is not a key partner, is snoozed on or after the period's start, or nothing is known
    of it by that day (its cadence clock starts later).
    """
    last = _last_day(f, period)
    if not f.meeting_days or _paused(f, period):
        return None
    known = [d for d in (f.clock_start, *f.contacts) if d is not None and d <= last]
    if not known:
        return None
    window = last - dt.timedelta(days=f.meeting_days - 1)
    return any(window <= d <= last for d in f.in_person)


# --------------------------------------------------------------------------- the report


def _group_key(f: PartnerFacts, by: str) -> str:
    if by == "partner":
        return f.id
    if by == "category":
        return f.category
    if by == "owner":
        return f.owner
    if by == "organisation":
        return f.organisation or f.id  # a partner without an organisation is one on its own
    return "practice"


def _group_label(key: str, by: str, facts: Sequence[PartnerFacts], settings: Settings) -> str:
    if by == "partner":
        return facts[0].name
    if by == "owner":
        return settings.member_name(key)
    if by == "practice":
        return settings.practice
    if by == "organisation" and not facts[0].organisation:
        return facts[0].name
    return key


def make_group(key: str, label: str, facts: Sequence[PartnerFacts], period: Period) -> Group:
    return Group(key, label, tuple(f.id for f in facts), figures(facts, period), figures(facts, period.previous()))


def _member_touches(facts: Sequence[PartnerFacts], period: Period, settings: Settings) -> tuple[MemberTouches, ...]:
    previous = period.previous()
    now: dict[str, list[str]] = {m.id: [] for m in settings.team}
    before: dict[str, int] = {m.id: 0 for m in settings.team}
    for f in facts:
        for t in f.touches:
            if t.date in period:
                now.setdefault(t.member, []).append(t.kind)
            elif t.date in previous:
                before[t.member] = before.get(t.member, 0) + 1
    members = set(now) | set(before)
    rows = [
        MemberTouches(m, settings.member_name(m), len(now.get(m, [])), before.get(m, 0), counts(now.get(m, [])))
        for m in members
    ]
    return tuple(sorted(rows, key=lambda r: (-r.total, -r.previous_total, r.member)))


def gift_year(period: Period, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days of a calendar year that gifts count against the cap: from 1 January of the year the period
    ends in (today's year at the latest) to today, or to 31 December when that year is over."""
    year = min(period.end.year, today.year)
    return dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)


def gift_lines(facts: Sequence[PartnerFacts], period: Period, settings: Settings,
               today: dt.date | None = None) -> tuple[GiftLine, ...]:
    """Partners with gifts or hospitality in the period or in its year to date (``gift_year``).

    Year to date is up to ``today`` (the period's end when not given), so a report of October
    run in November shows the same spend against the cap as `refsite due`.
    """
    cap = Decimal(str(settings.gift_cap)) if settings.gift_cap else None
    year_start, year_end = gift_year(period, today or period.end)
    rows = []
    for f in facts:
        spend = sum((c for d, c in f.costs if d in period), Decimal(0))
        year = sum((c for d, c in f.costs if year_start <= d <= year_end), Decimal(0))
        if spend or year:
            revenue = sum((r.value for r in f.received_in(period.start, period.end) if r.value is not None),
                          Decimal(0))
            rows.append(GiftLine(f.id, f.name, spend, year_start.year, year, cap, ratio(year, cap) if cap else None,
                                 year_end, revenue, ratio(spend, revenue)))
    return tuple(sorted(rows, key=lambda r: (-r.year_spend, -r.period_spend, r.partner_id)))


def _sort_key(group: Group) -> tuple[int, Decimal, int, str]:
    return (-group.current.received, -group.current.revenue, -group.previous.received, group.key)


def metrics(
    records: Records, settings: Settings, period: Period, by: str = "practice", today: dt.date | None = None
) -> Report:
    """The report for ``period`` against ``period.previous()``, grouped ``by`` (one of BY), as of ``today``.

    ``today`` defaults to the period's last day. Referrals count in the period
    they were received; their later conversion, value and satisfaction count as
    known on ``today``.
    """
    if by not in BY:
        raise ValueError(f"cannot group by '{by}' (one of: {', '.join(BY)})")
    today = today or period.end
    facts = all_facts(records, settings, today)
    return report_from_facts(facts, settings, period, by, today, records_start(records.partners, today))


def report_from_facts(
    facts: Sequence[PartnerFacts], settings: Settings, period: Period, by: str, today: dt.date,
    records_begin: dt.date | None = None,
) -> Report:
    total = make_group("practice", settings.practice, facts, period)
    groups: tuple[Group, ...] = ()
    if by != "practice":
        members: dict[str, list[PartnerFacts]] = {}
        for f in facts:
            members.setdefault(_group_key(f, by), []).append(f)
        groups = tuple(sorted(
            (make_group(key, _group_label(key, by, fs, settings), fs, period) for key, fs in members.items()),
            key=_sort_key,
        ))
    return Report(
        practice=settings.practice,
        currency=settings.currency,
        period=period,
        previous=period.previous(),
        today=today,
        by=by,
        records_begin=records_begin,
        total=total,
        groups=groups,
        touches=_member_touches(facts, period, settings),
        gifts=gift_lines(facts, period, settings, today),
    )


def with_at_risk(report: Report, at_risk: Iterable[AtRisk]) -> Report:
    """The report with the partners at risk today (the due engine's items, which this layer cannot compute)."""
    return replace(report, at_risk=tuple(sorted(at_risk, key=lambda a: (a.due_date, a.partner_id))))


points_change = words.points  # one rule for a rate's change in points (refsite.words)


def monthly_referrals(records: Records, start: dt.date, end: dt.date) -> tuple[MonthlyReferrals, ...]:
    """Referrals received and sent per calendar month from ``start``'s month to ``end``'s, for charts.

    Referrals dated outside ``start``..``end`` are left out, so a partial first
    or last month counts only its days inside the range.
    """
    months = months_between(start, end)
    received: dict[Period, list[str]] = {m: [] for m in months}
    sent: dict[Period, int] = {m: 0 for m in months}
    for partner in records.partners:
        for referral in partner.referrals:
            if not start <= referral.received <= end:
                continue
            month = Period.containing(referral.received, "month")
            if referral.direction == "in":
                received[month].append(partner.category)
            else:
                sent[month] += 1
    return tuple(MonthlyReferrals(m, len(received[m]), sent[m], counts(received[m])) for m in months)
