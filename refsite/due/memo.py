"""What is due, reusing an earlier run's items for a partner where nothing they were made from has changed.

No I/O, no clock. A partner's due items are a pure function of the partner, the settings, today,
and the answers its rules got from the network of all partners (:class:`~refsite.due.network.Network`:
how many people the team knows at its organisation, intro lines elsewhere that name it, who could
introduce it, and those partners' names). :func:`due_with_memos` runs the rules of each partner
through a recorder that keeps every question asked of the network with its answer, and returns,
beside the items, one :class:`Memo` per partner: today, those questions and answers, and the items.

Given back a memo for a partner *of the same content read with the same settings* (the caller's
promise: the parsed-records cache keeps the memo in the entry of the file's bytes, under a header
that names the settings), the memo's items are reused when it was made for the same ``today`` and
every question, asked again of this run's network, gets the same answer: the rules then take the
same path through the same facts and make the same items. Otherwise the partner's items are made
afresh. The result is :func:`refsite.due.due`'s, item for item, in the same order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from refsite.due.context import Run
from refsite.due.items import DueItem
from refsite.due.network import Network
from refsite.due.rules import partner_items
from refsite.model import LogEvent, Partner, Records
from refsite.settings import Settings

# A question asked of the network about the partner: (method, arguments besides the partner, answer).
Read = tuple[str, tuple[Any, ...], Any]


@dataclass(frozen=True)
class Memo:
    """One partner's due items, with what they were made from besides the partner and the settings."""

    today: dt.date
    reads: tuple[Read, ...]
    items: tuple[DueItem, ...]


def due_with_memos(
    records: Records, settings: Settings, today: dt.date, memos: Mapping[str, Memo]
) -> tuple[list[DueItem], dict[str, Memo]]:
    """:func:`refsite.due.due`, and every partner's memo (by partner id), reusing ``memos`` where they still hold.

    ``memos[partner_id]`` must have been made by this function for a partner of exactly the same
    content, with the same settings; this function checks ``today`` and the network's answers.
    A memo that holds is returned as it was given (``is`` tells the caller nothing changed).
    """
    network = Network(records)
    run = Run(settings, today)
    items: list[DueItem] = []
    out: dict[str, Memo] = {}
    for partner in records.partners:
        memo = memos.get(partner.id)
        if memo is None or not holds(memo, partner, today, network):
            recorder = _Recorder(network, partner)
            made = tuple(partner_items(partner, settings, today, recorder, run))
            items.extend(made)
            if recorder.other:  # a question about another partner: not kept (the rules ask none today)
                continue
            memo = Memo(today, tuple(recorder.reads), made)
        else:
            items.extend(memo.items)
        out[partner.id] = memo
    items.sort(key=DueItem.sort_key)
    return items, out


def holds(memo: Memo, partner: Partner, today: dt.date, network: Network) -> bool:
    """Whether ``memo`` (made for a partner of ``partner``'s content) is still true: same day, same answers."""
    if memo.today != today:
        return False
    for method, args, answer in memo.reads:
        now = _ask(network, method, partner, args)
        if now is _UNKNOWN or not _same(now, answer):
            return False
    return True


def _ask(network: Network, method: str, partner: Partner, args: tuple[Any, ...]) -> Any:
    if method == "people_at":
        return network.people_at(partner)
    if method == "intro_mentions":
        return network.intro_mentions(partner, *args)
    if method == "introducers":
        return network.introducers(partner)
    if method == "name":
        return network.name(*args)
    return _UNKNOWN  # a question this refsite does not ask: the memo is not reused


_UNKNOWN = object()


def _same(a: Any, b: Any) -> bool:
    """Equal, and written the same (Decimal('1.0') equals Decimal('1.00'), 1 equals True: not the same here)."""
    return bool(a == b) and repr(a) == repr(b)


class _Recorder(Network):
    """The run's network, keeping every question the rules ask about one partner, and its answer.

    ``other``: a question was asked about another partner, which :func:`holds` could not ask again.
    """

    def __init__(self, network: Network, partner: Partner) -> None:  # shares the network's indexes
        self._network = network
        self._partner = partner
        # No ``records``: a rule that read the partners directly, past these questions, fails here loudly.
        self.reads: list[Read] = []
        self.other = False

    def _about(self, partner: Partner) -> None:
        if partner is not self._partner:
            self.other = True

    def name(self, partner_id: str) -> str:
        answer = self._network.name(partner_id)
        self.reads.append(("name", (partner_id,), answer))
        return answer

    def people_at(self, partner: Partner) -> int:
        self._about(partner)
        answer = self._network.people_at(partner)
        self.reads.append(("people_at", (), answer))
        return answer

    def introducers(self, prospect: Partner) -> list[tuple[str, str]]:
        self._about(prospect)
        answer = self._network.introducers(prospect)
        self.reads.append(("introducers", (), answer))
        return answer

    def intro_mentions(self, prospect: Partner, today: dt.date) -> list[LogEvent]:
        self._about(prospect)
        answer = self._network.intro_mentions(prospect, today)
        self.reads.append(("intro_mentions", (today,), answer))
        return answer
