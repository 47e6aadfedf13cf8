"""Generated SQL on embedded DuckDB against independently hand-written SQL and hand values.

The hand-written queries use correlated subqueries per period (no spine joins, no window
functions): a different way to the same numbers.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from metriclang.load import load_project
from metriclang.semantic.model import Project
from metriclang.sqlgen import compile_sql, output_columns
from tests.sqlgen import data

CORPUS = Path(__file__).parent / "corpus"

#: Period start and end bounds of the corpus data per grain (orders span 2023-12-31..2025-01-02).
BOUNDS = {"day": ("2023-12-31", "2025-01-02", "1 DAY"),
          "week": ("2023-12-25", "2024-12-30", "7 DAY"),
          "month": ("2023-12-01", "2025-01-01", "1 MONTH"),
          "quarter": ("2023-10-01", "2025-01-01", "3 MONTH"),
          "year": ("2023-01-01", "2025-01-01", "1 YEAR")}


def periods(grain: str) -> str:
    lo, hi, step = BOUNDS[grain]
    return (f"(SELECT CAST(x AS DATE) AS p, CAST(x + INTERVAL {step} AS DATE) AS e FROM "
            f"range(TIMESTAMP '{lo}', TIMESTAMP '{hi}' + INTERVAL 1 DAY, INTERVAL {step}) t(x))")


def per(expr: str, where: str = "TRUE", lower: str = "p.p", table: str = "shop.orders o",
        time: str = "ordered_at") -> str:
    return f"(SELECT {expr} FROM {table} WHERE {time} >= {lower} AND {time} < p.e AND {where})"


def series(grain: str, value: str) -> str:
    return f"SELECT p.p AS period, {value} AS value FROM {periods(grain)} p ORDER BY 1"


def by(grain: str, dim: str, value: str) -> str:
    return (f'SELECT p.p AS period, d."{dim}", {value} AS value FROM {periods(grain)} p, '
            f'(SELECT DISTINCT "{dim}" FROM shop.orders) d ORDER BY 1, 2 NULLS LAST')


SAME = 'o."{0}" IS NOT DISTINCT FROM d."{0}"'
WEEK_AGO, EPOCH = "p.e - INTERVAL 7 DAY", "TIMESTAMP '1900-01-01'"
CONVERSION = """
SELECT p.p AS period, (
  SELECT CAST(COUNT(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM shop.orders o WHERE o.customer_id = f.customer_id
           AND o.ordered_at BETWEEN f.first_at AND f.first_at + INTERVAL 1 DAY)) AS DOUBLE)
         / NULLIF(COUNT(*), 0)
  FROM (SELECT customer_id, MIN(started_at) AS first_at FROM shop.sessions
        WHERE reached_checkout AND customer_id IS NOT NULL
          AND started_at >= p.p AND started_at < p.e GROUP BY customer_id) f
) AS value FROM {periods} p ORDER BY 1
"""

HAND: dict[str, str] = {
    "count_month": series("month", per("COUNT(*)")),
    "paid_revenue_month": series("month", per("COALESCE(SUM(amount), 0)", "status = 'paid'")),
    "buyers_month": series("month", per("COUNT(DISTINCT customer_id)")),
    "avg_amount_month": series("month", per("AVG(amount)")),
    "min_amount_month": series("month", per("MIN(amount)")),
    "max_amount_month": series("month", per("MAX(amount)")),
    "median_amount_month": series("month", per("MEDIAN(amount)")),
    "p90_amount_month": series("month", per("QUANTILE_CONT(amount, 0.9)")),
    "big_orders_quarter": series("quarter", per("COUNT(*)", "amount >= 30")),
    "orders_year": series("year", per("COUNT(*)")),
    "orders_week": series("week", per("COUNT(*)")),
    "paid_orders_week": series("week", per("COUNT(*)", "status = 'paid'")),
    "paid_share_week": series("week", per(
        "CAST(COUNT(*) FILTER (WHERE status = 'paid') AS DOUBLE) / NULLIF(COUNT(*), 0)")),
    "paid_share_month": series("month", per(
        "CAST(COUNT(*) FILTER (WHERE status = 'paid') AS DOUBLE) / NULLIF(COUNT(*), 0)")),
    "arith_month": series("month", per(
        "(COALESCE(SUM(amount), 0) - 2 * COUNT(*)) / NULLIF(-COUNT(DISTINCT customer_id), 0)")),
    "tickets_per_buyer_month": series("month", "CAST(" + per(
        "COUNT(*)", table="shop.tickets t", time="opened_at") + " AS DOUBLE) / NULLIF(" + per(
        "COUNT(DISTINCT customer_id)") + ", 0)"),
    "revenue_7d": series("day", per("COALESCE(SUM(amount), 0)", lower=WEEK_AGO)),
    "buyers_7d": series("day", per("COUNT(DISTINCT customer_id)", lower=WEEK_AGO)),
    "max_7d": series("day", per("MAX(amount)", lower=WEEK_AGO)),
    "avg_7d": series("day", per("AVG(amount)", lower=WEEK_AGO)),
    "orders_1m_day": series("day", per("COUNT(*)", lower="p.e - INTERVAL 1 MONTH")),
    "buyers_30d_month": series("month", per("COUNT(DISTINCT customer_id)",
                                            lower="p.e - INTERVAL 30 DAY")),
    "orders_2w_week": series("week", per("COUNT(*)", lower="p.e - INTERVAL 14 DAY")),
    "median_2w_week": series("week", per("MEDIAN(amount)", lower="p.e - INTERVAL 14 DAY")),
    "cum_orders_week": series("week", per("COUNT(*)", lower=EPOCH)),
    "cum_buyers_month": series("month", per("COUNT(DISTINCT customer_id)", lower=EPOCH)),
    "cum_avg_month": series("month", per("AVG(amount)", lower=EPOCH)),
    "cum_median_month": series("month", per("MEDIAN(amount)", lower=EPOCH)),
    "cum_paid_revenue_month": series("month", per("COALESCE(SUM(amount), 0)", "status = 'paid'",
                                                  lower=EPOCH)),
    "conv_week": CONVERSION.format(periods=periods("week")),
    "by_channel_month": by("month", "channel", per("COUNT(*)", SAME.format("channel"))),
    "reserved_month": by("month", "select", per(
        'COALESCE(SUM("order") FILTER (WHERE "select" = \'a\'), 0)', SAME.format("select"))),
    "channel_buyers_7d": by("day", "channel", per("COUNT(DISTINCT customer_id)",
                                                  SAME.format("channel"), lower=WEEK_AGO)),
    "channel_paid_7d": by("day", "channel", per(
        "COALESCE(SUM(amount), 0)", "status = 'paid' AND " + SAME.format("channel"),
        lower=WEEK_AGO)),
}


@pytest.fixture(scope="module")
def project() -> Project:
    loaded = load_project(CORPUS)
    assert not loaded.diagnostics.has_errors, list(loaded.diagnostics)
    return loaded.project


@pytest.fixture(scope="module")
def con() -> Any:
    connection = duckdb.connect()
    data.load(connection)
    yield connection
    connection.close()


def norm(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Numbers as floats rounded to 9 places, so DECIMAL and DOUBLE results compare."""
    return [tuple(round(float(v), 9) if isinstance(v, (Decimal, float)) else v for v in row)
            for row in rows]


