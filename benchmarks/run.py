"""The benchmark: refsite against floors measured in the same run, at N = 500 and 5,000 partners (the check also at 20,000).

    .venv/bin/python benchmarks/run.py            # everything, about 20 minutes on two cores
    .venv/bin/python benchmarks/run.py --quick    # 500 partners only, for development (print only)

generates the partners (benchmarks/generate.py, seed 1) into benchmarks/out/
(ignored by Git), measures, prints the tables and writes docs/performance.md.
Options: ``--sizes 500 5000``, ``--check-sizes 20000`` (sizes measured for the
check only), ``--repeat 3`` (best of, for the check and search),
``--build-repeat 2``, ``--serve-edits 3``, ``--seed 1``, ``--no-write`` (print
only), ``--no-build`` (the check only), ``--no-serve``, ``--no-profile`` (skip
the py-spy breakdowns).

Measured at each size: ``refsite check --no-cache`` cold (a fresh process that reads
every file) and warm (the parsed-records cache primed, one record changed), every
one-partner command (``brief``, ``log``), ``refsite build`` against its plain-MkDocs
floor with each builder installed (MkDocs, Zensical), the serve edit loop (append a
referral line, time until the served profile page shows it and until the search
index, written from all records, holds it), opening and sorting the dashboard and the
partners list in headless Chromium, and the peak resident memory of every command.

Every figure is a ratio to a floor measured in the same run on the same files,
so that the figures mean the same on a slower or a busier machine. Nothing here
fails on timing: the targets are reported as met or missed, and the exit status
is 0 unless the benchmark itself could not run.

Floors:
- check: read every partner file, split off its front matter and parse it with
  PyYAML's C loader (``yaml.load(text, Loader=yaml.CSafeLoader)``); nothing else.
  python-frontmatter's ``frontmatter.load`` (the same loader behind a popular API)
  is shown as a second reference.
- build: a plain ``mkdocs build`` with Material (fonts off, default plugins) over
  plain Markdown pages of exactly the sizes and paths of the pages refsite renders,
  with the same navigation (index pages in ``nav``, partners ``not_in_nav``).
- search: headless Chromium (Debian's /usr/bin/chromium through Playwright) on the
  largest site, opened from disk: the time from typing to the first result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import pickle
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
DOC = ROOT / "docs" / "performance.md"
NOTES = ROOT / "benchmarks" / "notes.md"  # written by people: what the figures mean, included in the page
RESULTS = OUT / "results.pickle"  # the last run's figures, for --report-only
TODAY = dt.date(2026, 11, 22)
COMMAND = ".venv/bin/python benchmarks/run.py"
CHECK_ONLY_SIZES = (20000,)

# Targets (issue 18), at 5,000 partners, each against a floor measured in the same run.
COLD_RATIO = 2.0  # `refsite check --no-cache`, a fresh process, within 2.0x the floor command
WARM_RATIO = 1.3  # the check with the cache primed and one record changed, within 1.3x
CHECK_MEMORY_MB = 200  # peak memory of the check under 200 MB (and linear to 20,000)
ONE_PARTNER_RATIO = 1.0  # brief PARTNER and the other one-partner commands within 1.0x the check floor
BUILD_RATIO = 1.0  # refsite build at most the plain-MkDocs floor with the same pages
BUILD_MEMORY_MB = 300  # peak memory of the build under 300 MB
SERVE_SECONDS = 1.5  # an appended log line visible in the served profile page (median of the edits)
SERVE_SUMMARY_SECONDS = 5.0  # ... and every summary page consistent
SEARCH_SECONDS = 1.0  # first search result within 1 s of typing on a freshly loaded page (issue 7)
SITE_SECONDS = 1.0  # the dashboard and the partners list open and sort within a second (issue 17)
# What benchmarks/site_timing.py measures (its keys), and how the tables say it.
SITE_TIMINGS = (
    ("open_dashboard", "the dashboard opens"),
    ("open_partners", "the partners list opens"),
    ("sort_partners", "the partners list sorts by referrals"),
    ("sort_partners_by_name", "the partners list sorts by name"),
    ("filter_partners", "the partners list filters by text"),
)


# --------------------------------------------------------------------------- the measured work


def partner_paths(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.md") if not p.name.startswith(("_", ".")) and p.name != "README.md")


def floor_yaml(folder: Path) -> int:
    """The check floor: read each file, split off the front matter, parse it with libyaml. Returns the keys read."""
    import yaml

    keys = 0
    for path in partner_paths(folder):
        text = path.read_bytes().decode("utf-8")
        end = text.find("\n---\n", 3)
        data = yaml.load(text[4:end], Loader=yaml.CSafeLoader)
        keys += len(data)
    return keys


def floor_frontmatter(folder: Path) -> int:
    """The second reference: python-frontmatter's frontmatter.load on every file."""
    import frontmatter

    keys = 0
    for path in partner_paths(folder):
        keys += len(frontmatter.load(path).metadata)
    return keys


def refsite_check(folder: Path) -> tuple[int, int, int]:
    """The work of ``refsite check``: load, validate, compute what is due. Returns (partners, problems, due items)."""
    from refsite.workspace import load_and_validate

    records, settings, problems = load_and_validate(folder, None, TODAY)
    items: list[object] = []
    try:
        from refsite.due import due
    except ImportError:  # pragma: no cover - before refsite/due.py existed
        pass
    else:
        items = list(due(records, settings, TODAY))
    return len(records.partners), len(problems), len(items)


def has_due() -> bool:
    try:
        import refsite.due  # noqa: F401
    except ImportError:
        return False
    return True


