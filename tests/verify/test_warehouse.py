"""Values as the engines return them (decimals, timestamps, dates) become series of dates and
floats, through the public :func:`fetch_series`, on DuckDB, PostgreSQL and Spark."""

from __future__ import annotations

from datetime import date

import pytest

from metriclang.load import load_project
from metriclang.verify.series import Series
from metriclang.verify.warehouse import fetch_series
from tests.conftest import EXAMPLES
from tests.harness import engine_for

ENGINES = [pytest.param("duckdb"), pytest.param("postgres", marks=pytest.mark.postgres),
           pytest.param("spark", marks=pytest.mark.spark)]
#: A decimal sum by month, a decimal average by month, a distinct count by week.
MEASURES = ("monthly_revenue", "average_order_value", "weekly_buyers_7d")


@pytest.mark.parametrize("name", ENGINES)
def test_engine_values_become_series(request: pytest.FixtureRequest, name: str) -> None:
    project = load_project(EXAMPLES / "shop").project
    fetched = fetch_series(project, engine_for(request, name), MEASURES)
    assert fetched.missing == {} and sorted(fetched.series) == sorted(MEASURES)
    reference = fetch_series(project, engine_for(request, "duckdb"), MEASURES).series
    for measure, series in fetched.series.items():
        assert {type(p) for p in series.periods} == {date}, measure
        assert {type(v) for v in series.values} == {float}, measure
        assert series.periods == reference[measure].periods, measure
        assert series.values == pytest.approx(reference[measure].values), measure
    revenue = fetched.series["monthly_revenue"]
    assert (revenue.periods[0], revenue.periods[-1], len(revenue)) == (
        date(2025, 1, 1), date(2026, 12, 1), 24)  # the demo data's two years


def test_rows_from_an_engine_make_a_series() -> None:
    rows = [(date(2026, 3, 9), 2.0), (date(2026, 3, 2), 1.5), (date(2026, 3, 16), None)]
    s = Series.of("m", "week", rows)
    assert s.periods == (date(2026, 3, 2), date(2026, 3, 9)) and s.values == (1.5, 2.0)
