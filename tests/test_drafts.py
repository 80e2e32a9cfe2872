"""Message drafts: every template's output pinned on the demo, the links, the CLI, and no patient details."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TODAY

from refsite.cli import cli
from refsite.drafts import Draft, draft, greeting_name, mailto_url, sms_url
from refsite.due import partner_due
from refsite.workspace import load_and_validate

PROJECT = Path(__file__).parent.parent
DEMO = PROJECT / "records"
PINNED = Path(__file__).parent / "fixtures" / "drafts"
CASES = [
    ("thanks", "glebe-point-medical", "thanks"),
    ("update", "crown-lane-medical", "update"),
    ("meeting", "crown-lane-medical", "meeting"),
    ("introduction", "surry-hills-yoga-collective", "introduction"),
    ("cadence", "redfern-community-centre", "cadence"),
    ("at-risk", "st-brigids-emergency", "at-risk"),
    ("nurture-value", "bondi-osteopathy", "nurture"),
    ("nurture-ask", "paddington-family-medical", "nurture"),
    ("prospect-value", "darlinghurst-neurology", "prospect"),
    ("prospect-ask", "felix-arendt-orthopaedics", "prospect"),
    ("reactivate", "glebe-point-medical", "reactivate"),
    ("promote", "redfern-sports-podiatry", "promote"),
]


@pytest.fixture(scope="module")
def demo():
    records, settings, problems = load_and_validate(DEMO, None, TODAY, as_of=True)
    assert [str(p) for p in problems if p.is_error] == []
    return records, settings


def make(demo, partner_id: str, rule: str) -> Draft:
    records, settings = demo
    partner = records.get(partner_id)
    item = next(i for i in partner_due(partner, settings, TODAY, records) if i.rule == rule)
    introducer = records.get(item.introducers[0]) if item.introducers else None
    return draft(item, partner, settings, PROJECT / "site_templates", introducer)


@pytest.mark.parametrize(("name", "partner_id", "rule"), CASES)
def test_every_template_is_pinned_on_the_demo(demo, name, partner_id, rule):
    assert make(demo, partner_id, rule).as_json() == (PINNED / f"{name}.json").read_text()


def test_every_template_is_covered():
    used = {json.loads((PINNED / f"{name}.json").read_text())["template"] for name, _, _ in CASES}
    assert used == {p.stem for p in (PROJECT / "site_templates" / "messages").glob("*.txt")}


def test_an_update_names_the_referral_id_and_status_only(demo):
    records, _settings = demo
    message = make(demo, "crown-lane-medical", "update")
    referral = next(r for r in records.get("crown-lane-medical").referrals if r.id == "R-2374")
    texts = [e.text for e in referral.events if e.text]
    assert "R-2374" in message.body and "discharged" in message.body
    assert not any(t in message.body for t in texts)
    assert referral.service not in message.body


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Dr. Helen Park", "Dr. Park"), ("Jordan Lee", "Jordan"), (None, "there"), ("Prof Amy", "Prof Amy")],
)
def test_greeting_name(name, expected):
    assert greeting_name(name) == expected


def test_links():
    d = Draft("email", "a@b.example", "Hi & bye", "Line one\nLine two\n", "thanks", "x", "thanks")
    assert mailto_url(d) == "mailto:a@b.example?subject=Hi%20%26%20bye&body=Line%20one%0ALine%20two%0A"
    t = Draft("text", "0400 111 222", "", "Thanks!\n", "thanks", "x", "thanks")
    assert sms_url(t) == "sms:0400111222?body=Thanks%21%0A"
    assert mailto_url(t).startswith("mailto:?subject=")


def test_a_practice_overrides_a_template(demo, tmp_path):
    records, settings = demo
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "thanks.txt").write_text("Subject: Ta\n{{ hello }}\n\nTa for {{ ref }}.\n")
    partner = records.get("glebe-point-medical")
    item = next(i for i in partner_due(partner, settings, TODAY, records) if i.rule == "thanks")
    assert draft(item, partner, settings, tmp_path).body == "Hi Dr. Park,\n\nTa for R-2490.\n"


def test_draft_cli_text_and_errors():
    runner = CliRunner()
    result = runner.invoke(cli, ["draft", "glebe-point-medical", "--records", str(DEMO), "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("To: 02 5550 6120 (phone)\nSubject: Thank you for your referral\n\nHi Dr. Park,\n")
    result = runner.invoke(cli, ["draft", "glebe", "--records", str(DEMO), "--today", "2026-11-22"])
    assert result.exit_code == 2, result.output
    assert "no partner 'glebe'" in result.output and "glebe-point-medical" in result.output
    result = runner.invoke(cli, ["draft", "glebe-point-medical", "--rule", "cadence", "--records", str(DEMO),
                                 "--today", "2026-11-22"])
    assert result.exit_code == 1, result.output
    assert "no cadence item is due for glebe-point-medical as of 2026-11-22" in result.output
