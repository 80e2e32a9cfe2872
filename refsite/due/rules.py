"""The rules: thanks, updates, cadence, the key-partner meeting, at risk, single contact and the gift cap.

No I/O, no clock. :func:`due` and :func:`partner_due` run every rule that the partner's stage
calls for (the playbooks live in :mod:`refsite.due.playbooks`).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from decimal import Decimal
from typing import Iterator

from refsite.due.context import Context, Finding, Run, days_phrase, finish, label
from refsite.due.items import AT_RISK_TRAILING_WINDOWS, CONTACT, CONVERSATION, IN_PERSON, UPDATE_STATUSES, DueItem
from refsite.due.network import Network
from refsite.due.playbooks import nurture, prospect, stage_start
from refsite.due.reach import PATIENT
from refsite.model import LogEvent, Partner, Records, Referral
from refsite.problems import Source
from refsite.settings import Settings
from refsite.vocab import Status
from refsite.words import money, plural


def due(records: Records, settings: Settings, today: dt.date) -> list[DueItem]:
    """Every due item for every partner, sorted by urgency. See the module docstring."""
    network = Network(records)
    run = Run(settings, today)
    items: list[DueItem] = []
    for partner in records.partners:
        items.extend(partner_items(partner, settings, today, network, run))
    items.sort(key=DueItem.sort_key)
    return items



def partner_due(partner: Partner, settings: Settings, today: dt.date, records: Records | None = None) -> list[DueItem]:
    """The items of one partner, sorted by urgency. ``records`` (to suggest introducers) default to the partner alone."""
    items = partner_items(partner, settings, today, Network(records or Records((partner,))))
    return sorted(items, key=DueItem.sort_key)


def partner_items(partner: Partner, settings: Settings, today: dt.date, network: Network,
                  run: Run | None = None) -> list[DueItem]:
    """One partner's items, unsorted: what its rules make of it, the settings, today and what they ask ``network``."""
    ctx = Context(partner, settings, today, run)
    if partner.stage == "former":
        return [finish(ctx, f) for f in _former(ctx)]
    drafts: list[Finding] = []
    drafts += _thanks(ctx)
    drafts += _updates(ctx)
    if partner.stage == "active":
        drafts += _cadence(ctx)
        drafts += _meeting(ctx)
    elif partner.stage == "nurture":
        drafts += nurture(ctx)
    elif partner.stage == "prospect":
        promoted = list(_promote(ctx))
        drafts += promoted or prospect(ctx, network)
    if partner.stage in ("active", "nurture"):
        drafts += _at_risk(ctx)
    next_contact = min((d.due_date for d in drafts if d.rule in _CONTACT_RULES), default=today)
    drafts += _gift_cap(ctx, next_contact)
    if partner.stage in ("active", "nurture"):
        drafts += _single_contact(ctx, next_contact, network)
    return [finish(ctx, d) for d in drafts]


def _referrals_in(ctx: Context, since: dt.date | None = None) -> list[Referral]:
    """Referrals they sent us, received up to today (and on or after ``since``): do not change the list."""
    found = ctx.referrals_in()
    return found if since is None else [r for r in found if r.received >= since]


def _former(ctx: Context) -> Iterator[Finding]:
    """A former partner is due nothing, unless it refers again after its last 'stage former' line."""
    lines = [e for e in ctx.events if e.kind == "stage" and e.stage == "former"]
    if not lines:
        return
    left = lines[-1].date
    back = [r for r in _referrals_in(ctx) if r.received > left]
    if not back:
        return
    yield from _thanks(ctx, back)
    yield from _updates(ctx, {r.id for r in back})
    first = back[0]
    reach = ctx.reach(first.events[0].with_)
    reason = (f"Referring again: referral {first.id} received {ctx.day(first.received)} ({ctx.ago(first.received)}), "
              f"after they became a former partner on {ctx.day(left)}")
    action = reach.text + ": thank them, catch up, and move them back to stage active (log 'stage active')"
    yield Finding("reactivate", first.received, reason, action, first.source, ref=first.id, standing=True,
                  reach=reach, ref_status="received", suggest_stage="active")


