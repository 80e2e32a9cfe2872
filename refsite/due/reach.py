"""Whom to contact and how, and which value ideas are left: public, for the rules, ``brief`` and drafts.

No I/O, no clock. :func:`last_met` picks the person, :func:`reach` the channel, the
address and the words ("Call Leah Ortiz (prefers phone)"), and
:func:`value_ideas_not_given` what the log does not show as given yet.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from refsite import vocab
from refsite.model import Contact, LogEvent, Partner

_KINDS = vocab.LOG_KINDS
_CONTACT = frozenset(k for k, v in _KINDS.items() if v.contact)
_ENGAGED = frozenset(k for k, v in _KINDS.items() if v.engaged)
# Whom to reach for relationship touches: the last person met on one of these lines.
RELATIONSHIP = (_CONTACT | _ENGAGED) - {"thanks", "update", "referral-in", "referral-out"}
# Whom to reach about a referral: the last person named on one of these lines.
PATIENT = frozenset({"thanks", "update", "referral-in"})

VERBS = {"phone": "Call", "email": "Email", "in-person": "Visit", "text": "Text", "fax": "Fax", "post": "Write to"}
_CHANNEL_OF_VERB = {"Call": "phone", "Email": "email"}


@dataclass(frozen=True)
class Reach:
    """How to reach the person: who, by which channel, at which address, and the words for a next step."""

    verb: str  # 'Call', 'Email', 'Visit', 'Text', 'Fax', 'Write to' or 'Contact'
    text: str  # 'Call Leah Ortiz (prefers phone)'
    contact: Contact | None  # None: the partner has no contacts
    channel: str | None  # a vocab.CHANNELS term: preferred, else the one the known phone or email allows
    address: str | None  # the phone number or email to use (the contact's own, else the partner's), if any
    preferred: bool = False  # the channel is the contact's (or the partner's) stated preference

    @property
    def in_person(self) -> bool:
        return self.verb == "Visit"

    @property
    def name(self) -> str | None:
        return self.contact.name if self.contact else None


def named_contact(partner: Partner, named: Sequence[str]) -> Contact | None:
    """The first of ``named`` (names on a log line) that is one of the partner's contacts."""
    for name in named:
        found = partner.find_contact(name)
        if found:
            return found
    return None


def last_met(partner: Partner, events: Sequence[LogEvent], kinds: frozenset[str] = RELATIONSHIP) -> Contact | None:
    """The last contact named on a line of ``kinds`` in ``events`` (date order), else the first listed, else None."""
    for event in reversed(events):
        if event.kind in kinds:
            found = named_contact(partner, event.with_)
            if found:
                return found
    return partner.contacts[0] if partner.contacts else None


def reach(partner: Partner, contact: Contact | None) -> Reach:
    """'Call Leah Ortiz (prefers phone)', 'Call Jade Morris on 02 5550 4410'.

    The verb follows the preferred channel (the contact's, else the partner's), else a known phone
    or email: the contact's own, else the partner's. A number or address that only the partner's
    front matter holds is printed, since the contact's entry does not show it; a contact's own
    number or address is not (it is one click away on their profile, and stays out of CI logs).
    """
    who = contact.name if contact else partner.name
    own_phone, own_email = (contact.phone, contact.email) if contact else (None, None)
    channel = (contact.prefers if contact else None) or partner.prefers
    if channel:
        verb = VERBS[channel]
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
    used = channel or _CHANNEL_OF_VERB.get(verb)
    address = None
    if used in ("phone", "text"):
        address = own_phone or partner.phone
    elif used == "email":
        address = own_email or partner.email
    return Reach(verb, f"{verb} {who}{where}{prefers}", contact, used, address, preferred=bool(channel))


_BRING = re.compile(r"^(share|bring|send|give|take|drop off|offer)\s+", re.IGNORECASE)


def idea_phrase(idea: str, in_person: bool) -> str:
    """'bring: X' (in person) or 'offer: X' for an idea that gives a thing ('Share X'); else 'idea: ...'."""
    match = _BRING.match(idea)
    if match:
        return ("bring: " if in_person else "offer: ") + idea[match.end():]
    if idea[:2].istitle():  # "Invite their nurses" -> "invite their nurses", but "ACL warm-up" stays
        idea = idea[:1].lower() + idea[1:]
    return "idea: " + idea


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


