"""Text for a terminal: 80 columns, wrapped the same way by every command."""

from __future__ import annotations

import re
import textwrap

WIDTH = 80
_SPECIAL = re.compile(r"[\t\n\x0b\x0c\r]")  # what textwrap turns into spaces
NBSP = "\u00a0"  # joins words that must stay on one line (a name and its count); printed as a space


def wrap(text: str, first: str = "", then: str | None = None) -> list[str]:
    """``text`` in lines of at most WIDTH columns, the first indented by ``first``, the rest by ``then``
    (default: ``first``). A word longer than a line, such as a long path, stays whole; hyphenated
    words and referral ids never break."""
    # Most lines fit, and textwrap's answer for a text that fits, with no leading or trailing white space and
    # nothing it turns into a space, is the text itself: a tenth of a warm check went to finding that out.
    if text and len(first) + len(text) <= WIDTH and text.strip() == text and not _SPECIAL.search(text):
        return [(first + text).replace(NBSP, " ")]
    lines = textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=first if then is None else then,
                          break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
    return [line.replace(NBSP, " ") for line in lines]


def heading(text: str) -> list[str]:
    """A blank line, the heading, and a rule under it."""
    return ["", text, "-" * min(len(text), WIDTH)]


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"
