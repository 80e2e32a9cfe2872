"""Every metric against values worked out by hand from tests/fixtures/metrics (as of 2026-11-22).

The fixture: six partners (A: a key GP, B: a chiropractor, C: a gym with one
referral, D: a prospect, E: a key surgeon who came in as a prospect, F: a
former massage therapist). The hand arithmetic is in the comments; the
definitions are in docs/metrics.md.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import TODAY

from refsite.due import due
from refsite.load import load
from refsite.metrics import (
    NO_HISTORY,
    Count,
    FunnelStep,
    Period,
    figures,
    gift_year,
    metrics,
    monthly_referrals,
    partner_facts,
)

FIXTURE = Path(__file__).parent / "fixtures" / "metrics"
Q3 = Period.parse("2026Q3")
Q2 = Period.parse("2026Q2")


@pytest.fixture(scope="module")
def loaded():
    records, settings, problems = load(FIXTURE)
    assert problems == []
    return records, settings


@pytest.fixture(scope="module")
def q3(loaded):
    return metrics(*loaded, Q3, by="category", today=TODAY)


def test_referrals_received_sent_and_reciprocity(q3):
    now, before = q3.total.current, q3.total.previous
    # Q3: A4 A5 A6, B3 B4, C1, D1, E3; sent: X1 (B, 08-10)
    assert (now.received, now.sent, now.reciprocity) == (8, 1, 0.125)
    # Q2: A3, B1 B2, E1 E0 E2, F1; nothing sent: 0 / 7
    assert (before.received, before.sent, before.reciprocity) == (7, 0, 0.0)
    assert now.partners == 6


def test_conversions_counted_with_the_period_the_referral_was_received(q3):
    now = q3.total.current
    # A4 (9 days), A6 (received 09-30, converted 10-03: a Q3 conversion, 3 days), B3 (1), C1 (1)
    assert (now.conversions, now.conversion_rate, now.median_days_to_convert) == (4, 0.5, 2.0)
    # B4 declined; A5, D1, E3 still open
    assert (now.declined, now.open) == (1, 3)
    before = q3.total.previous
    # A3 (10 days), E1 (20), E0 (received and converted the same day: 0); B1 declined
    assert (before.conversions, before.median_days_to_convert, before.declined, before.open) == (3, 10.0, 1, 3)
    assert before.conversion_rate == pytest.approx(3 / 7)


def test_revenue_and_average_value_leave_out_referrals_with_no_value(q3):
    now = q3.total.current
    # A4 300 + A6 450 + C1 200; B3 converted with no value: not in the average
    assert (now.revenue, now.valued, now.average_value) == (Decimal(950), 3, Decimal("316.67"))
    before = q3.total.previous
    assert (before.revenue, before.valued, before.average_value) == (Decimal(2000), 3, Decimal("666.67"))


def test_services_satisfaction_and_repeat_frequency(q3):
    now = q3.total.current
    assert now.services == (Count("knee", 3), Count("back", 1), Count("neck", 1), Count("post-op", 1),
                            Count("shoulder", 1), Count("sports", 1))
    assert (now.satisfaction, now.rated) == (4.5, 2)  # A6: 5, C1: 4
    assert (q3.total.previous.satisfaction, q3.total.previous.rated) == (None, 0)
    # Intervals ending in Q3: A 82 (04-10 to 07-01), 45, 46; B 20, 5; E 35. C and D have one referral each.
    assert (now.repeat_days, now.intervals) == (40.0, 6)
    # Q2: A 90; B 36; E 22, 19 (E1 was E's first)
    assert (q3.total.previous.repeat_days, q3.total.previous.intervals) == (29.0, 4)


def test_active_referrers_and_time_to_thank(q3):
    now = q3.total.current
    assert now.active_referrers == 5  # A B C D E
    # A4 1 (a thanks with no id), A5 5, A6 4 (thanked in Q4), B3 48 and B4 43 (the 09-01 thanks with no id);
    # C1, D1 and E3 were never thanked.
    assert (now.median_days_to_thank, now.thanked, now.unthanked) == (5.0, 5, 3)
    # Q2: A3 2, B1 1, B2 68 (covered by B's 09-01 thanks), E1 2, E2 2; E0 and F1 unthanked
    before = q3.total.previous
    assert (before.median_days_to_thank, before.thanked, before.unthanked) == (2.0, 5, 2)


def test_touches_and_gifts(q3):
    now = q3.total.current
    assert now.touches == 12
    assert now.touches_by_kind == (
        Count("thanks", 3), Count("email", 2), Count("call", 1), Count("coffee", 1), Count("gift", 1),
        Count("lunch", 1), Count("referral-out", 1), Count("social", 1), Count("visit", 1),
    )
    assert q3.total.previous.touches == 6
    assert (now.gifts, q3.total.previous.gifts) == (Decimal(125), Decimal(0))  # A 40 + 70, D 15
    # by team member: the @author, else the partner's owner (B's unsigned email, referral-out and thanks: bob)
    assert [(m.member, m.name, m.total, m.previous_total) for m in q3.touches] == [
        ("bob", "Bob Roy", 7, 1), ("ann", "Ann Lee", 5, 5)]
    assert q3.touches[1].by_kind == (Count("thanks", 2), Count("gift", 1), Count("social", 1), Count("visit", 1))


def test_gifts_against_the_yearly_cap(q3):
    assert [(g.partner_id, g.period_spend, g.year, g.year_spend, g.cap, g.share_of_cap, g.over_cap, g.year_to)
            for g in q3.gifts] == [
        ("gp-a", Decimal(110), 2026, Decimal(110), Decimal(100), 1.1, True, TODAY),
        ("prospect-d", Decimal(15), 2026, Decimal(15), Decimal(100), 0.15, False, TODAY),
    ]


GIFTS = """---
name: Eastern Orthopaedics
category: surgeon
stage: active
tier: key
since: 2024-01-01
---

