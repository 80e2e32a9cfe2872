"""Each class of problem has its own fixture folder; each asserts the exact file, line and message.

The folders are under tests/fixtures/invalid/. Paths are shown relative to the
working folder, as a person runs refsite from their records repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TODAY

from refsite.cli import cli
from refsite.workspace import load_and_validate

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _the_clock_reads_today(monkeypatch):
    """--today 2026-11-22 is the practice's today here, so later dates are errors (a past --today reads as of)."""
    monkeypatch.setattr("refsite.cli.options.local_today", lambda _settings_file: TODAY)

EXPECTED = {
    "anchors": [
        "anchors/harbour.md:2: error: YAML anchors and aliases (&name, *name) are not allowed in records; write the value out, or quote text that starts with & or *",
    ],
    "bad-dates": [
        "bad-dates/bondi.md:5: error: since: 2027-01-01 is after today (2026-11-22)",
        "bad-dates/harbour.md:5: error: since: '2026-02-30' is not a real date",
        "bad-dates/harbour.md:6: error: snooze_until: '03/04/2027' is not an ISO date (YYYY-MM-DD)",
        "bad-dates/harbour.md:11: error: a log line starts with its date: '2026-13-01' is not a real date",
        "bad-dates/harbour.md:12: error: a log line starts with its date: '2026/09/03' is not an ISO date (YYYY-MM-DD)",
        "bad-dates/harbour.md:13: error: 2026-11-30 is after today (2026-11-22): log what happened, not what is planned",
    ],
    "bad-file-name": [
        "bad-file-name/Harbour Street.md:1: error: file name 'Harbour Street.md' is not a partner id: use lowercase letters, digits and hyphens, e.g. 'harbour-street.md'",
    ],
    "cascades": [
        "cascades/broken.md:4: error: stage: unknown stage 'activ' (did you mean 'active'?)",
        "cascades/harbour.md:9: error: unknown service 'kne' (did you mean 'knee'?)",
    ],
    "conflict-markers": [
        "conflict-markers/harbour.md:4: error: Git merge conflict marker '<<<<<<<': resolve the conflict and delete the marker lines",
        "conflict-markers/harbour.md:6: error: Git merge conflict marker '=======': resolve the conflict and delete the marker lines",
        "conflict-markers/harbour.md:8: error: Git merge conflict marker '>>>>>>>': resolve the conflict and delete the marker lines",
    ],
    "duplicate-event": [
        "duplicate-event/harbour.md:11: error: the same event as line 9 (a merge may have duplicated it): delete one",
        "duplicate-event/harbour.md:12: error: the same event as line 10 (a merge may have duplicated it): delete one",
    ],
    "duplicate-key": [
        "duplicate-key/harbour.md:6: error: duplicate key 'stage' (first on line 4): YAML keeps only the last one, so remove one",
        "duplicate-key/harbour.md:10: error: duplicate key 'role' (first on line 9): YAML keeps only the last one, so remove one",
    ],
    "empty-file": [
        "empty-file/bondi.md:1: error: the file is empty: a partner file starts with front matter between '---' lines",
        "empty-file/harbour.md:1: error: the file is empty: a partner file starts with front matter between '---' lines",
    ],
    "introduced-by": [
        "introduced-by/bondi.md:5: error: introduced_by: no partner 'harbor' (no file harbor.md) (did you mean 'harbour'?)",
        "introduced-by/harbour.md:5: error: introduced_by: a partner cannot introduce itself",
    ],
    "invalid-yaml": [
        "invalid-yaml/harbour.md:7: error: invalid YAML: did not find expected '-' indicator (while parsing a block collection)",
    ],
    "log-grammar": [
        "log-grammar/harbour.md:9: error: unexpected 'dropped off pads': free text goes after ': ' (e.g. '- 2026-09-03 visit @maya with Leah Ortiz: dropped off referral pads')",
        "log-grammar/harbour.md:10: error: log line has no kind after its date (one of: meeting, call, email, visit, coffee, lunch, event, social, reply, value, gift, thanks, update, intro-asked, intro-made, referral-in, referral-out, stage, note)",
        "log-grammar/harbour.md:11: error: two authors on one line (@maya and @tom)",
        "log-grammar/harbour.md:12: error: not a log line: under '## Log' each line is '- YYYY-MM-DD kind ...' (notes go above the heading)",
        "log-grammar/harbour.md:13: error: cost:ten is not an amount (write cost:640 or cost:12.50; at most 12 digits before the point and 2 after)",
        "log-grammar/harbour.md:14: error: consent:maybe must be consent:yes or consent:no",
        "log-grammar/harbour.md:14: error: satisfaction:9 must be a score from 1 to 5",
        "log-grammar/harbour.md:15: error: 'status:' belongs on a referral-in or referral-out line, not on email",
        "log-grammar/harbour.md:16: error: a stage line names the new stage (prospect, active, nurture, former), not 'activ' (did you mean 'active'?)",
        "log-grammar/harbour.md:17: error: no free text on referral-in lines: they must never carry patient details (the id, service: and status: say what is needed); put other remarks on a separate note line",
    ],
    "log-heading": [
        "log-heading/harbour.md:9: error: '# Log': the log's heading is written '## Log', alone on its line",
        "log-heading/harbour.md:11: error: a log line outside the '## Log' section (and 1 more): refsite reads only the lines under a heading '## Log'",
    ],
    "missing-required": [
        "missing-required/harbour.md:1: error: missing required key 'category' (what kind of partner (categories vocabulary)), e.g. 'category: primary-care'",
        "missing-required/harbour.md:1: error: missing required key 'stage' (where the relationship is (stages vocabulary)), e.g. 'stage: active'",
    ],
    "no-front-matter": [
        "no-front-matter/harbour.md:1: error: no front matter: a partner file starts with a line '---', then 'name:', 'category:', 'stage:' ..., then '---'",
    ],
    "not-a-mapping": [
        "not-a-mapping/harbour.md:2: error: front matter must be a mapping of 'key: value' lines",
    ],
    "not-on-team": [
        "not-on-team/harbour.md:5: error: owner: 'maia' is not on the team (did you mean 'maya'?)",
        "not-on-team/harbour.md:10: error: @tomm is not on the team (did you mean 'tom'?)",
    ],
    "not-utf8": [
        "not-utf8/harbour.md:2: error: not UTF-8 text (byte 0xe9); save the file as UTF-8",
    ],
    "referrals": [
        "referrals/bondi.md:10: error: referral-in needs the referral id after the kind, e.g. 'referral-in R-1042'",
        "referrals/harbour.md:9: error: a status line for referral R-1, which was never received: its first line needs service: (e.g. service:knee)",
        "referrals/harbour.md:10: error: referral R-2 is also in bondi's log: referral ids are unique across partners",
        "referrals/harbour.md:11: error: referral R-2 has two service lines (hip, knee)",
        "referrals/harbour.md:12: error: thanks for referral R-9, which is not in harbour's log",
        "referrals/harbour.md:15: error: referral R-3 is both declined and converted/discharged",
        "referrals/harbour.md:17: error: referral R-4 appears as both referral-in and referral-out",
    ],
    "odd-yaml": [
        "odd-yaml/keys.md:5: error: key '012' is not a name: YAML reads it as int; use one of the documented keys",
        "odd-yaml/score.md:9: error: satisfaction:\u00b2 must be a score from 1 to 5",
        "odd-yaml/tags.md:5: error: YAML tag 'tag:yaml.org,2002:set' is not allowed in records: write plain text, lists and mappings",
    ],
    "tabs": [
        "tabs/harbour.md:6: error: indented with a tab: YAML needs spaces (set your editor to insert spaces)",
        "tabs/harbour.md:7: error: indented with a tab: YAML needs spaces (set your editor to insert spaces)",
    ],
    "unclosed-front-matter": [
        "unclosed-front-matter/harbour.md:1: error: the front matter opened on line 1 is never closed with a line '---'",
    ],
    "unknown-contact": [
        "unknown-contact/harbour.md:13: warning: 'Leah Ortiz' is not among harbour's contacts (Dr. Priya Natarajan): add them under contacts:",
    ],
    "unknown-key": [
        "unknown-key/harbour.md:5: error: unknown key 'emial' (did you mean 'email'?): as written it is ignored",
        "unknown-key/harbour.md:9: error: contact: unknown key 'mobile' (did you mean 'phone'?): as written it is ignored",
    ],
    "unknown-vocabulary": [
        "unknown-vocabulary/harbour.md:3: error: category: unknown category 'primary-cre' (did you mean 'primary-care'?)",
        "unknown-vocabulary/harbour.md:4: error: stage: unknown stage 'activ' (did you mean 'active'?)",
        "unknown-vocabulary/harbour.md:5: error: tier: unknown tier 'gold' (one of: key, standard, light)",
        "unknown-vocabulary/harbour.md:8: error: contact role: unknown role 'receptionist' (did you mean 'front-desk'?)",  # the synonym table
        "unknown-vocabulary/harbour.md:9: error: contact prefers: unknown channel 'pigeon' (one of: phone, email, in-person, text, fax, post)",
        "unknown-vocabulary/harbour.md:14: error: unknown log kind 'coffe' (did you mean 'coffee'?)",
        "unknown-vocabulary/harbour.md:15: error: unknown service 'kne' (did you mean 'knee'?)",
        "unknown-vocabulary/harbour.md:16: error: unknown referral status 'convertd' (did you mean 'converted'?)",
        "unknown-vocabulary/harbour.md:17: error: unknown attribute 'attachment' (one of: status, service, value, consent, satisfaction, cost, privacy)",
    ],
    "wrong-types": [
        "wrong-types/harbour.md:5: error: cadence: must be a whole number of days from 1 to 3650, not 'often'",
        "wrong-types/harbour.md:6: error: solo: must be true or false, not 'yes'",
        "wrong-types/harbour.md:7: error: tags: must be a list (one '- item' per line, or [a, b])",
        "wrong-types/harbour.md:8: error: contacts: must be a list of contacts (each '- name: ...' with a role)",
    ],
    "yaml-traps": [
        "yaml-traps/harbour.md:2: error: name: 'no' is read by YAML as false; put it in quotes if you mean the text",
        "yaml-traps/harbour.md:5: error: location: '12:30' is read by YAML as the number 750; put it in quotes",
        "yaml-traps/harbour.md:6: error: updates: 'no' is read by YAML as false; put it in quotes",
        "yaml-traps/harbour.md:8: error: value_ideas: 'yes' is read by YAML as true; put it in quotes if you mean the text",
    ],
}