def run(con: Any, project: Project, measure: str, **kw: Any) -> list[tuple[Any, ...]]:
    sql, problems = compile_sql(project, measure, "duckdb", **kw)
    assert sql is not None, problems
    cursor = con.execute(sql)
    assert tuple(c[0] for c in cursor.description) == output_columns(project, measure)
    return norm(cursor.fetchall())


def test_every_corpus_measure_has_a_hand_written_query(project: Project) -> None:
    assert set(project.measures) - set(HAND) == {"tickets_month"}


@pytest.mark.parametrize("measure", sorted(HAND))
def test_generated_equals_hand_written(con: Any, project: Project, measure: str) -> None:
    assert run(con, project, measure) == norm(con.execute(HAND[measure]).fetchall())


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_hand_computed_values(con: Any, project: Project) -> None:
    months = dict(run(con, project, "count_month"))
    assert months[d("2023-12-01")] == 1 and months[d("2024-04-01")] == 0  # empty month: 0
    assert len(months) == 14
    assert dict(run(con, project, "paid_revenue_month"))[d("2024-02-01")] == 0  # NULL + 0
    assert dict(run(con, project, "buyers_month"))[d("2024-02-01")] == 1  # NULL customer
    assert dict(run(con, project, "avg_amount_month"))[d("2024-04-01")] is None
    assert dict(run(con, project, "median_amount_month"))[d("2024-01-01")] == 25
    assert dict(run(con, project, "p90_amount_month"))[d("2024-01-01")] == 29
    weeks = dict(run(con, project, "orders_week"))
    assert weeks[d("2024-12-30")] == 2  # Tue 31 Dec and Thu 2 Jan: one week across New Year
    assert weeks[d("2023-12-25")] == 1 and weeks[d("2024-01-01")] == 2  # weeks start on Monday
    assert dict(run(con, project, "paid_share_week"))[d("2024-04-01")] is None  # 0 / 0
    days = dict(run(con, project, "revenue_7d"))
    assert days[d("2024-03-06")] == 40 and days[d("2024-03-08")] == 0
    month_back = dict(run(con, project, "orders_1m_day"))
    assert month_back[d("2024-03-30")] == 4  # 31 Mar minus one month is 29 Feb
    assert month_back[d("2024-03-31")] == 2
    assert dict(run(con, project, "cum_buyers_month"))[d("2024-03-01")] == 4
    conv = dict(run(con, project, "conv_week"))
    assert conv[d("2023-12-25")] == 0.5 and conv[d("2024-02-26")] == 0.5
    assert conv[d("2024-04-01")] is None
    channels = {(p, c): v for p, c, v in run(con, project, "by_channel_month")}
    assert channels[(d("2024-02-01"), "商店")] == 1 and channels[(d("2024-02-01"), "app")] == 0
    reserved = {(p, s): v for p, s, v in run(con, project, "reserved_month")}
    assert reserved[(d("2024-01-01"), "a")] == 3 and reserved[(d("2024-02-01"), None)] == 0


