"""refsite import partners|referrals (issue 12): spreadsheets and practice-management exports in, patients out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from refsite import vocab
from refsite.cli import cli
from refsite.importing.columns import map_columns
from refsite.importing.csvfile import read_table
from refsite.importing.matching import Matcher
from refsite.importing.referrals import parse_date, parse_money
from refsite.load import load
from refsite.settings import settings_from_mapping

FIXTURES = Path(__file__).parent / "fixtures" / "import"
TODAY = ["--today", "2026-11-20"]


def run(*args: str, cwd: Path):
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
            and p.name != ".refsite.lock"}


@pytest.fixture
def practice(tmp_path):
    """A practice made by `refsite init`, with the 15-row referrer spreadsheet imported."""
    assert run("init", ".", "--member", "alex:Alex Example", cwd=tmp_path).exit_code == 0
    result = run("import", "partners", str(FIXTURES / "referrers.csv"), *TODAY, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    return tmp_path


# --------------------------------------------------------------------------- reading what spreadsheets write


def test_a_table_as_excel_writes_it_bom_crlf_quoted_line_break_blank_edges():
    table = read_table((FIXTURES / "referrers.csv").read_bytes())
    assert table.encoding == "utf-8-sig"
    assert table.headers == ("Name", "Practice", "Type", "Phone", "Email", "Suburb", "Owner", "Notes")
    assert len(table.rows) == 15
    assert [r.number for r in table.rows][:3] == [2, 3, 4]
    assert table.rows[0].cells[7] == "Sends most of the knee work.\nPrefers email; never call before 10."
    assert table.rows[2].cells[3] == "0412 345 678"


def test_windows_1252_and_semicolons_are_detected_and_encoding_can_be_given():
    data = (FIXTURES / "referrers-cp1252.csv").read_bytes()
    table = read_table(data)
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.rows[0].cells[:2] == ("Dr. Renée Dubois", "Café Physio Clinic")
    assert read_table("a,b\r\n1,2\r\n".encode("utf-16")).rows[0].cells == ("1", "2")
    assert read_table(data, "latin-1").rows[1].cells[0] == "José Núñez"


def test_columns_by_their_usual_headers_and_overrides_and_nothing_guessed():
    columns = map_columns(("Full Name", "Clinic", "Speciality", "Mobile", "E-mail", "DOB"),
                          {"name": ("full name",), "organisation": ("clinic",), "category": ("speciality",),
                           "phone": ("mobile",), "email": ("e mail",)})
    assert dict(columns.fields) == {"name": 0, "organisation": 1, "category": 2, "phone": 3, "email": 4}
    assert columns.unread == ("DOB",)
    mapped = map_columns(("Who", "DOB"), {"name": ()}, {"who": "name"})
    assert (dict(mapped.fields), mapped.unread) == ({"name": 0}, ("DOB",))


@pytest.mark.parametrize(("cell", "number"), [
    ("$1,240.00", Decimal("1240.00")), ("1.240,00 EUR", Decimal("1240.00")), ("AUD 95", Decimal("95")),
    ("95,5", Decimal("95.5")), ("1,240", Decimal("1240")), ("n/a", None),
])
def test_money_as_exports_write_it(cell, number):
    assert parse_money(cell) == number


def test_dates_in_the_export_formats():
    assert parse_date("03/04/2026", dayfirst=True) == dt.date(2026, 4, 3)
    assert parse_date("03/04/2026", dayfirst=False) == dt.date(2026, 3, 4)
    assert parse_date("2026-04-03 09:30", dayfirst=True) == dt.date(2026, 4, 3)
    assert parse_date("2 Mar 2025", dayfirst=False) == dt.date(2025, 3, 2)
    assert parse_date("Mar 2, 2025", dayfirst=True) == dt.date(2025, 3, 2)
    assert parse_date("31/02/2026", dayfirst=True) is None


# --------------------------------------------------------------------------- vocabulary


def test_usual_spellings_suggest_their_term():
    assert vocab.unknown("category", "GP", vocab.CATEGORIES) == "unknown category 'GP' (did you mean 'primary-care'?)"
    assert vocab.unknown("role", "Receptionist", vocab.ROLES) == "unknown role 'Receptionist' (did you mean 'front-desk'?)"
    assert vocab.synonym("category", "Physios") == "allied-health"
    for what, table in vocab.SYNONYMS.items():
        terms = vocab.CATEGORIES if what == "category" else vocab.ROLES
        assert all(term in terms for term in table.values())
        assert all(key == vocab.normalise_word(key) for key in table)


def test_the_settings_extend_the_synonyms_statuses_and_appointment_types():
    settings, problems = settings_from_mapping({
        "synonyms": {"category": {"Sports Doc": "specialist", "Bad": "nope"}},
        "import_statuses": {"Initial Consult Done": "converted"},
        "import_services": {"ACL Rehab": "knee"},
    }, "settings.yml")
    assert settings.synonyms["category"] == {"sports doc": "specialist"}
    assert settings.import_statuses == {"initial consult done": "converted"}
    assert settings.import_services == {"acl rehab": "knee"}
    assert [str(p) for p in problems] == [
        "settings.yml:1: error: synonyms: category: 'Bad': unknown category 'nope' (one of: " + ", ".join(vocab.CATEGORIES) + ")"]


# --------------------------------------------------------------------------- partners


def test_the_spreadsheet_becomes_the_right_partners_which_validate_and_a_second_import_changes_no_byte(practice):
    records, _settings, problems = load(practice / "records")
    assert problems == []
    assert len(records.partners) == 14
    harbour = records.get("harbour-st-medical")
    assert [c.name for c in harbour.contacts] == ["Dr. Aisha Hassan", "Dr. James Whitfield"]
    assert [c.role for c in harbour.contacts] == ["physician", "physician"]
    assert harbour.contacts[0].phone == "02 9001 0001"
    assert harbour.notes == "Sends most of the knee work.\nPrefers email; never call before 10."
    assert [(e.kind, e.text) for e in harbour.events] == [("note", "imported from referrers.csv (rows 2, 3)")]
    assert {p.id: p.category for p in records.partners if p.id in ("bondi-chiro", "coastal-strength", "inner-west-osteo",
                                                                     "patel-and-co-lawyers", "st-marys-school")} == {
        "bondi-chiro": "chiropractic", "coastal-strength": "fitness", "inner-west-osteo": "chiropractic",
        "patel-and-co-lawyers": "legal", "st-marys-school": "school"}
    assert records.get("coastal-strength").phone == "02 9002 0003" and not records.get("coastal-strength").contacts
    tanaka = records.get("mei-tanaka")
    assert (tanaka.name, tanaka.solo, tanaka.category, tanaka.owner) == ("Dr. Mei Tanaka", True, "specialist", "alex")
    assert run("validate", *TODAY, cwd=practice).output == "14 partners, no problems.\n"

    before = snapshot(practice)
    again = run("import", "partners", str(FIXTURES / "referrers.csv"), *TODAY, cwd=practice)
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0] == "rows 2, 3: already in the records as harbour-st-medical (same name); skipped"
    assert again.output.splitlines()[-1] == "0 partners created, 15 rows already in the records, 0 listed"
    assert snapshot(practice) == before


def test_the_first_import_says_what_it_created(tmp_path):
    run("init", ".", "--member", "alex:Alex Example", cwd=tmp_path)
    result = run("import", "partners", str(FIXTURES / "referrers.csv"), *TODAY, "--dry-run", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "would create records/harbour-st-medical.md: Harbour St Medical (rows 2, 3)"
    assert lines[-1] == "14 partners to create, 0 rows already in the records, 0 listed (dry run: nothing written)"
    assert not (tmp_path / "records" / "harbour-st-medical.md").exists()


def test_an_existing_partner_is_recognised_by_a_contacts_email_or_phone(practice, tmp_path):
    sheet = tmp_path / "more.csv"
    sheet.write_text("Name,Clinic,Type,Email,Mobile\nDr Aisha Hassan,Harbour Medical Group,GP,AISHA.HASSAN@harbourmed.example,\n"
                     "Nick R,Romano Chiropractic,chiro,,+61 412 345 678\n", encoding="utf-8")
    result = run("import", "partners", str(sheet), *TODAY, cwd=practice)
    assert result.output.splitlines()[:2] == [
        "row 2: already in the records as harbour-st-medical (same email aisha.hassan@harbourmed.example); skipped",
        "row 3: already in the records as bondi-chiro (same phone 0412 345 678); skipped",
    ]
    assert result.exit_code == 0, result.output


def test_rows_that_cannot_be_read_are_listed_and_their_partner_not_created(practice, tmp_path):
    sheet = tmp_path / "odd.csv"
    sheet.write_text("Name,Practice,Type,Owner\nJo Bloggs,Bloggs Fitness,Gymnasium thing,\n"
                     "Al Grey,Grey Law,lawyer,Priya\n", encoding="utf-8")
    result = run("import", "partners", str(sheet), *TODAY, cwd=practice)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[:4] == [
        "row 2: unknown category 'Gymnasium thing' (one of: " + ", ".join(vocab.CATEGORIES) + "): map it in the settings' "
        "synonyms (category: {gymnasium thing: TERM})",
        "row 2: 'Bloggs Fitness' not created: fix the rows above (or --map, or the settings' synonyms)",
        "row 3: owner 'Priya' is not on the team (team: alex)",
        "row 3: 'Grey Law' not created: fix the rows above (or --map, or the settings' synonyms)",
    ]


def test_nothing_is_written_unless_every_new_record_validates(tmp_path):
    run("init", ".", "--member", "alex:Alex Example", cwd=tmp_path)
    sheet = tmp_path / "notes.csv"
    sheet.write_text('Practice,Type,Notes\nGood Physio,physio,fine\nBad Notes,GP,"called them\n- 2024-01-01 call: hi"\n',
                     encoding="utf-8")
    before = snapshot(tmp_path)
    result = run("import", "partners", str(sheet), *TODAY, cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "records/bad-notes.md:10: error: a log line outside the '## Log' section" in result.output
    assert result.stderr.endswith("nothing was written: the new records would not validate\n")
    assert snapshot(tmp_path) == before


def test_round_trip_from_refsite_export_partners(tmp_path):
    demo = Path(__file__).parent.parent / "records"
    exported = CliRunner().invoke(cli, ["export", "partners", "--records", str(demo), *TODAY]).stdout
    (tmp_path / "records").mkdir()
    shutil.copy(demo / "settings.yml", tmp_path / "records" / "settings.yml")
    (tmp_path / "partners.csv").write_text(exported, encoding="utf-8")
    result = run("import", "partners", "partners.csv", *TODAY, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    again = run("export", "partners", *TODAY, cwd=tmp_path).stdout
    carried = ("id", "name", "organisation", "category", "stage", "tier", "owner", "location", "tags")
    rows = lambda text: [tuple(r[c] for c in carried) for r in csv.DictReader(io.StringIO(text))]  # noqa: E731
    assert rows(again) == rows(exported)
    assert len(rows(again)) > 30


# --------------------------------------------------------------------------- referrals


def test_matching_titles_initials_abbreviations_emails_and_ambiguity(practice):
    records, _settings, _problems = load(practice / "records")
    matcher = Matcher(records, {"RNSH Physio": "royal-north-shore-hospital-physiotherapy"})
    found = {text: (m.partner_id, m.how) for text in ("Dr A Hassan", "dr whitfield", "Patel and Co", "Eastside Psych",
                                                       "nick@bondichiro.example", "+61 2 9001 0002", "RNSH physio",
                                                       "Paddington", "Dr Kim Nguyen")
             for m in [matcher.match(text)]}
    assert found == {
        "Dr A Hassan": ("harbour-st-medical", "contact"),
        "dr whitfield": ("harbour-st-medical", "name"),
        "Patel and Co": ("patel-and-co-lawyers", "name"),
        "Eastside Psych": ("eastside-psychology", "name"),
        "nick@bondichiro.example": ("bondi-chiro", "email"),
        "+61 2 9001 0002": ("harbour-st-medical", "phone"),
        "RNSH physio": ("royal-north-shore-hospital-physiotherapy", "alias"),
        "Paddington": (None, "ambiguous"),
        "Dr Kim Nguyen": (None, "unknown"),
    }
    assert [pid for pid, _ in matcher.match("Paddington").candidates] == [
        "paddington-family-medical", "paddington-pilates", "paddington-podiatry"]


FIRST_IMPORT = [
    "appended to records/harbour-st-medical.md: - 2025-03-15 referral-in R-1001 status:booked service:knee value:180",
    "appended to records/harbour-st-medical.md: - 2025-04-20 referral-in R-1002 status:converted service:general value:1240",
    "appended to records/patel-and-co-lawyers.md: - 2025-05-02 referral-in R-1003 status:converted service:workplace value:360",
    "appended to records/bondi-chiro.md: - 2025-08-03 referral-in R-1008 status:declined service:neck",
    "appended to records/bondi-chiro.md: - 2025-09-04 referral-in R-1009 status:booked service:back",
    "appended to records/coastal-strength.md: - 2025-10-05 referral-in R-1010 status:converted service:sports value:420",
    "appended to records/mei-tanaka.md: - 2025-12-07 referral-in R-1012 status:booked service:sports",
    "appended to records/eastside-psychology.md: - 2026-01-08 referral-in R-1013 status:booked service:chronic-pain",
    "appended to records/harbour-st-medical.md: - 2026-02-09 referral-in R-1014 status:discharged service:hip value:1020",
    "appended to records/redfern-massage.md: - 2026-03-10 referral-in R-1015 status:declined service:neck",
    "row 5: 'RNSH Physio' matches no partner (closest: royal-north-shore-hospital-physiotherapy (57))",
    "row 6: 'Paddington' could be several partners: paddington-family-medical (100), paddington-pilates (100), "
    "paddington-podiatry (100); say which in records/import-aliases.yml (or --alias)",
    "row 7: 'Dr Kim Nguyen' matches no partner",
    "row 8: referred by a patient, a friend or the web, not a partner: skipped",
    "row 12: 'Dr Kim Nguyen' matches no partner",
    "referrers that match no partner (add them with `refsite new`, or name the partner in records/import-aliases.yml):",
    "    2 rows  Dr Kim Nguyen",
    "    1 row  RNSH Physio",
    "columns not read: Patient ID, Patient First Name, Patient Last Name, Date of Birth, Address 1, City, Medicare Number, "
    "Patient Phone, Patient Email, Patient Notes",
    "10 lines appended, 0 rows already in the log, 4 listed",
    "these referrals go back to 2025-03-15: so that history owes no thank-yous or updates, set "
    "`owed_from: 2026-11-20` in records/settings.yml",
]


def test_an_export_with_front_desk_spellings_imports_the_clear_matches_and_lists_the_rest(practice):
    result = run("import", "referrals", str(FIXTURES / "cliniko-referrals.csv"), "--from", "cliniko", *TODAY, cwd=practice)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == FIRST_IMPORT
    assert run("validate", *TODAY, cwd=practice).output == "14 partners, no problems.\n"
    records, _settings, _problems = load(practice / "records")
    assert [(r.id, r.status, r.service, r.value) for r in records.get("harbour-st-medical").referrals] == [
        ("R-1001", "booked", "knee", Decimal("180")), ("R-1002", "converted", "general", Decimal("1240")),
        ("R-1014", "discharged", "hip", Decimal("1020"))]

    before = snapshot(practice)
    again = run("import", "referrals", str(FIXTURES / "cliniko-referrals.csv"), "--from", "cliniko", *TODAY, cwd=practice)
    assert again.exit_code == 1
    assert "0 lines appended, 10 rows already in the log, 4 listed" in again.output
    assert snapshot(practice) == before


def test_a_second_export_a_week_later_appends_only_the_changed_statuses_and_remembers_an_alias(practice):
    run("import", "referrals", str(FIXTURES / "cliniko-referrals.csv"), "--from", "cliniko", *TODAY, cwd=practice)
    result = run("import", "referrals", str(FIXTURES / "cliniko-referrals-week2.csv"), "--from", "cliniko",
                 "--today", "2026-11-27", "--alias", "RNSH Physio=royal-north-shore-hospital-physiotherapy", cwd=practice)
    assert [line for line in result.output.splitlines() if not line.startswith(("row", "  ", "referrers", "columns"))] == [
        "remembered 1 spelling in records/import-aliases.yml",
        "appended to records/harbour-st-medical.md: - 2026-11-27 referral-in R-1001 status:converted",
        "appended to records/royal-north-shore-hospital-physiotherapy.md: - 2025-06-10 referral-in R-1004 status:booked "
        "service:post-op",
        "appended to records/mei-tanaka.md: - 2026-11-27 referral-in R-1012 status:converted value:240",
        "3 lines appended, 8 rows already in the log, 3 listed",
        "these referrals go back to 2025-06-10: so that history owes no thank-yous or updates, set "
        "`owed_from: 2026-11-27` in records/settings.yml",
    ]
    assert (practice / "records" / "import-aliases.yml").read_text().endswith(
        '"RNSH Physio": royal-north-shore-hospital-physiotherapy\n')
    later = run("import", "referrals", str(FIXTURES / "cliniko-referrals-week2.csv"), "--from", "cliniko",
                "--today", "2026-11-27", cwd=practice)
    assert "0 lines appended, 11 rows already in the log, 3 listed" in later.output


def test_a_contradicting_row_and_an_id_held_by_another_partner_are_listed_not_written(practice, tmp_path):
    run("import", "referrals", str(FIXTURES / "cliniko-referrals.csv"), "--from", "cliniko", *TODAY, cwd=practice)
    export = tmp_path / "later.csv"
    export.write_text("Referral Date,Referral ID,Referred By,Status\n2025-08-03,R-1008,Bondi Chiro,Attended\n"
                      "2025-03-15,R-1001,Bondi Chiro,Booked\n", encoding="utf-8")
    before = snapshot(practice)
    result = run("import", "referrals", str(export), *TODAY, cwd=practice)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[:2] == [
        "row 2: R-1008: the export says converted, the log says declined; not imported (correct one of them)",
        "row 3: R-1001 is already harbour-st-medical's referral, not bondi-chiro's: not imported",
    ]
    assert snapshot(practice) == before


def test_usage_errors_exit_2(practice, tmp_path):
    export = tmp_path / "x.csv"
    export.write_text("Date,Referral ID,Referred By\n03/04/2026,R-1,Bondi Chiro\n", encoding="utf-8")
    ambiguous = run("import", "referrals", str(export), *TODAY, cwd=practice)
    assert ambiguous.exit_code == 2 and "pass --dayfirst or --monthfirst" in ambiguous.output
    assert run("import", "referrals", str(export), *TODAY, "--map", "Nope=referrer", cwd=practice).exit_code == 2
    assert run("import", "referrals", str(export), *TODAY, "--map", "Date=nope", cwd=practice).exit_code == 2
    assert run("import", "referrals", str(export), *TODAY, "--alias", "X=no-such", cwd=practice).exit_code == 2
    assert run("import", "referrals", str(FIXTURES / "referrers.csv"), *TODAY, cwd=practice).exit_code == 2
    ok = run("import", "referrals", str(export), *TODAY, "--dayfirst", cwd=practice)
    assert ok.exit_code == 0, ok.output
    assert ok.output.splitlines()[0] == "appended to records/bondi-chiro.md: - 2026-04-03 referral-in R-1 service:general"


# --------------------------------------------------------------------------- patients stay out

PATIENT_COLUMNS = {
    "cliniko-referrals.csv": ("Patient ID", "Patient First Name", "Patient Last Name", "Date of Birth", "Address 1",
                              "City", "Medicare Number", "Patient Phone", "Patient Email", "Patient Notes"),
    "jane-referrals.csv": ("Patient", "Patient DOB", "Patient Address", "Insurance Number"),
    "nookal-referrals.csv": ("Client Name", "DOB", "Client Address", "Postcode", "Medicare"),
}
PRESET = {"cliniko-referrals.csv": "cliniko", "jane-referrals.csv": "jane", "nookal-referrals.csv": "nookal"}


def _planted(name: str) -> set[str]:
    """Every value of the export's patient columns, whole and in parts (a first name, a DOB as ISO, digits only)."""
    text = (FIXTURES / name).read_bytes().decode("utf-8-sig")
    values: set[str] = set()
    for row in csv.DictReader(io.StringIO(text)):
        for column in PATIENT_COLUMNS[name]:
            cell = row[column]
            if cell in ("Sydney", "Bondi", "Coogee", "Randwick", "Paddington", "Newtown", "Redfern", "Waverley",
                        "Darlinghurst", "St Leonards", "Potts Point", "2021"):
                continue  # a suburb or postcode alone names no one (and partners sit in these suburbs)
            values |= {cell, cell.replace(" ", "")}
            # the parts that could name someone: capitalised words and words with digits (an everyday word
            # such as 'after' in a patient's notes may appear in refsite's own sentences; the whole cell may not)
            values |= {word for word in cell.split() if len(word) > 4 and not word.isdigit()
                       and (word[:1].isupper() or any(c.isdigit() for c in word))}
            if cell.count("/") == 2:
                d, m, y = cell.split("/")
                values.add(f"{y}-{m}-{d}")
        if row.get("Referral Source Type") == "Patient" or row.get("Type") == "Client":
            values.add(row.get("Referral Source Contact") or row["Referrer"])  # a patient who referred a patient
    return {v for v in values if v}


