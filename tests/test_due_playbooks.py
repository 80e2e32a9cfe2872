"""Issue 16's rule fixes, pinned at their boundaries: at risk needs a rhythm, former partners and prospects who
refer, social touches on the prospect playbook, one organisation across files, owed_from, cadence 0."""

from __future__ import annotations

import pytest

from refsite.due import due
from tests.test_due import DEFAULTS, TODAY, d, day, load, partner_file, run, settings_with, summary

ONE_CONTACT = "contacts:\n  - name: Dr. Priya Natarajan\n    role: physician\n"


def referrals(*days_ago: int) -> list[str]:
    return [f"{d(n)} referral-in R-{n} service:knee" for n in days_ago]


@pytest.mark.parametrize(
    ("days_ago", "at_risk"),
    [
        ((400, 300, 200, 100), False),  # a rhythm (every 100 days), but quiet only 100 days < 2.5 x 100
        ((1000, 900, 800, 700), True),  # quiet 700 days against every 100: at risk
        ((1000, 900, 800), False),  # 3 referrals: below at_risk_min_referrals (4)
        ((300, 299, 298, 297), False),  # every day: no rhythm (the "every 0 or 1 days")
        (tuple(range(400, 296, -13)), False),  # every 13 days over 91: interval below at_risk_min_interval_days
        (tuple(range(400, 288, -14)), True),  # every 14 days over 98: judged, and quiet 302 days
        ((300, 286, 272, 258), False),  # every 14 days but only over 42 days: below at_risk_min_span_days
        ((400, 370, 340, 311), False),  # span 89 < 90
        ((400, 370, 340, 310), True),  # span 90, interval 30, quiet 310 > 75
    ],
)
def test_at_risk_needs_a_rhythm(tmp_path, days_ago, at_risk):
    items = run(tmp_path, *referrals(*days_ago), f"{d(0)} thanks", f"{d(0)} email")
    assert bool(summary(items, "at-risk")) is at_risk


def test_former_partner_who_refers_again_is_thanked_and_reactivated(tmp_path):
    log = [*referrals(400), f"{d(200)} stage former", f"{d(200)} note: moved away", *referrals(10)]
    items = run(tmp_path, *log, stage="former")
    assert summary(items) == [("thanks", d(7), 7, "overdue"), ("reactivate", TODAY.isoformat(), 0, "due")]
    thanks, reactivate = items
    assert thanks.ref == "R-10" and reactivate.ref == "R-10" and reactivate.suggest_stage == "active"
    assert reactivate.reason == (f"Referring again: referral R-10 received {day(10)} (10 days ago), after they became "
                                 f"a former partner on {day(200)}")


@pytest.mark.parametrize(
    ("log", "rules"),
    [
        ([*referrals(400), f"{d(200)} stage former"], []),  # no referral since: nothing due
        ([f"{d(200)} stage former", *referrals(200)], []),  # the same day as the stage line: history
        ([f"{d(200)} stage former", *referrals(199)], ["reactivate"]),  # thanked below
        (referrals(10), []),  # no 'stage former' line: cannot tell a return from history
    ],
)
def test_former_boundaries(tmp_path, log, rules):
    items = run(tmp_path, *log, f"{d(0)} thanks", stage="former")
    assert [i.rule for i in items] == rules


def test_prospect_who_refers_is_promoted_not_courted(tmp_path):
    log = [f"{d(30)} stage prospect", f"{d(29)} value", *referrals(5)]
    items = run(tmp_path, *log, stage="prospect")
    assert [(i.rule, i.suggest_stage) for i in items] == [("thanks", None), ("promote", "active")]
    # before the referral: the playbook as ever
    items = run(tmp_path, f"{d(30)} stage prospect", f"{d(29)} value", stage="prospect")
    assert [i.rule for i in items] == ["prospect"]


@pytest.mark.parametrize(
    ("touches", "expected"),
    [
        (0, "touch 1 of 3"),
        (1, "touch 2 of 3"),
        (2, "touch 3 of 3"),
    ],
)
def test_social_counts_as_a_prospect_touch(tmp_path, touches, expected):
    log = [f"{d(30)} stage prospect", *[f"{d(29 - k)} social: liked their post" for k in range(touches)]]
    [item] = run(tmp_path, *log, stage="prospect")
    assert expected in item.reason
    if touches:
        assert f"last touch {day(29 - touches + 1)} (social)" in item.reason


def test_three_social_touches_and_no_engagement_ask_for_an_introduction(tmp_path):
    log = [f"{d(30)} stage prospect", f"{d(29)} social", f"{d(22)} social", f"{d(15)} social"]
    [item] = run(tmp_path, *log, stage="prospect")
    assert item.rule == "introduction"


def test_social_is_not_nurture_value(tmp_path):
    [item] = run(tmp_path, f"{d(30)} stage nurture", f"{d(29)} social", stage="nurture")
    assert "value 1 of 3" in item.reason


