"""Calendar arithmetic (metriclang.periods), with hand-computed dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from metriclang.periods import (
    GRAINS,
    Step,
    add,
    add_months,
    after,
    coarser,
    lag_parts,
    lag_periods,
    period_number,
    step,
    truncate,
    window_periods,
)


@pytest.mark.parametrize(("grain", "start"), [
    ("day", date(2026, 2, 18)), ("week", date(2026, 2, 16)), ("month", date(2026, 2, 1)),
    ("quarter", date(2026, 1, 1)), ("year", date(2026, 1, 1)),
])
def test_truncate(grain: str, start: date) -> None:
    assert truncate(date(2026, 2, 18), grain) == start  # a Wednesday


def test_truncate_rejects_an_unknown_grain() -> None:
    with pytest.raises(ValueError, match="fortnight"):
        truncate(date(2026, 2, 18), "fortnight")


def test_period_numbers_are_consecutive_across_years() -> None:
    pairs = [(date(2026, 12, 28), date(2027, 1, 4), "week"),
             (date(2026, 12, 1), date(2027, 1, 1), "month"),
             (date(2026, 10, 1), date(2027, 1, 1), "quarter"),
             (date(2026, 1, 1), date(2027, 1, 1), "year"),
             (date(2026, 12, 31), date(2027, 1, 1), "day")]
    for a, b, grain in pairs:
        assert period_number(b, grain) - period_number(a, grain) == 1, grain


def test_the_next_period_starts_where_adding_one_period_lands() -> None:
    day = date(2024, 1, 1)
    while day < date(2025, 3, 1):
        for grain in GRAINS:
            start = truncate(day, grain)
            assert period_number(add(start, 1, grain), grain) == period_number(start, grain) + 1
        day += timedelta(days=1)


def test_adding_units_clamps_month_ends_as_sql_does() -> None:
    assert add(date(2024, 3, 31), -1, "month") == date(2024, 2, 29)
    assert add(date(2024, 11, 30), 1, "quarter") == date(2025, 2, 28)
    assert add(date(2024, 2, 29), 1, "year") == date(2025, 2, 28)
    assert add(date(2024, 2, 26), 1, "week") == date(2024, 3, 4)
    assert add(date(2024, 1, 1), -3, "day") == date(2023, 12, 29)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_steps_lags_and_windows() -> None:
    assert [step(g) for g in GRAINS] == [Step("DAY", 1), Step("DAY", 7), Step("MONTH", 1),
                                         Step("MONTH", 3), Step("MONTH", 12)]
    assert lag_parts(2, "quarter") == (6, 0) and lag_parts(2, "week") == (0, 14)
    assert after(date(2026, 1, 31), (1, 3)) == date(2026, 3, 3)
    assert window_periods("week", 14, "day") == 2 and window_periods("week", 10, "day") is None
    assert window_periods("quarter", 1, "year") == 4 and window_periods("year", 1, "month") is None
    assert window_periods("month", 4, "week") is None


def test_grain_and_lag_conversion() -> None:
    assert coarser("week", "month") == coarser("month", "week") == "month"
    assert [lag_periods(d, "week") for d in (0, 3, 4, 14, 30, 42)] == [0, 0, 1, 2, 4, 6]
    assert lag_periods(28, "month") == 1 and lag_periods(91, "quarter") == 1


def test_arithmetic_beyond_the_calendar_lands_on_its_first_or_last_day() -> None:
    assert add(date(9999, 12, 1), 1, "month") == date.max
    assert add(date(9999, 12, 27), 1, "week") == date.max
    assert add(date(1, 1, 1), -10**9, "day") == date.min
    assert add(date(1, 2, 1), -1, "year") == date.min
    assert after(date(2026, 1, 1), (10**9, 0)) == date.max
