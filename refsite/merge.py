"""A Git merge driver for partner files: never lose a log line, never hide a clash.

Three versions of one file (the common ancestor BASE, OURS and THEIRS) become
one, part by part (:mod:`refsite.load.document` finds the parts):

- the log: a three-way merge of lines. A line added on either side is kept once
  (the same line added on both sides, once); a line deleted on one side and
  untouched on the other is deleted; a line edited on one side takes the edit;
  two different edits of one line, or an edit of a line the other side deleted,
  are a conflict. Lines the other side added go in date order, after the lines
  of the same date (so each side's order within a date is kept).
- the front matter: key by key (``contacts`` item by item, by name). A key
  changed on one side takes that change; a key changed differently on both is
  a conflict, with standard markers around that key, which the loader reports
  with its line.
- the notes (everything else): Git's own three-way merge, ``git merge-file``.

The file's byte-order mark and line endings are kept. A file refsite cannot
split into those parts (not UTF-8, already conflicted, no front matter, mixed
line endings, unusual YAML) is merged by ``git merge-file`` as a whole, so the
result is never worse than plain Git.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import yaml

from refsite.load.document import BOM, Document, parse_document

DRIVER_NAME = "refsite"
ATTRIBUTE = f"records/*.md merge={DRIVER_NAME}"
DRIVER_COMMAND = "merge-driver %O %A %B %P --marker-size %L"
_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]|$)")
_DATE = re.compile(r"^\s*[-*]\s+(\d{4}-\d{2}-\d{2})(?:\s|:|$)")
_ITEM = re.compile(r"^(\s*)-(?:\s|$)")
LABELS = ("ours", "base", "theirs")
_MAX_PAIRS = 10_000


class _Unmergeable(Exception):
    """The three versions cannot be merged part by part; Git's line merge takes over."""


@dataclass(frozen=True)
class Conflict:
    """A conflict left in the merged file: the 1-based line of its '<<<<<<<' marker and the part it is in."""

    line: int
    part: str  # "front matter", "notes" or "log"
    key: str | None = None  # the front-matter key, where the part is the front matter


@dataclass(frozen=True)
class MergeResult:
    data: bytes
    conflicts: tuple[Conflict, ...]
    by_git: bool  # merged by `git merge-file` as a whole (refsite could not read one of the versions)


# --------------------------------------------------------------------------- git merge-file


