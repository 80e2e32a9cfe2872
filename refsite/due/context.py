"""One partner as the rules see it (its log up to today), what a rule finds, and how a finding becomes a DueItem.

No I/O, no clock. Shared by :mod:`refsite.due.rules` and :mod:`refsite.due.playbooks`.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from typing import Sequence

from refsite import vocab
from refsite.due import reach as reaching
from refsite.due.items import DueItem, Rule, status_of
from refsite.due.reach import RELATIONSHIP, Reach
from refsite.model import Contact, LogEvent, Partner, Referral
from refsite.problems import Source
from refsite.settings import Settings
from refsite.words import days_ago, plural, short_date  # noqa: F401 - plural: the rules word their reasons with it


@dataclass(frozen=True)
class Finding:
    """What a rule found for one partner, before snoozing and status make it a :class:`DueItem`."""

    rule: Rule
    due_date: dt.date
    reason: str
    action: str
    source: Source
    ref: str | None = None
    introducers: tuple[str, ...] = ()
    standing: bool = False  # a condition, not a deadline: never overdue
    reach: Reach | None = None  # whom the action reaches, and how
    ref_status: vocab.Status | None = None
    value_idea: str | None = None
    value_idea_source: str | None = None
    suggest_stage: vocab.Stage | None = None
    introduce: str | None = None
    introducer_reasons: tuple[str, ...] = ()
    step: str | None = None


_DATE_LINE = operator.itemgetter(0, 3)  # a LogEvent's (date, line): the log in date order, file order on a day
_MISSING = object()


class Run:
    """What every partner's rules share in one run: the settings, today, and what follows from them alone
    (the catalogue's ideas by category), worked out once per run instead of once per partner."""

    def __init__(self, settings: Settings, today: dt.date) -> None:
        self.settings = settings
        self.today = today
        self._suits: dict[str, reaching.Ideas] = {}

    def catalogue_ideas(self, category: str) -> reaching.Ideas:
        """The catalogue's ideas that suit ``category``, in catalogue order."""
        found = self._suits.get(category)
        if found is None:
            found = self._suits[category] = reaching.Ideas(
                [i.text for i in self.settings.catalogue if i.suits(category)])
        return found


class Context:
    """A partner with its log up to today, in date order, and helpers for reasons and actions."""

    def __init__(self, partner: Partner, settings: Settings, today: dt.date, run: Run | None = None) -> None:
        self.partner = partner
        self.settings = settings
        self.today = today
        self.run = run if run is not None and run.settings is settings and run.today == today else Run(settings, today)
        events = [e for e in partner.events if e.date <= today]
        events.sort(key=_DATE_LINE)
        self.events = events
        self._ideas_left: tuple[str, ...] | None = None
        self._idea_source = "partner"
        self._last_met: dict[frozenset[str], Contact | None] = {}
        self._of: dict[frozenset[str], list[LogEvent]] = {}
        self._named: dict[str, Contact | None] = {}
        self._referrals_in: list[Referral] | None = None

    def of(self, kinds: frozenset[str]) -> list[LogEvent]:
        """The log lines of ``kinds``, in date order (a list shared by the rules: do not change it)."""
        found = self._of.get(kinds)
        if found is None:
            found = self._of[kinds] = [e for e in self.events if e.kind in kinds]
        return found

    def referrals_in(self) -> list[Referral]:
        """Referrals they sent us, received up to today (a list shared by the rules: do not change it)."""
        if self._referrals_in is None:
            today = self.today
            self._referrals_in = [r for r in self.partner.referrals if r.direction == "in" and r.received <= today]
        return self._referrals_in

    def ago(self, date: dt.date) -> str:
        return days_ago(date, self.today)

    def day(self, date: dt.date) -> str:
        """A date in a reason, in the one wording of the terminal and the site: '6 Nov', '6 Nov 2025'."""
        return short_date(date, self.today)

    def find_contact(self, name: str) -> Contact | None:
        """:meth:`Partner.find_contact`, once per name for this partner."""
        found = self._named.get(name, _MISSING)
        if found is _MISSING:
            found = self._named[name] = self.partner.find_contact(name)
        return found  # type: ignore[return-value]

    def named_contact(self, named: Sequence[str]) -> Contact | None:
        """:func:`refsite.due.reach.named_contact` for this partner."""
        for name in named:
            found = self.find_contact(name)
            if found:
                return found
        return None

    def contact(self, named: Sequence[str] = (), kinds: frozenset[str] = RELATIONSHIP) -> Contact | None:
        """The person to reach: one named on the line in question, else the last one met on a line of
        ``kinds`` (relationship touches by default; thanks and updates for those), else the first listed."""
        found = self.named_contact(named) if named else None
        if found:
            return found
        if kinds not in self._last_met:
            self._last_met[kinds] = self._last_met_on(kinds)
        return self._last_met[kinds]

    def _last_met_on(self, kinds: frozenset[str]) -> Contact | None:
        """:func:`refsite.due.reach.last_met` over this partner's log up to today."""
        for event in reversed(self.events):
            if event.with_ and event.kind in kinds:
                found = self.named_contact(event.with_)
                if found:
                    return found
        contacts = self.partner.contacts
        return contacts[0] if contacts else None

    def reach(self, named: Sequence[str] = (), kinds: frozenset[str] = RELATIONSHIP) -> Reach:
        """See :func:`refsite.due.reach.reach`."""
        return reaching.reach(self.partner, self.contact(named, kinds))

    def next_idea(self) -> str | None:
        """The first of the partner's own value ideas not yet given, else the first catalogue idea that suits its
        category and that the log does not show as given (settings.catalogue), else None."""
        if self._ideas_left is None:
            texts = reaching.idea_texts(self.events, self.today)
            mine = self.partner.value_ideas
            own = reaching.ideas_of(mine).first_not_given(texts) if mine else None
            self._idea_source = "partner" if own is not None else "catalogue"
            if own is None:
                own = self.run.catalogue_ideas(self.partner.category).first_not_given(texts)
            self._ideas_left = (own,) if own is not None else ()
        return self._ideas_left[0] if self._ideas_left else None

    @property
    def idea_source(self) -> str | None:
        """'partner' or 'catalogue': where :meth:`next_idea` found its idea (None: no idea)."""
        return self._idea_source if self.next_idea() else None

    def idea(self, in_person: bool) -> str:
        """'; bring: the ACL protocol' (in person) or '; offer: ...' for the next value idea, or ''."""
        idea = self.next_idea()
        return "; " + reaching.idea_phrase(idea, in_person) if idea else ""

    def send_value(self) -> tuple[str, Reach]:
        """The next step of a playbook that asks for a piece of value, and whom it reaches."""
        reach = self.reach()
        idea = self.idea(reach.in_person)
        if idea:
            return reach.text + idea, reach
        give = {"Visit": "bring", "Call": "offer"}.get(reach.verb, "send")
        return f"{reach.text}: {give} something of value", reach


def finish(ctx: Context, found: Finding) -> DueItem:
    """The :class:`DueItem` for a finding: standing conditions due today at the latest, snoozing, status."""
    partner, today = ctx.partner, ctx.today
    due_date, reason = found.due_date, found.reason
    if found.standing and due_date < today:
        due_date = today
    snooze = partner.snooze_until
    if snooze is not None and due_date < snooze:
        due_date = snooze
        reason += f" (snoozed until {short_date(snooze, today)})"
    days = (today - due_date).days
    reach = found.reach
    return DueItem(
        partner_id=partner.id,
        partner_name=partner.name,
        owner=partner.owner,
        rule=found.rule,
        due_date=due_date,
        days_overdue=days,
        status=status_of(days, ctx.settings.due_soon_days),
        reason=reason,
        action=found.action,
        source=found.source,
        introducers=found.introducers,
        ref=found.ref,
        contact=reach.name if reach else None,
        channel=reach.channel if reach else None,
        address=reach.address if reach else None,
        ref_status=found.ref_status,
        value_idea=found.value_idea,
        value_idea_source=found.value_idea_source,
        suggest_stage=found.suggest_stage,
        introduce=found.introduce,
        introducer_reasons=found.introducer_reasons,
        step=found.step,
    )


_INTERVALS = {7: "Weekly", 14: "Fortnightly", 28: "Monthly", 30: "Monthly", 31: "Monthly", 60: "Two-monthly",
              61: "Two-monthly", 90: "Quarterly", 91: "Quarterly", 120: "Four-monthly", 180: "Six-monthly",
              182: "Six-monthly", 365: "Yearly"}


def interval_name(days: int) -> str | None:
    """'Monthly' for 30 days, 'Quarterly' for 90, ...; None for an interval with no common name."""
    return _INTERVALS.get(days)


def label(days: int, what: str) -> str:
    name = interval_name(days)
    return f"{name} {what}" if name else f"{what[:1].upper()}{what[1:]} every {days} days"


def days_phrase(n: int) -> str:
    return "the same day" if n == 0 else ("1 day" if n == 1 else f"{n} days")


