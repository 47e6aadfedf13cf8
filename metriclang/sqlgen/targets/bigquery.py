"""BigQuery: ``GENERATE_DATE_ARRAY`` spine, ISO weeks; no exact percentile aggregate."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar

from sqlglot import exp

from metriclang.sqlgen.targets.base import Target, cast


class BigQuery(Target):
    dialect = "bigquery"
    spine_sql = (
        "SELECT period FROM osm_bounds CROSS JOIN "
        "UNNEST(GENERATE_DATE_ARRAY(osm_lo, osm_hi, INTERVAL {step} {unit})) AS period"
    )
    trunc_sql: ClassVar[Mapping[str, str]] = {
        grain: f"DATE_TRUNC(CAST(osm_t AS DATE), {unit})"
        for grain, unit in (
            ("week", "ISOWEEK"),
            ("month", "MONTH"),
            ("quarter", "QUARTER"),
            ("year", "YEAR"),
        )
    }

    def moment(self, t: exp.Expr) -> exp.Expr:
        # TIMESTAMP and DATE don't compare; against a first day, t >= d iff DATE(t) >= d.
        return cast(t, exp.DataType.Type.DATE)

    def percentile(self, x: exp.Expr, fraction: Decimal) -> exp.Expr | None:
        return None  # PERCENTILE_CONT is analytic only; APPROX_QUANTILES is approximate
