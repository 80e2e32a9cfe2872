"""`refsite due` and `refsite check` on a small fixture practice, byte for byte.

tests/fixtures/due-ci/ has two team members and three partners: Harbour Street
(maya; a cadence 50 days overdue, a thanks 4 days overdue), Smith, Jones & Co
(tom; a cadence 10 days overdue, the gift cap at 84%, a single contact) and
Bondi Chiro (tom; a misspelt log kind, an unknown contact). Commands run from
tests/fixtures so that paths read as a person sees them: due-ci/harbour.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import run_cli

from refsite.output.check import escape_data, escape_property

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
TODAY = ["--today", "2026-11-22"]


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture()
def clean(tmp_path):
    """The fixture without Bondi Chiro (whose records have an error), in tmp_path/records."""
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "due-ci", records)
    (records / "bondi.md").unlink()
    return records


invoke = run_cli


HARBOUR = """\
Maya Chen (maya): 2 items (2 overdue)
  overdue 50d    Harbour Street Family Practice [cadence]
                 Monthly check-in: last contact 3 Sep (visit), 80 days ago; key
                 partners every 30 days
                 Next: Call Leah Ortiz (prefers phone); offer: the 100%
                 return-to-sport protocol
  overdue 4d     Harbour Street Family Practice [thanks]
                 Thank-you owed: referral R-1 (knee) received 15 Nov, 7 days
                 ago; thank within 3 days
                 Next: Contact Dr. Priya Natarajan: thank them for referral R-1
"""

SMITH = """\
Tom Alvarez (tom): 3 items (1 overdue, 2 due today)
  overdue 10d    Smith, Jones & Co: Lawyers [cadence]
                 Two-monthly check-in: last contact 13 Sep (gift), 70 days ago;
                 standard partners every 60 days
                 Next: Email Ann Smith (prefers email); offer: a lunch-and-learn
                 for their team
  due today      Smith, Jones & Co: Lawyers [gift-cap]
                 Gift cap: $210 of the $250 yearly cap spent on Smith, Jones &
                 Co: Lawyers in 2026 (84%)
                 Next: Keep gifts and hospitality for Smith, Jones & Co: Lawyers
                 under $40 for the rest of 2026
  due today      Smith, Jones & Co: Lawyers [single-contact]
                 Single contact: Ann Smith (lawyer) is the only person we know
                 at Smith, Jones & Co: Lawyers
                 Next: Next time you are in touch, ask Ann Smith to introduce a
                 colleague and add them under contacts: (or set solo: true if
                 they work alone)
"""


def test_due_lists_each_owners_items_by_urgency():
    result = invoke("due", "--records", "due-ci", *TODAY)
    assert result.exit_code == 1, result.output  # the records have an error
    assert result.stdout == (
        "As of 2026-11-22, 5 items are overdue or due within 7 days:\n3 overdue, 2 due today.\n\n" + HARBOUR + "\n" + SMITH
    )
    assert result.stderr == "1 error in the records: this list may be incomplete (refsite validate lists them)\n"
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_due_exits_0_on_clean_records(clean):
    result = invoke("due", "--records", str(clean), *TODAY)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_due_filters_by_owner_rule_and_window(clean):
    result = invoke("due", "--records", str(clean), *TODAY, "--owner", "maya")
    assert result.exit_code == 0, result.output
    assert result.stdout == "As of 2026-11-22, 2 items are overdue or due within 7 days:\n2 overdue.\n\n" + HARBOUR
    result = invoke("due", "--records", str(clean), *TODAY, "--rule", "thanks", "--rule", "gift-cap", "--format", "csv")
    assert [(r["partner_id"], r["rule"]) for r in csv.DictReader(io.StringIO(result.stdout))] == [
        ("harbour", "thanks"), ("smith-jones", "gift-cap")]
    result = invoke("due", "--records", str(clean), *TODAY, "--within", "0", "--owner", "tom", "--format", "csv")
    assert [r["rule"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["cadence", "gift-cap", "single-contact"]
    result = invoke("due", "--records", str(clean), *TODAY, "--within", "3", "--rule", "introduction")
    assert result.stdout == "As of 2026-11-22: nothing overdue or due within 3 days.\n"
    result = invoke("due", "--records", str(clean), *TODAY, "--within", "40", "--owner", "maya", "--format", "csv")
    assert [(r["rule"], r["status"], r["days_overdue"]) for r in csv.DictReader(io.StringIO(result.stdout))] == [
        ("cadence", "overdue", "50"), ("thanks", "overdue", "4"), ("meeting", "later", "-10")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--owner", "maia"], "Invalid value for --owner: 'maia' is not on the team (did you mean 'maya'?)"),
        (["--owner", "zed"], "Invalid value for --owner: 'zed' is not on the team (team: maya, tom)"),
        (["--rule", "thank"], "Invalid value for '--rule': no rule 'thank' (did you mean 'thanks'?)"),
        (["--within", "-1"], "Invalid value for '--within': -1 is not in the range 0<=x<=3650."),
        (["--format", "xml"], "Invalid value for '--format': 'xml' is not one of 'table', 'json', 'csv'."),
    ],
)
def test_due_usage_errors_exit_2(clean, args, message):
    result = invoke("due", "--records", str(clean), *TODAY, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_due_json(clean):
    result = invoke("due", "--records", str(clean), *TODAY, "--format", "json", "--rule", "thanks")
    assert result.exit_code == 0, result.output
    # The due-items export's shape (refsite export due --format json gives the same objects).
    assert json.loads(result.stdout) == [{
        "partner_id": "harbour", "partner_name": "Harbour Street Family Practice", "owner": "maya",
        "owner_name": "Maya Chen", "rule": "thanks", "status": "overdue", "due_date": "2026-11-18",
        "days_overdue": 4, "ref": "R-1", "introducers": [],
        "reason": "Thank-you owed: referral R-1 (knee) received 15 Nov, 7 days ago; thank within 3 days",
        "action": "Contact Dr. Priya Natarajan: thank them for referral R-1",
        "contact": "Dr. Priya Natarajan", "channel": None, "ref_status": "received", "value_idea": None,
        "suggest_stage": None,
    }]


def test_due_csv_header(clean):
    result = invoke("due", "--records", str(clean), *TODAY, "--format", "csv", "--owner", "tom", "--rule", "cadence")
    assert result.stdout == (
        "owner,owner_name,partner_id,partner_name,rule,status,due_date,days_overdue,reason,action,ref,introducers,"
        "contact,channel,ref_status,value_idea,suggest_stage\n"
        'tom,Tom Alvarez,smith-jones,"Smith, Jones & Co: Lawyers",cadence,overdue,2026-11-12,10,"Two-monthly check-in: '
        'last contact 13 Sep (gift), 70 days ago; standard partners every 60 days",Email Ann Smith (prefers email)'
        "; offer: a lunch-and-learn for their team,,,Ann Smith,email,,Offer a lunch-and-learn for their team,\n"
    )


# --------------------------------------------------------------------------- refsite check


CHECK_TEXT = """\
due-ci/bondi.md:15: error: unknown log kind 'coffe' (did you mean 'coffee'?)

