"""Issue 10, parts 2 to 4: partners by id only, writes confined and atomic, nothing skipped in silence."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import changed_paths, tree_hash, tree_state

from refsite.cli import cli

TODAY = "2026-11-22"
PARTNER = "---\nname: {name}\ncategory: primary-care\nstage: active\n---\n\nNotes.\n\n## Log\n\n- 2026-09-03 call @maya\n"
SETTINGS = "team:\n  - {id: maya, name: Maya}\n"


def make_repo(tmp_path: Path) -> Path:
    """tmp_path/repo: a git repository with records/harbour.md and bondi.md; tmp_path/other/victim.md beside it."""
    repo = tmp_path / "repo"
    (repo / "records").mkdir(parents=True)
    (repo / "records" / "settings.yml").write_text(SETTINGS)
    (repo / "records" / "harbour.md").write_text(PARTNER.format(name="Harbour Street"))
    (repo / "records" / "bondi.md").write_text(PARTNER.format(name="Bondi Chiro"))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "victim.md").write_text(PARTNER.format(name="Victim"))
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def invoke(repo: Path, monkeypatch, *args: str):
    monkeypatch.chdir(repo)
    return CliRunner().invoke(cli, [*args, "--today", TODAY])


# --------------------------------------------------------------------------- partner ids


@pytest.mark.parametrize(
    ("command", "partner", "message"),
    [
        ("log", "../other/victim", "Invalid value for PARTNER: '../other/victim' is not a partner id"),
        ("log", "{abs}", "is not a partner id: a partner is named by its id"),
        ("log", "harbour\n", "Invalid value for PARTNER: 'harbour\\n' is not a partner id"),
        ("log", "harbour.md", "never by a path (did you mean 'harbour'?)"),
        ("log", "records/harbour", "never by a path (did you mean 'harbour'?)"),
        ("brief", "../other/victim", "Invalid value for PARTNER: '../other/victim' is not a partner id"),
        ("brief", "harbour\n", "Invalid value for PARTNER: 'harbour\\n' is not a partner id"),
        ("new", "evil\n", "Invalid value for ID: 'evil\\n' is not a partner id"),
        ("new", "../evil", "Invalid value for ID: '../evil' is not a partner id"),
    ],
)
def test_a_partner_is_named_by_its_id_never_a_path(tmp_path, monkeypatch, command, partner, message):
    repo = make_repo(tmp_path)
    partner = partner.format(abs=str(tmp_path / "other" / "victim"))
    extra = {"log": ["call", "@maya"], "brief": [], "new": ["--name", "Evil", "--category", "primary-care"]}[command]
    before = tree_hash(tmp_path)
    result = invoke(repo, monkeypatch, command, partner, *extra)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert tree_hash(tmp_path) == before


def test_a_record_file_named_with_a_newline_is_an_error(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    (repo / "records" / "harbour\n.md").write_text(PARTNER.format(name="Newline"))
    result = invoke(repo, monkeypatch, "validate")
    assert result.exit_code == 1, result.output
    assert ("records/harbour\\n.md:1: error: file name 'harbour\\n.md' is not a partner id: use lowercase letters, "
            "digits and hyphens, e.g. 'harbour.md'") in result.output


# --------------------------------------------------------------------------- links


def test_log_writes_through_a_symbolic_link_keeping_the_link_and_the_mode(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    records = repo / "records"
    (records / "archive").mkdir()
    real = records / "archive" / "real.md"
    (records / "bondi.md").rename(real)
    real.chmod(0o640)
    (records / "bondi.md").symlink_to("archive/real.md")
    before = tree_state(tmp_path)
    result = invoke(repo, monkeypatch, "log", "bondi", "call", "@maya")
    assert result.exit_code == 0, result.output
    assert (records / "bondi.md").is_symlink() and os.readlink(records / "bondi.md") == "archive/real.md"
    assert real.read_text().endswith("- 2026-09-03 call @maya\n- 2026-11-22 call @maya\n")
    assert real.stat().st_mode & 0o777 == 0o640
    # the lock file is refsite's (ignored by git); nothing else but the real file changed
    assert changed_paths(before, tree_state(tmp_path)) == {"repo/records/archive/real.md", "repo/records/.refsite.lock"}


def test_log_refuses_a_symbolic_link_leaving_the_records_folder(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    (repo / "records" / "victim.md").symlink_to(tmp_path / "other" / "victim.md")
    before = tree_hash(tmp_path)
    result = invoke(repo, monkeypatch, "log", "victim", "call", "@maya")
    assert result.exit_code == 1, result.output
    assert (f"records/victim.md: error: this record is a symbolic link to {tmp_path / 'other' / 'victim.md'}, "
            "outside the records folder: refsite writes only inside it; nothing written") in result.output
    assert tree_hash(tmp_path) == before


def test_log_refuses_a_record_with_hard_links(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    os.link(repo / "records" / "harbour.md", tmp_path / "other" / "harbour-copy.md")
    before = tree_hash(tmp_path)
    result = invoke(repo, monkeypatch, "log", "harbour", "call", "@maya")
    assert result.exit_code == 1, result.output
    assert ("records/harbour.md: error: this record has 2 hard links: replacing it atomically would split them, "
            "so nothing was written") in result.output
    assert tree_hash(tmp_path) == before


# --------------------------------------------------------------------------- temporary files and kills


def test_a_stale_temporary_file_is_warned_then_removed_by_the_next_write(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    stale = repo / "records" / ".harbour.md.x7k2q.refsite-tmp"
    old_style = repo / "records" / ".harbour.md.ab12cd.tmp"
    stale.write_text("a copy")
    old_style.write_text("a copy")
    result = invoke(repo, monkeypatch, "validate")
    assert result.exit_code == 0, result.output
    for name in (old_style.name, stale.name):
        assert (f"records/{name}: warning: a temporary file left by an interrupted refsite write: the next "
                "`refsite log` or `refsite new` removes it (or delete it)") in result.output
    before = tree_state(tmp_path)
    result = invoke(repo, monkeypatch, "log", "harbour", "call", "@maya")
    assert result.exit_code == 0, result.output
    assert changed_paths(before, tree_state(tmp_path)) == {"repo/records/harbour.md", f"repo/records/{stale.name}",
                                                          f"repo/records/{old_style.name}", "repo/records/.refsite.lock"}
    assert not stale.exists() and not old_style.exists()


KILLED_LOG = """
import os, sys
from refsite import authoring
from refsite.cli import cli
real_replace = os.replace
when = sys.argv[1]
def replace(src, dst):
    if when == "before-rename":
        os._exit(9)
    real_replace(src, dst)
    os._exit(9)
