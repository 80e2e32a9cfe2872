"""Work over many files shared between processes: contiguous shards, the first in this process, the others forked.

:func:`map_shards` runs ``work`` over a list cut into one contiguous shard per usable CPU and
gives back the results in the list's order, exactly as ``work(items)`` would. The first shard is
worked in this process while forked workers work the others (fork: the modules and the settings
are already in memory, nothing is imported again or pickled on the way in); each worker pickles
its results into a pipe and exits. Everything stays serial (``work(items)`` here) where that is
as fast or the only safe way:

- fewer items than :data:`MIN_ITEMS` (starting a worker and pickling its results back costs more
  than it saves on a small folder);
- one usable CPU (``os.sched_getaffinity``), or ``REFSITE_JOBS=1`` in the environment
  (``REFSITE_JOBS=N`` caps the processes at N; for tests and debugging);
- no ``fork`` (not Linux), or other threads running (forking a threaded process is unsafe:
  ``refsite serve``'s watcher and server).

A worker that fails (raises, is killed, sends what cannot be read) is not trusted in part: its
shard is worked again here, so the result is the same, only later. Workers ignore Ctrl-C (this
process gets it, and kills and reaps them on the way out), never print, never write a file, and
always end in ``os._exit`` (no exit handlers, no flushing of output buffered before the fork).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import signal
import sys
import threading
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

ENV_JOBS = "REFSITE_JOBS"
# This process's shard is this many times a worker's: a worker also pickles its results (about a
# third of its parsing time at 5,000 partners) and this process unpickles them (about a tenth).
FIRST_WEIGHT = 1.25
MIN_ITEMS = 1000  # below this many items everything is worked here: what a worker saves is small, and costs CPU


def jobs_for(count: int) -> int:
    """How many processes (this one included) to share ``count`` items between: 1 means serial."""
    if count < MIN_ITEMS or sys.platform != "linux" or not hasattr(os, "fork"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    wanted = os.environ.get(ENV_JOBS, "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        cpus = min(cpus, int(wanted))
    if cpus <= 1 or threading.active_count() > 1:
        return 1
    return min(cpus, count // (MIN_ITEMS // 2))  # no shard smaller than half the threshold


def shards(items: Sequence[T], jobs: int, first: float = FIRST_WEIGHT) -> list[Sequence[T]]:
    """``items`` cut into ``jobs`` contiguous shards, the first ``first`` times as long as each of the others."""
    total = first + jobs - 1
    bounds = [0] + [round(len(items) * (first + i) / total) for i in range(jobs - 1)] + [len(items)]
    return [items[start:end] for start, end in zip(bounds, bounds[1:])]


def map_shards(work: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R]:
    """``work(items)``, with contiguous shards of ``items`` worked in forked processes when it pays (module doc).

    ``work`` must be a pure function of its shard (and of what this process already holds) whose
    result is one value per item, picklable; results come back in the order of ``items``.
    """
    jobs = jobs_for(len(items))
    if jobs <= 1:
        return work(items)
    parts = shards(items, jobs)
    for stream in (sys.stdout, sys.stderr):  # nothing buffered is copied into a worker (they never flush, either)
        with contextlib.suppress(Exception):
            stream.flush()
    workers: list[_Worker | None] = []  # one per shard after the first
    try:
        for part in parts[1:]:
            workers.append(_Worker.start(work, part))
        results = list(work(parts[0]))
        for part, worker in zip(parts[1:], workers):
            got = worker.collect() if worker is not None else None
            results.extend(got if got is not None and len(got) == len(part) else work(part))
        return results
    finally:
        for worker in workers:
            if worker is not None:
                worker.stop()


class _Worker:
    """A forked process working one shard, and the read end of the pipe it answers on."""

    def __init__(self, pid: int, read: int) -> None:
        self.pid = pid
        self.read = read
        self.reaped = False

    @classmethod
    def start(cls, work: Callable[[Sequence[T]], list[R]], part: Sequence[T]) -> _Worker | None:
        """Fork a worker for ``part`` (None: it could not start, and the shard is worked here)."""
        try:
            read, write = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return None
        if pid == 0:  # the worker: never returns
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle (it kills us)
                os.close(read)
                results = work(part)
                buffer = io.BytesIO()
                pickle.dump(results, buffer, protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(buffer.getbuffer())
                code = 0
            except BaseException:  # noqa: BLE001, S110 - the parent works this shard again itself
                pass
            finally:
                os._exit(code)
        os.close(write)
        return cls(pid, read)

    def collect(self) -> list | None:
        """What the worker answered, once it has exited well; None when it failed (its shard is worked again).

        Unpickled as it streams from the pipe: the answer (about 13 MB at 5,000 partners) is never
        held whole in memory beside what it unpickles to.
        """
        try:
            with os.fdopen(self.read, "rb", buffering=1 << 20, closefd=False) as pipe:
                got = pickle.load(pipe)
        except Exception:  # noqa: BLE001 - a truncated or garbled answer is not trusted
            got = None
        if not self._wait(0):
            return None
        return got if isinstance(got, list) else None

    def _wait(self, flags: int) -> bool:
        """Reap the worker (``os.WNOHANG`` in ``flags``: only if it has exited); did it exit with 0?"""
        if self.reaped:
            return False
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:
            self.reaped = True
            return False
        if pid == 0:
            return False
        self.reaped = True
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0

    def stop(self) -> None:
        """Close the pipe, and kill and reap the worker if it is still there (Ctrl-C, or an error here)."""
        with contextlib.suppress(OSError):
            os.close(self.read)
        if self.reaped:
            return
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        self._wait(0)
