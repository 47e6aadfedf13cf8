"""DuckDB: ``generate_series`` spine, ``quantile_cont``."""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from metriclang.sqlgen.targets.base import Target, number


class DuckDB(Target):
    dialect = "duckdb"
    # the bounds as scalar subqueries, not a lateral CROSS JOIN: DuckDB plans the lateral
    # series as a correlated join (a hash join and a grouping on the bounds), about a tenth
    # of a simple query's time on 1,000,000 rows (bench/compare/kinds.py)
    spine_sql = (
        "SELECT CAST(s.period AS DATE) AS period FROM GENERATE_SERIES("
        "CAST((SELECT osm_lo FROM osm_bounds) AS TIMESTAMP), "
        "CAST((SELECT osm_hi FROM osm_bounds) AS TIMESTAMP), "
        "INTERVAL '{step}' {unit}) AS s(period)"
    )

    def percentile(self, x: exp.Expr, fraction: Decimal) -> exp.Expr | None:
        # over a DECIMAL, QUANTILE_CONT keeps the scale: the median of 46.20 and 46.25 would
        # be 46.22, where PostgreSQL and Spark interpolate to 46.225
        return exp.Anonymous(this="QUANTILE_CONT", expressions=[self.double(x), number(fraction)])
