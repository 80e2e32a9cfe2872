"""SVG bar charts laid out at build time (the templates draw the bars; no script, no library)."""

from __future__ import annotations

import datetime as dt
from typing import Sequence

from refsite.metrics import Period, monthly_referrals
from refsite.render.computed import Model, list_url
from refsite.render.contexts import Bar, BarChart
from refsite.render.formatting import MONTHS, fmt_date, label


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