def _promote(ctx: Context) -> Iterator[Finding]:
    """A prospect who referred since the prospect playbook started has left it: suggest active."""
    start = stage_start(ctx, "prospect")
    referred = _referrals_in(ctx, start)
    if not referred:
        return
    first = referred[0]
    reach = ctx.reach(first.events[0].with_)
    reason = (f"A prospect who refers: referral {first.id} received {ctx.day(first.received)} ({ctx.ago(first.received)}); "
              "the prospect playbook is over")
    action = reach.text + ": thank them, and move them to stage active (log 'stage active')"
    yield Finding("promote", first.received, reason, action, first.source, ref=first.id, standing=True,
                  reach=reach, ref_status="received", suggest_stage="active")


_CONTACT_RULES = frozenset({"cadence", "meeting", "nurture", "prospect", "introduction"})


def _clock(
    ctx: Context, touches: list[LogEvent], interval: int, what: str, touch: str, policy: str
) -> tuple[dt.date, str, Source]:
    """Due date, reason and source for an interval rule whose clock the last counted touch restarts.

    With no touch the clock starts at ``since``; with neither, the item is due today.
    """
    partner, today = ctx.partner, ctx.today
    name = label(interval, what)
    if touches:
        last = touches[-1]
        return (last.date + dt.timedelta(days=interval),
                f"{name}: last {touch} {ctx.day(last.date)} ({last.kind}), {ctx.ago(last.date)}; {policy}", last.source)
    if partner.since is not None:
        return (partner.since + dt.timedelta(days=interval),
                f"{name}: no {touch} logged since {ctx.day(partner.since)} ({ctx.ago(partner.since)}); {policy}",
                partner.line_of("since"))
    return today, f"{name}: no {touch} logged yet; {policy}", partner.source


def _cadence(ctx: Context) -> Iterator[Finding]:
    partner = ctx.partner
    interval = partner.cadence if partner.cadence is not None else ctx.settings.cadence(partner.tier)
    if not interval:
        return
    if partner.cadence:
        policy = f"this partner every {interval} days (cadence: {partner.cadence})"
    else:
        policy = f"{partner.tier} partners every {interval} days"
    due_date, reason, source = _clock(ctx, ctx.of(CONTACT), interval, "check-in", "contact", policy)
    reach = ctx.reach()
    idea = ctx.idea(reach.in_person)
    yield Finding("cadence", due_date, reason, reach.text + (idea or " to check in"), source, reach=reach,
                  value_idea=ctx.next_idea(), value_idea_source=ctx.idea_source if idea else None)


def _meeting(ctx: Context) -> Iterator[Finding]:
    partner = ctx.partner
    interval = ctx.settings.key_meeting_days
    if partner.tier != "key" or not interval:
        return
    due_date, reason, source = _clock(ctx, ctx.of(IN_PERSON), interval, "in-person meeting", "meeting",
                                      f"key partners every {interval} days")
    reach = ctx.reach()
    idea = ctx.idea(in_person=True)
    action = reach.text + " to arrange a meeting in person" + idea
    yield Finding("meeting", due_date, reason, action, source, reach=reach,
                  value_idea=ctx.next_idea(), value_idea_source=ctx.idea_source if idea else None)


