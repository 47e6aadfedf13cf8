"""The corpus on a real PostgreSQL server and on Spark (local mode): rows equal DuckDB's."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from metriclang.load import load_project
from metriclang.semantic.model import Project
from metriclang.sqlgen import compile_sql
from tests.harness import PgServer
from tests.sqlgen import data
from tests.sqlgen.test_duckdb import CORPUS, norm

SPARK_DB = "osm_sqlgen_shop"


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(CORPUS).project


@pytest.fixture(scope="module")
def reference(project: Project) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect()
    data.load(con)
    out = {}
    for measure in sorted(project.measures):
        sql, _ = compile_sql(project, measure, "duckdb")
        assert sql is not None
        out[measure] = norm(con.execute(sql).fetchall())
    con.close()
    return out


@pytest.fixture(scope="module")
def postgres(pg_server: PgServer) -> Iterator[Any]:
    """The corpus tables in a database of their own on the harness's server."""
    import psycopg

    con = psycopg.connect(pg_server.database("osm_sqlgen"), autocommit=True)
    con.execute("DROP SCHEMA IF EXISTS shop CASCADE")
    for statement in data.DDL:
        con.execute(statement.replace("DECIMAL", "NUMERIC"))
    with con.cursor() as cur:
        cur.executemany("INSERT INTO shop.orders VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        data.ORDERS)
        cur.executemany("INSERT INTO shop.sessions VALUES (%s, %s, %s, %s)", data.SESSIONS)
    yield con
    con.close()


@pytest.fixture(scope="module")
def spark(spark_session: Any) -> Any:
    """The corpus tables in a Spark database of their own in the harness's session."""
    orders = [(*r[:2], datetime.fromisoformat(r[2]), r[3],
               None if r[4] is None else Decimal(r[4]), *r[5:]) for r in data.ORDERS]
    sessions = [(*r[:2], datetime.fromisoformat(r[2]), r[3]) for r in data.SESSIONS]
    schemas = {
        "orders": ("order_id INT, customer_id INT, ordered_at TIMESTAMP, status STRING, "
                   "amount DECIMAL(10,2), channel STRING, `order` INT, `select` STRING", orders),
        "sessions": ("session_id INT, customer_id INT, started_at TIMESTAMP, "
                     "reached_checkout BOOLEAN", sessions),
        "tickets": ("ticket_id INT, customer_id INT, opened_at TIMESTAMP", []),
    }
    # A database of our own: the shared session holds the reference warehouse's `shop` too.
    spark_session.sql(f"CREATE DATABASE IF NOT EXISTS {SPARK_DB}")
    for table, (schema, rows) in schemas.items():
        view = f"osm_sqlgen_{table}"
        spark_session.createDataFrame(rows, schema).createOrReplaceTempView(view)
        spark_session.sql(f"DROP TABLE IF EXISTS {SPARK_DB}.{table}")
        spark_session.sql(f"CREATE TABLE {SPARK_DB}.{table} USING parquet AS SELECT * FROM {view}")
    return spark_session


@pytest.fixture(scope="module")
def spark_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The corpus reading its tables from :data:`SPARK_DB` instead of `shop`."""
    path = tmp_path_factory.mktemp("spark-corpus")
    text = (CORPUS / "corpus.osm").read_text(encoding="utf-8")
    (path / "corpus.osm").write_text(text.replace("table shop.", f"table {SPARK_DB}."),
                                     encoding="utf-8")
    shutil.copy(CORPUS / "metriclang.toml", path / "metriclang.toml")
    return load_project(path).project


@pytest.mark.postgres
def test_postgres_rows_equal_duckdb(project: Project, reference: dict[str, Any],
                                    postgres: Any) -> None:
    for measure, expected in reference.items():
        sql, _ = compile_sql(project, measure, "postgres")
        assert sql is not None
        assert norm(postgres.execute(sql).fetchall()) == expected, measure


@pytest.mark.postgres
def test_postgres_bounds_from_the_scan_keep_periods_a_condition_empties(
        project: Project, postgres: Any) -> None:
    # On PostgreSQL a one-source plan without a date range reads its bounds from its grouped
    # scan, which then reads every row: the last month holds only a refunded order, and still
    # appears (with 0 paid revenue, and in the running total).
    sql, _ = compile_sql(project, "paid_revenue_month", "postgres")
    assert sql is not None and "FROM osm_p0\n), osm_spine" in sql and "WHERE" not in sql
    rows = norm(postgres.execute(sql).fetchall())
    assert rows[0] == (date(2023, 12, 1), 10.0) and rows[-1] == (date(2025, 1, 1), 0.0)
    assert len(rows) == 14
    sql, _ = compile_sql(project, "cum_paid_revenue_month", "postgres")
    assert sql is not None and "FROM osm_p0\n), osm_spine" in sql
    rows = norm(postgres.execute(sql).fetchall())
    assert rows[0] == (date(2023, 12, 1), 10.0)
    assert rows[-2:] == [(date(2024, 12, 1), 185.0), (date(2025, 1, 1), 185.0)]
    assert len(rows) == 14
    days = {(p, c): v for p, c, v in norm(postgres.execute(
        compile_sql(project, "channel_paid_7d", "postgres")[0] or "").fetchall())}
    assert days[(date(2025, 1, 2), "web")] == 5.0  # 31 Dec's paid order, in the 7 days
    assert days[(date(2025, 1, 2), "app")] == 0.0  # its own order is refunded
    assert days[(date(2024, 1, 6), "web")] == 10.0 and days[(date(2024, 1, 7), "web")] == 0.0


#: One measure per way of computing (Spark runs each query in many stages: keep CI bounded).
SPARK_SAMPLE = ("p90_amount_month", "paid_share_month", "tickets_per_buyer_month", "buyers_7d",
                "orders_1m_day", "cum_buyers_month", "cum_median_month", "conv_week",
                "reserved_month", "tickets_month")


def _spark_check(project: Project, reference: dict[str, Any], spark: Any,
                 measures: tuple[str, ...]) -> None:
    for measure in measures:
        sql, _ = compile_sql(project, measure, "spark")
        assert sql is not None
        assert norm([tuple(r) for r in spark.sql(sql).collect()]) == reference[measure], measure


@pytest.mark.spark
def test_spark_rows_equal_duckdb(spark_project: Project, reference: dict[str, Any],
                                 spark: Any) -> None:
    _spark_check(spark_project, reference, spark, SPARK_SAMPLE)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_rows_equal_duckdb_whole_corpus(spark_project: Project,
                                              reference: dict[str, Any], spark: Any) -> None:
    _spark_check(spark_project, reference, spark, tuple(reference))
