"""What the metrics read from one partner's record, derived once and as of a date.

Every later computation works on :class:`PartnerFacts`, never on log lines: a
referral's status, value and satisfaction as known on ``today``, the day each
referral received was thanked, touches, costs, meetings and the stage history.
Lines dated after ``today`` are ignored (validation reports them as errors).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable, Sequence

from refsite import vocab
from refsite.model import LogEvent, Partner, Referral
from refsite.settings import Settings

#: Log kinds that count as a touch: every kind that counts as contact, plus a social-media touch.
TOUCH_KINDS = frozenset(name for name, kind in vocab.LOG_KINDS.items() if kind.contact) | {"social"}
#: Log kinds that count as an in-person meeting (key partners need one each quarter).
IN_PERSON_KINDS = frozenset(name for name, kind in vocab.LOG_KINDS.items() if kind.in_person)
#: Log kinds that show a partner engaging with us (a prospect's first sign of interest).
ENGAGED_KINDS = frozenset(name for name, kind in vocab.LOG_KINDS.items() if kind.engaged)
#: Log kinds that keep a partner's cadence (as `refsite due` counts a check-in): every kind that counts as contact.
CADENCE_KINDS = frozenset(name for name, kind in vocab.LOG_KINDS.items() if kind.contact)
UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class UpdateFacts:
    """A patient update a referral owes its referrer: a status they asked to hear about, reached with consent."""

    status: str
    reached: dt.date  # the first day the referral reached the status
    due: dt.date  # reached + update_days: sent by then is on time
    sent: dt.date | None  # the first update line on or after ``reached`` that covers it (up to today)

    def counted(self, today: dt.date) -> bool:
        """Counts towards 'updates on time' on ``today``: sent, or its time is over."""
        return self.sent is not None or self.due < today

    @property
    def on_time(self) -> bool:
        return self.sent is not None and self.sent <= self.due


@dataclass(frozen=True)
class ReferralFacts:
    """One referral received, as known on ``today``."""

    id: str
    received: dt.date
    service: str | None
    converted: dt.date | None  # the first 'converted' (or, without one, 'discharged') date
    declined: dt.date | None
    value: Decimal | None  # the last value written on or before today; None: never recorded
    satisfaction: int | None
    thanked: dt.date | None  # the day a thanks line covered it
    thanks_due: dt.date | None = None  # received + thanks_days: thanked by then is on time
    booked: dt.date | None = None  # its first 'booked' line
    updates: tuple[UpdateFacts, ...] = ()  # the patient updates it owes its referrer (docs/metrics.md)

    def thanks_counted(self, today: dt.date) -> bool:
        """Counts towards 'thanked on time' on ``today``: thanked, or its time to thank is over."""
        return self.thanked is not None or (self.thanks_due is not None and self.thanks_due < today)

    @property
    def thanked_on_time(self) -> bool:
        return self.thanked is not None and self.thanks_due is not None and self.thanked <= self.thanks_due

    @property
    def days_to_book(self) -> int | None:
        return None if self.booked is None else max(0, (self.booked - self.received).days)

    @property
    def days_to_convert(self) -> int | None:
        return None if self.converted is None else max(0, (self.converted - self.received).days)

    @property
    def days_to_thank(self) -> int | None:
        return None if self.thanked is None else max(0, (self.thanked - self.received).days)


@dataclass(frozen=True)
class Touch:
    date: dt.date
    kind: str
    member: str  # the line's @author, else the partner's owner, else 'unassigned'


@dataclass(frozen=True)
class PartnerFacts:
    """Everything the metrics need about one partner, as of ``today``."""

    id: str
    name: str
    category: str
    owner: str  # the partner's owner, else the settings' default owner, else 'unassigned'
    tier: str
    stage: str
    since: dt.date | None
    snooze_until: dt.date | None
    first_seen: dt.date | None  # when its history begins: since (not before the records begin), else its first log line
    received: tuple[ReferralFacts, ...]  # referrals in, by (received, line)
    sent: tuple[dt.date, ...]  # dates of referrals out
    touches: tuple[Touch, ...]
    costs: tuple[tuple[dt.date, Decimal], ...]
    in_person: tuple[dt.date, ...]
    engaged: tuple[tuple[dt.date, str], ...]  # (date, kind) of lines showing them engaging
    stages: tuple[tuple[dt.date, str], ...]  # stage lines (date, new stage), in log order
    prospect_start: dt.date | None  # when it became a prospect (docs/metrics.md, 'The prospect funnel')
    # Its history is cut short by the records, not by the partner being new: it begins with the records
    # (its since is earlier than the practice's first log line, or it has that first line).
    history_clipped: bool = False
    organisation: str | None = None
    as_of: dt.date | None = None  # the day these facts are as of (today)
    cadence: int = 0  # days between contacts for an active partner (0: no cadence applies)
    contacts: tuple[dt.date, ...] = ()  # days of lines that keep the cadence (CADENCE_KINDS)
    clock_start: dt.date | None = None  # the cadence clock before any contact: since, else the first log line
    meeting_days: int = 0  # a key partner (active or nurture): days between in-person meetings (0: not a key partner)

    def received_in(self, start: dt.date, end: dt.date) -> tuple[ReferralFacts, ...]:
        """The referrals received from ``start`` to ``end`` (``received`` is in date order: two bisections)."""
        received = self.received
        low = bisect.bisect_left(received, start, key=_received_day)
        return received[low:bisect.bisect_right(received, end, lo=low, key=_received_day)]


def _received_day(referral: ReferralFacts) -> dt.date:
    return referral.received


def _prospect_start(stages: tuple[tuple[dt.date, str], ...], stage: str, since: dt.date | None,
                    first_seen: dt.date | None) -> dt.date | None:
    for when, new in stages:
        if new == "prospect":
            return when
    if not stages:
        return first_seen if stage == "prospect" else None
    first_when, first_stage = stages[0]
    if first_stage == "active" and since is not None and since < first_when:
        return since  # a partner starts as a prospect: 'since', then a move to active
    return None


def _as_of(referral: Referral, today: dt.date) -> tuple[dt.date | None, dt.date | None, Decimal | None, int | None]:
    converted = discharged = declined = None
    value = satisfaction = None
    for event in referral.events:
        if event.date > today:
            break
        if event.status == "converted" and converted is None:
            converted = event.date
        elif event.status == "discharged" and discharged is None:
            discharged = event.date
        elif event.status == "declined" and declined is None:
            declined = event.date
        if event.value is not None:
            value = event.value
        if event.satisfaction is not None:
            satisfaction = event.satisfaction
    return converted or discharged, declined, value, satisfaction


def _thanked(partner: Partner, referrals: list[Referral], today: dt.date) -> dict[str, dt.date]:
    """The day each referral received was thanked.

    A thanks line naming a referral id thanks that referral; a thanks line with
    no id thanks every referral received on or before its date that no earlier
    thanks covered. Lines are read in date order (ties by line).
    """
    thanked: dict[str, dt.date] = {}
    ids = {r.id for r in referrals}
    lines = sorted((e for e in partner.events if e.kind == "thanks" and e.date <= today),
                   key=lambda e: (e.date, e.source.line))
    for event in lines:
        if event.ref:
            if event.ref in ids:
                thanked.setdefault(event.ref, event.date)
            continue
        for referral in referrals:
            if referral.received <= event.date:
                thanked.setdefault(referral.id, event.date)
    return thanked


def records_start(partners: Iterable[Partner], today: dt.date) -> dt.date | None:
    """The date of the first log line of any partner (on or before today): when the records begin."""
    return min((e.date for p in partners for e in p.events if e.date <= today), default=None)


def partner_facts(partner: Partner, settings: Settings, today: dt.date, begin: dt.date | None = None) -> PartnerFacts:
    """The partner's facts as of ``today``; ``begin`` is when the practice's records begin (see records_start)."""
    events = sorted((e for e in partner.events if e.date <= today), key=lambda e: (e.date, e.source.line))
    ins = [r for r in partner.referrals if r.direction == "in" and r.received <= today]
    thanked = _thanked(partner, ins, today)
    thanks_days = dt.timedelta(days=settings.thanks_days)
    received = []
    for referral in ins:
        converted, declined, value, satisfaction = _as_of(referral, today)
        booked = next((e.date for e in referral.events if e.status == "booked" and e.date <= today), None)
        received.append(ReferralFacts(referral.id, referral.received, referral.service, converted, declined,
                                      value, satisfaction, thanked.get(referral.id),
                                      thanks_due=referral.received + thanks_days, booked=booked,
                                      updates=_updates_owed(partner, referral, events, settings, today)))
    stages = tuple((e.date, e.stage) for e in events if e.kind == "stage" and e.stage)
    owner = partner.owner or settings.default_owner or UNASSIGNED
    touches = tuple(Touch(e.date, e.kind, e.author or owner) for e in events if e.kind in TOUCH_KINDS)
    if partner.since is not None:
        first_seen: dt.date | None = max(partner.since, begin) if begin else partner.since
    else:
        first_seen = events[0].date if events else None
    return PartnerFacts(
        id=partner.id,
        name=partner.name,
        category=partner.category,
        owner=owner,
        tier=partner.tier,
        stage=partner.stage,
        since=partner.since,
        snooze_until=partner.snooze_until,
        first_seen=first_seen,
        received=tuple(received),
        sent=tuple(r.received for r in partner.referrals if r.direction == "out" and r.received <= today),
        touches=touches,
        costs=tuple((e.date, e.cost) for e in events if e.cost is not None),
        in_person=tuple(e.date for e in events if e.kind in IN_PERSON_KINDS),
        engaged=tuple((e.date, e.kind) for e in events if e.kind in ENGAGED_KINDS),
        stages=stages,
        prospect_start=_prospect_start(stages, partner.stage, partner.since, first_seen),
        history_clipped=begin is not None and first_seen is not None and first_seen <= begin,
        organisation=partner.organisation,
        as_of=today,
        cadence=_cadence(partner, settings),
        contacts=tuple(e.date for e in events if e.kind in CADENCE_KINDS),
        clock_start=partner.since or (events[0].date if events else None),
        meeting_days=(settings.key_meeting_days
                      if partner.tier == "key" and partner.stage in ("active", "nurture") else 0),
    )


class FactsMemo:
    """:func:`partner_facts` kept per partner, for runs over records that mostly did not change (`refsite serve`).

    A partner's facts are reused while the very same :class:`Partner` object comes back with the same
    settings object, ``today`` and ``begin`` (a record re-read is a new object: its facts are made again).
    """

    def __init__(self) -> None:
        self._kept: dict[tuple[str, dt.date | None], tuple[Partner, Settings, dt.date, PartnerFacts]] = {}
        self._groups: dict[tuple[Any, ...], tuple[tuple[PartnerFacts, ...], Any]] = {}
        self._ids: frozenset[str] = frozenset()
        self._firsts: dict[str, tuple[Partner, dt.date, dt.date | None]] = {}

    def records_start(self, partners: Iterable[Partner], today: dt.date) -> dt.date | None:
        """:func:`records_start`, from each partner's first date, kept while it is the very same partner."""
        kept: dict[str, tuple[Partner, dt.date, dt.date | None]] = {}
        for partner in partners:
            old = self._firsts.get(partner.id)
            if old is None or old[0] is not partner or old[1] != today:
                old = (partner, today, records_start((partner,), today))
            kept[partner.id] = old
        self._firsts = kept
        return min((k[2] for k in kept.values() if k[2] is not None), default=None)

    def group(self, facts: Sequence[PartnerFacts], period: Any, compute: Callable[[Sequence[PartnerFacts], Any], Any]) -> Any:
        """``compute(facts, period)`` (refsite.metrics.figures), kept while the group holds the very same facts."""
        key = (period, tuple(id(f) for f in facts))
        kept = self._groups.get(key)
        if kept is not None and len(kept[0]) == len(facts) and all(a is b for a, b in zip(kept[0], facts)):
            return kept[1]
        result = compute(facts, period)
        self._groups[key] = (tuple(facts), result)  # holding the facts: their ids stay theirs
        return result

    def facts(self, partner: Partner, settings: Settings, today: dt.date, begin: dt.date | None = None) -> PartnerFacts:
        key = (partner.id, begin)
        kept = self._kept.get(key)
        if kept is not None and kept[0] is partner and kept[1] is settings and kept[2] == today:
            return kept[3]
        facts = partner_facts(partner, settings, today, begin)
        self._kept[key] = (partner, settings, today, facts)
        return facts

    def keep_only(self, partner_ids: Iterable[str]) -> None:
        """Forget the partners not among ``partner_ids`` (removed from the records)."""
        ids = frozenset(partner_ids)
        if ids != self._ids:
            self._kept = {k: v for k, v in self._kept.items() if k[0] in ids}
            self._ids = ids
        # A group that holds a facts object no longer kept will not come back: let it go.
        live = {id(v[3]) for v in self._kept.values()}
        self._groups = {k: v for k, v in self._groups.items() if all(i in live for i in k[1])}


