"""The incremental preview: `refsite serve` keeps everything in memory and rebuilds only what changed.

:class:`Preview` holds, between two changes:

- every partner file as last read (its ``stat``, the partner parsed from it, the loader's
  problems, the partner as of ``--today`` and its own checks' problems): a change re-reads only
  the files whose ``stat`` changed, and re-checks only those partners;
- what the summary pages are computed from, per partner, reused while its record is the same
  object: its metrics facts and the figures of groups of them (``refsite.metrics.FactsMemo``),
  its due items (:class:`DueMemo`, which also compares what they read of the other partners),
  and its items' messages; so a change recomputes the edited partner's and sums again;
- the settings, the templates and the ``mkdocs.yml`` as last seen: any change there (or a
  failed build) starts again from scratch, as ``refsite build`` would;
- a digest of every page as published, and for each partner page what it was made from (the
  partner, its due items, the partners it names, the site's header): a change renders the
  summary pages (cheap to decide, they depend on everyone), and a partner's page only when
  what it is made from changed; then only the pages whose text changed are written into its
  docs folder and rebuilt into the served site, through MkDocs' own per-page steps
  (:class:`refsite.site.mkdocs.MkDocsSession`).

The result is byte-identical to `refsite build` of the same records (every file of the site:
``tests/test_serve_incremental.py``). Records with errors change nothing: the problems are
shown and the last good site stays. The served folder is replaced whole only by a full
build (with the marker, as :func:`refsite.site.pipeline.build_staged` does); an incremental
step rewrites files inside it. Nothing is ever written into the records folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from refsite.checks import ACROSS, CHECKS, OWN, check_dates_not_future, partner_problems
from refsite.due import DueItem
from refsite.due.memo import Memo, due_with_memos
from refsite.load import display_path, load_settings, partner_files, shown_name, skipped_files
from refsite.load.cache import RecordCache, parse_files
from refsite.load.partner import parse_partner
from refsite.metrics import FactsMemo
from refsite.model import Partner, Records
from refsite.problems import Problem, Source, error, has_errors, sort_problems, warning
from refsite.settings import Settings
from refsite.site.mkdocs import MkDocsSession
from refsite.site.pipeline import (
    DOCS_PREFIX,
    MARKER,
    PID_FILE,
    SiteDirRefused,
    build_staged,
    site_dir_refusal,
    stage_pages,
)
from refsite.words import plural
from refsite.workspace import Layout, settings_file

# A partner's own problems (refsite.checks.OWN: the partner and the settings alone) are found once per
# changed partner and kept; every other check of CHECKS, and the part across partners of those in OWN
# (refsite.checks.ACROSS), runs over all the records on every change.


@dataclass
class _File:
    """One partner file as last read, with what is derived from it alone."""

    stat: tuple[int, int, int, int]
    partner: Partner | None
    problems: list[Problem]
    as_of: Partner | None = None  # the partner as of --today (its later log lines left out)
    later: list[Problem] = field(default_factory=list)  # its dates after --today (check_dates_not_future)
    own: list[Problem] = field(default_factory=list)  # refsite.checks.partner_problems of the partner as of --today


@dataclass(frozen=True)
class Refresh:
    """What one pass did."""

    problems: list[Problem]  # the records' problems, then the build's
    pages: int  # pages and files rebuilt into the site (0 when nothing changed or the records stopped it)
    built: bool  # whether the served site now shows the records as they are
    full: bool  # whether it was a full build
    more: bool = False  # only the edited partners' pages are up to date: call refresh() again for the rest


def _stat(path: Path) -> tuple[int, int, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1, -1, -1)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _digest(text: str | bytes) -> bytes:
    return hashlib.blake2b(text.encode("utf-8") if isinstance(text, str) else text, digest_size=20).digest()


def _tree_stat(path: Path | None) -> tuple[Any, ...]:
    """Every file under ``path`` (or the file itself) with its stat: a change anywhere changes it."""
    if path is None or not path.exists():
        return ()
    if path.is_file():
        return (str(path), _stat(path))
    return tuple((str(p), _stat(p)) for p in sorted(path.rglob("*")) if p.is_file())


def _parse(settings: Settings) -> Any:
    def parse(path: Path, shown: str, data: bytes) -> tuple[Partner | None, list[Problem]]:
        try:
            return parse_partner(path, shown, data, settings)
        except Exception as exc:  # noqa: BLE001 - the loader's last guard (refsite.load.folder.load_records)
            return None, [error(Source(shown, 1), f"refsite could not read this file ({type(exc).__name__}: {exc}); "
                                "please report it with the file", check="files")]
    return parse


class DueMemo:
    """``refsite.due.due`` over records that mostly did not change, through :mod:`refsite.due.memo`.

    A partner's memo (its items, and every question its rules asked of the other partners with the
    answer) is offered again while the very same ``Partner`` object comes back (the preview re-reads
    only edited files) with the same settings; ``due_with_memos`` checks today and asks the questions
    again. The result is ``due(records, settings, today)``, item for item.
    """

    def __init__(self) -> None:
        self._kept: dict[str, tuple[Partner, Memo]] = {}
        self._settings: Settings | None = None

    def items(self, records: Records, settings: Settings, today: dt.date) -> list[DueItem]:
        if settings is not self._settings:
            self._kept.clear()
            self._settings = settings
        given = {}
        for partner in records.partners:
            kept = self._kept.get(partner.id)
            if kept is not None and kept[0] is partner:
                given[partner.id] = kept[1]
        items, made = due_with_memos(records, settings, today, given)
        self._kept = {p.id: (p, made[p.id]) for p in records.partners if p.id in made}
        return items


class Preview:
    """The state of `refsite serve` between two changes; :meth:`refresh` brings the served site up to date."""

    def __init__(self, layout: Layout, today: dt.date, use_cache: bool = True) -> None:
        self.layout = layout
        self.today = today
        self.use_cache = use_cache
        self.session = MkDocsSession()
        self._files: dict[Path, _File] = {}
        self._settings: Settings | None = None
        self._settings_problems: list[Problem] = []
        self._inputs: tuple[Any, ...] | None = None  # settings, templates and mkdocs.yml as last seen
        self._published: dict[str, bytes] = {}  # page path -> digest of its text, as the served site has it
        self._made_from: dict[str, tuple[Any, ...]] = {}  # partner page path -> what it was made from
        self._docs: tempfile.TemporaryDirectory[str] | None = None
        self._edited: set[str] | None = None  # ids of the partner files the last read found edited (none added or removed)
        self._last_read: Any = None  # (what the last read saw: settings, folder and files' stats; what it read)
        self._again: Any = None  # the last read, when the pass after it may reuse it (after a quick pass)
        self._collect = True  # whether the cycle collector was on when the pass began
        self._model: Any = None  # the last full model (refsite.render.Model), for the edited partners' quick pass
        self._contexts: dict[str, Any] = {}  # summary page path -> its context, as published
        self._next_contexts: dict[str, Any] = {}
        self._listed: set[str] = set()  # every page of the last pass, rendered or not
        self._index_owed = False  # a quick pass left the search index for the next one
        self._renderer: Any = None  # refsite.render.Renderer, its templates compiled once (until they change)
        self._facts = FactsMemo()  # every partner's metrics facts, made again only for a changed record
        self._due = DueMemo()  # every partner's due items, likewise
        self._drafts: dict[Any, Any] = {}  # every due item's message (refsite.render.computed.Model.draft)
        self._downloads: Any = None  # refsite.render.downloads.DownloadsMemo: each item's event and CSV line, each partner's
        self._rows: Any = None  # refsite.render.RowsMemo: each partner's list row

    # ----------------------------------------------------------------------- reading

    def _read(self) -> tuple[Records, Settings, list[Problem]]:
        """The records as of --today and every problem, as `refsite.workspace.load_and_validate(as_of=True)` gives them."""
        records_dir = self.layout.records_dir
        root = display_path(records_dir)
        inputs = (_tree_stat(settings_file(records_dir, self.layout.settings_path)),
                  _tree_stat(self.layout.templates_dir), _tree_stat(self.layout.config_file))
        if inputs != self._inputs or self._settings is None:
            path = settings_file(records_dir, self.layout.settings_path)
            self._settings, self._settings_problems = load_settings(path, display_path(path))
            self._files.clear()
            self._forget()
            self._inputs = inputs
        settings = self._settings
        again, self._again = self._again, None
        if not records_dir.is_dir():
            return Records(()), settings, [error(Source(root), "no such records folder", check="files")]
        files = partner_files(records_dir)
        stats = [(p, _stat(p)) for p in files]
        # The pass after a quick one (the edited partners' pages first): when no partner file and no entry of the
        # folder changed since that pass read them, its reading stands (a later change starts a new pass).
        seen = (inputs, _stat(records_dir), stats)
        if again is not None and again[0] == seen:
            self._edited = set()
            return again[1]
        problems = list(self._settings_problems)
        problems += skipped_files(records_dir, root)
        if not files:
            problems.append(warning(Source(root), "no partner files (*.md) here: is this the records folder?", check="files"))
        wanted = set(files)
        gone = [p for p in self._files if p not in wanted]
        for path in gone:
            del self._files[path]
        stale = [(p, st) for p, st in stats if p not in self._files or self._files[p].stat != st]
        # Only partners already there were edited: their pages can go first (refresh(partners_first=True)).
        self._edited = {p.stem for p, _ in stale} if not gone and all(p in self._files for p, _ in stale) else None
        if stale:
            named = [(p, f"{root}/{shown_name(p.name)}" if root else shown_name(p.name)) for p, _ in stale]
            cache = RecordCache.for_records(records_dir, settings).load() if self.use_cache and not self._files else None
            results = parse_files(named, _parse(settings), cache, parse_reads_file=False)
            if cache is not None:
                cache.save()
            for (path, stat), (partner, file_problems) in zip(stale, results):
                self._files[path] = self._derive(_File(stat, partner, file_problems), settings)
        partners, unreadable = [], set()
        for path in files:
            entry = self._files[path]
            problems += entry.problems
            if entry.partner is None:
                unreadable.add(path.stem)
            else:
                partners.append(entry)
        partners.sort(key=lambda e: e.partner.id if e.partner else "")
        problems = sort_problems(problems)
        later = [p for e in partners for p in e.later]
        if later:
            count = len({p.source.path for p in later})
            problems.append(warning(Source(root), f"as of {self.today}: {plural(len(later), 'later date')} in "
                                    f"{plural(count, 'file')} left out (the records as they stood that day)", check="dates"))
        records = Records(tuple(e.as_of for e in partners if e.as_of is not None), frozenset(unreadable))
        read = records, settings, sort_problems(problems + self._validate(records, partners, settings))
        self._last_read = (seen, read)
        return read

    def _derive(self, entry: _File, settings: Settings) -> _File:
        if entry.partner is not None:
            alone = Records((entry.partner,))
            entry.later = list(check_dates_not_future(alone, settings, self.today))
            entry.as_of = alone.as_of(self.today).partners[0]
            now = Records((entry.as_of,))
            entry.own = list(partner_problems(now.partners[0], settings))
        return entry

    def _validate(self, records: Records, entries: list[_File], settings: Settings) -> list[Problem]:
        """``refsite.validate.validate`` (without the dates check, as of --today), from what is kept per partner."""
        problems = [p for e in entries for p in e.own]
        for check in CHECKS:
            if check is check_dates_not_future:
                continue
            across = ACROSS.get(check) if check in OWN else check
            if across is not None:
                problems.extend(across(records, settings, self.today))
        return sort_problems(problems)

    # ----------------------------------------------------------------------- building

    def refresh(self, partners_first: bool = False) -> Refresh:
        """Bring the served site up to date with the records: one pass (see the module's docstring).

        ``partners_first``: when the change only edited existing partner files, rebuild just their
        pages and return with ``more`` set; the next call brings the summary pages up to date.
        """
        from refsite.render import RenderError

        refusal = site_dir_refusal(self.layout.site_dir, self.layout.records_dir)
        if refusal:
            raise SiteDirRefused(refusal)
        records, settings, problems = self._read()
        if has_errors(problems):
            return Refresh(problems, 0, False, False)
        full = not self.session.ready or self._docs is None
        self._collect = gc.isenabled()
        try:
            if full:
                return self._full(records, settings, problems)
            # Off during a pass: it allocates a lot that soon goes, and what stays is collected after.
            with _collector(False):
                if partners_first and self._edited:
                    quick = self._step(records, settings, problems, self._edited)
                    if quick.more:
                        self._again = self._last_read
                    return quick
                return self._step(records, settings, problems)
        except RenderError as exc:
            return Refresh(problems + exc.problems, 0, False, full)

    def _pages(self, records: Records, settings: Settings, problems: list[Problem], everything: bool,
               only: set[str] | None = None) -> Iterator[tuple[str, str, tuple[Any, ...] | None]]:
        """``(path, text, made_from)`` for the downloads, the summary pages and the partner pages to render.

        ``everything``: every page; else only the summary pages whose context changed and the partner
        pages whose ``made_from`` changed (``made_from`` is None for the other pages; ``self._listed``
        gets every page's path, rendered or not). ``only``: just the pages of these partners, from a
        quick model (:func:`refsite.render.partner_model`), with no ``made_from`` (so that the next
        full pass renders them again). Raises RenderError after the last page.
        """
        from refsite.render import (
            Renderer,
            RenderError,
            RowsMemo,
            build_model,
            partner_model,
            partner_page,
            summary_contexts,
        )
        from refsite.render.downloads import DownloadsMemo, download_files

        listed: set[str] = set()
        self._listed = listed
        quick = only is not None and self._model is not None
        if quick:
            model = partner_model(self._model, records, sorted(only or ()))
        else:
            self._facts.keep_only(p.id for p in records.partners)
            model = self._model = build_model(records, settings, self.today, self.layout.templates_dir, self._facts,
                                              self._due.items(records, settings, self.today), self._drafts)
        if self._renderer is None:  # kept: compiling the templates again would cost more than a page
            self._renderer = Renderer(self.layout.templates_dir)
        renderer = self._renderer
        renderer.problems.clear()
        if only is None:
            if self._downloads is None:
                self._downloads = DownloadsMemo()
            files = download_files(model, self._downloads)
            for path, text in files.items():
                listed.add(path)
                yield path, text, None
            contexts: dict[str, Any] = {}
            if self._rows is None:
                self._rows = RowsMemo()
            for context in summary_contexts(model, files, problems, self._rows):
                listed.add(context.path)
                contexts[context.path] = context
                if not everything and self._contexts.get(context.path) == context:
                    continue
                page = renderer.render(context)
                if page is not None:
                    yield context.path, page, None
            self._next_contexts = contexts
        for partner in records.partners:
            path = f"partners/{partner.id}.md"
            listed.add(path)
            if only is not None and partner.id not in only:
                continue
            made_from = None if quick else _made_from(model, partner)
            if not everything and made_from is not None and self._made_from.get(path) == made_from:
                continue
            page = renderer.render(partner_page(model, partner))
            if page is not None:
                yield path, page, made_from
        if renderer.problems:
            raise RenderError(renderer.problems)

    def _full(self, records: Records, settings: Settings, problems: list[Problem]) -> Refresh:
        with _collector(self._collect):
            gc.unfreeze()  # what the last full build froze: its site is let go now
            done = self._full_build(records, settings, problems)
            if done.built and self._collect:
                # The site just built stays in memory until the next full build: frozen, the collector does not walk
                # its millions of objects again at every change (what it frees is freed by reference counting).
                gc.collect()
                gc.freeze()
            return done

    def _full_build(self, records: Records, settings: Settings, problems: list[Problem]) -> Refresh:
        self._forget()
        self._docs = tempfile.TemporaryDirectory(prefix=DOCS_PREFIX)
        docs_dir = Path(self._docs.name)
        (docs_dir / PID_FILE).write_text(str(os.getpid()), encoding="ascii")
        published: dict[str, bytes] = {}
        made: dict[str, tuple[Any, ...]] = {}

        def stream() -> Iterator[tuple[str, str]]:
            for path, text, made_from in self._pages(records, settings, problems, everything=True):
                published[path] = _digest(text)
                if made_from is not None:
                    made[path] = made_from
                yield path, text

        built = stage_pages(stream(), docs_dir)
        if not has_errors(built):
            built += build_staged(docs_dir, self.layout.site_dir, self.layout.config_file, self.today, self.session,
                                  settings.practice)
        if has_errors(built):
            self._forget()
            return Refresh(problems + built, 0, False, True)
        self.session.moved(self.layout.site_dir.resolve())
        self._published, self._made_from, self._contexts = published, made, self._next_contexts
        return Refresh(problems + built, len(published), True, True)

    def _step(self, records: Records, settings: Settings, problems: list[Problem],
              only: set[str] | None = None) -> Refresh:
        assert self._docs is not None
        docs_dir = Path(self._docs.name)
        changed: dict[str, str] = {}
        made: dict[str, tuple[Any, ...]] = {}
        for path, text, made_from in self._pages(records, settings, problems, everything=False, only=only):
            if made_from is not None:
                made[path] = made_from
            if self._published.get(path) != _digest(text):
                changed[path] = text
        removed = [p for p in self._published if p not in self._listed] if only is None else []
        more = only is not None
        if only is not None:
            for path in changed:  # drawn from a quick model: the next full pass renders them again
                self._made_from.pop(path, None)
        if not changed and not removed and not (self._index_owed and only is None):
            self._made_from.update(made)
            if only is None:
                self._contexts = self._next_contexts
            return Refresh(problems, 0, True, False, more)
        built = stage_pages(changed, docs_dir)
        if has_errors(built):
            return Refresh(problems + built, 0, False, False)
        for path in removed:
            (docs_dir / path).unlink(missing_ok=True)
        if not (self.layout.site_dir / MARKER).is_file():
            raise SiteDirRefused(f"'{display_path(self.layout.site_dir)}' lost refsite's marker ({MARKER}) while "
                                 "serving: not written to")
        # The edited partners' pages first: the search index (several MB at 5,000 partners) waits for the rest.
        step = self.session.update(sorted(changed), sorted(removed), post_build=only is None)
        if step is None:  # MkDocs cannot do this change page by page: build in full
            return self._full(records, settings, problems)
        if has_errors(step):
            self._forget()
            return Refresh(problems + step, 0, False, False)
        for path in removed:
            self._published.pop(path, None)
            self._made_from.pop(path, None)
        self._published.update((path, _digest(text)) for path, text in changed.items())
        self._made_from.update(made)
        self._index_owed = only is not None
        if only is None:
            self._contexts = self._next_contexts
        return Refresh(problems + step, len(changed) + len(removed), True, False, more)

    def _forget(self) -> None:
        """Start again from scratch at the next pass (a full build)."""
        self.session.forget()
        self._published, self._made_from, self._contexts, self._model = {}, {}, {}, None
        self._index_owed, self._renderer, self._again = False, None, None
        self._facts, self._due, self._drafts, self._downloads, self._rows = FactsMemo(), DueMemo(), {}, None, None
        if self._docs is not None:
            self._docs.cleanup()
            self._docs = None

    def close(self) -> None:
        self._forget()
        gc.unfreeze()


@contextlib.contextmanager
def _collector(enabled: bool) -> Iterator[None]:
    """Python's cycle collector on or off for a block, then as it was."""
    was = gc.isenabled()
    if enabled:
        gc.enable()
    else:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()


def _made_from(model: Any, partner: Partner) -> tuple[Any, ...]:
    """What a partner's page is made from, beyond the settings, --today and the templates (a change there
    is a full build): the partner, its due items, the partners it names (introducers, introduced) and
    the site's header. Equal values: the same page (the test suite holds every page to a full build)."""
    items = model.by_partner.get(partner.id, ())
    named = {partner.introduced_by} if partner.introduced_by else set()
    named.update(model.introduced.get(partner.id, ()))
    for item in items:
        named.update(item.introducers)
    return (partner, items, model.site, tuple((i, model.records.get(i)) for i in sorted(named)))
