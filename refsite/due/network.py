"""The network, for introductions: who could introduce us to a prospect, and intro lines elsewhere that name one.

No I/O, no clock. Built once per run over all partners (indexes are lazy). The rules learn about other
partners only through the public methods here: :mod:`refsite.due.memo` records those questions and
their answers to know when a partner's items can be reused (a new question is a new method there too).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterable

from refsite.due.items import MAX_INTRODUCERS
from refsite.model import LogEvent, Partner, Records


class Network:
    """Indexes over all partners: who could introduce a prospect, and intro lines that name a prospect."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self._index: dict[tuple[str, str], list[Partner]] | None = None
        self._mentions: dict[str, list[LogEvent]] | None = None
        self._people: dict[str, int] | None = None
        self._referrals_in: dict[str, int] = {}

    def name(self, partner_id: str) -> str:
        partner = self.records.get(partner_id)
        return partner.name if partner else partner_id

    def people_at(self, partner: Partner) -> int:
        """How many different people the team knows at ``partner``'s organisation: the contacts of every
        partner file that shares its ``organisation:`` (names compared without case or title), else its own."""
        if not partner.organisation:
            return len(partner.contacts)
        if self._people is None:
            people: dict[str, set[str]] = {}
            for p in self.records.partners:
                if p.organisation:
                    people.setdefault(_norm(p.organisation), set()).update(_norm(c.name) for c in p.contacts)
            self._people = {org: len(names) for org, names in people.items()}
        return self._people.get(_norm(partner.organisation), len(partner.contacts))

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
        """Up to MAX_INTRODUCERS (partner id, why) who could introduce us to ``prospect``, best first.

        ``refsite.load.one`` decides from these same rules which other files a one-partner brief must
        parse: change them together (tests/test_brief.py compares the two loads on every partner).
        """
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
        referrals = {pid: self._referral_count(pid) for pid in found}
        ranked = sorted(found.items(), key=lambda item: (item[1][0], -referrals[item[0]], item[0]))
        return [(pid, why) for pid, (_rank, why) in ranked[:MAX_INTRODUCERS]]

    def _referral_count(self, partner_id: str) -> int:
        """How many referrals in the partner's log (all of them, whatever their date)."""
        count = self._referrals_in.get(partner_id)
        if count is None:
            count = self._referrals_in[partner_id] = self.records.by_id[partner_id].referrals_in
        return count

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
        # The lengths of the names that start with each word: a window is looked up only where a name can start.
        lengths: dict[str, set[int]] = {}
        for key in names:
            lengths.setdefault(key[0], set()).add(len(key))
        mentions: dict[str, list[LogEvent]] = {}
        for p in self.records.partners:
            for event in p.intro_lines:  # intro lines with text (a partner read from the cache keeps its log packed)
                words = _tokens(event.text)
                found: set[str] = set()
                for start, word in enumerate(words):
                    for length in lengths.get(word, ()):
                        if start + length <= len(words):
                            found |= names.get(words[start:start + length], set())
                for pid in sorted(found - {p.id}):
                    mentions.setdefault(pid, []).append(event)
        return mentions


_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(text.lower()))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())

