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
                self.prepare(config)
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

    def prepare(self, config: Any) -> None:
        """Called with the loaded configuration just before the build (a :class:`MkDocsSession` keeps it)."""


MKDOCS = MkDocsBuilder()


def live_reload(
    rebuild: Callable[[], object],
    watch: Sequence[Path],
    site_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    announce: Callable[[str], object] = lambda _url: None,
    started: Callable[[Callable[[], None]], object] = lambda _stop: None,
) -> list[Problem]:
    """Serve ``site_dir`` with live reload; call ``rebuild`` when anything under ``watch`` changes.

    When ``rebuild`` returns True (it brought only part of the site up to date), the browsers
    reload and ``rebuild`` is called again at once for the rest. Runs until interrupted (Ctrl-C),
    or until the ``stop`` function handed to ``started`` is called from another thread. Returns
    problems only when the server cannot start.
    """
    from mkdocs.livereload import LiveReloadServer

    def builder() -> None:
        if rebuild() is True:
            with server._rebuild_cond:  # as the server's own file watcher asks for a build
                server._want_rebuild = True
                server._rebuild_cond.notify_all()

    server = LiveReloadServer(builder=builder, host=host, port=port, root=str(site_dir))
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


# --------------------------------------------------------------------------- the incremental preview's builder


class _Keep:
    """A plugin that keeps what a build computed once for all pages: its files, navigation and theme environment."""

    def __init__(self) -> None:
        self.files: Any = None
        self.nav: Any = None
        self.env: Any = None

    def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
        self.nav = nav
        return nav

    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        self.files, self.env = files, env
        return env


class MkDocsSession(MkDocsBuilder):
    """MkDocs for ``refsite serve``: one full build, then only the pages that changed, into the same site folder.

    :meth:`build` is a full build (the :class:`MkDocsBuilder` one) that keeps MkDocs' loaded
    configuration, plugins (refsite's fast-page plugin keeps every page's search entries), file
    list, navigation and theme environment. :meth:`update` then renders just the given pages
    (MkDocs' own per-page steps: read, the plugins' page events, Markdown, the theme template),
    copies the given downloads, adds and removes pages, rewrites the sitemap when the page list
    changed, and runs the plugins' post-build step (the search index and its ``file://`` copy).
    The site it leaves is byte-identical to a full build of the same docs folder
    (``tests/test_serve_incremental.py``). :meth:`update` returns None when it cannot do a change
    by itself (a page in the navigation added or removed, a page the fast-page plugin does not
    convert): the caller then builds in full.
    """

    def __init__(self) -> None:
        self._config: Any = None
        self._keep: _Keep | None = None
        self._today: dt.date | None = None

    @property
    def ready(self) -> bool:
        return self._config is not None

    def prepare(self, config: Any) -> None:
        self._keep = _Keep()
        config.plugins["refsite-keep"] = self._keep
        self._config = config

    def build(self, config_file: Path, docs_dir: Path, site_dir: Path, today: dt.date,
              site_name: str | None = None) -> list[Problem]:
        self._config, self._today = None, today
        problems = super().build(config_file, docs_dir, site_dir, today, site_name)
        if any(p.is_error for p in problems) or self._keep is None or self._keep.files is None:
            self._config = None
        return problems

    def moved(self, site_dir: Path) -> None:
        """The site was built in a staging folder and then moved to ``site_dir``: write there from now on."""
        if self._config is None or self._keep is None:
            return
        self._config["site_dir"] = str(site_dir)
        for file in self._keep.files:
            file.dest_dir = str(site_dir)
            file.__dict__.pop("abs_dest_path", None)  # a cached property of MkDocs' File

    def forget(self) -> None:
        self._config = None

    def update(self, changed: Sequence[str], removed: Sequence[str], post_build: bool = True) -> list[Problem] | None:
        """Rebuild the pages and files ``changed`` (paths in the docs folder, new ones added) and drop ``removed``.

        ``post_build=False`` leaves the plugins' post-build step (the search index) for a later update.
        Returns the problems (MkDocs' warnings and errors), or None when this needs a full build.
        After an error the session is forgotten: the next change builds in full.
        """
        if self._config is None or self._keep is None or self._today is None:
            return None
        import jinja2
        from mkdocs import exceptions
        from mkdocs.commands.build import _build_page, _build_theme_template, _populate_page
        from mkdocs.structure.files import File, Files, InclusionLevel, file_sort_key, set_exclusions
        from mkdocs.structure.pages import Page

        config, keep = self._config, self._keep
        fast = config.plugins.get("refsite-fast")
        files = keep.files
        source = Source(display_path(Path(config.config_file_path)), 0) if config.config_file_path else Source("mkdocs.yml", 0)
        handler = _Collect()
        logger = logging.getLogger("mkdocs")
        logger.addHandler(handler)
        problems: list[Problem] = []
        try:
            with _environment(SOURCE_DATE_EPOCH=epoch(self._today), NO_MKDOCS_2_WARNING="true"):
                listed = False
                for path in removed:
                    file = files.get_file_from_path(path)
                    if file is None:
                        continue
                    if file.is_documentation_page() and not file.inclusion.is_not_in_nav():
                        return None  # the navigation changes: MkDocs' full build
                    files.remove(file)
                    if os.path.isfile(file.abs_dest_path):
                        os.remove(file.abs_dest_path)
                    if fast is not None:
                        fast.forget(file.src_uri)
                    listed = True
                pages = []
                for path in changed:
                    file = files.get_file_from_path(path)
                    if file is None:
                        file = File(path, config.docs_dir, config.site_dir, config.use_directory_urls)
                        set_exclusions([file], config)
                        if file.inclusion.is_excluded():
                            continue
                        if file.is_documentation_page() and not file.inclusion.is_not_in_nav():
                            return None
                        files.append(file)
                        if file.is_documentation_page():
                            Page(None, file, config)
                            listed = True
                    if file.is_documentation_page():
                        pages.append(file.page)
                    else:
                        file.copy_file()
                if listed:  # get_files' order: the documentation pages sorted as MkDocs walks the folder
                    docs = sorted(files.documentation_pages(), key=file_sort_key)
                    keep.files = files = Files([*docs, *(f for f in files if not f.is_documentation_page())])
                converted = fast.converted if fast is not None else 0
                for page in pages:
                    _populate_page(page, config, files)
                if fast is not None and fast.converted - converted != len(pages):
                    self._config = None
                    return None  # a page Material's search would index: only a full build keeps its index right
                if listed and fast is not None:  # the search entries in the pages' order, as a full build has them
                    fast.reorder([f.src_uri for f in files.documentation_pages()])
                doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
                for page in pages:
                    _build_page(page, config, doc_files, keep.nav, keep.env)
                if listed:
                    _build_theme_template("sitemap.xml", keep.env, files, config, keep.nav)
                for page in pages:
                    page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
                if post_build:
                    config.plugins.on_post_build(config=config)
        except exceptions.MkDocsException as exc:
            self._config = None
            problems.append(error(source, f"MkDocs could not build the site: {exc}", check="site"))
        except jinja2.TemplateError as exc:
            self._config = None
            problems.append(error(source, f"a theme template is broken: {exc}", check="site"))
        except OSError as exc:
            self._config = None
            problems.append(error(source, f"MkDocs could not build the site: {exc.strerror or exc}", check="site"))
        finally:
            logger.removeHandler(handler)
        for record in handler.records:
            severity = error if record.levelno >= logging.ERROR else warning
            problems.append(severity(source, f"MkDocs: {record.getMessage().strip()}"))
        if any(p.is_error for p in problems):
            self._config = None
        return problems
