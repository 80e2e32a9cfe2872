"""Semantic checks: each ``check_*(records, settings, today)`` yields problems for one concern.

The loader reports what it could not read; these report what was read but is
wrong. ``CHECKS`` is the tuple :func:`refsite.validate.validate` runs; a check
never changes a record.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from typing import Callable, Iterable, Iterator

from refsite import privacy, vocab
from refsite.load.logline import split_text
from refsite.model import Contact, LogEvent, Partner, Records
from refsite.problems import Problem, Source, error, warning
from refsite.settings import Settings

Check = Callable[[Records, Settings, dt.date], Iterable[Problem]]


def check_dates_not_future(records: Records, settings: Settings, today: dt.date) -> Iterator[Problem]:
    """Log lines and 'since' dated after today are typos (or wishful thinking)."""
    for partner in records.partners:
        if partner.since and partner.since > today:
            yield error(partner.line_of("since"), f"since: {partner.since} is after today ({today})", check="dates")
        if partner.latest_date is None or partner.latest_date <= today:
            continue  # nothing later (asked without decoding the log of a partner read from the cache)
        for event in partner.events:
            if event.date > today:
                yield error(event.source, f"{event.date} is after today ({today}): log what happened, not what is planned", check="dates")


def check_authors(records: Records, settings: Settings, today: dt.date) -> Iterator[Problem]:
    """Every @author is on the team (when the settings list a team)."""
    for partner in records.partners:
        yield from partner_authors(partner, settings)


def partner_authors(partner: Partner, settings: Settings) -> Iterator[Problem]:
    """:func:`check_authors` for one partner."""
    team = settings.member_ids
    if not team:
        return
    for event in partner.events:
        if event.author and event.author not in team:
            hint = vocab.did_you_mean(event.author, sorted(team)) or f" (team: {', '.join(sorted(team))})"
            yield error(event.source, f"@{event.author} is not on the team{hint}", check="team")


def check_contacts_named(records: Records, settings: Settings, today: dt.date) -> Iterator[Problem]:
    """A name after 'with' should be one of the partner's contacts."""
    for partner in records.partners:
        yield from partner_contacts_named(partner, settings)


def partner_contacts_named(partner: Partner, settings: Settings) -> Iterator[Problem]:
    """:func:`check_contacts_named` for one partner."""
    listed: dict[str, bool] = {}  # the same few names recur on many lines
    keys: set[str] | None = None  # what names a contact (Contact.matches), for all of them at once
    for event in partner.events:
        for name in event.with_:
            found = listed.get(name)
            if found is None:
                if keys is None:
                    keys = {key for contact in partner.contacts for key in contact.match_keys()}
                found = listed[name] = Contact.wanted(name) in keys
            if not found:
                known = ", ".join(c.name for c in partner.contacts) or "none listed"
                yield warning(event.source, f"'{name}' is not among {partner.id}'s contacts ({known}): add them under contacts:", check="contacts")


def check_introduced_by(records: Records, settings: Settings, today: dt.date) -> Iterator[Problem]:
    """introduced_by names another existing partner."""
    for partner in records.partners:
        ref = partner.introduced_by
        if ref is None:
            continue
        if ref == partner.id:
            yield error(partner.line_of("introduced_by"), "introduced_by: a partner cannot introduce itself", check="network")
        elif records.get(ref) is None and ref not in records.unreadable:
            hint = vocab.did_you_mean(ref, [p.id for p in records.partners])
            yield error(partner.line_of("introduced_by"), f"introduced_by: no partner '{ref}' (no file {ref}.md){hint}", check="network")


def check_referrals(records: Records, settings: Settings, today: dt.date) -> Iterator[Problem]:
    """Referral lines tell one consistent story per id, and ids are unique across partners."""
    yield from check_referral_ids_unique(records, settings, today)
    for partner in records.partners:
        yield from partner_referrals(partner, settings)


def check_referral_ids_unique(records: Records, settings: Settings, today: dt.date) -> Iterator[Problem]:
    """The part of :func:`check_referrals` across partners: a referral id is in one partner's log only."""
    first_seen: dict[str, str] = {}
    for partner in records.partners:
        for index, ref in enumerate(partner.referral_ids):  # the ids alone: a cached partner's log stays packed
            owner = first_seen.setdefault(ref, partner.id)
            if owner != partner.id:
                referral = partner.referrals[index]
                yield error(referral.events[0].source, f"referral {referral.id} is also in {owner}'s log: referral ids are unique across partners", check="referrals")


