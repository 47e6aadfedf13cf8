"""Statistics for one driver/target pair, on plain numpy arrays (no model, no I/O).

The pipeline for a declared link ``A drives B lag L`` (the fitting and the tests are
statsmodels'; this module chooses the settings and the order of the steps):

1. :func:`make_stationary`: ADF (null: unit root) and KPSS (null: level-stationary) on each
   series; a series is differenced only when both agree it has a unit root (ADF does not
   reject, KPSS does), or ADF does not reject and the lag-1 autocorrelation is above 0.9
   (:func:`unit_root`); again only when that holds once more (at most twice). A target
   with more unit roots than its driver keeps its own order: a stock that accumulates a flow
   (the active base, summing sign-ups) is compared in changes with the flow in levels;
   otherwise the target is differenced as often as the driver (see
   :func:`metriclang.verify.evidence.assess_pair`).
2. :func:`prewhiten`: fit an AR(p) model on the driver (order by AIC) and run both series
   through that filter, so the driver's own autocorrelation cannot fake a cross-correlation.
3. :func:`lag_scan`: cross-correlation of the filtered series at each lag of a window around
   ``L`` (never lag 0: a same-period movement says nothing about which came first); the
   best lag is the largest ``|r|``; its p-value is corrected for the window size (Šidák),
   so scanning lags does not inflate false positives. A rank (Spearman) correlation is used
   when outliers dominate the filtered series (:func:`heavy_tailed`).
4. :func:`granger`: F test that lags of the driver (the same window) add to the target's
   own AR model, with the sign of the driver's coefficient at the scan's best lag (next to
   the target's own lags).

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
#: Lag-1 autocorrelation above which a series the two tests disagree on is differenced.
NEAR_UNIT = 0.9
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

    def interval(self, z: float = 1.959964) -> tuple[float, float]:
        """95% confidence interval of ``estimate`` (Fisher's z, ``pairs - 3`` degrees),
        for the best lag alone (not widened for the scan)."""
        centre = math.atanh(max(-0.999999, min(0.999999, self.estimate)))
        half = z / math.sqrt(max(1, self.pairs - 3))
        return math.tanh(centre - half), math.tanh(centre + half)


@dataclass(frozen=True)
class Granger:
    """The Granger F test's p-value and the sum of the driver's lag coefficients."""

    p_value: float
    effect: float


def stationarity_p(x: np.ndarray) -> tuple[float, float]:
    """``(adf_p, kpss_p)`` for a level-stationarity test of ``x`` (constant term only).

    Both use a fixed lag order (Schwert's short rule, ``4 (n/100)^(1/4)``): for ADF instead
    of an AIC search (as reliable for deciding whether to difference, and an order of
    magnitude faster); for KPSS instead of the data-driven bandwidth, which on short random
    walks picks a bandwidth so wide that a unit root goes unseen one time in four.
    """
    from statsmodels.tsa.stattools import adfuller, kpss  # type: ignore[import-untyped]

    lags = max(1, min(int(4 * (len(x) / 100) ** 0.25), len(x) // 3 - 2))
    with _library("ADF test"):
        adf = adfuller(x, maxlag=lags, autolag=None, regression="c")
    with _library("KPSS test"):
        kp = kpss(x, regression="c", nlags=lags)
    return float(_pvalue(adf)), float(_pvalue(kp))


def _pvalue(result: object) -> float:
    """The p-value of a statsmodels test result (a tuple, or a result object in 0.16+)."""
    value = getattr(result, "pvalue", None)
    return float(value if value is not None else result[1])  # type: ignore[index]


def unit_root(x: np.ndarray, adf_p: float, kpss_p: float) -> bool:
    """Whether ``x`` has a unit root: ADF does not reject one and KPSS rejects stationarity;
    or, when KPSS does not reject either (the two disagree, which KPSS on a short random walk
    does one time in five), the lag-1 autocorrelation is above :data:`NEAR_UNIT`."""
    if adf_p < STATIONARITY_ALPHA:
        return False
    return kpss_p < STATIONARITY_ALPHA or autocorrelation(x) > NEAR_UNIT


def autocorrelation(x: np.ndarray) -> float:
    """The lag-1 autocorrelation of ``x`` (0 for a constant series)."""
    d = x - x.mean()
    denom = float(d @ d)
    return float(d[1:] @ d[:-1]) / denom if denom > 0 else 0.0


def make_stationary(x: np.ndarray, max_order: int = 2) -> Stationary:
    """Difference ``x`` while it has a unit root (:func:`unit_root`; at most ``max_order``).

    When ADF rejects a unit root the series is left as it is, whatever KPSS says: on a
    short series differencing a stationary series costs more than leaving a borderline one.

    >>> import numpy as np
    >>> walk = np.random.default_rng(1).normal(size=300).cumsum()
    >>> make_stationary(walk).order, make_stationary(np.diff(walk)).order
    (1, 0)
    """
    import numpy as np

    p, adf_p, kpss_p = _stationary(np.ascontiguousarray(x, dtype=float).tobytes(), max_order)
    return Stationary(np.diff(np.asarray(x, dtype=float), p), p, adf_p, kpss_p)


@lru_cache(maxsize=256)
def _stationary(values: bytes, max_order: int) -> tuple[int, float, float]:
    """:func:`make_stationary` by the series' bytes (a measure in many links is tested once)."""
    import numpy as np

    x = np.frombuffer(values, dtype=float)
    adf_p, kpss_p = 1.0, 0.0
    for order in range(max_order + 1):
        if len(x) < 8 or x.std() == 0:
            return order, adf_p, kpss_p
        adf_p, kpss_p = stationarity_p(x)
        if not unit_root(x, adf_p, kpss_p) or order == max_order:
            return order, adf_p, kpss_p
        x = np.diff(x)
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
    """Lags scanned around a declared lag ``L``: ``L ± floor(L/2)``; 1 and 2 when ``L`` is 0.

    Lag 0 is never scanned: a movement in the same period says nothing about which came
    first (a common cause in that period gives the same picture). The window is no wider
    than the uncertainty of a declared lag needs: every lag scanned costs power.

    >>> list(window(0)), list(window(1)), list(window(2)), list(window(4))
    ([1, 2], [1], [1, 2, 3], [2, 3, 4, 5, 6])
    >>> (window(30).start, window(30).stop)
    (15, 46)
    """
    if declared == 0:
        return range(1, 3)
    half = declared // 2
    return range(declared - half, declared + half + 1)


def reverse_window(declared: int) -> range:
    """Lags scanned for the target leading the driver: 1 up to the forward window's end, and
    at least 1 and 2.

    >>> list(reverse_window(0)), list(reverse_window(1)), list(reverse_window(4))
    ([1, 2], [1, 2], [1, 2, 3, 4, 5, 6])
    """
    return range(1, max(3, window(declared).stop))


def heavy_tailed(x: np.ndarray, limit: float = 6.0) -> bool:
    """Whether a value of ``x`` lies more than ``limit`` robust standard deviations (MAD)
    from the median: a few outliers would then dominate a Pearson correlation."""
    import numpy as np

    centre = np.median(x)
    mad = 1.4826 * np.median(np.abs(x - centre))
    return bool(mad > 0 and np.max(np.abs(x - centre)) > limit * mad)


def spread(touched: np.ndarray, width: int) -> np.ndarray:
    """Which values of a series filtered over ``width + 1`` consecutive values (a difference,
    an AR filter) depend on a touched (interpolated) one: ``out[i] = any(touched[i:i+width+1])``.

    >>> import numpy as np
    >>> spread(np.array([False, True, False, False]), 1).tolist()
    [True, True, False]
    """
    import numpy as np

    n = len(touched) - width
    out = np.zeros(max(0, n), dtype=bool)
    for j in range(width + 1):
        out |= touched[j:j + n]
    return out


def lag_scan(driver: np.ndarray, target: np.ndarray, lags: range,
             robust: bool = False, touched: np.ndarray | None = None) -> Scan:
    """Correlation of ``driver[t-k]`` with ``target[t]`` for each ``k``; the best by ``|r|``.

    The p-value of the best lag is two-sided (t test on the correlation, which is exact when
    the driver is white noise independent of the target) and Šidák-corrected for the number
    of lags scanned. Ties go to the lag closest to the window's centre. ``robust``: rank
    (Spearman) correlations, with the same t approximation. ``touched``: periods whose values
    were interpolated (or computed from one); a pair with one of them is left out.
    """
    import numpy as np
    from scipy import stats  # type: ignore[import-untyped]

    n = len(driver)
    rs, used = [], []
    for k in lags:
        a, b = driver[:n - k], target[k:]
        if touched is not None:
            keep = ~(touched[:n - k] | touched[k:])
            a, b = a[keep], b[keep]
        used.append(len(a))
        if robust:
            a, b = stats.rankdata(a), stats.rankdata(b)
        a, b = a - a.mean(), b - b.mean()
        denom = math.sqrt(float(a @ a) * float(b @ b))
        rs.append(float(a @ b) / denom if denom > 0 else 0.0)
    centre = (lags.start + lags.stop - 1) / 2
    i = max(range(len(rs)), key=lambda j: (round(abs(rs[j]), 12), -abs(lags[j] - centre)))
    k, r = lags[i], rs[i]
    pairs = used[i]
    t = r * math.sqrt((pairs - 2) / max(1e-12, 1 - r * r))
    p_one = float(2 * stats.t.sf(abs(t), pairs - 2))
    p_window = float(-np.expm1(len(rs) * np.log1p(-min(p_one, 1 - 1e-16))))
    return Scan(tuple(lags), tuple(rs), k, r, min(1.0, p_window), pairs)


def granger(driver: np.ndarray, target: np.ndarray, lags: range,
            touched: np.ndarray | None = None, at: int | None = None) -> Granger | None:
    """F test that ``driver`` lags in ``lags`` improve an AR model of ``target``.

    The target's own AR order is chosen by AIC (:func:`ar_order`); the restricted model
    (constant and the target's own lags) and the unrestricted one (plus the driver's lags)
    are fitted by OLS on the same rows and compared with
    :meth:`~statsmodels.regression.linear_model.RegressionResults.compare_f_test`.
    The effect is the driver's coefficient at lag ``at`` (the scan's best lag) in a model of
    the target's own lags and that lag alone, else the sum of the driver's coefficients: its
    sign is the direction the test saw (over a wide window of correlated lags, coefficients
    of the full model are a noisy summary). ``touched``: as for :func:`lag_scan`, a row
    with a touched value is left out.
    ``None`` when fewer than 5 residual degrees of freedom are left.
    """
    import numpy as np
    from statsmodels.regression.linear_model import OLS  # type: ignore[import-untyped]
    from statsmodels.tsa.tsatools import lagmat

    own, _ = ar_order(target, max(0, min(MAX_AR_ORDER, len(target) // 10)))
    start = max(own, lags.stop - 1)
    keep = np.ones(len(target) - start, dtype=bool) if touched is None else ~touched[start:]
    rows = int(keep.sum())
    if rows - (1 + own + len(lags)) < 5:
        return None
    past_target = lagmat(target, start, trim="both")[keep][:, :own]
    past_driver = lagmat(driver, start, trim="both")[keep][:, [k - 1 for k in lags]]
    restricted = np.column_stack([np.ones(rows), past_target])
    with _library("Granger test"):
        small = OLS(target[start:][keep], restricted).fit()
        full = OLS(target[start:][keep], np.column_stack([restricted, past_driver])).fit()
        if at is None:
            effect = float(np.sum(full.params[1 + own:]))
        else:  # the driver at the best lag alone, next to the target's own lags
            alone = np.column_stack([restricted, past_driver[:, at - lags.start]])
            effect = float(OLS(target[start:][keep], alone).fit().params[-1])
        if full.ssr <= 0:
            return Granger(0.0, effect)
        return Granger(float(full.compare_f_test(small)[1]), effect)


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
