"""Periods: parsing what people type, the period before, labels."""

from __future__ import annotations

import datetime as dt

import pytest

from refsite.metrics import Period, PeriodError, months_between

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end", "kind", "label"),
    [
        ("2026-10", D(2026, 10, 1), D(2026, 10, 31), "month", "2026-10"),
        ("2026-02", D(2026, 2, 1), D(2026, 2, 28), "month", "2026-02"),
        ("2026Q3", D(2026, 7, 1), D(2026, 9, 30), "quarter", "2026Q3"),
        ("2026-q1", D(2026, 1, 1), D(2026, 3, 31), "quarter", "2026Q1"),
        ("2026", D(2026, 1, 1), D(2026, 12, 31), "year", "2026"),
        ("2026-01-01..2026-06-30", D(2026, 1, 1), D(2026, 6, 30), "custom", "2026-01-01..2026-06-30"),
        (" 2026-03-05 .. 2026-03-05 ", D(2026, 3, 5), D(2026, 3, 5), "custom", "2026-03-05..2026-03-05"),
    ],
)
def test_parse(text, start, end, kind, label):
    period = Period.parse(text)
    assert (period.start, period.end, period.kind, period.label) == (start, end, kind, label)
    assert Period.parse(period.label) == period


@pytest.mark.parametrize(
    ("text", "previous", "following"),
    [
        ("2026-01", "2025-12", "2026-02"),
        ("2026Q1", "2025Q4", "2026Q2"),
        ("2026", "2025", "2027"),
        # whole months: as many months before
        ("2026-01-01..2026-06-30", "2025-07-01..2025-12-31", "2026-07-01..2026-12-31"),
        ("2026-03-01..2026-03-31", "2026-02-01..2026-02-28", "2026-04-01..2026-04-30"),
        # any other range: as many days before
        ("2026-01-05..2026-01-10", "2025-12-30..2026-01-04", "2026-01-11..2026-01-16"),
    ],
)
def test_previous_and_next(text, previous, following):
    period = Period.parse(text)
    assert period.previous().label == previous
    assert period.next().label == following


def test_last_full_and_containing():
    today = D(2026, 11, 22)
    assert Period.last_full("month", today).label == "2026-10"
    assert Period.last_full("quarter", today).label == "2026Q3"
    assert Period.last_full("year", today).label == "2025"
    assert Period.last_full("month", D(2026, 12, 1)).label == "2026-11"
    assert Period.last_full("quarter", D(2026, 9, 30)).label == "2026Q2"
    assert Period.containing(today, "quarter").label == "2026Q4"


def test_titles_days_and_membership():
    assert Period.parse("2026-10").title == "October 2026"
    assert Period.parse("2026Q3").title == "Q3 2026 (July to September)"
    assert Period.parse("2026").title == "2026"
    assert Period.parse("2026-01-01..2026-06-30").title == "1 January 2026 to 30 June 2026"
    q3 = Period.parse("2026Q3")
    assert q3.days == 92
    assert D(2026, 7, 1) in q3 and D(2026, 9, 30) in q3
    assert D(2026, 10, 1) not in q3 and "2026-08-01" not in q3


def test_months_between():
    assert [m.label for m in months_between(D(2026, 7, 15), D(2026, 10, 2))] == ["2026-07", "2026-08", "2026-09", "2026-10"]


EXAMPLES = "write 2026-10 (a month), 2026Q3 (a quarter), 2026 (a year) or 2026-01-01..2026-06-30"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", f"'2026-13' has no month 13: {EXAMPLES}"),
        ("2026Q5", f"'2026Q5' is not a period: {EXAMPLES}"),
        ("last month", f"'last month' is not a period: {EXAMPLES}"),
        ("2026-10-01", f"'2026-10-01' is one day: write a range such as 2026-10-01..2026-10-01, or {EXAMPLES[6:]}"),
        ("2026-10-05..2026-10-01", "the period 2026-10-05..2026-10-01 ends before it starts"),
        ("2026-02-30..2026-03-01", f"'2026-02-30' in '2026-02-30..2026-03-01' is not a date (YYYY-MM-DD): {EXAMPLES}"),
    ],
)
def test_parse_errors_say_what_to_write(text, message):
    with pytest.raises(PeriodError) as caught:
        Period.parse(text)
    assert str(caught.value) == message
