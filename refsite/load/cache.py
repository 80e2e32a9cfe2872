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

Format: a header line, then frames ``length (4 bytes) + digest (32 bytes) +
pickle``, then an end frame holding the number of entries. It is read as a
stream, frame by frame; a frame is unpickled only after its digest matched.
Written atomically (a temporary file in the same folder, then ``os.replace``)
and bounded: at most :data:`MAX_BYTES` on disk, and only the entries of the files
read in the run that saves it (removed files drop out). An entry read from the
file is copied into the next one as it was, not pickled again; a run that read
exactly what the file holds writes nothing.

An entry holds the parsed partner (with its derived referrals), the problems
reading it gave, and, when the loader was given them, the partner's own problems
(``refsite.checks.partner_problems``: the checks that depend on the partner and
the settings alone), named by the function that found them. The layer above may
keep with it what is due for the partner (``due``: ``refsite.workspace`` keeps a
``refsite.due.memo.Memo``, which it checks itself before reusing it: today, and
what the partner's rules read of the other partners); an entry of new bytes
starts without one.

Trust model: the cache is pickle, so it is only ever read when it is refsite's
own: the header must match exactly (format, refsite version, Python version,
settings digest) and every frame's digest must match its bytes. Anything else
(a corrupt, truncated, foreign, older or newer cache) is ignored as a whole and
rebuilt, never trusted in part. The digests detect damage, not an attacker:
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
from typing import BinaryIO

from refsite import __version__
from refsite.model import Partner
from refsite.problems import Problem
from refsite.settings import Settings

CACHE_DIR = ".refsite-cache"
FORMAT = 3  # 2: LogEvent a named tuple; entries carry the partner's own problems; 3: and its due memo
MAGIC = b"refsite-record-cache\n"
MAX_BYTES = 512 * 2**20  # larger than this on disk: not read, not written
MAX_FRAME = 64 * 2**20  # one entry (a partner file is bounded well below this by load)
_FRAME_HEAD = 4 + 32
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
        self._read_stat = None
        try:
            stat = self.path.stat()
        except OSError:
            return self
        size = stat.st_size
        if size > MAX_BYTES:
            self.ignored = f"larger than {MAX_BYTES} bytes"
            return self
        enabled = gc.isenabled()
        gc.disable()  # millions of objects that all stay alive: the cycle collector would walk them for nothing
        try:
            with self.path.open("rb") as file:
                self.entries = self._read(file)
            self._read_stat = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        except (OSError, _Untrusted) as exc:
            self.entries = {}
            self._stored = {}
            self.ignored = str(exc) or type(exc).__name__
        finally:
            if enabled:
                gc.enable()
        return self

    def _read(self, file: BinaryIO) -> dict[str, Entry]:
        header = self.header()
        if file.read(len(header)) != header:
            raise _Untrusted("written by another refsite, Python or settings")
        entries: dict[str, Entry] = {}
        stored: dict[str, tuple[int, int]] = {}
        for start, payload in _frames(file):
            try:
                value = pickle.loads(payload)
            except Exception as exc:  # noqa: BLE001 - a digest matched but the pickle does not load: not ours
                raise _Untrusted(f"an entry does not load ({type(exc).__name__})") from None
            if isinstance(value, tuple) and len(value) == 2 and value[0] == _END:
                if value[1] != len(entries) or file.read(1):
                    raise _Untrusted("the entry count does not match")
                self._stored = stored
                return entries
            if not isinstance(value, Entry):
                raise _Untrusted("an entry is not a cache entry")
            entries[value.display] = value
            stored[value.display] = (start, _FRAME_HEAD + len(payload))
        raise _Untrusted("truncated (no end frame)")

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
        """Write the entries of this run atomically. False (and no file) when it would be too large or cannot be written.

        The entries read from the file (hits) are copied from it frame by frame, not pickled
        again, while the file is the one read (same size, modification time and inode); when
        the run read exactly what the file holds, in the same order, nothing is written.
        """
        old = self._unchanged_file()
        if old is not None and not self._fresh and list(self._kept) == list(self.entries):
            return True
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
                    frame = None if display in self._fresh else self._stored.get(display)
                    if source is not None and frame is not None:
                        source.seek(frame[0])
                        written += file.write(source.read(frame[1]))
                    else:
                        written += _write_frame(file, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
                    if written > MAX_BYTES:
                        raise _TooLarge
                _write_frame(file, pickle.dumps((_END, len(self._kept)), protocol=pickle.HIGHEST_PROTOCOL))
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


def _write_frame(file: BinaryIO, payload: bytes) -> int:
    head = len(payload).to_bytes(4, "big") + hashlib.blake2b(payload, digest_size=32).digest()
    file.write(head)
    file.write(payload)
    return len(head) + len(payload)


def _frames(file: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Each frame's offset in the file and its payload (checked against its digest)."""
    while True:
        start = file.tell()
        head = file.read(_FRAME_HEAD)
        if not head:
            return
        if len(head) != _FRAME_HEAD:
            raise _Untrusted("truncated (inside a frame header)")
        length = int.from_bytes(head[:4], "big")
        if length > MAX_FRAME:
            raise _Untrusted("a frame is larger than any entry refsite writes")
        payload = file.read(length)
        if len(payload) != length:
            raise _Untrusted("truncated (inside a frame)")
        if hashlib.blake2b(payload, digest_size=32).digest() != head[4:]:
            raise _Untrusted("a frame does not match its digest")
        yield start, payload


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