@pytest.mark.parametrize("name", sorted(PATIENT_COLUMNS))
def test_no_patient_data_reaches_any_byte_written_or_printed(practice, name):
    planted = _planted(name)
    assert len(planted) > 10
    outputs = []
    for extra in (["--dry-run"], [], []):
        result = run("import", "referrals", str(FIXTURES / name), "--from", PRESET[name], *TODAY, *extra, cwd=practice)
        assert result.exit_code in (0, 1), result.output
        outputs += [result.stdout, result.stderr]
    assert "appended to" in outputs[2]
    written = b"".join(snapshot(practice).values()).decode("utf-8")
    leaks = sorted(v for v in planted if any(v in text for text in (*outputs, written)))
    assert leaks == []


def test_docs_import_lists_every_synonym_status_and_usual_header():
    from refsite.importing.partners import PARTNER_FIELDS
    from refsite.importing.referrals import GENERIC, STATUS_WORDS

    doc = (Path(__file__).parent.parent / "docs" / "import.md").read_text()
    rows = [(line.split(" | ")[0].strip("| `"), line.split(" | ")[1].removesuffix(" |")) for line in doc.splitlines() if line.startswith("| `")]

    def listed(first: str, word: str) -> bool:
        return any(term == first and word in cell.split(", ") for term, cell in rows)

    for what, table in vocab.SYNONYMS.items():
        assert all(listed(term, spelling) for spelling, term in table.items()), what
    assert all(listed(status, spelling) for spelling, status in STATUS_WORDS.items())
    for field, headers in (*PARTNER_FIELDS.items(), *GENERIC.items()):
        assert all(listed(field, h) for h in headers), field
