"""`refsite report` and `refsite report review`: options, defaults, formats and exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

FIXTURE = str(Path(__file__).parent / "fixtures" / "metrics")
BASE = ["--records", FIXTURE, "--today", "2026-11-22"]


run = run_cli


def test_bare_report_is_the_last_full_month_by_category():
    result = run("report", *BASE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["Test Physio: referrals in October 2026",
                         "Against September 2026. As of 2026-11-22; n/a: nothing to measure."]
    assert "By category" in lines


def test_report_period_and_by():
    result = run("report", *BASE, "--period", "2026Q3", "--by", "owner")
    assert result.exit_code == 0, result.output
    assert "Ann Lee                     5    4    0    3   60%    3      $950      3  rising" in result.output.splitlines()


@pytest.mark.parametrize(("fmt", "check"), [
    ("json", lambda out: json.loads(out)["total"]["current"]["received"] == 8),
    ("csv", lambda out: out.splitlines()[0].startswith("period,by,key,label,partners,received,sent,")),
])
def test_report_formats(fmt, check):
    result = run("report", *BASE, "--period", "2026Q3", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert check(result.output)


def test_review_defaults_to_the_last_full_quarter():
    result = run("report", "review", *BASE)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Test Physio: quarterly review of Q3 2026 (July to September)"
    assert " 1. Elm Orthopaedics (Ann Lee)" in result.output.splitlines()


def test_review_formats():
    result = run("report", "review", *BASE, "--quarter", "2026Q3", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ranking"][0]["partner_id"] == "gp-a"
    result = run("report", "review", *BASE, "--quarter", "2026Q3", "--format", "csv")
    assert result.output.splitlines()[1].startswith("1,gp-a,Alder GP,primary-care,ann,key,3,2,0.6667,750,")


def test_review_reads_its_own_records_option_without_a_records_folder_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./records: the group's own options must not be checked
    result = run("report", "review", *BASE, "--quarter", "2026Q3")
    assert result.exit_code == 0, result.output


def test_report_options_before_review_are_a_usage_error_not_ignored():
    result = run("report", "--today", "2026-11-22", "review")
    assert result.exit_code == 2, result.output
    assert "--today must come after 'review', e.g. cli report review --today ..." in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["report", "--period", "2026Q5"], "Invalid value for '--period': '2026Q5' is not a period: write 2026-10"),
    (["report", "--period", "2027-01"], "Invalid value for --period: 2027-01 starts after today (2026-11-22)"),
    (["report", "--by", "colour"], "Invalid value for '--by': 'colour' is not one of"),
    (["report", "review", "--quarter", "2026-10"],
     "Invalid value for '--quarter': '2026-10' is not a quarter: write a year and a quarter, e.g. 2026Q3"),
    (["report", "review", "--quarter", "2027Q1"], "Invalid value for --quarter: 2027Q1 starts after today (2026-11-22)"),
])
def test_usage_errors_exit_2(args, message):
    result = run(*args[:1], *BASE, *args[1:]) if args[1] != "review" else run(*args[:2], *BASE, *args[2:])
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_records_with_errors_still_report_and_exit_1(tmp_path):
    (tmp_path / "bad.md").write_text("---\nname: Bad\ncategory: nowhere\nstage: active\n---\n")
    result = run("report", "--records", str(tmp_path), "--today", "2026-11-22")
    assert result.exit_code == 1, result.output
    assert "referrals in October 2026" in result.stdout
    assert "1 error in the records: these figures may be incomplete (refsite validate lists them)" in result.stderr
