"""MySQL 8: no DATE_TRUNC (periods from date parts), numbers spine, no percentile."""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from metriclang.sqlgen.targets.base import Target, template

_TRUNC = {
    "week": "DATE_SUB(CAST(osm_t AS DATE), INTERVAL WEEKDAY(osm_t) DAY)",
    "month": "MAKEDATE(YEAR(osm_t), 1) + INTERVAL (MONTH(osm_t) - 1) MONTH",
    "quarter": "MAKEDATE(YEAR(osm_t), 1) + INTERVAL (QUARTER(osm_t) - 1) QUARTER",
    "year": "MAKEDATE(YEAR(osm_t), 1)",
}


class MySQL(Target):
    dialect = "mysql"

    def trunc(self, t: exp.Expr, grain: str) -> exp.Expr:
        if grain == "day":
            return super().trunc(t, grain)
        return template(self.dialect, _TRUNC[grain], t=t)

    def percentile(self, x: exp.Expr, fraction: Decimal) -> exp.Expr | None:
        return None
