"""The one model of a partner file's layout: front matter, notes and log, as line spans.

A partner file is text: an optional byte-order mark, front matter between two
``---`` lines, then the body. In the body, a heading ``## Log`` opens the log
section; the next heading of level one or two (``# ...``, ``## ...``, any
whitespace after the hashes) closes it. Everything else in the body is notes.

:func:`parse_document` finds those parts and nothing more (no YAML, no log
line parsing): the loader, ``refsite log`` (where a new line goes) and the
merge driver share it, so that they agree on every file. Line numbers are the
loader's: lines are split at CRLF, CR or LF, and the BOM is not a character of
line 1. Each line keeps its own ending, so ``Document.text()`` gives back the
exact text, and an insertion changes only the bytes it adds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

BOM = "\ufeff"
FRONT_MATTER_DELIMITER = "---"
LOG_HEADING = re.compile(r"^##\s+log\s*$", re.IGNORECASE)
HEADING = re.compile(r"^#{1,2}\s")
CONFLICT = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(\s|$)")
_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")


@dataclass(frozen=True)
class Span:
    """Lines ``start`` to ``end`` (0-based indexes, end excluded); ``start + 1`` is the 1-based line number."""

    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.start, self.end))


@dataclass(frozen=True)
class LogSection:
    """One ``## Log`` section: the heading's line index and the lines under it up to the next heading."""

    heading: int
    lines: Span


@dataclass(frozen=True)
class Document:
    """A partner file split into its parts. ``lines`` holds the text of each line without its ending.

    ``front_matter`` is the span of the YAML lines between the delimiters (the
    delimiters are lines ``front_matter.start - 1`` and ``front_matter.end``);
    None when the file does not open with ``---`` or the front matter is never
    closed. ``body`` starts after the closing delimiter. ``notes`` are the body's
    spans outside every log section, in order.
    """

    lines: tuple[str, ...]
    endings: tuple[str, ...]
    bom: bool
    front_matter: Span | None
    body: Span
    logs: tuple[LogSection, ...]
    notes: tuple[Span, ...]

    # ------------------------------------------------------------------ reading

    def text(self) -> str:
        """The exact text parsed (BOM and every line ending included)."""
        return (BOM if self.bom else "") + "".join(line + end for line, end in zip(self.lines, self.endings))

    def normalized(self) -> str:
        """The text as the loader reads it: no BOM, every line ending an LF."""
        return "\n".join(self.lines)

    def span_text(self, span: Span) -> list[str]:
        return list(self.lines[span.start:span.end])

    @property
    def opens_front_matter(self) -> bool:
        """Line 1 is ``---`` (with ``front_matter`` None: the front matter is never closed)."""
        return self.lines[0].strip() == FRONT_MATTER_DELIMITER

    @property
    def log(self) -> LogSection | None:
        """The first log section (the one new lines go to), if any."""
        return self.logs[0] if self.logs else None

    @property
    def log_heading(self) -> int | None:
        return self.logs[0].heading if self.logs else None

    @property
    def log_lines(self) -> Span | None:
        return self.logs[0].lines if self.logs else None

    @property
    def newline(self) -> str:
        """The line ending the file uses most ("\\n" for a file without one)."""
        counts: dict[str, int] = {}
        for end in self.endings:
            if end:
                counts[end] = counts.get(end, 0) + 1
        return max(counts, key=lambda e: (counts[e], e == "\n")) if counts else "\n"

    @property
    def mixed_endings(self) -> bool:
        return len({end for end in self.endings if end}) > 1

    def conflict_lines(self) -> list[int]:
        """Indexes of the lines a Git merge left as conflict markers."""
        return [i for i, line in enumerate(self.lines) if CONFLICT.match(line)]

    # ------------------------------------------------------------------ appending

    def insert_line(self) -> int | None:
        """The index a new log line takes: after the last non-blank line of the first log section.

        None when the file has no log section (the caller adds the heading, see
        :meth:`with_log_line`).
        """
        section = self.log
        if section is None:
            return None
        at = section.heading
        for i in section.lines:
            if self.lines[i].strip():
                at = i
        return at + 1

    def with_log_line(self, line: str) -> tuple[str, int]:
        """The text with ``line`` added to the log (a heading ``## Log`` first if there is none), and its index.

        Only added bytes change: the new line takes the file's line ending, and
        a last line without an ending gets one only where the new line follows it.
        """
        newline = self.newline
        lines, endings = list(self.lines), list(self.endings)
        if lines and lines[-1] == "" and endings[-1] == "":  # the empty "line" after a final line ending
            lines.pop()
            endings.pop()
        at = self.insert_line()
        if at is None:
            if endings and not endings[-1]:
                endings[-1] = newline
            lines += ["", "## Log", "", line]
            endings += [newline, newline, newline, newline]
            at = len(lines) - 1
        else:
            if at > 0 and not endings[at - 1]:
                endings[at - 1] = newline
            lines.insert(at, line)
            endings.insert(at, newline)
        text = (BOM if self.bom else "") + "".join(t + e for t, e in zip(lines, endings))
        return text, at


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """Lines and their endings, split where the loader splits (CRLF, CR, LF); never at other characters."""
    if "\r" not in text:  # LF only (all the loader sees): a plain split, the same lines and endings
        lines = text.split("\n")
        return lines, ["\n"] * (len(lines) - 1) + [""]
    lines = []
    endings = []
    for match in _LINE.finditer(text):
        lines.append(match.group(1))
        endings.append(match.group(2))
        if not match.group(2):
            break
    return lines, endings


def parse_document(text: str) -> Document:
    """Split a partner file's text (a leading BOM allowed) into front matter, notes and log sections.

    Never fails: a file without front matter has ``front_matter`` None and the
    whole file as its body (the loader reports it; the merge driver leaves it to Git).
    """
    bom = text.startswith(BOM)
    lines, endings = split_lines(text[1:] if bom else text)
    front: Span | None = None
    body_start = 0
    if lines[0].strip() == FRONT_MATTER_DELIMITER:  # the loader's rules, exactly
        close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == FRONT_MATTER_DELIMITER), None)
        if close is not None:
            front = Span(1, close)
            body_start = close + 1
    logs: list[LogSection] = []
    notes: list[Span] = []
    heading: int | None = None
    start = body_start
    for i in range(body_start, len(lines)):
        line = lines[i]
        if line[:1] != "#":
            continue
        if LOG_HEADING.match(line):
            if heading is None:
                notes.append(Span(start, i))
            else:
                logs.append(LogSection(heading, Span(heading + 1, i)))
            heading, start = i, i + 1
        elif heading is not None and HEADING.match(line):
            logs.append(LogSection(heading, Span(heading + 1, i)))
            heading, start = None, i
    if heading is None:
        notes.append(Span(start, len(lines)))
    else:
        logs.append(LogSection(heading, Span(heading + 1, len(lines))))
    return Document(
        lines=tuple(lines), endings=tuple(endings), bom=bom, front_matter=front,
        body=Span(body_start, len(lines)), logs=tuple(logs), notes=tuple(n for n in notes if len(n)),
    )
