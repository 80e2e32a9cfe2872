"""The fields of a partner's front matter and their converters: one table, public.

Each :class:`Field` names a key, whether it is required, what it means (docs/records.md
is checked against this table) and its converter. A converter takes the value YAML
built, its node (for the lines of list items and the YAML 1.1 traps; ``None`` for a
value that did not come from YAML) and a context that collects problems. An importer
checks a value it is about to write with :func:`convert_value`, getting the same
messages as ``refsite validate``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import yaml

from refsite import fit, vocab
from refsite.fit import Fit
from refsite.load.logline import parse_date
from refsite.model import Contact
from refsite.problems import Problem, Source, error, warning
from refsite.settings import MAX_DAYS, SLUG, Settings

Conv = Callable[[Any, "yaml.Node | None", "_Ctx"], Any]


@dataclass
class _Ctx:
    display: str
    line: int
    key: str
    settings: Settings
    problems: list[Problem]
    offset: int = 2  # added to 0-based YAML node lines to get file lines
    check: str = "field"  # the check id of what fails here (refsite.problems.CHECK_IDS)

    def fail(self, message: str, check: str | None = None) -> None:
        self.problems.append(error(Source(self.display, self.line), f"{self.key}: {message}", check=check or self.check))


def _trap(value: Any, node: yaml.Node) -> str | None:
    """Explain a plain YAML scalar that was read as something other than the text written."""
    if not isinstance(node, yaml.ScalarNode) or node.style:  # plain scalars: style None (Python) or '' (libyaml)
        return None
    raw = node.value
    if isinstance(value, bool):
        return f"'{raw}' is read by YAML as {str(value).lower()}; put it in quotes if you mean the text"
    if isinstance(value, (int, float)):
        return f"'{raw}' is read by YAML as the number {value}; put it in quotes"
    if isinstance(value, dt.datetime):
        return f"'{raw}' is read by YAML as a date and time; put it in quotes"
    return None


def _text(value: Any, node: yaml.Node | None, ctx: _Ctx) -> str | None:
    if isinstance(value, str):
        if not value.strip():
            ctx.fail("is empty")
            return None
        return value.strip()
    trap = _trap(value, node)
    if trap:
        ctx.fail(trap)
    else:
        ctx.fail(f"must be text, not {_describe(value)}")
    return None


def _date(value: Any, node: yaml.Node | None, ctx: _Ctx) -> dt.date | None:
    if isinstance(value, dt.datetime):
        ctx.fail(f"'{node.value if node is not None else value}' must be a date (YYYY-MM-DD) without a time", "dates")
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        date, why = parse_date(value.strip())
        if date is None:
            ctx.fail(why or "not a date", "dates")
        return date
    raw = node.value if isinstance(node, yaml.ScalarNode) else value
    ctx.fail(f"'{raw}' is not a date (YYYY-MM-DD)", "dates")
    return None


def _choice(table: Callable[[Settings], Mapping[str, str]], what: str) -> Conv:
    def convert(value: Any, node: yaml.Node | None, ctx: _Ctx) -> str | None:
        choices = table(ctx.settings)
        if isinstance(value, str) and value in choices:
            return value
        if isinstance(value, bool) and isinstance(node, yaml.ScalarNode):
            hint = vocab.did_you_mean(node.value, choices)
            ctx.fail(f"'{node.value}' is read by YAML as {str(value).lower()}{hint or '; put it in quotes'}", "vocabulary")
            return None
        ctx.fail(vocab.unknown(what, value if not isinstance(node, yaml.ScalarNode) else node.value, choices), "vocabulary")
        return None

    return convert


def _member(value: Any, node: yaml.Node | None, ctx: _Ctx) -> str | None:
    if not isinstance(value, str):
        ctx.fail(f"must be a team member id, not {_describe(value)}", "team")
        return None
    ids = ctx.settings.member_ids
    if ids and value not in ids:
        ctx.fail(f"'{value}' is not on the team{vocab.did_you_mean(value, sorted(ids)) or ' (team: ' + ', '.join(sorted(ids)) + ')'}",
                 "team")
    return value


def _slug(value: Any, node: yaml.Node | None, ctx: _Ctx) -> str | None:
    if isinstance(value, str) and SLUG.match(value):
        return value
    ctx.fail(f"'{value}' is not a partner id (a partner's file name without .md)")
    return None


def _days(value: Any, node: yaml.Node | None, ctx: _Ctx) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        shown = node.value if isinstance(node, yaml.ScalarNode) and len(node.value) <= 24 else None
        what = f"'{shown}'" if shown is not None else _describe(value) if not isinstance(value, int) else "a longer number"
        in_form = isinstance(value, int) and not isinstance(value, bool)
        ctx.fail(f"must be a whole number of days from 1 to {MAX_DAYS}, not {what}", "bounds" if in_form else "field")
        return None
    return value


def _flag(value: Any, node: yaml.Node | None, ctx: _Ctx) -> bool:
    if isinstance(value, bool):
        return value
    ctx.fail(f"must be true or false, not {_describe(value)}")
    return False


def _text_list(value: Any, node: yaml.Node | None, ctx: _Ctx) -> tuple[str, ...]:
    if not isinstance(value, list):
        ctx.fail("must be a list (one '- item' per line, or [a, b])")
        return ()
    items = []
    for item, item_node in zip(value, node.value if node is not None else [None] * len(value)):
        if isinstance(item, str) and item.strip():
            items.append(item.strip())
        else:
            ctx.fail(_trap(item, item_node) or f"items must be text, not {_describe(item)}")
    return tuple(items)


CONTACT_KEYS = {
    "name": "the person's full name, as you will write it after 'with' in the log",
    "role": "their role (see the roles vocabulary)",
    "email": "their email address",
    "phone": "their phone number (quote it: \"02 9000 1234\")",
    "prefers": "the channel they prefer (see the channels vocabulary)",
    "notes": "anything worth knowing before you contact them",
}
# Keys people write for a contact key refsite spells otherwise: suggested, never silently ignored.
CONTACT_KEY_SYNONYMS = {"mobile": "phone", "cell": "phone", "tel": "phone", "telephone": "phone", "e-mail": "email"}


# Each contact key's converter, in the order its problems are reported.
_CONTACT_FIELDS: tuple[tuple[str, Conv], ...] = (
    ("name", _text), ("role", _choice(lambda s: s.roles, "role")), ("email", _text), ("phone", _text),
    ("prefers", _choice(lambda s: vocab.CHANNELS, "channel")), ("notes", _text),
)


def _contacts(value: Any, node: yaml.Node | None, ctx: _Ctx) -> tuple[Contact, ...]:
    if not isinstance(value, list):
        ctx.fail("must be a list of contacts (each '- name: ...' with a role)", "contacts")
        return ()
    if node is None:
        ctx.fail("contacts are read from the front matter only", "contacts")
        return ()
    contacts = []
    for item, item_node in zip(value, node.value):
        line = item_node.start_mark.line + ctx.offset
        sub = _Ctx(ctx.display, line, "contact", ctx.settings, ctx.problems, check="contacts")
        if not isinstance(item, dict):
            sub.fail("each contact is a mapping with at least name and role")
            continue
        nodes = {str(k.value): (v, k.start_mark.line + ctx.offset) for k, v in item_node.value}
        for key in item:
            if str(key) in CONTACT_KEY_SYNONYMS:
                ctx.problems.append(error(Source(ctx.display, nodes[str(key)][1]), f"contact: unknown key '{key}' (did you "
                                          f"mean '{CONTACT_KEY_SYNONYMS[str(key)]}'?): as written it is ignored", check="contacts"))
            elif key not in CONTACT_KEYS:
                ctx.problems.append(unknown_key(Source(ctx.display, nodes[str(key)][1]), str(key), CONTACT_KEYS, "contact: ",
                                                 "contacts"))
        fields: dict[str, Any] = {}
        for key, conv in _CONTACT_FIELDS:
            if key in item:
                vnode, kline = nodes[key]
                fields[key] = conv(item[key], vnode, _Ctx(ctx.display, kline, f"contact {key}", ctx.settings, ctx.problems,
                                                          check="contacts"))
        if not fields.get("name"):
            if "name" not in item:
                sub.fail("needs a name")
            continue
        if "role" not in item:
            sub.fail(f"'{fields['name']}' needs a role ({', '.join(list(ctx.settings.roles)[:6])}, ...)")
        contacts.append(
            Contact(name=fields["name"], role=fields.get("role") or "other", source=Source(ctx.display, line),
                    email=fields.get("email"), phone=fields.get("phone"), prefers=fields.get("prefers"),
                    notes=fields.get("notes"))
        )
    names = [c.name.lower() for c in contacts]
    for contact in contacts:
        if names.count(contact.name.lower()) > 1 and contact is not next(c for c in contacts if c.name.lower() == contact.name.lower()):
            ctx.problems.append(error(contact.source, f"contact '{contact.name}' is listed twice", check="contacts"))
    return tuple(contacts)


def _fit(value: Any, node: yaml.Node | None, ctx: _Ctx) -> Fit | None:
    """A prospect's ``fit:`` mapping (refsite.fit): each answer checked, every problem on its own line."""
    if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
        ctx.fail("must be a mapping of answers (populations, patients_per_month, location, competitor)")
        return None
    nodes = {str(k.value): (v, k.start_mark.line + ctx.offset) for k, v in node.value}
    answers: dict[str, Any] = {}
    for key, raw in value.items():
        vnode, line = nodes[str(key)]
        sub = _Ctx(ctx.display, line, f"fit {key}", ctx.settings, ctx.problems)
        if key not in fit.KEYS:
            ctx.problems.append(unknown_key(Source(ctx.display, line), str(key), fit.KEYS, "fit: ", "field"))
        elif raw is None:
            continue  # not answered yet
        elif key == "populations":
            answers[key] = _choice(lambda s: fit.POPULATIONS_HELP, "populations answer")(raw, vnode, sub)
        elif key == "location":
            answers[key] = _choice(lambda s: fit.LOCATIONS_HELP, "location answer")(raw, vnode, sub)
        elif key == "competitor":
            if isinstance(raw, bool):
                answers[key] = raw
            else:
                sub.fail(_trap(raw, vnode) or f"must be true or false, not {_describe(raw)}")
        elif isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= fit.MAX_PATIENTS:
            sub.fail(f"must be a whole number of patients from 0 to {fit.MAX_PATIENTS}, not {_describe(raw)}")
        else:
            answers[key] = raw
    return Fit(Source(ctx.display, ctx.line), **{k: v for k, v in answers.items() if v is not None})


