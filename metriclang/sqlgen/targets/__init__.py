"""One small class per output dialect, for what transpilation alone can't do."""

from __future__ import annotations

from metriclang.sqlgen.targets.base import Target
from metriclang.sqlgen.targets.bigquery import BigQuery
from metriclang.sqlgen.targets.databricks import Databricks
from metriclang.sqlgen.targets.duckdb import DuckDB
from metriclang.sqlgen.targets.mysql import MySQL
from metriclang.sqlgen.targets.postgres import Postgres
from metriclang.sqlgen.targets.redshift import Redshift
from metriclang.sqlgen.targets.snowflake import Snowflake
from metriclang.sqlgen.targets.spark import Spark
from metriclang.sqlgen.targets.trino import Trino
from metriclang.sqlgen.targets.tsql import TSQL

TARGETS: dict[str, type[Target]] = {
    t.dialect: t
    for t in (
        DuckDB,
        Postgres,
        Snowflake,
        BigQuery,
        Databricks,
        Spark,
        Redshift,
        Trino,
        MySQL,
        TSQL,
    )
}


def target(dialect: str) -> Target:
    """The target for an output dialect (see ``OUTPUT_DIALECTS``)."""
    return TARGETS[dialect]()
