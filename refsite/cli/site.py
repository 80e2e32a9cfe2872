"""`refsite build` and `refsite serve`: the site."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from refsite.cli.group import cli
from refsite.cli.options import NO_CACHE, echo_problems, records_options, site_options


@cli.command(name="build", short_help="Build the private site from the records.")
@records_options
@site_options
@click.option("--builder", type=click.Choice(["mkdocs", "zensical"]), default="mkdocs", show_default=True,
              help="The site generator: MkDocs with Material, or Zensical (pip install 'refsite[zensical]'; "
                   "docs/builders.md).")
def build_command(records_dir: Path, settings_path: Path | None, today: dt.date, site_dir: Path | None,
                  config_file: Path | None, templates_dir: Path | None, builder: str) -> None:
    """Build the private site: validate, compute, render the pages, build them (MkDocs or Zensical).

    \b
    Writes a static site (open site/index.html from disk, or serve it) with
    the dashboard, a profile per partner, the lists, the pipeline, the
    quarterly review and downloads, all computed as of --today. Invalid
    records stop the build with the validator's messages and leave the
    previous site exactly as it was. Exits 1 when the build stopped.
    """
    from refsite.load import display_path
    from refsite.site import Layout, build, site_dir_refusal
    from refsite.site.zensical import BUILDERS, missing

    if builder == "zensical" and missing():
        raise click.BadParameter(f"{missing()}; nothing was touched", param_hint="--builder")
    layout = Layout.find(records_dir, settings_path, config_file, templates_dir, site_dir)
    refusal = site_dir_refusal(layout.site_dir, layout.records_dir)
    if refusal:
        raise click.BadParameter(f"{refusal}; nothing was touched", param_hint="--site-dir")
    result = build(layout, today, BUILDERS[builder],
                   use_cache=not click.get_current_context().meta.get(NO_CACHE, False))
    echo_problems(result.problems)
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
    reloads the browser after every rebuild. A rebuild re-reads only the
    changed files and rebuilds only the pages whose text changed, the edited
    partners' pages first (a change to the settings, a template or
    mkdocs.yml rebuilds everything). A rebuild that fails (invalid records)
    prints the problems and keeps the last good site. Ctrl-C stops.
    """
    from refsite.site import Layout, serve, site_dir_refusal

    layout = Layout.find(records_dir, settings_path, config_file, templates_dir, site_dir)
    refusal = site_dir_refusal(layout.site_dir, layout.records_dir)
    if refusal:
        raise click.BadParameter(f"{refusal}; nothing was touched", param_hint="--site-dir")
    problems = serve(layout, today, host, port, say=lambda text: click.echo(text, err=True), show=echo_problems,
                     use_cache=not click.get_current_context().meta.get(NO_CACHE, False))
    echo_problems(problems)
    sys.exit(1 if problems else 0)
