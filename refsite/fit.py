"""Prospect fit: the answers a practice records before courting a prospect, and the score they make.

A prospect's optional ``fit:`` mapping (docs/records.md, "Prospect fit") answers four questions.
:func:`fit_score` turns the answers into a score from 0 to 100 (a pure function; the formula is
documented in docs/records.md and below), which orders the prospect pipeline and is shown in
``refsite brief``. The loader (refsite.load) reads the mapping with the vocabularies here.

    populations         strong 40 | some 20 | none 0          (unanswered: 20)
    patients_per_month  30 x min(n, 8) / 8                    (unanswered: 15)
    location            convenient 20 | manageable 10 | far 0 (unanswered: 10)
    competitor          false 10 | true 0                     (unanswered: 5)

The score is the sum, rounded half up to a whole number. An unanswered question counts half its
points: unknown is neither a reason for nor against.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Mapping

from refsite.problems import Source
from refsite.words import plural

#: How well their patients match ours, and the points each answer gives.
POPULATIONS: Mapping[str, int] = MappingProxyType({"strong": 40, "some": 20, "none": 0})
#: How convenient our location is for their patients, and the points each answer gives.
LOCATIONS: Mapping[str, int] = MappingProxyType({"convenient": 20, "manageable": 10, "far": 0})
POPULATIONS_HELP: Mapping[str, str] = MappingProxyType({
    "strong": "most of their patients are the kind we treat",
    "some": "some of their patients are",
    "none": "few or none are",
})
LOCATIONS_HELP: Mapping[str, str] = MappingProxyType({
    "convenient": "close to them, or on their patients' way",
    "manageable": "a trip, but one their patients make",
    "far": "too far for most of their patients",
})
VOLUME_POINTS = 30
VOLUME_FULL = 8  # patients a month that earn all the volume points
COMPETITOR_POINTS = 10  # for a prospect who does not already refer to a competitor
MAX_PATIENTS = 1000  # a bound on the estimate: more is a typing error

#: The keys of a fit: mapping, with what each asks (docs/records.md lists the same).
KEYS: Mapping[str, str] = MappingProxyType({
    "populations": "do our patient populations match: strong, some or none",
    "patients_per_month": "about how many patients they could send us a month (a whole number)",
    "location": "how convenient our location is for their patients: convenient, manageable or far",
    "competitor": "true when they already refer patients like ours to a competitor",
})


@dataclass(frozen=True)
class Fit:
    """A prospect's fit answers (None: not answered) and where the ``fit:`` key is."""

    source: Source
    populations: str | None = None
    patients_per_month: int | None = None
    location: str | None = None
    competitor: bool | None = None

    @property
    def answered(self) -> int:
        return sum(v is not None for v in (self.populations, self.patients_per_month, self.location,
                                           self.competitor))


def _half(points: int) -> Decimal:
    return Decimal(points) / 2


def fit_score(fit: Fit) -> int:
    """The fit score, 0 to 100 (the formula in the module docstring and docs/records.md)."""
    total = Decimal(0)
    top = max(POPULATIONS.values())
    total += Decimal(POPULATIONS[fit.populations]) if fit.populations is not None and fit.populations in POPULATIONS else _half(top)
    if fit.patients_per_month is None:
        total += _half(VOLUME_POINTS)
    else:
        total += Decimal(VOLUME_POINTS * min(max(fit.patients_per_month, 0), VOLUME_FULL)) / VOLUME_FULL
    top = max(LOCATIONS.values())
    total += Decimal(LOCATIONS[fit.location]) if fit.location is not None and fit.location in LOCATIONS else _half(top)
    if fit.competitor is None:
        total += _half(COMPETITOR_POINTS)
    elif not fit.competitor:
        total += COMPETITOR_POINTS
    return int(total.quantize(Decimal(1), ROUND_HALF_UP))


def describe(fit: Fit) -> str:
    """The answers in a few words, for a brief or a card: 'fit 78/100: populations strong, 4 patients a month, ...'."""
    parts = []
    if fit.populations is not None:
        parts.append(f"populations {fit.populations}")
    if fit.patients_per_month is not None:
        parts.append(f"{plural(fit.patients_per_month, 'patient')} a month")
    if fit.location is not None:
        parts.append(f"location {fit.location}")
    if fit.competitor is not None:
        parts.append("refers to a competitor" if fit.competitor else "no competitor")
    unanswered = 4 - fit.answered
    if unanswered:
        parts.append(f"{unanswered} unanswered")
    return f"{fit_score(fit)}/100 ({', '.join(parts)})"
