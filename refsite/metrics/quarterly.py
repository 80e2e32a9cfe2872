"""The quarterly review: partners ranked, who rose and fell, and where to spend time next quarter.

Scoring and focus rules are in docs/metrics.md ("The quarterly review"); the
constants below are the numbers it quotes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Sequence

from refsite.metrics.facts import FactsMemo, PartnerFacts, records_start
from refsite.metrics.measures import (
    AtRisk,
    Group,
    all_facts,
    make_group,
    money,
    points_change,
    ratio,
    trailing_average,
    trend,
)
from refsite.metrics.period import Period
from refsite.model import Records
from refsite.settings import Settings
from refsite.words import plural, short_date

POINTS = 25  # each of volume, conversion, revenue and recency gives 0 to 25 points
RECENCY_DAYS = 180  # recency points fall to 0 when the last referral is this many days before the quarter's end
CHANGE_MIN = 2  # rising/falling against the previous quarter: at least this many referrals ...
CHANGE_SHARE = 0.25  # ... and at least this share of the previous quarter's count
TOP_VALUE = 5  # 'high value': among this many partners with the most revenue over the last 4 quarters
PROSPECT_DAYS = 90  # a promising prospect engaged with us within this many days before today
FOCUS_PER_REASON = 3  # at most this many partners for each reason


@dataclass(frozen=True)
class Ranked:
    """One partner's place in the quarter's ranking, with the points behind its score."""

    rank: int
    partner_id: str
    name: str
    category: str
    owner: str
    tier: str
    received: int
    conversions: int
    conversion_rate: float | None
    revenue: Decimal
    last_referral: dt.date | None
    days_since: int | None  # from the last referral (on or before the quarter's end) to the quarter's end
    volume_points: float
    conversion_points: float
    revenue_points: float
    recency_points: float
    score: float


@dataclass(frozen=True)
class Change:
    """A partner's referrals this quarter against the previous quarter."""

    partner_id: str
    name: str
    owner: str
    current: int
    previous: int

    @property
    def delta(self) -> int:
        return self.current - self.previous


@dataclass(frozen=True)
class FocusItem:
    """A relationship worth time next quarter, with every reason that put it on the list."""

    partner_id: str
    name: str
    owner: str
    owner_name: str
    kinds: tuple[str, ...]  # 'cooling', 'no-meeting', 'prospect'
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Review:
    practice: str
    currency: str
    quarter: Period
    previous: Period
    next: Period
    today: dt.date
    records_begin: dt.date | None  # the first log line of any partner: nothing is known before it
    total: Group
    ranking: tuple[Ranked, ...]
    rising: tuple[Change, ...]
    falling: tuple[Change, ...]
    focus: tuple[FocusItem, ...]
    # The conversion rate's change against the previous quarter in whole points (figures.points_change):
    # the one number the terminal, JSON and site show.
    conversion_rate_change: int | None = None
    at_risk: tuple[AtRisk, ...] = ()  # partners at risk today (the CLI fills it from the due engine)




def _points(part: float, best: float) -> float:
    return POINTS * part / best if best else 0.0


def rank(facts: Sequence[PartnerFacts], quarter: Period) -> tuple[Ranked, ...]:
    """Partners (not former) with a referral in the four quarters ending with ``quarter``, best score first."""
    year_start = quarter.previous().previous().previous().start
    rows = []
    for f in facts:
        if f.stage == "former" or not f.received_in(year_start, quarter.end):
            continue
        refs = f.received_in(quarter.start, quarter.end)
        conversions = sum(1 for r in refs if r.converted is not None)
        revenue = sum((r.value for r in refs if r.value is not None), Decimal(0))
        last = max(r.received for r in f.received if r.received <= quarter.end)
        rows.append((f, len(refs), conversions, revenue, last))
    best_volume = max((row[1] for row in rows), default=0)
    best_revenue = max((row[3] for row in rows), default=Decimal(0))
    ranked = []
    for f, received, conversions, revenue, last in rows:
        days = (quarter.end - last).days
        rate = ratio(conversions, received)
        points = (
            _points(received, best_volume),
            POINTS * (rate or 0.0),
            _points(float(revenue), float(best_revenue)),
            POINTS * max(0.0, 1 - days / RECENCY_DAYS),
        )
        volume, conversion, value, recency = (round(p, 1) for p in points)
        ranked.append(Ranked(0, f.id, f.name, f.category, f.owner, f.tier, received, conversions, rate, revenue,
                             last, days, volume, conversion, value, recency, round(sum(points), 1)))
    ranked.sort(key=lambda r: (-r.score, -r.received, -r.revenue, r.partner_id))
    return tuple(replace(r, rank=i) for i, r in enumerate(ranked, 1))


def changes(facts: Sequence[PartnerFacts], quarter: Period) -> tuple[tuple[Change, ...], tuple[Change, ...]]:
    """(rising, falling): partners (not former) whose referrals moved by 2 or more and by a quarter of last quarter's count."""
    previous = quarter.previous()
    rising: list[Change] = []
    falling: list[Change] = []
    for f in facts:
        if f.stage == "former":
            continue
        now = len(f.received_in(quarter.start, quarter.end))
        before = len(f.received_in(previous.start, previous.end))
        change = Change(f.id, f.name, f.owner, now, before)
        if abs(change.delta) >= max(CHANGE_MIN, CHANGE_SHARE * before):
            (rising if change.delta > 0 else falling).append(change)
    rising.sort(key=lambda c: (-c.delta, -c.current, c.partner_id))
    falling.sort(key=lambda c: (c.delta, -c.previous, c.partner_id))
    return tuple(rising), tuple(falling)


