"""One partner and only the other partners it can need: the loader mode of the one-partner commands.

``refsite brief PARTNER`` shows one partner, but a few things in it come from other files: the
name of whoever introduced them, the partners they introduced, intro lines elsewhere that name a
prospect, the people known at the same organisation, and the prospects whose introduction the
due engine would ask of this partner (which depends on every possible introducer's stage,
category, organisation, location, network and number of referrals). Reading and parsing every
file for that costs what ``refsite check`` costs. This module reads every file's bytes but
parses fully only the named partner and the files that can matter; for the rest it looks at a
few front-matter lines (:func:`scan_header`) and at substrings of the bytes, and it parses a
file whenever it is not sure. The result is a :class:`~refsite.model.Records` holding the named
partner and every partner that can change what a brief says about it, each parsed exactly as
:func:`refsite.load.folder.load_records` parses it (same bytes, same display paths).

The introduction rules are those of :class:`refsite.due.network.Network`: this module mirrors
which partners can be introducers of a prospect (active and nurture partners sharing its
organisation, its introducer or its network, its location or its category), ranks them the same
way (rank, then referrals received, then id) and needs only the best ``max_introducers``. The
number of referrals a file can hold is bounded above without parsing it (the distinct ids after
the word ``referral-in``), so only the candidates that can reach the top are parsed. A test
compares every brief of the demo and of generated partners with the full load's.

The due engine's constants (``INTRO``, ``MAX_INTRODUCERS``) live in ``refsite.due``, above this
layer: :func:`refsite.workspace.load_for_partner` passes them in.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from refsite import vocab
from refsite.load.folder import partner_files
from refsite.load.partner import parse_partner
from refsite.load.text import shown_name
from refsite.model import Partner, Records
from refsite.problems import Problem, Source, error
from refsite.settings import SLUG, Settings

NEVER = 1 << 30  # an upper bound meaning "not bounded": a file the scan cannot read is always parsed when it may count

_NOT_TEXT = frozenset({"yes", "no", "true", "false", "on", "off", "null", "~", "y", "n"})  # YAML 1.1: not text
_REFERRAL_IN = re.compile(rb"referral-in[ \t\x0b\x0c\x1c-\x1f]+([^ \t\n\x0b\x0c\x1c-\x1f]+)")
_RUN = re.compile(r"[a-z0-9]+")
_SAFE_VALUE = re.compile(rb"[A-Za-z](?:[^:#\"\t]|:(?! ))*")  # plain one-line text: no ': ', '#', quote or tab
_SCANNED_KEYS = frozenset({b"name", b"category", b"stage", b"organisation", b"location", b"introduced_by"})
_ODD_CLOSE = frozenset(b" \t\x0b\x0c\x1c\x1d\x1e\x1f")
SCANNED = ("name", "category", "stage", "organisation", "location", "introduced_by")


@dataclass(frozen=True)
class Header:
    """What the introduction rules and the brief need of a partner file, read from its front matter."""

    id: str
    name_key: str  # the name as duplicate names compare it (casefolded, spaces collapsed)
    category: str
    stage: str
    organisation: str | None  # compared as Network compares it: lowercased, spaces collapsed
    location: str | None
    introduced_by: str | None


def norm(text: str | None) -> str | None:
    """An organisation or a location as the network compares them."""
    return " ".join(text.lower().split()) if text else None


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def header_of(partner: Partner) -> Header:
    return Header(partner.id, name_key(partner.name), partner.category, partner.stage, norm(partner.organisation),
                  norm(partner.location), partner.introduced_by)


def scan_header(partner_id: str, data: bytes, settings: Settings) -> Header | None:
    """The front matter's scanned keys without YAML, or None when the scan cannot be sure of them.

    Sure means: ASCII (after a BOM), the front matter closed, every top-level line a plain
    ``key:`` line (or indented, a comment, a list item), each scanned key once, on one line,
    with a plain value YAML reads as the same text, and the required keys present with values
    the schema accepts. Whether the file as a whole loads is not decided here: a file that
    matters is always parsed.
    """
    if data.startswith(b"\xef\xbb\xbf"):  # a BOM and CRLF, as refsite.load.text.decode_text reads them
        data = data[3:]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not data.startswith(b"---\n") or not data.isascii():
        return None
    end = _close(data)
    if end < 0:
        return None
    found: dict[bytes, bytes] = {}
    pending = False  # after a scanned key's line: the value must not go on over the next lines
    for line in data[4:end].split(b"\n"):
        if not line:
            continue
        first = line[0]
        if first == 32 or first == 9:  # indented (or blank with spaces)
            if pending:
                return None
            continue
        if first == 35:  # a comment
            continue
        if first == 45:  # a list item at the top level: after a scanned key, not sure
            if pending:
                return None
            continue
        pending = False
        key, colon, rest = line.partition(b":")
        if not colon or (rest and rest[0] != 32) or not key.replace(b"_", b"a").isalpha() or not key.islower():
            return None  # not a plain 'key:' line: a flow mapping, a quoted or complex key, a document marker ...
        if key in _SCANNED_KEYS:
            value = rest.strip(b" ")
            if key in found or not _SAFE_VALUE.fullmatch(value) or value.endswith(b":") \
                    or value.lower().decode() in _NOT_TEXT:
                return None
            found[key] = value
            pending = True
    text = {k.decode(): v.decode() for k, v in found.items()}
    stage, category, name = text.get("stage"), text.get("category"), text.get("name")
    introduced_by = text.get("introduced_by")
    if stage is None or category is None or name is None or stage not in vocab.STAGES \
            or category not in settings.categories \
            or (introduced_by is not None and not SLUG.match(introduced_by)):
        return None
    return Header(partner_id, name_key(name), category, stage, norm(text.get("organisation")),
                  norm(text.get("location")), introduced_by)


def _close(data: bytes) -> int:
    """Where the front matter's closing '---' line starts (its newline), or -1: the loader's rule, on bytes."""
    at = 3
    while True:
        at = data.find(b"\n---", at)
        if at < 0:
            return -1
        stop = data.find(b"\n", at + 4)
        tail = data[at + 4: stop if stop >= 0 else len(data)]
        if all(c in _ODD_CLOSE for c in tail):
            return at
        at += 4


def referrals_bound(data: bytes) -> int:
    """At least the number of referrals a partner file's log can hold that it sent us.

    Each such referral has a ``referral-in`` line whose next word is its id, so the distinct
    words after ``referral-in`` bound them. Not ASCII: not bounded.
    """
    if not data.isascii():
        return NEVER
    return len(set(_REFERRAL_IN.findall(data)))


def _runs(text: str) -> list[str]:
    return _RUN.findall(text.lower())


@dataclass
class _Folder:
    """Every partner file's bytes, parsed on demand (once) with the folder loader's display paths."""

    paths: dict[str, Path]
    display_root: str
    settings: Settings
    today: dt.date
    data: dict[str, bytes] = field(default_factory=dict)
    parsed: dict[str, Partner | None] = field(default_factory=dict)
    problems: dict[str, list[Problem]] = field(default_factory=dict)
    headers: dict[str, Header] = field(default_factory=dict)
    _bounds: dict[str, int] = field(default_factory=dict)
    _lowered: dict[str, str | None] = field(default_factory=dict)

    def read(self, pid: str) -> bytes | None:
        if pid not in self.data:
            try:
                self.data[pid] = self.paths[pid].read_bytes()
            except OSError as exc:
                self.parsed[pid] = None
                self.problems[pid] = [error(Source(self.shown(pid)), f"cannot read the file: {exc.strerror or exc}",
                                            check="files")]
                return None
        return self.data[pid]

    def shown(self, pid: str) -> str:
        """The file's name as problems show it (as refsite.load.folder.load_records shows it)."""
        name = shown_name(self.paths[pid].name)
        return f"{self.display_root}/{name}" if self.display_root else name

    def parse(self, pid: str) -> Partner | None:
        """The partner of file ``pid`` as the folder loader reads it, as of today (None: it cannot be read)."""
        if pid in self.parsed:
            return self.parsed[pid]
        data = self.read(pid)
        if data is None:
            return None
        shown = self.shown(pid)
        try:
            partner, problems = parse_partner(self.paths[pid], shown, data, self.settings)
        except Exception as exc:  # noqa: BLE001 - the last guard, as in refsite.load.folder.load_records
            partner, problems = None, [error(Source(shown, 1), f"refsite could not read this file ({type(exc).__name__}: "
                                             f"{exc}); please report it with the file", check="files")]
        if partner is not None:
            partner = Records((partner,)).as_of(self.today).partners[0]
            self.headers[pid] = header_of(partner)
        else:
            self.headers.pop(pid, None)
        self.parsed[pid], self.problems[pid] = partner, problems
        return partner

    def bound(self, pid: str) -> int:
        """Referrals received by ``pid``: exact once parsed, else an upper bound."""
        partner = self.parsed.get(pid)
        if partner is not None:
            return sum(1 for r in partner.referrals if r.direction == "in")
        if pid not in self._bounds:
            self._bounds[pid] = referrals_bound(self.data.get(pid, b""))
        return self._bounds[pid]

    def lowered(self, pid: str) -> str | None:
        """The file's text, lowercased (None: not ASCII, so not searched: the caller parses it)."""
        if pid not in self._lowered:
            data = self.data.get(pid, b"")
            self._lowered[pid] = data.decode("ascii").lower() if data.isascii() else None
        return self._lowered[pid]


