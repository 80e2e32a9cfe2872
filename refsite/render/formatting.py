"""Text for people, the same bytes on every machine: dates, money, shares, plurals (no locale).

These are the templates' filters (``refsite.render.templates`` registers them) and the
page builders' formatting.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from markupsafe import Markup, escape

# The wording itself lives in refsite.words (one home for the terminal, the site and the drafts);
# the templates know these names as filters.
from refsite.words import MONTHS, MONTHS_LONG, WEEKDAYS, ago, label, pct, plural, relative_days  # noqa: F401
from refsite.words import date_text as fmt_date  # noqa: F401
from refsite.words import long_date as fmt_long_date  # noqa: F401
from refsite.words import money as fmt_money  # noqa: F401


def fmt_pct(share: float | None) -> str:
    return pct(share)


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


# What a record would need to reach someone by each channel (the fields it has: phone, email; no fax or postal address).
_REACHED_AT = {"phone": "phone number", "text": "mobile number", "email": "email address", "fax": "fax number",
               "post": "postal address"}


def prefers_text(channel: str | None, email: str | None = None, phone: str | None = None) -> str:
    """'Prefers phone' when the record has the way to reach them there, else 'Prefers fax · no fax number on record'.

    ``email`` and ``phone``: what the record holds for that person (a contact's own, else the practice's).
    A record has no fax number or postal address field, so 'fax' and 'post' always say so.
    """
    if not channel:
        return ""
    if channel == "in-person":
        return "Prefers to meet in person"
    if {"phone": phone, "text": phone, "email": email}.get(channel):
        return f"Prefers {channel}"
    return f"Prefers {channel} · no {_REACHED_AT.get(channel, 'way to reach them')} on record"
