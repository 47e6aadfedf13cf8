"""Fetch measure series from a warehouse with the generated SQL (the I/O edge of verify).

A measure with output dimensions is verified on its total: it is compiled as if it had no
``dimensions`` statement, so a rate stays a rate (summing per-dimension rates would not).
Periods the data does not cover completely (the week still running, censored conversion
cohorts, trailing windows reaching before the data: the rows ``osm run`` marks incomplete)
are left out, so a partial last period never reads as a fall.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from metriclang.diagnostics import Diagnostic
from metriclang.periods import day
from metriclang.progress import SILENT, Progress
from metriclang.semantic.model import Project
from metriclang.verify.series import Series
from metriclang.warehouse.coverage import Bounds
from metriclang.warehouse.result import Engine, EngineError


@dataclass(frozen=True)
class Fetched:
    """Series by measure name; why the others are missing; diagnostics from compiling SQL."""

    series: dict[str, Series]
    missing: dict[str, str]
    diagnostics: tuple[Diagnostic, ...]


def totals_project(project: Project, measure: str) -> Project:
    """The project with ``measure``'s output dimensions removed (its total per period)."""
    m = project.measures[measure]
    if not m.dimensions:
        return project
    return replace(project, measures={**project.measures, measure: replace(m, dimensions=())})


def _as_float(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal | int | float):
        return float(value)
    return float(str(value))


def fetch_series(project: Project, engine: Engine, measures: Iterable[str],
                 date_from: date | None = None, date_to: date | None = None,
                 progress: Progress = SILENT) -> Fetched:
    """Run each measure's SQL on ``engine`` and keep its complete periods; failures are
    recorded, never raised; ``progress`` shows the measure being fetched."""
    from metriclang.sqlgen import compile_sql
    from metriclang.sqlgen.coverage import measure_reach

    series: dict[str, Series] = {}
    missing: dict[str, str] = {}
    diagnostics: list[Diagnostic] = []
    bounds = Bounds(project, engine)
    for name in progress.track(list(measures), "fetch"):
        sql, diags = compile_sql(totals_project(project, name), name, engine.dialect,
                                 date_from=date_from, date_to=date_to)
        diagnostics += diags
        if sql is None:
            missing[name] = diags[0].message if diags else "its SQL could not be generated"
            continue
        reach = measure_reach(project, name)
        assert reach is not None  # it compiled
        try:
            result = engine.query(sql)
            coverage = bounds.coverage(reach.sources)
        except EngineError as exc:
            missing[name] = str(exc)
            continue
        period, value = result.columns.index("period"), result.columns.index("value")
        s = Series.of(name, project.measures[name].grain,
                      ((day(r[period]), _as_float(r[value])) for r in result.rows
                       if r[period] is not None
                       and coverage.complete(day(r[period]), reach)))
        if len(s):
            series[name] = s
        else:
            missing[name] = "the query returned no rows"
    return Fetched(series, missing, tuple(diagnostics))
