"""`refsite brief` on tests/fixtures/brief/ byte for byte, its formats and usage errors, and a smoke test on the demo.

Commands run from tests/fixtures so that paths read as a person sees them.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from refsite.brief import brief
from refsite.cli import cli
from refsite.output.brief import brief_markdown, brief_text
from refsite.workspace import load_and_validate

FIXTURES = Path(__file__).parent / "fixtures"
DEMO = Path(__file__).parent.parent / "records"
TODAY = ["--today", "2026-11-22"]


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch):
    monkeypatch.chdir(FIXTURES)


def invoke(*args: str):
    return CliRunner().invoke(cli, ["brief", "--records", "brief", *TODAY, *args], catch_exceptions=False)


HARBOUR = """\
Meeting brief: Harbour Street Family Practice
harbour, as of 2026-11-22 (Test Physiotherapy)

Who they are
------------
  Primary care, active, key tier; owner Maya Chen (maya)
  Location:         Surry Hills
  Since:            2021-03-15
  Patient updates:  milestones: updates when the patient starts care (converted)
                    and at discharge
  Introduced by:    Bondi Chiro (bondi)
  Interests:        rowing, sports medicine
  Tags:             sports, knee
  Agreement:        Referral pads and a shared ACL protocol, agreed 2024-02
  Financial:        We sponsor their staff fun run ($150 a year), unrelated to
                    referrals.

People
------
  Dr. Priya Natarajan, physician; prefers email
      Last logged 2026-10-29 (meeting). Runs the sports clinic on Tuesday
      mornings.
  Leah Ortiz, referral-coordinator; prefers phone
      Last logged 2026-11-06 (thanks).

What we gave (last 12 months, since 2025-11-23)
-----------------------------------------------
  2026-09-10  value              @maya with Dr. Priya Natarajan: sent the ACL
                                 return-to-sport protocol
  2026-06-25  event              @maya with Dr. Priya Natarajan: running-injury
                                 evening
  2026-05-14  lunch        $112  @maya with Dr. Priya Natarajan, Leah Ortiz:
                                 lunch-and-learn on low back pain
  2026-02-12  gift          $38  @maya: doughnuts for the front desk
  4 lines; costs $150 in all
  Gifts and hospitality in 2026 to date: $150 of the $250 yearly cap (60%)

What they sent (last 12 months, since 2025-11-23)
-------------------------------------------------
  3 referrals received (4 in all)
  By status: received 1, converted 1, discharged 1
  By service: knee 2, hip 1
  Value recorded so far: $970
  Their latest: R-4 on 2026-11-18 (knee, received)
  We sent them 1 referral: RO-1 on 2026-08-14 (hip, received)

Thanks and updates owed
-----------------------
  overdue 5d     Patient update owed: referral R-3 converted 10 Nov, 12 days
                 ago; they asked for updates (milestones) and consent is
                 recorded; update within 7 days
                 Next: Call Leah Ortiz on 02 5550 4127 (prefers phone): update
                 them on referral R-3 (converted)
  overdue 1d     Thank-you owed: referral R-4 (knee) received 18 Nov, 4 days
                 ago; thank within 3 days
                 Next: Call Leah Ortiz on 02 5550 4127 (prefers phone): thank
                 them for referral R-4
  in 5 days      Patient update owed: referral R-2 discharged 20 Nov, 2 days
                 ago; they asked for updates (milestones) and consent is
                 recorded; update within 7 days
                 Next: Call Leah Ortiz on 02 5550 4127 (prefers phone): update
                 them on referral R-2 (discharged)

Value ideas not yet given
-------------------------
  - Invite their nurses to the March lunch-and-learn

Last touches
------------
  2026-11-06  thanks      @maya with Leah Ortiz: thank-you card
  2026-10-29  meeting     @maya with Dr. Priya Natarajan, Leah Ortiz: quarterly
                          catch-up
  2026-09-10  value       @maya with Dr. Priya Natarajan: sent the ACL
                          return-to-sport protocol
  2026-07-20  update      @maya: first-session letter
  2026-07-10  thanks      @maya with Leah Ortiz

