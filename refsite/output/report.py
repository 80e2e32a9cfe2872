"""`refsite report` for people and programs: the metrics and the quarterly review as text, JSON and CSV.

Pure functions from :class:`refsite.metrics.Report` / :class:`refsite.metrics.Review`
to strings. Text fits 80 columns; an undefined figure is "n/a" in text, an empty cell in CSV
and null in JSON; money is printed with the practice's currency in text and as
an exact decimal string in JSON and CSV.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any, Callable, Sequence

from refsite import words
from refsite.metrics import (
    NO_HISTORY,
    AtRisk,
    Count,
    Figures,
    GiftLine,
    Group,
    Period,
    Ranked,
    Report,
    Review,
    gift_year,
)
from refsite.output.tables import csv_text, to_json
from refsite.output.terminal import NBSP, fit, heading, wrap
from refsite.words import money, points

NA = "n/a"
NAME = 24  # width of the name column in group tables
RANK_NAME = 30  # width of the name column in the review's ranking


# --------------------------------------------------------------------------- cells


def pct(value: float | None) -> str:
    return words.pct(value, NA)


def _wrap(text: str, indent: str, first: str = "") -> list[str]:
    """Wrap to 80 columns, the first line after ``first`` (default ``indent``), the rest after ``indent``."""
    return wrap(text, first or indent, indent)


def number(value: float | None, places: int = 1) -> str:
    """A median or an average: 6, 6.5, or n/a."""
    if value is None:
        return NA
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.{places}f}"


def _signed(text: str) -> str:
    return text if text.startswith("-") else "+" + text


def _change_count(now: int, before: int) -> str:
    return "0" if now == before else _signed(str(now - before))


def _change_number(now: float | None, before: float | None, places: int = 1) -> str:
    if now is None or before is None:
        return ""
    delta = round(now - before, places)
    return "0" if delta == 0 else _signed(number(delta, places))


def _change_pct(now: float | None, before: float | None) -> str:
    change = points(now, before)
    if change is None:
        return ""
    return "0 pts" if change == 0 else _signed(f"{change} pts")


def _change_money(now: Decimal | None, before: Decimal | None, currency: str) -> str:
    if now is None or before is None:
        return ""
    delta = now - before
    text = money(delta, currency)
    return "0" if text in (money(Decimal(0), currency), "-" + money(Decimal(0), currency)) else _signed(text)


def _money_or_na(amount: Decimal | None, currency: str) -> str:
    return NA if amount is None else money(amount, currency)


def _counts(items: Sequence[Count]) -> str:
    return ", ".join(f"{c.name}{NBSP}{c.count}" for c in items) or "none"


def _column_labels(now: Period, before: Period) -> tuple[str, str]:
    if len(now.name) <= 15 and len(before.name) <= 15:  # the columns are 15 wide
        return now.name, before.name
    return "this period", "before"


# --------------------------------------------------------------------------- headline rows

Row = tuple[str, Callable[[Figures], str], Callable[[Figures, Figures], str]]


def _rows(currency: str) -> list[Row]:
    def satisfaction(f: Figures) -> str:
        return NA if f.satisfaction is None else f"{f.satisfaction:.1f} ({f.rated} rated)"

    def trend(f: Figures) -> str:
        return f.trend if f.trailing_average is None else f"{f.trend} (avg {f.trailing_average:.1f})"

    return [
        ("Referrals received", lambda f: str(f.received), lambda a, b: _change_count(a.received, b.received)),
        ("Referrals sent", lambda f: str(f.sent), lambda a, b: _change_count(a.sent, b.sent)),
        ("Sent per referral received", lambda f: number(f.reciprocity, 2),
         lambda a, b: _change_number(a.reciprocity, b.reciprocity, 2)),
        ("Conversions", lambda f: str(f.conversions), lambda a, b: _change_count(a.conversions, b.conversions)),
        ("Conversion rate", lambda f: pct(f.conversion_rate),
         lambda a, b: _change_pct(a.conversion_rate, b.conversion_rate)),
        ("Declined", lambda f: str(f.declined), lambda a, b: _change_count(a.declined, b.declined)),
        ("Still open", lambda f: str(f.open), lambda a, b: _change_count(a.open, b.open)),
        ("Median days to convert", lambda f: number(f.median_days_to_convert),
         lambda a, b: _change_number(a.median_days_to_convert, b.median_days_to_convert)),
        ("Revenue from referred clients", lambda f: money(f.revenue, currency),
         lambda a, b: _change_money(a.revenue, b.revenue, currency)),
        ("Average value", lambda f: _money_or_na(f.average_value, currency),
         lambda a, b: _change_money(a.average_value, b.average_value, currency)),
        ("Satisfaction (1-5)", satisfaction, lambda a, b: _change_number(a.satisfaction, b.satisfaction)),
        ("Median days between referrals", lambda f: number(f.repeat_days),
         lambda a, b: _change_number(a.repeat_days, b.repeat_days)),
        ("Active referrers", lambda f: str(f.active_referrers),
         lambda a, b: _change_count(a.active_referrers, b.active_referrers)),
        ("Median days to thank", lambda f: number(f.median_days_to_thank),
         lambda a, b: _change_number(a.median_days_to_thank, b.median_days_to_thank)),
        ("Not yet thanked", lambda f: str(f.unthanked), lambda a, b: _change_count(a.unthanked, b.unthanked)),
        ("Touches", lambda f: str(f.touches), lambda a, b: _change_count(a.touches, b.touches)),
        ("Gifts and hospitality", lambda f: money(f.gifts, currency),
         lambda a, b: _change_money(a.gifts, b.gifts, currency)),
        ("Top partner's share", lambda f: pct(f.top1_share), lambda a, b: _change_pct(a.top1_share, b.top1_share)),
        ("Top 5 partners' share", lambda f: pct(f.top5_share), lambda a, b: _change_pct(a.top5_share, b.top5_share)),
        ("Concentration index (0-1)", lambda f: number(f.concentration, 2),
         lambda a, b: _change_number(a.concentration, b.concentration, 2)),
        ("Effective number of sources", lambda f: number(f.effective_sources),
         lambda a, b: _change_number(a.effective_sources, b.effective_sources)),
        ("Categories referring", lambda f: str(f.categories_referring),
         lambda a, b: _change_count(a.categories_referring, b.categories_referring)),
        ("Effective number of categories", lambda f: number(f.effective_categories),
         lambda a, b: _change_number(a.effective_categories, b.effective_categories)),
        ("Against own trailing average", trend, lambda a, b: ""),
    ] + _system_rows()


def _share(part: int, whole: int, rate: float | None) -> str:
    """'83% (5/6)': a compliance rate with what it counts; n/a with nothing to count."""
    return NA if rate is None else f"{pct(rate)} ({part}/{whole})"


def _system_rows() -> list[Row]:
    """Whether the system is followed (docs/metrics.md, 'Is the system followed?')."""
    return [
        ("Thanked on time", lambda f: _share(f.thanked_on_time, f.thanks_counted, f.thanked_on_time_rate),
         lambda a, b: _change_pct(a.thanked_on_time_rate, b.thanked_on_time_rate)),
        ("Patient updates on time", lambda f: _share(f.updates_on_time, f.updates_counted, f.updates_on_time_rate),
         lambda a, b: _change_pct(a.updates_on_time_rate, b.updates_on_time_rate)),
        ("Contacted within cadence", lambda f: _share(f.cadence_kept, f.cadence_partners, f.cadence_kept_rate),
         lambda a, b: _change_pct(a.cadence_kept_rate, b.cadence_kept_rate)),
        ("Key partners met in person", lambda f: _share(f.met_quarterly, f.key_partners, f.met_quarterly_rate),
         lambda a, b: _change_pct(a.met_quarterly_rate, b.met_quarterly_rate)),
        ("Gifts against revenue", lambda f: pct(f.gifts_to_revenue),
         lambda a, b: _change_pct(a.gifts_to_revenue, b.gifts_to_revenue)),
        ("Median days to booked", lambda f: number(f.median_days_to_book),
         lambda a, b: _change_number(a.median_days_to_book, b.median_days_to_book)),
    ]


SYSTEM_ROWS = ("Thanked on time", "Patient updates on time", "Contacted within cadence", "Key partners met in person",
               "Gifts against revenue", "Median days to booked")


def _compare(group: Group, currency: str, rows: Sequence[Row] | None = None) -> list[str]:
    now, before = _column_labels(group.current.period, group.previous.period)
    lines = [f"{'':30} {now:>15} {before:>15} {'change':>16}"]
    for label, cell, change in rows or _rows(currency):
        lines.append(f"{label:30} {cell(group.current):>15} {cell(group.previous):>15} "
                     f"{change(group.current, group.previous):>16}".rstrip())
    return lines


def _intro(title: str, practice: str, now: Period, before: Period, today: dt.date,
           begin: dt.date | None) -> list[str]:
    lines = _wrap(f"{practice}: {title} {now.title}", "")
    note = f"Against {before.title}. As of {today}"
    if now.end > today:
        note += f", {(today - now.start).days + 1} of its {now.days} days"
    lines += _wrap(note + "; n/a: nothing to measure.", "")
    if begin is not None and before.start < begin:
        gaps = [f"{before.name} is not covered" if before.end < begin else f"{before.name} is only partly covered"]
        if now.start < begin:
            gaps.append(f"{now.name} only partly")
        lines += _wrap(f"The records begin on {begin}: {' and '.join(gaps)}.", "")
    return lines


# --------------------------------------------------------------------------- the report


def _year_label(year: int, year_to: dt.date) -> str:
    """'2026 to date' while the year runs (to today), '2025' once it is over."""
    return str(year) if (year_to.month, year_to.day) == (12, 31) else f"{year} to date"


def _gift_year_text(report: Report) -> str:
    start, end = gift_year(report.period, report.today)
    return str(start.year) if (end.month, end.day) == (12, 31) else f"{start.year} to {end}"


def _group_table(report: Report) -> list[str]:
    c = report.currency
    title = {"partner": "Partner", "category": "Category", "owner": "Owner", "organisation": "Organisation"}[report.by]
    header = (f"{title:{NAME}} {'Recv':>4} {'Prev':>4} {'Sent':>4} {'Conv':>4} {'Rate':>5} "
              f"{'Days':>4} {'Revenue':>9} {'Active':>6} {'Trend':>7}")
    lines = [header, "-" * len(header)]
    hidden = 0

    def row(name: str, g: Group) -> str:
        f, p = g.current, g.previous
        return (f"{fit(name, NAME):{NAME}} {f.received:>4} {p.received:>4} {f.sent:>4} {f.conversions:>4} "
                f"{pct(f.conversion_rate):>5} {number(f.median_days_to_convert):>4} {money(f.revenue, c):>9} "
                f"{f.active_referrers:>6} {_trend_cell(f.trend):>7}")

    for group in report.groups:
        f, p = group.current, group.previous
        if report.by == "partner" and not (f.received or p.received or f.sent or p.sent or f.touches or p.touches):
            hidden += 1
            continue
        lines.append(row(group.label, group))
    lines.append("-" * len(header))
    lines.append(row("Practice", report.total))
    if hidden:
        lines += _wrap(f"({hidden} partners with no referrals and no touches in either period are left out.)", "")
    lines += _wrap("Recv/Prev: referrals received this period and the period before; Conv: conversions of this "
                   "period's referrals; Days: median days to convert; Active: partners who referred.", "")
    trends = {group.current.trend for group in (*report.groups, report.total)}
    if trends & {NO_HISTORY, "new"}:
        lines += _wrap("Trend: against the group's own trailing average"
                       + ("; new: its history began less than one period before this one" if "new" in trends else "")
                       + (f"; {NO_TREND}: no history, the records begin too recently to compare"
                          if NO_HISTORY in trends else "") + ".", "")
    return lines


NO_TREND = "\u2014"  # the trend column's 'no history' (an em dash: the column is 7 wide)


def _trend_cell(trend: str) -> str:
    return NO_TREND if trend == NO_HISTORY else trend


def report_text(report: Report) -> str:
    """The report for a terminal: headline against the previous period, groups, services, team, gifts, funnel."""
    c = report.currency
    total = report.total
    lines = _intro("referrals in", report.practice, report.period, report.previous, report.today,
                   report.records_begin)
    lines += [""] + _compare(total, c)

    if report.groups:
        lines += heading(f"By {report.by}")
        lines += _group_table(report)

    now, before = _column_labels(report.period, report.previous)
    lines += heading("Referrals by service line")
    previous = {s.name: s.count for s in total.previous.services}
    current = {s.name: s.count for s in total.current.services}
    names = [s.name for s in total.current.services] + sorted(set(previous) - set(current))
    if names:
        lines.append(f"{'':30} {now:>15} {before:>15}")
        lines += [f"{n:30} {current.get(n, 0):>15} {previous.get(n, 0):>15}" for n in names]
    else:
        lines.append("No referrals in either period.")

    senders = [g for g in report.groups if g.current.received]
    if senders:
        lines += heading(f"What each {report.by} sends ({report.period.name})")
        for g in senders:
            lines += _wrap(_counts(g.current.services), " " * (NAME + 1), f"{fit(g.label, NAME):{NAME}} ")

    lines += heading(f"Touches by team member ({report.period.name}, against {report.previous.name})")
    if report.touches:
        for m in report.touches:
            lines += _wrap(_counts(m.by_kind) if m.total else "-", " " * (NAME + 13),
                           f"{fit(m.name, NAME):{NAME}} {m.total:>4} {'(' + str(m.previous_total) + ')':>6}  ")
        lines += _wrap("A touch is a log line of a kind that counts as contact, or a social-media touch; it counts "
                       "for its @author, or the partner's owner when the line names nobody.", "")
    else:
        lines.append("No team members and no touches.")

    lines += heading("Gifts and hospitality")
    if report.gifts:
        first = report.gifts[0]
        cap, year, year_to = first.cap, first.year, first.year_to
        lines.append(f"{'Partner':{RANK_NAME}} {fit(report.period.name, 12):>12} {_year_label(year, year_to):>14} "
                     f"{'of cap':>7}")
        for gift in report.gifts:
            flag = "  over the cap" if gift.over_cap else ""
            lines.append(f"{fit(gift.name, RANK_NAME):{RANK_NAME}} {money(gift.period_spend, c):>12} "
                         f"{money(gift.year_spend, c):>14} {pct(gift.share_of_cap):>7}{flag}")
        label = _year_label(year, year_to)
        span = (f"{label}: the whole calendar year." if label == str(year)
                else f"{label}: 1 January to {year_to} (today), as refsite due counts it.")
        lines += _wrap((f"Yearly cap per partner: {money(cap, c)}. " if cap is not None
                        else "No yearly cap is set (gift_cap: 0 in the settings). ") + span, "")
    else:
        start, end = gift_year(report.period, report.today)
        also = "" if report.period.start <= start and report.period.end >= end else f" or in {_gift_year_text(report)}"
        lines.append(f"None recorded in {report.period.name}{also}.")

    lines += _gifts_against_revenue(report.gifts, report.period, c)
    lines += _at_risk_lines(report.at_risk)

    lines += heading("Prospect funnel")
    lines.append(f"{'':30} {now:>15} {before:>15} {'median days':>16}")
    for step, prev in zip(total.current.funnel, total.previous.funnel):
        days = "" if step.step == "new prospects" else number(step.median_days)
        lines.append(f"{step.step:30} {step.count:>15} {prev.count:>15} {days:>16}".rstrip())
    lines += _wrap("Each step counts the prospects who reached it in the period; median days from becoming "
                   "a prospect.", "")
    return "\n".join(lines) + "\n"


def _gifts_against_revenue(gifts: Sequence[GiftLine], period: Period, currency: str) -> list[str]:
    """Each partner's gifts and hospitality in the period against the revenue its referrals of the period brought."""
    spent = [g for g in gifts if g.period_spend]
    lines = heading(f"Gifts and hospitality against revenue ({period.name})")
    if not spent:
        return lines + [f"None recorded in {period.name}."]
    lines.append(f"{'Partner':{RANK_NAME}} {'Spent':>12} {'Revenue':>12} {'of revenue':>11}")
    for g in sorted(spent, key=lambda g: (-g.period_spend, g.partner_id)):
        lines.append(f"{fit(g.name, RANK_NAME):{RANK_NAME}} {money(g.period_spend, currency):>12} "
                     f"{money(g.period_revenue, currency):>12} {pct(g.share_of_revenue):>11}")
    return lines + _wrap("Revenue: of the partner's referrals received in the period, as known today; n/a: "
                         "no revenue to compare with.", "")


