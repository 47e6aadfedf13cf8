"""Values as the engines return them (PostgreSQL numerics, Spark timestamps) become series."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from metriclang.verify.series import Series
from metriclang.verify.warehouse import _as_date, _as_float


def test_engine_values_are_converted() -> None:
    assert _as_date(datetime(2026, 3, 2, 0, 0)) == date(2026, 3, 2)
    assert _as_date(date(2026, 3, 2)) == date(2026, 3, 2)
    assert _as_date("2026-03-02 00:00:00") == date(2026, 3, 2)
    assert _as_float(Decimal("0.125")) == 0.125
    assert _as_float(3) == 3.0 and _as_float(None) is None and _as_float("2.5") == 2.5


def test_rows_from_an_engine_make_a_series() -> None:
    rows = [(_as_date(datetime(2026, 3, 9)), _as_float(Decimal("2"))),
            (_as_date("2026-03-02"), _as_float(Decimal("1.5"))),
            (_as_date(datetime(2026, 3, 16)), _as_float(None))]
    s = Series.of("m", "week", rows)
    assert s.periods == (date(2026, 3, 2), date(2026, 3, 9)) and s.values == (1.5, 2.0)
