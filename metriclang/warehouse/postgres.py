"""PostgreSQL through psycopg: every query in a READ ONLY transaction that is rolled back,
with ``statement_timeout`` set local to it.

``psycopg`` is imported when an engine is opened, never when this module is.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from metriclang.warehouse.guard import DEFAULT_TIMEOUT, QueryTimeout, ensure_select
from metriclang.warehouse.information_schema import columns_sql, tables_sql
from metriclang.warehouse.result import EngineError, Result
from metriclang.warehouse.urls import engine_message, safe_message, shown, split_url


class PostgresEngine:
    """A PostgreSQL server through psycopg; each query in a READ ONLY transaction."""

    dialect = "postgres"

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        import psycopg

        self.timeout = timeout
        self.url = shown(url)
        self._secret_url = url
        try:
            self._con = psycopg.connect(_conninfo(url), connect_timeout=10)
        except psycopg.Error as exc:
            raise EngineError(f"cannot connect to {self.url}: {self._safe(exc)}") from None
        self._con.read_only = True

    def _safe(self, exc: BaseException) -> str:
        """A driver message with the URL's secrets hidden wherever they appear."""
        return safe_message(exc, self._secret_url)

    def query(self, sql: str) -> Result:
        import psycopg

        ensure_select(sql, self.dialect)
        try:
            with self._con.transaction(force_rollback=True), self._con.cursor() as cur:
                # SET LOCAL: ends with the transaction (bound: SET takes no parameters)
                cur.execute("SELECT set_config('statement_timeout', %s, true)",
                            [str(max(1, round(self.timeout * 1000)))])
                cur.execute(sql.encode("utf-8"))
                columns = tuple(d.name for d in cur.description or ())
                return Result(columns, tuple(tuple(r) for r in cur.fetchall()))
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.errors.QueryCanceled) and "statement timeout" in str(exc):
                raise QueryTimeout(self.timeout) from None
            raise EngineError("PostgreSQL failed: "
                              f"{engine_message(exc, self._secret_url)}") from None

    def columns(self, table: tuple[str, ...]) -> tuple[tuple[str, str], ...] | None:
        rows = self.query(columns_sql(table, self.dialect)).rows
        return tuple((str(n), str(t)) for n, t in rows) or None

    def tables_near(self, table: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(str(r[0]) for r in self.query(tables_sql(table, self.dialect)).rows)

    def close(self) -> None:
        self._con.close()


def _conninfo(url: str) -> str:
    """A libpq URI for ``url`` with its user and password percent-encoded, so that a raw
    ``@``, ``/``, ``:``, space, tab or newline in the password stays in the password (a raw
    ``?`` or ``#`` can't be told from the query: :class:`EngineError`).

    >>> _conninfo("postgres://ana:p@ss/w@db:5432/shop")
    'postgresql://ana:p%40ss%2Fw@db:5432/shop'
    """
    parts, loose = split_url(url), split_url(url, loose=True)
    if parts is not None and parts.user is None and loose is not None and loose.password:
        raise EngineError(f"cannot connect to {shown(url)}: the password seems to hold a raw "
                          "`?` or `#`; percent-encode it (`?` is %3F, `#` is %23)")
    if parts is None or parts.user is None:
        return "postgresql://" + url.partition("://")[2]
    user = quote(unquote(parts.user), safe="")
    password = "" if parts.password is None else ":" + quote(unquote(parts.password), safe="")
    return f"postgresql://{user}{password}@{parts.rest}"
