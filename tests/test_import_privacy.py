"""refsite import puts every line and every new record's notes to the privacy guard before writing.

A referral id that looks like a patient identifier (an export's "case id" column holding the
patient's Medicare number) and partner notes that name a patient are listed, not written, unless
``not_patient`` (the importing functions' parameter behind ``--not-patient``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from refsite.importing.columns import map_columns
from refsite.importing.csvfile import read_table
from refsite.importing.partners import PARTNER_FIELDS, Listed, plan_partners
from refsite.importing.referrals import fields_for, plan_referrals
from refsite.importing.writer import write_partners, write_referrals
from refsite.load import load
from refsite.workspace import load_and_validate
from tests.test_import import FIXTURES, TODAY, run, snapshot

DAY = dt.date(2026, 11, 20)
MEDICARE = "2123456701"  # ten digits with a valid Medicare check digit (not a real card)
REFUSED_ID = ("the referral id looks like a Medicare number: refsite needs the system's referral, case or episode id, "
              "never the patient's; nothing written: if it is not about a patient, run again with --not-patient "
              "(writes privacy:ok)")


@pytest.fixture
def practice(tmp_path):
    assert run("init", ".", "--member", "alex:Alex Example", cwd=tmp_path).exit_code == 0
    result = run("import", "partners", str(FIXTURES / "referrers.csv"), *TODAY, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    return tmp_path


def _referrals(practice: Path, csv: str, not_patient: bool):
    records, settings, _ = load(practice / "records")
    table = read_table(csv.encode("utf-8"))
    columns = map_columns(table.headers, fields_for("generic"))
    return plan_referrals(table, columns, records, settings, DAY, {}, dayfirst=True, not_patient=not_patient), settings


EXPORT = ("Referral Date,Referral ID,Referred By,Status,Appointment Type\n"
          "2026-11-02,R-2001,Dr A Hassan,Booked,Knee\n"
          f"2026-11-03,{MEDICARE},Dr A Hassan,Booked,Knee\n")


def test_a_referral_id_that_looks_like_a_medicare_number_is_listed_not_planned(practice):
    plan, _settings = _referrals(practice, EXPORT, not_patient=False)
    assert [line.body for line in plan.lines] == ["2026-11-02 referral-in R-2001 status:booked service:knee"]
    assert plan.listed == (Listed((3,), REFUSED_ID),)


def test_with_not_patient_the_line_is_written_with_privacy_ok_and_validates_clean(practice):
    plan, settings = _referrals(practice, EXPORT, not_patient=True)
    assert plan.listed == ()
    assert [line.body for line in plan.lines] == [
        "2026-11-02 referral-in R-2001 status:booked service:knee",
        f"2026-11-03 referral-in {MEDICARE} status:booked service:knee privacy:ok",
    ]
    written, problems = write_referrals(plan, practice / "records", "records", settings, DAY)
    assert problems == []
    assert [line for _path, line in written][1] == f"- 2026-11-03 referral-in {MEDICARE} status:booked service:knee privacy:ok"
    _records, _settings, found = load_and_validate(practice / "records", None, DAY)
    assert found == []


def test_the_command_lists_the_row_exits_1_and_writes_only_the_clean_line(practice, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    result = run("import", "referrals", str(export), *TODAY, cwd=practice)
    assert result.exit_code == 1, result.output
    assert f"row 3: {REFUSED_ID}" in result.output.splitlines()
    assert MEDICARE not in (practice / "records" / "harbour-st-medical.md").read_text()
    assert "R-2001" in (practice / "records" / "harbour-st-medical.md").read_text()


def test_ordinary_referral_ids_pass_the_guard(practice):
    ids = ["R-1042", "C-88213", "123456", "EP/2026/0042", "20261122-001", "A1B2C3"]
    csv = "Referral Date,Referral ID,Referred By,Appointment Type\n" + "".join(
        f"2026-11-0{i + 1},{ref},Dr A Hassan,Knee\n" for i, ref in enumerate(ids))
    plan, _settings = _referrals(practice, csv, not_patient=False)
    assert (len(plan.lines), plan.listed) == (len(ids), ())


def _partners(tmp_path: Path, csv: str, not_patient: bool):
    records, settings, _ = load(tmp_path / "records")
    table = read_table(csv.encode("utf-8"))
    columns = map_columns(table.headers, PARTNER_FIELDS)
    return plan_partners(table, columns, records, settings, DAY, "referrers.csv", not_patient=not_patient), settings


PARTNERS = ("Name,Practice,Type,Phone,Notes\n"
            "Dr Ada Byron,Byron Bay Physio,physio,02 6600 0001,Sends runners; ask for Ada on 02 6600 0001\n"
            "Dr Sam Roe,Roe Family Practice,GP,02 9000 0002,Mrs Walsh (DOB 14/03/1958) was their last referral\n")


@pytest.fixture
def empty_practice(tmp_path):
    assert run("init", ".", "--member", "alex:Alex Example", cwd=tmp_path).exit_code == 0
    return tmp_path


def test_a_new_partner_whose_notes_name_a_patient_is_listed_not_created(empty_practice):
    plan, _settings = _partners(empty_practice, PARTNERS, not_patient=False)
    assert [r.id for r in plan.creates] == ["byron-bay-physio"]
    assert plan.listed == (Listed((3,), "'Roe Family Practice' not created: a line of its notes looks like a patient's "
                                  "name: write 'the patient' or the referral id instead; if it is a professional, list "
                                  "them under contacts; looks like a date of birth: leave it out and name the referral "
                                  "by its id (R-...); if it is not about a patient, run again with --not-patient "
                                  "(writes <!-- not-patient --> after the line)"),)


def test_with_not_patient_the_notes_line_carries_the_marker_and_validates_clean(empty_practice):
    plan, settings = _partners(empty_practice, PARTNERS, not_patient=True)
    assert [r.id for r in plan.creates] == ["byron-bay-physio", "roe-family-practice"]
    assert plan.listed == ()
    text = next(r.text for r in plan.creates if r.id == "roe-family-practice")
    assert "Mrs Walsh (DOB 14/03/1958) was their last referral <!-- not-patient -->\n" in text
    written, problems = write_partners(plan, empty_practice / "records", "records", settings, DAY)
    assert (len(written), problems) == (2, [])
    _records, _settings, found = load_and_validate(empty_practice / "records", None, DAY)
    assert found == []


def test_the_partners_command_lists_the_record_and_writes_nothing_of_it(empty_practice, tmp_path):
    sheet = tmp_path / "referrers.csv"
    sheet.write_text(PARTNERS, encoding="utf-8")
    before = snapshot(empty_practice / "records")
    result = run("import", "partners", str(sheet), *TODAY, cwd=empty_practice)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[1].startswith("row 3: 'Roe Family Practice' not created: a line of its notes")
    assert not (empty_practice / "records" / "roe-family-practice.md").exists()
    assert set(snapshot(empty_practice / "records")) - set(before) == {"byron-bay-physio.md"}


def test_refsite_log_refuses_the_same_referral_id_and_writes_it_with_not_patient(practice):
    from refsite.authoring import append_event

    records, settings, _ = load(practice / "records")
    path = practice / "records" / "harbour-st-medical.md"
    before = path.read_bytes()
    body = f"2026-11-03 referral-in {MEDICARE} service:knee"
    line, problems = append_event(path, "records/harbour-st-medical.md", body, settings, DAY)
    assert line is None
    assert [(p.message, p.check) for p in problems] == [(REFUSED_ID, "privacy")]
    assert path.read_bytes() == before
    line, problems = append_event(path, "records/harbour-st-medical.md", body, settings, DAY, not_patient=True)
    assert (line, problems) == (f"- {body} privacy:ok", [])


def test_the_cli_option_not_patient_reaches_the_planners(tmp_path):
    """`refsite import partners|referrals --not-patient` is documented in --help (the planners take it)."""
    from click.testing import CliRunner

    from refsite.cli import cli

    for which in ("partners", "referrals"):
        result = CliRunner().invoke(cli, ["import", which, "--help"])
        assert result.exit_code == 0, result.output
        assert "--not-patient" in result.output
