"""Apply an import plan: new records validated before any is written; log lines through ``append_event``.

Also the two files ``refsite import`` keeps in a records folder:
``import-aliases.yml`` (how the front desk spells a referrer -> partner id) and
``import-columns.yml`` (a saved column mapping per import: COLUMN: FIELD).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from refsite.authoring import SINGLE_PARTNER_CHECKS, OtherRecords, append_event, atomic_write
from refsite.importing.partners import PartnersPlan
from refsite.importing.referrals import ReferralsPlan
from refsite.load import load_partner, parse_yaml_mapping, read_text
from refsite.model import Records
from refsite.problems import Problem, Source, error, has_errors, sort_problems
from refsite.settings import SLUG, Settings
from refsite.validate import validate

ALIASES_FILE = "import-aliases.yml"
COLUMNS_FILE = "import-columns.yml"
ALIASES_HEADER = ("# refsite import referrals: how a referrer is spelled in the export -> the partner id.\n"
                  "# One line each, e.g.  \"Dr A Hassan\": harbour-street-family-practice  (docs/import.md)\n")


def _mapping_file(path: Path, display: str) -> tuple[dict[str, object], list[Problem]]:
    if not path.exists():
        return {}, []
    text, problems = read_text(path, display)
    if text is None:
        return {}, problems
    parsed, problems = parse_yaml_mapping(text, display, offset=1)
    return (dict(parsed.data) if parsed is not None else {}), problems


def load_aliases(records_dir: Path, display_root: str) -> tuple[dict[str, str], list[Problem]]:
    """The aliases file as spelling -> partner id; a value that is not a partner id is an error with its line."""
    display = f"{display_root}/{ALIASES_FILE}"
    data, problems = _mapping_file(records_dir / ALIASES_FILE, display)
    aliases: dict[str, str] = {}
    for spelling, target in data.items():
        if not isinstance(target, str) or not SLUG.match(target):
            problems.append(error(Source(display), f"'{spelling}': the value must be a partner id, not {target!r}", check="import"))
            continue
        aliases[str(spelling)] = target
    return aliases, problems


def add_aliases(records_dir: Path, pairs: dict[str, str]) -> None:
    """Append ``"spelling": id`` lines to the aliases file (created with a comment when missing)."""
    path = records_dir / ALIASES_FILE
    data = path.read_bytes() if path.exists() else ALIASES_HEADER.encode("utf-8")
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    if data and not data.endswith(b"\n"):
        data += newline
    for spelling, target in pairs.items():
        data += f"{json.dumps(spelling, ensure_ascii=False)}: {target}".encode() + newline
    atomic_write(path, data)


def load_column_map(records_dir: Path, display_root: str, which: str) -> tuple[dict[str, str], list[Problem]]:
    """The saved mapping for ``which`` ("partners" or "referrals"): COLUMN -> FIELD."""
    display = f"{display_root}/{COLUMNS_FILE}"
    data, problems = _mapping_file(records_dir / COLUMNS_FILE, display)
    section = data.get(which) or {}
    if not isinstance(section, dict):
        return {}, [*problems, error(Source(display), f"'{which}' must be a mapping of COLUMN: FIELD", check="import")]
    return {str(k): str(v) for k, v in section.items()}, problems


def check_new_records(plan: PartnersPlan, display_root: str, settings: Settings, today: dt.date) -> list[Problem]:
    """Every problem the planned records would have, read by the loader and validator as they would be written."""
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory() as folder:
        for record in plan.creates:
            path = Path(folder) / f"{record.id}.md"
            path.write_text(record.text, encoding="utf-8")
            display = f"{display_root}/{record.id}.md"
            partner, found = load_partner(path, display, settings)
            problems += found
            if partner is not None:
                problems += validate(Records((partner,)), settings, today, SINGLE_PARTNER_CHECKS)
    return sort_problems([p for p in problems if p.is_error])


def write_partners(
    plan: PartnersPlan, records_dir: Path, display_root: str, settings: Settings, today: dt.date,
) -> tuple[list[str], list[Problem]]:
    """Write the planned records, or nothing when any would have an error. Returns (paths written, problems)."""
    problems = check_new_records(plan, display_root, settings, today)
    clash = [error(Source(f"{display_root}/{r.id}.md"), "exists already; nothing was written", check="files")
             for r in plan.creates if (records_dir / f"{r.id}.md").exists()]
    if problems or clash:
        return [], sort_problems(problems + clash)
    written = []
    for record in plan.creates:
        atomic_write(records_dir / f"{record.id}.md", record.text.encode("utf-8"))
        written.append(f"{display_root}/{record.id}.md")
    return written, []


def write_referrals(
    plan: ReferralsPlan, records_dir: Path, display_root: str, settings: Settings, today: dt.date,
) -> tuple[list[tuple[str, str]], list[Problem]]:
    """Append each planned line with ``append_event`` (checked, locked, atomic). Returns ((path, line) written, problems)."""
    written: list[tuple[str, str]] = []
    problems: list[Problem] = []
    others = OtherRecords(records_dir, settings, display_root)  # read once, not once per line
    for line in plan.lines:
        display = f"{display_root}/{line.partner_id}.md"
        done, found = append_event(records_dir / f"{line.partner_id}.md", display, line.body, settings, today,
                                   others=others)
        problems += found
        if done is not None:
            written.append((display, done))
    return written, sort_problems(problems) if has_errors(problems) else problems
