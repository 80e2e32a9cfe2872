"""`refsite brief` for people and programs: a :class:`refsite.brief.Brief` as text, Markdown or JSON.

Pure functions returning strings. The text fits 80 columns (a word longer than a
line, such as a long web address, stays whole); Markdown is for pasting into a
note or an email; JSON keeps every field, money as exact decimal strings.
"""

from __future__ import annotations

from typing import Sequence

from refsite import vocab
from refsite.brief import Brief, Count, Line, Person, SentReferral
from refsite.due import DueItem
from refsite.fit import describe as fit_words
from refsite.fit import fit_score
from refsite.output.due import when
from refsite.output.tables import plain, to_json
from refsite.output.terminal import heading, wrap
from refsite.words import label, plural
from refsite.words import money as fmt_money

_INDENT = "  "
_WHEN = 13  # "overdue 1234d", as in `refsite due`
_TEXT = " " * (len(_INDENT) + _WHEN + 2)


# --------------------------------------------------------------------------- words shared by text and Markdown


def _owner(brief: Brief) -> str:
    if brief.owner is None:
        return "no owner"
    return f"owner {brief.owner_name} ({brief.owner})" if brief.owner_name != brief.owner else f"owner {brief.owner}"


def _summary(brief: Brief) -> str:
    """'Primary care, active, key tier; owner Maya Chen (maya)'."""
    return f"{label(brief.category)}, {brief.stage}, {brief.tier} tier; {_owner(brief)}"


def _facts(brief: Brief) -> list[tuple[str, str]]:
    """(label, text) pairs of who they are, in the order shown; empty fields are left out."""
    rows: list[tuple[str, str]] = []
    if brief.organisation:
        rows.append(("Organisation", brief.organisation))
    if brief.location:
        rows.append(("Location", brief.location))
    if brief.since:
        rows.append(("Since", brief.since.isoformat()))
    if brief.prefers:
        rows.append(("Prefers", brief.prefers))
    meaning = vocab.UPDATES.get(brief.updates)
    rows.append(("Patient updates", f"{brief.updates}: {meaning}" if meaning else brief.updates))
    if brief.introduced_by:
        rows.append(("Introduced by", _named(*brief.introduced_by)))
    if brief.introduced:
        rows.append(("Introduced us to", ", ".join(_named(i, n) for i, n in brief.introduced)))
    if brief.snooze_until:
        rows.append(("Snoozed until", f"{brief.snooze_until.isoformat()} (nothing is due before then)"))
    if brief.fit is not None:
        rows.append(("Fit", fit_words(brief.fit)))
    if brief.interests:
        rows.append(("Interests", ", ".join(brief.interests)))
    if brief.tags:
        rows.append(("Tags", ", ".join(brief.tags)))
    rows.append(("Agreement", brief.agreement or "none recorded"))
    rows.append(("Financial", brief.financial or "none recorded"))
    return rows


def _named(partner_id: str, name: str) -> str:
    return f"{name} ({partner_id})" if name != partner_id else partner_id


def _person(person: Person) -> str:
    """'Dr. Priya Natarajan, physician; prefers email'."""
    return f"{person.name}, {person.role}" + (f"; prefers {person.prefers}" if person.prefers else "")


def _person_more(person: Person) -> str:
    """'Last logged 2026-10-29 (meeting). Runs the sports clinic on Tuesday mornings.'"""
    last = f"Last logged {person.last_date} ({person.last_kind})." if person.last_date else "Not in the log yet."
    return f"{last} {person.notes}" if person.notes else last


def _who(line: Line) -> str:
    """'@maya with Leah Ortiz: text', as the log writes it."""
    parts = []
    if line.author:
        parts.append(f"@{line.author}")
    if line.with_:
        parts.append("with " + ", ".join(line.with_))
    head = " ".join(parts)
    if line.text:
        return f"{head}: {line.text}" if head else line.text
    return head or "-"


def _counts(counts: Sequence[Count], empty: str = "no service") -> str:
    """'back 9, hip 8, no service 1'."""
    return ", ".join(f"{c.term or empty} {c.n}" for c in counts)


def _referral(r: SentReferral) -> str:
    """'R-2438 on 2026-11-20 (back, booked)'."""
    return f"{r.id} on {r.date} ({r.service + ', ' if r.service else ''}{r.status})"


def _gift_year(brief: Brief) -> str:
    c = brief.currency
    head = f"Gifts and hospitality in {brief.today.year} to date: {fmt_money(brief.year_cost, c)}"
    if brief.gift_cap is None:
        return head + " (no yearly cap set)"
    share = int(brief.year_cost * 100 / brief.gift_cap)
    return head + f" of the {fmt_money(brief.gift_cap, c)} yearly cap ({share}%)"