def partner_referrals(partner: Partner, settings: Settings) -> Iterator[Problem]:
    """The part of :func:`check_referrals` within one partner's log."""
    for referral in partner.referrals:
        first = referral.events[0]
        if first.service is None and referral.id not in partner.broken_refs:
            yield error(
                first.source,
                f"a status line for referral {referral.id}, which was never received: its first line needs service: (e.g. service:knee)", check="referrals"
            )
        kinds = {e.kind for e in referral.events}
        if len(kinds) > 1:
            yield error(referral.events[1].source, f"referral {referral.id} appears as both referral-in and referral-out", check="referrals")
        services = {e.service for e in referral.events if e.service}
        if len(services) > 1:
            later = next(e for e in referral.events[1:] if e.service and e.service != first.service)
            yield error(later.source, f"referral {referral.id} has two service lines ({', '.join(sorted(services))})", check="referrals")
        statuses = {s for s, _ in referral.status_dates}
        if "declined" in statuses and statuses & {"converted", "discharged"}:
            late = [e for e in referral.events if e.status in ("declined", "converted", "discharged")][-1]
            yield error(late.source, f"referral {referral.id} is both declined and converted/discharged", check="referrals")
    received = None
    for event in partner.events:
        if event.kind in ("thanks", "update") and event.ref:
            if received is None:
                received = {r.id for r in partner.referrals} | partner.broken_refs
            if event.ref not in received:
                yield error(event.source, f"{event.kind} for referral {event.ref}, which is not in {partner.id}'s log", check="referrals")


def check_stage_history(records: Records, settings: Settings, today: dt.date) -> Iterator[Problem]:
    """The last 'stage' line of the log agrees with the front matter's stage."""
    for partner in records.partners:
        yield from partner_stage_history(partner, settings)


def partner_stage_history(partner: Partner, settings: Settings) -> Iterator[Problem]:
    """:func:`check_stage_history` for one partner."""
    stages = [e for e in partner.events if e.kind == "stage"]
    if stages:
        last = max(stages, key=lambda e: (e.date, e.line))
        if last.stage != partner.stage:
            yield warning(
                partner.line_of("stage"),
                f"stage: {partner.stage}, but the log's last stage line ({last.line}) says {last.stage}", check="stage"
            )


def check_duplicate_names(records: Records, settings: Settings, today: dt.date) -> Iterator[Problem]:
    """Two partner files with the same name: probably one partner written twice."""
    first: dict[str, str] = {}
    for partner in records.partners:
        key = " ".join(partner.name.casefold().split())
        other = first.setdefault(key, partner.id)
        if other != partner.id:
            yield warning(partner.line_of("name"), f"name: '{partner.name}' is also the name of {other} ({other}.md): "
                          "one partner in two files? merge them, or tell them apart in the name", check="duplicates")
def privacy_allowed(partner: Partner, settings: Settings) -> privacy.Allowed:
    """What a partner's text may mention: its own phone, email, website and location, its contacts, the team."""
    contacts = partner.contacts
    return privacy.Allowed.build(
        phones=[partner.phone, *(c.phone for c in contacts)],
        emails=[partner.email, *(c.email for c in contacts)],
        names=[partner.name, partner.organisation, *(c.name for c in contacts), *(m.name for m in settings.team)],
        addresses=[partner.location],
        websites=[partner.website],
        region=settings.privacy_region,
    )


def privacy_texts(partner: Partner) -> Iterator[tuple[Source, str]]:
    """Every free text of a partner with its source, reviewed lines (the not-patient marker, privacy:ok) left out."""
    path = partner.source.path
    texts, lines, _in_log = _privacy_texts(partner)
    for text, line in zip(texts, lines):
        yield Source(path, line), text


def _privacy_texts(partner: Partner) -> tuple[list[str], list[int], int]:
    """The free texts :func:`privacy_texts` yields, their lines, and the index of the first log line's text
    (the texts from there on are the log's)."""
    texts: list[str] = []
    lines: list[int] = []
    reviewed = privacy.reviewed
    if partner.notes:
        notes_lines = partner.notes_lines
        for i, line in enumerate(partner.notes.split("\n")):
            if line.strip() and not reviewed(line):
                texts.append(line)
                lines.append(notes_lines[i] if i < len(notes_lines) else partner.source.line)
    key_lines = partner.key_lines
    for i, contact in enumerate(partner.contacts):
        if contact.notes and not reviewed(contact.notes):
            texts.append(contact.notes)
            lines.append(key_lines.get(f"contacts[{i}].notes", contact.source.line))
    for key in ("value_ideas", "interests"):
        for i, item in enumerate(getattr(partner, key)):
            if not reviewed(item):
                texts.append(item)
                lines.append(key_lines.get(f"{key}[{i}]", key_lines.get(key, 1)))
    for key in ("agreement", "financial"):
        text = getattr(partner, key)
        if text and not reviewed(text):
            texts.append(text)
            lines.append(key_lines.get(key, 1))
    in_log = len(texts)
    marker = privacy.LOG_ATTRIBUTE
    for event in partner.events:
        if event.text and not (marker in event.raw and privacy.log_reviewed(split_text(event.raw)[0])):
            texts.append(event.text)
            lines.append(event.line)
    return texts, lines, in_log


