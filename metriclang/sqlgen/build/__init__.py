"""MeasurePlan -> one sqlglot SELECT (the output contract), through a target's few hooks.

Shape of every query (CTE names start with ``osm_``)::

    osm_bounds   first and last period: from --from/--to, else the data's min..max time
    osm_spine    every period start between them (calendar-correct, no gaps)
    osm_p*       per-period aggregates, one CTE per source (one scan); where the target
                 has ``bounds_in_scan`` (PostgreSQL), a plan over one source without a
                 range puts its scan first, reading every row, and osm_bounds reads the
                 first and last period from it
    osm_keys     spine x distinct dimension values (only with dimensions; from the
                 aggregates above when they read every row of their source)
    osm_p*       ``first_seen``, ``range`` and conversion CTEs per leaf
                 (a conversion's first events: ``osm_f<leaf>``, read twice)
    osm_frame    keys LEFT JOIN every part: a dense grid, counts and sums 0 where no rows
    osm_window   trailing windows and running totals as window functions over the dense grid
    osm_v*       measures used more than once, each computed once as a column ``osm_m<i>``
                 (one CTE per level: a level uses only the columns of the levels before it)
    SELECT period, dimensions, value ... ORDER BY period, dimensions

One module per concern: ``context`` (what every step reads, the CTE list), ``frame`` (bounds,
spine, keys, frame), ``leaves`` (a function per leaf strategy), ``conversions``, ``windows``,
``values`` (shared values and outputs).
"""

from __future__ import annotations

from sqlglot import exp

from metriclang.diagnostics import Diagnostic
from metriclang.semantic import model as m
from metriclang.sqlgen.build.context import Context, Ctes, Range, literal
from metriclang.sqlgen.build.frame import bounds_in_scan, frame, keys, spine
from metriclang.sqlgen.build.leaves import others, scans
from metriclang.sqlgen.build.values import shared, value
from metriclang.sqlgen.build.windows import window, windowed
from metriclang.sqlgen.plan import MeasurePlan
from metriclang.sqlgen.targets.base import Target

__all__ = ["Range", "build_head", "build_query", "head_key"]


def head_key(
    project: m.Project, plan: MeasurePlan, target: Target, rng: Range
) -> tuple[object, ...] | None:
    """Everything the head of the WITH list (``osm_bounds``, ``osm_digits``, ``osm_spine``)
    is built from: plans with equal keys have the same head. ``None``: the plan's bounds are
    read from its own grouped scan, so it has no head to share."""
    ctx = Context.of(project, plan, target, rng)
    if bounds_in_scan(ctx):
        return None
    tables = tuple((ctx.source(s).table, ctx.source(s).time_column) for s in plan.sources)
    return type(target), plan.grain, ctx.lo_in, rng.hi, tables


def build_head(project: m.Project, plan: MeasurePlan, target: Target, rng: Range) -> exp.Select:
    """``WITH osm_bounds AS (...), [osm_digits AS (...),] osm_spine AS (...) SELECT 1``: the
    head of a plan's WITH list, as a query of its own (rendered once, spliced into many)."""
    ctes = Ctes()
    spine(Context.of(project, plan, target, rng), ctes)
    query = exp.select(exp.Literal.number(1), copy=False)
    query.set("with_", ctes.with_())
    return query


def build_query(
    project: m.Project, plan: MeasurePlan, target: Target, rng: Range, head: int | None = None
) -> tuple[exp.Select | None, list[Diagnostic]]:
    """The generic tree of one plan for one target (diagnostics when it can't be expressed).

    ``head``: the number of CTEs of the head of the WITH list (see :func:`build_head`) when
    it is rendered apart and left out of this tree; ``None`` builds it here."""
    ctx, ctes = Context.of(project, plan, target, rng), Ctes(skipped=head or 0)
    own_bounds = bounds_in_scan(ctx)
    assert not (own_bounds and head), "a plan reading its bounds from its scan has no head"
    if head is None and not own_bounds:
        spine(ctx, ctes)
    found, complete = scans(ctx, ctes, every_row=own_bounds)
    if own_bounds:
        spine(ctx, ctes, complete[plan.sources[0]])
    grid = keys(ctx, ctes, complete)
    found += others(ctx, ctes, grid)
    if ctes.diagnostics:
        return None, ctes.diagnostics
    last = frame(ctx, ctes, grid, found)
    if windowed(ctx):
        last = ctes.add("osm_window", window(ctx))
    last = shared(ctx, ctes, last)
    return _output(ctx, ctes, last), []


def _output(ctx: Context, ctes: Ctes, last: str) -> exp.Select:
    """``SELECT period, dimensions, outputs FROM last``, in order, with the WITH list."""
    outputs = [value(ctx, o.value).as_(o.column, copy=False) for o in ctx.plan.outputs]
    query = exp.select(
        exp.column("period"), *[exp.column(d) for d in ctx.dims], *outputs, copy=False
    ).from_(exp.table_(last), copy=False)
    if ctx.plan.lookback and ctx.rng.lo is not None:
        query = query.where(
            exp.GTE(this=exp.column("period"), expression=literal(ctx.rng.lo)), copy=False
        )
    query = query.order_by(
        ctx.order(exp.column("period")),
        *[ctx.order(exp.column(d), nulls_last=True) for d in ctx.dims],
        copy=False,
    )
    query.set("with_", ctes.with_())
    return query
