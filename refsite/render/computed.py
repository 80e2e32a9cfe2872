"""The computed model: everything computed once for all pages (due items, metrics facts, links).

``build_model(records, settings, today)`` runs the due engine and the metrics once; the page
builders, charts and downloads read the :class:`Model`. Links between pages are relative
``.html`` paths from the site root (templates prefix the page's ``root``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from refsite import drafts
from refsite.due import DueItem, due
from refsite.metrics import FactsMemo, PartnerFacts, partner_facts
from refsite.model import Partner, Records
from refsite.render.contexts import DraftView, DueRow, Link, PartnerRow, SiteInfo, TeamMember
from refsite.render.formatting import fmt_date, label, relative_days, slugify, tel_url
from refsite.settings import Settings


def partner_url(partner_id: str) -> str:
    return f"partners/{partner_id}.html"


def list_url(facet: str, value: str) -> str:
    return f"lists/{facet}/{slugify(value) if facet == 'tag' else value}.html"


@dataclass(frozen=True)
class Model:
    """Everything computed once for all pages."""

    records: Records
    settings: Settings
    today: dt.date
    site: SiteInfo
    items: tuple[DueItem, ...]
    by_partner: Mapping[str, tuple[DueItem, ...]]
    introduced: Mapping[str, tuple[str, ...]]
    facts: tuple[PartnerFacts, ...]  # refsite.metrics' view of every partner, in id order
    tag_slugs: Mapping[str, str] = field(default_factory=dict)
    templates: Path | None = None  # the repository's site_templates/ (its messages/ override the drafts')
    memo: FactsMemo | None = field(default=None, repr=False, compare=False)  # facts kept between runs (serve)
    # item -> (its partner, its introducer, its message): reused while both are the very same records (serve)
    _drafts: dict[DueItem, tuple[Partner | None, Partner | None, DraftView | None]] = field(
        default_factory=dict, repr=False, compare=False)
    _facts_by_id: Mapping[str, PartnerFacts] = field(init=False, repr=False, compare=False)

    def facts_of(self, partner_ids: Iterable[str]) -> list[PartnerFacts]:
        return [self._facts_by_id[i] for i in partner_ids if i in self._facts_by_id]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_facts_by_id", {f.id: f for f in self.facts})

    def owner_name(self, owner: str | None) -> str:
        return self.settings.member_name(owner) if owner else "Unassigned"

    def owner_url(self, owner: str | None) -> str | None:
        return list_url("owner", owner) if owner else None

    def link(self, partner_id: str) -> Link:
        partner = self.records.get(partner_id)
        return Link(partner.name if partner else partner_id, partner_url(partner_id))

    def due_row(self, item: DueItem) -> DueRow:
        return DueRow(
            partner=Link(item.partner_name, partner_url(item.partner_id)),
            owner=item.owner,
            owner_name=self.owner_name(item.owner),
            rule=item.rule,
            rule_label=RULE_LABELS.get(item.rule, label(item.rule)),
            due_date=item.due_date,
            days_overdue=item.days_overdue,
            status=item.status,
            when=relative_days(item.days_overdue),
            reason=item.reason,
            action=item.action,
            ref=item.ref,
            introducers=tuple(self.link(p) for p in item.introducers if self.records.get(p) is not None),
            draft=self.draft(item),
        )

    def draft(self, item: DueItem) -> DraftView | None:
        """The item's message (refsite.drafts), computed once per item; None for a notice with no message."""
        partner = self.records.get(item.partner_id)
        introducer = _introducer(self, item)
        kept = self._drafts.get(item)
        if kept is not None and kept[0] is partner and kept[1] is introducer:
            return kept[2]
        view = _draft_view(self, item)
        self._drafts[item] = (partner, introducer, view)
        return view


def _introducer(model: Model, item: DueItem) -> Partner | None:
    return next((p for p in (model.records.get(i) for i in item.introducers) if p is not None), None)