def unknown_key(
    source: Source, key: str, known: Mapping[str, Any], prefix: str = "", check: str = "front-matter"
) -> Problem:
    """An unknown key: an error when it looks like a misspelling of a known one (it would be ignored), else a warning."""
    hint = vocab.did_you_mean(key, known)
    if hint:
        return error(source, f"{prefix}unknown key '{key}'{hint}: as written it is ignored", check=check)
    return warning(source, f"{prefix}unknown key '{key}' (refsite ignores it)", check=check)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"'{value}'"


@dataclass(frozen=True)
class Field:
    name: str
    convert: Conv
    required: bool
    help: str
    example: str


FIELDS: tuple[Field, ...] = (
    Field("name", _text, True, "the partner's name: a practice, a clinic, a person", "Harbour Street Family Practice"),
    Field("category", _choice(lambda s: s.categories, "category"), True, "what kind of partner (categories vocabulary)", "primary-care"),
    Field("stage", _choice(lambda s: vocab.STAGES, "stage"), True, "where the relationship is (stages vocabulary)", "active"),
    Field("tier", _choice(lambda s: vocab.TIERS, "tier"), False, "how much the practice invests (tiers vocabulary); default standard", "key"),
    Field("owner", _member, False, "the team member who looks after the relationship; default: the settings' default_owner", "maya"),
    Field("since", _date, False, "when the relationship (or the prospecting) began", "2023-05-10"),
    Field("organisation", _text, False, "the wider organisation, when several partner files belong to one (a hospital, a group)", "Eastside Health"),
    Field("location", _text, False, "the suburb or area (used to suggest introductions)", "Surry Hills"),
    Field("email", _text, False, "the practice's general email address", "info@harbourstreet.example"),
    Field("website", _text, False, "their website", "https://harbourstreet.example"),
    Field("phone", _text, False, "the main phone number, in quotes", "\"02 9000 1234\""),
    Field("prefers", _choice(lambda s: vocab.CHANNELS, "channel"), False, "the channel the practice as a whole prefers (channels vocabulary)", "phone"),
    Field("contacts", _contacts, False, "the people: name, role, and optionally email, phone, prefers, notes", "see below"),
    Field("updates", _choice(lambda s: vocab.UPDATES, "update preference"), False, "how much they want to hear about patients they referred (update preferences); default milestones", "milestones"),
    Field("solo", _flag, False, "true for a sole practitioner, so that knowing one person is not a risk", "true"),
    Field("cadence", _days, False, "days between contacts, overriding the tier's default", "45"),
    Field("snooze_until", _date, False, "on leave or paused: nothing is due before this date", "2027-01-15"),
    Field("introduced_by", _slug, False, "the partner id of whoever introduced us", "bondi-chiro"),
    Field("value_ideas", _text_list, False, "things worth giving them: articles, protocols, invitations", "[Share the ACL protocol]"),
    Field("interests", _text_list, False, "what they care about, professionally or personally", "[running, paediatrics]"),
    Field("tags", _text_list, False, "free labels for lists and search", "[sports, knee]"),
    Field("agreement", _text, False, "a formal agreement, if any (what, since when)", "Co-location MoU signed 2025-02"),
    Field("financial", _text, False, "any financial arrangement or conflict of interest, documented, never hidden", "We rent their upstairs room at market rate"),
    Field("fit", _fit, False, "for a prospect: how well they fit, answered before courting them (see Prospect fit)", "see below"),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
IGNORED_FILES = ("README.md",)


def convert_value(key: str, value: Any, source: Source, settings: Settings) -> tuple[Any, list[Problem]]:
    """Check one front-matter value as ``refsite validate`` would (a plain value, not from YAML).

    Returns the converted value (None when it is not valid) and the problems, with the same
    messages the validator gives. An unknown key is a problem too.
    """
    problems: list[Problem] = []
    spec = FIELDS_BY_NAME.get(key)
    if spec is None:
        return None, [unknown_key(source, key, FIELDS_BY_NAME)]
    converted = spec.convert(value, None, _Ctx(source.path, source.line, key, settings, problems))
    return converted, problems
