"""Evidence for declared links: test each pair, correct across links, give verdicts.

:func:`assess_pair` runs the statistics of :mod:`metriclang.verify.stats` on one aligned pair;
:func:`judge` applies Benjamini–Hochberg across every tested link of a run and turns the
adjusted p-values into verdicts:

* ``supported``: significant after correction, with the declared sign;
* ``contradicted``: significant, with the opposite sign;
* ``weak``: not significant (no evidence either way at this sample size);
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

from metriclang.verify.stats import (
    StatsError,
    granger,
    lag_scan,
    make_stationary,
    prewhiten,
    window,
)

if TYPE_CHECKING:
    import numpy as np

#: Default false-discovery rate across the links of one run.
ALPHA = 0.05
#: Fewest (driver, target) pairs left at the largest scanned lag for a test to run.
MIN_PAIRS = 16
VERDICTS = ("supported", "contradicted", "weak", "insufficient-data")
CAVEAT = ("This is evidence in time order (the driver moves first, the target follows), "
          "not proof of causation: a common cause with a delay looks the same.")


@dataclass(frozen=True)
class PairTest:
    """The raw statistics of one link, before correcting across links."""

    declared_lag: int
    sign: int
    periods: int
    best_lag: int | None = None
    estimate: float | None = None
    p_raw: float | None = None
    granger_p: float | None = None
    differenced: int = 0
    ar_order: int = 0
    needed: int | None = None
    note: str | None = None
    #: The cross-correlation scan: ``(lag, r)`` per lag of the window, and the pairs of the
    #: best lag (the significance band is ±1.96/√pairs).
    scan: tuple[tuple[int, float], ...] = ()
    scan_pairs: int = 0


@dataclass(frozen=True)
class Judged:
    """A tested link with its adjusted p-value and verdict."""

    test: PairTest
    p_value: float | None
    verdict: str


def needed_periods(declared_lag: int) -> int:
    """Periods of history a link with this lag needs (one differencing, one AR lag allowed).

    >>> needed_periods(1), needed_periods(4), needed_periods(30)
    (21, 24, 63)
    """
    return window(declared_lag).stop - 1 + MIN_PAIRS + 2


def assess_pair(driver: np.ndarray, target: np.ndarray, declared_lag: int, sign: int,
                orders: tuple[int, int] | None = None) -> PairTest:
    """Test ``driver`` leading ``target`` by ``declared_lag`` periods with sign ``sign``.

    ``orders`` are the series' differencing orders when already known (a measure in many
    links is tested for stationarity once); else they are found here.

    >>> import numpy as np
    >>> rng = np.random.default_rng(7)
    >>> x = rng.normal(size=200)
    >>> y = np.concatenate([np.zeros(3), 0.8 * x[:-3]]) + rng.normal(size=200)
    >>> t = assess_pair(x, y, 3, +1)
    >>> t.best_lag, t.estimate > 0, t.p_raw < 0.001
    (3, True, True)
    """
    n = len(driver)
    need = needed_periods(declared_lag)
    if n < need:
        return PairTest(declared_lag, sign, n, needed=need,
                        note=f"{n} periods, needs at least {need}")
    try:
        return _assess(driver, target, declared_lag, sign, orders)
    except StatsError as e:
        return failed(declared_lag, sign, n, str(e))


def failed(declared_lag: int, sign: int, periods: int, reason: str) -> PairTest:
    """A link whose statistics failed on its series: not tested, the reason as its note."""
    return PairTest(declared_lag, sign, periods, note=f"not tested: {reason}")


def _assess(driver: np.ndarray, target: np.ndarray, declared_lag: int, sign: int,
            orders: tuple[int, int] | None) -> PairTest:
    import numpy as np

    n = len(driver)
    if orders is None:
        orders = (_differencing(driver, "the driver"), _differencing(target, "the target"))
    differenced = max(orders)
    x, y = np.diff(driver, differenced), np.diff(target, differenced)
    if x.std() == 0 or y.std() == 0:
        return PairTest(declared_lag, sign, n, differenced=differenced,
                        note="one series does not move")
    ex, ey, p = prewhiten(x, y)
    lags = window(declared_lag)
    pairs = len(ex) - (lags.stop - 1)
    if pairs < MIN_PAIRS:
        more = n + MIN_PAIRS - pairs
        return PairTest(declared_lag, sign, n, differenced=differenced, ar_order=p,
                        needed=more, note=f"{n} periods, needs at least {more}")
    scan = lag_scan(ex, ey, lags)
    return PairTest(declared_lag, sign, n, scan.best_lag, scan.estimate, scan.p_value,
                    granger(x, y, range(max(1, lags.start), lags.stop)), differenced, p,
                    scan=tuple(zip(scan.lags, scan.correlations, strict=True)),
                    scan_pairs=scan.pairs)


def _differencing(x: np.ndarray, series: str) -> int:
    try:
        return make_stationary(x).order
    except StatsError as e:
        raise e.on(series) from e.cause


def judge(tests: list[PairTest], alpha: float = ALPHA) -> list[Judged]:
    """Verdicts for a run's links, Benjamini–Hochberg adjusted across the tested ones
    (statsmodels' ``multipletests``, method ``fdr_bh``)."""
    from statsmodels.stats.multitest import multipletests  # type: ignore[import-untyped]

    tested = [i for i, t in enumerate(tests) if t.p_raw is not None]
    q = multipletests([tests[i].p_raw for i in tested], method="fdr_bh")[1] if tested else []
    adjusted = dict(zip(tested, (float(v) for v in q), strict=True))
    out = []
    for i, t in enumerate(tests):
        p = adjusted.get(i)
        out.append(Judged(t, p, _verdict(t, p, alpha)))
    return out


def _verdict(t: PairTest, p: float | None, alpha: float) -> str:
    if t.needed is not None:
        return "insufficient-data"
    if p is None or t.estimate is None or p >= alpha:
        return "weak"
    return "supported" if (t.estimate > 0) == (t.sign > 0) else "contradicted"

