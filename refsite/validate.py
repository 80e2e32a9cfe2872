"""Run every check and return the problems sorted by file, line, severity and message."""

from __future__ import annotations

import datetime as dt

from refsite.checks import ACROSS, CHECKS, OWN, Check
from refsite.model import Records
from refsite.problems import Problem, sort_problems
from refsite.settings import Settings


def validate(
    records: Records, settings: Settings, today: dt.date, checks: tuple[Check, ...] = CHECKS
) -> list[Problem]:
    """Every semantic problem in the records, in one run (no check stops the others).

    The checks of ``refsite.checks.OWN`` run partner by partner; when ``checks`` holds all of
    them, a partner's own problems found as it was read (``Records.checked``, cached with the
    partner) are taken as they are: the same problems, not found again.
    """
    problems: list[Problem] = []
    own = [OWN[check] for check in checks if check in OWN]
    for check in checks:
        if check in OWN:
            across = ACROSS.get(check)
            if across is not None:
                problems.extend(across(records, settings, today))
        else:
            problems.extend(check(records, settings, today))
    if own:
        every = len(own) == len(OWN)
        for partner in records.partners:
            found = records.own_problems(partner, settings) if every else None
            if found is not None:
                problems.extend(found)
                continue
            for partner_check in own:
                problems.extend(partner_check(partner, settings))
    return sort_problems(problems)
