"""Names of the SQL dialects metriclang reads and writes (sqlglot dialect names)."""

from __future__ import annotations

#: Output dialects, in the order ``--dialect all`` writes them.
OUTPUT_DIALECTS: tuple[str, ...] = (
    "duckdb",
    "postgres",
    "snowflake",
    "bigquery",
    "databricks",
    "spark",
    "redshift",
    "trino",
    "mysql",
    "tsql",
)

#: Dialects row expressions and conditions may be written in.
INPUT_DIALECTS: tuple[str, ...] = (*OUTPUT_DIALECTS, "sqlite", "oracle", "clickhouse", "presto")
