"""The example projects' measures over their demo data, on DuckDB, PostgreSQL and Spark.

Each measure's generated SQL must give the rows of a hand-written DuckDB query (one
correlated subquery per period of a literal calendar). The demo data spans exactly
2025-01-01 .. 2026-12-31 in every table (checked below), so the calendars are literals.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from metriclang import load_project
from metriclang.semantic.model import Project
from metriclang.sqlgen import compile_sql, output_columns
from metriclang.warehouse.result import Engine
from tests.conftest import EXAMPLES
from tests.engines.rows import assert_rows_equal, normalized
from tests.engines.test_corpus import calendar
from tests.harness import engine_for

ENGINES = [pytest.param("duckdb"), pytest.param("postgres", marks=pytest.mark.postgres),
           pytest.param("spark", marks=pytest.mark.spark)]

DAYS = calendar("2025-01-01", "2026-12-31", "1 DAY")
WEEKS = calendar("2024-12-30", "2026-12-28", "7 DAY")  # Mondays of the first and last day
MONTHS = calendar("2025-01-01", "2026-12-01", "1 MONTH")
QUARTERS = calendar("2025-01-01", "2026-10-01", "3 MONTH")


def per(spine: str, value: str, source: str, column: str, where: str = "") -> str:
    """One row per period: ``value`` over the source's rows in the period."""
    condition = f"e.{column} >= s.period AND e.{column} < s.next" if not where else where
    return (f"SELECT s.period, (SELECT {value} FROM {source} e WHERE {condition}) AS value "
            f"FROM {spine} s ORDER BY 1")


def ratio(top: str, bottom: str) -> str:
    return f"CAST({top} AS DOUBLE) / NULLIF({bottom}, 0)"


O_IN = "o.ordered_at >= s.period AND o.ordered_at < s.next"


def version(column: str, row: str, time: str) -> str:
    """A customer's ``column`` in the version valid at the row's time: a lookup, not the
    generated LEFT JOIN."""
    return (f"(SELECT c.{column} FROM shop.customers c WHERE c.customer_id = {row}.customer_id "
            f"AND c.valid_from <= {row}.{time} "
            f"AND ({row}.{time} < c.valid_to OR c.valid_to IS NULL))")


CATEGORY = "(SELECT p.category FROM shop.products p WHERE p.product_id = o.product_id)"
INDUSTRY = "(SELECT c.industry FROM crm.customers c WHERE c.customer_id = o.customer_id)"
TIER = ("(SELECT a.tier FROM crm.customers c, crm.accounts a "
        "WHERE c.customer_id = e.customer_id AND a.account_id = c.account_id)")

SHOP: dict[str, str] = {
    "repeat_purchase_rate": per(MONTHS, ratio(
        "count(DISTINCT customer_id) FILTER (WHERE order_seq >= 2)",
        "count(DISTINCT customer_id)"), "shop.orders", "ordered_at"),
    "monthly_revenue": per(MONTHS, "coalesce(sum(amount) FILTER (WHERE status = 'paid'), 0)",
                           "shop.orders", "ordered_at"),
    "average_order_value": f"""
        SELECT s.period, k.segment, (
          SELECT {ratio("coalesce(sum(amount), 0)", "count(*)")} FROM shop.orders o
          WHERE {O_IN} AND status = 'paid' AND {version("segment", "o", "ordered_at")}
                IS NOT DISTINCT FROM k.segment) AS value
        FROM {MONTHS} s, (SELECT DISTINCT {version("segment", "o", "ordered_at")} AS segment
                          FROM shop.orders o) k
        ORDER BY 1, 2 NULLS LAST""",
    "revenue_to_date": per(MONTHS, "coalesce(sum(amount) FILTER (WHERE status = 'paid'), 0)",
                           "shop.orders", "ordered_at", "e.ordered_at < s.next"),
    "search_success_rate": per(WEEKS, ratio("count(*) FILTER (WHERE viewed_product)",
                                            "count(*)"), "shop.sessions", "started_at"),
    "checkout_conversion": f"""
        SELECT s.period, (
          SELECT {ratio('''count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM shop.orders o WHERE o.customer_id = f.customer_id
                   AND o.ordered_at BETWEEN f.first AND f.first + INTERVAL 1 DAY))''',
                        "count(*)")}
          FROM (SELECT customer_id, min(started_at) AS first FROM shop.sessions e
                WHERE reached_checkout AND customer_id IS NOT NULL
                AND e.started_at >= s.period AND e.started_at < s.next
                GROUP BY customer_id) f) AS value
        FROM {WEEKS} s ORDER BY 1""",
    "return_rate": f"""
        SELECT s.period, k.category, (
          SELECT {ratio("count(*) FILTER (WHERE returned)", "count(*)")} FROM shop.orders o
          WHERE {O_IN} AND {CATEGORY} IS NOT DISTINCT FROM k.category) AS value
        FROM {WEEKS} s, (SELECT DISTINCT {CATEGORY} AS category FROM shop.orders o) k
        ORDER BY 1, 2 NULLS LAST""",
    "delivery_days_p90": per(WEEKS, "quantile_cont(CAST(delivery_days AS DOUBLE), 0.9) FILTER "
                             "(WHERE status = 'paid')", "shop.orders", "ordered_at"),
    "tickets_per_buyer": f"""
        SELECT s.period, k.channel,
          CAST((SELECT count(*) FROM shop.support_tickets t
                WHERE t.opened_at >= s.period AND t.opened_at < s.next
                AND {version("signup_channel", "t", "opened_at")} IS NOT DISTINCT FROM k.channel)
               AS DOUBLE)
          / NULLIF((SELECT count(DISTINCT customer_id) FROM shop.orders o WHERE {O_IN}
                    AND {version("signup_channel", "o", "ordered_at")}
                        IS NOT DISTINCT FROM k.channel), 0) AS value
        FROM {WEEKS} s, (
          SELECT {version("signup_channel", "t", "opened_at")} AS channel
          FROM shop.support_tickets t
          UNION SELECT {version("signup_channel", "o", "ordered_at")} FROM shop.orders o) k
        ORDER BY 1, 2 NULLS LAST""",
    "weekly_buyers_7d": per(DAYS, "count(DISTINCT customer_id)", "shop.orders", "ordered_at",
                            "e.ordered_at >= s.period - INTERVAL 6 DAY "
                            "AND e.ordered_at < s.next"),
    "median_basket": per(WEEKS, "quantile_cont(CAST(amount AS DOUBLE), 0.5) "
                         "FILTER (WHERE status = 'paid')",
                         "shop.orders", "ordered_at"),
}