def best_of(func: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


@dataclass
class Child:
    seconds: float
    max_rss_mb: float
    returncode: int
    stderr: str


# A small launcher process starts each measured command: Linux carries a process's peak resident
# memory across fork and exec, so a command started straight from this (large) process would
# report this process's peak as its own.
_LAUNCHER = """
import json, os, subprocess, sys, time
with open(sys.argv[1], "wb") as err:
    start = time.perf_counter()
    proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
print(json.dumps([seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]))
"""


def run_child(argv: list[str], cwd: Path = ROOT) -> Child:
    """Run a command; its wall time (interpreter start included) and its own peak resident memory."""
    with tempfile.TemporaryDirectory() as tmp:
        err = Path(tmp) / "stderr"
        done = subprocess.run([sys.executable, "-c", _LAUNCHER, str(err), *argv], cwd=cwd, capture_output=True,
                              text=True, check=True)
        seconds, max_rss_kib, returncode = json.loads(done.stdout)
        stderr = err.read_text(encoding="utf-8", errors="replace")
    return Child(seconds, max_rss_kib / 1024, returncode, stderr)  # ru_maxrss is in KiB on Linux


def best_child(argv: list[str], repeat: int, ok: tuple[int, ...] = (0, 1)) -> Child:
    """The fastest of ``repeat`` runs, with the highest peak memory of them; exits if a run fails."""
    runs = [run_child(argv) for _ in range(repeat)]
    for run in runs:
        if run.returncode not in ok or "Traceback" in run.stderr:
            raise SystemExit(f"benchmark: {' '.join(argv)} failed (exit {run.returncode}):\n{run.stderr}")
    fastest = min(runs, key=lambda r: r.seconds)
    return Child(fastest.seconds, max(r.max_rss_mb for r in runs), fastest.returncode, fastest.stderr)


def refsite_command() -> list[str]:
    exe = Path(sys.executable).with_name("refsite")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "refsite"]


def check_command(folder: Path, cached: bool = False) -> tuple[list[str], str]:
    """``refsite check`` on the folder: cold (``--no-cache``, every file read afresh) or with the records cache."""
    argv = [*refsite_command(), "check", "--records", str(folder), "--today", TODAY.isoformat()]
    return (argv if cached else [*argv, "--no-cache"]), "refsite check"


def command_has(command: str, option: str) -> bool:
    """Whether ``refsite COMMAND --help`` lists ``option`` (the benchmark also runs on older commits)."""
    done = subprocess.run([*refsite_command(), command, "--help"], capture_output=True, text=True)
    return option in done.stdout


def zensical_installed() -> bool:
    try:
        metadata.version("zensical")
    except metadata.PackageNotFoundError:
        return False
    return command_has("build", "--builder")


# --------------------------------------------------------------------------- the run


@dataclass
class Size:
    n: int
    folder: Path
    mb: float
    log_lines: int
    partners: int = 0
    problems: int = 0
    due_items: int = 0
    floor: float = 0.0
    floor_fm: float = 0.0
    check: float = 0.0
    floor_child: Child | None = None
    check_child: Child | None = None  # cold: a fresh process reading every file
    start_child: Child | None = None
    prime_child: Child | None = None  # `refsite check` with the cache, its first run: reads every file, writes it
    warm_child: Child | None = None  # `refsite check` with the cache primed and one record changed
    brief_child: Child | None = None
    log_child: Child | None = None
    check_only: bool = False  # measured for the check only (20,000)
    pages: int = 0  # Markdown pages refsite renders
    build_floor: Child | None = None
    build: Child | None = None
    floor_site_bytes: int = 0
    site_bytes: int = 0
    floor_index_bytes: int = 0
    index_bytes: int = 0
    zensical_build: Child | None = None  # refsite build --builder zensical
    zensical_note: str = ""
    serve_seconds: list[float] = field(default_factory=list)  # per edit: append a line until the profile shows it
    serve_summary_seconds: list[float] = field(default_factory=list)  # ... until the search index holds it
    serve_note: str = ""
    search_seconds: float | None = None
    search_note: str = ""
    site_timing: dict[str, float] = field(default_factory=dict)  # benchmarks/site_timing.py: open and sort, seconds
    site_timing_note: str = ""


@dataclass
class Run:
    sizes: list[Size] = field(default_factory=list)
    check_label: str = "refsite check"
    with_due: bool = False
    with_build: bool = False
    profile: list[tuple[str, float]] = field(default_factory=list)
    profile_note: str = ""
    build_profile: list[tuple[str, float]] = field(default_factory=list)
    build_profile_note: str = ""
    build_repeat: int = 2
    machine: list[tuple[str, str]] = field(default_factory=list)  # as it was when the run ended


def prepare(n: int, seed: int) -> Size:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    folder = OUT / f"partners-{n}-seed-{seed}"
    if folder.exists():
        shutil.rmtree(folder)
    paths = generate(folder, n, seed)
    size = sum(p.stat().st_size for p in paths)
    lines = sum(text.count("\n- 2") for text in (p.read_text(encoding="utf-8") for p in paths))
    return Size(n, folder, size / 1e6, lines)


def measure(size: Size, repeat: int, run: Run) -> None:
    folder = size.folder
    # Warm up: the page cache, the imports, the C loader.
    floor_yaml(folder)
    size.partners, size.problems, size.due_items = refsite_check(folder)
    size.floor = best_of(lambda: floor_yaml(folder), repeat)
    size.floor_fm = best_of(lambda: floor_frontmatter(folder), repeat)
    size.check = best_of(lambda: refsite_check(folder), repeat)
    measure_commands(size, repeat, run)


