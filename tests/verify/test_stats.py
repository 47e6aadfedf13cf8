"""The statistics on synthetic series with known answers, over many seeds.

The CI versions run at least 200 seeds where the brief asks for it and stay fast (a pair
test takes a few milliseconds); the ``slow`` versions sweep 1,000 seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metriclang.verify.evidence import (
    MIN_PAIRS,
    VERDICTS,
    Direction,
    PairTest,
    assess_pair,
    judge,
    needed_periods,
)
from metriclang.verify.stats import (
    Granger,
    ar_filter,
    ar_order,
    granger,
    lag_scan,
    make_stationary,
    window,
)
from tests.verify.synthetic import ar1, planted, trending


def verdict(x: np.ndarray, y: np.ndarray, lag: int, sign: int) -> tuple[str, int | None]:
    test = assess_pair(x, y, lag, sign)
    return judge([test])[0].verdict, test.best_lag


def recovery(seeds: range, n: int, lag: int, declared: int) -> None:
    for seed in seeds:
        rng = np.random.default_rng(seed)
        sign = 1 if seed % 2 else -1
        x, y = planted(rng, n, lag, sign * 1.0)
        test = assess_pair(x, y, declared, sign)
        assert test.best_lag is not None and abs(test.best_lag - lag) <= 1, seed
        assert np.sign(test.estimate) == sign, seed
        assert judge([test])[0].verdict == "supported", seed


def false_positive_rate(seeds: range, n: int, lag: int) -> float:
    hits = 0
    for seed in seeds:
        rng = np.random.default_rng(10_000 + seed)
        x, y = ar1(rng, n, 0.5), ar1(rng, n, 0.5)
        hits += verdict(x, y, lag, +1)[0] == "supported"
    return hits / len(seeds)


# ---------------------------------------------------------------- recovery of a planted link


def test_known_lag_and_sign_recovered_weekly() -> None:
    """Two years of weekly data, lag 4 declared and planted, both signs: 100 seeds."""
    recovery(range(100), n=104, lag=4, declared=4)


def test_known_lag_recovered_when_declared_lag_is_off_by_two() -> None:
    """The best lag finds the planted one (6) inside the window around the declared (4)."""
    recovery(range(40), n=104, lag=6, declared=4)


def test_known_lag_recovered_daily_30() -> None:
    """Two years of daily data with a 30-day lag."""
    recovery(range(30), n=730, lag=30, declared=30)


@pytest.mark.slow
def test_known_lag_recovered_many_seeds() -> None:
    recovery(range(1000), n=104, lag=4, declared=4)
    recovery(range(200), n=730, lag=30, declared=30)


# ---------------------------------------------------------------- false positives


def test_independent_noise_rarely_supported() -> None:
    """Independent AR(1) series are called supported in at most 5% of 200 seeds."""
    rate = false_positive_rate(range(200), n=104, lag=4)
    assert rate <= 0.05


@pytest.mark.slow
def test_independent_noise_rarely_supported_many_seeds() -> None:
    assert false_positive_rate(range(1000), n=104, lag=4) <= 0.05
    assert false_positive_rate(range(300), n=730, lag=30) <= 0.05


def test_trending_unrelated_series_not_supported() -> None:
    """Both series grow; differencing removes the shared trend: no seed is supported
    beyond the noise rate, and without differencing they would look strongly related."""
    supported = 0
    for seed in range(200):
        x, y = trending(np.random.default_rng(20_000 + seed), 104)
        supported += verdict(x, y, 4, +1)[0] == "supported"
    assert supported / 200 <= 0.05
    x, y = trending(np.random.default_rng(1), 104)
    assert np.corrcoef(x[:-4], y[4:])[0, 1] > 0.9  # the trap the stationarity step avoids


def test_trend_is_differenced_away() -> None:
    x, y = trending(np.random.default_rng(3), 104)
    assert assess_pair(x, y, 4, +1).differenced == 1
    noise = np.random.default_rng(4).normal(size=104)
    assert make_stationary(noise).order == 0


# ---------------------------------------------------------------- verdicts


def test_opposite_sign_is_contradicted() -> None:
    x, y = planted(np.random.default_rng(5), 104, 2, -1.0)
    assert verdict(x, y, 2, +1) == ("contradicted", 2)


def test_too_short_history_is_insufficient_data() -> None:
    x, y = planted(np.random.default_rng(6), 15, 1, 1.0)
    test = assess_pair(x, y, 1, +1)
    assert judge([test])[0].verdict == "insufficient-data"
    assert test.needed == needed_periods(1) == 1 + MIN_PAIRS + 2
    assert test.note == f"15 periods, needs at least {test.needed}"


def test_long_lag_needs_more_history() -> None:
    x, y = planted(np.random.default_rng(6), 60, 30, 1.0)
    test = assess_pair(x, y, 30, +1)
    assert (test.needed, test.best_lag) == (45 + MIN_PAIRS + 2, None)


def test_constant_series_is_weak() -> None:
    x = np.ones(60)
    y = np.random.default_rng(0).normal(size=60)
    test = assess_pair(x, y, 1, +1)
    assert judge([test])[0].verdict == "weak"
    assert test.note == "one series does not move"


# ---------------------------------------------------------------- failures are notes

#: Sparse count series on which KPSS with its data-driven bandwidth raised OverflowError
#: (a long-run variance of exactly 0); with the fixed lag rule they are tested.
SPARSE = {
    "one early event": np.array([0, 0, 1] + [0] * 57, dtype=float),
    "switched on": np.array([0] * 3 + [1] * 57, dtype=float),
}


@pytest.mark.parametrize("name", SPARSE)
def test_a_sparse_count_series_is_tested(name: str) -> None:
    x = SPARSE[name]
    noise = np.random.default_rng(12).normal(size=len(x))
    for test in (assess_pair(x, noise, 1, +1), assess_pair(noise, x, 1, +1)):
        assert test.note is None and test.p_raw is not None
        assert judge([test])[0].verdict in VERDICTS


def test_a_single_late_event_is_tested() -> None:
    """One event in the middle: stationary as it is (no differencing)."""
    x = np.array([0] * 60 + [1] + [0] * 40, dtype=float)
    test = assess_pair(x, np.random.default_rng(12).normal(size=101), 1, +1)
    assert (test.note, test.differenced) == (None, 0) and test.p_raw is not None


def test_a_value_that_is_not_finite_is_a_note() -> None:
    x = np.random.default_rng(13).normal(size=60)
    x[10] = np.inf
    with np.errstate(invalid="ignore"):
        found = assess_pair(x, x, 1, +1)
        named = assess_pair(x, x, 1, +1, ("`a`", "`b`"))
    assert found.note == ("not tested: ADF test failed on the driver "
                          "(MissingDataError: exog contains inf or nans)")
    assert named.note is not None and named.note.startswith("not tested: ADF test failed on `a`")
    assert (found.p_raw, found.best_lag, found.needed) == (None, None, None)
    assert judge([found])[0].verdict == "weak"


# ---------------------------------------------------------------- pieces


def test_window() -> None:
    assert list(window(0)) == [1, 2]  # lag 0 is never scanned
    assert list(window(1)) == [1]
    assert list(window(2)) == [1, 2, 3]
    assert list(window(7)) == [4, 5, 6, 7, 8, 9, 10]


def test_lag_scan_hand_computed() -> None:
    """y is x delayed by one period, exactly: r = 1 at lag 1."""
    x = np.array([1.0, -1.0, 2.0, 0.0, -2.0, 1.0, 0.5, -0.5, 1.5, -1.5])
    y = np.concatenate([[0.0], x[:-1]])
    scan = lag_scan(x, y, range(0, 3))
    assert scan.best_lag == 1
    assert scan.estimate == pytest.approx(1.0)
    # lag 0: Pearson correlation of x[0:10] and y[0:10], computed independently
    assert scan.correlations[0] == pytest.approx(np.corrcoef(x, y)[0, 1])
    assert scan.pairs == 9


def test_ar_order_and_filter_whiten_an_ar2() -> None:
    rng = np.random.default_rng(2)
    e = rng.normal(size=3000)
    x = np.zeros(3000)
    for t in range(2, 3000):
        x[t] = 0.5 * x[t - 1] - 0.3 * x[t - 2] + e[t]
    p, phi = ar_order(x, 8)
    assert p >= 2
    assert phi[:2] == pytest.approx([0.5, -0.3], abs=0.05)
    white = ar_filter(x, phi)
    assert abs(np.corrcoef(white[1:], white[:-1])[0, 1]) < 0.05


def test_granger() -> None:
    x, y = planted(np.random.default_rng(8), 200, 3, 0.8)
    found = granger(x, y, window(3))
    assert found is not None and found.p_value < 1e-6 and found.effect > 0
    opposite = granger(x, -y, window(3))
    assert opposite is not None and opposite.effect == pytest.approx(-found.effect)
    rng = np.random.default_rng(9)
    null = granger(ar1(rng, 200, 0.5), ar1(rng, 200, 0.5), window(3))
    assert null is not None and null.p_value > 0.01
    assert granger(x[:8], y[:8], window(3)) is None


def link_with(p: float, r: float = 0.3, granger_p: float = 0.01,
           reverse: float | None = None) -> PairTest:
    """A link tested with scan p-value ``p`` (and a reverse one), Granger agreeing."""
    def way(q: float, est: float) -> Direction:
        return Direction((1,), (est,), 1, est, q, (est - 0.2, est + 0.2),
                         Granger(granger_p, est))

    return PairTest(1, 1, 30, way(p, r), None if reverse is None else way(reverse, r))


def test_benjamini_hochberg_hand_computed() -> None:
    # sorted p: .001 .008 .039 .041 .6 ; times m/rank: .005 .02 .065 .05125 .6
    # step-up minimum from the right: .005 .02 .05125 .05125 .6
    tests = [link_with(p) for p in (0.041, 0.001, 0.6, 0.008, 0.039)]
    untested = PairTest(1, 1, 30, note="one series does not move")
    q = [j.p_value for j in judge([*tests, untested])]
    assert q == pytest.approx([0.05125, 0.005, 0.6, 0.02, 0.05125, None])
    assert judge([untested])[0].verdict == "weak"
    assert judge([]) == []


def test_each_direction_is_corrected_on_its_own() -> None:
    """Reverse p-values: .01 and .02 over two links: adjusted .02 and .02."""
    judged = judge([link_with(0.5, reverse=0.01), link_with(0.6, reverse=0.02)])
    assert [j.reverse_p for j in judged] == pytest.approx([0.02, 0.02])
    assert [j.p_value for j in judged] == pytest.approx([0.6, 0.6])
    assert [j.verdict for j in judged] == ["reversed", "reversed"]


@pytest.mark.parametrize(("test", "verdict", "reason"), [
    (link_with(0.001), "supported", None),
    (link_with(0.001, r=-0.3), "contradicted", None),
    (link_with(0.001, granger_p=0.2), "weak", "the lag scan finds r = +0.30 at lag 1, but the "
                                          "Granger test does not agree (p = 0.2, effect +)"),
    (link_with(0.3, reverse=0.001), "reversed", None),
    (link_with(0.002, reverse=0.001), "reversed",
     "both directions are significant; the target leading is stronger"),
    (link_with(0.001, reverse=0.002), "supported",
     "both directions are significant (feedback, or a common cause)"),
    (link_with(0.3, granger_p=0.2, reverse=0.001), "weak",
     "the target leads in the lag scan (r = +0.30 at lag -1), but the Granger test does not "
     "agree (p = 0.2, effect +)"),
])
def test_verdict_needs_the_scan_and_granger_to_agree(test: PairTest, verdict: str,
                                                      reason: str | None) -> None:
    judged = judge([test])[0]
    assert (judged.verdict, judged.reason is None if reason is None else judged.reason) == (
        verdict, True if reason is None else reason)


def test_granger_with_the_opposite_sign_does_not_agree() -> None:
    t = link_with(0.001)
    assert t.forward is not None and t.forward.agrees(0.05)
    flipped = Direction((1,), (0.3,), 1, 0.3, 0.001, (0.1, 0.5), Granger(0.001, -0.2))
    assert not flipped.agrees(0.05)
    assert judge([PairTest(1, 1, 30, flipped)])[0].verdict == "weak"


def test_correction_across_links_controls_false_discoveries() -> None:
    """50 null links and 5 planted ones in one run: the planted are found, few nulls."""
    rng = np.random.default_rng(11)
    tests = [assess_pair(*planted(rng, 104, 4, 1.0), 4, +1) for _ in range(5)]
    tests += [assess_pair(ar1(rng, 104, 0.5), ar1(rng, 104, 0.5), 4, +1) for _ in range(50)]
    verdicts = [j.verdict for j in judge(tests)]
    assert verdicts[:5] == ["supported"] * 5
    assert sum(v != "weak" for v in verdicts[5:]) <= 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), max_size=90),
       st.integers(0, 12), st.sampled_from([1, -1]))
def test_any_series_gives_a_verdict(rows: list[tuple[float, float]], lag: int,
                                    sign: int) -> None:
    """Arbitrary values (constant, spiky, short, empty) never raise; the verdict is valid."""
    x = np.array([a for a, _ in rows])
    y = np.array([b for _, b in rows])
    test = assess_pair(x, y, lag, sign)
    judged = judge([test])[0]
    assert judged.verdict in VERDICTS
    if judged.verdict == "insufficient-data":
        assert test.needed is not None and test.needed > len(rows)
