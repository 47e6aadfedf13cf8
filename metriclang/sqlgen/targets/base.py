"""The generic target: ANSI-ish SQL that sqlglot transpiles; dialects override a few hooks.

A hook returns a sqlglot tree, or ``None`` when the dialect cannot express the form (the
caller reports a diagnostic). Dialect-specific snippets are fixed templates parsed once in
the target's dialect; their ``osm_*`` columns are placeholders replaced by trees, so user
text never becomes SQL text.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import ClassVar

import sqlglot
from sqlglot import exp

from metriclang.periods import step as period_step

#: Names of the bounds CTE columns the spine templates read.
LO, HI = "osm_lo", "osm_hi"


@cache
def _parsed(dialect: str, sql: str) -> exp.Expr:
    """The snippet's tree without the parser's positions: copying a node copies its ``meta``
    dict too, which made each copy of a template about 2.5 times as slow."""
    tree = sqlglot.parse_one(sql, read=dialect)
    for node in tree.walk():
        node._meta = None
    return tree


def template(dialect: str, sql: str, **values: exp.Expr) -> exp.Expr:
    """Parse a fixed snippet (cached) and put trees in place of its ``osm_<name>`` columns."""
    tree = _parsed(dialect, sql).copy()

    def fill(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name.startswith("osm_"):
            value = values.get(node.name[4:])
            if value is not None:
                return value.copy()
        return node

    return tree.transform(fill, copy=False)


def number(value: int | Decimal) -> exp.Expr:
    return exp.Literal.number(str(value))


def cast(x: exp.Expr, to: exp.DType) -> exp.Expr:
    """``CAST(x AS to)`` without copying ``x`` (``x`` as is when it is already such a cast)."""
    if isinstance(x, exp.Cast) and x.to.this == to:
        return x
    return exp.Cast(this=x, to=exp.DataType(this=to))


def paren(x: exp.Expr) -> exp.Paren:
    """``(x)`` without copying ``x``."""
    return exp.Paren(this=x)


def join(
    query: exp.Select,
    table: exp.Expr,
    on: exp.Expr | None = None,
    side: str | None = None,
    kind: str | None = None,
) -> exp.Select:
    """Append ``[side] [kind] JOIN table [ON on]`` to ``query`` in place (no parsing, no copy)."""
    query.append("joins", exp.Join(this=table, on=on, side=side, kind=kind))
    return query


#: Built spines by (target class name, grain); copied on use.
_SPINES: dict[tuple[str, str], exp.Expr] = {}


class Target:
    """ANSI behaviour; the base of every dialect class."""

    dialect = "duckdb"
    #: Spine template over the bounds CTE: ``{unit}``, ``{step}`` are filled from one period
    #: of the grain (:func:`metriclang.periods.step`).
    spine_sql: str | None = None
    #: The first day (a DATE) of the period holding ``osm_t``, as a snippet in the dialect, for
    #: the grains where the generic ``DATE_TRUNC`` doesn't fit (absent: truncation, Mondays).
    trunc_sql: ClassVar[Mapping[str, str]] = {}
    #: Each percentile in its own scan (sort-based aggregates that can't share a SELECT).
    percentile_alone = False
    #: A plan over one source with no date range takes its bounds from its grouped scan
    #: (which then reads every row, conditions inside the aggregates) instead of a MIN/MAX
    #: scan of its own: one pass over the table instead of two. Worth it on a row store
    #: (PostgreSQL); a columnar engine reads MIN/MAX cheaply and filters cheaper in WHERE
    #: (DuckDB: 1.01x -> 1.15x of hand-written, ``bench/README.md``).
    bounds_in_scan = False

    def trunc(self, t: exp.Expr, grain: str) -> exp.Expr:
        """First day (a DATE) of the ``grain`` period holding ``t``; weeks start on Monday."""
        if grain in self.trunc_sql:
            return template(self.dialect, self.trunc_sql[grain], t=t)
        if grain == "day":
            return cast(t, exp.DataType.Type.DATE)
        return cast(exp.TimestampTrunc(this=t, unit=exp.var(grain.upper())), exp.DataType.Type.DATE)

    def moment(self, t: exp.Expr) -> exp.Expr:
        """An event time as compared with a DATE period boundary (``t >= first_day``)."""
        return t

    def dimension_value(self, expr: exp.Expr) -> exp.Expr:
        """A dimension's expression as a selectable, groupable value."""
        return expr

    def same(self, a: exp.Expr, b: exp.Expr) -> exp.Expr:
        """NULL-safe equality, used to join on dimension values (NULL is a value)."""
        return exp.NullSafeEQ(this=a, expression=b)

    def add(self, d: exp.Expr, amount: int, unit: str) -> exp.Expr:
        """A DATE ``amount`` DAY or MONTH units after ``d``."""
        if amount == 0:
            return d
        return cast(
            exp.DateAdd(this=d, expression=number(amount), unit=exp.var(unit)),
            exp.DataType.Type.DATE,
        )

    def add_duration(self, t: exp.Expr, amount: int, unit: str) -> exp.Expr:
        """A timestamp plus a duration (conversion windows)."""
        return exp.Add(
            this=t,
            expression=exp.Interval(
                this=exp.Literal.string(str(amount)), unit=exp.var(unit.upper())
            ),
        )

    def spine(self, grain: str) -> exp.Expr:
        """SELECT ``period`` (each period start from ``osm_lo`` to ``osm_hi``) FROM the bounds."""
        key = (type(self).__name__, grain)
        if key not in _SPINES:
            unit, step = period_step(grain)
            _SPINES[key] = (
                self.numbers_spine(unit, step)
                if self.spine_sql is None
                else template(
                    self.dialect,
                    self.spine_sql.format(unit=unit, step=step, unit_lower=unit.lower()),
                )
            )
        return _SPINES[key].copy()

    def digits(self) -> exp.Expr | None:
        """The ``osm_digits`` CTE (0..9) the numbers spine reads, when this target uses it."""
        if self.spine_sql is not None:
            return None
        return exp.union(
            *[exp.select(number(i).as_("d", copy=False), copy=False) for i in range(10)],
            distinct=False,
            copy=False,
        )

    def numbers_spine(self, unit: str, step: int) -> exp.Expr:
        """Portable spine from cross-joined ``osm_digits``, dates up to ``hi``: 100,000 days,
        10,000 weeks or months, 1,000 quarters or years (no date overflows year 9999)."""
        query = exp.select().from_(exp.table_("osm_bounds"), copy=False)
        n: exp.Expr | None = None
        for level in range({("DAY", 1): 5, ("DAY", 7): 4, ("MONTH", 1): 4}.get((unit, step), 3)):
            alias = f"d{level}"
            query = join(query, exp.table_("osm_digits", alias=alias), kind="CROSS")
            digit: exp.Expr = exp.column("d", alias)
            if level:
                digit = exp.Mul(this=digit, expression=number(10**level))
            n = digit if n is None else exp.Add(this=n, expression=digit)
        assert n is not None
        steps = exp.Mul(this=paren(n), expression=number(step)) if step != 1 else n
        period = cast(
            exp.DateAdd(this=exp.column(LO), expression=steps, unit=exp.var(unit)),
            exp.DataType.Type.DATE,
        )
        return query.select(period.as_("period", copy=False), copy=False).where(
            exp.LTE(this=period.copy(), expression=exp.column(HI)), copy=False
        )

    def percentile(self, x: exp.Expr, fraction: Decimal) -> exp.Expr | None:
        """Exact (interpolated) percentile aggregate; ``None`` when the dialect has none."""
        return exp.WithinGroup(
            this=exp.PercentileCont(this=number(fraction)),
            expression=exp.Order(expressions=[exp.Ordered(this=x, nulls_first=False)]),
        )

    def double(self, x: exp.Expr) -> exp.Expr:
        """``x`` as a floating-point number, so that division never truncates."""
        return cast(x, exp.DataType.Type.DOUBLE)
