"""One records repository: where its records, settings, templates and ``mkdocs.yml`` are, and the
first two stages every command runs (load, then validate, as of a date).

Everything is found next to the records folder (its parent is the repository's top level):
``records/settings.yml`` (unless ``--settings`` names another), ``mkdocs.yml`` (else refsite's
default), ``site_templates/`` (overrides of refsite's templates, file by file; messages in
``site_templates/messages/``) and ``site/`` (the output). This is the one home of those names;
the parsed-records cache and the incremental preview plug in here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from refsite.checks import (
    CHECKS,
    check_dates_not_future,
    check_duplicate_names,
    check_introduced_by,
    check_referrals,
    partner_problems,
)
from refsite.load import SETTINGS_FILE, display_path, load, load_settings
from refsite.load.cache import RecordCache
from refsite.model import Records
from refsite.problems import Problem, Source, sort_problems, warning
from refsite.settings import Settings
from refsite.validate import validate
from refsite.words import plural

if TYPE_CHECKING:
    from refsite.due import DueItem
    from refsite.due.memo import Memo

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_FOLDER = "site_templates"
MESSAGES_FOLDER = "messages"
CONFIG_FILE = "mkdocs.yml"


def settings_file(records_dir: Path, settings_path: Path | None = None) -> Path:
    """The settings file a command reads: ``--settings``, else ``records/settings.yml``."""
    return settings_path if settings_path is not None else records_dir / SETTINGS_FILE


def defaults_root() -> Path:
    """The folder holding refsite's default ``site_templates/`` and ``mkdocs.yml``.

    In an installed wheel that is ``refsite/_defaults``; in a source checkout (or an
    editable install) it is the project's top level, one folder above the package.
    """
    packaged = PACKAGE_DIR / "_defaults"
    if (packaged / TEMPLATES_FOLDER).is_dir():
        return packaged
    return PACKAGE_DIR.parent


def default_templates_dir() -> Path:
    """refsite's own ``site_templates/``."""
    return defaults_root() / TEMPLATES_FOLDER


def templates_dir(records_dir: Path) -> Path:
    """A repository's own ``site_templates/`` (it may not exist: refsite's defaults then serve)."""
    return records_dir.resolve().parent / TEMPLATES_FOLDER


def default_config_file() -> Path:
    """The ``mkdocs.yml`` refsite ships: the project's top-level one (packaged into the wheel)."""
    return defaults_root() / CONFIG_FILE


def find_config_file(root: Path) -> Path:
    """The ``mkdocs.yml`` a records repository uses: its own at ``root``, else refsite's default."""
    own = root / CONFIG_FILE
    return own if own.is_file() else default_config_file()


@dataclass(frozen=True)
class Layout:
    """Where a records repository keeps what the site is made from, and where the site goes.

    Everything is found next to the records folder (its parent is the repository's top
    level): ``mkdocs.yml`` (else refsite's default), ``site_templates/`` (overrides of
    refsite's templates, file by file) and ``site/`` (the output).
    """

    records_dir: Path
    settings_path: Path | None
    config_file: Path
    templates_dir: Path | None
    site_dir: Path

    @classmethod
    def find(
        cls,
        records_dir: Path,
        settings_path: Path | None = None,
        config_file: Path | None = None,
        templates_dir: Path | None = None,
        site_dir: Path | None = None,
    ) -> Layout:
        root = records_dir.resolve().parent
        if templates_dir is None and (root / TEMPLATES_FOLDER).is_dir():
            templates_dir = root / TEMPLATES_FOLDER
        return cls(
            records_dir=records_dir,
            settings_path=settings_path,
            config_file=config_file or find_config_file(root),
            templates_dir=templates_dir,
            site_dir=site_dir or root / "site",
        )

    def watched(self) -> list[Path]:
        """What `refsite serve` watches: the records, the settings, the templates and the config."""
        paths = [self.records_dir, self.config_file]
        if self.settings_path is not None:
            paths.append(self.settings_path)
        if self.templates_dir is not None:
            paths.append(self.templates_dir)
        if self.config_file.resolve() == default_config_file().resolve():
            paths.remove(self.config_file)  # refsite's own default does not change
        return paths


def load_and_validate(
    records_dir: Path, settings_path: Path | None, today: dt.date, as_of: bool = False, use_cache: bool = False
) -> tuple[Records, Settings, list[Problem]]:
    """Read a records folder and validate it: the first two stages of every command.

    With ``as_of``, the records are seen as they stood on ``today``: log lines
    dated later are left out instead of being errors, so that a past ``--today``
    shows what was due, or what a quarter looked like, at that date.
    """
    return _load_and_validate(records_dir, settings_path, today, as_of, use_cache)


