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
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import yaml
from filelock import FileLock

from refsite import privacy, vocab
from refsite.checks import CHECKS, check_duplicate_names, check_introduced_by, check_privacy, line_privacy_problems
from refsite.load import CONTROL, LOG_HEADING, SETTINGS_FILE, TEMP_SUFFIX, describe_control, load_partner, shown_name
from refsite.logline import parse_line, split_text
from refsite.model import Records
from refsite.problems import Problem, Source, error, has_errors, sort_problems
from refsite.settings import SLUG, Settings
from refsite.validate import validate

LOCK_FILE = ".refsite.lock"
DATA_DIR = Path(__file__).resolve().parent / "data"
# The checks that look at one partner alone (introduced_by needs the others).
SINGLE_PARTNER_CHECKS = tuple(c for c in CHECKS if c not in (check_introduced_by, check_duplicate_names))
# What the .gitignore of this project and of `refsite init` hold, so that nothing refsite leaves
# behind (a killed write's temporary file, a killed build's staging folders) is ever committed.
GITIGNORE = f"site/\n.site-new-*/\n.site-old-*/\n*{TEMP_SUFFIX}\nrecords/.refsite.lock\n"


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


def _insert_at(lines: list[bytes]) -> int | None:
    """Where a new log line goes: after the last non-blank line of the '## Log' section (None: no section)."""
    start = end = None
    for i, raw in enumerate(lines):
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        if start is None:
            if LOG_HEADING.match(text):
                start = end = i
        elif text.startswith(("# ", "## ")):
            break
        elif text.strip():
            end = i
    return None if end is None else end + 1


def append_event(
    path: Path, display: str, body: str, settings: Settings, today: dt.date, not_patient: bool = False
) -> tuple[str | None, list[Problem]]:
    """Append ``- {body}`` to a partner's log. Returns (the line written, problems); writes nothing on error.

    A line whose text looks like a patient identifier is refused (docs/privacy.md) unless
    ``not_patient``, which writes the line with its privacy:ok marker.
    """
    found = CONTROL.search(body)
    if found:  # before split(): it would quietly turn some controls (\x1c-\x1f) into spaces
        return None, [error(Source(display), f"the line holds the invisible character {describe_control(found.group())}: "
                            "nothing written (control characters and right-to-left overrides can disguise text)")]
    if not_patient:
        body = with_privacy_ok(body)
    line = "- " + " ".join(body.split())
    refusal = _unwritable(path)
    if refusal:
        return None, [error(Source(display), refusal)]
    with _locked(path.parent):
        data = path.read_bytes()
        old, problems = load_partner(path, display, settings)
        if old is None or has_errors(problems):
            return None, [*problems, error(Source(display), "fix the errors in this file before adding to its log")]
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        newline = b"\r\n" if b"\r\n" in data else b"\n"
        lines = data[len(bom):].splitlines(keepends=True)
        at = _insert_at(lines)
        encoded = line.encode("utf-8") + newline
        if at is None:  # no log yet: add the heading after everything written so far
            if lines and not lines[-1].endswith((b"\n", b"\r")):
                lines[-1] += newline
            lines += [newline, b"## Log" + newline, newline, encoded]
            at = len(lines) - 1
        else:
            if at > 0 and not lines[at - 1].endswith((b"\n", b"\r")):
                lines[at - 1] += newline
            lines.insert(at, encoded)
        source = Source(display, at + 1)
        event, line_problems = parse_line(line, source, settings.services)
        if event is None:
            return None, line_problems
        partner = dataclasses.replace(old, events=(*old.events, event))
        if any(" ".join(e.raw.split()) == " ".join(event.raw.split()) for e in old.events):
            line_problems.append(error(source, "this event is already in the log"))
        line_problems += [
            p for p in validate(Records((partner,)), settings, today, _APPEND_CHECKS) if p.source == source
        ]
        line_problems += line_privacy_problems(old, event, settings, "run again with --not-patient")
        if has_errors(line_problems):
            return None, sort_problems(line_problems)
        atomic_write(path, bom + b"".join(lines))
    return line, sort_problems(line_problems)


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
_APPEND_CHECKS = tuple(c for c in SINGLE_PARTNER_CHECKS if c is not check_privacy)  # the new line: refused, not warned


