"""MySQL 8: no DATE_TRUNC (periods from date parts), numbers spine, no percentile."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar

from sqlglot import exp

from metriclang.sqlgen.targets.base import Target


class MySQL(Target):
    dialect = "mysql"
    trunc_sql: ClassVar[Mapping[str, str]] = {
        "week": "DATE_SUB(CAST(osm_t AS DATE), INTERVAL WEEKDAY(osm_t) DAY)",
        "month": "MAKEDATE(YEAR(osm_t), 1) + INTERVAL (MONTH(osm_t) - 1) MONTH",
        "quarter": "MAKEDATE(YEAR(osm_t), 1) + INTERVAL (QUARTER(osm_t) - 1) QUARTER",
        "year": "MAKEDATE(YEAR(osm_t), 1)",
    }

    def percentile(self, x: exp.Expr, fraction: Decimal) -> exp.Expr | None:
        return None
