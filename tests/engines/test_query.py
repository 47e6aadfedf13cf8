"""``osm query`` on real engines: several measures by a dimension at a coarser grain, with
``--where`` and ``--compare``, equal to hand-written SQL and to values computed by hand
(a year boundary, a leap day, week 1); every error with its exact code and position.

The rows are this file's own (schema ``q15``), written to a DuckDB file, to the shared
PostgreSQL server of tests/harness.py (a database of its own) and to its Spark session (a
Parquet table). The shop example's queries give the same rows on Spark as on DuckDB.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from click.testing import CliRunner

from metriclang import api
from metriclang.cli import main
from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.query import Query
from metriclang.query.run import query_on
from metriclang.warehouse.result import Result
from metriclang.warehouse.spark import SparkEngine
from tests.conftest import EXAMPLES
from tests.engines.rows import assert_rows_equal, normalized
from tests.harness import PgServer

SPEC = """
source sales { table q15.sales time ordered_at key id dimension region }
measure revenue { formula sum(sales.amount) grain month }
measure buyers { formula count_distinct(sales, customer_id) grain month }
measure avg_sale { formula sum(sales.amount) / count(sales) grain month }
measure daily_revenue { formula sum(sales.amount) grain day }
measure weekly_n { formula count(sales) grain week }
measure median_sale { formula median(sales, amount) grain month }
measure buyers_30d { formula count_distinct(sales, customer_id) window 30 days grain day }
measure big_n { formula count(sales where amount >= 100) grain month }
measure n_sales { formula count(sales) grain month }
measure rev_twice { formula revenue * 2 grain month }
measure rev_twice_per_sale { formula rev_twice / n_sales grain month }
"""
#: (id, ordered_at, region, amount, customer_id)
ROWS = [
    (1, "2023-02-28 10:00:00", "EU", "7", 1),
    (2, "2023-10-05 09:00:00", "US", "20", 4),
    (3, "2023-11-10 09:00:00", "EU", "100", 1),
    (4, "2023-12-20 09:00:00", "EU", "50", 2),
    (5, "2023-12-27 09:00:00", "US", "30", 3),   # week of Mon 2023-12-25
    (6, "2024-01-02 09:00:00", "EU", "200", 1),  # week 1 of 2024 starts Mon 2024-01-01
    (7, "2024-01-03 09:00:00", "US", "40", 3),
    (8, "2024-02-15 09:00:00", "EU", "60", 1),   # customer 1 again in the quarter
    (9, "2024-02-28 09:00:00", "US", "11", 4),
    (10, "2024-02-29 09:00:00", "EU", "13", 5),  # leap day
    (11, "2024-03-31 09:00:00", "xx", "999", 9),  # dropped by --where
    (12, "2025-02-28 09:00:00", "EU", "17", 1),
]
DDL = ("CREATE TABLE q15.sales (id INTEGER, ordered_at TIMESTAMP, region VARCHAR, "
       "amount DECIMAL(10, 2), customer_id INTEGER)")
ENGINES = [pytest.param("duckdb"), pytest.param("postgres", marks=pytest.mark.postgres),
           pytest.param("spark", marks=pytest.mark.spark)]

#: Quarter x region, by hand, independently of any SQL.
HAND_Q1_2024 = [
    # period, region, revenue, previous, change, buyers, previous, change, avg, previous, change
    # ... complete: Q1 2024 lies between the first day (2023-02-28) and the last event
    (date(2024, 1, 1), "EU", 273, 150, 273 / 150 - 1, 2, 2, 0.0, 91, 75, 91 / 75 - 1, True),
    (date(2024, 1, 1), "US", 51, 50, 51 / 50 - 1, 2, 2, 0.0, 25.5, 25, 25.5 / 25 - 1, True),
]

#: The same query written by hand, in SQL both engines read.
HAND_SQL = """
WITH q AS (
  SELECT CAST(date_trunc('quarter', ordered_at) AS DATE) AS p, region,
         SUM(amount) AS revenue, COUNT(DISTINCT customer_id) AS buyers,
         SUM(amount) / COUNT(*) AS avg_sale
  FROM q15.sales WHERE region <> 'xx' GROUP BY 1, 2
)
SELECT c.p, c.region, c.revenue, b.revenue, c.revenue / NULLIF(b.revenue, 0) - 1,
       c.buyers, b.buyers, CAST(c.buyers AS DOUBLE PRECISION) / NULLIF(b.buyers, 0) - 1,
       c.avg_sale, b.avg_sale, c.avg_sale / NULLIF(b.avg_sale, 0) - 1
