"""Embedded DuckDB: a database file opened read-only, without access to other files.

``duckdb`` is imported when an engine is opened, never when this module is.
"""

from __future__ import annotations

from pathlib import Path

from metriclang.warehouse.guard import DEFAULT_TIMEOUT, Deadline, QueryTimeout, ensure_select
from metriclang.warehouse.information_schema import columns_sql, tables_sql
from metriclang.warehouse.result import EngineError, Result
from metriclang.warehouse.urls import engine_message, redact, safe_message


class DuckDBEngine:
    """An embedded DuckDB database file, opened read-only without access to other files."""

    dialect = "duckdb"

    def __init__(self, path: Path | None, url: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        """``url`` is the URL ``path`` came from: whatever looks secret in it (a password or
        ``token=`` parameter) is hidden from the file name in messages too."""
        import duckdb

        self.timeout = timeout
        self._secret_url = url
        self.url = redact(f"duckdb:///{path}" if path else "duckdb:///:memory:", url)
        if path is not None and not path.is_file():
            raise EngineError(f"database file not found: {redact(str(path), url)}")
        try:
            self._con = duckdb.connect(str(path) if path else ":memory:",
                                       read_only=path is not None,
                                       config={"enable_external_access": False})
        except (duckdb.Error, ValueError) as exc:  # ValueError: a NUL in the file name
            raise EngineError(f"cannot open {self.url}: {safe_message(exc, url)}") from None

    def query(self, sql: str) -> Result:
        import duckdb

        ensure_select(sql, self.dialect)
        try:
            with Deadline(self.timeout, self._con.interrupt) as deadline:
                cursor = self._con.execute(sql)
                columns = tuple(d[0] for d in cursor.description)
                rows = tuple(tuple(r) for r in cursor.fetchall())
        except duckdb.Error as exc:
            if deadline.fired:
                raise QueryTimeout(self.timeout) from None
            raise EngineError(f"DuckDB failed: {engine_message(exc, self._secret_url)}"
                              ) from None
        return Result(columns, rows)

    def columns(self, table: tuple[str, ...]) -> tuple[tuple[str, str], ...] | None:
        rows = self.query(columns_sql(table, self.dialect)).rows
        return tuple((str(n), str(t)) for n, t in rows) or None

    def tables_near(self, table: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(str(r[0]) for r in self.query(tables_sql(table, self.dialect)).rows)

    def close(self) -> None:
        self._con.close()
