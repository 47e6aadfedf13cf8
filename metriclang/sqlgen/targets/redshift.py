"""Redshift: PostgreSQL family, but ``generate_series`` can't be joined to tables, there is
no ``IS NOT DISTINCT FROM``, percentiles of different values can't share a SELECT, and (a
column store) the bounds keep their own MIN/MAX scan."""

from __future__ import annotations

from sqlglot import exp

from metriclang.sqlgen.targets.base import paren
from metriclang.sqlgen.targets.postgres import Postgres


class Redshift(Postgres):
    dialect = "redshift"
    spine_sql = None  # the portable numbers spine
    # "Multiple calls to sort-based aggregate functions must all use the same ORDER BY".
    percentile_alone = True
    bounds_in_scan = False  # columnar: MIN/MAX is cheap, WHERE filters cheaper

    def same(self, a: exp.Expr, b: exp.Expr) -> exp.Expr:
        both_null = exp.and_(a.is_(exp.null()), b.is_(exp.null()), copy=False)
        return paren(exp.or_(exp.EQ(this=a, expression=b), paren(both_null), copy=False))
