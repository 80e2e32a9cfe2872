"""refsite.brief: the meeting brief computed from tests/fixtures/brief/ as of 2026-11-22.

The fixture: Harbour Street (key, maya) with gifts, a lunch, value lines, four
referrals in (one before the twelve months), one out, a thanks and two updates
owed; Bondi Chiro (tom), who introduced Harbour Street; Bondi Medical Centre
(newco), a prospect who did not engage, for whom the due engine suggests Bondi
Chiro and Harbour Street as introducers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import TODAY, generate

from refsite.brief import Count, Line, Person, SentReferral, UnknownPartner, brief, partner_suggestions
from refsite.model import Records
from refsite.workspace import load_and_validate

FIXTURE = Path(__file__).parent / "fixtures" / "brief"


@pytest.fixture(scope="module")
def loaded():
    records, settings, problems = load_and_validate(FIXTURE, None, TODAY, as_of=True)
    assert problems == []
    return records, settings


def test_who_they_are_and_the_people(loaded):
    b = brief(*loaded, "harbour", TODAY)
    assert (b.name, b.category, b.stage, b.tier, b.owner, b.owner_name) == (
        "Harbour Street Family Practice", "primary-care", "active", "key", "maya", "Maya Chen")
    assert (b.location, b.since, b.updates, b.introduced_by, b.introduced) == (
        "Surry Hills", dt.date(2021, 3, 15), "milestones", ("bondi", "Bondi Chiro"), ())
    assert b.agreement == "Referral pads and a shared ACL protocol, agreed 2024-02"
    assert b.financial == "We sponsor their staff fun run ($150 a year), unrelated to referrals."
    assert b.people == (
        Person("Dr. Priya Natarajan", "physician", "email", "Runs the sports clinic on Tuesday mornings.",
               dt.date(2026, 10, 29), "meeting"),
        Person("Leah Ortiz", "referral-coordinator", "phone", None, dt.date(2026, 11, 6), "thanks"),
    )
    assert brief(*loaded, "bondi", TODAY).introduced == (("harbour", "Harbour Street Family Practice"),)


def test_what_we_gave_in_the_last_twelve_months_newest_first(loaded):
    b = brief(*loaded, "harbour", TODAY)
    assert b.window_start == dt.date(2025, 11, 23)
    assert [(g.date.isoformat(), g.kind, g.cost) for g in b.given] == [
        ("2026-09-10", "value", None),
        ("2026-06-25", "event", None),
        ("2026-05-14", "lunch", Decimal("112")),  # hospitality: a line with a cost
        ("2026-02-12", "gift", Decimal("38")),
    ]
    assert b.given[2] == Line(dt.date(2026, 5, 14), "lunch", "maya", ("Dr. Priya Natarajan", "Leah Ortiz"),
                              "lunch-and-learn on low back pain", Decimal("112"))
    assert (b.given_cost, b.year_cost, b.gift_cap) == (Decimal("150"), Decimal("150"), Decimal("250"))


def test_what_they_sent(loaded):
    b = brief(*loaded, "harbour", TODAY)
    assert (b.received, b.received_total) == (3, 4)  # R-1 (2025-10-01) is older than twelve months
    assert b.by_status == (Count("received", 1), Count("converted", 1), Count("discharged", 1))
    assert b.by_service == (Count("knee", 2), Count("hip", 1))
    assert b.revenue == Decimal("970")  # R-2 820 (its last value), R-3 150
    assert b.last_received == SentReferral("R-4", dt.date(2026, 11, 18), "knee", "received")
    assert b.sent == (SentReferral("RO-1", dt.date(2026, 8, 14), "hip", "received"),)


def test_as_of_an_earlier_day_later_lines_are_left_out(loaded):
    b = brief(*loaded, "harbour", dt.date(2026, 11, 15))
    assert (b.received, b.by_status) == (2, (Count("converted", 2),))  # R-2 discharged and R-4 came later
    assert b.revenue == Decimal("285")
    assert [t.date.isoformat() for t in b.touches][:1] == ["2026-11-06"]


def test_owed_ideas_touches_and_asks(loaded):
    b = brief(*loaded, "harbour", TODAY)
    assert [(i.rule, i.ref, i.days_overdue) for i in b.owed] == [("update", "R-3", 5), ("thanks", "R-4", 1),
                                                                  ("update", "R-2", -5)]
    assert b.ideas == ("Invite their nurses to the March lunch-and-learn",)  # the ACL protocol was sent
    assert b.ideas_total == 2
    assert [(t.date.isoformat(), t.kind) for t in b.touches] == [
        ("2026-11-06", "thanks"), ("2026-10-29", "meeting"), ("2026-09-10", "value"), ("2026-07-20", "update"),
        ("2026-07-10", "thanks")]
    assert [(i.rule, i.due_date.isoformat()) for i in b.asks] == [("cadence", "2026-12-06"), ("meeting", "2027-01-27")]


def test_introductions_the_due_engine_suggests_they_make(loaded):
    bondi = brief(*loaded, "bondi", TODAY)
    assert [(i.prospect_id, i.prospect_name, i.item.rule) for i in bondi.introductions] == [
        ("newco", "Bondi Medical Centre", "introduction")]
    assert bondi.introductions[0].ask == (
        "Ask them to introduce you to Renee Castillo at Bondi Medical Centre (also in Bondi)")
    assert brief(*loaded, "harbour", TODAY).introductions[0].ask == (
        "Ask them to introduce you to Renee Castillo at Bondi Medical Centre (also primary-care)")
    newco = brief(*loaded, "newco", TODAY)
    assert newco.introductions == ()
    assert [i.rule for i in newco.asks] == ["introduction"]  # the prospect's own item: ask a partner


def test_a_partner_with_no_referrals_ideas_or_gifts(loaded):
    _records, settings = loaded
    records, _s, _p = load_and_validate(FIXTURE, None, TODAY)
    bare = Records(tuple(p for p in records.partners if p.id == "bondi"))
    b = brief(bare, settings, "bondi", TODAY)
    assert (b.received, b.received_total, b.by_status, b.last_received, b.sent, b.given) == (0, 0, (), None, (), ())
    assert (b.ideas, b.ideas_total, b.introductions) == ((), 0, ())


def test_unknown_partner_raises(loaded):
    with pytest.raises(UnknownPartner):
        brief(*loaded, "nobody", TODAY)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("harb", ("harbour",)),  # a prefix
        ("bondi", ("bondi",)),
        ("Harbour Street", ("harbour",)),  # words of the name
        ("medical", ("newco",)),
        ("harbor", ("harbour",)),  # a misspelling
        ("zzz", ()),
        ("", ()),
    ],
)
def test_partner_suggestions(word, expected):
    partners = {"harbour": "Harbour Street Family Practice", "bondi": "Bondi Chiro", "newco": "Bondi Medical Centre"}
    assert partner_suggestions(word, partners) == expected


# --- The one-partner load (refsite.load.one): the same brief as from every record ---------------------------

def _assert_same_briefs(folder: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every partner's brief from load_for_partner equals the brief from every record, text, Markdown and JSON
    alike, and its problems are the full run's problems of its file and of the settings. Returns the briefs compared."""
    import refsite.brief
    from refsite.due import due, partner_due
    from refsite.output.brief import brief_json, brief_markdown, brief_text
    from refsite.workspace import load_for_partner

    records, settings, problems = load_and_validate(folder, None, TODAY, as_of=True)
    items = due(records, settings, TODAY)  # once for the full records (a pure function): the test stays fast
    real_due = refsite.brief.due
    monkeypatch.setattr(refsite.brief, "due", lambda r, s, t: items if r is records else real_due(r, s, t))
    settings_path = settings.source.path
    compared = 0
    for partner in records.partners:
        one = load_for_partner(folder, None, partner.id, TODAY)
        assert one is not None, partner.id
        few, few_settings, few_problems = one
        assert few_settings == settings
        full, fast = brief(records, settings, partner.id, TODAY), brief(few, few_settings, partner.id, TODAY)
        for render in (brief_text, brief_markdown, brief_json):
            assert render(fast) == render(full), (partner.id, render.__name__)
        assert fast == full, partner.id
        assert few_problems == [p for p in problems if p.source.path in (partner.source.path, settings_path)], partner.id
        assert len(few.partners) < len(records.partners) or len(records.partners) < 5, partner.id
        # A draft's load: only what the partner's own due items need.
        own = load_for_partner(folder, None, partner.id, TODAY, introductions=False)
        assert own is not None
        assert partner_due(own[0].get(partner.id), settings, TODAY, own[0]) == [i for i in items if i.partner_id == partner.id]
        compared += 1
    for unreadable in records.unreadable:
        assert load_for_partner(folder, None, unreadable, TODAY) is None
    return compared


