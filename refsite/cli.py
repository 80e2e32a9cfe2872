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

from refsite import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class DateType(click.ParamType):
    """An ISO date (YYYY-MM-DD); anything else is a usage error (exit 2)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{value}' is not a date: use YYYY-MM-DD, e.g. 2026-11-22", param, ctx)


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
        today = today or dt.date.today()  # the one place the clock is read
        return func(*args, records_dir=records_dir, settings_path=settings_path, today=today, **kwargs)

    return wrapper


def format_option(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True, help="Output format."
    )


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


@cli.command()
@records_options
@format_option("text", "json")
def validate(records_dir: Path, settings_path: Path | None, today: dt.date, fmt: str) -> None:
    """Check every record and print every problem as FILE:LINE: SEVERITY: MESSAGE.

    Exits 1 when there is at least one error (warnings alone exit 0).
    """
    from refsite.output import problems_json, problems_text
    from refsite.problems import has_errors
    from refsite.validate import load_and_validate

    records, _settings, problems = load_and_validate(records_dir, settings_path, today)
    if fmt == "json":
        click.echo(problems_json(problems))
    elif problems:
        click.echo(problems_text(problems))
    else:
        click.echo(f"{len(records.partners)} partners, no problems.")
    sys.exit(1 if has_errors(problems) else 0)


def main() -> None:  # pragma: no cover - the console script
    cli(prog_name="refsite")
