"""DuckDB: ``generate_series`` spine, ``quantile_cont``."""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from metriclang.sqlgen.targets.base import Target, number


class DuckDB(Target):
    dialect = "duckdb"
    spine_sql = (
        "SELECT CAST(s.period AS DATE) AS period FROM osm_bounds CROSS JOIN "
        "GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), CAST(osm_hi AS TIMESTAMP), "
        "INTERVAL '{step}' {unit}) AS s(period)"
    )

    def percentile(self, x: exp.Expr, fraction: Decimal) -> exp.Expr | None:
        # over a DECIMAL, QUANTILE_CONT keeps the scale: the median of 46.20 and 46.25 would
        # be 46.22, where PostgreSQL and Spark interpolate to 46.225
        return exp.Anonymous(this="QUANTILE_CONT", expressions=[self.double(x), number(fraction)])
