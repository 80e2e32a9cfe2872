"""`refsite brief`, `refsite draft` and `refsite export`: one partner, a message, the exports."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from refsite.cli.group import cli
from refsite.cli.options import (
    RuleType,
    check_owner,
    complete_member,
    complete_partner,
    echo_problems,
    excel_option,
    format_option,
    incomplete_note,
    loaded,
    partner_path,
    records_options,
)


@cli.command(name="brief", short_help="A one-page brief to read before meeting a partner.")
@records_options
@click.argument("partner", metavar="PARTNER", shell_complete=complete_partner)
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
    Reads the partner's record and, of the others, only what the brief
    needs. Exits 1 when the partner's record or the settings have errors
    (the brief may then be incomplete); refsite validate checks the rest.
    """
    from refsite.brief import brief, partner_suggestions
    from refsite.load import CONTROL
    from refsite.output.brief import brief_json, brief_markdown, brief_text

    if any(c in partner for c in "/\\\n\r") or ".." in partner or CONTROL.search(partner):
        partner_path(records_dir, partner)  # a path, not an id: the usage error, with the closest ids
    from refsite.workspace import load_for_partner

    # The partner and only the other records its brief can need (refsite.load.one); the whole folder when
    # the partner is missing or unreadable, to say why as every command does.
    one = load_for_partner(records_dir, settings_path, partner, today)
    records, settings, problems = one if one is not None else loaded(records_dir, settings_path, today, as_of=True)
    if records.get(partner) is None:
        if partner in records.unreadable:
            echo_problems([p for p in problems if p.is_error and Path(p.source.path).stem == partner])
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
    sys.exit(incomplete_note(problems, "this brief"))


EXPORTS = ("partners", "due", "referrals", "calendar")


@cli.command(name="export", short_help="Partners, due items, referrals (CSV/JSON); a calendar.")
@records_options
@click.argument("what", type=click.Choice(EXPORTS), metavar="WHAT")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="Output format for partners, due and referrals (calendar is always iCalendar).")
@click.option("--owner", metavar="ID", shell_complete=complete_member, help="Only this team member's partners, due items, referrals or calendar.")
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

    ctx = click.get_current_context()
    if what == "calendar" and ctx.get_parameter_source("fmt") is click.core.ParameterSource.COMMANDLINE:
        raise click.BadParameter("the calendar is iCalendar (.ics) only: leave out --format", param_hint="--format")
    if output is not None and not output.parent.is_dir():
        raise click.BadParameter(f"no folder '{output.parent}' to write into", param_hint="--output")
    records, settings, problems = loaded(records_dir, settings_path, today, as_of=True)
    check_owner(owner, settings)
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
    sys.exit(incomplete_note(problems, "the export"))


@cli.command(name="draft", short_help="A message for a partner's due item, in their channel.")
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
    with a message is due. Reads the partner's record and, of the others,
    only what its due items need (errors elsewhere are refsite validate's).
    """
    from refsite.brief import partner_suggestions
    from refsite.drafts import DRAFTABLE, draft
    from refsite.due import partner_due
    from refsite.workspace import load_for_partner

    # The partner and only the records its own due items need (refsite.load.one); else the whole folder.
    one = load_for_partner(records_dir, settings_path, partner, today, introductions=False)
    records, settings, problems = one if one is not None else loaded(records_dir, settings_path, today, as_of=True)
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
    sys.exit(incomplete_note(problems, "this draft"))
