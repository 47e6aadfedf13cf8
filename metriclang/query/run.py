"""Running a query on the project's warehouse (opened by :func:`metriclang.warehouse.opened`)."""

from __future__ import annotations

from dataclasses import dataclass

from metriclang.diagnostics import DiagnosticSet, Severity
from metriclang.query import Query, compile_query, validate
from metriclang.semantic.model import Project
from metriclang.warehouse import opened
from metriclang.warehouse.compute import Notice, refused
from metriclang.warehouse.guard import DEFAULT_TIMEOUT, QueryTimeout
from metriclang.warehouse.result import EngineError, Result


@dataclass(frozen=True)
class QueryRun:
    """The rows of a query (None when it did not run) and the notices on the way."""

    project: Project
    result: Result | None
    notices: tuple[Notice, ...]

    @property
    def failed(self) -> bool:
        return self.result is None


def run_query(project: Project, query: Query, db: str | None,
              timeout: float = DEFAULT_TIMEOUT) -> QueryRun:
    """Compile ``query`` for the warehouse's dialect and run it; problems become notices.

    Raises :class:`~metriclang.errors.UsageError` for a bad option or warehouse URL.
    """
    validate(project, query)
    try:
        with opened(project, db, timeout) as (engine, note):
            said: list[Notice] = [note] if note else []
            compiled = compile_query(project, query, engine.dialect)
            said += DiagnosticSet.of(compiled.diagnostics).active()
            if compiled.sql is None or any(d.severity is Severity.ERROR for d in said
                                           if not isinstance(d, str)):
                return QueryRun(compiled.project, None, tuple(said))
            try:
                result = engine.query(compiled.sql)
            except QueryTimeout as exc:
                return QueryRun(compiled.project, None, (*said, f"error: query {exc}"))
            except EngineError as exc:
                return QueryRun(compiled.project, None,
                                (*said, *refused(project, engine, query.measures, exc)))
            return QueryRun(compiled.project, Result(compiled.columns, result.rows), tuple(said))
    except EngineError as exc:
        return QueryRun(project, None, (f"error: {exc}",))
