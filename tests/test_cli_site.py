"""`refsite build` and `refsite serve`: options, messages and exit status (the build itself: test_site.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from unittest import mock

from click.testing import CliRunner

from refsite import site
from refsite.cli import cli
from refsite.problems import Source, error

FIXTURE = Path(__file__).parent / "fixtures" / "site-records"


def records_in(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "records")
    return tmp_path / "records"


def test_build_writes_the_site_next_to_the_records(tmp_path):
    records = records_in(tmp_path)
    result = CliRunner().invoke(cli, ["build", "--records", str(records), "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    assert result.output == f"Built 28 pages and files into {tmp_path / 'site'} (as of 2026-11-22).\n"
    assert (tmp_path / "site" / "index.html").is_file()


def test_build_with_invalid_records_prints_the_problems_and_exits_1(tmp_path):
    records = records_in(tmp_path)
    (records / "bad.md").write_text("---\nname: Bad\ncategory: nowhere\nstage: active\n---\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--records", str(records), "--today", "2026-11-22"])
    assert result.exit_code == 1, result.output
    assert f"{records.as_posix()}/bad.md:3: error: category: unknown category 'nowhere'" in result.output
    assert result.output.endswith("The site was not built; the previous site is unchanged.\n")
    assert not (tmp_path / "site").exists()


def test_build_options_reach_the_layout(tmp_path):
    records = records_in(tmp_path)
    config = tmp_path / "conf.yml"
    config.write_text("site_name: x\n")
    templates = tmp_path / "tpl"
    templates.mkdir()
    with mock.patch("refsite.site.build", autospec=True,
                    return_value=site.BuildResult([], 3, True)) as build:
        result = CliRunner().invoke(cli, ["build", "--records", str(records), "--today", "2026-11-22",
                                          "--site-dir", str(tmp_path / "out"), "--config", str(config),
                                          "--templates", str(templates)])
    assert result.exit_code == 0, result.output
    layout = build.call_args.args[0]
    assert (layout.config_file, layout.templates_dir, layout.site_dir) == (config, templates, tmp_path / "out")


def test_build_with_a_bad_today_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["build", "--records", str(records_in(tmp_path)), "--today", "22/11/2026"])
    assert result.exit_code == 2
    assert "'22/11/2026' is not a date" in result.output


def test_serve_builds_then_serves_and_watches(tmp_path):
    records = records_in(tmp_path)
    with mock.patch("refsite.site.preview.live_reload", autospec=True, return_value=[]) as serve:
        result = CliRunner().invoke(cli, ["serve", "--records", str(records), "--today", "2026-11-22",
                                          "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt 28 pages and files." in result.output
    rebuild, watched, site_dir, host, port = serve.call_args.args
    assert (watched, site_dir, host, port) == ([records], tmp_path / "site", "127.0.0.1", 8123)
    assert (tmp_path / "site" / "index.html").is_file()
    (records / "harbour.md").write_text("not a record\n", encoding="utf-8")
    rebuild()  # what the server calls when a file changes: problems, and the last good site stays
    assert (tmp_path / "site" / "index.html").is_file()


def test_serve_reports_a_busy_port(tmp_path):
    records = records_in(tmp_path)
    problem = error(Source("127.0.0.1:8000"), "cannot serve the site: Address already in use")
    with mock.patch("refsite.site.preview.live_reload", autospec=True, return_value=[problem]):
        result = CliRunner().invoke(cli, ["serve", "--records", str(records), "--today", "2026-11-22"])
    assert result.exit_code == 1
    assert "127.0.0.1:8000: error: cannot serve the site: Address already in use" in result.output
