"""The due engine, rule by rule, at its boundaries, with fixed dates.

Records are written inline (one small partner file per case) and loaded with the
real loader, so the tests read like the records a team writes. TODAY is fixed;
every date in a case is written relative to it with ``d(n)`` (n days ago).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import TODAY

from refsite import vocab
from refsite.due import (
    CONTACT,
    CONVERSATION,
    COUNTS,
    ENGAGED,
    IN_PERSON,
    INTRO,
    MEETING_ASK,
    RULES,
    VALUE,
    DueItem,
    beyond_grace,
    due,
    partner_due,
    status_of,
    value_ideas_not_given,
    within,
)
from refsite.load import load_records
from refsite.model import Records
from refsite.problems import Source
from refsite.settings import Settings, settings_from_mapping
from refsite.validate import validate
from refsite.words import short_date

DEFAULTS = Settings(catalogue=())  # no value catalogue: the catalogue has its own tests (test_due_playbooks.py)
TWO_CONTACTS = """\
contacts:
  - name: Dr. Priya Natarajan
    role: physician
    email: priya@harbour.example
  - name: Leah Ortiz
    role: referral-coordinator
    prefers: phone
"""


def d(days_ago: int) -> str:
    """The ISO date ``days_ago`` days before TODAY."""
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


def day(days_ago: int) -> str:
    """The same date as a reason says it (refsite.words.short_date): '3 Sep', with the year when not TODAY's."""
    return short_date(TODAY - dt.timedelta(days=days_ago), TODAY)


def partner_file(
    *log: str, stage: str = "active", tier: str = "standard", name: str = "Harbour Street Family Practice",
    category: str = "primary-care", contacts: str = TWO_CONTACTS, **front: object,
) -> str:
    lines = ["---", f"name: {name}", f"category: {category}", f"stage: {stage}", f"tier: {tier}", "owner: maya"]
    lines += [f"{key}: {value}" for key, value in front.items()]
    text = "\n".join(lines) + "\n" + contacts + "---\n\nNotes.\n\n## Log\n\n"
    return text + "".join(f"- {line}\n" for line in log)


def load(tmp_path, settings: Settings = DEFAULTS, **files: str) -> Records:
    for pid, text in files.items():
        (tmp_path / f"{pid.replace('_', '-')}.md").write_text(text)
    records, problems = load_records(tmp_path, settings, "records")
    problems += validate(records, settings, TODAY)
    assert [str(p) for p in problems if p.is_error] == []
    return records


def run(tmp_path, *log: str, settings: Settings = DEFAULTS, today: dt.date = TODAY, **front: object) -> list[DueItem]:
    records = load(tmp_path, settings, harbour=partner_file(*log, **front))
    return due(records, settings, today)


def summary(items: list[DueItem], rule: str | None = None) -> list[tuple[str, str, int, str]]:
    """(rule, due date, days overdue, status) of each item, optionally of one rule."""
    return [(i.rule, i.due_date.isoformat(), i.days_overdue, i.status) for i in items if rule in (None, i.rule)]


def settings_with(**values: object) -> Settings:
    values.setdefault("value_catalogue", {"replace": True, "ideas": []})
    settings, problems = settings_from_mapping(values, "settings.yml")
    assert problems == []
    return settings


# --------------------------------------------------------------------------- cadence


@pytest.mark.parametrize(
    ("log", "front", "expected"),
    [
        # due exactly today: the standard tier's 60 days since the last check-in
        ([f"{d(60)} call @maya"], {}, [("cadence", d(0), 0, "due")]),
        ([f"{d(61)} call @maya"], {}, [("cadence", d(1), 1, "overdue")]),
        ([f"{d(59)} call @maya"], {}, [("cadence", d(-1), -1, "soon")]),
        ([f"{d(53)} call @maya"], {}, [("cadence", d(-7), -7, "soon")]),
        ([f"{d(52)} call @maya"], {}, [("cadence", d(-8), -8, "later")]),
        # the last counted touch restarts the clock; a referral and a social like do not count
        ([f"{d(100)} visit @maya", f"{d(61)} email @maya"], {}, [("cadence", d(1), 1, "overdue")]),
        ([f"{d(61)} email @maya", f"{d(5)} social @maya: liked their post"], {}, [("cadence", d(1), 1, "overdue")]),
        ([f"{d(61)} email @maya", f"{d(5)} reply: Leah called back"], {}, [("cadence", d(1), 1, "overdue")]),
        ([f"{d(61)} email @maya", f"{d(5)} note @maya: voicemail"], {}, [("cadence", d(1), 1, "overdue")]),
        # no log at all: the clock starts at since, or it is due today
        ([], {}, [("cadence", d(0), 0, "due")]),
        ([], {"since": d(61)}, [("cadence", d(1), 1, "overdue")]),
        # per tier and per partner
        ([f"{d(30)} visit"], {"tier": "key"}, [("cadence", d(0), 0, "due"), ("meeting", d(-60), -60, "later")]),
        ([f"{d(120)} call"], {"tier": "light"}, [("cadence", d(0), 0, "due")]),
        ([f"{d(46)} call"], {"cadence": 45}, [("cadence", d(1), 1, "overdue")]),
        # snoozed: nothing due before snooze_until
        ([f"{d(100)} call"], {"snooze_until": d(-1)}, [("cadence", d(-1), -1, "soon")]),
        ([f"{d(100)} call"], {"snooze_until": d(0)}, [("cadence", d(0), 0, "due")]),
        ([f"{d(100)} call"], {"snooze_until": d(1)}, [("cadence", d(1), 1, "overdue")]),
        ([f"{d(10)} call"], {"snooze_until": d(1)}, [("cadence", d(-50), -50, "later")]),
        # stage decides the playbook: former partners are never due
        ([f"{d(400)} call"], {"stage": "former"}, []),
    ],
)
def test_cadence(tmp_path, log, front, expected):
    assert summary(run(tmp_path, *log, **front)) == expected


