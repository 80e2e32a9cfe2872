"""The quarterly review of tests/fixtures/metrics for 2026Q3, as of 2026-11-22, worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import TODAY

from refsite.load import load
from refsite.metrics import Change, FocusItem, Period, review

FIXTURE = Path(__file__).parent / "fixtures" / "metrics"
Q3 = Period.parse("2026Q3")


@pytest.fixture(scope="module")
def q3():
    records, settings, problems = load(FIXTURE)
    assert problems == []
    return review(records, settings, Q3, TODAY)


def test_periods_and_total(q3):
    assert (q3.quarter.label, q3.previous.label, q3.next.label, q3.today) == ("2026Q3", "2026Q2", "2026Q4", TODAY)
    assert (q3.total.current.received, q3.total.previous.received) == (8, 7)


def test_ranking_scores(q3):
    # best volume 3 (A), best revenue $750 (A); recency: 25 * (1 - days / 180), days to 09-30.
    # A: 25 + 25*2/3 + 25 + 25 = 91.7; C: 25/3 + 25 + 25*200/750 + 25*124/180 = 57.2;
    # B: 25*2/3 + 12.5 + 0 + 25*108/180 = 44.2; D: 25/3 + 0 + 0 + 25*152/180 = 29.4; E: 25/3 + 25*113/180 = 24.0.
    # F is former: not ranked.
    assert [(r.rank, r.partner_id, r.received, r.conversions, r.revenue, r.last_referral, r.days_since, r.score)
            for r in q3.ranking] == [
        (1, "gp-a", 3, 2, Decimal(750), dt.date(2026, 9, 30), 0, 91.7),
        (2, "gym-c", 1, 1, Decimal(200), dt.date(2026, 8, 5), 56, 57.2),
        (3, "chiro-b", 2, 1, Decimal(0), dt.date(2026, 7, 20), 72, 44.2),
        (4, "prospect-d", 1, 0, Decimal(0), dt.date(2026, 9, 2), 28, 29.4),
        (5, "surgeon-e", 1, 0, Decimal(0), dt.date(2026, 7, 25), 67, 24.0),
    ]
    top = q3.ranking[0]
    assert (top.volume_points, top.conversion_points, top.revenue_points, top.recency_points) == (25.0, 16.7, 25.0, 25.0)
    gym = q3.ranking[1]
    assert (gym.volume_points, gym.conversion_points, gym.revenue_points, gym.recency_points) == (8.3, 25.0, 6.7, 17.2)


def test_rising_and_falling_against_the_previous_quarter(q3):
    # A 1 -> 3 (+2); E 3 -> 1 (-2); C and D 0 -> 1 and B 2 -> 2 are below the threshold of 2; F is former.
    assert q3.rising == (Change("gp-a", "Alder GP", "ann", 3, 1),)
    assert q3.falling == (Change("surgeon-e", "Elm Orthopaedics", "ann", 1, 3),)


def test_focus_list_with_reasons(q3):
    assert q3.focus == (
        FocusItem(
            "surgeon-e", "Elm Orthopaedics", "ann", "Ann Lee", ("cooling", "no-meeting"),
            (
                # E: $900 + $600 over 2025Q4..2026Q3; 3 referrals in its 122 days before Q3 = 2.26 a quarter
                "high value but cooling: $1,500 from 4 referrals over the last 4 quarters, but 1 in Q3 2026 "
                "against an average of 2.3 a quarter; last referral 25 Jul",
                "key partner; last met in person on 15 Apr, 221 days ago (the aim is every 90 days)",
            ),
        ),
        FocusItem(
            "prospect-d", "Dogwood Sports Medicine", "bob", "Bob Roy", ("prospect",),
            ("promising prospect (since 1 Jul); 1 sign of interest in the last 90 days "
             "(last: reply on 20 Oct); already sent 1 referral",),
        ),
    )


def _partner(folder: Path, pid: str, front: str, log: str = "") -> None:
    (folder / f"{pid}.md").write_text(
        f"---\nname: {pid.title()}\ncategory: primary-care\ncontacts:\n  - name: Pat\n    role: physician\n{front}---\n\n"
        f"## Log\n\n{log}"
    )


def test_focus_keeps_three_per_reason_and_leaves_out_former_and_snoozed(tmp_path):
    for pid, met in (("k1", "2026-08-01"), ("k2", "2026-06-01"), ("k3", None), ("k4", "2026-05-01"),
                     ("k5", "2026-10-01"), ("k6", "2026-01-01")):
        _partner(tmp_path, pid, "stage: active\ntier: key\n", f"- {met} visit\n" if met else "")
    _partner(tmp_path, "k7", "stage: former\ntier: key\n")
    _partner(tmp_path, "k8", "stage: active\ntier: key\nsnooze_until: 2027-04-01\n")
    records, settings, problems = load(tmp_path)
    assert [p for p in problems if p.is_error] == []
    result = review(records, settings, Q3, TODAY)
    # never met first, then the longest ago; k2 (174 days) and k1 (113) are beyond three; k5 (52 days) is fine
    assert [(f.partner_id, f.reasons) for f in result.focus] == [
        ("k3", ("key partner with no in-person meeting on record",)),
        ("k6", ("key partner; last met in person on 1 Jan, 325 days ago (the aim is every 90 days)",)),
        ("k4", ("key partner; last met in person on 1 May, 205 days ago (the aim is every 90 days)",)),
    ]
    assert result.ranking == () and result.rising == () and result.falling == ()


def test_review_needs_a_quarter():
    records, settings, _ = load(FIXTURE)
    with pytest.raises(ValueError, match="the review is of a quarter"):
        review(records, settings, Period.parse("2026-10"), TODAY)
