"""Preparing a pair: zeros that mean "no rows", gaps, weekday and annual seasons,
checked against hand-computed values."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from metriclang.verify.adjust import MAX_FILL, prepare
from metriclang.verify.series import Pair
from tests.verify.synthetic import ar1


def weeks(n: int) -> tuple[date, ...]:
    return tuple(date(2025, 1, 6) + timedelta(weeks=i) for i in range(n))


def test_zeros_in_a_positive_sum_are_gaps_and_short_gaps_are_interpolated() -> None:
    x = np.array([10.0, 11.0, 0.0, 13.0, 12.0, 11.0, 10.0, 12.0])
    y = np.array([20.0, 21.0, 22.0, np.nan, np.nan, 25.0, 26.0, 24.0])
    p = prepare(Pair("week", weeks(8), x, y))
    assert p.driver.tolist() == pytest.approx([10, 11, 12, 13, 12, 11, 10, 12])
    assert p.target.tolist() == pytest.approx([20, 21, 22, 23, 24, 25, 26, 24])
    assert (p.available, p.filled, len(p.periods)) == (5, 3, 8)
    assert p.gaps == ((weeks(8)[2], weeks(8)[4]),)
    assert p.steps[0] == "1 zero period(s) of the driver treated as missing (a sum over no rows)"
    assert p.steps[1] == f"3 missing period(s) interpolated (gaps of at most {MAX_FILL})"


def test_zeros_of_a_small_count_stay_values() -> None:
    x = np.array([0.0, 2.0, 1.0, 3.0, 0.0, 2.0, 4.0, 1.0])
    p = prepare(Pair("week", weeks(8), x, np.arange(8.0)))
    assert p.driver.tolist() == x.tolist() and p.steps == () and p.filled == 0


def test_a_long_gap_splits_and_the_longest_stretch_is_used() -> None:
    x = np.arange(12.0) + 5
    y = np.array([1.0, 2.0] + [np.nan] * (MAX_FILL + 1) + [3.0, 4, 5, 6, 7, 8])
    p = prepare(Pair("week", weeks(12), x, y))
    assert p.periods == weeks(12)[6:] and p.target.tolist() == [3.0, 4, 5, 6, 7, 8]
    assert (p.available, p.filled) == (8, 0)


def test_a_multiplicative_weekday_pattern_is_removed_in_logs() -> None:
    days = tuple(date(2026, 3, 2) + timedelta(days=i) for i in range(28))  # from a Monday
    pattern = np.tile([1.5, 1.2, 1.0, 1.0, 1.1, 0.6, 0.5], 4)
    level = 100 * 1.01 ** np.arange(28)
    p = prepare(Pair("day", days, level * pattern, level - 200))
    # in logs the pattern adds log(pattern), which each weekday's mean takes out whole:
    # left is log(level) minus its own weekday mean, plus the overall mean of the logs
    logs = np.log(level)
    weekday = np.tile([logs[i::7].mean() for i in range(7)], 4)
    expected = logs - weekday + np.log(level * pattern).mean()
    assert p.driver.tolist() == pytest.approx(expected.tolist())
    assert p.steps == ("weekday pattern removed from the driver (in logs)",
                       "weekday pattern removed from the target")  # not positive: no logs


def test_a_significant_annual_season_is_removed_and_noise_is_left_alone() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(156)
    season = 3 * np.sin(2 * np.pi * t / 52.18)
    p = prepare(Pair("week", weeks(156), 50 + season + ar1(rng, 156, 0.3),
                     80 + ar1(rng, 156, 0.3)))
    assert p.steps == ("annual season removed from the driver",)
    left = p.driver - p.driver.mean()
    assert abs(np.corrcoef(left, season)[0, 1]) < 0.1
    assert prepare(Pair("week", weeks(100), 50 + season[:100], season[:100])).steps == ()
