"""`refsite serve`: build, serve with live reload, and on every change rebuild only what changed
(:class:`refsite.site.incremental.Preview`); a failed rebuild keeps the last good site."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from refsite.problems import Problem
from refsite.site.incremental import Preview
from refsite.site.mkdocs import live_reload
from refsite.site.pipeline import SiteDirRefused
from refsite.workspace import Layout


def serve(
    layout: Layout,
    today: dt.date,
    host: str = "127.0.0.1",
    port: int = 8000,
    say: Callable[[str], object] = lambda _text: None,
    show: Callable[[list[Problem]], object] = lambda _problems: None,
    use_cache: bool = True,
    started: Callable[[Callable[[], None]], object] = lambda _stop: None,
) -> list[Problem]:
    """Build the site, serve it on ``host:port`` and bring it up to date when a watched file changes.

    ``say`` receives one line per event (serving, rebuilt, not rebuilt); ``show`` the problems
    of each build. Runs until interrupted, or until the function handed to ``started`` is
    called; returns problems only when the server cannot start.
    """
    preview = Preview(layout, today, use_cache=use_cache)

    def rebuild() -> bool:
        """One pass; True when only the edited partners' pages are done (the server calls again for the rest)."""
        try:
            result = preview.refresh(partners_first=True)
        except SiteDirRefused as exc:
            say(f"refsite: not rebuilt: {exc}")
            return False
        if not result.more:
            show(result.problems)  # once per change: the first pass's problems are the same
        if not result.built:
            say("Not rebuilt: showing the last good site.")
        elif result.full:
            say(f"Rebuilt {result.pages} pages and files.")
        elif result.pages:
            say(f"Updated {result.pages} pages and files{' (the edited partners first)' if result.more else ''}.")
        return result.more

    try:
        rebuild()
        return live_reload(rebuild, layout.watched(), layout.site_dir, host, port,
                           announce=lambda url: say(f"Serving on {url} (Ctrl-C stops)"), started=started)
    finally:
        preview.close()

