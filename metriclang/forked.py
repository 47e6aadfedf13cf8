"""Tasks run in forked worker processes that can be stopped at any moment.

Each worker talks to the parent over a pipe of its own, so no lock is shared between
processes. ``multiprocessing.Pool`` shares one: a worker stopped while it sends a result
holds the result queue's lock forever, and the pool's own clean-up then waits for that lock
(a Ctrl-C that hung ``osm compile``). Here stopping means killing the workers, at any moment;
and a worker whose parent dies ends by itself (at once when idle, after its task when busy).
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: How often (seconds) the parent looks at ``stop`` while it waits for results.
POLL = 0.1


_DONE = object()


class WorkerDied(RuntimeError):
    """A worker process ended without sending its task's result."""


def forked_map(fn: Callable[[T], R], tasks: Sequence[T], workers: int,
               initializer: Callable[[], None], stop: Callable[[], bool] = lambda: False,
               idle: Iterable[object] = (),
               ) -> Generator[R, None, None]:
    """``fn(task)`` of every task, in the order they finish, from ``workers`` forked
    processes (``initializer`` runs first in each); a worker takes the next task when it is
    done with one. Iteration ends early once ``stop()`` is true; an exception in ``fn`` is
    raised here. However the iteration ends (done, stopped, an error, the caller closing it),
    every worker is gone when it has. ``idle``: steps of work this process takes while no
    result is ready (each short: a worker done meanwhile waits for it), as long as it
    waits."""
    context = multiprocessing.get_context("fork")
    pending = deque(tasks)
    busy: dict[Connection, BaseProcess] = {}  # a worker's pipe -> the worker
    processes = []
    try:
        for _ in range(min(workers, len(pending))):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, [*busy, ours], fn,
                                                           initializer), daemon=True)
            process.start()
            theirs.close()
            processes.append(process)
            ours.send(pending.popleft())
            busy[ours] = process
        steps, more = iter(idle), True
        while busy and not stop():
            ready = wait(list(busy), timeout=0 if more else POLL)
            if not ready and more:
                more = next(steps, _DONE) is not _DONE
                continue
            for conn in [c for c in busy if c in ready]:
                try:
                    ok, value = conn.recv()
                except EOFError:
                    busy[conn].join(timeout=5)  # its exit code
                    raise WorkerDied(f"a worker process ended (exit code "
                                     f"{busy[conn].exitcode}) before its result") from None
                if not ok:
                    raise value if isinstance(value, BaseException) else RuntimeError(value)
                if pending:
                    conn.send(pending.popleft())
                else:
                    conn.close()
                    del busy[conn]
                yield value
    finally:
        for process in processes:  # killed before their pipes close: no worker sees a reset
            if process.is_alive():
                process.kill()
        for conn in busy:
            conn.close()
        for process in processes:
            process.join()


@contextmanager
def started(fn: Callable[[], R]) -> Iterator[Callable[[], R]]:
    """``fn()`` begun now in a forked process, for the block to go on meanwhile (on the other
    core); the block gets a function that waits for the result, once (an exception in ``fn``
    is raised there). The process leaves Ctrl-C to the parent, and is gone when the block
    ends, whether the result was read or not."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs, [ours], lambda _: fn(), _no_sigint),
                              daemon=True)
    process.start()
    theirs.close()

    def result() -> R:
        try:
            ok, value = ours.recv()
        except EOFError:
            process.join(timeout=5)
            raise WorkerDied(f"a forked process ended (exit code {process.exitcode}) before "
                             f"its result") from None
        if not ok:
            raise value if isinstance(value, BaseException) else RuntimeError(value)
        return value  # type: ignore[no-any-return]

    try:
        ours.send(None)
        yield result
    finally:
        if process.is_alive():  # killed before its pipe closes, as in forked_map
            process.kill()
        ours.close()
        process.join()


def _no_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _serve(conn: Connection, parents: list[Connection], fn: Callable[[T], R],
           initializer: Callable[[], None]) -> None:
    """A worker: run ``fn`` on each task the parent sends, send back (ok, result or error);
    end when the parent closes the pipe or dies. ``parents``: the parent's ends of the pipes
    made so far, inherited by the fork and closed here (one left open would keep this
    worker's pipe from ending when the parent dies)."""
    for inherited in parents:
        inherited.close()
    initializer()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent closed the pipe (with a result unread) or died
            return
        try:
            reply: tuple[bool, object] = (True, fn(task))
        except Exception as exc:  # raised again in the parent
            reply = (False, exc)
        try:
            conn.send(reply)
        except OSError:  # the parent is gone
            return
        except Exception as exc:  # a result or an error that pickle refuses
            conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
