"""`refsite report` output: text for people (80 columns, n/a for undefined), JSON and CSV for programs."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import TODAY

from refsite.load import load
from refsite.metrics import Period, metrics, review
from refsite.output.report import (
    money,
    number,
    pct,
    report_csv,
    report_json,
    report_text,
    review_csv,
    review_json,
    review_text,
)

FIXTURE = Path(__file__).parent / "fixtures" / "metrics"
Q3 = Period.parse("2026Q3")


@pytest.fixture(scope="module")
def loaded():
    records, settings, _ = load(FIXTURE)
    return records, settings


def test_cells():
    assert (pct(None), pct(0.5), pct(1 / 3), pct(0.0)) == ("n/a", "50%", "33%", "0%")
    assert (number(None), number(2.0), number(40.5), number(0.125, 2)) == ("n/a", "2", "40.5", "0.12")
    # One money policy everywhere (refsite.words): cents only when the amount has them.
    assert (money(Decimal("1280.50"), "$"), money(Decimal("-1050"), "$"), money(Decimal("0.4"), "€")) == (
        "$1,280.50", "-$1,050", "€0.40")


def test_report_text(loaded):
    text = report_text(metrics(*loaded, Q3, by="category", today=TODAY))
    lines = text.splitlines()
    assert lines[:2] == ["Test Physio: referrals in Q3 2026 (July to September)",
                         "Against Q2 2026 (April to June). As of 2026-11-22; n/a: nothing to measure."]
    assert max(len(line) for line in lines) <= 80
    for line in (
        "                                       Q3 2026         Q2 2026           change",
        "Referrals received                           8               7               +1",
        "Conversion rate                            50%             43%           +7 pts",
        "Revenue from referred clients             $950          $2,000          -$1,050",
        "Satisfaction (1-5)               4.5 (2 rated)             n/a",
        "Median days between referrals               40              29              +11",
        "Against own trailing average   rising (avg 3.1) rising (avg 1.0)",
        "primary-care                3    1    0    2   67%    6      $750      1  rising",
        "massage                     0    1    0    0   n/a  n/a        $0      0  steady",
        "Practice                    8    7    1    4   50%    2      $950      5  rising",
        "primary-care             knee 2, post-op 1",
        "Bob Roy                     7    (1)  email 2, call 1, coffee 1, lunch 1,",
        "Partner                             Q3 2026   2026 to date  of cap",
        "Alder GP                               $110           $110    110%  over the cap",
        "Yearly cap per partner: $100. 2026 to date: 1 January to 2026-11-22 (today), as",
        "refsite due counts it.",
        "first referral                               1               1               63",
        "became active                                0               1              n/a",
    ):
        assert line in lines, line


def test_report_text_by_partner_leaves_out_partners_with_nothing(tmp_path, loaded):
    records, settings = loaded
    text = report_text(metrics(records, settings, Period.parse("2026-10"), by="partner", today=TODAY))
    lines = text.splitlines()
    # October: A6 converted and thanked, D replied; no referral was received
    assert "Practice                    0    2    0    0   n/a  n/a        $0      0 falling" in lines
    assert "(3 partners with no referrals and no touches in either period are left out.)" in lines
    # A: 6 referrals in the 365 days before October, 0.5 a month; none in October is within one of it
    assert "Alder GP                    0    1    0    0   n/a  n/a        $0      0  steady" in lines
    assert "Alder GP                                 $0           $110    110%  over the cap" in lines


def test_report_text_says_no_history_rather_than_new_for_established_partners(loaded):
    lines = report_text(metrics(*loaded, Period.parse("2026"), by="partner", today=TODAY)).splitlines()
    assert max(len(line) for line in lines) <= 80
    for line in (
        "Against own trailing average        no history      no history",
        "Alder GP                    5    1    0    3   60%    9    $1,250      1       \u2014",
        "Elm Orthopaedics            4    0    0    2   50%   10    $1,500      1     new",
        "Practice                   16    1    1    7   44%    3    $2,950      6       \u2014",
        "Trend: against the group's own trailing average; new: its history began less",
        "than one period before this one; \u2014: no history, the records begin too recently",
        "to compare.",
    ):
        assert line in lines, line
    assert json.loads(report_json(metrics(*loaded, Period.parse("2026"), by="partner", today=TODAY)))[
        "total"]["current"]["trend"] == "no history"
    # with every trend measured, no legend
    assert not any(line.startswith("Trend:") for line in report_text(metrics(*loaded, Q3, today=TODAY)).splitlines())


def test_report_text_notes_a_period_not_over_and_records_that_begin_late(loaded):
    records, settings = loaded
    lines = report_text(metrics(records, settings, Period.parse("2026Q4"), today=TODAY)).splitlines()
    assert lines[1] == "Against Q3 2026 (July to September). As of 2026-11-22, 53 of its 92 days; n/a:"
    # the fixture's first log line is A1, 2025-10-05
    lines = report_text(metrics(records, settings, Period.parse("2025Q4"), today=TODAY)).splitlines()
    assert lines[1:4] == ["Against Q3 2025 (July to September). As of 2026-11-22; n/a: nothing to measure.",
                          "The records begin on 2025-10-05: Q3 2025 is not covered and Q4 2025 only partly.", ""]


def test_report_text_for_a_custom_period_and_no_cap(tmp_path):
    (tmp_path / "settings.yml").write_text("practice: Quiet\n")
    records, settings, _ = load(tmp_path)
    text = report_text(metrics(records, settings, Period.parse("2026-01-01..2026-06-30"), today=TODAY))
    lines = text.splitlines()
    assert lines[0] == "Quiet: referrals in 1 January 2026 to 30 June 2026"
    assert "                                   this period          before           change" in lines
    assert "Conversion rate                            n/a             n/a" in lines
    assert "No referrals in either period." in lines
    assert "None recorded in 1 January 2026 to 30 June 2026 or in 2026 to 2026-11-22." in lines
    lines = report_text(metrics(records, settings, Period.parse("2025"), today=TODAY)).splitlines()
    assert "None recorded in 2025." in lines
    lines = report_text(metrics(records, settings, Period.parse("2025-12"), today=TODAY)).splitlines()
    assert "None recorded in December 2025 or in 2025." in lines


def test_report_json(loaded):
    data = json.loads(report_json(metrics(*loaded, Q3, by="owner", today=TODAY)))
    assert data["period"] == {"label": "2026Q3", "kind": "quarter", "start": "2026-07-01", "end": "2026-09-30",
                              "title": "Q3 2026 (July to September)"}
    assert data["previous"]["label"] == "2026Q2"
    total = data["total"]["current"]
    assert (total["received"], total["revenue"], total["average_value"], total["conversion_rate"]) == (
        8, "950", "316.67", 0.5)
    assert data["total"]["previous"]["satisfaction"] is None
    assert [(g["key"], g["current"]["received"]) for g in data["groups"]] == [("ann", 5), ("bob", 3)]
    assert data["gifts"][0]["partner_id"] == "gp-a"


def test_report_csv(loaded):
    rows = list(csv.DictReader(io.StringIO(report_csv(metrics(*loaded, Q3, by="category", today=TODAY)))))
    assert [(r["period"], r["by"], r["key"], r["received"]) for r in rows[:2]] == [
        ("2026Q3", "category", "primary-care", "3"), ("2026Q2", "category", "primary-care", "1")]
    practice = rows[-2]
    assert (practice["by"], practice["label"], practice["revenue"], practice["conversion_rate"],
            practice["funnel_first_referral"]) == ("practice", "Test Physio", "950", "0.5", "1")
    massage = next(r for r in rows if r["key"] == "massage" and r["period"] == "2026Q3")
    # Numeric columns hold a number or nothing, never 'n/a' (a spreadsheet can sum them).
    assert (massage["conversion_rate"], massage["average_value"]) == ("", "")
    assert len(rows) == 2 * 7


def test_review_text(loaded):
    text = review_text(review(*loaded, Q3, TODAY))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0] == "Test Physio: quarterly review of Q3 2026 (July to September)"
    for line in (
        "  1 Alder GP                          3    2   67%      $750    2026-09-30    92",
        "  4 Dogwood Sports Medicine           1    0    0%        $0    2026-09-02    29",
        "Alder GP                                    3 referrals (was 1)   +2",
        "Elm Orthopaedics                            1 referral  (was 3)   -2",
        "Focus for Q4 2026 (October to December)",
        " 1. Elm Orthopaedics (Ann Lee)",
        "    - key partner; last met in person on 15 Apr, 221 days ago (the aim is every",
        " 2. Dogwood Sports Medicine (Bob Roy)",
    ):
        assert line in lines, line


def test_review_json_and_csv(loaded):
    result = review(*loaded, Q3, TODAY)
    data = json.loads(review_json(result))
    assert [f["partner_id"] for f in data["focus"]] == ["surgeon-e", "prospect-d"]
    assert data["ranking"][0]["score"] == 91.7
    rows = list(csv.DictReader(io.StringIO(review_csv(result))))
    assert [(r["rank"], r["partner_id"], r["score"]) for r in rows] == [
        ("1", "gp-a", "91.7"), ("2", "gym-c", "57.2"), ("3", "chiro-b", "44.2"), ("4", "prospect-d", "29.4"),
        ("5", "surgeon-e", "24.0")]