def test_cadence_reason_and_action(tmp_path):
    items = run(tmp_path, f"{d(80)} visit @maya with Leah Ortiz: dropped off referral pads", tier="key",
                value_ideas="[Share the ACL return-to-sport protocol]")
    [item] = [i for i in items if i.rule == "cadence"]
    assert item.reason == f"Monthly check-in: last contact {day(80)} (visit), 80 days ago; key partners every 30 days"
    assert item.action == "Call Leah Ortiz (prefers phone); offer: the ACL return-to-sport protocol"
    assert item.source == Source("records/harbour.md", 21)
    assert item.days_overdue == 50 and item.status == "overdue"


JADE = "contacts:\n  - name: Jade Morris\n    role: other\n"
PARTNER_PHONE = '"02 5550 4410"'


@pytest.mark.parametrize(
    ("contacts", "front", "action"),
    [
        # a contact with no channel of their own: the partner's phone or email, printed
        (JADE, {"phone": PARTNER_PHONE}, "Call Jade Morris on 02 5550 4410 to check in"),
        (JADE, {"email": "desk@crown.example"}, "Email Jade Morris at desk@crown.example to check in"),
        (JADE, {"phone": PARTNER_PHONE, "email": "desk@crown.example"}, "Call Jade Morris on 02 5550 4410 to check in"),
        (JADE, {"phone": PARTNER_PHONE, "email": "desk@crown.example", "prefers": "email"},
         "Email Jade Morris at desk@crown.example (prefers email) to check in"),
        (JADE, {}, "Contact Jade Morris to check in"),
        # a contact's own number or address wins, and is not printed
        (JADE + "    phone: \"0400 000 111\"\n", {"phone": PARTNER_PHONE}, "Call Jade Morris to check in"),
        (JADE + "    email: jade@crown.example\n", {"phone": PARTNER_PHONE}, "Email Jade Morris to check in"),
        # a contact who prefers texts but whose number we lack: the partner's number
        (JADE + "    prefers: text\n", {"phone": PARTNER_PHONE},
         "Text Jade Morris on 02 5550 4410 (prefers text) to check in"),
        (JADE + "    prefers: fax\n", {"phone": PARTNER_PHONE}, "Fax Jade Morris (prefers fax) to check in"),
        # no contact at all: the partner itself
        ("", {"phone": PARTNER_PHONE}, "Call Crown Street Pharmacy on 02 5550 4410 to check in"),
        ("", {"email": "desk@crown.example"}, "Email Crown Street Pharmacy at desk@crown.example to check in"),
        ("", {}, "Contact Crown Street Pharmacy to check in"),
    ],
)
def test_reach_falls_back_to_the_partners_channel(tmp_path, contacts, front, action):
    items = run(tmp_path, f"{d(61)} visit @maya", name="Crown Street Pharmacy", contacts=contacts, solo="true", **front)
    assert [(i.rule, i.action) for i in items] == [("cadence", action)]


@pytest.mark.parametrize(
    ("prefers", "action"),
    [
        # something to bring is brought only in person; on a call or in an email it is offered
        ("in-person", "Visit Jade Morris (prefers in-person); bring: the ankle sprain advice sheet"),
        ("phone", "Call Jade Morris on 02 5550 4410 (prefers phone); offer: the ankle sprain advice sheet"),
        ("email", "Email Jade Morris (prefers email); offer: the ankle sprain advice sheet"),
    ],
)
def test_a_value_idea_is_brought_in_person_and_offered_otherwise(tmp_path, prefers, action):
    items = run(tmp_path, f"{d(61)} visit @maya", name="Crown Street Pharmacy", contacts=JADE, solo="true",
                phone=PARTNER_PHONE, prefers=prefers, value_ideas="[Share the ankle sprain advice sheet]")
    assert [(i.rule, i.action) for i in items] == [("cadence", action)]


def test_a_value_idea_for_the_meeting_is_brought_and_other_ideas_are_ideas(tmp_path):
    items = run(tmp_path, f"{d(91)} visit @maya", tier="key", value_ideas="[Bring the ACL protocol]")
    assert [(i.rule, i.action) for i in items if i.rule == "meeting"] == [
        ("meeting", "Email Dr. Priya Natarajan to arrange a meeting in person; bring: the ACL protocol")]
    items = run(tmp_path, f"{d(91)} visit @maya", tier="key", value_ideas="[Invite their nurses to the ACL evening]")
    assert [(i.rule, i.action) for i in items if i.rule == "meeting"] == [
        ("meeting", "Email Dr. Priya Natarajan to arrange a meeting in person; idea: invite their nurses to the ACL "
                    "evening")]