def git_merge_file(ours: bytes, base: bytes, theirs: bytes, marker_size: int = 7) -> tuple[bytes, int]:
    """Git's own three-way merge of three texts: the result and the number of conflicts."""
    with tempfile.TemporaryDirectory(prefix="refsite-merge-") as tmp:
        paths = []
        for name, data in zip(LABELS, (ours, base, theirs)):
            path = Path(tmp) / name
            path.write_bytes(data)
            paths.append(str(path))
        labels = [arg for label in LABELS for arg in ("-L", label)]
        done = subprocess.run(
            ["git", "merge-file", "-p", f"--marker-size={marker_size}", *labels, *paths],
            capture_output=True, check=False,
        )
    if done.returncode < 0 or done.returncode > 127:
        raise OSError(f"git merge-file failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout, done.returncode


def _merge_lines(base: list[str], ours: list[str], theirs: list[str], marker_size: int) -> list[str]:
    """Lines (no endings) merged by ``git merge-file``; trivial cases without running Git."""
    if ours == theirs or base == theirs:
        return ours
    if base == ours:
        return theirs

    def encode(lines: list[str]) -> bytes:
        return "".join(line + "\n" for line in lines).encode("utf-8")

    merged, _count = git_merge_file(encode(ours), encode(base), encode(theirs), marker_size)
    text = merged.decode("utf-8")
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n") if text else []


# --------------------------------------------------------------------------- the parts of one version


def _pick(base: object, ours: object, theirs: object) -> object:
    """The side that changed (ours when both did)."""
    return theirs if ours == base else ours


@dataclass
class _Parts:
    bom: bool
    newline: str
    final_newline: bool
    open: str
    front: list[str]
    close: str
    notes: list[str]
    heading: str | None
    log: list[str]
    tail: list[str]


def _parts(data: bytes) -> _Parts:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Unmergeable("not UTF-8") from exc
    if "\x00" in text:
        raise _Unmergeable("a NUL byte")
    doc = parse_document(text)
    if doc.front_matter is None:
        raise _Unmergeable("no front matter")
    if doc.conflict_lines():
        raise _Unmergeable("conflict markers")
    if doc.mixed_endings:
        raise _Unmergeable("mixed line endings")
    if len(doc.logs) > 1:
        raise _Unmergeable("more than one log section")
    lines = list(doc.lines)
    final_newline = len(lines) > 1 and lines[-1] == "" and doc.endings[-1] == ""
    count = len(lines) - 1 if final_newline else len(lines)
    front = doc.front_matter
    if doc.log is None:
        heading, log, notes, tail = None, [], lines[front.end + 1:count], []
    else:
        section = doc.log
        heading = lines[section.heading]
        notes = lines[front.end + 1:section.heading]
        log = lines[section.lines.start:min(section.lines.end, count)]
        tail = lines[min(section.lines.end, count):count]
    return _Parts(
        bom=doc.bom, newline=doc.newline, final_newline=final_newline, open=lines[0],
        front=lines[front.start:front.end], close=lines[front.end], notes=notes, heading=heading, log=log, tail=tail,
    )


# --------------------------------------------------------------------------- front matter


def _conflict(ours: list[str], theirs: list[str], size: int) -> list[str]:
    return ["<" * size + " " + LABELS[0], *ours, "=" * size, *theirs, ">" * size + " " + LABELS[2]]


_Items = list[tuple[str, list[str]]]


def _front_blocks(lines: list[str]) -> tuple[list[str], _Items]:
    """The lines before the first key, and each top-level key with its lines (value, comments, blanks after it)."""
    preamble: list[str] = []
    blocks: _Items = []
    for line in lines:
        if line[:1] in (" ", "\t") or not line.strip() or line.startswith("#"):
            (blocks[-1][1] if blocks else preamble).append(line)
            continue
        match = _KEY.match(line)
        if not match:
            raise _Unmergeable("a front-matter line that is not a plain key")
        blocks.append((match.group(1), [line]))
    keys = [key for key, _ in blocks]
    try:
        data = yaml.safe_load("\n".join(lines)) if keys else {}
    except yaml.YAMLError as exc:
        raise _Unmergeable("front matter YAML does not parse") from exc
    if len(set(keys)) != len(keys) or not isinstance(data, dict) or list(data) != keys:
        raise _Unmergeable("front matter keys are not what they look like")
    return preamble, blocks


def _contact_items(block: list[str]) -> tuple[list[str], _Items] | None:
    """A ``contacts:`` block as its head (key line, comments) and one item per contact, by name; None if not that shape."""
    if block[0].split("#")[0].strip() != "contacts:":
        return None
    head = [block[0]]
    items: _Items = []
    indent: str | None = None
    for line in block[1:]:
        match = _ITEM.match(line)
        if match and (indent is None or match.group(1) == indent):
            indent = match.group(1)
            items.append(("", [line]))
        elif items and (not line.strip() or line.lstrip().startswith("#") or
                        (len(line) - len(line.lstrip()) > len(indent or ""))):
            items[-1][1].append(line)
        elif not items and (not line.strip() or line.lstrip().startswith("#")):
            head.append(line)
        else:
            return None
    named: _Items = []
    for _, lines in items:
        try:
            value = yaml.safe_load("\n".join(lines))
        except yaml.YAMLError:
            return None
        if not (isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict)
                and isinstance(value[0].get("name"), str)):
            return None
        named.append((value[0]["name"], lines))
    names = [name for name, _ in named]
    if len(set(names)) != len(names):
        return None
    return head, named


