"""The patient-identifier guard: the detector, check_privacy's file:line, the setting, the markers, refsite log."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TODAY

from refsite.authoring import with_privacy_ok
from refsite.cli import cli
from refsite.load import display_path
from refsite.load.logline import parse_line
from refsite.privacy import Allowed, find, medicare_valid, nhs_valid
from refsite.problems import Source
from refsite.settings import settings_from_mapping
from refsite.workspace import load_and_validate

FIXTURE = Path(__file__).parent / "fixtures" / "privacy"
ALLOWED = Allowed.build(
    phones=["02 5550 4127", "02 5550 4128"], emails=["leah@harbour.example"],
    names=["Harbour Street Family Practice", "Leah Ortiz", "Dr. Marcus Webb", "Maya Chen"],
    addresses=["12 Harbour Street, Surry Hills"], websites=["https://www.harbourstreet.example/"],
)
NAME = "looks like a patient's name: write 'the patient' or the referral id instead; if it is a professional, list them under contacts"
DOB = "looks like a date of birth: leave it out and name the referral by its id (R-...)"
PHONE = "a phone number that is not the partner's nor a listed contact's: leave it out; if it is a professional's, list them under contacts"
MEDICARE = "looks like a Medicare number: leave it out and name the referral by its id (R-...)"
NOTE_MARK = "; if it is not about a patient, mark the line with a trailing <!-- not-patient -->"


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Mrs Walsh (DOB 14/03/1958) booked in", ["name", "dob"]),
        ("born 12 March 2019", ["dob"]),
        ("aged 67 (14/03/1959)", ["dob"]),
        ("Medicare 4260 18159 1", ["medicare"]),
        ("6301661322 on the form", ["medicare"]),
        ("IHI 8003 6024 4026 8590", ["ihi"]),
        ("DVA file no. NX123456", ["dva"]),
        ("SSN 123-45-6789", ["ssn"]),
        ("NHS number 491 186 2521", ["nhs"]),
        ("Bupa member number 71234567", ["fund"]),
        ("MRN 00451234", ["mrn"]),
        ("chart #4411", ["mrn"]),
        ("called the patient on 0412 345 678", ["phone"]),
        ("her email is anna.k@gmail.com", ["email"]),
        ("client: Tom Baker", ["name"]),
        ("home visit to 3/27 Victoria Road", ["address"]),
        # never flagged: the partner's and contacts' own details, log dates, ids, prices, patients in general
        ("called Leah on 02 5550 4128, then the desk on 02 5550 4127", []),
        ("sent it to leah@harbour.example and info@harbourstreet.example", []),
        ("Mrs Ortiz and Mr Webb, with Ms Chen", []),
        ("met on 14/03/2026; R-1842 converted, $135 a session, 1,200 patients a week since 2021", []),
        ("their patients are mostly runners; the client booked quickly", []),
        ("their rooms are at 12 Harbour Street", []),
        ("call 1300 123 456 for the booking line", []),
        ("", []),
    ],
)
def test_find(text, kinds):
    assert [f.kind for f in find(text, ALLOWED)] == kinds


def test_a_finding_has_its_span():
    [finding] = find("called the patient on 0412 345 678", ALLOWED)
    assert (finding.start, finding.end) == (22, 34)


def test_messages_never_repeat_the_identifier():
    lines = (Path(__file__).parent / "privacy" / "sample.tsv").read_text(encoding="utf-8").splitlines()
    for label, text in (line.split("\t", 1) for line in lines if not line.startswith("#")):
        for finding in find(text, ALLOWED):
            shown = text[finding.start:finding.end]
            assert shown not in finding.message, (label, text)
            assert not re.search(r"\d{3}", finding.message)


def test_check_digits():
    assert medicare_valid("4260181591") and not medicare_valid("4260181501") and not medicare_valid("0412345678")
    assert nhs_valid("9434765919") and not nhs_valid("9434765918")


def test_check_privacy_names_every_line():
    _records, _settings, problems = load_and_validate(FIXTURE, None, TODAY)
    shown = display_path(FIXTURE)
    assert [str(p) for p in problems] == [
        f"{shown}/harbour.md:11: warning: {NAME}{NOTE_MARK}",
        f"{shown}/harbour.md:17: warning: {NAME}{NOTE_MARK}",
        f"{shown}/harbour.md:22: warning: {DOB}{NOTE_MARK}",
        f"{shown}/harbour.md:22: warning: {NAME}{NOTE_MARK}",
        f"{shown}/harbour.md:29: warning: {PHONE}; if it is not about a patient, mark the line with privacy:ok",
        f"{shown}/harbour.md:34: warning: {MEDICARE}{NOTE_MARK}",
    ]


@pytest.mark.parametrize(("level", "severities"), [("warn", {"warning"}), ("error", {"error"}), ("off", set())])
def test_the_privacy_setting(tmp_path, level, severities):
    shutil.copy(FIXTURE / "harbour.md", tmp_path)
    (tmp_path / "settings.yml").write_text(f"privacy: {level}\n")
    _records, _settings, problems = load_and_validate(tmp_path, None, TODAY)
    assert {p.severity.value for p in problems} == severities


def test_an_unknown_privacy_level_is_an_error():
    _settings, problems = settings_from_mapping({"privacy": "eror"}, "s.yml", {"privacy": 3})
    assert [str(p) for p in problems] == ["s.yml:3: error: unknown privacy setting 'eror' (did you mean 'error'?)"]


def test_privacy_region_is_a_country_code():
    _settings, problems = settings_from_mapping({"privacy_region": "Australia"}, "s.yml", {"privacy_region": 2})
    assert [str(p) for p in problems] == [
        "s.yml:2: error: privacy_region: 'Australia' is not a two-letter country code (AU, NZ, GB, US...)"
    ]


def test_another_region_reads_its_own_numbers():
    assert [f.kind for f in find("rang 09 555 1234", Allowed.build(region="nz"))] == ["phone"]
    assert [f.kind for f in find("rang 09 555 1234", Allowed.build(region="AU"))] == []


def test_privacy_attribute_takes_only_ok():
    _event, problems = parse_line("- 2026-09-05 note privacy:yes: hi", Source("h.md", 4))
    assert [str(p) for p in problems] == [
        "h.md:4: error: privacy:yes must be privacy:ok (the line was reviewed: not about a patient)"
    ]


@pytest.mark.parametrize(
    ("body", "marked"),
    [
        ("2026-11-22 note @maya: rang 0412 345 678", "2026-11-22 note @maya privacy:ok: rang 0412 345 678"),
        ("2026-11-22 call @maya", "2026-11-22 call @maya privacy:ok"),
        ("2026-11-22 call privacy:ok: x", "2026-11-22 call privacy:ok: x"),
    ],
)
def test_with_privacy_ok(body, marked):
    assert with_privacy_ok(body) == marked


def test_log_refuses_a_patient_identifier_unless_not_patient(tmp_path):
    shutil.copy(FIXTURE / "settings.yml", tmp_path)
    partner = tmp_path / "harbour.md"
    partner.write_text("---\nname: Harbour Street\ncategory: primary-care\nstage: active\n---\n\n## Log\n\n"
                       "- 2026-09-03 call @maya\n")
    before = partner.read_bytes()
    args = ["log", "--records", str(tmp_path), "--today", "2026-11-22", "harbour", "note", "@maya:", "called",
            "the", "patient", "on", "0412", "345", "678"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert f"{tmp_path}/harbour.md:10: error: {PHONE}; nothing written: if it is not about a patient, run again " \
           "with --not-patient (writes privacy:ok)" in result.output
    assert "0412" not in result.output
    assert partner.read_bytes() == before

    result = CliRunner().invoke(cli, [*args[:5], "--not-patient", *args[5:]])
    assert result.exit_code == 0, result.output
    assert partner.read_bytes() == before + b"- 2026-11-22 note @maya privacy:ok: called the patient on 0412 345 678\n"
    _records, _settings, problems = load_and_validate(tmp_path, None, TODAY)
    assert problems == []


def test_the_demo_has_no_privacy_warning():
    records = Path(__file__).parent.parent / "records"
    _records, _settings, problems = load_and_validate(records, None, TODAY)
    assert [p for p in problems if "if it is not about a patient" in p.message] == []