class _Index:
    """The scanned headers of the possible introducers (active and nurture), by the keys the network matches."""

    def __init__(self, headers: Iterable[Header]) -> None:
        self.by: dict[tuple[str, str], list[Header]] = {}
        for h in headers:
            if h.stage not in ("active", "nurture"):
                continue
            keys = [("category", h.category), ("id", h.id)]
            if h.organisation:
                keys.append(("organisation", h.organisation))
            if h.location:
                keys.append(("location", h.location))
            if h.introduced_by:
                keys.append(("introduced_by", h.introduced_by))
            for key in keys:
                self.by.setdefault(key, []).append(h)

    def keys(self, prospect: Header) -> list[tuple[int, tuple[str, str]]]:
        """The index keys of the candidate introducers of ``prospect``, with their rank (Network.introducers')."""
        keys: list[tuple[int, tuple[str, str]]] = []
        if prospect.organisation:
            keys.append((0, ("organisation", prospect.organisation)))
        if prospect.introduced_by:
            keys.append((1, ("id", prospect.introduced_by)))
            keys.append((2, ("introduced_by", prospect.introduced_by)))
        keys.append((1, ("introduced_by", prospect.id)))
        if prospect.location:
            keys.append((3, ("location", prospect.location)))
        keys.append((4, ("category", prospect.category)))
        return keys