def _draft_view(model: Model, item: DueItem) -> DraftView | None:
    partner = model.records.get(item.partner_id)
    if partner is None:
        return None
    introducer = _introducer(model, item)
    try:
        d = drafts.draft(item, partner, model.settings, model.templates, introducer)
    except drafts.NoDraft:
        return None
    by_text = d.channel == "text"
    paragraphs = [p.strip() for p in d.body.strip().split("\n\n") if p.strip()]
    points = tuple(" ".join(p.split()) for p in paragraphs[1:-1]) or tuple(" ".join(p.split()) for p in paragraphs)
    introducer_asked = item.rule == "introduction" and introducer is not None
    to_partner = introducer.name if introducer_asked and introducer is not None else partner.name
    name = (d.to if introducer_asked and d.to and "@" not in d.to and not tel_url(d.to) else None) or (
        None if introducer_asked else item.contact) or to_partner
    address = d.to if d.to and ("@" in d.to or tel_url(d.to)) else None
    heading = [fmt_date(model.today), "", name if name == to_partner else f"{name}, {to_partner}"]
    if d.channel == "fax" and address:
        heading.append(f"By fax: {address}")
    letter = "\n".join([*heading, "", *([f"Re: {d.subject}", ""] if d.subject else []), d.body.strip()]) + "\n"
    return DraftView(
        channel=d.channel, name=name, to=address, subject=d.subject, body=d.body,
        href=drafts.sms_url(d) if by_text else drafts.mailto_url(d),
        href_label="Open in messages" if by_text else "Open in email",
        call=tel_url(address) if d.channel == "phone" and address else None,
        points=points, letter=letter,
    )


RULE_LABELS = {
    "thanks": "Thank",
    "update": "Update",
    "at-risk": "At risk",
    "cadence": "Check in",
    "meeting": "Meet",
    "nurture": "Nurture",
    "prospect": "Prospect",
    "introduction": "Introduction",
    "gift-cap": "Gift cap",
    "single-contact": "One contact",
}


def build_model(records: Records, settings: Settings, today: dt.date, templates: Path | None = None,
                memo: FactsMemo | None = None, items: Sequence[DueItem] | None = None,
                drafts: dict[DueItem, tuple[Partner | None, Partner | None, DraftView | None]] | None = None) -> Model:
    """``templates``: the repository's own site_templates/ (for the message drafts' overrides).

    The incremental preview passes ``memo`` (the facts of unchanged partners are reused) and
    ``items`` (every due item, as ``refsite.due.due`` sorts them, the unchanged partners' kept) and
    ``drafts`` (the messages made by an earlier model, reused for the same item, partner and introducer)."""
    items = tuple(due(records, settings, today)) if items is None else tuple(items)
    by_partner: dict[str, list[DueItem]] = {}
    for item in items:
        by_partner.setdefault(item.partner_id, []).append(item)
    introduced: dict[str, list[str]] = {}
    for partner in records.partners:
        if partner.introduced_by and records.get(partner.introduced_by) is not None:
            introduced.setdefault(partner.introduced_by, []).append(partner.id)
    team = tuple(
        TeamMember(m.id, m.name, list_url("owner", m.id), sum(1 for p in records.partners if p.owner == m.id))
        for m in settings.team
    )
    site = SiteInfo(practice=settings.practice, today=today, currency=settings.currency, team=team,
                    partners=len(records.partners))
    slugs: dict[str, str] = {}
    for partner in records.partners:
        for tag in partner.tags:
            slugs.setdefault(tag, slugify(tag))
    return Model(
        records=records,
        settings=settings,
        today=today,
        site=site,
        items=items,
        by_partner={k: tuple(v) for k, v in by_partner.items()},
        introduced={k: tuple(sorted(v)) for k, v in introduced.items()},
        facts=tuple((memo.facts if memo is not None else partner_facts)(p, settings, today) for p in records.partners),
        tag_slugs=slugs,
        templates=templates,
        memo=memo,
        _drafts={} if drafts is None else drafts,
    )


def last_contact(partner: Partner, today: dt.date) -> dt.date | None:
    return partner.last_contact(today)


def partner_row(model: Model, partner: Partner) -> PartnerRow:
    today = model.today
    items = model.by_partner.get(partner.id, ())
    return PartnerRow(
        id=partner.id,
        name=partner.name,
        url=partner_url(partner.id),
        organisation=partner.organisation,
        category=partner.category,
        stage=partner.stage,
        tier=partner.tier,
        owner=partner.owner,
        owner_name=model.owner_name(partner.owner),
        location=partner.location,
        tags=partner.tags,
        last_contact=last_contact(partner, today),
        referrals_year=partner.referrals_received(today - dt.timedelta(days=364), today),
        next=model.due_row(items[0]) if items else None,
    )
