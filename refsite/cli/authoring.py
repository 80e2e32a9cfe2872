"""`refsite log`, `refsite new` and `refsite init`: the commands that write records."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from refsite import __version__
from refsite.cli.group import cli
from refsite.cli.options import (
    DateType,
    complete_category,
    complete_member,
    complete_partner,
    echo_problems,
    partner_path,
    records_options,
)


@cli.command(name="log", short_help="Append one event to a partner's log.")
@records_options
@click.argument("partner", metavar="PARTNER", shell_complete=complete_partner)
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
    echo_problems(problems)
    if line is None:
        sys.exit(1)
    click.echo(f"{path}: {line}")


@cli.command(name="new", short_help="Add a partner from the template.")
@records_options
@click.argument("partner", metavar="ID")
@click.option("--name", required=True, help="The partner's name.")
@click.option("--category", required=True, shell_complete=complete_category,
              help="Its category (docs/records.md lists them; a synonym such as GP is accepted where refsite knows it).")
@click.option("--stage", default="prospect", show_default=True, type=click.Choice(["prospect", "active", "nurture", "former"]),
              help="Where the relationship is.")
@click.option("--tier", default="standard", show_default=True, type=click.Choice(["key", "standard", "light"]),
              help="How much the practice invests in it.")
@click.option("--owner", metavar="MEMBER", default=None, shell_complete=complete_member,
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
    echo_problems(problems)
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
    echo_problems(problems)
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
