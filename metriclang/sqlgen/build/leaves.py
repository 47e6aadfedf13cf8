"""The parts of the frame: one function per leaf strategy (see :class:`Strategy`).

``period``, ``rows`` and ``running`` leaves of one source share one grouped scan
(:func:`scans`; ``rows`` and ``running`` are then combined over periods in ``osm_window``);
``first_seen``, ``range`` and ``conversion`` leaves get a CTE each (:func:`others`, after
``osm_keys``, which ``range`` joins and which may read the scans).
"""

from __future__ import annotations

from sqlglot import exp

from metriclang import periods
from metriclang.diagnostics import error
from metriclang.sqlgen.build.context import Context, Ctes
from metriclang.sqlgen.build.conversions import conversion
from metriclang.sqlgen.build.frame import Part
from metriclang.sqlgen.plan import Leaf, Strategy
from metriclang.sqlgen.targets.base import join

#: Leaves sharing a scan: (source, running, own scan: leaf index or -1).
_ScanKey = tuple[str, bool, int]


def scans(
    ctx: Context, ctes: Ctes, every_row: bool = False
) -> tuple[list[Part], dict[str, str]]:
    """The grouped scans (``period``, ``rows`` and ``running`` leaves of one source share
    one), and per source the first of them that reads every row of it (no ``WHERE``): its
    dimension values are all the source's, so :func:`~.frame.keys` can take them from it.
    ``every_row``: the first scan of each source reads every row (its conditions inside the
    aggregates), for ``osm_bounds`` to read the source's first and last periods from it."""
    grouped: dict[_ScanKey, list[tuple[int, Leaf]]] = {}
    for i, leaf in enumerate(ctx.plan.leaves):
        if leaf.strategy.scanned:
            alone = i if leaf.func == "percentile" and ctx.target.percentile_alone else -1
            key = (leaf.source, leaf.strategy is Strategy.RUNNING, alone)
            grouped.setdefault(key, []).append((i, leaf))
    found: list[Part] = []
    complete: dict[str, str] = {}
    for (source, running, _), items in sorted(grouped.items()):
        cte, whole = scan(ctx, ctes, source, items, running, every_row and source not in complete)
        found.append(Part(cte, tuple(i for i, _ in items)))
        if whole:
            complete.setdefault(source, cte)
    return found, complete


def others(ctx: Context, ctes: Ctes, keys: str) -> list[Part]:
    """A part per ``first_seen``, ``range`` and ``conversion`` leaf (``range`` joins
    ``keys``)."""
    found: list[Part] = []
    for i, leaf in enumerate(ctx.plan.leaves):
        match leaf.strategy:
            case Strategy.FIRST_SEEN:
                found.append(Part(first_seen(ctx, ctes, i, leaf), (i,)))
            case Strategy.RANGE:
                found.append(Part(ranged(ctx, ctes, i, leaf, keys), (i,)))
            case Strategy.CONVERSION:
                found.append(Part(conversion(ctx, ctes, i, leaf), (i,)))
    return found


def aggregate(
    ctx: Context, ctes: Ctes, leaf: Leaf, x: exp.Expr | None, cond: exp.Expr | None
) -> exp.Expr | None:
    """The aggregate of ``x`` over rows meeting ``cond`` (CASE inside: leaves share a scan);
    ``None`` (and a diagnostic) when the target can't compute it."""

    def guarded(value: exp.Expr | None) -> exp.Expr:
        assert value is not None  # every aggregate but count(SRC) has an expression
        if cond is None:
            return value
        return exp.case().when(cond.copy(), value, copy=False)

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
            agg = ctx.target.percentile(guarded(x), leaf.fraction)
            if agg is None:
                ctes.diagnostics.append(
                    error(
                        "E182",
                        f"{ctx.target.dialect} has no exact percentile or median aggregate",
                        ctx.plan.span,
                        "compile this measure for another dialect",
                    )
                )
            return agg
    raise ValueError(leaf.func)