@pytest.mark.parametrize(
    ("prefers", "action"),
    [
        ("in-person", "Visit Dr. Priya Natarajan (prefers in-person): bring something of value"),
        ("phone", "Call Dr. Priya Natarajan (prefers phone): offer something of value"),
        ("post", "Write to Dr. Priya Natarajan (prefers post): send something of value"),
    ],
)
def test_something_of_value_follows_the_channel(tmp_path, prefers, action):
    [item] = run(tmp_path, f"{d(10)} stage nurture", stage="nurture", prefers=prefers)
    assert item.action == action


def test_cadence_reasons_without_a_log(tmp_path):
    [item] = run(tmp_path, cadence=45)
    assert item.reason == "Check-in every 45 days: no contact logged yet; this partner every 45 days (cadence: 45)"
    assert item.action == "Email Dr. Priya Natarajan to check in"
    assert item.source == Source("records/harbour.md", 1)


def test_snoozed_reason_says_so(tmp_path):
    [item] = run(tmp_path, f"{d(100)} call @maya", snooze_until=d(-3))
    assert item.reason == (f"Two-monthly check-in: last contact {day(100)} (call), 100 days ago; "
                           f"standard partners every 60 days (snoozed until {day(-3)})")


def test_log_lines_after_today_are_ignored(tmp_path):
    records = load(tmp_path, harbour=partner_file(f"{d(70)} call", f"{d(10)} call"))
    past = TODAY - dt.timedelta(days=20)
    # As of 20 days ago, the call 10 days ago has not happened yet: the clock runs from the call 70 days ago.
    assert summary(due(records, DEFAULTS, past)) == [("cadence", d(10), -10, "later")]


# --------------------------------------------------------------------------- meeting (key partners)


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ([f"{d(90)} visit", f"{d(1)} call"], ("meeting", d(0), 0, "due")),
        ([f"{d(91)} coffee", f"{d(1)} call"], ("meeting", d(1), 1, "overdue")),
        ([f"{d(91)} lunch", f"{d(10)} meeting"], ("meeting", d(-80), -80, "later")),
        # a call, an email or a social touch is not an in-person meeting
        ([f"{d(91)} visit", f"{d(10)} call", f"{d(5)} email", f"{d(2)} social"], ("meeting", d(1), 1, "overdue")),
    ],
)
def test_key_partner_meeting(tmp_path, log, expected):
    assert summary(run(tmp_path, *log, tier="key"), "meeting") == [expected]


def test_meeting_reason(tmp_path):
    [item] = [i for i in run(tmp_path, f"{d(100)} visit @maya with Leah Ortiz", f"{d(3)} call", tier="key")
              if i.rule == "meeting"]
    assert item.reason == f"Quarterly in-person meeting: last meeting {day(100)} (visit), 100 days ago; key partners every 90 days"
    assert item.action == "Call Leah Ortiz (prefers phone) to arrange a meeting in person"


# --------------------------------------------------------------------------- thanks


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        # due exactly today (received three days ago), one day overdue, never thanked
        ([f"{d(3)} referral-in R-1 service:knee"], [("thanks", d(0), 0, "due")]),
        ([f"{d(4)} referral-in R-1 service:knee"], [("thanks", d(1), 1, "overdue")]),
        ([f"{d(1)} referral-in R-1 service:knee"], [("thanks", d(-2), -2, "soon")]),
        # thanked on time, thanked late: nothing owed
        ([f"{d(40)} referral-in R-1 service:knee", f"{d(39)} thanks R-1"], []),
        ([f"{d(40)} referral-in R-1 service:knee", f"{d(20)} thanks R-1"], []),
        # a thanks without an id thanks every referral received on or before its date
        ([f"{d(40)} referral-in R-1 service:knee", f"{d(30)} referral-in R-2 service:back", f"{d(20)} thanks"], []),
        ([f"{d(40)} referral-in R-1 service:knee", f"{d(20)} thanks", f"{d(10)} referral-in R-2 service:back"],
         [("thanks", d(7), 7, "overdue")]),
        # a thanks with an id thanks that referral only
        ([f"{d(40)} referral-in R-1 service:knee", f"{d(30)} referral-in R-2 service:back", f"{d(20)} thanks R-2"],
         [("thanks", d(37), 37, "overdue")]),
        # a referral we sent is not thanked; later status lines do not make a new referral
        ([f"{d(40)} referral-out R-9 service:back", f"{d(3)} referral-in R-1 service:knee",
          f"{d(1)} referral-in R-1 status:booked"], [("thanks", d(0), 0, "due")]),
    ],
)
def test_thanks(tmp_path, log, expected):
    assert summary(run(tmp_path, *log, f"{d(1)} call"), "thanks") == expected


def test_thanks_reason_names_the_referral_and_whom_to_thank(tmp_path):
    [item] = [i for i in run(tmp_path, f"{d(5)} referral-in R-2291 @maya with Dr. Priya Natarajan service:knee",
                             f"{d(1)} call with Leah Ortiz") if i.rule == "thanks"]
    assert item.reason == f"Thank-you owed: referral R-2291 (knee) received {day(5)}, 5 days ago; thank within 3 days"
    assert item.action == "Email Dr. Priya Natarajan: thank them for referral R-2291"
    assert item.ref == "R-2291"
    assert item.source == Source("records/harbour.md", 20)


