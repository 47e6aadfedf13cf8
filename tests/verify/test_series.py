"""Series on a common grain and their alignment, with hand-computed values."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from metriclang.verify.series import (
    Pair,
    Series,
    align,
    regrain,
    without_weekday_pattern,
)


def test_series_drops_nulls_and_merges_a_period() -> None:
    s = Series.of("m", "week", [(date(2026, 1, 7), 4.0), (date(2026, 1, 5), 2.0),
                                (date(2026, 1, 12), None), (date(2026, 1, 19), float("nan")),
                                (date(2025, 12, 29), 1.0)])
    assert s.periods == (date(2025, 12, 29), date(2026, 1, 5))
    assert s.values == (1.0, 3.0)


def test_regrain_weeks_to_months_is_the_mean() -> None:
    weeks = Series("m", "week", (date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 26),
                                 date(2026, 2, 2), date(2026, 2, 9)),
                   (1.0, 2.0, 6.0, 10.0, 20.0))
    months = regrain(weeks, "month")
    assert months.periods == (date(2026, 1, 1), date(2026, 2, 1))
    assert months.values == (3.0, 15.0)
    with pytest.raises(ValueError, match="cannot refine"):
        regrain(months, "week")


def test_align_uses_the_longest_common_run() -> None:
    days = [date(2026, 3, d) for d in range(1, 11)]
    a = Series("a", "day", tuple(days), tuple(float(i) for i in range(10)))
    # b misses 3 March: runs are 1-2 and 4-10 (7 days)
    kept = [d for d in days if d.day != 3]
    b = Series("b", "day", tuple(kept), tuple(float(d.day * 10) for d in kept))
    pair = align(a, b)
    assert pair.grain == "day"
    assert pair.periods == tuple(days[3:])
    assert pair.driver.tolist() == [3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    assert pair.target.tolist() == [40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0]


def test_align_puts_a_weekly_driver_on_a_monthly_target() -> None:
    weekly = Series("a", "week", (date(2026, 1, 5), date(2026, 1, 12), date(2026, 2, 2)),
                    (1.0, 3.0, 5.0))
    monthly = Series("b", "month", (date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)),
                     (0.1, 0.2, 0.3))
    pair = align(weekly, monthly)
    assert pair.grain == "month"
    assert pair.periods == (date(2026, 1, 1), date(2026, 2, 1))
    assert pair.driver.tolist() == [2.0, 5.0]
    assert pair.target.tolist() == [0.1, 0.2]


def test_weekday_pattern_removed_from_daily_pairs() -> None:
    days = tuple(date(2026, 3, 2) + timedelta(days=i) for i in range(28))  # from a Monday
    pattern = np.array([5.0, 1.0, 0.0, 0.0, 2.0, -3.0, -5.0])
    trend = np.arange(28) / 7.0
    pair = Pair("day", days, 10 + np.tile(pattern, 4), 20 + np.tile(pattern, 4) + trend)
    flat = without_weekday_pattern(pair)
    assert flat.driver.tolist() == pytest.approx([10.0] * 28)
    # what is left of the target is its trend minus each weekday's mean of the trend
    expected = 20 + trend - np.tile(np.arange(7) / 7.0 + 1.5, 4) + trend.mean()
    assert flat.target.tolist() == pytest.approx(expected.tolist())
    weekly = Pair("week", days[:3], np.ones(3), np.ones(3))
    assert without_weekday_pattern(weekly) is weekly
