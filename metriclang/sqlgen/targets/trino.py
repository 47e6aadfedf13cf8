"""Trino: ``UNNEST(SEQUENCE(...))`` spine; only approximate percentiles."""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from metriclang.sqlgen.targets.base import Target


class Trino(Target):
    dialect = "trino"
    spine_sql = (
        "SELECT s.period FROM osm_bounds CROSS JOIN "
        "UNNEST(SEQUENCE(osm_lo, osm_hi, INTERVAL '{step}' {unit})) AS s(period)"
    )

    def percentile(self, x: exp.Expr, fraction: Decimal) -> exp.Expr | None:
        return None  # approx_percentile only
