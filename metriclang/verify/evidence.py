"""Evidence for declared links: test each pair, correct across links, give verdicts.

:func:`assess` prepares an aligned pair (:mod:`metriclang.verify.adjust`: gaps, seasons) and
:func:`assess_pair` runs the statistics of :mod:`metriclang.verify.stats` on it, in both
directions (the driver leading the target, and the target leading the driver);
:func:`judge` applies Benjamini–Hochberg across every test of a run (both directions of every
link) and turns the adjusted p-values into verdicts:

* ``supported``: the driver leads, significant after correction, the lag scan and the Granger
  test agreeing on the sign, which is the declared one;
* ``contradicted``: the same, with the opposite sign;
* ``reversed``: the target leads the driver (scan and Granger agreeing), and not the other
  way round (or less strongly);
* ``weak``: not significant, or the scan and the Granger test disagree, or the strongest
  correlation is in the same period (lag 0: no evidence of a lead, whatever the lagged
  correlations say); the note says which;
* ``insufficient-data``: too few periods to test; ``needed`` says how many.

A link whose statistics fail on its series (:class:`~metriclang.verify.stats.StatsError`,
e.g. KPSS on a sparse count series) is ``weak`` with a note saying which step failed; the
other links of the run are tested as usual.

All of this is evidence in time order (the driver's movements precede the target's), not a
proof of causation: a third factor moving both with a delay gives the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from metriclang.verify.adjust import Prepared, prepare
from metriclang.verify.series import Pair
from metriclang.verify.stats import (
    Granger,
    StatsError,
    granger,
    heavy_tailed,
    lag_scan,
    make_stationary,
    prewhiten,
    reverse_window,
    spread,
    window,
)

if TYPE_CHECKING:
    import numpy as np

#: Default false-discovery rate across the links of one run.
ALPHA = 0.05
#: Fewest (driver, target) pairs left at the largest scanned lag for a test to run.
MIN_PAIRS = 16
VERDICTS = ("supported", "contradicted", "reversed", "weak", "insufficient-data")
CAVEAT = ("This is evidence in time order (the driver moves first, the target follows), "
          "not proof of causation: a common cause with a delay looks the same.")
#: One line per verdict: what to do next.
NEXT_STEPS = {
    "supported": "supported: the driver moves first with the declared sign — test it with an "
                 "experiment before relying on it",
    "contradicted": "contradicted: the data show the opposite sign — check the declared effect, "
                    "or a common cause",
    "reversed": "reversed: the target moves first — check the declared direction, or a common "
                "cause",
    "weak": "weak: no agreed lagged relationship at this sample size — collect more history, "
            "or revisit the lag",
    "insufficient-data": "insufficient-data: too few periods — widen --from/--to, or wait for "
                         "more data",
}


@dataclass(frozen=True)
class Direction:
    """The statistics of one direction: the lag scan and the Granger test on the same lags."""

    lags: tuple[int, ...]
    correlations: tuple[float, ...]
    best_lag: int
    estimate: float
    p_raw: float
    interval: tuple[float, float]
    granger: Granger | None
    pairs: int = 0  # pairs behind the best lag

    def agrees(self, alpha: float) -> bool:
        """The Granger test finds an effect with the scan's sign: its F test below ``2 alpha``
        with the sign given, about a one-sided test at ``alpha``. The verdict also needs the
        scan at ``alpha``, so it is never more often wrong than the scan alone."""
        g = self.granger
        return g is not None and g.p_value < 2 * alpha and (g.effect > 0) == (self.estimate > 0)


@dataclass(frozen=True)
class PairTest:
    """The raw statistics of one link, before correcting across links."""

    declared_lag: int
    sign: int
    periods: int
    forward: Direction | None = None
    reverse: Direction | None = None
    orders: tuple[int, int] = (0, 0)  # differencing of the driver, of the target
    ar_order: int = 0
    robust: bool = False  # rank correlation (outliers dominate)
    needed: int | None = None
    note: str | None = None
    same_period: tuple[float, float] | None = None  # r at lag 0 and its p-value (no evidence)

    @property
    def best_lag(self) -> int | None:
        return self.forward.best_lag if self.forward else None

    @property
    def estimate(self) -> float | None:
        return self.forward.estimate if self.forward else None

    @property
    def p_raw(self) -> float | None:
        return self.forward.p_raw if self.forward else None

    @property
    def granger_p(self) -> float | None:
        g = self.forward.granger if self.forward else None
        return g.p_value if g else None

    @property
    def differenced(self) -> int:
        """The larger of the two differencing orders (the one number of the first version)."""
        return max(self.orders)


@dataclass(frozen=True)
class Judged:
    """A tested link with its adjusted p-values (both directions), verdict and reason."""

    test: PairTest
    p_value: float | None
    verdict: str
    reverse_p: float | None = None
    reason: str | None = None


def needed_periods(declared_lag: int) -> int:
    """Periods of history a link with this lag needs (one differencing, one AR lag allowed).

    >>> needed_periods(0), needed_periods(1), needed_periods(4), needed_periods(30)
    (20, 19, 24, 63)
    """
    return window(declared_lag).stop - 1 + MIN_PAIRS + 2


def assess(pair: Pair, declared_lag: int, sign: int,
           names: tuple[str, str] = ("the driver", "the target")) -> tuple[PairTest, Prepared]:
    """Prepare an aligned pair (gaps, seasons) and test it; what preparing did is returned."""
    prepared = prepare(pair)
    return assess_pair(prepared.driver, prepared.target, declared_lag, sign, names,
                       prepared.interpolated), prepared


def assess_pair(driver: np.ndarray, target: np.ndarray, declared_lag: int, sign: int,
                names: tuple[str, str] = ("the driver", "the target"),
                interpolated: np.ndarray | None = None) -> PairTest:
    """Test ``driver`` leading ``target`` by ``declared_lag`` periods with sign ``sign``, and
    the target leading the driver. ``names`` name the series in a failure's note;
    ``interpolated`` marks the periods filled in (left out of every correlation and
    regression, with whatever was computed from them).

    >>> import numpy as np
    >>> rng = np.random.default_rng(7)
    >>> x = rng.normal(size=200)
    >>> y = np.concatenate([np.zeros(3), 0.8 * x[:-3]]) + rng.normal(size=200)
    >>> t = assess_pair(x, y, 3, +1)
    >>> t.best_lag, t.estimate > 0, t.p_raw < 0.001, t.forward.agrees(0.05)
    (3, True, True, True)
    """
    n = len(driver)
    need = needed_periods(declared_lag)
    if n < need:
        return PairTest(declared_lag, sign, n, needed=need,
                        note=f"{n} periods, needs at least {need}")
    import numpy as np

    try:
        with np.errstate(over="raise"):  # an overflow is a failure, never a number
            return _assess(driver, target, declared_lag, sign, names, interpolated)
    except StatsError as e:
        return failed(declared_lag, sign, n, str(e))
    except (ArithmeticError, ValueError) as e:  # numpy/scipy outside a statsmodels step
        return failed(declared_lag, sign, n, f"{type(e).__name__}: {e}")


def failed(declared_lag: int, sign: int, periods: int, reason: str) -> PairTest:
    """A link whose statistics failed on its series: not tested, the reason as its note."""
    return PairTest(declared_lag, sign, periods, note=f"not tested: {reason}")


def _assess(driver: np.ndarray, target: np.ndarray, declared_lag: int, sign: int,
            names: tuple[str, str], interpolated: np.ndarray | None) -> PairTest:
    """The pair tested at its differencing orders.

    A target with more unit roots than its driver is either a stock accumulating the driver
    (the driver's level moves the target's changes) or related to the driver's level with
    a random walk of its own (the driver's changes move the target's changes): both are
    tested, the one where the driver's lags explain more of the target's changes kept (the
    smaller Granger p-value: the same target, as many regressors), its scan p-values doubled
    (Bonferroni over the two).
    Otherwise both series are differenced alike (one filter applied to both keeps a lagged
    relationship intact).
    """
    from dataclasses import replace

    dx, dy = _differencing(driver, names[0]), _differencing(target, names[1])
    if dy <= dx:
        return _tested(driver, target, declared_lag, sign, (dx, dx), interpolated)
    both = [_tested(driver, target, declared_lag, sign, orders, interpolated)
            for orders in ((dx, dy), (dy, dy))]
    if any(t.forward is None for t in both):
        return both[0] if both[0].forward is None else both[1]
    best = min(both, key=_fit)
    return replace(best, forward=_doubled(best.forward), reverse=_doubled(best.reverse))


def _fit(t: PairTest) -> float:
    """How badly the driver's lags explain the target (the Granger p-value; 1 without one)."""
    g = t.forward.granger if t.forward else None
    return 1.0 if g is None else g.p_value


