"""Headline numbers: refsite.metrics' figures as the pages show them, against the period before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from refsite.metrics import Figures, Period, figures, points_change
from refsite.model import Partner
from refsite.render.computed import Model, last_contact
from refsite.render.contexts import Figure
from refsite.render.formatting import ago, fmt_date, fmt_money, fmt_pct, label, plural


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
        Figure("Last contact", ago(last_contact(partner, today), today),
               note=fmt_date(last_contact(partner, today)) or None),
        Figure(f"Gifts {today.year}", fmt_money(costs, currency),
               note=f"cap {fmt_money(cap, currency)}" if cap else None),
    )


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
