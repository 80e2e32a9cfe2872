"""refsite new takes what a person has at hand; the small things of a first hour (completion, a past --today,
a period before the records, plurals)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from refsite import vocab
from refsite.authoring import NewContact, parse_contact
from refsite.cli import cli
from refsite.load import load_partner
from refsite.settings import Settings

TODAY = "2026-11-22"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "records").mkdir()
    (tmp_path / "records/settings.yml").write_text(
        "team:\n  - id: maya\n    name: Maya Chen\n  - id: tom\n    name: Tom Alvarez\n", encoding="utf-8")
    return tmp_path


def new(*args: str) -> object:
    return CliRunner().invoke(cli, ["new", *args, "--today", TODAY])


def test_new_writes_everything_given_and_dates_nothing_today_that_began_earlier(repo):
    result = new("crown-gym", "--name", "Crown {Gym}", "--category", "fitness", "--stage", "active", "--tier", "key",
                 "--owner", "tom", "--since", "2021-03-01", "--organisation", "Crown Group", "--location", "Surry Hills",
                 "--phone", "0412 345 678", "--email", "desk@crowngym.example", "--website", "https://crowngym.example",
                 "--tags", "gym, rehab", "--contact", "Jo Park, trainer, jo@crowngym.example, 0400 111 222",
                 "--contact", "Ari Cohen, owner")
    assert result.exit_code == 0, result.output
    assert result.output == "wrote records/crown-gym.md: add notes, then `refsite validate`\n"
    text = Path("records/crown-gym.md").read_text(encoding="utf-8")
    assert text.startswith(
        "---\nname: Crown {Gym}\ncategory: fitness\nstage: active\ntier: key\nowner: tom\nsince: 2021-03-01\n"
        "organisation: Crown Group\nlocation: Surry Hills\nemail: desk@crowngym.example\n"
        "phone: \"0412 345 678\"\nwebsite: https://crowngym.example\ncontacts:\n"
        "  - name: Jo Park\n    role: trainer\n    email: jo@crowngym.example\n    phone: \"0400 111 222\"\n"
        "  - name: Ari Cohen\n    role: owner\n"
        "tags: [gym, rehab]\n# updates: milestones\n")
    assert "# location:" not in text and "# contacts:" not in text and "# tags:" not in text
    assert text.endswith("## Log\n\n- 2021-03-01 stage active @tom: added to refsite on 2026-11-22\n")
    partner, problems = load_partner(Path("records/crown-gym.md"), "x", Settings())
    assert problems == []
    assert partner.since == dt.date(2021, 3, 1)
    assert [(c.name, c.role, c.email, c.phone) for c in partner.contacts] == [
        ("Jo Park", "trainer", "jo@crowngym.example", "0400 111 222"), ("Ari Cohen", "owner", None, None)]
    assert partner.events[0].date == dt.date(2021, 3, 1)
    result = CliRunner().invoke(cli, ["validate", "--today", TODAY])
    assert result.exit_code == 0, result.output
    assert result.output == "1 partner, no problems.\n"


def test_new_without_since_starts_today(repo):
    result = new("harbour", "--name", "Harbour", "--category", "primary-care")
    assert result.exit_code == 0, result.output
    text = Path("records/harbour.md").read_text(encoding="utf-8")
    assert "since: 2026-11-22\n" in text and text.endswith("- 2026-11-22 stage prospect @maya: added to refsite\n")
    assert "# location: Surry Hills\n" in text  # what was not given stays a commented example


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2026-12-01"], "Invalid value for --since: 2026-12-01 is after today (2026-11-22)"),
    (["--contact", "Jo Park"], "Invalid value for --contact: 'Jo Park' is not \"Name, role[, email][, phone]\""),
    (["--contact", "Jo Park, trainer, Tuesdays"],
     "Invalid value for --contact: 'Tuesdays' in 'Jo Park, trainer, Tuesdays' is neither an email address nor a phone number"),
    (["--contact", "Jo Park, trainr"], "Invalid value for --contact: unknown role 'trainr' (did you mean 'trainer'?)"),
    (["--category", "gymm"], "Invalid value for --category: unknown category 'gymm'"),
])
def test_new_refuses_what_it_cannot_write(repo, args, message):
    base = ["x", "--name", "X", "--category", "fitness"]
    if "--category" in args:
        base = base[:3]
    result = new(*base, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not Path("records/x.md").exists()


def test_new_accepts_a_category_in_capitals_and_a_synonym_through_the_vocab_table(repo, monkeypatch):
    result = new("a", "--name", "A", "--category", "Fitness")
    assert result.exit_code == 0, result.output
    assert "category 'Fitness' written as 'fitness'" in result.output
    synonyms = {("categories", "gp"): "primary-care", ("roles", "gp"): "physician"}
    monkeypatch.setattr(vocab, "canonical", lambda table, word: synonyms.get((table, word.lower())), raising=False)
    result = new("b", "--name", "B", "--category", "GP", "--contact", "Dr. Lee, GP")
    assert result.exit_code == 0, result.output
    text = Path("records/b.md").read_text(encoding="utf-8")
    assert "category: primary-care\n" in text and "    role: physician\n" in text


def test_parse_contact():
    assert parse_contact("Leah Ortiz, referral-coordinator, +61 2 9000 1234, leah@x.example") == (
        NewContact("Leah Ortiz", "referral-coordinator", "leah@x.example", "+61 2 9000 1234"), None)


# --------------------------------------------------------------------------- shell completion


def complete(words: str) -> list[str]:
    env = {"_REFSITE_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
    result = CliRunner().invoke(cli, [], env=env, prog_name="refsite")
    return [line.split(",", 1)[1] for line in result.output.splitlines()]


def test_partner_ids_owners_and_rules_complete(repo):
    for name in ("harbour-street", "harbour-lane", "bondi"):
        assert new(name, "--name", name, "--category", "other").exit_code == 0
    assert complete("refsite log harb") == ["harbour-lane", "harbour-street"]
    assert complete("refsite brief b") == ["bondi"]
    assert complete("refsite due --owner t") == ["tom"]
    assert complete("refsite new x --owner m") == ["maya"]
    assert complete("refsite due --rule th") == ["thanks"]
    assert complete("refsite new x --category prim") == ["primary-care"]


# --------------------------------------------------------------------------- a past --today, a period before the records


@pytest.fixture
def later_visit(repo):
    assert new("harbour", "--name", "Harbour", "--category", "primary-care", "--stage", "active",
               "--since", "2026-06-01").exit_code == 0
    with open("records/harbour.md", "a", encoding="utf-8") as handle:
        handle.write("- 2026-11-20 visit @maya: dropped off pads\n")
    return repo


@pytest.mark.parametrize("command", ["validate", "check"])
def test_validate_and_check_with_a_past_today_read_the_records_as_they_stood(later_visit, command):
    result = CliRunner().invoke(cli, [command, "--today", "2026-06-30"])
    assert result.exit_code == 0, result.output
    assert "after today" not in result.output
    if command == "validate":
        assert result.output == ("records: warning: as of 2026-06-30: 1 later date in 1 file left out (the records "
                                 "as they stood that day)\n0 errors, 1 warning\n")


def test_validate_without_today_still_refuses_a_date_after_today(later_visit, monkeypatch):
    monkeypatch.setattr("refsite.cli.options.local_today", lambda _settings_file: dt.date(2026, 6, 30))
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1, result.output
    assert "records/harbour.md:" in result.output and "is after today (2026-06-30)" in result.output


def test_report_explains_a_period_before_the_records(later_visit):
    result = CliRunner().invoke(cli, ["report", "--period", "2025Q3", "--today", TODAY])
    assert result.exit_code == 0, result.output
    assert result.stderr == ("note: 2025Q3 ends before the records begin (2026-06-01): there is nothing to count, "
                             "so every figure is zero\n")