def load_validate_due(
    records_dir: Path, settings_path: Path | None, today: dt.date, as_of: bool = False, use_cache: bool = False
) -> tuple[Records, Settings, list[Problem], list[DueItem]]:
    """:func:`load_and_validate`, and every item due (:func:`refsite.due.due` of the records, as of ``today``).

    With ``use_cache``, a partner's items are kept in the parsed-records cache with its entry
    (:mod:`refsite.due.memo`: with today, ``as_of``, and what its rules read of the other partners),
    and reused while all of those are unchanged; the result is :func:`refsite.due.due`'s either way.
    """
    from refsite.due import due

    if not use_cache:
        records, settings, problems = _load_and_validate(records_dir, settings_path, today, as_of, False)
        return records, settings, problems, due(records, settings, today)
    from refsite.due.memo import due_with_memos

    kept: list[RecordCache] = []
    try:
        records, settings, problems = _load_and_validate(records_dir, settings_path, today, as_of, True, kept.append)
        if not kept:  # no cache opened (no records folder)
            return records, settings, problems, due(records, settings, today)
        cache = kept[0]
        memos = {}
        for partner in records.partners:
            found = cache.due_of(partner.source.path)
            if isinstance(found, _DueMemo) and found.as_of == as_of:
                memos[partner.id] = found.memo
        items, made = due_with_memos(records, settings, today, memos)
        for partner in records.partners:
            memo = made.get(partner.id)
            if memo is not None and memo is not memos.get(partner.id):
                cache.put_due(partner.source.path, _DueMemo(as_of, memo))
    finally:
        for cache in kept:
            cache.save()
    return records, settings, problems, items


@dataclass(frozen=True)
class _DueMemo:
    """What :func:`load_validate_due` keeps with a partner's cache entry: its due memo, and whether the records
    were seen as they stood on the memo's day (``as_of``: later log lines left out) or whole."""

    as_of: bool
    memo: Memo


def _load_and_validate(
    records_dir: Path, settings_path: Path | None, today: dt.date, as_of: bool, use_cache: bool,
    keep_cache: Callable[[RecordCache], None] | None = None,
) -> tuple[Records, Settings, list[Problem]]:
    records, settings, problems = load(records_dir, settings_path, use_cache, own_checks=partner_problems,
                                       keep_cache=keep_cache)
    checks = CHECKS
    if as_of:
        later = list(check_dates_not_future(records, settings, today))
        if later:
            files = len({p.source.path for p in later})
            problems.append(
                warning(Source(display_path(records_dir)), f"as of {today}: {plural(len(later), 'later date')} in "
                        f"{plural(files, 'file')} left out (the records as they stood that day)", check="dates")
            )
        records = records.as_of(today)
        checks = tuple(c for c in CHECKS if c is not check_dates_not_future)
    return records, settings, sort_problems(problems + validate(records, settings, today, checks))


ACROSS_PARTNERS = (check_introduced_by, check_referrals, check_duplicate_names)  # the checks that read other partners


def load_for_partner(
    records_dir: Path, settings_path: Path | None, partner_id: str, today: dt.date, introductions: bool = True
) -> tuple[Records, Settings, list[Problem]] | None:
    """One partner as of ``today``, with only the other partners a brief (or, without ``introductions``, its
    own due items) can need (:mod:`refsite.load.one`), the settings, and the problems of the settings and
    of that partner: its file, its own checks, and the checks across partners as they bear on it.

    The records hold the partner and the others that matter, not every partner: give them to
    :func:`refsite.brief.brief` or :func:`refsite.due.partner_due` for this partner only. Problems of
    other files are not looked for. None when the partner's file is missing or cannot be read (read
    the whole folder with :func:`load_and_validate` to say why).
    """
    from refsite.due import INTRO, MAX_INTRODUCERS
    from refsite.load.one import load_one

    path = settings_file(records_dir, settings_path)
    settings, problems = load_settings(path, display_path(path))
    one = load_one(records_dir, settings, display_path(records_dir), partner_id, today,
                   max_introducers=MAX_INTRODUCERS, intro_kinds=INTRO, introductions=introductions)
    if one is None:
        return None
    own = tuple(c for c in CHECKS if c is not check_dates_not_future and c not in ACROSS_PARTNERS)
    mine = one.partner.source.path
    problems += one.problems + validate(Records((one.partner,)), settings, today, own)
    problems += [p for p in validate(one.records, settings, today, ACROSS_PARTNERS) if p.source.path == mine]
    return one.records, settings, sort_problems(problems)
