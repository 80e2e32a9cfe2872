"""Problems are values: where (file, line), how bad (error, warning) and what.

Every stage that can meet bad input returns its problems instead of raising,
so one run reports everything. A problem with no location uses a sentinel
source (line 0), never ``None``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


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
        }

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(source: Source, message: str) -> Problem:
    return Problem(source, Severity.ERROR, message)


def warning(source: Source, message: str) -> Problem:
    return Problem(source, Severity.WARNING, message)


def sort_problems(problems: list[Problem] | tuple[Problem, ...]) -> list[Problem]:
    """Sort by (path, line, severity, message) and drop exact duplicates."""
    return sorted(set(problems), key=Problem.sort_key)


def has_errors(problems: list[Problem] | tuple[Problem, ...]) -> bool:
    return any(p.is_error for p in problems)
