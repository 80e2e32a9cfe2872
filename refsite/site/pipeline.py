"""The build pipeline: records to pages to a site folder, and nothing lost on the way.

:func:`build` loads and validates the records (``refsite.workspace``), renders every page
(``refsite.render``), and hands them to a :class:`Builder` (MkDocs by default,
``refsite.site.mkdocs``) through :func:`build_site`, which writes the pages into a temporary
docs folder, builds them into a temporary site folder next to the target, and swaps that
folder into place only when the build succeeded: a failed or killed build leaves the previous
site whole. The site folder is replaced only when it is absent, empty or a site refsite built
(:func:`site_dir_refusal`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import errno
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator, Mapping, Protocol

from refsite.load import display_path
from refsite.problems import Problem, Source, error, has_errors
from refsite.site.mkdocs import MKDOCS, POLYFILL
from refsite.workspace import CONFIG_FILE, Layout

# Written into every site refsite builds: a folder holding it is refsite's to replace; any other
# non-empty folder is refused (refsite build never deletes what it did not make).
MARKER = ".refsite-site"
MARKER_TEXT = "This folder is a site built by refsite; `refsite build` replaces it whole.\n"
STAGING_PREFIXES = (".site-new-", ".site-old-")
DOCS_PREFIX = "refsite-docs-"
PID_FILE = ".refsite-pid"


class Builder(Protocol):
    """Builds a folder of generated pages into a site folder with a given configuration file."""

    @property
    def name(self) -> str: ...

    def build(self, config_file: Path, docs_dir: Path, site_dir: Path, today: dt.date,
              site_name: str | None = None) -> list[Problem]:
        """Build ``docs_dir`` into the empty ``site_dir``; report problems, never raise on bad input.

        ``site_name`` (the practice's name) names the site when the configuration does not.
        """
        ...  # pragma: no cover


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


def _safe_target(docs_dir: Path, relpath: str) -> Path | None:
    """The file a page goes to, or None when its path would leave the docs folder."""
    pure = PurePosixPath(relpath)
    if not relpath or pure.is_absolute() or "\\" in relpath or any(part in ("..", "") for part in pure.parts):
        return None
    target = (docs_dir / pure).resolve()
    return target if target.is_relative_to(docs_dir.resolve()) else None


def stage_pages(pages: Mapping[str, str | bytes] | Iterable[tuple[str, str | bytes]], docs_dir: Path) -> list[Problem]:
    """Write the pages (relative POSIX paths to text or bytes) into ``docs_dir``, byte for byte.

    ``pages`` is a mapping or a stream of ``(path, content)`` pairs: a stream is written as it
    comes, each page let go once it is on disk.
    """
    problems = []
    items = sorted(pages.items()) if isinstance(pages, Mapping) else pages
    for relpath, content in items:
        target = _safe_target(docs_dir, relpath)
        if target is None:
            problems.append(error(Source("<site>", 0), f"refusing to write page '{relpath}' outside the site folder", check="site"))
            continue
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
    new = Path(tempfile.mkdtemp(prefix=_staging_prefix(0), dir=parent))
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
    old = Path(tempfile.mkdtemp(prefix=_staging_prefix(1), dir=site_dir.parent))
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

    Only refsite's own (marked, or empty) staging folders are touched, and only those of builds
    no longer running: a staging folder's name carries the process that made it, so a build
    beside another (two sites in one folder, or the same site built twice at once) never takes
    the other's half-built site for debris. When a kill left no site at ``site_dir`` but the
    previous one in a ``.site-old-*`` folder, that site is put back first.
    """
    parent = site_dir.parent
    if parent.is_dir():
        olds = sorted((p for p in parent.glob(STAGING_PREFIXES[1] + "*") if not _staging_alive(p, 1)),
                      key=lambda p: p.stat().st_mtime, reverse=True)
        if not site_dir.exists():
            for old in olds:
                if (old / MARKER).is_file():
                    old.rename(site_dir)
                    break
        for n, prefix in enumerate(STAGING_PREFIXES):
            for folder in parent.glob(prefix + "*"):
                if (folder.is_dir() and not folder.is_symlink() and not _staging_alive(folder, n)
                        and ((folder / MARKER).is_file() or not any(folder.iterdir()))):
                    shutil.rmtree(folder, ignore_errors=True)
    for docs in Path(tempfile.gettempdir()).glob(DOCS_PREFIX + "*"):
        if docs.is_dir() and not docs.is_symlink() and not _alive(docs / PID_FILE):
            shutil.rmtree(docs, ignore_errors=True)


def _staging_prefix(n: int) -> str:
    """``.site-new-<pid>-`` (n=0) or ``.site-old-<pid>-`` (n=1): the folder names the build that made it."""
    return f"{STAGING_PREFIXES[n]}{os.getpid()}-"


STALE_SECONDS = 24 * 3600  # a staging folder untouched for a day is debris whatever its process id says


def _staging_alive(folder: Path, n: int) -> bool:
    """Whether the build that made staging ``folder`` still runs (names without a process id: never)."""
    pid, _, rest = folder.name[len(STAGING_PREFIXES[n]):].partition("-")
    if not pid.isdigit() or not rest:
        return False
    try:
        if dt.datetime.now(dt.UTC).timestamp() - folder.stat().st_mtime > STALE_SECONDS:
            return False
    except OSError:
        return False
    return _running(int(pid))


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    return _running(pid)


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


def build(layout: Layout, today: dt.date, builder: Builder = MKDOCS, use_cache: bool = False) -> BuildResult:
    """Validate, compute, render and build: the whole of `refsite build`.

    Invalid records (any error) stop before anything is written, as does a broken template
    or a failed MkDocs build; in every such case the previous site is left exactly as it was.
    With ``use_cache``, unchanged records come from the parsed-records cache (``--no-cache``: not).
    Pages are written into the docs folder as they are rendered and let go, never all held at once.
    """
    from refsite.render import RenderError, iter_pages
    from refsite.workspace import load_and_validate

    refusal = site_dir_refusal(layout.site_dir, layout.records_dir)
    if refusal:
        raise SiteDirRefused(refusal)
    records, settings, problems = load_and_validate(layout.records_dir, layout.settings_path, today, as_of=True,
                                                    use_cache=use_cache)
    if has_errors(problems):
        return BuildResult(problems, 0, False)
    site_name = settings.practice
    with _docs_folder() as docs_dir:
        counted = _Counted(iter_pages(records, settings, today, templates_dir=layout.templates_dir, problems=problems))
        # MkDocs holds every page again while it builds: only the stream keeps the records, so that
        # they go (with the model) as soon as the last page is on disk, and the two peaks do not add up.
        del records, settings
        try:
            built = stage_pages(counted, docs_dir)
        except RenderError as exc:
            return BuildResult(problems + exc.problems, 0, False)
        del counted.pages
        _give_back_memory()
        if not has_errors(built):
            built += build_staged(docs_dir, layout.site_dir, layout.config_file, today, builder, site_name)
    problems = problems + built
    return BuildResult(problems, counted.count, not has_errors(built))


def _give_back_memory() -> None:
    """Hand the memory the records, the model and the pages used back to the system before MkDocs starts.

    Python frees them, but the C allocator keeps the pages it got (at 5,000 partners, some 150 MB that
    MkDocs would not reuse and allocate again beside): glibc's ``malloc_trim`` returns them, so the
    build's peak is the larger of its two phases, not their sum. A no-op where there is no glibc.
    """
    import gc

    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


class _Counted:
    """A stream of pages that counts what went through it."""

    def __init__(self, pages: Iterator[tuple[str, str]]) -> None:
        self.pages = pages
        self.count = 0

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for page in self.pages:
            self.count += 1
            yield page