def _doubled(d: Direction | None) -> Direction | None:
    from dataclasses import replace

    return None if d is None else replace(d, p_raw=min(1.0, 2 * d.p_raw))


def _tested(driver: np.ndarray, target: np.ndarray, declared_lag: int, sign: int,
            orders: tuple[int, int], interpolated: np.ndarray | None) -> PairTest:
    """Both directions at the given differencing orders (driver, target)."""
    import numpy as np

    n = len(driver)
    x, y = np.diff(driver, orders[0]), np.diff(target, orders[1])
    m = min(len(x), len(y))  # differencing drops the first periods: align the ends
    x, y = x[len(x) - m:], y[len(y) - m:]
    touched = None if interpolated is None or not interpolated.any() else \
        spread(interpolated, max(orders))
    if x.std() == 0 or y.std() == 0:
        return PairTest(declared_lag, sign, n, orders=orders, note="one series does not move")
    ex, ey, p = prewhiten(x, y)
    lags = window(declared_lag)
    pairs = len(ex) - (lags.stop - 1)
    if pairs < MIN_PAIRS:
        more = n + MIN_PAIRS - pairs
        return PairTest(declared_lag, sign, n, orders=orders, ar_order=p,
                        needed=more, note=f"{n} periods, needs at least {more}")
    robust = heavy_tailed(ex) or heavy_tailed(ey)
    forward = _direction(ex, ey, x, y, lags, robust, touched, p)
    zero = lag_scan(ex, ey, range(1), robust, None if touched is None else touched[p:])
    ry, rx, q = prewhiten(y, x)
    back = reverse_window(declared_lag)
    reverse = (_direction(ry, rx, y, x, back, robust, touched, q)
               if len(ry) - (back.stop - 1) >= MIN_PAIRS else None)
    return PairTest(declared_lag, sign, n, forward, reverse, orders, p, robust,
                    same_period=(zero.estimate, zero.p_value))


