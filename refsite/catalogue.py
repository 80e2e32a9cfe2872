"""A catalogue of ways to give a referral partner something of value, each with the categories it suits.

Data only (the vocabulary level: no I/O, imports only :mod:`refsite.vocab`). When a partner's own
``value_ideas`` are used up or absent, the nurture, prospect, cadence and meeting steps suggest
the first idea here that suits the partner's category and that its log does not show as given.
A practice extends the catalogue, or replaces it, in ``settings.yml`` (``value_catalogue:``).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = "*"  # an idea that suits every category


@dataclass(frozen=True)
class Idea:
    """One way to give value: the words a next step uses ('Share ...' reads 'offer: ...'), and whom it suits."""

    text: str
    categories: tuple[str, ...]  # partner categories (vocab.CATEGORIES terms); ('*',) suits every one

    def suits(self, category: str) -> bool:
        return ALL in self.categories or category in self.categories


_CLINICAL = ("primary-care", "specialist", "surgeon", "hospital", "allied-health", "chiropractic", "massage",
             "pharmacy")
_TEAMS = ("fitness", "sports", "school", "employer", "community")

IDEAS: tuple[Idea, ...] = (
    Idea("Share a one-page protocol for a condition they often see", _CLINICAL),
    Idea("Share a patient handout they can give out (exercises, advice after an injury)", _CLINICAL + ("fitness",)),
    Idea("Offer a lunch-and-learn for their team", ("primary-care", "specialist", "hospital", "allied-health",
                                                     "legal", "insurer", "employer")),
    Idea("Offer a short talk for their staff", ("primary-care", "hospital", "employer", "school", "community")),
    Idea("Offer a talk or workshop for their clients or members", ("fitness", "sports", "school", "community",
                                                                   "pharmacy", "employer")),
    Idea("Share a success story in numbers only (no patient details)", ("*",)),
    Idea("A shout-out for them on social media, with a tag", ("fitness", "sports", "massage", "chiropractic",
                                                             "allied-health", "pharmacy", "community", "school")),
    Idea("Introduce them to another partner who could use their services", ("*",)),
    Idea("Drop off a pad of referral forms", ("primary-care", "specialist", "surgeon", "hospital", "allied-health",
                                              "chiropractic", "massage", "pharmacy")),
    Idea("Thank the front desk and the staff behind the doctor", ("primary-care", "specialist", "surgeon",
                                                                  "allied-health", "pharmacy")),
    Idea("Co-host a workshop with them", ("fitness", "sports", "community", "allied-health", "massage",
                                          "chiropractic", "pharmacy")),
    Idea("Invite them to our next open day or event", ("*",)),
    Idea("Share a short summary of new research in their field", ("primary-care", "specialist", "surgeon",
                                                                   "hospital", "allied-health", "chiropractic")),
    Idea("Send a quarterly note of how the patients they referred are doing, in numbers only", _CLINICAL + ("legal",
                                                                                                            "insurer")),
    Idea("Offer a free injury screen day for their members or players", ("fitness", "sports", "school")),
    Idea("Offer pre-season injury-prevention sessions for their team", ("sports", "school", "fitness")),
    Idea("Offer to cover a game or event as first-aid or physio support", ("sports", "school", "community")),
    Idea("Share a warm-up or injury-prevention programme their coaches can use", ("sports", "school", "fitness")),
    Idea("Offer an ergonomics check or desk-setup talk for their staff", ("employer", "legal", "insurer")),
    Idea("Share a guide to our report timelines and what our reports include", ("legal", "insurer", "employer")),
    Idea("Offer a case-conference slot for complex clients", ("insurer", "legal", "hospital", "specialist",
                                                              "surgeon")),
    Idea("Share our post-operative rehabilitation pathway", ("surgeon", "hospital", "specialist")),
    Idea("Share a list of our clinicians and what each specialises in", ("*",)),
    Idea("Send a card or a small treat for the team", ("*",)),
    Idea("Refer a patient of ours to them where they need their service", ("*",)),
    Idea("Ask whether we can display their flyers in our waiting room", ("fitness", "massage", "chiropractic",
                                                                        "allied-health", "pharmacy", "community")),
    Idea("Offer a guest article or tips for their newsletter or blog", ("fitness", "sports", "community", "school",
                                                                        "pharmacy", "employer")),
    Idea("Offer a health talk for their community group", ("community", "pharmacy")),
    Idea("Offer to mentor or host a student from their programme", ("school", "hospital", "allied-health")),
    Idea("Ask what their patients most often need, and offer to fill that gap", ("*",)),
)
"""The built-in catalogue (about thirty ideas); settings may extend or replace it."""
