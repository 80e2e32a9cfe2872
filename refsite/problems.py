"""Problems are values: where (file, line), how bad (error, warning) and what.

Every stage that can meet bad input returns its problems instead of raising,
so one run reports everything. A problem with no location uses a sentinel
source (line 0), never ``None``.

Every problem carries a stable ``check`` id from :data:`CHECK_IDS` (documented in
docs/records.md, "Check ids"), so that a practice and CI can filter and count them in
``refsite validate --format json``. The text form does not show it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType

# The check ids, closed and stable: a practice's CI filters on them, so an id is never renamed.
# docs/records.md has the same table (tests/test_problems.py keeps the two equal).
CHECK_IDS = MappingProxyType({
    "encoding": "the file is not UTF-8 text (or holds a NUL byte)",
    "conflict": "Git merge conflict markers left in a file",
    "control": "invisible control characters or right-to-left overrides in a line",
    "yaml": "YAML the front matter or the settings file cannot hold: syntax, tabs, duplicate keys, anchors, tags",
    "front-matter": "the front matter's shape: missing or unclosed, unknown or missing keys",
    "field": "a front-matter value of the wrong type or form (text, dates, lists, days, ids)",
    "vocabulary": "a term outside a vocabulary: category, stage, tier, role, channel, log kind, status, service, attribute",
    "dates": "a date that is not a real YYYY-MM-DD date or is outside the accepted years, a date after today; the records as of an earlier day",
    "bounds": "a number outside what refsite accepts: amounts, days, the settings' limits",
    "log": "the '## Log' section and its lines: shape, attributes, amounts, repeated events",
    "stage": "the front matter's stage disagrees with the log's last stage line",
    "referrals": "referral lines: ids, one consistent story per id, no free text",
    "team": "the team in the settings, owners and @authors who are not on it",
    "contacts": "contacts: their entries, and names after 'with' that are not among them",
    "network": "introduced_by: the partner who introduced this one",
    "files": "files in the records folder: unreadable, misnamed, left over, links, already there",
    "duplicates": "one partner written twice (the same name in two files)",
    "settings": "the settings file: unknown settings, wrong values, vocabulary extensions, time zone",
    "privacy": "free text that looks like a patient identifier (docs/privacy.md)",
    "import": "refsite import's column mapping and the rows it reads",
    "site": "building and serving the site: templates, MkDocs, the theme's privacy",
    "git": "the Git setup of a clone: refsite's merge driver named but not configured",
    "other": "not yet classified (please report it: every problem should have a check id above)",
})
OTHER = "other"


@dataclass(frozen=True, order=True)
class Source:
    """A position in a file: a path as the user gave it and a 1-based line (0: the whole file)."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


NOWHERE = Source("<refsite>", 0)


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def rank(self) -> int:
        return 0 if self is Severity.ERROR else 1


@dataclass(frozen=True)
class Problem:
    source: Source
    severity: Severity
    message: str
    check: str = OTHER

    def __post_init__(self) -> None:
        if self.check not in CHECK_IDS:
            raise ValueError(f"unknown check id {self.check!r} (refsite.problems.CHECK_IDS)")

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.source.path, self.source.line, self.severity.rank, self.message)

    def __str__(self) -> str:
        return f"{self.source}: {self.severity.value}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.source.path,
            "line": self.source.line,
            "severity": self.severity.value,
            "message": self.message,
            "check": self.check,
        }

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(source: Source, message: str, check: str = OTHER) -> Problem:
    return Problem(source, Severity.ERROR, message, check)


def warning(source: Source, message: str, check: str = OTHER) -> Problem:
    return Problem(source, Severity.WARNING, message, check)


def sort_problems(problems: list[Problem] | tuple[Problem, ...]) -> list[Problem]:
    """Sort by (path, line, severity, message) and drop exact duplicates."""
    return sorted(set(problems), key=Problem.sort_key)


def has_errors(problems: list[Problem] | tuple[Problem, ...]) -> bool:
    return any(p.is_error for p in problems)
