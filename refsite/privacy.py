"""The patient-identifier guard: find text that looks like it identifies a patient.

The records describe relationships with professionals, but notes are free text
and a busy front desk writes "Mrs Walsh (DOB 14/03/1958) booked in". This
module is the one home of the patterns that notice such text. It is pure: no
I/O, no settings file, no clock. :func:`find` takes one text and what that text
may mention (:class:`Allowed`: the partner's own phone, email and address, its
contacts' names, phones and emails, the team's names) and returns
:class:`Finding` values: a kind, a span and a message.

A message never repeats what was found (it reaches terminals and CI logs); it
says what the text looks like and what to write instead.

What each kind catches (docs/privacy.md shows examples and the measured recall
and precision on ``tests/privacy/sample.tsv``):

``dob``
    a full date after "DOB", "d.o.b.", "date of birth", "born", "b.", or a full
    date within a few words of an age ("aged 67", "72yo", "15 y.o."). A date on
    its own (a meeting, a log date) is not a date of birth.
``medicare``
    ten digits (grouped 4-5-1 or run together, optionally an 11th, the issue
    number) whose ninth digit is the Medicare check digit (weights 1 3 7 9 1 3 7 9,
    first digit 2-6); or any ten or eleven digits after the word "Medicare".
``ihi``
    an Individual Healthcare Identifier: sixteen digits starting 800360.
``dva``
    a Department of Veterans' Affairs file number: a state letter (N V Q S W T),
    one to three letters, digits, optionally a segment letter, eight or nine
    characters long; any such shape (seven characters and up) when "DVA",
    "veteran", "gold card" or "white card" is on the line.
``ssn``
    a US social security number written ###-##-####, or ### ## #### after "SSN"
    or "social security".
``nhs``
    a UK NHS number: ten digits (3-3-4 or run together) passing the NHS mod-11
    check; or any ten digits after "NHS".
``fund``
    a health-fund or insurance member, policy or claim number: an identifier with
    at least five digits after "member", "membership", "policy", "claim", "health
    fund", "fund", "insurance" (and their "no.", "number", "#").
``mrn``
    a record number: MRN, UR, U.R., URN followed by an identifier with at least
    three digits, or "chart", "record", "hospital" followed by "no."/"number"/"#"
    and such an identifier.
``phone``
    any phone number the ``phonenumbers`` library recognises as valid in the
    region (AU by default; international numbers in any region), unless it is
    the partner's or a listed contact's, or a business-only number (13/1300/1800).
``email``
    any email address unless it is the partner's or a contact's, or at the
    partner's own domain (its email's or website's; free-mail domains never count).
``name``
    a capitalised name after "patient", "pt" or "client", or after a title (Mr,
    Mrs, Ms, Miss, Master), unless it is a listed contact's, a team member's or
    the partner's own name (a single word: any word of those names; two words:
    the surname, so that "Tom Baker" is not excused by a team member "Tom Alvarez").
``address``
    a street address with a number ("14 Rose St", "3/27 Victoria Road") unless it
    is the partner's own (its ``location``).

What it cannot catch: a name alone ("saw Sarah on Tuesday"), a rare condition,
a story that identifies someone to those who know them. Those are for people:
docs/privacy.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

import phonenumbers

# A reviewed line says so: a trailing marker on a line of notes, a contact's notes or a value idea,
# and an attribute on a log line. Both are documented in docs/records.md and docs/privacy.md.
MARKER = "<!-- not-patient -->"
LOG_ATTRIBUTE = "privacy:ok"
LEVELS = ("warn", "error", "off")

KINDS = {
    "dob": "looks like a date of birth",
    "medicare": "looks like a Medicare number",
    "ihi": "looks like an Individual Healthcare Identifier (IHI)",
    "dva": "looks like a DVA file number",
    "ssn": "looks like a US social security number",
    "nhs": "looks like an NHS number",
    "fund": "looks like a health-fund or insurance member, policy or claim number",
    "mrn": "looks like a medical record number (MRN/UR/chart)",
    "phone": "a phone number that is not the partner's nor a listed contact's",
    "email": "an email address that is not the partner's nor a listed contact's",
    "name": "looks like a patient's name",
    "address": "looks like a street address",
}
ADVICE = {
    "phone": "leave it out; if it is a professional's, list them under contacts",
    "email": "leave it out; if it is a professional's, list them under contacts",
    "name": "write 'the patient' or the referral id instead; if it is a professional, list them under contacts",
    "address": "leave it out; if it is the partner's own, put it in location",
}
DEFAULT_ADVICE = "leave it out and name the referral by its id (R-...)"


@dataclass(frozen=True)
class Finding:
    """Text that looks like a patient identifier: what kind, where in the text (start, end), and why."""

    kind: str
    start: int
    end: int

    @property
    def message(self) -> str:
        """What it looks like and what to do; never the identifier itself."""
        return f"{KINDS[self.kind]}: {ADVICE.get(self.kind, DEFAULT_ADVICE)}"


# Free-mail domains: an address there is a person's, whoever else uses the same provider.
FREEMAIL = frozenset(
    "gmail.com googlemail.com hotmail.com hotmail.com.au outlook.com outlook.com.au live.com live.com.au yahoo.com "
    "yahoo.com.au icloud.com me.com mac.com bigpond.com bigpond.net.au optusnet.com.au iinet.net.au tpg.com.au "
    "aol.com protonmail.com proton.me gmx.com mail.com internode.on.net westnet.com.au dodo.com.au".split()
)
_NAME_STOP = frozenset(
    "The A An I We He She They It His Her Their Our This That These Those And Or But On In At To For Of With "
    "From By Is Was Has Had Will Would Can Could Should Must May Might Do Did Not No Yes Ok OK Dr Doctor Mr Mrs Ms "
    "Miss Master Prof Class Card Chef Plan Sheet List Portal Feedback Education Information Survey Forms Care "
    "Experience Group Evening Records Record Number Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)


@dataclass(frozen=True)
class Allowed:
    """What a text may mention: built with :meth:`build` from the partner, its contacts and the team."""

    phones: frozenset[str] = frozenset()  # the digits of each, as written
    emails: frozenset[str] = frozenset()  # lowercase
    domains: frozenset[str] = frozenset()  # lowercase, no free-mail domain
    names: frozenset[str] = frozenset()  # lowercase name words
    addresses: tuple[str, ...] = ()  # normalised (see _norm_address)
    region: str = "AU"

    @classmethod
    def build(
        cls,
        phones: Iterable[str | None] = (),
        emails: Iterable[str | None] = (),
        names: Iterable[str | None] = (),
        addresses: Iterable[str | None] = (),
        websites: Iterable[str | None] = (),
        region: str = "AU",
    ) -> Allowed:
        # digits only (parsing every contact's phone would cost more than the guard): see _own_phone
        own_phones = {d for d in (_digits(p) for p in phones if p) if len(d) >= 6}
        mails = {e.strip().lower() for e in emails if e and "@" in e}
        domains = {m.rsplit("@", 1)[1] for m in mails}
        for site in websites:
            if site:
                host = re.sub(r"^[a-z]+://", "", site.strip().lower()).split("/", 1)[0]
                domains.add(host.removeprefix("www."))
        words = set()
        for name in names:
            for word in _WORD.findall(name or ""):
                if word.capitalize() not in _NAME_STOP and len(word) > 1:
                    words.add(word.lower())
        return cls(
            phones=frozenset(own_phones),
            emails=frozenset(mails),
            domains=frozenset(domains - FREEMAIL),
            names=frozenset(words),
            addresses=tuple(_norm_address(a) for a in addresses if a),
            region=(region or "AU").upper(),
        )


# --------------------------------------------------------------------------- patterns

_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}"  # 1990-02-11
    r"|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})"  # 14/03/1958, 3.4.61, 30-09-1962
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+\d{{4}}"  # 12 March 2019
    rf"|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"  # March 12, 2019
)
# A date after a date-of-birth word ("DOB", "d.o.b.", "date of birth", "born", "b.").
DOB_WORD = re.compile(
    r"(?i:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bborn\b|(?<![\w.])b\.)"
    r"(?:\s*(?:is|was|on|of|:|-|–))*\s*(?:\(\s*)?" + f"(?i:{_DATE})"
)
# A full date a few words from an age: "aged 67 (14/03/1959)", "72yo, 02/05/1954".
_AGE = r"(?i:\baged?\s+\d{1,3}\b|\b\d{1,3}\s?(?:yo|y\.o\.?|yrs?\s+old|years?\s+old)(?!\w))"
AGE_DATE = re.compile(rf"{_AGE}[^\n]{{0,30}}?(?i:{_DATE})|(?i:{_DATE})[^\n]{{0,30}}?{_AGE}")

# Sixteen digits starting 800360 (spaces or hyphens between groups).
IHI = re.compile(r"(?<![\d-])8\s?0\s?0\s?3[\s-]?6\s?0(?:[\s-]?\d){10}(?![\d-])")
# Ten digits, 4-5-1, 3-3-4 or run together, then an optional issue number (Medicare's 11th digit).
TEN_DIGITS = re.compile(
    r"(?<![\d/-])(?:\d{4}[ -]?\d{5}[ -]?\d|\d{3}[ -]?\d{3}[ -]?\d{4})(?:\s?/?\s?[1-9](?![\d]))?(?![\d/-])"
)
MEDICARE_WORD = re.compile(r"(?i)\bmedicare\b|\bMC#")
NHS_WORD = re.compile(r"\b(?i:nhs)\b")
SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
SSN_SPACED = re.compile(r"(?i:\bSSN\b|\bSS#|\bsocial\s+security\b)[^\n\d]{0,20}(\d{3}\s\d{2}\s\d{4})(?!\d)")
DVA = re.compile(r"(?<![\w/-])[NVQSWT][A-Z]{1,3}\d{1,6}[A-Z]?(?![\w/-])")
DVA_WORD = re.compile(r"(?i)\bd\.?v\.?a\b|\bveterans?\b|\bgold\s+card\b|\bwhite\s+card\b")
_ID = r"(?=[A-Za-z0-9/#-]*\d)[A-Za-z0-9][A-Za-z0-9/-]*(?:\s\d{2,})*"
_QUAL = r"(?:\s*(?i:no\.?|number|num\.?|#|id))"
FUND = re.compile(
    r"(?i:\b(?:member(?:ship)?|policy|claim|health\s+fund|fund|insurance)\b)"
    rf"(?:{_QUAL}|\s*(?i:is|:))*\s*[:#]?\s*({_ID})"
)
MRN = re.compile(
    rf"(?:\b(?i:mrn)\b|\bU\.?R\.?N?\b\.?|\bURN\b){_QUAL}?(?:\s*(?i:is|:))*\s*[:#]?\s*({_ID})"
    rf"|(?i:\b(?:chart|record|hospital)\b){_QUAL}(?:\s+(?i:for|of|is|was|him|her|them|the|patient)){{0,3}}\s*[:#]?\s*({_ID})"
)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_NAME = r"(?:[A-Z]\.\s?[A-Z][a-z]+|[A-Z][a-z]*(?:['’][A-Z][a-z]+)?[a-z](?:-[A-Z][a-z]+)?|[A-Z]['’][A-Z][a-z]+)"
PATIENT_NAME = re.compile(rf"(?i:\b(?:patient|pt|client)\b)\s*[:,–-]?\s*({_NAME}(?:\s+{_NAME})?)")
TITLE_NAME = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Master|Mstr)\b\.?\s+({_NAME}(?:\s+{_NAME})?)")
_SUFFIX = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Parade|Pde|Lane|Ln|Drive|Place|Pl|Court|Ct|Crescent|Cres|Close|"
    r"Terrace|Tce|Way|Highway|Hwy|Boulevard|Blvd|Circuit|Cct|Grove|Square|Sq|Esplanade|Esp|Row|Walk)"
)
ADDRESS = re.compile(
    rf"(?<![\w$.,/-])\d{{1,5}}[A-Za-z]?(?:/\d{{1,5}}[A-Za-z]?)?\s+(?:[A-Z][a-z']+\s+){{1,3}}{_SUFFIX}\b\.?"
)
_ABBREV = {"street": "st", "road": "rd", "avenue": "ave", "parade": "pde", "lane": "ln", "drive": "dr",
           "place": "pl", "court": "ct", "crescent": "cres", "terrace": "tce", "highway": "hwy",
           "boulevard": "blvd", "circuit": "cct", "square": "sq", "esplanade": "esp"}


_NO_DIGITS = str.maketrans("", "", "0123456789")
# Cheap cues: a pattern runs only on text holding one of these (lowercase) strings.
_DOB_CUES = ("dob", "d.o", "d. o", "birth", "born", "b.")
_AGE_CUES = ("age", "yo", "y.o", "yr", "year")
_MRN_CUES = ("mrn", "urn", "chart", "record", "hospital")
_FUND_CUES = ("member", "policy", "claim", "fund", "insurance")
_NAME_CUE = re.compile(r"(?i:patient|client|\bpt\b)|\b(?:Mr|Mrs|Ms|Miss|Master|Mstr)\b")
# The cue of every pattern: a digit, an '@', a name cue. It matches where, and only where,
#     [\d@]|(?i:patient|client|\bpt\b)|\b(?:Mr|Mrs|Ms|Miss|Master|Mstr)\b
# matches (tests/test_privacy.py holds the two to the same positions), but is written to start
# with one character set, which lets the regular-expression engine skip to the candidates
# instead of trying every alternative at every character: about 7x faster on ordinary text.
_CUE = re.compile(
    r"[\d@CcMPp](?:(?<=[\d@])|(?<=[Pp])(?i:atient)|(?<=[Cc])(?i:lient)|(?<=[Pp])(?<!\w[Pp])(?i:t)\b"
    r"|(?<=M)(?<!\wM)(?:r|rs|s|iss|aster|str)\b)"
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_PHONE_LIKE = re.compile(r"\d(?:[\s().+-]{0,3}\d){5}")  # six digits, close together


def _norm_address(text: str) -> str:
    words = re.findall(r"[a-z0-9/]+", text.lower())
    return " ".join(_ABBREV.get(w, w) for w in words)


def _own_phone(number: phonenumbers.PhoneNumber, phones: frozenset[str]) -> bool:
    """Whether a number found is one of ``phones`` (digits as written: '02 5550 4128', '+61 2 5550 4128')."""
    national = str(number.national_number)
    country = str(number.country_code)
    return any(d.lstrip("0") == national or d == country + national or d == country + "0" + national for d in phones)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def medicare_valid(digits: str) -> bool:
    """Ten or eleven digits whose ninth is the Medicare check digit of the first eight (first digit 2-6)."""
    if len(digits) not in (10, 11) or digits[0] not in "23456":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], (1, 3, 7, 9, 1, 3, 7, 9)))
    return total % 10 == int(digits[8])


def nhs_valid(digits: str) -> bool:
    """Ten digits passing the NHS mod-11 check."""
    if len(digits) != 10:
        return False
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


# --------------------------------------------------------------------------- the detector


def find(text: str, allowed: Allowed | Callable[[], Allowed] = Allowed()) -> list[Finding]:
    """Every span of ``text`` that looks like a patient identifier, in text order (no two overlap).

    ``allowed`` may be a function giving it, called only when a candidate must be checked against it
    (most texts with a cue hold none; what a partner may mention costs more to build than to search).
    """
    if not text or not text.strip():
        return []
    found: list[Finding] = []
    if not _CUE.search(text):
        return []  # most lines: every pattern needs a digit, an '@' or a name cue
    digits = len(text) - len(text.translate(_NO_DIGITS))
    names = _NAME_CUE.search(text) is not None

    def add(kind: str, start: int, end: int) -> None:
        if not any(f.start < end and start < f.end for f in found):
            found.append(Finding(kind, start, end))

    if isinstance(allowed, Allowed):
        given = allowed

        def allow() -> Allowed:
            return given
    else:
        allow = allowed
    if digits:
        _numbers(text, digits, allow, add)
    if "@" in text:
        for match in EMAIL.finditer(text):
            address = match.group().lower().rstrip(".")
            if address not in allow().emails and address.rsplit("@", 1)[1] not in allow().domains:
                add("email", match.start(), match.end())
    for pattern in (PATIENT_NAME, TITLE_NAME) if names else ():
        for match in pattern.finditer(text):
            words = match.group(1).replace(".", " ").split()
            if words[0] in _NAME_STOP:
                continue
            # "Mrs Kettle": a listed name word; "Tom Baker": the surname decides, not a shared first name
            if (words[-1] if len(words) > 1 else words[0]).lower() in allow().names:
                continue
            add("name", match.start(1), match.end(1))
    return sorted(found, key=lambda f: f.start)


def _numbers(text: str, digits: int, allow: Callable[[], Allowed], add: Callable[[str, int, int], None]) -> None:
    """The kinds that need a digit, in order of precedence (an earlier kind's span is not reported again).

    Each pattern runs only where its cue is (enough digits, a keyword): cheap tests on the text
    keep the guard fast on the ordinary lines that make up nearly all of a log.
    """
    lower = text.lower()
    if digits >= 16 and "800" in text:
        for match in IHI.finditer(text):
            add("ihi", match.start(), match.end())
    medicare_word = "medicare" in lower or "MC#" in text
    nhs_word = "nhs" in lower and NHS_WORD.search(text) is not None
    for match in TEN_DIGITS.finditer(text) if digits >= 10 else ():
        number = _digits(match.group())
        if nhs_word and not medicare_word and len(number) == 10:
            add("nhs", match.start(), match.end())
        elif medicare_valid(number) or (medicare_word and len(number) in (10, 11) and number[0] != "0"):
            add("medicare", match.start(), match.end())
        elif nhs_valid(number[:10]) and number[0] not in "01":
            add("nhs", match.start(), match.end())
    if digits >= 9:
        for match in SSN.finditer(text) if "-" in text else ():
            add("ssn", match.start(), match.end())
        for match in SSN_SPACED.finditer(text) if "ss" in lower or "social" in lower else ():
            add("ssn", match.start(1), match.end(1))
    if text != lower:  # a DVA file number starts with capitals
        dva_word = DVA_WORD.search(text) is not None
        for match in DVA.finditer(text):
            if len(match.group()) in (8, 9) or (dva_word and len(match.group()) >= 6):
                add("dva", match.start(), match.end())
    if digits >= 4:  # a full date has at least four digits (3.4.61)
        if any(cue in lower for cue in _DOB_CUES):
            for match in DOB_WORD.finditer(text):
                add("dob", match.start(), match.end())
        if any(cue in lower for cue in _AGE_CUES):
            for match in AGE_DATE.finditer(text):
                add("dob", match.start(), match.end())
    if digits >= 3 and ("UR" in text or "U.R" in text or any(cue in lower for cue in _MRN_CUES)):
        for match in MRN.finditer(text):
            group = 1 if match.group(1) else 2
            if len(_digits(match.group(group))) >= 3:
                add("mrn", match.start(group), match.end(group))
    if digits >= 5 and any(cue in lower for cue in _FUND_CUES):
        for match in FUND.finditer(text):
            if len(_digits(match.group(1))) >= 5:
                add("fund", match.start(1), match.end(1))
    if digits >= 6 and _PHONE_LIKE.search(text):  # the library's matcher is slow: only where a phone number could be
        for found in phonenumbers.PhoneNumberMatcher(text, allow().region, leniency=phonenumbers.Leniency.VALID):
            kind = phonenumbers.number_type(found.number)
            if kind in (phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.SHARED_COST):
                continue  # 1800 and 13/1300 numbers are businesses'
            if not _own_phone(found.number, allow().phones):
                add("phone", found.start, found.end)
    for match in ADDRESS.finditer(text):
        where = _norm_address(match.group())
        if not any(where in own for own in allow().addresses):
            add("address", match.start(), match.end())


def has_cue(text: str) -> bool:
    """False for text no pattern can match (no digit, no '@', no name cue): most lines, found fast."""
    return _CUE.search(text) is not None


def first_cue(text: str, start: int) -> int:
    """Where the first cue (see :func:`has_cue`) at or after ``start`` is in ``text``, or -1.

    For texts joined by newlines: a cue never spans a newline, and the character before a text's
    start is a newline, so searching the joined texts from a text's start finds what searching
    each text would.
    """
    match = _CUE.search(text, start)
    return match.start() if match is not None else -1


def reviewed(line: str) -> bool:
    """True when a line of notes (or a contact's notes, a value idea) carries the not-patient marker."""
    return MARKER in line


def log_reviewed(head: str) -> bool:
    """True when the head of a log line (the part before ': ') carries privacy:ok."""
    return LOG_ATTRIBUTE in head.split()


def without_marker(text: str) -> str:
    """``text`` without the not-patient marker, for pages (a marker is for reviewers, not readers)."""
    return text.replace(" " + MARKER, "").replace(MARKER, "")
