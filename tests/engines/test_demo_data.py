"""The demo data generators: deterministic, realistic, with the planted relationships.

The relationships are measured with the generated SQL of the shop's own measures, the
way ``osm verify`` sees them (see the docstring of specs/examples/shop/data/generate.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from statistics import correlation

import pytest

from metriclang import load_project
from metriclang.sqlgen import compile_sql
from metriclang.warehouse.result import Engine
from tests.conftest import EXAMPLES
from tests.harness import demo_tables


def test_generation_is_deterministic() -> None:
    assert demo_tables("manufacturer") == demo_tables("manufacturer")


def test_every_column_the_specs_read_exists(duckdb_engine: Engine) -> None:
    for project in ("shop", "manufacturer"):
        loaded = load_project(EXAMPLES / project)
        for name in loaded.project.measures:
            sql, problems = compile_sql(loaded.project, name, "duckdb")
            assert sql is not None, problems
            assert duckdb_engine.query(sql).rows


@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT count(*) FILTER (WHERE order_seq <> (SELECT count(*) FROM shop.orders p "
     "WHERE p.customer_id = o.customer_id AND (p.ordered_at, p.order_id) <= "
     "(o.ordered_at, o.order_id))) FROM shop.orders o", 0),
    ("SELECT count(*) FROM shop.orders WHERE status NOT IN ('paid', 'refunded', 'cancelled')",
     0),
    ("SELECT count(*) FROM shop.orders WHERE (delivery_days IS NULL) <> (status = 'cancelled')",
     0),
    ("SELECT count(*) FROM shop.sessions WHERE reached_checkout AND customer_id IS NULL", 0),
    ("SELECT count(DISTINCT country_code) FROM shop.orders", 7),
    ("SELECT count(*) FROM crm.deals WHERE (status = 'lost') <> (lost_reason IS NOT NULL)", 0),
    ("SELECT count(*) FROM erp.orders WHERE product_type NOT IN ('standard', 'non_standard')",
     0),
])
def test_demo_data_is_consistent(duckdb_engine: Engine, sql: str, expected: int) -> None:
    assert duckdb_engine.query(sql).rows == ((expected,),)


def _series(engine: Engine, measure: str) -> list[tuple[date, float]]:
    project = load_project(EXAMPLES / "shop").project
    sql, _ = compile_sql(project, measure, "duckdb")
    assert sql is not None
    return [(r[0], float(r[-1])) for r in engine.query(sql).rows]


def _monthly(rows: list[tuple[date, float]]) -> list[float]:
    """Monthly means of a weekly series (a week belongs to the month of its Thursday)."""
    months: dict[date, list[float]] = defaultdict(list)
    for period, value in rows:
        months[(period + timedelta(days=3)).replace(day=1)].append(value)
    return [sum(v) / len(v) for _, v in sorted(months.items())]


def _lagged(x: list[float], y: list[float], lag: int) -> float:
    return correlation(x[:len(x) - lag], y[lag:])


def test_checkout_conversion_leads_repeat_purchase_by_a_month(duckdb_engine: Engine) -> None:
    conversion = _monthly(_series(duckdb_engine, "checkout_conversion"))
    repeat = [v for _, v in _series(duckdb_engine, "repeat_purchase_rate")]
    assert len(conversion) == len(repeat) == 24
    assert _lagged(conversion, repeat, 1) > 0.8
    assert abs(_lagged(conversion, repeat, 0)) < 0.5 and abs(_lagged(conversion, repeat, 2)) < 0.5


def test_support_contacts_have_no_relationship_with_repeat_purchase(
        duckdb_engine: Engine) -> None:
    tickets = _monthly(_series(duckdb_engine, "tickets_per_buyer"))
    repeat = [v for _, v in _series(duckdb_engine, "repeat_purchase_rate")]
    assert all(abs(_lagged(tickets, repeat, lag)) < 0.4 for lag in range(3))


def test_slow_delivery_is_followed_by_fewer_returns(duckdb_engine: Engine) -> None:
    p90 = [v for _, v in _series(duckdb_engine, "delivery_days_p90")]
    weekly = duckdb_engine.query(
        "SELECT date_trunc('week', ordered_at) AS w, avg(CAST(returned AS INTEGER)) "
        "FROM shop.orders GROUP BY w ORDER BY w").rows
    returns = [float(r[1]) for r in weekly]
    assert len(p90) == len(returns) == 105
    assert _lagged(p90, returns, 2) < -0.6  # declared positive: the data says the opposite
    assert _lagged(p90, returns, 2) < _lagged(p90, returns, 0)
