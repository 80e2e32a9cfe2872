"""Every problem carries a stable check id (docs/records.md, "Check ids"): one closed table, documented."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from refsite.cli import cli
from refsite.problems import CHECK_IDS, OTHER, Problem, Severity, Source, error, warning
from refsite.workspace import load_and_validate

FIXTURES = Path(__file__).parent / "fixtures"
RECORDS_DOC = (Path(__file__).parent.parent / "docs" / "records.md").read_text()
TODAY = dt.date(2026, 11, 22)

# The check of every problem each invalid fixture gives, in the order refsite reports them (line, check).
EXPECTED = {
    "anchors": [(2, "yaml")],
    "bad-dates": [(5, "dates"), (5, "dates"), (6, "dates"), (11, "dates"), (12, "dates"), (13, "dates")],
    "bad-file-name": [(1, "files")],
    "cascades": [(4, "vocabulary"), (9, "vocabulary")],
    "conflict-markers": [(4, "conflict"), (6, "conflict"), (8, "conflict")],
    "duplicate-event": [(11, "log"), (12, "log")],
    "duplicate-key": [(6, "yaml"), (10, "yaml")],
    "empty-file": [(1, "front-matter"), (1, "front-matter")],
    "introduced-by": [(5, "network"), (5, "network")],
    "invalid-yaml": [(7, "yaml")],
    "log-grammar": [(9, "log"), (10, "log"), (11, "log"), (12, "log"), (13, "log"), (14, "log"), (14, "log"),
                    (15, "log"), (16, "vocabulary"), (17, "referrals")],
    "log-heading": [(9, "log"), (11, "log")],
    "missing-required": [(1, "front-matter"), (1, "front-matter")],
    "no-front-matter": [(1, "front-matter")],
    "not-a-mapping": [(2, "yaml")],
    "not-on-team": [(5, "team"), (10, "team")],
    "not-utf8": [(2, "encoding")],
    "odd-yaml": [(5, "yaml"), (9, "log"), (5, "yaml")],
    "referrals": [(10, "referrals"), (9, "referrals"), (10, "referrals"), (11, "referrals"), (12, "referrals"),
                  (15, "referrals"), (17, "referrals")],
    "tabs": [(6, "yaml"), (7, "yaml")],
    "unclosed-front-matter": [(1, "front-matter")],
    "unknown-contact": [(13, "contacts")],
    "unknown-key": [(5, "front-matter"), (9, "contacts")],
    "unknown-vocabulary": [(3, "vocabulary"), (4, "vocabulary"), (5, "vocabulary"), (8, "vocabulary"), (9, "vocabulary"),
                           (14, "vocabulary"), (15, "vocabulary"), (16, "vocabulary"), (17, "vocabulary")],
    "wrong-types": [(5, "field"), (6, "field"), (7, "field"), (8, "contacts")],
    "yaml-traps": [(2, "field"), (5, "field"), (6, "vocabulary"), (8, "field")],
}


def documented_checks() -> dict[str, str]:
    """The rows of the table under '## Check ids' in docs/records.md: id -> what it covers."""
    section = RECORDS_DOC.split("## Check ids", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `([^`]+)` \| (.+) \|$", section, flags=re.MULTILINE))


def test_the_docs_table_is_the_code_table():
    assert documented_checks() == dict(CHECK_IDS)


def test_every_fixture_folder_has_its_checks():
    assert sorted(EXPECTED) == sorted(p.name for p in (FIXTURES / "invalid").iterdir() if p.is_dir() and not p.name.startswith("."))


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_every_fixture_problem_has_a_documented_check(folder, monkeypatch):
    monkeypatch.chdir(FIXTURES / "invalid")
    _records, _settings, problems = load_and_validate(Path(folder), None, TODAY)
    assert problems, folder
    assert all(p.check in documented_checks() and p.check != OTHER for p in problems), [str(p) for p in problems]
    assert [(p.source.line, p.check) for p in problems] == EXPECTED[folder]


def test_validate_json_names_the_check(monkeypatch):
    monkeypatch.chdir(FIXTURES / "invalid")
    result = CliRunner().invoke(cli, ["validate", "--records", "referrals", "--format", "json", "--today", "2026-11-22"])
    assert result.exit_code == 1, result.output
    problems = json.loads(result.output)["problems"]
    assert problems[0] == {
        "file": "referrals/bondi.md",
        "line": 10,
        "severity": "error",
        "message": "referral-in needs the referral id after the kind, e.g. 'referral-in R-1042'",
        "check": "referrals",
    }
    assert {p["check"] for p in problems} == {"referrals"}


def test_the_text_form_does_not_change():
    problem = warning(Source("records/a.md", 3), "looks like a date of birth", "privacy")
    assert str(problem) == "records/a.md:3: warning: looks like a date of birth"
    assert problem.as_dict()["check"] == "privacy"


def test_an_unknown_check_id_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown check id 'yml'"):
        error(Source("x"), "m", "yml")


def test_the_default_is_other_until_a_call_names_its_check():
    assert error(Source("x"), "m").check == OTHER
    assert Problem(Source("x"), Severity.ERROR, "m").check == OTHER


def test_a_settings_problem_has_its_check(tmp_path):
    (tmp_path / "settings.yml").write_text("cadence_key: often\nteam:\n  - id: Maya\n    name: Maya\ntimezone: Mars/Base\n")
    _records, _settings, problems = load_and_validate(tmp_path, None, TODAY)
    assert [(p.source.line, p.check) for p in problems] == [(0, "files"), (1, "settings"), (3, "team"), (5, "settings")]