def test_one_partner_load_briefs_every_demo_partner_as_the_full_load(monkeypatch):
    assert _assert_same_briefs(Path(__file__).resolve().parent.parent / "records", monkeypatch) >= 20


def test_one_partner_load_briefs_the_fixture_as_the_full_load(monkeypatch):
    assert _assert_same_briefs(FIXTURE, monkeypatch) == 3


def test_one_partner_load_briefs_generated_partners_as_the_full_load(tmp_path, monkeypatch):
    """Generated partners, some of them written in ways the front-matter scan leaves to the parser
    (CRLF, a BOM, quoted values, a value over two lines) and a few that cannot be read at all."""
    folder = tmp_path / "records"
    generate(folder, 40, seed=3)
    files = sorted(folder.glob("*.md"))
    for i, path in enumerate(files):
        data = path.read_bytes()
        if i % 10 == 1:
            data = data.replace(b"\n", b"\r\n")
        elif i % 10 == 2:
            data = b"\xef\xbb\xbf" + data
        elif i % 10 == 3:
            data = data.replace(b"\nlocation: ", b'\nlocation: "', 1).replace(b"\nwebsite:", b'"\nwebsite:', 1)
        elif i % 20 == 4:
            data = data.replace(b"\nname: ", b"\nname:\n  ", 1)
        elif i % 20 == 5:
            data = data.replace(b"\ncontacts:\n", b"\ncontacts:\n\t- oops\n", 1)  # a tab: the file cannot be read
        elif i % 20 == 6:
            data = data[4:]  # no front matter
        path.write_bytes(data)
    records = load_and_validate(folder, None, TODAY, as_of=True)[0]
    assert len(records.unreadable) >= 5
    assert _assert_same_briefs(folder, monkeypatch) == len(records.partners)
