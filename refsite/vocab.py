"""The closed vocabularies of the record format, each term with its meaning.

One table per vocabulary: the loader checks values against it, the docs are
checked against it (``tests/test_docs.py``), and ``did_you_mean`` turns a typo
into a suggestion. The settings file may extend categories, roles and services.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Mapping


def _table(*rows: tuple[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(rows))


CATEGORIES = _table(
    ("primary-care", "family doctors / GPs, their nurse practitioners and practice staff"),
    ("specialist", "medical specialists: sports medicine, rheumatology, orthopaedics, neurology"),
    ("surgeon", "surgeons and surgical practices (post-operative rehabilitation)"),
    ("hospital", "hospital departments, discharge planners, outpatient clinics"),
    ("allied-health", "other allied health: podiatry, OT, dietetics, psychology, exercise physiology"),
    ("chiropractic", "chiropractors and osteopaths"),
    ("massage", "massage and bodywork therapists"),
    ("fitness", "gyms, personal trainers, pilates and yoga studios"),
    ("sports", "sports clubs, teams and leagues"),
    ("school", "schools, universities and their sport programmes"),
    ("employer", "employers and workplace health programmes"),
    ("legal", "personal-injury and workers' compensation lawyers"),
    ("insurer", "insurers, case managers and rehabilitation providers"),
    ("community", "community groups, aged care, charities, councils"),
    ("pharmacy", "pharmacies and pharmacists"),
    ("other", "anything that fits nowhere else"),
)

STAGES = _table(
    ("prospect", "not yet referring: the prospect playbook applies (engage, then ask to meet) until they refer (promote)"),
    ("active", "an established partner: the contact cadence of its tier applies"),
    ("nurture", "an existing partner on the nurture playbook: value weekly, a meeting in week four"),
    ("former", "no longer pursued: kept for history, nothing is due unless they refer again (reactivate)"),
)

TIERS = _table(
    ("key", "a partner the practice depends on: monthly contact and an in-person meeting each quarter"),
    ("standard", "a regular partner: contact every two months"),
    ("light", "an occasional partner: contact every four months"),
)

# The closed vocabularies the code branches on, as types (tests/test_types.py holds each to its table).
Stage = Literal["prospect", "active", "nurture", "former"]
Tier = Literal["key", "standard", "light"]
Status = Literal["received", "booked", "converted", "declined", "discharged"]  # a referral's (STATUSES)
UpdatePreference = Literal["none", "discharge", "milestones", "detailed"]  # UPDATES
Direction = Literal["in", "out"]  # a referral they sent us (referral-in) or we sent them (referral-out)

ROLES = _table(
    ("physician", "a doctor: GP, family physician"),
    ("specialist", "a medical specialist"),
    ("surgeon", "a surgeon"),
    ("nurse-practitioner", "a nurse practitioner (can refer)"),
    ("physician-assistant", "a physician assistant (can refer)"),
    ("nurse", "a practice or ward nurse"),
    ("front-desk", "reception and front-desk staff"),
    ("referral-coordinator", "the person who decides where referrals go"),
    ("office-manager", "the practice or office manager"),
    ("owner", "the owner or director of the business"),
    ("therapist", "a therapist: massage, chiropractic, psychology, OT"),
    ("trainer", "a personal trainer or instructor"),
    ("coach", "a sports coach or team manager"),
    ("teacher", "a teacher or sports master"),
    ("hr", "human resources or workplace health"),
    ("lawyer", "a lawyer or paralegal"),
    ("case-manager", "an insurer's or provider's case manager"),
    ("other", "any other role"),
)

CHANNELS = _table(
    ("phone", "a phone call"),
    ("email", "an email"),
    ("in-person", "a visit or meeting in person"),
    ("text", "a text message"),
    ("fax", "a fax (some clinics still prefer it)"),
    ("post", "a letter or card by post"),
)

UPDATES = _table(
    ("none", "no updates about patients they referred"),
    ("discharge", "one update when the patient is discharged"),
    ("milestones", "updates when the patient starts care (converted) and at discharge"),
    ("detailed", "updates when the patient books, starts care and is discharged"),
)

# Which referral statuses owe the referrer a patient update, per update preference (UPDATES).
UPDATE_STATUSES: Mapping[str, tuple[Status, ...]] = MappingProxyType({
    "none": (),
    "discharge": ("discharged",),
    "milestones": ("converted", "discharged"),
    "detailed": ("booked", "converted", "discharged"),
})

STATUSES = _table(
    ("received", "the referral arrived (the default on the first line)"),
    ("booked", "the client booked a first appointment"),
    ("converted", "the client started care"),
    ("declined", "the client did not book or was not suitable"),
    ("discharged", "the client completed care"),
)

SERVICES = _table(
    ("back", "low back and thoracic pain"),
    ("neck", "neck pain, whiplash, headaches"),
    ("shoulder", "shoulder"),
    ("knee", "knee, including ACL"),
    ("hip", "hip and groin"),
    ("ankle-foot", "ankle and foot"),
    ("hand-wrist", "hand, wrist and elbow"),
    ("post-op", "rehabilitation after surgery"),
    ("sports", "sports injury and return to sport"),
    ("pelvic-health", "pelvic health and pregnancy"),
    ("vestibular", "dizziness and balance"),
    ("neuro", "neurological rehabilitation"),
    ("chronic-pain", "persistent pain programmes"),
    ("workplace", "workplace injury and return to work"),
    ("paediatric", "children and adolescents"),
    ("general", "anything else"),
)


@dataclass(frozen=True)
class Kind:
    """A log kind and what it counts as, for the rules that read the log."""

    meaning: str
    contact: bool  # restarts the contact cadence (a check-in)
    in_person: bool  # counts as the in-person meeting key partners need each quarter
    value: bool  # gives value (the nurture playbook, the prospect playbook's engagement)
    engaged: bool  # shows the partner engaging with us (the prospect playbook)
    ref: str  # "required", "optional" or "none": whether a referral id follows the kind


LOG_KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        "meeting": Kind("a planned meeting with them, in person or by video", True, True, False, True, "none"),
        "call": Kind("a phone call (a voicemail is a note)", True, False, False, False, "none"),
        "email": Kind("an email we sent them", True, False, False, False, "none"),
        "visit": Kind("a drop-in at their office", True, True, False, False, "none"),
        "coffee": Kind("coffee together (hospitality: may carry a cost)", True, True, False, True, "none"),
        "lunch": Kind("lunch together or a lunch-and-learn (hospitality: may carry a cost)", True, True, False, True, "none"),
        "event": Kind("an event together: a talk, a workshop, a sports day", True, True, True, True, "none"),
        "social": Kind("a social-media touch: a like, a share, a comment", False, False, False, False, "none"),
        "reply": Kind("they got in touch or answered us: a reply, a returned call", False, False, False, True, "none"),
        "value": Kind("a gift of value: an article, a resource, a protocol, a talk", True, False, True, False, "none"),
        "gift": Kind("a gift or treat: doughnuts for the desk, a hamper (may carry a cost)", True, False, False, False, "none"),
        "thanks": Kind("thanks for a referral (optionally naming its id)", True, False, False, False, "optional"),
        "update": Kind("a patient progress update to the referrer (optionally naming the referral id)", True, False, False, False, "optional"),
        "intro-asked": Kind("we asked them for an introduction, or they asked us", True, False, False, False, "none"),
        "intro-made": Kind("an introduction was made, by them or by us", True, False, True, True, "none"),
        "referral-in": Kind("a referral they sent us (an opaque referral id follows)", False, False, False, True, "required"),
        "referral-out": Kind("a referral we sent them (an opaque referral id follows)", True, False, True, False, "required"),
        "stage": Kind("the relationship moved to a new stage (the stage follows)", False, False, False, False, "none"),
        "note": Kind("a note for the team; not a contact", False, False, False, False, "none"),
    }
)

LOG_KIND_NAMES = _table(*((name, kind.meaning) for name, kind in LOG_KINDS.items()))

# Attributes a log line may carry as key:value, with what each means.
ATTRIBUTES = _table(
    ("status", "a referral's status (received, booked, converted, declined, discharged)"),
    ("service", "the service line a referral is for, from the services vocabulary"),
    ("value", "revenue from the referred client so far, a number (no currency sign)"),
    ("consent", "yes or no: the client agreed that we update the referrer"),
    ("satisfaction", "the client's satisfaction score, 1 (poor) to 5 (excellent)"),
    ("cost", "what a gift or hospitality cost, a number (counts towards the yearly cap)"),
    ("privacy", "privacy:ok: the line was reviewed and is not about a patient (silences the privacy guard; docs/privacy.md)"),
)


# The usual spellings of categories and roles, as spreadsheets and front desks write them, each to
# its term. One table: ``refsite import`` maps a spreadsheet's "GP" through it, and ``unknown``
# suggests through it ("category 'GP'" -> "did you mean 'primary-care'?"). The settings' ``synonyms``
# extend it. Keys are written normalised (see :func:`normalise_word`).
SYNONYMS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "category": _table(
        ("gp", "primary-care"), ("gps", "primary-care"), ("general practice", "primary-care"),
        ("general practitioner", "primary-care"), ("family doctor", "primary-care"),
        ("family practice", "primary-care"), ("family medicine", "primary-care"), ("medical centre", "primary-care"),
        ("medical center", "primary-care"), ("doctor", "primary-care"), ("primary care", "primary-care"),
        ("nurse practitioner", "primary-care"),
        ("sports physician", "specialist"), ("sports medicine", "specialist"), ("rheumatologist", "specialist"),
        ("neurologist", "specialist"), ("specialist physician", "specialist"), ("sports doctor", "specialist"),
        ("orthopaedic surgeon", "surgeon"), ("orthopedic surgeon", "surgeon"), ("orthopaedics", "surgeon"),
        ("orthopedics", "surgeon"), ("ortho", "surgeon"), ("surgeon", "surgeon"), ("spinal surgeon", "surgeon"),
        ("hospital", "hospital"), ("discharge planner", "hospital"), ("outpatients", "hospital"),
        ("physio", "allied-health"), ("physiotherapy", "allied-health"), ("physiotherapist", "allied-health"),
        ("physical therapist", "allied-health"), ("podiatrist", "allied-health"), ("podiatry", "allied-health"),
        ("psychologist", "allied-health"), ("psychology", "allied-health"), ("counsellor", "allied-health"),
        ("ot", "allied-health"), ("occupational therapist", "allied-health"), ("dietitian", "allied-health"),
        ("dietician", "allied-health"), ("exercise physiologist", "allied-health"), ("ep", "allied-health"),
        ("allied health", "allied-health"),
        ("chiro", "chiropractic"), ("chiropractor", "chiropractic"), ("osteo", "chiropractic"),
        ("osteopath", "chiropractic"), ("osteopathy", "chiropractic"),
        ("massage", "massage"), ("massage therapist", "massage"), ("myotherapist", "massage"),
        ("remedial massage", "massage"),
        ("gym", "fitness"), ("personal trainer", "fitness"), ("pt", "fitness"), ("pilates", "fitness"),
        ("yoga", "fitness"), ("crossfit", "fitness"), ("fitness", "fitness"), ("trainer", "fitness"),
        ("sports club", "sports"), ("club", "sports"), ("team", "sports"), ("league", "sports"),
        ("school", "school"), ("university", "school"), ("college", "school"),
        ("employer", "employer"), ("workplace", "employer"), ("business", "employer"),
        ("solicitor", "legal"), ("lawyer", "legal"), ("lawyers", "legal"), ("law firm", "legal"), ("legal", "legal"),
        ("insurer", "insurer"), ("insurance", "insurer"), ("case manager", "insurer"), ("workers comp", "insurer"),
        ("aged care", "community"), ("charity", "community"), ("council", "community"),
        ("pharmacy", "pharmacy"), ("pharmacist", "pharmacy"), ("chemist", "pharmacy"),
    ),
    "role": _table(
        ("gp", "physician"), ("doctor", "physician"), ("dr", "physician"), ("general practitioner", "physician"),
        ("family doctor", "physician"), ("physician", "physician"),
        ("np", "nurse-practitioner"), ("nurse practitioner", "nurse-practitioner"),
        ("pa", "physician-assistant"), ("physician assistant", "physician-assistant"),
        ("rn", "nurse"), ("practice nurse", "nurse"),
        ("reception", "front-desk"), ("receptionist", "front-desk"), ("front desk", "front-desk"),
        ("referrals", "referral-coordinator"), ("referral coordinator", "referral-coordinator"),
        ("practice manager", "office-manager"), ("office manager", "office-manager"), ("manager", "office-manager"),
        ("director", "owner"), ("principal", "owner"), ("owner", "owner"),
        ("physio", "therapist"), ("chiro", "therapist"), ("chiropractor", "therapist"), ("osteo", "therapist"),
        ("osteopath", "therapist"), ("psychologist", "therapist"), ("podiatrist", "therapist"),
        ("massage therapist", "therapist"), ("ot", "therapist"),
        ("pt", "trainer"), ("personal trainer", "trainer"), ("instructor", "trainer"), ("pilates instructor", "trainer"),
        ("orthopaedic surgeon", "surgeon"), ("orthopedic surgeon", "surgeon"),
        ("solicitor", "lawyer"), ("paralegal", "lawyer"), ("human resources", "hr"),
        ("case manager", "case-manager"), ("sports master", "teacher"), ("pe teacher", "teacher"),
    ),
})


def normalise_word(text: object) -> str:
    """Lowercase, '&' as 'and', punctuation as spaces, spaces collapsed: "Family-Doctor." -> "family doctor"."""
    low = str(text).lower().replace("&", " and ").replace("'", "")
    return " ".join("".join(c if c.isalnum() else " " for c in low).split())


def synonym(what: str, word: object, extra: Mapping[str, str] | None = None) -> str | None:
    """The term that ``word`` is a usual spelling of (``what``: "category" or "role"), or None."""
    key = normalise_word(word)
    if extra and key in extra:
        return extra[key]
    table = SYNONYMS.get(what, {})
    if key in table:
        return table[key]
    if key.endswith("s") and key[:-1] in table:  # "GPs", "physios"
        return table[key[:-1]]
    return None


def did_you_mean(word: str, choices: object) -> str:
    """Return " (did you mean 'x'?)" for the closest choice, or ""."""
    match = difflib.get_close_matches(str(word).lower(), list(choices), n=1, cutoff=0.7)  # type: ignore[call-overload]
    return f" (did you mean '{match[0]}'?)" if match else ""


def unknown(what: str, word: object, choices: Mapping[str, str], synonyms: Mapping[str, str] | None = None) -> str:
    """The message for a value outside a closed vocabulary (a usual spelling suggests its term: 'GP' -> 'primary-care')."""
    term = synonym(what, word, synonyms)
    if term is not None and term in choices and term != word:
        return f"unknown {what} '{word}' (did you mean '{term}'?)"
    hint = did_you_mean(str(word), choices)
    if hint:
        return f"unknown {what} '{word}'{hint}"
    return f"unknown {what} '{word}' (one of: {', '.join(choices)})"
