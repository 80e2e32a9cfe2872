"""The site's downloads: partners and due items as CSV, due contacts as iCalendar feeds.

``refsite export`` writes the same files, and also the referrals (one row per referral,
nothing about the patient but the opaque id, the service and the outcome), each table
also as JSON (:func:`table_json`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Iterable, Sequence

from refsite.due import DueItem
from refsite.model import Referral
from refsite.render.computed import Model, partner_row


def _cell(value: object) -> object:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


Table = tuple[tuple[str, ...], list[tuple[object, ...]]]  # a header and its rows


def partners_table(model: Model, owner: str | None = None) -> Table:
    """One row per partner (of ``owner``, or all), by id."""
    rows: list[tuple[object, ...]] = []
    for partner in model.records.partners:
        if owner is not None and partner.owner != owner:
            continue
        row = partner_row(model, partner)
        rows.append((partner.id, partner.name, partner.organisation, partner.category, partner.stage, partner.tier,
                     partner.owner, partner.location, ";".join(partner.tags), row.last_contact, row.referrals_year,
                     row.next.rule if row.next else None, row.next.due_date if row.next else None))
    return (("id", "name", "organisation", "category", "stage", "tier", "owner", "location", "tags",
             "last_contact", "referrals_12_months", "next_rule", "next_due"), rows)


def partners_csv(model: Model, owner: str | None = None) -> str:
    return _csv(*partners_table(model, owner))


def due_table(model: Model, owner: str | None = None) -> Table:
    """Every due item (of ``owner``, or all; later ones too), by urgency."""
    return (
        ("partner_id", "partner_name", "owner", "rule", "status", "due_date", "days_overdue", "reason", "action", "ref"),
        [(i.partner_id, i.partner_name, i.owner, i.rule, i.status, i.due_date, i.days_overdue, i.reason, i.action, i.ref)
         for i in model.items if owner is None or i.owner == owner],
    )


def due_csv(model: Model, owner: str | None = None) -> str:
    return _csv(*due_table(model, owner))


REFERRAL_COLUMNS = ("partner_id", "partner_name", "category", "owner", "id", "direction", "received", "service",
                    "status", "converted", "value", "satisfaction")


def _referral_as_of(referral: Referral, today: dt.date) -> tuple[str, dt.date | None, Decimal | None, int | None]:
    """Status, converted date (the first 'converted', else 'discharged'), value and satisfaction as known on today."""
    status, converted, discharged, value, satisfaction = "received", None, None, None, None
    for event in referral.events:
        if event.date > today:
            continue
        status = event.status or status
        if event.status == "converted" and converted is None:
            converted = event.date
        if event.status == "discharged" and discharged is None:
            discharged = event.date
        value = event.value if event.value is not None else value
        satisfaction = event.satisfaction if event.satisfaction is not None else satisfaction
    return status, converted or discharged, value, satisfaction


def referrals_table(model: Model, owner: str | None = None) -> Table:
    """One row per referral (in and out) up to today, by partner id then date: the columns of REFERRAL_COLUMNS only."""
    rows: list[tuple[object, ...]] = []
    for partner in model.records.partners:
        if owner is not None and partner.owner != owner:
            continue
        for r in partner.referrals:
            if r.received > model.today:
                continue
            status, converted, value, satisfaction = _referral_as_of(r, model.today)
            rows.append((partner.id, partner.name, partner.category, partner.owner, r.id, r.direction, r.received,
                         r.service, status, converted, value, satisfaction))
    return REFERRAL_COLUMNS, rows


def referrals_csv(model: Model, owner: str | None = None) -> str:
    return _csv(*referrals_table(model, owner))


def table_csv(table: Table) -> str:
    """A table as CSV (text a spreadsheet would run as a formula gets a leading apostrophe)."""
    return _csv(*table)


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def table_json(table: Table) -> str:
    """A table as a JSON list of objects keyed by the header; dates YYYY-MM-DD, money as exact decimal strings."""
    header, rows = table
    data = [{k: _json_value(v) for k, v in zip(header, row)} for row in rows]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


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
        "downloads/partners.csv": partners_csv(model),
        "downloads/due.csv": due_csv(model),
        "downloads/due.ics": due_ics(model),
    }
    for member in model.settings.team:
        files[f"downloads/due-{member.id}.ics"] = due_ics(model, member.id, f"Referral contacts: {member.name}")
    return files