def _given_total(brief: Brief) -> str:
    """'4 lines; costs $150 in all', '3 lines, no costs'."""
    if not brief.given_cost:
        return f"{plural(len(brief.given), 'line')}, no costs"
    return f"{plural(len(brief.given), 'line')}; costs {fmt_money(brief.given_cost, brief.currency)} in all"


def _received(brief: Brief) -> str:
    """'3 referrals received (4 in all)', 'No referrals received'."""
    head = f"{plural(brief.received, 'referral')} received" if brief.received else "No referrals received"
    if brief.received_total != brief.received:
        head += f" ({brief.received_total} in all)"
    return head


def _no_ideas(brief: Brief) -> str:
    if brief.ideas_total:
        return "All given: add new ones under value_ideas:"
    return "None recorded: add some under value_ideas:"


def _window(brief: Brief) -> str:
    return f"last 12 months, since {brief.window_start}"


# --------------------------------------------------------------------------- text


def _item(item: DueItem, reason: str, action: str | None = None) -> list[str]:
    lines = wrap(reason, f"{_INDENT}{when(item):<{_WHEN}}  ", _TEXT)
    return lines + wrap("Next: " + (action or item.action), _TEXT)


def _line(line: Line, currency: str | None = None) -> list[str]:
    """'2026-10-08  gift      $42  @maya: pastries for the desk' (wrapped under the text); with no
    currency, no cost column: '2026-11-20  thanks  @maya with Leah Ortiz: ...'."""
    head = f"{_INDENT}{line.date}  {line.kind:<11} "
    if currency is not None:
        head += f"{fmt_money(line.cost, currency) if line.cost is not None else '':>5}  "
    return wrap(_who(line), head, " " * len(head))


def brief_text(brief: Brief) -> str:
    """The brief for a terminal, in 80 columns."""
    c = brief.currency
    lines = wrap(f"Meeting brief: {brief.name}", "")
    lines += wrap(f"{brief.partner_id}, as of {brief.today} ({brief.practice})", "")

    lines += heading("Who they are")
    lines += wrap(_summary(brief), _INDENT)
    for name, text in _facts(brief):
        head = f"{_INDENT}{name + ':':<18}"
        lines += wrap(text, head, " " * len(head))

    lines += heading("People")
    if not brief.people:
        lines.append(f"{_INDENT}No contacts recorded: add them under contacts:")
    for person in brief.people:
        lines += wrap(_person(person), _INDENT, _INDENT * 3)
        lines += wrap(_person_more(person), _INDENT * 3)

    lines += heading(f"What we gave ({_window(brief)})")
    if brief.given:
        for given in brief.given:
            lines += _line(given, c)
        lines += wrap(_given_total(brief), _INDENT)
    else:
        lines.append(f"{_INDENT}Nothing: no value, gift or event lines, and no costs.")
    lines += wrap(_gift_year(brief), _INDENT)

    lines += heading(f"What they sent ({_window(brief)})")
    lines += wrap(_received(brief), _INDENT)
    if brief.by_status:
        lines += wrap("By status: " + _counts(brief.by_status), _INDENT, _INDENT * 2)
    if brief.by_service:
        lines += wrap("By service: " + _counts(brief.by_service), _INDENT, _INDENT * 2)
    if brief.received:
        lines += wrap(f"Value recorded so far: {fmt_money(brief.revenue, c)}", _INDENT)
    if brief.last_received:
        lines += wrap(f"Their latest: {_referral(brief.last_received)}", _INDENT)
    if brief.sent:
        lines += wrap(f"We sent them {plural(len(brief.sent), 'referral')}: "
                       + "; ".join(_referral(r) for r in brief.sent), _INDENT, _INDENT * 2)
    else:
        lines.append(f"{_INDENT}We sent them no referrals.")

    lines += heading("Thanks and updates owed")
    if brief.owed:
        for item in brief.owed:
            lines += _item(item, item.reason)
    else:
        lines.append(f"{_INDENT}None.")

    lines += heading("Value ideas not yet given")
    if brief.ideas:
        for idea in brief.ideas:
            lines += wrap(idea, f"{_INDENT}- ", _INDENT * 2)
    else:
        lines.append(f"{_INDENT}{_no_ideas(brief)}")

    lines += heading("Last touches")
    if brief.touches:
        for touch in brief.touches:
            lines += _line(touch)
    else:
        lines.append(f"{_INDENT}None logged yet.")

    lines += heading("What to ask for")
    if brief.asks:
        for item in brief.asks:
            lines += _item(item, f"[{item.rule}] {item.reason}")
    if brief.introductions:
        lines += wrap("Introductions they could make (the due engine suggests them):", _INDENT)
        for intro in brief.introductions:
            lines += _item(intro.item, f"{intro.prospect_name} ({intro.prospect_id}): {intro.item.reason}", intro.ask)
    if not brief.asks and not brief.introductions:
        lines.append(f"{_INDENT}Nothing due for them.")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- Markdown