def ideas_not_given(ideas: Sequence[str], partner: Partner, today: dt.date) -> tuple[str, ...]:
    """Those of ``ideas`` that no log line of ``partner`` up to ``today`` seems to have given yet.

    An idea counts as given when one log line's free text holds at least two thirds of the
    idea's significant words, not counting a remark in parentheses ("Share the ACL
    return-to-sport protocol (v2)" is given by "sent the ACL return-to-sport protocol to Dr.
    Natarajan").
    """
    return tuple(_not_given(ideas, partner, today))


def first_idea_not_given(ideas: Sequence[str], partner: Partner, today: dt.date) -> str | None:
    """The first of :func:`ideas_not_given`, looking no further than it must (what is due needs only the next)."""
    return next(_not_given(ideas, partner, today), None)


@functools.lru_cache(maxsize=4096)
def _idea_words(idea: str) -> frozenset[str]:
    """An idea's significant words, without its remark in parentheses (ideas repeat: the catalogue's, a team's)."""
    return frozenset(_words(_REMARK.sub(" ", idea)))


@functools.lru_cache(maxsize=16384)
def _text_words(text: str) -> frozenset[str]:
    """The words of a log line's free text (log lines repeat: 'handwritten card', 'quarterly catch-up')."""
    return frozenset(_WORD.findall(text.lower()))


def idea_texts(events: Iterable[LogEvent], today: dt.date) -> list[str]:
    """The free text of each log line up to ``today`` that can give an idea (not a note or a stage line)."""
    return [e.text for e in events if e.date <= today and e.text and e.kind not in ("note", "stage")]


class Ideas:
    """A list of ideas, ready to be compared with log lines: their significant words, and which line texts
    hold which of them (remembered per text: the catalogue's ideas are compared with every partner's log)."""

    _MAX_TEXTS = 50_000  # texts remembered, at most (then forgotten at once: a long ``serve``)

    def __init__(self, ideas: Sequence[str]) -> None:
        self.parsed = [(idea, _idea_words(idea)) for idea in ideas]
        forms: dict[str, str] = {}  # every spelling of an idea's word in a log line -> the word
        for _idea, words in self.parsed:
            for word in words:
                forms[word] = forms[word + "s"] = word
        self.forms = forms
        self._held: dict[str, frozenset[str]] = {}

    def held_by(self, text: str) -> frozenset[str]:
        """The ideas' words that a line of this text holds."""
        found = self._held.get(text)
        if found is None:
            if len(self._held) >= self._MAX_TEXTS:
                self._held.clear()
            forms = self.forms
            found = self._held[text] = frozenset({forms[w] for w in forms.keys() & _text_words(text)})
        return found

    def not_given(self, texts: Iterable[str]) -> Iterator[str]:
        """The ideas that no line of ``texts`` seems to have given, in order (see :func:`ideas_not_given`)."""
        if not self.parsed:
            return
        held = [t for t in map(self.held_by, texts) if t]  # a line with none of the ideas' words gives none
        for idea, words in self.parsed:
            if not words or not any(len(words & t) * 3 >= len(words) * 2 for t in held):
                yield idea

    def first_not_given(self, texts: Iterable[str]) -> str | None:
        return next(self.not_given(texts), None)


@functools.lru_cache(maxsize=1024)
def ideas_of(ideas: tuple[str, ...]) -> Ideas:
    """:class:`Ideas` for a partner's own ``value_ideas`` (a tuple; partners of a team often share them)."""
    return Ideas(ideas)


def _not_given(ideas: Sequence[str], partner: Partner, today: dt.date) -> Iterator[str]:
    if not ideas:
        return
    yield from ideas_of(tuple(ideas)).not_given(idea_texts(partner.events, today))


def value_ideas_not_given(partner: Partner, today: dt.date) -> tuple[str, ...]:
    """The partner's own ``value_ideas`` that no log line up to ``today`` seems to have given yet."""
    return ideas_not_given(partner.value_ideas, partner, today)
