"""DuckDB: ``generate_series`` spine, ``quantile_cont``."""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from metriclang.sqlgen.targets.base import Target, number


class DuckDB(Target):
    dialect = "duckdb"
    # UNNEST of the list GENERATE_SERIES: the table function (as a lateral CROSS JOIN or
    # with scalar subqueries) costs DuckDB a correlated join or evaluating the bounds while
    # binding, a tenth of a simple query's time on 1,000,000 rows (bench/compare/kinds.py)
    spine_sql = (
        "SELECT CAST(UNNEST(GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), "
        "CAST(osm_hi AS TIMESTAMP), INTERVAL '{step}' {unit})) AS DATE) AS period "
        "FROM osm_bounds"
    )

    def percentile(self, x: exp.Expr, fraction: Decimal) -> exp.Expr | None:
        # over a DECIMAL, QUANTILE_CONT keeps the scale: the median of 46.20 and 46.25 would
        # be 46.22, where PostgreSQL and Spark interpolate to 46.225
        return exp.Anonymous(this="QUANTILE_CONT", expressions=[self.double(x), number(fraction)])
