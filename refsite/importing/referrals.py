"""``refsite import referrals``: a practice-management export to referral lines (a plan; no I/O).

Each row: a date, a referral id, the referrer as typed, a status, an amount and
an appointment type. Only those mapped cells are read; rows are named by number.
A clear referrer match becomes a ``referral-in`` line; a new status or value for
a known id becomes a further line; a row that says what the log says adds
nothing; a row that contradicts the log, an ambiguous or unknown referrer, and
an id another partner holds are listed and never written. So is a row whose line
the privacy guard refuses (its referral id looks like a patient identifier: an
export's "case id" may be a Medicare or record number), unless ``not_patient``
(then the line carries privacy:ok, as ``refsite log --not-patient`` writes it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Mapping

from refsite import vocab
from refsite.authoring import with_privacy_ok
from refsite.checks import line_privacy_problems
from refsite.importing.columns import Columns
from refsite.importing.csvfile import Table
from refsite.importing.matching import Matcher
from refsite.importing.partners import Listed
from refsite.load.logline import parse_line
from refsite.model import Records
from refsite.problems import Source
from refsite.settings import Settings

GENERIC: dict[str, tuple[str, ...]] = {
    "date": ("referral date", "date referred", "received", "date received", "created", "date created", "first appointment",
             "first appointment date", "appointment date", "appointment"),
    "ref": ("referral id", "referral", "referral number", "referral no", "case id", "case", "case number", "case no",
            "episode id", "episode", "reference"),
    "referrer": ("referred by", "referring practitioner", "referring doctor", "referrer name", "referral source",
                 "source", "referrer contact", "referring provider"),
    "referrer_type": ("referral type", "referral source type", "source type", "referrer type"),
    "status": ("referral status", "case status", "episode status", "appointment status", "outcome", "state"),
    "value": ("amount", "invoiced", "total invoiced", "fee", "fees", "revenue", "total", "value", "billed"),
    "service": ("appointment type", "service", "treatment", "case title", "service type", "item"),
    "status_date": ("status date", "updated", "last updated", "date updated", "last appointment"),
}

# Extra headers each system's exports use (the generic ones apply too). Shapes from the vendors' help pages:
# column names vary by version and report, so --map covers the rest.
PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "generic": {},
    "cliniko": {"referrer": ("referral source contact", "referrer", "contact"), "referrer_type": ("referral source type",),
                "date": ("referral date", "appointment start", "created at"), "ref": ("referral id", "patient case id"),
                "service": ("appointment type name", "billable item")},
    "jane": {"referrer": ("referred by", "referral source"), "value": ("amount", "collected"),
             "service": ("treatment", "discipline"), "date": ("first visit", "date")},
    "nookal": {"referrer": ("referrer", "referrer name"), "referrer_type": ("type", "referrer type"),
               "ref": ("case id", "case"), "service": ("case title",), "value": ("invoiced", "paid"),
               "date": ("first appointment date", "first appointment")},
}

# The usual statuses of exports, each to refsite's; the settings' import_statuses extend it.
STATUS_WORDS: Mapping[str, str] = {
    "received": "received", "new": "received", "referred": "received", "pending": "received", "open": "received",
    "waiting": "received", "waitlist": "received",
    "booked": "booked", "scheduled": "booked", "appointment booked": "booked", "confirmed": "booked",
    "arrived": "converted", "attended": "converted", "completed": "converted", "converted": "converted",
    "in treatment": "converted", "active": "converted", "seen": "converted", "started": "converted",
    "cancelled": "declined", "canceled": "declined", "did not attend": "declined", "dna": "declined",
    "no show": "declined", "noshow": "declined", "declined": "declined", "not suitable": "declined",
    "unsuitable": "declined", "lost": "declined",
    "discharged": "discharged", "closed": "discharged", "finished": "discharged", "complete": "discharged",
}
RANK = {"received": 0, "booked": 1, "converted": 2, "discharged": 3, "declined": 3}
NOT_A_PARTNER = frozenset({"patient", "client", "self", "self referral", "friend", "family", "family or friend",
                           "word of mouth", "walk in", "google", "internet", "website", "social media"})
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), 1)}


class DateOrderError(Exception):
    """Dates such as 03/04/2026 with nothing in the file to say which is the day (a usage error)."""


@dataclass(frozen=True)
class Line:
    """A log line to append to a partner (the body after '- ')."""

    partner_id: str
    body: str
    row: int
    new: bool  # the first line of a referral (else a further status or value)


@dataclass(frozen=True)
class ReferralsPlan:
    lines: tuple[Line, ...]
    already: tuple[int, ...]  # rows whose referral the log already says
    listed: tuple[Listed, ...]
    unknown: tuple[tuple[str, int], ...]  # referrers that match nobody: (as typed, rows), most rows first
    unread: tuple[str, ...]
    history_before: dt.date | None  # the earliest date imported, when it is older than the thanks window


def fields_for(preset: str) -> dict[str, tuple[str, ...]]:
    extra = PRESETS[preset]
    return {name: (*extra.get(name, ()), *aliases) for name, aliases in GENERIC.items()}


def date_order(cells: list[str]) -> str | None:
    """'day' or 'month' when the file's dd/mm dates say which comes first; None when no date says."""
    for cell in cells:
        m = re.match(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})", cell)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a > 12 >= b:
                return "day"
            if b > 12 >= a:
                return "month"
    return None


