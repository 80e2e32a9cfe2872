"""`refsite merge-driver` and `refsite setup-git`: a team merging partner files (docs/team.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from refsite.cli.group import cli


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


def merge_driver_warnings(records_dir: Path) -> list[Any]:
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
                    "run `refsite setup-git` once in this clone", check="git")]