def _thanks(ctx: Context, only: list[Referral] | None = None) -> Iterator[Finding]:
    """Thanks owed: for every referral received (or those in ``only``), on or after ``owed_from``."""
    referrals = _referrals_in(ctx)
    if not referrals:
        return
    thanked: set[str] = set()
    ids = {r.id for r in referrals}
    for event in ctx.of(frozenset({"thanks"})):
        if event.ref:
            if event.ref in ids:
                thanked.add(event.ref)
        else:
            thanked.update(r.id for r in referrals if r.received <= event.date)
    days = ctx.settings.thanks_days
    owed_from = ctx.settings.owed_from
    wanted = {r.id for r in only} if only is not None else None
    for referral in referrals:
        if referral.id in thanked or (wanted is not None and referral.id not in wanted):
            continue
        if owed_from is not None and referral.received < owed_from:
            continue
        service = f" ({referral.service})" if referral.service else ""
        reason = (f"Thank-you owed: referral {referral.id}{service} received {ctx.day(referral.received)}, "
                  f"{ctx.ago(referral.received)}; thank within {days_phrase(days)}")
        reach = ctx.reach(referral.events[0].with_, PATIENT)
        action = reach.text + f": thank them for referral {referral.id}"
        yield Finding("thanks", referral.received + dt.timedelta(days=days), reason, action, referral.source,
                      ref=referral.id, reach=reach, ref_status="received")


def _status_source(referral: Referral, status: str) -> Source:
    for event in referral.events:
        if event.status == status:
            return event.source
    return referral.source


def _updates(ctx: Context, only: set[str] | None = None) -> Iterator[Finding]:
    partner, today = ctx.partner, ctx.today
    wanted = UPDATE_STATUSES.get(partner.updates, ())
    if not wanted:
        return
    owed_from = ctx.settings.owed_from
    owed: list[tuple[Referral, Status, dt.date]] = []
    for referral in partner.referrals:
        if referral.direction != "in" or referral.consent is not True or (only is not None and referral.id not in only):
            continue
        for status in wanted:
            when = referral.date_of(status)
            if when is not None and when <= today and (owed_from is None or when >= owed_from):
                owed.append((referral, status, when))
    if not owed:
        return
    done: set[tuple[str, str]] = set()
    for event in ctx.of(frozenset({"update"})):
        for referral, status, when in owed:
            if when <= event.date and (event.ref is None or event.ref == referral.id):
                done.add((referral.id, status))
    days = ctx.settings.update_days
    for referral, status, when in owed:
        if (referral.id, status) in done:
            continue
        reason = (f"Patient update owed: referral {referral.id} {status} {ctx.day(when)}, {ctx.ago(when)}; "
                  f"they asked for updates ({partner.updates}) and consent is recorded; update within {days_phrase(days)}")
        reach = ctx.reach(referral.events[0].with_, PATIENT)
        action = reach.text + f": update them on referral {referral.id} ({status})"
        yield Finding("update", when + dt.timedelta(days=days), reason, action, _status_source(referral, status),
                      ref=referral.id, reach=reach, ref_status=status)


def _at_risk(ctx: Context) -> Iterator[Finding]:
    settings, today = ctx.settings, ctx.today
    factor = settings.at_risk_factor
    minimum = settings.at_risk_min_referrals
    referrals = ctx.referrals_in()
    if not factor or len(referrals) < max(minimum, 2):
        return
    dates = [r.received for r in referrals]
    usual = statistics.median((b - a).days for a, b in zip(dates, dates[1:]))
    # A rhythm first: enough referrals, over a long enough span, at a usual interval long enough to judge.
    if (dates[-1] - dates[0]).days < settings.at_risk_min_span_days or usual < settings.at_risk_min_interval_days:
        return
    threshold = max(1, math.ceil(factor * usual))
    last = referrals[-1]
    quiet_due = last.received + dt.timedelta(days=threshold)
    reach = ctx.reach()
    action = reach.text + ": ask how things are going and whether anything has changed for them"
    if quiet_due <= today:
        # Quiet: a conversation after the partner went quiet restarts the clock.
        talks = [e for e in ctx.of(CONVERSATION) if e.date >= quiet_due]
        due_date = talks[-1].date + dt.timedelta(days=threshold) if talks else quiet_due
        if due_date <= today:
            quiet = (today - last.received).days
            reason = (f"At risk: no referral for {quiet} days (last {last.id} on {ctx.day(last.received)}); they usually "
                      f"refer every {_usual(usual)} ({_gaps(len(referrals) - 1)})")
            if talks:
                reason += f"; last spoke {ctx.day(talks[-1].date)} ({talks[-1].kind})"
            yield Finding("at-risk", due_date, reason, action, last.source, reach=reach)
        return
    window = settings.at_risk_window_days
    if not window:
        return
    recent_from = today - dt.timedelta(days=window)
    trailing_from = recent_from - dt.timedelta(days=window * AT_RISK_TRAILING_WINDOWS)
    recent = sum(1 for d in dates if d > recent_from)
    trailing = sum(1 for d in dates if trailing_from < d <= recent_from)
    average = trailing / AT_RISK_TRAILING_WINDOWS
    if trailing >= minimum and average >= settings.at_risk_drop_min_average and recent < settings.at_risk_drop * average:
        reason = (f"At risk: {plural(recent, 'referral')} in the last {window} days, against {average:g} per "
                  f"{window} days over the {window * AT_RISK_TRAILING_WINDOWS} days before")
        yield Finding("at-risk", today, reason, action, last.source, standing=True, reach=reach)


