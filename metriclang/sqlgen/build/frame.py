"""The dense grid every value is computed on: bounds, the period spine, keys, the frame.

``osm_bounds`` holds the first and last period (from ``--from``/``--to``, else the data's
first and last time); ``osm_spine`` every period start between them; ``osm_keys`` the spine
crossed with every value of the dimensions (read from the grouped scans when they saw every
row); ``osm_frame`` the keys with every part's columns LEFT JOINed (counts and sums 0 where a
period has no rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from sqlglot import exp

from metriclang.sqlgen.build.context import Context, Ctes, literal
from metriclang.sqlgen.plan import Strategy
from metriclang.sqlgen.targets.base import HI, LO, join


class Part(NamedTuple):
    """A CTE the frame joins on period and dimensions, and the leaves it has a column for."""

    cte: str
    leaves: tuple[int, ...]


def bounds_in_scan(ctx: Context) -> bool:
    """Whether ``osm_bounds`` is read from the plan's grouped scan (see
    ``Target.bounds_in_scan``): the target prefers it and the plan reads one source through
    a grouped scan and has no date range."""
    plan = ctx.plan
    return (
        ctx.target.bounds_in_scan
        and ctx.rng.lo is None
        and ctx.rng.hi is None
        and len(plan.sources) == 1
        and any(leaf.strategy.scanned for leaf in plan.leaves)
    )


def spine(ctx: Context, ctes: Ctes, scan: str | None = None) -> None:
    """Add ``osm_bounds`` (and the target's ``osm_digits``) and ``osm_spine``; ``scan``: the
    grouped scan that read every row of the plan's one source, whose first and last periods
    are the bounds (no date range)."""
    lo = literal(ctx.lo_in) if ctx.lo_in else None
    hi = literal(ctx.rng.hi) if ctx.rng.hi else None
    query = exp.select(copy=False)
    if scan is not None:
        query.from_(exp.table_(scan), copy=False)
        lo, hi = exp.Min(this=exp.column("period")), exp.Max(this=exp.column("period"))
    elif lo is None or hi is None:
        low, high = _extremes(ctx, query)
        lo = lo or ctx.target.trunc(low, ctx.plan.grain)
        hi = hi or ctx.target.trunc(high, ctx.plan.grain)
    ctes.add(
        "osm_bounds", query.select(lo.as_(LO, copy=False), hi.as_(HI, copy=False), copy=False)
    )
    digits = ctx.target.digits()
    if digits is not None:
        ctes.add("osm_digits", digits)
    ctes.add("osm_spine", ctx.target.spine(ctx.plan.grain))


def _extremes(ctx: Context, query: exp.Select) -> tuple[exp.Expr, exp.Expr]:
    """The first and last time of the plan's sources, selected by ``query`` (given its
    FROM): one source's ``MIN``/``MAX`` directly, several sources' through a UNION ALL of
    theirs (each nested SELECT costs the engine planning time on every run)."""
    sources = ctx.plan.sources
    if len(sources) == 1:
        query.from_(ctx.table(sources[0]), copy=False)
        return exp.Min(this=ctx.time(sources[0])), exp.Max(this=ctx.time(sources[0]))
    scans = [
        exp.select(
            exp.Min(this=ctx.time(s)).as_(LO, copy=False),
            exp.Max(this=ctx.time(s)).as_(HI, copy=False),
            copy=False,
        ).from_(ctx.table(s), copy=False)
        for s in sources
    ]
    inner = exp.select(
        exp.Min(this=exp.column(LO)).as_(LO, copy=False),
        exp.Max(this=exp.column(HI)).as_(HI, copy=False),
        copy=False,
    ).from_(exp.union(*scans, distinct=False, copy=False).subquery("osm_b", copy=False), copy=False)
    query.from_(inner.subquery("osm_b", copy=False), copy=False)
    return exp.column(LO, "osm_b"), exp.column(HI, "osm_b")


def keys(ctx: Context, ctes: Ctes, complete: Mapping[str, str]) -> str:
    """The CTE of every (period, dimension values): the spine itself without dimensions.

    The values are those of every row of every source a leaf reads, whatever the date range
    (``--from``/``--to`` select periods, not rows) or the leaves' conditions. A source with a
    grouped scan that read all its rows (``complete``: source -> that scan's CTE) gives them
    from its groups, a few rows, instead of a second pass over the table and its joins.
    """
    dims = ctx.dims
    if not dims:
        return "osm_spine"
    read = {leaf.source for leaf in ctx.plan.leaves}
    scans = [
        exp.select(*[exp.column(d) for d in dims], copy=False).from_(
            exp.table_(complete[s]), copy=False
        )
        if s in complete
        else exp.select(*[ctx.dim(s, d).as_(d, copy=False) for d in dims], copy=False).from_(
            ctx.rows(s), copy=False
        )
        for s in ctx.plan.sources
        if s in read
    ]
    union = (
        exp.union(*scans, distinct=True, copy=False)
        if len(scans) > 1
        else scans[0].distinct(copy=False)
    )
    query = join(
        exp.select(
            exp.column("period", "osm_s"), *[exp.column(d, "osm_d") for d in dims], copy=False
        ).from_(exp.table_("osm_spine", alias="osm_s"), copy=False),
        union.subquery("osm_d", copy=False),
        kind="CROSS",
    )
    return ctes.add("osm_keys", query)


def frame(ctx: Context, ctes: Ctes, keys: str, parts: list[Part]) -> str:
    """``osm_frame``: the keys and, joined on period and dimensions, a column per leaf."""
    plan = ctx.plan
    query = exp.select(
        exp.column("period", "osm_k"), *[exp.column(d, "osm_k") for d in ctx.dims], copy=False
    ).from_(exp.table_(keys, alias="osm_k"), copy=False)
    for n, part in enumerate(sorted(parts, key=lambda p: p.leaves)):
        alias = f"osm_j{n}"
        same: list[exp.Expr] = [
            exp.EQ(this=exp.column("period", alias), expression=exp.column("period", "osm_k"))
        ]
        same += [ctx.target.same(exp.column(d, alias), exp.column(d, "osm_k")) for d in ctx.dims]
        query = join(
            query,
            exp.table_(part.cte, alias=alias),
            on=exp.and_(*same, copy=False),
            side="LEFT",
        )
        for i in part.leaves:
            leaf = plan.leaves[i]
            col: exp.Expr = exp.column(f"osm_l{i}", alias)
            if leaf.zero_when_empty or leaf.strategy is Strategy.FIRST_SEEN:
                col = exp.Coalesce(this=col, expressions=[exp.Literal.number(0)])
            query = query.select(col.as_(f"osm_l{i}", copy=False), copy=False)
    return ctes.add("osm_frame", query)
