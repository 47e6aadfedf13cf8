"""What a warehouse gives back: :class:`Result`, the :class:`Engine` protocol, :class:`EngineError`
(:class:`Unreachable` when it can't be opened).

No driver is imported here: ``report`` renders results without loading DuckDB, psycopg or
pyspark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from metriclang.warehouse.coverage import Coverage


#: The column appended to every result of ``osm run`` and ``osm query``: whether the data
#: covers the row's period (see :mod:`~metriclang.warehouse.coverage`).
COMPLETE = "complete"


class EngineError(Exception):
    """A warehouse could not be reached or refused a query; the message is safe to print."""


class Unreachable(EngineError):
    """The warehouse could not be opened (nothing ran): an environment error, exit 2 in every
    command, as a missing warehouse setting."""


@dataclass(frozen=True)
class Result:
    """Column names and rows of one query, as the engine's Python values."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Named:
    """The result of one measure: its name, label and rows; ``coverage``: what its
    ``complete`` column was judged against."""

    measure: str
    label: str | None
    result: Result
    coverage: Coverage | None = None


class Engine(Protocol):
    """An open warehouse connection that runs one SELECT at a time."""

    #: sqlglot dialect of the SQL this engine runs (``duckdb``, ``postgres``, ``spark``).
    dialect: str
    #: The URL with its password replaced by ``***``.
    url: str
    #: Seconds a query may run (:class:`~metriclang.warehouse.guard.QueryTimeout` beyond).
    timeout: float

    def query(self, sql: str) -> Result: ...

    def columns(self, table: tuple[str, ...]) -> tuple[tuple[str, str], ...] | None:
        """Name and type name of each column of ``table`` from the catalogue (never its
        rows); None when there is no such table."""
        ...

    def tables_near(self, table: tuple[str, ...]) -> tuple[str, ...]:
        """The names of the tables in the schema ``table`` would be in (for a hint)."""
        ...

    def close(self) -> None: ...
