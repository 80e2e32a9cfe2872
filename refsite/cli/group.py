"""The `refsite` group: the entry point, with --help and --version."""

from __future__ import annotations

import click

from refsite import __version__
from refsite.cli.options import CONTEXT_SETTINGS


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


def main() -> None:  # pragma: no cover - the console script
    cli(prog_name="refsite")
