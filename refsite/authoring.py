"""Commands that write records: append one log line, add a partner, start a records repository.

Never rewrite what a person wrote. ``append_event`` adds exactly one line and
changes no other byte: the file's byte-order mark, line endings and encoding
are kept, a missing final newline is added only where the new line needs one.
Every write goes to a temporary file in the same folder, is checked by the
loader, then replaces the original atomically (``os.replace``), under a lock
so that two concurrent appends both land.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import glob
import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import yaml
from filelock import FileLock

from refsite import privacy, vocab
from refsite.checks import (
    CHECKS,
    check_duplicate_names,
    check_introduced_by,
    check_privacy,
    check_referrals,
    line_privacy_problems,
)
from refsite.load import (
    CONTROL,
    SETTINGS_FILE,
    TEMP_SUFFIX,
    describe_control,
    load_partner,
    load_records,
    parse_document,
    shown_name,
)
from refsite.load.logline import parse_line, split_text
from refsite.model import Partner, Records
from refsite.problems import Problem, Source, error, has_errors, sort_problems
from refsite.settings import SLUG, Settings
from refsite.validate import validate

LOCK_FILE = ".refsite.lock"
DATA_DIR = Path(__file__).resolve().parent / "data"
# The checks that look at one partner alone (introduced_by needs the others).
SINGLE_PARTNER_CHECKS = tuple(c for c in CHECKS if c not in (check_introduced_by, check_duplicate_names))
# What the .gitignore of this project and of `refsite init` hold, so that nothing refsite leaves
# behind (a killed write's temporary file, a killed build's staging folders) is ever committed.
GITIGNORE = f"site/\n.site-new-*/\n.site-old-*/\n*{TEMP_SUFFIX}\nrecords/.refsite.lock\n.refsite-cache/\n"


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with FileLock(str(folder / LOCK_FILE), timeout=30):
        yield


def remove_stale_temporaries(path: Path) -> None:
    """Delete the temporary files an interrupted write of ``path`` left beside it (current and old names)."""
    name = glob.escape(path.name)
    for pattern in (f".{name}.*{TEMP_SUFFIX}", f".{name}.*.tmp"):
        for stale in path.parent.glob(pattern):
            if stale.is_file() and not stale.is_symlink():
                stale.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: temp file in the same folder, fsync, keep the mode, os.replace.

    A symbolic link is written through: its real file is replaced, the link stays. The temporary
    file is ``.NAME.XXXX.refsite-tmp`` (ignored by the .gitignore refsite writes); stale ones of
    an earlier, killed write of the same file are removed first.
    """
    if path.is_symlink():
        path = path.resolve(strict=True)
    remove_stale_temporaries(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class OtherRecords:
    """The records a referral line is checked against, read once for a run of appends (``refsite import``).

    ``append_event`` reads the records folder for every referral line it checks when it is given
    none: right for one ``refsite log``, but an import of a thousand referrals would read every
    record a thousand times. Given one of these, the folder is read at the first referral line and
    each line written is kept in it, so later lines are checked against the records as they now stand.
    """

    def __init__(self, folder: Path, settings: Settings, display_root: str) -> None:
        self._folder, self._settings, self._display_root = folder, settings, display_root
        self._records: Records | None = None

    def records(self) -> Records:
        if self._records is None:
            self._records, _ = load_records(self._folder, self._settings, self._display_root)
        return self._records

    def written(self, partner: Partner) -> None:
        if self._records is not None:
            self._records = _with_partner(self._records, partner)


def append_event(
    path: Path, display: str, body: str, settings: Settings, today: dt.date, not_patient: bool = False,
    others: OtherRecords | None = None,
) -> tuple[str | None, list[Problem]]:
    """Append ``- {body}`` to a partner's log. Returns (the line written, problems); writes nothing on error.

    A line whose text looks like a patient identifier is refused (docs/privacy.md) unless
    ``not_patient``, which writes the line with its privacy:ok marker. ``others``: the records a
    referral line is checked against, when the caller appends many lines (read from the folder
    otherwise).
    """
    found = CONTROL.search(body)
    if found:  # before split(): it would quietly turn some controls (\x1c-\x1f) into spaces
        return None, [error(Source(display), f"the line holds the invisible character {describe_control(found.group())}: "
                            "nothing written (control characters and right-to-left overrides can disguise text)", check="control")]
    if not_patient:
        body = with_privacy_ok(body)
    line = "- " + " ".join(body.split())
    refusal = _unwritable(path)
    if refusal:
        return None, [error(Source(display), refusal, check="files")]
    with _locked(path.parent):
        data = path.read_bytes()
        old, problems = load_partner(path, display, settings)
        if old is None or has_errors(problems):
            return None, [*problems, error(Source(display), "fix the errors in this file before adding to its log", check="log")]
        # The document model decides where the line goes, as the loader reads the file (one rule:
        # refsite.load.document); only the added bytes change, in the file's own line ending.
        new_text, at = parse_document(data.decode("utf-8")).with_log_line(line)
        source = Source(display, at + 1)
        event, line_problems = parse_line(line, source, settings.services)
        if event is None:
            return None, line_problems
        partner = dataclasses.replace(old, events=(*old.events, event))
        if any(" ".join(e.raw.split()) == " ".join(event.raw.split()) for e in old.events):
            line_problems.append(error(source, "this event is already in the log", check="log"))
        # The line as the next `refsite validate` will see it: the partner's own checks on the partner
        # alone, then the one check that spans partners (a referral id another partner has) over every
        # record, before and after: whatever the new line would make it reject is refused.
        line_problems += [p for p in validate(Records((partner,)), settings, today, _APPEND_CHECKS)
                          if p.source == source]
        if event.ref is not None:
            current = (others or OtherRecords(path.parent, settings, display.rpartition("/")[0])).records()
            before = set(validate(_with_partner(current, old), settings, today, _ACROSS_PARTNERS))
            line_problems += [p for p in validate(_with_partner(current, partner), settings, today, _ACROSS_PARTNERS)
                              if p.is_error and p not in before]
        line_problems += line_privacy_problems(old, event, settings, "run again with --not-patient")
        if has_errors(line_problems):
            return None, sort_problems(line_problems)
        atomic_write(path, new_text.encode("utf-8"))
        if others is not None:
            others.written(partner)
    return line, sort_problems(line_problems)


def _with_partner(records: Records, partner: Partner) -> Records:
    """``records`` with ``partner`` in place of the one of the same id."""
    return Records(tuple(sorted((*(p for p in records.partners if p.id != partner.id), partner), key=lambda p: p.id)))


def _unwritable(path: Path) -> str | None:
    """Why a record cannot be replaced safely, or None: links are written through only inside its folder."""
    records = path.parent.resolve()
    try:
        real = path.resolve(strict=True)
        links = real.stat().st_nlink
    except (OSError, RuntimeError) as exc:
        return f"cannot follow this file: {getattr(exc, 'strerror', None) or exc}"
    if path.is_symlink() and not real.is_relative_to(records):
        return (f"this record is a symbolic link to {real}, outside the records folder: refsite writes only inside "
                "it; nothing written (copy the file into the records folder instead of linking it)")
    if links > 1:
        return (f"this record has {links} hard links: replacing it atomically would split them, so nothing was "
                "written; make it a single file (e.g. `cp FILE FILE.new && mv FILE.new FILE`) and try again")
    return None
_APPEND_CHECKS = tuple(c for c in SINGLE_PARTNER_CHECKS if c is not check_privacy)  # privacy: refused, not warned
_ACROSS_PARTNERS = (check_referrals,)  # the only check a log line can fail because of another partner


def with_privacy_ok(body: str) -> str:
    """A log line body with privacy:ok added to its head (before ': '), once."""
    head, text = split_text(body)
    if privacy.LOG_ATTRIBUTE not in head.split():
        head = f"{head.rstrip()} {privacy.LOG_ATTRIBUTE}"
    return f"{head}: {text}" if text else head


def yaml_text(value: str) -> str:
    """``value`` as a YAML scalar that reads back as the same text (quoted only when it must be).

    The one writer of front-matter scalars: `refsite new`, `refsite init` and `refsite import`.
    """
    try:
        if value == value.strip() and "#" not in value and yaml.safe_load(f"k: {value}") == {"k": value}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def quoted(value: str) -> str:
    """Always in double quotes (phone numbers: YAML would read 0412 345 678 or 02-9000 as something else)."""
    return json.dumps(value, ensure_ascii=False)


def flow_item(value: str) -> str:
    """``value`` as an item of a YAML flow list ``[a, b]``."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._/-]*", value) and yaml.safe_load(f"[{value}]") == [value]:
        return value
    return quoted(value)


def canonical_term(table_name: str, word: str) -> str | None:
    """The vocabulary term a synonym stands for ("GP" -> "primary-care"), or None.

    HOOK: the synonym table (shared with the importer) lives in ``refsite.vocab`` as
    ``vocab.canonical(table_name, word)``; until that function exists, no synonyms are known.
    """
    canonical = getattr(vocab, "canonical", None)
    return canonical(table_name, word) if canonical is not None else None


@dataclasses.dataclass(frozen=True)
class NewContact:
    name: str
    role: str
    email: str | None = None
    phone: str | None = None


PHONE = re.compile(r"^\+?[\d\s().-]{6,}$")


def parse_contact(text: str) -> tuple[NewContact | None, str | None]:
    """ "Name, role, email or phone" (email and phone optional, in any order) -> (contact, None) or (None, why)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return None, f"'{text}' is not \"Name, role[, email][, phone]\""
    email = phone = None
    for part in parts[2:]:
        if "@" in part and " " not in part and email is None:
            email = part
        elif PHONE.match(part) and phone is None:
            phone = part
        else:
            return None, f"'{part}' in '{text}' is neither an email address nor a phone number"
    return NewContact(parts[0], parts[1], email, phone), None


@dataclasses.dataclass(frozen=True)
class NewPartner:
    """What `refsite new` writes: what a person has at hand, nothing invented."""

    id: str
    name: str
    category: str
    stage: str = "prospect"
    tier: str = "standard"
    owner: str | None = None
    since: dt.date | None = None  # None: today
    organisation: str | None = None
    location: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    tags: tuple[str, ...] = ()
    contacts: tuple[NewContact, ...] = ()
    solo: bool = False  # a practitioner on their own: no contacts expected


def front_matter_lines(new: NewPartner, owner: str | None, since: dt.date) -> tuple[list[str], set[str]]:
    """The optional front-matter lines of a new partner, and the keys they fill.

    The one writer of a new record's fields, after its name, category, stage and tier:
    `refsite new` and `refsite import partners` both write through it, in one order.
    """
    lines: list[str] = []
    if owner:
        lines.append(f"owner: {owner}")
    lines.append(f"since: {since.isoformat()}")
    for key in ("organisation", "location", "email", "phone", "website"):
        value = getattr(new, key)
        if value:  # a phone always in quotes: YAML would read 0412 345 678 as something else
            lines.append(f"{key}: {quoted(value) if key == 'phone' else yaml_text(value)}")
    if new.solo:
        lines.append("solo: true")
    if new.contacts:
        lines.append("contacts:")
        for c in new.contacts:
            lines += [f"  - name: {yaml_text(c.name)}", f"    role: {c.role}"]
            if c.email:
                lines.append(f"    email: {yaml_text(c.email)}")
            if c.phone:
                lines.append(f"    phone: {quoted(c.phone)}")
    if new.tags:
        lines.append(f"tags: [{', '.join(flow_item(t) for t in new.tags)}]")
    filled = {line.split(":", 1)[0] for line in lines if not line.startswith(" ")}
    return lines, filled


def head_lines(new: NewPartner) -> list[str]:
    """The four keys every record starts with."""
    return [f"name: {yaml_text(new.name)}", f"category: {new.category}", f"stage: {new.stage}", f"tier: {new.tier}"]


def _examples(template_lines: list[str], filled: set[str]) -> list[str]:
    """The template's commented example keys, without those already filled (and their indented lines)."""
    out, keep = [], True
    for line in template_lines:
        if line.startswith("# ") and not line.startswith("#  "):
            keep = line[2:].split(":", 1)[0] not in filled
        if keep:
            out.append(line)
    return out


def new_partner(
    records_dir: Path, display_root: str, new: NewPartner, settings: Settings, today: dt.date,
) -> tuple[Path | None, list[Problem]]:
    """Write ``records/<id>.md`` from the template, refusing to overwrite anything."""
    display = f"{display_root}/{new.id}.md"
    src = Source(display)
    problems: list[Problem] = []
    if not SLUG.match(new.id):
        problems.append(error(src, f"'{shown_name(new.id)}' is not a partner id: lowercase letters, digits and hyphens", check="files"))
    for what, value, table in (("category", new.category, settings.categories), ("stage", new.stage, vocab.STAGES),
                               ("tier", new.tier, vocab.TIERS)):
        if value not in table:
            problems.append(error(src, vocab.unknown(what, value, table), check="vocabulary"))
    for contact in new.contacts:
        if contact.role not in settings.roles:
            problems.append(error(src, f"contact '{contact.name}': " + vocab.unknown("role", contact.role, settings.roles), check="vocabulary"))
    owner = new.owner or settings.default_owner
    if owner and settings.member_ids and owner not in settings.member_ids:
        problems.append(error(src, f"owner '{owner}' is not on the team{vocab.did_you_mean(owner, sorted(settings.member_ids))}", check="team"))
    since = new.since or today
    if since > today:
        problems.append(error(src, f"--since {since} is after today ({today})", check="dates"))
    path = records_dir / f"{new.id}.md"
    if path.exists():
        problems.append(error(src, "a partner with this id exists already", check="files"))
    elif path.is_symlink():  # a dangling link or a loop: writing would create a file wherever it points
        problems.append(error(src, "a symbolic link with this name exists already (it leads nowhere): "
                              "remove it first", check="files"))
    if problems:
        return None, problems
    template = (DATA_DIR / "partner.md").read_text(encoding="utf-8")
    head, _, rest = template.partition("{fields}")
    examples, _, tail = rest.partition("---\n")
    fields, filled = front_matter_lines(new, owner, since)
    # The first log line is dated when the relationship began, as the person said, not today.
    added = "added to refsite" if since == today else f"added to refsite on {today.isoformat()}"
    first_line = f"- {since.isoformat()} stage {new.stage}" + (f" @{owner}" if owner else "") + f": {added}"
    text = (head + "".join(f"{line}\n" for line in [*head_lines(new), *fields, *_examples(examples.splitlines(), filled)])
            + "---\n" + tail.format(first_line=first_line))  # what the person typed is never a format string
    with _locked(records_dir):
        if path.exists() or path.is_symlink():
            return None, [error(src, "a partner with this id exists already", check="files")]
        atomic_write(path, text.encode("utf-8"))
    partner, problems = load_partner(path, display, settings)
    if partner is None or has_errors(problems):  # the template itself is tested; this is a last guard
        path.unlink()
        return None, problems
    return path, problems


# Where records repositories get refsite for pre-commit (`repo:` + `rev:`); `refsite init --source URL`
# names another Git repository (a fork, the practice's own mirror).
REFSITE_GIT = "https://github.com/refsite/refsite"
# When the daily CI check runs, in the practice's own time: before the team's day, not on the hour.
CHECK_LOCAL_TIME = dt.time(5, 17)


@dataclasses.dataclass(frozen=True)
class InitOptions:
    """What `refsite init` fills in: all optional, nothing is asked."""

    practice: str | None = None
    timezone: str | None = None
    members: tuple[tuple[str, str], ...] = ()  # (id, name)
    source: str | None = None  # a Git URL to install refsite from; None: the package index
    version: str = "0.0.0"


def _commented(name: str, value: object, help_text: str) -> str:
    text = f"# {name}: {_yaml_scalar(value)}"
    return f"{text:<34} # {help_text}"


def _yaml_scalar(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if value == "" else yaml_text(value)
    return str(value)


def settings_template(options: InitOptions) -> str:
    """records/settings.yml for a new repository: what ``options`` fill, then every setting commented with its default.

    The list comes from ``refsite.settings.SETTINGS`` and ``STRUCTURED_KEYS``, so it cannot drift from
    what the loader reads.
    """
    from refsite.settings import SETTINGS, STRUCTURED_KEYS

    given = {"practice": options.practice, "timezone": options.timezone}
    out = ["# refsite settings: the team, the default owner, additions to the vocabularies and the",
           "# practice's policy numbers. Every setting has a default (docs/records.md): the commented",
           "# lines below show each one; uncomment a line to change it.", ""]
    for name in ("practice", "timezone"):
        if given[name]:
            out.append(f"{name}: {yaml_text(str(given[name]))}")
    if options.members:
        out += ["", "team:"]
        for member_id, member_name in options.members:
            out += [f"  - id: {member_id}", f"    name: {yaml_text(member_name)}"]
        out.append(f"default_owner: {options.members[0][0]}")
    else:
        out += ["", f"# team:{'':<27} # {STRUCTURED_KEYS['team']}", "#   - id: alex", "#     name: Alex Example",
                f"# default_owner: alex{'':<14} # {STRUCTURED_KEYS['default_owner']}"]
    out.append("")
    for setting in SETTINGS:
        if not given.get(setting.name):
            out.append(_commented(setting.name, setting.written, setting.help))
    out.append("")
    for name, help_text in STRUCTURED_KEYS.items():
        if name in ("team", "default_owner"):
            continue
        example = STRUCTURED_EXAMPLES.get(name, ())
        out += [f"# {name}:{'':<{26 - len(name)}} # {help_text}", *(f"#   {line}" for line in example)]
    return "\n".join(out) + "\n"


# An example under each structured key of the settings template (every key of STRUCTURED_KEYS is listed;
# a key without an example here is listed with its help alone).
STRUCTURED_EXAMPLES: dict[str, tuple[str, ...]] = {
    "categories": ("podiatry-group: what it means",),
    "roles": ("practice-nurse: what it means",),
    "services": ("running: what it means",),
    "value_catalogue": ("- idea: Invite their physios to our Saturday running clinic", "  categories: [physio, sports]"),
}


def requirements_text(options: InitOptions) -> str:
    """requirements.txt: the refsite CI installs, pinned to the version that wrote it."""
    pin = (f"refsite @ git+{options.source}@v{options.version}" if options.source
           else f"refsite=={options.version}")
    return (
        f"# The refsite that CI installs (.github/workflows/refsite-check.yml), pinned: refsite {options.version} wrote\n"
        "# this file. Change the version here when the team moves to a new release. To install from\n"
        "# somewhere else, replace the last line, e.g.\n"
        f"#   refsite @ git+https://github.com/OWNER/refsite@v{options.version}    (a Git repository and tag)\n"
        "# or keep it and add a line above it: --index-url https://packages.example.org/simple\n"
        f"{pin}\n"
    )


def _cron(timezone: str | None, today: dt.date) -> tuple[str, str]:
    """The daily schedule (cron, UTC) for CHECK_LOCAL_TIME in ``timezone`` on ``today``, and a comment saying so."""
    import zoneinfo

    local = CHECK_LOCAL_TIME
    if not timezone:
        return f"{local.minute} {local.hour} * * *", f"{local:%H:%M} UTC"
    start = dt.datetime.combine(today, local, tzinfo=zoneinfo.ZoneInfo(timezone)).astimezone(dt.UTC)
    return (f"{start.minute} {start.hour} * * *",
            f"{local:%H:%M} in {timezone} ({start:%H:%M} UTC when refsite init ran; daylight saving moves it an hour)")


def workflow_text(options: InitOptions, today: dt.date) -> str:
    cron, when = _cron(options.timezone, today)
    template = (DATA_DIR / "refsite-check.yml").read_text(encoding="utf-8")
    return template.format(cron=cron, when=when, timezone=options.timezone or "UTC")


def pre_commit_text(options: InitOptions) -> str:
    template = (DATA_DIR / "pre-commit-config.yaml").read_text(encoding="utf-8")
    return template.format(repo=options.source or REFSITE_GIT, rev=f"v{options.version}")


def init_repository(root: Path, options: InitOptions, today: dt.date) -> tuple[list[Path], list[Problem]]:
    """Start a records repository in ``root``: settings, CI workflow and its requirements, a pre-commit hook.

    ``today`` (in the practice's zone) decides the UTC hour of the daily check, daylight saving or not.
    """
    from refsite.merge import ATTRIBUTE  # the line that routes partner files to refsite's merge driver

    files = {
        Path("records") / SETTINGS_FILE: settings_template(options),
        Path(".github/workflows/refsite-check.yml"): workflow_text(options, today),
        Path("requirements.txt"): requirements_text(options),
        Path(".pre-commit-config.yaml"): pre_commit_text(options),
        Path(".gitignore"): GITIGNORE,
        Path(".gitattributes"): ATTRIBUTE + "\n",  # `refsite setup-git` configures the driver per clone
    }
    existing = [p for p in files if (root / p).exists()]
    if existing:
        return [], [error(Source(str(root / p)), "exists already; refsite init writes nothing over your files", check="files") for p in existing]
    written = []
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, text.encode("utf-8"))
        written.append(target)
    return written, []
