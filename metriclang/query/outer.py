"""The outer SELECT of a query over the fused plan's result (CTE ``osm_result``): output
names, ``--compare`` (the result joined to itself one period or one year earlier), order,
limit. Comparison offsets are calendar arithmetic from :mod:`metriclang.periods`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlglot import exp

from metriclang.periods import add_days, add_months, step
from metriclang.query.spec import Query
from metriclang.semantic.joins import column_name
from metriclang.sqlgen.targets.base import Target, join

RESULT, NOW, BEFORE = "osm_result", "osm_c", "osm_p"


def offset(grain: str, compare: str) -> tuple[str, int]:
    """How far back the compared period starts, as (``DAY`` or ``MONTH``, amount).

    ``previous_period``: one period (a week is 7 days, so week 1 follows the last week of the
    year before). ``previous_year``: 12 months; for weeks 52 weeks (364 days, the same
    weekday); for days the same date a year earlier, clamped (2024-02-29 -> 2023-02-28).

    >>> offset("week", "previous_period"), offset("day", "previous_year")
    (('DAY', 7), ('MONTH', 12))
    """
    if compare == "previous_period":
        base, amount = step(grain)
        return base, amount
    return ("DAY", 364) if grain == "week" else ("MONTH", 12)


def earlier(day: date, grain: str, compare: str) -> date:
    """The start of the period ``day``'s period is compared with."""
    base, amount = offset(grain, compare)
    return add_days(day, -amount) if base == "DAY" else add_months(day, -amount)


def _current(node: exp.Expr) -> exp.Expr:
    """A dimension named in ``--where`` as the result's column of that dimension
    (``customer.segment`` -> ``customer__segment``)."""
    if isinstance(node, exp.Column):
        return exp.column(column_name(".".join(p.name for p in node.parts)), NOW)
    return node


@dataclass(frozen=True)
class Outer:
    """Everything the outer SELECT needs besides the inner one."""

    query: Query
    grain: str
    target: Target
    #: First output period when the inner query starts earlier (for ``--compare``).
    lo: date | None
    order: tuple[str, bool] | None  # (column, descending)
    #: ``--where`` when it names only ``--by`` dimensions: it also drops the grid's rows
    #: whose dimension values it excludes (the grid holds every value the data has).
    where: exp.Expression | None = None

    def __call__(self, inner: exp.Select) -> exp.Select:
        """``inner`` (its ORDER BY dropped, its CTEs hoisted) as ``osm_result``, selected from."""
        with_ = inner.args["with_"]
        inner.set("with_", None)
        inner.set("order", None)
        with_.append("expressions", exp.CTE(this=inner, alias=exp.TableAlias(
            this=exp.to_identifier(RESULT))))
        exprs = self.columns()
        outer = exp.select(*[e.as_(c, copy=False) for c, e in exprs.items()]).from_(
            exp.table_(RESULT, alias=NOW), copy=False)
        if self.query.compare:
            outer = self.previous(outer)
        if self.lo is not None:
            outer = outer.where(exp.GTE(this=exp.column("period", NOW), expression=exp.cast(
                exp.Literal.string(self.lo.isoformat()), exp.DataType.Type.DATE)), copy=False)
        if self.where is not None:
            outer = outer.where(exp.paren(self.where.transform(_current), copy=False), copy=False)
        outer = outer.order_by(*self.ordering(exprs), copy=False)
        if self.query.limit is not None:
            outer = outer.limit(self.query.limit, copy=False)
        outer.set("with_", with_)
        return outer

    def columns(self) -> dict[str, exp.Expr]:
        """Each output column's expression, in the order of :attr:`Query.columns`."""
        q, double = self.query, self.target.double
        out: dict[str, exp.Expr] = {"period": exp.column("period", NOW)}
        out |= {q.column(d): exp.column(q.column(d), NOW) for d in q.by}
        for name in q.measures:
            out[name] = exp.column(name, NOW)
            if q.compare:
                now, before = exp.column(name, NOW), exp.column(name, BEFORE)
                out[f"{name}__previous"] = before.copy()
                ratio = exp.Div(this=double(now), expression=exp.Nullif(
                    this=double(before), expression=exp.Literal.number(0)))
                out[f"{name}__change"] = exp.Sub(this=ratio, expression=exp.Literal.number(1))
        return out

    def previous(self, outer: exp.Select) -> exp.Select:
        """LEFT JOIN the result to itself at the compared period and the same dimensions."""
        assert self.query.compare is not None
        base, amount = offset(self.grain, self.query.compare)
        same: list[exp.Expr] = [exp.column("period", BEFORE).eq(
            self.target.add(exp.column("period", NOW), -amount, base))]
        same += [self.target.same(exp.column(c, BEFORE), exp.column(c, NOW))
                 for c in map(self.query.column, self.query.by)]
        return join(outer, exp.table_(RESULT, alias=BEFORE), on=exp.and_(*same, copy=False),
                    side="LEFT")

    def ordering(self, exprs: dict[str, exp.Expr]) -> list[exp.Ordered]:
        """``--order`` first when given, then period and dimensions (NULL dimensions last)."""
        keys = ["period", *(self.query.column(d) for d in self.query.by)]
        out = []
        if self.order is not None:
            column, desc = self.order
            out.append(exp.Ordered(this=exprs[column].copy(), desc=desc, nulls_first=False))
            keys = [k for k in keys if k != column]
        out += [exp.Ordered(this=exprs[k].copy(), nulls_first=False) for k in keys]
        return out