def _direction(ea: np.ndarray, eb: np.ndarray, a: np.ndarray, b: np.ndarray, lags: range,
               robust: bool, touched: np.ndarray | None, p: int) -> Direction:
    """``a`` leading ``b``: the scan on the pair pre-whitened by an AR(``p``) filter,
    Granger on the series."""
    scan = lag_scan(ea, eb, lags, robust, None if touched is None else touched[p:])
    return Direction(scan.lags, scan.correlations, scan.best_lag, scan.estimate, scan.p_value,
                     scan.interval(), granger(a, b, lags, touched, scan.best_lag), scan.pairs)


def _differencing(x: np.ndarray, series: str) -> int:
    try:
        return make_stationary(x).order
    except StatsError as e:
        raise e.on(series) from e.cause
    except ArithmeticError as e:  # an overflow on the series' own values
        raise StatsError("the stationarity test", e, series) from e


def judge(tests: list[PairTest], alpha: float = ALPHA) -> list[Judged]:
    """Verdicts for a run's links, Benjamini–Hochberg adjusted across the run's links, in
    each direction separately (statsmodels' ``multipletests``, ``fdr_bh``): the driver
    leading and the target leading are different claims, and each verdict also needs the
    Granger test to agree."""
    from statsmodels.stats.multitest import multipletests  # type: ignore[import-untyped]

    adjusted: dict[tuple[int, int], float] = {}
    for k in (0, 1):
        family = [(i, d) for i, t in enumerate(tests)
                  if (d := (t.forward, t.reverse)[k]) is not None]
        if family:
            q = multipletests([d.p_raw for _, d in family], method="fdr_bh")[1]
            adjusted.update({(i, k): float(v) for (i, _), v in zip(family, q, strict=True)})
    out = []
    for i, t in enumerate(tests):
        p, rp = adjusted.get((i, 0)), adjusted.get((i, 1))
        verdict, reason = _verdict(t, p, rp, alpha)
        out.append(Judged(t, p, verdict, rp, reason))
    return out


def _verdict(t: PairTest, p: float | None, rp: float | None,
             alpha: float) -> tuple[str, str | None]:
    """The verdict and, when the tests disagree, why it is ``weak``."""
    if t.needed is not None:
        return "insufficient-data", None
    f, r = t.forward, t.reverse
    if f is None or p is None:
        return "weak", None
    if t.same_period and t.same_period[1] < alpha and abs(t.same_period[0]) > max(
            abs(f.estimate), abs(r.estimate) if r else 0.0) and min(p, rp or 1.0) < alpha:
        return "weak", (f"the strongest correlation is in the same period (r = "
                        f"{t.same_period[0]:+.2f} at lag 0): a common cause in that period, or "
                        "a lag shorter than the grain; the lagged correlations are no evidence "
                        "of a lead")
    ahead = p < alpha and f.agrees(alpha)
    behind = r is not None and rp is not None and rp < alpha and r.agrees(alpha)
    if ahead and behind and rp is not None and rp < p:
        return "reversed", "both directions are significant; the target leading is stronger"
    if ahead:
        return ("supported" if (f.estimate > 0) == (t.sign > 0) else "contradicted"), (
            "both directions are significant (feedback, or a common cause)" if behind else None)
    if behind:
        return "reversed", None
    if p < alpha:
        return "weak", f"the lag scan finds r = {f.estimate:+.2f} at lag {f.best_lag}, " \
                       f"but the Granger test does not agree ({_granger_text(f.granger)})"
    if r is not None and rp is not None and rp < alpha:
        return "weak", f"the target leads in the lag scan (r = {r.estimate:+.2f} at lag " \
                       f"-{r.best_lag}), but the Granger test does not agree " \
                       f"({_granger_text(r.granger)})"
    return "weak", None


def _granger_text(g: Granger | None) -> str:
    if g is None:
        return "too few periods for it"
    return f"p = {g.p_value:.3g}, effect {'+' if g.effect > 0 else '-'}"
