"""`refsite check` for people and for CI: the verdict, GitHub annotations and the step summary.

Pure functions returning strings; the CLI prints them and appends the step summary
to ``$GITHUB_STEP_SUMMARY``. The terminal layout fits 80 columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from refsite.due import DueItem
from refsite.output.due import INDENT, by_owner, owner_label
from refsite.output.terminal import wrap
from refsite.problems import Problem
from refsite.settings import Settings
from refsite.words import plural


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
    return f"more than {plural(grace, 'day')}" if grace else "at all"


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
        lines = wrap(f"{owner_label(owner, settings)}: {plural(len(group), 'item')} overdue "
                      f"{_grace_words(gate.grace)} in {plural(len(records), 'record')}", "", INDENT)
        for _path, record_items in records:
            lines += wrap(record_items[0].partner_name, INDENT, INDENT * 2)
            for item in record_items:
                rule = f"{item.rule} {item.ref}" if item.ref else item.rule
                lines += wrap(f"{item.source}: {rule}, {plural(item.days_overdue, 'day')} overdue",
                               INDENT * 2, INDENT * 3)
        blocks.append(lines)
    within = gate.overdue_in_grace
    tail = []
    if gate.warnings:
        tail.append(f"{plural(len(gate.warnings), 'warning')} (refsite validate lists them)")
    if within:
        tail.append(f"{plural(len(within), 'item')} overdue within the grace")
    extra = f"; {', '.join(tail)}" if tail else ""
    if gate.failed:
        what = []
        if gate.errors:
            what.append(f"{plural(len(gate.errors), 'error')} in the records")
        if failing:
            what.append(f"{plural(len(failing), 'item')} overdue {_grace_words(gate.grace)} "
                        f"in {plural(len({i.source.path for i in failing}), 'record')}")
        verdict = f"refsite check failed as of {gate.today}: {' and '.join(what)}{extra}."
    else:
        verdict = f"refsite check passed as of {gate.today}: no errors, nothing overdue {_grace_words(gate.grace)}{extra}."
    blocks.append(wrap(verdict, "", ""))
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
    title = f"{item.partner_name}: {item.rule} overdue {plural(item.days_overdue, 'day')} ({owner})"
    return _command(kind, f"{item.reason}. Next: {item.action}", item.source.path, item.source.line, title)


def github_annotations(gate: Gate, settings: Settings) -> str:
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
    out.append(f"As of {gate.today}, grace {plural(gate.grace, 'day')}: "
               f"{plural(len(gate.errors), 'error')} and {plural(len(gate.warnings), 'warning')} in the records, "
               f"{plural(len(failing), 'item')} overdue beyond the grace, {len(within)} within it.")
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
