"""Text for people, the same bytes on every machine: dates, money, shares, plurals (no locale).

These are the templates' filters (``refsite.render.templates`` registers them) and the
page builders' formatting.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from urllib.parse import quote

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


# A token that must not break across lines: letters and digits joined by '-', '.', '/' or '#', with a
# digit somewhere (a referral id R-2418, a date 2026-11-06, 24/7), not an ordinary hyphenated word.
_UNBREAKABLE = re.compile(r"(?<![\w./#-])(?=[\w./#-]*\d)[A-Za-z0-9]+(?:[-./#][A-Za-z0-9]+)+(?![\w#-]|[./][A-Za-z0-9])")


def keep_together(text: object) -> Markup:
    """Plain text as HTML, escaped, with referral ids and dates in ``<span class="rs-nowrap">``.

    Due reasons and actions are plain text from the due engine; a browser would break
    'R-2418' or '2026-11-06' at the hyphen. Every other character is escaped as usual.
    """
    plain = "" if text is None else str(text)
    parts: list[str] = []
    last = 0
    for match in _UNBREAKABLE.finditer(plain):
        parts.append(str(escape(plain[last:match.start()])))
        parts.append(f'<span class="rs-nowrap">{escape(match.group())}</span>')
        last = match.end()
    parts.append(str(escape(plain[last:])))
    return Markup("".join(parts))


def front_matter_text(value: object) -> Markup:
    """A value for the page's YAML front matter: HTML-escaped (themes print titles raw), then quoted."""
    return Markup(json.dumps(str(escape(str(value)))))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "tag"


def mailto_url(email: str | None) -> str | None:
    """'mailto:' and the address, percent-encoded (a '?' or '&' in it cannot add a subject or a body)."""
    address = (email or "").strip()
    return f"mailto:{quote(address, safe='@!$*+-._~')}" if "@" in address else None


def tel_url(phone: str | None) -> str | None:
    """'tel:' and the number's digits (and a leading '+'), or None when it has no digits to dial."""
    text = (phone or "").strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return None
    return f"tel:{'+' if text.startswith('+') else ''}{digits}"


def safe_url(url: str | None) -> str | None:
    """A web address worth linking: http(s) only (never javascript: and friends)."""
    if url and re.match(r"^https?://[^\s\"'<>]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None
