"""One partner file to a :class:`Partner`: text, then the document model's parts, then the front
matter through the schema and the log through the log-line grammar. Never raises on bad input."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from refsite.load.document import Document, parse_document
from refsite.load.frontmatter import Mapping_, parse_yaml_mapping
from refsite.load.logline import _parse_plain, parse_line_at
from refsite.load.schema import FIELDS, FIELDS_BY_NAME, _Ctx, unknown_key
from refsite.load.text import CONFLICT_MARKERS, CONTROL, conflict_markers, control_characters, decode_text, shown_name
from refsite.model import LogEvent, Partner
from refsite.problems import Problem, Source, error
from refsite.settings import SLUG, Settings

LOG_HEADING_LIKE = re.compile(r"^#+\s*log\b", re.IGNORECASE)
LOG_LINE_LIKE = re.compile(r"^\s*[-*]\s+\d{4}-\d{2}-\d{2}\s+[a-z]")
_REQUIRED = tuple(f for f in FIELDS if f.required)
REF_LINE = re.compile(r"^- \S+\s+(?:referral-in|referral-out|thanks|update)\s+([A-Za-z0-9][A-Za-z0-9._/#-]*)(?:\s|$)")


def load_partner(path: Path, display: str, settings: Settings) -> tuple[Partner | None, list[Problem]]:
    """Read one partner file. Returns (None, problems) when nothing usable could be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [error(Source(display), f"cannot read the file: {exc.strerror or exc}", check="files")]
    return parse_partner(path, display, data, settings)


def parse_partner(path: Path, display: str, data: bytes, settings: Settings) -> tuple[Partner | None, list[Problem]]:
    """One partner file's bytes to a :class:`Partner` (the id is ``path``'s stem): a pure function of its
    arguments, so that its result can be cached per file (refsite.load.cache)."""
    text, problems = decode_text(data, display)
    if text is None:
        return None, problems
    file_src = Source(display, 1)
    if not text.strip():
        return None, [error(file_src, "the file is empty: a partner file starts with front matter between '---' lines", check="front-matter")]
    lines = text.split("\n")
    controls = CONTROL.search(text) is not None
    if controls:
        problems = problems + control_characters(lines, display)
    if any(marker in text for marker in CONFLICT_MARKERS):  # no marker anywhere, no marker line
        markers = conflict_markers(lines, display)
        if markers:
            return None, markers
    partner_id = path.stem
    if not SLUG.match(partner_id):
        problems.append(
            error(file_src, f"file name '{shown_name(path.name)}' is not a partner id: use lowercase letters, digits and hyphens, e.g. '{_slugify(partner_id)}.md'", check="files")
        )
    doc = parse_document(text)
    if not doc.opens_front_matter:
        return None, problems + [error(file_src, "no front matter: a partner file starts with a line '---', then 'name:', 'category:', 'stage:' ..., then '---'", check="front-matter")]
    if doc.front_matter is None:
        return None, problems + [error(file_src, "the front matter opened on line 1 is never closed with a line '---'", check="front-matter")]
    close = doc.front_matter.end
    tabs = [i + 1 for i in range(1, close) if "\t" in lines[i][: len(lines[i]) - len(lines[i].lstrip())]] if "\t" in text else []
    if tabs:
        return None, problems + [
            error(Source(display, n), "indented with a tab: YAML needs spaces (set your editor to insert spaces)", check="yaml") for n in tabs
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
                problems.append(error(Source(display, line), f"{key}: is empty", check="field"))
            continue
        ctx = _Ctx(display, line, key, settings, problems)
        converted = spec.convert(raw, parsed.nodes[key], ctx)
        if converted is not None:
            values[key] = converted
    for spec in _REQUIRED:
        if spec.name not in parsed.data:
            problems.append(error(file_src, f"missing required key '{spec.name}' ({spec.help}), e.g. '{spec.name}: {spec.example}'", check="front-matter"))

    notes, notes_lines, events, broken_refs, log_problems = _body(doc, display, settings, controls)
    problems += log_problems
    if any(f.name not in values for f in _REQUIRED):
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


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "partner"


def _body(
    doc: Document, display: str, settings: Settings, controls: bool = True
) -> tuple[str, tuple[int, ...], list[LogEvent], frozenset[str], list[Problem]]:
    """Split the body into notes and log events (the document model's spans); parse each log line.
    ``controls``: whether the text may hold control characters (refsite.load.text.CONTROL).

    Returns the notes, the file line of each notes line, the events, the referral ids of lines
    that could not be read (so that later checks do not report them a second time) and the problems.
    """
    lines = doc.lines
    notes: list[int] = []  # indexes of the notes' lines
    events: list[LogEvent] = []
    problems: list[Problem] = []
    broken: set[str] = set()
    seen: dict[str, int] = {}
    stray: list[int] = []
    services = settings.services
    for span in doc.notes:
        for index in span:
            line = lines[index]
            if line[:1] == "#" and LOG_HEADING_LIKE.match(line):
                problems.append(error(Source(display, index + 1), f"'{line.strip()}': the log's heading is written '## Log', alone on its line", check="log"))
            if LOG_LINE_LIKE.match(line):
                stray.append(index + 1)
            notes.append(index)
    plain = _parse_plain
    add = events.append
    for section in doc.logs:
        span = section.lines
        for index in range(span.start, span.end):
            stripped = lines[index].strip()
            if stripped[:2] != "- ":  # (a comment, '<!-- ... -->', never starts with '- ')
                if stripped and not (stripped.startswith("<!--") and stripped.endswith("-->")):
                    problems.append(error(Source(display, index + 1), "not a log line: under '## Log' each line is '- YYYY-MM-DD kind ...' (notes go above the heading)", check="log"))
                continue
            lineno = index + 1
            # a line's key for duplicates is its words with single spaces between them: the stripped line itself
            # when it is ASCII with single spaces only (and no control character, that str.split would split at)
            key = (stripped if not controls and stripped.isascii() and "  " not in stripped and "\t" not in stripped
                   else " ".join(stripped.split()))
            first = seen.setdefault(key, lineno)
            if first != lineno:
                problems.append(error(Source(display, lineno), f"the same event as line {first} (a merge may have duplicated it): delete one", check="log"))
                continue
            event = plain(stripped, display, lineno, services)  # most lines: the fast path, no problems
            if event is not None:
                add(event)
                continue
            event, line_problems = parse_line_at(stripped, display, lineno, services)
            if line_problems:
                problems += line_problems
            if event is not None:
                add(event)
            else:
                ref = REF_LINE.match(stripped)
                if ref:
                    broken.add(ref.group(1))
    if stray:
        more = f" (and {len(stray) - 1} more)" if len(stray) > 1 else ""
        problems.append(
            error(Source(display, stray[0]), f"a log line outside the '## Log' section{more}: refsite reads only the lines under a heading '## Log'", check="log")
        )
    while notes and not lines[notes[0]]:  # the notes as people see them: no blank lines around them
        notes.pop(0)
    while notes and not lines[notes[-1]]:
        notes.pop()
    return ("\n".join(lines[i] for i in notes), tuple(i + 1 for i in notes), events, frozenset(broken), problems)
