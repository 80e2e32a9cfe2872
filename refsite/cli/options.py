"""Shared options and parameter types of the `refsite` command: records, settings and --today,
formats, and the small helpers every command uses to report problems and name partners."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any, Callable

import click
from click.shell_completion import CompletionItem

from refsite.words import plural

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
    @click.option("--no-cache", "no_cache", is_flag=True,
                  help="Read every record afresh (default: unchanged files come from .refsite-cache/ beside DIR).")
    @functools.wraps(func)
    def wrapper(*args: Any, records_dir: Path, settings_path: Path | None, today: dt.date | None, no_cache: bool,
                **kwargs: Any) -> Any:
        click.get_current_context().meta[NO_CACHE] = no_cache
        if not records_dir.is_dir():
            raise click.BadParameter(f"no folder '{records_dir}' here (run in your records repository or pass --records DIR)",
                                     param_hint="--records")
        if settings_path is not None and not settings_path.is_file():
            raise click.BadParameter(f"no file '{settings_path}'", param_hint="--settings")
        today = today or local_today(settings_path or records_dir / "settings.yml")
        return func(*args, records_dir=records_dir, settings_path=settings_path, today=today, **kwargs)

    return wrapper


NO_CACHE = "refsite.no_cache"


def loaded(records_dir: Path, settings_path: Path | None, today: dt.date,
           as_of: bool = False) -> tuple[Any, Any, list[Any]]:
    """The records, settings and problems (refsite.workspace.load_and_validate), through the parsed-records
    cache unless the command was given --no-cache."""
    from refsite.workspace import load_and_validate

    no_cache = bool(click.get_current_context().meta.get(NO_CACHE, False))
    return load_and_validate(records_dir, settings_path, today, as_of=as_of, use_cache=not no_cache)


def loaded_due(records_dir: Path, settings_path: Path | None, today: dt.date,
               as_of: bool = False) -> tuple[Any, Any, list[Any], list[Any]]:
    """:func:`loaded`, and every item due (refsite.workspace.load_validate_due: kept in the cache unless --no-cache)."""
    from refsite.workspace import load_validate_due

    no_cache = bool(click.get_current_context().meta.get(NO_CACHE, False))
    return load_validate_due(records_dir, settings_path, today, as_of=as_of, use_cache=not no_cache)


def local_today(settings_file: Path) -> dt.date:
    """Today in the practice's time zone (settings: timezone), else the computer's: the one place the clock is read."""
    import zoneinfo

    from refsite.load import load_settings

    settings, _problems = load_settings(settings_file, str(settings_file))  # problems are reported by the command
    try:
        return dt.datetime.now(zoneinfo.ZoneInfo(settings.timezone)).date() if settings.timezone else dt.date.today()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.date.today()


def complete_partner(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion: the partner ids (file names) in --records (default records/)."""
    folder = Path(ctx.params.get("records_dir") or "records")
    try:
        names = sorted(p.stem for p in folder.glob("*.md"))
    except OSError:
        return []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def complete_member(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion: the team's ids from the settings file."""
    from refsite.load import load_settings

    folder = Path(ctx.params.get("records_dir") or "records")
    settings_file = ctx.params.get("settings_path") or folder / "settings.yml"
    try:
        settings, _ = load_settings(Path(settings_file), str(settings_file))
    except Exception:  # completion must never print a traceback into the shell
        return []
    return [CompletionItem(m.id, help=m.name) for m in settings.team if m.id.startswith(incomplete)]


def complete_category(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from refsite.vocab import CATEGORIES

    return [CompletionItem(c) for c in CATEGORIES if c.startswith(incomplete)]


def past_today(today: dt.date, records_dir: Path, settings_path: Path | None) -> bool:
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


def records_errors_note(problems: list[Any]) -> int:
    return incomplete_note(problems, "these figures")


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


def echo_problems(problems: list[Any]) -> None:
    from refsite.output.problems import problems_text

    if problems:
        click.echo(problems_text(problems), err=True)


def incomplete_note(problems: list[Any], what: str) -> int:
    """Say on stderr that the records have errors (so ``what`` may be incomplete); the exit status."""
    errors = sum(p.is_error for p in problems)
    if errors:
        click.echo(f"{plural(errors, 'error')} in the records: {what} may be incomplete "
                   "(refsite validate lists them)", err=True)
    return 1 if errors else 0


def check_owner(owner: str | None, settings: Any) -> None:
    from refsite.vocab import did_you_mean

    if owner is not None and settings.member_ids and owner not in settings.member_ids:
        hint = did_you_mean(owner, sorted(settings.member_ids)) or f" (team: {', '.join(m.id for m in settings.team)})"
        raise click.BadParameter(f"'{owner}' is not on the team{hint}", param_hint="--owner")
