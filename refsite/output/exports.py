"""One definition per export: due items, partners, referrals.

``refsite due --format csv|json``, ``refsite export due|partners|referrals`` and the
site's downloads all call these, so the same kind of table has the same columns
and the same JSON shape everywhere (documented in docs/cli.md, "Exports").
Built from the records and the due items, never from the site's pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

from refsite.due import DueItem
from refsite.model import Records
from refsite.output.tables import Table
from refsite.settings import Settings

DUE_COLUMNS = ("owner", "owner_name", "partner_id", "partner_name", "rule", "status", "due_date", "days_overdue",
               "reason", "action", "ref", "introducers", "contact", "channel", "ref_status", "value_idea",
               "suggest_stage")

PARTNER_COLUMNS = ("id", "name", "organisation", "category", "stage", "tier", "owner", "location", "phone", "email",
                   "website", "tags", "last_contact", "referrals_12_months", "next_rule", "next_due")

REFERRAL_COLUMNS = ("partner_id", "partner_name", "category", "owner", "id", "direction", "received", "service",
                    "status", "converted", "value", "satisfaction")


def due_table(items: Iterable[DueItem], settings: Settings, owner: str | None = None) -> Table:
    """Due items in the order given (most urgent first), of ``owner`` or everyone's.

    The partner id names the record (``records/<id>.md``); no file path is written, so the same
    records give the same bytes wherever they are (the site offers this file too).
    """
    rows = tuple(
        (i.owner, settings.member_name(i.owner) if i.owner else None, i.partner_id, i.partner_name, i.rule,
         i.status, i.due_date, i.days_overdue, i.reason, i.action, i.ref, i.introducers, i.contact, i.channel,
         i.ref_status, i.value_idea, i.suggest_stage)
        for i in items if owner is None or i.owner == owner
    )
    return Table(DUE_COLUMNS, rows)


def partners_table(records: Records, items: Sequence[DueItem], today: dt.date, owner: str | None = None) -> Table:
    """One row per partner (of ``owner``, or all) by id; ``items`` (sorted by urgency) give the next item."""
    first: dict[str, DueItem] = {}
    for item in items:
        first.setdefault(item.partner_id, item)
    year_start = today - dt.timedelta(days=364)
    rows = []
    for p in records.partners:
        if owner is not None and p.owner != owner:
            continue
        nxt = first.get(p.id)
        rows.append((p.id, p.name, p.organisation, p.category, p.stage, p.tier, p.owner, p.location, p.phone,
                     p.email, p.website, ";".join(p.tags), p.last_contact(today),
                     p.referrals_received(year_start, today), nxt.rule if nxt else None,
                     nxt.due_date if nxt else None))
    return Table(PARTNER_COLUMNS, tuple(rows))


def referrals_table(records: Records, today: dt.date, owner: str | None = None) -> Table:
    """One row per referral in or out received on or before ``today``, by partner id then date.

    Nothing about the patient but the opaque id, the service line and the outcome.
    """
    rows = []
    for p in records.partners:
        if owner is not None and p.owner != owner:
            continue
        for r in p.referrals:
            if r.received > today:
                continue
            state = r.as_of(today)
            rows.append((p.id, p.name, p.category, p.owner, r.id, r.direction, r.received, r.service, state.status,
                         state.converted, state.value, state.satisfaction))
    return Table(REFERRAL_COLUMNS, tuple(rows))