def test_thanks_stay_owed_for_prospects_but_not_former_partners(tmp_path):
    log = (f"{d(10)} referral-in R-1 service:knee",)
    assert summary(run(tmp_path, *log, stage="prospect"), "thanks") == [("thanks", d(7), 7, "overdue")]
    assert summary(run(tmp_path, *log, stage="former"), "thanks") == []


# --------------------------------------------------------------------------- patient updates


@pytest.mark.parametrize(
    ("updates", "log", "expected"),
    [
        # milestones (the default): converted and discharged each need an update, with consent
        ("milestones", [f"{d(20)} referral-in R-1 service:knee consent:yes", f"{d(7)} referral-in R-1 status:converted"],
         [("update", d(0), 0, "due")]),
        ("milestones", [f"{d(20)} referral-in R-1 service:knee consent:yes", f"{d(8)} referral-in R-1 status:converted"],
         [("update", d(1), 1, "overdue")]),
        # without consent, or with consent:no, no update is owed
        ("milestones", [f"{d(20)} referral-in R-1 service:knee", f"{d(8)} referral-in R-1 status:converted"], []),
        ("milestones", [f"{d(20)} referral-in R-1 service:knee consent:no", f"{d(8)} referral-in R-1 status:converted"], []),
        # consent may come on a later line
        ("milestones", [f"{d(20)} referral-in R-1 service:knee", f"{d(8)} referral-in R-1 status:converted consent:yes"],
         [("update", d(1), 1, "overdue")]),
        # an update covers the milestones reached on or before its date
        ("milestones", [f"{d(30)} referral-in R-1 service:knee consent:yes", f"{d(25)} referral-in R-1 status:converted",
                        f"{d(20)} update R-1", f"{d(9)} referral-in R-1 status:discharged"],
         [("update", d(2), 2, "overdue")]),
        ("milestones", [f"{d(30)} referral-in R-1 service:knee consent:yes", f"{d(25)} referral-in R-1 status:converted",
                        f"{d(9)} referral-in R-1 status:discharged", f"{d(2)} update"], []),
        ("milestones", [f"{d(30)} referral-in R-1 service:knee consent:yes", f"{d(25)} referral-in R-1 status:converted",
                        f"{d(28)} referral-in R-2 service:back", f"{d(20)} update R-2"], [("update", d(18), 18, "overdue")]),
        # the preference decides which statuses need one
        ("none", [f"{d(20)} referral-in R-1 service:knee consent:yes", f"{d(8)} referral-in R-1 status:discharged"], []),
        ("discharge", [f"{d(20)} referral-in R-1 service:knee consent:yes", f"{d(8)} referral-in R-1 status:converted"], []),
        ("discharge", [f"{d(20)} referral-in R-1 service:knee consent:yes", f"{d(8)} referral-in R-1 status:discharged"],
         [("update", d(1), 1, "overdue")]),
        ("detailed", [f"{d(20)} referral-in R-1 service:knee consent:yes status:booked"], [("update", d(13), 13, "overdue")]),
        ("milestones", [f"{d(20)} referral-in R-1 service:knee consent:yes status:booked"], []),
        ("milestones", [f"{d(20)} referral-in R-1 service:knee consent:yes status:declined"], []),
    ],
)
def test_updates(tmp_path, updates, log, expected):
    all_thanked = f"{d(0)} thanks"
    assert summary(run(tmp_path, *log, all_thanked, updates=updates), "update") == expected


def test_update_reason(tmp_path):
    [item] = [i for i in run(tmp_path, f"{d(30)} referral-in R-7 service:knee consent:yes with Dr. Priya Natarajan",
                             f"{d(29)} thanks R-7", f"{d(10)} referral-in R-7 status:converted")
              if i.rule == "update"]
    assert item.reason == (f"Patient update owed: referral R-7 converted {day(10)}, 10 days ago; they asked for updates "
                           "(milestones) and consent is recorded; update within 7 days")
    assert item.action == "Email Dr. Priya Natarajan: update them on referral R-7 (converted)"
    assert item.source == Source("records/harbour.md", 22)


# --------------------------------------------------------------------------- nurture playbook


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        # the playbook starts on the day of the stage line: value 1 is due then
        ([f"{d(0)} stage nurture"], ("nurture", d(0), 0, "due", "value 1 of 3")),
        ([f"{d(3)} stage nurture"], ("nurture", d(3), 3, "overdue", "value 1 of 3")),
        ([f"{d(10)} stage nurture", f"{d(7)} value: article"], ("nurture", d(0), 0, "due", "value 2 of 3")),
        ([f"{d(20)} stage nurture", f"{d(20)} value", f"{d(13)} value"], ("nurture", d(6), 6, "overdue", "value 3 of 3")),
        # three pieces of value, then week four: ask for a meeting
        ([f"{d(22)} stage nurture", f"{d(22)} value", f"{d(15)} value", f"{d(8)} value"],
         ("nurture", d(1), 1, "overdue", "ask for a meeting")),
        # a call, a coffee or a meeting is the ask; then the next round starts a week later
        ([f"{d(30)} stage nurture", f"{d(29)} value", f"{d(22)} value", f"{d(15)} value", f"{d(7)} coffee"],
         ("nurture", d(0), 0, "due", "round 2: value 1 of 3")),
        # a social touch is neither value nor an ask; value before the stage line does not count
        ([f"{d(40)} value", f"{d(30)} stage nurture", f"{d(29)} value", f"{d(22)} value", f"{d(15)} value",
          f"{d(7)} social"], ("nurture", d(8), 8, "overdue", "ask for a meeting")),
    ],
)
def test_nurture(tmp_path, log, expected):
    [item] = [i for i in run(tmp_path, *log, stage="nurture") if i.rule == "nurture"]
    assert (item.rule, item.due_date.isoformat(), item.days_overdue, item.status) == expected[:4]
    assert expected[4] in item.reason


