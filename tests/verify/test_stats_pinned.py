"""Pinned numbers of the verify statistics on fixed series (regression guard).

The values were recorded from the hand-written implementation (AR order by AIC, Granger F
test and Benjamini–Hochberg written with numpy) before it was replaced by statsmodels; the
library must give the same numbers where the math is the same, and it does: AR orders are
compared on a common sample in both (``ar_select_order`` with ``hold_back`` = the largest
order, demeaned series, no trend term), so no pin changed (largest difference 4e-10
relative, from OLS by pseudo-inverse instead of the normal equations). Pins keep 10
significant digits and are compared at 1e-6 relative.

Re-pinned for the second version (issue 18), where the method changed on purpose: a series is
differenced only when ADF and KPSS agree (short-24 and constant-segment are no longer
differenced: the first version over-differenced them), the lag window is ``L ± floor(L/2)``
without lag 0 (fewer lags: smaller window p-values), Granger reports the sign of its lag
coefficients, and Benjamini–Hochberg runs per direction. Unchanged where the math is the same:
the AR orders, the pre-whitened sums of squares and the scan's best lag and r of ar1-lag3,
random-walk and white-noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from metriclang.verify.evidence import Direction, PairTest, assess_pair, judge
from metriclang.verify.stats import granger, lag_scan, make_stationary, prewhiten, window
from tests.verify.synthetic import ar1, planted

Case = tuple[np.ndarray, np.ndarray, int, int]


def cases() -> dict[str, Case]:
    """``name -> (driver, target, declared lag, sign)``; each case has its own seed."""
    walk = np.random.default_rng(2)
    noise = np.random.default_rng(3)
    flat = np.random.default_rng(5)
    driver = np.concatenate([np.full(30, 5.0), 5 + ar1(flat, 60, 0.5)])
    target = np.concatenate([np.zeros(2), 0.7 * driver[:-2]]) + ar1(flat, 90, 0.3)
    return {
        "ar1-lag3": (*planted(np.random.default_rng(1), 120, 3, 0.8), 3, +1),
        "random-walk": (walk.normal(size=100).cumsum(), walk.normal(size=100).cumsum(), 2, +1),
        "white-noise": (noise.normal(size=100), noise.normal(size=100), 1, -1),
        "short-24": (*planted(np.random.default_rng(4), 24, 1, 1.0), 1, +1),
        "constant-segment": (driver, target, 2, +1),
    }


#: Per case: differencing orders (driver, target), the driver's AR order, the sums of squares
#: of both pre-whitened series, the scan ``(best lag, r, p over the window, pairs)``, the
#: Granger ``(p, effect)``, then the Benjamini–Hochberg p across the five cases and the
#: verdict.
PINNED: dict[str, dict[str, object]] = {
    "ar1-lag3": {"orders": (0, 0), "ar_order": 8, "whitened": (69.98260586, 141.0009374),
                 "scan": (3, 0.5326732417, 7.474951156e-09, 109),
                 "granger": (8.682955379e-11, 0.6079563037),
                 "judged": (3.737475578e-08, "supported")},
    "random-walk": {"orders": (1, 1), "ar_order": 0, "whitened": (90.46326823, 92.29471452),
                    "scan": (3, -0.08868024829, 0.7732771223, 96),
                    "granger": (0.6243251435, 0.03123047636),
                    "judged": (0.7732771223, "weak")},
    "white-noise": {"orders": (0, 0), "ar_order": 0, "whitened": (113.7035626, 96.09114092),
                    "scan": (1, 0.1932222502, 0.05533710304, 99),
                    "granger": (0.05533710304, 0.1774775558),
                    "judged": (0.09222850507, "weak")},
    "short-24": {"orders": (0, 0), "ar_order": 0, "whitened": (17.31542499, 22.12436335),
                 "scan": (1, 0.1639261447, 0.4548228409, 23),
                 "granger": (0.4548228409, 0.1829318957),
                 "judged": (0.5685285512, "weak")},
    "constant-segment": {"orders": (0, 0), "ar_order": 1,
                         "whitened": (49.23407686, 142.6587527),
                         "scan": (2, 0.3997201069, 0.0003757193994, 87),
                         "granger": (0.0002081783604, 0.3630587308),
                         "judged": (0.0009392984985, "supported")},
}


def close(value: float | None, pinned: float) -> bool:
    return value is not None and abs(value - pinned) <= 1e-6 * abs(pinned)


@pytest.mark.parametrize("name", PINNED)
def test_pair_statistics_pinned(name: str) -> None:
    x, y, lag, sign = cases()[name]
    pin = PINNED[name]
    orders = (make_stationary(x).order, make_stationary(y).order)
    assert orders == pin["orders"]
    dx, dy = np.diff(x, orders[0]), np.diff(y, orders[1])  # equal orders in every case
    ex, ey, p = prewhiten(dx, dy)
    assert p == pin["ar_order"]
    ss_x, ss_y = pin["whitened"]  # type: ignore[misc]
    assert close(float(ex @ ex), ss_x) and close(float(ey @ ey), ss_y)
    lags = window(lag)
    scan = lag_scan(ex, ey, lags)
    best, r, p_window, pairs = pin["scan"]  # type: ignore[misc]
    assert (scan.best_lag, scan.pairs) == (best, pairs)
    assert close(scan.estimate, r) and close(scan.p_value, p_window)
    found = granger(dx, dy, lags)
    g_p, g_effect = pin["granger"]  # type: ignore[misc]
    assert found is not None and close(found.p_value, g_p) and close(found.effect, g_effect)
    test = assess_pair(x, y, lag, sign)
    assert (test.orders, test.ar_order, test.best_lag) == (orders, p, best)
    assert close(test.p_raw, p_window) and test.note is None


def test_verdicts_across_cases_pinned() -> None:
    tests = [assess_pair(x, y, lag, sign) for x, y, lag, sign in cases().values()]
    judged = judge(tests)
    for name, j in zip(PINNED, judged, strict=True):
        q, verdict = PINNED[name]["judged"]  # type: ignore[misc]
        assert close(j.p_value, q) and j.verdict == verdict, name


def test_benjamini_hochberg_pinned() -> None:
    """Ties, an unsorted input and a value adjusted above 1 (capped)."""
    def way(p: float) -> Direction:
        return Direction((1,), (0.5,), 1, 0.5, p, (0.2, 0.7), None)

    tests = [PairTest(1, 1, 30, way(p)) for p in (0.02, 0.9, 0.02, 0.001, 0.6, 0.04)]
    q = [j.p_value for j in judge(tests)]
    assert q == pytest.approx([0.04, 0.9, 0.04, 0.006, 0.72, 0.06], rel=1e-12)


def test_granger_needs_five_residual_degrees_of_freedom() -> None:
    x, y, _, _ = cases()["short-24"]
    assert granger(x[:11], y[:11], range(1, 4)) is None  # 8 rows, 4 columns: 4 left
    found = granger(x[:12], y[:12], range(1, 4))
    assert found is not None and close(found.p_value, 0.5696001403)
