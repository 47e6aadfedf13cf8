"""Each measure's series of periods (its total over its dimensions), for status views.

One engine is opened (by :func:`metriclang.warehouse.opened`) for all the measures, and each
measure is one query of the one pipeline (:func:`~metriclang.query.compile_query` at its own
grain, no ``--by``): for a measure without dimensions its rows are ``osm run``'s; for one
with dimensions, the total over them (``osm query MEASURE``). ``breakdowns`` asks each
dimension too, for the docs site. Each point says whether its period is complete, judged as
``osm run`` does (:mod:`metriclang.warehouse.coverage`; each source's bounds asked once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from metriclang.diagnostics import DiagnosticSet, Severity
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


def measure_series(project: Project, names: Sequence[str], db: str | None,
                   as_of: date | None = None, timeout: float = DEFAULT_TIMEOUT,
                   breakdowns: bool = False) -> SeriesRun:
    """The series of each of ``names`` (and, with ``breakdowns``, one per dimension of each
    measure) on the project's warehouse; failures become notices, never exceptions.

    Raises :class:`~metriclang.errors.UsageError` for a bad warehouse URL.
    """
    try:
        with opened(project, db, timeout) as (engine, note):
            said: list[Notice] = [note] if note else []
            bounds, reached = Bounds(project, engine), list[datetime]()
            out: list[Series] = []
            for name in names:
                asked = [None, *(project.measures[name].dimensions if breakdowns else ())]
                for dim in asked:
                    got = _one(project, engine, name, dim, (bounds, as_of, reached), said)
                    if got is not None:
                        out.append(got)
            judged = as_of or (max(reached).date() if reached else None)
            return SeriesRun(project, tuple(out), tuple(said), judged)
    except EngineError as exc:
        return SeriesRun(project, (), (f"error: {exc}",))


def _one(project: Project, engine: Engine, name: str, dim: str | None,
         judge: tuple[Bounds, date | None, list[datetime]], said: list[Notice]
         ) -> Series | None:
    """One measure's series (by ``dim`` when given), each period judged complete against
    the data's bounds (``judge``: the engine's bounds, ``--as-of``, the as-of instants seen);
    None and a notice when it fails."""
    bounds, as_of, reached = judge
    measure = project.measures[name]
    compiled = compile_query(project, Query((name,), (dim,) if dim else (), measure.grain),
                             engine.dialect)
    found = DiagnosticSet.of(compiled.diagnostics).active()
    if compiled.sql is None or any(d.severity is Severity.ERROR for d in found):
        said.extend(found)
        return None
    assert compiled.reach is not None  # it compiled
    try:
        rows = engine.query(compiled.sql).rows
        coverage = bounds.coverage(compiled.reach.sources, as_of)
    except QueryTimeout as exc:
        said.append(f"error: query for measure `{name}` {exc}")
        return None
    except EngineError as exc:
        said.append(f"error: measure `{name}` on {engine.url}: {exc}")
        return None
    if coverage.as_of is not None:
        reached.append(coverage.as_of)
    points = tuple(Point(day(row[0]), row[-1], coverage.complete(row[0], compiled.reach),
                         row[1] if dim else None) for row in rows)
    return Series(name, measure.grain, points, dim)
