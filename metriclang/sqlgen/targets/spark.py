"""Spark SQL: ``EXPLODE(SEQUENCE(...))`` spine, exact ``percentile``."""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from metriclang.sqlgen.targets.base import Target, number


class Spark(Target):
    dialect = "spark"
    spine_sql = (
        "SELECT EXPLODE(SEQUENCE(osm_lo, osm_hi, INTERVAL {step} {unit})) AS period FROM osm_bounds"
    )

    def percentile(self, x: exp.Expr, fraction: Decimal) -> exp.Expr | None:
        return exp.Anonymous(this="PERCENTILE", expressions=[x, number(fraction)])
