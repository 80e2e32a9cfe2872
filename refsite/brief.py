"""A one-page meeting brief for one partner: a pure function of (records, settings, partner id, today).

"Write a list before every meeting": who they are, the people and what they prefer,
what we gave them and what they sent us in the last twelve months, the thanks and
patient updates still owed, the value ideas not yet given, the last few touches, and
what to ask for (the due engine's next steps for them, and the introductions the due
engine suggests they could make). No I/O, no clock; ``refsite.output.brief`` turns a
:class:`Brief` into text, Markdown or JSON.

Referrals appear as counts, opaque ids, services and statuses only: nothing about a
patient beyond what the log's referral lines hold.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping

from refsite import vocab
from refsite.due import DueItem, due, value_ideas_not_given
from refsite.fit import Fit
from refsite.model import Contact, LogEvent, Records, Referral
from refsite.settings import Settings

WINDOW_DAYS = 365  # "the last twelve months": today and the 364 days before it
GIVEN_KINDS = frozenset({"value", "gift", "event"})  # plus any line that carries a cost (hospitality)
OWED_RULES = frozenset({"thanks", "update"})
# The last few touches: every kind that counts as contact, and their replies; referral lines have their own section.
TOUCH_KINDS = (frozenset(k for k, v in vocab.LOG_KINDS.items() if v.contact) | {"reply"}) - {"referral-out"}
LAST_TOUCHES = 5


@dataclass(frozen=True)
class Person:
    """A contact at the partner, and when the log last names them."""

    name: str
    role: str
    prefers: str | None
    notes: str | None
    last_date: dt.date | None  # the last log line (up to today) 'with' them
    last_kind: str | None


@dataclass(frozen=True)
class Line:
    """A log line as the brief shows it: what we gave them, or a touch."""

    date: dt.date
    kind: str
    author: str | None
    with_: tuple[str, ...]
    text: str
    cost: Decimal | None


@dataclass(frozen=True)
class Count:
    term: str  # a status or a service ('' when the referral names no service)
    n: int


@dataclass(frozen=True)
class SentReferral:
    """A referral we sent them: id, date, service and status as of today."""

    id: str
    date: dt.date
    service: str | None
    status: str


@dataclass(frozen=True)
class Introduction:
    """A prospect the due engine suggests this partner could introduce us to."""

    prospect_id: str
    prospect_name: str
    ask: str  # 'Ask them to introduce you to Renee Castillo at Bondi Junction Medical Centre (also in Bondi Junction)'
    item: DueItem  # the prospect's 'introduction' item (its action names every suggested introducer)


@dataclass(frozen=True)
class Brief:
    """Everything a meeting brief shows, as of ``today``."""

    today: dt.date
    practice: str
    currency: str
    # Who they are
    partner_id: str
    name: str
    category: str
    stage: str
    tier: str
    owner: str | None
    owner_name: str
    organisation: str | None
    location: str | None
    since: dt.date | None
    prefers: str | None
    updates: str
    snooze_until: dt.date | None
    introduced_by: tuple[str, str] | None  # (id, name)
    introduced: tuple[tuple[str, str], ...]  # partners they introduced to us: (id, name), by id
    agreement: str | None
    financial: str | None
    interests: tuple[str, ...]
    tags: tuple[str, ...]
    # The people
    people: tuple[Person, ...]
    # What we gave, what they sent (window_start..today)
    window_start: dt.date
    given: tuple[Line, ...]  # newest first
    given_cost: Decimal  # the costs of the lines in ``given``
    year_cost: Decimal  # gifts and hospitality in today's calendar year, up to today
    gift_cap: Decimal | None  # the settings' yearly cap per partner (None: no cap)
    received: int  # referrals in, received in the window
    received_total: int  # referrals in, ever (up to today)
    by_status: tuple[Count, ...]  # of the referrals received in the window, as of today (vocabulary order)
    by_service: tuple[Count, ...]  # most first, then by name
    revenue: Decimal  # value recorded so far for the referrals received in the window
    last_received: SentReferral | None  # their latest referral (ever), as of today
    sent: tuple[SentReferral, ...]  # referrals we sent them in the window, newest first
    # Owed, ideas, touches, asks
    owed: tuple[DueItem, ...]  # thanks and patient updates not yet given, most urgent first
    ideas: tuple[str, ...]  # value ideas not yet given, in the record's order
    ideas_total: int  # value ideas in the record, given or not
    touches: tuple[Line, ...]  # the last few, newest first
    asks: tuple[DueItem, ...]  # the due engine's other items for them, most urgent first
    introductions: tuple[Introduction, ...]  # prospects they could introduce us to, most urgent first
    fit: Fit | None = None  # the record's fit: answers (refsite.fit); fit_score(fit) is the score shown


class UnknownPartner(LookupError):
    """No partner with this id."""


def brief(records: Records, settings: Settings, partner_id: str, today: dt.date) -> Brief:
    """The meeting brief for ``partner_id`` as of ``today`` (log lines dated later are ignored).

    Raises :class:`UnknownPartner` when the records hold no such partner.
    """
    partner = records.get(partner_id)
    if partner is None:
        raise UnknownPartner(partner_id)
    items = due(records, settings, today)
    own = [i for i in items if i.partner_id == partner.id]
    introductions = tuple(
        Introduction(i.partner_id, i.partner_name, _intro_ask(i, partner.id), i)
        for i in items if i.rule == "introduction" and partner.id in i.introducers
    )
    events = sorted((e for e in partner.events if e.date <= today), key=lambda e: (e.date, e.source.line))
    start = today - dt.timedelta(days=WINDOW_DAYS - 1)
    given = [_line(e) for e in reversed(events) if e.date >= start and (e.kind in GIVEN_KINDS or e.cost is not None)]
    referrals = [r for r in partner.referrals if r.received <= today]
    ins = [r for r in referrals if r.direction == "in"]
    ins_window = [r for r in ins if r.received >= start]
    statuses = [_status_on(r, today) for r in ins_window]
    services: dict[str, int] = {}
    for r in ins_window:
        services[r.service or ""] = services.get(r.service or "", 0) + 1
    sent = [_summary(r, today) for r in referrals if r.direction == "out" and r.received >= start]
    cap = Decimal(str(settings.gift_cap))
    cap = cap.to_integral_value() if cap == cap.to_integral_value() else cap  # 250, not 250.0
    introducer = records.get(partner.introduced_by) if partner.introduced_by else None
    return Brief(
        today=today,
        practice=settings.practice,
        currency=settings.currency,
        partner_id=partner.id,
        name=partner.name,
        category=partner.category,
        stage=partner.stage,
        tier=partner.tier,
        owner=partner.owner,
        owner_name=settings.member_name(partner.owner),
        organisation=partner.organisation,
        location=partner.location,
        since=partner.since,
        prefers=partner.prefers,
        updates=partner.updates,
        snooze_until=partner.snooze_until if partner.snooze_until and partner.snooze_until > today else None,
        introduced_by=((partner.introduced_by, introducer.name if introducer else partner.introduced_by)
                       if partner.introduced_by else None),
        introduced=tuple((p.id, p.name) for p in records.partners if p.introduced_by == partner.id),
        agreement=partner.agreement,
        financial=partner.financial,
        interests=partner.interests,
        tags=partner.tags,
        people=tuple(_person(c, events) for c in partner.contacts),
        window_start=start,
        given=tuple(given),
        given_cost=sum((g.cost for g in given if g.cost is not None), Decimal(0)),
        year_cost=sum((e.cost for e in events if e.cost is not None and e.date.year == today.year), Decimal(0)),
        gift_cap=cap if cap > 0 else None,
        received=len(ins_window),
        received_total=len(ins),
        by_status=tuple(Count(s, statuses.count(s)) for s in vocab.STATUSES if s in statuses),
        by_service=tuple(Count(s, n) for s, n in sorted(services.items(), key=lambda kv: (-kv[1], kv[0] == "", kv[0]))),
        revenue=sum((v for r in ins_window if (v := _value_on(r, today)) is not None), Decimal(0)),
        last_received=_summary(ins[-1], today) if ins else None,
        sent=tuple(reversed(sent)),
        owed=tuple(i for i in own if i.rule in OWED_RULES),
        ideas=value_ideas_not_given(partner, today),
        ideas_total=len(partner.value_ideas),
        touches=tuple(_line(e) for e in reversed(events) if e.kind in TOUCH_KINDS)[:LAST_TOUCHES],
        asks=tuple(i for i in own if i.rule not in OWED_RULES),
        introductions=introductions,
        fit=partner.fit,
    )


def _intro_ask(item: DueItem, introducer_id: str) -> str:
    """The due engine's introduction item, as asked of one introducer (from its structured facts)."""
    who = item.introduce or item.partner_name
    if who != item.partner_name:
        who = f"{who} at {item.partner_name}"
    reasons = dict(zip(item.introducers, item.introducer_reasons))
    why = reasons.get(introducer_id)
    return f"Ask them to introduce you to {who}" + (f" ({why})" if why else "")


