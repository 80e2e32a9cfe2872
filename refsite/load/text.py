"""Bytes to text: UTF-8 with or without a BOM, CRLF, and the lines no record should hold
(conflict markers a merge left, control characters, refsite's own temporary files)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from refsite.problems import Problem, Source, error

CONFLICT = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(\s|$)")
CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
# Characters no record needs and that can hide or disguise text: C0/C1 controls (a tab is fine),
# DEL, and the bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Temporary files of refsite's own writes (refsite.authoring.atomic_write), old and current names.
TEMP_FILE = re.compile(r"\A\..+\.(?:refsite-tmp|md\.[^.]+\.tmp)\Z")
TEMP_SUFFIX = ".refsite-tmp"


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """Read a file as UTF-8 text with LF line ends (a BOM and CRLF are accepted)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [error(Source(display), f"cannot read the file: {exc.strerror or exc}", check="files")]
    return decode_text(data, display)


def decode_text(data: bytes, display: str) -> tuple[str | None, list[Problem]]:
    """A file's bytes as UTF-8 text with LF line ends (a BOM and CRLF are accepted), or the problem."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [
            error(Source(display, line), f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8", check="encoding")
        ]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, [error(Source(display, line), "the file contains a NUL byte: is it really a text file?", check="encoding")]
    return text, []


def describe_control(char: str) -> str:
    """A control or bidi character as people can read it (never the character itself)."""

    name = unicodedata.name(char, "") or {"\x1b": "ESCAPE", "\x07": "BELL", "\x08": "BACKSPACE"}.get(char, "control")
    return f"U+{ord(char):04X} ({name.lower()})"


def control_characters(lines: list[str], display: str) -> list[Problem]:
    """An error for each line holding a control character or a bidirectional override."""
    problems = []
    for number, line in enumerate(lines, 1):
        found = CONTROL.search(line)
        if found:
            problems.append(error(Source(display, number), f"the line holds the invisible character {describe_control(found.group())}: "
                                  "delete it (control characters and right-to-left overrides can disguise text)", check="control"))
    return problems


def shown_name(name: str) -> str:
    """A file name safe to print: newlines, control and bidi characters written as escapes."""
    if not CONTROL.search(name) and "\n" not in name and "\r" not in name:
        return name  # nearly every name
    return "".join(c.encode("unicode_escape").decode("ascii") if CONTROL.match(c) or c in "\n\r" else c for c in name)


def conflict_markers(lines: list[str], display: str) -> list[Problem]:
    """Lines a Git merge left behind (<<<<<<<, =======, >>>>>>>)."""
    problems = []
    for number, line in enumerate(lines, 1):
        match = CONFLICT.match(line)
        if match:
            marker = match.group(1)
            problems.append(
                error(Source(display, number), f"Git merge conflict marker '{marker}': resolve the conflict and delete the marker lines", check="conflict")
            )
    return problems