def test_empty_table_gives_no_rows(con: Any, project: Project) -> None:
    assert run(con, project, "tickets_month") == []


def test_ordered_by_period_then_dimensions_nulls_last(con: Any, project: Project) -> None:
    rows = run(con, project, "reserved_month")
    assert rows[:3] == [(d("2023-12-01"), "a", 1.0), (d("2023-12-01"), "b", 0.0),
                        (d("2023-12-01"), None, 0.0)]


@pytest.mark.parametrize("measure", ["count_month", "orders_week", "revenue_7d", "buyers_7d",
                                     "orders_2w_week", "cum_orders_week", "cum_buyers_month",
                                     "cum_median_month", "conv_week", "channel_buyers_7d",
                                     "orders_1m_day", "median_2w_week"])
def test_date_range_selects_periods_with_unchanged_values(con: Any, project: Project,
                                                          measure: str) -> None:
    full = run(con, project, measure)
    part = run(con, project, measure, date_from=d("2024-02-10"), date_to=d("2024-03-20"))
    grain = project.measures[measure].grain
    from metriclang.periods import truncate

    lo, hi = truncate(d("2024-02-10"), grain), truncate(d("2024-03-20"), grain)
    assert part == [row for row in full if lo <= row[0] <= hi]
    assert part


def test_date_range_outside_the_data_gives_zeros(con: Any, project: Project) -> None:
    rows = run(con, project, "count_month", date_from=d("2030-01-15"), date_to=d("2030-02-01"))
    assert rows == [(d("2030-01-01"), 0), (d("2030-02-01"), 0)]
