"""Issue 10, part 1: the site folder is refsite's, or it is refused; a killed build loses no site."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import tree_hash

from refsite import site
from refsite.cli import cli

FIXTURE = Path(__file__).parent / "fixtures" / "site-records"
TODAY = "2026-11-22"


def make_repo(tmp_path: Path) -> Path:
    """A records repository: records/, mkdocs.yml and a real .git."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo / "records")
    (repo / "mkdocs.yml").write_text("site_name: Test\ntheme:\n  name: material\n  font: false\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


class FakeBuilder:
    """Writes one page that names the build, so a test can tell the old site from the new."""

    name = "fake"

    def __init__(self, label: str) -> None:
        self.label = label

    def build(self, config_file, docs_dir, site_dir, today, site_name=None):
        (Path(site_dir) / "index.html").write_text(self.label)
        (Path(site_dir) / "assets").mkdir()
        (Path(site_dir) / "assets" / "a.css").write_text(self.label)
        return []


def built(site_dir: Path, label: str) -> bool:
    """Whether ``site_dir`` holds the complete site of the build ``label``."""
    return ((site_dir / "index.html").read_text() == label and (site_dir / "assets" / "a.css").read_text() == label
            and (site_dir / site.MARKER).is_file())


@pytest.mark.parametrize(
    ("site_dir", "why"),
    [
        ("records", "'records' is (or is inside) the records folder: the site must go elsewhere, e.g. site/"),
        ("records/site", "'records/site' is (or is inside) the records folder: the site must go elsewhere, e.g. site/"),
        (".", "'.' is the repository's top folder: building there would replace your records; use e.g. --site-dir site"),
        ("..", "is a folder holding the records repository: building there would replace your records; use e.g. --site-dir site"),
        ("withgit", "'withgit' holds .git: it is a repository or a site's sources, not a built site"),
        ("withconfig", "'withconfig' holds mkdocs.yml: it is a repository or a site's sources, not a built site"),
        ("notes", "'notes' is not empty and holds no .refsite-site (the mark of a site refsite built): refsite will not "
                  "replace it; choose an empty or new folder, or delete this one yourself"),
        ("markedwithmd", "'markedwithmd' holds a Markdown source (markedwithmd/sub/page.md): not a built site"),
        ("afile", "Invalid value for '--site-dir': Directory 'afile' is a file."),  # click's own check
    ],
)
def test_build_refuses_a_site_folder_that_is_not_refsites(tmp_path, monkeypatch, site_dir, why):
    repo = make_repo(tmp_path)
    (repo / "withgit" / ".git").mkdir(parents=True)
    (repo / "withconfig").mkdir()
    (repo / "withconfig" / "mkdocs.yml").write_text("site_name: x\n")
    (repo / "notes").mkdir()
    (repo / "notes" / "plan.txt").write_text("mine\n")
    (repo / "markedwithmd" / "sub").mkdir(parents=True)
    (repo / "markedwithmd" / site.MARKER).write_text("")
    (repo / "markedwithmd" / "sub" / "page.md").write_text("# mine\n")
    (repo / "afile").write_text("a file\n")
    monkeypatch.chdir(repo)
    before = tree_hash(tmp_path)
    result = CliRunner().invoke(cli, ["build", "--today", TODAY, "--site-dir", site_dir])
    assert result.exit_code == 2, result.output
    assert why in result.output
    assert "nothing was touched" in result.output or site_dir == "afile"
    assert "Traceback" not in result.output
    assert tree_hash(tmp_path) == before


def test_serve_refuses_too(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    monkeypatch.chdir(repo)
    before = tree_hash(tmp_path)
    result = CliRunner().invoke(cli, ["serve", "--today", TODAY, "--site-dir", "records"])
    assert result.exit_code == 2, result.output
    assert "'records' is (or is inside) the records folder" in result.output
    assert tree_hash(tmp_path) == before


def test_the_library_refuses_as_well(tmp_path):
    repo = make_repo(tmp_path)
    layout = site.Layout.find(repo / "records", site_dir=repo / "records")
    before = tree_hash(tmp_path)
    with pytest.raises(site.SiteDirRefused):
        site.build(layout, dt.date(2026, 11, 22), FakeBuilder("x"))
    assert tree_hash(tmp_path) == before


def test_a_real_build_marks_the_site_and_replaces_only_a_marked_one(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    monkeypatch.chdir(repo)
    (repo / "empty").mkdir()
    result = CliRunner().invoke(cli, ["build", "--today", TODAY, "--site-dir", "empty"])
    assert result.exit_code == 0, result.output
    assert (repo / "empty" / site.MARKER).read_text() == site.MARKER_TEXT
    assert (repo / "empty" / "index.html").is_file()
    monkeypatch.setattr(site.MkDocsBuilder, "build", FakeBuilder("second").build)
    result = CliRunner().invoke(cli, ["build", "--today", TODAY, "--site-dir", "empty"])  # over the marked site
    assert result.exit_code == 0, result.output
    assert built(repo / "empty", "second")
    assert not list(repo.glob(".site-*"))


def test_each_build_removes_the_leftovers_of_killed_builds(tmp_path, monkeypatch):
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    out = tmp_path / "out"
    staging = [out / ".site-new-abc123", out / ".site-old-def456", out / ".site-new-empty"]
    for folder in staging:
        folder.mkdir(parents=True)
    for folder in staging[:2]:
        (folder / site.MARKER).write_text("")
    mine = out / ".site-new-mine"  # not refsite's: no marker, not empty
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    dead = temp / "refsite-docs-dead"
    dead.mkdir()
    (dead / site.PID_FILE).write_text("999999999")
    alive = temp / "refsite-docs-alive"
    alive.mkdir()
    (alive / site.PID_FILE).write_text(str(os.getpid()))
    problems = site.build_site({"index.md": "# hi\n"}, out / "site", tmp_path / "mkdocs.yml", dt.date(2026, 11, 22),
                               FakeBuilder("new"))
    assert problems == []
    assert built(out / "site", "new")
    assert sorted(p.name for p in out.iterdir()) == [".site-new-mine", "site"]
    assert (mine / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in temp.iterdir()) == ["refsite-docs-alive"]


def test_a_build_beside_a_running_one_leaves_its_half_built_site_alone(tmp_path):
    # Two sites built at once in one folder (or one site twice): each build's clean-up removes only the
    # staging folders of builds no longer running, named by their process (a dead one's are debris).
    out = tmp_path / "out"
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        theirs = [out / f".site-new-{running.pid}-a1b2", out / f".site-old-{running.pid}-c3d4"]
        dead = [out / ".site-new-999999999-e5f6", out / ".site-old-999999999-g7h8"]
        for folder in theirs + dead:
            folder.mkdir(parents=True)
            (folder / site.MARKER).write_text("")
            (folder / "index.html").write_text("half built")
        assert site.build_site({"index.md": "# mine"}, out / "site", tmp_path / "mkdocs.yml", dt.date(2026, 11, 22),
                               FakeBuilder("mine")) == []
        assert built(out / "site", "mine")
        assert sorted(p.name for p in out.iterdir()) == sorted([f.name for f in theirs] + ["site"])
        assert all((f / "index.html").read_text() == "half built" for f in theirs)
    finally:
        running.kill()
        running.wait()
    site.clean_leftovers(out / "site")  # once that build is gone, its folders are debris too
    assert sorted(p.name for p in out.iterdir()) == ["site"]


KILL = """
import datetime as dt, os, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_safety_site import FakeBuilder
import refsite.site.pipeline as site
point, out, exchange = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "exchange"
if not exchange:
    site._exchange = lambda a, b: False
def fault(at):
    if at == point:
        os._exit(9)  # a kill: no cleanup runs
site._fault = fault
class Killed(FakeBuilder):
    def build(self, *args, **kwargs):
        problems = super().build(*args, **kwargs)
        if point == "building":
            os._exit(9)
        return problems
site.build_site({{"index.md": "# new"}}, out / "site", out / "mkdocs.yml", dt.date(2026, 11, 22), Killed("new"))
"""


@pytest.mark.parametrize(
    ("point", "exchange", "left"),
    [
        ("building", "exchange", "old"),
        ("before-swap", "exchange", "old"),
        ("after-exchange", "exchange", "new"),
        ("building", "renames", "old"),
        ("between-renames", "renames", None),  # the path is empty: the old site waits in .site-old-*
        ("after-renames", "renames", "new"),
    ],
)
def test_a_build_killed_at_any_point_leaves_a_whole_site(tmp_path, point, exchange, left):
    out = tmp_path / "out"
    out.mkdir()
    assert site.build_site({"index.md": "# old"}, out / "site", out / "mkdocs.yml", dt.date(2026, 11, 22),
                           FakeBuilder("old")) == []
    script = KILL.format(tests=str(Path(__file__).parent))
    run = subprocess.run([sys.executable, "-c", script, point, str(out), exchange], capture_output=True, text=True)
    assert run.returncode == 9, run.stderr
    if left is None:  # only without an atomic exchange: the window between the two renames
        assert not (out / "site").exists()
        olds = list(out.glob(".site-old-*"))
        assert len(olds) == 1 and built(olds[0], "old")
        site.clean_leftovers(out / "site")  # what the next build does first: the old site is back
        assert built(out / "site", "old")
    else:
        assert built(out / "site", left)
    # The next build cleans up whatever the kill left and puts the new site in place.
    assert site.build_site({"index.md": "# again"}, out / "site", out / "mkdocs.yml", dt.date(2026, 11, 22),
                           FakeBuilder("again")) == []
    assert built(out / "site", "again")
    assert sorted(p.name for p in out.iterdir()) == ["site"]


def test_gitignores_cover_the_staging_folders_and_temporary_files(tmp_path):
    from refsite.authoring import GITIGNORE

    project = (Path(__file__).parent.parent / ".gitignore").read_text()
    for text in (project, GITIGNORE):
        repo = tmp_path / str(abs(hash(text)))
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        (repo / ".gitignore").write_text(text)
        for rel in ("records/.harbour.md.k2j4h1.refsite-tmp", ".site-new-x1/index.html", ".site-old-y2/index.html",
                    "site/index.html"):
            run = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", rel])
            assert run.returncode == 0, (rel, text)


def test_a_site_built_before_the_marker_existed_is_still_replaced(tmp_path):
    out = tmp_path / "site"
    (out / site.POLYFILL).parent.mkdir(parents=True)
    for name in (site.POLYFILL, "index.html", "robots.txt"):
        (out / name).write_text("old")
    assert site.site_dir_refusal(out, tmp_path / "records") is None
    (out / "robots.txt").unlink()
    assert site.site_dir_refusal(out, tmp_path / "records") == (
        f"'{site.pipeline.display_path(out)}' is not empty and holds no .refsite-site (the mark of a site refsite built): "
        "refsite will not replace it; choose an empty or new folder, or delete this one yourself")
