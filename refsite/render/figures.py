"""Headline numbers: refsite.metrics' figures as the pages show them, against the period before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from refsite.metrics import Figures, Period, figures, points_change
from refsite.model import Partner
from refsite.render.computed import Model, last_contact
from refsite.render.contexts import Figure
from refsite.render.formatting import MONTHS_LONG, ago, fmt_date, fmt_money, fmt_pct, label, plural
from refsite.words import short_date


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

    points = points_change(current.conversion_rate, previous.conversion_rate)  # one rule with the terminal
    rate_change = None if points is None else f"{points:+d} pts"
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


def partner_figures(model: Model, partner: Partner) -> tuple[Figure, ...]:
    """The relationship in numbers (refsite.metrics over the last 12 months and all time)."""
    today, currency = model.today, model.site.currency
    facts = model.facts_of([partner.id])
    year = figures(facts, Period.between(today - dt.timedelta(days=364), today))
    start = min([today, *(f.first_seen for f in facts if f.first_seen)])
    ever = figures(facts, Period.between(start, today))
    last_referral = max((r.received for f in facts for r in f.received), default=None)
    costs = sum((c for f in facts for d, c in f.costs if d.year == today.year), Decimal(0))
    cap = Decimal(str(model.settings.gift_cap))
    shown = (
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
        Figure("Last contact", ago(last_contact(partner, today), today),
               note=fmt_date(last_contact(partner, today)) or None),
        Figure(f"Gifts {today.year}", fmt_money(costs, currency),
               note=f"cap {fmt_money(cap, currency)}" if cap else None),
    )
    # A tile with nothing in it says nothing: 0, $0 and '–' are left out (a prospect shows none).
    empty = {"0", "–", fmt_money(0, currency)}
    return tuple(f for f in shown if f.value not in empty)


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


def usual_gap(usual_days: float | None, since_days: int | None) -> str:
    """'usually every 30 days, last one 75 days ago' (or the half that is known)."""
    parts = []
    if usual_days is not None:
        parts.append(f"usually every {plural(round(usual_days), 'day')}")
    if since_days is not None:
        parts.append("last one today" if since_days == 0 else f"last one {plural(since_days, 'day')} ago")
    return ", ".join(parts)


def glance_figures(model: Model) -> tuple[Figure, ...]:
    """This month so far against the same point last month, and last month against the month before."""
    today = model.today
    month = Period.containing(today, "month")
    last = month.previous()
    same_point = Period.between(last.start, min(last.end, last.start + (today - month.start)))
    so_far = figures(model.facts, Period.between(month.start, today))
    then = figures(model.facts, same_point)
    full = figures(model.facts, last)
    before = figures(model.facts, last.previous())
    this_name, last_name = MONTHS_LONG[month.start.month - 1], MONTHS_LONG[last.start.month - 1]
    return (
        compare(f"Referrals, {this_name} to date", so_far.received, then.received, str(so_far.received),
                str(then.received), note=f"against {short_date(same_point.start, today)} to {short_date(same_point.end, today)}"),
        compare(f"Referrals in {last_name}", full.received, before.received, str(full.received), str(before.received),
                note=f"against {MONTHS_LONG[last.previous().start.month - 1]}"),
    )


COMPLIANCE = (
    ("Thanked on time", "thanked_on_time_rate", "thanked_on_time", "thanks_counted", "referral"),
    ("Updates on time", "updates_on_time_rate", "updates_on_time", "updates_counted", "update"),
    ("Cadence kept", "cadence_kept_rate", "cadence_kept", "cadence_partners", "partner"),
    ("Key partners met", "met_quarterly_rate", "met_quarterly", "key_partners", "key partner"),
)


def system_figures(current: Figures, previous: Figures) -> tuple[Figure, ...]:
    """Whether the system is followed (refsite.metrics, docs/metrics.md): four shares against the period before."""
    shown = []
    for name, rate, done, counted, unit in COMPLIANCE:
        now, before = getattr(current, rate), getattr(previous, rate)
        change = points_change(now, before)
        total = getattr(current, counted)
        note = f"{getattr(current, done)} of {plural(total, unit)}" if total else "none to count"
        shown.append(compare(name, now, before, fmt_pct(now) or "–", fmt_pct(before) or "–",
                             change=None if change is None else f"{change:+d} pts", note=note))
    return tuple(shown)


def compliance_figures(model: Model) -> tuple[Figure, ...]:
    """The last full month against the month before (the dashboard; the review shows its quarter)."""
    month = Period.last_full("month", model.today)
    return system_figures(figures(model.facts, month), figures(model.facts, month.previous()))
