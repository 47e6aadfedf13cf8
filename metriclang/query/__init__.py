"""Ad-hoc queries: several measures x dimensions x grain x ``--where`` x range x comparison.

A query is a model transformation, then the one pipeline: each asked measure is re-declared at
the query's grain and dimensions with ``--where`` ANDed into every aggregate it reads
(:mod:`~metriclang.query.derive`); the measures are planned together (:func:`plan_measures`:
one dense period x dimensions grid, each source scanned once), built and rendered by
:func:`~metriclang.sqlgen.compile_plan` through an outer SELECT (:mod:`~metriclang.query.outer`)
that names the columns, adds ``--compare`` and orders. Re-planning at the new grain is what
makes re-graining right for every kind of measure: a sum re-aggregates, a distinct count, a
ratio, a percentile, a window or a conversion is recomputed from the rows.

Public API: :class:`Query`, :func:`compile_query`, :func:`run_query` (in ``run``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from metriclang.diagnostics import Diagnostic
from metriclang.errors import UsageError, did_you_mean
from metriclang.periods import GRAINS
from metriclang.query.spec import COMPARES, Query
from metriclang.semantic.model import Project

if TYPE_CHECKING:
    from metriclang.sqlgen.coverage import Reach

__all__ = ["COMPARES", "Query", "QuerySql", "compile_query", "validate"]


@dataclass(frozen=True)
class QuerySql:
    """A compiled query: its SQL (None when impossible) and diagnostics, to be rendered
    against ``project`` (the loaded project plus the option texts they point into)."""

    project: Project
    sql: str | None
    columns: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    #: What its periods read (None without a plan), to judge which rows are complete.
    reach: Reach | None = None


def validate(project: Project, query: Query) -> tuple[str, bool] | None:
    """Raise :class:`UsageError` for a bad option (exit 2, before any warehouse is opened);
    the parsed ``--order`` as (column, descending), None without."""
    if not query.measures:
        raise UsageError("give at least one MEASURE")
    for name in query.measures:
        if name not in project.measures:
            hint = did_you_mean(name, project.measures)
            raise UsageError(f"unknown measure `{name}`" + (f"; {hint}" if hint else ""))
    if len(set(query.measures)) < len(query.measures):
        raise UsageError("a measure is asked twice")
    for name in query.measures:
        if name.lower() in ("period", "complete"):
            raise UsageError(f"measure `{name}` would be a column named like the query's own "
                             f"`{name.lower()}` column; ask a measure of another name that "
                             "refers to it")
    if len(set(query.by)) < len(query.by):
        raise UsageError("a dimension is asked twice in --by")
    if query.grain is not None and query.grain not in GRAINS:
        raise UsageError(f"unknown grain `{query.grain}`; one of: " + ", ".join(GRAINS))
    if query.compare is not None and query.compare not in COMPARES:
        raise UsageError(f"unknown --compare `{query.compare}`; one of: " + ", ".join(COMPARES))
    if query.limit is not None and query.limit < 0:
        raise UsageError("--limit must be 0 or more")
    if query.order is None:
        return None
    column, _, way = query.order.strip().partition(" ")
    if column not in query.columns or way.strip().lower() not in ("", "asc", "desc"):
        hint = did_you_mean(column, query.columns) or "columns: " + ", ".join(query.columns)
        raise UsageError(f"cannot order by `{query.order}`: write COLUMN or COLUMN desc; {hint}")
    return column, way.strip().lower() == "desc"


def compile_query(project: Project, query: Query, dialect: str) -> QuerySql:
    """The SQL of ``query`` in ``dialect``; raises :class:`UsageError` for a bad option.

    >>> import pathlib, tempfile
    >>> from metriclang.load import load_project
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.osm").write_text("source s { table t time at dimension c } measure m "
    ...                              "{ formula count(s) grain month dimensions c }")
    >>> p = load_project(d).project
    >>> compile_query(p, Query(("m",), by=("c",), grain="year"), "duckdb").columns
    ('period', 'c', 'm')
    >>> bad = compile_query(p, Query(("m",), grain="week"), "duckdb")
    >>> bad.sql, [(str(x.span), x.code) for x in bad.diagnostics]
    (None, [('--grain:1:1', 'E187')])
    """
    from sqlglot import exp

    from metriclang.dialects import OUTPUT_DIALECTS
    from metriclang.query.derive import (
        default_grain,
        derive,
        dimension_problems,
        grain_problems,
        parse_where,
    )
    from metriclang.query.outer import Outer, earlier
    from metriclang.sqlgen import compile_plan
    from metriclang.sqlgen.build import Range
    from metriclang.sqlgen.coverage import reach
    from metriclang.sqlgen.plan import plan_measures
    from metriclang.sqlgen.targets import target

    if dialect not in OUTPUT_DIALECTS:
        raise UsageError(f"unknown dialect `{dialect}`; one of: " + ", ".join(OUTPUT_DIALECTS))
    order = validate(project, query)
    shown = replace(project, files=(*project.files, *query.files()))
    grain = query.grain or default_grain(project, query.measures)
    problems = grain_problems(project, query.measures, grain)
    where, bad = parse_where(project, query.where) if query.where else (None, [])
    problems += bad or dimension_problems(project, query, where)
    if problems:
        return QuerySql(shown, None, query.columns, tuple(problems))
    derived = derive(project, query, grain, where)
    plan, problems = plan_measures(derived, query.measures, query.measures)
    if plan is None:
        return QuerySql(derived, None, query.columns, tuple(problems))
    rng = Range.of(grain, query.date_from, query.date_to)
    lo = rng.lo if query.compare else None
    if query.compare and rng.lo is not None:
        rng = Range(earlier(rng.lo, grain, query.compare), rng.hi)
    tgt = target(dialect)
    keep = where if where is not None and {".".join(p.name for p in c.parts) for c in
                                            where.find_all(exp.Column)} <= set(query.by) else None
    outer = Outer(query, grain, tgt, lo, order, keep)
    sql, found = compile_plan(derived, plan, tgt, rng, outer)
    return QuerySql(derived, sql, query.columns, found, reach(plan))
