"""Message drafts for due items: a thank-you, a patient update, a meeting or introduction request, a check-in.

``draft(item, partner, settings, templates=None) -> Draft``: the message for one due item, in the
contact's channel, rendered from a Jinja template in ``site_templates/messages/`` (a practice's own
folder first, then refsite's). A pure function of its arguments but for reading the template
files. A patient update names the referral id and its status only, never anything about the
patient: the templates receive nothing else about a referral.

:func:`mailto_url` and :func:`sms_url` turn a draft into a link that opens the mail or messaging
app with the subject and body filled in (for the site).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2

from refsite.due import DueItem
from refsite.due.reach import last_met, reach
from refsite.model import Partner
from refsite.settings import Settings
from refsite.words import short_date
from refsite.workspace import MESSAGES_FOLDER as MESSAGES
from refsite.workspace import default_templates_dir

# Which template a due item gets: by rule, and for the playbooks by the step the item asks for.
TEMPLATES = {
    "thanks": "thanks",
    "update": "update",
    "promote": "thanks",
    "reactivate": "reactivation",
    "introduction": "introduction-request",
    "meeting": "meeting-request",
    "cadence": "check-in",
    "at-risk": "check-in",
}
DRAFTABLE = frozenset(TEMPLATES) | {"nurture", "prospect"}
_TITLES = ("Dr.", "Dr", "Prof.", "Prof", "A/Prof")


class NoDraft(LookupError):
    """The item's rule has no message (the gift cap and single contact are notes for the team)."""


@dataclass(frozen=True)
class Draft:
    """A message ready to send: the channel, whom to (an address, else a name), subject and body."""

    channel: str | None
    to: str | None
    subject: str
    body: str
    rule: str
    partner_id: str
    template: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"


def template_name(item: DueItem) -> str:
    """The template (without '.txt') for ``item``; raises :class:`NoDraft` for rules with no message."""
    if item.rule in TEMPLATES:
        return TEMPLATES[item.rule]
    if item.rule in ("nurture", "prospect"):
        # A value step carries its idea (or none yet); an ask has no idea and no value to give.
        return "meeting-request" if item.step == "ask-meeting" else "check-in"
    raise NoDraft(item.rule)


def greeting_name(name: str | None) -> str:
    """'Dr. Park' for 'Dr. Helen Park', 'Jordan' for 'Jordan Lee', 'there' for nobody."""
    if not name:
        return "there"
    words = name.split()
    if words[0] in _TITLES and len(words) > 1:
        return f"{words[0]} {words[-1]}"
    return words[0]


@functools.lru_cache(maxsize=8)  # one per templates folder: the site drafts every due item (compiled once, not per item)
def _environment(templates: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None and (templates / MESSAGES).is_dir():
        loaders.append(jinja2.FileSystemLoader(str(templates / MESSAGES)))
    loaders.append(jinja2.FileSystemLoader(str(default_messages_dir())))
    return jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=False, keep_trailing_newline=False,
                              undefined=jinja2.StrictUndefined, trim_blocks=True)


def default_messages_dir() -> Path:
    """refsite's own message templates: ``site_templates/messages/`` of refsite's defaults."""
    return default_templates_dir() / MESSAGES


def draft(item: DueItem, partner: Partner, settings: Settings, templates: Path | None = None,
          introducer: Partner | None = None) -> Draft:
    """The message for ``item`` (one of ``partner``'s due items); ``templates``: a practice's site_templates/.

    An introduction request goes to ``introducer`` (one of ``item.introducers``; default: the first),
    by its contact's channel; every other draft to the item's own contact.
    """
    name = template_name(item)
    to_name, channel, address = item.contact, item.channel, item.address
    if item.rule == "introduction" and introducer is not None:
        events = sorted(introducer.events, key=lambda e: (e.date, e.source.line))
        how = reach(introducer, last_met(introducer, events))
        to_name, channel, address = how.name, how.channel, how.address
    received = None
    if item.ref:
        referral = next((r for r in partner.referrals if r.id == item.ref), None)
        # The one date wording (refsite.words): '6 Nov', with the year when not this year ('today' is the item's).
        today = item.due_date + dt.timedelta(days=item.days_overdue)
        received = short_date(referral.received, today) if referral else None
    sender = settings.member_name(partner.owner) if partner.owner else None
    practice = settings.practice
    context = {
        "hello": f"Hi {greeting_name(to_name)},",
        "partner": partner.name,
        "prospect": partner.stage == "prospect",
        "referred": any(r.direction == "in" for r in partner.referrals),
        "contact": item.contact,
        "ref": item.ref,
        "ref_status": item.ref_status,
        "received": received,
        "idea": _idea_text(item.value_idea),
        "introduce": item.introduce or partner.name,
        "introduce_at": partner.name if item.introduce and item.introduce != partner.name else None,
        "practice": practice,
        "sender": sender,
        "signature": f"{sender}\n{practice}" if sender else practice,
    }
    text = _environment(templates).get_template(f"{name}.txt").render(context).strip("\n")
    first, _, rest = text.partition("\n")
    subject = first[len("Subject:"):].strip() if first.startswith("Subject:") else ""
    body = (rest if subject or first.startswith("Subject:") else text).strip("\n") + "\n"
    fallback = (introducer.name if introducer is not None and item.rule == "introduction" else partner.name)
    return Draft(channel, address or to_name or fallback, subject, body, item.rule, partner.id, name)


def _idea_text(idea: str | None) -> str | None:
    """The thing an idea gives, for 'We would love to offer you ...': 'Share the ACL protocol' -> 'the ACL
    protocol'. Ideas that are not a thing to give ('Invite their nurses', 'ask Anh to stock ...') are notes
    for the team, not words for the partner: None."""
    if not idea:
        return None
    first, _, rest = idea.partition(" ")
    if first.lower() in ("share", "send", "bring", "give", "offer") and rest:
        return rest
    return None


def mailto_url(d: Draft) -> str:
    """'mailto:to?subject=...&body=...' (percent-encoded); an empty address when the draft has no email."""
    to = d.to if d.channel == "email" and d.to and "@" in d.to else ""
    return f"mailto:{quote(to, safe='@')}?subject={quote(d.subject)}&body={quote(d.body)}"


def sms_url(d: Draft) -> str:
    """'sms:+61255550000?body=...' for a draft by text (or phone), the number's digits and '+' only."""
    number = "".join(c for c in (d.to or "") if c.isdigit() or c == "+") if d.channel in ("text", "phone") else ""
    return f"sms:{number}?body={quote(d.body)}"
