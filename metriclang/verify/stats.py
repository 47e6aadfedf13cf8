"""Statistics for one driver/target pair, on plain numpy arrays (no model, no I/O).

The pipeline for a declared link ``A drives B lag L`` (the fitting and the tests are
statsmodels'; this module chooses the settings and the order of the steps):

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

Benjamini–Hochberg across every link tested in one run is in
:func:`metriclang.verify.evidence.judge`. A step that fails on a degenerate series raises
:class:`StatsError`, which the caller records as a note on that link.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

#: Significance level of the stationarity tests.
STATIONARITY_ALPHA = 0.05
#: Largest AR order tried when pre-whitening (covers a weekly cycle in daily data twice).
MAX_AR_ORDER = 14


class StatsError(Exception):
    """A statistical step (``"KPSS test"``...) failed on a series; the message says which."""

    def __init__(self, step: str, cause: BaseException, series: str = "these series") -> None:
        super().__init__(f"{step} failed on {series} ({type(cause).__name__}: {cause})")
        self.step, self.cause = step, cause

    def on(self, series: str) -> StatsError:
        """The same failure, naming the series it happened on (a measure, "the driver")."""
        return StatsError(self.step, self.cause, series)


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
    with _library("ADF test"):
        adf = adfuller(x, maxlag=lags, autolag=None, regression="c")
    with _library("KPSS test"):
        kp = kpss(x, regression="c", nlags="auto")
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


def ar_order(x: np.ndarray, max_order: int) -> tuple[int, np.ndarray]:
    """AR order chosen by AIC and its coefficients ``phi_1..phi_p`` (statsmodels).

    :func:`~statsmodels.tsa.ar_model.ar_select_order` on the demeaned series, no trend term,
    every candidate order fitted by OLS on the same sample (the last ``n - max_order``
    values, ``hold_back``), the chosen one too, so orders are compared on equal footing.
    """
    import numpy as np

    p, phi = _ar_order(np.ascontiguousarray(x, dtype=float).tobytes(), max_order)
    return p, np.array(phi, dtype=float)


@lru_cache(maxsize=256)
def _ar_order(values: bytes, max_order: int) -> tuple[int, tuple[float, ...]]:
    """:func:`ar_order` by the series' bytes: a measure in many links (as driver, or as the
    Granger target) gets the same series each time, and the search is the costly step."""
    import numpy as np
    from statsmodels.tsa.ar_model import ar_select_order  # type: ignore[import-untyped]

    x = np.frombuffer(values, dtype=float)
    with _library("AR order selection"):
        selected = ar_select_order(x - x.mean(), max_order, ic="aic", trend="n",
                                   hold_back=max_order)
        if not selected.ar_lags:
            return 0, ()
        return len(selected.ar_lags), tuple(float(v) for v in selected.model.fit().params)


def ar_filter(x: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Residuals ``e_t = x_t - sum_i phi_i x_{t-i}`` of the demeaned series (first p dropped)."""
    import numpy as np
    from statsmodels.tsa.tsatools import lagmat  # type: ignore[import-untyped]

    x = x - x.mean()
    p = len(phi)
    if p == 0:
        return x
    return np.asarray(x[p:] - lagmat(x, p, trim="both") @ phi)


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

    The target's own AR order is chosen by AIC (:func:`ar_order`); the restricted model
    (constant and the target's own lags) and the unrestricted one (plus the driver's lags)
    are fitted by OLS on the same rows and compared with
    :meth:`~statsmodels.regression.linear_model.RegressionResults.compare_f_test`.
    ``None`` when fewer than 5 residual degrees of freedom are left.
    """
    import numpy as np
    from statsmodels.regression.linear_model import OLS  # type: ignore[import-untyped]
    from statsmodels.tsa.tsatools import lagmat

    own, _ = ar_order(target, max(0, min(MAX_AR_ORDER, len(target) // 10)))
    start = max(own, lags.stop - 1)
    rows = len(target) - start
    if rows - (1 + own + len(lags)) < 5:
        return None
    past_target = lagmat(target, start, trim="both")[:, :own]
    past_driver = lagmat(driver, start, trim="both")[:, [k - 1 for k in lags]]
    restricted = np.column_stack([np.ones(rows), past_target])
    with _library("Granger test"):
        small = OLS(target[start:], restricted).fit()
        full = OLS(target[start:], np.column_stack([restricted, past_driver])).fit()
        if full.ssr <= 0:
            return 0.0
        return float(full.compare_f_test(small)[1])


@contextmanager
def _library(step: str) -> Iterator[None]:
    """Run one step of statsmodels on a single BLAS thread, its warnings silenced (KPSS
    warns when its p-value is outside its table; the verdicts say what matters); what it
    raises on a degenerate series becomes a :class:`StatsError` naming the step.

    The matrices here are narrow (a few hundred rows, at most 15 columns): a threaded BLAS
    spends more time starting and waiting for threads than computing, many times more on a
    busy machine. Failures: ``LinAlgError`` is a ``ValueError``; KPSS on a sparse count
    series raises ``OverflowError``, an ``ArithmeticError``; a value that is not finite
    raises statsmodels' ``MissingDataError``.
    """
    from statsmodels.tools.sm_exceptions import MissingDataError  # type: ignore[import-untyped]

    try:
        with _blas().limit(limits=1, user_api="blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except (ArithmeticError, ValueError, MissingDataError) as e:
        raise StatsError(step, e) from e


@cache
def _blas() -> ThreadpoolController:
    """The thread pools of the loaded BLAS libraries (numpy's and scipy's), found once,
    after statsmodels (which loads both) is imported by the caller."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
