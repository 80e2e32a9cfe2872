"""The settings file: the team, the default owner, vocabulary extensions and every policy number.

``SETTINGS`` declares each policy number once (name, default, help); the
defaults make an empty settings file work, the docs are checked against it, and
``Settings`` is the frozen value every computation receives. No I/O here: the
loader reads the file and calls :func:`settings_from_mapping`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal, Mapping, get_args

from refsite import catalogue, vocab
from refsite.problems import Problem, Source, error, warning
from refsite.vocab import Tier

# The privacy guard's modes (docs/privacy.md).
Privacy = Literal["warn", "error", "off"]


@dataclass(frozen=True)
class Setting:
    name: str
    default: int | float | str | dt.date | None  # None: only for a date (owed_from), "no date"
    help: str
    kind: type = int  # int, float, str or dt.date: the type of the Settings field of the same name
    low: float = 0  # the accepted range, inclusive (checked by settings_from_mapping, documented in docs/records.md)
    high: float = 3650

    @property
    def written(self) -> int | float | str:
        """The default as a settings file (and docs/records.md) writes it: no date is empty text."""
        return "" if self.default is None else self.default.isoformat() if isinstance(self.default, dt.date) else self.default


# Bounds on everything a record or the settings may say, so that what validates also runs.
MAX_DAYS = 3650  # day counts and intervals: 0 (or 1) to ten years
MONEY_MAX = 999_999_999_999.99  # amounts: at most 12 digits before the point and 2 after
MONEY_DIGITS, MONEY_PLACES = 12, 2

SETTINGS: tuple[Setting, ...] = (
    Setting("practice", "Our practice", "the practice's name, shown on the site and in reports", str),
    Setting("currency", "$", "the currency sign shown before amounts", str),
    Setting("timezone", "", "the practice's IANA time zone (e.g. Australia/Sydney) that decides 'today' when --today is not given; empty: the computer's", str),
    Setting("cadence_key", 30, "days between contacts for key partners"),
    Setting("cadence_standard", 60, "days between contacts for standard partners"),
    Setting("cadence_light", 120, "days between contacts for light partners"),
    Setting("key_meeting_days", 90, "days between in-person meetings for key partners"),
    Setting("thanks_days", 3, "days after a referral arrives by which it should be thanked"),
    Setting("update_days", 7, "days after a referral converts or is discharged by which the referrer gets an update"),
    Setting("nurture_value_days", 7, "days between pieces of value on the nurture playbook"),
    Setting("nurture_values", 3, "pieces of value before the nurture playbook asks for a meeting"),
    Setting("prospect_engage_days", 21, "days of connecting and engaging before a prospect is asked to meet"),
    Setting("prospect_touch_days", 7, "days between touches while engaging a prospect"),
    Setting("at_risk_factor", 2.5, "a referrer is at risk when quiet for this many times their usual interval", float, 0.1, 100),
    Setting("at_risk_min_referrals", 4, "referrals a partner needs before 'at risk' can be judged"),
    Setting("at_risk_min_span_days", 90, "days from a partner's first referral to its last before 'at risk' can be judged"),
    Setting("at_risk_min_interval_days", 14, "'at risk' is judged only for partners whose usual interval between referrals is at least this many days"),
    Setting("at_risk_drop", 0.5, "at risk when the last at_risk_window_days bring less than this share of their trailing average", float, 0, 1),
    Setting("at_risk_window_days", 90, "the recent window for at_risk_drop; the trailing average is over the four windows before it"),
    Setting("at_risk_drop_min_average", 2.0, "at_risk_drop is judged only for partners who averaged at least this many referrals per window", float, 0, 100000),
    Setting("due_soon_days", 7, "items due within this many days are shown as 'due soon'"),
    Setting("grace_days", 14, "refsite check fails on items overdue by more than this many days"),
    Setting("gift_cap", 0, "yearly cap on gifts and hospitality per partner (0: no cap)", float, 0, MONEY_MAX),
    Setting("gift_cap_warn", 0.8, "warn when a partner's gifts this year reach this share of the cap", float, 0, 1),
    Setting("privacy", "warn", "the patient-identifier guard (docs/privacy.md): warn, error (fails validate and CI) or off", str),
    Setting("privacy_region", "AU", "the country whose phone numbers the privacy guard reads without a + (ISO code: AU, NZ, GB, US...)", str),
    Setting("calendar_catch_up", "monday", "the weekday on which the calendar feeds place overdue items (the next one from today; today when it is that day), or 'today'", str),
    Setting("owed_from", None, "a date (YYYY-MM-DD): thanks are owed only for referrals received on or after it, updates only for statuses reached on or after it; empty: all", dt.date),
)
# The choices of the settings that take one word from a list (checked when the file is read).
CHOICES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "privacy": get_args(Privacy),
    "calendar_catch_up": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today"),
})

SETTINGS_BY_NAME: Mapping[str, Setting] = MappingProxyType({s.name: s for s in SETTINGS})
STRUCTURED_KEYS = MappingProxyType(
    {
        "team": "the team members: a list of {id, name} (id: a lowercase slug used as @id in the log)",
        "default_owner": "the team member id who owns partners that name no owner",
        "categories": "extra partner categories: a mapping term -> meaning",
        "roles": "extra contact roles: a mapping term -> meaning",
        "services": "extra service lines: a mapping term -> meaning",
        "value_catalogue": "more ways to give value: a list of {idea, categories}; or {replace: true, ideas: [...]} to use only these",
        "synonyms": "more usual spellings for refsite import and the suggestions: {category: {spelling: term}, role: {spelling: term}}",
        "import_statuses": "an export's own statuses for refsite import referrals: a mapping spelling -> status",
        "import_services": "an export's appointment types for refsite import referrals: a mapping type -> service",
    }
)

# \A...\Z, not ^...$: '$' also matches before a final newline ('evil\n' is not an id).
SLUG = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    source: Source


def _default(name: str) -> Any:
    """A policy number's default, from its row of :data:`SETTINGS` (the one place defaults are written),
    as the row's kind (gift_cap's 0 is the float 0.0)."""
    setting = SETTINGS_BY_NAME[name]
    if setting.kind in (int, float) and isinstance(setting.default, (int, float)):
        return setting.kind(setting.default)
    return setting.default


@dataclass(frozen=True)
class Settings:
    """Everything a computation needs besides the records. Build it with :func:`settings_from_mapping`.

    The policy numbers are fields, one per row of :data:`SETTINGS` and in its order, typed as the row's
    ``kind`` and defaulting to its ``default`` (tests/test_types.py holds them to the table).
    """

    team: tuple[Member, ...] = ()
    default_owner: str | None = None
    categories: Mapping[str, str] = field(default_factory=lambda: vocab.CATEGORIES)
    roles: Mapping[str, str] = field(default_factory=lambda: vocab.ROLES)
    services: Mapping[str, str] = field(default_factory=lambda: vocab.SERVICES)
    catalogue: tuple[catalogue.Idea, ...] = catalogue.IDEAS
    source: Source = Source("<defaults>", 0)
    # refsite import: extra spellings ({"category": {"gp clinic": "primary-care"}}), statuses, appointment types
    synonyms: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    import_statuses: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    import_services: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    # The policy numbers (SETTINGS).
    practice: str = _default("practice")
    currency: str = _default("currency")
    timezone: str = _default("timezone")
    cadence_key: int = _default("cadence_key")
    cadence_standard: int = _default("cadence_standard")
    cadence_light: int = _default("cadence_light")
    key_meeting_days: int = _default("key_meeting_days")
    thanks_days: int = _default("thanks_days")
    update_days: int = _default("update_days")
    nurture_value_days: int = _default("nurture_value_days")
    nurture_values: int = _default("nurture_values")
    prospect_engage_days: int = _default("prospect_engage_days")
    prospect_touch_days: int = _default("prospect_touch_days")
    at_risk_factor: float = _default("at_risk_factor")
    at_risk_min_referrals: int = _default("at_risk_min_referrals")
    at_risk_min_span_days: int = _default("at_risk_min_span_days")
    at_risk_min_interval_days: int = _default("at_risk_min_interval_days")
    at_risk_drop: float = _default("at_risk_drop")
    at_risk_window_days: int = _default("at_risk_window_days")
    at_risk_drop_min_average: float = _default("at_risk_drop_min_average")
    due_soon_days: int = _default("due_soon_days")
    grace_days: int = _default("grace_days")
    gift_cap: float = _default("gift_cap")
    gift_cap_warn: float = _default("gift_cap_warn")
    privacy: Privacy = _default("privacy")
    privacy_region: str = _default("privacy_region")
    calendar_catch_up: str = _default("calendar_catch_up")
    owed_from: dt.date | None = _default("owed_from")

    @property
    def values(self) -> Mapping[str, Any]:
        """Every policy number by name (SETTINGS order)."""
        return MappingProxyType({s.name: getattr(self, s.name) for s in SETTINGS})

    @property
    def member_ids(self) -> frozenset[str]:
        return frozenset(m.id for m in self.team)

    def member_name(self, member_id: str | None) -> str:
        for m in self.team:
            if m.id == member_id:
                return m.name
        return member_id or "unassigned"

    def cadence(self, tier: Tier) -> int:
        """Days between contacts for a partner of ``tier`` (cadence_key, cadence_standard, cadence_light)."""
        return {"key": self.cadence_key, "standard": self.cadence_standard, "light": self.cadence_light}[tier]


_POLICY_FIELDS = [f.name for f in fields(Settings) if f.name in SETTINGS_BY_NAME]
if _POLICY_FIELDS != [s.name for s in SETTINGS]:  # one field per row, in order: never one without the other
    raise AssertionError(f"Settings fields {_POLICY_FIELDS} do not match SETTINGS")


def _extension(
    name: str, raw: Any, base: Mapping[str, str], src: Source, problems: list[Problem]
) -> Mapping[str, str]:
    if raw is None:
        return base
    if not isinstance(raw, dict):
        problems.append(error(src, f"'{name}' must be a mapping of term: meaning", check="settings"))
        return base
    merged = dict(base)
    for term, meaning in raw.items():
        term = str(term)
        if not SLUG.match(term):
            problems.append(error(src, f"{name}: '{term}' is not a lowercase term (letters, digits, hyphens)", check="settings"))
            continue
        merged[term] = str(meaning or "")
    return MappingProxyType(merged)


def _bound(value: float) -> str:
    return f"{value:,.2f}" if value == MONEY_MAX else f"{value:g}" if value < 1e6 else f"{value:,.0f}"


def _shown(raw: Any) -> str:
    """A value for a message: short, and a huge integer is not printed in full."""
    if isinstance(raw, bool):
        return str(raw).lower()  # as YAML reads it (true), not as Python prints it
    if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) >= 10**15:
        return f"a number of {len(hex(raw)) * 4 // 3}+ digits" if abs(raw) >= 10**40 else f"{raw:,}"
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _catalogue(raw: Any, src: Source, problems: list[Problem]) -> tuple[catalogue.Idea, ...]:
    """The value catalogue: the built-in ideas plus a list of {idea, categories}, or only those with replace: true."""
    if raw is None:
        return catalogue.IDEAS
    replace = False
    if isinstance(raw, dict):
        replace = raw.get("replace") is True
        raw = raw.get("ideas") or []
    if not isinstance(raw, list):
        problems.append(error(src, "'value_catalogue' must be a list of {idea, categories}, or {replace, ideas}", check="settings"))
        return catalogue.IDEAS
    ideas: list[catalogue.Idea] = []
    for item in raw:
        text = item.get("idea") if isinstance(item, dict) else item
        if not isinstance(text, str) or not text.strip():
            problems.append(error(src, f"value_catalogue: each entry needs an idea (text), not {item!r}", check="settings"))
            continue
        cats = item.get("categories") if isinstance(item, dict) else None
        cats = [cats] if isinstance(cats, str) else (cats or [catalogue.ALL])
        ideas.append(catalogue.Idea(text.strip(), tuple(str(c) for c in cats)))
    return tuple(ideas) if replace else catalogue.IDEAS + tuple(ideas)


def _spellings(
    name: str, raw: Any, terms: Mapping[str, str], what: str, src: Source, problems: list[Problem]
) -> Mapping[str, str]:
    """A mapping spelling -> term (refsite import's extensions), keys normalised; unknown terms are errors."""
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        problems.append(error(src, f"'{name}' must be a mapping of spelling: {what}", check="settings"))
        return MappingProxyType({})
    found: dict[str, str] = {}
    for spelling, term in raw.items():
        if str(term) not in terms:
            problems.append(error(src, f"{name}: '{spelling}': " + vocab.unknown(what, term, terms), check="settings"))
            continue
        found[vocab.normalise_word(spelling)] = str(term)
    return MappingProxyType(found)


def settings_from_mapping(
    data: Mapping[str, Any], path: str, key_lines: Mapping[str, int] | None = None
) -> tuple[Settings, list[Problem]]:
    """Turn the parsed settings file into :class:`Settings`, with a problem for everything wrong."""
    key_lines = key_lines or {}
    problems: list[Problem] = []

    def src(key: str) -> Source:
        return Source(path, key_lines.get(key, 1))

    values: dict[str, Any] = {}
    for key, raw in data.items():
        key = str(key)
        if key in STRUCTURED_KEYS:
            continue
        setting = SETTINGS_BY_NAME.get(key)
        if setting is None:
            hint = vocab.did_you_mean(key, [*SETTINGS_BY_NAME, *STRUCTURED_KEYS])
            if hint:  # a misspelling of a real setting would be silently ignored
                problems.append(error(src(key), f"unknown setting '{key}'{hint}: as written it is ignored", check="settings"))
            else:
                problems.append(warning(src(key), f"unknown setting '{key}' (refsite ignores it)", check="settings"))
            continue
        if raw is None:
            continue
        if key in CHOICES and raw is False and "off" in CHOICES[key]:
            raw = "off"  # YAML reads a bare 'off' as false
        if setting.kind is dt.date:
            text = raw.isoformat() if isinstance(raw, dt.date) else str(raw)
            try:
                day = dt.date.fromisoformat(text) if text else None
            except ValueError:
                day = None
            if text and (day is None or not dt.date(1900, 1, 1) <= day <= dt.date(2100, 12, 31)):
                problems.append(error(src(key), f"'{key}' must be a date YYYY-MM-DD from 1900-01-01 to 2100-12-31, not {_shown(raw)}", check="settings"))
                continue
            values[key] = day
            continue
        if setting.kind is str:
            if not isinstance(raw, str):
                problems.append(error(src(key), f"'{key}' must be text; put it in quotes", check="settings"))
                continue
            if key == "privacy_region" and not re.fullmatch(r"[A-Za-z]{2}", raw):
                problems.append(error(src(key), f"privacy_region: '{raw}' is not a two-letter country code (AU, NZ, GB, US...)", check="settings"))
                continue
            if key in CHOICES and raw not in CHOICES[key]:
                problems.append(error(src(key), vocab.unknown(f"{key} setting", raw, dict.fromkeys(CHOICES[key], "")), check="settings"))
                continue
            values[key] = raw
        else:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                problems.append(error(src(key), f"'{key}' must be a number of at least 0, not {_shown(raw)}", check="settings"))
                continue
            if isinstance(raw, float) and not math.isfinite(raw):
                problems.append(error(src(key), f"'{key}' must be a finite number, not {_shown(raw)}", check="settings"))
                continue
            if not setting.low <= raw <= setting.high:
                problems.append(error(src(key), f"'{key}' must be between {_bound(setting.low)} and "
                                      f"{_bound(setting.high)}, not {_shown(raw)}", check="bounds"))
                continue
            if setting.kind is int and not float(raw).is_integer():
                problems.append(error(src(key), f"'{key}' must be a whole number, not {_shown(raw)}", check="settings"))
                continue
            if setting.high == MONEY_MAX and round(raw, MONEY_PLACES) != raw:
                problems.append(error(src(key), f"'{key}' is an amount: at most {MONEY_PLACES} digits after the point, "
                                      f"not {_shown(raw)}", check="bounds"))
                continue
            values[key] = setting.kind(raw)

    team: list[Member] = []
    raw_team = data.get("team")
    if raw_team is not None:
        if not isinstance(raw_team, list):
            problems.append(error(src("team"), "'team' must be a list of {id, name}", check="team"))
        else:
            seen: set[str] = set()
            for i, item in enumerate(raw_team):
                line = key_lines.get(f"team[{i}]", key_lines.get("team", 1))
                if not isinstance(item, dict) or "id" not in item:
                    problems.append(error(Source(path, line), "a team member needs an id and a name", check="team"))
                    continue
                mid = str(item["id"])
                if not SLUG.match(mid):
                    problems.append(error(Source(path, line), f"team member id '{mid}' must be a lowercase slug", check="team"))
                    continue
                if mid in seen:
                    problems.append(error(Source(path, line), f"team member '{mid}' is listed twice", check="team"))
                    continue
                seen.add(mid)
                team.append(Member(mid, str(item.get("name") or mid), Source(path, line)))

    default_owner = data.get("default_owner")
    if default_owner is not None:
        default_owner = str(default_owner)
        # Checked against the team only when there is one, as a partner's owner is.
        if team and default_owner not in {m.id for m in team}:
            problems.append(
                error(src("default_owner"), f"default_owner '{default_owner}' is not on the team"
                      + (vocab.did_you_mean(default_owner, [m.id for m in team])
                         or " (team: " + ", ".join(sorted(m.id for m in team)) + ")"), check="team")
            )
    elif team:
        default_owner = team[0].id

    categories = _extension("categories", data.get("categories"), vocab.CATEGORIES, src("categories"), problems)
    roles = _extension("roles", data.get("roles"), vocab.ROLES, src("roles"), problems)
    services = _extension("services", data.get("services"), vocab.SERVICES, src("services"), problems)
    raw_synonyms = data.get("synonyms")
    synonyms: dict[str, Mapping[str, str]] = {}
    if raw_synonyms is not None and not (isinstance(raw_synonyms, dict) and set(map(str, raw_synonyms)) <= {"category", "role"}):
        problems.append(error(src("synonyms"), "'synonyms' must be a mapping with 'category:' and/or 'role:', each of spelling: term", check="settings"))
    elif raw_synonyms:
        for what, terms in (("category", categories), ("role", roles)):
            synonyms[what] = _spellings(f"synonyms: {what}", raw_synonyms.get(what), terms, what, src("synonyms"), problems)
    settings = Settings(
        catalogue=_catalogue(data.get("value_catalogue"), src("value_catalogue"), problems),
        team=tuple(team),
        default_owner=default_owner,
        categories=categories,
        roles=roles,
        services=services,
        source=Source(path, 0),
        synonyms=MappingProxyType(synonyms),
        import_statuses=_spellings("import_statuses", data.get("import_statuses"), vocab.STATUSES, "status",
                                   src("import_statuses"), problems),
        import_services=_spellings("import_services", data.get("import_services"), services, "service",
                                   src("import_services"), problems),
        **values,
    )
    return settings, problems
