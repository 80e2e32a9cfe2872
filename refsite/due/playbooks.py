"""The playbooks: rounds of value then an ask, for nurture partners and for prospects (with introductions).

No I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator, Sequence

from refsite.due.context import Context, Finding
from refsite.due.items import ENGAGED, INTRO, MEETING_ASK, MET, PROSPECT_TOUCH, VALUE
from refsite.due.network import Network
from refsite.model import LogEvent
from refsite.problems import Source


@dataclass(frozen=True)
class _Round:
    """Where a partner is in a playbook round: value touches given so far and the last step."""

    number: int  # 1-based round
    values: int  # value touches in this round
    last: LogEvent | None  # the last step (value touch or ask); None: nothing yet this playbook
    start: dt.date | None  # when the round started (the playbook's start, or the last ask)


def _rounds(events: Sequence[LogEvent], start: dt.date | None, needed: int, ask: frozenset[str],
            touch: frozenset[str] = VALUE) -> _Round:
    """Walk a playbook: ``needed`` value touches, then an ask (a kind in ``ask``) starts the next round.

    A meeting (in person or by video, a coffee, a lunch) reaches the round's goal early: it starts the
    next round whatever the count.
    """
    number, values, last, round_start = 1, 0, None, start
    for event in events:
        if start is not None and event.date < start:
            continue
        if values < needed and event.kind not in MET:
            if event.kind in touch:
                values += 1
                last = event
        elif event.kind in ask:
            number, values, last, round_start = number + 1, 0, event, event.date
    return _Round(number, values, last, round_start)


def stage_start(ctx: Context, stage: str) -> dt.date | None:
    """When the partner entered ``stage``: its last stage line, else ``since``, else the first log line."""
    lines = [e for e in ctx.events if e.kind == "stage" and e.stage == stage]
    if lines:
        return lines[-1].date
    if ctx.partner.since is not None:
        return ctx.partner.since
    return ctx.events[0].date if ctx.events else None


def _playbook_due(ctx: Context, state: _Round, start: dt.date | None, step: int) -> tuple[dt.date, Source]:
    source = ctx.partner.line_of("stage")
    if state.last is not None:
        # An introduction asked in another partner's log still points at this partner's record.
        own = state.last.source.path == ctx.partner.source.path
        return state.last.date + dt.timedelta(days=step), state.last.source if own else source
    return (start if start is not None else ctx.today), source


def nurture(ctx: Context) -> Iterator[Finding]:
    settings = ctx.settings
    step, needed = settings.nurture_value_days, settings.nurture_values
    if not step:
        return
    start = stage_start(ctx, "nurture")
    state = _rounds(ctx.events, start, needed, MEETING_ASK)
    due_date, source = _playbook_due(ctx, state, start, step)
    head = f"Nurture playbook, round {state.number}"
    last = _last_step(ctx, state, start)
    if state.values < needed:
        reason = f"{head}: value {state.values + 1} of {needed} due; {last}; one piece every {step} days"
        action, reach = ctx.send_value()
        idea = ctx.next_idea()
    else:
        reason = f"{head}: {needed} pieces of value given, {last}; now ask for a meeting"
        reach, idea = ctx.reach(), None
        action = reach.text + ": ask for a meeting"
    yield Finding("nurture", due_date, reason, action, source, reach=reach, value_idea=idea,
                  value_idea_source=ctx.idea_source if idea else None,
                  step="value" if state.values < needed else "ask-meeting")


def _last_step(ctx: Context, state: _Round, start: dt.date | None) -> str:
    if state.last is None:
        if start is None:
            return "nothing logged yet"
        return f"started {ctx.day(start)} ({ctx.ago(start)})"
    if state.values:
        what = "last value" if state.last.kind in VALUE else "last touch"
    else:
        what = "met" if state.last.kind in MET else "asked"
    return f"{what} {ctx.day(state.last.date)} ({state.last.kind}), {ctx.ago(state.last.date)}"


def prospect(ctx: Context, network: Network) -> Iterator[Finding]:
    partner, settings = ctx.partner, ctx.settings
    step = settings.prospect_touch_days
    if not step:
        return
    needed = settings.prospect_engage_days // step
    start = stage_start(ctx, "prospect")
    events = sorted([*ctx.events, *network.intro_mentions(partner, ctx.today)], key=lambda e: (e.date, e.source.path, e.source.line))
    state = _rounds(events, start, needed, MEETING_ASK | INTRO, PROSPECT_TOUCH)
    due_date, source = _playbook_due(ctx, state, start, step)
    last = _last_step(ctx, state, start)
    head = "Prospect playbook" + (f", round {state.number}" if state.number > 1 else "")
    if state.values < needed:
        reason = f"{head}: touch {state.values + 1} of {needed} due; {last}; one every {step} days for {settings.prospect_engage_days} days"
        action, reach = ctx.send_value()
        idea = ctx.next_idea()
        yield Finding("prospect", due_date, reason, action, source, reach=reach, value_idea=idea,
                      value_idea_source=ctx.idea_source if idea else None, step="value")
        return
    engaged = [e for e in ctx.events if e.kind in ENGAGED and (start is None or e.date >= start)]
    if engaged:
        sign = engaged[-1]
        reason = f"{head}: {needed} touches given, {last}; they engaged ({sign.kind} {ctx.day(sign.date)}): ask for a meeting"
        reach = ctx.reach()
        yield Finding("prospect", due_date, reason, reach.text + ": ask for a meeting", source, reach=reach,
                      step="ask-meeting")
        return
    since = f" since {ctx.day(start)}" if start else ""
    reason = f"{head}: {needed} touches given{since}, {last}, and no engagement: ask a partner for an introduction"
    introducers = network.introducers(partner)
    contact = ctx.contact()
    target = contact.name if contact else partner.name
    if introducers:
        names = [f"{network.name(pid)} ({why})" for pid, why in introducers]
        asks = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        action = f"Ask {asks} to introduce you to {target}"
    else:
        action = f"Ask an existing partner to introduce you to {target} (none shares their organisation, category, area or network)"
    yield Finding("introduction", due_date, reason, action, source, introducers=tuple(pid for pid, _ in introducers),
                  introduce=target, introducer_reasons=tuple(why for _, why in introducers))