What to ask for
---------------
  in 14 days     [cadence] Monthly check-in: last contact 6 Nov (thanks), 16
                 days ago; key partners every 30 days
                 Next: Email Dr. Priya Natarajan (prefers email); idea: invite
                 their nurses to the March lunch-and-learn
  in 66 days     [meeting] Quarterly in-person meeting: last meeting 29 Oct
                 (meeting), 24 days ago; key partners every 90 days
                 Next: Email Dr. Priya Natarajan (prefers email) to arrange a
                 meeting in person; idea: invite their nurses to the March
                 lunch-and-learn
  Introductions they could make (the due engine suggests them):
  overdue 31d    Bondi Medical Centre (newco): Prospect playbook: 3 touches
                 given since 1 Oct, last value 15 Oct (value), 38 days ago, and
                 no engagement: ask a partner for an introduction
                 Next: Ask them to introduce you to Renee Castillo at Bondi
                 Medical Centre (also primary-care)
"""


def test_brief_text_byte_for_byte():
    result = invoke("harbour")
    assert result.exit_code == 0, result.output
    assert result.stdout == HARBOUR
    assert result.stderr == ""
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_brief_markdown():
    result = invoke("bondi", "--format", "markdown")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# Meeting brief: Bondi Chiro\n\n`bondi`, as of 2026-11-22 (Test Physiotherapy)\n\n"
                           "## Who they are\n\nChiropractic, active, standard tier; owner Tom Alvarez (tom)\n\n"
                           "- **Location:** Bondi\n")
    assert "- **Introduced us to:** Harbour Street Family Practice (harbour)\n" in text
    assert "- Dr. Nick Savva, owner  \n  Not in the log yet.\n" in text
    assert "## Value ideas not yet given\n\nNone recorded: add some under value\\_ideas:\n" in text
    assert text.endswith(
        "## What to ask for\n\n"
        "- **in 34 days** (2026-12-26, cadence): Two-monthly check-in: last contact 27 Oct (visit), 26 days ago; "
        "standard partners every 60 days  \n"
        "  Next: Contact Amy Whitfield; offer: a one-page protocol for a condition they often see\n\n"
        "Introductions they could make:\n\n"
        "- **overdue 31d** (2026-10-22): Bondi Medical Centre (newco): Prospect playbook: 3 touches given since "
        "1 Oct, last value 15 Oct (value), 38 days ago, and no engagement: ask a partner for an introduction  \n"
        "  Next: Ask them to introduce you to Renee Castillo at Bondi Medical Centre (also in Bondi)\n")


def test_brief_markdown_escapes_record_text(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "brief", records)
    path = records / "bondi.md"
    path.write_text(path.read_text().replace("new brochures", "new *brochures* <b>[x]</b>"))
    result = CliRunner().invoke(cli, ["brief", "--records", str(records), *TODAY, "bondi", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "@tom with Amy Whitfield: new \\*brochures\\* \\<b\\>\\[x\\]\\</b\\>\n" in result.stdout


def test_brief_json():
    result = invoke("harbour", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["partner_id"], data["owner"], data["introduced_by"], data["window_start"]) == (
        "harbour", "maya", {"id": "bondi", "name": "Bondi Chiro"}, "2025-11-23")
    assert data["given"][2] == {"date": "2026-05-14", "kind": "lunch", "author": "maya",
                                "with": ["Dr. Priya Natarajan", "Leah Ortiz"],
                                "text": "lunch-and-learn on low back pain", "cost": "112"}
    assert (data["given_cost"], data["year_cost"], data["gift_cap"], data["revenue"]) == ("150", "150", "250", "970")
    assert data["by_status"] == [{"term": "received", "n": 1}, {"term": "converted", "n": 1},
                                 {"term": "discharged", "n": 1}]
    assert [(i["rule"], i["ref"], i["days_overdue"]) for i in data["owed"]] == [
        ("update", "R-3", 5), ("thanks", "R-4", 1), ("update", "R-2", -5)]
    assert data["introductions"][0]["ask"] == (
        "Ask them to introduce you to Renee Castillo at Bondi Medical Centre (also primary-care)")
    assert data["introductions"][0]["item"]["partner_id"] == "newco"


@pytest.mark.parametrize(
    ("partner", "message"),
    [
        ("harb", "Invalid value for PARTNER: no partner 'harb' in brief (did you mean 'harbour'?)"),
        ("harbor", "Invalid value for PARTNER: no partner 'harbor' in brief (did you mean 'harbour'?)"),
        ("Bondi Medical", "Invalid value for PARTNER: no partner 'Bondi Medical' in brief (did you mean 'newco'?)"),
        ("b", "Invalid value for PARTNER: no partner 'b' in brief (did you mean 'bondi'?)"),
        ("zzz", "Invalid value for PARTNER: no partner 'zzz' in brief (a partner's id is its file name without .md)"),
    ],
)
def test_unknown_partner_is_a_usage_error(partner, message):
    result = invoke(partner)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_several_prefix_matches_are_all_named(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "brief", records)
    shutil.copy(records / "bondi.md", records / "bondi-osteo.md")
    result = CliRunner().invoke(cli, ["brief", "--records", str(records), *TODAY, "bon"])
    assert result.exit_code == 2, result.output
    assert "no partner 'bon' in " in result.output
    assert "(did you mean one of: bondi, bondi-osteo?)" in result.output


def test_a_record_with_errors_still_briefs_and_exits_1(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "brief", records)
    with (records / "harbour.md").open("a") as handle:
        handle.write("- 2026-11-01 vist @tom: misspelt kind\n")
    result = CliRunner().invoke(cli, ["brief", "--records", str(records), *TODAY, "harbour"])
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("Meeting brief: Harbour Street Family Practice\n")
    assert result.stderr == "1 error in the records: this brief may be incomplete (refsite validate lists them)\n"


def test_errors_in_other_records_are_left_to_validate(tmp_path):
    """The brief reads the other records only for what it needs: their errors are refsite validate's."""
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "brief", records)
    expected = CliRunner().invoke(cli, ["brief", "--records", str(records), *TODAY, "harbour"])
    with (records / "bondi.md").open("a") as handle:
        handle.write("- 2026-11-01 vist @tom: misspelt kind\n")
    result = CliRunner().invoke(cli, ["brief", "--records", str(records), *TODAY, "harbour"])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected.stdout
    assert result.stderr == ""


