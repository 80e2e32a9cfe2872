"""The site's downloads: partners and due items as CSV, due contacts as iCalendar feeds.

The tables are the exports of :mod:`refsite.output.exports` (``refsite export`` writes
the same bytes); the feeds are :func:`due_ics`, which ``refsite export calendar`` writes.
"""

from __future__ import annotations

import datetime as dt

from refsite.due import DueItem
from refsite.output.exports import due_table, partners_table
from refsite.render.computed import Model


def _ics_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")


def _ics_fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75  # continuation lines start with a space: 74 octets of content
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a UTF-8 continuation byte
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74
    return "\r\n ".join(parts)


def ics_description(item: DueItem) -> str:
    """An event's description: why it is due and what to do, nothing more (no notes, no contact details).

    The due engine's reasons name a referral by its opaque id only, never a patient.
    """
    return f"{item.reason}\nNext: {item.action}"


def due_ics(model: Model, owner: str | None = None, name: str = "Referral contacts") -> str:
    """An iCalendar feed of due contacts (all owners, or one): all-day events, stable UIDs, no clock.

    Each event: the partner and the action as its summary, the reason and the action as its description.
    """
    stamp = f"{model.today:%Y%m%d}T000000Z"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//refsite//due contacts//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_ics_text(name)}"]
    for item in model.items:
        if owner is not None and item.owner != owner:
            continue
        day = max(item.due_date, model.today)
        uid = f"{item.rule}-{item.partner_id}" + (f"-{item.ref}" if item.ref else "")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_ics_text(uid)}@refsite",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_ics_text(f'{item.partner_name}: {item.action}')}",
            f"DESCRIPTION:{_ics_text(ics_description(item))}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_ics_fold(line) + "\r\n" for line in lines)


def download_files(model: Model) -> dict[str, str]:
    files = {
        "downloads/partners.csv": partners_table(model.records, model.items, model.today).csv(),
        "downloads/due.csv": due_table(model.items, model.settings).csv(),
        "downloads/due.ics": due_ics(model),
    }
    for member in model.settings.team:
        files[f"downloads/due-{member.id}.ics"] = due_ics(model, member.id, f"Referral contacts: {member.name}")
    return files
