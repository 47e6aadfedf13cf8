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
from metriclang.sqlgen.targets.base import Target, cast, join

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


def _qualified(expr: exp.Expr, alias: str) -> exp.Expr:
    """A dimension source's expression with its columns read from ``alias``."""

    def qualify(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table:
            return exp.column(node.this.copy(), alias)
        return node

    return expr.copy().transform(qualify, copy=False)


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

    def table(self, name: str, alias: str | None = None) -> exp.Table:
        return source_table(self.source(name), alias)

    def rows(self, name: str) -> exp.Expr:
        """What a part reads of ``name``: its table, or with dimensions reached through
        entities, ``(SELECT osm_s.*, <dimension> AS customer__segment ... FROM table AS osm_s
        LEFT JOIN <dimension source> AS osm_h0 ON <key> ...) AS osm_rows``: only LEFT JOINs
        to dimension sources on their key (a type-2 one: the version valid at the row's time),
        so every row stays once and an unmatched one keeps a NULL dimension."""
        paths = self.plan.paths(name)
        if not paths:
            return self.table(name)
        fact = self.source(name)
        query = exp.select(
            exp.Column(this=exp.Star(), table=exp.to_identifier("osm_s")), copy=False
        ).from_(self.table(name, "osm_s"), copy=False)
        aliases: dict[str, str] = {}  # entities followed so far -> alias of their join
        for path in paths:
            previous, prefix = "osm_s", ""
            for hop in path.hops:
                prefix = f"{prefix}.{hop.entity}"
                if prefix not in aliases:
                    aliases[prefix] = alias = f"osm_h{len(aliases)}"
                    on = self._hop(fact, hop.source, exp.column(hop.column, previous), alias)
                    join(query, self.table(hop.source, alias), on=on, side="LEFT")
                previous = aliases[prefix]
            dimension = self.source(path.hops[-1].source).dimension(path.dimension)
            assert dimension is not None  # checked by the resolver
            value = _qualified(dimension.expr, previous)
            query = query.select(value.as_(path.column, copy=False), copy=False)
        return query.subquery("osm_rows", copy=False)

    def _hop(self, fact: m.Source, source: str, column: exp.Expr, alias: str) -> exp.Expr:
        """``alias.key = column`` and, for a type-2 source, the version valid at the fact
        row's time: ``valid_from <= t AND (valid_to IS NULL OR t < valid_to)``."""
        target = self.source(source)
        assert target.key is not None
        conds: list[exp.Expr] = [exp.EQ(this=column, expression=exp.column(target.key, alias))]
        if target.valid is not None:
            start, end = (exp.column(c, alias) for c in target.valid)
            t = exp.column(fact.time_column, "osm_s")
            conds.append(exp.LTE(this=start, expression=t))
            conds.append(
                exp.or_(
                    end.is_(exp.null()), exp.LT(this=t.copy(), expression=end.copy()), copy=False
                )
            )
        return exp.and_(*conds, copy=False)

    def time(self, name: str) -> exp.Column:
        return exp.column(self.source(name).time_column)

    def dim(self, source: str, name: str) -> exp.Expr:
        """A dimension's value in a row of ``source`` (a joined one: its column of
        :meth:`rows`)."""
        if any(path.column == name for path in self.plan.paths(source)):
            return self.target.dimension_value(exp.column(name))
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
    """The WITH list of the query being built, in order, and the problems met; ``skipped``
    CTEs at its head are left out (rendered apart) but count in the parts' names."""

    named: list[tuple[str, exp.Expr]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: int = 0

    def add(self, name: str, query: exp.Expr) -> str:
        self.named.append((name, query))
        return name

    def part(self, query: exp.Expr) -> str:
        """Add a part (a CTE the frame joins), named by its position."""
        return self.add(f"osm_p{self.skipped + len(self.named)}", query)

    def with_(self) -> exp.With:
        return exp.With(
            expressions=[
                exp.CTE(this=query, alias=exp.TableAlias(this=exp.to_identifier(name)))
                for name, query in self.named
            ]
        )


def source_table(source: m.Source, alias: str | None = None) -> exp.Table:
    """The table a source reads (``catalog.db.table`` as declared)."""
    *path, table = source.table
    return exp.table_(
        table,
        db=path[-1] if path else None,
        catalog=path[-2] if len(path) > 1 else None,
        alias=alias,
    )