def scan(
    ctx: Context,
    ctes: Ctes,
    source: str,
    items: list[tuple[int, Leaf]],
    running: bool,
    every_row: bool = False,
) -> tuple[str, bool]:
    """``period``, ``rows`` and ``running`` leaves: one scan of ``source`` grouped by period
    and dimensions, a column per leaf; rows before the range count in its first period when
    ``running``. Its name, and whether it reads every row (no ``WHERE``; ``every_row``: the
    leaves' conditions go inside the aggregates even when they share one)."""
    period = ctx.period(source)
    lower = ctx.lo_in
    if running and ctx.rng.lo is not None:
        period = ctx.from_start(ctx.moment(source), period)
        lower = None
    dims = [ctx.dim(source, d) for d in ctx.dims]
    cols: list[exp.Expr] = [period.as_("period", copy=False)]
    cols += [e.as_(d, copy=False) for e, d in zip(dims, ctx.dims, strict=True)]
    # One condition shared by every leaf filters rows in WHERE (cheaper than a CASE per
    # aggregate); periods it leaves empty still appear through the spine join of the frame.
    shared = None if every_row else items[0][1].where
    if shared is not None and any(leaf.where != shared for _, leaf in items[1:]):
        shared = None
    for i, leaf in items:
        agg = aggregate(ctx, ctes, leaf, leaf.expr, None if shared is not None else leaf.where)
        if agg is not None:
            cols.append(agg.as_(f"osm_l{i}", copy=False))
    query = (
        exp.select(*cols, copy=False)
        .from_(ctx.rows(source), copy=False)
        .group_by(period.copy(), *[d.copy() for d in dims], copy=False)
    )
    conds = [shared.copy()] if shared is not None else []
    conds += ctx.time_filter(source, lower)
    if conds:
        query = query.where(exp.and_(*conds, copy=False), copy=False)
    return ctes.part(query), not conds


def first_seen(ctx: Context, ctes: Ctes, i: int, leaf: Leaf) -> str:
    """Cumulative distinct count: each value counted once, in the period it first appears."""
    s, dims = leaf.source, ctx.dims
    assert leaf.expr is not None
    conds: list[exp.Expr] = [leaf.expr.is_(exp.null()).not_(copy=False)]
    conds += [leaf.where.copy()] if leaf.where is not None else []
    conds += ctx.time_filter(s, None)
    firsts = (
        exp.select(
            *[ctx.dim(s, d).as_(d, copy=False) for d in dims],
            exp.Min(this=ctx.period(s)).as_("osm_first", copy=False),
            copy=False,
        )
        .from_(ctx.rows(s), copy=False)
        .where(exp.and_(*conds, copy=False), copy=False)
        .group_by(*[ctx.dim(s, d) for d in dims], leaf.expr.copy(), copy=False)
    )
    first = exp.column("osm_first")
    period = ctx.from_start(first.copy(), first)
    query = (
        exp.select(
            period.as_("period", copy=False),
            *[exp.column(d) for d in dims],
            exp.Count(this=exp.Star()).as_(f"osm_l{i}", copy=False),
            copy=False,
        )
        .from_(firsts.subquery("osm_f", copy=False), copy=False)
        .group_by(period.copy(), *[exp.column(d) for d in dims], copy=False)
    )
    return ctes.part(query)


def ranged(ctx: Context, ctes: Ctes, i: int, leaf: Leaf, keys: str) -> str:
    """``range`` leaves: rows joined to every period whose trailing window (or, cumulative,
    history) holds them."""
    s, dims = leaf.source, ctx.dims
    rows = exp.select(
        ctx.moment(s).as_("osm_t", copy=False),
        *[ctx.dim(s, d).as_(d, copy=False) for d in dims], copy=False,
    ).from_(ctx.rows(s), copy=False)
    if leaf.expr is not None:
        rows = rows.select(leaf.expr.copy().as_("osm_v", copy=False), copy=False)
    conds = [leaf.where.copy()] if leaf.where is not None else []
    end = ctx.target.add(exp.column("period", "osm_k"), ctx.step.amount, ctx.step.base)
    on: list[exp.Expr] = [exp.LT(this=exp.column("osm_t", "osm_r"), expression=end)]
    if leaf.window is not None:
        window = periods.step(leaf.window.unit)
        start = ctx.target.add(end.copy(), -leaf.window.amount * window.amount, window.base)
        on.append(exp.GTE(this=exp.column("osm_t", "osm_r"), expression=start))
        if ctx.lo_in is not None:
            first = periods.add(
                periods.add(ctx.lo_in, 1, ctx.plan.grain), -leaf.window.amount, leaf.window.unit
            )
            conds += ctx.time_filter(s, first, upper=False)
    conds += ctx.time_filter(s, None)
    if conds:
        rows = rows.where(exp.and_(*conds, copy=False), copy=False)
    on += [ctx.target.same(exp.column(d, "osm_r"), exp.column(d, "osm_k")) for d in dims]
    value = exp.column("osm_v", "osm_r") if leaf.expr is not None else None
    agg = aggregate(ctx, ctes, leaf, value, None)
    query = join(
        exp.select(
            exp.column("period", "osm_k"),
            *[exp.column(d, "osm_k") for d in dims],
            (agg or exp.null()).as_(f"osm_l{i}", copy=False),
            copy=False,
        ).from_(exp.table_(keys, alias="osm_k"), copy=False),
        rows.subquery("osm_r", copy=False),
        on=exp.and_(*on, copy=False),
    ).group_by(exp.column("period", "osm_k"), *[exp.column(d, "osm_k") for d in dims], copy=False)
    return ctes.part(query)
