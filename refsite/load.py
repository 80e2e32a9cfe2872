"""All reading: files to typed records, with the source position of every key and log line.

bytes -> text (BOM, CRLF, bad bytes become problems) -> front matter (duplicate
keys, anchors, YAML traps caught on the node tree) -> :class:`Partner`. Every
function returns ``(value, problems)`` and never raises on bad input.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import re
import zoneinfo
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import yaml

from refsite import fit, vocab
from refsite.fit import Fit
from refsite.logline import parse_date, parse_line
from refsite.model import Contact, LogEvent, Partner, Records
from refsite.problems import Problem, Source, error, sort_problems, warning
from refsite.settings import MAX_DAYS, SLUG, Settings, settings_from_mapping

try:  # libyaml is ten times faster; the results are identical
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader, except that dates stay text: refsite parses them itself, with its own messages."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _BaseLoader.construct_yaml_str)

SETTINGS_FILE = "settings.yml"
LOG_HEADING = re.compile(r"^##\s+log\s*$", re.IGNORECASE)
HEADING = re.compile(r"^#{1,2}\s")
LOG_HEADING_LIKE = re.compile(r"^#+\s*log\b", re.IGNORECASE)
LOG_LINE_LIKE = re.compile(r"^\s*[-*]\s+\d{4}-\d{2}-\d{2}\s+[a-z]")
REF_LINE = re.compile(r"^- \S+\s+(?:referral-in|referral-out|thanks|update)\s+([A-Za-z0-9][A-Za-z0-9._/#-]*)(?:\s|$)")
CONFLICT = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(\s|$)")
CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
# Characters no record needs and that can hide or disguise text: C0/C1 controls (a tab is fine),
# DEL, and the bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Temporary files of refsite's own writes (refsite.authoring.atomic_write), old and current names.
TEMP_FILE = re.compile(r"\A\..+\.(?:refsite-tmp|md\.[^.]+\.tmp)\Z")
TEMP_SUFFIX = ".refsite-tmp"


# --------------------------------------------------------------------------- text


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """Read a file as UTF-8 text with LF line ends (a BOM and CRLF are accepted)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [error(Source(display), f"cannot read the file: {exc.strerror or exc}")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [
            error(Source(display, line), f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        ]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, [error(Source(display, line), "the file contains a NUL byte: is it really a text file?")]
    return text, []


def describe_control(char: str) -> str:
    """A control or bidi character as people can read it (never the character itself)."""
    import unicodedata

    name = unicodedata.name(char, "") or {"\x1b": "ESCAPE", "\x07": "BELL", "\x08": "BACKSPACE"}.get(char, "control")
    return f"U+{ord(char):04X} ({name.lower()})"


def control_characters(lines: list[str], display: str) -> list[Problem]:
    """An error for each line holding a control character or a bidirectional override."""
    problems = []
    for number, line in enumerate(lines, 1):
        found = CONTROL.search(line)
        if found:
            problems.append(error(Source(display, number), f"the line holds the invisible character {describe_control(found.group())}: "
                                  "delete it (control characters and right-to-left overrides can disguise text)"))
    return problems


def shown_name(name: str) -> str:
    """A file name safe to print: newlines, control and bidi characters written as escapes."""
    return "".join(c.encode("unicode_escape").decode("ascii") if CONTROL.match(c) or c in "\n\r" else c for c in name)


def conflict_markers(lines: list[str], display: str) -> list[Problem]:
    """Lines a Git merge left behind (<<<<<<<, =======, >>>>>>>)."""
    problems = []
    for number, line in enumerate(lines, 1):
        match = CONFLICT.match(line)
        if match:
            marker = match.group(1)
            problems.append(
                error(Source(display, number), f"Git merge conflict marker '{marker}': resolve the conflict and delete the marker lines")
            )
    return problems


# --------------------------------------------------------------------------- YAML


@dataclass
class Mapping_:
    """A parsed YAML mapping with the 1-based line of each key and the node of each value."""

    data: dict[str, Any]
    lines: dict[str, int]
    nodes: dict[str, yaml.Node]


def _walk_duplicates(node: yaml.Node, display: str, offset: int, problems: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + offset
            if key in seen:
                problems.append(
                    error(Source(display, line), f"duplicate key '{key}' (first on line {seen[key]}): YAML keeps only the last one, so remove one")
                )
            else:
                seen[key] = line
            _walk_duplicates(value_node, display, offset, problems)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk_duplicates(item, display, offset, problems)


_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map", "int", "float", "bool", "null", "timestamp"))


def _exotic_tags(node: yaml.Node) -> yaml.Node | None:
    """The first node with a tag outside plain YAML (!!set, !!binary, !!omap, custom tags), if any."""
    if node.tag not in _PLAIN_TAGS:
        return node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found = _exotic_tags(key) or _exotic_tags(value)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _exotic_tags(item)
            if found is not None:
                return found
    return None
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_REWRITTEN_KEYS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


class _NotPlain(Exception):
    """A document that _construct leaves to PyYAML's own constructor."""


def _construct(loader: Any, root: yaml.Node) -> Any:
    """What ``loader.construct_document(root)`` returns, three times faster for plain documents.

    PyYAML builds values through a generic, generator-based constructor; front
    matter is plain mappings, lists and text. This builds those directly, in
    PyYAML's own order (breadth first, so that a value that cannot be built
    fails where it would fail there), hands every other scalar to PyYAML's
    constructor, and hands the whole document back to PyYAML at the first node
    it does not handle (merge keys, complex keys, tagged collections).
    """
    try:
        return _construct_plain(loader, root)
    except _NotPlain:
        return loader.construct_document(root)


def _construct_plain(loader: Any, root: yaml.Node) -> Any:
    construct = loader.construct_object
    scalar, sequence, mapping = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode

    def value_of(node: yaml.Node) -> Any:
        kind = type(node)
        if kind is scalar:
            return node.value if node.tag == _STR else construct(node)
        if kind is sequence and node.tag == _SEQ:
            items: list[Any] = []
            pending.append((items, node))
            return items
        if kind is mapping and node.tag == _MAP:
            entries: dict[Any, Any] = {}
            pending.append((entries, node))
            return entries
        raise _NotPlain

    pending: deque[tuple[Any, yaml.Node]] = deque()
    top = value_of(root)
    while pending:
        data, node = pending.popleft()
        if type(data) is list:
            data.extend([value_of(child) for child in node.value])
            continue
        for key_node, _ in node.value:
            if type(key_node) is not scalar or key_node.tag in _REWRITTEN_KEYS:
                raise _NotPlain
        for key_node, value_node in node.value:
            key = key_node.value if key_node.tag == _STR else construct(key_node)
            if not isinstance(key, Hashable):  # pragma: no cover - no safe scalar constructor makes one
                raise _NotPlain
            data[key] = value_of(value_node)
    loader.constructed_objects = {}
    return top


def parse_yaml_mapping(text: str, display: str, offset: int) -> tuple[Mapping_ | None, list[Problem]]:
    """Parse YAML text that should hold a mapping. ``offset`` turns 0-based node lines into file lines."""
    problems: list[Problem] = []
    if "&" in text or "*" in text:  # only then can there be anchors or aliases: check before building anything
        try:
            for event in yaml.parse(text, Loader=_Loader):
                if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                    problems.append(
                        error(Source(display, event.start_mark.line + offset),
                              "YAML anchors and aliases (&name, *name) are not allowed in records; "
                              "write the value out, or quote text that starts with & or *")
                    )
                    return None, problems
        except yaml.YAMLError:
            pass  # reported below with its position
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Mapping_({}, {}, {}), []
        if not isinstance(node, yaml.MappingNode):
            return None, [error(Source(display, node.start_mark.line + offset), "front matter must be a mapping of 'key: value' lines")]
        _walk_duplicates(node, display, offset, problems)
        odd = [k for k, _ in node.value if k.tag != _STR]
        if odd:
            return None, [
                error(Source(display, k.start_mark.line + offset), f"key '{k.value}' is not a name: YAML reads it as "
                      f"{k.tag.rsplit(':', 1)[-1]}; use one of the documented keys")
                for k in odd
            ]
        exotic = _exotic_tags(node)
        if exotic is not None:
            return None, [error(Source(display, exotic.start_mark.line + offset),
                                f"YAML tag '{exotic.tag}' is not allowed in records: write plain text, lists and mappings")]
        data = _construct(loader, node)
    except (ValueError, TypeError, RecursionError) as exc:  # a constructor refused a value
        return None, [error(Source(display, offset), f"invalid YAML: {exc}")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + offset if mark is not None else offset
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        message = f"invalid YAML: {what}" + (f" ({context})" if context else "")
        return None, [error(Source(display, line), message)]
    finally:
        loader.dispose()
    lines = {str(k.value): k.start_mark.line + offset for k, _ in node.value}
    nodes = {str(k.value): v for k, v in node.value}
    return Mapping_({str(k): v for k, v in data.items()}, lines, nodes), problems


# --------------------------------------------------------------------------- fields

Conv = Callable[[Any, yaml.Node, "_Ctx"], Any]


@dataclass
class _Ctx:
    display: str
    line: int
    key: str
    settings: Settings
    problems: list[Problem]
    offset: int = 2  # added to 0-based YAML node lines to get file lines

    def fail(self, message: str) -> None:
        self.problems.append(error(Source(self.display, self.line), f"{self.key}: {message}"))


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


def _text(value: Any, node: yaml.Node, ctx: _Ctx) -> str | None:
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


def _date(value: Any, node: yaml.Node, ctx: _Ctx) -> dt.date | None:
    if isinstance(value, dt.datetime):
        ctx.fail(f"'{node.value}' must be a date (YYYY-MM-DD) without a time")
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        date, why = parse_date(value.strip())
        if date is None:
            ctx.fail(why or "not a date")
        return date
    raw = node.value if isinstance(node, yaml.ScalarNode) else value
    ctx.fail(f"'{raw}' is not a date (YYYY-MM-DD)")
    return None


def _choice(table: Callable[[Settings], Mapping[str, str]], what: str) -> Conv:
    def convert(value: Any, node: yaml.Node, ctx: _Ctx) -> str | None:
        choices = table(ctx.settings)
        if isinstance(value, str) and value in choices:
            return value
        if isinstance(value, bool) and isinstance(node, yaml.ScalarNode):
            hint = vocab.did_you_mean(node.value, choices)
            ctx.fail(f"'{node.value}' is read by YAML as {str(value).lower()}{hint or '; put it in quotes'}")
            return None
        ctx.fail(vocab.unknown(what, value if not isinstance(node, yaml.ScalarNode) else node.value, choices))
        return None

    return convert


def _member(value: Any, node: yaml.Node, ctx: _Ctx) -> str | None:
    if not isinstance(value, str):
        ctx.fail(f"must be a team member id, not {_describe(value)}")
        return None
    ids = ctx.settings.member_ids
    if ids and value not in ids:
        ctx.fail(f"'{value}' is not on the team{vocab.did_you_mean(value, sorted(ids)) or ' (team: ' + ', '.join(sorted(ids)) + ')'}")
    return value


def _slug(value: Any, node: yaml.Node, ctx: _Ctx) -> str | None:
    if isinstance(value, str) and SLUG.match(value):
        return value
    ctx.fail(f"'{value}' is not a partner id (a partner's file name without .md)")
    return None


def _days(value: Any, node: yaml.Node, ctx: _Ctx) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        shown = node.value if isinstance(node, yaml.ScalarNode) and len(node.value) <= 24 else None
        what = f"'{shown}'" if shown is not None else _describe(value) if not isinstance(value, int) else "a longer number"
        ctx.fail(f"must be a whole number of days from 1 to {MAX_DAYS}, not {what}")
        return None
    return value


def _flag(value: Any, node: yaml.Node, ctx: _Ctx) -> bool:
    if isinstance(value, bool):
        return value
    ctx.fail(f"must be true or false, not {_describe(value)}")
    return False


def _text_list(value: Any, node: yaml.Node, ctx: _Ctx) -> tuple[str, ...]:
    if not isinstance(value, list):
        ctx.fail("must be a list (one '- item' per line, or [a, b])")
        return ()
    items = []
    for item, item_node in zip(value, node.value):
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


def _contacts(value: Any, node: yaml.Node, ctx: _Ctx) -> tuple[Contact, ...]:
    if not isinstance(value, list):
        ctx.fail("must be a list of contacts (each '- name: ...' with a role)")
        return ()
    contacts = []
    for item, item_node in zip(value, node.value):
        line = item_node.start_mark.line + ctx.offset
        sub = _Ctx(ctx.display, line, "contact", ctx.settings, ctx.problems)
        if not isinstance(item, dict):
            sub.fail("each contact is a mapping with at least name and role")
            continue
        nodes = {str(k.value): (v, k.start_mark.line + ctx.offset) for k, v in item_node.value}
        for key in item:
            if str(key) in CONTACT_KEY_SYNONYMS:
                ctx.problems.append(error(Source(ctx.display, nodes[str(key)][1]), f"contact: unknown key '{key}' (did you "
                                          f"mean '{CONTACT_KEY_SYNONYMS[str(key)]}'?): as written it is ignored"))
            elif key not in CONTACT_KEYS:
                ctx.problems.append(unknown_key(Source(ctx.display, nodes[str(key)][1]), str(key), CONTACT_KEYS, "contact: "))
        fields: dict[str, Any] = {}
        for key, conv in (("name", _text), ("role", _choice(lambda s: s.roles, "role")), ("email", _text),
                          ("phone", _text), ("prefers", _choice(lambda s: vocab.CHANNELS, "channel")), ("notes", _text)):
            if key in item:
                vnode, kline = nodes[key]
                fields[key] = conv(item[key], vnode, _Ctx(ctx.display, kline, f"contact {key}", ctx.settings, ctx.problems))
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
            ctx.problems.append(error(contact.source, f"contact '{contact.name}' is listed twice"))
    return tuple(contacts)


def _fit(value: Any, node: yaml.Node, ctx: _Ctx) -> Fit | None:
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
            ctx.problems.append(unknown_key(Source(ctx.display, line), str(key), fit.KEYS, "fit: "))
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


def unknown_key(source: Source, key: str, known: Mapping[str, Any], prefix: str = "") -> Problem:
    """An unknown key: an error when it looks like a misspelling of a known one (it would be ignored), else a warning."""
    hint = vocab.did_you_mean(key, known)
    if hint:
        return error(source, f"{prefix}unknown key '{key}'{hint}: as written it is ignored")
    return warning(source, f"{prefix}unknown key '{key}' (refsite ignores it)")


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


def load_partner(path: Path, display: str, settings: Settings) -> tuple[Partner | None, list[Problem]]:
    """Read one partner file. Returns (None, problems) when nothing usable could be read."""
    text, problems = read_text(path, display)
    if text is None:
        return None, problems
    file_src = Source(display, 1)
    if not text.strip():
        return None, [error(file_src, "the file is empty: a partner file starts with front matter between '---' lines")]
    lines = text.split("\n")
    if CONTROL.search(text):
        problems = problems + control_characters(lines, display)
    if any(marker in text for marker in CONFLICT_MARKERS):  # no marker anywhere, no marker line
        markers = conflict_markers(lines, display)
        if markers:
            return None, markers
    partner_id = path.stem
    if not SLUG.match(partner_id):
        problems.append(
            error(file_src, f"file name '{shown_name(path.name)}' is not a partner id: use lowercase letters, digits and hyphens, e.g. '{_slugify(partner_id)}.md'")
        )
    if lines[0].strip() != "---":
        return None, problems + [error(file_src, "no front matter: a partner file starts with a line '---', then 'name:', 'category:', 'stage:' ..., then '---'")]
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    except StopIteration:
        return None, problems + [error(file_src, "the front matter opened on line 1 is never closed with a line '---'")]
    tabs = [i + 1 for i in range(1, close) if "\t" in lines[i][: len(lines[i]) - len(lines[i].lstrip())]]
    if tabs:
        return None, problems + [
            error(Source(display, n), "indented with a tab: YAML needs spaces (set your editor to insert spaces)") for n in tabs
        ]
    parsed, yaml_problems = parse_yaml_mapping("\n".join(lines[1:close]), display, offset=2)
    problems += yaml_problems
    if parsed is None:
        return None, problems

    values: dict[str, Any] = {}
    for key, raw in parsed.data.items():
        line = parsed.lines[key]
        spec = FIELDS_BY_NAME.get(key)
        if spec is None:
            problems.append(unknown_key(Source(display, line), key, FIELDS_BY_NAME))
            continue
        if raw is None:
            if spec.required:
                problems.append(error(Source(display, line), f"{key}: is empty"))
            continue
        ctx = _Ctx(display, line, key, settings, problems)
        converted = spec.convert(raw, parsed.nodes[key], ctx)
        if converted is not None:
            values[key] = converted
    for spec in FIELDS:
        if spec.required and spec.name not in parsed.data:
            problems.append(error(file_src, f"missing required key '{spec.name}' ({spec.help}), e.g. '{spec.name}: {spec.example}'"))

    notes, events, broken_refs, log_problems = _body(lines, close + 1, display, settings)
    notes_lines = _notes_lines(lines, close + 1, notes)
    problems += log_problems
    if any(f.required and f.name not in values for f in FIELDS):
        return None, problems
    owner = values.pop("owner", None) or settings.default_owner
    partner = Partner(
        id=partner_id,
        source=file_src,
        owner=owner,
        tier=values.pop("tier", "standard"),
        updates=values.pop("updates", "milestones"),
        notes=notes,
        events=tuple(events),
        broken_refs=broken_refs,
        key_lines={**parsed.lines, **_item_lines(parsed)},
        notes_lines=notes_lines,
        **values,
    )
    return partner, problems


def _item_lines(parsed: Mapping_) -> dict[str, int]:
    """The line of each free-text list item and contact note, as 'value_ideas[0]', 'contacts[1].notes'
    (for messages about them: refsite.checks.check_privacy)."""
    found: dict[str, int] = {}
    for key in ("value_ideas", "interests"):
        node = parsed.nodes.get(key)
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                found[f"{key}[{i}]"] = item.start_mark.line + 2
    node = parsed.nodes.get("contacts")
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            if isinstance(item, yaml.MappingNode):
                for key_node, _ in item.value:
                    if key_node.value == "notes":
                        found[f"contacts[{i}].notes"] = key_node.start_mark.line + 2
    return found


def _notes_lines(lines: list[str], start: int, notes: str) -> tuple[int, ...]:
    """The file line of each line of ``notes`` (the body outside '## Log', as _body collected it)."""
    if not notes:
        return ()
    numbers: list[int] = []
    in_log = False
    for lineno in range(start + 1, len(lines) + 1):
        line = lines[lineno - 1]
        if line[:1] == "#":
            if LOG_HEADING.match(line):
                in_log = True
                continue
            if in_log and HEADING.match(line):
                in_log = False
        if not in_log:
            numbers.append(lineno)
    lead = 0
    while lead < len(numbers) and lines[numbers[lead] - 1] == "":
        lead += 1
    return tuple(numbers[lead:lead + notes.count("\n") + 1])


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "partner"


def _body(
    lines: list[str], start: int, display: str, settings: Settings
) -> tuple[str, list[LogEvent], frozenset[str], list[Problem]]:
    """Split the body into notes and log events; parse each log line.

    Returns the notes, the events, the referral ids of lines that could not be
    read (so that later checks do not report them a second time) and the problems.
    """
    notes: list[str] = []
    events: list[LogEvent] = []
    problems: list[Problem] = []
    broken: set[str] = set()
    seen: dict[str, int] = {}
    stray: list[int] = []
    in_log = False
    services = settings.services
    for lineno in range(start + 1, len(lines) + 1):
        line = lines[lineno - 1]
        if line[:1] == "#":  # both heading patterns start with '#'
            if LOG_HEADING.match(line):
                in_log = True
                continue
            if in_log and HEADING.match(line):
                in_log = False
            elif not in_log and LOG_HEADING_LIKE.match(line):
                problems.append(error(Source(display, lineno), f"'{line.strip()}': the log's heading is written '## Log', alone on its line"))
        if not in_log:
            if LOG_LINE_LIKE.match(line):
                stray.append(lineno)
            notes.append(line)
            continue
        stripped = line.strip()
        if not stripped or (stripped.startswith("<!--") and stripped.endswith("-->")):
            continue
        source = Source(display, lineno)
        if not stripped.startswith("- "):
            problems.append(error(source, "not a log line: under '## Log' each line is '- YYYY-MM-DD kind ...' (notes go above the heading)"))
            continue
        key = " ".join(stripped.split())
        first = seen.setdefault(key, lineno)
        if first != lineno:
            problems.append(error(source, f"the same event as line {first} (a merge may have duplicated it): delete one"))
            continue
        event, line_problems = parse_line(stripped, source, services)
        if line_problems:
            problems += line_problems
        if event is not None:
            events.append(event)
        else:
            ref = REF_LINE.match(stripped)
            if ref:
                broken.add(ref.group(1))
    if stray:
        more = f" (and {len(stray) - 1} more)" if len(stray) > 1 else ""
        problems.append(
            error(Source(display, stray[0]), f"a log line outside the '## Log' section{more}: refsite reads only the lines under a heading '## Log'")
        )
    return "\n".join(notes).strip("\n"), events, frozenset(broken), problems


# --------------------------------------------------------------------------- settings and folders


def load_settings(path: Path, display: str) -> tuple[Settings, list[Problem]]:
    """Read the settings file; a missing or empty file gives the defaults."""
    if not path.exists():
        return Settings(source=Source(display, 0)), []
    text, problems = read_text(path, display)
    if text is None:
        return Settings(source=Source(display, 0)), problems
    problems += conflict_markers(text.split("\n"), display)
    if problems:
        return Settings(source=Source(display, 0)), problems
    if CONTROL.search(text):
        problems += control_characters(text.split("\n"), display)
    parsed, yaml_problems = parse_yaml_mapping(text, display, offset=1)
    problems += yaml_problems
    if parsed is None:
        return Settings(source=Source(display, 0)), problems
    lines = dict(parsed.lines)
    team_node = parsed.nodes.get("team")
    if isinstance(team_node, yaml.SequenceNode):
        for i, item in enumerate(team_node.value):
            lines[f"team[{i}]"] = item.start_mark.line + 1
    settings, setting_problems = settings_from_mapping(parsed.data, display, lines)
    if settings.timezone:
        try:
            zoneinfo.ZoneInfo(settings.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            setting_problems.append(
                error(Source(display, lines.get("timezone", 1)), f"timezone: unknown time zone '{settings.timezone}' (write e.g. Australia/Sydney)")
            )
    return settings, problems + setting_problems


def partner_files(records: Path) -> list[Path]:
    """The partner files of a records folder: every *.md but README.md and names starting with '_' or '.'."""
    return sorted(
        (p for p in records.glob("*.md")
         if p.name not in IGNORED_FILES and not p.name.startswith(("_", ".")) and p.is_file()),
        key=lambda p: p.name,  # one folder: the same order as sorting the paths, at a fraction of the cost
    )


def skipped_files(records: Path, display_root: str) -> list[Problem]:
    """A warning for every file that looks like a partner's but is not read, and for symlinks leaving the folder.

    Subfolders holding *.md files, names ending in another case of .md (*.MD), dangling symbolic
    links and link loops are not read; a link to a file outside the records folder is read, and
    said. Stale temporary files of a killed write are named too (the next write removes them).
    """
    problems: list[Problem] = []
    base = records.resolve()

    def shown(path: Path) -> str:
        name = shown_name(path.relative_to(records).as_posix())
        return f"{display_root}/{name}" if display_root else name

    try:
        entries = sorted(records.iterdir(), key=lambda p: p.name)
    except OSError:
        return problems
    for path in entries:
        name = path.name
        if TEMP_FILE.match(name):
            problems.append(warning(Source(shown(path)), "a temporary file left by an interrupted refsite write: "
                                    "the next `refsite log` or `refsite new` removes it (or delete it)"))
            continue
        if name.startswith(("_", ".")) or name in IGNORED_FILES:
            continue
        is_md = name.endswith(".md")
        looks_md = name.lower().endswith(".md")
        if path.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):  # dangling (FileNotFoundError) or a loop
                if looks_md:
                    problems.append(warning(Source(shown(path)), "a symbolic link that leads nowhere (dangling, or a "
                                            "loop): not read"))
                continue
            if is_md and target.is_file() and not target.is_relative_to(base):
                problems.append(warning(Source(shown(path)), f"a symbolic link to a file outside the records folder "
                                        f"({target}): read, but `refsite log` will not write through it"))
        if looks_md and not is_md and path.is_file():
            problems.append(warning(Source(shown(path)), f"'{shown_name(name)}' is not read: partner files end in "
                                    f"lowercase .md (rename it '{shown_name(name[:-3])}.md')"))
        elif path.is_dir() and not path.is_symlink():
            try:
                inner = sorted(p for p in path.rglob("*") if p.name.lower().endswith(".md"))
            except OSError:
                inner = []
            if inner:
                more = f" (and {len(inner) - 1} more)" if len(inner) > 1 else ""
                problems.append(warning(Source(shown(inner[0])), f"not read: partner files live directly in the "
                                        f"records folder, not in a subfolder{more}"))
    return problems


def load_records(records: Path, settings: Settings, display_root: str | None = None) -> tuple[Records, list[Problem]]:
    """Read every partner file in ``records``. Paths in problems are shown as ``display_root/name.md``."""
    root = display_root if display_root is not None else str(records)
    partners = []
    unreadable: set[str] = set()
    problems: list[Problem] = []
    files = partner_files(records)
    problems += skipped_files(records, root)
    if not files:
        problems.append(warning(Source(root), "no partner files (*.md) here: is this the records folder?"))
    with _no_cycle_collection():
        for path in files:
            shown = f"{root}/{shown_name(path.name)}" if root else shown_name(path.name)
            try:
                partner, file_problems = load_partner(path, shown, settings)
            except Exception as exc:  # noqa: BLE001 - the last guard: bad input never ends in a traceback
                partner, file_problems = None, [
                    error(Source(shown, 1), f"refsite could not read this file ({type(exc).__name__}: {exc}); "
                          "please report it with the file")
                ]
            problems += file_problems
            if partner is not None:
                partners.append(partner)
            else:
                unreadable.add(path.stem)
    return Records(tuple(sorted(partners, key=lambda p: p.id)), frozenset(unreadable)), problems


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Keep Python's cycle collector off the records: pause it while reading, then freeze what was read.

    Reading allocates millions of objects that all stay alive, and the collector
    would walk them again and again, during reading and after: at 5,000 partners
    that was 1.9 s of a 5.5 s check. Reading creates no reference cycles (a test
    checks it), so reference counting alone frees whatever it discards, and
    frozen records are still freed when the last reference to them goes. Each
    read first hands what the previous one froze back to the collector and
    collects, so that nothing unreachable stays frozen (``refsite serve`` reads
    again and again).
    """
    enabled = gc.isenabled()
    gc.unfreeze()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def load(records: Path, settings_path: Path | None = None) -> tuple[Records, Settings, list[Problem]]:
    """Read the settings and every partner of a records folder."""
    if settings_path is None:
        settings_path = records / SETTINGS_FILE
    root = display_path(records)
    problems: list[Problem] = []
    if not records.is_dir():
        return Records(()), Settings(), [error(Source(root), "no such records folder")]
    settings, settings_problems = load_settings(settings_path, display_path(settings_path))
    problems += settings_problems
    recs, record_problems = load_records(records, settings, root)
    return recs, settings, sort_problems(problems + record_problems)


def display_path(path: Path) -> str:
    """A path as people should see it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return path.as_posix()
