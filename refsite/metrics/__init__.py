"""The referral metrics and the quarterly review: pure functions of (records, settings, period, today).

Public API (stable: the CLI and the site import exactly these names)::

    Period.parse("2026Q3" | "2026-10" | "2026" | "2026-01-01..2026-06-30") -> Period   # PeriodError
    Period.month(y, m) / .quarter(y, q) / .year(y) / .between(start, end)
    Period.containing(day, "month"|"quarter"|"year"), Period.last_full(kind, today)
    period.start, period.end (inclusive), period.kind, period.days, period.label, period.title,
    period.previous(), period.next(), day in period

    metrics(records, settings, period, by="practice"|"partner"|"category"|"owner"|"organisation", today) -> Report
        Report.total: Group (the whole practice); Report.groups: tuple[Group, ...] (empty for
        by="practice"), most referrals first; Group.current / Group.previous: Figures for the
        period and the period before; Report.touches (per team member), Report.gifts (per partner:
        the period's spend, and the year to today against the yearly cap, as `refsite due` counts it).
    gift_year(period, today) -> (first, last day): the days a report's gifts count against the cap
    review(records, settings, quarter, today) -> Review
        Review.total (the practice, this quarter against the last), .ranking (Ranked, best first),
        .rising / .falling (Change), .focus (FocusItem, each with its reasons).
    monthly_referrals(records, start, end) -> tuple[MonthlyReferrals, ...]
        referrals received and sent per calendar month, with the received ones by category (charts).
    money(amount, currency) -> "$1,280"
    points_change(now_rate, before_rate) -> int | None: a rate's change in whole points, the one rule
        for every output (Review.conversion_rate_change is this for the review's conversion rate)
    with_at_risk(report, [AtRisk, ...]) -> Report: the report with today's partners at risk (the
        due engine's, which this layer cannot import; the CLI passes them; Review takes them by replace)

    Building blocks, for pages that need their own grouping:
    all_facts(records, settings, today) -> tuple[PartnerFacts, ...]   # every partner, id order
    figures(facts, period) -> Figures                                 # any set of partners
    Use all_facts rather than partner_facts one by one: it passes on when the records begin
    (records_start), which bounds the trailing averages the way `refsite report` does.
    FactsMemo(): keeps each partner's facts (and figures of groups of them) between runs over
    records that mostly did not change: all_facts(..., memo) and review(..., memo) reuse them
    (`refsite serve`). figures() keeps each partner's share per period on its (immutable) facts.

Every figure is defined in docs/metrics.md. Counts are ints, money is Decimal,
ratios (0..1) and medians are floats, and a figure that is undefined (nothing to
divide by, no value to take the middle of) is None, which output shows as "n/a".
Referrals count in the period they were received; their conversion, value and
satisfaction count as known on ``today``.
"""

from __future__ import annotations

from refsite.metrics.facts import (
    CADENCE_KINDS,
    IN_PERSON_KINDS,
    TOUCH_KINDS,
    FactsMemo,
    PartnerFacts,
    ReferralFacts,
    UpdateFacts,
    partner_facts,
    records_start,
)
from refsite.metrics.measures import (
    BY,
    FUNNEL_STEPS,
    NO_HISTORY,
    AtRisk,
    Count,
    Figures,
    FunnelStep,
    GiftLine,
    Group,
    MemberTouches,
    MonthlyReferrals,
    Report,
    all_facts,
    cadence_kept,
    figures,
    gift_year,
    met_in_person,
    metrics,
    money,
    monthly_referrals,
    points_change,
    with_at_risk,
)
from refsite.metrics.period import Period, PeriodError, months_between
from refsite.metrics.quarterly import Change, FocusItem, Ranked, Review, review

__all__ = [
    "BY",
    "CADENCE_KINDS",
    "AtRisk",
    "FactsMemo",
    "UpdateFacts",
    "cadence_kept",
    "met_in_person",
    "points_change",
    "with_at_risk",
    "FUNNEL_STEPS",
    "NO_HISTORY",
    "IN_PERSON_KINDS",
    "TOUCH_KINDS",
    "Change",
    "Count",
    "Figures",
    "FocusItem",
    "FunnelStep",
    "GiftLine",
    "Group",
    "MemberTouches",
    "MonthlyReferrals",
    "PartnerFacts",
    "Period",
    "PeriodError",
    "Ranked",
    "ReferralFacts",
    "Report",
    "Review",
    "all_facts",
    "figures",
    "gift_year",
    "metrics",
    "money",
    "monthly_referrals",
    "months_between",
    "partner_facts",
    "records_start",
    "review",
]