def _cadence(partner: Partner, settings: Settings) -> int:
    """Days between contacts when the cadence applies (active partners, as `refsite due`); 0 when it does not."""
    if partner.stage != "active":
        return 0
    return int(partner.cadence if partner.cadence is not None else settings.cadence(partner.tier))


def _updates_owed(partner: Partner, referral: Referral, events: list[LogEvent], settings: Settings,
                  today: dt.date) -> tuple[UpdateFacts, ...]:
    """The updates a referral owes, as `refsite due` owes them: each status the partner's ``updates:``
    preference asks about, reached by today, with consent recorded (the last consent on or before today)."""
    wanted = vocab.UPDATE_STATUSES.get(partner.updates, ())
    consent = None
    for event in referral.events:
        if event.date <= today and event.consent is not None:
            consent = event.consent
    if not wanted or consent is not True:
        return ()
    days = dt.timedelta(days=settings.update_days)
    lines = [e for e in events if e.kind == "update" and (e.ref is None or e.ref == referral.id)]
    owed = []
    for status in wanted:
        reached = next((e.date for e in referral.events if e.status == status and e.date <= today), None)
        if reached is None:
            continue
        sent = next((e.date for e in lines if e.date >= reached), None)
        owed.append(UpdateFacts(status, reached, reached + days, sent))
    return tuple(owed)
