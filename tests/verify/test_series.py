"""Series on a common grain and their alignment, with hand-computed values."""

from __future__ import annotations

from datetime import date

import pytest

from metriclang.verify.series import Series, align, regrain


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


def test_align_keeps_a_gap_as_nan() -> None:
    days = [date(2026, 3, d) for d in range(1, 11)]
    a = Series("a", "day", tuple(days[:9]), tuple(float(i) for i in range(9)))
    # b misses 3 March; a misses 10 March: the span is 1-9 March, 3 March a gap in b
    kept = [d for d in days if d.day != 3]
    b = Series("b", "day", tuple(kept), tuple(float(d.day * 10) for d in kept))
    pair = align(a, b)
    assert pair.grain == "day"
    assert pair.periods == tuple(days[:9])
    assert pair.driver.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert pair.target[2] != pair.target[2]  # NaN
    assert pair.target[[0, 1, 3]].tolist() == [10.0, 20.0, 40.0]
    assert align(a, Series("c", "day", (date(2027, 1, 1),), (1.0,))).periods == ()


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