def test_nurture_has_no_cadence_and_reads_well(tmp_path):
    items = run(tmp_path, f"{d(30)} stage nurture", f"{d(29)} value @maya: sent the ACL protocol", f"{d(22)} value",
                stage="nurture", value_ideas="[Share the ACL protocol, Invite their nurses to the March lunch-and-learn]")
    assert summary(items) == [("nurture", d(15), 15, "overdue")]
    assert items[0].reason == (f"Nurture playbook, round 1: value 3 of 3 due; last value {day(22)} (value), 22 days ago; "
                               "one piece every 7 days")
    assert items[0].action == "Email Dr. Priya Natarajan; idea: invite their nurses to the March lunch-and-learn"


# --------------------------------------------------------------------------- prospect playbook and introductions


PROSPECT_VALUES = [f"{d(21)} value @tom: article", f"{d(14)} value @tom: handout", f"{d(7)} value @tom: open day invitation"]


@pytest.mark.parametrize("engaged", [False, True])
@pytest.mark.parametrize(
    ("values", "expected_not_engaged", "expected_engaged"),
    [
        (0, ("prospect", d(21), 21, "touch 1 of 3"), ("prospect", d(21), 21, "touch 1 of 3")),
        (1, ("prospect", d(14), 14, "touch 2 of 3"), ("prospect", d(14), 14, "touch 2 of 3")),
        (2, ("prospect", d(7), 7, "touch 3 of 3"), ("prospect", d(7), 7, "touch 3 of 3")),
        (3, ("introduction", d(0), 0, "no engagement"), ("prospect", d(0), 0, "ask for a meeting")),
    ],
)
def test_prospect_playbook(tmp_path, values, engaged, expected_not_engaged, expected_engaged):
    log = PROSPECT_VALUES[:values] + ([f"{d(3)} reply with Leah Ortiz: thanks for the handout"] if engaged else [])
    [item] = [i for i in run(tmp_path, *log, stage="prospect", since=d(21)) if i.rule in ("prospect", "introduction")]
    expected = expected_engaged if engaged else expected_not_engaged
    assert (item.rule, item.due_date.isoformat(), item.days_overdue, expected[3] in item.reason) == (*expected[:3], True)


def test_prospect_reasons(tmp_path):
    [item] = run(tmp_path, *PROSPECT_VALUES, f"{d(3)} reply with Leah Ortiz", stage="prospect", since=d(21))
    assert item.reason == (f"Prospect playbook: 3 touches given, last value {day(7)} (value), 7 days ago; "
                           f"they engaged (reply {day(3)}): ask for a meeting")
    assert item.action == "Call Leah Ortiz (prefers phone): ask for a meeting"
    [item] = run(tmp_path, stage="prospect", since=d(2))
    assert item.reason == f"Prospect playbook: touch 1 of 3 due; started {day(2)} (2 days ago); one every 7 days for 21 days"


def test_prospect_round_two_after_an_introduction_is_asked(tmp_path):
    [item] = run(tmp_path, *PROSPECT_VALUES, f"{d(3)} intro-asked @tom: asked Bondi Chiro", stage="prospect", since=d(21))
    assert summary([item]) == [("prospect", d(-4), -4, "soon")]
    assert item.reason.startswith("Prospect playbook, round 2: touch 1 of 3 due; asked")


PROSPECT = partner_file(*PROSPECT_VALUES, stage="prospect", since=d(21), name="Surry Hills Pilates", category="fitness",
                        location="Surry Hills", organisation="Eastside Health", introduced_by="bondi-chiro",
                        contacts="contacts:\n  - name: Jo Park\n    role: owner\n")


def _other(name: str, category: str, stage: str = "active", **front: object) -> str:
    return partner_file(f"{d(1)} call", name=name, category=category, stage=stage, **front)


def test_introducers_are_ranked_and_named(tmp_path):
    records = load(
        tmp_path,
        pilates=PROSPECT,
        bondi_chiro=_other("Bondi Chiro", "chiropractic"),
        eastside_gp=_other("Eastside GP", "primary-care", organisation="Eastside Health"),
        coogee_gym=_other("Coogee Gym", "fitness"),
        crown_gym=_other("Crown Gym", "fitness", location="Surry Hills"),
        old_gym=_other("Old Gym", "fitness", stage="former", location="Surry Hills"),
        new_gym=_other("New Gym", "fitness", stage="prospect", location="Surry Hills"),
        sister=_other("Sister Studio", "massage", introduced_by="bondi-chiro"),
    )
    [item] = [i for i in due(records, DEFAULTS, TODAY) if i.partner_id == "pilates"]
    assert item.rule == "introduction"
    assert item.introducers == ("eastside-gp", "bondi-chiro", "sister")
    assert item.action == ("Ask Eastside GP (same organisation), Bondi Chiro (introduced us to them) or Sister Studio "
                           "(also introduced by Bondi Chiro) to introduce you to Jo Park")
    assert item.reason == (f"Prospect playbook: 3 touches given since {day(21)}, last value {day(7)} (value), 7 days ago, "
                           "and no engagement: ask a partner for an introduction")


