"""SQL Server: periods from date parts (``DATETRUNC`` depends on ``DATEFIRST``), numbers spine;
``PERCENTILE_CONT`` is analytic only."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar

from sqlglot import exp

from metriclang.sqlgen.targets.base import Target, paren


class TSQL(Target):
    dialect = "tsql"
    trunc_sql: ClassVar[Mapping[str, str]] = {
        # 1900-01-01 was a Monday.
        "week": "DATEADD(DAY, -(DATEDIFF(DAY, CAST('19000101' AS DATE), CAST(osm_t AS DATE)) "
        "% 7), CAST(osm_t AS DATE))",
        "month": "DATEFROMPARTS(YEAR(osm_t), MONTH(osm_t), 1)",
        "quarter": "DATEFROMPARTS(YEAR(osm_t), (DATEPART(QUARTER, osm_t) - 1) * 3 + 1, 1)",
        "year": "DATEFROMPARTS(YEAR(osm_t), 1, 1)",
    }

    def dimension_value(self, expr: exp.Expr) -> exp.Expr:
        # T-SQL has no boolean values: a condition used as a dimension becomes 1 / 0 / NULL.
        if not isinstance(expr, (exp.Predicate, exp.Connector, exp.Not, exp.Boolean)):
            return expr
        return (
            exp.case()
            .when(expr, exp.Literal.number(1), copy=False)
            .when(paren(expr.copy()).not_(copy=False), exp.Literal.number(0), copy=False)
        )

    def add_duration(self, t: exp.Expr, amount: int, unit: str) -> exp.Expr:
        return exp.DateAdd(
            this=t, expression=exp.Literal.number(amount), unit=exp.var(unit.upper())
        )

    def percentile(self, x: exp.Expr, fraction: Decimal) -> exp.Expr | None:
        return None
