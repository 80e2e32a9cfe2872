"""Who to contact next, and why: the due engine.

A pure function of the records, the settings and a date. No I/O, no clock.

Stable interface (the CLI, the site's dashboard, the calendar feed and the
benchmark import these; keep them backwards compatible):

``due(records, settings, today) -> list[DueItem]``
    Every item for every partner, *including* items not yet due soon (status
    ``later``), sorted by urgency (:meth:`DueItem.sort_key`: due date, then
    rule, then partner id). Use :func:`within` to keep what a person should see
    (overdue, due today, and due within N days) and :func:`beyond_grace` for the
    items that fail ``refsite check``.

:class:`DueItem`
    One thing to do for one partner: ``partner_id``, ``partner_name``,
    ``owner`` (team id or None), ``rule`` (one of :data:`RULES`), ``due_date``,
    ``days_overdue`` (negative: days left), ``status`` (one of :data:`STATUSES`),
    ``reason`` (one line a person understands), ``action`` (the suggested next
    step), ``source`` (the record line that set the clock), ``introducers``
    (partner ids who could make an introduction; rule ``introduction`` only)
    and ``ref`` (the referral id, rules ``thanks`` and ``update``).

:data:`RULES` is the closed set of rule names (in tie-break order);
:data:`COUNTS` says which log kinds count for which rule, as documented in
docs/rules.md (a test keeps the two in step). Also stable:
``partner_due(partner, settings, today, records=None)`` (one partner's items,
for a profile page or a meeting brief) and ``value_ideas_not_given(partner,
today)``.

Which rules apply follows the stage: ``active`` partners have the contact
cadence of their tier (and key partners the in-person meeting), ``nurture``
partners the nurture playbook, ``prospect`` partners the prospect playbook,
``former`` partners nothing at all. Thanks, updates and the gift cap apply to
every stage but ``former``; at-risk and single-contact to active and nurture
partners. Log lines dated after ``today`` are ignored. A snoozed partner's items
are due no earlier than ``snooze_until``. Conditions rather than deadlines
(single contact, gift cap, a drop in referrals) are never overdue, so they never
fail the check on their own.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping, Sequence

from refsite import vocab
from refsite.model import Contact, LogEvent, Partner, Records, Referral
from refsite.problems import Source
from refsite.settings import Settings

RULES: Mapping[str, str] = MappingProxyType(
    {
        "thanks": "thank every referral received within thanks_days",
        "update": "update the referrer after conversion or discharge, as they asked and with consent",
        "at-risk": "a referrer gone quiet for much longer than usual, or referring far less than before",
        "cadence": "check in with every active partner at the interval of its tier",
        "meeting": "meet key partners in person every key_meeting_days",
        "nurture": "nurture playbook: value each week for three weeks, ask for a meeting in week four, repeat",
        "prospect": "prospect playbook: engage for about three weeks, then ask for a meeting",
        "introduction": "a prospect who did not engage: ask an existing partner for an introduction",
        "gift-cap": "gifts and hospitality this year approaching or passing the yearly cap",
        "single-contact": "an organisation where the team knows only one person",
    }
)
_RULE_RANK = {name: i for i, name in enumerate(RULES)}

STATUSES: Mapping[str, str] = MappingProxyType(
    {
        "overdue": "the due date has passed",
        "due": "due today",
        "soon": "due within due_soon_days",
        "later": "due after that",
    }
)

_KINDS = vocab.LOG_KINDS
CONTACT = frozenset(k for k, v in _KINDS.items() if v.contact)
IN_PERSON = frozenset(k for k, v in _KINDS.items() if v.in_person)
VALUE = frozenset(k for k, v in _KINDS.items() if v.value)
ENGAGED = frozenset(k for k, v in _KINDS.items() if v.engaged)
# Asking for a meeting: meeting in person (or by video), or asking by phone or email.
MEETING_ASK = IN_PERSON | {"call", "email"}
INTRO = frozenset({"intro-asked", "intro-made"})
# Meeting them (not a drop-in, not an event they attended): a playbook round's goal reached.
MET = frozenset({"meeting", "coffee", "lunch"})
# Whom to reach for relationship touches: the last person met on one of these lines.
RELATIONSHIP = (CONTACT | ENGAGED) - {"thanks", "update", "referral-in", "referral-out"}
PATIENT = frozenset({"thanks", "update", "referral-in"})
# A conversation about why they went quiet: in person or by phone.
CONVERSATION = IN_PERSON | {"call"}

COUNTS: Mapping[str, Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "cadence": MappingProxyType({"check-in": CONTACT}),
        "meeting": MappingProxyType({"in-person meeting": IN_PERSON}),
        "thanks": MappingProxyType({"thanks": frozenset({"thanks"})}),
        "update": MappingProxyType({"update": frozenset({"update"})}),
        "nurture": MappingProxyType({"value": VALUE, "meeting asked": MEETING_ASK, "met": MET}),
        "prospect": MappingProxyType({"value": VALUE, "engaged": ENGAGED, "meeting asked": MEETING_ASK | INTRO,
                                      "met": MET}),
        "introduction": MappingProxyType({"introduction asked": INTRO | MEETING_ASK}),
        "at-risk": MappingProxyType({"referral": frozenset({"referral-in"}), "conversation": CONVERSATION}),
        "single-contact": MappingProxyType({}),
        "gift-cap": MappingProxyType({"cost": frozenset(k for k in _KINDS if k not in ("stage", "note"))}),
    }
)
"""Per rule, the log kinds that count as each kind of touch (documented in docs/rules.md)."""

# Which referral statuses need a patient update, per update preference (vocab.UPDATES).
UPDATE_STATUSES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "none": (),
        "discharge": ("discharged",),
        "milestones": ("converted", "discharged"),
        "detailed": ("booked", "converted", "discharged"),
    }
)

MAX_INTRODUCERS = 3
AT_RISK_TRAILING_WINDOWS = 4  # the trailing average is taken over the four windows before the recent one


@dataclass(frozen=True)
class DueItem:
    """One thing to do for one partner, with why and what next."""

    partner_id: str
    partner_name: str
    owner: str | None
    rule: str
    due_date: dt.date
    days_overdue: int  # negative: days left
    status: str  # overdue | due | soon | later
    reason: str
    action: str
    source: Source
    introducers: tuple[str, ...] = ()
    ref: str | None = None

    @property
    def days_left(self) -> int:
        return -self.days_overdue

    def sort_key(self) -> tuple[dt.date, int, str, str, str]:
        return (self.due_date, _RULE_RANK[self.rule], self.partner_id, self.ref or "", self.reason)

    def as_dict(self) -> dict[str, object]:
        return {
            "partner_id": self.partner_id,
            "partner_name": self.partner_name,
            "owner": self.owner,
            "rule": self.rule,
            "status": self.status,
            "due_date": self.due_date.isoformat(),
            "days_overdue": self.days_overdue,
            "reason": self.reason,
            "action": self.action,
            "file": self.source.path,
            "line": self.source.line,
            "ref": self.ref,
            "introducers": list(self.introducers),
        }


def due(records: Records, settings: Settings, today: dt.date) -> list[DueItem]:
    """Every due item for every partner, sorted by urgency. See the module docstring."""
    network = _Network(records)
    items: list[DueItem] = []
    for partner in records.partners:
        items.extend(_partner_due(partner, settings, today, network))
    return sorted(items, key=DueItem.sort_key)


def within(items: Iterable[DueItem], days: int) -> list[DueItem]:
    """Items overdue, due today, or due within ``days`` days (what a person should see)."""
    return [i for i in items if i.days_overdue >= -days]


def beyond_grace(items: Iterable[DueItem], grace: int) -> list[DueItem]:
    """Items overdue by more than ``grace`` days: these fail ``refsite check``."""
    return [i for i in items if i.days_overdue > grace]


def status_of(days_overdue: int, soon_days: int) -> str:
    if days_overdue > 0:
        return "overdue"
    if days_overdue == 0:
        return "due"
    if -days_overdue <= soon_days:
        return "soon"
    return "later"


# --------------------------------------------------------------------------- per partner


@dataclass(frozen=True)
class _Draft:
    rule: str
    due_date: dt.date
    reason: str
    action: str
    source: Source
    ref: str | None = None
    introducers: tuple[str, ...] = ()
    standing: bool = False  # a condition, not a deadline: never overdue


def partner_due(partner: Partner, settings: Settings, today: dt.date, records: Records | None = None) -> list[DueItem]:
    """The items of one partner, sorted by urgency. ``records`` (to suggest introducers) default to the partner alone."""
    items = _partner_due(partner, settings, today, _Network(records or Records((partner,))))
    return sorted(items, key=DueItem.sort_key)


def _partner_due(partner: Partner, settings: Settings, today: dt.date, network: _Network) -> list[DueItem]:
    if partner.stage == "former":
        return []
    ctx = _Partner(partner, settings, today)
    drafts: list[_Draft] = []
    drafts += _thanks(ctx)
    drafts += _updates(ctx)
    if partner.stage == "active":
        drafts += _cadence(ctx)
        drafts += _meeting(ctx)
    elif partner.stage == "nurture":
        drafts += _nurture(ctx)
    elif partner.stage == "prospect":
        drafts += _prospect(ctx, network)
    if partner.stage in ("active", "nurture"):
        drafts += _at_risk(ctx)
    next_contact = min((d.due_date for d in drafts if d.rule in _CONTACT_RULES), default=today)
    drafts += _gift_cap(ctx, next_contact)
    if partner.stage in ("active", "nurture"):
        drafts += _single_contact(ctx, next_contact)
    return [_finish(ctx, d) for d in drafts]


_CONTACT_RULES = frozenset({"cadence", "meeting", "nurture", "prospect", "introduction"})


def _finish(ctx: _Partner, draft: _Draft) -> DueItem:
    partner, today = ctx.partner, ctx.today
    due_date, reason = draft.due_date, draft.reason
    if draft.standing and due_date < today:
        due_date = today
    snooze = partner.snooze_until
    if snooze is not None and due_date < snooze:
        due_date = snooze
        reason += f" (snoozed until {snooze})"
    days = (today - due_date).days
    return DueItem(
        partner_id=partner.id,
        partner_name=partner.name,
        owner=partner.owner,
        rule=draft.rule,
        due_date=due_date,
        days_overdue=days,
        status=status_of(days, int(ctx.settings.due_soon_days)),
        reason=reason,
        action=draft.action,
        source=draft.source,
        introducers=draft.introducers,
        ref=draft.ref,
    )


class _Partner:
    """A partner with its log up to today, in date order, and helpers for reasons and actions."""

    def __init__(self, partner: Partner, settings: Settings, today: dt.date) -> None:
        self.partner = partner
        self.settings = settings
        self.today = today
        self.events = sorted((e for e in partner.events if e.date <= today), key=lambda e: (e.date, e.source.line))
        self._ideas_left: tuple[str, ...] | None = None
        self._last_met: dict[frozenset[str], Contact | None] = {}

    def of(self, kinds: frozenset[str]) -> list[LogEvent]:
        return [e for e in self.events if e.kind in kinds]

    def ago(self, date: dt.date) -> str:
        return _ago(date, self.today)

    def contact(self, named: Sequence[str] = (), kinds: frozenset[str] = RELATIONSHIP) -> Contact | None:
        """The person to reach: one named on the line in question, else the last one met on a line of
        ``kinds`` (relationship touches by default; thanks and updates for those), else the first listed."""
        partner = self.partner
        for name in named:
            found = partner.find_contact(name)
            if found:
                return found
        if kinds not in self._last_met:
            self._last_met[kinds] = self._last_met_on(kinds)
        return self._last_met[kinds]

    def _last_met_on(self, kinds: frozenset[str]) -> Contact | None:
        partner = self.partner
        for event in reversed(self.events):
            if event.kind in kinds:
                for name in event.with_:
                    found = partner.find_contact(name)
                    if found:
                        return found
        return partner.contacts[0] if partner.contacts else None

    def reach(self, named: Sequence[str] = (), kinds: frozenset[str] = RELATIONSHIP) -> _Reach:
        """'Call Leah Ortiz (prefers phone)', 'Call Jade Morris on 02 5550 4410'.

        The verb follows the preferred channel (the contact's, else the partner's), else a known phone
        or email: the contact's own, else the partner's. A number or address that only the partner's
        front matter holds is printed, since the contact's entry does not show it; a contact's own
        number or address is not (it is one click away on their profile, and stays out of CI logs).
        """
        contact = self.contact(named, kinds)
        partner = self.partner
        who = contact.name if contact else partner.name
        own_phone, own_email = (contact.phone, contact.email) if contact else (None, None)
        channel = (contact.prefers if contact else None) or partner.prefers
        if channel:
            verb = _VERBS[channel]
        elif own_phone or (not own_email and partner.phone):
            verb = "Call"
        elif own_email or partner.email:
            verb = "Email"
        else:
            verb = "Contact"
        where = ""
        if verb in ("Call", "Text") and not own_phone and partner.phone:
            where = f" on {partner.phone}"
        elif verb == "Email" and not own_email and partner.email:
            where = f" at {partner.email}"
        prefers = f" (prefers {channel})" if channel else ""
        return _Reach(verb, f"{verb} {who}{where}{prefers}")

    def idea(self, in_person: bool) -> str:
        """'; bring: the ACL protocol' (in person) or '; offer: ...' for the first value idea not yet given, or ''."""
        if self._ideas_left is None:
            self._ideas_left = value_ideas_not_given(self.partner, self.today)
        return "; " + _idea_phrase(self._ideas_left[0], in_person) if self._ideas_left else ""

    def send_value(self) -> str:
        """The next step of a playbook that asks for a piece of value."""
        reach = self.reach()
        idea = self.idea(reach.in_person)
        if idea:
            return reach.text + idea
        give = {"Visit": "bring", "Call": "offer"}.get(reach.verb, "send")
        if self.partner.value_ideas:
            return (f"{reach.text}: {give} something of value "
                    "(all value ideas have been given: add new ones under value_ideas:)")
        return f"{reach.text}: {give} something of value (add ideas under value_ideas:)"


@dataclass(frozen=True)
class _Reach:
    """How to reach the person: the verb ('Call', 'Visit', 'Contact', ...) and the words."""

    verb: str
    text: str

    @property
    def in_person(self) -> bool:
        return self.verb == "Visit"


_VERBS = {"phone": "Call", "email": "Email", "in-person": "Visit", "text": "Text", "fax": "Fax", "post": "Write to"}
_BRING = re.compile(r"^(share|bring|send|give|take|drop off|offer)\s+", re.IGNORECASE)


def _idea_phrase(idea: str, in_person: bool) -> str:
    """'bring: X' (in person) or 'offer: X' for an idea that gives a thing ('Share X'); else 'idea: ...'."""
    match = _BRING.match(idea)
    if match:
        return ("bring: " if in_person else "offer: ") + idea[match.end():]
    if idea[:2].istitle():  # "Invite their nurses" -> "invite their nurses", but "ACL warm-up" stays
        idea = idea[:1].lower() + idea[1:]
    return "idea: " + idea


def _ago(date: dt.date, today: dt.date) -> str:
    days = (today - date).days
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 0:
        return f"in {-days} days"
    return f"{days} days ago"


_STOP = frozenset(
    "the and for with their our your a an to of in on at from about into share send bring give offer invite "
    "them they we us new next this that".split()
)


_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
_REMARK = re.compile(r"\([^)]*\)")


def _words(text: str) -> set[str]:
    """Significant words, crudely singular ('sheets' and 'sheet' match)."""
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w
            for w in _WORD.findall(text.lower()) if len(w) >= 3 and w not in _STOP}


def value_ideas_not_given(partner: Partner, today: dt.date) -> tuple[str, ...]:
    """The partner's value ideas that no log line up to ``today`` seems to have given yet.

    An idea counts as given when one log line's free text holds at least two thirds of the
    idea's significant words, not counting a remark in parentheses ("Share the ACL
    return-to-sport protocol (v2)" is given by "sent the ACL return-to-sport protocol to Dr.
    Natarajan").
    """
    if not partner.value_ideas:
        return ()
    ideas = [(idea, _words(_REMARK.sub(" ", idea))) for idea in partner.value_ideas]
    forms = {}  # every spelling of an idea's word in a log line -> the word
    for _idea, words in ideas:
        for word in words:
            forms[word] = forms[word + "s"] = word
    texts = [{forms[w] for w in forms.keys() & set(_WORD.findall(e.text.lower()))}
             for e in partner.events if e.date <= today and e.text and e.kind not in ("note", "stage")]
    return tuple(idea for idea, words in ideas
                 if not words or not any(len(words & t) * 3 >= len(words) * 2 for t in texts))


_INTERVALS = {7: "Weekly", 14: "Fortnightly", 28: "Monthly", 30: "Monthly", 31: "Monthly", 60: "Two-monthly",
              61: "Two-monthly", 90: "Quarterly", 91: "Quarterly", 120: "Four-monthly", 180: "Six-monthly",
              182: "Six-monthly", 365: "Yearly"}


def interval_name(days: int) -> str | None:
    """'Monthly' for 30 days, 'Quarterly' for 90, ...; None for an interval with no common name."""
    return _INTERVALS.get(days)


def _label(days: int, what: str) -> str:
    name = interval_name(days)
    return f"{name} {what}" if name else f"{what[:1].upper()}{what[1:]} every {days} days"


# --------------------------------------------------------------------------- rules


def _clock(
    ctx: _Partner, touches: list[LogEvent], interval: int, what: str, touch: str, policy: str
) -> tuple[dt.date, str, Source]:
    """Due date, reason and source for an interval rule whose clock the last counted touch restarts.

    With no touch the clock starts at ``since``; with neither, the item is due today.
    """
    partner, today = ctx.partner, ctx.today
    label = _label(interval, what)
    if touches:
        last = touches[-1]
        return (last.date + dt.timedelta(days=interval),
                f"{label}: last {touch} {last.date} ({last.kind}), {ctx.ago(last.date)}; {policy}", last.source)
    if partner.since is not None:
        return (partner.since + dt.timedelta(days=interval),
                f"{label}: no {touch} logged since {partner.since} ({ctx.ago(partner.since)}); {policy}",
                partner.line_of("since"))
    return today, f"{label}: no {touch} logged yet; {policy}", partner.source


def _cadence(ctx: _Partner) -> Iterator[_Draft]:
    partner = ctx.partner
    interval = partner.cadence or ctx.settings.cadence(partner.tier)
    if not interval:
        return
    if partner.cadence:
        policy = f"this partner every {interval} days (cadence: {partner.cadence})"
    else:
        policy = f"{partner.tier} partners every {interval} days"
    due_date, reason, source = _clock(ctx, ctx.of(CONTACT), interval, "check-in", "contact", policy)
    reach = ctx.reach()
    yield _Draft("cadence", due_date, reason, reach.text + (ctx.idea(reach.in_person) or " to check in"), source)


def _meeting(ctx: _Partner) -> Iterator[_Draft]:
    partner = ctx.partner
    interval = int(ctx.settings.key_meeting_days)
    if partner.tier != "key" or not interval:
        return
    due_date, reason, source = _clock(ctx, ctx.of(IN_PERSON), interval, "in-person meeting", "meeting",
                                      f"key partners every {interval} days")
    action = ctx.reach().text + " to arrange a meeting in person" + ctx.idea(in_person=True)
    yield _Draft("meeting", due_date, reason, action, source)


def _thanks(ctx: _Partner) -> Iterator[_Draft]:
    referrals = [r for r in ctx.partner.referrals if r.direction == "in" and r.received <= ctx.today]
    if not referrals:
        return
    thanked: set[str] = set()
    ids = {r.id for r in referrals}
    for event in ctx.of(frozenset({"thanks"})):
        if event.ref:
            if event.ref in ids:
                thanked.add(event.ref)
        else:
            thanked.update(r.id for r in referrals if r.received <= event.date)
    days = int(ctx.settings.thanks_days)
    for referral in referrals:
        if referral.id in thanked:
            continue
        service = f" ({referral.service})" if referral.service else ""
        reason = (f"Thank-you owed: referral {referral.id}{service} received {referral.received}, "
                  f"{ctx.ago(referral.received)}; thank within {_days(days)}")
        action = ctx.reach(referral.events[0].with_, PATIENT).text + f": thank them for referral {referral.id}"
        yield _Draft("thanks", referral.received + dt.timedelta(days=days), reason, action, referral.source,
                     ref=referral.id)


def _status_source(referral: Referral, status: str) -> Source:
    for event in referral.events:
        if event.status == status:
            return event.source
    return referral.source


def _updates(ctx: _Partner) -> Iterator[_Draft]:
    partner, today = ctx.partner, ctx.today
    wanted = UPDATE_STATUSES.get(partner.updates, ())
    if not wanted:
        return
    owed: list[tuple[Referral, str, dt.date]] = []
    for referral in partner.referrals:
        if referral.direction != "in" or referral.consent is not True:
            continue
        for status in wanted:
            when = referral.date_of(status)
            if when is not None and when <= today:
                owed.append((referral, status, when))
    if not owed:
        return
    done: set[tuple[str, str]] = set()
    for event in ctx.of(frozenset({"update"})):
        for referral, status, when in owed:
            if when <= event.date and (event.ref is None or event.ref == referral.id):
                done.add((referral.id, status))
    days = int(ctx.settings.update_days)
    for referral, status, when in owed:
        if (referral.id, status) in done:
            continue
        reason = (f"Patient update owed: referral {referral.id} {status} {when}, {ctx.ago(when)}; "
                  f"they asked for updates ({partner.updates}) and consent is recorded; update within {_days(days)}")
        action = ctx.reach(referral.events[0].with_, PATIENT).text + f": update them on referral {referral.id} ({status})"
        yield _Draft("update", when + dt.timedelta(days=days), reason, action, _status_source(referral, status),
                     ref=referral.id)


def _days(n: int) -> str:
    return "the same day" if n == 0 else ("1 day" if n == 1 else f"{n} days")


@dataclass(frozen=True)
class _Round:
    """Where a partner is in a playbook round: value touches given so far and the last step."""

    number: int  # 1-based round
    values: int  # value touches in this round
    last: LogEvent | None  # the last step (value touch or ask); None: nothing yet this playbook
    start: dt.date | None  # when the round started (the playbook's start, or the last ask)


def _rounds(events: Sequence[LogEvent], start: dt.date | None, needed: int, ask: frozenset[str]) -> _Round:
    """Walk a playbook: ``needed`` value touches, then an ask (a kind in ``ask``) starts the next round.

    A meeting (in person or by video, a coffee, a lunch) reaches the round's goal early: it starts the
    next round whatever the count.
    """
    number, values, last, round_start = 1, 0, None, start
    for event in events:
        if start is not None and event.date < start:
            continue
        if values < needed and event.kind not in MET:
            if event.kind in VALUE:
                values += 1
                last = event
        elif event.kind in ask:
            number, values, last, round_start = number + 1, 0, event, event.date
    return _Round(number, values, last, round_start)


def _stage_start(ctx: _Partner, stage: str) -> dt.date | None:
    """When the partner entered ``stage``: its last stage line, else ``since``, else the first log line."""
    lines = [e for e in ctx.events if e.kind == "stage" and e.stage == stage]
    if lines:
        return lines[-1].date
    if ctx.partner.since is not None:
        return ctx.partner.since
    return ctx.events[0].date if ctx.events else None


def _playbook_due(ctx: _Partner, state: _Round, start: dt.date | None, step: int) -> tuple[dt.date, Source]:
    source = ctx.partner.line_of("stage")
    if state.last is not None:
        # An introduction asked in another partner's log still points at this partner's record.
        own = state.last.source.path == ctx.partner.source.path
        return state.last.date + dt.timedelta(days=step), state.last.source if own else source
    return (start if start is not None else ctx.today), source


def _nurture(ctx: _Partner) -> Iterator[_Draft]:
    settings = ctx.settings
    step, needed = int(settings.nurture_value_days), int(settings.nurture_values)
    if not step:
        return
    start = _stage_start(ctx, "nurture")
    state = _rounds(ctx.events, start, needed, MEETING_ASK)
    due_date, source = _playbook_due(ctx, state, start, step)
    head = f"Nurture playbook, round {state.number}"
    last = _last_step(ctx, state, start)
    if state.values < needed:
        reason = f"{head}: value {state.values + 1} of {needed} due; {last}; one piece every {step} days"
        action = ctx.send_value()
    else:
        reason = f"{head}: {needed} pieces of value given, {last}; now ask for a meeting"
        action = ctx.reach().text + ": ask for a meeting"
    yield _Draft("nurture", due_date, reason, action, source)


def _last_step(ctx: _Partner, state: _Round, start: dt.date | None) -> str:
    if state.last is None:
        if start is None:
            return "nothing logged yet"
        return f"started {start} ({ctx.ago(start)})"
    what = "last value" if state.values else ("met" if state.last.kind in MET else "asked")
    return f"{what} {state.last.date} ({state.last.kind}), {ctx.ago(state.last.date)}"


def _prospect(ctx: _Partner, network: _Network) -> Iterator[_Draft]:
    partner, settings = ctx.partner, ctx.settings
    step = int(settings.prospect_touch_days)
    if not step:
        return
    needed = int(settings.prospect_engage_days) // step
    start = _stage_start(ctx, "prospect")
    events = sorted([*ctx.events, *network.intro_mentions(partner, ctx.today)], key=lambda e: (e.date, e.source.path, e.source.line))
    state = _rounds(events, start, needed, MEETING_ASK | INTRO)
    due_date, source = _playbook_due(ctx, state, start, step)
    last = _last_step(ctx, state, start)
    head = "Prospect playbook" + (f", round {state.number}" if state.number > 1 else "")
    if state.values < needed:
        reason = f"{head}: touch {state.values + 1} of {needed} due; {last}; one every {step} days for {settings.prospect_engage_days} days"
        action = ctx.send_value()
        yield _Draft("prospect", due_date, reason, action, source)
        return
    engaged = [e for e in ctx.events if e.kind in ENGAGED and (start is None or e.date >= start)]
    if engaged:
        sign = engaged[-1]
        reason = f"{head}: {needed} touches given, {last}; they engaged ({sign.kind} {sign.date}): ask for a meeting"
        yield _Draft("prospect", due_date, reason, ctx.reach().text + ": ask for a meeting", source)
        return
    since = f" since {start}" if start else ""
    reason = f"{head}: {needed} touches given{since}, {last}, and no engagement: ask a partner for an introduction"
    introducers = network.introducers(partner)
    contact = ctx.contact()
    target = contact.name if contact else partner.name
    if introducers:
        names = [f"{network.name(pid)} ({why})" for pid, why in introducers]
        asks = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        action = f"Ask {asks} to introduce you to {target}"
    else:
        action = f"Ask an existing partner to introduce you to {target} (none shares their organisation, category, area or network)"
    yield _Draft("introduction", due_date, reason, action, source, introducers=tuple(pid for pid, _ in introducers))


def _at_risk(ctx: _Partner) -> Iterator[_Draft]:
    partner, settings, today = ctx.partner, ctx.settings, ctx.today
    factor = float(settings.at_risk_factor)
    minimum = int(settings.at_risk_min_referrals)
    referrals = [r for r in partner.referrals if r.direction == "in" and r.received <= today]
    if not factor or len(referrals) < max(minimum, 2):
        return
    dates = [r.received for r in referrals]
    usual = statistics.median((b - a).days for a, b in zip(dates, dates[1:]))
    threshold = max(1, math.ceil(factor * usual))
    last = referrals[-1]
    quiet_due = last.received + dt.timedelta(days=threshold)
    action = ctx.reach().text + ": ask how things are going and whether anything has changed for them"
    if quiet_due <= today:
        # Quiet: a conversation after the partner went quiet restarts the clock.
        talks = [e for e in ctx.of(CONVERSATION) if e.date >= quiet_due]
        due_date = talks[-1].date + dt.timedelta(days=threshold) if talks else quiet_due
        if due_date <= today:
            quiet = (today - last.received).days
            reason = (f"At risk: no referral for {quiet} days (last {last.id} on {last.received}); they usually "
                      f"refer every {_usual(usual)} ({_gaps(len(referrals) - 1)})")
            if talks:
                reason += f"; last spoke {talks[-1].date} ({talks[-1].kind})"
            yield _Draft("at-risk", due_date, reason, action, last.source)
        return
    window = int(settings.at_risk_window_days)
    if not window:
        return
    recent_from = today - dt.timedelta(days=window)
    trailing_from = recent_from - dt.timedelta(days=window * AT_RISK_TRAILING_WINDOWS)
    recent = sum(1 for d in dates if d > recent_from)
    trailing = sum(1 for d in dates if trailing_from < d <= recent_from)
    average = trailing / AT_RISK_TRAILING_WINDOWS
    if trailing >= minimum and average >= float(settings.at_risk_drop_min_average) and recent < float(settings.at_risk_drop) * average:
        reason = (f"At risk: {_plural(recent, 'referral')} in the last {window} days, against {average:g} per "
                  f"{window} days over the {window * AT_RISK_TRAILING_WINDOWS} days before")
        yield _Draft("at-risk", today, reason, action, last.source, standing=True)


def _gaps(n: int) -> str:
    """'median of 18 gaps between referrals': what the usual interval was taken from."""
    return "the gap between their two referrals" if n == 1 else f"median of {n} gaps between referrals"


def _usual(days: float) -> str:
    return f"{days:g} days" if days != 1 else "day"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _single_contact(ctx: _Partner, next_contact: dt.date) -> Iterator[_Draft]:
    partner = ctx.partner
    if partner.solo or len(partner.contacts) != 1:
        return
    only = partner.contacts[0]
    when = "Next time you are in touch" if next_contact <= ctx.today else f"At the next contact ({next_contact})"
    reason = f"Single contact: {only.name} ({only.role}) is the only person we know at {partner.name}"
    action = (f"{when}, ask {only.name} to introduce a colleague and add them under contacts: "
              f"(or set solo: true if they work alone)")
    yield _Draft("single-contact", next_contact, reason, action, partner.line_of("contacts"), standing=True)


def _money(amount: Decimal | float, currency: str) -> str:
    value = Decimal(str(amount))
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    return f"{currency}{text}"


def _gift_cap(ctx: _Partner, next_contact: dt.date) -> Iterator[_Draft]:
    settings, partner, today = ctx.settings, ctx.partner, ctx.today
    cap = Decimal(str(settings.gift_cap))
    if cap <= 0:
        return
    warn_at = cap * Decimal(str(settings.gift_cap_warn))
    total = Decimal(0)
    crossed: LogEvent | None = None
    for event in ctx.events:
        if event.cost is None or event.date.year != today.year:
            continue
        before, total = total, total + event.cost
        if crossed is None and total >= warn_at > before:
            crossed = event
        if total >= cap > before:
            crossed = event
    if total <= 0 or total < warn_at:
        return
    if crossed is None:  # gift_cap_warn is 0: warn from the first cost
        crossed = next(e for e in ctx.events if e.cost and e.date.year == today.year)
    currency = str(settings.currency)
    year = today.year
    spent, cap_text = _money(total, currency), _money(cap, currency)
    if total >= cap:
        over = f"over the {cap_text} cap by {_money(total - cap, currency)}" if total > cap else f"the whole {cap_text} cap"
        reason = f"Gift cap passed: {spent} of gifts and hospitality for {partner.name} in {year}, {over}"
        action = f"No more gifts or hospitality for {partner.name} until {year + 1}; note why under financial: if it was justified"
        yield _Draft("gift-cap", today, reason, action, crossed.source, standing=True)
        return
    share = int(total * 100 / cap)
    reason = f"Gift cap: {spent} of the {cap_text} yearly cap spent on {partner.name} in {year} ({share}%)"
    action = f"Keep gifts and hospitality for {partner.name} under {_money(cap - total, currency)} for the rest of {year}"
    yield _Draft("gift-cap", next_contact, reason, action, crossed.source, standing=True)


# --------------------------------------------------------------------------- the network, for introductions


class _Network:
    """Indexes over all partners: who could introduce a prospect, and intro lines that name a prospect."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self._index: dict[tuple[str, str], list[Partner]] | None = None
        self._mentions: dict[str, list[LogEvent]] | None = None

    def name(self, partner_id: str) -> str:
        partner = self.records.get(partner_id)
        return partner.name if partner else partner_id

    def _build(self) -> dict[tuple[str, str], list[Partner]]:
        if self._index is None:
            index: dict[tuple[str, str], list[Partner]] = {}
            for p in self.records.partners:
                if p.stage not in ("active", "nurture"):
                    continue
                keys = [("category", p.category), ("id", p.id)]
                if p.organisation:
                    keys.append(("organisation", _norm(p.organisation)))
                if p.location:
                    keys.append(("location", _norm(p.location)))
                if p.introduced_by:
                    keys.append(("introduced_by", p.introduced_by))
                for key in keys:
                    index.setdefault(key, []).append(p)
            self._index = index
        return self._index

    def introducers(self, prospect: Partner) -> list[tuple[str, str]]:
        """Up to MAX_INTRODUCERS (partner id, why) who could introduce us to ``prospect``, best first."""
        index = self._build()
        found: dict[str, tuple[int, str]] = {}

        def add(partners: Iterable[Partner], rank: int, why: str) -> None:
            for p in partners:
                if p.id != prospect.id and (p.id not in found or found[p.id][0] > rank):
                    found[p.id] = (rank, why)

        if prospect.organisation:
            add(index.get(("organisation", _norm(prospect.organisation)), ()), 0, "same organisation")
        if prospect.introduced_by:
            add(index.get(("id", prospect.introduced_by), ()), 1, "introduced us to them")
            add(index.get(("introduced_by", prospect.introduced_by), ()), 2,
                f"also introduced by {self.name(prospect.introduced_by)}")
        add(index.get(("introduced_by", prospect.id), ()), 1, "they introduced them to us")
        if prospect.location:
            add(index.get(("location", _norm(prospect.location)), ()), 3, f"also in {prospect.location}")
        add(index.get(("category", prospect.category), ()), 4, f"also {prospect.category}")
        referrals = {pid: sum(1 for r in self.records.get(pid).referrals if r.direction == "in")  # type: ignore[union-attr]
                     for pid in found}
        ranked = sorted(found.items(), key=lambda item: (item[1][0], -referrals[item[0]], item[0]))
        return [(pid, why) for pid, (_rank, why) in ranked[:MAX_INTRODUCERS]]

    def intro_mentions(self, prospect: Partner, today: dt.date) -> list[LogEvent]:
        """intro-asked / intro-made lines in *other* partners' logs whose text names ``prospect`` (id or name)."""
        if self._mentions is None:
            self._mentions = self._index_mentions()
        return [e for e in self._mentions.get(prospect.id, ()) if e.date <= today]

    def _index_mentions(self) -> dict[str, list[LogEvent]]:
        """Prospect id -> intro lines elsewhere naming it, matched word for word (one pass over the intro lines)."""
        names: dict[tuple[str, ...], set[str]] = {}
        for p in self.records.partners:
            if p.stage == "prospect":
                for name in (p.id, p.name):
                    names.setdefault(_tokens(name), set()).add(p.id)
        names.pop((), None)
        longest = max((len(k) for k in names), default=0)
        mentions: dict[str, list[LogEvent]] = {}
        for p in self.records.partners:
            for event in p.events:
                if event.kind not in INTRO or not event.text:
                    continue
                words = _tokens(event.text)
                found: set[str] = set()
                for start in range(len(words)):
                    for end in range(start + 1, min(start + longest, len(words)) + 1):
                        found |= names.get(words[start:end], set())
                for pid in sorted(found - {p.id}):
                    mentions.setdefault(pid, []).append(event)
        return mentions


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower()))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())
