"""Pinned numbers of the verify statistics on fixed series (regression guard).

The values were recorded from the hand-written implementation (AR order by AIC, Granger F
test and Benjamini–Hochberg written with numpy) before it was replaced by statsmodels; the
library must give the same numbers where the math is the same, and it does: AR orders are
compared on a common sample in both (``ar_select_order`` with ``hold_back`` = the largest
order, demeaned series, no trend term), so no pin changed (largest difference 4e-10
relative, from OLS by pseudo-inverse instead of the normal equations). Pins keep 10
significant digits and are compared at 1e-6 relative.
"""

from __future__ import annotations

import numpy as np
import pytest

from metriclang.verify.evidence import PairTest, assess_pair, judge
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
#: Granger p, then the Benjamini–Hochberg p across the five cases and the verdict.
PINNED: dict[str, dict[str, object]] = {
    "ar1-lag3": {"orders": (0, 0), "ar_order": 8, "whitened": (69.98260586, 141.0009374),
                 "scan": (3, 0.5326732417, 1.245825189e-08, 109), "granger": 1.230365481e-09,
                 "judged": (6.229125947e-08, "supported")},
    "random-walk": {"orders": (1, 1), "ar_order": 0, "whitened": (90.46326823, 92.29471452),
                    "scan": (3, -0.08868024829, 0.8617514897, 96), "granger": 0.6194703574,
                    "judged": (0.8617514897, "weak")},
    "white-noise": {"orders": (0, 0), "ar_order": 0, "whitened": (113.7035626, 96.09114092),
                    "scan": (1, 0.1932222502, 0.1569941772, 99), "granger": 0.1513002027,
                    "judged": (0.1974643606, "weak")},
    "short-24": {"orders": (1, 1), "ar_order": 2, "whitened": (14.04675217, 20.48752018),
                 "scan": (2, -0.445874444, 0.1579714885, 19), "granger": 0.2470476234,
                 "judged": (0.1974643606, "weak")},
    "constant-segment": {"orders": (1, 0), "ar_order": 5,
                         "whitened": (46.78731128, 151.3729489),
                         "scan": (2, 0.2985485527, 0.02551956433, 82),
                         "granger": 0.002205208801, "judged": (0.06379891082, "weak")},
}


def close(value: float | None, pinned: float) -> bool:
    return value is not None and abs(value - pinned) <= 1e-6 * abs(pinned)


@pytest.mark.parametrize("name", PINNED)
def test_pair_statistics_pinned(name: str) -> None:
    x, y, lag, sign = cases()[name]
    pin = PINNED[name]
    orders = (make_stationary(x).order, make_stationary(y).order)
    assert orders == pin["orders"]
    dx, dy = np.diff(x, max(orders)), np.diff(y, max(orders))
    ex, ey, p = prewhiten(dx, dy)
    assert p == pin["ar_order"]
    ss_x, ss_y = pin["whitened"]  # type: ignore[misc]
    assert close(float(ex @ ex), ss_x) and close(float(ey @ ey), ss_y)
    lags = window(lag)
    scan = lag_scan(ex, ey, lags)
    best, r, p_window, pairs = pin["scan"]  # type: ignore[misc]
    assert (scan.best_lag, scan.pairs) == (best, pairs)
    assert close(scan.estimate, r) and close(scan.p_value, p_window)
    assert close(granger(dx, dy, range(max(1, lags.start), lags.stop)),
                 pin["granger"])  # type: ignore[arg-type]
    test = assess_pair(x, y, lag, sign)
    assert (test.differenced, test.ar_order, test.best_lag) == (max(orders), p, best)
    assert close(test.p_raw, p_window) and test.note is None


def test_verdicts_across_cases_pinned() -> None:
    tests = [assess_pair(x, y, lag, sign) for x, y, lag, sign in cases().values()]
    judged = judge(tests)
    for name, j in zip(PINNED, judged, strict=True):
        q, verdict = PINNED[name]["judged"]  # type: ignore[misc]
        assert close(j.p_value, q) and j.verdict == verdict, name


def test_benjamini_hochberg_pinned() -> None:
    """Ties, an unsorted input and a value adjusted above 1 (capped)."""
    tests = [PairTest(1, 1, 30, 1, 0.5, p) for p in (0.02, 0.9, 0.02, 0.001, 0.6, 0.04)]
    q = [j.p_value for j in judge(tests)]
    assert q == pytest.approx([0.04, 0.9, 0.04, 0.006, 0.72, 0.06], rel=1e-12)


def test_granger_needs_five_residual_degrees_of_freedom() -> None:
    x, y, _, _ = cases()["short-24"]
    assert granger(x[:11], y[:11], range(1, 4)) is None  # 8 rows, 4 columns: 4 left
    assert close(granger(x[:12], y[:12], range(1, 4)), 0.5696001403)
