"""Problems for people and programs: ``file:line: severity: message`` lines, or JSON."""

from __future__ import annotations

from typing import Sequence

from refsite.output.tables import to_json
from refsite.problems import Problem
from refsite.words import plural


def problems_text(problems: Sequence[Problem]) -> str:
    """One 'file:line: severity: message' per line, then a count."""
    lines = [str(p) for p in problems]
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if problems:
        lines.append(f"{plural(errors, 'error')}, {plural(warnings, 'warning')}")
    return "\n".join(lines)


def problems_json(problems: Sequence[Problem]) -> str:
    """``{"problems": [...], "errors": N, "warnings": N}``, with a final newline."""
    return to_json({"problems": [p.as_dict() for p in problems],
                    "errors": sum(p.is_error for p in problems),
                    "warnings": sum(not p.is_error for p in problems)})
