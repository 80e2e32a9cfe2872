"""The types are held to the tables they name: Settings to SETTINGS, each Literal to its vocabulary."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing

import pytest

from refsite import vocab
from refsite.due import items
from refsite.settings import SETTINGS, Privacy, Settings, settings_from_mapping

# What each kind of setting is as a Settings field.
FIELD_TYPE = {int: int, float: float, str: str, dt.date: dt.date | None}


def test_settings_has_one_field_per_setting_typed_and_defaulted_by_the_table():
    hints = typing.get_type_hints(Settings)
    defaults = {f.name: f.default for f in dataclasses.fields(Settings)}
    policy = [f.name for f in dataclasses.fields(Settings) if f.name in {s.name for s in SETTINGS}]
    assert policy == [s.name for s in SETTINGS]
    for setting in SETTINGS:
        wanted = Privacy if setting.name == "privacy" else FIELD_TYPE[setting.kind]
        assert hints[setting.name] == wanted, setting.name
        assert defaults[setting.name] == setting.default, setting.name
        assert type(defaults[setting.name]) is (type(None) if setting.default is None else setting.kind), setting.name


def test_settings_has_no_dynamic_attributes():
    assert "__getattr__" not in vars(Settings)
    with pytest.raises(AttributeError):
        Settings().cadence_weekly  # noqa: B018 (a name not in SETTINGS is not an attribute)


def test_a_settings_file_gives_typed_values():
    settings, problems = settings_from_mapping(
        {"cadence_key": 21.0, "at_risk_factor": 3, "gift_cap": 250, "owed_from": "2026-07-01", "privacy": False},
        "settings.yml")
    assert problems == []
    assert (settings.cadence_key, type(settings.cadence_key)) == (21, int)
    assert (settings.at_risk_factor, type(settings.at_risk_factor)) == (3.0, float)
    assert (settings.gift_cap, type(settings.gift_cap)) == (250.0, float)
    assert settings.owed_from == dt.date(2026, 7, 1)
    assert settings.privacy == "off"  # YAML's bare off
    assert settings.cadence("key") == 21 and settings.cadence("light") == 120
    assert Settings().owed_from is None
    assert settings_from_mapping({"owed_from": ""}, "settings.yml") == (Settings(source=settings.source), [])


@pytest.mark.parametrize(
    ("literal", "table"),
    [
        (vocab.Stage, vocab.STAGES),
        (vocab.Tier, vocab.TIERS),
        (vocab.Status, vocab.STATUSES),
        (vocab.UpdatePreference, vocab.UPDATES),
        (items.Rule, items.RULES),
        (items.DueStatus, items.STATUSES),
    ],
)
def test_each_literal_type_is_its_table(literal, table):
    assert typing.get_args(literal) == tuple(table)


def test_the_update_statuses_are_referral_statuses():
    assert set(vocab.UPDATE_STATUSES) == set(vocab.UPDATES)
    assert {s for statuses in vocab.UPDATE_STATUSES.values() for s in statuses} <= set(vocab.STATUSES)
