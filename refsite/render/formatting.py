"""Text for people, the same bytes on every machine: dates, money, shares, plurals (no locale).

These are the templates' filters (``refsite.render.templates`` registers them) and the
page builders' formatting.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from markupsafe import Markup, escape

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def label(term: object) -> str:
    """A vocabulary term for people: 'primary-care' -> 'Primary care'."""
    text = str(term or "").replace("-", " ")
    return text[:1].upper() + text[1:]


def fmt_date(day: dt.date | None) -> str:
    """'22 Nov 2026' (no locale: the same bytes on every machine)."""
    if day is None:
        return ""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def fmt_long_date(day: dt.date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS_LONG[day.month - 1]} {day.year}"


def fmt_money(amount: Decimal | float | int | None, currency: str = "$") -> str:
    if amount is None:
        return ""
    value = Decimal(str(amount))
    if value == value.to_integral_value():
        return f"{currency}{value:,.0f}"
    return f"{currency}{value:,.2f}"


def fmt_pct(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f}%"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def relative_days(days_overdue: int) -> str:
    """'12 days overdue', 'due today', 'in 3 days'."""
    if days_overdue > 0:
        return f"{plural(days_overdue, 'day')} overdue"
    if days_overdue == 0:
        return "due today"
    return f"in {plural(-days_overdue, 'day')}"


def ago(day: dt.date | None, today: dt.date) -> str:
    """'today', 'yesterday', '5 days ago', '3 weeks ago', '4 months ago', '2 years ago'."""
    if day is None:
        return "–"
    days = (today - day).days
    if days <= 0:
        return "today" if days == 0 else fmt_date(day)
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 61:
        return f"{days // 7} weeks ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def front_matter_text(value: object) -> Markup:
    """A value for the page's YAML front matter: HTML-escaped (themes print titles raw), then quoted."""
    return Markup(json.dumps(str(escape(str(value)))))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "tag"


def safe_url(url: str | None) -> str | None:
    """A web address worth linking: http(s) only (never javascript: and friends)."""
    if url and re.match(r"^https?://[^\s\"'<>]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None