def _merge_items(base: _Items, ours: _Items, theirs: _Items, size: int,
                 merge_one: object = None) -> list[str]:
    """Keyed blocks merged key by key, in our order with their new keys after their predecessor."""
    b, o, t = dict(base), dict(ours), dict(theirs)
    order = [key for key, _ in ours]
    for index, (key, _) in enumerate(theirs):
        if key in order:
            continue
        before = next((k for k, _ in reversed(theirs[:index]) if k in order), None)
        order.insert(order.index(before) + 1 if before is not None else 0, key)
    out: list[str] = []
    for key in order:
        bv, ov, tv = b.get(key), o.get(key), t.get(key)
        if ov == tv or tv == bv:
            chosen = ov
        elif ov == bv:
            chosen = tv
        else:
            merged = merge_one(key, bv, ov, tv) if callable(merge_one) else None
            chosen = merged if merged is not None else _conflict(ov or [], tv or [], size)
        out += chosen or []
    return out


def _merge_front(base: list[str], ours: list[str], theirs: list[str], size: int) -> list[str]:
    if ours == theirs or base == theirs:
        return ours
    if base == ours:
        return theirs
    (bp, bb), (op, ob), (tp, tb) = (_front_blocks(x) for x in (base, ours, theirs))

    def merge_contacts(key: str, bv: list[str] | None, ov: list[str] | None, tv: list[str] | None) -> list[str] | None:
        if key != "contacts" or bv is None or ov is None or tv is None:
            return None
        parsed = [_contact_items(v) for v in (bv, ov, tv)]
        if any(p is None for p in parsed):
            return None
        (bh, bi), (oh, oi), (th, ti) = parsed  # type: ignore[misc]
        if oh != th and bh not in (oh, th):
            return None
        head = th if oh == bh else oh
        return head + _merge_items(bi, oi, ti, size)

    preamble = _merge_lines(bp, op, tp, size)
    return preamble + _merge_items(bb, ob, tb, size, merge_contacts)


# --------------------------------------------------------------------------- log


def _norm(line: str) -> str:
    return " ".join(line.split())


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.6


_Step = tuple[str, int, str]  # ("base", i, text on this side) | ("new", -1, text) | ("gone", i, "")


def _changes(base: list[str], side: list[str]) -> tuple[list[_Step], dict[int, str | None]]:
    """One side as steps over the base, and what became of each base line there (its text, or None: deleted)."""
    matcher = difflib.SequenceMatcher(None, [_norm(x) for x in base], [_norm(x) for x in side], autojunk=False)
    steps: list[_Step] = []
    fate: dict[int, str | None] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                steps.append(("base", i1 + k, side[j1 + k]))
                fate[i1 + k] = side[j1 + k]
            continue
        j = j1
        if (i2 - i1) * (j2 - j1) > _MAX_PAIRS:  # a rewrite, not edits: pairing lines would take too long
            steps += [("gone", i, "") for i in range(i1, i2)] + [("new", -1, side[m]) for m in range(j1, j2)]
            fate.update(dict.fromkeys(range(i1, i2)))
            continue
        for i in range(i1, i2):  # a replaced line is edited when a similar line takes its place
            match = next((m for m in range(j, j2) if _similar(_norm(base[i]), _norm(side[m]))), None)
            if match is None or not _norm(base[i]):
                steps.append(("gone", i, ""))
                fate[i] = None
                continue
            steps += [("new", -1, side[m]) for m in range(j, match)]
            steps.append(("base", i, side[match]))
            fate[i] = side[match]
            j = match + 1
        steps += [("new", -1, side[m]) for m in range(j, j2)]
    return steps, fate


def _date(entry: str | list[str]) -> str | None:
    line = entry if isinstance(entry, str) else next((x for x in entry[1:] if _DATE.match(x)), "")
    match = _DATE.match(line)
    return match.group(1) if match else None