def _at_risk_lines(at_risk: Sequence[AtRisk]) -> list[str]:
    """The partners at risk today (the due engine's 'at-risk' items), with why."""
    lines = heading("Partners at risk today")
    if not at_risk:
        return lines + ["None."]
    for item in at_risk:
        lines += _wrap(item.name, "      ", "    - ")
        lines += _wrap(item.reason, "      ", "      ")
    return lines


# --------------------------------------------------------------------------- JSON and CSV


def _plain(value: Any) -> Any:
    if isinstance(value, Period):
        return {"label": value.label, "kind": value.kind, "start": value.start.isoformat(),
                "end": value.end.isoformat(), "title": value.title}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def report_json(report: Report) -> str:
    return to_json(_plain(report)).rstrip("\n")


def review_json(review: Review) -> str:
    return to_json(_plain(review)).rstrip("\n")


SCALARS = [f.name for f in dataclasses.fields(Figures)
           if f.name not in ("period", "services", "touches_by_kind", "funnel")]


def _csv_cell(value: Any) -> Any:
    """A number, or nothing when the figure is undefined (a spreadsheet can sum the column)."""
    return value


def report_csv(report: Report, excel: bool = False) -> str:
    """One row per group and period (this period and the one before), the practice last; tidy for spreadsheets."""
    header = ["period", "by", "key", "label", *SCALARS, *(f"funnel_{s.step.replace(' ', '_')}"
                                                          for s in report.total.current.funnel)]
    rows = []
    for group in (*report.groups, report.total):
        by = "practice" if group is report.total else report.by
        for figures in (group.current, group.previous):
            rows.append([figures.period.label, by, group.key, group.label,
                         *(_csv_cell(getattr(figures, name)) for name in SCALARS),
                         *(s.count for s in figures.funnel)])
    return csv_text(header, rows, excel)


