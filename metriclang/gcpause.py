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