FROM q AS c LEFT JOIN q AS b ON b.p = CAST(c.p - INTERVAL '3 months' AS DATE)
  AND b.region = c.region
WHERE c.p = DATE '2024-01-01'
ORDER BY 1, 2
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("q15")
    (path / "sales.osm").write_text(SPEC, encoding="utf-8")
    con = duckdb.connect(str(path / "sales.duckdb"))
    con.execute("CREATE SCHEMA q15")
    con.execute(DDL)
    con.executemany("INSERT INTO q15.sales VALUES (?, ?, ?, ?, ?)", ROWS)
    con.close()
    return path


@pytest.fixture(scope="module")
def q15_postgres(pg_server: PgServer) -> str:
    import psycopg

    url = pg_server.database("query15")
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS q15 CASCADE")
        con.execute("CREATE SCHEMA q15")
        con.execute(DDL)
        with con.cursor() as cur:
            cur.executemany("INSERT INTO q15.sales VALUES (%s, %s, %s, %s, %s)", ROWS)
    return url


@pytest.fixture(scope="module")
def q15_spark(spark_session: Any, project: Path) -> SparkEngine:
    """The rows as a Spark table over a Parquet file DuckDB wrote; an engine on the shared
    session (``api.query`` with a ``spark://`` URL would stop it when done)."""
    file = project / "q15.sales.parquet"
    con = duckdb.connect(str(project / "sales.duckdb"), read_only=True)
    con.execute(f"COPY q15.sales TO '{file}' (FORMAT parquet)")
    con.close()
    spark_session.sql("CREATE DATABASE IF NOT EXISTS q15")
    spark_session.sql("DROP TABLE IF EXISTS q15.sales")
    spark_session.sql(f"CREATE TABLE q15.sales USING parquet LOCATION '{file}'")
    return SparkEngine("spark://local[2]", session=spark_session)


def url_of(request: pytest.FixtureRequest, engine: str, project: Path) -> str:
    if engine == "duckdb":
        return f"duckdb:///{project / 'sales.duckdb'}"
    return request.getfixturevalue("q15_postgres")  # type: ignore[no-any-return]


def ask(request: pytest.FixtureRequest, engine: str, project: Path, measures: list[str],
        **options: Any) -> api.QueryResult | Result:
    """``osm query`` through the API on ``engine``: on Spark the same run on the shared
    session (:func:`query_on`), elsewhere ``api.query`` on the engine's URL."""
    p = api.load(project)
    if engine == "spark":
        spark: SparkEngine = request.getfixturevalue("q15_spark")
        asked = {k: tuple(v) if k == "by" else v for k, v in options.items()}
        ran = query_on(p, Query(tuple(measures), **asked), spark)
        assert ran.result is not None, ran.notices
        return ran.result
    return api.query(p, measures, db=url_of(request, engine, project), **options)


def hand_sql(url: str) -> list[tuple[Any, ...]]:
    if url.startswith("duckdb"):
        con = duckdb.connect(url.removeprefix("duckdb:///"), read_only=True)
        rows = con.execute(HAND_SQL).fetchall()
        con.close()
        return rows
    import psycopg

    with psycopg.connect(url) as pg:
        return pg.execute(HAND_SQL).fetchall()


