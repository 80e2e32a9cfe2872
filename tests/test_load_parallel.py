"""A folder read afresh, shared between forked workers (refsite.load.parallel): the same records, problems and
items as the serial read; a failed worker's shard is read again here; small folders, REFSITE_JOBS=1 and a
threaded process stay serial; Ctrl-C leaves no worker behind."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from conftest import TODAY, generate

from refsite.checks import partner_problems
from refsite.load import load, parallel
from refsite.workspace import load_validate_due

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 generated partners, one file that cannot be parsed and one with problems of its own, in a folder."""
    records = tmp_path_factory.mktemp("parallel") / "records"
    generate(records, 40, seed=18)
    (records / "broken.md").write_text("---\nname: [unclosed\n---\n\n## Log\n", encoding="utf-8")
    shutil.copy(ROOT / "records" / "harbour-street-family-practice.md", records / "zz-harbour.md")
    with (records / "zz-harbour.md").open("a", encoding="utf-8") as f:
        f.write("- 2026-01-05 coffe with Nobody: a typo'd kind\n- 2026-01-06 call @nobody: not on the team\n")
    return records


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Shards of at least 5 files on two CPUs (whatever this machine has); the sizes of the shards sent to workers."""
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.delenv(parallel.ENV_JOBS, raising=False)
    count = threading.active_count
    before = count() - 1  # threads earlier tests left idle in this process count as none; new ones count
    monkeypatch.setattr(threading, "active_count", lambda: count() - before)
    sent: list[int] = []
    start = parallel._Worker.start

    def counted(work, part):
        sent.append(len(part))
        worker = start(work, part)
        if worker is not None:
            STARTED.append(worker.pid)
        return worker

    STARTED.clear()

    monkeypatch.setattr(parallel._Worker, "start", counted)
    return sent


STARTED: list[int] = []  # the pids of the workers the `workers` fixture saw start


def _no_children() -> bool:
    """Every worker started is reaped (other children of this process, e.g. a browser the browser tests
    keep for the session, are not ours to count)."""
    for pid in STARTED:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue  # reaped
        return False
    return True


def _serial(folder: Path, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as m:
        m.setenv(parallel.ENV_JOBS, "1")
        return load_validate_due(folder, None, TODAY)


def test_workers_give_what_the_serial_read_gives(folder: Path, workers: list[int], monkeypatch) -> None:
    serial = _serial(folder, monkeypatch)
    assert workers == []
    shared = load_validate_due(folder, None, TODAY)
    assert workers == [19]  # 42 files: 23 here, 19 in one worker
    (s_records, s_settings, s_problems, s_due), (records, settings, problems, due) = serial, shared
    assert records.partners == s_records.partners
    assert records.unreadable == s_records.unreadable == frozenset({"broken"})
    assert problems == s_problems
    assert any(p.source.path.endswith("zz-harbour.md") for p in problems)
    assert due == s_due
    for partner in records.partners:  # the own problems found in a worker are handed to validation as they are
        assert records.own_problems(partner, settings) == s_records.own_problems(s_records.get(partner.id), s_settings)
    assert _no_children()


def test_log_lines_come_back_as_log_lines(folder: Path, workers: list[int]) -> None:
    records, _settings, _problems = load(folder, own_checks=partner_problems)
    assert workers == [19]
    event = records.partners[-1].events[0]
    assert type(event) is type(_first_event(folder)) and event == _first_event(folder)
    assert event.source.path.endswith(".md")


def _first_event(folder: Path):
    with pytest.MonkeyPatch.context() as m:
        m.setenv(parallel.ENV_JOBS, "1")
        records, _settings, _problems = load(folder, own_checks=partner_problems)
    return records.partners[-1].events[0]


@pytest.mark.parametrize("how", ["raises", "exits", "killed", "garbled"])
def test_a_failed_worker_is_read_again_here(folder: Path, workers: list[int], monkeypatch, how: str) -> None:
    serial = _serial(folder, monkeypatch)
    parent = os.getpid()
    work_of = parallel.map_shards

    def failing(work, items):
        def flaky(shard):
            if os.getpid() != parent:
                if how == "raises":
                    raise RuntimeError("a bug in a worker")
                if how == "exits":
                    os._exit(3)
                if how == "killed":
                    os.kill(os.getpid(), 9)
                return ["not", "what", "was", "asked"]  # garbled: the wrong number of results
            return work(shard)
        return work_of(flaky, items)

    monkeypatch.setattr("refsite.load.folder.map_shards", failing)
    assert load_validate_due(folder, None, TODAY) == serial
    assert workers == [19]
    assert _no_children()


def test_ctrl_c_kills_the_workers(workers: list[int]) -> None:
    parent = os.getpid()
    blocked, _never = os.pipe()

    def work(shard):
        if os.getpid() != parent:
            os.read(blocked, 1)  # a worker that would never finish
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        parallel.map_shards(work, list(range(30)))
    assert workers == [13]
    assert _no_children()
    os.close(blocked)
    os.close(_never)


def test_small_folders_stay_serial(workers: list[int], monkeypatch) -> None:
    monkeypatch.undo()  # the threshold as it ships, on two CPUs, no other thread running
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # (a browser test's Playwright may have threads here)
    monkeypatch.delenv(parallel.ENV_JOBS, raising=False)
    monkeypatch.setattr(parallel._Worker, "start", lambda *args: pytest.fail("a worker started"))
    records, _settings, _problems = load(ROOT / "records", own_checks=partner_problems)
    assert 0 < len(records.partners) < parallel.MIN_ITEMS
    assert parallel.jobs_for(parallel.MIN_ITEMS - 1) == 1
    assert parallel.jobs_for(parallel.MIN_ITEMS) == 2


def test_refsite_jobs_and_threads_keep_it_serial(workers: list[int], monkeypatch) -> None:
    assert parallel.jobs_for(1000) == 2
    monkeypatch.setenv(parallel.ENV_JOBS, "1")
    assert parallel.jobs_for(1000) == 1
    monkeypatch.setenv(parallel.ENV_JOBS, "8")
    assert parallel.jobs_for(1000) == 2  # never more than the usable CPUs
    monkeypatch.setenv(parallel.ENV_JOBS, "many")
    assert parallel.jobs_for(1000) == 2  # not a number: ignored
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert parallel.jobs_for(1000) == 1
    finally:
        stop.set()
        thread.join()


def test_shards_are_contiguous_and_the_first_is_longest() -> None:
    items = list(range(5000))
    parts = parallel.shards(items, 2)
    assert [len(p) for p in parts] == [2778, 2222]
    assert [i for part in parts for i in part] == items
    assert [len(p) for p in parallel.shards(list(range(10)), 3)] == [4, 3, 3]
    assert parallel.shards([1, 2], 1) == [[1, 2]]