def with_privacy_ok(body: str) -> str:
    """A log line body with privacy:ok added to its head (before ': '), once."""
    head, text = split_text(body)
    if privacy.LOG_ATTRIBUTE not in head.split():
        head = f"{head.rstrip()} {privacy.LOG_ATTRIBUTE}"
    return f"{head}: {text}" if text else head


def _yaml_text(value: str) -> str:
    """``value`` as a YAML scalar that reads back as the same text (quoted only when it must be)."""
    try:
        if yaml.safe_load(f"k: {value}") == {"k": value} and "#" not in value:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def new_partner(
    records_dir: Path, display_root: str, partner_id: str, name: str, category: str, stage: str, tier: str,
    owner: str | None, settings: Settings, today: dt.date,
) -> tuple[Path | None, list[Problem]]:
    """Write ``records/<id>.md`` from the template, refusing to overwrite anything."""
    display = f"{display_root}/{partner_id}.md"
    problems: list[Problem] = []
    if not SLUG.match(partner_id):
        problems.append(error(Source(display), f"'{shown_name(partner_id)}' is not a partner id: lowercase letters, digits and hyphens"))
    for what, value, table in (("category", category, settings.categories), ("stage", stage, vocab.STAGES),
                               ("tier", tier, vocab.TIERS)):
        if value not in table:
            problems.append(error(Source(display), vocab.unknown(what, value, table)))
    owner = owner or settings.default_owner
    if owner and settings.member_ids and owner not in settings.member_ids:
        problems.append(error(Source(display), f"owner '{owner}' is not on the team{vocab.did_you_mean(owner, sorted(settings.member_ids))}"))
    path = records_dir / f"{partner_id}.md"
    if path.exists():
        problems.append(error(Source(display), "a partner with this id exists already"))
    elif path.is_symlink():  # a dangling link or a loop: writing would create a file wherever it points
        problems.append(error(Source(display), "a symbolic link with this name exists already (it leads nowhere): "
                              "remove it first"))
    if problems:
        return None, problems
    template = (DATA_DIR / "partner.md").read_text(encoding="utf-8")
    text = template.format(
        name=_yaml_text(name), category=category, stage=stage, tier=tier,
        owner_line=f"owner: {owner}\n" if owner else "", since=today.isoformat(),
        first_line=f"- {today.isoformat()} stage {stage}" + (f" @{owner}" if owner else "") + ": added to refsite",
    )
    with _locked(records_dir):
        if path.exists() or path.is_symlink():
            return None, [error(Source(display), "a partner with this id exists already")]
        atomic_write(path, text.encode("utf-8"))
    partner, problems = load_partner(path, display, settings)
    if partner is None or has_errors(problems):  # the template itself is tested; this is a last guard
        path.unlink()
        return None, problems
    return path, problems


def init_repository(root: Path) -> tuple[list[Path], list[Problem]]:
    """Start a records repository in ``root``: settings, an example partner, the CI workflow, a pre-commit hook."""
    from refsite.merge import ATTRIBUTE  # the line that routes partner files to refsite's merge driver
    files = {
        Path("records") / SETTINGS_FILE: (DATA_DIR / "settings.yml").read_text(encoding="utf-8"),
        Path(".github/workflows/refsite-check.yml"): (DATA_DIR / "refsite-check.yml").read_text(encoding="utf-8"),
        Path(".pre-commit-config.yaml"): (DATA_DIR / "pre-commit-config.yaml").read_text(encoding="utf-8"),
        Path(".gitignore"): GITIGNORE,
        Path(".gitattributes"): ATTRIBUTE + "\n",  # `refsite setup-git` configures the driver per clone
    }
    existing = [p for p in files if (root / p).exists()]
    if existing:
        return [], [error(Source(str(root / p)), "exists already; refsite init writes nothing over your files") for p in existing]
    written = []
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, text.encode("utf-8"))
        written.append(target)
    return written, []

