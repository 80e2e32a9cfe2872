"""The merge driver under real Git: merge, three branches in turn, rebase, cherry-pick; init + setup-git."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from refsite.cli import cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs Git")

DEMO = Path(__file__).resolve().parent.parent / "records"
PARTNER = "records/atlas-creative.md"
LAST = "- 2026-11-05 reply with Jordan Lee: keen, but it needs next year's budget; back to us in February\n"


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {done.stdout}{done.stderr}")
    return done


def setup_git(repo: Path, monkeypatch) -> None:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(cli, ["setup-git"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """A clone with the demo settings and one demo partner, the driver configured, one commit on main."""
    repo = tmp_path / "team"
    (repo / "records").mkdir(parents=True)
    for name in ("settings.yml", "atlas-creative.md"):
        shutil.copy(DEMO / name, repo / "records" / name)
    git(repo, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Test"), ("user.email", "test@example.org"), ("commit.gpgsign", "false")):
        git(repo, "config", key, value)
    setup_git(repo, monkeypatch)
    commit(repo, "start")
    return repo


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def edit(repo: Path, change, path: str = PARTNER) -> None:
    target = repo / path
    target.write_bytes(change(target.read_bytes()))


def branch(repo: Path, name: str, change, start: str = "main") -> None:
    git(repo, "checkout", "-q", "-b", name, start)
    edit(repo, change)
    commit(repo, name)
    git(repo, "checkout", "-q", "main")


def append(line: str):
    return lambda data: data + line.encode()


def replace(old: str, new: str):
    return lambda data: data.replace(old.encode(), new.encode())


def validate(repo: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", "--records", str(repo / "records"), "--today", "2026-12-01"])
    return result.exit_code, result.output


def text(repo: Path) -> str:
    return (repo / PARTNER).read_bytes().decode("utf-8")


def test_both_append_different_lines(repo):
    branch(repo, "ours", append("- 2026-11-20 call @sam with Jordan Lee: the budget\n"))
    branch(repo, "theirs", append("- 2026-11-18 email @maya with Jordan Lee: sent the guide again\n"))
    git(repo, "checkout", "-q", "ours")
    git(repo, "merge", "-q", "--no-edit", "theirs")
    assert text(repo).endswith(LAST + "- 2026-11-18 email @maya with Jordan Lee: sent the guide again\n"
                               "- 2026-11-20 call @sam with Jordan Lee: the budget\n")
    assert validate(repo) == (0, "1 partner, no problems.\n")


def test_both_append_the_same_line(repo):
    line = "- 2026-11-20 call @sam with Jordan Lee: the budget\n"
    branch(repo, "ours", append(line))
    branch(repo, "theirs", append(line))
    git(repo, "checkout", "-q", "ours")
    git(repo, "merge", "-q", "--no-edit", "theirs")
    assert text(repo).endswith(LAST + line)
    assert validate(repo)[0] == 0


def test_front_matter_edit_and_append(repo):
    branch(repo, "ours", replace("stage: prospect", "stage: active"))
    branch(repo, "theirs", append("- 2026-11-20 call @sam with Jordan Lee: the budget\n"))
    git(repo, "checkout", "-q", "ours")
    git(repo, "merge", "-q", "--no-edit", "theirs")
    assert "stage: active\n" in text(repo) and text(repo).endswith("the budget\n")
    assert validate(repo)[0] == 0


def test_the_same_key_changed_differently_conflicts_and_validate_names_the_line(repo):
    branch(repo, "ours", replace("tier: light", "tier: standard"))
    branch(repo, "theirs", replace("tier: light", "tier: key"))
    git(repo, "checkout", "-q", "ours")
    done = git(repo, "merge", "--no-edit", "theirs", check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "records/atlas-creative.md:5: conflict in the front matter 'tier'" in done.stdout + done.stderr
    assert "<<<<<<< ours\ntier: standard\n=======\ntier: key\n>>>>>>> theirs\nowner: sam\n" in text(repo)
    code, output = validate(repo)
    assert code == 1
    assert output.startswith(f"{PARTNER}:5: error: Git merge conflict marker '<<<<<<<': resolve the conflict and delete "
                             "the marker lines\n")


def test_a_deleted_line_stays_deleted(repo):
    gone = "- 2026-09-15 value @sam with Jordan Lee: our desk setup guide\n"
    branch(repo, "ours", replace(gone, ""))
    branch(repo, "theirs", append("- 2026-11-20 call @sam with Jordan Lee: the budget\n"))
    git(repo, "checkout", "-q", "ours")
    git(repo, "merge", "-q", "--no-edit", "theirs")
    assert gone not in text(repo) and text(repo).endswith("the budget\n")
    assert validate(repo)[0] == 0


def test_an_edit_of_a_deleted_line_conflicts(repo):
    line = "- 2026-09-15 value @sam with Jordan Lee: our desk setup guide\n"
    branch(repo, "ours", replace(line, ""))
    branch(repo, "theirs", replace(line, line.replace("guide", "guide (printed)")))
    git(repo, "checkout", "-q", "ours")
    assert git(repo, "merge", "--no-edit", "theirs", check=False).returncode == 1
    assert "<<<<<<< ours\n=======\n" + line.replace("guide", "guide (printed)") + ">>>>>>> theirs\n" in text(repo)
    assert validate(repo)[0] == 1


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_crlf_and_bom_files(repo, bom):
    edit(repo, lambda data: bom + data.replace(b"\n", b"\r\n"))
    commit(repo, "crlf")
    branch(repo, "ours", append("- 2026-11-20 call @sam with Jordan Lee: the budget\r\n"))
    branch(repo, "theirs", lambda d: d.replace(b"tier: light", b"tier: key") + b"- 2026-11-21 email @maya: agenda\r\n")
    git(repo, "checkout", "-q", "ours")
    git(repo, "merge", "-q", "--no-edit", "theirs")
    data = (repo / PARTNER).read_bytes()
    assert data.startswith(bom + b"---\r\nname: Atlas Creative\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    assert b"tier: key\r\n" in data
    assert data.endswith(b"the budget\r\n- 2026-11-21 email @maya: agenda\r\n")
    assert validate(repo)[0] == 0


def test_three_branches_merged_in_turn(repo):
    branch(repo, "a", append("- 2026-11-20 call @sam with Jordan Lee: a\n"))
    branch(repo, "b", append("- 2026-11-19 call @tom with Jordan Lee: b\n"))
    branch(repo, "c", lambda d: d.replace(b"owner: sam", b"owner: maya") + b"- 2026-11-20 email @maya: c\n")
    for name in ("a", "b", "c"):
        git(repo, "merge", "-q", "--no-edit", name)
    assert text(repo).endswith(LAST + "- 2026-11-19 call @tom with Jordan Lee: b\n"
                               "- 2026-11-20 call @sam with Jordan Lee: a\n- 2026-11-20 email @maya: c\n")
    assert "owner: maya\n" in text(repo)
    assert validate(repo)[0] == 0


def test_rebase_and_cherry_pick_use_the_driver(repo):
    branch(repo, "feature", append("- 2026-11-20 call @sam with Jordan Lee: feature\n"))
    branch(repo, "pick", append("- 2026-11-22 email @maya: picked\n"))
    edit(repo, append("- 2026-11-21 email @tom: main\n"))
    commit(repo, "main")
    git(repo, "checkout", "-q", "feature")
    git(repo, "rebase", "-q", "main")
    assert text(repo).endswith(LAST + "- 2026-11-20 call @sam with Jordan Lee: feature\n- 2026-11-21 email @tom: main\n")
    git(repo, "cherry-pick", "pick")
    assert text(repo).endswith("- 2026-11-21 email @tom: main\n- 2026-11-22 email @maya: picked\n")
    assert validate(repo)[0] == 0


def test_init_then_setup_git_makes_concurrent_appends_merge(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)  # refsite check does not warn under CI
    repo = tmp_path / "new"
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(repo)])
    assert result.exit_code == 0, result.output
    assert "run `refsite setup-git` once" in result.output
    assert (repo / ".gitattributes").read_text() == "records/*.md merge=refsite\n"
    git(repo, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Test"), ("user.email", "test@example.org"), ("commit.gpgsign", "false")):
        git(repo, "config", key, value)
    monkeypatch.chdir(repo)
    result = runner.invoke(cli, ["new", "harbour", "--name", "Harbour", "--category", "primary-care", "--today", "2026-11-01"])
    assert result.exit_code == 0, result.output
    commit(repo, "start")
    check = runner.invoke(cli, ["check", "--today", "2026-11-02"])
    assert "run `refsite setup-git` once in this clone" in check.output
    result = runner.invoke(cli, ["setup-git"])
    assert result.exit_code == 0, result.output
    assert (repo / ".gitattributes").read_text() == "records/*.md merge=refsite\n"  # not twice
    assert "run `refsite setup-git`" not in runner.invoke(cli, ["check", "--today", "2026-11-02"]).output
    for name, day in (("one", "2026-11-03"), ("two", "2026-11-04")):
        git(repo, "checkout", "-q", "-b", name, "main")
        result = runner.invoke(cli, ["log", "harbour", "call", "--date", day, "--today", "2026-11-05"])
        assert result.exit_code == 0, result.output
        commit(repo, name)
    git(repo, "checkout", "-q", "one")
    git(repo, "merge", "-q", "--no-edit", "two")
    assert (repo / "records/harbour.md").read_text().endswith("- 2026-11-03 call\n- 2026-11-04 call\n")


def test_setup_git_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = CliRunner().invoke(cli, ["setup-git"])
    assert result.exit_code == 2, result.output
    assert "not in a Git work tree" in result.output


def test_every_demo_record_merges_and_validates(tmp_path):
    base_dir = tmp_path / "records"
    shutil.copytree(DEMO, base_dir)
    for path in sorted(base_dir.glob("*.md")):
        base = path.read_bytes()
        ours = tmp_path / "ours"
        ours.write_bytes(base + b"- 2026-11-28 email @maya: ours\n")
        (tmp_path / "base").write_bytes(base)
        theirs = base if b"\nlocation:" in base else base.replace(b"\n---\n", b"\nlocation: Sydney\n---\n", 1)
        (tmp_path / "theirs").write_bytes(theirs + b"- 2026-11-27 email @tom: theirs\n")
        result = CliRunner().invoke(cli, ["merge-driver", str(tmp_path / "base"), str(ours), str(tmp_path / "theirs"),
                                          f"records/{path.name}"])
        assert result.exit_code == 0, (path.name, result.output)
        merged = ours.read_bytes()
        assert merged.endswith(b"- 2026-11-27 email @tom: theirs\n- 2026-11-28 email @maya: ours\n"), path.name
        path.write_bytes(merged)
    code, output = validate(tmp_path)
    assert code == 0, output
