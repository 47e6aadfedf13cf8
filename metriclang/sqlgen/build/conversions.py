"""``conversion`` leaves: the share of entities whose first FROM event in a period reaches a
TO event within the duration."""

from __future__ import annotations

from sqlglot import exp

from metriclang.sqlgen.build.context import Context, Ctes
from metriclang.sqlgen.plan import Leaf
from metriclang.sqlgen.targets.base import join


def _known(column: exp.Expr) -> exp.Expr:
    """``column IS NOT NULL``."""
    return column.is_(exp.null()).not_(copy=False)


def conversion(ctx: Context, ctes: Ctes, i: int, leaf: Leaf) -> str:
    """Per period: entities whose first FROM event falls in it (``osm_f<i>``), those of them
    with a TO event (``osm_r``) at or after it and within the duration (``osm_c``); their
    share, a column."""
    conv = leaf.conversion
    assert conv is not None
    src, dst, dims = conv.from_source, conv.to_source, ctx.dims
    f_entity = ctx.source(src).entity(conv.entity)
    t_entity = ctx.source(dst).entity(conv.entity)
    assert f_entity is not None and t_entity is not None
    period = ctx.period(src)
    dim_exprs = [ctx.dim(src, d) for d in dims]
    f_conds = [_known(exp.column(f_entity.column))]
    f_conds += [conv.from_where.copy()] if conv.from_where is not None else []
    f_conds += ctx.time_filter(src, ctx.lo_in)
    firsts = (
        exp.select(
            period.as_("period", copy=False),
            *[e.as_(d, copy=False) for e, d in zip(dim_exprs, dims, strict=True)],
            exp.column(f_entity.column).as_("osm_e", copy=False),
            exp.Min(this=ctx.time(src)).as_("osm_first", copy=False),
            copy=False,
        )
        .from_(ctx.rows(src), copy=False)
        .where(exp.and_(*f_conds, copy=False), copy=False)
        .group_by(
            period.copy(),
            *[e.copy() for e in dim_exprs],
            exp.column(f_entity.column),
            copy=False,
        )
    )
    # No ``entity IS NOT NULL`` on the TO side: the equality of the join below already
    # drops NULL entities, and DuckDB's estimate of such a filter made it build its hash
    # table on every TO event instead of on the first events (1.59x the hand-written
    # query at 10,000,000 rows, bench/compare/kinds.py).
    reached = exp.select(
        exp.column(t_entity.column).as_("osm_e", copy=False),
        ctx.time(dst).as_("osm_t", copy=False),
        copy=False,
    ).from_(ctx.rows(dst), copy=False)
    if conv.to_where is not None:
        reached = reached.where(conv.to_where.copy(), copy=False)
    first_at = exp.column("osm_first", "osm_f")
    on = exp.and_(
        exp.EQ(this=exp.column("osm_e", "osm_r"), expression=exp.column("osm_e", "osm_f")),
        exp.GTE(this=exp.column("osm_t", "osm_r"), expression=first_at),
        exp.LTE(
            this=exp.column("osm_t", "osm_r"),
            expression=ctx.target.add_duration(
                first_at.copy(), conv.within.amount, conv.within.unit
            ),
        ),
        copy=False,
    )
    # Like a hand-written query: the converted (period, entity) pairs once (an inner join
    # and DISTINCT), LEFT JOINed back to the first events; cheaper than COUNT(DISTINCT ...)
    # over the LEFT JOIN of every first event to every TO event.
    cohort = ctes.add(f"osm_f{i}", firsts)
    keys = [exp.column("period", "osm_f"), *[exp.column(d, "osm_f") for d in dims]]
    converted = join(
        exp.select(*keys, exp.column("osm_e", "osm_f"), copy=False)
        .distinct(copy=False)
        .from_(exp.table_(cohort, alias="osm_f"), copy=False),
        reached.subquery("osm_r", copy=False),
        on=on,
    )
    same: list[exp.Expr] = [
        exp.EQ(this=exp.column("period", "osm_c"), expression=exp.column("period", "osm_f")),
        exp.EQ(this=exp.column("osm_e", "osm_c"), expression=exp.column("osm_e", "osm_f")),
    ]
    same += [ctx.target.same(exp.column(d, "osm_c"), exp.column(d, "osm_f")) for d in dims]
    share = exp.Div(
        this=ctx.target.double(exp.Count(this=exp.column("osm_e", "osm_c"))),
        expression=exp.Nullif(
            this=exp.Count(this=exp.Star()), expression=exp.Literal.number(0)
        ),
    )
    query = join(
        exp.select(*[k.copy() for k in keys], share.as_(f"osm_l{i}", copy=False), copy=False).from_(
            exp.table_(cohort, alias="osm_f"), copy=False
        ),
        converted.subquery("osm_c", copy=False),
        on=exp.and_(*same, copy=False),
        side="LEFT",
    ).group_by(*[k.copy() for k in keys], copy=False)
    return ctes.part(query)