## Log

- 2025-12-10 lunch cost:90: end-of-year lunch
- 2026-03-02 gift cost:100: doughnuts for the desk
- 2026-09-10 lunch cost:115: lunch-and-learn
- 2026-11-05 event cost:65: shoulder evening
"""


def test_gifts_count_the_year_to_today_as_the_due_engine_does(tmp_path):
    (tmp_path / "settings.yml").write_text("practice: Gifts\ngift_cap: 250\n", encoding="utf-8")
    (tmp_path / "eastern.md").write_text(GIFTS, encoding="utf-8")
    records, settings, problems = load(tmp_path)
    assert problems == []
    # October's report, run on 22 November: nothing in October, $280 in 2026 up to today (the November event too)
    [line] = metrics(records, settings, Period.parse("2026-10"), today=TODAY).gifts
    assert (line.period_spend, line.year, line.year_spend, line.year_to, line.share_of_cap, line.over_cap) == (
        Decimal(0), 2026, Decimal(280), TODAY, 1.12, True)
    [item] = [i for i in due(records, settings, TODAY) if i.rule == "gift-cap"]
    assert "$280" in item.reason and "$250" in item.reason
    # a past year is counted whole, to 31 December
    [line] = metrics(records, settings, Period.parse("2025-12"), today=TODAY).gifts
    assert (line.period_spend, line.year, line.year_spend, line.year_to, line.share_of_cap) == (
        Decimal(90), 2025, Decimal(90), dt.date(2025, 12, 31), 0.36)
    assert gift_year(Period.parse("2026Q4"), TODAY) == (dt.date(2026, 1, 1), TODAY)
    assert gift_year(Period.parse("2026-12-01..2027-01-31"), dt.date(2026, 12, 15)) == (
        dt.date(2026, 1, 1), dt.date(2026, 12, 15))


def test_concentration_and_diversity(q3):
    now = q3.total.current
    # A 3, B 2, C 1, D 1, E 1 of 8: (9 + 4 + 1 + 1 + 1) / 64
    assert (now.top1_share, now.top5_share, now.concentration, now.effective_sources) == (0.375, 1.0, 0.25, 4.0)
    # one partner per category, so the same shares
    assert (now.categories_referring, now.category_concentration, now.effective_categories) == (5, 0.25, 4.0)
    before = q3.total.previous
    # E 3, B 2, A 1, F 1 of 7
    assert before.top1_share == pytest.approx(3 / 7)
    assert before.concentration == pytest.approx((9 + 4 + 1 + 1) / 49)


def test_trend_against_the_trailing_average(q3):
    now = q3.total.current
    # The records begin with A1 (2025-10-05), so the 365 days before Q3 shrink to 2025-10-05..2026-06-30,
    # 269 days: A1 A2 A3 B1 B2 E1 E0 E2 F1 = 9; 9 * 92 / 269 = 3.1 a quarter, and Q3 brought 8
    assert now.trailing_average == pytest.approx(9 * 92 / 269)
    assert now.trend == "rising"
    # before Q2: 2025-10-05..2026-03-31, 178 days: A1 A2
    assert q3.total.previous.trailing_average == pytest.approx(2 * 91 / 178)
    groups = {g.key: g.current for g in q3.groups}
    # A's since (2025-01-01) is before the records begin: its window starts with them
    assert (groups["primary-care"].trend, groups["primary-care"].trailing_average) == ("rising", pytest.approx(3 * 92 / 269))
    # E began 2026-03-01: its window is 122 days with 3 referrals; 1 in Q3 is well below 2.26
    assert (groups["surgeon"].trend, groups["surgeon"].trailing_average) == ("falling", pytest.approx(3 * 92 / 122))
    # C began 2026-06-15, after the records did: too little history because it is new
    assert (groups["fitness"].trend, groups["fitness"].trailing_average) == ("new", None)
    assert (groups["specialist"].trend, groups["specialist"].trailing_average) == ("new", None)
    # F: 1 referral in the window (0.34 a quarter), none in Q3: within one referral of it
    assert (groups["massage"].trend, groups["massage"].trailing_average) == ("steady", pytest.approx(92 / 269))


def test_no_history_when_the_records_begin_too_recently(loaded):
    """'new' is for a group that began recently; when the records are too short it is 'no history'."""
    year = metrics(*loaded, Period.parse("2026"), by="partner", today=TODAY)
    # the records begin 2025-10-05, 88 days before 2026: not a year of history for anyone
    assert (year.total.current.trend, year.total.previous.trend) == (NO_HISTORY, NO_HISTORY) == ("no history",) * 2
    assert [(g.key, g.current.received, g.current.trend) for g in year.groups] == [
        ("gp-a", 5, "no history"),  # since 2025-01-01: an established partner, before the records begin
        ("surgeon-e", 4, "new"),  # since 2026-03-01
        ("chiro-b", 4, "no history"),  # since 2024-06-01
        ("gym-c", 1, "new"),  # since 2026-06-15
        ("massage-f", 1, "no history"),  # since 2024-01-01
        ("prospect-d", 1, "new"),  # since 2026-07-01
    ]
    quiet = metrics(*loaded, Period.parse("2025Q4"), by="partner", today=TODAY)
    assert [(g.key, g.current.trend) for g in quiet.groups][:2] == [("gp-a", "no history"), ("chiro-b", "n/a")]


def test_prospect_funnel(q3):
    # D became a prospect 07-01: engaged (reply) 07-20, met (coffee) 08-12, first referral 09-02
    assert q3.total.current.funnel == (
        FunnelStep("new prospects", 1, None), FunnelStep("engaged", 1, 19.0), FunnelStep("met in person", 1, 42.0),
        FunnelStep("first referral", 1, 63.0), FunnelStep("became active", 0, None), FunnelStep("dropped", 0, None),
    )
    # E became a prospect 03-01: met and engaged 04-15, active 05-01, first referral 05-10
    assert q3.total.previous.funnel == (
        FunnelStep("new prospects", 0, None), FunnelStep("engaged", 1, 45.0), FunnelStep("met in person", 1, 45.0),
        FunnelStep("first referral", 1, 70.0), FunnelStep("became active", 1, 61.0), FunnelStep("dropped", 0, None),
    )


def test_groups_add_up_to_the_practice(loaded):
    additive = ("received", "sent", "conversions", "declined", "open", "revenue", "valued", "rated", "intervals",
                "active_referrers", "thanked", "unthanked", "touches", "gifts")
    for by in ("category", "owner", "partner"):
        report = metrics(*loaded, Q3, by=by, today=TODAY)
        for name in additive:
            for side in ("current", "previous"):
                total = getattr(getattr(report.total, side), name)
                assert sum(getattr(getattr(g, side), name) for g in report.groups) == total, (by, name, side)
        for step in range(6):
            assert sum(g.current.funnel[step].count for g in report.groups) == report.total.current.funnel[step].count


def test_grouping_by_owner_and_partner(loaded):
    by_owner = metrics(*loaded, Q3, by="owner", today=TODAY)
    # ann: A 3, C 1 (no owner: the default owner), E 1; bob: B 2, D 1, F 0
    assert [(g.key, g.label, g.partner_ids, g.current.received) for g in by_owner.groups] == [
        ("ann", "Ann Lee", ("gp-a", "gym-c", "surgeon-e"), 5),
        ("bob", "Bob Roy", ("chiro-b", "massage-f", "prospect-d"), 3),
    ]
    by_partner = metrics(*loaded, Q3, by="partner", today=TODAY)
    # most referrals first, then revenue, then last period's referrals, then id
    assert [(g.key, g.current.received, g.previous.received) for g in by_partner.groups] == [
        ("gp-a", 3, 1), ("chiro-b", 2, 2), ("gym-c", 1, 0), ("surgeon-e", 1, 3), ("prospect-d", 1, 0),
        ("massage-f", 0, 1),
    ]
    assert metrics(*loaded, Q3, by="practice", today=TODAY).groups == ()


def test_a_partner_with_one_referral_has_no_interval_and_division_by_zero_is_none(loaded):
    report = metrics(*loaded, Q3, by="partner", today=TODAY)
    gym = next(g for g in report.groups if g.key == "gym-c")
    assert (gym.current.repeat_days, gym.current.intervals) == (None, 0)
    # the gym's previous quarter had no referrals: every ratio is undefined, not 0
    before = gym.previous
    assert (before.received, before.conversion_rate, before.reciprocity, before.average_value,
            before.median_days_to_convert, before.top1_share, before.concentration) == (0, None, None, None, None, None, None)


def test_a_quiet_period_has_counts_of_zero_and_nothing_else():
    records, settings, _ = load(FIXTURE)
    report = metrics(records, settings, Period.parse("2024Q1"), today=TODAY)
    now = report.total.current
    assert (now.received, now.revenue, now.conversion_rate, now.satisfaction, now.repeat_days,
            now.median_days_to_thank, now.effective_sources, now.trend) == (0, Decimal(0), None, None, None, None, None, "n/a")


def test_figures_are_as_known_on_today(loaded):
    records, settings = loaded
    # on 2026-10-01, A6 (received 09-30) had neither converted (10-03) nor been thanked (10-04)
    early = metrics(records, settings, Q3, today=dt.date(2026, 10, 1)).total.current
    assert (early.conversions, early.revenue, early.satisfaction, early.unthanked) == (3, Decimal(500), 4.0, 4)
    # today defaults to the period's last day
    assert metrics(records, settings, Q3).today == dt.date(2026, 9, 30)


def test_referral_facts(loaded):
    records, settings = loaded
    facts = partner_facts(records.get("chiro-b"), settings, TODAY)
    assert [(r.id, r.received, r.converted, r.declined, r.value, r.thanked) for r in facts.received] == [
        ("B1", dt.date(2026, 5, 20), None, dt.date(2026, 6, 26), None, dt.date(2026, 5, 21)),
        ("B2", dt.date(2026, 6, 25), None, None, None, dt.date(2026, 9, 1)),
        ("B3", dt.date(2026, 7, 15), dt.date(2026, 7, 16), None, None, dt.date(2026, 9, 1)),
        ("B4", dt.date(2026, 7, 20), None, dt.date(2026, 7, 22), None, dt.date(2026, 9, 1)),
    ]
    # a thanks with no id also thanks older referrals nobody thanked (A1, A2 on 07-02)
    gp = partner_facts(records.get("gp-a"), settings, TODAY)
    assert [(r.id, r.thanked) for r in gp.received][:3] == [
        ("A1", dt.date(2026, 7, 2)), ("A2", dt.date(2026, 7, 2)), ("A3", dt.date(2026, 4, 12))]
    assert partner_facts(records.get("surgeon-e"), settings, TODAY).prospect_start == dt.date(2026, 3, 1)
    assert partner_facts(records.get("massage-f"), settings, TODAY).prospect_start is None


def test_discharged_counts_as_converted_and_value_is_the_last_written(tmp_path):
    (tmp_path / "x.md").write_text(
        "---\nname: X\ncategory: other\nstage: active\ncontacts:\n  - name: Xi\n    role: other\n---\n\n## Log\n\n"
        "- 2026-07-01 referral-in R1 service:back value:100\n"
        "- 2026-07-21 referral-in R1 status:discharged value:380 satisfaction:3\n"
        "- 2026-07-02 stage active\n"
    )
    records, settings, problems = load(tmp_path)
    assert problems == []
    now = figures([partner_facts(records.get("x"), settings, TODAY)], Q3)
    assert (now.conversions, now.median_days_to_convert, now.revenue, now.average_value, now.satisfaction) == (
        1, 20.0, Decimal(380), Decimal("380.00"), 3.0)
    # a first stage line to 'active' with no 'since': no prospect start to measure from
    assert now.funnel[4] == FunnelStep("became active", 0, None)


def test_unknown_grouping_is_an_error(loaded):
    with pytest.raises(ValueError, match="cannot group by 'colour'"):
        metrics(*loaded, Q3, by="colour", today=TODAY)


def test_monthly_referrals(loaded):
    records, _ = loaded
    months = monthly_referrals(records, dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert [(m.month.label, m.received, m.sent) for m in months] == [("2026-07", 4, 0), ("2026-08", 2, 1), ("2026-09", 2, 0)]
    assert months[0].by_category == (Count("chiropractic", 2), Count("primary-care", 1), Count("surgeon", 1))
    # a partial month counts only its days inside the range
    assert [(m.month.label, m.received) for m in monthly_referrals(records, dt.date(2026, 8, 10), dt.date(2026, 9, 15))] == [
        ("2026-08", 1), ("2026-09", 1)]


def test_every_figure_is_defined_in_docs_metrics_md():
    import dataclasses

    from refsite.metrics import Figures

    doc = (Path(__file__).parent.parent / "docs" / "metrics.md").read_text()
    missing = [f.name for f in dataclasses.fields(Figures) if f.name not in ("period", "partners")
               and f"`{f.name}`" not in doc]
    assert missing == []
