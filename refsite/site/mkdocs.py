"""MkDocs, reached through this one module: the only one in refsite that imports it.

:class:`MkDocsBuilder` loads the ``mkdocs.yml``, points it at the generated docs folder,
adds refsite's theme layer (``refsite/theme``: the robots meta tag, the stylesheet, the
local search-worker polyfill) and runs the build, turning MkDocs' errors and warnings into
Problems; :func:`live_reload` serves a site folder and rebuilds on changes. Material for
MkDocs reaches end of life in May 2027; its successor Zensical reads the same
``mkdocs.yml``: the second builder, ``refsite.site.zensical``, runs ``zensical build`` on the
same generated folder behind the same :class:`refsite.site.pipeline.Builder` protocol
(``refsite build --builder zensical``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from refsite.load import display_path
from refsite.problems import Problem, Source, error, warning
from refsite.site.fastpages import FastPages

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the refsite package
THEME_DIR = PACKAGE_DIR / "theme"
POLYFILL = "assets/refsite/iframe-worker/shim.js"
FALLBACK_SITE_NAME = "Referrals"  # only when neither the mkdocs.yml nor the caller names the site


class _Collect(logging.Handler):
    """Keeps MkDocs' warnings and errors while a build runs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def epoch(today: dt.date) -> str:
    """SOURCE_DATE_EPOCH for a build as of ``today`` (midnight UTC): both builders date with it."""
    return str(int(dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC).timestamp()))


def privacy_problems(config: Any, source: Source) -> list[Problem]:
    """Settings in a mkdocs.yml (MkDocs' loaded config, or the file read as a dict) that would make the browser call a third party."""
    problems = []
    theme = config.get("theme") or {}
    if not (hasattr(theme, "__getitem__") and "font" in theme and theme["font"] is False):
        problems.append(warning(source, "theme.font is not false: Material will load Google Fonts on every page view", check="site"))
    if config.get("repo_url"):
        problems.append(warning(source, "repo_url is set: browsers will call the Git host's API on every page view", check="site"))
    if (config.get("extra") or {}).get("analytics"):
        problems.append(warning(source, "extra.analytics is set: every page view will be reported to a third party", check="site"))
    for script in [*config.get("extra_javascript", []), *config.get("extra_css", [])]:
        if "://" in str(script) or str(script).startswith("//"):
            problems.append(warning(source, f"'{script}' is loaded from another site on every page view", check="site"))
    for script in (config.get("extra") or {}).get("polyfills", []):
        if "://" in str(script) or str(script).startswith("//"):
            problems.append(warning(source, f"extra.polyfills: '{script}' is loaded from another site on every page view", check="site"))
    return problems


@dataclass(frozen=True)
class MkDocsBuilder:
    """Material for MkDocs through MkDocs' Python API (``load_config`` + ``build``)."""

    name: str = "mkdocs"

    def build(self, config_file: Path, docs_dir: Path, site_dir: Path, today: dt.date,
              site_name: str | None = None) -> list[Problem]:
        import jinja2
        from markupsafe import Markup, escape
        from mkdocs import exceptions
        from mkdocs.commands.build import build
        from mkdocs.config import load_config
        from mkdocs.utils import yaml_load

        source = Source(display_path(config_file), 0)
        handler = _Collect()
        logger = logging.getLogger("mkdocs")
        logger.addHandler(handler)
        problems: list[Problem] = []
        try:
            # MkDocs dates the sitemap (and gzips it) with SOURCE_DATE_EPOCH when set: use --today.
            with _environment(SOURCE_DATE_EPOCH=epoch(today), NO_MKDOCS_2_WARNING="true"):
                with open(config_file, "rb") as fd:
                    own_name = (yaml_load(fd) or {}).get("site_name")
                # Material prints site_name unescaped in some places and with '|e' in others: escaped
                # Markup reads right in both (a practice named 'Smith & Co' is not '&amp;amp;').
                name = None if own_name else Markup(escape(site_name or FALLBACK_SITE_NAME))  # None: the file's own
                config = load_config(
                    str(config_file), docs_dir=str(docs_dir), site_dir=str(site_dir), use_directory_urls=False,
                    site_name=name,
                )
                # refsite's theme layer sits between the repository's custom_dir (if any) and Material.
                config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_DIR))
                polyfills = config.extra.setdefault("polyfills", [])
                if not any("iframe-worker" in str(p) for p in polyfills):
                    polyfills.insert(0, POLYFILL)
                problems += privacy_problems(config, source)
                # refsite's pages are HTML it rendered itself: the plugin hands them to MkDocs without
                # Python-Markdown's raw-HTML pass and anchor scan, with the same HTML, ids and search entries
                # (refsite.site.fastpages; tests/test_mkdocs_fast.py pins that the site is byte-identical).
                config.plugins["refsite-fast"] = FastPages()
                build(config)
        except exceptions.MkDocsException as exc:
            problems.append(error(source, f"MkDocs could not build the site: {exc}", check="site"))
        except jinja2.TemplateError as exc:
            where = f" ({exc.filename}:{exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
            problems.append(error(source, f"a theme template is broken{where}: {exc}", check="site"))
        except OSError as exc:
            problems.append(error(source, f"MkDocs could not build the site: {exc.strerror or exc}", check="site"))
        finally:
            logger.removeHandler(handler)
        for record in handler.records:
            message = record.getMessage().strip()
            severity = error if record.levelno >= logging.ERROR else warning
            problems.append(severity(source, f"MkDocs: {message}"))
        return problems


MKDOCS = MkDocsBuilder()


def live_reload(
    rebuild: Callable[[], None],
    watch: Sequence[Path],
    site_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    announce: Callable[[str], object] = lambda _url: None,
    started: Callable[[Callable[[], None]], object] = lambda _stop: None,
) -> list[Problem]:
    """Serve ``site_dir`` with live reload; call ``rebuild`` when anything under ``watch`` changes.

    Runs until interrupted (Ctrl-C), or until the ``stop`` function handed to ``started`` is
    called from another thread. Returns problems only when the server cannot start.
    """
    from mkdocs.livereload import LiveReloadServer

    server = LiveReloadServer(builder=rebuild, host=host, port=port, root=str(site_dir))
    for path in watch:
        if path.exists():
            server.watch(str(path))
    announce(server.url)
    started(lambda: server.shutdown(wait=True))
    try:
        server.serve()  # binds first: a busy port fails here, before anything starts
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        return [error(Source(f"{host}:{port}", 0), f"cannot serve the site: {exc.strerror or exc}", check="site")]
    finally:
        server.shutdown()
    return []
