"""`refsite serve`: build, serve with live reload, rebuild on every change; a failed rebuild keeps the last good site."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from refsite.problems import Problem
from refsite.site.mkdocs import live_reload
from refsite.site.pipeline import SiteDirRefused, build
from refsite.workspace import Layout


def serve(
    layout: Layout,
    today: dt.date,
    host: str = "127.0.0.1",
    port: int = 8000,
    say: Callable[[str], object] = lambda _text: None,
    show: Callable[[list[Problem]], object] = lambda _problems: None,
) -> list[Problem]:
    """Build the site, serve it on ``host:port`` and rebuild when a watched file changes.

    ``say`` receives one line per event (serving, rebuilt, not rebuilt); ``show`` the problems
    of each build. Runs until interrupted; returns problems only when the server cannot start.
    """

    def rebuild() -> None:
        try:
            result = build(layout, today)
        except SiteDirRefused as exc:
            say(f"refsite: not rebuilt: {exc}")
            return
        show(result.problems)
        say(f"Rebuilt {result.pages} pages and files." if result.built else "Not rebuilt: showing the last good site.")

    rebuild()
    return live_reload(rebuild, layout.watched(), layout.site_dir, host, port,
                       announce=lambda url: say(f"Serving on {url} (Ctrl-C stops)"))
