"""Run every check and return the problems sorted by file, line, severity and message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from refsite.checks import CHECKS, Check, check_dates_not_future
from refsite.load import display_path, load
from refsite.model import Records
from refsite.problems import Problem, Source, sort_problems, warning
from refsite.settings import Settings


def validate(
    records: Records, settings: Settings, today: dt.date, checks: tuple[Check, ...] = CHECKS
) -> list[Problem]:
    """Every semantic problem in the records, in one run (no check stops the others)."""
    problems: list[Problem] = []
    for check in checks:
        problems.extend(check(records, settings, today))
    return sort_problems(problems)


def load_and_validate(
    records_dir: Path, settings_path: Path | None, today: dt.date, as_of: bool = False
) -> tuple[Records, Settings, list[Problem]]:
    """Read a records folder and validate it: the first two stages of every command.

    With ``as_of``, the records are seen as they stood on ``today``: log lines
    dated later are left out instead of being errors, so that a past ``--today``
    shows what was due, or what a quarter looked like, at that date.
    """
    records, settings, problems = load(records_dir, settings_path)
    checks = CHECKS
    if as_of:
        later = list(check_dates_not_future(records, settings, today))
        if later:
            files = len({p.source.path for p in later})
            problems.append(
                warning(Source(display_path(records_dir)), f"as of {today}: {len(later)} later dates in {files} "
                        "file(s) left out (the records as they stood that day)", check="dates")
            )
        records = records.as_of(today)
        checks = tuple(c for c in CHECKS if c is not check_dates_not_future)
    return records, settings, sort_problems(problems + validate(records, settings, today, checks))