def needs_order(cells: list[str]) -> bool:
    return any(re.match(r"^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", c) for c in cells)


def parse_date(cell: str, dayfirst: bool) -> dt.date | None:
    text = cell.strip()
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$", text)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.match(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?:[ ,T].*)?$", text)
        if m:
            a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
            year += 2000 if year < 100 else 0
            day, month = (a, b) if dayfirst else (b, a)
            return dt.date(year, month, day)
        m = re.match(r"^(?:[A-Za-z]+,?\s+)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})", text)  # 2 Mar 2026, Mon 2 March 2026
        if m and m.group(2).lower() in _MONTHS:
            return dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
        m = re.match(r"^([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})", text)  # Mar 2, 2026
        if m and m.group(1).lower() in _MONTHS:
            return dt.date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
    except ValueError:
        return None
    return None


def parse_money(cell: str) -> Decimal | None:
    """"$1,240.00", "1.240,00 EUR", "AUD 95", "(0.00)" -> a number; None for anything else."""
    text = re.sub(r"[^\d.,\-]", "", cell)
    if not text or text.startswith("-"):
        return None
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal_mark = "," if re.search(r",\d{1,2}$", text) else ""
    else:
        decimal_mark = "." if re.search(r"\.\d{1,2}$", text) or text.count(".") == 1 and not re.search(r"\.\d{3}$", text) else ""
    thousands = {",": ".", ".": ",", "": ",."}[decimal_mark]
    for mark in thousands:
        text = text.replace(mark, "")
    text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def money_text(number: Decimal) -> str:
    text = f"{number.quantize(Decimal('0.01')):f}"
    return text[:-3] if text.endswith(".00") else text


def status_of(cell: str, settings: Settings) -> str | None:
    key = vocab.normalise_word(cell)
    return settings.import_statuses.get(key) or STATUS_WORDS.get(key)


def service_of(cell: str, settings: Settings) -> str | None:
    key = vocab.normalise_word(cell)
    if key in settings.import_services:
        return settings.import_services[key]
    slug = key.replace(" ", "-")
    return slug if slug in settings.services else None


@dataclass
class _State:
    """What the log says of a referral id, moved on as rows are planned."""

    partner_id: str
    direction: str
    status: str
    history: set[str]
    value: Decimal | None
    service: str | None
    last: dt.date


