"""The columns of a project's source tables, as the warehouse has them: one empty SELECT per
table (``SELECT * FROM t WHERE FALSE``), through the read-only guard like any query."""

from __future__ import annotations

from sqlglot import exp

from metriclang.semantic.model import Project
from metriclang.sqlgen.build.context import source_table
from metriclang.warehouse import opened
from metriclang.warehouse.result import EngineError


def source_columns(project: Project, db: str | None = None, timeout: float | None = None
                   ) -> dict[str, tuple[str, ...]]:
    """Column names by source (empty for a table the warehouse can't read). Raises
    :class:`~metriclang.errors.UsageError` without a warehouse, ``EngineError`` when it can't
    be opened."""
    out: dict[str, tuple[str, ...]] = {}
    with opened(project, db, timeout) as (engine, _):
        for name, source in project.sources.items():
            query = exp.select(exp.Star()).from_(source_table(source)).where(exp.false())
            try:
                out[name] = engine.query(query.sql(engine.dialect)).columns
            except EngineError:
                out[name] = ()
    return out