def test_every_fixture_folder_is_pinned():
    assert sorted(EXPECTED) == sorted(p.name for p in (FIXTURES / "invalid").iterdir() if p.is_dir() and not p.name.startswith("."))


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_problem_class(folder, monkeypatch):
    monkeypatch.chdir(FIXTURES / "invalid")
    _records, _settings, problems = load_and_validate(Path(folder), None, TODAY)
    assert [str(p) for p in problems] == EXPECTED[folder]


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_cli_exit_status_and_no_traceback(folder, monkeypatch):
    monkeypatch.chdir(FIXTURES / "invalid")
    result = CliRunner().invoke(cli, ["validate", "--records", folder, "--today", "2026-11-22"])
    has_error = any(": error: " in line for line in EXPECTED[folder])
    assert result.exit_code == (1 if has_error else 0), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.output.splitlines()[:-1] == EXPECTED[folder]


def test_all_problems_in_one_run(tmp_path, monkeypatch):
    """Problems from many files and classes come out of one run, sorted by file and line."""
    folder = tmp_path / "records"
    folder.mkdir()
    for name in ("unknown-vocabulary", "bad-dates", "conflict-markers", "not-utf8"):
        for path in (FIXTURES / "invalid" / name).glob("*.md"):
            (folder / f"{name}-{path.name}").write_bytes(path.read_bytes())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "--today", "2026-11-22"])
    assert result.exit_code == 1, result.output
    files = {line.split(":")[0] for line in result.output.splitlines()[:-1]}
    assert files == {
        "records/unknown-vocabulary-harbour.md",
        "records/bad-dates-harbour.md",
        "records/bad-dates-bondi.md",
        "records/conflict-markers-harbour.md",
        "records/not-utf8-harbour.md",
    }
    assert result.output.splitlines()[-1] == "19 errors, 0 warnings"


