"""What every part of the build reads (the plan, target, date range) and the CTEs it writes.

:class:`Context` is read-only: the project, the plan, the target and the date range, with the
source columns and time conditions every CTE is written from. :class:`Ctes` collects the WITH
list in order and the problems met on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

import sqlglot
from sqlglot import exp

from metriclang import periods
from metriclang.diagnostics import Diagnostic
from metriclang.semantic import model as m
from metriclang.sqlgen.plan import MeasurePlan
from metriclang.sqlgen.targets.base import Target, cast

DATE = exp.DataType.Type.DATE


@dataclass(frozen=True)
class Range:
    """Output periods from ``date_from``/``date_to`` (None: from the data)."""

    lo: date | None
    hi: date | None

    @classmethod
    def of(cls, grain: str, date_from: date | None, date_to: date | None) -> Range:
        """The periods of ``grain`` holding ``date_from`` and ``date_to``."""
        return cls(
            periods.truncate(date_from, grain) if date_from else None,
            periods.truncate(date_to, grain) if date_to else None,
        )


def literal(d: date) -> exp.Expr:
    """``CAST('YYYY-MM-DD' AS DATE)``."""
    return cast(exp.Literal.string(d.isoformat()), DATE)


@cache
def _nulls_are_small(dialect: str) -> bool:
    return sqlglot.Dialect.get_or_raise(dialect).NULL_ORDERING == "nulls_are_small"


@dataclass(frozen=True)
class Context:
    """One plan built for one target over one date range."""

    project: m.Project
    plan: MeasurePlan
    target: Target
    rng: Range
    #: One period of the plan's grain as date arithmetic.
    step: periods.Step
    #: First day of the rows read: the range start, earlier by the periods ``rows`` look back.
    lo_in: date | None
    #: First day after the range.
    hi_end: date | None
    nulls_small: bool

    @classmethod
    def of(cls, project: m.Project, plan: MeasurePlan, target: Target, rng: Range) -> Context:
        grain = plan.grain
        return cls(
            project,
            plan,
            target,
            rng,
            periods.step(grain),
            periods.add(rng.lo, -plan.lookback, grain) if rng.lo else None,
            periods.add(rng.hi, 1, grain) if rng.hi else None,
            _nulls_are_small(target.dialect),
        )

    @property
    def dims(self) -> tuple[str, ...]:
        return self.plan.dimensions

    def source(self, name: str) -> m.Source:
        return self.project.sources[name]

    def table(self, name: str) -> exp.Table:
        *path, table = self.source(name).table
        return exp.table_(
            table, db=path[-1] if path else None, catalog=path[-2] if len(path) > 1 else None
        )

    def time(self, name: str) -> exp.Column:
        return exp.column(self.source(name).time_column)

    def dim(self, source: str, name: str) -> exp.Expr:
        """A dimension's value in a row of ``source``."""
        dimension = self.source(source).dimension(name)
        assert dimension is not None  # checked by the planner
        return self.target.dimension_value(dimension.expr.copy())

    def moment(self, source: str) -> exp.Expr:
        """The time column as compared with period boundaries (first days of periods)."""
        return self.target.moment(self.time(source))

    def period(self, source: str) -> exp.Expr:
        """The first day of the period holding a row of ``source``."""
        return self.target.trunc(self.time(source), self.plan.grain)

    def time_filter(self, source: str, lower: date | None, upper: bool = True) -> list[exp.Expr]:
        """Rows of ``source`` from ``lower`` on and (``upper``) before the end of the range."""
        conds: list[exp.Expr] = []
        if lower is not None:
            conds.append(exp.GTE(this=self.moment(source), expression=literal(lower)))
        if upper and self.hi_end is not None:
            conds.append(exp.LT(this=self.moment(source), expression=literal(self.hi_end)))
        return conds

    def order(self, column: exp.Expr, nulls_last: bool = False) -> exp.Ordered:
        """``column`` ascending, NULLs first (the output contract) unless ``nulls_last``."""
        return exp.Ordered(this=column, nulls_first=False if nulls_last else self.nulls_small)

    def from_start(self, when: exp.Expr, period: exp.Expr) -> exp.Expr:
        """``period``, or the range's first period where ``when`` is before it: what came
        before the first output period counts in it (cumulative measures)."""
        if self.rng.lo is None:
            return period
        lo = literal(self.rng.lo)
        return (
            exp.case()
            .when(exp.LT(this=when, expression=lo), lo.copy(), copy=False)
            .else_(period, copy=False)
        )


@dataclass
class Ctes:
    """The WITH list of the query being built, in order, and the problems met."""

    named: list[tuple[str, exp.Expr]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, name: str, query: exp.Expr) -> str:
        self.named.append((name, query))
        return name

    def part(self, query: exp.Expr) -> str:
        """Add a part (a CTE the frame joins), named by its position."""
        return self.add(f"osm_p{len(self.named)}", query)

    def with_(self) -> exp.With:
        return exp.With(
            expressions=[
                exp.CTE(this=query, alias=exp.TableAlias(this=exp.to_identifier(name)))
                for name, query in self.named
            ]
        )