Maya Chen (maya): 1 item overdue more than 14 days in 1 record
  Harbour Street Family Practice
    due-ci/harbour.md:19: cadence, 50 days overdue

refsite check failed as of 2026-11-22: 1 error in the records and 1 item overdue
more than 14 days in 1 record; 1 warning (refsite validate lists them), 2 items
overdue within the grace.
"""

ANNOTATIONS = """\
::error file=due-ci/bondi.md,line=15::unknown log kind 'coffe' (did you mean 'coffee'?)
::error file=due-ci/harbour.md,line=19,title=Harbour Street Family Practice%3A cadence overdue 50 days (Maya Chen)::\
Monthly check-in: last contact 3 Sep (visit), 80 days ago; key partners every 30 days. \
Next: Call Leah Ortiz (prefers phone); offer: the 100%25 return-to-sport protocol
::warning file=due-ci/smith-jones.md,line=16,title=Smith%2C Jones & Co%3A Lawyers%3A cadence overdue 10 days (Tom Alvarez)::\
Two-monthly check-in: last contact 13 Sep (gift), 70 days ago; standard partners every 60 days. \
Next: Email Ann Smith (prefers email); offer: a lunch-and-learn for their team
::warning file=due-ci/harbour.md,line=20,title=Harbour Street Family Practice%3A thanks overdue 4 days (Maya Chen)::\
Thank-you owed: referral R-1 (knee) received 15 Nov, 7 days ago; thank within 3 days. \
Next: Contact Dr. Priya Natarajan: thank them for referral R-1
::warning file=due-ci/bondi.md,line=16::'Kim Ray' is not among bondi's contacts (Sam Lee, Jo Park): add them under contacts:
"""

STEP_SUMMARY = """\
## refsite check failed

As of 2026-11-22, grace 14 days: 1 error and 1 warning in the records, 1 item overdue beyond the grace, 2 within it.

| Owner | Overdue beyond grace | Overdue within grace | Due today | Due soon |
| --- | ---: | ---: | ---: | ---: |
| Maya Chen (maya) | 1 | 1 | 0 | 0 |
| Tom Alvarez (tom) | 0 | 1 | 2 | 0 |

### Errors in the records

- `due-ci/bondi.md:15`: unknown log kind 'coffe' (did you mean 'coffee'?)

### Overdue more than 14 days

