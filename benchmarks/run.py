"""The benchmark: refsite against floors measured in the same run, at N = 500 and N = 5,000 partners.

    .venv/bin/python benchmarks/run.py

generates the partners (benchmarks/generate.py, seed 1) into benchmarks/out/
(ignored by Git), measures, prints a table and writes docs/performance.md.
Options: ``--sizes 500 5000``, ``--repeat 3`` (best of), ``--seed 1``,
``--no-write`` (print only), ``--no-profile`` (skip the py-spy breakdown).

Every figure is a ratio to a floor measured in the same run on the same files,
so that the figures mean the same on a slower or a busier machine. Nothing here
fails on timing: the targets are reported as met or missed, and the exit status
is 0 unless the benchmark itself could not run.

Floors:
- check: read every partner file, split off its front matter and parse it with
  PyYAML's C loader (``yaml.load(text, Loader=yaml.CSafeLoader)``); nothing else.
  python-frontmatter's ``frontmatter.load`` (the same loader behind a popular API)
  is shown as a second reference.
- build (pending: measured once ``refsite build`` lands): a plain ``mkdocs build``
  with Material over N pages of the size of refsite's partner pages, with the same
  navigation shape (index pages in the nav, partners ``not_in_nav``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
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
    from refsite.validate import load_and_validate

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


def best_child(argv: list[str], repeat: int) -> Child:
    runs = [run_child(argv) for _ in range(repeat)]
    for run in runs:
        if run.returncode not in (0, 1) or "Traceback" in run.stderr:
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


@dataclass
class Run:
    sizes: list[Size] = field(default_factory=list)
    check_label: str = "refsite check"
    with_due: bool = False
    profile: list[tuple[str, float]] = field(default_factory=list)
    profile_note: str = ""


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
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists() and shutil.which("py-spy") is None:
        return [], "py-spy is not installed (pip install py-spy): no breakdown"
    raw = OUT / f"profile-{size.n}.txt"
    argv = [str(spy if spy.exists() else "py-spy"), "record", "--rate", "250", "--format", "raw", "--output", str(raw),
            "--", sys.executable, str(Path(__file__).resolve()), "--check-child", str(size.folder)]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0 or not raw.exists():
        return [], f"py-spy could not profile here ({(done.stderr or '').strip().splitlines()[-1:]})"
    counts: dict[str, int] = {}
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, number = line.rpartition(" ")
        samples = int(number)
        total += samples
        frames = [(f.split(" (", 1)[0], f.split(" (", 1)[1] if " (" in f else "") for f in stack.split(";")]
        label = "interpreter start, imports, settings, sorting problems"
        for (func, file), name in PROFILE_GROUPS:
            if any(f == func and file in where for f, where in frames):
                label = name
                break
        counts[label] = counts.get(label, 0) + samples
    shares = sorted(((label, n / total) for label, n in counts.items()), key=lambda item: -item[1])
    return shares, f"{total} samples at 250 Hz of one `{COMMAND} --check-child` run on {size.n:,} partners"


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


def targets(run: Run) -> list[list[str]]:
    large = run.sizes[-1]
    if large.n != 5000:
        return [["(targets are judged at N = 5,000; this run's largest N is " + f"{large.n:,})", "", "", ""]]
    ratio = large.check / large.floor
    wall = large.check_child.seconds
    rss = large.check_child.max_rss_mb
    mark = {True: "met", False: "**missed**"}
    return [
        ["target at 5,000 partners", "goal", "measured", ""],
        [f"{run.check_label} vs its floor (in process)", f"<= {CHECK_RATIO}x", _x(ratio), mark[ratio <= CHECK_RATIO]],
        [f"`{run.check_label}` as a command, wall time", f"< {CHECK_SECONDS} s", _s(wall), mark[wall < CHECK_SECONDS]],
        [f"peak memory of `{run.check_label}`", f"< {MEMORY_MB} MB", f"{rss * 2**20 / 1e6:.0f} MB", mark[rss * 2**20 / 1e6 < MEMORY_MB]],
        ["refsite build vs its MkDocs floor", f"<= {BUILD_RATIO}x", "pending", "pending: refsite build"],
        ["refsite build, 5,000 vs 500", f"<= {BUILD_SCALING}x", "pending", "pending: refsite build"],
        ["peak memory of refsite build", f"< {MEMORY_MB} MB", "pending", "pending: refsite build"],
        ["site bytes per partner vs the floor's", "<= 1x", "pending", "pending: refsite build"],
        ["first search result after typing (headless Chromium)", f"< {SEARCH_SECONDS} s", "pending", "pending: refsite build"],
    ]


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
        "each measurement, prints the table and rewrites this page. About two minutes.",
        "",
        "## Machine",
        "",
        *(f"- {name}: {value}" for name, value in machine()),
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
    lines += [
        "## Build, site size and search",
        "",
        "<!-- PENDING: added to benchmarks/run.py when `refsite build` lands. -->",
        "",
        "Pending until `refsite build` exists. The benchmark will measure, at the same sizes:",
        "",
        "- the build floor: a plain `mkdocs build` with Material (font off) over N Markdown pages of the",
        "  size of refsite's partner pages, with the same navigation shape (index pages in the nav,",
        "  partners `not_in_nav`), against `refsite build`; target 1.15x, and at most 11x from 500 to 5,000;",
        "- the peak memory of the build (target under 300 MB);",
        "- the site's bytes and the search index's bytes per partner, against the floor's;",
        "- in headless Chromium, on the 5,000-partner site freshly loaded, the time from typing a query",
        "  to its first result (target under 1 s).",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- entry points


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000], help="partner counts (default 500 5000)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--no-write", action="store_true", help="print the table; leave docs/performance.md alone")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy breakdown")
    parser.add_argument("--floor-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--check-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_child:
        floor_yaml(args.floor_child)
        return 0
    if args.check_child:
        refsite_check(args.check_child)
        return 0

    run = Run(with_due=has_due())
    for n in sorted(args.sizes):
        print(f"generating {n:,} partners ...", flush=True)
        size = prepare(n, args.seed)
        print(f"measuring {n:,} partners ({size.mb:.1f} MB, {size.log_lines:,} log lines), best of {args.repeat} ...", flush=True)
        measure(size, args.repeat, run)
        run.sizes.append(size)
    if not args.no_profile:
        print("profiling ...", flush=True)
        run.profile, run.profile_note = profile(run.sizes[-1], args.seed)
    print()
    print(text_table(table(run)))
    print()
    print(text_table(targets(run)))
    if run.profile:
        print()
        print(text_table([["where the time goes", "share"]] + [[label, f"{share:.0%}"] for label, share in run.profile]))
    if not args.no_write:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(document(run, args.seed, args.repeat), encoding="utf-8")
        print(f"\nwrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