def check_privacy(records: Records, settings: Settings, today: dt.date) -> Iterator[Problem]:
    """Free text that looks like a patient identifier (docs/privacy.md): a warning, an error with privacy: error."""
    if settings.privacy == "off":
        return
    for partner in records.partners:
        yield from partner_privacy(partner, settings)


def partner_privacy(partner: Partner, settings: Settings) -> Iterable[Problem]:
    """:func:`check_privacy` for one partner.

    The cue (a digit, an '@', a name cue: :func:`refsite.privacy.has_cue`) is searched once over
    the partner's texts joined by newlines, and each text is then looked at only from a hit on:
    most texts hold no cue, and most of the cost was one search per text. What the partner may
    mention is built only when a candidate must be checked against it.
    """
    if settings.privacy == "off":
        return []
    texts, lines, in_log = _privacy_texts(partner)
    if not texts:
        return []
    joined = "\n".join(texts)
    cue = privacy.first_cue(joined, 0)
    if cue < 0:
        return []
    report = error if settings.privacy == "error" else warning
    problems: list[Problem] = []
    built: list[privacy.Allowed] = []

    def allowed() -> privacy.Allowed:  # built once, and only when a candidate must be checked against it
        if not built:
            built.append(privacy_allowed(partner, settings))
        return built[0]

    starts = list(itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
    path = partner.source.path
    while cue >= 0:
        index = bisect.bisect_right(starts, cue) - 1  # the text the cue is in
        text = texts[index]
        findings = privacy.find(text, allowed)
        if findings:
            source = Source(path, lines[index])
            silencer = privacy.LOG_ATTRIBUTE if index >= in_log else f"a trailing {privacy.MARKER}"
            for finding in findings:
                problems.append(report(source, f"{finding.message}; if it is not about a patient, mark the line with {silencer}",
                                       check="privacy"))
        if index + 1 >= len(texts):
            break
        cue = privacy.first_cue(joined, starts[index + 1])
    return problems


def line_privacy_problems(partner: Partner, event: LogEvent, settings: Settings, override: str) -> list[Problem]:
    """Errors for a log line about to be written whose text or referral id looks like a patient identifier.

    For the commands that write lines (refsite log, the importer): such a line is refused, whatever
    the privacy setting (but off), unless it carries privacy:ok. ``override`` says how to pass it
    anyway (e.g. "run again with --not-patient"). The referral id is checked too: an export's
    "case id" column may hold the patient's Medicare or record number.
    """
    if settings.privacy == "off" or not (event.text or event.ref) or privacy.log_reviewed(split_text(event.raw)[0]):
        return []
    allowed = privacy_allowed(partner, settings)
    found = [f"the referral id {KINDS_OF_ID.get(f.kind, privacy.KINDS[f.kind])}: refsite needs the system's referral, "
             "case or episode id, never the patient's" for f in privacy.find(event.ref or "", allowed)]
    found += [finding.message for finding in privacy.find(event.text, allowed)]
    return [
        error(event.source, f"{message}; nothing written: if it is not about a patient, {override} "
              f"(writes {privacy.LOG_ATTRIBUTE})", check="privacy")
        for message in found
    ]


# A referral id is one token: what it may look like, said of an id.
KINDS_OF_ID = {"phone": "looks like a phone number", "email": "looks like an email address"}


CHECKS: tuple[Check, ...] = (
    check_dates_not_future,
    check_authors,
    check_contacts_named,
    check_introduced_by,
    check_referrals,
    check_stage_history,
    check_duplicate_names,
    check_privacy,
)

PartnerCheck = Callable[[Partner, Settings], Iterable[Problem]]

# The checks of CHECKS whose problems are a partner's own: a function of the partner and the
# settings alone (not of today, not of the other partners), found when the partner is read and
# cached with it (partner_problems, refsite.load.cache). Each check of CHECKS named here is its
# partner part plus, where there is one, the part across partners (ACROSS).
OWN: dict[Check, PartnerCheck] = {
    check_authors: partner_authors,
    check_contacts_named: partner_contacts_named,
    check_referrals: partner_referrals,
    check_stage_history: partner_stage_history,
    check_privacy: partner_privacy,
}
ACROSS: dict[Check, Check] = {check_referrals: check_referral_ids_unique}


def partner_problems(partner: Partner, settings: Settings) -> tuple[Problem, ...]:
    """A partner's own problems: every check of :data:`OWN`, in the order of :data:`CHECKS`.

    Computes the partner's referrals on the way (Partner.referrals), so that a cached partner
    carries them too.
    """
    problems: list[Problem] = []
    for check in OWN.values():
        problems.extend(check(partner, settings))
    return tuple(problems)
