"""The log grammar's fast path (_parse_plain) reads every line it accepts exactly as the full parser does.

parse_line tries the fast path first and falls back to the full parser
(_parse_any), which explains every problem. These tests hold the two to the
same event, field for field, over hand-picked lines and thousands of random
ones built from the grammar's tokens, valid and not.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from refsite import vocab
from refsite.load import logline
from refsite.model import LogEvent
from refsite.problems import Source

SERVICES = {**vocab.SERVICES, "running": "running injuries"}
SOURCE = Source("records/harbour.md", 14)

LINES = [
    "- 2026-09-03 visit @maya with Leah Ortiz: dropped off referral pads and doughnuts for the desk",
    "- 2026-09-18 referral-in R-2291 @maya status:booked service:knee",
    "- 2026-09-19 thanks @maya: handwritten card to Dr. Natarajan and the front desk",
    "- 2026-09-19 thanks R-2291 @maya: handwritten card",
    "- 2026-10-02 referral-in R-2291 status:converted value:640 consent:yes",
    "- 2026-10-02 referral-in R-2291 status:discharged value:1,200 satisfaction:5",
    "- 2026-10-05 referral-out R-77 @tom service:running",
    "- 2026-10-06 stage active @sam: agreed to work together",
    "- 2026-10-07 coffee @maya with Dr. Priya Natarajan, Leah Ortiz cost:12.50: coffee at the corner cafe",
    "- 2026-10-08 lunch with Leah Ortiz and Priya Natarajan @tom cost:80",
    "- 2026-10-09 note:",
    "- 2026-10-09 note: ",
    "- 2026-10-10 call",
    "  - 2026-10-11 email @maya : spaced colon  ",
    "- 2026-10-12 gift cost:15 cost:20",
    "- 2026-10-12 gift status:booked",
    "- 2026-10-13 referral-in @maya service:knee",
    "- 2026-10-13 referral-in with Leah service:knee",
    "- 2026-10-13 thanks with with Leah",
    "- 2026-10-14 call with",
    "- 2026-10-14 call with ,",
    "- 2026-10-14 call with @maya",
    "- 2026-10-15 call @maya with Leah @tom",
    "- 2026-10-15 call with Leah @Leah",
    "- 2026-10-16 stage Active",
    "- 2026-10-16 stage @maya",
    "- 2026-02-30 call",
    "- 2026-10-17 referral-in R-1 status:booked satisfaction:05",
    "- 2026-10-17 referral-in R-1 consent:YES satisfaction:6",
    "- 2026-10-17 referral-in R-1 value:-5",
    "- 2026-10-17 referral-in R-1 value:1:2",
    "- 2026-10-18 call  @maya",
    "- 2026-10-18 call\t@maya",
    "- 2026-10-18 call\u00a0@maya",
    "- 2026-10-18 call @maya with Leah\u00a0Ortiz",
    "- 2026-10-05 referral-out R-78 @tom service:running: no free text on referral lines",
]


def _full(line: str) -> tuple[LogEvent | None, list[object]]:
    return logline._parse_any(line, SOURCE, SERVICES)


def _same(line: str) -> bool:
    """parse_line agrees with the full parser; returns whether the fast path took the line."""
    fast = logline._parse_plain(line, SOURCE.path, SOURCE.line, SERVICES)
    expected = _full(line)
    assert repr(logline.parse_line(line, SOURCE, SERVICES)) == repr(expected), line
    assert repr(logline.parse_line_at(line, SOURCE.path, SOURCE.line, SERVICES)) == repr(expected), line
    if fast is not None:
        assert expected[1] == [], line
        assert repr(fast) == repr(expected[0]), line
        assert fast == expected[0]
    return fast is not None


def test_events_are_built_the_fast_way() -> None:
    # Should LogEvent change shape, logline falls back to its constructor; this says so.
    assert logline._FAST_EVENTS
    assert LogEvent._fields == logline._FIELD_ORDER


def test_an_event_knows_its_source() -> None:
    event, problems = logline.parse_line("- 2026-09-03 visit @maya: pads", SOURCE, SERVICES)
    assert problems == []
    assert event is not None
    assert (event.path, event.line) == ("records/harbour.md", 14)
    assert event.source == Source("records/harbour.md", 14)
    assert event.source is not event.source  # built on demand
    assert event.as_dict() == {
        "date": dt.date(2026, 9, 3), "kind": "visit", "source": Source("records/harbour.md", 14), "text": "pads",
        "ref": None, "stage": None, "author": "maya", "with": (), "status": None, "service": None, "value": None,
        "cost": None, "consent": None, "satisfaction": None, "raw": "2026-09-03 visit @maya: pads",
    }
    assert LogEvent.at(SOURCE, dt.date(2026, 9, 3), "visit", text="pads", author="maya",
                       raw="2026-09-03 visit @maya: pads") == event


@pytest.mark.parametrize("line", LINES)
def test_hand_picked_lines(line: str) -> None:
    _same(line)


def test_the_fast_path_takes_the_plain_lines() -> None:
    # The first thirteen are valid and written in the grammar's order with single spaces;
    # every other line goes to the full parser, valid or not.
    assert [line for line in LINES if _same(line)] == LINES[:13]


TOKENS = [
    "@maya", "@tom", "@Bob", "@", "@a--b", "with", "with", "Leah", "Ortiz", "Dr.", "and", ",", "Leah,", "O'Neil",
    "status:booked", "status:converted", "status:bogus", "service:knee", "service:running", "service:Knee",
    "value:640", "value:1,200", "value:-5", "value:abc", "value:NaN", "value:1e3", "value:12.50", "consent:yes",
    "consent:YES", "consent:maybe", "satisfaction:5", "satisfaction:6", "satisfaction:05", "cost:12.50", "cost:x",
    "foo:bar", "Status:x", "value:1:2", "R-1", "R-2", "R-1:x", "r:x", "R#7", "R/8", "-R", "active", "bogus",
    "stage", ":", "x:", "2026-01-01", "\u00a0", "\t", "A&B", "with:x", "@maya:", "a.b", "#x",
]
KINDS = [*vocab.LOG_KINDS, "bogus", "Call", "referral-in", "referral-in", "referral-out", "thanks", "stage", "stage"]
DATES = ["2026-01-01", "2026-02-30", "2026-13-01", "2026/01/01", "\uff12\uff10\uff12\uff16-01-01", "2026-1-1", ""]
TEXTS = ["", ": hello", ": a: b", ":", ":   ", ": with Leah @maya status:x", "::", ": x  "]


def _random_line(rng: random.Random) -> str:
    words = [rng.choice(DATES) if rng.random() < 0.2 else f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
             rng.choice(KINDS)]
    if rng.random() < 0.6:  # mostly in the grammar's order
        if words[1] == "stage":
            words.append(rng.choice(["active", "nurture", "former", "prospect", "bogus"]))
        if words[1] in ("referral-in", "referral-out", "thanks", "update") and rng.random() < 0.8:
            words.append(rng.choice(["R-1", "R-22", "R/3"]))
        if rng.random() < 0.7:
            words.append(rng.choice(["@maya", "@tom", "@sam-x"]))
        if rng.random() < 0.5:
            words += ["with", *rng.choice([["Leah", "Ortiz"], ["Dr", "Priya"], ["A,", "B"], ["A", "and", "B"], [","]])]
        words += rng.sample([t for t in TOKENS if ":" in t and not t.endswith(":")], rng.randint(0, 3))
    for _ in range(rng.choice([0, 0, 1, 2, 4])):
        words.insert(rng.randint(1, len(words)), rng.choice(TOKENS))
    sep = " " if rng.random() < 0.9 else rng.choice(["  ", "\t", " \u00a0"])
    return "- " + sep.join(words) + rng.choice(TEXTS)


def test_random_lines_read_the_same_both_ways() -> None:
    rng = random.Random(7)
    taken = sum(_same(_random_line(rng)) for _ in range(10_000))
    assert taken > 1_000  # the fast path is exercised, not bypassed