# --------------------------------------------------------------------------- the review


def _review_rows(currency: str) -> list[Row]:
    keep = ("Referrals received", "Referrals sent", "Conversions", "Conversion rate", "Revenue from referred clients",
            "Average value", "Active referrers", "Median days to thank", "Touches", "Top partner's share",
            *SYSTEM_ROWS)
    return [row for row in _rows(currency) if row[0] in keep]


def review_text(review: Review) -> str:
    c = review.currency
    lines = _intro("quarterly review of", review.practice, review.quarter, review.previous, review.today,
                   review.records_begin)
    lines += [""] + _compare(review.total, c, _review_rows(c))

    lines += heading(f"Ranking for {review.quarter.name}")
    lines += _wrap("Score out of 100: up to 25 points each for volume (referrals against the top partner's), "
                   "conversion rate, revenue (against the top partner's) and recency (falling to 0 at 180 days "
                   "without a referral). Partners with a referral in the last four quarters.", "")
    if review.ranking:
        header = (f"{'#':>3} {'Partner':{RANK_NAME}} {'Recv':>4} {'Conv':>4} {'Rate':>5} {'Revenue':>9} "
                  f"{'Last referral':>13} {'Score':>5}")
        lines += [header, "-" * len(header)]
        for r in review.ranking:
            lines.append(f"{r.rank:>3} {fit(r.name, RANK_NAME):{RANK_NAME}} {r.received:>4} {r.conversions:>4} "
                         f"{pct(r.conversion_rate):>5} {money(r.revenue, c):>9} {str(r.last_referral):>13} "
                         f"{r.score:>5.0f}")
    else:
        lines.append("No partner referred in the last four quarters.")

    for title, changes in ((f"Rising against {review.previous.name}", review.rising),
                           (f"Falling against {review.previous.name}", review.falling)):
        lines += heading(title)
        if not changes:
            lines.append("None (a change counts from 2 referrals and a quarter of last quarter's count).")
        for ch in changes:
            lines.append(f"{fit(ch.name, 40):40} {ch.current:>4} {'referral ' if ch.current == 1 else 'referrals'} "
                         f"(was {ch.previous}) {_signed(str(ch.delta)):>4}")

    lines += _at_risk_lines(review.at_risk)

    lines += heading(f"Focus for {review.next.title}")
    if not review.focus:
        lines.append("Nothing stands out: keep the cadence.")
    for i, item in enumerate(review.focus, 1):
        lines += _wrap(f"{item.name} ({item.owner_name})", "    ", f"{i:>2}. ")
        for reason in item.reasons:
            lines += _wrap(reason, "      ", "    - ")
    return "\n".join(lines) + "\n"


def review_csv(review: Review, excel: bool = False) -> str:
    """The ranking, one row per partner, with the points behind each score."""
    header = [f.name for f in dataclasses.fields(Ranked)]
    return csv_text(header, ([_csv_cell(_plain(getattr(r, name))) for name in header] for r in review.ranking), excel)
