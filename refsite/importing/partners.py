"""``refsite import partners``: a spreadsheet of referrers to new partner records (a plan; no I/O).

People at one practice (the same organisation once case, punctuation, '&'/'and'
and 'St'/'Street' are ignored) become one partner with several contacts; a row
with no organisation is a sole practitioner. Partners already in the records
(the same organisation or name, or a contact's email or phone) are skipped with
the reason. A row whose category, role, stage, tier or owner cannot be read is
listed and its partner is not created: nothing is guessed. So is a partner whose
notes the privacy guard flags (docs/privacy.md), unless ``not_patient`` (then the
flagged lines carry the not-patient marker, as a reviewer would write it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from refsite import privacy, vocab
from refsite.authoring import NewContact, NewPartner, front_matter_lines, head_lines
from refsite.importing.columns import Columns
from refsite.importing.csvfile import Row, Table
from refsite.importing.text import email_key, org_key, person_key, phone_key, slugify
from refsite.model import Records
from refsite.settings import SLUG, Settings

# field -> the usual headers for it, most specific first (the first one a file has wins).
PARTNER_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("partner id", "refsite id"),
    "name": ("full name", "contact name", "referrer name", "referrer", "practitioner", "doctor", "contact", "person"),
    "first_name": ("first name", "given name", "firstname", "first"),
    "last_name": ("last name", "surname", "family name", "lastname", "last"),
    "organisation": ("practice", "practice name", "clinic", "clinic name", "organization", "organisation name",
                     "company", "company name", "business", "business name"),
    "category": ("type", "category", "specialty", "speciality", "profession", "referrer type", "kind"),
    "role": ("position", "job title", "contact role"),
    "phone": ("phone number", "telephone", "tel", "mobile", "mobile phone", "work phone", "cell"),
    "email": ("email address", "e mail", "mail"),
    "location": ("suburb", "city", "town", "area", "address", "postcode", "post code", "zip"),
    "owner": ("account manager", "relationship owner", "managed by", "our contact"),
    "notes": ("note", "comments", "comment"),
    "website": ("web", "web site", "url", "homepage"),
    "tags": ("tag", "labels"),
    "stage": ("relationship stage",),
    "tier": ("relationship tier",),
}

# The role of a contact whose row names none, from the partner's category.
ROLE_OF_CATEGORY = {
    "primary-care": "physician", "specialist": "specialist", "surgeon": "surgeon", "allied-health": "therapist",
    "chiropractic": "therapist", "massage": "therapist", "fitness": "trainer", "sports": "coach",
    "school": "teacher", "employer": "hr", "legal": "lawyer", "insurer": "case-manager",
}


@dataclass(frozen=True)
class Listed:
    """A row not imported, and why (``skipped``: already in the records, not a problem)."""

    rows: tuple[int, ...]
    message: str
    skipped: bool = False

    def __str__(self) -> str:
        which = ", ".join(map(str, self.rows))
        return f"row{'s' if len(self.rows) > 1 else ''} {which}: {self.message}"


@dataclass(frozen=True)
class NewRecord:
    id: str
    name: str
    text: str
    rows: tuple[int, ...]


@dataclass(frozen=True)
class PartnersPlan:
    creates: tuple[NewRecord, ...]
    listed: tuple[Listed, ...]
    unread: tuple[str, ...]

    @property
    def problems(self) -> tuple[Listed, ...]:
        return tuple(item for item in self.listed if not item.skipped)


@dataclass
class _Person:
    name: str
    role: str | None
    email: str
    phone: str
    row: int


@dataclass
class _Group:
    key: tuple[str, str]
    name: str
    rows: list[int] = field(default_factory=list)
    given_id: str | None = None
    organisation: str | None = None
    category: str | None = None
    stage: str | None = None
    tier: str | None = None
    owner: str | None = None
    location: str | None = None
    website: str | None = None
    email: str = ""
    phone: str = ""
    solo: bool = False
    people: list[_Person] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    errors: list[Listed] = field(default_factory=list)


def _term(what: str, value: str, choices: object, settings: Settings) -> tuple[str | None, str | None]:
    """(term, None) for a value or a usual spelling of one; (None, message) otherwise."""
    table = dict(choices)  # type: ignore[call-overload]
    if value in table:
        return value, None
    low = value.strip().lower()
    if low in table:
        return low, None
    term = vocab.synonym(what, value, settings.synonyms.get(what))
    if term is not None and term in table:
        return term, None
    return None, vocab.unknown(what, value, table, settings.synonyms.get(what)) + (
        f": map it in the settings' synonyms ({what}: {{{vocab.normalise_word(value)}: TERM}})" if what in ("category", "role") else "")


def match_owner(value: str, settings: Settings) -> str | None:
    """A team member id from an owner cell: the id or the name, any case ("Maya", "maya chen", "MAYA")."""
    key = vocab.normalise_word(value)
    for member in settings.team:
        names = {member.id, vocab.normalise_word(member.name), vocab.normalise_word(member.name).split(" ")[0]}
        if key in names:
            return member.id
    return None


def _existing_index(records: Records) -> dict[str, tuple[str, str]]:
    """Keys of partners already in the records -> (partner id, why)."""
    index: dict[str, tuple[str, str]] = {}
    for partner in records.partners:
        index.setdefault(f"id:{partner.id}", (partner.id, "same id"))
        for text in (partner.name, partner.organisation):
            if text:
                index.setdefault(f"org:{org_key(text)}", (partner.id, "same name"))
                index.setdefault(f"person:{person_key(text)}", (partner.id, "same name"))
        for email in (partner.email, *(c.email for c in partner.contacts)):
            if email and email_key(email):
                index.setdefault(f"email:{email_key(email)}", (partner.id, f"same email {email_key(email)}"))
        for phone in (partner.phone, *(c.phone for c in partner.contacts)):
            if phone and phone_key(phone):
                index.setdefault(f"phone:{phone_key(phone)}", (partner.id, f"same phone {phone}"))
    return index


def plan_partners(
    table: Table, columns: Columns, records: Records, settings: Settings, today: dt.date, file_name: str,
    not_patient: bool = False,
) -> PartnersPlan:
    """What importing ``table`` would create, skip and list. Reads only the cells of mapped columns.

    Notes go through the privacy guard first: a partner whose notes look like they hold a patient
    identifier is listed, not created, unless ``not_patient`` (the lines get the not-patient marker).
    """
    listed: list[Listed] = []
    groups: dict[tuple[str, str], _Group] = {}
    by_id = columns.has("id")
    for row in table.rows:
        group = _group_for(row, columns, by_id, groups, listed)
        if group is not None:
            _read_row(row, columns, group, settings, by_id)

    existing = _existing_index(records)
    taken = {p.id for p in records.partners} | set(records.unreadable)
    creates: list[NewRecord] = []
    for group in groups.values():
        rows = tuple(group.rows)
        found = _already(group, existing)
        if found:
            listed.append(Listed(rows, f"already in the records as {found[0]} ({found[1]}); skipped", skipped=True))
            continue
        if group.errors:
            listed += group.errors
            listed.append(Listed(rows, f"'{group.name}' not created: fix the rows above (or --map, or the settings' synonyms)"))
            continue
        if group.category is None:
            listed.append(Listed(rows, f"'{group.name}' has no category: add a type/category column or value (docs/import.md)"))
            continue
        flagged = _private_notes(group, settings, not_patient)
        if flagged:
            listed.append(Listed(rows, f"'{group.name}' not created: a line of its notes {flagged}; if it is not about a patient, "
                                 f"run again with --not-patient (writes {privacy.MARKER} after the line)"))
            continue
        partner_id = _new_id(group, taken)
        if partner_id is None:
            listed.append(Listed(rows, f"'{group.name}' gives no usable partner id: write one in an id column"))
            continue
        taken.add(partner_id)
        creates.append(NewRecord(partner_id, group.name, _record_text(group, settings, today, file_name), rows))
    listed.sort(key=lambda item: (item.rows, item.skipped))
    return PartnersPlan(tuple(creates), tuple(listed), columns.unread)


def _group_for(
    row: Row, columns: Columns, by_id: bool, groups: dict[tuple[str, str], _Group], listed: list[Listed],
) -> _Group | None:
    cell = lambda name: row.get(columns.index(name))  # noqa: E731
    person = cell("name") or " ".join(x for x in (cell("first_name"), cell("last_name")) if x)
    organisation = cell("organisation")
    if by_id:
        given = cell("id")
        if not given:
            listed.append(Listed((row.number,), "the id cell is empty"))
            return None
        key, name = ("id", given), person or organisation or given
    elif organisation:
        key, name = ("org", org_key(organisation)), organisation
    elif person:
        key, name = ("person", person_key(person)), person
    else:
        listed.append(Listed((row.number,), "no name and no practice: nothing to import"))
        return None
    group = groups.get(key)
    if group is None:
        group = groups[key] = _Group(key, name)
        if by_id:
            group.given_id = key[1]
            group.organisation = organisation or None
        elif not organisation:
            group.solo = True
    group.rows.append(row.number)
    return group


def _read_row(row: Row, columns: Columns, group: _Group, settings: Settings, by_id: bool) -> None:
    cell = lambda name: row.get(columns.index(name))  # noqa: E731
    here = (row.number,)
    for what, attr, choices in (("category", "category", settings.categories), ("stage", "stage", vocab.STAGES),
                                ("tier", "tier", vocab.TIERS)):
        value = cell(what)
        if value:
            term, why = _term(what, value, choices, settings)
            if why:
                group.errors.append(Listed(here, why))
            elif getattr(group, attr) is None:
                setattr(group, attr, term)
    owner = cell("owner")
    if owner:
        member = match_owner(owner, settings)
        if member is None:
            team = ", ".join(m.id for m in settings.team) or "none in the settings"
            group.errors.append(Listed(here, f"owner '{owner}' is not on the team (team: {team})"))
        elif group.owner is None:
            group.owner = member
    for attr in ("location", "website"):
        if cell(attr) and getattr(group, attr) is None:
            setattr(group, attr, cell(attr))
    note = cell("notes")
    if note and note not in group.notes:
        group.notes.append(note)
    for tag in cell("tags").replace(";", ",").replace("|", ",").split(","):
        if tag.strip() and tag.strip() not in group.tags:
            group.tags.append(tag.strip())
    person = cell("name") or " ".join(x for x in (cell("first_name"), cell("last_name")) if x)
    email, phone = cell("email"), cell("phone")
    if by_id or not person:
        group.email, group.phone = group.email or email, group.phone or phone
        return
    role = None
    if cell("role"):
        role, why = _term("role", cell("role"), settings.roles, settings)
        if why:
            group.errors.append(Listed(here, why))
    known = next((p for p in group.people if person_key(p.name) == person_key(person)), None)
    if known is None:
        group.people.append(_Person(person, role, email, phone, row.number))
    else:
        known.email, known.phone, known.role = known.email or email, known.phone or phone, known.role or role


def _already(group: _Group, existing: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    kind, key = group.key
    keys = [f"{kind}:{key}"]
    if kind == "id":
        keys.append(f"org:{org_key(group.name)}")
    keys += [f"email:{email_key(e)}" for e in (group.email, *(p.email for p in group.people)) if e and email_key(e)]
    keys += [f"phone:{phone_key(p)}" for p in (group.phone, *(p.phone for p in group.people)) if p and phone_key(p)]
    for key in keys:
        if key in existing:
            return existing[key]
    return None


def _private_notes(group: _Group, settings: Settings, not_patient: bool) -> str | None:
    """What the guard finds in the group's notes (None: nothing); with ``not_patient``, mark the lines instead.

    What a record may mention is what refsite.checks.privacy_allowed allows a written one: its own
    phone, email, website and location, its contacts and the team.
    """
    if settings.privacy == "off" or not group.notes:
        return None
    allowed = privacy.Allowed.build(
        phones=[group.phone, *(p.phone for p in group.people)],
        emails=[group.email, *(p.email for p in group.people)],
        names=[group.name, group.organisation, *(p.name for p in group.people), *(m.name for m in settings.team)],
        addresses=[group.location], websites=[group.website], region=settings.privacy_region,
    )
    found: list[str] = []
    for i, note in enumerate(group.notes):
        lines = note.replace("\r\n", "\n").split("\n")
        for j, line in enumerate(lines):
            if line.strip() and not privacy.reviewed(line) and privacy.has_cue(line):
                findings = privacy.find(line, allowed)
                if findings and not_patient:
                    lines[j] = f"{line.rstrip()} {privacy.MARKER}"
                found += [f.message for f in findings]
        group.notes[i] = "\n".join(lines)
    return None if not_patient or not found else "; ".join(dict.fromkeys(found))


def _new_id(group: _Group, taken: set[str]) -> str | None:
    if group.given_id is not None:
        return group.given_id if SLUG.match(group.given_id) and group.given_id not in taken else None
    base = slugify(person_key(group.name) if group.solo else group.name)
    if not base:
        return None
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _record_text(group: _Group, settings: Settings, today: dt.date, file_name: str) -> str:
    category = group.category or "other"
    fields = NewPartner(
        id="", name=group.name, category=category, stage=group.stage or "active", tier=group.tier or "standard",
        organisation=group.organisation if group.organisation != group.name else None, location=group.location,
        email=group.email or None, phone=group.phone or None, website=group.website, solo=group.solo,
        contacts=tuple(NewContact(p.name, p.role or ROLE_OF_CATEGORY.get(category, "other"), p.email or None,
                                  p.phone or None) for p in group.people),
        tags=tuple(group.tags))
    out = ["---", *head_lines(fields), *front_matter_lines(fields, group.owner, today)[0]]
    out.append("---")
    out.append("")
    if group.notes:
        notes = "\n\n".join("\n".join(line.rstrip() for line in n.replace("\r\n", "\n").split("\n")) for n in group.notes)
        out += [notes, ""]
    rows = ", ".join(map(str, group.rows))
    author = f" @{group.owner or settings.default_owner}" if (group.owner or settings.default_owner) else ""
    out += ["## Log", "", f"- {today.isoformat()} note{author}: imported from {file_name} "
            f"(row{'s' if len(group.rows) > 1 else ''} {rows})", ""]
    return "\n".join(out)
