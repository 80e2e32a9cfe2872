"""The domain: partners, their contacts, their log, and the referrals the log describes.

Every object carries the :class:`Source` it came from. Objects are frozen: no
stage changes a record; later stages derive new values.
"""

from __future__ import annotations

import datetime as dt
import gc
import pickle
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from typing import Any, Mapping, NamedTuple

from refsite.fit import Fit
from refsite.problems import Problem, Source
from refsite.vocab import LOG_KINDS, Direction, Stage, Status, Tier, UpdatePreference


@dataclass(frozen=True)
class Contact:
    name: str
    role: str
    source: Source
    email: str | None = None
    phone: str | None = None
    prefers: str | None = None
    notes: str | None = None

    def matches(self, name: str) -> bool:
        """True when ``name`` names this contact (case-insensitive; a title such as 'Dr.' may be left out)."""
        return self.wanted(name) in self.match_keys()

    @staticmethod
    def wanted(name: str) -> str:
        """``name`` as :meth:`matches` compares it to :meth:`match_keys`."""
        return _plain_name(_strip_title(name))

    def match_keys(self) -> tuple[str, str]:
        """The names that name this contact (see :meth:`matches`)."""
        return _plain_name(self.name), _plain_name(_strip_title(self.name))


_TITLES = ("dr. ", "dr ", "prof. ", "prof ", "a/prof ", "mr ", "mrs ", "ms ", "mr. ", "mrs. ", "ms. ")


def _plain_name(name: str) -> str:
    return " ".join(name.lower().split())


def _strip_title(name: str) -> str:
    low = name.lower()
    for title in _TITLES:
        if low.startswith(title):
            return name[len(title):]
    return name


_TUPLE_NEW = tuple.__new__


class LogEvent(NamedTuple):
    """One line of a partner's log.

    A named tuple, not a dataclass: a log holds most of a records folder's objects (145,607 lines
    at 5,000 partners), and a tuple with the file and line inline costs a fraction of a frozen
    dataclass plus a :class:`Source` each. ``source`` builds the Source on demand.
    """

    date: dt.date
    kind: str
    path: str  # the file as shown (the partner's source path)
    line: int  # its 1-based line
    text: str = ""  # the free text after ': '
    ref: str | None = None  # referral id (referral-in/out, optionally thanks/update)
    stage: Stage | None = None  # the new stage, for kind 'stage'
    author: str | None = None  # team member id (@maya)
    with_: tuple[str, ...] = ()  # contact names
    status: Status | None = None
    service: str | None = None
    value: Decimal | None = None
    cost: Decimal | None = None
    consent: bool | None = None
    satisfaction: int | None = None
    raw: str = ""  # the line as written, for duplicate detection and display

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickled as tuple.__new__(LogEvent, fields): rebuilt by one C call, not the named tuple's Python-level
        # __new__ (the parsed-records cache unpickles every line of every log: refsite.load.cache).
        return _TUPLE_NEW, (LogEvent, tuple(self))

    @property
    def source(self) -> Source:
        """Where the line is (a new :class:`Source` each time: compare it, do not keep many)."""
        return Source(self.path, self.line)

    @classmethod
    def at(cls, source: Source, date: dt.date, kind: str, **fields: Any) -> LogEvent:
        """An event at ``source`` (the other fields by name, as :class:`LogEvent` names them)."""
        return cls(date, kind, source.path, source.line, **fields)

    def as_dict(self) -> dict[str, Any]:
        """The event as data, shaped as it was when LogEvent was a dataclass: 'source' as path and line."""
        data: dict[str, Any] = {"date": self.date, "kind": self.kind, "source": self.source}
        for name in self._fields[4:]:
            data[name.rstrip("_")] = getattr(self, name)
        return data