def close(got: tuple[Any, ...], want: tuple[Any, ...]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        if isinstance(w, int | float | Decimal) and not isinstance(w, bool):
            assert g is not None and float(g) == pytest.approx(float(w), rel=1e-9), (got, want)
        else:
            assert g == w, (got, want)


@pytest.mark.parametrize("engine", ENGINES)
def test_three_measures_by_region_at_quarter_compared(request: pytest.FixtureRequest,
                                                       engine: str, project: Path) -> None:
    result = ask(request, engine, project, ["revenue", "buyers", "avg_sale"], by=["region"],
                 grain="quarter", where="region <> 'xx'", compare="previous_period",
                 date_from=date(2024, 1, 1), date_to=date(2024, 3, 31))
    assert result.columns == (
        "period", "region", "revenue", "revenue__previous", "revenue__change", "buyers",
        "buyers__previous", "buyers__change", "avg_sale", "avg_sale__previous",
        "avg_sale__change", "complete")
    assert len(result.rows) == 2
    for got, by_hand in zip(result.rows, HAND_Q1_2024, strict=True):
        close(got, by_hand)
    if engine != "spark":  # the hand-written SQL is in DuckDB's and PostgreSQL's dialect
        for got, by_sql in zip(result.rows, hand_sql(url_of(request, engine, project)),
                               strict=True):
            close(got[:-1], by_sql)


@pytest.mark.parametrize("engine", ENGINES)
def test_previous_year_of_a_leap_day_and_previous_week_over_new_year(
        request: pytest.FixtureRequest, engine: str, project: Path) -> None:
    days = ask(request, engine, project, ["daily_revenue"], compare="previous_year",
               date_from=date(2024, 2, 28), date_to=date(2024, 2, 29))
    # 2024-02-29 is compared with 2023-02-28 (the same date a year earlier, clamped).
    close(days.rows[0], (date(2024, 2, 28), 11, 7, 11 / 7 - 1, True))
    close(days.rows[1], (date(2024, 2, 29), 13, 7, 13 / 7 - 1, True))
    assert len(days.rows) == 2
    later = ask(request, engine, project, ["daily_revenue"], compare="previous_year",
                date_from=date(2025, 2, 28), date_to=date(2025, 2, 28))
    # the last day of the data: not over at its last event (09:00)
    close(later.rows[0], (date(2025, 2, 28), 17, 11, 17 / 11 - 1, False))
    week = ask(request, engine, project, ["weekly_n"], compare="previous_period",
               date_from=date(2024, 1, 1), date_to=date(2024, 1, 7))
    close(week.rows[0], (date(2024, 1, 1), 2, 1, 1.0, True))
    empty = ask(request, engine, project, ["revenue"], grain="year", compare="previous_year",
                where="region = 'US'", by=["region"], date_from=date(2023, 1, 1),
                date_to=date(2024, 12, 31))
    # 2022 is inside the asked range's comparison, without rows: 0, and so a NULL change
    close(empty.rows[0][:4], (date(2023, 1, 1), "US", 50, 0))
    assert empty.rows[0][4] is None
    assert empty.rows[0][5] is False  # 2023 starts before the data (2023-02-28)
    close(empty.rows[1], (date(2024, 1, 1), "US", 51, 50, 51 / 50 - 1, True))


@pytest.mark.parametrize("engine", ENGINES)
def test_percentiles_and_windows_are_recomputed_at_the_coarser_grain(
        request: pytest.FixtureRequest, engine: str, project: Path) -> None:
    got = ask(request, engine, project, ["median_sale"], by=["region"], grain="quarter",
              where="region <> 'xx'", date_from=date(2024, 1, 1), date_to=date(2024, 3, 31))
    # Q1 2024 rows: EU 200, 60, 13 -> 60; US 40, 11 -> 25.5 (not a median of monthly medians)
    close(got.rows[0], (date(2024, 1, 1), "EU", 60, True))
    close(got.rows[1], (date(2024, 1, 1), "US", 25.5, True))
    # a 30-day distinct count asked per month: the buyers of the 30 days up to each month's end
    got = ask(request, engine, project, ["buyers_30d"], grain="month",
              date_from=date(2024, 2, 1), date_to=date(2024, 3, 31))
    # 2024-02: rows from 2024-01-31 (30 days) on: customers 1, 4, 5 -> 3; 2024-03: from
    # 2024-03-02: customer 9 only -> 1
    close(got.rows[0], (date(2024, 2, 1), 3, True))
    close(got.rows[1], (date(2024, 3, 1), 1, True))


def test_where_narrows_every_measure_a_formula_reaches(request: pytest.FixtureRequest,
                                                      project: Path) -> None:
    """--where reaches `revenue` through two derived measures (rev_twice_per_sale ->
    rev_twice -> revenue) as well as `n_sales` one step down."""
    got = ask(request, "duckdb", project, ["rev_twice_per_sale"], grain="quarter",
              where="region = 'US'", date_from=date(2024, 1, 1), date_to=date(2024, 3, 31))
    # Q1 2024, US rows: 40 and 11 -> revenue 51, twice 102, two sales -> 51 (all regions: 1323)
    assert len(got.rows) == 1
    close(got.rows[0], (date(2024, 1, 1), 51, True))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_zero_previous_gives_a_null_change(request: pytest.FixtureRequest, engine: str,
                                             project: Path) -> None:
    got = ask(request, engine, project, ["revenue"], by=["region"], grain="quarter",
              compare="previous_period", where="region = 'US'",
              date_from=date(2023, 4, 1), date_to=date(2023, 4, 1))
    assert [tuple(r) for r in got.rows] == [(date(2023, 4, 1), "US", 0, 0, None, True)]


@pytest.mark.parametrize("engine", ENGINES)
def test_default_grain_order_limit_and_reaggregated_sums(request: pytest.FixtureRequest,
                                                         engine: str, project: Path) -> None:
    got = ask(request, engine, project, ["weekly_n", "revenue"], order="revenue desc", limit=2)
    # month is the finest grain both allow; sums and counts re-aggregate per month
    assert got.columns == ("period", "weekly_n", "revenue", "complete")
    close(got.rows[0], (date(2024, 3, 1), 1, 999, True))
    close(got.rows[1], (date(2024, 1, 1), 2, 240, True))


def query_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["query", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("args", "where", "code"), [
    (("revenue", "--grain", "week"), "--grain:1:1", "E187"),
    (("revenue", "weekly_n", "--grain", "day"), "--grain:1:1", "E187"),
    (("revenue", "--by", "nope"), "--by:1:1", "E115"),
    (("revenue", "--by", "region", "--by", "nope"), "--by:2:1", "E115"),
    (("revenue", "--where", "nope = 1"), "--where:1:1", "E115"),
    (("revenue", "--where", "region = 'x' and nope = 1"), "--where:1:18", "E115"),
    (("revenue", "--where", "region = pg_sleep(1)"), "--where:1:10", "E171"),
    (("revenue", "--where", "region in (select 1)"), "--where:1:1", "E171"),
    (("revenue", "--where", "region = "), "--where:1:", "E170"),
    (("revenue", "--by", "period"), "--by:1:1", "E115"),
])
def test_errors_point_into_the_options(project: Path, args: tuple[str, ...], where: str,
                                       code: str) -> None:
    status, out, err = query_cli(str(project), *args, "--sql")
    assert status == 1 and out == ""
    assert err.startswith(where) and f"error[{code}]" in err.splitlines()[0], err


def test_grain_error_says_why(project: Path) -> None:
    _, _, err = query_cli(str(project), "revenue", "--grain", "week", "--sql")
    assert err.splitlines()[0] == ("--grain:1:1: error[E187] measure `revenue` is declared at "
                                   "grain `month` and cannot be asked at the finer grain `week`")
    assert "help: ask it at month, quarter, year" in err


@pytest.mark.parametrize(("args", "message"), [
    (("nope",), "unknown measure `nope`"),
    (("revenue", "revenue"), "a measure is asked twice"),
    (("revenue", "--order", "nope"), "cannot order by `nope`"),
    (("revenue", "--grain", "hour"), "Invalid value for '--grain'"),
    (("revenue", "--dialect", "postgres"), "--dialect goes with --sql"),
])
def test_usage_errors_exit_2(project: Path, args: tuple[str, ...], message: str) -> None:
    status, _, err = query_cli(str(project), *args)
    assert status == 2 and message in err, err


@pytest.mark.parametrize("dialect", OUTPUT_DIALECTS)
def test_sql_for_every_dialect_reparses(project: Path, dialect: str) -> None:
    status, out, err = query_cli(str(project), "revenue", "buyers", "avg_sale", "--by", "region",
                                 "--grain", "quarter", "--where", "region <> 'xx'", "--compare",
                                 "previous_year", "--from", "2024-01-01", "--order",
                                 "revenue desc", "--limit", "5", "--sql", "--dialect", dialect)
    assert status == 0, err
    tree = sqlglot.parse_one(out, read=dialect)
    assert isinstance(tree, sqlglot.exp.Select)
    assert [s.alias_or_name for s in tree.selects][:4] == [
        "period", "region", "revenue", "revenue__previous"]


def test_formats_and_path_defaulting_to_the_current_directory(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"duckdb:///{project / 'sales.duckdb'}"
    monkeypatch.chdir(project)
    status, out, err = query_cli("revenue", "--grain", "year", "--db", url, "--format", "json")
    assert status == 0, err
    # 2023 starts before the first day of the data, 2025 has not ended at its last event
    assert json.loads(out) == {"columns": ["period", "revenue", "complete"], "rows": [
        {"period": "2023-01-01", "revenue": 207, "complete": False},
        {"period": "2024-01-01", "revenue": 1323, "complete": True},
        {"period": "2025-01-01", "revenue": 17, "complete": False}],
        "first": "2023-02-28", "as_of": "2025-02-28T09:00:00"}
    status, out, _ = query_cli("revenue", "--grain", "year", "--db", url, "--format", "csv")
    assert out == ("period,revenue,complete\n2023-01-01,207,false\n2024-01-01,1323,true\n"
                   "2025-01-01,17,false\n")
    status, out, _ = query_cli(".", "revenue", "--grain", "year", "--db", url)
    assert status == 0 and "2024-01-01" in out and "1323" in out


def test_to_pandas_only_with_pandas(project: Path) -> None:
    got = api.query(api.load(project), ["revenue"], grain="year",
                    db=f"duckdb:///{project / 'sales.duckdb'}")
    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(ImportError):
            got.to_pandas()
        return
    frame = got.to_pandas()
    assert list(frame.columns) == ["period", "revenue", "complete"] and len(frame) == 3
    assert list(frame["complete"]) == [False, True, False]
    assert float(frame["revenue"].sum()) == 207 + 1323 + 17


@pytest.mark.parametrize("engine", ENGINES)
def test_without_from_the_first_period_has_no_previous(request: pytest.FixtureRequest,
                                                       engine: str, project: Path) -> None:
    got = ask(request, engine, project, ["revenue"], grain="year", compare="previous_year")
    assert tuple(got.rows[0][2:]) == (None, None, False)  # 2023 starts before the data


#: Every region by year: a region is listed in every period, with 0 where it has no rows
#: (`xx` only has a row in 2024, US none in 2025), however the values are read; only 2024
#: is complete (the data runs from 2023-02-28 to 2025-02-28 09:00).
EVERY_REGION = [
    (date(2023, 1, 1), "EU", 157, 1, False), (date(2023, 1, 1), "US", 50, 0, False),
    (date(2023, 1, 1), "xx", 0, 0, False), (date(2024, 1, 1), "EU", 273, 1, True),
    (date(2024, 1, 1), "US", 51, 0, True), (date(2024, 1, 1), "xx", 999, 1, True),
    (date(2025, 1, 1), "EU", 17, 0, False), (date(2025, 1, 1), "US", 0, 0, False),
    (date(2025, 1, 1), "xx", 0, 0, False),
]


@pytest.mark.parametrize("engine", ENGINES)
def test_every_dimension_value_in_every_period(request: pytest.FixtureRequest, engine: str,
                                               project: Path) -> None:
    def rows(measures: list[str], **options: Any) -> list[tuple[Any, ...]]:
        return normalized(ask(request, engine, project, measures, by=["region"], **options).rows)

    # one grouped scan of every row (the values come from its groups)
    assert_rows_equal(rows(["revenue"], grain="year"), [(*r[:3], r[4]) for r in EVERY_REGION])
    # a `where` that drops every US row (amounts under 100) and every 2025 row
    assert_rows_equal(rows(["big_n"], grain="year"), [(*r[:2], *r[3:]) for r in EVERY_REGION])
    # both in one scan (the condition inside the aggregate)
    assert_rows_equal(rows(["revenue", "big_n"], grain="year"), EVERY_REGION)
    # --from/--to select periods, not dimension values: `xx` (a row in March) is listed
    got = rows(["revenue"], grain="month", date_from=date(2024, 1, 1), date_to=date(2024, 2, 29))
    assert_rows_equal(got, [(date(2024, 1, 1), "EU", 200, True),
                            (date(2024, 1, 1), "US", 40, True), (date(2024, 1, 1), "xx", 0, True),
                            (date(2024, 2, 1), "EU", 73, True), (date(2024, 2, 1), "US", 11, True),
                            (date(2024, 2, 1), "xx", 0, True)])


#: Queries of the shop example (joined dimensions, a type-2 history, --where through a join,
#: --compare, every kind of measure) asked on Spark and on DuckDB.
SHOP_QUERIES = [
    dict(measures=["monthly_revenue", "average_order_value", "median_basket"],
         by=["customer.segment"], grain="quarter"),
    dict(measures=["search_success_rate", "checkout_conversion", "tickets_per_buyer"],
         by=["customer.segment"], grain="month", where="customer.segment <> 'enterprise'"),
    dict(measures=["return_rate", "delivery_days_p90"], by=["product.category"],
         compare="previous_year", date_from=date(2026, 1, 1), date_to=date(2026, 3, 31)),
    dict(measures=["weekly_buyers_7d", "repeat_purchase_rate", "revenue_to_date"],
         by=["channel"], grain="month", date_from=date(2025, 6, 1)),
]


@pytest.mark.spark
@pytest.mark.parametrize("options", SHOP_QUERIES, ids=lambda o: "+".join(o["measures"]))
def test_shop_queries_equal_on_spark_and_duckdb(request: pytest.FixtureRequest,
                                                options: dict[str, Any]) -> None:
    project = api.load(EXAMPLES / "shop")
    asked = {k: v for k, v in options.items() if k != "measures"}
    got = {}
    for name in ("duckdb", "spark"):
        engine = request.getfixturevalue(f"{name}_engine")
        sql = api.query_sql(project, options["measures"], dialect=engine.dialect, **asked)
        got[name] = normalized(engine.query(sql).rows)
    assert len(got["duckdb"]) > 3
    assert_rows_equal(got["spark"], got["duckdb"])
