"""Running a query on the project's warehouse (opened by :func:`metriclang.warehouse.opened`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from metriclang.diagnostics import DiagnosticSet, Severity
from metriclang.query import Query, compile_query, validate
from metriclang.semantic.model import Project
from metriclang.warehouse import opened
from metriclang.warehouse.compute import Notice, refused
from metriclang.warehouse.coverage import Bounds, Coverage
from metriclang.warehouse.guard import DEFAULT_TIMEOUT, QueryTimeout
from metriclang.warehouse.result import Engine, EngineError, Result


@dataclass(frozen=True)
class QueryRun:
    """The rows of a query (None when it did not run, else with its ``complete`` column),
    the notices on the way and what completeness was judged against."""

    project: Project
    result: Result | None
    notices: tuple[Notice, ...]
    coverage: Coverage | None = None

    @property
    def failed(self) -> bool:
        return self.result is None


def run_query(project: Project, query: Query, db: str | None,
              timeout: float = DEFAULT_TIMEOUT, as_of: date | None = None) -> QueryRun:
    """Compile ``query`` for the warehouse's dialect and run it, each row marked complete or
    not (against the data's last event, or ``as_of``); problems become notices.

    Raises :class:`~metriclang.errors.UsageError` for a bad option or warehouse URL,
    :class:`~metriclang.warehouse.result.Unreachable` when the warehouse can't be opened.
    """
    validate(project, query)
    with opened(project, db, timeout) as (engine, note):
        ran = query_on(project, query, engine, as_of)
        return replace(ran, notices=(note, *ran.notices)) if note else ran


def query_on(project: Project, query: Query, engine: Engine,
             as_of: date | None = None) -> QueryRun:
    """:func:`run_query` on an open engine; a query the warehouse refuses is reported at the
    first measure (E203, after the catalogue's E200-E202)."""
    compiled = compile_query(project, query, engine.dialect)
    said: list[Notice] = list(DiagnosticSet.of(compiled.diagnostics).active())
    if compiled.sql is None or any(d.severity is Severity.ERROR for d in said
                                   if not isinstance(d, str)):
        return QueryRun(compiled.project, None, tuple(said))
    assert compiled.reach is not None  # it compiled
    try:
        result = engine.query(compiled.sql)
        coverage = Bounds(project, engine).coverage(compiled.reach.sources, as_of)
    except QueryTimeout as exc:
        return QueryRun(compiled.project, None, (*said, f"error: query {exc}"))
    except EngineError as exc:
        return QueryRun(compiled.project, None,
                        (*said, *refused(project, engine, query.measures, exc)))
    marked = coverage.mark(Result(compiled.columns, result.rows), compiled.reach)
    return QueryRun(compiled.project, marked, tuple(said), coverage)