def test_introducers_by_area_then_category(tmp_path):
    prospect = PROSPECT.replace("organisation: Eastside Health\n", "").replace("introduced_by: bondi-chiro\n", "")
    records = load(tmp_path, pilates=prospect, coogee_gym=_other("Coogee Gym", "fitness"),
                   crown_gym=_other("Crown Gym", "fitness", location="surry hills"),
                   bondi_chiro=_other("Bondi Chiro", "chiropractic"))
    [item] = partner_due(records.get("pilates"), DEFAULTS, TODAY, records)
    assert item.introducers == ("crown-gym", "coogee-gym")
    assert item.action == "Ask Crown Gym (also in Surry Hills) or Coogee Gym (also fitness) to introduce you to Jo Park"


def test_no_introducer(tmp_path):
    prospect = PROSPECT.replace("introduced_by: bondi-chiro\n", "")
    [item] = due(load(tmp_path, pilates=prospect), DEFAULTS, TODAY)
    assert item.introducers == ()
    assert item.action == ("Ask an existing partner to introduce you to Jo Park (none shares their organisation, "
                           "category, area or network)")


def test_an_introduction_asked_in_another_partners_log_counts(tmp_path):
    bondi = _other("Bondi Chiro", "chiropractic").rstrip("\n") + (
        f"\n- {d(2)} intro-asked @tom with Leah Ortiz: asked Leah to introduce us to Surry Hills Pilates\n")
    records = load(tmp_path, pilates=PROSPECT, bondi_chiro=bondi)
    [item] = [i for i in due(records, DEFAULTS, TODAY) if i.partner_id == "pilates"]
    assert summary([item]) == [("prospect", d(-5), -5, "soon")]
    assert item.source == Source("records/pilates.md", 4)


# --------------------------------------------------------------------------- at risk


ANY_RHYTHM = settings_with(at_risk_min_referrals=3, at_risk_min_span_days=0, at_risk_min_interval_days=0,
                           value_catalogue={"replace": True, "ideas": []})
EVERY_TEN_DAYS = [f"{d(n)} referral-in R-{n} service:knee" for n in (55, 45, 35, 25)]


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        # usual interval 10 days, at risk after 2.5 x 10 = 25 quiet days
        (EVERY_TEN_DAYS, [("at-risk", d(0), 0, "due")]),
        ([f"{d(n + 1)} referral-in R-{n} service:knee" for n in (55, 45, 35, 25)], [("at-risk", d(1), 1, "overdue")]),
        ([f"{d(n - 1)} referral-in R-{n} service:knee" for n in (55, 45, 35, 25)], []),
        # fewer than at_risk_min_referrals: not judged
        (EVERY_TEN_DAYS[2:], []),
        # a conversation after they went quiet restarts the clock; a call before it does not
        ([*EVERY_TEN_DAYS, f"{d(0)} call with Leah Ortiz"], []),
        ([*EVERY_TEN_DAYS[:-1], f"{d(60)} call", f"{d(36)} referral-in R-x service:back", f"{d(5)} call"], []),
        ([f"{d(n)} referral-in R-{n} service:knee" for n in (95, 85, 75, 65)] + [f"{d(30)} visit"],
         [("at-risk", d(5), 5, "overdue")]),
    ],
)
def test_at_risk_when_quiet(tmp_path, log, expected):
    # these fixtures refer every ten days: the rhythm gate (tested below) is turned off
    assert summary(run(tmp_path, *log, f"{d(0)} thanks", f"{d(0)} email", settings=ANY_RHYTHM), "at-risk") == expected


def test_at_risk_reason(tmp_path):
    [item] = [i for i in run(tmp_path, *EVERY_TEN_DAYS, f"{d(0)} thanks", f"{d(0)} email", settings=ANY_RHYTHM)
              if i.rule == "at-risk"]
    assert item.reason == (f"At risk: no referral for 25 days (last R-25 on {day(25)}); they usually refer every 10 days "
                           "(median of 3 gaps between referrals)")
    assert item.action == "Email Dr. Priya Natarajan: ask how things are going and whether anything has changed for them"
    assert item.source == Source("records/harbour.md", 23)


def test_at_risk_reason_with_one_gap(tmp_path):
    settings = settings_with(at_risk_min_referrals=2, at_risk_min_span_days=0, at_risk_min_interval_days=0)
    log = [f"{d(60)} referral-in R-1 service:knee", f"{d(50)} referral-in R-2 service:knee", f"{d(0)} thanks"]
    [item] = [i for i in run(tmp_path, *log, settings=settings) if i.rule == "at-risk"]
    assert item.reason == (f"At risk: no referral for 50 days (last R-2 on {day(50)}); they usually refer every 10 days "
                           "(the gap between their two referrals)")


def test_at_risk_when_referrals_drop(tmp_path):
    # Twelve referrals in the year before the last 90 days (3 per 90 days), then one: below half the average.
    trailing = [f"{d(100 + 30 * k)} referral-in R-{k} service:knee" for k in range(12)]
    log = [*trailing, f"{d(10)} referral-in R-new service:knee", f"{d(0)} thanks", f"{d(0)} email"]
    [item] = [i for i in run(tmp_path, *log) if i.rule == "at-risk"]
    assert summary([item]) == [("at-risk", d(0), 0, "due")]
    assert item.reason == "At risk: 1 referral in the last 90 days, against 3 per 90 days over the 360 days before"
    # two in the last 90 days is not below half of three
    log.insert(-2, f"{d(5)} referral-in R-newer service:back")
    assert summary(run(tmp_path, *log), "at-risk") == []


