"""The warehouse: where measures are computed, by running one generated SELECT at a time.

* :mod:`~metriclang.warehouse.urls` — which URL a project uses (``--db``, ``$OSM_DB_URL``,
  ``[project] warehouse``), how it is read and how it is shown (secrets hidden);
* :mod:`~metriclang.warehouse.guard` — exactly one read-only SELECT, within a statement timeout;
* :mod:`~metriclang.warehouse.result` — :class:`Result`, the :class:`Engine` protocol,
  :class:`EngineError` (no driver import: ``report`` renders results);
* one driver module per engine: :mod:`~metriclang.warehouse.duckdb`,
  :mod:`~metriclang.warehouse.postgres`, :mod:`~metriclang.warehouse.spark`;
* :mod:`~metriclang.warehouse.demo` — the example projects' generated DuckDB file;
* :mod:`~metriclang.warehouse.catalog` — tables and column types from the catalogue (the
  drivers' ``columns``; :mod:`~metriclang.warehouse.information_schema` for DuckDB and
  PostgreSQL), never rows; :mod:`~metriclang.warehouse.schema` — whether the specs fit it
  (``osm check --db``, E200–E202);
* :mod:`~metriclang.warehouse.compute` — measures computed for ``osm run``: data and
  diagnostics (a refused query as E203), rendered by the caller.

:func:`opened` is the one way every command opens a project's warehouse. Drivers (duckdb,
psycopg, pyspark) are imported when an engine is opened, never when this package is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from metriclang.errors import UsageError
from metriclang.semantic.model import Project
from metriclang.warehouse.guard import DEFAULT_TIMEOUT
from metriclang.warehouse.result import Engine, EngineError, Unreachable
from metriclang.warehouse.urls import choose, duckdb_path, scheme

__all__ = ["connect", "opened"]


def connect(url: str, base: Path | None = None, timeout: float = DEFAULT_TIMEOUT) -> Engine:
    """Open the warehouse at ``url``; relative DuckDB paths are resolved against ``base``.

    Each query of the engine is cancelled after ``timeout`` seconds.
    """
    kind = scheme(url)
    if kind == "duckdb":
        from metriclang.warehouse.duckdb import DuckDBEngine

        return DuckDBEngine(duckdb_path(url, base or Path.cwd()), url, timeout)
    if kind == "postgres":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise EngineError("PostgreSQL needs psycopg: "
                              "pip install 'metriclang[postgres]'") from None
        from metriclang.warehouse.postgres import PostgresEngine

        return PostgresEngine(url, timeout)
    from metriclang.warehouse.spark import SparkEngine

    return SparkEngine(url, timeout=timeout)


@contextmanager
def opened(project: Project, db: str | None, timeout: float | None = None
           ) -> Iterator[tuple[Engine, str | None]]:
    """The engine of ``project``'s warehouse (see :func:`~metriclang.warehouse.urls.choose`)
    and a note when demo data was generated for it; the engine is closed on exit.

    Each query is cancelled after ``timeout`` seconds (:data:`DEFAULT_TIMEOUT` when None).
    Raises :class:`UsageError` without a usable URL, :class:`Unreachable` (an
    :class:`EngineError`) when the warehouse can't be opened.
    """
    from metriclang.warehouse.demo import ensure_demo_data

    url, base, own = choose(project, db)
    try:
        kind = scheme(url)
    except EngineError as exc:
        raise UsageError(str(exc)) from None
    note = None
    try:
        if kind == "duckdb" and own:
            path = duckdb_path(url, base)
            if path is not None and ensure_demo_data(path, base):
                note = f"created {path.name} with demo data from data/generate.py"
        engine = connect(url, base, DEFAULT_TIMEOUT if timeout is None else timeout)
    except EngineError as exc:
        raise Unreachable(str(exc)) from None
    try:
        yield engine, note
    finally:
        engine.close()
