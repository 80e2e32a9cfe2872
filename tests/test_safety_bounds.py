"""Issue 10, part 3: what validates, runs. Every bound is an error with its line; no command ends in a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import tree_hash

from refsite.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
# Every command that reads records, with the partner for brief (site-dir: set per test).
COMMANDS = [
    ["validate"], ["due"], ["check"], ["report"], ["report", "review"], ["export", "partners"], ["export", "due"],
    ["export", "referrals"], ["export", "calendar"],
]


def run_all(records: Path, today: str, brief: list[str], build: bool) -> dict[str, int]:
    """Run every command on ``records``; assert none raised or printed a traceback; return the exit codes."""
    codes = {}
    commands = [*COMMANDS, *(["brief", p] for p in brief)]
    if build:
        commands.append(["build", "--site-dir", str(records.parent / "site")])
    for command in commands:
        result = CliRunner().invoke(cli, [*command, "--records", str(records), "--today", today])
        assert result.exception is None or isinstance(result.exception, SystemExit), (command, result.output)
        assert "Traceback" not in result.output, (command, result.output)
        codes[" ".join(command[:2])] = result.exit_code
    return codes


@pytest.mark.parametrize("today", ["1900-01-03", "2100-12-31"])
def test_extreme_but_valid_values_run_in_every_command(tmp_path, today):
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "extreme", records)
    codes = run_all(records, today, ["ancient", "tiny"] if today > "2000" else ["ancient"], build=today > "2000")
    assert set(codes.values()) <= {0, 1}, codes
    if today > "2000":  # (in 1900 the later log lines are errors of validate, left out by the others)
        assert codes["validate"] == 0
        assert codes["build --site-dir"] == 0


# (file, what to replace, the replacement, the exact problem)
REJECTED = [
    ("settings.yml", "gift_cap: 250", "at_risk_factor: .nan",
     "settings.yml:7: error: 'at_risk_factor' must be a finite number, not nan"),
    ("settings.yml", "gift_cap: 250", "at_risk_factor: .inf",
     "settings.yml:7: error: 'at_risk_factor' must be a finite number, not inf"),
    ("settings.yml", "gift_cap: 250", "at_risk_factor: 1000000000000000000000000000000",
     "settings.yml:7: error: 'at_risk_factor' must be between 0.1 and 100, not 1,000,000,000,000,000,000,000,000,000,000"),
    ("settings.yml", "gift_cap: 250", "at_risk_factor: 0",
     "settings.yml:7: error: 'at_risk_factor' must be between 0.1 and 100, not 0"),
    ("settings.yml", "gift_cap: 250", "cadence_key: 3000000",
     "settings.yml:7: error: 'cadence_key' must be between 0 and 3650, not 3000000"),
    ("settings.yml", "gift_cap: 250", "grace_days: -1",
     "settings.yml:7: error: 'grace_days' must be between 0 and 3650, not -1"),
    ("settings.yml", "gift_cap: 250", "gift_cap: 1.0e+400",
     "settings.yml:7: error: 'gift_cap' must be a finite number, not inf"),
    ("settings.yml", "gift_cap: 250", "gift_cap: 1000000000000.0",
     "settings.yml:7: error: 'gift_cap' must be between 0 and 999,999,999,999.99, not 1000000000000.0"),
    ("settings.yml", "gift_cap: 250", "gift_cap: 12.345",
     "settings.yml:7: error: 'gift_cap' is an amount: at most 2 digits after the point, not 12.345"),
    ("harbour.md", "tier: key\n", "tier: key\ncadence: 3000000\n",
     "harbour.md:6: error: cadence: must be a whole number of days from 1 to 3650, not '3000000'"),
    ("harbour.md", "tier: key\n", "tier: key\ncadence: 1" + "0" * 30 + "\n",
     "harbour.md:6: error: cadence: must be a whole number of days from 1 to 3650, not a longer number"),
    ("harbour.md", "tier: key\n", "tier: key\nsnooze_until: 9999-12-31\n",
     "harbour.md:6: error: snooze_until: '9999-12-31' is outside the dates refsite accepts (1900-01-01 to 2100-12-31)"),
    ("harbour.md", "since: 2021-03-15", "since: 0001-01-01",
     "harbour.md:7: error: since: '0001-01-01' is outside the dates refsite accepts (1900-01-01 to 2100-12-31)"),
    ("harbour.md", "value:135", "value:" + "9" * 30,
     "harbour.md:41: error: value:999999999999999999999... is not an amount (write value:640 or value:12.50; "
     "at most 12 digits before the point and 2 after)"),
    ("harbour.md", "value:135", "value:1e999999",
     "harbour.md:41: error: value:1e999999 is not an amount (write value:640 or value:12.50; "
     "at most 12 digits before the point and 2 after)"),
    ("harbour.md", "value:135", "value:1000000000000",
     "harbour.md:41: error: value:1000000000000 is not an amount (write value:640 or value:12.50; "
     "at most 12 digits before the point and 2 after)"),
    ("harbour.md", "value:135", "value:13.505",
     "harbour.md:41: error: value:13.505 is not an amount (write value:640 or value:12.50; "
     "at most 12 digits before the point and 2 after)"),
    ("harbour.md", "cost:38", "cost:1e400",
     "harbour.md:36: error: cost:1e400 is not an amount (write cost:640 or cost:12.50; "
     "at most 12 digits before the point and 2 after)"),
    ("harbour.md", "- 2026-02-12 gift", "- 1899-12-31 gift",
     "harbour.md:36: error: a log line starts with its date: '1899-12-31' is outside the dates refsite accepts "
     "(1900-01-01 to 2100-12-31)"),
]


@pytest.mark.parametrize(("file", "old", "new", "problem"), REJECTED, ids=[r[2].strip()[:40] for r in REJECTED])
def test_each_rejected_value_is_an_error_with_its_line_and_no_command_crashes(tmp_path, monkeypatch, file, old, new,
                                                                              problem):
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "brief", records)
    path = records / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "--today", "2026-11-22"])
    assert result.exit_code == 1, result.output
    assert f"records/{problem}" in result.output.splitlines()
    before = tree_hash(tmp_path)
    codes = run_all(Path("records"), "2026-11-22", ["harbour"], build=True)
    assert set(codes.values()) == {1}, codes
    assert tree_hash(tmp_path) == before  # no site, no staging folder, nothing else written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["due", "--today", "9999-12-31"], "'9999-12-31' is outside the dates refsite accepts (1900-01-01 to 2100-12-31)"),
        (["due", "--today", "0001-01-01"], "'0001-01-01' is outside the dates refsite accepts (1900-01-01 to 2100-12-31)"),
        (["due", "--within", "3000000"], "Invalid value for '--within': 3000000 is not in the range 0<=x<=3650."),
        (["check", "--grace", "3000000"], "Invalid value for '--grace': 3000000 is not in the range 0<=x<=3650."),
        (["log", "harbour", "call", "--date", "9999-12-31"], "'9999-12-31' is outside the dates refsite accepts"),
    ],
)
def test_command_line_numbers_and_dates_are_bounded_too(tmp_path, monkeypatch, args, message):
    shutil.copytree(FIXTURES / "brief", tmp_path / "records")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
