"""`refsite validate`, `refsite due` and `refsite check`: the records, what is due, the CI gate."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from refsite.cli.group import cli
from refsite.cli.options import (
    RuleType,
    complete_member,
    excel_option,
    format_option,
    incomplete_note,
    loaded,
    loaded_due,
    past_today,
    records_options,
)
from refsite.cli.team import merge_driver_warnings
from refsite.words import plural


@cli.command(short_help="Check every record; print every problem.")
@records_options
@format_option("text", "json")
def validate(records_dir: Path, settings_path: Path | None, today: dt.date, fmt: str) -> None:
    """Check every record and print every problem as FILE:LINE: SEVERITY: MESSAGE.

    Exits 1 when there is at least one error (warnings alone exit 0). With a
    past --today the records are read as they stood that day: later log lines
    are left out (one warning says how many) instead of being errors.
    """
    from refsite.output.problems import problems_json, problems_text
    from refsite.problems import has_errors

    records, _settings, problems = loaded(records_dir, settings_path, today,
                                                     as_of=past_today(today, records_dir, settings_path))
    if fmt == "json":
        click.echo(problems_json(problems), nl=False)
    elif problems:
        click.echo(problems_text(problems))
    else:
        count = len(records.partners)
        click.echo(f"{plural(count, 'partner')}, no problems.")
    sys.exit(1 if has_errors(problems) else 0)


@cli.command(name="due", short_help="Who to contact, why, and what to do next.")
@records_options
@click.option("--owner", metavar="ID", shell_complete=complete_member, help="Only the items of this team member.")
@click.option("--within", "within_days", type=click.IntRange(0, 3650), default=None, metavar="DAYS",
              help="Show what is overdue, due today or due within DAYS days.  [default: the settings' due_soon_days]")
@click.option("--rule", "rules", type=RuleType(), multiple=True,
              help="Only items of this rule (repeatable): thanks, update, at-risk, cadence, meeting, nurture, "
                   "prospect, introduction, reactivate, promote, gift-cap, single-contact.")
@format_option("table", "json", "csv")
@excel_option
def due_command(records_dir: Path, settings_path: Path | None, today: dt.date, owner: str | None,
                within_days: int | None, rules: tuple[str, ...], fmt: str, excel: bool) -> None:
    """Who to contact, why, and what to do: by owner, most urgent first.

    Each item says why it is due (one line) and suggests the next step. The
    rules and their numbers are in docs/rules.md. Exits 1 when the records have
    errors (the list may then be incomplete), else 0.
    """
    from refsite.due import within
    from refsite.output.due import due_csv, due_json, due_text
    from refsite.vocab import did_you_mean

    records, settings, problems, every = loaded_due(records_dir, settings_path, today, as_of=True)
    if owner is not None and settings.member_ids and owner not in settings.member_ids:
        hint = did_you_mean(owner, sorted(settings.member_ids)) or f" (team: {', '.join(m.id for m in settings.team)})"
        raise click.BadParameter(f"'{owner}' is not on the team{hint}", param_hint="--owner")
    days = settings.due_soon_days if within_days is None else within_days
    items = [
        item for item in within(every, days)
        if (owner is None or item.owner == owner) and (not rules or item.rule in rules)
    ]
    if fmt == "json":
        click.echo(due_json(items, settings), nl=False)
    elif fmt == "csv":
        click.echo(due_csv(items, settings, excel), nl=False)
    else:
        click.echo(due_text(items, settings, today, days))
    sys.exit(incomplete_note(problems, "this list"))


@cli.command(short_help="The CI gate: fail on record errors or overdue contacts.")
@records_options
@click.option("--grace", type=click.IntRange(0, 3650), default=None, metavar="DAYS",
              help="Fail only on items overdue by more than DAYS days.  [default: the settings' grace_days]")
def check(records_dir: Path, settings_path: Path | None, today: dt.date, grace: int | None) -> None:
    """The CI gate: fail on errors in the records or on relationships overdue beyond a grace.

    Prints the errors and, per owner, the records with items overdue by more
    than the grace, then exits 1; otherwise exits 0. Under GitHub Actions
    (GITHUB_ACTIONS=true) it also prints workflow annotations, most urgent
    first, and appends a Markdown summary to $GITHUB_STEP_SUMMARY. A past
    --today reads the records as they stood that day. See docs/ci.md.
    """
    import os

    from refsite.output.check import Gate, check_text, github_annotations, step_summary

    records, settings, problems, every = loaded_due(records_dir, settings_path, today,
                                                    as_of=past_today(today, records_dir, settings_path))
    gate = Gate(tuple(problems), tuple(every),
                settings.grace_days if grace is None else grace, today)
    click.echo(check_text(gate, settings))
    for problem in merge_driver_warnings(records_dir):  # issue 14: a clone without the merge driver
        click.echo(str(problem), err=True)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        click.echo(github_annotations(gate, settings), nl=False)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            try:
                with open(summary, "a", encoding="utf-8") as handle:
                    handle.write(step_summary(gate, settings))
            except OSError as exc:
                click.echo(f"refsite: cannot write the step summary to {summary}: {exc.strerror or exc}", err=True)
    sys.exit(1 if gate.failed else 0)
