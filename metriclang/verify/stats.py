"""Statistics for one driver/target pair, on plain numpy arrays (no model, no I/O).

The pipeline for a declared link ``A drives B lag L``:

1. :func:`make_stationary`: ADF (null: unit root) and KPSS (null: level-stationary) on each
   series; difference until ADF rejects and KPSS does not (at most twice). Both series are
   then differenced the same number of times (the larger): one linear filter applied to
   both keeps a lagged relationship intact, while differencing only one would destroy it.
2. :func:`prewhiten`: fit an AR(p) model on the driver (order by AIC) and run both series
   through that filter, so the driver's own autocorrelation cannot fake a cross-correlation.
3. :func:`lag_scan`: cross-correlation of the filtered series at each lag of a window around
   ``L``; the best lag is the largest ``|r|``; its p-value is corrected for the window size
   (Šidák), so scanning lags does not inflate false positives.
4. :func:`granger`: F test that lags of the driver (the same window, lag 0 left out: only
   the past counts) add to the target's own AR model.
5. :func:`benjamini_hochberg` across every link tested in one run.

>>> import numpy as np
>>> benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.5])).round(3).tolist()
[0.04, 0.053, 0.053, 0.5]
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: Significance level of the stationarity tests.
STATIONARITY_ALPHA = 0.05
#: Largest AR order tried when pre-whitening (covers a weekly cycle in daily data twice).
MAX_AR_ORDER = 14


@dataclass(frozen=True)
class Stationary:
    """A series made stationary: ``values`` after differencing ``order`` times."""

    values: np.ndarray
    order: int
    adf_p: float
    kpss_p: float


@dataclass(frozen=True)
class Scan:
    """The cross-correlation scan over a lag window."""

    lags: tuple[int, ...]
    correlations: tuple[float, ...]
    best_lag: int
    estimate: float
    p_value: float
    pairs: int


def stationarity_p(x: np.ndarray) -> tuple[float, float]:
    """``(adf_p, kpss_p)`` for a level-stationarity test of ``x`` (constant term only).

    ADF uses a fixed lag order (Schwert's short rule, ``4 (n/100)^(1/4)``) instead of an AIC
    search: as reliable for deciding whether to difference, and an order of magnitude faster.
    """
    from statsmodels.tsa.stattools import adfuller, kpss  # type: ignore[import-untyped]

    lags = max(1, min(int(4 * (len(x) / 100) ** 0.25), len(x) // 3 - 2))
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            adf = adfuller(x, maxlag=lags, autolag=None, regression="c")
            kp = kpss(x, regression="c", nlags="auto")
        except (ValueError, np.linalg.LinAlgError, ZeroDivisionError):
            return 1.0, 0.0  # degenerate series: treat as not stationary (difference it)
    return float(_pvalue(adf)), float(_pvalue(kp))


def _pvalue(result: object) -> float:
    """The p-value of a statsmodels test result (a tuple, or a result object in 0.16+)."""
    value = getattr(result, "pvalue", None)
    return float(value if value is not None else result[1])  # type: ignore[index]


def make_stationary(x: np.ndarray, max_order: int = 2) -> Stationary:
    """Difference ``x`` until ADF rejects a unit root and KPSS accepts stationarity.

    >>> import numpy as np
    >>> walk = np.random.default_rng(1).normal(size=300).cumsum()
    >>> make_stationary(walk).order
    1
    """
    import numpy as np

    values = np.asarray(x, dtype=float)
    adf_p, kpss_p = 1.0, 0.0
    for order in range(max_order + 1):
        if len(values) < 8 or values.std() == 0:
            return Stationary(values, order, adf_p, kpss_p)
        adf_p, kpss_p = stationarity_p(values)
        if (adf_p < STATIONARITY_ALPHA and kpss_p > STATIONARITY_ALPHA) or order == max_order:
            return Stationary(values, order, adf_p, kpss_p)
        values = np.diff(values)
    raise AssertionError("unreachable")  # pragma: no cover


def lag_matrix(x: np.ndarray, lags: range | list[int], rows: int) -> np.ndarray:
    """Columns ``x[t - k]`` for each ``k`` in ``lags``, for the last ``rows`` values of ``t``."""
    import numpy as np

    n = len(x)
    return np.column_stack([x[n - rows - k:n - k] for k in lags]) if len(lags) else np.empty(
        (rows, 0))


def ar_order(x: np.ndarray, max_order: int) -> tuple[int, np.ndarray]:
    """AR order chosen by AIC (OLS on a common sample) and its coefficients ``phi_1..phi_p``.

    One Gram matrix of all ``max_order`` lags serves every candidate order (its leading
    blocks), so the search costs little more than one fit.
    """
    import numpy as np

    x = x - x.mean()
    rows = len(x) - max_order
    y = x[max_order:]
    full = lag_matrix(x, range(1, max_order + 1), rows)
    gram, cross, total = _gram(full), full.T @ y, float(y @ y)
    best = (math.inf, 0, np.empty(0))
    for p in range(max_order + 1):
        coef = _solve(gram[:p, :p], cross[:p]) if p else np.empty(0)
        rss = total - float(coef @ cross[:p])
        aic = rows * math.log(max(rss, 1e-300) / rows) + 2 * (p + 1)
        if aic < best[0] - 1e-9:
            best = (aic, p, coef)
    return best[1], best[2]


def _solve(gram: np.ndarray, cross: np.ndarray) -> np.ndarray:
    """Normal equations (fast for the few columns used here); least squares if singular."""
    import numpy as np

    try:
        return np.asarray(np.linalg.solve(gram, cross), dtype=float)
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.lstsq(gram, cross, rcond=None)[0], dtype=float)


def ar_filter(x: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Residuals ``e_t = x_t - sum_i phi_i x_{t-i}`` of the demeaned series (first p dropped)."""
    import numpy as np

    x = x - x.mean()
    p = len(phi)
    if p == 0:
        return x
    return np.asarray(x[p:] - lag_matrix(x, range(1, p + 1), len(x) - p) @ phi)


def prewhiten(driver: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Both series through the driver's AR filter: ``(driver_e, target_e, p)``, aligned."""
    max_order = max(0, min(MAX_AR_ORDER, len(driver) // 10))
    p, phi = ar_order(driver, max_order)
    return ar_filter(driver, phi), ar_filter(target, phi), p


def window(declared: int) -> range:
    """Lags scanned around a declared lag: ``L ± max(2, ceil(L/2))``, never below 1 unless L=0.

    >>> list(window(0)), list(window(1)), list(window(4)), (window(30).start, window(30).stop)
    ([0, 1, 2], [1, 2, 3], [2, 3, 4, 5, 6], (15, 46))
    """
    half = max(2, math.ceil(declared / 2))
    low = 0 if declared == 0 else max(1, declared - half)
    return range(low, declared + half + 1)


def lag_scan(driver: np.ndarray, target: np.ndarray, lags: range) -> Scan:
    """Correlation of ``driver[t-k]`` with ``target[t]`` for each ``k``; the best by ``|r|``.

    The p-value of the best lag is two-sided (t test on the correlation, which is exact when
    the driver is white noise independent of the target) and Šidák-corrected for the number
    of lags scanned. Ties go to the lag closest to the window's centre.
    """
    import numpy as np
    from scipy import stats  # type: ignore[import-untyped]

    n = len(driver)
    rs = []
    for k in lags:
        a, b = driver[:n - k], target[k:]
        a, b = a - a.mean(), b - b.mean()
        denom = math.sqrt(float(a @ a) * float(b @ b))
        rs.append(float(a @ b) / denom if denom > 0 else 0.0)
    centre = (lags.start + lags.stop - 1) / 2
    i = max(range(len(rs)), key=lambda j: (round(abs(rs[j]), 12), -abs(lags[j] - centre)))
    k, r = lags[i], rs[i]
    pairs = n - k
    t = r * math.sqrt((pairs - 2) / max(1e-12, 1 - r * r))
    p_one = float(2 * stats.t.sf(abs(t), pairs - 2))
    p_window = float(-np.expm1(len(rs) * np.log1p(-min(p_one, 1 - 1e-16))))
    return Scan(tuple(lags), tuple(rs), k, r, min(1.0, p_window), pairs)


def granger(driver: np.ndarray, target: np.ndarray, lags: range) -> float | None:
    """p-value of the F test that ``driver`` lags in ``lags`` improve an AR model of ``target``.

    The target's own AR order is chosen by AIC. ``None`` when the sample is too short.
    """
    import numpy as np
    from scipy import stats

    own, _ = ar_order(target, max(0, min(MAX_AR_ORDER, len(target) // 10)))
    start = max(own, lags.stop - 1)
    rows = len(target) - start
    extra = len(lags)
    dof = rows - (1 + own + extra)
    if dof < 5:
        return None
    y = target[start:]
    restricted = np.column_stack([np.ones(rows), lag_matrix(target, range(1, own + 1), rows)])
    full = np.column_stack([restricted, lag_matrix(driver, list(lags), rows)])
    rss_r = _rss(restricted, y)
    rss_u = _rss(full, y)
    if rss_u <= 0:
        return 0.0
    f = ((rss_r - rss_u) / extra) / (rss_u / dof)
    return float(stats.f.sf(max(f, 0.0), extra, dof))


def _gram(design: np.ndarray) -> np.ndarray:
    """``X'X`` with numpy's own loop: for these narrow matrices a threaded BLAS call is
    several times slower (thread start-up and, on a busy machine, waiting for cores)."""
    import numpy as np

    return np.asarray(np.einsum("ij,ik->jk", design, design), dtype=float)


def _rss(design: np.ndarray, y: np.ndarray) -> float:
    coef = _solve(_gram(design), design.T @ y)
    residual = y - design @ coef
    return float(residual @ residual)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order."""
    import numpy as np

    p = np.asarray(p, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out
