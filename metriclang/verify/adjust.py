"""Preparing an aligned pair for the statistics: gaps, zeros that mean "no rows", seasons.

:func:`prepare` takes a :class:`~metriclang.verify.series.Pair` on its full calendar (NaN
where a series has no value) and returns the stretch the tests use, saying what it did:

1. **Zeros that mean no rows.** A sum or count over a period without rows is 0 in the
   generated SQL. In a series that is otherwise clearly positive (the zero lies more than
   :data:`ZERO_OUTLIER` robust standard deviations below the median of the other values),
   such a 0 is a missing period, not a value.
2. **Gaps.** A gap of at most :data:`MAX_FILL` consecutive periods inside the data is filled
   by linear interpolation (said in the notes), so that differencing and AR filters can run;
   the filled periods are then left out of the correlations and regressions (as the
   correlated or predicted value; values an AR filter computed from them stay). The longest
   stretch without a remaining gap is used. Periods available (both series have a value),
   used, filled and the gaps are reported.
3. **Weekly rhythm** (daily pairs): a strictly positive series is taken in logs (a weekday
   pattern that grows with the level is multiplicative); each weekday's mean is removed.
4. **Annual season** (at least two years of periods): the series is regressed on a linear
   trend and annual Fourier terms; when the season is significant (F test, 1%, in a model
   that also has last period's value, so that autocorrelation is not taken for a season) its
   fitted part is removed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import TYPE_CHECKING

from metriclang.verify.series import Pair

if TYPE_CHECKING:
    import numpy as np

#: Longest run of missing periods filled by interpolation.
MAX_FILL = 3
#: Robust standard deviations below the median past which a 0 counts as "no rows".
ZERO_OUTLIER = 5.0
#: Periods per year by grain, and the annual Fourier harmonics fitted at that grain.
PER_YEAR = {"day": 365.25, "week": 52.18, "month": 12.0, "quarter": 4.0}
HARMONICS = {"day": 3, "week": 3, "month": 2, "quarter": 1}
SEASON_ALPHA = 0.01


@dataclass(frozen=True)
class Prepared:
    """The stretch of a pair the tests use, and how it was obtained."""

    periods: tuple[date, ...]
    driver: np.ndarray
    target: np.ndarray
    available: int
    gaps: tuple[tuple[date, date], ...]
    filled: int
    steps: tuple[str, ...]
    interpolated: np.ndarray  # per used period: filled in by interpolation


def prepare(pair: Pair) -> Prepared:
    """The pair's longest usable stretch, gaps filled and seasons removed (see the module)."""
    import numpy as np

    steps: list[str] = []
    x = _zeros_missing(pair.driver, "driver", steps)
    y = _zeros_missing(pair.target, "target", steps)
    both = np.isfinite(x) & np.isfinite(y)
    available = int(both.sum())
    gaps = _runs(~both, pair.periods)
    x, fx = _fill(x)
    y, fy = _fill(y)
    start, stop = _longest(np.isfinite(x) & np.isfinite(y))
    interpolated = (fx | fy)[start:stop]
    filled = int(interpolated.sum())
    if filled:
        steps.append(f"{filled} missing period(s) interpolated (gaps of at most {MAX_FILL})")
    periods = pair.periods[start:stop]
    x, y = x[start:stop], y[start:stop]
    if pair.grain == "day":
        x = _weekday(x, periods, "driver", steps)
        y = _weekday(y, periods, "target", steps)
    x = _season(x, periods, pair.grain, "driver", steps)
    y = _season(y, periods, pair.grain, "target", steps)
    return Prepared(periods, x, y, available, gaps, filled, tuple(steps), interpolated)


def _zeros_missing(values: np.ndarray, role: str, steps: list[str]) -> np.ndarray:
    import numpy as np

    finite = values[np.isfinite(values)]
    zero = values == 0
    others = finite[finite != 0]
    if not zero.any() or len(others) < 2 * zero.sum() or (others < 0).any():
        return values
    centre = float(np.median(others))
    mad = 1.4826 * float(np.median(np.abs(others - centre)))
    if centre - ZERO_OUTLIER * max(mad, 1e-12) <= 0:
        return values
    steps.append(f"{int(zero.sum())} zero period(s) of the {role} treated as missing "
                 "(a sum over no rows)")
    return np.where(zero, np.nan, values)


def _runs(mask: np.ndarray, periods: tuple[date, ...]) -> tuple[tuple[date, date], ...]:
    """The first and last period of every run of ``True`` in ``mask``."""
    out = []
    i = 0
    while i < len(mask):
        if mask[i]:
            j = i
            while j + 1 < len(mask) and mask[j + 1]:
                j += 1
            out.append((periods[i], periods[j]))
            i = j + 1
        else:
            i += 1
    return tuple(out)


def _fill(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inner gaps of at most :data:`MAX_FILL` periods interpolated; which ones were."""
    import numpy as np

    missing = ~np.isfinite(values)
    filled = np.zeros(len(values), dtype=bool)
    known = np.flatnonzero(~missing)
    if len(known) < 2:
        return values, filled
    out = values.copy()
    for a, b in pairwise(known.tolist()):
        if 1 < b - a <= MAX_FILL + 1:
            inside = np.arange(a + 1, b)
            out[inside] = np.interp(inside, [a, b], [values[a], values[b]])
            filled[inside] = True
    return out, filled


def _longest(ok: np.ndarray) -> tuple[int, int]:
    """``(start, stop)`` of the longest run of ``True`` (the first on ties)."""
    best, start = (0, 0), None
    for i, v in enumerate([*ok.tolist(), False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def _weekday(values: np.ndarray, periods: tuple[date, ...], role: str,
             steps: list[str]) -> np.ndarray:
    """Each weekday's mean removed, in logs when the series is strictly positive."""
    import numpy as np

    if len(values) < 14:
        return values
    logs = bool((values > 0).all())
    v = np.log(values) if logs else values
    weekdays = np.array([p.weekday() for p in periods])
    means = np.array([v[weekdays == d].mean() for d in range(7)])
    steps.append(f"weekday pattern removed from the {role}" + (" (in logs)" if logs else ""))
    return np.asarray(v - means[weekdays] + v.mean(), dtype=float)


def _season(values: np.ndarray, periods: tuple[date, ...], grain: str, role: str,
            steps: list[str]) -> np.ndarray:
    """The annual season removed when there are two years and it is significant."""
    import numpy as np
    from statsmodels.regression.linear_model import OLS  # type: ignore[import-untyped]

    per_year = PER_YEAR.get(grain)
    if per_year is None or len(values) < 2 * per_year or values.std() == 0:
        return values
    year = np.array([p.toordinal() / 365.25 for p in periods])
    waves = np.column_stack([f(2 * math.pi * h * year) for h in range(1, HARMONICS[grain] + 1)
                             for f in (np.sin, np.cos)])
    t = np.arange(len(values), dtype=float)
    base = np.column_stack([np.ones(len(values)), t])
    # significance with last period's value as a regressor (autocorrelated noise makes a
    # static F test see seasons everywhere); the season removed is the static fit's
    dynamic = np.column_stack([base[1:], values[:-1]])
    try:
        small = OLS(values[1:], dynamic).fit()
        p = float(OLS(values[1:], np.column_stack([dynamic, waves[1:]])).fit()
                  .compare_f_test(small)[1])
        season = waves @ OLS(values, np.column_stack([base, waves])).fit().params[2:]
    except (ArithmeticError, ValueError):
        return values
    if not p < SEASON_ALPHA:
        return values
    steps.append(f"annual season removed from the {role}")
    return np.asarray(values - season, dtype=float)
