"""Deterministic benchmark tables (orders, sessions, customers) built with DuckDB SQL.

Every value is a pure function of the row number (an integer hash), so every run, on any
machine and DuckDB version, builds the same rows. Two years of data, every day populated.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

#: First day of the data; the data covers DAYS calendar days from here.
START = "2024-01-01"
DAYS = 730

# u(i, k): a uniform integer in [0, 2^31) from row i and stream k (multiply-xorshift hash in
# HUGEINT arithmetic, so it never overflows and does not depend on DuckDB's own hash()).
_MACROS = """
CREATE OR REPLACE MACRO u(i, k) AS (
  ((CAST(i AS HUGEINT) * 2654435761 + k * 97531) % 4294967311) * 2246822519 % 2147483647
);
"""

_TABLES = """
CREATE SCHEMA IF NOT EXISTS bench;
CREATE OR REPLACE TABLE bench.customers AS
SELECT i AS customer_id,
       DATE '{start}' + CAST(u(i, 1) % {days} AS INTEGER) AS created_at,
       ['DE', 'FR', 'CN', 'US', 'GB'][CAST(u(i, 2) % 5 AS INTEGER) + 1] AS country,
       ['consumer', 'business'][CAST(u(i, 3) % 2 AS INTEGER) + 1] AS segment
FROM range({n}) t(i);

CREATE OR REPLACE TABLE bench.sessions AS
SELECT i AS session_id,
       CAST(u(i, 4) % {customers} AS BIGINT) AS customer_id,
       TIMESTAMP '{start}' + to_seconds(CAST(u(i, 5) % ({days} * 86400) AS BIGINT))
         AS started_at,
       u(i, 6) % 3 = 0 AS reached_checkout,
       u(i, 7) % 4 <> 0 AS viewed_product
FROM range({n}) t(i);

-- Orders: 60% follow a session of the same customer by 0-48 hours (so conversions within
-- a day exist), the others are independent.
CREATE OR REPLACE TABLE bench.orders AS
SELECT i AS order_id,
       CASE WHEN u(i, 8) % 5 < 3 THEN s.customer_id
            ELSE CAST(u(i, 9) % {customers} AS BIGINT) END AS customer_id,
       CASE WHEN u(i, 8) % 5 < 3
            THEN s.started_at + to_seconds(CAST(u(i, 10) % 172800 AS BIGINT))
            ELSE TIMESTAMP '{start}' + to_seconds(CAST(u(i, 11) % ({days} * 86400) AS BIGINT))
       END AS ordered_at,
       CAST((u(i, 12) % 50000) / 100.0 AS DECIMAL(12, 2)) AS amount,
       ['paid', 'paid', 'paid', 'refunded', 'cancelled'][CAST(u(i, 13) % 5 AS INTEGER) + 1]
         AS status,
       ['web', 'app', 'store'][CAST(u(i, 14) % 3 AS INTEGER) + 1] AS channel
FROM range({n}) t(i) JOIN bench.sessions s ON s.session_id = t.i;

-- Calendar table MetricFlow needs for windows and cumulative totals (a "time spine").
CREATE OR REPLACE TABLE bench.mf_time_spine AS
SELECT CAST(d AS DATE) AS ds
FROM range(DATE '{start}' - INTERVAL 400 DAY, DATE '{start}' + INTERVAL {spine} DAY,
           INTERVAL 1 DAY) t(d);
"""


def build(path: Path, rows: int = 1_000_000) -> dict[str, int]:
    """Create (or replace) the three tables plus the time spine in the DuckDB file ``path``.

    Returns the row count of each table.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(_MACROS)
        con.execute(_TABLES.format(start=START, days=DAYS, n=rows, customers=rows,
                                   spine=DAYS + 400))
        return {t: con.execute(f"SELECT count(*) FROM bench.{t}").fetchone()[0]
                for t in ("customers", "sessions", "orders")}
    finally:
        con.close()


def is_current(path: Path, rows: int) -> bool:
    """True when ``path`` already holds the tables with ``rows`` rows each."""
    if not path.exists():
        return False
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return False
    try:
        counts = [con.execute(f"SELECT count(*) FROM bench.{t}").fetchone()[0]
                  for t in ("customers", "sessions", "orders")]
    except duckdb.Error:
        return False
    finally:
        con.close()
    return counts == [rows] * 3