@dataclass(frozen=True)
class OneLoad:
    """The named partner, the partners a brief about it can need, the settings and the partner's own problems."""

    partner: Partner
    records: Records  # the partner and the others that matter, as of today, sorted by id (not every partner)
    settings: Settings
    problems: list[Problem]  # reading the partner's file (the settings' problems are the caller's)
    parsed: int  # how many files were parsed (the partner's included), for the curious


def load_one(
    records_dir: Path,
    settings: Settings,
    display_root: str,
    partner_id: str,
    today: dt.date,
    *,
    max_introducers: int,
    intro_kinds: Iterable[str],
    introductions: bool = True,
) -> OneLoad | None:
    """Read ``partner_id`` fully and, of the other partner files, only what a brief about it can need.

    ``max_introducers`` and ``intro_kinds`` are the due engine's (``refsite.due``). With
    ``introductions``, the prospects whose introduction the due engine may ask of this partner
    come too (a brief); without, only what the partner's own due items need (a draft). Returns
    None when the partner has no file or its file cannot be read: the caller then reads the
    whole folder, to say so as the full load does.
    """
    files = partner_files(records_dir)
    paths = {p.stem: p for p in files}
    if partner_id not in paths:
        return None
    folder = _Folder(paths, display_root, settings, today)
    target = folder.parse(partner_id)
    if target is None:
        return None
    for pid in paths:
        folder.read(pid)
    unsure: list[str] = []
    for pid, data in folder.data.items():
        if pid != partner_id:
            header = scan_header(pid, data, settings)
            if header is None:
                unsure.append(pid)
            else:
                folder.headers[pid] = header
    for pid in unsure:
        folder.parse(pid)  # its header, if it loads at all
    me = folder.headers[partner_id]
    need: set[str] = {partner_id}
    headers = list(folder.headers.values())

    # The introducer's name, the partners it introduced, a partner of the same name (a warning on it),
    # referral ids it shares with another log (an error on it), the people at its organisation.
    if target.introduced_by and target.introduced_by in paths:
        need.add(target.introduced_by)
    need.update(h.id for h in headers if h.introduced_by == partner_id or h.name_key == me.name_key
                or (me.organisation and h.organisation == me.organisation))
    refs = {r.id.encode() for r in target.referrals} | {e.ref.encode() for e in target.events if e.ref}
    if refs:
        need.update(pid for pid, data in folder.data.items() if any(ref in data for ref in refs))

    kinds = tuple(k.encode() for k in intro_kinds)
    intro_files = [pid for pid, data in folder.data.items() if any(k in data for k in kinds)]
    index = _Index(headers)

    def mentions(prospect: Partner) -> set[str]:
        """Files whose intro lines may name ``prospect`` by id or name: every word of one of them is in the file."""
        names = [runs for runs in (_runs(prospect.id), _runs(prospect.name)) if runs]
        found = set()
        for pid in intro_files:
            text = folder.lowered(pid)
            if text is None or any(all(w in text for w in words) for words in names):
                found.add(pid)
        return found

    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    tops: dict[str, list[str]] = {}

    def group(key: tuple[str, str]) -> list[tuple[int, str]]:
        """An index group's partners in their best possible order: (-referrals bound, id)."""
        if key not in groups:
            groups[key] = sorted((-folder.bound(h.id), h.id) for h in index.by.get(key, ()))
        return groups[key]

    def top(prospect: Header) -> list[str]:
        """The exact best ``max_introducers`` introducers of ``prospect`` (parsing only those that can be).

        Candidates come in their best possible order (rank, then the bound on their referrals, then
        id); each is parsed for its exact count; once the last of the best so far comes before the
        next candidate's best possible place, no later candidate can enter.
        """
        if prospect.id in tops:
            return tops[prospect.id]
        by_rank: dict[int, list[list[tuple[int, str]]]] = {}
        for rank, key in index.keys(prospect):
            by_rank.setdefault(rank, []).append(group(key))
        seen: set[str] = set()
        best: list[tuple[int, int, str]] = []
        for rank in sorted(by_rank):
            for negative, pid in heapq.merge(*by_rank[rank]):
                if pid == prospect.id or pid in seen:
                    continue
                seen.add(pid)
                if len(best) >= max_introducers and best[max_introducers - 1] <= (rank, negative, pid):
                    break
                partner = folder.parse(pid)
                if partner is None or partner.stage not in ("active", "nurture"):
                    continue  # unreadable after all
                best.append((rank, -folder.bound(pid), pid))
                best.sort()
            else:
                continue
            break
        tops[prospect.id] = [pid for _rank, _count, pid in best[:max_introducers]]
        return tops[prospect.id]

    def prospect_needs(prospect: Partner, introducers: list[str]) -> set[str]:
        wanted = set(introducers) | mentions(prospect)
        if prospect.introduced_by and prospect.introduced_by in paths:
            wanted.add(prospect.introduced_by)
        return wanted

    if target.stage == "prospect":
        need |= prospect_needs(target, top(me))
    if introductions and target.stage in ("active", "nurture"):
        for h in _prospects_of(me, headers):
            if partner_id in top(h):
                prospect = folder.parse(h.id)
                if prospect is not None and prospect.stage == "prospect":
                    need.add(h.id)
                    need |= prospect_needs(prospect, top(header_of(prospect)))
    # Every prospect among them ranks its introducers over these records alone: give it its true best
    # ones, so that the partial network never puts this partner (or anyone) in the place of a better one.
    ranked: set[str] = set()
    while True:
        prospects = [pid for pid in need - ranked if (p := folder.parse(pid)) is not None and p.stage == "prospect"]
        if not prospects:
            break
        for pid in prospects:
            ranked.add(pid)
            need.update(top(folder.headers[pid]))

    partners = [p for pid in sorted(need) if (p := folder.parse(pid)) is not None]
    return OneLoad(target, Records(tuple(partners), frozenset(pid for pid in need if folder.parsed.get(pid) is None)),
                   settings, list(folder.problems[partner_id]), len(folder.parsed))


def _prospects_of(me: Header, headers: list[Header]) -> Iterator[Header]:
    """The prospects ``me`` (an active or nurture partner) could be asked to introduce, by the network's keys."""
    for h in headers:
        if h.stage != "prospect" or h.id == me.id:
            continue
        if ((h.organisation and h.organisation == me.organisation)
                or (h.introduced_by and (h.introduced_by == me.id or h.introduced_by == me.introduced_by))
                or h.id == me.introduced_by
                or (h.location and h.location == me.location)
                or h.category == me.category):
            yield h
