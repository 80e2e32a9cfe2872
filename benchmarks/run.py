"""The benchmark: refsite against floors measured in the same run, at N = 500 and N = 5,000 partners.

    .venv/bin/python benchmarks/run.py

generates the partners (benchmarks/generate.py, seed 1) into benchmarks/out/
(ignored by Git), measures, prints a table and writes docs/performance.md.
Options: ``--sizes 500 5000``, ``--repeat 3`` (best of, for the check and
search), ``--build-repeat 2``, ``--seed 1``, ``--no-write`` (print only),
``--no-build`` (the check only), ``--no-profile`` (skip the py-spy breakdown).
About fifteen minutes on two cores, most of it building the 5,000-partner sites.

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

# Targets (issue 7), at 5,000 partners, each against a floor measured in the same run.
CHECK_RATIO = 1.5  # refsite check within 1.5x its floor
CHECK_SECONDS = 1.5  # and under 1.5 s
MEMORY_MB = 300  # peak memory (resident set) under 300 MB
BUILD_RATIO = 1.15  # refsite build within 1.15x its MkDocs floor
BUILD_SCALING = 11  # 5,000 vs 500 at most 11x
SEARCH_SECONDS = 1.0  # first search result within 1 s of typing on a freshly loaded page


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


def check_command(folder: Path) -> tuple[list[str], str]:
    """``refsite check`` on the folder, or ``refsite validate`` before the check command existed."""
    base = refsite_command()
    has_check = subprocess.run([*base, "check", "--help"], capture_output=True).returncode == 0
    name = "check" if has_check else "validate"
    return [*base, name, "--records", str(folder), "--today", TODAY.isoformat()], f"refsite {name}"


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
    check_child: Child | None = None
    start_child: Child | None = None
    pages: int = 0  # Markdown pages refsite renders
    build_floor: Child | None = None
    build: Child | None = None
    floor_site_bytes: int = 0
    site_bytes: int = 0
    floor_index_bytes: int = 0
    index_bytes: int = 0
    search_seconds: float | None = None
    search_note: str = ""


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
    argv, run.check_label = check_command(folder)
    size.floor_child = best_child([sys.executable, str(Path(__file__).resolve()), "--floor-child", str(folder)], repeat)
    size.check_child = best_child(argv, repeat)
    size.start_child = best_child([*refsite_command(), "--version"], repeat)


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
    size.build = best_child([*refsite_command(), "build", "--records", str(size.folder), "--today", TODAY.isoformat(),
                             "--site-dir", str(site)], repeat, ok=(0,))
    size.floor_site_bytes = tree_bytes(floor_site)
    size.site_bytes = tree_bytes(site)
    size.floor_index_bytes = (floor_site / "search" / "search_index.json").stat().st_size
    size.index_bytes = (site / "search" / "search_index.json").stat().st_size


CHROMIUM = Path("/usr/bin/chromium")


def search_latency(size: Size, repeat: int) -> None:
    """Headless Chromium opens the site's dashboard from disk, types a partner's name into search as soon as
    the page has loaded, and waits for the first result: the time from the last key to that result."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        size.search_note = "playwright is not installed"
        return
    if not CHROMIUM.exists():
        size.search_note = f"{CHROMIUM} is not installed"
        return
    from refsite.load import load

    records, _settings, _problems = load(size.folder)
    name = records.partners[len(records.partners) // 2].name
    query = max(name.split(), key=len)
    size.search_note = f"query '{query}' (from '{name}')"
    index = (OUT / f"site-{size.n}" / "index.html").resolve().as_uri()
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
    size.search_seconds = best


PROFILE_GROUPS = (  # (function, file), label: the first group a sample's stack contains claims the sample
    (("read_text", "refsite/load.py"), "reading the files (bytes to text)"),
    (("conflict_markers", "refsite/load.py"), "scanning for merge-conflict markers"),
    (("parse_yaml_mapping", "refsite/load.py"), "YAML front matter (libyaml, constructing values, duplicate keys)"),
    (("_body", "refsite/load.py"), "log lines (splitting, duplicates, the line grammar)"),
    (("partner_files", "refsite/load.py"), "listing the folder"),
    (("load_partner", "refsite/load.py"), "front-matter fields to partners (converters, contacts)"),
    (("validate", "refsite/validate.py"), "semantic checks (refsite/checks.py)"),
    (("due", "refsite/due.py"), "what is due (refsite/due.py)"),
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
    (("", "mkdocs/contrib/search/"), "MkDocs search plugin (the search index)"),
    (("", "material/plugins/offline/"), "Material's offline plugin"),
    (("", "refsite/due.py"), "what is due (refsite/due.py)"),
    (("", "refsite/metrics/"), "metrics (refsite/metrics/)"),
    (("", "refsite/render/"), "rendering refsite's pages (refsite/render/, its Jinja templates)"),
    (("load_and_validate", "refsite/validate.py"), "reading and validating the records"),
    (("stage_pages", "refsite/site.py"), "writing the pages for MkDocs"),
    (("Page.render", "mkdocs/structure/pages.py"), "Markdown to HTML (MkDocs' Page.render)"),
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
    argv = [*refsite_command(), "build", "--records", str(size.folder), "--today", TODAY.isoformat(), "--site-dir", str(site)]
    got = _spy(argv, OUT / f"profile-build-{size.n}.txt", 100)
    shutil.rmtree(site, ignore_errors=True)
    if isinstance(got, str):
        return [], got
    samples, total = got
    return (_shares(samples, total, BUILD_GROUPS, "interpreter start, imports, other"),
            f"{total} samples at 100 Hz of one `refsite build` on {size.n:,} partners")


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


def table(run: Run) -> list[list[str]]:
    small, large = run.sizes[0], run.sizes[-1]
    label = run.check_label + (" (load, validate, due)" if run.with_due else " (load, validate)")

    def row(name: str, get: Callable[[Size], float], fmt: Callable[[float], str], scale: bool = True) -> list[str]:
        cells = [name, *(fmt(get(s)) for s in run.sizes)]
        if len(run.sizes) > 1:
            cells.append(_x(get(large) / get(small)) if scale and get(small) else "")
        return cells

    rows = [
        ["", *(f"N = {s.n:,}" for s in run.sizes)] + (["scaling"] if len(run.sizes) > 1 else []),
        row("records: MB / log lines", lambda s: s.mb, lambda v: f"{v:.1f} MB", scale=False),
        row("floor: read + split + CSafeLoader", lambda s: s.floor, _s),
        row("reference: python-frontmatter", lambda s: s.floor_fm, _s),
        row(f"{label}, in process", lambda s: s.check, _s),
        row("  ratio to the floor", lambda s: s.check / s.floor, _x, scale=False),
        row("floor as a command (wall, with start-up)", lambda s: s.floor_child.seconds, _s),
        row(f"`{run.check_label}` as a command (wall)", lambda s: s.check_child.seconds, _s),
        row("  ratio to the floor command", lambda s: s.check_child.seconds / s.floor_child.seconds, _x, scale=False),
        row("`refsite --version` (start-up alone)", lambda s: s.start_child.seconds, _s, scale=False),
        row(f"peak memory of `{run.check_label}`", lambda s: s.check_child.max_rss_mb, lambda v: f"{v:.0f} MiB"),
        row("peak memory of the floor command", lambda s: s.floor_child.max_rss_mb, lambda v: f"{v:.0f} MiB"),
    ]
    rows[1][1:1 + len(run.sizes)] = [f"{s.mb:.1f} MB / {s.log_lines:,}" for s in run.sizes]
    return rows


def build_table(run: Run) -> list[list[str]]:
    small, large = run.sizes[0], run.sizes[-1]

    def row(name: str, get: Callable[[Size], float], fmt: Callable[[float], str], scale: bool = True) -> list[str]:
        cells = [name, *(fmt(get(s)) for s in run.sizes)]
        if len(run.sizes) > 1:
            cells.append(_x(get(large) / get(small)) if scale and get(small) else "")
        return cells

    def per_partner(total: int, size: Size) -> float:
        return total / size.n / 1000

    kb = lambda v: f"{v:.1f} kB"  # noqa: E731
    return [
        ["", *(f"N = {s.n:,}" for s in run.sizes)] + (["scaling"] if len(run.sizes) > 1 else []),
        row("Markdown pages", lambda s: s.pages, lambda v: f"{v:,.0f}"),
        row("floor: mkdocs build, Material (wall)", lambda s: s.build_floor.seconds, _s),
        row("`refsite build` (wall)", lambda s: s.build.seconds, _s),
        row("  ratio to the floor", lambda s: s.build.seconds / s.build_floor.seconds, _x, scale=False),
        row("peak memory of the floor", lambda s: s.build_floor.max_rss_mb, lambda v: f"{v:.0f} MiB"),
        row("peak memory of `refsite build`", lambda s: s.build.max_rss_mb, lambda v: f"{v:.0f} MiB"),
        row("site bytes per partner, floor", lambda s: per_partner(s.floor_site_bytes, s), kb),
        row("site bytes per partner, refsite", lambda s: per_partner(s.site_bytes, s), kb),
        row("search index per partner, floor", lambda s: per_partner(s.floor_index_bytes, s), kb),
        row("search index per partner, refsite", lambda s: per_partner(s.index_bytes, s), kb),
    ]


def targets(run: Run) -> list[list[str]]:
    large = run.sizes[-1]
    if large.n != 5000:
        return [["(targets are judged at N = 5,000; this run's largest N is " + f"{large.n:,})", "", "", ""]]
    small = run.sizes[0]
    ratio = large.check / large.floor
    wall = large.check_child.seconds
    rss = large.check_child.max_rss_mb * 2**20 / 1e6
    mark = {True: "met", False: "**missed**"}
    rows = [
        ["target at 5,000 partners", "goal", "measured", ""],
        [f"{run.check_label} vs its floor (in process)", f"<= {CHECK_RATIO}x", _x(ratio), mark[ratio <= CHECK_RATIO]],
        [f"`{run.check_label}` as a command, wall time", f"< {CHECK_SECONDS} s", _s(wall), mark[wall < CHECK_SECONDS]],
        [f"peak memory of `{run.check_label}`", f"< {MEMORY_MB} MB", f"{rss:.0f} MB", mark[rss < MEMORY_MB]],
    ]
    if not run.with_build:
        rows.append(["refsite build, site size, search", "", "not measured", "--no-build, or no refsite build"])
        return rows
    build_ratio = large.build.seconds / large.build_floor.seconds
    scaling = large.build.seconds / small.build.seconds if small is not large else float("nan")
    build_rss = large.build.max_rss_mb * 2**20 / 1e6
    bytes_ratio = large.site_bytes / large.floor_site_bytes
    rows += [
        ["refsite build vs its MkDocs floor", f"<= {BUILD_RATIO}x", _x(build_ratio), mark[build_ratio <= BUILD_RATIO]],
        [f"refsite build, {large.n:,} vs {small.n:,}", f"<= {BUILD_SCALING}x", _x(scaling), mark[scaling <= BUILD_SCALING]],
        ["peak memory of refsite build", f"< {MEMORY_MB} MB", f"{build_rss:.0f} MB", mark[build_rss < MEMORY_MB]],
        ["site bytes per partner vs the floor's", "<= 1x", _x(bytes_ratio), mark[bytes_ratio <= 1]],
    ]
    if large.search_seconds is None:
        rows.append(["first search result after typing (headless Chromium)", f"< {SEARCH_SECONDS} s", "not measured",
                     large.search_note])
    else:
        rows.append(["first search result after typing (headless Chromium)", f"< {SEARCH_SECONDS} s",
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


def document(run: Run, seed: int, repeat: int) -> str:
    sizes = " ".join(str(s.n) for s in run.sizes)
    large = run.sizes[-1]
    lines = [
        "# Performance",
        "",
        "<!-- Written by benchmarks/run.py: edit the script, not this file. -->",
        "",
        "refsite must stay fast for a large referral-marketing team: 5,000 partners with about 30 log",
        "lines each. Every figure below is a ratio to a floor measured in the same run on the same",
        "files, so the figures keep their meaning on a slower or busier machine. No test is timed:",
        "this page is the record.",
        "",
        "## Reproduce",
        "",
        "```sh",
        f"{COMMAND}" + ("" if (sizes, seed, repeat) == ("500 5000", 1, 3) else f" --sizes {sizes} --seed {seed} --repeat {repeat}"),
        "```",
        "",
        f"It generates the partners with `benchmarks/generate.py` (seed {seed}: the demo's mix of categories,",
        "stages and contacts, 0 to 80 log lines each, referrals with statuses and values, all dated on or",
        f"before {TODAY.isoformat()}) into `benchmarks/out/` (ignored by Git), takes the best of {repeat} runs of",
        "each measurement (builds: best of 2), prints the tables and rewrites this page. About fifteen",
        "minutes on two cores. Absolute times move with the machine's load (shown below); the ratios",
        "to floors measured in the same run move much less. The findings below come from",
        "`benchmarks/notes.md`; after editing it, `" + COMMAND + " --report-only` rewrites this page",
        "from the last run's figures.",
        "",
        "## Machine",
        "",
        *(f"- {name}: {value}" for name, value in (run.machine or machine())),
        "",
        "## Check",
        "",
        "The floor reads every partner file, splits off its front matter and parses it with PyYAML's C",
        "loader (`yaml.load(text, Loader=yaml.CSafeLoader)`), and nothing else. python-frontmatter's",
        "`frontmatter.load`, the same loader behind a popular API, is a second reference.",
        f"`{run.check_label}` does all its work: read, check every key and log line, the semantic",
        "checks" + (" and what is due" if run.with_due else "") + ". \"In process\" times the work alone; \"as a command\" is the",
        "wall time of a fresh process, interpreter start included, and its peak resident memory",
        "(`ru_maxrss`). Scaling is the time at the largest N over the time at the smallest.",
        "",
        markdown_table(table(run)),
        "",
        f"At N = {large.n:,} the records hold {large.partners:,} partners; validation reported"
        f" {large.problems} problems" + (f" and {large.due_items:,} items are due." if run.with_due else "."),
        "",
        "## Targets",
        "",
        markdown_table(targets(run)),
        "",
        "## Where the time goes",
        "",
    ]
    if NOTES.exists():
        lines += [NOTES.read_text(encoding="utf-8").strip(), ""]
    if run.profile:
        total = large.check
        lines += [
            f"`{run.check_label}` at {large.n:,} partners, by stage ({run.profile_note}; seconds are the share times",
            "the in-process time above):",
            "",
            markdown_table([["stage", "share", "about"]]
                           + [[label, f"{share:.0%}", _s(share * total)] for label, share in run.profile]),
            "",
        ]
    else:
        lines += [f"No breakdown in this run: {run.profile_note or 'profiling was skipped (--no-profile)'}.", ""]
    lines += ["## Build, site size and search", ""]
    if run.with_build:
        lines += [
            "The floor is a plain `mkdocs build` with Material (fonts off, default plugins) of the same",
            "pages at the same sizes: every Markdown page refsite renders is replaced by plain Markdown",
            "(headings, paragraphs, lists) of exactly its byte size, at the same path, with the same",
            "navigation (refsite's default `mkdocs.yml`: index pages in `nav`, partners `not_in_nav`);",
            "downloads and charts are copied as they are. `refsite build` is the whole command: read,",
            "validate, compute, render, build. Both are fresh processes (wall time and peak resident memory).",
            "",
            markdown_table(build_table(run)),
            "",
        ]
        if run.build_profile:
            small = run.sizes[0]
            lines += [
                f"Where the time of `refsite build` goes at {small.n:,} partners ({run.build_profile_note}; seconds",
                "are the share times the build's wall time above):",
                "",
                markdown_table([["stage", "share", "about"]]
                               + [[label, f"{share:.0%}", _s(share * small.build.seconds)]
                                  for label, share in run.build_profile]),
                "",
            ]
        if large.search_seconds is not None:
            lines += [
                f"Search: headless Chromium opens the {large.n:,}-partner site's dashboard from disk (`file://`),",
                "types into search as soon as the page has loaded, and waits for the first result:",
                f"{_s(large.search_seconds)} from the last key to the first result, best of {repeat} fresh",
                f"browser contexts; {large.search_note}.",
                "",
            ]
        else:
            lines += [f"Search was not measured: {large.search_note}.", ""]
    else:
        lines += ["Not measured in this run (`--no-build`, or `refsite build` is not available).", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- entry points


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000], help="partner counts (default 500 5000)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--no-write", action="store_true", help="print the table; leave docs/performance.md alone")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy breakdown")
    parser.add_argument("--no-build", action="store_true", help="measure the check only (no build, no search)")
    parser.add_argument("--build-repeat", type=int, default=2, help="best of this many builds (default 2)")
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

    if args.report_only:
        if not RESULTS.exists():
            parser.error(f"no figures yet: run {COMMAND} first")
        with RESULTS.open("rb") as file:
            run, seed, repeat = pickle.load(file)
        DOC.write_text(document(run, seed, repeat), encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)} from the figures of {RESULTS.relative_to(ROOT)}")
        return 0

    run = Run(with_due=has_due(), with_build=not args.no_build and has_build())
    for n in sorted(args.sizes):
        print(f"generating {n:,} partners ...", flush=True)
        size = prepare(n, args.seed)
        print(f"measuring the check at {n:,} partners ({size.mb:.1f} MB, {size.log_lines:,} log lines), best of {args.repeat} ...", flush=True)
        measure(size, args.repeat, run)
        if run.with_build:
            print(f"measuring the build at {n:,} partners, best of {args.build_repeat} ...", flush=True)
            measure_build(size, args.build_repeat)
        run.sizes.append(size)
    if run.with_build:
        print("measuring search in headless Chromium ...", flush=True)
        search_latency(run.sizes[-1], args.repeat)
    if not args.no_profile:
        print("profiling ...", flush=True)
        run.profile, run.profile_note = profile(run.sizes[-1], args.seed)
        if run.with_build:
            run.build_profile, run.build_profile_note = profile_build(run.sizes[0])
    print()
    print(text_table(table(run)))
    if run.with_build:
        print()
        print(text_table(build_table(run)))
        if run.sizes[-1].search_seconds is not None:
            print(f"first search result {_s(run.sizes[-1].search_seconds)} after typing ({run.sizes[-1].search_note})")
    print()
    print(text_table(targets(run)))
    if run.profile:
        print()
        print(text_table([["where the time goes", "share"]] + [[label, f"{share:.0%}"] for label, share in run.profile]))
    if run.build_profile:
        print()
        print(text_table([["where the build's time goes", "share"]]
                         + [[label, f"{share:.0%}"] for label, share in run.build_profile]))
    run.machine = machine()
    with RESULTS.open("wb") as file:
        pickle.dump((run, args.seed, args.repeat), file)
    if not args.no_write:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(document(run, args.seed, args.repeat), encoding="utf-8")
        print(f"\nwrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
