"""Time series of one measure, and putting two of them on a common grain.

A :class:`Series` holds one value per period (the first day of the period, as in the SQL
output contract). Two series of different grains are compared at the coarser grain: the finer
one is averaged per coarser period (a mean keeps rates comparable; a sum would mix in how
many weeks a month has). Pairs are aligned on the period calendar, a period where either
has no value kept as NaN (lags are counted in periods; :mod:`metriclang.verify.adjust`
decides what to do with the gaps).

>>> from datetime import date
>>> s = Series.of("m", "week", [(date(2026, 11, 26), 2.0), (date(2026, 11, 23), 4.0)])
>>> s.periods, s.values
((datetime.date(2026, 11, 23),), (3.0,))
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from metriclang.periods import GRAINS, add, coarser, period_number, truncate

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Series:
    """One measure's values by period (periods ascending, one value each)."""

    measure: str
    grain: str
    periods: tuple[date, ...]
    values: tuple[float, ...]

    @classmethod
    def of(cls, measure: str, grain: str,
           rows: Iterable[tuple[date, float | None]]) -> Series:
        """Build from ``(period, value)`` rows: NULL and NaN dropped, one mean per period."""
        buckets: dict[date, list[float]] = defaultdict(list)
        for p, v in rows:
            if v is not None and v == v:
                buckets[truncate(p, grain)].append(float(v))
        keys = sorted(buckets)
        return cls(measure, grain, tuple(keys),
                   tuple(sum(buckets[k]) / len(buckets[k]) for k in keys))

    def __len__(self) -> int:
        return len(self.periods)


@dataclass(frozen=True)
class Pair:
    """Two series on the same consecutive periods of ``grain`` (NaN where one has no value)."""

    grain: str
    periods: tuple[date, ...]
    driver: np.ndarray
    target: np.ndarray


def regrain(series: Series, grain: str) -> Series:
    """The series at a coarser (or the same) grain: the mean of its periods in each one."""
    if GRAINS.index(grain) < GRAINS.index(series.grain):
        raise ValueError(f"cannot refine {series.grain} to {grain}")
    if grain == series.grain:
        return series
    return Series.of(series.measure, grain, zip(series.periods, series.values, strict=True))


def align(driver: Series, target: Series) -> Pair:
    """Both series at the coarser grain, on every period from the first to the last one where
    both have a value; NaN where one of them has none (a gap, see
    :mod:`metriclang.verify.adjust`)."""
    import numpy as np

    grain = coarser(driver.grain, target.grain)
    a, b = regrain(driver, grain), regrain(target, grain)
    av, bv = dict(zip(a.periods, a.values, strict=True)), dict(zip(b.periods, b.values,
                                                                    strict=True))
    common = sorted(av.keys() & bv.keys())
    if not common:
        return Pair(grain, (), np.array([]), np.array([]))
    first = period_number(common[0], grain)
    count = period_number(common[-1], grain) - first + 1
    periods = tuple(add(common[0], i, grain) for i in range(count))
    return Pair(grain, periods, np.array([av.get(p, np.nan) for p in periods], dtype=float),
                np.array([bv.get(p, np.nan) for p in periods], dtype=float))
