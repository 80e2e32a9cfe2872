"""Formatting of due items and of the CI gate: terminal, JSON, CSV, GitHub annotations, step summary.

Pure functions returning strings; the CLI prints them (and appends the step
summary to ``$GITHUB_STEP_SUMMARY``). The terminal layout fits 80 columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import textwrap
from dataclasses import dataclass
from typing import Sequence

from refsite.due import DueItem
from refsite.problems import Problem
from refsite.settings import Settings

WIDTH = 80
_WHEN = 13  # "overdue 1234d"
_INDENT = "  "
_TEXT = " " * (len(_INDENT) + _WHEN + 2)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def when(item: DueItem) -> str:
    """'overdue 50d', 'due today', 'in 3 days'."""
    if item.days_overdue > 0:
        return f"overdue {item.days_overdue}d"
    if item.days_overdue == 0:
        return "due today"
    return f"in {_plural(item.days_left, 'day')}"


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


def _wrap(text: str, first: str = _TEXT, then: str = _TEXT) -> list[str]:
    """``text`` in lines of at most WIDTH (a word longer than that, such as a long path, stays whole)."""
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=then,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


def item_lines(item: DueItem) -> list[str]:
    """One item in the terminal: when, partner and rule; the reason; the next step."""
    head = f"{_INDENT}{when(item):<{_WHEN}}  "
    lines = _wrap(f"{item.partner_name} [{item.rule}]", head)
    lines += _wrap(item.reason)
    lines += _wrap("Next: " + item.action)
    return lines


def due_text(items: Sequence[DueItem], settings: Settings, today: dt.date, within_days: int) -> str:
    """The morning list: a title, then per owner a heading and the items by urgency."""
    if not items:
        return f"As of {today}: nothing overdue or due within {_plural(within_days, 'day')}."
    verb = "is" if len(items) == 1 else "are"
    lines = _wrap(f"As of {today}, {_plural(len(items), 'item')} {verb} overdue or due within "
                  f"{_plural(within_days, 'day')}:", "", "")
    lines += _wrap(f"{_counts(items)}.", "", "")
    for owner, group in by_owner(items, settings):
        lines += ["", *_wrap(f"{owner_label(owner, settings)}: {_plural(len(group), 'item')} ({_counts(group)})",
                             "", _INDENT)]
        for item in group:
            lines += item_lines(item)
    return "\n".join(lines)


def due_json(items: Sequence[DueItem], settings: Settings, today: dt.date, within_days: int) -> str:
    data = {
        "today": today.isoformat(),
        "within_days": within_days,
        "counts": {status: sum(1 for i in items if i.status == status) for status in ("overdue", "due", "soon", "later")},
        "items": [{**item.as_dict(), "owner_name": settings.member_name(item.owner) if item.owner else None}
                  for item in items],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


CSV_COLUMNS = ("owner", "owner_name", "partner_id", "partner_name", "rule", "status", "due_date", "days_overdue",
               "reason", "action", "file", "line", "ref", "introducers")


def due_csv(items: Sequence[DueItem], settings: Settings) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        writer.writerow([
            item.owner or "", settings.member_name(item.owner) if item.owner else "", item.partner_id,
            item.partner_name, item.rule, item.status, item.due_date.isoformat(), item.days_overdue, item.reason,
            item.action, item.source.path, item.source.line, item.ref or "", " ".join(item.introducers),
        ])
    return buffer.getvalue()


# --------------------------------------------------------------------------- the CI gate


@dataclass(frozen=True)
class Gate:
    """What ``refsite check`` found: the problems, every item, and the grace it allows."""

    problems: tuple[Problem, ...]
    items: tuple[DueItem, ...]
    grace: int
    today: dt.date

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def failing(self) -> list[DueItem]:
        """Items overdue by more than the grace, most overdue first."""
        return sorted((i for i in self.items if i.days_overdue > self.grace), key=_most_overdue)

    @property
    def overdue_in_grace(self) -> list[DueItem]:
        return sorted((i for i in self.items if 0 < i.days_overdue <= self.grace), key=_most_overdue)

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.failing)


def _most_overdue(item: DueItem) -> tuple[int, tuple[dt.date, int, str, str, str]]:
    return (-item.days_overdue, item.sort_key())


def _grace_words(grace: int) -> str:
    return f"more than {_plural(grace, 'day')}" if grace else "at all"


def check_text(gate: Gate, settings: Settings) -> str:
    """The gate's verdict for a terminal or a CI log, in blocks apart by a blank line.

    The errors, one line each as ``refsite validate`` prints them (a location an editor can jump to);
    then per owner each record with items overdue beyond the grace (the record with the most overdue
    item first): the partner's name, then one line per item, ``file:line: rule [ref], N days
    overdue`` (the line that set the item's clock), most overdue first; then the verdict. Lines fit
    in WIDTH columns, but for an error's message or a path longer than that.
    """
    blocks = [[str(p) for p in gate.errors]]
    failing = gate.failing
    for owner, group in by_owner(failing, settings):
        records = _by_record(group)
        lines = _wrap(f"{owner_label(owner, settings)}: {_plural(len(group), 'item')} overdue "
                      f"{_grace_words(gate.grace)} in {_plural(len(records), 'record')}", "", _INDENT)
        for _path, record_items in records:
            lines += _wrap(record_items[0].partner_name, _INDENT, _INDENT * 2)
            for item in record_items:
                rule = f"{item.rule} {item.ref}" if item.ref else item.rule
                lines += _wrap(f"{item.source}: {rule}, {_plural(item.days_overdue, 'day')} overdue",
                               _INDENT * 2, _INDENT * 3)
        blocks.append(lines)
    within = gate.overdue_in_grace
    tail = []
    if gate.warnings:
        tail.append(f"{_plural(len(gate.warnings), 'warning')} (refsite validate lists them)")
    if within:
        tail.append(f"{_plural(len(within), 'item')} overdue within the grace")
    extra = f"; {', '.join(tail)}" if tail else ""
    if gate.failed:
        what = []
        if gate.errors:
            what.append(f"{_plural(len(gate.errors), 'error')} in the records")
        if failing:
            what.append(f"{_plural(len(failing), 'item')} overdue {_grace_words(gate.grace)} "
                        f"in {_plural(len({i.source.path for i in failing}), 'record')}")
        verdict = f"refsite check failed as of {gate.today}: {' and '.join(what)}{extra}."
    else:
        verdict = f"refsite check passed as of {gate.today}: no errors, nothing overdue {_grace_words(gate.grace)}{extra}."
    blocks.append(_wrap(verdict, "", ""))
    return "\n\n".join("\n".join(block) for block in blocks if block)


def _by_record(items: Sequence[DueItem]) -> list[tuple[str, list[DueItem]]]:
    """Items grouped by record file, the record with the most overdue item first."""
    groups: dict[str, list[DueItem]] = {}
    for item in items:  # already most overdue first
        groups.setdefault(item.source.path, []).append(item)
    return list(groups.items())


# GitHub Actions workflow commands (actions/toolkit's escaping rules).


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, message: str, file: str | None = None, line: int = 0, title: str | None = None) -> str:
    props = []
    if file and not file.startswith("<"):
        props.append(f"file={escape_property(file)}")
        if line:
            props.append(f"line={line}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{kind}{' ' + ','.join(props) if props else ''}::{escape_data(message)}"


def _item_annotation(kind: str, item: DueItem, settings: Settings) -> str:
    owner = settings.member_name(item.owner) if item.owner else "unassigned"
    title = f"{item.partner_name}: {item.rule} overdue {_plural(item.days_overdue, 'day')} ({owner})"
    return _command(kind, f"{item.reason}. Next: {item.action}", item.source.path, item.source.line, title)


def annotations(gate: Gate, settings: Settings) -> str:
    """Workflow commands, most urgent first (GitHub shows only 10 of each type per step).

    Errors: errors in the records, then items overdue beyond the grace (most overdue first).
    Warnings: items overdue within the grace, then warnings in the records.
    """
    lines = [_command("error", p.message, p.source.path, p.source.line) for p in gate.errors]
    lines += [_item_annotation("error", i, settings) for i in gate.failing]
    lines += [_item_annotation("warning", i, settings) for i in gate.overdue_in_grace]
    lines += [_command("warning", p.message, p.source.path, p.source.line) for p in gate.warnings]
    return "".join(line + "\n" for line in lines)


MAX_SUMMARY_ROWS = 100  # the step summary takes at most 1 MiB


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def step_summary(gate: Gate, settings: Settings) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: the verdict, a table per owner, the failing items and errors."""
    failing, within = gate.failing, gate.overdue_in_grace
    verdict = "failed" if gate.failed else "passed"
    out = [f"## refsite check {verdict}", ""]
    out.append(f"As of {gate.today}, grace {_plural(gate.grace, 'day')}: "
               f"{_plural(len(gate.errors), 'error')} and {_plural(len(gate.warnings), 'warning')} in the records, "
               f"{_plural(len(failing), 'item')} overdue beyond the grace, {len(within)} within it.")
    owners = by_owner(list(gate.items), settings)
    if owners:
        out += ["", "| Owner | Overdue beyond grace | Overdue within grace | Due today | Due soon |",
                "| --- | ---: | ---: | ---: | ---: |"]
        for owner, group in owners:
            beyond = sum(1 for i in group if i.days_overdue > gate.grace)
            inside = sum(1 for i in group if 0 < i.days_overdue <= gate.grace)
            today = sum(1 for i in group if i.status == "due")
            soon = sum(1 for i in group if i.status == "soon")
            out.append(f"| {_cell(owner_label(owner, settings))} | {beyond} | {inside} | {today} | {soon} |")
    if gate.errors:
        out += ["", "### Errors in the records", ""]
        for problem in gate.errors[:MAX_SUMMARY_ROWS]:
            out.append(f"- `{problem.source}`: {_cell(problem.message)}")
        if len(gate.errors) > MAX_SUMMARY_ROWS:
            out.append(f"- ... and {len(gate.errors) - MAX_SUMMARY_ROWS} more (run `refsite validate`)")
    if failing:
        out += ["", f"### Overdue {_grace_words(gate.grace)}", "",
                "| Days overdue | Partner | Owner | Rule | Why | Next | Record |",
                "| ---: | --- | --- | --- | --- | --- | --- |"]
        for item in failing[:MAX_SUMMARY_ROWS]:
            owner = settings.member_name(item.owner) if item.owner else "unassigned"
            out.append(f"| {item.days_overdue} | {_cell(item.partner_name)} | {_cell(owner)} | {item.rule} | "
                       f"{_cell(item.reason)} | {_cell(item.action)} | `{item.source}` |")
        if len(failing) > MAX_SUMMARY_ROWS:
            out.append(f"\n... and {len(failing) - MAX_SUMMARY_ROWS} more (run `refsite due`).")
    return "\n".join(out) + "\n"