def _trim(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Blank lines before, the lines from the first to the last non-blank one, blank lines after."""
    marks = [i for i, line in enumerate(lines) if line.strip()]
    if not marks:
        return lines, [], []
    return lines[:marks[0]], lines[marks[0]:marks[-1] + 1], lines[marks[-1] + 1:]


def _merge_log(base: list[str], ours: list[str], theirs: list[str], size: int) -> list[str]:
    if ours == theirs or base == theirs:
        return ours
    if base == ours:
        return theirs
    (b_lead, b, b_trail), (o_lead, o, o_trail), (t_lead, t, t_trail) = _trim(base), _trim(ours), _trim(theirs)
    our_steps, _ = _changes(b, o)
    their_steps, their_fate = _changes(b, t)
    merged: list[str | list[str]] = []  # a line, or a conflict's lines
    for kind, i, text in our_steps:
        if kind == "new":
            merged.append(text)
            continue
        theirs_text = their_fate[i]
        if kind == "gone":
            if theirs_text is not None and theirs_text != b[i]:
                merged.append(_conflict([], [theirs_text], size))
        elif text == b[i]:
            if theirs_text is not None:
                merged.append(theirs_text)
        elif theirs_text is None:
            merged.append(_conflict([text], [], size))
        elif theirs_text == b[i] or _norm(theirs_text) == _norm(text):
            merged.append(text)
        else:
            merged.append(_conflict([text], [theirs_text], size))
    seen = {_norm(e) for e in merged if isinstance(e, str) and e.strip()}
    for kind, _, text in their_steps:
        if kind != "new" or (text.strip() and _norm(text) in seen):
            continue
        seen.add(_norm(text))
        date = _date(text)
        dates = [_date(e) for e in merged]
        if date is None:
            at = len(merged)
        else:
            earlier = [k for k, d in enumerate(dates) if d is not None and d <= date]
            later = [k for k, d in enumerate(dates) if d is not None]
            at = earlier[-1] + 1 if earlier else later[0] if later else len(merged)
        merged.insert(at, text)
    lines = [line for e in merged for line in ([e] if isinstance(e, str) else e)]
    lead = _pick(b_lead, o_lead, t_lead)
    trail = _pick(b_trail, o_trail, t_trail)
    return [*lead, *lines, *trail]  # type: ignore[misc]


# --------------------------------------------------------------------------- the whole file


def merge_texts(base: bytes, ours: bytes, theirs: bytes, marker_size: int = 7) -> MergeResult:
    """Merge three versions of a partner file (Git's merge-driver semantics, without the files)."""
    if ours == theirs or base == theirs:
        return MergeResult(ours, (), False)
    if base == ours:
        return MergeResult(theirs, (), False)
    try:
        return _merge_parts(base, ours, theirs, marker_size)
    except Exception:  # noqa: BLE001 - _Unmergeable, or any failure: Git's merge is never worse than none
        data, count = git_merge_file(ours, base, theirs, marker_size)
        conflicts = _conflicts(data, marker_size, by_git=True) if count else ()
        return MergeResult(data, conflicts, True)


def _merge_parts(base: bytes, ours: bytes, theirs: bytes, size: int) -> MergeResult:
    b, o, t = _parts(base), _parts(ours), _parts(theirs)
    lines = [
        str(_pick(b.open, o.open, t.open)),
        *_merge_front(b.front, o.front, t.front, size),
        str(_pick(b.close, o.close, t.close)),
        *_merge_lines(b.notes, o.notes, t.notes, size),
    ]
    heading = _pick(b.heading, o.heading, t.heading)  # a side without a log has an empty one
    log = _merge_log(b.log, o.log, t.log, size)
    tail = _merge_lines(b.tail, o.tail, t.tail, size)
    if heading is None and (log or tail):
        raise _Unmergeable("log lines, but one side deleted the log's heading")
    if heading is not None:
        lines += [str(heading), *log, *tail]
    newline = str(_pick(b.newline, o.newline, t.newline))
    final = bool(_pick(b.final_newline, o.final_newline, t.final_newline))
    text = (BOM if _pick(b.bom, o.bom, t.bom) else "") + newline.join(lines) + (newline if final else "")
    check = parse_document(text)
    if check.front_matter is None or len(check.logs) != (0 if heading is None else 1):
        raise _Unmergeable("the merged parts do not read back as the same parts")
    data = text.encode("utf-8")
    return MergeResult(data, _conflicts(data, size, by_git=False, doc=check), False)


def _conflicts(data: bytes, size: int, by_git: bool, doc: Document | None = None) -> tuple[Conflict, ...]:
    """Where the merged file has an opening conflict marker, and in which part."""
    try:
        doc = doc or parse_document(data.decode("utf-8"))
    except UnicodeDecodeError:
        return tuple(Conflict(n, "file") for n, line in enumerate(data.split(b"\n"), 1)
                     if line.startswith(b"<" * size) and line[size:size + 1] in (b"", b" ", b"\r"))
    found = []
    for index, line in enumerate(doc.lines):
        if not (line.startswith("<" * size) and line[size:size + 1] in ("", " ")):
            continue
        part = "file" if by_git else "notes"
        key = None
        if not by_git and doc.front_matter is not None and index < doc.front_matter.end:
            part = "front matter"
            following = doc.lines[index + 1] if index + 1 < len(doc.lines) else ""
            match = _KEY.match(following)
            key = match.group(1) if match else None
        elif not by_git and any(s.heading < index < s.lines.end for s in doc.logs):
            part = "log"
        found.append(Conflict(index + 1, part, key))
    return tuple(found)


def merge_files(base: Path, ours: Path, theirs: Path, marker_size: int = 7) -> MergeResult:
    """Git's merge-driver contract: the result replaces OURS; the caller exits non-zero when it has conflicts."""
    result = merge_texts(base.read_bytes(), ours.read_bytes(), theirs.read_bytes(), marker_size)
    ours.write_bytes(result.data)
    return result


# --------------------------------------------------------------------------- setting a clone up


def git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def git_toplevel(folder: Path) -> Path | None:
    """The work tree's top folder that ``folder`` is in, or None outside a Git work tree (or without Git)."""
    try:
        done = git(["rev-parse", "--show-toplevel"], folder)
    except OSError:
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def with_attribute(text: str) -> str | None:
    """``.gitattributes`` text with the driver's line added, or None when a line already names it for records/*.md."""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "records/*.md" and f"merge={DRIVER_NAME}" in fields[1:]:
            return None
    if text and not text.endswith(("\n", "\r")):
        text += "\r\n" if "\r\n" in text else "\n"
    return text + ATTRIBUTE + ("\r\n" if "\r\n" in text else "\n")


def names_driver(text: str) -> int | None:
    """The 1-based line of ``.gitattributes`` that sets ``merge=refsite``, if any."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith("#") and f"merge={DRIVER_NAME}" in line.split()[1:]:
            return number
    return None


def driver_configured(top: Path) -> bool:
    done = git(["config", "--get", f"merge.{DRIVER_NAME}.driver"], top)
    return done.returncode == 0 and bool(done.stdout.strip())


def configure_driver(top: Path, command: str) -> None:
    """Set merge.refsite.name and merge.refsite.driver in this clone's .git/config."""
    for key, value in ((f"merge.{DRIVER_NAME}.name", "refsite partner files (log lines, front-matter keys)"),
                       (f"merge.{DRIVER_NAME}.driver", f"{command} {DRIVER_COMMAND}")):
        done = git(["config", key, value], top)
        if done.returncode != 0:
            raise OSError(done.stderr.strip() or f"git config {key} failed")
