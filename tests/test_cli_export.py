"""`refsite export` on tests/fixtures/brief/ (three partners, five referrals) as of 2026-11-22.

Commands run from tests/fixtures so that paths read as a person sees them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from refsite.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = ["--today", "2026-11-22"]


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch):
    monkeypatch.chdir(FIXTURES)


def export(*args: str):
    return CliRunner().invoke(cli, ["export", *args, "--records", "brief", *TODAY], catch_exceptions=False)


REFERRALS = """\
partner_id,partner_name,category,owner,id,direction,received,service,status,converted,value,satisfaction
harbour,Harbour Street Family Practice,primary-care,maya,R-1,in,2025-10-01,back,received,,,
harbour,Harbour Street Family Practice,primary-care,maya,R-2,in,2026-07-09,knee,discharged,2026-07-17,820,5
harbour,Harbour Street Family Practice,primary-care,maya,RO-1,out,2026-08-14,hip,received,,,
harbour,Harbour Street Family Practice,primary-care,maya,R-3,in,2026-11-04,hip,converted,2026-11-10,150,
harbour,Harbour Street Family Practice,primary-care,maya,R-4,in,2026-11-18,knee,received,,,
"""


def test_referrals_csv_one_row_per_referral_and_nothing_else():
    result = export("referrals")
    assert result.exit_code == 0, result.output
    assert result.stdout == REFERRALS
    assert result.stderr == ""


def test_referrals_as_of_an_earlier_day():
    result = CliRunner().invoke(cli, ["export", "referrals", "--records", "brief", "--today", "2026-11-15"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2:] == [
        "harbour,Harbour Street Family Practice,primary-care,maya,R-2,in,2026-07-09,knee,converted,2026-07-17,135,",
        "harbour,Harbour Street Family Practice,primary-care,maya,RO-1,out,2026-08-14,hip,received,,,",
        "harbour,Harbour Street Family Practice,primary-care,maya,R-3,in,2026-11-04,hip,converted,2026-11-10,150,",
    ]


def test_referrals_json():
    result = export("referrals", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == ["R-1", "R-2", "RO-1", "R-3", "R-4"]
    assert rows[1] == {"partner_id": "harbour", "partner_name": "Harbour Street Family Practice",
                       "category": "primary-care", "owner": "maya", "id": "R-2", "direction": "in",
                       "received": "2026-07-09", "service": "knee", "status": "discharged",
                       "converted": "2026-07-17", "value": "820", "satisfaction": 5}
    assert rows[0]["value"] is None


def test_partners_csv_and_json():
    result = export("partners")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "id,name,organisation,category,stage,tier,owner,location,phone,email,website,tags,last_contact,"
        "referrals_12_months,next_rule,next_due",
        "bondi,Bondi Chiro,,chiropractic,active,standard,tom,Bondi,,,,,2026-10-27,0,cadence,2026-12-26",
        "harbour,Harbour Street Family Practice,,primary-care,active,key,maya,Surry Hills,02 5550 4127,,,sports;knee,"
        "2026-11-06,3,"
        "update,2026-11-17",
        "newco,Bondi Medical Centre,,primary-care,prospect,standard,tom,Bondi,,,,,2026-10-15,0,introduction,2026-10-22",
    ]
    rows = json.loads(export("partners", "--format", "json", "--owner", "tom").stdout)
    assert [r["id"] for r in rows] == ["bondi", "newco"]
    assert rows[0] == {"id": "bondi", "name": "Bondi Chiro", "organisation": None, "category": "chiropractic",
                       "stage": "active", "tier": "standard", "owner": "tom", "location": "Bondi", "phone": None,
                       "email": None, "website": None, "tags": "",
                       "last_contact": "2026-10-27", "referrals_12_months": 0, "next_rule": "cadence",
                       "next_due": "2026-12-26"}


def test_due_csv_every_item_by_urgency_and_by_owner():
    result = export("due")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # One definition: the columns of `refsite due --format csv`.
    assert lines[0] == ("owner,owner_name,partner_id,partner_name,rule,status,due_date,days_overdue,reason,action,"
                        "ref,introducers,contact,channel,ref_status,value_idea,suggest_stage")
    assert lines[3] == ('maya,Maya Chen,harbour,Harbour Street Family Practice,thanks,overdue,2026-11-21,1,"Thank-you '
                        'owed: referral R-4 (knee) received 18 Nov, 4 days ago; thank within 3 days",Call Leah '
                        'Ortiz on 02 5550 4127 (prefers phone): thank them for referral R-4,R-4,,Leah Ortiz,phone,received,,')
    assert [line.split(",")[4] for line in lines[1:]] == [
        "introduction", "update", "thanks", "update", "cadence", "cadence", "meeting"]  # 'later' items too
    tom = export("due", "--owner", "tom").stdout.splitlines()
    assert [line.split(",")[:5] for line in tom[1:]] == [
        ["tom", "Tom Alvarez", "newco", "Bondi Medical Centre", "introduction"],
        ["tom", "Tom Alvarez", "bondi", "Bondi Chiro", "cadence"]]
    rows = json.loads(export("due", "--format", "json", "--owner", "tom").stdout)
    assert (rows[1]["rule"], rows[1]["days_overdue"], rows[1]["ref"]) == ("cadence", -34, None)


def test_calendar_per_owner():
    result = export("calendar", "--owner", "tom")
    assert result.exit_code == 0, result.output
    ics = result.stdout_bytes.decode("utf-8")  # (result.stdout turns CRLF into LF)
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//refsite//due contacts//EN\r\n"
                          "CALSCALE:GREGORIAN\r\nX-WR-CALNAME:Referral contacts: Tom Alvarez\r\n")
    assert ics.endswith("END:VCALENDAR\r\n")
    uids = [line for line in ics.split("\r\n") if line.startswith("UID:")]
    assert uids == ["UID:introduction-newco@refsite", "UID:cadence-bondi@refsite"]
    everyone = export("calendar").stdout_bytes.decode("utf-8")
    assert "X-WR-CALNAME:Referral contacts\r\n" in everyone
    assert everyone.count("BEGIN:VEVENT") == 7


def test_output_file_is_written_and_output_is_deterministic(tmp_path):
    target = tmp_path / "referrals.csv"
    result = export("referrals", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"wrote {target} (5 rows)\n"
    assert target.read_text(encoding="utf-8") == REFERRALS
    calendar = tmp_path / "tom.ics"
    assert export("calendar", "--owner", "tom", "-o", str(calendar)).exit_code == 0
    assert calendar.read_bytes() == export("calendar", "--owner", "tom").stdout_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["referrals.csv", "tom.ics"]  # no temporary files left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["calendar", "--format", "json"], "Invalid value for --format: the calendar is iCalendar (.ics) only"),
        (["due", "--owner", "tomm"], "Invalid value for --owner: 'tomm' is not on the team (did you mean 'tom'?)"),
        (["due", "--output", "no-such-folder/due.csv"],
         "Invalid value for --output: no folder 'no-such-folder' to write into"),
        (["contacts"], "Invalid value for 'WHAT': 'contacts' is not one of 'partners', 'due', 'referrals', 'calendar'."),
        (["due", "--format", "xml"], "Invalid value for '--format': 'xml' is not one of 'csv', 'json'."),
    ],
)
def test_usage_errors_exit_2(args, message):
    result = export(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_records_with_errors_still_export_and_exit_1(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "brief", records)
    with (records / "bondi.md").open("a") as handle:
        handle.write("- 2026-11-01 vist @tom: misspelt kind\n")
    result = CliRunner().invoke(cli, ["export", "referrals", "--records", str(records), *TODAY])
    assert result.exit_code == 1, result.output
    assert result.stdout == REFERRALS
    assert result.stderr == "1 error in the records: the export may be incomplete (refsite validate lists them)\n"


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "brief", records)
    path = records / "bondi.md"
    path.write_text(path.read_text().replace("name: Bondi Chiro", "name: \"=HYPERLINK('x')\""))
    result = CliRunner().invoke(cli, ["export", "partners", "--records", str(records), *TODAY])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("bondi,'=HYPERLINK('x'),")
