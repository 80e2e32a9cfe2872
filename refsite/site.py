"""The one adapter to the static-site generator: pages in, a site folder out.

refsite renders every page itself (``refsite.render``); this module is the only
one that knows MkDocs. :func:`build_site` writes the rendered pages into a
temporary docs folder, asks a :class:`Builder` to build them into a temporary
site folder next to the target, and swaps that folder into place only when the
build succeeded, so a failed build leaves the previous site exactly as it was.

A builder is small: :class:`MkDocsBuilder` loads the ``mkdocs.yml``, points it
at the generated docs folder, adds refsite's theme layer (``refsite/theme``:
the robots meta tag, the stylesheet, the local search-worker polyfill) and
runs the build, turning MkDocs' errors and warnings into Problems. Material for
MkDocs reaches end of life in May 2027; its successor Zensical reads the same
``mkdocs.yml``, so a second builder would run ``zensical build`` on the same
generated folder.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import errno
import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

from refsite.load import display_path
from refsite.problems import Problem, Source, error, has_errors, warning
from refsite.workspace import (  # noqa: F401
    CONFIG_FILE,
    TEMPLATES_FOLDER,
    Layout,
    default_config_file,
    defaults_root,
    find_config_file,
)

PACKAGE_DIR = Path(__file__).resolve().parent
THEME_DIR = PACKAGE_DIR / "theme"
POLYFILL = "assets/refsite/iframe-worker/shim.js"
FALLBACK_SITE_NAME = "Referrals"  # only when neither the mkdocs.yml nor the caller names the site
# Written into every site refsite builds: a folder holding it is refsite's to replace; any other
# non-empty folder is refused (refsite build never deletes what it did not make).
MARKER = ".refsite-site"
MARKER_TEXT = "This folder is a site built by refsite; `refsite build` replaces it whole.\n"
STAGING_PREFIXES = (".site-new-", ".site-old-")
DOCS_PREFIX = "refsite-docs-"
PID_FILE = ".refsite-pid"


class SiteDirRefused(Exception):
    """The site folder is not refsite's to replace; the message names the folder and says why."""


def _earlier_refsite_site(site: Path) -> bool:
    """A site built by a refsite from before the marker: its theme layer's polyfill and pages, nothing else."""
    return (site / POLYFILL).is_file() and (site / "index.html").is_file() and (site / "robots.txt").is_file()


def site_dir_refusal(site_dir: Path, records_dir: Path) -> str | None:
    """Why ``site_dir`` must not be (re)placed by a build, or None when it is absent, empty or a marked site.

    Refused: the records folder, anything inside it or holding it (the repository root and its
    parents), a folder holding ``.git``, ``mkdocs.yml`` or any ``.md`` file, a file, and any
    non-empty folder without refsite's marker.
    """
    shown = display_path(Path(site_dir))
    site = Path(site_dir).resolve()
    records = Path(records_dir).resolve()
    root = records.parent
    if site == records or site.is_relative_to(records):
        return f"'{shown}' is (or is inside) the records folder: the site must go elsewhere, e.g. site/"
    if root.is_relative_to(site):
        what = "the repository's top folder" if site == root else "a folder holding the records repository"
        return f"'{shown}' is {what}: building there would replace your records; use e.g. --site-dir site"
    if site.is_symlink() or (site.exists() and not site.is_dir()):
        return f"'{shown}' is not a folder refsite made (a file or a link): choose another --site-dir"
    if not site.exists():
        return None
    for name in (".git", CONFIG_FILE):
        if (site / name).exists():
            return f"'{shown}' holds {name}: it is a repository or a site's sources, not a built site"
    try:
        entries = list(site.iterdir())
    except OSError as exc:
        return f"'{shown}' cannot be read: {exc.strerror or exc}"
    if not entries:
        return None
    if not (site / MARKER).is_file() and not _earlier_refsite_site(site):
        return (f"'{shown}' is not empty and holds no {MARKER} (the mark of a site refsite built): refsite will "
                "not replace it; choose an empty or new folder, or delete this one yourself")
    for path in site.rglob("*.md"):
        return f"'{shown}' holds a Markdown source ({display_path(path)}): not a built site"
    return None


class Builder(Protocol):
    """Builds a folder of generated pages into a site folder with a given configuration file."""

    name: str

    def build(self, config_file: Path, docs_dir: Path, site_dir: Path, today: dt.date,
              site_name: str | None = None) -> list[Problem]:
        """Build ``docs_dir`` into the empty ``site_dir``; report problems, never raise on bad input.

        ``site_name`` (the practice's name) names the site when the configuration does not.
        """
        ...  # pragma: no cover


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


def _epoch(today: dt.date) -> str:
    return str(int(dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC).timestamp()))