@pytest.mark.parametrize(("other_contacts", "due_single"), [(ONE_CONTACT, False), ("", True)])
def test_an_organisation_counts_its_people_across_files(tmp_path, other_contacts, due_single):
    second = ("contacts:\n  - name: Nurse Kim Lee\n    role: nurse\n" if other_contacts else
              "contacts:\n  - name: Dr. Priya Natarajan\n    role: physician\n")
    records = load(
        tmp_path,
        harbour=partner_file(f"{d(1)} call", contacts=ONE_CONTACT, organisation="Harbour Health"),
        harbour_nurses=partner_file(f"{d(1)} call", name="Harbour Nurses", contacts=second,
                                    organisation="harbour health"),
    )
    items = due(records, DEFAULTS, TODAY)
    assert any(i.rule == "single-contact" for i in items) is due_single


@pytest.mark.parametrize(
    ("owed_from", "rules"),
    [("", ["thanks", "update"]), (d(10), ["thanks", "update"]), (d(9), ["update"]), (d(4), ["update"]),
     (d(3), [])],
)
def test_owed_from(tmp_path, owed_from, rules):
    log = [f"{d(10)} referral-in R-1 service:knee consent:yes", f"{d(4)} referral-in R-1 status:converted"]
    settings = settings_with(owed_from=owed_from) if owed_from else DEFAULTS
    items = run(tmp_path, *log, f"{d(0)} call", settings=settings)
    assert [i.rule for i in items if i.rule in ("thanks", "update")] == rules


def test_owed_from_must_be_a_date():
    from refsite.settings import settings_from_mapping

    _settings, problems = settings_from_mapping({"owed_from": "last year"}, "settings.yml", {"owed_from": 3})
    assert [str(p) for p in problems] == ["settings.yml:3: error: 'owed_from' must be a date YYYY-MM-DD from 1900-01-01 to 2100-12-31, not 'last year'"]


def test_cadence_zero_turns_a_tiers_cadence_off(tmp_path):
    assert summary(run(tmp_path, f"{d(300)} call", settings=settings_with(cadence_standard=0)), "cadence") == []
    assert summary(run(tmp_path, f"{d(300)} call"), "cadence") == [("cadence", d(240), 240, "overdue")]


# --------------------------------------------------------------------------- the value catalogue

CATALOGUE = {"replace": True, "ideas": [{"idea": "Share the ACL protocol", "categories": ["primary-care"]},
                                        {"idea": "Invite them to our open day"},
                                        {"idea": "Offer a bike fit", "categories": "fitness"}]}


@pytest.mark.parametrize(
    ("log", "own", "category", "action", "source"),
    [
        ([], None, "primary-care", "Email Dr. Priya Natarajan; offer: the ACL protocol", "catalogue"),
        ([], "[Share our ankle sheet]", "primary-care", "Email Dr. Priya Natarajan; offer: our ankle sheet", "partner"),
        # the partner's own idea given: the catalogue's first that suits and was not given
        ([f"{d(1)} value: shared our ankle sheet"], "[Share our ankle sheet]", "primary-care",
         "Email Dr. Priya Natarajan; offer: the ACL protocol", "catalogue"),
        ([f"{d(1)} value: sent the ACL protocol"], None, "primary-care",
         "Email Dr. Priya Natarajan; idea: invite them to our open day", "catalogue"),
        ([], None, "fitness", "Email Dr. Priya Natarajan; idea: invite them to our open day", "catalogue"),
        ([f"{d(2)} value: the ACL protocol", f"{d(1)} event: our open day, they came"], None, "primary-care",
         "Email Dr. Priya Natarajan: send something of value", None),
    ],
)
def test_the_catalogue_fills_in_when_own_ideas_run_out(tmp_path, log, own, category, action, source):
    settings = settings_with(value_catalogue=CATALOGUE)
    front = {"value_ideas": own} if own else {}
    [item] = run(tmp_path, f"{d(30)} stage nurture", *log, stage="nurture", category=category, settings=settings,
                 **front)
    assert (item.action, item.value_idea_source) == (action, source)


def test_the_built_in_catalogue_has_about_thirty_ideas_for_real_categories():
    from refsite import vocab
    from refsite.catalogue import ALL, IDEAS

    assert 25 <= len(IDEAS) <= 35
    assert {c for i in IDEAS for c in i.categories} - {ALL} <= set(vocab.CATEGORIES)
    assert all(any(i.suits(c) for i in IDEAS) for c in vocab.CATEGORIES)


def test_a_bad_catalogue_is_an_error():
    from refsite.settings import settings_from_mapping

    _s, problems = settings_from_mapping({"value_catalogue": "lunch"}, "settings.yml", {"value_catalogue": 4})
    assert [str(p) for p in problems] == [
        "settings.yml:4: error: 'value_catalogue' must be a list of {idea, categories}, or {replace, ideas}"]
