"""Values as the engines return them (decimals, timestamps, dates) become series of dates and
floats, through the public :func:`fetch_series`, on DuckDB, PostgreSQL and Spark."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

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
    # the demo data's two years but their last month: the last order is on 2026-12-31 at
    # 23:32, so December 2026 is not complete and is left out
    assert (revenue.periods[0], revenue.periods[-1], len(revenue)) == (
        date(2025, 1, 1), date(2026, 11, 1), 23)


def test_rows_from_an_engine_make_a_series() -> None:
    rows = [(date(2026, 3, 9), 2.0), (date(2026, 3, 2), 1.5), (date(2026, 3, 16), None)]
    s = Series.of("m", "week", rows)
    assert s.periods == (date(2026, 3, 2), date(2026, 3, 9)) and s.values == (1.5, 2.0)


def test_incomplete_periods_are_left_out(tmp_path: Path) -> None:
    """One sale a day from Thursday 2026-01-01 to 2026-02-14 00:00 (45 days): February is
    partial (14 of 28 days: it would read as a fall), the week of 2025-12-29 starts before
    the data and the week of 2026-02-09 ends after it; only complete periods are fetched."""
    import duckdb

    from metriclang.warehouse import connect

    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    con.execute("CREATE SCHEMA x")
    con.execute("CREATE TABLE x.sales AS SELECT TIMESTAMP '2026-01-01' + i * INTERVAL 1 DAY "
                "AS ts FROM range(45) t(i)")
    con.close()
    (tmp_path / "m.osm").write_text(
        "source sales { table x.sales time ts }\n"
        "measure monthly { formula count(sales) grain month }\n"
        "measure weekly { formula count(sales) grain week }\n", encoding="utf-8")
    engine = connect("duckdb:///s.duckdb", tmp_path)
    try:
        fetched = fetch_series(load_project(tmp_path).project, engine, ["monthly", "weekly"])
    finally:
        engine.close()
    monthly, weekly = fetched.series["monthly"], fetched.series["weekly"]
    assert dict(zip(monthly.periods, monthly.values, strict=True)) == {date(2026, 1, 1): 31.0}
    assert dict(zip(weekly.periods, weekly.values, strict=True)) == {
        date(2026, 1, 5) + timedelta(weeks=k): 7.0 for k in range(5)}  # 01-05 .. 02-02


def test_verify_reads_the_series_osm_status_reads(request: pytest.FixtureRequest) -> None:
    """Every measure of the shop example: verify's series are status' complete periods (one
    query per measure, :func:`metriclang.query.series.fetch`), values equal."""
    from metriclang.query.series import measure_series

    project = load_project(EXAMPLES / "shop").project
    names = sorted(project.measures)
    fetched = fetch_series(project, engine_for(request, "duckdb"), names)
    shown = measure_series(project, names, None)
    assert len(fetched.series) >= 10 and len(shown.series) == len(names)
    for s in shown.series:
        complete = Series.of(s.measure, s.grain, ((p.period, None if p.value is None else
                                                   float(p.value)) for p in s.points
                                                  if p.complete))
        if not len(complete):
            assert s.measure in fetched.missing
            continue
        got = fetched.series[s.measure]
        assert got.periods == complete.periods, s.measure
        assert got.values == pytest.approx(complete.values), s.measure
