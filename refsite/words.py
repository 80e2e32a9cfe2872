"""One way to write things for people: plurals, money, shares, dates, "N days ago".

Used alike by the terminal (``refsite.output``), the site (``refsite.render``) and
the due engine's sentences, so that a figure reads the same everywhere. No locale:
the same bytes on every machine.

Money has one policy: whole units when the amount is whole (``$1,280``), cents
otherwise (``$1,280.50``), the sign before the currency (``-$40``). Nothing is
rounded away: a report that adds up to ``$1,280.50`` says so.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def count(n: int) -> str:
    """A count for people: '12', '5,000', '-1,200' (a comma between thousands, no locale)."""
    return f"{n:,}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 day', '2 days', '0 days', '5,000 partners'; ``many`` for irregular words ('1 person', '3 people')."""
    return f"{count(n)} {word if n == 1 else (many or word + 's')}"


def label(term: object) -> str:
    """A vocabulary term for people: 'primary-care' -> 'Primary care'."""
    text = str(term or "").replace("-", " ")
    return text[:1].upper() + text[1:]


def money(amount: Decimal | float | int | None, currency: str = "$") -> str:
    """'$1,280', '$1,280.50', '-$40' (empty for None)."""
    if amount is None:
        return ""
    value = Decimal(str(amount))
    sign = "-" if value < 0 else ""
    value = abs(value)
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    return f"{sign}{currency}{text}"


def pct(share: float | None, empty: str = "") -> str:
    """A share as a whole percentage: 0.625 -> '62%' (round half to even, as Python rounds)."""
    return empty if share is None else f"{share * 100:.0f}%"


def points(now: float | None, before: float | None) -> int | None:
    """The change of a rate in whole percentage points: the exact difference, rounded half away from zero.

    One rule for the terminal, the JSON and the site: 3 of 7 (42.9 %) against 5 of 11 (45.5 %) is
    -2.6, so -3 pts, where subtracting the rounded percentages (43 - 45) would say -2; a change of
    exactly 12.5 is 13. None when either rate is undefined.
    """
    if now is None or before is None:
        return None
    exact = (Fraction(now).limit_denominator(10**6) - Fraction(before).limit_denominator(10**6)) * 100
    return int((Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal(1), ROUND_HALF_UP))


def date_text(day: dt.date | None) -> str:
    """'22 Nov 2026' (empty for None)."""
    if day is None:
        return ""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: dt.date, today: dt.date | None = None) -> str:
    """'6 Nov' within the year of ``today``, else '6 Nov 2025'."""
    if today is not None and day.year == today.year:
        return f"{day.day} {MONTHS[day.month - 1]}"
    return date_text(day)


def long_date(day: dt.date) -> str:
    """'Sunday 22 November 2026'."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS_LONG[day.month - 1]} {day.year}"


def when(days_overdue: int) -> str:
    """A due item's urgency in a terminal column: 'overdue 50d', 'due today', 'in 3 days'."""
    if days_overdue > 0:
        return f"overdue {days_overdue}d"
    if days_overdue == 0:
        return "due today"
    return f"in {plural(-days_overdue, 'day')}"


def relative_days(days_overdue: int) -> str:
    """A due item's urgency in a sentence: '12 days overdue', 'due today', 'in 3 days'."""
    if days_overdue > 0:
        return f"{plural(days_overdue, 'day')} overdue"
    if days_overdue == 0:
        return "due today"
    return f"in {plural(-days_overdue, 'day')}"


def ago(day: dt.date | None, today: dt.date, never: str = "–") -> str:
    """'today', 'yesterday', '5 days ago', '3 weeks ago', '4 months ago', '2 years ago'."""
    if day is None:
        return never
    days = (today - day).days
    if days <= 0:
        return "today" if days == 0 else date_text(day)
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 61:
        return f"{days // 7} weeks ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def days_ago(day: dt.date, today: dt.date) -> str:
    """Exact, for a due item's reason: 'today', 'yesterday', '12 days ago', 'in 3 days'."""
    days = (today - day).days
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 0:
        return f"in {plural(-days, 'day')}"
    return f"{count(days)} days ago"
