"""Who the front desk meant: a referrer as typed ("Dr A Hassan", "patel and co") to one partner, or not.

Tried in order: the aliases file (a resolution a person gave once), an email or
phone of the partner or a contact, the partner id, a contact's name with titles
and initials understood ("Dr A Hassan" is "Dr. Aisha Hassan"), then a fuzzy
score (rapidfuzz) against partner names, organisations and contact names. One
clear match is taken; anything else is ambiguous or unknown, with candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from rapidfuzz import fuzz

from refsite.importing.text import email_key, org_key, person_key, phone_key
from refsite.model import Records
from refsite.vocab import normalise_word

CLEAR = 90  # a fuzzy score at least this high ...
MARGIN = 10  # ... and this far ahead of the next partner is one clear match
CANDIDATE = 55  # candidates listed for an ambiguous or unknown referrer score at least this


@dataclass(frozen=True)
class Match:
    partner_id: str | None  # the one clear match, or None
    how: str  # "alias", "email", "phone", "id", "contact", "name", "ambiguous", "unknown"
    candidates: tuple[tuple[str, int], ...] = ()  # (partner id, score), best first, when not clear


def alias_key(text: str) -> str:
    return " ".join(normalise_word(text).split())


class Matcher:
    """An index of the records' names, contacts, emails and phones; :meth:`match` one referrer at a time."""

    def __init__(self, records: Records, aliases: Mapping[str, str]) -> None:
        self.aliases = {alias_key(k): v for k, v in aliases.items()}
        self.ids = {p.id for p in records.partners}
        self.emails: dict[str, set[str]] = {}
        self.phones: dict[str, set[str]] = {}
        self.people: list[tuple[list[str], str]] = []  # (name words without title, partner id)
        self.names: list[tuple[str, str]] = []  # (compared text, partner id)
        for partner in records.partners:
            for email in (partner.email, *(c.email for c in partner.contacts)):
                if email and email_key(email):
                    self.emails.setdefault(email_key(email), set()).add(partner.id)
            for phone in (partner.phone, *(c.phone for c in partner.contacts)):
                if phone and phone_key(phone):
                    self.phones.setdefault(phone_key(phone), set()).add(partner.id)
            for text in (partner.name, partner.organisation):
                if text:
                    self.names.append((org_key(text), partner.id))
            for contact in partner.contacts:
                self.people.append((person_key(contact.name).split(), partner.id))
                self.names.append((person_key(contact.name), partner.id))
            if partner.solo:
                self.people.append((person_key(partner.name).split(), partner.id))

    def match(self, referrer: str) -> Match:
        key = alias_key(referrer)
        if key in self.aliases:
            return Match(self.aliases[key], "alias")
        for how, index, found in (("email", self.emails, email_key(referrer)), ("phone", self.phones, phone_key(referrer))):
            if found and found in index:
                ids = sorted(index[found])
                if len(ids) == 1:
                    return Match(ids[0], how)
                return Match(None, "ambiguous", tuple((i, 100) for i in ids))
        if key.replace(" ", "-") in self.ids:
            return Match(key.replace(" ", "-"), "id")
        people = self._people(referrer)
        if len(people) == 1:
            return Match(people[0], "contact")
        scores = self._scores(referrer)
        for pid in people:  # several people of that name: each a candidate with full marks
            scores[pid] = 100
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        best = ranked[0] if ranked else None
        second = ranked[1][1] if len(ranked) > 1 else 0
        if best and best[1] >= CLEAR and best[1] - second >= MARGIN and not people:
            return Match(best[0], "name")
        candidates = tuple((pid, score) for pid, score in ranked[:3] if score >= CANDIDATE)
        if best and best[1] >= CLEAR:
            return Match(None, "ambiguous", candidates)
        return Match(None, "unknown", candidates)

    def _people(self, referrer: str) -> list[str]:
        """Partners with a contact that ``referrer`` names: the same surname and matching first names or initials."""
        words = person_key(referrer).split()
        if len(words) < 2:
            return []
        *given, surname = words
        found = set()
        for name, pid in self.people:
            if len(name) < 2 or name[-1] != surname:
                continue
            theirs = name[:-1]
            if all(i < len(theirs) and (g == theirs[i] or (len(g) == 1 and theirs[i].startswith(g)))
                   for i, g in enumerate(given)):
                found.add(pid)
        return sorted(found)

    def _scores(self, referrer: str) -> dict[str, int]:
        query = org_key(referrer)
        title_free = person_key(referrer)
        scores: dict[str, int] = {}
        if not query:
            return scores
        words = query.split()
        for text, pid in self.names:
            if _abbreviates(words, text.split()):  # "eastside psych" -> "eastside psychology"
                scores[pid] = max(scores.get(pid, 0), 95)
                continue
            score = max(fuzz.token_set_ratio(query, text), fuzz.token_set_ratio(title_free, text), fuzz.WRatio(query, text))
            if score > scores.get(pid, 0):
                scores[pid] = int(round(score))
        return scores


def _abbreviates(short: list[str], full: list[str]) -> bool:
    """Each word of ``short`` starts the word of ``full`` in the same place, at least one shortened ("psych")."""
    if len(short) < 2 or len(short) != len(full):
        return False
    shortened = False
    for a, b in zip(short, full):
        if a == b:
            continue
        if len(a) < 4 or not b.startswith(a):
            return False
        shortened = True
    return shortened