def _md(text: object) -> str:
    """Record text inside Markdown: characters that would start markup are escaped."""
    out = str(text)
    for ch in "\\`*_[]<>|#":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def _md_line(line: Line, currency: str) -> str:
    cost = f" ({fmt_money(line.cost, currency)})" if line.cost is not None else ""
    return f"- {line.date} **{line.kind}**{cost}: {_md(_who(line))}"


def _md_item(item: DueItem, reason: str, action: str | None = None, rule: bool = False) -> list[str]:
    head = f"- **{when(item)}** ({item.due_date}{', ' + item.rule if rule else ''}): "
    return [f"{head}{_md(reason)}  ", f"  Next: {_md(action or item.action)}"]


def brief_markdown(brief: Brief) -> str:
    """The brief as Markdown: a title, then one section per part."""
    c = brief.currency
    lines = [f"# Meeting brief: {_md(brief.name)}", "",
             f"`{brief.partner_id}`, as of {brief.today} ({_md(brief.practice)})", "",
             "## Who they are", "", f"{_md(_summary(brief))}", ""]
    lines += [f"- **{name}:** {_md(text)}" for name, text in _facts(brief)]

    lines += ["", "## People", ""]
    if not brief.people:
        lines.append("No contacts recorded.")
    for person in brief.people:
        lines.append(f"- {_md(_person(person))}  \n  {_md(_person_more(person))}")

    lines += ["", f"## What we gave ({_window(brief)})", ""]
    if brief.given:
        lines += [_md_line(g, c) for g in brief.given]
        lines += ["", f"{_md(_given_total(brief))}.  "]
    else:
        lines.append("Nothing: no value, gift or event lines, and no costs.  ")
    lines.append(_md(_gift_year(brief)) + ".")

    lines += ["", f"## What they sent ({_window(brief)})", "", f"- {_md(_received(brief))}"]
    if brief.by_status:
        lines.append(f"- By status: {_md(_counts(brief.by_status))}")
    if brief.by_service:
        lines.append(f"- By service: {_md(_counts(brief.by_service))}")
    if brief.received:
        lines.append(f"- Value recorded so far: {_md(fmt_money(brief.revenue, c))}")
    if brief.last_received:
        lines.append(f"- Their latest: {_md(_referral(brief.last_received))}")
    if brief.sent:
        lines.append(f"- We sent them {plural(len(brief.sent), 'referral')}: "
                     + "; ".join(_md(_referral(r)) for r in brief.sent))
    else:
        lines.append("- We sent them no referrals.")

    lines += ["", "## Thanks and updates owed", ""]
    lines += [x for item in brief.owed for x in _md_item(item, item.reason)] or ["None."]

    lines += ["", "## Value ideas not yet given", ""]
    lines += [f"- {_md(idea)}" for idea in brief.ideas] or [_md(_no_ideas(brief))]

    lines += ["", "## Last touches", ""]
    lines += [_md_line(t, c) for t in brief.touches] or ["None logged yet."]

    lines += ["", "## What to ask for", ""]
    lines += [x for item in brief.asks for x in _md_item(item, item.reason, rule=True)]
    if brief.introductions:
        if brief.asks:
            lines.append("")
        lines += ["Introductions they could make:", ""]
        lines += [x for i in brief.introductions
                  for x in _md_item(i.item, f"{i.prospect_name} ({i.prospect_id}): {i.item.reason}", i.ask)]
    if not brief.asks and not brief.introductions:
        lines.append("Nothing due for them.")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- JSON


def brief_json(brief: Brief) -> str:
    """Every field of the brief; dates as YYYY-MM-DD, money as exact decimal strings, due items as `refsite due` gives them."""
    data = plain(brief)
    data["introduced_by"] = ({"id": brief.introduced_by[0], "name": brief.introduced_by[1]}
                             if brief.introduced_by else None)
    data["introduced"] = [{"id": i, "name": n} for i, n in brief.introduced]
    data["fit"] = None if brief.fit is None else {
        "populations": brief.fit.populations, "patients_per_month": brief.fit.patients_per_month,
        "location": brief.fit.location, "competitor": brief.fit.competitor, "score": fit_score(brief.fit)}
    return to_json(data)
