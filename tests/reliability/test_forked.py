"""``forked.forked_map``: results from forked workers, and every worker gone however the
iteration ends: done, stopped while workers still send large results, an error in a task, a
worker that dies, the caller leaving early. (What it replaces, ``multiprocessing.Pool``, hung
when stopped just as a worker was sending: ``test_atomic.py``'s interrupted compiles.)"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from metriclang.forked import WorkerDied, forked_map, started
from tests.conftest import ROOT


def _nothing() -> None:
    pass


def _square(x: int) -> int:
    return x * x


def _large(x: int) -> bytes:
    return bytes([x]) * (48 << 20)  # 48 MiB: a worker is still sending when the parent stops


def _fails(x: int) -> int:
    if x == 3:
        raise ValueError(f"task {x} failed")
    return x


def _dies(x: int) -> int:
    if x == 2:
        os._exit(7)
    return x


def _children() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.pid is not None}


def test_every_task_once_and_no_worker_left() -> None:
    before = _children()
    assert sorted(forked_map(_square, range(20), 2, _nothing)) == [x * x for x in range(20)]
    assert _children() == before


def test_stopping_while_workers_send_large_results_ends_at_once() -> None:
    before = _children()
    received: list[int] = []
    start = time.monotonic()
    got = [r[0] for r in forked_map(_large, range(6), 2, _nothing, stop=lambda: bool(received))
           if not received.append(1)]  # type: ignore[func-returns-value]
    assert got in ([0], [1]) and time.monotonic() - start < 30
    assert _children() == before


def test_an_error_in_a_task_is_raised_and_the_workers_are_stopped() -> None:
    before = _children()
    with pytest.raises(ValueError, match="task 3 failed"):
        list(forked_map(_fails, range(8), 2, _nothing))
    assert _children() == before


def test_a_worker_that_dies_is_reported() -> None:
    before = _children()
    with pytest.raises(WorkerDied, match="exit code 7"):
        list(forked_map(_dies, range(6), 2, _nothing))
    assert _children() == before


def test_leaving_the_iteration_early_stops_the_workers() -> None:
    before = _children()
    results = forked_map(_large, range(6), 2, _nothing)
    assert len(next(results)) == 48 << 20
    results.close()
    assert _children() == before


KILLED_PARENT = """
import multiprocessing, os, sys, time
from metriclang.forked import forked_map

def work(x):
    time.sleep(x)
    return x

def report():
    print(os.getpid(), flush=True)

for _ in forked_map(work, [0.01, 0.01, 2.0, 0.01], 2, report):
    time.sleep(60)  # killed here: one worker is in its 2 s task, the other waits for one
"""


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    """SIGKILL of the parent (no clean-up runs): its workers, idle or busy, end by
    themselves: each one's pipe ends, as no other process keeps the parent's end open."""
    out = tmp_path / "pids"
    with open(out, "w+b") as pids:
        parent = subprocess.Popen([sys.executable, "-c", KILLED_PARENT],
                                  env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=pids)
        deadline = time.monotonic() + 60
        while len(out.read_text().split()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
    workers = [int(pid) for pid in out.read_text().split()]
    assert len(workers) == 2
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), workers


def test_a_worker_ends_quietly_when_the_parent_closes_with_a_result_unread() -> None:
    """The parent closing its end while a result sits unread resets the connection: the
    worker waiting for its next task ends without a traceback (one was printed, under load,
    when the parent stopped early)."""
    import threading

    from metriclang.forked import _serve

    ours, theirs = multiprocessing.Pipe()
    raised: list[BaseException] = []

    def serve() -> None:
        try:
            _serve(theirs, [], lambda x: x, _nothing)
        except BaseException as exc:  # what the worker would print
            raised.append(exc)

    worker = threading.Thread(target=serve)
    worker.start()
    ours.send(1)
    assert ours.poll(30)  # the result is there, unread; the worker waits for a task
    time.sleep(0.1)
    ours.close()
    worker.join(30)
    assert not worker.is_alive() and raised == []


def test_started_runs_beside_the_block_and_leaves_no_process() -> None:
    """``started``: the result (from another process), its error raised when read, and the
    process gone when the block ends, whether its result was read or not."""
    with started(lambda: (os.getpid(), _square(7))) as result:
        pid, value = result()
    assert value == 49 and pid != os.getpid()
    assert not _children()
    with started(lambda: _fails(3)) as result:
        with pytest.raises(ValueError, match="task 3 failed"):
            result()
    with started(lambda: time.sleep(60)):
        pass  # left unread: killed at once
    assert not _children()
    with started(lambda: _dies(2)) as result:
        with pytest.raises(WorkerDied, match="exit code 7"):
            result()
    assert not _children()



def _slow(x: float) -> float:
    time.sleep(x)
    return x


def test_idle_steps_are_taken_while_no_result_is_ready() -> None:
    """``idle``: this process's own steps of work, taken while it waits; the results come as
    before, whether the steps end first (all taken) or never end."""
    taken: list[int] = []

    def steps() -> Iterator[None]:
        for i in range(1000):
            taken.append(i)
            yield

    assert sorted(forked_map(_slow, [0.5, 0.5, 0.2], 2, _nothing, idle=steps())) == [0.2, 0.5, 0.5]
    assert taken == list(range(1000))
    endless = (taken.append(-1) for _ in itertools.count())
    assert sorted(forked_map(_slow, [0.2, 0.1], 2, _nothing, idle=endless)) == [0.1, 0.2]
    assert len(taken) > 1000 and not _children()


def _threshold(_: int) -> int:
    import gc

    return gc.get_threshold()[0]


def test_fewer_collections_holds_in_the_block_and_in_the_workers_forked_there() -> None:
    import gc

    from metriclang.gcpause import fewer_collections

    before = gc.get_threshold()
    with fewer_collections(12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
        assert list(forked_map(_threshold, [0, 1], 2, _nothing)) == [12_345, 12_345]
    assert gc.get_threshold() == before