def test_a_referral_id_another_log_has_is_an_error_of_this_brief(tmp_path):
    """The checks across partners still bear on the partner: a referral id already in another log."""
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "brief", records)
    harbour = load_and_validate(records, None, dt.date(2026, 11, 22), as_of=True)[0].get("harbour")
    ref = harbour.referrals[0].id
    with (records / "bondi.md").open("a") as handle:  # bondi comes first: the error is on harbour's line
        handle.write(f"- 2026-11-01 referral-in {ref} @tom service:back\n")
    result = CliRunner().invoke(cli, ["brief", "--records", str(records), *TODAY, "harbour"])
    assert result.exit_code == 1, result.output
    assert result.stderr == "1 error in the records: this brief may be incomplete (refsite validate lists them)\n"


def test_an_unreadable_record_says_so(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "brief", records)
    (records / "bondi.md").write_text("no front matter here\n")
    result = CliRunner().invoke(cli, ["brief", "--records", str(records), *TODAY, "bondi"])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "bondi.md:1: error: " in result.stderr
    assert result.stderr.endswith("refsite: bondi's record cannot be read: fix the errors above first\n")


def test_demo_every_partner_fits_80_columns():
    """Smoke test on the demo practice: every partner's brief, text and Markdown, no line of text over 80."""
    records, settings, problems = load_and_validate(DEMO, None, dt.date(2026, 11, 22), as_of=True)
    assert not [p for p in problems if p.is_error]
    assert len(records.partners) >= 20
    for partner in records.partners:
        b = brief(records, settings, partner.id, dt.date(2026, 11, 22))
        text = brief_text(b)
        assert text.startswith(f"Meeting brief: {partner.name}\n"), partner.id
        too_long = [line for line in text.splitlines() if len(line) > 80 and " " in line.strip()]
        assert too_long == [], partner.id
        assert brief_markdown(b).startswith("# Meeting brief: ")


def test_demo_brief_from_the_command_line(monkeypatch):
    monkeypatch.chdir(DEMO.parent)
    result = CliRunner().invoke(cli, ["brief", "harbour-street-family-practice", *TODAY])
    assert result.exit_code == 0, result.output
    assert "Gifts and hospitality in 2026 to date: $210 of the $250 yearly cap (84%)\n" in result.stdout
    assert "\nThanks and updates owed\n" in result.stdout
