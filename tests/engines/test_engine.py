"""engine.py: URLs, redaction, the single-SELECT guard, and one query on each real engine."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from metriclang.warehouse import connect
from metriclang.warehouse.demo import write_duckdb
from metriclang.warehouse.duckdb import DuckDBEngine
from metriclang.warehouse.guard import QueryTimeout, ensure_select
from metriclang.warehouse.result import Engine, EngineError
from metriclang.warehouse.urls import duckdb_path, redact, scheme
from tests.harness import engine_for

ENGINES = [pytest.param("duckdb"), pytest.param("postgres", marks=pytest.mark.postgres),
           pytest.param("spark", marks=pytest.mark.spark)]


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://ana:s3cr%40t@db.example:5432/shop",
     "postgresql://ana:***@db.example:5432/shop"),
    ("postgres://ana@db/shop", "postgres://ana@db/shop"),
    ("postgresql://ana:p@ss/w0rd@db/shop", "postgresql://ana:***@db/shop"),
    ("postgresql://db/shop?user=ana&password=hunter2", "postgresql://db/shop?user=ana&password=***"),
    ("spark://local[2]", "spark://local[2]"),
])
def test_redact(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_schemes_and_paths(tmp_path: Path) -> None:
    assert scheme("postgresql://x/y") == scheme("postgres://x/y") == "postgres"
    assert scheme("spark://local[2]") == "spark"
    with pytest.raises(EngineError, match=r"unsupported database URL `mysql://u:\*\*\*@h/d`"):
        scheme("mysql://u:pw@h/d")
    assert duckdb_path("duckdb:///demo.duckdb", tmp_path) == tmp_path / "demo.duckdb"
    assert duckdb_path("duckdb:////abs/x.duckdb", tmp_path) == Path("/abs/x.duckdb")
    assert duckdb_path("duckdb:///:memory:", tmp_path) is None


@pytest.mark.parametrize("sql", [
    "SELECT 1; SELECT 2", "DELETE FROM t", "INSERT INTO t SELECT 1", "DROP TABLE t",
    "CREATE TABLE t AS SELECT 1", "SELECT * INTO t2 FROM t", "COPY t TO 'x.csv'",
    "ATTACH 'other.duckdb'", "PRAGMA version", "SET threads = 1", "SELEC 1",
    "UPDATE t SET a = 1", "",
])
def test_only_one_select_runs(sql: str) -> None:
    with pytest.raises(EngineError, match="refusing"):
        ensure_select(sql, "duckdb")


def test_queries_and_unions_run() -> None:
    ensure_select("WITH a AS (SELECT 1 AS x) SELECT x FROM a UNION ALL SELECT 2", "duckdb")


def test_duckdb_is_read_only_and_cannot_read_files(tmp_path: Path) -> None:
    write_duckdb(tmp_path / "w.duckdb", [("s.t", (("x", "INTEGER"),), [(1,), (2,)])])
    engine = connect("duckdb:///w.duckdb", tmp_path)
    assert engine.query("SELECT sum(x) AS value FROM s.t").rows == ((3,),)
    with pytest.raises(EngineError, match="file system operations are disabled"):
        engine.query(f"SELECT * FROM read_csv('{tmp_path / 'x.csv'}')")
    engine.close()
    with pytest.raises(EngineError, match="database file not found"):
        DuckDBEngine(tmp_path / "missing.duckdb")


def test_write_duckdb_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "demo.duckdb"
    with pytest.raises(Exception, match=r"Conversion Error|Could not convert"):
        write_duckdb(target, [("s.t", (("x", "INTEGER"),), [("not a number",)])])
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_postgres_password_never_shown() -> None:
    with pytest.raises(EngineError) as caught:
        connect("postgresql://ana:hunter2@127.0.0.1:1/shop")
    assert "hunter2" not in str(caught.value)
    assert "postgresql://ana:***@127.0.0.1:1/shop" in str(caught.value)


@pytest.mark.parametrize("name", ENGINES)
def test_one_query_on_each_engine(request: pytest.FixtureRequest, name: str) -> None:
    engine = engine_for(request, name)
    sql = 'SELECT "order", country, amount, "at" FROM corpus.events WHERE id = 4'
    result = engine.query(sqlglot.transpile(sql, read="duckdb", write=engine.dialect)[0])
    assert result.columns == ("order", "country", "amount", "at")
    assert result.rows == ((4, "Österreich", Decimal("30.00"), datetime(2024, 2, 29, 8)),)


#: A query that runs for minutes on every engine, cancelled by the statement timeout.
SLOW = "SELECT COUNT(*) AS v FROM range(100000000) AS a CROSS JOIN range(100000000) AS b"
SLOW_PG = ("SELECT COUNT(*) AS v FROM generate_series(1, 100000000) AS a, "
           "generate_series(1, 100000000) AS b")


@pytest.mark.parametrize("name", ENGINES)
def test_statement_timeout_cancels_and_the_engine_stays_usable(
        request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    engine = engine_for(request, name)
    monkeypatch.setattr(engine, "timeout", 1.0)
    with pytest.raises(QueryTimeout, match=r"exceeded the 1 s statement timeout \(--timeout\)"):
        engine.query(SLOW_PG if name == "postgres" else SLOW)
    assert engine.query("SELECT 2 AS v").rows == ((2,),)


@pytest.mark.parametrize("name", ENGINES)
def test_engine_errors_are_messages(request: pytest.FixtureRequest, name: str) -> None:
    engine = engine_for(request, name)
    with pytest.raises(EngineError, match="failed"):
        engine.query("SELECT no_such_column FROM corpus.events")
    assert engine.query("SELECT 1 AS value").rows == ((1,),)  # the connection still works


@pytest.mark.postgres
def test_postgres_queries_run_in_a_read_only_transaction(postgres_engine: Engine) -> None:
    result = postgres_engine.query("SELECT current_setting('transaction_read_only') AS ro")
    assert result.rows == (("on",),)


def test_spark_url_needs_a_master() -> None:
    with pytest.raises(EngineError, match="no Spark master"):
        connect("spark://")


@pytest.mark.spark
def test_a_spark_url_borrows_the_running_session_and_leaves_it_running(
        spark_session: Any) -> None:
    """``getOrCreate`` hands back the session this process runs (a notebook's, the test
    harness's): closing the engine must not stop it."""
    from metriclang.warehouse.spark import SparkEngine

    engine = SparkEngine("spark://local[2]")
    assert engine.query("SELECT 1 AS one").rows == ((1,),)
    engine.close()
    assert spark_session.sql("SELECT 2 AS two").collect()[0][0] == 2
