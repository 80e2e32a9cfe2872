"""`refsite report` and `refsite report review`: the metrics and the quarterly review."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import sys
from pathlib import Path
from typing import Any, Callable

import click

from refsite.cli.group import cli
from refsite.cli.options import PeriodType, excel_option, format_option, loaded, records_errors_note, records_options


def _unless_subcommand(func: Callable[..., Any]) -> Callable[..., Any]:
    """A group's callback that runs (and checks its options) only when no subcommand follows."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if ctx.invoked_subcommand is None:
            return func(*args, **kwargs)
        given = [p.opts[0] for p in ctx.command.params
                 if p.name and ctx.get_parameter_source(p.name) is click.core.ParameterSource.COMMANDLINE]
        if given:  # they would be silently ignored: say where they go
            raise click.UsageError(f"{', '.join(given)} must come after '{ctx.invoked_subcommand}', "
                                   f"e.g. {ctx.command_path} {ctx.invoked_subcommand} {given[0]} ...")
        return None

    return wrapper


def _explain_period(records: Any, period: Any) -> None:
    """Say on stderr when the period ends before the records' first date: every figure is then zero."""
    dates = [d for p in records.partners for d in (p.since, *(e.date for e in p.events)) if d is not None]
    if dates and period.end < min(dates):
        click.echo(f"note: {period.label} ends before the records begin ({min(dates)}): there is nothing to count, "
                   "so every figure is zero", err=True)
    elif not dates:
        click.echo("note: the records hold no dated events yet: every figure is zero", err=True)


@cli.group(name="report", short_help="Referral metrics for a period, and the review.", invoke_without_command=True)
@_unless_subcommand
@records_options
@click.option("--period", type=PeriodType(), default=None,
              help="2026-10 (a month), 2026Q3 (a quarter), 2026 (a year) or 2026-01-01..2026-06-30 (inclusive).  "
                   "[default: the last full month before --today]")
@click.option("--by", type=click.Choice(["category", "partner", "owner", "practice", "organisation"]),
              default="category", show_default=True,
              help="Group the figures by partner category, partner, owner, organisation (partner files sharing "
                   "organisation:), or not at all.")
@format_option("table", "json", "csv")
@excel_option
def report_command(records_dir: Path, settings_path: Path | None, today: dt.date, period: Any, by: str,
                   fmt: str, excel: bool) -> None:
    """The referral metrics for a period against the period before.

    \b
    Referrals received and sent, conversions, revenue, satisfaction, repeat
    frequency, active referrers, time to thank, touches per team member, gifts
    against the yearly cap, concentration and the prospect funnel; each against
    the previous period of the same length. Definitions: docs/metrics.md.
    `refsite report review` prints the quarterly review. Exits 1 when the
    records have errors (the figures may then be incomplete), else 0.
    """
    from refsite.metrics import Period, metrics, with_at_risk
    from refsite.output.report import report_csv, report_json, report_text

    period = period or Period.last_full("month", today)
    if period.start > today:
        raise click.BadParameter(f"{period.label} starts after today ({today})", param_hint="--period")
    records, settings, problems = loaded(records_dir, settings_path, today, as_of=True)
    result = with_at_risk(metrics(records, settings, period, by=by, today=today), _at_risk(records, settings, today))
    _explain_period(records, period)
    if fmt == "json":
        click.echo(report_json(result))
    elif fmt == "csv":
        click.echo(report_csv(result, excel), nl=False)
    else:
        click.echo(report_text(result), nl=False)
    sys.exit(records_errors_note(problems))


def _at_risk(records: Any, settings: Any, today: dt.date) -> tuple[Any, ...]:
    """The partners at risk today, as the report and the review list them (the due engine's 'at-risk' items)."""
    from refsite.due import due
    from refsite.metrics import AtRisk

    found = [AtRisk(i.partner_id, i.partner_name, i.owner, i.due_date, i.reason)
             for i in due(records, settings, today) if i.rule == "at-risk"]
    return tuple(sorted(found, key=lambda a: (a.due_date, a.partner_id)))


@report_command.command(name="review")
@records_options
@click.option("--quarter", type=PeriodType(quarter=True), default=None,
              help="The quarter to review, e.g. 2026Q3.  [default: the last full quarter before --today]")
@format_option("table", "json", "csv")
@excel_option
def report_review(records_dir: Path, settings_path: Path | None, today: dt.date, quarter: Any, fmt: str,
                  excel: bool) -> None:
    """The quarterly review: partners ranked, who rose and fell, and a focus list for next quarter.

    Partners who referred in the last four quarters are ranked by a score out
    of 100 (volume, conversion, revenue and recency, 25 points each); rising
    and falling partners are against the previous quarter; the focus list names
    high-value partners who are cooling, key partners not met in person lately
    and promising prospects, each with its reason. Rules: docs/metrics.md.
    --format csv prints the ranking.
    """

    from refsite.metrics import Period, review
    from refsite.output.report import review_csv, review_json, review_text

    quarter = quarter or Period.last_full("quarter", today)
    if quarter.start > today:
        raise click.BadParameter(f"{quarter.label} starts after today ({today})", param_hint="--quarter")
    records, settings, problems = loaded(records_dir, settings_path, today, as_of=True)
    result = dataclasses.replace(review(records, settings, quarter, today), at_risk=_at_risk(records, settings, today))
    if fmt == "json":
        click.echo(review_json(result))
    elif fmt == "csv":
        click.echo(review_csv(result, excel), nl=False)
    else:
        click.echo(review_text(result), nl=False)
    sys.exit(records_errors_note(problems))