DEALS = "crm.deals"
MANUFACTURER: dict[str, str] = {
    "customer_retention": per(QUARTERS, ratio(
        "count(DISTINCT customer_id) FILTER (WHERE order_seq >= 2)",
        "count(DISTINCT customer_id)"), "erp.orders", "ordered_at"),
    "win_rate": f"""
        SELECT s.period, k.tier, (
          SELECT {ratio("count(*) FILTER (WHERE status = 'won')",
                        "count(*) FILTER (WHERE status IN ('won', 'lost'))")} FROM crm.deals e
          WHERE e.created_at >= s.period AND e.created_at < s.next
          AND {TIER} IS NOT DISTINCT FROM k.tier) AS value
        FROM {MONTHS} s, (SELECT DISTINCT {TIER} AS tier FROM crm.deals e) k
        ORDER BY 1, 2 NULLS LAST""",
    "revenue": f"""
        SELECT s.period, k.industry, (SELECT coalesce(sum(amount), 0) FROM erp.orders o
                                      WHERE {O_IN} AND {INDUSTRY} IS NOT DISTINCT FROM
                                      k.industry) AS value
        FROM {MONTHS} s, (SELECT DISTINCT {INDUSTRY} AS industry FROM erp.orders o) k
        ORDER BY 1, 2 NULLS LAST""",
    "custom_demand_share": per(MONTHS, ratio(
        "count(DISTINCT customer_id) FILTER (WHERE needs_custom)",
        "count(DISTINCT customer_id)"), DEALS, "created_at"),
    "nonstandard_preference": per(MONTHS, ratio(
        "count(*) FILTER (WHERE product_type = 'non_standard')", "count(*)"),
        "erp.orders", "ordered_at"),
    "nonstandard_return_rate": f"""
        SELECT s.period, CAST((SELECT count(*) FROM erp.returns r
                               WHERE r.returned_at >= s.period AND r.returned_at < s.next
                               AND r.product_type = 'non_standard') AS DOUBLE)
          / NULLIF((SELECT count(*) FROM erp.orders o
                    WHERE {O_IN} AND o.product_type = 'non_standard'), 0) AS value
        FROM {MONTHS} s ORDER BY 1""",
    "lost_to_customisation": per(MONTHS, ratio(
        "count(*) FILTER (WHERE status = 'lost' AND lost_reason = 'customisation')",
        "count(*) FILTER (WHERE status IN ('won', 'lost'))"), DEALS, "created_at"),
    "lost_on_price": per(MONTHS, ratio(
        "count(*) FILTER (WHERE status = 'lost' AND lost_reason = 'price')",
        "count(*) FILTER (WHERE status IN ('won', 'lost'))"), DEALS, "created_at"),
}
HAND = {"shop": SHOP, "manufacturer": MANUFACTURER}
CASES = [(p, m) for p, measures in HAND.items() for m in sorted(measures)]


@cache
def example(name: str) -> Project:
    loaded = load_project(EXAMPLES / name)
    assert not loaded.diagnostics.has_errors
    return loaded.project


@pytest.mark.parametrize("name", sorted(HAND))
def test_every_example_measure_has_hand_written_sql(name: str) -> None:
    assert sorted(HAND[name]) == sorted(example(name).measures)


@pytest.mark.parametrize(("table", "column", "start"), [
    ("shop.orders", "ordered_at", "2025-01-01"), ("shop.sessions", "started_at", "2025-01-01"),
    ("shop.support_tickets", "opened_at", "2025-01-02"),  # the week of 2024-12-30 still
    ("crm.deals", "created_at", "2025-01-01"), ("erp.orders", "ordered_at", "2025-01-01")])
def test_demo_data_spans_two_calendar_years(duckdb_engine: Engine, table: str, column: str,
                                            start: str) -> None:
    first, last = duckdb_engine.query(
        f"SELECT CAST(min({column}) AS DATE), CAST(max({column}) AS DATE) FROM {table}").rows[0]
    assert (first.isoformat(), last.isoformat()) == (start, "2026-12-31")


def _rows(engine: Engine, project: str, measure: str) -> list[tuple[Any, ...]]:
    sql, problems = compile_sql(example(project), measure, engine.dialect)
    assert sql is not None, [p.message for p in problems]
    result = engine.query(sql)
    assert result.columns == output_columns(example(project), measure)
    return normalized(result.rows)


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize(("project", "measure"), CASES)
def test_example_measure_matches_hand_written(request: pytest.FixtureRequest, name: str,
                                              project: str, measure: str,
                                              duckdb_engine: Engine) -> None:
    expected = normalized(duckdb_engine.query(HAND[project][measure]).rows)
    assert expected, "the demo data gives every measure rows"
    assert_rows_equal(_rows(engine_for(request, name), project, measure), expected)
