"""BigQuery: ``GENERATE_DATE_ARRAY`` spine, ISO weeks; no exact percentile aggregate."""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from metriclang.sqlgen.targets.base import Target, cast

_UNITS = {"week": "ISOWEEK", "month": "MONTH", "quarter": "QUARTER", "year": "YEAR"}


class BigQuery(Target):
    dialect = "bigquery"
    spine_sql = (
        "SELECT period FROM osm_bounds CROSS JOIN "
        "UNNEST(GENERATE_DATE_ARRAY(osm_lo, osm_hi, INTERVAL {step} {unit})) AS period"
    )

    def trunc(self, t: exp.Expr, grain: str) -> exp.Expr:
        day = cast(t, exp.DataType.Type.DATE)
        if grain == "day":
            return day
        return exp.DateTrunc(this=day, unit=exp.var(_UNITS[grain]))  # type: ignore[no-untyped-call]

    def moment(self, t: exp.Expr) -> exp.Expr:
        # TIMESTAMP and DATE don't compare; against a first day, t >= d iff DATE(t) >= d.
        return cast(t, exp.DataType.Type.DATE)

    def percentile(self, x: exp.Expr, fraction: Decimal) -> exp.Expr | None:
        return None  # PERCENTILE_CONT is analytic only; APPROX_QUANTILES is approximate
