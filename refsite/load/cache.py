"""The parsed-records cache: what reading a partner file gave, kept until the file, the settings or refsite change.

One entry per partner file, keyed by the path as shown and the file's content
(a BLAKE2b digest of its bytes), under a header that names the cache format,
refsite's version, the Python version and a digest of the settings. A file whose
size changed is a miss without hashing; otherwise the content digest decides, so
a file edited in place with the same size and modification time is read again,
and a Git checkout (which resets modification times) still hits.

Where: ``.refsite-cache/<records folder name>.cache`` beside the records folder,
a folder that carries its own ``.gitignore`` (``*``) so it is never committed
even where a repository's ``.gitignore`` forgets it.

Format: a header line, then segments, each of frames ``length (4 bytes) + digest
(32 bytes) + payload`` ending in an end frame (the number of entries in the
segment, and the files no longer read when it was written). A payload is the
entry's display path (two bytes of length, then UTF-8; empty for an end frame)
and the pickle. A later frame of a path replaces the earlier one. The file is
read whole and checked whole (header, every digest, every segment ended) before
anything is unpickled, and then only each path's latest frame is. A run that put
new entries appends them as one segment to the file it read (still the same
size, modification time and inode), written with one ``write``; a run that read
exactly what the file holds writes nothing. When superseded frames would pass
:data:`DEAD_SHARE` of the file, or the file was not the one read, it is written
afresh (compacted): atomically (a temporary file in the same folder, then
``os.replace``), the entries read from the old file copied frame by frame, not
pickled again. Bounded: at most :data:`MAX_BYTES` on disk, and only the entries
of the files read in the run that saves it (removed files drop out: named in the
appended end frame, left out of a compacted file).

An entry holds the parsed partner (with its derived referrals; its log and
referrals are one nested pickle, decoded when first used: ``Partner.__reduce__``),
the problems reading it gave, and, when the loader was given them, the partner's own problems
(``refsite.checks.partner_problems``: the checks that depend on the partner and
the settings alone), named by the function that found them. The layer above may
keep with it what is due for the partner (``due``: ``refsite.workspace`` keeps a
``refsite.due.memo.Memo``, which it checks itself before reusing it: today, and
what the partner's rules read of the other partners); an entry of new bytes
starts without one.

Trust model: the cache is pickle, so it is only ever read when it is refsite's
own: the header must match exactly (format, refsite version, Python version,
settings digest) and every frame's digest must match its bytes. Anything else
(a corrupt, truncated, foreign, older or newer cache; an append cut short by a
crash or a full disk) is ignored as a whole and rebuilt, never trusted in part.
A partner's packed log is bytes inside a frame whose digest matched, unpickled
later by the same process. The digests detect damage, not an attacker:
whoever can write ``.refsite-cache/`` can equally write the records and the
settings, which refsite reads and acts on anyway. The cache is never committed
(its own ``.gitignore``), never shared between machines (a CI cache restored
from another refsite or Python version is rebuilt), and holds only what the
records already hold.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from refsite import __version__
from refsite.model import Partner
from refsite.problems import Problem
from refsite.settings import Settings

CACHE_DIR = ".refsite-cache"
FORMAT = 4  # 2: LogEvent a named tuple; entries carry the partner's own problems; 3: and its due memo;
# 4: appended segments, frames named by their display path, LogEvent pickled through tuple.__new__
MAGIC = b"refsite-record-cache\n"
MAX_BYTES = 512 * 2**20  # larger than this on disk: not read, not written
MAX_FRAME = 64 * 2**20  # one entry (a partner file is bounded well below this by load)
_FRAME_HEAD = 4 + 32
DEAD_SHARE = 0.25  # superseded frames above this share of the file: it is written afresh (compacted)
_END = "end"

Parsed = tuple[Partner | None, list[Problem]]
# parse(path, display, data): read one partner file; ``data`` is the bytes the cache hashed.
Parse = Callable[[Path, str, bytes], Parsed]
# own(partner): the partner's own problems (refsite.checks.partner_problems with the run's settings)
Own = Callable[[Partner], tuple[Problem, ...]]
# what reading a file gave, and its partner's own problems (None: no partner, or no ``own``)
Checked = tuple[Partner | None, list[Problem], tuple[Problem, ...] | None]


def settings_digest(settings: Settings) -> str:
    """A digest of everything in the settings (their repr: frozen dataclasses, mappings, Decimals)."""
    return hashlib.blake2b(repr(settings).encode("utf-8"), digest_size=16).hexdigest()


def content_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def cache_path(records: Path) -> Path:
    """Where the cache of a records folder lives: ``.refsite-cache/`` beside it."""
    records = records.resolve()
    return records.parent / CACHE_DIR / f"{records.name or 'records'}.cache"


@dataclass(frozen=True)
class Entry:
    display: str
    size: int
    digest: bytes
    partner: Partner | None
    problems: tuple[Problem, ...]
    checked: tuple[Problem, ...] | None = None  # the partner's own problems, as ``checked_by`` found them
    checked_by: str = ""  # the name of the function that found them (parse_files_checked's ``own``)
    due: object | None = None  # what is due for the partner, as the layer above keeps it (refsite.workspace)


@dataclass
class RecordCache:
    """The cache of one records folder under one settings. ``load()`` it, ``get``/``put`` per file, ``save()``."""

    path: Path
    settings_key: str
    version: str = __version__
    entries: dict[str, Entry] = field(default_factory=dict)
    ignored: str = ""  # why the file on disk was not used ("" when it was, or there was none)
    hits: int = 0
    misses: int = 0
    _kept: dict[str, Entry] = field(default_factory=dict)  # the entries of this run: what save() writes
    _fresh: set[str] = field(default_factory=set)  # the entries put in this run (the others were read)
    _stored: dict[str, tuple[int, int]] = field(default_factory=dict)  # display -> (offset, length) of its frame
    _read_stat: tuple[int, int, int] | None = None  # the file read: its size, mtime and inode
    _dead: int = 0  # bytes of the file read that no live entry uses (superseded frames, end frames)

    @classmethod
    def for_records(cls, records: Path, settings: Settings) -> RecordCache:
        return cls(cache_path(records), settings_digest(settings))

    def header(self) -> bytes:
        fields = {"format": FORMAT, "refsite": self.version, "python": sys.version.split()[0],
                  "pickle": pickle.HIGHEST_PROTOCOL, "settings": self.settings_key}
        return MAGIC + json.dumps(fields, sort_keys=True).encode("ascii") + b"\n"

    # ----------------------------------------------------------------- reading

    def load(self) -> RecordCache:
        """Read the cache file; on any doubt keep nothing (``ignored`` says why)."""
        self.entries = {}
        self.ignored = ""
        self._stored = {}
        self._dead = 0
        self._read_stat = None
        try:
            with self.path.open("rb") as file:
                stat = os.fstat(file.fileno())
                if stat.st_size > MAX_BYTES:
                    self.ignored = f"larger than {MAX_BYTES} bytes"
                    return self
                data = file.read(MAX_BYTES + 1)
        except OSError:
            return self
        enabled = gc.isenabled()
        gc.disable()  # millions of objects that all stay alive: the cycle collector would walk them for nothing
        try:
            self.entries = self._read(memoryview(data))
            self._read_stat = (len(data), stat.st_mtime_ns, stat.st_ino)
        except _Untrusted as exc:
            self.entries = {}
            self._stored = {}
            self._dead = 0
            self.ignored = str(exc) or type(exc).__name__
        finally:
            if enabled:
                gc.enable()
        return self

    def _read(self, data: memoryview) -> dict[str, Entry]:
        """Check the whole file (header, every frame's digest, every segment's end), then unpickle the live entries."""
        header = self.header()
        if data[:len(header)] != header:
            raise _Untrusted("written by another refsite, Python or settings")
        live: dict[str, tuple[int, int, memoryview]] = {}  # display -> its latest frame: offset, length, pickle
        in_segment = 0
        ended = False
        for start, length, key, payload in _frames(data, len(header)):
            if key:
                live[key] = (start, length, payload)
                in_segment += 1
                ended = False
                continue
            try:
                end = pickle.loads(payload)
            except Exception as exc:  # noqa: BLE001 - a digest matched but the pickle does not load: not ours
                raise _Untrusted(f"an end frame does not load ({type(exc).__name__})") from None
            if not (isinstance(end, tuple) and len(end) == 3 and end[0] == _END and end[1] == in_segment
                    and isinstance(end[2], tuple)):
                raise _Untrusted("the entry count does not match")
            for display in end[2]:  # files no longer read when the segment was written
                live.pop(display, None)
            in_segment = 0
            ended = True
        if not ended:
            raise _Untrusted("truncated (no end frame)")
        entries: dict[str, Entry] = {}
        for display, (start, length, payload) in live.items():
            try:
                value = pickle.loads(payload)
            except Exception as exc:  # noqa: BLE001 - a digest matched but the pickle does not load: not ours
                raise _Untrusted(f"an entry does not load ({type(exc).__name__})") from None
            if not isinstance(value, Entry) or value.display != display:
                raise _Untrusted("an entry is not a cache entry")
            entries[display] = value
            self._stored[display] = (start, length)
        self._dead = len(data) - len(header) - sum(length for _, length in self._stored.values())
        return entries

    # ----------------------------------------------------------------- using

    def get(self, display: str, data: bytes, digest: bytes | None = None) -> Entry | None:
        """The entry for this file's bytes, or None. ``digest`` may be passed when already computed."""
        entry = self.entries.get(display)
        if entry is None or entry.size != len(data):  # a different size: a miss without hashing
            return None
        if entry.digest != (digest if digest is not None else content_digest(data)):
            return None
        self._kept[display] = entry
        return entry

    def put(self, display: str, data: bytes, partner: Partner | None, problems: Sequence[Problem],
            digest: bytes | None = None, checked: tuple[Problem, ...] | None = None, checked_by: str = "") -> Entry:
        entry = Entry(display, len(data), digest if digest is not None else content_digest(data), partner,
                      tuple(problems), checked, checked_by)
        self._kept[display] = entry
        self._fresh.add(display)
        return entry

    def due_of(self, display: str) -> object | None:
        """What the layer above kept with this run's entry of ``display`` (:meth:`put_due`), or None."""
        entry = self._kept.get(display)
        return entry.due if entry is not None else None

    def put_due(self, display: str, due: object) -> None:
        """Keep ``due`` (what is due for the partner, a pure function of its entry, the settings and facts the
        caller checks itself) with this run's entry of ``display``; saved with it. No entry: nothing kept."""
        entry = self._kept.get(display)
        if entry is not None and entry.due is not due:
            self._kept[display] = replace(entry, due=due)
            self._fresh.add(display)

    # ----------------------------------------------------------------- writing

    def save(self) -> bool:
        """Keep the entries of this run for the next. False (and no file) when they would be too large or cannot be written.

        When the file is still the one read (same size, modification time and inode), the entries
        put in this run are appended to it as one segment, which also names the files no longer
        read; a run that read exactly what the file holds writes nothing. The file is written
        afresh (compacted) when it was not read, when it changed since, or when superseded frames
        would make up more than :data:`DEAD_SHARE` of it: atomically (a temporary file, then
        ``os.replace``), the entries read from the old file copied frame by frame, not pickled again.
        """
        old = self._unchanged_file()
        if old is not None and not self._fresh and self._kept.keys() == self.entries.keys():
            return True
        try:
            new = {display: _frame(display, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
                   for display, entry in self._kept.items() if display in self._fresh or display not in self._stored}
        except pickle.PicklingError:
            return False
        if old is not None and self._append(old, new):
            return True
        return self._rewrite(old, new)

    def _append(self, old: Path, new: dict[str, bytes]) -> bool:
        """Append ``new`` and an end frame to the file read, when that keeps it small and mostly live."""
        assert self._read_stat is not None
        dropped = tuple(display for display in self.entries if display not in self._kept)
        segment = b"".join(new.values()) + _frame("", pickle.dumps((_END, len(new), dropped),
                                                                   protocol=pickle.HIGHEST_PROTOCOL))
        size = self._read_stat[0] + len(segment)
        dead = self._dead + sum(self._stored[d][1] for d in (*dropped, *new) if d in self._stored)
        if size > MAX_BYTES or dead > size * DEAD_SHARE:
            return False
        try:
            fd = os.open(old, os.O_WRONLY | os.O_APPEND)
        except OSError:
            return False
        try:
            stat = os.fstat(fd)
            if (stat.st_size, stat.st_mtime_ns, stat.st_ino) != self._read_stat:
                return False  # changed since it was read: written afresh
            view = memoryview(segment)
            while view:  # one write for a regular file; a short write continues where it stopped
                view = view[os.write(fd, view):]
        except OSError:
            with contextlib.suppress(OSError):  # a half-written segment: the file is ignored whole next time
                os.ftruncate(fd, self._read_stat[0])
            return False
        finally:
            os.close(fd)
        return True

    def _rewrite(self, old: Path | None, new: dict[str, bytes]) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# refsite's parsed-records cache: never commit it\n*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as file, (old.open("rb") if old is not None else contextlib.nullcontext()) as source:
                written = file.write(self.header())
                for display, entry in self._kept.items():
                    frame = new.get(display)
                    if frame is None and source is not None and display in self._stored:
                        start, length = self._stored[display]
                        source.seek(start)
                        frame = source.read(length)
                    if frame is None:
                        frame = _frame(display, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
                    written += file.write(frame)
                    if written > MAX_BYTES:
                        raise _TooLarge
                file.write(_frame("", pickle.dumps((_END, len(self._kept), ()), protocol=pickle.HIGHEST_PROTOCOL)))
            os.replace(tmp, self.path)
        except (OSError, _TooLarge, pickle.PicklingError) as exc:
            too_large = isinstance(exc, _TooLarge)
            _remove(Path(tmp))
            if too_large:  # an old, smaller cache would be stale: no cache at all
                _remove(self.path)
            return False
        return True

    def _unchanged_file(self) -> Path | None:
        """The cache file, when it is still the one load() read (else None: nothing to copy from)."""
        if self._read_stat is None:
            return None
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return self.path if (stat.st_size, stat.st_mtime_ns, stat.st_ino) == self._read_stat else None


class _Untrusted(Exception):
    """The cache file is not one this refsite wrote for these settings, or it is damaged."""


class _TooLarge(Exception):
    pass


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _frame(display: str, pickled: bytes) -> bytes:
    """A frame: length and digest of its payload, then the payload: the entry's display path (empty for an end
    frame) and the pickle, so that a reader finds an entry's latest frame without unpickling the older ones."""
    key = display.encode("utf-8")
    payload = len(key).to_bytes(2, "big") + key + pickled
    return len(payload).to_bytes(4, "big") + hashlib.blake2b(payload, digest_size=32).digest() + payload


def _frames(data: memoryview, start: int) -> Iterator[tuple[int, int, str, memoryview]]:
    """Each frame from ``start`` on: its offset, its length, its display path ("" for an end frame) and its
    pickle, once its digest matched."""
    end = len(data)
    while start < end:
        if end - start < _FRAME_HEAD:
            raise _Untrusted("truncated (inside a frame header)")
        length = int.from_bytes(data[start:start + 4], "big")
        if length > MAX_FRAME:
            raise _Untrusted("a frame is larger than any entry refsite writes")
        body = start + _FRAME_HEAD
        if body + length > end:
            raise _Untrusted("truncated (inside a frame)")
        payload = data[body:body + length]
        if hashlib.blake2b(payload, digest_size=32).digest() != data[start + 4:body]:
            raise _Untrusted("a frame does not match its digest")
        size = int.from_bytes(payload[:2], "big")
        try:
            key = str(payload[2:2 + size], "utf-8") if size else ""
        except UnicodeDecodeError:
            raise _Untrusted("an entry is not a cache entry") from None
        yield start, _FRAME_HEAD + length, key, payload[2 + size:]
        start = body + length


# --------------------------------------------------------------------------- the one call for the loader


def parse_files(files: Sequence[tuple[Path, str]], parse: Parse, cache: RecordCache | None,
                parse_reads_file: bool = True) -> list[Parsed]:
    """Parse each ``(path, display)`` with ``parse``, answering from ``cache`` where a file's bytes are unchanged.

    Returns one ``(partner or None, problems)`` per file, in order, exactly what
    ``parse`` returns (the cache stores its results as they are). Each file's
    bytes are read once here and handed to ``parse``; a file that cannot be read
    is handed over with empty bytes and never cached, so ``parse`` reports it.
    ``parse`` must be a pure function of the bytes, the display path and the
    settings the cache was opened with. With ``cache=None`` this is a plain loop.
    The caller saves the cache (``cache.save()``) when it wants to keep it.

    ``parse_reads_file``: True while ``parse`` ignores ``data`` and reads the file
    itself (today's ``refsite.load.load_partner``); each miss is then read again
    after parsing and cached only if its bytes are still the ones hashed, so an
    edit during the run is never cached under the old digest. Pass False once the
    loader parses the bytes it is given.
    """
    return [(partner, problems) for partner, problems, _ in parse_files_checked(files, parse, cache, parse_reads_file)]


def parse_files_checked(files: Sequence[tuple[Path, str]], parse: Parse, cache: RecordCache | None,
                        parse_reads_file: bool = True, own: Own | None = None) -> list[Checked]:
    """:func:`parse_files`, and each partner's own problems found by ``own`` (cached with the partner).

    ``own`` must be a pure function of the partner and the settings the cache was opened with
    (``refsite.checks.partner_problems``); an entry found by another function (its qualified
    name differs) or by none is checked again, and cached anew. Without ``own`` the third value
    is None.
    """
    out: list[Checked] = []
    own_name = f"{own.__module__}.{own.__qualname__}" if own is not None else ""

    def check(partner: Partner | None) -> tuple[Problem, ...] | None:
        return own(partner) if own is not None and partner is not None else None

    for path, display in files:
        try:
            data = path.read_bytes()
        except OSError:
            partner, problems = parse(path, display, b"")
            out.append((partner, problems, check(partner)))
            continue
        if cache is None:
            partner, problems = parse(path, display, data)
            out.append((partner, problems, check(partner)))
            continue
        digest = content_digest(data)
        entry = cache.get(display, data, digest)
        if entry is not None:
            cache.hits += 1
            checked = entry.checked if own is None or entry.checked_by == own_name else None
            if own is not None and checked is None and entry.partner is not None:
                checked = own(entry.partner)
                cache.put(display, data, entry.partner, entry.problems, digest, checked, own_name)
            out.append((entry.partner, list(entry.problems), checked if own is not None else None))
            continue
        cache.misses += 1
        partner, problems = parse(path, display, data)
        checked = check(partner)
        if not parse_reads_file or _unchanged(path, digest):
            cache.put(display, data, partner, problems, digest, checked, own_name if checked is not None else "")
        out.append((partner, problems, checked))
    return out


def _unchanged(path: Path, digest: bytes) -> bool:
    """Are the file's bytes still the ones hashed before ``parse`` read it again?"""
    try:
        return content_digest(path.read_bytes()) == digest
    except OSError:
        return False
