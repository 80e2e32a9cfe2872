"""`refsite due` for people and programs: the morning list in 80 columns; CSV and JSON.

Pure functions returning strings. The CSV and JSON forms are the due-items export
(:func:`refsite.output.exports.due_table`), the same as ``refsite export due``.
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

from refsite import words
from refsite.due import DueItem
from refsite.output.exports import due_table
from refsite.output.terminal import wrap
from refsite.settings import Settings
from refsite.words import plural

_WHEN = 13  # "overdue 1234d"
INDENT = "  "
_TEXT = " " * (len(INDENT) + _WHEN + 2)


def when(item: DueItem) -> str:
    """'overdue 50d', 'due today', 'in 3 days'."""
    return words.when(item.days_overdue)


def owner_label(owner: str | None, settings: Settings) -> str:
    """'Maya Chen (maya)', or 'unassigned'."""
    if owner is None:
        return "unassigned"
    name = settings.member_name(owner)
    return f"{name} ({owner})" if name != owner else owner


def by_owner(items: Sequence[DueItem], settings: Settings) -> list[tuple[str | None, list[DueItem]]]:
    """Items grouped by owner: team members in the settings' order, then other owners by id, then unassigned."""
    order = {m.id: i for i, m in enumerate(settings.team)}
    groups: dict[str | None, list[DueItem]] = {}
    for item in items:
        groups.setdefault(item.owner, []).append(item)
    keys = sorted(groups, key=lambda o: (o is None, order.get(o or "", len(order)), o or ""))
    return [(key, groups[key]) for key in keys]


def _counts(items: Sequence[DueItem]) -> str:
    parts = []
    for status, word in (("overdue", "overdue"), ("due", "due today"), ("soon", "due soon"), ("later", "later")):
        n = sum(1 for i in items if i.status == status)
        if n:
            parts.append(f"{n} {word}")
    return ", ".join(parts)


def item_lines(item: DueItem) -> list[str]:
    """One item in the terminal: when, partner and rule; the reason; the next step."""
    head = f"{INDENT}{when(item):<{_WHEN}}  "
    lines = wrap(f"{item.partner_name} [{item.rule}]", head, _TEXT)
    lines += wrap(item.reason, _TEXT)
    lines += wrap("Next: " + item.action, _TEXT)
    return lines


def due_text(items: Sequence[DueItem], settings: Settings, today: dt.date, within_days: int) -> str:
    """The morning list: a title, then per owner a heading and the items by urgency."""
    if not items:
        return f"As of {today}: nothing overdue or due within {plural(within_days, 'day')}."
    verb = "is" if len(items) == 1 else "are"
    lines = wrap(f"As of {today}, {plural(len(items), 'item')} {verb} overdue or due within "
                  f"{plural(within_days, 'day')}:", "", "")
    lines += wrap(f"{_counts(items)}.", "", "")
    for owner, group in by_owner(items, settings):
        lines += ["", *wrap(f"{owner_label(owner, settings)}: {plural(len(group), 'item')} ({_counts(group)})",
                             "", INDENT)]
        for item in group:
            lines += item_lines(item)
    return "\n".join(lines)


def due_json(items: Sequence[DueItem], settings: Settings) -> str:
    """The due items as the due-items export's JSON: a list of objects, one per item."""
    return due_table(items, settings).json()


def due_csv(items: Sequence[DueItem], settings: Settings, excel: bool = False) -> str:
    """The due items as the due-items export's CSV."""
    return due_table(items, settings).csv(excel)
