"""Pausing Python's cyclic garbage collector around phases that build large object graphs."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (when it was running).

    Loading and the rules allocate hundreds of thousands of small objects and free almost
    none; the collector's full passes over that growing heap made them quadratic in practice.
    ``freeze=True`` then freezes the survivors (``gc.freeze``): the model lives as long as the
    command, so later collections need not scan it again. Without it the frozen state is left
    as it is.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze:
                gc.freeze()
            gc.enable()


@contextmanager
def fewer_collections(young: int = 10_000) -> Iterator[None]:
    """Collect the youngest objects every ``young`` allocations (Python's default is 700) in
    the block, and in processes forked in it. Rendering SQL makes thousands of short-lived
    cyclic trees (each sqlglot node points to its parent): with the default threshold a
    collection ran every few queries, 10-15% of the time of compiling a dialect."""
    before = gc.get_threshold()
    gc.set_threshold(young, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
