"""Time series of one measure, and putting two of them on a common grain.

A :class:`Series` holds one value per period (the first day of the period, as in the SQL
output contract). Two series of different grains are compared at the coarser grain: the finer
one is averaged per coarser period (a mean keeps rates comparable; a sum would mix in how
many weeks a month has). Pairs are aligned on the period calendar; only the longest run of
consecutive periods where both have a value is used, because lags are counted in periods.

>>> from datetime import date
>>> s = Series.of("m", "week", [(date(2026, 11, 26), 2.0), (date(2026, 11, 23), 4.0)])
>>> s.periods, s.values
((datetime.date(2026, 11, 23),), (3.0,))
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from metriclang.periods import GRAINS, coarser, period_number, truncate

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
    """Two series aligned on the same consecutive periods of ``grain``."""

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
    """Both series at the coarser grain, on their longest common run of consecutive periods."""
    import numpy as np

    grain = coarser(driver.grain, target.grain)
    a, b = regrain(driver, grain), regrain(target, grain)
    av, bv = dict(zip(a.periods, a.values, strict=True)), dict(zip(b.periods, b.values,
                                                                    strict=True))
    common = sorted(av.keys() & bv.keys())
    run = _longest_run(common, grain)
    return Pair(grain, tuple(run), np.array([av[p] for p in run], dtype=float),
                np.array([bv[p] for p in run], dtype=float))


def without_weekday_pattern(pair: Pair) -> Pair:
    """A daily pair with each series' mean per weekday removed (other grains unchanged).

    Daily business series share a weekly rhythm (quiet Sundays); left in, that common
    pattern makes unrelated measures look related at lags of a few days.
    """
    if pair.grain != "day" or len(pair.periods) < 14:
        return pair
    import numpy as np

    weekdays = np.array([p.weekday() for p in pair.periods])

    def centred(values: np.ndarray) -> np.ndarray:
        means = np.array([values[weekdays == d].mean() for d in range(7)])
        return np.asarray(values - means[weekdays] + values.mean(), dtype=float)

    return Pair(pair.grain, pair.periods, centred(pair.driver), centred(pair.target))


def _longest_run(periods: Sequence[date], grain: str) -> list[date]:
    """The longest stretch of ``periods`` (sorted) with no period missing in between."""
    import numpy as np

    if not periods:
        return []
    numbers = np.array([period_number(p, grain) for p in periods])
    breaks = np.flatnonzero(np.diff(numbers) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(periods)]])
    i = int(np.argmax(ends - starts))
    return list(periods[starts[i]:ends[i]])
