"""The site's downloads: partners and due items as CSV, due contacts as iCalendar feeds.

The tables are the exports of :mod:`refsite.output.exports` (``refsite export`` writes
the same bytes); the feeds are :func:`due_ics`, which ``refsite export calendar`` writes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from refsite.due import DueItem
from refsite.model import Partner, Records
from refsite.output.exports import DUE_COLUMNS, PARTNER_COLUMNS, due_table, partners_table
from refsite.output.tables import csv_text
from refsite.render.computed import Model
from refsite.settings import Settings


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


NOTICES = ("gift-cap", "single-contact")  # things to know, not contacts to make: no event
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def catch_up_day(today: dt.date, setting: object) -> dt.date:
    """Where overdue items go: the next ``calendar_catch_up`` weekday from today (today if it is one), or today."""
    word = str(setting or "").strip().lower()
    if word not in WEEKDAYS:
        return today
    return today + dt.timedelta(days=(WEEKDAYS.index(word) - today.weekday()) % 7)


def ics_day(item: DueItem, today: dt.date, catch_up: dt.date) -> dt.date:
    """An item's day in the calendar: its due date, or the catch-up day when that has passed."""
    return item.due_date if item.due_date >= today else catch_up


def ics_title(item: DueItem) -> str:
    """The partner and the action in few words, from the item's structured facts: no number, no address."""
    who = item.contact or "them"
    ref = f" for referral {item.ref}" if item.ref else ""
    by = f" ({item.channel})" if item.channel else ""
    if item.rule == "thanks":
        what = f"thank {who}{ref}{by}"
    elif item.rule == "update":
        what = f"update {who} on referral {item.ref}{by}" if item.ref else f"update {who}{by}"
    elif item.rule == "meeting":
        what = f"meet {who} in person"
    elif item.rule == "introduction":
        what = f"ask for an introduction to {item.introduce or who}"
    elif item.rule in ("nurture", "prospect"):
        what = f"ask {who} for a meeting{by}" if item.step == "ask-meeting" else f"give {who} something of value{by}"
    elif item.rule == "at-risk":
        what = f"talk with {who}: referrals are down{by}"
    elif item.rule == "reactivate":
        what = f"thank {who}{ref} and welcome them back{by}"
    elif item.rule == "promote":
        what = f"thank {who}{ref}; they now refer{by}"
    else:  # cadence
        what = f"check in with {who}{by}"
    return f"{item.partner_name}: {what}"


def ics_description(item: DueItem) -> str:
    """An event's description: why it is due and what to do, nothing more (no notes, no contact details).

    The due engine's reasons name a referral by its opaque id only, never a patient; the action is
    the title's few words (the engine's own sentence can carry a phone number or an address).
    """
    text = f"{item.reason}\nNext: {ics_title(item).split(': ', 1)[1]}"
    return text.replace(item.address, "") if item.address else text


def due_ics(model: Model, owner: str | None = None, name: str = "Referral contacts",
            memo: DownloadsMemo | None = None) -> str:
    """An iCalendar feed of due contacts (all owners, or one): all-day events, stable UIDs, no clock.

    Each item on its due date, an overdue one on the catch-up day (``calendar_catch_up``); notices
    (gift cap, single contact) left out. Summary: the partner and the action; description: the reason.
    ``memo``: each item's event text, kept between runs (``refsite serve``, :class:`DownloadsMemo`).
    """
    if memo is None:
        catch_up = catch_up_day(model.today, model.settings.values.get("calendar_catch_up"))

        def event(item: DueItem) -> str:
            return _event(model, item, catch_up)
    else:
        memo.check(model)
        event = memo.event
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//refsite//due contacts//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_ics_text(name)}"]
    head = "".join(_ics_fold(line) + "\r\n" for line in lines)
    events = "".join(event(item) for item in model.items
                     if (owner is None or item.owner == owner) and item.rule not in NOTICES)
    return head + events + "END:VCALENDAR\r\n"


def _event(model: Model, item: DueItem, catch_up: dt.date) -> str:
    """One item's VEVENT, its lines folded and ended."""
    stamp = f"{model.today:%Y%m%d}T000000Z"
    day = ics_day(item, model.today, catch_up)
    uid = f"{item.rule}-{item.partner_id}" + (f"-{item.ref}" if item.ref else "")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_ics_text(uid)}@refsite",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{_ics_text(ics_title(item))}",
        f"DESCRIPTION:{_ics_text(ics_description(item))}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    return "".join(_ics_fold(line) + "\r\n" for line in lines)


