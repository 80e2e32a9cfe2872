"""The one-line log grammar, shared by the loader and the authoring commands.

    - DATE KIND [ID|STAGE] [@MEMBER] [with NAME[, NAME...]] [key:value ...] [: free text]

``parse_line`` turns one line into a :class:`LogEvent` and its problems;
``format_line`` writes an event back in the same grammar.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Mapping, cast

from refsite import vocab
from refsite.model import LogEvent
from refsite.problems import Problem, Source, error

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/#-]*$")
MEMBER = re.compile(r"^@([a-z0-9]+(?:-[a-z0-9]+)*)$")
ATTR = re.compile(r"^([a-z]+):(\S+)$")
YES = {"yes": True, "no": False, "true": True, "false": False}
# The dates a record may hold (docs/records.md): far enough for any real relationship, near enough
# that every date computed from one (a cadence of up to ten years later, a calendar day) exists.
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
MONEY_DIGITS, MONEY_PLACES = 12, 2  # amounts: at most 12 digits before the point, 2 after


def date_in_range(date: dt.date) -> bool:
    return FIRST_DATE <= date <= LAST_DATE


def parse_date(text: str) -> tuple[dt.date | None, str | None]:
    """An ISO date (YYYY-MM-DD), or the reason it is not one."""
    if not DATE.match(text):
        return None, f"'{text}' is not an ISO date (YYYY-MM-DD)"
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        return None, f"'{text}' is not a real date"
    if not date_in_range(date):
        return None, f"'{text}' is outside the dates refsite accepts ({FIRST_DATE} to {LAST_DATE})"
    return date, None


AMOUNT = re.compile(r"[0-9][0-9,]*(?:\.[0-9]*)?")  # written as an amount (perhaps too large or too precise)


def _number(text: str) -> Decimal | None:
    """A non-negative amount within the bounds (12 digits before the point, 2 after), else None."""
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0:
        return None
    if number and number.adjusted() >= MONEY_DIGITS:
        return None
    exponent = number.as_tuple().exponent  # an int: the number is finite
    if isinstance(exponent, int) and exponent < -MONEY_PLACES and number != number.quantize(Decimal(1).scaleb(-MONEY_PLACES)):
        return None
    return number


def split_text(body: str) -> tuple[str, str]:
    """Split a line body at the first ': ' (or a final ':') into (head, free text)."""
    at = body.find(": ")
    if at >= 0:
        return body[:at], body[at + 2 :].strip()
    if body.endswith(":"):
        return body[:-1], ""
    return body, ""


def parse_line(
    line: str, source: Source, services: Mapping[str, str] = vocab.SERVICES
) -> tuple[LogEvent | None, list[Problem]]:
    """Parse one log line (starting with '- '). Returns (None, problems) when it cannot be read."""
    event = _parse_plain(line, source.path, source.line, services)
    if event is not None:
        return event, []
    return _parse_any(line, source, services)


def parse_line_at(
    line: str, path: str, lineno: int, services: Mapping[str, str] = vocab.SERVICES
) -> tuple[LogEvent | None, list[Problem]]:
    """:func:`parse_line` for the loader: the position as a path and a line, a :class:`Source` built only
    when the line needs the full parser (most lines do not)."""
    event = _parse_plain(line, path, lineno, services)
    if event is not None:
        return event, []
    return _parse_any(line, Source(path, lineno), services)


# The fast path. Most lines are written in the grammar's order with single spaces:
#     - DATE KIND [ID|STAGE] [@MEMBER] [with NAMES] [@MEMBER] [key:value ...][: free text]
# One regular expression reads such a line, head and free text at once; _parse_plain then builds the
# event only when _parse_any would build the same event with no problem, and otherwise returns None so
# that _parse_any reads the line and explains what is wrong. tests/test_logline_fast.py holds the two
# paths to the same results. No token of the head holds ': ' (a value's ':' is one followed by more
# than a space or the end), so the head ends exactly where split_text cuts it: at the first ': ', or
# before a final ':'; each lookahead (?= |: |:\Z|\Z) ends a token there, as (?= |\Z) ended it on the head alone.
_END = r"(?= |:(?: |\Z)|\Z)"  # a token's end: a space, the head's end (': ', a final ':'), the line's end
_PLAIN = re.compile(
    r"- (?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}) (?P<kind>[a-z-]++)"
    r"(?: (?P<arg>[A-Za-z0-9][A-Za-z0-9._/#-]*+)" + _END + r")?"
    r"(?: @(?P<author>[a-z0-9]++(?:-[a-z0-9]++)*+)" + _END + r")?"
    r"(?: with (?P<names>[^\s@:]++" + _END + r"(?: [^\s@:]++" + _END + r")*+))?"
    r"(?: @(?P<author2>[a-z0-9]++(?:-[a-z0-9]++)*+)" + _END + r")?"
    r"(?P<attrs>(?: [a-z]++:(?:[^\s:]|:(?=\S))++)*+)"
    r"(?:: (?P<text>.*+)|:)?\Z"
)
_NAMES = re.compile(r",| and ")
_DATES: dict[str, dt.date] = {}
_REF_MODE = {name: ("stage" if name == "stage" else kind.ref) for name, kind in vocab.LOG_KINDS.items()}
_SCORES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_NUMBERS: dict[str, Decimal | None] = {}  # amounts as written, read (the same few recur on many lines)


def _amount(text: str) -> Decimal | None:
    """:func:`_number`, remembered for the first few thousand amounts written (a Decimal is immutable)."""
    try:
        return _NUMBERS[text]
    except KeyError:
        number = _number(text)
        if len(_NUMBERS) < 4096:
            _NUMBERS[text] = number
        return number
# Events are tuples (refsite.model.LogEvent is a NamedTuple): the fast path builds one with
# tuple.__new__, skipping the generated __new__'s argument handling. This holds while LogEvent
# keeps exactly these fields, in this order.
_FIELD_ORDER = ("date", "kind", "path", "line", "text", "ref", "stage", "author", "with_", "status", "service",
                "value", "cost", "consent", "satisfaction", "raw")
_FAST_EVENTS = LogEvent._fields == _FIELD_ORDER
_tuple_new = tuple.__new__


def _parse_plain(line: str, path: str, lineno: int, services: Mapping[str, str]) -> LogEvent | None:
    """The event of a plain, valid line; None for any line that needs the full parser."""
    stripped = line.strip()
    match = _PLAIN.match(stripped)
    if match is None:
        return None
    date_word, kind_word, arg, author, names, author2, attr_text, text = match.groups()
    if text is None:
        text = ""
    elif text[:1].isspace():
        text = text.lstrip()  # the line is stripped: the text's end is too
    mode = _REF_MODE.get(kind_word)
    if mode is None or (text and mode == "required"):
        return None
    date = _DATES.get(date_word)
    if date is None:
        try:
            date = dt.date.fromisoformat(date_word)
        except ValueError:
            return None
        if not date_in_range(date):
            return None
        _DATES[date_word] = date
    ref = stage = None
    if mode == "stage":
        if arg is None or arg not in vocab.STAGES:
            return None
        stage = arg
    elif arg is not None:
        if mode == "none" or arg == "with":
            return None
        ref = arg
    elif mode == "required":
        return None
    if author2 is not None:
        if author is not None:
            return None
        author = author2
    with_: tuple[str, ...] = ()
    if names is not None:
        if "," in names or " and " in names:
            parts = [p.strip() for p in _NAMES.split(names) if p.strip()]
            if not parts:
                return None
            with_ = tuple(parts)
        else:
            with_ = (names,)
    status = service = value = cost = consent = satisfaction = None
    if attr_text:
        referral = mode == "required"
        for word in attr_text[1:].split(" "):
            key, raw = word.split(":", 1)
            if key == "status":
                if not referral or status is not None or raw not in vocab.STATUSES:
                    return None
                status = raw
            elif key == "service":
                if not referral or service is not None or raw not in services:
                    return None
                service = raw
            elif key == "value":
                if not referral or value is not None:
                    return None
                value = _amount(raw)
                if value is None:
                    return None
            elif key == "cost":
                if cost is not None:
                    return None
                cost = _amount(raw)
                if cost is None:
                    return None
            elif key == "consent":
                if not referral or consent is not None:
                    return None
                consent = YES.get(raw.lower())
                if consent is None:
                    return None
            elif key == "satisfaction":
                if not referral or satisfaction is not None:
                    return None
                satisfaction = _SCORES.get(raw)
                if satisfaction is None:
                    return None
            else:
                return None
    if not _FAST_EVENTS:  # pragma: no cover - should LogEvent ever change shape
        # stage and status were checked against vocab.STAGES and vocab.STATUSES above
        return LogEvent(date, kind_word, path, lineno, text, ref, cast("vocab.Stage | None", stage), author, with_,
                        cast("vocab.Status | None", status), service, value, cost, consent, satisfaction, stripped[2:])
    return _tuple_new(LogEvent, (date, kind_word, path, lineno, text, ref, stage, author, with_, status, service,
                                 value, cost, consent, satisfaction, stripped[2:]))


def _parse_any(line: str, source: Source, services: Mapping[str, str]) -> tuple[LogEvent | None, list[Problem]]:
    """The full parser: any line, every problem it has."""
    problems: list[Problem] = []
    body = line.strip()[2:].strip()
    head, text = split_text(body)
    words = head.split()
    if not words:
        return None, [error(source, "empty log line: write '- YYYY-MM-DD kind ...'", check="log")]
    date, why = parse_date(words[0])
    if date is None:
        return None, [error(source, f"a log line starts with its date: {why}", check="dates")]
    if len(words) < 2:
        return None, [error(source, "log line has no kind after its date" + _kinds_hint(), check="log")]
    kind_word = words[1]
    kind = vocab.LOG_KINDS.get(kind_word)
    if kind is None:
        return None, [error(source, vocab.unknown("log kind", kind_word, vocab.LOG_KIND_NAMES), check="vocabulary")]

    rest = words[2:]
    ref = stage = None
    if kind_word == "stage":
        if not rest or rest[0] not in vocab.STAGES:
            got = f"'{rest[0]}'" if rest else "nothing"
            hint = vocab.did_you_mean(rest[0], vocab.STAGES) if rest else ""
            problems.append(error(source, f"a stage line names the new stage ({', '.join(vocab.STAGES)}), not {got}{hint}", check="vocabulary"))
        else:
            stage = rest[0]
        rest = rest[1:]
    elif kind.ref != "none" and rest and not (MEMBER.match(rest[0]) or ATTR.match(rest[0]) or rest[0] == "with"):
        if REF.match(rest[0]):
            ref = rest[0]
        else:
            problems.append(error(source, f"'{rest[0]}' is not a referral id (letters, digits, '-', '.', '/')", check="referrals"))
        rest = rest[1:]
    if kind.ref == "required" and text and ref is not None:
        problems.append(
            error(source, f"no free text on {kind_word} lines: they must never carry patient details "
                  "(the id, service: and status: say what is needed); put other remarks on a separate note line", check="referrals")
        )
    if kind.ref == "required" and ref is None and not problems:
        problems.append(error(source, f"{kind_word} needs the referral id after the kind, e.g. '{kind_word} R-1042'", check="referrals"))

    author = None
    with_: list[str] = []
    attrs: dict[str, str] = {}
    i = 0
    while i < len(rest):
        word = rest[i]
        member = MEMBER.match(word)
        attr = ATTR.match(word)
        if member:
            if author is not None:
                problems.append(error(source, f"two authors on one line (@{author} and {word})", check="log"))
            author = member.group(1)
        elif word == "with":
            names: list[str] = []
            i += 1
            while i < len(rest) and not MEMBER.match(rest[i]) and not ATTR.match(rest[i]):
                names.append(rest[i])
                i += 1
            joined = " ".join(names)
            parts = [p.strip() for p in re.split(r",| and ", joined) if p.strip()]
            if not parts:
                problems.append(error(source, "'with' must be followed by a contact's name", check="contacts"))
            with_.extend(parts)
            continue
        elif attr:
            key, value = attr.groups()
            if key not in vocab.ATTRIBUTES:
                problems.append(error(source, vocab.unknown("attribute", key, vocab.ATTRIBUTES), check="vocabulary"))
            elif key in attrs:
                problems.append(error(source, f"'{key}:' given twice on one line", check="log"))
            else:
                attrs[key] = value
        elif word.startswith("@"):
            problems.append(error(source, f"'{word}' is not a team member id (lowercase letters, digits, hyphens)", check="team"))
        else:
            stray = " ".join(rest[i:])
            problems.append(
                error(source, f"unexpected '{stray}': free text goes after ': ' "
                      "(e.g. '- 2026-09-03 visit @maya with Leah Ortiz: dropped off referral pads')", check="log")
            )
            break
        i += 1

    fields: dict[str, object] = {}
    for key, value in attrs.items():
        if key == "status":
            if value not in vocab.STATUSES:
                problems.append(error(source, vocab.unknown("referral status", value, vocab.STATUSES), check="vocabulary"))
            fields["status"] = value
        elif key == "service":
            if value not in services:
                problems.append(error(source, vocab.unknown("service", value, services), check="vocabulary"))
            fields["service"] = value
        elif key in ("value", "cost"):
            number = _number(value)
            if number is None:
                problems.append(error(source, f"{key}:{_short(value)} is not an amount (write {key}:640 or {key}:12.50; "
                                      f"at most {MONEY_DIGITS} digits before the point and {MONEY_PLACES} after)",
                                      check="bounds" if AMOUNT.fullmatch(value) else "log"))
            fields[key] = number
        elif key == "consent":
            if value.lower() not in YES:
                problems.append(error(source, f"consent:{value} must be consent:yes or consent:no", check="log"))
            fields["consent"] = YES.get(value.lower())
        elif key == "privacy":
            if value != "ok":
                problems.append(error(source, f"privacy:{value} must be privacy:ok (the line was reviewed: not about a patient)", check="log"))
        elif key == "satisfaction":
            if value not in _SCORES:
                problems.append(error(source, f"satisfaction:{value} must be a score from 1 to 5", check="log"))
            else:
                fields["satisfaction"] = int(value)
    if kind.ref != "required":
        for key in ("status", "service", "value", "consent", "satisfaction"):
            if key in attrs:
                problems.append(error(source, f"'{key}:' belongs on a referral-in or referral-out line, not on {kind_word}", check="log"))
    if any(p.is_error for p in problems):
        return None, problems
    event = LogEvent(
        date=date,
        kind=kind_word,
        path=source.path,
        line=source.line,
        text=text,
        ref=ref,
        stage=cast("vocab.Stage | None", stage),  # checked against vocab.STAGES above
        author=author,
        with_=tuple(with_),
        raw=body,
        **fields,  # type: ignore[arg-type]
    )
    return event, problems


def _short(text: str) -> str:
    return text if len(text) <= 24 else text[:21] + "..."


def _kinds_hint() -> str:
    return " (one of: " + ", ".join(vocab.LOG_KINDS) + ")"


def format_line(event: LogEvent) -> str:
    """Write an event in the log grammar (without a line ending)."""
    words = [event.date.isoformat(), event.kind]
    if event.stage:
        words.append(event.stage)
    if event.ref:
        words.append(event.ref)
    if event.author:
        words.append(f"@{event.author}")
    if event.with_:
        words.append("with " + ", ".join(event.with_))
    for key in ("status", "service", "value", "cost", "consent", "satisfaction"):
        value = getattr(event, key)
        if value is None:
            continue
        if key == "consent":
            value = "yes" if value else "no"
        words.append(f"{key}:{value}")
    line = "- " + " ".join(words)
    if event.text:
        line += ": " + event.text
    return line
