"""Periods: a month, a quarter, a year or a custom range of dates, with the period before it.

``Period.parse`` reads what a person types (``2026-10``, ``2026Q3``, ``2026``,
``2026-01-01..2026-06-30``) and raises :class:`PeriodError` (a ``ValueError``
with a message for people) for anything else.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
KINDS = ("month", "quarter", "year", "custom")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\S+?)\s*\.\.\s*(\S+)$")
_EXAMPLES = "2026-10 (a month), 2026Q3 (a quarter), 2026 (a year) or 2026-01-01..2026-06-30"


class PeriodError(ValueError):
    """A period that cannot be read; the message says what to write instead."""


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive range of dates of one kind: month, quarter, year or custom."""

    start: dt.date
    end: dt.date
    kind: str = "custom"

    # ------------------------------------------------------------------ building

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = dt.date(year, month, 1)
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        return cls(start, nxt - dt.timedelta(days=1), "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = cls.month(year, 3 * quarter - 2)
        last = cls.month(year, 3 * quarter)
        return cls(first.start, last.end, "quarter")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> Period:
        if end < start:
            raise PeriodError(f"the period {start}..{end} ends before it starts")
        return cls(start, end, "custom")

    @classmethod
    def containing(cls, day: dt.date, kind: str) -> Period:
        """The month, quarter or year that contains ``day``."""
        if kind == "month":
            return cls.month(day.year, day.month)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == "year":
            return cls.year(day.year)
        raise PeriodError(f"no period kind '{kind}' (one of: month, quarter, year)")

    @classmethod
    def last_full(cls, kind: str, today: dt.date) -> Period:
        """The last whole month, quarter or year that ended before ``today``."""
        return cls.containing(cls.containing(today, kind).start - dt.timedelta(days=1), kind)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read ``2026-10``, ``2026Q3`` (or ``2026-Q3``), ``2026`` or ``START..END`` (inclusive)."""
        text = str(text).strip()
        if m := _MONTH.match(text):
            year, month = int(m.group(1)), int(m.group(2))
            if not 1 <= month <= 12:
                raise PeriodError(f"'{text}' has no month {month}: write {_EXAMPLES}")
            return cls.month(year, month)
        if m := _QUARTER.match(text):
            return cls.quarter(int(m.group(1)), int(m.group(2)))
        if m := _YEAR.match(text):
            return cls.year(int(m.group(1)))
        if m := _RANGE.match(text):
            start, end = (_date(part, text) for part in m.groups())
            return cls.between(start, end)
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            raise PeriodError(f"'{text}' is one day: write a range such as {text}..{text}, or {_EXAMPLES}")
        raise PeriodError(f"'{text}' is not a period: write {_EXAMPLES}")

    # ------------------------------------------------------------------ reading

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def whole_months(self) -> int:
        """How many calendar months the period spans when it is made of whole months, else 0."""
        if self.start.day != 1 or (self.end + dt.timedelta(days=1)).day != 1:
            return 0
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The period just before, of the same length.

        A month, quarter or year: the one before. A custom range of whole months
        (2026-01-01..2026-06-30): as many months before. Any other range: as many
        days before.
        """
        if self.kind in ("month", "quarter", "year"):
            return Period.last_full(self.kind, self.start)
        if months := self.whole_months:
            start = _add_months(self.start, -months)
            return Period(start, self.start - dt.timedelta(days=1), "custom")
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end, "custom")

    def next(self) -> Period:
        """The period just after, of the same length (the rules of :meth:`previous`)."""
        if self.kind in ("month", "quarter", "year"):
            return Period.containing(self.end + dt.timedelta(days=1), self.kind)
        start = self.end + dt.timedelta(days=1)
        if months := self.whole_months:
            return Period(start, _add_months(start, months) - dt.timedelta(days=1), "custom")
        return Period(start, start + dt.timedelta(days=self.days - 1), "custom")

    @property
    def label(self) -> str:
        """The short form, as ``Period.parse`` reads it: 2026-10, 2026Q3, 2026, 2026-01-01..2026-06-30."""
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def name(self) -> str:
        """The short form for people, inside a sentence: October 2026, Q3 2026, 2026, 1 January to 30 June 2026."""
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return self.title

    @property
    def title(self) -> str:
        """The long form for people: October 2026, Q3 2026 (July to September), 2026, 1 January to 30 June 2026."""
        if self.kind == "month":
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        if self.kind == "quarter":
            return (f"Q{(self.start.month - 1) // 3 + 1} {self.start.year} "
                    f"({MONTH_NAMES[self.start.month - 1]} to {MONTH_NAMES[self.end.month - 1]})")
        if self.kind == "year":
            return str(self.start.year)
        return f"{_long(self.start)} to {_long(self.end)}"

    def __str__(self) -> str:
        return self.label


def _add_months(first: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after the month of ``first`` (a first of the month)."""
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _long(day: dt.date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _date(text: str, whole: str) -> dt.date:
    try:
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"'{text}' in '{whole}' is not a date (YYYY-MM-DD): write {_EXAMPLES}") from None


def months_between(start: dt.date, end: dt.date) -> tuple[Period, ...]:
    """Every calendar month from the one containing ``start`` to the one containing ``end``."""
    months = []
    month = Period.containing(start, "month")
    while month.start <= end:
        months.append(month)
        month = month.next()
    return tuple(months)
