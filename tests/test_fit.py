"""Prospect fit: the score's formula at its boundaries, the loader's checks, the brief line, the pipeline order."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import TODAY

from refsite.cli import cli
from refsite.fit import Fit, describe, fit_score
from refsite.load import load_records
from refsite.problems import Source
from refsite.settings import Settings

SRC = Source("records/x.md", 5)


@pytest.mark.parametrize(
    ("answers", "score"),
    [
        ({}, 50),  # nothing answered: half of every question's points
        ({"populations": "strong", "patients_per_month": 8, "location": "convenient", "competitor": False}, 100),
        ({"populations": "none", "patients_per_month": 0, "location": "far", "competitor": True}, 0),
        ({"populations": "strong", "patients_per_month": 4, "location": "convenient", "competitor": False}, 85),
        ({"populations": "some"}, 50),  # some = 20, as an unanswered one
        ({"patients_per_month": 8}, 65),  # 30 + 20 + 10 + 5
        ({"patients_per_month": 9}, 65),  # more than 8 earns no more
        ({"patients_per_month": 7}, 61),  # 26.25 + 35 = 61.25 -> 61
        ({"patients_per_month": 1}, 39),  # 3.75 + 35 = 38.75 -> 39
        ({"patients_per_month": 3}, 46),  # 11.25 + 35 = 46.25 -> 46
        ({"patients_per_month": 2, "competitor": False}, 48),  # 7.5 + 20 + 10 + 10 = 47.5: half rounds up
        ({"location": "manageable", "competitor": True}, 45),  # 20 + 15 + 10 + 0
    ],
)
def test_fit_score(answers, score):
    assert fit_score(Fit(SRC, **answers)) == score


def test_describe_names_the_answers_and_what_is_missing():
    assert describe(Fit(SRC, populations="strong", patients_per_month=1)) == (
        "59/100 (populations strong, 1 patient a month, 2 unanswered)")
    assert describe(Fit(SRC, location="far", competitor=True)) == (
        "35/100 (location far, refers to a competitor, 2 unanswered)")


FILE = """\
---
name: Arendt Orthopaedics
category: surgeon
stage: prospect
fit:
{fit}---

## Log

- 2026-11-01 social @maya: liked their post
"""


def _load(tmp_path, fit: str):
    (tmp_path / "arendt.md").write_text(FILE.format(fit=fit))
    records, problems = load_records(tmp_path, Settings(), "records")
    return records, [str(p) for p in problems]


@pytest.mark.parametrize(
    ("fit", "problems", "expected"),
    [
        ("  populations: strong\n  patients_per_month: 4\n  location: convenient\n  competitor: false\n", [],
         Fit(Source("records/arendt.md", 5), "strong", 4, "convenient", False)),
        ("  populations:\n  patients_per_month: 0\n", [], Fit(Source("records/arendt.md", 5), None, 0, None, None)),
        ("  patients_per_month: 1000\n", [], Fit(Source("records/arendt.md", 5), patients_per_month=1000)),
        ("  populations: strng\n", ["records/arendt.md:6: error: fit populations: unknown populations answer "
                                    "'strng' (did you mean 'strong'?)"], Fit(Source("records/arendt.md", 5))),
        ("  location: near\n", ["records/arendt.md:6: error: fit location: unknown location answer 'near' "
                                "(one of: convenient, manageable, far)"], Fit(Source("records/arendt.md", 5))),
        ("  patients_per_month: -1\n", ["records/arendt.md:6: error: fit patients_per_month: must be a whole "
                                        "number of patients from 0 to 1000, not '-1'"], Fit(Source("records/arendt.md", 5))),
        ("  patients_per_month: 1001\n", ["records/arendt.md:6: error: fit patients_per_month: must be a whole "
                                          "number of patients from 0 to 1000, not '1001'"], Fit(Source("records/arendt.md", 5))),
        ("  patients_per_month: 2.5\n", ["records/arendt.md:6: error: fit patients_per_month: must be a whole "
                                         "number of patients from 0 to 1000, not '2.5'"], Fit(Source("records/arendt.md", 5))),
        ("  competitor: maybe\n", ["records/arendt.md:6: error: fit competitor: must be true or false, not 'maybe'"],
         Fit(Source("records/arendt.md", 5))),
        ("  competitors: true\n", ["records/arendt.md:6: error: fit: unknown key 'competitors' (did you mean "
                                   "'competitor'?): as written it is ignored"], Fit(Source("records/arendt.md", 5))),
    ],
)
def test_the_loader_checks_each_answer_on_its_line(tmp_path, fit, problems, expected):
    records, found = _load(tmp_path, fit)
    assert found == problems
    assert records.partners[0].fit == expected


def test_a_fit_that_is_not_a_mapping_is_an_error(tmp_path):
    (tmp_path / "arendt.md").write_text(FILE.format(fit="").replace("fit:\n", "fit: good\n"))
    records, problems = load_records(tmp_path, Settings(), "records")
    assert [str(p) for p in problems] == [
        "records/arendt.md:5: error: fit: must be a mapping of answers (populations, patients_per_month, "
        "location, competitor)"]
    assert records.partners[0].fit is None


def _write(tmp_path, fit: str) -> None:
    (tmp_path / "arendt.md").write_text(FILE.format(fit=fit))


def test_brief_shows_the_fit_line_and_json_the_score(tmp_path):
    _write(tmp_path, "  populations: strong\n  patients_per_month: 4\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["brief", "arendt", "--records", str(tmp_path), "--today", str(TODAY)])
    assert result.exit_code == 0, result.output
    assert "Fit: 70/100 (populations strong, 4 patients a month, 2 unanswered)" in " ".join(result.output.split())
    result = runner.invoke(cli, ["brief", "arendt", "--records", str(tmp_path), "--today", str(TODAY),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["fit"] == {"populations": "strong", "patients_per_month": 4, "location": None,
                                                "competitor": None, "score": 70}


def test_the_pipeline_orders_prospects_by_fit(tmp_path):
    from refsite.render.computed import build_model
    from refsite.render.pages import pipeline_page

    for pid, fit in (("a-low", "  populations: none\n"), ("b-none", None), ("c-high", "  populations: strong\n")):
        text = FILE.format(fit=fit or "").replace("Arendt Orthopaedics", pid)
        if fit is None:
            text = text.replace("fit:\n", "")
        (tmp_path / f"{pid}.md").write_text(text)
    records, problems = load_records(tmp_path, Settings(), "records")
    assert problems == []
    model = build_model(records, Settings(), TODAY)
    prospects = next(c for c in pipeline_page(model).columns if c.stage == "prospect")
    assert [(c.partner.text, c.fit) for c in prospects.cards] == [("c-high", 70), ("a-low", 30), ("b-none", None)]