def _privacy_warnings(config: Any, source: Source) -> list[Problem]:
    """Settings in a mkdocs.yml that would make the browser call a third party."""
    problems = []
    if config.theme.get("font") is not False:
        problems.append(warning(source, "theme.font is not false: Material will load Google Fonts on every page view"))
    if config.get("repo_url"):
        problems.append(warning(source, "repo_url is set: browsers will call the Git host's API on every page view"))
    if (config.get("extra") or {}).get("analytics"):
        problems.append(warning(source, "extra.analytics is set: every page view will be reported to a third party"))
    for script in [*config.get("extra_javascript", []), *config.get("extra_css", [])]:
        if "://" in str(script) or str(script).startswith("//"):
            problems.append(warning(source, f"'{script}' is loaded from another site on every page view"))
    for script in (config.get("extra") or {}).get("polyfills", []):
        if "://" in str(script) or str(script).startswith("//"):
            problems.append(warning(source, f"extra.polyfills: '{script}' is loaded from another site on every page view"))
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
            with _environment(SOURCE_DATE_EPOCH=_epoch(today), NO_MKDOCS_2_WARNING="true"):
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
                problems += _privacy_warnings(config, source)
                build(config)
        except exceptions.MkDocsException as exc:
            problems.append(error(source, f"MkDocs could not build the site: {exc}"))
        except jinja2.TemplateError as exc:
            where = f" ({exc.filename}:{exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
            problems.append(error(source, f"a theme template is broken{where}: {exc}"))
        except OSError as exc:
            problems.append(error(source, f"MkDocs could not build the site: {exc.strerror or exc}"))
        finally:
            logger.removeHandler(handler)
        for record in handler.records:
            message = record.getMessage().strip()
            severity = error if record.levelno >= logging.ERROR else warning
            problems.append(severity(source, f"MkDocs: {message}"))
        return problems


MKDOCS = MkDocsBuilder()


def _safe_target(docs_dir: Path, relpath: str) -> Path | None:
    """The file a page goes to, or None when its path would leave the docs folder."""
    pure = PurePosixPath(relpath)
    if not relpath or pure.is_absolute() or "\\" in relpath or any(part in ("..", "") for part in pure.parts):
        return None
    target = (docs_dir / pure).resolve()
    return target if target.is_relative_to(docs_dir.resolve()) else None


def stage_pages(pages: Mapping[str, str | bytes], docs_dir: Path) -> list[Problem]:
    """Write the pages (relative POSIX paths to text or bytes) into ``docs_dir``, byte for byte."""
    problems = []
    for relpath in sorted(pages):
        target = _safe_target(docs_dir, relpath)
        if target is None:
            problems.append(error(Source("<site>", 0), f"refusing to write page '{relpath}' outside the site folder"))
            continue
        content = pages[relpath]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return problems


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def build_site(
    pages: Mapping[str, str | bytes],
    site_dir: Path,
    config_file: Path,
    today: dt.date,
    builder: Builder = MKDOCS,
    site_name: str | None = None,
) -> list[Problem]:
    """Build ``pages`` into ``site_dir``; on any error, leave the previous ``site_dir`` untouched.

    The site is built in a hidden folder beside ``site_dir`` (``.site-*``) and renamed into place.
    ``site_name`` names the site when ``config_file`` sets no ``site_name`` of its own.
    """
    with _docs_folder() as docs_dir:
        problems = stage_pages(pages, docs_dir)
        if has_errors(problems):
            return problems
        return problems + build_staged(docs_dir, site_dir, config_file, today, builder, site_name)


def build_staged(
    docs_dir: Path,
    site_dir: Path,
    config_file: Path,
    today: dt.date,
    builder: Builder = MKDOCS,
    site_name: str | None = None,
) -> list[Problem]:
    """Build an already staged docs folder into ``site_dir`` (hidden folder beside it, then a swap)."""
    site_dir = Path(site_dir)
    parent = site_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(site_dir.resolve())
    new = Path(tempfile.mkdtemp(prefix=STAGING_PREFIXES[0], dir=parent))
    try:
        os.chmod(new, 0o777 & ~_umask())
        _mark(new)  # first, so that a build killed now leaves a folder the next build knows is its own
        problems = builder.build(config_file, docs_dir, new, today, site_name=site_name)
        if not has_errors(problems):
            _mark(new)  # again: a builder may have cleaned the folder
            _swap(new, site_dir.resolve())
        return problems
    finally:
        if new.exists() and (new / MARKER).is_file():
            shutil.rmtree(new, ignore_errors=True)


