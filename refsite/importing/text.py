"""Small helpers the importers share: YAML scalars that read back as written, slugs, phones, names."""

from __future__ import annotations

import re
import unicodedata

from refsite.vocab import normalise_word

_TITLE_WORDS = frozenset({"dr", "doctor", "prof", "professor", "a prof", "assoc prof", "mr", "mrs", "ms", "miss", "mx"})
_ORG_WORDS = {"st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "hwy": "highway", "ctr": "centre",
              "center": "centre", "mt": "mount", "nth": "north", "sth": "south", "med": "medical"}
_ORG_DROP = frozenset({"the", "pty", "ltd", "limited", "inc", "llc", "llp", "plc"})


def slugify(text: str) -> str:
    """A partner id from a name: "Café Physio & Co" -> "cafe-physio-and-co"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower().replace("&", " and ").replace("'", "")).strip("-")


def strip_title(words: list[str]) -> list[str]:
    while words and words[0] in _TITLE_WORDS:
        words = words[1:]
    if len(words) > 1 and " ".join(words[:2]) in _TITLE_WORDS:
        words = words[2:]
    return words


def person_key(name: str) -> str:
    """A person's name compared: case, punctuation and a title ignored ("Dr. Aisha Hassan" -> "aisha hassan")."""
    return " ".join(strip_title(normalise_word(name).split()))


def org_key(name: str) -> str:
    """An organisation's name compared: case, punctuation, '&'/'and', 'St'/'Street', 'Pty Ltd' ignored."""
    words = [_ORG_WORDS.get(w, w) for w in normalise_word(name).split() if w not in _ORG_DROP]
    return " ".join(words)


def phone_key(phone: str) -> str:
    """A phone number's digits, an Australian +61 written as the leading 0 ("+61 2 9000 1234" = "02 9000 1234")."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+61") and digits.startswith("61"):
        digits = "0" + digits[2:]
    return digits if len(digits) >= 6 else ""


def email_key(email: str) -> str:
    email = email.strip().lower()
    return email if "@" in email else ""
