"""The due engine's vocabulary: the rules, the statuses, which log kinds count for what, and :class:`DueItem`.

No I/O, no clock; imports nothing of the engine (the rules, reach and the network import this).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Literal, Mapping

from refsite import vocab
from refsite.model import INTRO_KINDS
from refsite.problems import Source

# The rules and the due statuses as types (tests/test_types.py holds each to its table below).
Rule = Literal["thanks", "update", "at-risk", "cadence", "meeting", "nurture", "prospect", "introduction",
               "reactivate", "promote", "gift-cap", "single-contact"]
DueStatus = Literal["overdue", "due", "soon", "later"]

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
        "reactivate": "a former partner who refers again: thank them and suggest moving them back to active",
        "promote": "a prospect who refers: the prospect playbook is over; suggest moving them to active",
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
INTRO = INTRO_KINDS  # the log kinds of an introduction (one home: refsite.model)
# A touch on the prospect playbook: value, or liking, commenting on and sharing their content.
PROSPECT_TOUCH = VALUE | {"social"}
# Meeting them (not a drop-in, not an event they attended): a playbook round's goal reached.
MET = frozenset({"meeting", "coffee", "lunch"})
# A conversation about why they went quiet: in person or by phone.
CONVERSATION = IN_PERSON | {"call"}

COUNTS: Mapping[str, Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "cadence": MappingProxyType({"check-in": CONTACT}),
        "meeting": MappingProxyType({"in-person meeting": IN_PERSON}),
        "thanks": MappingProxyType({"thanks": frozenset({"thanks"})}),
        "update": MappingProxyType({"update": frozenset({"update"})}),
        "nurture": MappingProxyType({"value": VALUE, "meeting asked": MEETING_ASK, "met": MET}),
        "prospect": MappingProxyType({"touch": PROSPECT_TOUCH, "engaged": ENGAGED, "meeting asked": MEETING_ASK | INTRO,
                                      "met": MET}),
        "introduction": MappingProxyType({"introduction asked": INTRO | MEETING_ASK}),
        "at-risk": MappingProxyType({"referral": frozenset({"referral-in"}), "conversation": CONVERSATION}),
        "single-contact": MappingProxyType({}),
        "reactivate": MappingProxyType({"referral": frozenset({"referral-in"})}),
        "promote": MappingProxyType({"referral": frozenset({"referral-in"})}),
        "gift-cap": MappingProxyType({"cost": frozenset(k for k in _KINDS if k not in ("stage", "note"))}),
    }
)
"""Per rule, the log kinds that count as each kind of touch (documented in docs/rules.md)."""

# Which referral statuses need a patient update, per update preference (vocab.UPDATES).
UPDATE_STATUSES = vocab.UPDATE_STATUSES  # which statuses need a patient update, per preference (one table)

MAX_INTRODUCERS = 3
AT_RISK_TRAILING_WINDOWS = 4  # the trailing average is taken over the four windows before the recent one


@dataclass(frozen=True)
class DueItem:
    """One thing to do for one partner, with why and what next."""

    partner_id: str
    partner_name: str
    owner: str | None
    rule: Rule
    due_date: dt.date
    days_overdue: int  # negative: days left
    status: DueStatus
    reason: str
    action: str
    source: Source
    introducers: tuple[str, ...] = ()
    ref: str | None = None
    # Structured facts beside the sentences (so that nothing parses ``reason`` or ``action``):
    contact: str | None = None  # the person to reach (a contact's name), None: the partner itself
    channel: str | None = None  # a vocab.CHANNELS term (phone, email, in-person, text, fax, post) or None
    address: str | None = None  # the phone number or email address to use, when one is known
    ref_status: vocab.Status | None = None  # rule update: the status the update is about; thanks: 'received'
    value_idea: str | None = None  # the value idea the action suggests, if any
    value_idea_source: str | None = None  # 'partner' (its own value_ideas) or 'catalogue'
    suggest_stage: vocab.Stage | None = None  # rules reactivate and promote: the stage to move the partner to
    introduce: str | None = None  # rule introduction: whom the introducers are asked to introduce (contact or partner name)
    introducer_reasons: tuple[str, ...] = ()  # rule introduction: why each introducer could make it, in step
    step: str | None = None  # nurture and prospect: 'value' (give a piece of value) or 'ask-meeting'

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
            "contact": self.contact,
            "channel": self.channel,
            "address": self.address,
            "ref_status": self.ref_status,
            "value_idea": self.value_idea,
            "suggest_stage": self.suggest_stage,
        }


def within(items: Iterable[DueItem], days: int) -> list[DueItem]:
    """Items overdue, due today, or due within ``days`` days (what a person should see)."""
    return [i for i in items if i.days_overdue >= -days]


def beyond_grace(items: Iterable[DueItem], grace: int) -> list[DueItem]:
    """Items overdue by more than ``grace`` days: these fail ``refsite check``."""
    return [i for i in items if i.days_overdue > grace]


def status_of(days_overdue: int, soon_days: int) -> DueStatus:
    if days_overdue > 0:
        return "overdue"
    if days_overdue == 0:
        return "due"
    if -days_overdue <= soon_days:
        return "soon"
    return "later"

