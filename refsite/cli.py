"""The `refsite` command: a thin shell over the library.

The only module that reads argv, the environment and the clock, and that exits.
Each command parses its options, calls the library, formats, and sets the exit
status: 0 fine, 1 problems found, 2 usage error.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from pathlib import Path
from typing import Any, Callable

import click
from click.shell_completion import CompletionItem

from refsite import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class DateType(click.ParamType):
    """An ISO date (YYYY-MM-DD); anything else is a usage error (exit 2)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        from refsite.load.logline import FIRST_DATE, LAST_DATE

        try:
            date = dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{value}' is not a date: use YYYY-MM-DD, e.g. 2026-11-22", param, ctx)
        if not FIRST_DATE <= date <= LAST_DATE:
            self.fail(f"'{value}' is outside the dates refsite accepts ({FIRST_DATE} to {LAST_DATE})", param, ctx)
        return date


def records_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--records, --settings and --today, shared by every command that reads records."""

    @click.option(
        "--records", "records_dir", default="records", show_default=True, metavar="DIR",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of partner files (one NAME.md per partner).",
    )
    @click.option(
        "--settings", "settings_path", default=None, metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
        help="Settings file.  [default: DIR/settings.yml]",
    )
    @click.option("--today", type=DateType(), default=None, help="Compute as of this date.  [default: today]")
    @functools.wraps(func)
    def wrapper(*args: Any, records_dir: Path, settings_path: Path | None, today: dt.date | None, **kwargs: Any) -> Any:
        if not records_dir.is_dir():
            raise click.BadParameter(f"no folder '{records_dir}' here (run in your records repository or pass --records DIR)",
                                     param_hint="--records")
        if settings_path is not None and not settings_path.is_file():
            raise click.BadParameter(f"no file '{settings_path}'", param_hint="--settings")
        today = today or local_today(settings_path or records_dir / "settings.yml")
        return func(*args, records_dir=records_dir, settings_path=settings_path, today=today, **kwargs)

    return wrapper


def local_today(settings_file: Path) -> dt.date:
    """Today in the practice's time zone (settings: timezone), else the computer's: the one place the clock is read."""
    import zoneinfo

    from refsite.load import load_settings

    settings, _problems = load_settings(settings_file, str(settings_file))  # problems are reported by the command
    try:
        return dt.datetime.now(zoneinfo.ZoneInfo(settings.timezone)).date() if settings.timezone else dt.date.today()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.date.today()


def _complete_partner(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion: the partner ids (file names) in --records (default records/)."""
    folder = Path(ctx.params.get("records_dir") or "records")
    try:
        names = sorted(p.stem for p in folder.glob("*.md"))
    except OSError:
        return []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def _complete_member(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion: the team's ids from the settings file."""
    from refsite.load import load_settings

    folder = Path(ctx.params.get("records_dir") or "records")
    settings_file = ctx.params.get("settings_path") or folder / "settings.yml"
    try:
        settings, _ = load_settings(Path(settings_file), str(settings_file))
    except Exception:  # completion must never print a traceback into the shell
        return []
    return [CompletionItem(m.id, help=m.name) for m in settings.team if m.id.startswith(incomplete)]


def _complete_category(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from refsite.vocab import CATEGORIES

    return [CompletionItem(c) for c in CATEGORIES if c.startswith(incomplete)]


def _past_today(today: dt.date, records_dir: Path, settings_path: Path | None) -> bool:
    """Whether --today was given and is before the practice's today: then the records are read as they stood."""
    ctx = click.get_current_context()
    if ctx.get_parameter_source("today") is not click.core.ParameterSource.COMMANDLINE:
        return False
    return today < local_today(settings_path or records_dir / "settings.yml")


def format_option(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True, help="Output format."
    )


excel_option = click.option(
    "--excel", is_flag=True,
    help="CSV for Excel on Windows: a UTF-8 byte-order mark and CRLF line ends (default: plain UTF-8, LF).")


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="refsite")
def cli() -> None:
    """Referral relationships as code.

    \b
    Keep one Markdown file per referral partner in records/. refsite checks
    them, tells you who is due for contact and why, measures what each
    relationship brings, and builds a private, searchable site.

    \b
    Every command reads ./records (change it with --records) and accepts
    --today YYYY-MM-DD so that results are reproducible.
    Exit status: 0 fine, 1 problems found, 2 usage error.
    """


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
    from refsite.validate import load_and_validate

    records, _settings, problems = load_and_validate(records_dir, settings_path, today,
                                                     as_of=_past_today(today, records_dir, settings_path))
    if fmt == "json":
        click.echo(problems_json(problems), nl=False)
    elif problems:
        click.echo(problems_text(problems))
    else:
        count = len(records.partners)
        click.echo(f"{count} partner{'' if count == 1 else 's'}, no problems.")
    sys.exit(1 if has_errors(problems) else 0)


class RuleType(click.ParamType):
    """A due rule name (refsite.due.RULES); anything else is a usage error."""

    name = "RULE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from refsite.due import RULES
        from refsite.vocab import did_you_mean

        if value in RULES:
            return str(value)
        hint = did_you_mean(str(value), RULES) or f" (one of: {', '.join(RULES)})"
        self.fail(f"no rule '{value}'{hint}", param, ctx)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from refsite.due import RULES

        return [CompletionItem(r) for r in RULES if r.startswith(incomplete)]


@cli.command(name="due", short_help="Who to contact, why, and what to do next.")
@records_options
@click.option("--owner", metavar="ID", shell_complete=_complete_member, help="Only the items of this team member.")
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
    from refsite.due import due, within
    from refsite.output.due import due_csv, due_json, due_text
    from refsite.validate import load_and_validate
    from refsite.vocab import did_you_mean

    records, settings, problems = load_and_validate(records_dir, settings_path, today, as_of=True)
    if owner is not None and settings.member_ids and owner not in settings.member_ids:
        hint = did_you_mean(owner, sorted(settings.member_ids)) or f" (team: {', '.join(m.id for m in settings.team)})"
        raise click.BadParameter(f"'{owner}' is not on the team{hint}", param_hint="--owner")
    days = int(settings.due_soon_days) if within_days is None else within_days
    items = [
        item for item in within(due(records, settings, today), days)
        if (owner is None or item.owner == owner) and (not rules or item.rule in rules)
    ]
    if fmt == "json":
        click.echo(due_json(items, settings), nl=False)
    elif fmt == "csv":
        click.echo(due_csv(items, settings, excel), nl=False)
    else:
        click.echo(due_text(items, settings, today, days))
    errors = sum(p.is_error for p in problems)
    if errors:
        click.echo(f"{errors} error{'' if errors == 1 else 's'} in the records: this list may be incomplete "
                   "(refsite validate lists them)", err=True)
    sys.exit(1 if errors else 0)


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

    from refsite.due import due
    from refsite.output.check import Gate, annotations, check_text, step_summary
    from refsite.validate import load_and_validate

    records, settings, problems = load_and_validate(records_dir, settings_path, today,
                                                    as_of=_past_today(today, records_dir, settings_path))
    gate = Gate(tuple(problems), tuple(due(records, settings, today)),
                int(settings.grace_days) if grace is None else grace, today)
    click.echo(check_text(gate, settings))
    for problem in _merge_driver_warnings(records_dir):  # issue 14: a clone without the merge driver
        click.echo(str(problem), err=True)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        click.echo(annotations(gate, settings), nl=False)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            try:
                with open(summary, "a", encoding="utf-8") as handle:
                    handle.write(step_summary(gate, settings))
            except OSError as exc:
                click.echo(f"refsite: cannot write the step summary to {summary}: {exc.strerror or exc}", err=True)
    sys.exit(1 if gate.failed else 0)


class PeriodType(click.ParamType):
    """A period (2026-10, 2026Q3, 2026 or START..END), or with quarter=True a quarter; else a usage error."""

    name = "PERIOD"

    def __init__(self, quarter: bool = False) -> None:
        self.quarter = quarter
        if quarter:
            self.name = "QUARTER"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from refsite.metrics import Period, PeriodError

        if isinstance(value, Period):
            return value
        try:
            period = Period.parse(str(value))
        except PeriodError as exc:
            self.fail(str(exc), param, ctx)
        if self.quarter and period.kind != "quarter":
            self.fail(f"'{value}' is not a quarter: write a year and a quarter, e.g. 2026Q3", param, ctx)
        return period


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


def _records_errors_note(problems: list[Any]) -> int:
    errors = sum(p.is_error for p in problems)
    if errors:
        click.echo(f"{errors} error{'' if errors == 1 else 's'} in the records: these figures may be incomplete "
                   "(refsite validate lists them)", err=True)
    return 1 if errors else 0


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
def report_command(records_dir: Path, settings_path: Path | None, today: dt.date, period: Any, by: str,
                   fmt: str) -> None:
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
    from refsite.validate import load_and_validate

    period = period or Period.last_full("month", today)
    if period.start > today:
        raise click.BadParameter(f"{period.label} starts after today ({today})", param_hint="--period")
    records, settings, problems = load_and_validate(records_dir, settings_path, today, as_of=True)
    result = with_at_risk(metrics(records, settings, period, by=by, today=today), _at_risk(records, settings, today))
    _explain_period(records, period)
    if fmt == "json":
        click.echo(report_json(result))
    elif fmt == "csv":
        click.echo(report_csv(result), nl=False)
    else:
        click.echo(report_text(result), nl=False)
    sys.exit(_records_errors_note(problems))


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
def report_review(records_dir: Path, settings_path: Path | None, today: dt.date, quarter: Any, fmt: str) -> None:
    """The quarterly review: partners ranked, who rose and fell, and a focus list for next quarter.

    Partners who referred in the last four quarters are ranked by a score out
    of 100 (volume, conversion, revenue and recency, 25 points each); rising
    and falling partners are against the previous quarter; the focus list names
    high-value partners who are cooling, key partners not met in person lately
    and promising prospects, each with its reason. Rules: docs/metrics.md.
    --format csv prints the ranking.
    """
    import dataclasses

    from refsite.metrics import Period, review
    from refsite.output.report import review_csv, review_json, review_text
    from refsite.validate import load_and_validate

    quarter = quarter or Period.last_full("quarter", today)
    if quarter.start > today:
        raise click.BadParameter(f"{quarter.label} starts after today ({today})", param_hint="--quarter")
    records, settings, problems = load_and_validate(records_dir, settings_path, today, as_of=True)
    result = dataclasses.replace(review(records, settings, quarter, today), at_risk=_at_risk(records, settings, today))
    if fmt == "json":
        click.echo(review_json(result))
    elif fmt == "csv":
        click.echo(review_csv(result), nl=False)
    else:
        click.echo(review_text(result), nl=False)
    sys.exit(_records_errors_note(problems))


def site_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--site-dir, --config and --templates, shared by build and serve (defaults: next to --records)."""
    func = click.option(
        "--templates", "templates_dir", default=None, metavar="DIR",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        help="Your page templates, overriding refsite's file by file.  [default: site_templates/ next to DIR, if any]",
    )(func)
    func = click.option(
        "--config", "config_file", default=None, metavar="FILE",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="The MkDocs configuration.  [default: mkdocs.yml next to DIR, else refsite's own]",
    )(func)
    return click.option(
        "--site-dir", default=None, metavar="OUT", type=click.Path(file_okay=False, path_type=Path),
        help="Where the site goes.  [default: site/ next to DIR]",
    )(func)


def partner_path(records_dir: Path, partner: str) -> Path:
    """The file of the partner named by its id; anything but an id (a path, '..', a newline) is a usage error."""
    from refsite.load import shown_name
    from refsite.settings import SLUG
    from refsite.vocab import did_you_mean

    names = sorted(p.stem for p in records_dir.glob("*.md") if SLUG.match(p.stem))
    if not SLUG.match(partner):
        base = partner.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].removesuffix(".md").strip().lower()
        hint = did_you_mean(base, names) if base else ""
        raise click.BadParameter(f"'{shown_name(partner)}' is not a partner id: a partner is named by its id (its file "
                                 f"name in {records_dir} without .md: lowercase letters, digits, hyphens), never by a "
                                 f"path{hint}", param_hint="PARTNER")
    path = records_dir / f"{partner}.md"
    if not path.is_file():
        starts = [n for n in names if n.startswith(partner)]
        hint = f" (did you mean '{starts[0]}'?)" if len(starts) == 1 else did_you_mean(partner, names)
        raise click.BadParameter(f"no partner '{partner}' ({path} does not exist){hint}", param_hint="PARTNER")
    return path


def _echo_problems(problems: list[Any]) -> None:
    from refsite.output.problems import problems_text

    if problems:
        click.echo(problems_text(problems), err=True)


@cli.command(name="build", short_help="Build the private site from the records.")
@records_options
@site_options
def build_command(records_dir: Path, settings_path: Path | None, today: dt.date, site_dir: Path | None,
                  config_file: Path | None, templates_dir: Path | None) -> None:
    """Build the private site: validate, compute, render the pages, build them with MkDocs.

    \b
    Writes a static site (open site/index.html from disk, or serve it) with
    the dashboard, a profile per partner, the lists, the pipeline, the
    quarterly review and downloads, all computed as of --today. Invalid
    records stop the build with the validator's messages and leave the
    previous site exactly as it was. Exits 1 when the build stopped.
    """
    from refsite.load import display_path
    from refsite.site import Layout, build, site_dir_refusal

    layout = Layout.find(records_dir, settings_path, config_file, templates_dir, site_dir)
    refusal = site_dir_refusal(layout.site_dir, layout.records_dir)
    if refusal:
        raise click.BadParameter(f"{refusal}; nothing was touched", param_hint="--site-dir")
    result = build(layout, today)
    _echo_problems(result.problems)
    if not result.built:
        click.echo("The site was not built; the previous site is unchanged.", err=True)
        sys.exit(1)
    click.echo(f"Built {result.pages} pages and files into {display_path(layout.site_dir)} (as of {today}).")


@cli.command(name="serve", short_help="Preview the site, rebuilding on every change.")
@records_options
@site_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to serve on.")
def serve_command(records_dir: Path, settings_path: Path | None, today: dt.date, site_dir: Path | None,
                  config_file: Path | None, templates_dir: Path | None, host: str, port: int) -> None:
    """Preview the site, rebuilding it when a record, the settings, a template or mkdocs.yml changes.

    Builds as `refsite build` does, serves the site on http://HOST:PORT/ and
    reloads the browser after every rebuild. A rebuild that fails (invalid
    records) prints the problems and keeps the last good site. Ctrl-C stops.
    """
    from refsite.site import Layout, build, serve_site, site_dir_refusal

    layout = Layout.find(records_dir, settings_path, config_file, templates_dir, site_dir)
    refusal = site_dir_refusal(layout.site_dir, layout.records_dir)
    if refusal:
        raise click.BadParameter(f"{refusal}; nothing was touched", param_hint="--site-dir")

    def rebuild() -> None:
        from refsite.site import SiteDirRefused

        try:
            result = build(layout, today)
        except SiteDirRefused as exc:
            click.echo(f"refsite: not rebuilt: {exc}", err=True)
            return
        _echo_problems(result.problems)
        if result.built:
            click.echo(f"Rebuilt {result.pages} pages and files.", err=True)
        else:
            click.echo("Not rebuilt: showing the last good site.", err=True)

    rebuild()
    problems = serve_site(rebuild, layout.watched(), layout.site_dir, host, port,
                          announce=lambda url: click.echo(f"Serving on {url} (Ctrl-C stops)", err=True))
    _echo_problems(problems)
    sys.exit(1 if problems else 0)


@cli.command(name="log", short_help="Append one event to a partner's log.")
@records_options
@click.argument("partner", metavar="PARTNER", shell_complete=_complete_partner)
@click.argument("event", nargs=-1, required=True, metavar="KIND [ID] [@MEMBER] [with NAME] [key:value...] [: TEXT]")
@click.option("--date", "when", type=DateType(), default=None, help="The event's date.  [default: --today]")
@click.option("--not-patient", is_flag=True,
              help="The text was reviewed and is not about a patient: write it with privacy:ok (docs/privacy.md).")
def log_command(records_dir: Path, settings_path: Path | None, today: dt.date, partner: str, event: tuple[str, ...],
                when: dt.date | None, not_patient: bool) -> None:
    """Append one event to PARTNER's log, changing no other byte of the file.

    \b
    The words after PARTNER are a log line without its date (docs/records.md):
      refsite log harbour-street visit @maya with Leah Ortiz: dropped off pads
      refsite log harbour-street referral-in R-2291 @maya service:knee consent:yes
      refsite log harbour-street thanks R-2291 @maya: card to Dr. Natarajan
    Quote the line if your shell minds its characters. The line is checked
    first; nothing is written when it has an error, or when its text looks
    like a patient identifier (unless --not-patient).
    """
    from refsite.authoring import append_event
    from refsite.load import load_settings

    path = partner_path(records_dir, partner)
    settings, problems = load_settings(settings_path or records_dir / "settings.yml",
                                       str(settings_path or records_dir / "settings.yml"))
    body = f"{(when or today).isoformat()} {' '.join(event)}"
    line, problems = append_event(path, str(path), body, settings, today, not_patient=not_patient)
    _echo_problems(problems)
    if line is None:
        sys.exit(1)
    click.echo(f"{path}: {line}")


@cli.command(name="new", short_help="Add a partner from the template.")
@records_options
@click.argument("partner", metavar="ID")
@click.option("--name", required=True, help="The partner's name.")
@click.option("--category", required=True, shell_complete=_complete_category,
              help="Its category (docs/records.md lists them; a synonym such as GP is accepted where refsite knows it).")
@click.option("--stage", default="prospect", show_default=True, type=click.Choice(["prospect", "active", "nurture", "former"]),
              help="Where the relationship is.")
@click.option("--tier", default="standard", show_default=True, type=click.Choice(["key", "standard", "light"]),
              help="How much the practice invests in it.")
@click.option("--owner", metavar="MEMBER", default=None, shell_complete=_complete_member,
              help="Who looks after it.  [default: the settings' default_owner]")
@click.option("--since", type=DateType(), default=None,
              help="When the relationship (or the prospecting) began; also dates the first log line.  [default: --today]")
@click.option("--organisation", metavar="NAME", default=None, help="The wider organisation (a hospital, a group).")
@click.option("--location", metavar="AREA", default=None, help="The suburb or area.")
@click.option("--phone", default=None, help="The main phone number (written quoted).")
@click.option("--email", default=None, help="The general email address.")
@click.option("--website", metavar="URL", default=None, help="Their website.")
@click.option("--tags", metavar="A,B", default=None, help="Free labels, separated by commas.")
@click.option("--contact", "contacts", metavar='"NAME, ROLE[, EMAIL][, PHONE]"', multiple=True,
              help="A person there (repeatable), e.g. --contact \"Leah Ortiz, referral-coordinator, 02 9000 1234\".")
def new_command(records_dir: Path, settings_path: Path | None, today: dt.date, partner: str, name: str,
                category: str, stage: str, tier: str, owner: str | None, since: dt.date | None,
                organisation: str | None, location: str | None, phone: str | None, email: str | None,
                website: str | None, tags: str | None, contacts: tuple[str, ...]) -> None:
    """Add a partner: write records/ID.md from the template (never over an existing file).

    \b
      refsite new harbour --name "Harbour Street" --category primary-care \\
        --stage active --since 2021-03-01 --location "Surry Hills" \\
        --phone "02 9000 1234" --contact "Dr. Priya Natarajan, physician, priya@example.org"
    Everything not given is left as a commented example in the file.
    """
    import dataclasses

    from refsite.authoring import NewPartner, new_partner, parse_contact
    from refsite.load import load_settings
    from refsite.settings import SLUG
    from refsite.vocab import unknown

    settings_file = settings_path or records_dir / "settings.yml"
    settings, _problems = load_settings(settings_file, str(settings_file))
    if not SLUG.match(partner):
        from refsite.load import shown_name

        raise click.BadParameter(f"'{shown_name(partner)}' is not a partner id: lowercase letters, digits and hyphens "
                                 "(no path, no '.md')", param_hint="ID")
    category = _term("category", "categories", category, settings.categories, "--category")
    if owner is not None and settings.member_ids and owner not in settings.member_ids:
        raise click.BadParameter(unknown("team member", owner, {m: "" for m in sorted(settings.member_ids)}),
                                 param_hint="--owner")
    if since is not None and since > today:
        raise click.BadParameter(f"{since} is after today ({today})", param_hint="--since")
    people = []
    for text in contacts:
        contact, why = parse_contact(text)
        if contact is None:
            raise click.BadParameter(str(why), param_hint="--contact")
        role = _term("role", "roles", contact.role, settings.roles, "--contact")
        people.append(dataclasses.replace(contact, role=role))
    new = NewPartner(
        id=partner, name=name, category=category, stage=stage, tier=tier, owner=owner, since=since,
        organisation=organisation, location=location, phone=phone, email=email, website=website,
        tags=tuple(t.strip() for t in (tags or "").split(",") if t.strip()), contacts=tuple(people),
    )
    path, problems = new_partner(records_dir, str(records_dir), new, settings, today)
    _echo_problems(problems)
    if path is None:
        sys.exit(1)
    click.echo(f"wrote {path}: add notes, then `refsite validate`")


def _term(what: str, table_name: str, word: str, table: Any, hint: str) -> str:
    """``word`` as a term of ``table``: itself, its lowercase, or the term a known synonym stands for; else exit 2."""
    from refsite.authoring import canonical_term
    from refsite.vocab import unknown

    if word in table:
        return word
    term = word.strip().lower() if word.strip().lower() in table else canonical_term(table_name, word)
    if term is not None and term in table:
        click.echo(f"{what} '{word}' written as '{term}'", err=True)
        return str(term)
    raise click.BadParameter(unknown(what, word, table), param_hint=hint)


class MemberType(click.ParamType):
    """A team member as ID:NAME (the id a lowercase slug); else a usage error."""

    name = "ID:NAME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[str, str]:
        from refsite.settings import SLUG

        if isinstance(value, tuple):
            return value
        member_id, _, member_name = str(value).partition(":")
        member_id, member_name = member_id.strip(), member_name.strip()
        if not SLUG.match(member_id) or not member_name:
            self.fail(f"'{value}' is not ID:NAME with a lowercase id, e.g. maya:Maya Chen", param, ctx)
        return member_id, member_name


class TimezoneType(click.ParamType):
    """An IANA time zone name (Australia/Sydney); else a usage error."""

    name = "ZONE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(str(value))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            from refsite.vocab import did_you_mean

            hint = did_you_mean(str(value), sorted(zoneinfo.available_timezones()))
            self.fail(f"unknown time zone '{value}'{hint or ' (an IANA name, e.g. Australia/Sydney)'}", param, ctx)
        return str(value)


@cli.command(name="init", short_help="Start a records repository (settings, CI, hooks).")
@click.argument("folder", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--practice", metavar="NAME", default=None, help="The practice's name.")
@click.option("--timezone", type=TimezoneType(), default=None,
              help="The practice's time zone, e.g. Australia/Sydney: it decides 'today', here and in CI.")
@click.option("--member", "members", type=MemberType(), multiple=True,
              help="A team member, e.g. --member 'maya:Maya Chen' (repeatable; the first is the default owner).")
@click.option("--source", metavar="GIT-URL", default=None,
              help="The Git repository CI and pre-commit install refsite from.  [default: the package index for CI, "
                   "refsite's own repository for pre-commit]")
def init_command(folder: Path, practice: str | None, timezone: str | None, members: tuple[tuple[str, str], ...],
                 source: str | None) -> None:
    """Start a records repository in FOLDER: settings, a CI workflow with a daily check, a pre-commit hook.

    \b
    Writes records/settings.yml (every setting listed with its default),
    .github/workflows/refsite-check.yml, requirements.txt (the refsite CI
    installs, pinned to this version), .pre-commit-config.yaml, .gitignore
    and .gitattributes (partner files merged by refsite's merge driver),
    and nothing over an existing file. Asks nothing:
      refsite init --practice "Harbour Physio" --timezone Australia/Sydney \\
        --member "maya:Maya Chen" --member "tom:Tom Alvarez"
    Then run `refsite setup-git` once in each clone, and add partners with
    `refsite new`. See docs/ci.md and docs/team.md.
    """
    from refsite.authoring import InitOptions, init_repository

    ids = [m[0] for m in members]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise click.BadParameter(f"team member '{twice[0]}' is given twice", param_hint="--member")
    folder.mkdir(parents=True, exist_ok=True)
    options = InitOptions(practice=practice, timezone=timezone, members=members, source=source, version=__version__)
    written, problems = init_repository(folder, options, _zone_today(timezone))
    _echo_problems(problems)
    if problems:
        sys.exit(1)
    for path in written:
        click.echo(f"wrote {path}")
    todo = "" if members else "add your team to records/settings.yml, then "
    click.echo(f"next: {todo}`refsite new ID --name ... --category ...`")
    click.echo("in every clone of this repository, run `refsite setup-git` once (Git merges partner files with refsite)")


def _zone_today(timezone: str | None) -> dt.date:
    import zoneinfo

    return dt.datetime.now(zoneinfo.ZoneInfo(timezone)).date() if timezone else dt.date.today()


def _incomplete_note(problems: list[Any], what: str) -> int:
    """Say on stderr that the records have errors (so ``what`` may be incomplete); the exit status."""
    errors = sum(p.is_error for p in problems)
    if errors:
        click.echo(f"{errors} error{'' if errors == 1 else 's'} in the records: {what} may be incomplete "
                   "(refsite validate lists them)", err=True)
    return 1 if errors else 0


def _check_owner(owner: str | None, settings: Any) -> None:
    from refsite.vocab import did_you_mean

    if owner is not None and settings.member_ids and owner not in settings.member_ids:
        hint = did_you_mean(owner, sorted(settings.member_ids)) or f" (team: {', '.join(m.id for m in settings.team)})"
        raise click.BadParameter(f"'{owner}' is not on the team{hint}", param_hint="--owner")


@cli.command(name="brief", short_help="A one-page brief to read before meeting a partner.")
@records_options
@click.argument("partner", metavar="PARTNER", shell_complete=_complete_partner)
@format_option("text", "markdown", "json")
def brief_command(records_dir: Path, settings_path: Path | None, today: dt.date, partner: str, fmt: str) -> None:
    """A one-page meeting brief for PARTNER (its id: the file name without .md).

    \b
    Who they are (with any agreement or financial arrangement), the people
    and how they like to be reached, what we gave them and what they sent us
    in the last 12 months, the thanks and patient updates still owed, the
    value ideas not yet given, the last few touches, and what to ask for:
    the due engine's next steps for them, and the introductions it suggests
    they could make. Referrals show as ids, services and statuses only.
      refsite brief harbour-street-family-practice --format markdown > brief.md
    Exits 1 when the records have errors (the brief may then be incomplete).
    """
    from refsite.brief import brief, partner_suggestions
    from refsite.load import CONTROL
    from refsite.output.brief import brief_json, brief_markdown, brief_text
    from refsite.validate import load_and_validate

    if any(c in partner for c in "/\\\n\r") or ".." in partner or CONTROL.search(partner):
        partner_path(records_dir, partner)  # a path, not an id: the usage error, with the closest ids
    records, settings, problems = load_and_validate(records_dir, settings_path, today, as_of=True)
    if records.get(partner) is None:
        if partner in records.unreadable:
            _echo_problems([p for p in problems if p.is_error and Path(p.source.path).stem == partner])
            click.echo(f"refsite: {partner}'s record cannot be read: fix the errors above first", err=True)
            sys.exit(1)
        found = partner_suggestions(partner, {p.id: p.name for p in records.partners})
        hint = (f" (did you mean '{found[0]}'?)" if len(found) == 1
                else f" (did you mean one of: {', '.join(found)}?)" if found
                else " (a partner's id is its file name without .md)")
        raise click.BadParameter(f"no partner '{partner}' in {records_dir}{hint}", param_hint="PARTNER")
    result = brief(records, settings, partner, today)
    if fmt == "json":
        click.echo(brief_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(brief_markdown(result), nl=False)
    else:
        click.echo(brief_text(result), nl=False)
    sys.exit(_incomplete_note(problems, "this brief"))


EXPORTS = ("partners", "due", "referrals", "calendar")


@cli.command(name="export", short_help="Partners, due items, referrals (CSV/JSON); a calendar.")
@records_options
@click.argument("what", type=click.Choice(EXPORTS), metavar="WHAT")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="Output format for partners, due and referrals (calendar is always iCalendar).")
@click.option("--owner", metavar="ID", shell_complete=_complete_member, help="Only this team member's partners, due items, referrals or calendar.")
@excel_option
@click.option("--output", "-o", "output", default=None, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (replaced atomically) instead of standard output.")
def export_command(records_dir: Path, settings_path: Path | None, today: dt.date, what: str, fmt: str,
                   owner: str | None, excel: bool, output: Path | None) -> None:
    """Export WHAT: partners, due, referrals (CSV or JSON) or calendar (.ics).

    \b
      partners   one row per partner: category, stage, tier, owner, last
                 contact, referrals in the last 12 months, next item due
      due        every due item (later ones too), most urgent first, with
                 its status, reason and next step
      referrals  one row per referral in or out: partner, id, direction,
                 received, service, status, converted date, value and
                 satisfaction; nothing else about the patient
      calendar   the due items as an iCalendar feed of all-day events
    The same records, settings and --today give the same bytes; the site's
    downloads page offers the same partners, due and calendar files. Exits 1
    when the records have errors (the export may then be incomplete).
    """
    from refsite.due import due
    from refsite.output.exports import due_table, partners_table, referrals_table
    from refsite.render.downloads import due_ics
    from refsite.validate import load_and_validate

    ctx = click.get_current_context()
    if what == "calendar" and ctx.get_parameter_source("fmt") is click.core.ParameterSource.COMMANDLINE:
        raise click.BadParameter("the calendar is iCalendar (.ics) only: leave out --format", param_hint="--format")
    if output is not None and not output.parent.is_dir():
        raise click.BadParameter(f"no folder '{output.parent}' to write into", param_hint="--output")
    records, settings, problems = load_and_validate(records_dir, settings_path, today, as_of=True)
    _check_owner(owner, settings)
    items = due(records, settings, today)
    if what == "calendar":
        from refsite.render import build_model

        name = "Referral contacts" + (f": {settings.member_name(owner)}" if owner else "")
        text = due_ics(build_model(records, settings, today), owner, name)
        count = f"{text.count('BEGIN:VEVENT')} events"
    else:
        if what == "partners":
            table = partners_table(records, items, today, owner)
        elif what == "due":
            table = due_table(items, settings, owner)
        else:
            table = referrals_table(records, today, owner)
        text = table.json() if fmt == "json" else table.csv(excel)
        count = f"{len(table.rows)} rows"
    if output is None:
        click.echo(text, nl=False)
    else:
        from refsite.authoring import atomic_write

        try:
            atomic_write(output, text.encode("utf-8"))
        except OSError as exc:
            click.echo(f"refsite: cannot write {output}: {exc.strerror or exc}", err=True)
            sys.exit(1)
        click.echo(f"wrote {output} ({count})", err=True)
    sys.exit(_incomplete_note(problems, "the export"))


@cli.command(name="draft", short_help="The message for a partner's due item, in the contact's channel.")
@records_options
@click.argument("partner", metavar="PARTNER")
@click.option("--rule", "rule", type=RuleType(), default=None,
              help="The item of this rule.  [default: the partner's most urgent item that has a message]")
@format_option("text", "json")
def draft_command(records_dir: Path, settings_path: Path | None, today: dt.date, partner: str, rule: str | None,
                  fmt: str) -> None:
    """The message for PARTNER's most urgent due item (or the one of --rule).

    \b
    A thank-you, a patient update (the referral id and its status only), a
    meeting request, an introduction request, a check-in with a value idea or
    a reactivation, in the contact's preferred channel, from the templates in
    site_templates/messages/ (yours first, then refsite's). JSON has channel,
    to, subject and body. Exits 1 when the records have errors or nothing
    with a message is due.
    """
    from refsite.brief import partner_suggestions
    from refsite.drafts import DRAFTABLE, draft
    from refsite.due import partner_due
    from refsite.validate import load_and_validate

    records, settings, problems = load_and_validate(records_dir, settings_path, today, as_of=True)
    found = records.get(partner)
    if found is None:
        ids = partner_suggestions(partner, {p.id: p.name for p in records.partners})
        hint = f" (did you mean one of: {', '.join(ids)}?)" if ids else " (a partner's id is its file name without .md)"
        raise click.BadParameter(f"no partner '{partner}' in {records_dir}{hint}", param_hint="PARTNER")
    items = [i for i in partner_due(found, settings, today, records)
             if i.rule in DRAFTABLE and (rule is None or i.rule == rule)]
    if not items:
        what = f"no {rule} item" if rule else "nothing with a message"
        click.echo(f"refsite: {what} is due for {partner} as of {today}", err=True)
        sys.exit(1)
    item = items[0]
    introducer = records.get(item.introducers[0]) if item.introducers else None
    message = draft(item, found, settings, records_dir.parent / "site_templates", introducer)
    if fmt == "json":
        click.echo(message.as_json(), nl=False)
    else:
        to = f"{message.to} ({message.channel})" if message.channel else (message.to or "")
        click.echo(f"To: {to}\nSubject: {message.subject}\n\n{message.body}", nl=False)
    sys.exit(_incomplete_note(problems, "this draft"))
# --------------------------------------------------------------------------- refsite import


def _import_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """FILE, --dry-run, --encoding and --map, shared by `refsite import partners` and `referrals`."""
    func = click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
                        help="Read COLUMN as FIELD (repeatable); FIELD '-' leaves a column unread. Saved mappings: "
                             "DIR/import-columns.yml.")(func)
    func = click.option("--encoding", default=None, metavar="NAME",
                        help="The file's encoding.  [default: a BOM's, else UTF-8, else Windows-1252]")(func)
    func = click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")(func)
    func = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE.csv")(func)
    return func


def _import_table(file: Path, encoding: str | None, maps: tuple[str, ...], records_dir: Path, which: str,
                  known: Any) -> tuple[Any, Any, list[Any]]:
    """Read FILE and map its columns (saved mapping, then --map); bad options are usage errors."""
    from refsite.importing.columns import MappingError, map_columns, parse_map
    from refsite.importing.csvfile import TableError, read_table
    from refsite.importing.writer import load_column_map
    from refsite.load import display_path

    try:
        table = read_table(file.read_bytes(), encoding)
    except TableError as exc:
        raise click.BadParameter(f"{file}: {exc}", param_hint="FILE.csv") from None
    saved, problems = load_column_map(records_dir, display_path(records_dir), which)
    try:
        overrides = {**saved, **parse_map(maps)}
        columns = map_columns(table.headers, known, overrides)
    except MappingError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None
    return table, columns, problems


def _listed_out(listed: Any) -> None:
    for item in listed:
        click.echo(str(item))


@cli.group(name="import", short_help="Partners from a spreadsheet; referrals from an export.")
def import_group() -> None:
    """Bring a practice's data in: referrers from a spreadsheet, referrals from its system's export.

    \b
    Only the columns refsite recognises (or you --map) are read; no other
    cell reaches a record, the terminal or a message: rows are named by their
    number. Nothing ambiguous is guessed. docs/import.md has worked examples.
    Exit status: 0 every row imported or already there, 1 rows listed
    instead, 2 usage error.
    """


@import_group.command(name="partners")
@records_options
@_import_options
def import_partners(records_dir: Path, settings_path: Path | None, today: dt.date, file: Path, dry_run: bool,
                    encoding: str | None, maps: tuple[str, ...]) -> None:
    """Add partners from a spreadsheet of referrers (CSV as Excel or Google Sheets saves it).

    \b
    Recognised columns: name (or first and last name), practice/clinic/
    company, type/category/specialty, phone/mobile, email, suburb/address,
    owner, notes, website, tags, role, stage, tier, id. People at one practice
    become one partner with several contacts; "GP", "Chiro", "Gym" are read
    as their categories. Partners already in the records (same name, email or
    phone) are skipped, so importing a file twice creates nothing the second
    time. Nothing is written unless every new record validates.
      refsite import partners referrers.csv --dry-run
      refsite import partners referrers.csv --map "Speciality=category"
    """
    from refsite.importing.partners import PARTNER_FIELDS, plan_partners
    from refsite.importing.writer import check_new_records, write_partners
    from refsite.load import display_path, load

    table, columns, problems = _import_table(file, encoding, maps, records_dir, "partners", PARTNER_FIELDS)
    if not (columns.has("name") or columns.has("organisation") or columns.has("last_name") or columns.has("id")):
        raise click.BadParameter(f"no column with a name or a practice in {file} (columns: {', '.join(table.headers)}); "
                                 "map one with --map COLUMN=name", param_hint="FILE.csv")
    records, settings, load_problems = load(records_dir, settings_path)
    _echo_problems([p for p in problems + load_problems if p.is_error])
    root = display_path(records_dir)
    plan = plan_partners(table, columns, records, settings, today, file.name)
    if dry_run:
        invalid = check_new_records(plan, root, settings, today)
        written: list[str] = [] if invalid else [f"{root}/{r.id}.md" for r in plan.creates]
    else:
        written, invalid = write_partners(plan, records_dir, root, settings, today)
    verb = "would create" if dry_run else "created"
    for record in plan.creates:
        if f"{root}/{record.id}.md" in written:
            rows = ", ".join(map(str, record.rows))
            click.echo(f"{verb} {root}/{record.id}.md: {record.name} (row{'s' if len(record.rows) > 1 else ''} {rows})")
    _listed_out(plan.listed)
    _echo_problems(invalid)
    if plan.unread:
        click.echo(f"columns not read: {', '.join(plan.unread)}")
    skipped = sum(len(item.rows) for item in plan.listed if item.skipped)
    click.echo(f"{len(written)} partner{'' if len(written) == 1 else 's'} {'to create' if dry_run else 'created'}, {skipped} row{'' if skipped == 1 else 's'} "
               f"already in the records, {len(plan.problems)} listed" + (" (dry run: nothing written)" if dry_run else ""))
    if invalid:
        click.echo("nothing was written: the new records would not validate", err=True)
    sys.exit(1 if plan.problems or invalid else 0)


@import_group.command(name="referrals")
@records_options
@_import_options
@click.option("--from", "preset", type=click.Choice(["cliniko", "jane", "nookal", "generic"]), default="generic",
              show_default=True, help="The system the export comes from (adds its usual column names).")
@click.option("--dayfirst/--monthfirst", "dayfirst", default=None,
              help="Read 03/04/2026 as 3 April (--dayfirst) or March 4 (--monthfirst).  [default: what the file's "
                   "dates show]")
@click.option("--alias", "alias_items", multiple=True, metavar="SPELLING=PARTNER",
              help="Remember that SPELLING (as the export writes the referrer) is PARTNER; saved in "
                   "DIR/import-aliases.yml (repeatable).")
def import_referrals(records_dir: Path, settings_path: Path | None, today: dt.date, file: Path, dry_run: bool,
                     encoding: str | None, maps: tuple[str, ...], preset: str, dayfirst: bool | None,
                     alias_items: tuple[str, ...]) -> None:
    """Append referrals from a practice-management export (Cliniko, Jane, Nookal, any CSV).

    \b
    Reads the date, the referral/case id, the referrer as typed, the status,
    the amount and the appointment type; no other column. The referrer is
    matched to a partner, a contact (titles and initials understood), an email
    or a phone; one clear match is taken, anything ambiguous or unknown is
    listed with candidates and never written. Tell refsite once who a spelling
    is (--alias or DIR/import-aliases.yml) and it remembers. A new status or
    amount for a known id is a further line; an unchanged row adds nothing.
      refsite import referrals export.csv --from cliniko --dry-run
      refsite import referrals export.csv --alias "RNSH Physio=rnsh-physiotherapy"
    """
    from refsite.importing.referrals import date_order, fields_for, needs_order, plan_referrals
    from refsite.importing.writer import ALIASES_FILE, add_aliases, load_aliases, write_referrals
    from refsite.load import display_path, load

    table, columns, problems = _import_table(file, encoding, maps, records_dir, "referrals", fields_for(preset))
    missing = [f for f in ("date", "ref", "referrer") if not columns.has(f)]
    if missing:
        raise click.BadParameter(f"no column for {', '.join(missing)} in {file} (columns: {', '.join(table.headers)}); "
                                 f"map it with --map COLUMN={missing[0]} or try --from", param_hint="FILE.csv")
    records, settings, load_problems = load(records_dir, settings_path)
    root = display_path(records_dir)
    aliases, alias_problems = load_aliases(records_dir, root)
    _echo_problems([p for p in problems + load_problems + alias_problems if p.is_error])
    new_aliases: dict[str, str] = {}
    for item in alias_items:
        spelling, sep, target = item.rpartition("=")
        if not sep or not spelling.strip() or records.get(target.strip()) is None:
            raise click.BadParameter(f"'{item}' is not SPELLING=PARTNER with a partner in {root}", param_hint="--alias")
        new_aliases[spelling.strip()] = target.strip()
    aliases.update(new_aliases)
    dates = [row.get(columns.index("date")) for row in table.rows]
    if dayfirst is None and needs_order(dates):
        order = date_order(dates)
        if order is None:
            raise click.BadParameter("the dates (such as 03/04/2026) could be day-first or month-first and no date in the "
                                     "file says which: pass --dayfirst or --monthfirst", param_hint="--dayfirst/--monthfirst")
        dayfirst = order == "day"
    plan = plan_referrals(table, columns, records, settings, today, aliases, bool(dayfirst))
    if new_aliases and not dry_run:
        add_aliases(records_dir, new_aliases)
        click.echo(f"remembered {len(new_aliases)} spelling{'' if len(new_aliases) == 1 else 's'} in {root}/{ALIASES_FILE}")
    if dry_run:
        written = [(f"{root}/{line.partner_id}.md", f"- {line.body}") for line in plan.lines]
        failed: list[Any] = []
    else:
        written, failed = write_referrals(plan, records_dir, root, settings, today)
    for path, line in written:
        click.echo(f"{'would append to' if dry_run else 'appended to'} {path}: {line}")
    _listed_out(plan.listed)
    _echo_problems(failed)
    if plan.unknown:
        click.echo("referrers that match no partner (add them with `refsite new`, or name the partner in "
                   f"{root}/{ALIASES_FILE}):")
        for spelling, count in plan.unknown:
            click.echo(f"  {count:>3} row{'' if count == 1 else 's'}  {spelling}")
    if plan.unread:
        click.echo(f"columns not read: {', '.join(plan.unread)}")
    listed = [item for item in plan.listed if not item.skipped]
    click.echo(f"{len(written)} line{'' if len(written) == 1 else 's'} {'to append' if dry_run else 'appended'}, "
               f"{len(plan.already)} row{'' if len(plan.already) == 1 else 's'} already in the log, {len(listed)} listed"
               + (" (dry run: nothing written)" if dry_run else ""))
    if plan.history_before is not None:
        settings_file = display_path(settings_path or records_dir / "settings.yml")
        click.echo(f"these referrals go back to {plan.history_before}: so that history owes no thank-yous or updates, "
                   f"set `owed_from: {today.isoformat()}` in {settings_file}")
    sys.exit(1 if listed or failed else 0)


def main() -> None:  # pragma: no cover - the console script
    cli(prog_name="refsite")


# --------------------------------------------------------------------------- team: the Git merge driver (issue 14)


@cli.command(name="merge-driver", short_help="Git's merge driver for partner files (set up by setup-git).")
@click.argument("base", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("path", required=False, default=None)
@click.option("--marker-size", type=click.IntRange(min=7), default=7, show_default=True,
              help="Length of conflict markers (Git passes %L).")
def merge_driver_command(base: Path, ours: Path, theirs: Path, path: str | None, marker_size: int) -> None:
    """Merge three versions of a partner file the way Git asks a merge driver to.

    \b
    Git runs it as `refsite merge-driver %O %A %B %P --marker-size %L`
    (`refsite setup-git` configures that): BASE is the common ancestor, OURS
    the current version, THEIRS the other branch's; the result replaces OURS.
    Log lines are merged line by line (additions kept once each, in date
    order; deletions and edits of one side taken), front-matter keys key by
    key (contacts by name), the notes by `git merge-file`. Exits 0 for a clean
    merge; 1 when conflict markers were left in the file (`refsite validate`
    names their lines). A file it cannot read as a partner file is merged by
    `git merge-file` as a whole. See docs/team.md.
    """
    from refsite.merge import merge_files

    try:
        result = merge_files(base, ours, theirs, marker_size)
    except OSError as exc:
        click.echo(f"refsite merge-driver: {path or ours}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    name = path or str(ours)
    if result.by_git and result.conflicts:
        click.echo(f"refsite merge-driver: {name}: not a partner file refsite can read part by part; "
                   "merged line by line as Git does", err=True)
    for conflict in result.conflicts:
        what = f" '{conflict.key}'" if conflict.key else ""
        click.echo(f"{name}:{conflict.line}: conflict in the {conflict.part}{what}: "
                   "keep the right lines, delete the marker lines", err=True)
    sys.exit(1 if result.conflicts else 0)


@cli.command(name="setup-git", short_help="Use refsite's merge driver for partner files in this clone.")
def setup_git_command() -> None:
    """Configure this clone to merge partner files with `refsite merge-driver`.

    \b
    Sets merge.refsite.driver and merge.refsite.name in this clone's
    .git/config (Git does not version those: run it once in every clone),
    and adds `records/*.md merge=refsite` to .gitattributes (writes the file,
    or adds the line if it is missing). Exits 2 outside a Git work tree.
    """
    import shutil

    from refsite.authoring import atomic_write
    from refsite.merge import ATTRIBUTE, configure_driver, git_toplevel, with_attribute

    top = git_toplevel(Path.cwd())
    if top is None:
        click.echo("refsite setup-git: not in a Git work tree (run it in your records repository's clone)", err=True)
        sys.exit(2)
    found = shutil.which("refsite")
    command = "refsite" if found and Path(found).resolve() == Path(sys.argv[0]).resolve() else \
        f"{_shell_quote(sys.executable)} -m refsite"
    try:
        configure_driver(top, command)
        attributes = top / ".gitattributes"
        old = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
        new = with_attribute(old)
        if new is not None:
            atomic_write(attributes, new.encode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(f"refsite setup-git: {getattr(exc, 'strerror', None) or exc}", err=True)
        sys.exit(1)
    click.echo(f"configured merge.refsite.driver in {top / '.git' / 'config'}: {command} merge-driver ...")
    if new is None:
        click.echo(f".gitattributes already has '{ATTRIBUTE}'")
    else:
        click.echo(f"{'added to' if old else 'wrote'} .gitattributes: '{ATTRIBUTE}' (commit it)")


def _shell_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _merge_driver_warnings(records_dir: Path) -> list[Any]:
    """A warning when .gitattributes names refsite's merge driver but this clone has not configured it (not in CI)."""
    import os

    from refsite.merge import driver_configured, git_toplevel, names_driver
    from refsite.problems import Source, warning

    if os.environ.get("CI", "").lower() in ("true", "1"):
        return []  # CI never merges; every run would warn
    top = git_toplevel(records_dir)
    attributes = top / ".gitattributes" if top else None
    if attributes is None or not attributes.is_file():
        return []
    try:
        line = names_driver(attributes.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []
    if line is None or driver_configured(top):  # type: ignore[arg-type]
        return []
    from refsite.load import display_path

    return [warning(Source(display_path(attributes), line),
                    "this clone has no merge.refsite.driver, so Git merges partner files line by line: "
                    "run `refsite setup-git` once in this clone")]
