"""Each measure's series of periods (its total over its dimensions), for status views.

One engine is opened (by :func:`metriclang.warehouse.opened`) for all the measures, and each
measure is one query of the one pipeline (:func:`~metriclang.query.compile_query` at its own
grain, no ``--by``): for a measure without dimensions its rows are ``osm run``'s; for one
with dimensions, the total over them (``osm query MEASURE``). ``breakdowns`` asks each
dimension too, for the docs site. Each point says whether its period is complete, judged as
``osm run`` does (:mod:`metriclang.warehouse.coverage`; each source's bounds asked once).
:func:`fetch` is that one measure's query; ``osm verify`` fetches its series with it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from metriclang.diagnostics import Diagnostic, DiagnosticSet, Severity
from metriclang.periods import day
from metriclang.query import Query, compile_query
from metriclang.semantic.model import Project
from metriclang.warehouse import opened
from metriclang.warehouse.compute import Notice
from metriclang.warehouse.coverage import Bounds
from metriclang.warehouse.guard import DEFAULT_TIMEOUT, QueryTimeout
from metriclang.warehouse.result import Engine, EngineError


@dataclass(frozen=True)
class Point:
    """One period of a series: its first day, value (None: no value) and completeness;
    ``group``: the dimension value of a breakdown (None for the total)."""

    period: date
    value: Any
    complete: bool
    group: Any = None


@dataclass(frozen=True)
class Series:
    """A measure's points in period order; ``dimension``: what ``group`` is, if any."""

    measure: str
    grain: str
    points: tuple[Point, ...]
    dimension: str | None = None


@dataclass(frozen=True)
class SeriesRun:
    """The series that were computed and the notices on the way (failed measures)."""

    project: Project
    series: tuple[Series, ...]
    notices: tuple[Notice, ...]
    #: The day completeness was judged at: ``--as-of``, else the day of the latest last
    #: event among the data read (None when nothing ran).
    as_of: date | None = None


@dataclass(frozen=True)
class Fetch:
    """One measure's series query: the series, or ``None`` when it failed (compiling said
    why in ``diagnostics``, or the engine raised ``error``); ``reached``: the as-of instant
    its completeness was judged at."""

    series: Series | None
    diagnostics: tuple[Diagnostic, ...] = ()
    error: EngineError | None = None
    reached: datetime | None = None


def measure_series(project: Project, names: Sequence[str], db: str | None,
                   as_of: date | None = None, timeout: float = DEFAULT_TIMEOUT,
                   breakdowns: bool = False) -> SeriesRun:
    """The series of each of ``names`` (and, with ``breakdowns``, one per dimension of each
    measure) on the project's warehouse; a measure that fails becomes a notice.

    Raises :class:`~metriclang.errors.UsageError` for a bad warehouse URL,
    :class:`~metriclang.warehouse.result.Unreachable` when the warehouse can't be opened.
    """
    with opened(project, db, timeout) as (engine, note):
        said: list[Notice] = [note] if note else []
        bounds, reached = Bounds(project, engine), list[datetime]()
        out: list[Series] = []
        for name in names:
            for dim in [None, *(project.measures[name].dimensions if breakdowns else ())]:
                got = fetch(project, engine, bounds, name, dim, as_of)
                if got.series is not None:
                    out.append(got.series)
                elif got.error is not None:
                    said.append(_engine_notice(name, engine, got.error))
                else:
                    said.extend(DiagnosticSet.of(got.diagnostics).active())
                if got.reached is not None:
                    reached.append(got.reached)
        judged = as_of or (max(reached).date() if reached else None)
        return SeriesRun(project, tuple(out), tuple(said), judged)


def _engine_notice(name: str, engine: Engine, exc: EngineError) -> str:
    if isinstance(exc, QueryTimeout):
        return f"error: query for measure `{name}` {exc}"
    return f"error: measure `{name}` on {engine.url}: {exc}"


def fetch(project: Project, engine: Engine, bounds: Bounds, name: str, dim: str | None = None,
          as_of: date | None = None, date_from: date | None = None,
          date_to: date | None = None) -> Fetch:
    """One measure's series at its own grain (its total over its dimensions, or by ``dim``)
    between ``date_from`` and ``date_to``, each period judged complete against the data's
    ``bounds`` and ``as_of``; failures are returned, never raised."""
    measure = project.measures[name]
    query = Query((name,), (dim,) if dim else (), measure.grain, date_from=date_from,
                  date_to=date_to)
    compiled = compile_query(project, query, engine.dialect)
    found = DiagnosticSet.of(compiled.diagnostics).active()
    if compiled.sql is None or any(d.severity is Severity.ERROR for d in found):
        return Fetch(None, compiled.diagnostics)
    assert compiled.reach is not None  # it compiled
    try:
        rows = engine.query(compiled.sql).rows
        coverage = bounds.coverage(compiled.reach.sources, as_of)
    except EngineError as exc:
        return Fetch(None, compiled.diagnostics, exc)
    points = tuple(Point(day(row[0]), row[-1], coverage.complete(row[0], compiled.reach),
                         row[1] if dim else None) for row in rows if row[0] is not None)
    return Fetch(Series(name, measure.grain, points, dim), compiled.diagnostics,
                 reached=coverage.as_of)