def _gaps(n: int) -> str:
    """'median of 18 gaps between referrals': what the usual interval was taken from."""
    return "the gap between their two referrals" if n == 1 else f"median of {n} gaps between referrals"


def _usual(days: float) -> str:
    return f"{days:g} days" if days != 1 else "day"


def _single_contact(ctx: Context, next_contact: dt.date, network: Network) -> Iterator[Finding]:
    partner = ctx.partner
    if partner.solo or len(partner.contacts) != 1:
        return
    if network.people_at(partner) > 1:  # partner files that share the organisation count together
        return
    only = partner.contacts[0]
    where = partner.organisation or partner.name
    when = "Next time you are in touch" if next_contact <= ctx.today else f"At the next contact ({ctx.day(next_contact)})"
    reason = f"Single contact: {only.name} ({only.role}) is the only person we know at {where}"
    action = (f"{when}, ask {only.name} to introduce a colleague and add them under contacts: "
              f"(or set solo: true if they work alone)")
    yield Finding("single-contact", next_contact, reason, action, partner.line_of("contacts"), standing=True,
                  reach=ctx.reach([only.name]))


def _gift_cap(ctx: Context, next_contact: dt.date) -> Iterator[Finding]:
    settings, partner, today = ctx.settings, ctx.partner, ctx.today
    cap = Decimal(str(settings.gift_cap))
    if cap <= 0:
        return
    warn_at = cap * Decimal(str(settings.gift_cap_warn))
    total = Decimal(0)
    crossed: LogEvent | None = None
    for event in ctx.events:
        if event.cost is None or event.date.year != today.year:
            continue
        before, total = total, total + event.cost
        if crossed is None and total >= warn_at > before:
            crossed = event
        if total >= cap > before:
            crossed = event
    if total <= 0 or total < warn_at:
        return
    if crossed is None:  # gift_cap_warn is 0: warn from the first cost
        crossed = next(e for e in ctx.events if e.cost and e.date.year == today.year)
    currency = settings.currency
    year = today.year
    spent, cap_text = money(total, currency), money(cap, currency)
    if total >= cap:
        over = f"over the {cap_text} cap by {money(total - cap, currency)}" if total > cap else f"the whole {cap_text} cap"
        reason = f"Gift cap passed: {spent} of gifts and hospitality for {partner.name} in {year}, {over}"
        action = f"No more gifts or hospitality for {partner.name} until {year + 1}; note why under financial: if it was justified"
        yield Finding("gift-cap", today, reason, action, crossed.source, standing=True)
        return
    share = int(total * 100 / cap)
    reason = f"Gift cap: {spent} of the {cap_text} yearly cap spent on {partner.name} in {year} ({share}%)"
    action = f"Keep gifts and hospitality for {partner.name} under {money(cap - total, currency)} for the rest of {year}"
    yield Finding("gift-cap", next_contact, reason, action, crossed.source, standing=True)


