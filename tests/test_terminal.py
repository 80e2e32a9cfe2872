"""refsite.output.terminal.wrap: its shortcut for lines that fit gives what textwrap gives."""

from __future__ import annotations

import random
import textwrap

from refsite.output.terminal import NBSP, WIDTH, wrap


def textwrap_wrap(text: str, first: str = "", then: str | None = None) -> list[str]:
    lines = textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=first if then is None else then,
                          break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
    return [line.replace(NBSP, " ") for line in lines]


def test_wrap_gives_what_textwrap_gives_for_lines_that_fit_and_lines_that_do_not():
    pieces = ["a", "word", "R-2418", "well-known", "  ", " ", "\t", "\n", NBSP, "x" * 30, "Dr.", "é", "\r", "\x0c"]
    rng = random.Random(7)
    indents = ["", "  ", "    - ", "  * ", " " * 30]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        first, then = rng.choice(indents), rng.choice([None, *indents])
        assert wrap(text, first, then) == textwrap_wrap(text, first, then), (text, first, then)


def test_a_line_that_fits_is_itself():
    assert wrap("Call Leah Ortiz (prefers phone)", "  - ") == ["  - Call Leah Ortiz (prefers phone)"]
    assert wrap("x" * 80) == ["x" * 80]
    assert wrap("x" * 40 + " " + "y" * 40) == ["x" * 40, "y" * 40]
    assert wrap("", "  ") == [""]
