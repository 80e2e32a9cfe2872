"""Run every check and return the problems sorted by file, line, severity and message."""

from __future__ import annotations

import datetime as dt

from refsite.checks import CHECKS, Check
from refsite.model import Records
from refsite.problems import Problem, sort_problems
from refsite.settings import Settings


def validate(
    records: Records, settings: Settings, today: dt.date, checks: tuple[Check, ...] = CHECKS
) -> list[Problem]:
    """Every semantic problem in the records, in one run (no check stops the others)."""
    problems: list[Problem] = []
    for check in checks:
        problems.extend(check(records, settings, today))
    return sort_problems(problems)