def _mark(folder: Path) -> None:
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def _fault(point: str) -> None:
    """A no-op the kill tests replace to stop a build at ``point`` (between two steps of the swap)."""


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):  # an old kernel, or a file system without it
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap(new: Path, site_dir: Path) -> None:
    """Put ``new`` at ``site_dir`` so that a kill at any instant leaves a complete site there.

    Where the system can exchange two folders atomically (Linux), the new site and the old one
    trade places in one step and the old one is then deleted. Elsewhere the old site is renamed
    aside and the new one renamed in; a kill between those two renames leaves the old site in
    its ``.site-old-*`` folder, and the next build puts it back first (:func:`clean_leftovers`).
    """
    if not site_dir.exists():
        new.rename(site_dir)
        return
    _fault("before-swap")
    if _exchange(new, site_dir):
        _fault("after-exchange")
        shutil.rmtree(new, ignore_errors=True)
        return
    old = Path(tempfile.mkdtemp(prefix=STAGING_PREFIXES[1], dir=site_dir.parent))
    old.rmdir()
    site_dir.rename(old)
    try:
        _fault("between-renames")
        new.rename(site_dir)
    except BaseException:
        if not site_dir.exists():
            old.rename(site_dir)
        raise
    _fault("after-renames")
    shutil.rmtree(old, ignore_errors=True)


def clean_leftovers(site_dir: Path) -> None:
    """Remove what killed builds left: staging folders beside ``site_dir`` and temporary docs folders.

    Only refsite's own (marked, or empty) staging folders are touched. When a kill left no site at
    ``site_dir`` but the previous one in a ``.site-old-*`` folder, that site is put back first.
    """
    parent = site_dir.parent
    if parent.is_dir():
        olds = sorted(parent.glob(STAGING_PREFIXES[1] + "*"), key=lambda p: p.stat().st_mtime, reverse=True)
        if not site_dir.exists():
            for old in olds:
                if (old / MARKER).is_file():
                    old.rename(site_dir)
                    break
        for prefix in STAGING_PREFIXES:
            for folder in parent.glob(prefix + "*"):
                if folder.is_dir() and not folder.is_symlink() and ((folder / MARKER).is_file() or not any(folder.iterdir())):
                    shutil.rmtree(folder, ignore_errors=True)
    for docs in Path(tempfile.gettempdir()).glob(DOCS_PREFIX + "*"):
        if docs.is_dir() and not docs.is_symlink() and not _alive(docs / PID_FILE):
            shutil.rmtree(docs, ignore_errors=True)


def _alive(pid_file: Path) -> bool:
    """Whether the build that wrote ``pid_file`` is still running (no file: assume it just started)."""
    try:
        pid = int(pid_file.read_text(encoding="ascii"))
    except FileNotFoundError:
        try:
            return dt.datetime.now(dt.UTC).timestamp() - pid_file.parent.stat().st_mtime < 3600
        except OSError:
            return False
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _docs_folder() -> Iterator[Path]:
    """A temporary docs folder that names the process using it, so later builds can clean it if killed."""
    with tempfile.TemporaryDirectory(prefix=DOCS_PREFIX) as docs:
        (Path(docs) / PID_FILE).write_text(str(os.getpid()), encoding="ascii")
        yield Path(docs)


@dataclass(frozen=True)
class BuildResult:
    problems: list[Problem]  # the records' problems, then the build's
    pages: int  # pages handed to the site generator (0 when the records stopped the build)
    built: bool  # whether site_dir now holds the new site


def build(layout: Layout, today: dt.date, builder: Builder = MKDOCS) -> BuildResult:
    """Validate, compute, render and build: the whole of `refsite build`.

    Invalid records (any error) stop before anything is written, as does a broken template
    or a failed MkDocs build; in every such case the previous site is left exactly as it was.
    """
    from refsite.render import RenderError, render_pages
    from refsite.workspace import load_and_validate

    refusal = site_dir_refusal(layout.site_dir, layout.records_dir)
    if refusal:
        raise SiteDirRefused(refusal)
    records, settings, problems = load_and_validate(layout.records_dir, layout.settings_path, today, as_of=True)
    if has_errors(problems):
        return BuildResult(problems, 0, False)
    try:
        pages = render_pages(records, settings, today, templates_dir=layout.templates_dir)
    except RenderError as exc:
        return BuildResult(problems + exc.problems, 0, False)
    count, site_name = len(pages), str(settings.practice)
    with _docs_folder() as docs_dir:
        built = stage_pages(pages, docs_dir)
        # MkDocs holds every page again while it builds: let the records and our copy of the
        # pages go first (they are on disk now), so that the two peaks do not add up.
        del pages, records
        if not has_errors(built):
            built += build_staged(docs_dir, layout.site_dir, layout.config_file, today, builder, site_name)
    problems = problems + built
    return BuildResult(problems, count, not has_errors(built))


def serve_site(
    rebuild: Callable[[], object],
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
        return [error(Source(f"{host}:{port}", 0), f"cannot serve the site: {exc.strerror or exc}")]
    finally:
        server.shutdown()
    return []
