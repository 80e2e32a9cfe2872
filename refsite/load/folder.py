"""A records folder: the settings file, every partner file (and the ones not read, said), in order."""

from __future__ import annotations

import contextlib
import errno
import functools
import gc
import os
import zoneinfo
from pathlib import Path
from typing import Callable, Iterator, Sequence

import yaml

from refsite.load.cache import Checked as Read
from refsite.load.cache import RecordCache, parse_files_checked
from refsite.load.frontmatter import parse_yaml_mapping
from refsite.load.parallel import map_shards
from refsite.load.partner import parse_partner
from refsite.load.text import CONTROL, TEMP_FILE, conflict_markers, control_characters, read_text, shown_name
from refsite.model import Checked, Partner, Records
from refsite.problems import Problem, Source, error, sort_problems, warning
from refsite.settings import Settings, settings_from_mapping

SETTINGS_FILE = "settings.yml"
OwnChecks = Callable[[Partner, Settings], tuple[Problem, ...]]
IGNORED_FILES = ("README.md",)


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
                error(Source(display, lines.get("timezone", 1)), f"timezone: unknown time zone '{settings.timezone}' (write e.g. Australia/Sydney)", check="settings")
            )
    return settings, problems + setting_problems


def partner_files(records: Path) -> list[Path]:
    """The partner files of a records folder: every *.md but README.md and names starting with '_' or '.'."""
    try:
        # what records.glob("*.md") lists, filtered; a DirEntry knows a plain file without a stat call
        with os.scandir(records) as listing:
            entries = [entry for entry in listing if entry.name.endswith(".md") and entry.name not in IGNORED_FILES
                       and not entry.name.startswith(("_", "."))]
    except OSError:  # no such folder, not a folder, not readable: glob lists nothing
        return []
    names = sorted(entry.name for entry in entries if _is_file(entry))
    return [records / name for name in names]  # one folder: the same order as sorting the paths


def _is_file(entry: os.DirEntry[str]) -> bool:
    """``Path.is_file`` of the entry: False, not an error, for a dangling link or a link loop."""
    try:
        return entry.is_file()
    except OSError as exc:
        if exc.errno in _NOT_A_FILE:
            return False
        raise


_NOT_A_FILE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)  # the errors Path.is_file reads as False


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
                                    "the next `refsite log` or `refsite new` removes it (or delete it)", check="files"))
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
                                            "loop): not read", check="files"))
                continue
            if is_md and target.is_file() and not target.is_relative_to(base):
                problems.append(warning(Source(shown(path)), f"a symbolic link to a file outside the records folder "
                                        f"({target}): read, but `refsite log` will not write through it", check="files"))
        if looks_md and not is_md and path.is_file():
            problems.append(warning(Source(shown(path)), f"'{shown_name(name)}' is not read: partner files end in "
                                    f"lowercase .md (rename it '{shown_name(name[:-3])}.md')", check="files"))
        elif path.is_dir() and not path.is_symlink():
            try:
                inner = sorted(p for p in path.rglob("*") if p.name.lower().endswith(".md"))
            except OSError:
                inner = []
            if inner:
                more = f" (and {len(inner) - 1} more)" if len(inner) > 1 else ""
                problems.append(warning(Source(shown(inner[0])), f"not read: partner files live directly in the "
                                        f"records folder, not in a subfolder{more}", check="files"))
    return problems


def load_records(records: Path, settings: Settings, display_root: str | None = None,
                 use_cache: bool = False, own_checks: OwnChecks | None = None,
                 keep_cache: Callable[[RecordCache], None] | None = None) -> tuple[Records, list[Problem]]:
    """Read every partner file in ``records``. Paths in problems are shown as ``display_root/name.md``.

    With ``use_cache``, a file whose bytes are unchanged since the last run (same settings, same
    refsite) is answered from ``.refsite-cache/`` beside the folder (:mod:`refsite.load.cache`),
    and the cache is saved for the next run; results are identical either way.

    ``own_checks(partner, settings)``: a partner's own problems (``refsite.checks.partner_problems``,
    passed in by the layer above), found as each partner is read, cached with it, and handed to
    validation in ``Records.checked``.

    ``keep_cache``: given the cache instead of saving it (the caller adds to it and saves it).
    """
    root = display_root if display_root is not None else str(records)
    partners = []
    unreadable: set[str] = set()
    problems: list[Problem] = []
    files = partner_files(records)
    problems += skipped_files(records, root)
    if not files:
        problems.append(warning(Source(root), "no partner files (*.md) here: is this the records folder?", check="files"))

    def parse(path: Path, shown: str, data: bytes) -> tuple[Partner | None, list[Problem]]:
        try:
            return parse_partner(path, shown, data, settings)
        except Exception as exc:  # noqa: BLE001 - the last guard: bad input never ends in a traceback
            return None, [error(Source(shown, 1), f"refsite could not read this file ({type(exc).__name__}: {exc}); "
                                "please report it with the file", check="files")]

    with _no_cycle_collection():
        cache = RecordCache.for_records(records, settings).load() if use_cache else None
        named = [(path, f"{root}/{shown_name(path.name)}" if root else shown_name(path.name)) for path in files]
        own = None
        if own_checks is not None:
            checks = own_checks

            @functools.wraps(checks)  # the cache knows the checks by their name
            def own(partner: Partner) -> tuple[Problem, ...]:
                return checks(partner, settings)

        if cache is None:  # every file read afresh: shared between processes when there are enough (parallel)
            def work(shard: Sequence[tuple[Path, str]]) -> list[Read]:
                return parse_files_checked(shard, parse, None, parse_reads_file=False, own=own)

            results = map_shards(work, named)
        else:
            results = parse_files_checked(named, parse, cache, parse_reads_file=False, own=own)
        if cache is not None and keep_cache is not None:
            keep_cache(cache)
        elif cache is not None:
            cache.save()
        checked: dict[str, Checked] = {}
        for (path, _shown), (partner, file_problems, own_problems) in zip(named, results):
            problems += file_problems
            if partner is not None:
                partners.append(partner)
                if own_problems is not None:
                    checked[partner.id] = Checked(partner, settings, own_problems)
            else:
                unreadable.add(path.stem)
    return Records(tuple(sorted(partners, key=lambda p: p.id)), frozenset(unreadable), checked), problems


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


def load(records: Path, settings_path: Path | None = None, use_cache: bool = False,
         own_checks: OwnChecks | None = None,
         keep_cache: Callable[[RecordCache], None] | None = None) -> tuple[Records, Settings, list[Problem]]:
    """Read the settings and every partner of a records folder (``own_checks``, ``keep_cache``: see :func:`load_records`)."""
    if settings_path is None:
        settings_path = records / SETTINGS_FILE
    root = display_path(records)
    problems: list[Problem] = []
    if not records.is_dir():
        return Records(()), Settings(), [error(Source(root), "no such records folder", check="files")]
    settings, settings_problems = load_settings(settings_path, display_path(settings_path))
    problems += settings_problems
    recs, record_problems = load_records(records, settings, root, use_cache, own_checks, keep_cache)
    return recs, settings, sort_problems(problems + record_problems)


def display_path(path: Path) -> str:
    """A path as people should see it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return path.as_posix()
