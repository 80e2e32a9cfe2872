"""Shared test helpers.

``TODAY`` is the day every fixture is read as of (``TODAY_ARGS`` the same for a command line), and
``run_cli(*args)`` runs ``refsite ARGS`` in-process and returns click's result.

``tree_hash(folder)`` fingerprints a whole folder (``.git`` included): every path, its kind, its mode
and its bytes (a link's target, not what it points to), so that a test can assert that a command
changed nothing, or nothing but one file.

``GENERATOR`` is the benchmark's generator (``benchmarks/generate.py``, not a package) loaded once, and
``generate(folder, partners, seed=...)`` writes that many realistic partner files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

TODAY = dt.date(2026, 11, 22)

_spec = importlib.util.spec_from_file_location("benchmarks_generate",
                                               Path(__file__).resolve().parent.parent / "benchmarks" / "generate.py")
assert _spec is not None and _spec.loader is not None
GENERATOR = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = GENERATOR
_spec.loader.exec_module(GENERATOR)
generate = GENERATOR.generate
TODAY_ARGS = ["--today", TODAY.isoformat()]


def run_cli(*args: str | Path, env: dict[str, str] | None = None, catch_exceptions: bool = False) -> Result:
    """``refsite ARGS`` in-process (a traceback fails the test rather than hiding in the result)."""
    from refsite.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=catch_exceptions)


OWN_CACHE = ".refsite-cache"  # refsite's own parsed-records cache (ignored by Git): not a person's file


def tree_state(folder: Path) -> dict[str, str]:
    """Each path under ``folder`` (relative, POSIX) mapped to a digest of its kind, mode and content.

    refsite's own cache folder (``.refsite-cache/``, which every command that reads records may
    refresh) is left out: the promise is about what people wrote and what Git tracks.
    """
    folder = Path(folder)
    state: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d != OWN_CACHE)
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            info = path.lstat()
            if path.is_symlink():
                digest = "link:" + os.readlink(path)
            elif path.is_dir():
                digest = "dir"
            else:
                digest = "file:" + hashlib.sha256(path.read_bytes()).hexdigest()
            state[rel] = f"{digest}:{oct(info.st_mode & 0o7777)}"
    return state


def tree_hash(folder: Path) -> str:
    """One digest of everything under ``folder`` (see :func:`tree_state`)."""
    digest = hashlib.sha256()
    for rel, value in sorted(tree_state(folder).items()):
        digest.update(f"{rel}\0{value}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def changed_paths(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """The paths added, removed or changed between two :func:`tree_state` results."""
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


@pytest.fixture(scope="session", autouse=True)
def _no_caches_left_in_the_fixtures():
    """Commands run on a fixture folder write refsite's records cache beside it (.refsite-cache/, ignored by
    Git); remove those at the end so that a run leaves the source tree as it found it."""
    import shutil

    fixtures = Path(__file__).parent / "fixtures"
    before = set(fixtures.rglob(".refsite-cache"))
    yield
    for folder in set(fixtures.rglob(".refsite-cache")) - before:
        shutil.rmtree(folder, ignore_errors=True)
