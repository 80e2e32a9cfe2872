"""SVG bar charts laid out at build time (the templates draw the bars; no script, no library)."""

from __future__ import annotations

import datetime as dt
from typing import Mapping, Sequence

from refsite.metrics import Period, monthly_referrals
from refsite.render.computed import Model, list_url
from refsite.render.contexts import Bar, BarChart
from refsite.render.formatting import MONTHS, MONTHS_LONG, fmt_date, label


def _bar_columns(title: str, points: Sequence[tuple[str, float, str, str | None]], width: int = 420,
                 height: int = 236) -> BarChart:
    """Columns over time: ``points`` are (label, value, display, second line of the label or None)."""
    top, bottom, left, right = 16, 44, 8, 8
    peak = max((v for _, v, _, _ in points), default=0) or 1
    slot = (width - left - right) / max(len(points), 1)
    bars = []
    for i, (name, value, display, below) in enumerate(points):
        h = (height - top - bottom) * value / peak
        bars.append(Bar(name, value, display, round(left + i * slot + slot * 0.15, 2), round(height - bottom - h, 2),
                        round(slot * 0.7, 2), round(h, 2), sublabel=below))
    summary = ", ".join(f"{name}{' ' + below if below else ''}: {display}" for name, _, display, below in points)
    return BarChart(title, "columns", width, height, tuple(bars), not any(v for _, v, _, _ in points), summary,
                    axis=height - bottom)


def _bar_rows(title: str, points: Sequence[tuple[str, float, str, str | None]], width: int = 420) -> BarChart:
    """Horizontal bars by source: ``points`` are (label, value, display, url)."""
    row, gap, label_width = 22, 6, 150
    height = max(len(points), 1) * (row + gap)
    peak = max((v for _, v, _, _ in points), default=0) or 1
    bars = []
    for i, (name, value, display, url) in enumerate(points):
        w = (width - label_width - 60) * value / peak
        bars.append(Bar(name, value, display, label_width, i * (row + gap), round(w, 2), row, url))
    summary = ", ".join(f"{name}: {display}" for name, _, display, _ in points)
    return BarChart(title, "rows", width, height, tuple(bars), not points, summary, axis=height)


def chart_months(today: dt.date, months: int = 12) -> Period:
    """The months the dashboard charts cover: the last ``months`` calendar months, up to today."""
    first = Period.containing(today, "month")
    for _ in range(months - 1):
        first = first.previous()
    return Period.between(first.start, today)


def month_labels(months: Sequence[Period]) -> list[tuple[str, str | None]]:
    """('Dec', '2025'), ('Jan', '2026'), ('Feb', None), ...: the year under the first month and each January."""
    return [(MONTHS[m.start.month - 1], str(m.start.year) if i == 0 or m.start.month == 1 else None)
            for i, m in enumerate(months)]


SOURCE_BARS = 8  # categories shown by name; the rest are one 'Other' bar


def source_points(counts: Mapping[str, int], shown: int = SOURCE_BARS) -> list[tuple[str, int, str, str | None]]:
    """Categories by referrals, most first, as (label, count, display, url): every referral is in a bar.

    Beyond ``shown`` categories the rest are added up in one bar, 'Other (3 categories)', with no link.
    """
    ranked = sorted(((c, n) for c, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) > shown + 1:
        ranked, rest = ranked[:shown], ranked[shown:]
    else:
        rest = []
    points: list[tuple[str, int, str, str | None]] = [(label(c), n, str(n), list_url("category", c)) for c, n in ranked]
    if rest:
        total = sum(n for _, n in rest)
        points.append((f"Other ({len(rest)} categories)", total, str(total), None))
    return points


def referral_charts(model: Model) -> tuple[BarChart, BarChart]:
    """Referrals received per month, and by source (partner category), over the last 12 months.

    Both charts count the same referrals: the bars of the second add up to those of the first.
    """
    span = chart_months(model.today)
    months = monthly_referrals(model.records, span.start, span.end)
    labels = month_labels([m.month for m in months])
    # The last month is the one under way: its bar is labelled as counted to date.
    partial = "" if Period.containing(model.today, "month").end == model.today else f" ({MONTHS_LONG[model.today.month - 1]} to date)"
    per_month = _bar_columns(
        f"Referrals received per month{partial}",
        [(name, m.received, str(m.received), year) for (name, year), m in zip(labels, months)],
    )
    by_category: dict[str, int] = {}
    for month in months:
        for count in month.by_category:
            by_category[count.name] = by_category.get(count.name, 0) + count.count
    by_source = _bar_rows(f"Referrals by source since {fmt_date(span.start)}", source_points(by_category))
    return per_month, by_source


def sparkline(model: Model, partner_id: str, width: int = 120, height: int = 28) -> BarChart:
    """A partner's referrals received per month over the last 12 months, as small columns (no labels)."""
    span = chart_months(model.today)
    months = []
    first = span.start
    for _ in range(12):
        month = Period.containing(first, "month")
        months.append(month)
        first = month.end + dt.timedelta(days=1)
    received = [r.received for f in model.facts_of([partner_id]) for r in f.received]
    counts = [sum(1 for d in received if month.start <= d <= month.end) for month in months]
    peak = max(counts) or 1
    slot = width / len(counts)
    bars = tuple(
        Bar(MONTHS[m.start.month - 1], n, str(n), round(i * slot + 1, 2), round(height - 2 - (height - 4) * n / peak, 2),
            round(slot - 2, 2), round((height - 4) * n / peak + 2 if n else 1, 2))
        for i, (m, n) in enumerate(zip(months, counts)))
    summary = ", ".join(f"{MONTHS[m.start.month - 1]} {m.start.year}: {n}" for m, n in zip(months, counts))
    return BarChart(f"Referrals per month since {fmt_date(span.start)}", "spark", width, height, bars,
                    not any(counts), summary, axis=height)