authoring.os.replace = replace
cli(["log", "--records", sys.argv[2], "--today", "2026-11-22", "harbour", "visit", "@maya"])
"""


@pytest.mark.parametrize("when", ["before-rename", "after-rename"])
def test_a_killed_log_leaves_the_old_or_the_new_file_whole(tmp_path, when):
    repo = make_repo(tmp_path)
    records = repo / "records"
    old = (records / "harbour.md").read_text()
    run = subprocess.run([sys.executable, "-c", KILLED_LOG, when, str(records)], capture_output=True, text=True)
    assert run.returncode == 9, run.stderr
    text = (records / "harbour.md").read_text()
    assert text == (old if when == "before-rename" else old + "- 2026-11-22 visit @maya\n")
    temps = sorted(p.name for p in records.glob(".harbour.md.*.refsite-tmp"))
    assert len(temps) == (1 if when == "before-rename" else 0)
    (repo / ".gitignore").write_text((Path(__file__).parent.parent / ".gitignore").read_text())
    status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout
    assert "refsite-tmp" not in status


# --------------------------------------------------------------------------- nothing skipped in silence


def test_files_not_read_are_warnings_with_their_path(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    records = repo / "records"
    (records / "old").mkdir()
    (records / "old" / "sub.md").write_text(PARTNER.format(name="In a subfolder"))
    (records / "SHOUT.MD").write_text(PARTNER.format(name="Upper case"))
    (records / "gone.md").symlink_to("nowhere.md")
    (records / "loop.md").symlink_to("loop.md")
    (records / "outside.md").symlink_to(tmp_path / "other" / "victim.md")
    before = tree_hash(tmp_path)
    result = invoke(repo, monkeypatch, "validate")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "records/SHOUT.MD: warning: 'SHOUT.MD' is not read: partner files end in lowercase .md (rename it 'SHOUT.md')",
        "records/gone.md: warning: a symbolic link that leads nowhere (dangling, or a loop): not read",
        "records/loop.md: warning: a symbolic link that leads nowhere (dangling, or a loop): not read",
        "records/old/sub.md: warning: not read: partner files live directly in the records folder, not in a subfolder",
        f"records/outside.md: warning: a symbolic link to a file outside the records folder "
        f"({tmp_path / 'other' / 'victim.md'}): read, but `refsite log` will not write through it",
        "0 errors, 5 warnings",
    ]
    assert tree_hash(tmp_path) == before


def test_two_partners_with_the_same_name_are_a_warning(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    (repo / "records" / "harbour-2.md").write_text(PARTNER.format(name="harbour  street"))
    result = invoke(repo, monkeypatch, "validate")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "records/harbour-2.md:2: warning: name: 'harbour  street' is also the name of harbour (harbour.md): "
        "one partner in two files? merge them, or tell them apart in the name")


@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [
        ("Notes \x1b[31mred\x1b[0m.", 7, "U+001B (escape)"),
        ("Ding\x07.", 7, "U+0007 (bell)"),
        ("---\nname: Harbour \u202eteertS\ncategory: primary-care\nstage: active\n---\n", 2, "U+202E (right-to-left override)"),
        ("## Log\n\n- 2026-09-04 call @maya: hi \u2066there", 11, "U+2066 (left-to-right isolate)"),
    ],
)
def test_control_and_bidi_characters_are_errors_with_their_line(tmp_path, monkeypatch, text, line, shown):
    repo = make_repo(tmp_path)
    path = repo / "records" / "harbour.md"
    body = path.read_text()
    if text.startswith("---"):
        body = text + body.split("---\n", 2)[2]
    elif text.startswith("## Log"):
        body = body.replace("## Log\n\n- 2026-09-03 call @maya\n", text + "\n")
    else:
        body = body.replace("Notes.", text)
    path.write_text(body)
    result = invoke(repo, monkeypatch, "validate")
    assert result.exit_code == 1, result.output
    assert (f"records/harbour.md:{line}: error: the line holds the invisible character {shown}: delete it (control "
            "characters and right-to-left overrides can disguise text)") in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output


@pytest.mark.parametrize(("char", "shown"), [("\x1b", "U+001B (escape)"), ("\x07", "U+0007 (bell)"),
                                             ("\u202e", "U+202E (right-to-left override)"), ("\x1f", "U+001F (control)")])
def test_log_refuses_control_characters_before_writing(tmp_path, monkeypatch, char, shown):
    repo = make_repo(tmp_path)
    before = tree_hash(tmp_path)
    result = invoke(repo, monkeypatch, "log", "harbour", "call", "@maya:", f"dropped{char}[2J off")
    assert result.exit_code == 1, result.output
    assert result.output == (f"records/harbour.md: error: the line holds the invisible character {shown}: nothing "
                             "written (control characters and right-to-left overrides can disguise text)\n1 error, 0 warnings\n")
    assert tree_hash(tmp_path) == before


def test_tabs_stay_allowed_where_the_grammar_allows_them(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    result = invoke(repo, monkeypatch, "log", "harbour", "call", "@maya:", "a\ttab")
    assert result.exit_code == 0, result.output
    shutil.copytree(Path(__file__).parent / "fixtures" / "extreme", tmp_path / "extreme")
    result = invoke(repo, monkeypatch, "validate", "--records", str(tmp_path / "extreme"))
    assert result.exit_code == 0, result.output


def test_new_refuses_a_dangling_link_with_the_new_id(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    (repo / "records" / "evil.md").symlink_to(tmp_path / "other" / "planted.md")
    before = tree_hash(tmp_path)
    result = invoke(repo, monkeypatch, "new", "evil", "--name", "Evil", "--category", "primary-care")
    assert result.exit_code == 1, result.output
    assert ("records/evil.md: error: a symbolic link with this name exists already (it leads nowhere): remove it "
            "first") in result.output
    assert tree_hash(tmp_path) == before
