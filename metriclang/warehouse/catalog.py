"""What a warehouse's catalogue says about a project's tables: their columns and types.

Only the catalogue is read (``information_schema`` on DuckDB and PostgreSQL, the Spark
catalog), never a table's rows: each driver answers :meth:`Engine.columns` and
:meth:`Engine.tables_near`. A column's type is sorted into a :data:`Kind` with sqlglot's
type names, the same for every engine. ``osm check --db`` (:mod:`.schema`) and the editor's
column completion (:func:`source_columns`) read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from sqlglot import exp
from sqlglot.errors import ParseError

from metriclang.semantic.model import Project
from metriclang.warehouse import opened
from metriclang.warehouse.result import Engine

#: What a column holds, as far as a measure cares.
Kind = Literal["number", "time", "boolean", "text", "other"]


def kind_of(type_name: str, dialect: str) -> Kind:
    """The kind of an engine's type name (``other`` when sqlglot does not know it).

    >>> [kind_of(t, "postgres") for t in ("double precision", "timestamp with time zone",
    ...                                   "character varying", "boolean", "USER-DEFINED")]
    ['number', 'time', 'text', 'boolean', 'other']
    """
    try:
        built = exp.DataType.build(type_name, dialect=dialect)
    except (ParseError, ValueError):
        return "other"
    if built.is_type(*exp.DataType.NUMERIC_TYPES):
        return "number"
    if built.is_type(*exp.DataType.TEMPORAL_TYPES):
        return "time"
    if built.is_type(exp.DataType.Type.BOOLEAN):
        return "boolean"
    if built.is_type(*exp.DataType.TEXT_TYPES):
        return "text"
    return "other"


@dataclass(frozen=True)
class Column:
    """A column as the catalogue gives it: name, the engine's type name, its kind."""

    name: str
    type: str
    kind: Kind


@dataclass(frozen=True)
class Table:
    """A table's columns, looked up without regard to case (unquoted names fold)."""

    name: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column | None:
        lower = name.lower()
        return next((c for c in self.columns if c.name.lower() == lower), None)


@dataclass(frozen=True)
class Catalog:
    """The tables of a project as found (``None``: no such table) and, for a missing one, the
    names of the tables beside it (for "did you mean")."""

    url: str
    tables: Mapping[tuple[str, ...], Table | None]
    nearby: Mapping[tuple[str, ...], tuple[str, ...]]


def read_catalog(engine: Engine, names: Iterable[tuple[str, ...]]) -> Catalog:
    """The catalogue entries of ``names`` on ``engine`` (raises ``EngineError``)."""
    tables: dict[tuple[str, ...], Table | None] = {}
    nearby: dict[tuple[str, ...], tuple[str, ...]] = {}
    for name in dict.fromkeys(names):
        found = engine.columns(name)
        if found is None:
            tables[name] = None
            nearby[name] = engine.tables_near(name)
            continue
        tables[name] = Table(name, tuple(Column(c, t, kind_of(t, engine.dialect))
                                         for c, t in found))
    return Catalog(engine.url, tables, nearby)


def source_columns(project: Project, db: str | None = None, timeout: float | None = None
                   ) -> dict[str, tuple[str, ...]]:
    """Column names by source, from the catalogue (empty for a table that is not there).
    Raises :class:`~metriclang.errors.UsageError` without a warehouse, ``EngineError`` when
    it can't be opened or read."""
    with opened(project, db, timeout) as (engine, _):
        catalog = read_catalog(engine, [s.table for s in project.sources.values() if s.table])
    out: dict[str, tuple[str, ...]] = {}
    for name, source in project.sources.items():
        table = catalog.tables.get(source.table)
        out[name] = tuple(c.name for c in table.columns) if table else ()
    return out
