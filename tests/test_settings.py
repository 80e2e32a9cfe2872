"""Problems in the settings file (issue 11): each pinned to its exact file, line, severity, message and check id.

The file is records/settings.yml as a practice writes it; only the problems of that file are
looked at (an empty records folder adds its own warning).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TODAY_ARGS, run_cli

from refsite.load import load

SETTINGS = "records/settings.yml"


def settings_problems(tmp_path: Path, monkeypatch, text: str) -> list[tuple[str, str]]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "records").mkdir()
    (tmp_path / SETTINGS).write_text(text, encoding="utf-8")
    _records, _settings, problems = load(Path("records"))
    return [(str(p), p.check) for p in problems if p.source.path == SETTINGS]


CASES = {
    "unknown settings": (
        "practice: Crown Street Physiotherapy\ncadense_key: 30\nfavourite_colour: blue\n",
        [("records/settings.yml:2: error: unknown setting 'cadense_key' (did you mean 'cadence_key'?): as written it is "
          "ignored", "settings"),
         ("records/settings.yml:3: warning: unknown setting 'favourite_colour' (refsite ignores it)", "settings")],
    ),
    "wrong types": (
        "cadence_key: often\nat_risk_factor: .inf\ngrace_days: 4000\nnurture_values: 2.5\ngift_cap: 100.123\n"
        "practice: 12\nprivacy: loud\nprivacy_region: Australia\nowed_from: 2026-02-30\ndue_soon_days: true\n",
        [("records/settings.yml:1: error: 'cadence_key' must be a number of at least 0, not 'often'", "settings"),
         ("records/settings.yml:2: error: 'at_risk_factor' must be a finite number, not inf", "settings"),
         ("records/settings.yml:3: error: 'grace_days' must be between 0 and 3650, not 4000", "bounds"),
         ("records/settings.yml:4: error: 'nurture_values' must be a whole number, not 2.5", "settings"),
         ("records/settings.yml:5: error: 'gift_cap' is an amount: at most 2 digits after the point, not 100.123", "bounds"),
         ("records/settings.yml:6: error: 'practice' must be text; put it in quotes", "settings"),
         ("records/settings.yml:7: error: unknown privacy setting 'loud' (one of: warn, error, off)", "settings"),
         ("records/settings.yml:8: error: privacy_region: 'Australia' is not a two-letter country code (AU, NZ, GB, "
          "US...)", "settings"),
         ("records/settings.yml:9: error: 'owed_from' must be a date YYYY-MM-DD from 1900-01-01 to 2100-12-31, not "
          "'2026-02-30'", "settings"),
         ("records/settings.yml:10: error: 'due_soon_days' must be a number of at least 0, not true", "settings")],
    ),
    "team not a list": (
        "team: maya\n",
        [("records/settings.yml:1: error: 'team' must be a list of {id, name}", "team")],
    ),
    "team members and default_owner": (
        "team:\n  - id: maya\n    name: Maya Chen\n  - name: Tom\n  - id: Tom\n    name: Tom Alvarez\n"
        "  - id: maya\n    name: Maya again\ndefault_owner: mya\n",
        [("records/settings.yml:4: error: a team member needs an id and a name", "team"),
         ("records/settings.yml:5: error: team member id 'Tom' must be a lowercase slug", "team"),
         ("records/settings.yml:7: error: team member 'maya' is listed twice", "team"),
         ("records/settings.yml:9: error: default_owner 'mya' is not on the team (did you mean 'maya'?)", "team")],
    ),
    "default_owner not a string": (
        "team:\n  - id: maya\n    name: Maya Chen\ndefault_owner: 7\n",
        [("records/settings.yml:4: error: default_owner '7' is not on the team (team: maya)", "team")],
    ),
    "vocabulary extensions": (
        "categories:\n  Sports Clubs: clubs\nroles: [coach]\nservices:\n  running: running injuries\n"
        "synonyms:\n  category:\n    sports doc: sports-medic\n  stage:\n    x: y\n",
        [("records/settings.yml:1: error: categories: 'Sports Clubs' is not a lowercase term (letters, digits, hyphens)",
          "settings"),
         ("records/settings.yml:3: error: 'roles' must be a mapping of term: meaning", "settings"),
         ("records/settings.yml:6: error: 'synonyms' must be a mapping with 'category:' and/or 'role:', each of "
          "spelling: term", "settings")],
    ),
    "import spellings and the value catalogue": (
        "synonyms:\n  category:\n    sports doc: sports-medic\nimport_statuses:\n  seen: attended\n"
        "import_services:\n  Gait: running\nvalue_catalogue: 12\n",
        [("records/settings.yml:1: error: synonyms: category: 'sports doc': unknown category 'sports-medic' (one of: "
          "primary-care, specialist, surgeon, hospital, allied-health, chiropractic, massage, fitness, sports, school, "
          "employer, legal, insurer, community, pharmacy, other)", "settings"),
         ("records/settings.yml:4: error: import_statuses: 'seen': unknown status 'attended' (one of: received, booked, "
          "converted, declined, discharged)", "settings"),
         ("records/settings.yml:6: error: import_services: 'Gait': unknown service 'running' (one of: back, neck, "
          "shoulder, knee, hip, ankle-foot, hand-wrist, post-op, sports, pelvic-health, vestibular, neuro, "
          "chronic-pain, workplace, paediatric, general)", "settings"),
         ("records/settings.yml:8: error: 'value_catalogue' must be a list of {idea, categories}, or {replace, ideas}",
          "settings")],
    ),
    "an unknown time zone": (
        "timezone: Mars/Olympus_Mons\n",
        [("records/settings.yml:1: error: timezone: unknown time zone 'Mars/Olympus_Mons' (write e.g. "
          "Australia/Sydney)", "settings")],
    ),
    "a time zone that is not text": (
        "practice: Crown Street Physiotherapy\ntimezone: 10\n",
        [("records/settings.yml:2: error: 'timezone' must be text; put it in quotes", "settings")],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_settings_file_problem(case, tmp_path, monkeypatch):
    text, expected = CASES[case]
    assert settings_problems(tmp_path, monkeypatch, text) == expected


def test_a_settings_file_that_is_right_has_no_problem(tmp_path, monkeypatch):
    text = ("practice: Crown Street Physiotherapy\ntimezone: Australia/Sydney\nteam:\n  - id: maya\n    name: Maya Chen\n"
            "default_owner: maya\ncategories:\n  club: a sports club\nservices:\n  running: running injuries\n"
            "synonyms:\n  category:\n    footy club: club\nimport_services:\n  Gait: running\ngift_cap: 250.50\n"
            "privacy: error\nowed_from: 2026-11-20\n")
    assert settings_problems(tmp_path, monkeypatch, text) == []


def test_yaml_errors_in_the_settings_file_have_their_line_and_the_yaml_check(tmp_path, monkeypatch):
    text = "practice: Crown\nteam:\n  - id: maya\n   name: Maya\n"
    assert settings_problems(tmp_path, monkeypatch, text) == [
        ("records/settings.yml:4: error: invalid YAML: did not find expected '-' indicator (while parsing a block "
         "collection)", "yaml")]


def test_default_owner_without_a_team_is_not_checked_and_owns_partners(tmp_path):
    """As a partner's owner is not checked without a team, neither is default_owner; it still owns."""
    records = tmp_path / "records"
    records.mkdir()
    (records / "settings.yml").write_text("default_owner: maya\n", encoding="utf-8")
    (records / "harbour.md").write_text(
        "---\nname: Harbour Physio\ncategory: allied-health\nstage: active\n---\n\n## Log\n\n"
        "- 2026-01-05 call\n", encoding="utf-8")
    result = run_cli("due", "--records", records, "--format", "json", *TODAY_ARGS)
    assert result.exit_code == 0, result.output
    assert {item["owner"] for item in json.loads(result.output)} == {"maya"}
