"""Formatting for people and programs: text, JSON and CSV. Pure functions returning strings."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, Sequence

from refsite.problems import Problem


def problems_text(problems: Sequence[Problem]) -> str:
    """One 'file:line: severity: message' per line, then a count."""
    lines = [str(p) for p in problems]
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if problems:
        lines.append(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}")
    return "\n".join(lines)


def problems_json(problems: Sequence[Problem]) -> str:
    return to_json({"problems": [p.as_dict() for p in problems],
                    "errors": sum(p.is_error for p in problems),
                    "warnings": sum(not p.is_error for p in problems)})


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
