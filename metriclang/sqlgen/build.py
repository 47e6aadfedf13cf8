"""MeasurePlan -> one sqlglot SELECT (the output contract), through a target's few hooks.

Shape of every query (CTE names start with ``osm_``)::

    osm_bounds   first and last period: from --from/--to, else the data's min..max time
    osm_spine    every period start between them (calendar-correct, no gaps)
    osm_keys     spine x distinct dimension values (only with dimensions)
    osm_p*       per-period aggregates, one CTE per source (one scan), ``first_seen``,
                 ``range`` and conversion CTEs per leaf
    osm_frame    keys LEFT JOIN every part: a dense grid, counts and sums 0 where no rows
    osm_window   trailing windows and running totals as window functions over the dense grid
    osm_v*       measures used more than once, each computed once as a column ``osm_m<i>``
                 (one CTE per level: a level uses only the columns of the levels before it)
    SELECT period, dimensions, value ... ORDER BY period, dimensions
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import sqlglot
from sqlglot import exp

from metriclang.diagnostics import Diagnostic, error
from metriclang.semantic import model as m
from metriclang.sqlgen.plan import (
    DECOMPOSABLE,
    Arith,
    Leaf,
    LeafRef,
    MeasurePlan,
    Minus,
    Num,
    SharedRef,
    Value,
)
from metriclang.sqlgen.targets.base import HI, LO, STEPS, Target, cast, join, paren

#: Calendar units of a duration as (DAY|MONTH, multiplier).
_UNIT = {
    "day": ("DAY", 1),
    "week": ("DAY", 7),
    "month": ("MONTH", 1),
    "quarter": ("MONTH", 3),
    "year": ("MONTH", 12),
}
DATE = exp.DataType.Type.DATE


def py_trunc(d: date, grain: str) -> date:
    """The first day of ``grain`` holding ``d`` (weeks start on Monday).

    >>> py_trunc(date(2025, 1, 2), "week"), py_trunc(date(2024, 2, 29), "quarter")
    (datetime.date(2024, 12, 30), datetime.date(2024, 1, 1))
    """
    match grain:
        case "week":
            return d - timedelta(days=d.weekday())
        case "month":
            return d.replace(day=1)
        case "quarter":
            return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
        case "year":
            return date(d.year, 1, 1)
    return d


def py_add(d: date, amount: int, unit: str) -> date:
    """``d`` plus ``amount`` DAY or MONTH units (month ends clamp, as in SQL); beyond the
    calendar the result is its first or last day (``--to 9999-12-31`` plans, never fails).

    >>> py_add(date(2024, 3, 31), -1, "MONTH"), py_add(date(2024, 2, 26), 7, "DAY")
    (datetime.date(2024, 2, 29), datetime.date(2024, 3, 4))
    >>> py_add(date(9999, 12, 1), 1, "MONTH"), py_add(date(1, 1, 1), -10**9, "DAY")
    (datetime.date(9999, 12, 31), datetime.date(1, 1, 1))
    """
    if unit == "DAY":
        try:
            return d + timedelta(days=amount)
        except OverflowError:
            return date.max if amount > 0 else date.min
    months = d.year * 12 + d.month - 1 + amount
    year, month = divmod(months, 12)
    if not date.min.year <= year <= date.max.year:
        return date.max if amount > 0 else date.min
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue
    raise ValueError(d)


def _sub(query: exp.Expr, alias: str) -> exp.Subquery:
    return exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(alias)))


def _table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name))


def _tbl(name: str, alias: str) -> exp.Table:
    table = _table(name)
    table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return table


@cache
def _nulls_are_small(dialect: str) -> bool:
    return sqlglot.Dialect.get_or_raise(dialect).NULL_ORDERING == "nulls_are_small"


def literal(d: date) -> exp.Expr:
    return cast(exp.Literal.string(d.isoformat()), DATE)


@dataclass(frozen=True)
class Range:
    """Output periods from ``date_from``/``date_to`` (None: from the data)."""

    lo: date | None
    hi: date | None


class _Builder:
    def __init__(self, project: m.Project, plan: MeasurePlan, target: Target, rng: Range) -> None:
        self.project, self.plan, self.t, self.rng = project, plan, target, rng
        self.unit, self.step = STEPS[plan.grain]
        self.lo_in = py_add(rng.lo, -plan.lookback * self.step, self.unit) if rng.lo else None
        self.hi_end = py_add(rng.hi, self.step, self.unit) if rng.hi else None
        self.ctes: list[tuple[str, exp.Expr]] = []
        self.diagnostics: list[Diagnostic] = []
        self.null_small = _nulls_are_small(target.dialect)

    # ------------------------------------------------------------ helpers
    def source(self, name: str) -> m.Source:
        return self.project.sources[name]

    def table(self, name: str) -> exp.Table:
        parts = [exp.to_identifier(p) for p in self.source(name).table]
        return exp.Table(
            this=parts[-1],
            db=parts[-2] if len(parts) > 1 else None,
            catalog=parts[-3] if len(parts) > 2 else None,
        )

    def time(self, name: str) -> exp.Column:
        return exp.column(self.source(name).time_column)

    def dim(self, source: str, name: str) -> exp.Expr:
        dimension = self.source(source).dimension(name)
        assert dimension is not None  # checked by the planner
        return self.t.dimension_value(dimension.expr.copy())

    def moment(self, source: str) -> exp.Expr:
        """The time column as compared with period boundaries (first days of periods)."""
        return self.t.moment(self.time(source))

    def period(self, source: str) -> exp.Expr:
        return self.t.trunc(self.time(source), self.plan.grain)

    def time_filter(self, source: str, lower: date | None, upper: bool = True) -> list[exp.Expr]:
        conds: list[exp.Expr] = []
        if lower is not None:
            conds.append(exp.GTE(this=self.moment(source), expression=literal(lower)))
        if upper and self.hi_end is not None:
            conds.append(exp.LT(this=self.moment(source), expression=literal(self.hi_end)))
        return conds

    def order(self, column: exp.Expr, nulls_last: bool = False) -> exp.Ordered:
        return exp.Ordered(this=column, nulls_first=False if nulls_last else self.null_small)

    def dims_eq(self, left: str, right: str) -> list[exp.Expr]:
        conds: list[exp.Expr] = [
            exp.EQ(this=exp.column("period", left), expression=exp.column("period", right))
        ]
        conds += [
            self.t.same(exp.column(d, left), exp.column(d, right)) for d in self.plan.dimensions
        ]
        return conds

    def add_cte(self, name: str, query: exp.Expr) -> str:
        self.ctes.append((name, query))
        return name

    # ------------------------------------------------------------ bounds, spine, keys
    def bounds(self) -> None:
        lo = literal(self.lo_in) if self.lo_in else None
        hi = literal(self.rng.hi) if self.rng.hi else None
        query = exp.select()
        if lo is None or hi is None:
            scans = [
                exp.select(
                    exp.Min(this=self.time(s)).as_(LO, copy=False),
                    exp.Max(this=self.time(s)).as_(HI, copy=False),
                ).from_(self.table(s), copy=False)
                for s in self.plan.sources
            ]
            union = exp.union(*scans, distinct=False, copy=False) if len(scans) > 1 else scans[0]
            inner = exp.select(
                exp.Min(this=exp.column(LO)).as_(LO, copy=False),
                exp.Max(this=exp.column(HI)).as_(HI, copy=False),
            ).from_(_sub(union, "osm_b"), copy=False)
            query = query.from_(_sub(inner, "osm_b"), copy=False)
            lo = lo or self.t.trunc(exp.column(LO, "osm_b"), self.plan.grain)
            hi = hi or self.t.trunc(exp.column(HI, "osm_b"), self.plan.grain)
        self.add_cte(
            "osm_bounds", query.select(lo.as_(LO, copy=False), hi.as_(HI, copy=False), copy=False)
        )
        digits = self.t.digits()
        if digits is not None:
            self.add_cte("osm_digits", digits)
        spine = self.t.spine(self.plan.grain)
        assert spine is not None
        self.add_cte("osm_spine", spine)

    def keys(self) -> str:
        dims = self.plan.dimensions
        if not dims:
            return "osm_spine"
        scans = []
        for s in self.plan.sources:
            if s not in {leaf.source for leaf in self.plan.leaves}:
                continue
            # All values, whatever the date range: --from/--to select periods, not rows.
            scans.append(
                exp.select(*[self.dim(s, d).as_(d, copy=False) for d in dims]).from_(
                    self.table(s), copy=False
                )
            )
        union = (
            exp.union(*scans, distinct=True, copy=False)
            if len(scans) > 1
            else scans[0].distinct(copy=False)
        )
        query = join(
            exp.select(
                exp.column("period", "osm_s"), *[exp.column(d, "osm_d") for d in dims]
            ).from_(_tbl("osm_spine", "osm_s"), copy=False),
            _sub(union, "osm_d"),
            kind="CROSS",
        )
        return self.add_cte("osm_keys", query)

    # ------------------------------------------------------------ aggregates
    def aggregate(
        self,
        leaf: Leaf,
        x: exp.Expr | None,
        cond: exp.Expr | None,
    ) -> exp.Expr | None:
        """The aggregate of ``x`` over rows meeting ``cond`` (CASE inside: leaves share a scan)."""

        def guarded(value: exp.Expr | None) -> exp.Expr:
            assert value is not None  # every aggregate but count(SRC) has an expression
            if cond is None:
                return value
            return exp.Case(ifs=[exp.If(this=cond.copy(), true=value)])

        match leaf.func:
            case "count":
                if x is None and cond is None:
                    return exp.Count(this=exp.Star())
                return exp.Count(this=guarded(x if x is not None else exp.Literal.number(1)))
            case "count_distinct":
                return exp.Count(this=exp.Distinct(expressions=[guarded(x)]))
            case "sum":
                return exp.Sum(this=guarded(x))
            case "avg":
                return exp.Avg(this=guarded(x))
            case "min":
                return exp.Min(this=guarded(x))
            case "max":
                return exp.Max(this=guarded(x))
            case "percentile":
                assert leaf.fraction is not None
                agg = self.t.percentile(guarded(x), leaf.fraction)
                if agg is None:
                    self.diagnostics.append(
                        error(
                            "E182",
                            f"{self.t.dialect} has no exact percentile or median aggregate",
                            self.plan.span,
                            "compile this measure for another dialect",
                        )
                    )
                return agg
        raise ValueError(leaf.func)

    def per_period(self, source: str, items: list[tuple[int, Leaf]], running: bool) -> str:
        """One scan of ``source`` grouped by period and dimensions, a column per leaf."""
        period = self.period(source)
        lower = self.lo_in
        if running and self.rng.lo is not None:  # rows before the first period count in it
            lo = literal(self.rng.lo)
            period = exp.Case(
                ifs=[exp.If(this=exp.LT(this=self.moment(source), expression=lo), true=lo.copy())],
                default=period,
            )
            lower = None
        dims = [self.dim(source, d) for d in self.plan.dimensions]
        cols: list[exp.Expr] = [period.as_("period", copy=False)]
        cols += [e.as_(d, copy=False) for e, d in zip(dims, self.plan.dimensions, strict=True)]
        # One condition shared by every leaf filters rows in WHERE (cheaper than a CASE per
        # aggregate); periods it leaves empty still appear through the spine join of the frame.
        shared = items[0][1].where
        if shared is not None and any(leaf.where != shared for _, leaf in items[1:]):
            shared = None
        for i, leaf in items:
            agg = self.aggregate(leaf, leaf.expr, None if shared is not None else leaf.where)
            if agg is not None:
                cols.append(agg.as_(f"osm_l{i}", copy=False))
        query = (
            exp.select(*cols)
            .from_(self.table(source), copy=False)
            .group_by(period.copy(), *[d.copy() for d in dims], copy=False)
        )
        conds = [shared.copy()] if shared is not None else []
        conds += self.time_filter(source, lower)
        if conds:
            query = query.where(exp.and_(*conds, copy=False), copy=False)
        return self.add_cte(f"osm_p{len(self.ctes)}", query)

    def first_seen(self, i: int, leaf: Leaf) -> str:
        """Cumulative distinct count: each value counted once, in the period it first appears."""
        s, dims = leaf.source, self.plan.dimensions
        assert leaf.expr is not None
        conds: list[exp.Expr] = [exp.Not(this=exp.Is(this=leaf.expr.copy(), expression=exp.Null()))]
        conds += [leaf.where.copy()] if leaf.where is not None else []
        conds += self.time_filter(s, None)
        firsts = (
            exp.select(
                *[self.dim(s, d).as_(d, copy=False) for d in dims],
                exp.Min(this=self.period(s)).as_("osm_first", copy=False),
            )
            .from_(self.table(s), copy=False)
            .where(exp.and_(*conds, copy=False), copy=False)
            .group_by(*[self.dim(s, d) for d in dims], leaf.expr.copy(), copy=False)
        )
        period: exp.Expr = exp.column("osm_first")
        if self.rng.lo is not None:
            lo = literal(self.rng.lo)
            period = exp.Case(
                ifs=[exp.If(this=exp.LT(this=period.copy(), expression=lo), true=lo.copy())],
                default=period,
            )
        query = (
            exp.select(
                period.as_("period", copy=False),
                *[exp.column(d) for d in dims],
                exp.Count(this=exp.Star()).as_(f"osm_l{i}", copy=False),
            )
            .from_(_sub(firsts, "osm_f"), copy=False)
            .group_by(period.copy(), *[exp.column(d) for d in dims], copy=False)
        )
        return self.add_cte(f"osm_p{len(self.ctes)}", query)

    def ranged(self, i: int, leaf: Leaf, keys: str) -> str:
        """Rows joined to every period whose trailing window (or history) holds them."""
        s, dims = leaf.source, self.plan.dimensions
        rows = exp.select(
            self.moment(s).as_("osm_t", copy=False),
            *[self.dim(s, d).as_(d, copy=False) for d in dims],
        ).from_(self.table(s), copy=False)
        if leaf.expr is not None:
            rows = rows.select(leaf.expr.copy().as_("osm_v", copy=False), copy=False)
        conds = [leaf.where.copy()] if leaf.where is not None else []
        end = self.t.add(exp.column("period", "osm_k"), self.step, self.unit)
        on: list[exp.Expr] = [exp.LT(this=exp.column("osm_t", "osm_r"), expression=end)]
        if leaf.window is not None:
            unit, factor = _UNIT[leaf.window.unit]
            start = self.t.add(end.copy(), -leaf.window.amount * factor, unit)
            on.append(exp.GTE(this=exp.column("osm_t", "osm_r"), expression=start))
            if self.lo_in is not None:
                first = py_add(
                    py_add(self.lo_in, self.step, self.unit), -leaf.window.amount * factor, unit
                )
                conds += self.time_filter(s, first, upper=False)
        conds += self.time_filter(s, None)
        if conds:
            rows = rows.where(exp.and_(*conds, copy=False), copy=False)
        on += [self.t.same(exp.column(d, "osm_r"), exp.column(d, "osm_k")) for d in dims]
        value = exp.column("osm_v", "osm_r") if leaf.expr is not None else None
        agg = self.aggregate(leaf, value, None)
        query = join(
            exp.select(
                exp.column("period", "osm_k"),
                *[exp.column(d, "osm_k") for d in dims],
                (agg or exp.Null()).as_(f"osm_l{i}", copy=False),
            ).from_(_tbl(keys, "osm_k"), copy=False),
            _sub(rows, "osm_r"),
            on=exp.and_(*on, copy=False),
        ).group_by(
            exp.column("period", "osm_k"), *[exp.column(d, "osm_k") for d in dims], copy=False
        )
        return self.add_cte(f"osm_p{len(self.ctes)}", query)

    def conversion(self, i: int, leaf: Leaf) -> str:
        """Share of entities whose first FROM event in the period reaches TO within the duration."""
        conv = leaf.conversion
        assert conv is not None
        src, dst, dims = conv.from_source, conv.to_source, self.plan.dimensions
        f_entity = self.source(src).entity(conv.entity)
        t_entity = self.source(dst).entity(conv.entity)
        assert f_entity is not None and t_entity is not None
        period = self.period(src)
        dim_exprs = [self.dim(src, d) for d in dims]
        f_conds: list[exp.Expr] = [
            exp.Not(this=exp.Is(this=exp.column(f_entity.column), expression=exp.Null()))
        ]
        f_conds += [conv.from_where.copy()] if conv.from_where is not None else []
        f_conds += self.time_filter(src, self.lo_in)
        firsts = (
            exp.select(
                period.as_("period", copy=False),
                *[e.as_(d, copy=False) for e, d in zip(dim_exprs, dims, strict=True)],
                exp.column(f_entity.column).as_("osm_e", copy=False),
                exp.Min(this=self.time(src)).as_("osm_first", copy=False),
            )
            .from_(self.table(src), copy=False)
            .where(exp.and_(*f_conds, copy=False), copy=False)
            .group_by(
                period.copy(),
                *[e.copy() for e in dim_exprs],
                exp.column(f_entity.column),
                copy=False,
            )
        )
        t_conds: list[exp.Expr] = [
            exp.Not(this=exp.Is(this=exp.column(t_entity.column), expression=exp.Null()))
        ]
        t_conds += [conv.to_where.copy()] if conv.to_where is not None else []
        reached = (
            exp.select(
                exp.column(t_entity.column).as_("osm_e", copy=False),
                self.time(dst).as_("osm_t", copy=False),
            )
            .from_(self.table(dst), copy=False)
            .where(exp.and_(*t_conds, copy=False), copy=False)
        )
        first_at = exp.column("osm_first", "osm_f")
        on = exp.and_(
            exp.EQ(this=exp.column("osm_e", "osm_r"), expression=exp.column("osm_e", "osm_f")),
            exp.GTE(this=exp.column("osm_t", "osm_r"), expression=first_at),
            exp.LTE(
                this=exp.column("osm_t", "osm_r"),
                expression=self.t.add_duration(
                    first_at.copy(), conv.within.amount, conv.within.unit
                ),
            ),
            copy=False,
        )
        hits = exp.Count(
            this=exp.Distinct(
                expressions=[
                    exp.Case(
                        ifs=[
                            exp.If(
                                this=exp.Not(
                                    this=exp.Is(
                                        this=exp.column("osm_e", "osm_r"), expression=exp.Null()
                                    )
                                ),
                                true=exp.column("osm_e", "osm_f"),
                            )
                        ]
                    )
                ]
            )
        )
        seen = exp.Count(this=exp.Distinct(expressions=[exp.column("osm_e", "osm_f")]))
        share = exp.Div(
            this=self.t.double(hits),
            expression=exp.Nullif(this=seen, expression=exp.Literal.number(0)),
        )
        query = join(
            exp.select(
                exp.column("period", "osm_f"),
                *[exp.column(d, "osm_f") for d in dims],
                share.as_(f"osm_l{i}", copy=False),
            ).from_(_sub(firsts, "osm_f"), copy=False),
            _sub(reached, "osm_r"),
            on=on,
            side="LEFT",
        ).group_by(
            exp.column("period", "osm_f"), *[exp.column(d, "osm_f") for d in dims], copy=False
        )
        return self.add_cte(f"osm_p{len(self.ctes)}", query)

    # ------------------------------------------------------------ assembly
    def value(self, node: Value) -> exp.Expr:
        match node:
            case Num(value=v):
                return exp.Literal.number(str(v))
            case LeafRef(index=i):
                return exp.column(f"osm_l{i}")
            case SharedRef(index=i):
                return exp.column(f"osm_m{i}")
            case Minus(operand=operand):
                return exp.Neg(this=paren(self.value(operand)))
            case Arith(op="/", left=left, right=right):
                return exp.Div(
                    this=self.t.double(self.value(left)),
                    expression=exp.Nullif(this=self.value(right), expression=exp.Literal.number(0)),
                )
            case Arith(op=op, left=left, right=right):
                cls = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[op]
                return paren(cls(this=self.value(left), expression=self.value(right)))
        raise TypeError(node)

    def build(self) -> exp.Select | None:
        plan, dims = self.plan, self.plan.dimensions
        self.bounds()
        keys = self.keys()
        parts: list[tuple[str, list[int]]] = []
        grouped: dict[tuple[str, bool, int], list[tuple[int, Leaf]]] = {}
        for i, leaf in enumerate(plan.leaves):
            match leaf.strategy:
                case "period" | "rows" | "running":
                    alone = i if leaf.func == "percentile" and self.t.percentile_alone else -1
                    key = (leaf.source, leaf.strategy == "running", alone)
                    grouped.setdefault(key, []).append((i, leaf))
                case "first_seen":
                    parts.append((self.first_seen(i, leaf), [i]))
                case "range":
                    parts.append((self.ranged(i, leaf, keys), [i]))
                case "conversion":
                    parts.append((self.conversion(i, leaf), [i]))
        for (source, running, _), items in sorted(grouped.items()):
            parts.append((self.per_period(source, items, running), [i for i, _ in items]))
        if self.diagnostics:
            return None
        frame = exp.select(
            exp.column("period", "osm_k"), *[exp.column(d, "osm_k") for d in dims]
        ).from_(_tbl(keys, "osm_k"), copy=False)
        for n, (name, indexes) in enumerate(sorted(parts, key=lambda p: p[1])):
            alias = f"osm_j{n}"
            frame = join(
                frame,
                _tbl(name, alias),
                on=exp.and_(*self.dims_eq(alias, "osm_k"), copy=False),
                side="LEFT",
            )
            for i in indexes:
                col: exp.Expr = exp.column(f"osm_l{i}", alias)
                if plan.leaves[i].zero_when_empty or plan.leaves[i].strategy == "first_seen":
                    col = exp.Coalesce(this=col, expressions=[exp.Literal.number(0)])
                frame = frame.select(col.as_(f"osm_l{i}", copy=False), copy=False)
        last = self.add_cte("osm_frame", frame)
        windowed = [
            i
            for i, leaf in enumerate(plan.leaves)
            if leaf.strategy in ("rows", "running", "first_seen")
        ]
        if windowed:
            last = self.add_cte("osm_window", self.window(windowed))
        for n, level in enumerate(_levels(plan), start=1):
            columns = [self.value(plan.shared[i].value).as_(f"osm_m{i}", copy=False) for i in level]
            query = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(last)), *columns)
            last = self.add_cte(f"osm_v{n}", query.from_(_table(last), copy=False))
        outputs = [self.value(o.value).as_(o.column, copy=False) for o in plan.outputs]
        query = exp.select(exp.column("period"), *[exp.column(d) for d in dims], *outputs).from_(
            _table(last), copy=False
        )
        if plan.lookback and self.rng.lo is not None:
            query = query.where(
                exp.GTE(this=exp.column("period"), expression=literal(self.rng.lo)), copy=False
            )
        query = query.order_by(
            self.order(exp.column("period")),
            *[self.order(exp.column(d), nulls_last=True) for d in dims],
            copy=False,
        )
        query.set(
            "with_",
            exp.With(
                expressions=[
                    exp.CTE(this=cte, alias=exp.TableAlias(this=exp.to_identifier(name)))
                    for name, cte in self.ctes
                ]
            ),
        )
        return query

    def window(self, windowed: list[int]) -> exp.Select:
        dims = self.plan.dimensions
        cols: list[exp.Expr] = [exp.column("period"), *[exp.column(d) for d in dims]]
        for i, leaf in enumerate(self.plan.leaves):
            col: exp.Expr = exp.column(f"osm_l{i}")
            if i in windowed:
                func = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}[
                    DECOMPOSABLE.get(leaf.func, "sum")
                ]
                spec = exp.WindowSpec(
                    kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"
                )
                if leaf.strategy == "rows":
                    spec = exp.WindowSpec(
                        kind="ROWS",
                        start=str(leaf.periods - 1),
                        start_side="PRECEDING",
                        end="CURRENT ROW",
                    )
                col = exp.Window(
                    this=func(this=col),
                    partition_by=[exp.column(d) for d in dims],
                    order=exp.Order(expressions=[self.order(exp.column("period"))]),
                    spec=spec,
                )
            cols.append(col.as_(f"osm_l{i}", copy=False))
        return exp.select(*cols).from_(_table("osm_frame"), copy=False)


def _levels(plan: MeasurePlan) -> list[list[int]]:
    """Shared values by level: a value's level is one more than the highest level it uses."""
    level: list[int] = []
    out: list[list[int]] = []
    for i, shared in enumerate(plan.shared):  # each uses only shared values listed before it
        level.append(max((level[j] + 1 for j in _shared_refs(shared.value)), default=0))
        if level[i] == len(out):
            out.append([])
        out[level[i]].append(i)
    return out


def _shared_refs(node: Value) -> list[int]:
    match node:
        case SharedRef(index=i):
            return [i]
        case Arith(left=left, right=right):
            return _shared_refs(left) + _shared_refs(right)
        case Minus(operand=operand):
            return _shared_refs(operand)
    return []


def build_query(
    project: m.Project, plan: MeasurePlan, target: Target, rng: Range
) -> tuple[exp.Select | None, list[Diagnostic]]:
    """The generic tree of one plan for one target (diagnostics when it can't be expressed)."""
    builder = _Builder(project, plan, target, rng)
    query = builder.build()
    return query, builder.diagnostics