def _cooling(facts: Sequence[PartnerFacts], quarter: Period, currency: str,
             today: dt.date) -> list[tuple[PartnerFacts, str]]:
    year_start = quarter.previous().previous().previous().start
    valued = []
    for f in facts:
        refs = f.received_in(year_start, quarter.end)
        revenue = sum((r.value for r in refs if r.value is not None), Decimal(0))
        if revenue > 0:
            valued.append((f, revenue, len(refs)))
    valued.sort(key=lambda v: (-v[1], -v[2], v[0].id))
    found = []
    for f, revenue, count in valued[:TOP_VALUE]:
        now = len(f.received_in(quarter.start, quarter.end))
        average = trailing_average([f], quarter)
        if trend(now, average) != "falling":
            continue
        last = max(r.received for r in f.received if r.received <= quarter.end)
        found.append((f, f"high value but cooling: {money(revenue, currency)} from {plural(count, 'referral')} "
                         f"over the last 4 quarters, but {now} in {quarter.name} against an average of "
                         f"{average:.1f} a quarter; last referral {short_date(last, today)}"))
    return found


def _no_meeting(facts: Sequence[PartnerFacts], today: dt.date, settings: Settings) -> list[tuple[PartnerFacts, str]]:
    every = settings.key_meeting_days
    found = []
    for f in facts:
        if f.tier != "key" or f.stage not in ("active", "nurture"):
            continue
        last = max(f.in_person, default=None)
        if last is None:
            found.append((f, 10**6, "key partner with no in-person meeting on record"))
        elif (today - last).days > every:
            days = (today - last).days
            found.append((f, days, f"key partner; last met in person on {short_date(last, today)}, {days} days ago "
                                   f"(the aim is every {every} days)"))
    found.sort(key=lambda item: (-item[1], item[0].id))
    return [(f, why) for f, _, why in found]


def _prospects(facts: Sequence[PartnerFacts], today: dt.date) -> list[tuple[PartnerFacts, str]]:
    window_start = today - dt.timedelta(days=PROSPECT_DAYS - 1)
    found = []
    for f in facts:
        if f.stage != "prospect":
            continue
        recent = [(d, k) for d, k in f.engaged if window_start <= d <= today and k != "referral-in"]
        began = f.prospect_start
        referrals = [r for r in f.received if began is None or r.received >= began]
        if not recent and not referrals:
            continue
        parts = [f"promising prospect (since {short_date(began, today)})" if began else "promising prospect"]
        if recent:
            last_day, last_kind = max(recent)
            parts.append(f"{plural(len(recent), 'sign')} of interest in the last {PROSPECT_DAYS} days "
                         f"(last: {last_kind} on {short_date(last_day, today)})")
        if referrals:
            parts.append(f"already sent {plural(len(referrals), 'referral')}")
        last_seen = max([d for d, _ in recent] + [r.received for r in referrals])
        found.append((f, (-len(referrals), -len(recent), -last_seen.toordinal(), f.id), "; ".join(parts)))
    found.sort(key=lambda item: item[1])
    return [(f, why) for f, _, why in found]


def focus(facts: Sequence[PartnerFacts], settings: Settings, quarter: Period, today: dt.date) -> tuple[FocusItem, ...]:
    """A short list for the next quarter: high value but cooling, key partners not met lately, promising prospects."""
    horizon = quarter.next().end
    eligible = [f for f in facts if f.stage != "former" and not (f.snooze_until and f.snooze_until >= horizon)]
    items: dict[str, tuple[PartnerFacts, list[str], list[str]]] = {}
    for kind, found in (
        ("cooling", _cooling(eligible, quarter, settings.currency, today)),
        ("no-meeting", _no_meeting(eligible, today, settings)),
        ("prospect", _prospects(eligible, today)),
    ):
        for f, why in found[:FOCUS_PER_REASON]:
            entry = items.setdefault(f.id, (f, [], []))
            entry[1].append(kind)
            entry[2].append(why)
    return tuple(FocusItem(f.id, f.name, f.owner, settings.member_name(f.owner), tuple(kinds), tuple(reasons))
                 for f, kinds, reasons in items.values())


def review(records: Records, settings: Settings, quarter: Period, today: dt.date,
           memo: FactsMemo | None = None) -> Review:
    """The quarterly review of ``quarter`` (a Period of kind 'quarter'), as of ``today``.

    ``memo``: the facts of partners unchanged since an earlier call are reused (`refsite serve`)."""
    if quarter.kind != "quarter":
        raise ValueError(f"the review is of a quarter (e.g. 2026Q3), not {quarter.label}")
    facts = all_facts(records, settings, today, memo)
    begin = records_start(records.partners, today) if memo is None else memo.records_start(records.partners, today)
    return review_from_facts(facts, settings, quarter, today, begin)


def review_from_facts(facts: Sequence[PartnerFacts], settings: Settings, quarter: Period, today: dt.date,
                      records_begin: dt.date | None = None) -> Review:
    rising, falling = changes(facts, quarter)
    total = make_group("practice", settings.practice, facts, quarter)
    return Review(
        practice=settings.practice,
        currency=settings.currency,
        quarter=quarter,
        previous=quarter.previous(),
        next=quarter.next(),
        today=today,
        records_begin=records_begin,
        total=total,
        ranking=rank(facts, quarter),
        rising=rising,
        falling=falling,
        focus=focus(facts, settings, quarter, today),
        conversion_rate_change=points_change(total.current.conversion_rate, total.previous.conversion_rate),
    )
