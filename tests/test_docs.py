"""The documentation is checked against the code: every field, term and setting is documented."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from refsite import vocab
from refsite.load import CONTACT_KEYS, FIELDS
from refsite.model import Partner
from refsite.settings import SETTINGS, STRUCTURED_KEYS

DOCS = Path(__file__).parent.parent / "docs"
RECORDS_DOC = (DOCS / "records.md").read_text()


def table_terms(doc: str) -> set[str]:
    """The `term` in the first column of every Markdown table row."""
    return set(re.findall(r"^\| `([^`]+)` \|", doc, flags=re.MULTILINE))


TERMS = table_terms(RECORDS_DOC)


@pytest.mark.parametrize(
    ("what", "names"),
    [
        ("front-matter keys", [f.name for f in FIELDS]),
        ("contact keys", list(CONTACT_KEYS)),
        ("categories", list(vocab.CATEGORIES)),
        ("stages", list(vocab.STAGES)),
        ("tiers", list(vocab.TIERS)),
        ("roles", list(vocab.ROLES)),
        ("channels", list(vocab.CHANNELS)),
        ("update preferences", list(vocab.UPDATES)),
        ("referral statuses", list(vocab.STATUSES)),
        ("services", list(vocab.SERVICES)),
        ("log kinds", list(vocab.LOG_KINDS)),
        ("attributes", list(vocab.ATTRIBUTES)),
        ("settings", [s.name for s in SETTINGS]),
        ("structured settings", list(STRUCTURED_KEYS)),
    ],
)
def test_records_doc_lists_every_term(what, names):
    missing = [n for n in names if n not in TERMS]
    assert not missing, f"docs/records.md does not document these {what}: {missing}"


def test_every_field_is_a_partner_attribute():
    attributes = {f.name for f in dataclasses.fields(Partner)}
    assert {f.name for f in FIELDS} <= attributes


def test_settings_defaults_in_doc_match_code():
    for setting in SETTINGS:
        assert f"| `{setting.name}` | `{setting.written}` |" in RECORDS_DOC, setting.name


def test_the_example_partner_file_validates(tmp_path):
    """The worked example at the top of docs/records.md is a valid partner file."""
    import datetime as dt

    from refsite.workspace import load_and_validate

    example = re.search(r"```markdown\n(.*?)```", RECORDS_DOC, flags=re.DOTALL).group(1)
    settings = re.search(r"```yaml\n(.*?)```", RECORDS_DOC, flags=re.DOTALL).group(1)
    (tmp_path / "harbour-street.md").write_text(example)
    (tmp_path / "settings.yml").write_text(settings)
    (tmp_path / "bondi-chiro.md").write_text("---\nname: Bondi Chiro\ncategory: chiropractic\nstage: active\n---\n")
    records, _settings, problems = load_and_validate(tmp_path, None, dt.date(2026, 11, 22))
    assert problems == []
    harbour = records.get("harbour-street")
    assert [r.status for r in harbour.referrals] == ["converted"]
    assert harbour.contacts[1].prefers == "phone"


def _all_commands():
    from refsite.cli import cli

    for name, command in sorted(cli.commands.items()):
        yield [name], command
        for sub, subcommand in sorted(getattr(command, "commands", {}).items()):
            yield [name, sub], subcommand


def test_commands_have_help():
    for path, command in _all_commands():
        assert command.help and len(command.help.strip()) > 20, f"refsite {' '.join(path)} has no real help"


def test_commands_are_documented():
    cli_doc = (DOCS / "cli.md").read_text()
    for path, _command in _all_commands():
        assert f"## `refsite {' '.join(path)}`" in cli_doc, f"run: cog -r docs/cli.md (missing refsite {' '.join(path)})"