class _Unpacked(cached_property):
    """A cached property of a partner whose value may come with its packed log: unpack that first."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is not None and _PACKED in instance.__dict__:
            instance.events  # noqa: B018 - decodes the log (and the referrals with it)
        return super().__get__(instance, owner)


_PACKED = "_packed"  # in a partner read from the cache: its log and referrals, pickled, until first used
_BULK = frozenset({"events", "referrals", _PACKED})
_SUMMARY = ("latest_date", "referral_ids", "referrals_in", "intro_lines")
INTRO_KINDS = frozenset({"intro-asked", "intro-made"})  # the log kinds of an introduction


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    category: str
    stage: Stage
    tier: Tier
    owner: str | None
    source: Source  # the file, line 1
    since: dt.date | None = None
    organisation: str | None = None
    location: str | None = None
    email: str | None = None
    website: str | None = None
    phone: str | None = None
    prefers: str | None = None
    updates: UpdatePreference = "milestones"
    solo: bool = False
    cadence: int | None = None
    snooze_until: dt.date | None = None
    introduced_by: str | None = None
    agreement: str | None = None
    financial: str | None = None
    fit: Fit | None = None  # a prospect's fit answers (refsite.fit); None: no fit: block
    contacts: tuple[Contact, ...] = ()
    value_ideas: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    notes: str = ""
    events: tuple[LogEvent, ...] = ()
    # ids on referral lines that could not be read: checks stay quiet about them (the line has its own error)
    broken_refs: frozenset[str] = frozenset()
    key_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    # the file line of each line of notes (notes may sit both above and below the log)
    notes_lines: tuple[int, ...] = field(default=(), compare=False, hash=False)

    def line_of(self, key: str) -> Source:
        """The source of a front-matter key (the file's first line when the key is absent)."""
        return Source(self.source.path, self.key_lines.get(key, 1))

    @_Unpacked
    def referrals(self) -> tuple[Referral, ...]:
        return derive_referrals(self)

    # What the checks across partners and the network ask of every partner's log, answered without decoding
    # the log of a partner read from the parsed-records cache (see __reduce__).

    @cached_property
    def latest_date(self) -> dt.date | None:
        """The date of the latest log line (None: no log)."""
        return max((e.date for e in self.events), default=None)

    @cached_property
    def referral_ids(self) -> tuple[str, ...]:
        """The ids of :attr:`referrals`, in their order."""
        return tuple(r.id for r in self.referrals)

    @cached_property
    def referrals_in(self) -> int:
        """How many of :attr:`referrals` were received (direction 'in'), whatever their date."""
        return sum(1 for r in self.referrals if r.direction == "in")

    @cached_property
    def intro_lines(self) -> tuple[LogEvent, ...]:
        """The log lines of an introduction (:data:`INTRO_KINDS`) that have text, in log order."""
        return tuple(e for e in self.events if e.kind in INTRO_KINDS and e.text)

    # Pickling (the parsed-records cache): the log and the referrals travel as one nested pickle, decoded on
    # first use of either, so that a run that only asks the questions above of a partner never builds its
    # log lines. The answers are pickled with the partner.

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        state = self.__dict__
        packed = state.get(_PACKED)
        if packed is None:
            packed = pickle.dumps((self.events, state.get("referrals")), protocol=pickle.HIGHEST_PROTOCOL)
        kept = {k: v for k, v in state.items() if k not in _BULK}
        for name in _SUMMARY:
            kept[name] = getattr(self, name)
        return _lazy_partner, (kept, packed)

    def __getattr__(self, name: str) -> Any:  # only for what the instance and the class lack: a packed log
        if name == "events":
            state = self.__dict__
            packed = state.get(_PACKED)
            if packed is not None:
                enabled = gc.isenabled()
                gc.disable()  # as when the cache is read: many objects that stay alive
                try:
                    events, referrals = pickle.loads(packed)
                finally:
                    if enabled:
                        gc.enable()
                state["events"] = events
                if referrals is not None:
                    state.setdefault("referrals", referrals)
                del state[_PACKED]
                return events
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def last_contact(self, today: dt.date) -> dt.date | None:
        """The date of the latest log line on or before ``today`` of a kind that counts as contact."""
        dates = [e.date for e in self.events if e.date <= today and LOG_KINDS[e.kind].contact]
        return max(dates) if dates else None

    def referrals_received(self, start: dt.date, end: dt.date) -> int:
        """Referrals in received from ``start`` to ``end``, both included."""
        return sum(1 for r in self.referrals if r.direction == "in" and start <= r.received <= end)

    def find_contact(self, name: str) -> Contact | None:
        for contact in self.contacts:
            if contact.matches(name):
                return contact
        return None


del Partner.events  # a packed log is found by __getattr__, not hidden by the class's default (the field keeps it)


def _lazy_partner(state: dict[str, Any], packed: bytes) -> Partner:
    """A partner from its pickle (:meth:`Partner.__reduce__`): its log still packed."""
    partner = object.__new__(Partner)
    partner.__dict__.update(state)
    partner.__dict__[_PACKED] = packed
    return partner


TERMINAL = frozenset({"declined", "discharged"})


@dataclass(frozen=True)
class Referral:
    """A referral as its log lines describe it: the first line receives it, later lines move it on."""

    id: str
    partner_id: str
    direction: Direction
    received: dt.date
    source: Source  # the first line
    service: str | None
    status: Status
    status_dates: tuple[tuple[Status, dt.date], ...]  # (status, date) in log order
    value: Decimal | None
    consent: bool | None
    satisfaction: int | None
    events: tuple[LogEvent, ...]

    def date_of(self, status: Status) -> dt.date | None:
        """The first date the referral reached ``status``."""
        for name, when in self.status_dates:
            if name == status:
                return when
        return None

    @property
    def converted(self) -> bool:
        return self.date_of("converted") is not None or self.date_of("discharged") is not None

    def as_of(self, today: dt.date) -> ReferralState:
        """The referral as its lines dated on or before ``today`` describe it (the latest status, value
        and satisfaction; converted on the first 'converted' line, else the first 'discharged')."""
        status: Status = "received"
        converted, discharged, value, satisfaction = None, None, None, None
        for event in self.events:
            if event.date > today:
                continue
            status = event.status or status
            if event.status == "converted" and converted is None:
                converted = event.date
            if event.status == "discharged" and discharged is None:
                discharged = event.date
            value = event.value if event.value is not None else value
            satisfaction = event.satisfaction if event.satisfaction is not None else satisfaction
        return ReferralState(status, converted or discharged, value, satisfaction)


@dataclass(frozen=True)
class ReferralState:
    """A referral on a given day (:meth:`Referral.as_of`)."""

    status: Status
    converted: dt.date | None
    value: Decimal | None
    satisfaction: int | None


def derive_referrals(partner: Partner) -> tuple[Referral, ...]:
    """Group the referral lines of a partner's log by id (log order = date order, ties by line)."""
    by_id: dict[str, list[LogEvent]] = {}
    lines = [e for e in partner.events if e.kind in ("referral-in", "referral-out") and e.ref]
    for event in sorted(lines, key=lambda e: (e.date, e.line)):  # stable: as sorting all, then filtering
        by_id.setdefault(event.ref, []).append(event)  # type: ignore[arg-type]
    referrals = []
    for ref, events in by_id.items():
        first = events[0]
        status: Status = "received"
        dates: list[tuple[Status, dt.date]] = [("received", first.date)]
        service = value = consent = satisfaction = None
        for event in events:
            if event.status:
                status = event.status
                if event.status != "received":
                    dates.append((event.status, event.date))
            service = event.service or service
            value = event.value if event.value is not None else value
            consent = event.consent if event.consent is not None else consent
            satisfaction = event.satisfaction if event.satisfaction is not None else satisfaction
        referrals.append(
            Referral(
                id=ref,
                partner_id=partner.id,
                direction="in" if first.kind == "referral-in" else "out",
                received=first.date,
                source=first.source,
                service=service,
                status=status,
                status_dates=tuple(dates),
                value=value,
                consent=consent,
                satisfaction=satisfaction,
                events=tuple(events),
            )
        )
    return tuple(sorted(referrals, key=lambda r: (r.received, r.source.line, r.id)))


@dataclass(frozen=True)
class Checked:
    """A partner's own problems, found as it was read (refsite.checks.partner_problems, with ``settings``)."""

    partner: Partner
    settings: object  # the Settings they were found with (validate uses them only for the same object)
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Records:
    """Every partner (sorted by id) and the settings they were read with."""

    partners: tuple[Partner, ...]
    # ids of partner files that exist but could not be read (their problems say why)
    unreadable: frozenset[str] = frozenset()
    # each partner's own problems by id, when the loader found them (refsite.validate uses them for
    # the same partner object and settings only, and checks anything else itself)
    checked: Mapping[str, Checked] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def own_problems(self, partner: Partner, settings: object) -> tuple[Problem, ...] | None:
        """The own problems found for this very partner with these very settings as it was read, or None."""
        found = self.checked.get(partner.id)
        if found is None or found.partner is not partner or found.settings is not settings:
            return None
        return found.problems

    def as_of(self, today: dt.date) -> Records:
        """The records as they stood on ``today``: log lines dated later are left out."""
        partners = []
        for partner in self.partners:
            if partner.latest_date is not None and partner.latest_date > today:
                partner = replace(partner, events=tuple(e for e in partner.events if e.date <= today))
            partners.append(partner)
        return Records(tuple(partners), self.unreadable, self.checked)  # a changed partner is checked again

    @cached_property
    def by_id(self) -> dict[str, Partner]:
        return {p.id: p for p in self.partners}

    def get(self, partner_id: str) -> Partner | None:
        return self.by_id.get(partner_id)
