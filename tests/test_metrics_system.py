"""Whether the system is followed: thanked on time, updates on time, cadence kept, key partners met,
gifts against revenue, days to booked, --by organisation and the rate-change rule, at their boundaries.

Records are written inline (one small partner file per case) and loaded with the real loader.
TODAY is fixed; dates are written relative to it with ``d(n)`` (n days ago).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from conftest import TODAY

from refsite.cli import cli
from refsite.load import load_records
from refsite.metrics import Period, all_facts, figures, metrics, points_change
from refsite.model import Records
from refsite.output.report import report_csv
from refsite.settings import Settings

SETTINGS = Settings()  # thanks_days 3, update_days 7, cadence_standard 60, cadence_key 30, key_meeting_days 90
NOVEMBER = Period.month(2026, 11)  # still running on TODAY
OCTOBER = Period.month(2026, 10)


def d(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


def partner_file(*log: str, stage: str = "active", tier: str = "standard", **front: object) -> str:
    lines = ["---", "name: Harbour Street", "category: primary-care", f"stage: {stage}", f"tier: {tier}",
             "owner: maya"]
    lines += [f"{key}: {value}" for key, value in front.items()]
    return "\n".join(lines) + "\n---\n\n## Log\n\n" + "".join(f"- {line}\n" for line in log)


def load(tmp_path, **files: str) -> Records:
    for pid, text in files.items():
        (tmp_path / f"{pid}.md").write_text(text)
    records, problems = load_records(tmp_path, SETTINGS, "records")
    assert [str(p) for p in problems if p.is_error] == []
    return records


def figures_of(tmp_path, *log: str, period: Period = NOVEMBER, today: dt.date = TODAY, **front: object):
    records = load(tmp_path, harbour=partner_file(*log, **front))
    return figures(all_facts(records.as_of(today), SETTINGS, today), period)


# --------------------------------------------------------------------------- thanked on time


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ([], (0, 0, None)),  # nothing received: undefined, not 0 %
        ([f"{d(10)} referral-in R-1", f"{d(7)} thanks R-1"], (1, 1, 1.0)),  # day 3: on time
        ([f"{d(10)} referral-in R-1", f"{d(6)} thanks R-1"], (0, 1, 0.0)),  # day 4: late
        ([f"{d(10)} referral-in R-1", f"{d(10)} thanks"], (1, 1, 1.0)),  # the same day, by a thanks with no id
        ([f"{d(10)} referral-in R-1", f"{d(11)} thanks R-1"], (1, 1, 1.0)),  # thanked before it arrived: on time
        ([f"{d(3)} referral-in R-1"], (0, 0, None)),  # still has until today: not counted
        ([f"{d(4)} referral-in R-1"], (0, 1, 0.0)),  # its third day was yesterday: late
        ([f"{d(4)} referral-in R-1", f"{d(2)} referral-in R-2", f"{d(0)} thanks"], (1, 2, 0.5)),
    ],
)
def test_thanked_on_time(tmp_path, log, expected):
    f = figures_of(tmp_path, *log)
    assert (f.thanked_on_time, f.thanks_counted, f.thanked_on_time_rate) == expected


# --------------------------------------------------------------------------- patient updates on time


@pytest.mark.parametrize(
    ("log", "front", "expected"),
    [
        # converted 10 days ago, update on day 7: on time; on day 8: late
        ([f"{d(12)} referral-in R-1 consent:yes", f"{d(10)} referral-in R-1 status:converted",
          f"{d(3)} update R-1"], {}, (1, 1, 1.0)),
        ([f"{d(12)} referral-in R-1 consent:yes", f"{d(10)} referral-in R-1 status:converted",
          f"{d(2)} update R-1"], {}, (0, 1, 0.0)),
        # no consent, or consent withdrawn by the last consent line: nothing owed
        ([f"{d(12)} referral-in R-1", f"{d(10)} referral-in R-1 status:converted"], {}, (0, 0, None)),
        ([f"{d(12)} referral-in R-1 consent:yes", f"{d(11)} referral-in R-1 consent:no",
          f"{d(10)} referral-in R-1 status:converted"], {}, (0, 0, None)),
        # not sent, 7 days still running: not counted; 8 days gone: late
        ([f"{d(12)} referral-in R-1 consent:yes", f"{d(7)} referral-in R-1 status:converted"], {}, (0, 0, None)),
        ([f"{d(12)} referral-in R-1 consent:yes", f"{d(8)} referral-in R-1 status:converted"], {}, (0, 1, 0.0)),
        # an update before the status does not cover it; an update naming another referral neither
        ([f"{d(20)} referral-in R-1 consent:yes", f"{d(15)} update R-1", f"{d(10)} referral-in R-1 status:converted"],
         {}, (0, 1, 0.0)),
        ([f"{d(20)} referral-in R-1 consent:yes", f"{d(10)} referral-in R-1 status:converted", f"{d(9)} update R-9"],
         {}, (0, 1, 0.0)),
        # milestones: converted and discharged are two updates; discharge: only the discharge
        ([f"{d(20)} referral-in R-1 consent:yes", f"{d(18)} referral-in R-1 status:converted", f"{d(17)} update",
          f"{d(10)} referral-in R-1 status:discharged"], {}, (1, 2, 0.5)),
        ([f"{d(20)} referral-in R-1 consent:yes", f"{d(18)} referral-in R-1 status:converted",
          f"{d(10)} referral-in R-1 status:discharged", f"{d(9)} update"], {"updates": "discharge"}, (1, 1, 1.0)),
        # detailed: booked counts too; none: nothing is owed
        ([f"{d(20)} referral-in R-1 consent:yes status:booked", f"{d(19)} update"], {"updates": "detailed"},
         (1, 1, 1.0)),
        ([f"{d(20)} referral-in R-1 consent:yes", f"{d(18)} referral-in R-1 status:converted"], {"updates": "none"},
         (0, 0, None)),
    ],
)
def test_updates_on_time(tmp_path, log, front, expected):
    f = figures_of(tmp_path, *log, **front)
    assert (f.updates_on_time, f.updates_counted, f.updates_on_time_rate) == expected


# --------------------------------------------------------------------------- cadence kept


@pytest.mark.parametrize(
    ("log", "front", "expected"),
    [
        # standard: 60 days. October 1..31, today after it. Last contact 60 days before 31 October: kept.
        (["2026-09-01 call"], {}, (1, 1, 1.0)),
        (["2026-08-31 call"], {}, (0, 1, 0.0)),  # overdue on 31 October
        (["2026-08-01 call", "2026-09-30 call"], {}, (1, 1, 1.0)),  # 60 days apart, never overdue
        (["2026-08-01 call", "2026-10-01 call"], {}, (1, 1, 1.0)),  # contacted on the day it would be overdue
        (["2026-08-01 call", "2026-10-02 call"], {}, (0, 1, 0.0)),  # overdue on 1 October, then contacted
        (["2026-07-01 call", "2026-08-30 call", "2026-10-29 email"], {}, (1, 1, 1.0)),
        # a social like and a note do not keep the cadence (as refsite due)
        (["2026-08-01 call", "2026-10-02 social: liked their post", "2026-10-03 note: voicemail"], {}, (0, 1, 0.0)),
        # no contact: since starts the clock; after the period ends: not counted
        (["2026-11-01 note: met at a conference"], {"since": "2026-09-01"}, (1, 1, 1.0)),
        (["2026-11-01 note: met at a conference"], {"since": "2026-08-31"}, (0, 1, 0.0)),
        (["2026-11-01 note: first note"], {}, (0, 0, None)),
        # their own cadence; not active; snoozed into the period: not counted
        (["2026-09-21 call"], {"cadence": 40}, (1, 1, 1.0)),
        (["2026-09-20 call"], {"cadence": 40}, (0, 1, 0.0)),
        (["2026-01-01 call"], {"stage": "nurture"}, (0, 0, None)),
        (["2026-01-01 call"], {"snooze_until": "2026-10-01"}, (0, 0, None)),
        (["2026-01-01 call"], {"snooze_until": "2026-09-30"}, (0, 1, 0.0)),
        # key: 30 days
        (["2026-10-01 call"], {"tier": "key"}, (1, 1, 1.0)),  # due on 31 October, not overdue
        (["2026-09-30 call"], {"tier": "key"}, (0, 1, 0.0)),
        (["2026-10-01 call", "2026-10-31 call"], {"tier": "key"}, (1, 1, 1.0)),
    ],
)
def test_cadence_kept(tmp_path, log, front, expected):
    f = figures_of(tmp_path, *log, period=OCTOBER, **front)
    assert (f.cadence_kept, f.cadence_partners, f.cadence_kept_rate) == expected


def test_cadence_of_a_running_period_counts_up_to_today(tmp_path):
    # November is running: 60 days after 2026-09-23 is today, so not yet overdue.
    f = figures_of(tmp_path, "2026-09-23 call", period=NOVEMBER)
    assert (f.cadence_kept, f.cadence_partners) == (1, 1)
    f = figures_of(tmp_path, "2026-09-22 call", period=NOVEMBER)
    assert (f.cadence_kept, f.cadence_partners) == (0, 1)


# --------------------------------------------------------------------------- key partners met in person


@pytest.mark.parametrize(
    ("log", "front", "expected"),
    [
        # the 90 days ending 31 October begin on 3 August
        (["2026-08-03 meeting"], {"tier": "key"}, (1, 1, 1.0)),
        (["2026-08-02 meeting"], {"tier": "key"}, (0, 1, 0.0)),
        (["2026-10-31 coffee"], {"tier": "key"}, (1, 1, 1.0)),
        (["2026-11-01 meeting", "2026-06-01 call"], {"tier": "key"}, (0, 1, 0.0)),  # after the period
        (["2026-10-10 call"], {"tier": "key"}, (0, 1, 0.0)),  # a call is not in person
        (["2026-10-10 meeting"], {"tier": "key", "stage": "nurture"}, (1, 1, 1.0)),
        (["2026-10-10 meeting"], {"tier": "key", "stage": "prospect"}, (0, 0, None)),
        (["2026-10-10 meeting"], {}, (0, 0, None)),  # standard tier
        (["2026-11-05 meeting"], {"tier": "key"}, (0, 0, None)),  # nothing known by 31 October
    ],
)
def test_met_quarterly(tmp_path, log, front, expected):
    f = figures_of(tmp_path, *log, period=OCTOBER, **front)
    assert (f.met_quarterly, f.key_partners, f.met_quarterly_rate) == expected


# --------------------------------------------------------------------------- gifts against revenue, days to booked


def test_gifts_against_revenue_and_days_to_booked(tmp_path):
    records = load(tmp_path, harbour=partner_file(
        "2026-10-02 referral-in R-1 status:booked", "2026-10-05 referral-in R-1 status:converted value:400",
        "2026-10-10 referral-in R-2", "2026-10-20 referral-in R-2 status:booked",
        "2026-10-12 lunch cost:50", "2026-10-30 gift cost:10"))
    report = metrics(records, SETTINGS, OCTOBER, by="partner", today=TODAY)
    f = report.total.current
    assert (f.gifts, f.revenue, f.gifts_to_revenue) == (Decimal(60), Decimal(400), 0.15)
    assert (f.booked, f.median_days_to_book) == (2, 5.0)  # 0 and 10 days
    line = report.gifts[0]
    assert (line.period_spend, line.period_revenue, line.share_of_revenue) == (Decimal(60), Decimal(400), 0.15)
    assert report.total.previous.gifts_to_revenue is None  # no revenue in September: undefined


# --------------------------------------------------------------------------- JSON, CSV and the text report


def test_json_keys_and_csv_cells(tmp_path):
    load(tmp_path, harbour=partner_file(f"{d(10)} referral-in R-1 service:knee", f"{d(6)} thanks R-1"))
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "--records", str(tmp_path), "--today", str(TODAY), "--period", "2026-11",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    current = json.loads(result.output)["total"]["current"]
    assert {k: current[k] for k in ("thanked_on_time_rate", "updates_on_time_rate", "cadence_kept_rate",
                                    "met_quarterly_rate")} == {
        "thanked_on_time_rate": 0.0, "updates_on_time_rate": None, "cadence_kept_rate": 1.0,
        "met_quarterly_rate": None}
    result = runner.invoke(cli, ["report", "--records", str(tmp_path), "--today", str(TODAY), "--period", "2026-11",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    practice = rows[-2]
    assert (practice["thanked_on_time_rate"], practice["updates_on_time_rate"], practice["cadence_kept_rate"],
            practice["met_quarterly_rate"]) == ("0.0", "", "1.0", "")
    assert not any(v == "n/a" for row in rows for k, v in row.items() if k != "trend")


def test_text_report_rows(tmp_path):
    load(tmp_path, harbour=partner_file(f"{d(10)} referral-in R-1 service:knee", f"{d(6)} thanks R-1",
                                        f"{d(9)} referral-in R-2 service:knee",
                                        f"{d(8)} thanks R-2"))
    result = CliRunner().invoke(cli, ["report", "--records", str(tmp_path), "--today", str(TODAY),
                                      "--period", "2026-11"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith(("Thanked on time", "Patient updates",
                                                                            "Contacted within", "Key partners met"))]
    assert rows == [
        f"{'Thanked on time':30} {'50% (1/2)':>15} {'n/a':>15}",
        f"{'Patient updates on time':30} {'n/a':>15} {'n/a':>15}",
        f"{'Contacted within cadence':30} {'100% (1/1)':>15} {'n/a':>15}",  # October: nothing known yet
        f"{'Key partners met in person':30} {'n/a':>15} {'n/a':>15}",
    ]


def test_at_risk_partners_are_listed_in_the_report_and_the_review(tmp_path):
    log = [f"{d(400 - 30 * i)} referral-in R-{i} service:knee" for i in range(6)] + [f"{d(400 - 30 * i)} thanks R-{i}"
                                                                         for i in range(6)]
    load(tmp_path, harbour=partner_file(*log))
    runner = CliRunner()
    for args in (["report"], ["report", "review"]):
        result = runner.invoke(cli, [*args, "--records", str(tmp_path), "--today", str(TODAY)])
        assert result.exit_code == 0, result.output
        section = result.output.split("Partners at risk today\n----------------------\n")[1]
        assert section.splitlines()[:2] == ["    - Harbour Street",
                                            "      At risk: no referral for 250 days (last R-5 on 17 Mar); they usually refer"]
    result = runner.invoke(cli, ["report", "--records", str(tmp_path), "--today", str(TODAY), "--format", "json"])
    assert [a["partner_id"] for a in json.loads(result.output)["at_risk"]] == ["harbour"]


# --------------------------------------------------------------------------- --by organisation


def test_by_organisation_groups_partner_files_that_share_one(tmp_path):
    records = load(
        tmp_path,
        **{"st-brigids-ortho": partner_file(f"{d(10)} referral-in R-1 service:knee",
                                            organisation="St Brigid's Hospital"),
           "st-brigids-ed": partner_file(f"{d(12)} referral-in R-2 service:knee", f"{d(11)} referral-in R-3 service:knee",
                                         organisation="St Brigid's Hospital"),
           "harbour": partner_file(f"{d(9)} referral-in R-4 service:knee")},
    )
    report = metrics(records, SETTINGS, NOVEMBER, by="organisation", today=TODAY)
    assert [(g.key, g.label, g.partner_ids, g.current.received) for g in report.groups] == [
        ("St Brigid's Hospital", "St Brigid's Hospital", ("st-brigids-ed", "st-brigids-ortho"), 3),
        ("harbour", "Harbour Street", ("harbour",), 1),
    ]
    result = CliRunner().invoke(cli, ["report", "--records", str(tmp_path), "--today", str(TODAY),
                                      "--period", "2026-11", "--by", "organisation"])
    assert result.exit_code == 0, result.output
    assert "Organisation             Recv Prev" in result.output
    assert report_csv(report).splitlines()[1].split(",")[:4] == ["2026-11", "organisation", "St Brigid's Hospital",
                                                                 "St Brigid's Hospital"]


# --------------------------------------------------------------------------- one rule for a rate's change


@pytest.mark.parametrize(
    ("now", "before", "points"),
    [
        (32 / 37, 43 / 48, -3),  # -3.09: the demo's Q3 against Q2 (rounded percentages would say 86 - 90 = -4)
        (3 / 7, 5 / 11, -3),  # -2.60 (43 - 45 would say -2)
        (1 / 8, 0.0, 13),  # exactly 12.5: half away from zero
        (0.0, 1 / 8, -13),
        (0.5, 0.5, 0),
        (None, 0.5, None),
        (0.5, None, None),
    ],
)
def test_points_change(now, before, points):
    assert points_change(now, before) == points


def test_the_review_terminal_and_site_show_the_same_change(tmp_path):
    from refsite.metrics import review
    from refsite.output.report import review_text
    from refsite.render.figures import period_figures

    # Q3: 32 of 37 converted; Q2: 43 of 48: -3.09 points
    log = []
    for quarter, (n, conv) in (("2026-05-", (48, 43)), ("2026-08-", (37, 32))):
        for i in range(n):
            day = f"{quarter}{1 + i % 28:02d}"
            log.append(f"{day} referral-in R-{quarter[5:7]}{i} service:knee" + (" status:converted" if i < conv else ""))
    records = load(tmp_path, harbour=partner_file(*log))
    result = review(records, SETTINGS, Period.quarter(2026, 3), TODAY)
    assert result.conversion_rate_change == -3
    text = next(line for line in review_text(result).splitlines() if line.startswith("Conversion rate"))
    assert text.split()[-2:] == ["-3", "pts"]
    site = next(f for f in period_figures(result.total.current, result.total.previous, "$") if f.label == "Conversion rate")
    assert site.change == "-3 pts"
