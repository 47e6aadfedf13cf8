"""``osm_window``: trailing windows and running totals as window functions over the frame.

The frame is dense (a row per period and dimension values), so the last ``n`` rows of a
partition are the last ``n`` periods.
"""

from __future__ import annotations

from sqlglot import exp

from metriclang.sqlgen.build.context import Context
from metriclang.sqlgen.plan import DECOMPOSABLE, Leaf, Strategy

_COMBINE = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}


def windowed(ctx: Context) -> bool:
    """Whether any leaf is combined over several periods."""
    return any(leaf.strategy.windowed for leaf in ctx.plan.leaves)


def _over(ctx: Context, leaf: Leaf, column: exp.Expr) -> exp.Window:
    """``column``'s partials combined over the leaf's periods, per dimension values."""
    start = str(leaf.periods - 1) if leaf.strategy is Strategy.ROWS else "UNBOUNDED"
    return exp.Window(
        this=_COMBINE[DECOMPOSABLE.get(leaf.func, "sum")](this=column),
        partition_by=[exp.column(d) for d in ctx.dims],
        order=exp.Order(expressions=[ctx.order(exp.column("period"))]),
        spec=exp.WindowSpec(kind="ROWS", start=start, start_side="PRECEDING", end="CURRENT ROW"),
    )


def window(ctx: Context) -> exp.Select:
    """Every leaf column of ``osm_frame``, windowed leaves combined over their periods."""
    cols: list[exp.Expr] = [exp.column("period"), *[exp.column(d) for d in ctx.dims]]
    for i, leaf in enumerate(ctx.plan.leaves):
        col: exp.Expr = exp.column(f"osm_l{i}")
        if leaf.strategy.windowed:
            col = _over(ctx, leaf, col)
        cols.append(col.as_(f"osm_l{i}", copy=False))
    return exp.select(*cols, copy=False).from_(exp.table_("osm_frame"), copy=False)