# --------------------------------------------------------------------------- single contact


def test_single_contact(tmp_path):
    one = "contacts:\n  - name: Leah Ortiz\n    role: referral-coordinator\n"
    items = run(tmp_path, f"{d(50)} call", contacts=one)
    assert summary(items) == [("cadence", d(-10), -10, "later"), ("single-contact", d(-10), -10, "later")]
    assert items[1].reason == "Single contact: Leah Ortiz (referral-coordinator) is the only person we know at Harbour Street Family Practice"
    assert items[1].action == (f"At the next contact ({day(-10)}), ask Leah Ortiz to introduce a colleague and add them "
                               "under contacts: (or set solo: true if they work alone)")
    assert items[1].source == Source("records/harbour.md", 7)
    # never overdue: due today at the latest
    assert summary(run(tmp_path, f"{d(70)} call", contacts=one)) == [
        ("cadence", d(10), 10, "overdue"), ("single-contact", d(0), 0, "due")]
    assert summary(run(tmp_path, f"{d(50)} call", contacts=one, solo="true")) == [("cadence", d(-10), -10, "later")]
    assert summary(run(tmp_path, f"{d(50)} call", contacts=one, stage="prospect", since=d(1)), "single-contact") == []


# --------------------------------------------------------------------------- gift cap


CAPPED = settings_with(gift_cap=250)


@pytest.mark.parametrize(
    ("costs", "expected"),
    [
        ([150, 49], []),
        ([150, 50], [("gift-cap", d(-10), -10, "later", "Gift cap: $200 of the $250 yearly cap spent on Harbour Street Family Practice in 2026 (80%)")]),
        ([150, 100], [("gift-cap", d(0), 0, "due", "Gift cap passed: $250 of gifts and hospitality for Harbour Street Family Practice in 2026, the whole $250 cap")]),
        ([150, 112.5], [("gift-cap", d(0), 0, "due", "Gift cap passed: $262.50 of gifts and hospitality for Harbour Street Family Practice in 2026, over the $250 cap by $12.50")]),
    ],
)
def test_gift_cap(tmp_path, costs, expected):
    log = ["2025-12-20 gift cost:500: last year's hamper", f"{d(50)} call"]
    log += [f"{d(60 - k)} lunch @maya cost:{cost}: lunch-and-learn" for k, cost in enumerate(costs)]
    items = [i for i in run(tmp_path, *log, settings=CAPPED) if i.rule == "gift-cap"]
    assert [(*s, i.reason) for s, i in zip(summary(items), items)] == expected
    if items:
        assert items[0].source == Source("records/harbour.md", 23)


def test_no_gift_cap_by_default(tmp_path):
    assert summary(run(tmp_path, f"{d(5)} gift cost:900"), "gift-cap") == []


# --------------------------------------------------------------------------- the whole list


def test_items_are_sorted_by_urgency_and_filtered(tmp_path):
    records = load(
        tmp_path,
        harbour=partner_file(f"{d(70)} call", f"{d(3)} referral-in R-1 service:knee"),
        bondi=partner_file(f"{d(61)} call", name="Bondi Chiro", category="chiropractic"),
        coogee=partner_file(f"{d(55)} call", name="Coogee Gym", category="fitness"),
    )
    items = due(records, DEFAULTS, TODAY)
    assert [(i.partner_id, i.rule, i.days_overdue) for i in items] == [
        ("harbour", "cadence", 10), ("bondi", "cadence", 1), ("harbour", "thanks", 0), ("coogee", "cadence", -5)]
    assert [i.partner_id for i in within(items, 0)] == ["harbour", "bondi", "harbour"]
    assert [i.partner_id for i in within(items, 5)] == ["harbour", "bondi", "harbour", "coogee"]
    assert [i.partner_id for i in beyond_grace(items, 1)] == ["harbour"]
    assert items[0].as_dict() == {
        "partner_id": "harbour", "partner_name": "Harbour Street Family Practice", "owner": "maya", "rule": "cadence",
        "status": "overdue", "due_date": d(10), "days_overdue": 10,
        "reason": f"Two-monthly check-in: last contact {day(70)} (call), 70 days ago; standard partners every 60 days",
        "action": "Email Dr. Priya Natarajan to check in", "file": "records/harbour.md", "line": 20, "ref": None,
        "introducers": [], "contact": "Dr. Priya Natarajan", "channel": "email", "address": "priya@harbour.example",
        "ref_status": None, "value_idea": None, "suggest_stage": None,
    }


def test_status_boundaries():
    assert [status_of(n, 7) for n in (1, 0, -1, -7, -8)] == ["overdue", "due", "soon", "soon", "later"]


def test_rules_and_counts_are_closed_and_use_real_kinds():
    assert list(RULES) == ["thanks", "update", "at-risk", "cadence", "meeting", "nurture", "prospect", "introduction",
                           "reactivate", "promote", "gift-cap", "single-contact"]
    assert set(COUNTS) == set(RULES)
    for rule, touches in COUNTS.items():
        for kinds in touches.values():
            assert kinds <= set(vocab.LOG_KINDS), rule
    assert "referral-in" not in COUNTS["cadence"]["check-in"]
    assert "social" not in COUNTS["meeting"]["in-person meeting"]