def measure_commands(size: Size, repeat: int, run: Run) -> None:
    """The fresh-process figures: the floor, the cold and warm check, start-up, the one-partner commands."""
    folder = size.folder
    argv, run.check_label = check_command(folder)
    cached, _ = check_command(folder, cached=True)
    me = [sys.executable, str(Path(__file__).resolve())]
    size.floor_child = best_child([*me, "--floor-child", str(folder)], repeat)
    size.check_child = best_child(argv, repeat)
    size.start_child = best_child([*refsite_command(), "--version"], repeat)
    # Warm: the cache primed by one run, then one record changed before each measured run.
    shutil.rmtree(folder.parent / ".refsite-cache", ignore_errors=True)
    size.prime_child = best_child(cached, 1)
    changed = partner_paths(folder)[len(partner_paths(folder)) // 3]
    original = changed.read_bytes()
    runs = []
    try:
        for i in range(repeat):
            changed.write_bytes(original + f"- {TODAY.isoformat()} note: benchmark edit {i}\n".encode())
            runs.append(best_child(cached, 1))
    finally:
        changed.write_bytes(original)
    size.warm_child = min(runs, key=lambda r: r.seconds)
    size.warm_child.max_rss_mb = max(r.max_rss_mb for r in runs)
    shutil.rmtree(folder.parent / ".refsite-cache", ignore_errors=True)  # the one-partner commands run cold
    if size.check_only:
        return
    partner = changed.stem
    base = [*refsite_command()]
    size.brief_child = best_child([*base, "brief", "--records", str(folder), "--today", TODAY.isoformat(),
                                   "--no-cache", partner], repeat)
    runs = []
    try:
        for _ in range(repeat):
            runs.append(best_child([*base, "log", "--records", str(folder), "--today", TODAY.isoformat(), partner,
                                    "note", ":", "benchmark"], 1, ok=(0,)))
            changed.write_bytes(original)
    finally:
        changed.write_bytes(original)
    size.log_child = min(runs, key=lambda r: r.seconds)
    size.log_child.max_rss_mb = max(r.max_rss_mb for r in runs)


# --------------------------------------------------------------------------- the build


def has_build() -> bool:
    try:
        from refsite.render import render_pages  # noqa: F401
        from refsite.site import Layout, build  # noqa: F401
    except ImportError:
        return False
    return True


_WORDS = ("referral partner practice physiotherapy knee shoulder clinic review update thanks meeting coffee "
          "visit appointment discharge converted booked received service value contact owner cadence "
          "quarter month category location suburb network introduction protocol lunch learn").split()


def filler(title: str, size: int) -> str:
    """Plain Markdown of exactly ``size`` bytes: a heading, paragraphs and a list (ASCII, deterministic)."""
    out = [f"# {title}\n\n"]
    length = len(out[0])
    i = 0
    while length < size:
        if i % 5 == 4:
            block = "".join(f"- {_WORDS[(i + k) % len(_WORDS)]} {_WORDS[(i * 7 + k) % len(_WORDS)]}\n" for k in range(4)) + "\n"
        else:
            block = " ".join(_WORDS[(i * 3 + k) % len(_WORDS)] for k in range(40)).capitalize() + ".\n\n"
        out.append(block)
        length += len(block)
        i += 1
    text = "".join(out)[: max(size - 1, 0)]
    return text + "\n" if size else ""


def floor_config(nav: object, not_in_nav: object) -> str:
    import yaml

    config = {
        "site_name": "Floor",
        "use_directory_urls": False,
        "theme": {"name": "material", "font": False},
        "nav": nav,
    }
    if not_in_nav:
        config["not_in_nav"] = not_in_nav
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def prepare_build_floor(size: Size) -> Path:
    """The build floor's project: refsite's pages replaced by plain Markdown of the same sizes, the same paths
    and navigation (refsite's default mkdocs.yml), Material with fonts off, and nothing else."""
    import yaml

    from refsite.render import render_pages
    from refsite.site import default_config_file
    from refsite.workspace import load_and_validate

    records, settings, _problems = load_and_validate(size.folder, None, TODAY)
    pages = render_pages(records, settings, TODAY)
    project = OUT / f"floor-{size.n}"
    if project.exists():
        shutil.rmtree(project)
    docs = project / "docs"
    for relpath, content in sorted(pages.items()):
        target = docs / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        if relpath.endswith(".md"):
            size.pages += 1
            data = content.encode("utf-8") if isinstance(content, str) else content
            target.write_text(filler(Path(relpath).stem.replace("-", " ").title(), len(data)), encoding="ascii")
        else:  # downloads, charts: the same bytes
            target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    refsite_config = yaml.safe_load(default_config_file().read_text(encoding="utf-8"))
    (project / "mkdocs.yml").write_text(floor_config(refsite_config.get("nav"), refsite_config.get("not_in_nav")),
                                        encoding="utf-8")
    return project


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def measure_build(size: Size, repeat: int) -> None:
    project = prepare_build_floor(size)
    floor_site = project / "site"
    size.build_floor = best_child([sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(project / "mkdocs.yml"),
                                   "-d", str(floor_site)], repeat, ok=(0,))
    site = OUT / f"site-{size.n}"
    size.build = best_child([*build_command(size.folder, site)], repeat, ok=(0,))
    size.floor_site_bytes = tree_bytes(floor_site)
    size.site_bytes = tree_bytes(site)
    size.floor_index_bytes = (floor_site / "search" / "search_index.json").stat().st_size
    size.index_bytes = (site / "search" / "search_index.json").stat().st_size
    if zensical_installed():
        zsite = OUT / f"site-zensical-{size.n}"
        size.zensical_build = best_child([*build_command(size.folder, zsite), "--builder", "zensical"], repeat, ok=(0,))
        shutil.rmtree(zsite, ignore_errors=True)
    else:
        size.zensical_note = "zensical is not installed (pip install -e '.[zensical]')"


def build_command(folder: Path, site: Path) -> list[str]:
    """``refsite build`` cold: every record read afresh (``--no-cache``), into ``site``."""
    argv = [*refsite_command(), "build", "--records", str(folder), "--today", TODAY.isoformat(), "--site-dir", str(site)]
    return [*argv, "--no-cache"] if command_has("build", "--no-cache") else argv


def measure_site(size: Size) -> None:
    """Open the dashboard and the partners list of the built site and sort and filter it, in headless Chromium."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from site_timing import measure_site as timing
    except ImportError as exc:
        size.site_timing_note = f"benchmarks/site_timing.py cannot run here ({exc})"
        return
    try:
        size.site_timing = timing(OUT / f"site-{size.n}")
    except Exception as exc:  # noqa: BLE001 - a browser that will not start must not lose the run's figures
        size.site_timing_note = f"the browser run failed ({type(exc).__name__}: {exc})"


def serve_edits(size: Size, edits: int) -> None:
    """``refsite serve`` on the folder; append a referral line to one partner ``edits`` times and time each until
    the served profile page shows it and until the site's search index (written from every record) holds it
    (polling over http every 50 ms)."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    site = OUT / f"site-serve-{size.n}"
    log = OUT / f"serve-{size.n}.log"
    target = partner_paths(size.folder)[len(partner_paths(size.folder)) // 2]
    original = target.read_bytes()
    url = f"http://127.0.0.1:{port}/partners/{target.stem}.html"
    index_url = f"http://127.0.0.1:{port}/search/search_index.json"
    with log.open("wb") as err:
        proc = subprocess.Popen([*refsite_command(), "serve", "--records", str(size.folder), "--today",
                                 TODAY.isoformat(), "--site-dir", str(site), "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        def page(where: str = url) -> str:
            try:
                with urllib.request.urlopen(where, timeout=5) as response:
                    return response.read().decode("utf-8", errors="replace")
            except OSError:
                return ""

        deadline = time.monotonic() + 900
        while "Serving on" not in log.read_text(encoding="utf-8", errors="replace") or not page():
            if proc.poll() is not None or time.monotonic() > deadline:
                size.serve_note = f"refsite serve did not start: {log.read_text(encoding='utf-8')[-300:]}"
                return
            time.sleep(0.2)
        lines = b""
        for i in range(edits):
            token = f"R-BENCH{i}X{os.getpid()}"
            start = time.perf_counter()
            lines += f"- {TODAY.isoformat()} referral-in {token} service:knee\n".encode()
            target.write_bytes(original + lines)
            while token not in page():
                if time.perf_counter() - start > 900 or proc.poll() is not None:
                    size.serve_note = f"edit {i + 1} never showed ({log.read_text(encoding='utf-8')[-300:]})"
                    return
                time.sleep(0.05)
            size.serve_seconds.append(time.perf_counter() - start)
            while token not in page(index_url):
                if time.perf_counter() - start > 900 or proc.poll() is not None:
                    size.serve_note = f"edit {i + 1} never reached the search index"
                    return
                time.sleep(0.05)
            size.serve_summary_seconds.append(time.perf_counter() - start)
            time.sleep(1.0)  # let the watcher settle before the next edit
    finally:
        target.write_bytes(original)
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(site, ignore_errors=True)


CHROMIUM = Path("/usr/bin/chromium")


def search_latency(size: Size, repeat: int, prefix: str = "site") -> float | None:
    """Headless Chromium opens the site's dashboard from disk, types a partner's name into search as soon as
    the page has loaded, and waits for the first result: the time from the last key to that result."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        size.search_note = "playwright is not installed"
        return None
    if not CHROMIUM.exists():
        size.search_note = f"{CHROMIUM} is not installed"
        return None
    from refsite.load import load

    records, _settings, _problems = load(size.folder)
    name = records.partners[len(records.partners) // 2].name
    query = max(name.split(), key=len)
    size.search_note = f"query '{query}' (from '{name}')"
    index = (OUT / f"{prefix}-{size.n}" / "index.html").resolve().as_uri()
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    best = float("inf")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            for _ in range(repeat):
                context = browser.new_context()
                page = context.new_page()
                page.goto(index, wait_until="load")
                page.locator("label.md-search__icon, .md-search__input").first.click()
                page.keyboard.type(query)
                start = time.perf_counter()
                page.locator(".md-search-result__item").first.wait_for(timeout=60_000)
                best = min(best, time.perf_counter() - start)
                context.close()
        finally:
            browser.close()
    return best


PROFILE_GROUPS = (  # (function, file), label: the first group a sample's stack contains claims the sample
    (("decode_text", "refsite/load/"), "reading the files (bytes to text)"),
    (("conflict_markers", "refsite/load/"), "scanning for merge-conflict markers"),
    (("parse_yaml_mapping", "refsite/load/"), "YAML front matter (libyaml, constructing values, duplicate keys)"),
    (("partner_privacy", "refsite/checks.py"), "the patient-identifier guard (checks.partner_privacy, refsite/privacy.py)"),
    (("derive_referrals", "refsite/model.py"), "referrals derived from the log (model.derive_referrals)"),
    (("partner_problems", "refsite/checks.py"), "a partner's own checks, the rest (checks.OWN, as each file is read)"),
    (("_body", "refsite/load/"), "log lines (splitting, duplicates, the line grammar)"),
    (("partner_files", "refsite/load/"), "listing the folder"),
    (("parse_partner", "refsite/load/"), "front-matter fields to partners (converters, contacts)"),
    (("validate", "refsite/validate.py"), "the checks across partners (refsite/validate.py, refsite/checks.py)"),
    (("", "refsite/due/"), "what is due (refsite/due/)"),
    (("_find_and_load", "<frozen importlib._bootstrap>"), "imports"),
    (("", "refsite/load/"), "the loader, the rest (refsite/load/)"),
)


def profile(size: Size, seed: int) -> tuple[list[tuple[str, float]], str]:
    """Where the time of the check pipeline goes, from py-spy samples (a sampling profiler: no tracing overhead)."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--check-child", str(size.folder)]
    got = _spy(argv, OUT / f"profile-{size.n}.txt", 250)
    if isinstance(got, str):
        return [], got
    samples, total = got
    return (_shares(samples, total, PROFILE_GROUPS, "interpreter start, imports, settings, sorting problems"),
            f"{total} samples at 250 Hz of one `{COMMAND} --check-child` run on {size.n:,} partners")


BUILD_GROUPS = (  # (function or "", file prefix as py-spy shows it), label: the first group a stack contains claims it
    (("", "material/plugins/search/"), "Material's search plugin (parsing every page for the index)"),
    (("", "mkdocs/contrib/search/"), "MkDocs' search plugin (the search index)"),
    (("", "refsite/site/fastpages.py"), "the fast-page plugin (refsite/site/fastpages.py)"),
    (("", "material/plugins/offline/"), "Material's offline plugin"),
    (("", "refsite/due/"), "what is due (refsite/due/)"),
    (("", "refsite/metrics/"), "metrics (refsite/metrics/)"),
    (("", "refsite/render/"), "rendering refsite's pages (refsite/render/, its Jinja templates)"),
    (("load_and_validate", "refsite/workspace.py"), "reading and validating the records"),
    (("stage_pages", "refsite/site/pipeline.py"), "writing the pages for MkDocs"),
    (("HtmlBlockPreprocessor.run", "markdown/preprocessors.py"), "Python-Markdown's raw-HTML block preprocessor (HTMLParser)"),
    (("_RawHTMLPreprocessor.run", "mkdocs/structure/pages.py"), "MkDocs' anchor scan of raw HTML (HTMLParser)"),
    (("Page.render", "mkdocs/structure/pages.py"), "Markdown to HTML, the rest (MkDocs' Page.render)"),
    (("", "jinja2/"), "Material's theme templates (Jinja, in MkDocs)"),
    (("", "mkdocs/"), "MkDocs, the rest (files, navigation, writing the site)"),
    (("", "material/"), "Material, the rest"),
)


def _spy(argv: list[str], raw: Path, rate: int) -> tuple[list[tuple[str, list[tuple[str, str]]]], int] | str:
    """Run ``argv`` under py-spy; the samples as (count, frames), or why not."""
    spy = Path(sys.executable).with_name("py-spy")
    exe = str(spy) if spy.exists() else shutil.which("py-spy")
    if exe is None:
        return "py-spy is not installed (pip install py-spy)"
    done = subprocess.run([exe, "record", "--rate", str(rate), "--format", "raw", "--output", str(raw), "--", *argv],
                          capture_output=True, text=True)
    if not raw.exists():
        return f"py-spy could not profile here ({(done.stderr or '').strip().splitlines()[-1:]})"
    samples = []
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, number = line.rpartition(" ")
        frames = [(f.split(" (", 1)[0], f.split(" (", 1)[1] if " (" in f else "") for f in stack.split(";")]
        samples.append((number, frames))
        total += int(number)
    return samples, total


def _shares(samples: list[tuple[str, list[tuple[str, str]]]], total: int, groups: tuple, rest: str) -> list[tuple[str, float]]:
    counts: dict[str, int] = {}
    for number, frames in samples:
        label = rest
        for (func, file), name in groups:
            if any((not func or f == func) and where.startswith(file) for f, where in frames):
                label = name
                break
        counts[label] = counts.get(label, 0) + int(number)
    return sorted(((label, n / total) for label, n in counts.items()), key=lambda item: -item[1])


def profile_build(size: Size) -> tuple[list[tuple[str, float]], str]:
    """Where the time of ``refsite build`` goes, from py-spy samples of one build."""
    site = OUT / f"site-profile-{size.n}"
    got = _spy(build_command(size.folder, site), OUT / f"profile-build-{size.n}.txt", 100)
    shutil.rmtree(site, ignore_errors=True)
    if isinstance(got, str):
        return [], got
    samples, total = got
    what = "`refsite build --no-cache`"
    return (_shares(samples, total, BUILD_GROUPS, "interpreter start, imports, other"),
            f"{total} samples at 100 Hz of one {what} on {size.n:,} partners")


# --------------------------------------------------------------------------- the report


def machine() -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f"{kib / 2**20:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    versions = []
    for package in ("refsite", "PyYAML", "python-frontmatter", "click", "mkdocs", "mkdocs-material"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    import yaml

    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return [
        ("CPU", f"{cpu}, {len(os.sched_getaffinity(0))} cores available (nproc)"),
        ("memory", memory),
        ("system", f"{platform.system()} {platform.release()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("packages", ", ".join(versions) + f"; libyaml {'yes' if yaml.__with_libyaml__ else 'NO'}"),
        ("commit", commit.stdout.strip() or "unknown"),
        ("load average (1, 5, 15 min) when the run ended", ", ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


def _s(seconds: float) -> str:
    return f"{seconds:.3f} s"


def _x(ratio: float) -> str:
    return f"{ratio:.2f}x"


def _row(sizes: list[Size], name: str, get: Callable[[Size], float | None], fmt: Callable[[float], str],
         scale: bool = True) -> list[str]:
    """A table row: a cell per size (an em dash where not measured) and the largest over the smallest."""
    values = []
    for s in sizes:
        try:
            values.append(get(s))
        except (AttributeError, TypeError, ZeroDivisionError):
            values.append(None)
    cells = [name, *(fmt(v) if v is not None else "\u2014" for v in values)]
    if len(sizes) > 1:
        first, last = values[0], values[-1]
        cells.append(_x(last / first) if scale and first and last is not None else "")
    return cells


def _head(sizes: list[Size]) -> list[str]:
    return ["", *(f"N = {s.n:,}" for s in sizes)] + (["scaling"] if len(sizes) > 1 else [])


def _mib(v: float) -> str:
    return f"{v:.0f} MiB"


def table(run: Run) -> list[list[str]]:
    sizes = run.sizes
    label = run.check_label + (" (load, validate, due)" if run.with_due else " (load, validate)")
    floor_cmd = lambda s: s.floor_child.seconds  # noqa: E731
    rows = [
        _head(sizes),
        ["records: MB / log lines", *(f"{s.mb:.1f} MB / {s.log_lines:,}" for s in sizes)] + ([""] if len(sizes) > 1 else []),
        _row(sizes, "floor: read + split + CSafeLoader, in process", lambda s: s.floor or None, _s),
        _row(sizes, "reference: python-frontmatter, in process", lambda s: s.floor_fm or None, _s),
        _row(sizes, f"{label}, in process", lambda s: s.check or None, _s),
        _row(sizes, "  ratio to the floor", lambda s: s.check / s.floor if s.floor else None, _x, scale=False),
        _row(sizes, "floor as a command (wall, with start-up)", floor_cmd, _s),
        _row(sizes, f"`{run.check_label}` cold: a fresh process reading every file", lambda s: s.check_child.seconds, _s),
        _row(sizes, "  ratio to the floor command", lambda s: s.check_child.seconds / floor_cmd(s), _x, scale=False),
        _row(sizes, "cached check, first run (reads every file, writes the cache)", lambda s: s.prime_child.seconds, _s),
        _row(sizes, "cached check, warm (cache primed, one record changed)", lambda s: s.warm_child.seconds, _s),
        _row(sizes, "  ratio to the floor command", lambda s: s.warm_child.seconds / floor_cmd(s), _x, scale=False),
        _row(sizes, "`refsite brief PARTNER`", lambda s: s.brief_child.seconds, _s),
        _row(sizes, "  ratio to the floor command", lambda s: s.brief_child.seconds / floor_cmd(s), _x, scale=False),
        _row(sizes, "`refsite log PARTNER note : ...`", lambda s: s.log_child.seconds, _s),
        _row(sizes, "  ratio to the floor command", lambda s: s.log_child.seconds / floor_cmd(s), _x, scale=False),
        _row(sizes, "`refsite --version` (start-up alone)", lambda s: s.start_child.seconds, _s, scale=False),
        _row(sizes, f"peak memory of `{run.check_label}` (cold)", lambda s: s.check_child.max_rss_mb, _mib),
        _row(sizes, "peak memory of the warm cached check", lambda s: s.warm_child.max_rss_mb, _mib),
        _row(sizes, "peak memory of `refsite brief`", lambda s: s.brief_child.max_rss_mb, _mib),
        _row(sizes, "peak memory of the floor command", lambda s: s.floor_child.max_rss_mb, _mib),
    ]
    return rows


def build_sizes(run: Run) -> list[Size]:
    return [s for s in run.sizes if s.build is not None]


def build_table(run: Run) -> list[list[str]]:
    sizes = build_sizes(run)
    kb = lambda v: f"{v:.1f} kB"  # noqa: E731
    per = lambda total, s: total / s.n / 1000  # noqa: E731
    rows = [
        _head(sizes),
        _row(sizes, "Markdown pages", lambda s: s.pages, lambda v: f"{v:,.0f}"),
        _row(sizes, "floor: mkdocs build, Material, the same pages as prose (wall)", lambda s: s.build_floor.seconds, _s),
        _row(sizes, "`refsite build` (wall)", lambda s: s.build.seconds, _s),
        _row(sizes, "  ratio to the floor", lambda s: s.build.seconds / s.build_floor.seconds, _x, scale=False),
        _row(sizes, "`refsite build --builder zensical` (wall)", lambda s: s.zensical_build.seconds, _s),
        _row(sizes, "  ratio to the floor", lambda s: s.zensical_build.seconds / s.build_floor.seconds, _x, scale=False),
        _row(sizes, "peak memory of the floor", lambda s: s.build_floor.max_rss_mb, _mib),
        _row(sizes, "peak memory of `refsite build`", lambda s: s.build.max_rss_mb, _mib),
        _row(sizes, "peak memory of the Zensical build (the larger of its two processes)",
             lambda s: s.zensical_build.max_rss_mb, _mib),
        _row(sizes, "site bytes per partner, floor", lambda s: per(s.floor_site_bytes, s), kb),
        _row(sizes, "site bytes per partner, refsite", lambda s: per(s.site_bytes, s), kb),
        _row(sizes, "search index per partner, floor", lambda s: per(s.floor_index_bytes, s), kb),
        _row(sizes, "search index per partner, refsite", lambda s: per(s.index_bytes, s), kb),
        _row(sizes, "`refsite serve`: appended line in the profile page (median)",
             lambda s: statistics.median(s.serve_seconds) if s.serve_seconds else None, _s),
        _row(sizes, "`refsite serve`: ... and in the search index (median)",
             lambda s: statistics.median(s.serve_summary_seconds) if s.serve_summary_seconds else None, _s),
        *(_row(sizes, f"Chromium: {label}", lambda s, key=key: s.site_timing.get(key), _s) for key, label in SITE_TIMINGS),
    ]
    return rows


def _at(run: Run, n: int) -> Size | None:
    return next((s for s in run.sizes if s.n == n), None)


def targets(run: Run) -> list[list[str]]:
    large = _at(run, 5000)
    if large is None:
        return [["(targets are judged at N = 5,000; not measured in this run)", "", "", ""]]
    mark = {True: "met", False: "**missed**"}
    floor = large.floor_child.seconds
    rows = [["target at 5,000 partners", "goal", "measured", ""]]

    def ratio(name: str, seconds: float | None, goal: float, note: str = "") -> None:
        if seconds is None:
            rows.append([name, f"<= {goal}x", "not measured", note])
        else:
            rows.append([name, f"<= {goal}x", _x(seconds / floor), mark[seconds / floor <= goal]])

    ratio("`refsite check` cold vs the floor command", large.check_child.seconds, COLD_RATIO)
    ratio("check warm (cache primed, one record changed) vs the floor command",
          large.warm_child.seconds if large.warm_child else None, WARM_RATIO)
    rss = large.check_child.max_rss_mb * 2**20 / 1e6
    rows.append(["peak memory of `refsite check`", f"< {CHECK_MEMORY_MB} MB", f"{rss:.0f} MB", mark[rss < CHECK_MEMORY_MB]])
    big = _at(run, 20000)
    if big is not None:
        growth = big.check_child.max_rss_mb / large.check_child.max_rss_mb
        rows.append(["check memory, 20,000 vs 5,000 (linear: 4x)", "<= 4.4x", _x(growth), mark[growth <= 4.4]])
    ratio("`refsite brief PARTNER` vs the check floor command", large.brief_child.seconds if large.brief_child else None,
          ONE_PARTNER_RATIO)
    ratio("`refsite log PARTNER ...` vs the check floor command", large.log_child.seconds if large.log_child else None,
          ONE_PARTNER_RATIO)
    if large.build is None:
        rows.append(["build, serve, search", "", "not measured", "--no-build"])
        return rows
    for name, child in (("`refsite build`", large.build), ("`refsite build --builder zensical`", large.zensical_build)):
        if child is None:
            continue
        r = child.seconds / large.build_floor.seconds
        rows.append([f"{name} vs the plain-MkDocs floor", f"<= {BUILD_RATIO}x", _x(r), mark[r <= BUILD_RATIO]])
        mb = child.max_rss_mb * 2**20 / 1e6
        rows.append([f"peak memory of {name}", f"< {BUILD_MEMORY_MB} MB", f"{mb:.0f} MB", mark[mb < BUILD_MEMORY_MB]])
    if large.serve_seconds:
        median = statistics.median(large.serve_seconds)
        rows.append(["`refsite serve`: appended line visible in the profile page", f"<= {SERVE_SECONDS} s",
                     _s(median), mark[median <= SERVE_SECONDS]])
    else:
        rows.append(["`refsite serve`: appended line visible in the profile page", f"<= {SERVE_SECONDS} s",
                     "not measured", large.serve_note or "--no-serve"])
    if large.serve_summary_seconds:
        median = statistics.median(large.serve_summary_seconds)
        rows.append(["`refsite serve`: the summary (search index) consistent", f"<= {SERVE_SUMMARY_SECONDS} s",
                     _s(median), mark[median <= SERVE_SUMMARY_SECONDS]])
    for key, label in SITE_TIMINGS:
        if key in large.site_timing:
            value = large.site_timing[key]
            rows.append([f"Chromium, file://: {label}", f"< {SITE_SECONDS} s", _s(value), mark[value < SITE_SECONDS]])
    if not large.site_timing:
        rows.append(["Chromium, file://: dashboard and partners list open and sort", f"< {SITE_SECONDS} s",
                     "not measured", large.site_timing_note or "--no-build"])
    if large.search_seconds is not None:
        rows.append(["first search result after typing (headless Chromium, file://)", f"< {SEARCH_SECONDS} s",
                     _s(large.search_seconds), mark[large.search_seconds < SEARCH_SECONDS]])
    return rows


def markdown_table(rows: list[list[str]]) -> str:
    head, *body = rows
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(out)


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows)


def _profile_table(shares: list[tuple[str, float]], seconds: float) -> str:
    return markdown_table([["stage", "share", "about"]]
                          + [[label, f"{share:.0%}", _s(share * seconds)] for label, share in shares])


def document(run: Run, seed: int, repeat: int) -> str:
    sizes = " ".join(str(s.n) for s in run.sizes if not s.check_only)
    check_sizes = " ".join(str(s.n) for s in run.sizes if s.check_only)
    default = (sizes, check_sizes, seed, repeat, run.build_repeat) == ("500 5000", "20000", 1, 3, 2)
    large = _at(run, 5000) or [s for s in run.sizes if not s.check_only][-1]
    builds = build_sizes(run)
    lines = [
        "# Performance",
        "",
        "<!-- Written by benchmarks/run.py: edit the script (or benchmarks/notes.md), not this file. -->",
        "",
        "refsite must stay fast for a large referral-marketing team: 5,000 partners with about 30 log",
        "lines each. Every figure below is a ratio to a floor measured in the same run on the same",
        "files, so the figures keep their meaning on a slower or busier machine. No test is timed:",
        "this page is the record. The targets are issue 18's.",
        "",
        "## Reproduce",
        "",
        "```sh",
        f"{COMMAND}" + ("" if default else f" --sizes {sizes} --check-sizes {check_sizes} --seed {seed} --repeat {repeat}"
                                 f" --build-repeat {run.build_repeat}"),
        "```",
        "",
        f"It generates the partners with `benchmarks/generate.py` (seed {seed}: the demo's mix of categories,",
        "stages and contacts, 0 to 80 log lines each, referrals with statuses and values, all dated on or",
        f"before {TODAY.isoformat()}) into `benchmarks/out/` (ignored by Git), takes the best of {repeat} runs of",
        f"each measurement (builds: best of {run.build_repeat}), prints the tables and rewrites this page; about 20 minutes",
        f"on two cores. `{COMMAND} --quick` measures 500 partners only and prints (for development).",
        "Absolute times move with the machine's load (below: the load average when the run ended);",
        "the ratios to floors measured in the same run move much less. The",
        "findings come from `benchmarks/notes.md`; after editing it, `" + COMMAND + " --report-only`",
        "rewrites this page from the last run's figures.",
        "",
        "## Machine",
        "",
        *(f"- {name}: {value}" for name, value in (run.machine or machine())),
        "",
        "## Targets",
        "",
        markdown_table(targets(run)),
        "",
        "## Check and the one-partner commands",
        "",
        "The floor reads every partner file, splits off its front matter and parses it with PyYAML's C",
        "loader (`yaml.load(text, Loader=yaml.CSafeLoader)`), and nothing else; \"as a command\" it is a",
        "fresh Python process doing that. python-frontmatter's `frontmatter.load` is a second reference.",
        f"`{run.check_label}` does all its work: read, check every key and log line, the semantic",
        "checks" + (" and what is due" if run.with_due else "") + ". Cold is `refsite check --no-cache`, a fresh process that reads",
        "every file. The cached check is `refsite check` with the parsed-records cache (`.refsite-cache/`",
        "beside the records): its first run reads every file and writes the cache, the warm run finds the",
        "cache primed and one record changed. `brief` runs cold (`--no-cache`). Every command is timed as wall time of a fresh process,",
        "interpreter start included, with its peak resident memory (`ru_maxrss`).",
        "",
        markdown_table(table(run)),
        "",
        f"At N = {large.n:,} the records hold {large.partners:,} partners; validation reported"
        f" {large.problems} problems" + (f" and {large.due_items:,} items are due" if run.with_due else "")
        + ".",
        "",
        "## Build, serve and search",
        "",
    ]
    if builds:
        lines += [
            "The floor is a plain `mkdocs build` with Material (fonts off, default plugins) of the same",
            "pages at the same sizes: every Markdown page refsite renders is replaced by plain Markdown",
            "(headings, paragraphs, lists) of exactly its byte size, at the same path, with the same",
            "navigation (refsite's default `mkdocs.yml`: index pages in `nav`, partners `not_in_nav`);",
            "downloads and charts are copied as they are. `refsite build --no-cache` is the whole command:",
            "read, validate, compute, render, build (MkDocs by default; Zensical with `--builder zensical`,",
            "where it is installed). `refsite serve`: the edit loop appends a referral line to one",
            "partner and polls the served profile page over http until it shows the line, then the search",
            "index (written from every record) until it holds the referral id. \"Chromium\" rows: headless",
            "Chromium opens the built site from disk (`benchmarks/site_timing.py`).",
            "",
            markdown_table(build_table(run)),
            "",
        ]
        for s in builds:
            if s.zensical_note:
                lines += [f"Zensical at N = {s.n:,} was not measured: {s.zensical_note}.", ""]
            if s.site_timing_note:
                lines += [f"The site in Chromium at N = {s.n:,} was not measured: {s.site_timing_note}.", ""]
            if s.serve_seconds:
                lines += [f"`refsite serve` at N = {s.n:,}: " + ", ".join(_s(x) for x in s.serve_seconds)
                          + f" for {len(s.serve_seconds)} edit(s).", ""]
            elif s.serve_note:
                lines += [f"`refsite serve` at N = {s.n:,} was not measured: {s.serve_note}.", ""]
        if large.search_seconds is not None:
            lines += [
                f"Search: headless Chromium opens the {large.n:,}-partner site's dashboard from disk (`file://`),",
                "types into search as soon as the page has loaded, and waits for the first result:",
                f"{_s(large.search_seconds)} from the last key to the first result on refsite's site"
                + f", best of {repeat} fresh browser contexts; {large.search_note}.",
                "",
            ]
        else:
            lines += [f"Search was not measured: {large.search_note}.", ""]
    else:
        lines += ["Not measured in this run (`--no-build`, or `refsite build` is not available).", ""]
    lines += ["## Where the time goes", ""]
    if NOTES.exists():
        lines += [NOTES.read_text(encoding="utf-8").strip(), ""]
    if run.profile:
        lines += [
            f"`{run.check_label}` at {large.n:,} partners, by stage ({run.profile_note}; seconds are the share times",
            "the in-process time above):",
            "",
            _profile_table(run.profile, large.check),
            "",
        ]
    else:
        lines += [f"No breakdown of the check in this run: {run.profile_note or 'profiling was skipped (--no-profile)'}.", ""]
    if run.build_profile and builds:
        small = builds[0]
        lines += [
            f"Where the time of `refsite build` goes at {small.n:,} partners ({run.build_profile_note}; seconds",
            "are the share times the build's wall time above):",
            "",
            _profile_table(run.build_profile, small.build.seconds),
            "",
        ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- entry points


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000], help="partner counts (default 500 5000)")
    parser.add_argument("--check-sizes", type=int, nargs="*", default=list(CHECK_ONLY_SIZES),
                        help="partner counts measured for the check only (default 20000)")
    parser.add_argument("--quick", action="store_true",
                        help="500 partners only, no 20,000, one serve edit, no profiles; prints, leaves docs alone")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--no-write", action="store_true", help="print the table; leave docs/performance.md alone")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy breakdowns")
    parser.add_argument("--no-build", action="store_true", help="measure the check only (no build, serve or search)")
    parser.add_argument("--no-serve", action="store_true", help="skip the serve edit loop")
    parser.add_argument("--serve-edits", type=int, default=3, help="edits timed under refsite serve (default 3)")
    parser.add_argument("--build-repeat", type=int, default=2, help="best of this many builds (default 2)")
    parser.add_argument("--profile-only", action="store_true",
                        help="profile the check and the build again into the last run's figures, and rewrite the page")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite docs/performance.md from the last run's figures (after editing benchmarks/notes.md)")
    parser.add_argument("--floor-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--check-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_child:
        floor_yaml(args.floor_child)
        return 0
    if args.check_child:
        refsite_check(args.check_child)
        return 0
    if args.quick:
        args.sizes, args.check_sizes, args.no_profile, args.no_write = [500], [], True, True
        args.serve_edits = 1

    if args.profile_only:
        if not RESULTS.exists():
            parser.error(f"no figures yet: run {COMMAND} first")
        with RESULTS.open("rb") as file:
            run, seed, repeat = pickle.load(file)
        large = _at(run, 5000) or [s for s in run.sizes if not s.check_only][-1]
        if not large.folder.exists():
            large.folder = prepare(large.n, seed).folder
        run.profile, run.profile_note = profile(large, seed)
        if run.with_build and build_sizes(run):
            small = build_sizes(run)[0]
            if not small.folder.exists():
                small.folder = prepare(small.n, seed).folder
            run.build_profile, run.build_profile_note = profile_build(small)
        with RESULTS.open("wb") as file:
            pickle.dump((run, seed, repeat), file)
        DOC.write_text(document(run, seed, repeat), encoding="utf-8")
        print(text_table([["where the check's time goes", "share"]] + [[label, f"{share:.0%}"] for label, share in run.profile]))
        return 0
    if args.report_only:
        if not RESULTS.exists():
            parser.error(f"no figures yet: run {COMMAND} first")
        with RESULTS.open("rb") as file:
            run, seed, repeat = pickle.load(file)
        DOC.write_text(document(run, seed, repeat), encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)} from the figures of {RESULTS.relative_to(ROOT)}")
        return 0

    run = Run(with_due=has_due(), with_build=not args.no_build and has_build())
    plan = [(n, False) for n in sorted(set(args.sizes))] + [(n, True) for n in sorted(set(args.check_sizes) - set(args.sizes))]
    for n, check_only in plan:
        print(f"generating {n:,} partners ...", flush=True)
        size = prepare(n, args.seed)
        size.check_only = check_only
        print(f"measuring the check at {n:,} partners ({size.mb:.1f} MB, {size.log_lines:,} log lines), best of {args.repeat} ...", flush=True)
        if check_only:
            size.partners = n  # not run in process at this size (only as commands)
            measure_commands(size, max(1, args.repeat - 1), run)
        else:
            measure(size, args.repeat, run)
        if run.with_build and not check_only:
            print(f"measuring the build at {n:,} partners, best of {args.build_repeat} ...", flush=True)
            measure_build(size, args.build_repeat)
            if not args.no_serve:
                edits = args.serve_edits
                print(f"measuring refsite serve at {n:,} partners, {edits} edit(s) ...", flush=True)
                serve_edits(size, edits)
        run.sizes.append(size)
        if check_only:  # the 20,000-partner folder is large: keep only its figures
            shutil.rmtree(size.folder, ignore_errors=True)
            shutil.rmtree(size.folder.parent / ".refsite-cache", ignore_errors=True)
    large = _at(run, 5000) or [s for s in run.sizes if not s.check_only][-1]
    if run.with_build:
        print("measuring search in headless Chromium ...", flush=True)
        large.search_seconds = search_latency(large, args.repeat)
        print("opening and sorting the site in headless Chromium ...", flush=True)
        for s in build_sizes(run):
            measure_site(s)
    run.build_repeat = args.build_repeat
    OUT.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("wb") as file:  # the figures so far, in case profiling fails
        pickle.dump((run, args.seed, args.repeat), file)
    if not args.no_profile:
        print("profiling ...", flush=True)
        try:
            run.profile, run.profile_note = profile(large, args.seed)
            if run.with_build:
                small = build_sizes(run)[0]
                run.build_profile, run.build_profile_note = profile_build(small)
        except Exception as exc:  # noqa: BLE001 - a failed profile must not lose the run's figures
            run.profile_note = f"profiling failed ({type(exc).__name__}: {exc})"
    print()
    print(text_table(table(run)))
    if run.with_build:
        print()
        print(text_table(build_table(run)))
        for s in build_sizes(run):
            print(f"N = {s.n:,}: serve: {s.serve_note or [round(x, 3) for x in s.serve_seconds]}, summary "
                  f"{[round(x, 3) for x in s.serve_summary_seconds]}; Chromium: {s.site_timing or s.site_timing_note}")
        if large.search_seconds is not None:
            print(f"first search result {_s(large.search_seconds)} after typing ({large.search_note})")
    print()
    print(text_table(targets(run)))
    for title, shares in (("where the check's time goes", run.profile), ("where the build's time goes", run.build_profile)):
        if shares:
            print()
            print(text_table([[title, "share"]] + [[label, f"{share:.0%}"] for label, share in shares]))
    run.machine = machine()
    OUT.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("wb") as file:
        pickle.dump((run, args.seed, args.repeat), file)
    if not args.no_write:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(document(run, args.seed, args.repeat), encoding="utf-8")
        print(f"\nwrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
