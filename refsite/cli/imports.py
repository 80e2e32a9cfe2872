"""`refsite import partners` and `refsite import referrals`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any, Callable

import click

from refsite.cli.group import cli
from refsite.cli.options import echo_problems, records_options
from refsite.words import plural


def _import_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """FILE, --dry-run, --encoding and --map, shared by `refsite import partners` and `referrals`."""
    func = click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
                        help="Read COLUMN as FIELD (repeatable); FIELD '-' leaves a column unread. Saved mappings: "
                             "DIR/import-columns.yml.")(func)
    func = click.option("--encoding", default=None, metavar="NAME",
                        help="The file's encoding.  [default: a BOM's, else UTF-8, else Windows-1252]")(func)
    func = click.option("--not-patient", is_flag=True,
                        help="Write lines the patient-identifier guard flags, each with its reviewed marker "
                             "(docs/privacy.md); without it they are listed, not written.")(func)
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
                    not_patient: bool, encoding: str | None, maps: tuple[str, ...]) -> None:
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
    echo_problems([p for p in problems + load_problems if p.is_error])
    root = display_path(records_dir)
    plan = plan_partners(table, columns, records, settings, today, file.name, not_patient=not_patient)
    if dry_run:
        invalid = check_new_records(plan, root, settings, today)
        written: list[str] = [] if invalid else [f"{root}/{r.id}.md" for r in plan.creates]
    else:
        written, invalid = write_partners(plan, records_dir, root, settings, today)
    verb = "would create" if dry_run else "created"
    for record in plan.creates:
        if f"{root}/{record.id}.md" in written:
            rows = ", ".join(map(str, record.rows))
            click.echo(f"{verb} {root}/{record.id}.md: {record.name} (row{'' if len(record.rows) == 1 else 's'} {rows})")
    _listed_out(plan.listed)
    echo_problems(invalid)
    if plan.unread:
        click.echo(f"columns not read: {', '.join(plan.unread)}")
    skipped = sum(len(item.rows) for item in plan.listed if item.skipped)
    click.echo(f"{plural(len(written), 'partner')} {'to create' if dry_run else 'created'}, {plural(skipped, 'row')} "
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
                     not_patient: bool, encoding: str | None, maps: tuple[str, ...], preset: str, dayfirst: bool | None,
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
    echo_problems([p for p in problems + load_problems + alias_problems if p.is_error])
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
    plan = plan_referrals(table, columns, records, settings, today, aliases, bool(dayfirst), not_patient=not_patient)
    if new_aliases and not dry_run:
        add_aliases(records_dir, new_aliases)
        click.echo(f"remembered {plural(len(new_aliases), 'spelling')} in {root}/{ALIASES_FILE}")
    if dry_run:
        written = [(f"{root}/{line.partner_id}.md", f"- {line.body}") for line in plan.lines]
        failed: list[Any] = []
    else:
        written, failed = write_referrals(plan, records_dir, root, settings, today)
    for path, line in written:
        click.echo(f"{'would append to' if dry_run else 'appended to'} {path}: {line}")
    _listed_out(plan.listed)
    echo_problems(failed)
    if plan.unknown:
        click.echo("referrers that match no partner (add them with `refsite new`, or name the partner in "
                   f"{root}/{ALIASES_FILE}):")
        for spelling, count in plan.unknown:
            click.echo(f"  {count:>3} {'row' if count == 1 else 'rows'}  {spelling}")
    if plan.unread:
        click.echo(f"columns not read: {', '.join(plan.unread)}")
    listed = [item for item in plan.listed if not item.skipped]
    click.echo(f"{plural(len(written), 'line')} {'to append' if dry_run else 'appended'}, "
               f"{plural(len(plan.already), 'row')} already in the log, {len(listed)} listed"
               + (" (dry run: nothing written)" if dry_run else ""))
    if plan.history_before is not None:
        settings_file = display_path(settings_path or records_dir / "settings.yml")
        click.echo(f"these referrals go back to {plan.history_before}: so that history owes no thank-yous or updates, "
                   f"set `owed_from: {today.isoformat()}` in {settings_file}")
    sys.exit(1 if listed or failed else 0)