def test_an_empty_records_folder_is_pointed_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "records").mkdir()
    result = CliRunner().invoke(cli, ["validate", "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "records: warning: no partner files (*.md) here: is this the records folder?"


def test_bom_and_crlf_are_accepted(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    records, _settings, problems = load_and_validate(Path("valid-bom-crlf"), None, TODAY)
    assert problems == []
    (partner,) = records.partners
    assert partner.name == "Harbour Street"
    assert partner.notes == "Notes."
    assert [(e.source.line, e.kind, e.with_) for e in partner.events] == [
        (14, "visit", ("Leah Ortiz",)),
        (15, "referral-in", ()),
    ]
    assert partner.contacts[0].source.line == 6


def test_json_output(monkeypatch):
    monkeypatch.chdir(FIXTURES / "invalid")
    result = CliRunner().invoke(cli, ["validate", "--records", "duplicate-key", "--format", "json", "--today", "2026-11-22"])
    assert result.exit_code == 1
    import json

    data = json.loads(result.output)
    assert data["errors"] == 2
    assert data["problems"][0] == {
        "file": "duplicate-key/harbour.md",
        "line": 6,
        "severity": "error",
        "message": "duplicate key 'stage' (first on line 4): YAML keeps only the last one, so remove one",
        "check": "yaml",
    }


def test_alias_bomb_is_refused_quickly(tmp_path):
    """A billion-laughs front matter is refused before anything is expanded."""
    lines = ["---", "name: x", "category: other", "stage: active", "a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join(f"*{chr(96 + i)}" for _ in range(9)) + "]")
    (tmp_path / "bomb.md").write_text("\n".join([*lines, "---", ""]))
    _records, _settings, problems = load_and_validate(tmp_path, None, TODAY)
    assert [p.message.split(" (")[0] for p in problems] == ["YAML anchors and aliases"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "--today", "22/11/2026"], "'22/11/2026' is not a date"),
        (["validate", "--records", "nowhere"], "no folder 'nowhere' here"),
        (["validate", "--format", "xml"], "'xml' is not one of"),
    ],
)
def test_usage_errors_exit_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "records").mkdir()
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_an_internal_failure_on_one_file_is_a_problem_not_a_traceback(tmp_path, monkeypatch):
    """The loader's last guard: whatever goes wrong inside, the run reports it with the file and goes on."""
    import refsite.load.folder

    (tmp_path / "a.md").write_text("---\nname: A\ncategory: other\nstage: active\n---\n")
    (tmp_path / "b.md").write_text("---\nname: B\ncategory: other\nstage: activ\n---\n")
    real = refsite.load.folder.parse_partner

    def flaky(path, display, data, settings):
        if path.name == "a.md":
            raise KeyError("boom")
        return real(path, display, data, settings)

    monkeypatch.setattr(refsite.load.folder, "parse_partner", flaky)
    monkeypatch.chdir(tmp_path)
    _records, _settings, problems = load_and_validate(Path("."), None, TODAY)
    assert [str(p) for p in problems] == [
        "./a.md:1: error: refsite could not read this file (KeyError: 'boom'); please report it with the file",
        "./b.md:4: error: stage: unknown stage 'activ' (did you mean 'active'?)",
    ]