def _line(event: LogEvent) -> Line:
    return Line(event.date, event.kind, event.author, event.with_, event.text, event.cost)


def _person(contact: Contact, events: list[LogEvent]) -> Person:
    last = next((e for e in reversed(events) if any(contact.matches(w) for w in e.with_)), None)
    return Person(contact.name, contact.role, contact.prefers, contact.notes,
                  last.date if last else None, last.kind if last else None)


def _status_on(referral: Referral, today: dt.date) -> str:
    return referral.as_of(today).status


def _value_on(referral: Referral, today: dt.date) -> Decimal | None:
    return referral.as_of(today).value


def _summary(referral: Referral, today: dt.date) -> SentReferral:
    return SentReferral(referral.id, referral.received, referral.service, _status_on(referral, today))


def partner_suggestions(word: str, partners: Mapping[str, str], most: int = 5) -> tuple[str, ...]:
    """Partner ids (keys of ``partners``: id -> name) that ``word`` may have meant, best first.

    Ids that begin with it; else ids or names that hold it ('pilates', 'Harbour Street');
    else the closest ids by spelling. At most ``most``.
    """
    wanted = word.strip().casefold()
    slug = re.sub(r"[^a-z0-9]+", "-", wanted).strip("-")
    ids = sorted(partners)
    if not slug:
        return ()
    for found in ([p for p in ids if p.startswith(slug)],
                  [p for p in ids if slug in p or wanted in partners[p].casefold()]):
        if found:
            return tuple(found[:most])
    return tuple(difflib.get_close_matches(slug, ids, n=min(3, most), cutoff=0.7))
