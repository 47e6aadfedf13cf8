"""Periods, common grain and alignment, with hand-computed values."""

from __future__ import annotations

from datetime import date

import pytest

from metriclang.verify.series import (
    Series,
    align,
    coarser,
    lag_periods,
    next_period,
    period_start,
    regrain,
)


@pytest.mark.parametrize(("grain", "start"), [
    ("day", date(2026, 2, 18)), ("week", date(2026, 2, 16)), ("month", date(2026, 2, 1)),
    ("quarter", date(2026, 1, 1)), ("year", date(2026, 1, 1)),
])
def test_period_start(grain: str, start: date) -> None:
    assert period_start(date(2026, 2, 18), grain) == start  # a Wednesday


def test_next_period_crosses_years() -> None:
    assert next_period(date(2026, 12, 28), "week") == date(2027, 1, 4)
    assert next_period(date(2026, 12, 1), "month") == date(2027, 1, 1)
    assert next_period(date(2026, 10, 1), "quarter") == date(2027, 1, 1)
    assert next_period(date(2026, 1, 1), "year") == date(2027, 1, 1)


def test_grain_and_lag_conversion() -> None:
    assert coarser("week", "month") == coarser("month", "week") == "month"
    assert [lag_periods(d, "week") for d in (0, 3, 4, 14, 30, 42)] == [0, 0, 1, 2, 4, 6]
    assert lag_periods(28, "month") == 1 and lag_periods(91, "quarter") == 1


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