def test_due_is_deterministic(tmp_path):
    text = (partner_file(f"{d(70)} call", f"{d(3)} referral-in R-1 service:knee"))
    records = load(tmp_path, harbour=text, bondi=text.replace("Harbour Street", "Bondi").replace("R-1", "R-2"))
    assert due(records, DEFAULTS, TODAY) == due(records, DEFAULTS, TODAY)
    assert [i.partner_id for i in due(records, DEFAULTS, TODAY)] == ["bondi", "harbour", "bondi", "harbour"]


# --------------------------------------------------------------------------- value ideas


def test_value_ideas_not_given(tmp_path):
    ideas = "[Ankle sprain advice sheet for the counter (gave him 50 in July), Invite Vikram to the running night]"
    records = load(tmp_path, harbour=partner_file(f"{d(30)} value: ankle sprain advice sheets for the counter",
                                                  value_ideas=ideas))
    assert value_ideas_not_given(records.get("harbour"), TODAY) == ("Invite Vikram to the running night",)
    # as of before that line, neither was given
    assert len(value_ideas_not_given(records.get("harbour"), TODAY - dt.timedelta(days=31))) == 2


def test_when_every_idea_was_given_the_playbook_asks_for_a_new_one(tmp_path):
    [item] = run(tmp_path, f"{d(10)} stage nurture", f"{d(9)} value: shared the ACL protocol", stage="nurture",
                 value_ideas="[Share the ACL protocol]")
    assert item.action == "Email Dr. Priya Natarajan: send something of value"
    [item] = run(tmp_path, f"{d(10)} stage nurture", stage="nurture")
    assert item.action == "Email Dr. Priya Natarajan: send something of value"


# --------------------------------------------------------------------------- docs/rules.md


RULES_DOC = (Path(__file__).parent.parent / "docs" / "rules.md").read_text()


def test_rules_doc_has_a_section_per_rule():
    assert re.findall(r"^### `([a-z-]+)`", RULES_DOC, flags=re.MULTILINE) == list(RULES)


def test_rules_doc_table_of_what_counts_matches_the_code():
    columns = [("check-in", CONTACT), ("in person", IN_PERSON), ("value", VALUE), ("asks for a meeting", MEETING_ASK),
               ("engaged", ENGAGED), ("asks for an introduction", INTRO), ("conversation", CONVERSATION)]
    rows = ["| kind | " + " | ".join(name for name, _ in columns) + " |", "| --- |" + " --- |" * len(columns)]
    rows += [f"| `{kind}` | " + " | ".join("yes" if kind in kinds else "" for _, kinds in columns) + " |"
             for kind in vocab.LOG_KINDS]
    assert "\n".join(rows) + "\n" in RULES_DOC


def test_rules_doc_names_every_setting_the_rules_use():
    import importlib
    import inspect
    import pkgutil

    from refsite import due as module
    from refsite.settings import SETTINGS

    source = "".join(inspect.getsource(importlib.import_module(f"refsite.due.{m.name}"))
                     for m in pkgutil.iter_modules(module.__path__))
    used = [s.name for s in SETTINGS if f"settings.{s.name}" in source or f'"{s.name}"' in source]
    used += ["cadence_key", "cadence_standard", "cadence_light"]  # read through settings.cadence(tier)
    missing = [name for name in used if f"`{name}`" not in RULES_DOC]
    assert not missing


def test_meeting_them_ends_a_round_early(tmp_path):
    log = [f"{d(30)} stage nurture", f"{d(29)} value", f"{d(20)} coffee @maya with Leah Ortiz", f"{d(13)} value"]
    [item] = run(tmp_path, *log, stage="nurture")
    assert summary([item]) == [("nurture", d(6), 6, "overdue")]
    assert item.reason.startswith(f"Nurture playbook, round 2: value 2 of 3 due; last value {day(13)}")
    # a drop-in visit is not a meeting: still round 1
    [item] = run(tmp_path, *[line.replace("coffee", "visit") for line in log], stage="nurture")
    assert item.reason.startswith("Nurture playbook, round 1: value 3 of 3 due")
    [item] = run(tmp_path, f"{d(30)} value", f"{d(25)} meeting with Leah Ortiz", stage="prospect", since=d(30))
    assert item.reason.startswith(f"Prospect playbook, round 2: touch 1 of 3 due; met {day(25)} (meeting)")


def test_the_first_idea_not_given_is_the_first_of_all_not_given_for_every_demo_partner():
    """What is due asks only for the next idea (first_idea_not_given); the profile and the brief list them all."""
    from refsite.catalogue import IDEAS
    from refsite.due.reach import first_idea_not_given, ideas_not_given
    from refsite.load import load

    records, _settings, _problems = load(Path(__file__).resolve().parent.parent / "records")
    compared = 0
    for partner in records.partners:
        for ideas in (partner.value_ideas, [i.text for i in IDEAS if i.suits(partner.category)]):
            every = ideas_not_given(ideas, partner, TODAY)
            assert first_idea_not_given(ideas, partner, TODAY) == (every[0] if every else None)
            compared += bool(ideas)
    assert compared >= 40
