"""Who to contact next, and why: the due engine.

A pure function of the records, the settings and a date. No I/O, no clock.

Stable interface (the CLI, the site's dashboard, the calendar feed, drafts and the
benchmark import these; keep them backwards compatible):

``due(records, settings, today) -> list[DueItem]``
    Every item for every partner, *including* items not yet due soon (status
    ``later``), sorted by urgency (:meth:`DueItem.sort_key`: due date, then
    rule, then partner id). Use :func:`within` to keep what a person should see
    (overdue, due today, and due within N days) and :func:`beyond_grace` for the
    items that fail ``refsite check``.

:class:`DueItem`
    One thing to do for one partner: ``partner_id``, ``partner_name``,
    ``owner`` (team id or None), ``rule`` (one of :data:`RULES`), ``due_date``,
    ``days_overdue`` (negative: days left), ``status`` (one of :data:`STATUSES`),
    ``reason`` (one line a person understands), ``action`` (the suggested next
    step), ``source`` (the record line that set the clock), ``introducers``
    (partner ids who could make an introduction; rule ``introduction`` only)
    and ``ref`` (the referral id, rules ``thanks`` and ``update``). Beside the
    sentences, structured facts so that nothing parses them: ``contact`` (the
    person to reach, or None), ``channel`` (a channel term, or None),
    ``address`` (the phone or email to use, or None), ``ref_status``,
    ``value_idea`` (and ``value_idea_source``), ``suggest_stage``,
    ``introduce`` and ``introducer_reasons``.

:data:`RULES` is the closed set of rule names (in tie-break order);
:data:`COUNTS` says which log kinds count for which rule, as documented in
docs/rules.md (a test keeps the two in step). Also stable:
``partner_due(partner, settings, today, records=None)`` (one partner's items,
for a profile page or a meeting brief) and ``value_ideas_not_given(partner,
today)``.

The package: :mod:`~refsite.due.items` (the vocabulary and :class:`DueItem`),
:mod:`~refsite.due.reach` (whom to contact and how; value ideas),
:mod:`~refsite.due.network` (introducers), :mod:`~refsite.due.context` (one
partner as the rules see it), :mod:`~refsite.due.playbooks` (nurture and
prospect rounds) and :mod:`~refsite.due.rules` (the other rules, and the run).

Which rules apply follows the stage: ``active`` partners have the contact
cadence of their tier (and key partners the in-person meeting), ``nurture``
partners the nurture playbook, ``prospect`` partners the prospect playbook
(until they refer: ``promote``), ``former`` partners nothing, unless they refer
again after their last ``stage former`` line (thanks and updates for those
referrals, and ``reactivate``). Thanks, updates and the gift cap apply to every
stage but ``former``; at-risk and single-contact to active and nurture partners.
The ``owed_from`` setting limits which referrals owe thanks and updates. Log lines dated after ``today`` are ignored. A snoozed partner's items
are due no earlier than ``snooze_until``. Conditions rather than deadlines
(single contact, gift cap, a drop in referrals) are never overdue, so they never
fail the check on their own.
"""

from __future__ import annotations

from refsite.due.context import interval_name
from refsite.due.items import (
    AT_RISK_TRAILING_WINDOWS,
    CONTACT,
    CONVERSATION,
    COUNTS,
    ENGAGED,
    IN_PERSON,
    INTRO,
    MAX_INTRODUCERS,
    MEETING_ASK,
    MET,
    RULES,
    STATUSES,
    UPDATE_STATUSES,
    VALUE,
    DueItem,
    beyond_grace,
    status_of,
    within,
)
from refsite.due.reach import PATIENT, RELATIONSHIP, Reach, reach, value_ideas_not_given
from refsite.due.rules import due, partner_due

__all__ = [
    "AT_RISK_TRAILING_WINDOWS", "CONTACT", "CONVERSATION", "COUNTS", "ENGAGED", "IN_PERSON", "INTRO",
    "MAX_INTRODUCERS", "MEETING_ASK", "MET", "PATIENT", "RELATIONSHIP", "RULES", "STATUSES", "UPDATE_STATUSES",
    "VALUE", "DueItem", "Reach", "beyond_grace", "due", "interval_name", "partner_due", "reach", "status_of",
    "value_ideas_not_given", "within",
]
