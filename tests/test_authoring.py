"""refsite log / new / init: only the bytes they add, atomic writes, nothing written on error."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TODAY

import refsite.authoring
from refsite.authoring import InitOptions, append_event, init_repository
from refsite.cli import cli
from refsite.load import load_partner
from refsite.problems import Source
from refsite.settings import Member, Settings

SETTINGS = Settings(team=(Member("maya", "Maya Chen", Source("s", 1)),), default_owner="maya")
HEAD = "---\nname: Harbour Street\ncategory: primary-care\nstage: active\ncontacts:\n  - name: Leah Ortiz\n    role: front-desk\n---\n\nNotes.\n"


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "harbour.md"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # LF, log last: the line goes at the end
        (HEAD + "\n## Log\n\n- 2026-09-03 call\n", HEAD + "\n## Log\n\n- 2026-09-03 call\n- 2026-11-22 visit @maya\n"),
        # no final newline: one is added where the new line needs it, nothing else changes
        (HEAD + "\n## Log\n\n- 2026-09-03 call", HEAD + "\n## Log\n\n- 2026-09-03 call\n- 2026-11-22 visit @maya\n"),
        # trailing blank lines after the log stay after it
        (HEAD + "\n## Log\n\n- 2026-09-03 call\n\n\n", HEAD + "\n## Log\n\n- 2026-09-03 call\n- 2026-11-22 visit @maya\n\n\n"),
        # a section after the log stays after it
        (HEAD + "\n## Log\n\n- 2026-09-03 call\n\n## Later\n\ntext\n",
         HEAD + "\n## Log\n\n- 2026-09-03 call\n- 2026-11-22 visit @maya\n\n## Later\n\ntext\n"),
        # an empty log
        (HEAD + "\n## Log\n", HEAD + "\n## Log\n- 2026-11-22 visit @maya\n"),
        # no log yet: the heading is added at the end
        (HEAD, HEAD + "\n## Log\n\n- 2026-11-22 visit @maya\n"),
        # a heading written '##<TAB>After' closes the log for the loader, so the line goes before it
        # (the document model is the one rule; refsite log once put it after, outside the log)
        (HEAD + "\n## Log\n\n- 2026-09-03 call\n\n##\tAfter\n\ntext\n",
         HEAD + "\n## Log\n\n- 2026-09-03 call\n- 2026-11-22 visit @maya\n\n##\tAfter\n\ntext\n"),
    ],
)
def test_append_changes_only_the_added_bytes(tmp_path, before, after):
    path = write(tmp_path, before.encode())
    line, problems = append_event(path, "harbour.md", "2026-11-22 visit @maya", SETTINGS, TODAY)
    assert (line, problems) == ("- 2026-11-22 visit @maya", [])
    assert path.read_bytes() == after.encode()


def test_append_keeps_bom_crlf_and_mode(tmp_path):
    before = ("\ufeff" + HEAD + "\n## Log\n\n- 2026-09-03 call: café\n").replace("\n", "\r\n").encode("utf-8")
    path = write(tmp_path, before)
    os.chmod(path, 0o664)
    append_event(path, "harbour.md", "2026-11-22 thanks @maya with Leah Ortiz: card", SETTINGS, TODAY)
    assert path.read_bytes() == before + b"- 2026-11-22 thanks @maya with Leah Ortiz: card\r\n"
    assert path.stat().st_mode & 0o777 == 0o664
    assert [p.name for p in tmp_path.iterdir() if p.name != ".refsite.lock"] == ["harbour.md"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2026-11-22 coffe", "harbour.md:15: error: unknown log kind 'coffe' (did you mean 'coffee'?)"),
        ("2026-11-22 call @mia", "harbour.md:15: error: @mia is not on the team (team: maya)"),
        ("2026-11-30 call", "harbour.md:15: error: 2026-11-30 is after today (2026-11-22): log what happened, not what is planned"),
        ("2026-09-03 call", "harbour.md:15: error: this event is already in the log"),
        ("2026-11-22 thanks R-9", "harbour.md:15: error: thanks for referral R-9, which is not in harbour's log"),
    ],
)
def test_nothing_is_written_on_error(tmp_path, body, message):
    before = (HEAD + "\n## Log\n\n- 2026-09-03 call\n").encode()
    path = write(tmp_path, before)
    line, problems = append_event(path, "harbour.md", body, SETTINGS, TODAY)
    assert line is None
    assert [str(p) for p in problems] == [message]
    assert path.read_bytes() == before


def test_a_warning_does_not_stop_the_append(tmp_path):
    path = write(tmp_path, (HEAD + "\n## Log\n").encode())
    line, problems = append_event(path, "harbour.md", "2026-11-22 call with Dr. Who", SETTINGS, TODAY)
    assert line == "- 2026-11-22 call with Dr. Who"
    assert [p.severity.value for p in problems] == ["warning"]


def test_a_file_with_errors_is_left_alone(tmp_path):
    before = (HEAD.replace("stage: active", "stage: activ") + "\n## Log\n").encode()
    path = write(tmp_path, before)
    line, problems = append_event(path, "harbour.md", "2026-11-22 call", SETTINGS, TODAY)
    assert line is None
    assert problems[-1].message == "fix the errors in this file before adding to its log"
    assert path.read_bytes() == before


def test_concurrent_appends_all_land(tmp_path):
    """Two processes appending 40 lines each: all 80 land (temp-and-replace alone loses some)."""
    path = write(tmp_path, (HEAD + "\n## Log\n").encode())
    script = (
        "import sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from refsite.authoring import append_event\n"
        "from refsite.settings import Settings\n"
        "for i in range(40):\n"
        "    line, problems = append_event(Path(sys.argv[1]), 'h', f'2026-11-22 note: {sys.argv[2]} {i}', Settings(), dt.date(2026, 11, 22))\n"
        "    assert line, problems\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), who]) for who in ("a", "b")]
    assert [p.wait() for p in procs] == [0, 0]
    partner, problems = load_partner(path, "h", Settings())
    assert problems == []
    assert sorted(e.text for e in partner.events) == sorted(f"{w} {i}" for w in "ab" for i in range(40))


def test_cli_log_and_new(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "settings.yml").write_text("team:\n  - id: maya\n    name: Maya Chen\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["new", "harbour-street", "--name", "Harbour St: Family #1", "--category", "primary-care",
                                 "--today", "2026-11-01"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["log", "harbour-street", "--today", "2026-11-22", "visit", "@maya:", "dropped", "off", "pads"])
    assert result.exit_code == 0, result.output
    assert result.output == "records/harbour-street.md: - 2026-11-22 visit @maya: dropped off pads\n"
    result = runner.invoke(cli, ["validate", "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    partner, _ = load_partner(Path("records/harbour-street.md"), "x", Settings())
    assert partner.name == "Harbour St: Family #1"
    assert partner.owner == "maya"
    assert [(e.kind, e.stage) for e in partner.events] == [("stage", "prospect"), ("visit", None)]
    result = runner.invoke(cli, ["new", "harbour-street", "--name", "Again", "--category", "primary-care"])
    assert result.exit_code == 1
    assert "exists already" in result.output
    result = runner.invoke(cli, ["log", "harbour", "call"])
    assert result.exit_code == 2
    assert "did you mean 'harbour-street'?" in result.output


def test_init_writes_a_working_repository_and_overwrites_nothing(tmp_path, monkeypatch):
    written, problems = init_repository(tmp_path, InitOptions(), dt.date(2026, 11, 22))
    assert problems == []
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        ".gitattributes", ".github/workflows/refsite-check.yml", ".gitignore", ".pre-commit-config.yaml",
        "records/settings.yml", "requirements.txt",
    ]
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["new", "first", "--name", "First", "--category", "other", "--today", "2026-11-22"]).exit_code == 0
    result = runner.invoke(cli, ["validate", "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    settings_before = (tmp_path / "records/settings.yml").read_bytes()
    result = runner.invoke(cli, ["init", "."])
    assert result.exit_code == 1
    assert (tmp_path / "records/settings.yml").read_bytes() == settings_before


def test_log_refuses_a_referral_id_another_partner_has(tmp_path):
    """The new line is checked against every record, as the next validate will see it; nothing is written."""
    from conftest import changed_paths, tree_state

    other = tmp_path / "bondi.md"
    other.write_text("---\nname: Bondi Chiro\ncategory: chiropractic\nstage: active\n---\n\n## Log\n\n"
                     "- 2026-11-01 referral-in R-77 @maya service:knee\n")
    path = write(tmp_path, (HEAD + "\n## Log\n\n- 2026-09-03 call\n").encode())
    before = tree_state(tmp_path)
    line, problems = append_event(path, "harbour.md", "2026-11-20 referral-in R-77 @maya service:knee", SETTINGS, TODAY)
    assert line is None
    assert [str(p) for p in problems] == [
        "harbour.md:15: error: referral R-77 is also in bondi's log: referral ids are unique across partners"]
    assert changed_paths(before, tree_state(tmp_path)) == {".refsite.lock"}  # the lock (ignored by Git), nothing else


def test_many_appends_read_the_folder_once_and_check_each_line_against_the_lines_written_before(tmp_path, monkeypatch):
    """refsite import's appends: the records are read at the first referral line, then kept current."""
    from refsite.authoring import OtherRecords

    reads = []
    real = refsite.authoring.load_records
    monkeypatch.setattr(refsite.authoring, "load_records", lambda *a, **k: reads.append(a) or real(*a, **k))
    other = tmp_path / "bondi.md"
    other.write_text("---\nname: Bondi Chiro\ncategory: chiropractic\nstage: active\n---\n\n## Log\n\n"
                     "- 2026-09-01 call\n")
    path = write(tmp_path, (HEAD + "\n## Log\n\n- 2026-09-03 call\n").encode())
    others = OtherRecords(tmp_path, SETTINGS, "")
    written = [append_event(where, f"{where.name}", body, SETTINGS, TODAY, others=others)
               for where, body in [(path, "2026-11-20 referral-in R-77 @maya service:knee"),
                                   (path, "2026-11-21 referral-in R-78 @maya service:knee"),
                                   (other, "2026-11-21 referral-in R-77 @maya service:knee")]]
    assert [line for line, _ in written] == ["- 2026-11-20 referral-in R-77 @maya service:knee",
                                             "- 2026-11-21 referral-in R-78 @maya service:knee", None]
    assert [str(p) for p in written[2][1]] == [
        "harbour.md:15: error: referral R-77 is also in bondi's log: referral ids are unique across partners"]
    assert len(reads) == 1