def _csv_line(columns: tuple[str, ...], row: tuple[Any, ...]) -> str:
    """One row as :func:`refsite.output.tables.csv_text` writes it under ``columns`` (its writer keeps nothing
    between rows, so a table's text is its header's and its rows' one after the other)."""
    return csv_text(columns, (row,))[len(_csv_head(columns)):]


def _csv_head(columns: tuple[str, ...]) -> str:
    return csv_text(columns, ())


class DownloadsMemo:
    """The downloads' pieces kept between runs over records that mostly did not change (``refsite serve``).

    Per due item (a frozen value: equal items give equal text) its calendar event and its due.csv
    line; per partner its partners.csv line, while the partner is the very same object and its
    next item is equal. Everything is dropped when the settings or today change; each run keeps
    only what it used, so the memo holds one site's pieces. Without a memo the texts are the same.
    """

    def __init__(self) -> None:
        self._model: Model | None = None
        self._settings: Settings | None = None
        self._today: dt.date | None = None
        self._catch_up = dt.date.min
        self._events: dict[DueItem, str] = {}
        self._used_events: dict[DueItem, str] = {}
        self._due_lines: dict[DueItem, str] = {}
        self._partner_lines: dict[str, tuple[Partner, DueItem | None, str]] = {}

    def check(self, model: Model) -> None:
        """Start a run for ``model``: what was kept for other settings or another day is dropped."""
        self._model = model
        if model.settings is not self._settings or model.today != self._today:
            self._events, self._used_events, self._due_lines, self._partner_lines = {}, {}, {}, {}
            self._settings, self._today = model.settings, model.today
            self._catch_up = catch_up_day(model.today, model.settings.values.get("calendar_catch_up"))

    def event(self, item: DueItem) -> str:
        text = self._events.get(item)
        if text is None:
            assert self._model is not None
            text = self._events[item] = _event(self._model, item, self._catch_up)
        self._used_events[item] = text
        return text

    def due_csv(self, model: Model) -> str:
        lines = {}
        for item in model.items:
            line = self._due_lines.get(item)
            if line is None:
                line = _csv_line(DUE_COLUMNS, due_table((item,), model.settings).rows[0])
            lines[item] = line
        self._due_lines = lines
        if len(lines) != len(model.items):  # equal items twice: the table as it is
            return due_table(model.items, model.settings).csv()
        return _csv_head(DUE_COLUMNS) + "".join(lines.values())

    def partners_csv(self, model: Model) -> str:
        first: dict[str, DueItem] = {}
        for item in model.items:
            first.setdefault(item.partner_id, item)
        kept = {}
        for partner in model.records.partners:
            nxt = first.get(partner.id)
            old = self._partner_lines.get(partner.id)
            if old is not None and old[0] is partner and old[1] == nxt:
                kept[partner.id] = old
            else:
                row = partners_table(Records((partner,)), (nxt,) if nxt else (), model.today).rows[0]
                kept[partner.id] = (partner, nxt, _csv_line(PARTNER_COLUMNS, row))
        self._partner_lines = kept
        return _csv_head(PARTNER_COLUMNS) + "".join(k[2] for k in kept.values())

    def done(self) -> None:
        """End of a run: keep only the events it used."""
        self._events, self._used_events, self._model = self._used_events, {}, None


def download_files(model: Model, memo: DownloadsMemo | None = None) -> dict[str, str]:
    """Every download's path and text. ``memo``: the pieces kept by an earlier run (the same texts, sooner)."""
    if memo is None:
        files = {
            "downloads/partners.csv": partners_table(model.records, model.items, model.today).csv(),
            "downloads/due.csv": due_table(model.items, model.settings).csv(),
            "downloads/due.ics": due_ics(model),
        }
        for member in model.settings.team:
            files[f"downloads/due-{member.id}.ics"] = due_ics(model, member.id, f"Referral contacts: {member.name}")
        return files
    memo.check(model)
    files = {
        "downloads/partners.csv": memo.partners_csv(model),
        "downloads/due.csv": memo.due_csv(model),
        "downloads/due.ics": due_ics(model, memo=memo),
    }
    for member in model.settings.team:
        files[f"downloads/due-{member.id}.ics"] = due_ics(model, member.id, f"Referral contacts: {member.name}", memo)
    memo.done()
    return files