| Days overdue | Partner | Owner | Rule | Why | Next | Record |
| ---: | --- | --- | --- | --- | --- | --- |
| 50 | Harbour Street Family Practice | Maya Chen | cadence | Monthly check-in: last contact 3 Sep (visit), 80 days \
ago; key partners every 30 days | Call Leah Ortiz (prefers phone); offer: the 100% return-to-sport protocol | \
`due-ci/harbour.md:19` |
"""


def test_check_fails_with_a_summary_per_owner():
    result = invoke("check", "--records", "due-ci", *TODAY)
    assert result.exit_code == 1, result.output
    assert result.stdout == CHECK_TEXT
    assert "::" not in result.stdout  # no annotations outside GitHub Actions


def test_check_under_github_actions_annotates_and_writes_the_step_summary(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("## An earlier step\n\n", encoding="utf-8")
    result = invoke("check", "--records", "due-ci", *TODAY,
                    env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1, result.output
    assert result.stdout == CHECK_TEXT + ANNOTATIONS
    assert summary.read_bytes() == ("## An earlier step\n\n" + STEP_SUMMARY).encode()


def test_check_without_a_step_summary_file_still_annotates(tmp_path):
    result = invoke("check", "--records", "due-ci", *TODAY,
                    env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "missing" / "summary.md")})
    assert result.exit_code == 1, result.output
    assert result.stdout == CHECK_TEXT + ANNOTATIONS
    assert result.stderr.startswith(f"refsite: cannot write the step summary to {tmp_path}/missing/summary.md: ")


@pytest.mark.parametrize(
    ("args", "code", "verdict"),
    [
        # the cadence is 50 days overdue: within a grace of 50, beyond one of 49
        (["--grace", "50"], 0, "refsite check passed as of 2026-11-22: no errors, nothing overdue more than 50\n"
                               "days; 3 items overdue within the grace.\n"),
        (["--grace", "49"], 1, "refsite check failed as of 2026-11-22: 1 item overdue more than 49 days in 1\n"
                               "record; 2 items overdue within the grace.\n"),
        ([], 1, "refsite check failed as of 2026-11-22: 1 item overdue more than 14 days in 1\n"
                "record; 2 items overdue within the grace.\n"),
        (["--grace", "0"], 1, "refsite check failed as of 2026-11-22: 3 items overdue at all in 2 records.\n"),
        (["--grace", "100"], 0, "refsite check passed as of 2026-11-22: no errors, nothing overdue more than 100\n"
                                "days; 3 items overdue within the grace.\n"),
    ],
)
def test_check_grace(clean, args, code, verdict):
    result = invoke("check", "--records", str(clean), *TODAY, *args)
    assert result.exit_code == code, result.output
    assert result.stdout.rsplit("\n\n", 1)[-1] == verdict


def test_check_lists_every_item_beyond_the_grace_per_owner_and_record(clean, monkeypatch):
    # with a grace of 3 days, Harbour Street has two items beyond it (the thanks as well as the cadence)
    monkeypatch.chdir(clean.parent)
    result = invoke("check", "--records", "records", *TODAY, "--grace", "3")
    assert result.exit_code == 1, result.output
    assert result.stdout == """\
Maya Chen (maya): 2 items overdue more than 3 days in 1 record
  Harbour Street Family Practice
    records/harbour.md:19: cadence, 50 days overdue
    records/harbour.md:20: thanks R-1, 4 days overdue

Tom Alvarez (tom): 1 item overdue more than 3 days in 1 record
  Smith, Jones & Co: Lawyers
    records/smith-jones.md:16: cadence, 10 days overdue

refsite check failed as of 2026-11-22: 3 items overdue more than 3 days in 2
records.
"""


DEMO = ROOT / "records"


@pytest.mark.skipif(not (DEMO / "settings.yml").is_file(), reason="no demo records")
@pytest.mark.parametrize("command", ["due", "check"])
def test_demo_output_fits_80_columns(command, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    result = invoke(command, "--records", "records", *TODAY, env=env)
    assert result.exit_code in (0, 1), result.output
    text = [line for line in result.stdout.splitlines() if not line.startswith("::")]  # annotations are exempt
    assert text[0].startswith("As of 2026-11-22" if command == "due" else "")
    assert [line for line in text if len(line) > 80] == []
    if command == "check":
        # every item beyond the grace has its own line: as many as the verdict counts
        failing = re.search(r"check failed as of 2026-11-22: (?:\d+ errors? in the records and )?(\d+) items? overdue", " ".join(text))
        assert sum(line.startswith("    ") and line.endswith(" overdue") for line in text) == (
            int(failing.group(1)) if failing else 0)


def test_check_on_clean_records_within_grace_under_github_actions(clean, tmp_path):
    summary = tmp_path / "summary.md"
    result = invoke("check", "--records", str(clean), *TODAY, "--grace", "60",
                    env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 0, result.output
    assert [line.split("::")[1].split(" ")[0] for line in result.stdout.splitlines() if line.startswith("::")] == [
        "warning", "warning", "warning"]
    assert summary.read_text().startswith("## refsite check passed\n\nAs of 2026-11-22, grace 60 days: 0 errors and "
                                          "0 warnings in the records, 0 items overdue beyond the grace, 3 within it.\n")


def test_escaping_follows_the_actions_toolkit():
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("records/a,b.md: 100%\n") == "records/a%2Cb.md%3A 100%25%0A"