def plan_referrals(
    table: Table, columns: Columns, records: Records, settings: Settings, today: dt.date, aliases: Mapping[str, str],
    dayfirst: bool, not_patient: bool = False,
) -> ReferralsPlan:
    """What importing ``table`` would append and list. Reads only the cells of mapped columns.

    Each line is put to the privacy guard (refsite.checks.line_privacy_problems) before it is
    planned: a line it refuses is listed, not written, unless ``not_patient`` (written with privacy:ok).
    """
    matcher = Matcher(records, aliases)
    states: dict[str, _State] = {}
    for partner in records.partners:
        for referral in partner.referrals:
            states[referral.id] = _State(partner.id, referral.direction, referral.status,
                                         {s for s, _ in referral.status_dates}, referral.value, referral.service,
                                         max(e.date for e in referral.events))
    lines: list[Line] = []
    already: list[int] = []
    listed: list[Listed] = []
    unknown: Counter[str] = Counter()
    earliest: dt.date | None = None
    for row in table.rows:
        cell = lambda name, row=row: row.get(columns.index(name))  # noqa: E731
        here = (row.number,)
        kind = vocab.normalise_word(cell("referrer_type"))
        if kind in NOT_A_PARTNER:
            listed.append(Listed(here, "referred by a patient, a friend or the web, not a partner: skipped", skipped=True))
            continue
        ref = cell("ref")
        if not ref:
            listed.append(Listed(here, "no referral id: refsite needs the system's referral, case or episode id"))
            continue
        ref = re.sub(r"\s+", "-", ref)
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/#-]*", ref):
            listed.append(Listed(here, "the referral id has characters a log line cannot carry (letters, digits, . _ / # -)"))
            continue
        date = parse_date(cell("date"), dayfirst)
        if date is None:
            listed.append(Listed(here, "no date that can be read (DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD)" if cell("date")
                                 else "the date is empty"))
            continue
        if date > today:
            listed.append(Listed(here, f"dated {date}, after today ({today}): not imported yet"))
            continue
        status = "received"
        if cell("status"):
            found = status_of(cell("status"), settings)
            if found is None:
                listed.append(Listed(here, f"status '{cell('status')}' is not one refsite knows: add it to the settings' "
                                     f"import_statuses ({vocab.normalise_word(cell('status'))}: booked|converted|declined|discharged)"))
                continue
            status = found
        value = None
        if cell("value"):
            value = parse_money(cell("value"))
            if value is None:
                listed.append(Listed(here, "the amount cannot be read as money"))
                continue
            if value == 0:
                value = None
        service = service_of(cell("service"), settings) if cell("service") else None
        state = states.get(ref)
        referrer = cell("referrer")
        if state is not None and state.direction == "out":
            listed.append(Listed(here, f"{ref} is a referral we sent to {state.partner_id}: not imported"))
            continue
        if not referrer:
            listed.append(Listed(here, "the referrer is empty"))
            continue
        match = matcher.match(referrer)
        if match.partner_id is None:
            names = ", ".join(f"{pid} ({score})" for pid, score in match.candidates)
            if match.how == "ambiguous":
                listed.append(Listed(here, f"'{referrer}' could be several partners: {names}; say which in "
                                     "records/import-aliases.yml (or --alias)"))
            else:
                unknown[referrer] += 1
                listed.append(Listed(here, f"'{referrer}' matches no partner" + (f" (closest: {names})" if names else "")))
            continue
        partner_id = match.partner_id
        if partner_id not in records.by_id:
            listed.append(Listed(here, f"'{referrer}' is mapped to '{partner_id}', which is not a partner"))
            continue
        if state is not None and state.partner_id != partner_id:
            listed.append(Listed(here, f"{ref} is already {state.partner_id}'s referral, not {partner_id}'s: not imported"))
            continue
        if state is None:
            service = service or "general"  # a referral's first line names its service line ("anything else")
            body = f"{date.isoformat()} referral-in {ref}" + (f" status:{status}" if status != "received" else "") + \
                f" service:{service}" + (f" value:{money_text(value)}" if value is not None else "")
            body, refused = _guarded(body, records, partner_id, settings, not_patient)
            if refused:
                listed.append(Listed(here, refused))
                continue
            lines.append(Line(partner_id, body, row.number, True))
            states[ref] = _State(partner_id, "in", status, {"received", status}, value, service, date)
            earliest = date if earliest is None or date < earliest else earliest
            continue
        if service and state.service not in (None, "general") and service != state.service:
            listed.append(Listed(here, f"{ref}: the export says service {service}, the log says {state.service}; "
                                 "not imported (correct one of them)"))
            continue
        if {status, state.status} & {"declined"} and {status, state.status} & {"converted", "discharged"}:
            listed.append(Listed(here, f"{ref}: the export says {status}, the log says {state.status}; not imported "
                                 "(correct one of them)"))
            continue
        moves_on = RANK[status] > RANK[state.status] and status not in state.history
        new_value = value is not None and value != state.value
        if not moves_on and not new_value:
            already.append(row.number)
            continue
        when = parse_date(cell("status_date"), dayfirst) if cell("status_date") else None
        when = when if when is not None and state.last <= when <= today else (date if date > state.last else today)
        body = f"{when.isoformat()} referral-in {ref}" + (f" status:{status}" if moves_on else "") + \
            (f" value:{money_text(value)}" if new_value and value is not None else "")
        body, refused = _guarded(body, records, partner_id, settings, not_patient)
        if refused:
            listed.append(Listed(here, refused))
            continue
        lines.append(Line(partner_id, body, row.number, False))
        if moves_on:
            state.status = status
            state.history.add(status)
        state.value = value if new_value else state.value
        state.last = when
    thanks_window = today - dt.timedelta(days=settings.thanks_days)
    history = earliest if earliest is not None and earliest < thanks_window else None
    return ReferralsPlan(tuple(lines), tuple(already), tuple(listed),
                         tuple(sorted(unknown.items(), key=lambda item: (-item[1], item[0]))), columns.unread, history)


NOT_PATIENT_OVERRIDE = "run again with --not-patient"


def _guarded(body: str, records: Records, partner_id: str, settings: Settings, not_patient: bool) -> tuple[str, str | None]:
    """(the body to write, None), or (body, why the privacy guard refuses it); with ``not_patient``, privacy:ok added."""
    event, _problems = parse_line(f"- {body}", Source(f"{partner_id}.md"), settings.services)
    if event is None:  # the writer reports a line that cannot be read, with its messages
        return body, None
    refused = line_privacy_problems(records.by_id[partner_id], event, settings, NOT_PATIENT_OVERRIDE)
    if not refused:
        return body, None
    if not_patient:
        return with_privacy_ok(body), None
    return body, "; ".join(dict.fromkeys(p.message for p in refused))
