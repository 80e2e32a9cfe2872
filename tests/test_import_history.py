"""Issue 12's last "Done when": with owed_from set, the day after importing two years of history is not red.

The export is generated here (a realistic two years of a practice-management system's referrals:
four referrers, each every one and a half to four weeks, statuses and amounts as front desks leave them),
not kept as a big fixture file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random

from tests.test_import import FIXTURES, run

IMPORT_DAY = dt.date(2026, 11, 20)
REFERRERS = ("Harbour St Medical", "Bondi Chiro", "Paddington Family Medical", "Dr Mei Tanaka")
STATUSES = ("Completed", "Completed", "Arrived", "Arrived", "Booked", "Cancelled", "Did not attend", "Discharged")
TYPES = ("Knee", "Hip", "Initial Consult", "Post-op", "Back")


def two_year_export(seed: int = 12) -> tuple[str, int, int, dt.date]:
    """(the CSV, its rows, the rows dated in 2026Q1, the first date) for the two years before IMPORT_DAY."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Patient First Name", "Date of Birth", "Referral Date", "Referral ID", "Referral Source Type",
                     "Referral Source Contact", "Appointment Type Name", "Status", "Invoiced"])
    rows, in_q1, number, first = 0, 0, 5000, IMPORT_DAY
    for referrer in REFERRERS:
        day = IMPORT_DAY - dt.timedelta(days=730 - rng.randrange(14))
        while day < IMPORT_DAY - dt.timedelta(days=3):
            number += 1
            amount = rng.choice(["", "$95.00", "$180.00", "$1,240.00", "$360.00"])
            writer.writerow(["Zebediah", "14/02/1987", day.strftime("%d/%m/%Y"), f"R-{number}", "Contact", referrer,
                             rng.choice(TYPES), rng.choice(STATUSES), amount])
            rows += 1
            first = min(first, day)
            in_q1 += dt.date(2026, 1, 1) <= day <= dt.date(2026, 3, 31)
            day += dt.timedelta(days=rng.randrange(10, 30))
    return out.getvalue(), rows, in_q1, first


def test_the_day_after_importing_two_years_of_history_with_owed_from_is_not_red(tmp_path):
    assert run("init", ".", "--member", "alex:Alex Example", cwd=tmp_path).exit_code == 0
    today = ["--today", IMPORT_DAY.isoformat()]
    assert run("import", "partners", str(FIXTURES / "referrers.csv"), *today, cwd=tmp_path).exit_code == 0
    export, rows, in_q1, first = two_year_export()
    assert (rows, in_q1, first) == (145, 17, dt.date(2024, 11, 25))
    (tmp_path / "export.csv").write_text(export, encoding="utf-8")

    result = run("import", "referrals", "export.csv", "--from", "cliniko", *today, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-2] == f"{rows} lines appended, 0 rows already in the log, 0 listed"
    assert lines[-1] == (f"these referrals go back to {first}: so that history owes no thank-yous or updates, "
                         "set `owed_from: 2026-11-20` in records/settings.yml")

    next_day = ["--today", (IMPORT_DAY + dt.timedelta(days=1)).isoformat()]
    red = run("check", *next_day, cwd=tmp_path)
    assert red.exit_code == 1, red.output  # without owed_from, two years of thank-yous are overdue

    settings = tmp_path / "records" / "settings.yml"
    settings.write_text(settings.read_text(encoding="utf-8") + "owed_from: 2026-11-20\n", encoding="utf-8")
    green = run("check", *next_day, cwd=tmp_path)
    assert green.exit_code == 0, green.output

    report = run("report", *next_day, "--period", "2026Q1", "--by", "practice", "--format", "json", cwd=tmp_path)
    assert report.exit_code == 0, report.output
    assert json.loads(report.output)["total"]["current"]["received"] == in_q1
