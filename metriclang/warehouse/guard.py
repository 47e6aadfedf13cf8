"""What may run on a warehouse: exactly one read-only SELECT, for a bounded time.

:func:`ensure_select` refuses anything but a single query without a writing or
schema-changing node; :class:`Deadline` cancels a query after the statement timeout
(:data:`DEFAULT_TIMEOUT`, ``--timeout``) and :class:`QueryTimeout` says it fired.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from metriclang.warehouse.result import EngineError

#: Statement nodes that write, change the schema or run arbitrary commands.
_FORBIDDEN: tuple[type[exp.Expression], ...] = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter,
    exp.Command, exp.Copy, exp.Set, exp.Use, exp.Pragma, exp.TruncateTable, exp.Into,
    exp.Transaction, exp.Commit, exp.Rollback, exp.LoadData, exp.Describe,
)
#: Seconds a query may run before it is cancelled (``--timeout``).
DEFAULT_TIMEOUT = 300.0


class QueryTimeout(EngineError):
    """A query ran longer than the statement timeout and was cancelled."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"exceeded the {seconds:g} s statement timeout (--timeout)")
        self.seconds = seconds


class Deadline:
    """Calls ``cancel`` once ``seconds`` have passed, unless the block finished first.

    >>> with Deadline(60, lambda: None) as d:
    ...     pass
    >>> d.fired
    False
    """

    def __init__(self, seconds: float, cancel: Callable[[], object]) -> None:
        self._cancel, self._lock, self._done, self.fired = cancel, threading.Lock(), False, False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        with self._lock:
            if not self._done:
                self.fired = True
                self._cancel()

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


def ensure_select(sql: str, dialect: str) -> None:
    """Raise :class:`EngineError` unless ``sql`` is exactly one read-only query.

    >>> ensure_select("SELECT 1 AS value", "duckdb")
    >>> ensure_select("DROP TABLE t", "duckdb")
    Traceback (most recent call last):
    ...
    metriclang.warehouse.result.EngineError: refusing to run DROP: only a SELECT is allowed
    """
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as exc:
        raise EngineError(f"refusing to run SQL that does not parse as {dialect}: "
                          f"{str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise EngineError(f"refusing to run {len(statements)} statements: "
                          "exactly one SELECT is allowed")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise EngineError(f"refusing to run {tree.key.upper()}: only a SELECT is allowed")
    bad = next((n for n in tree.walk() if isinstance(n, _FORBIDDEN)), None)
    if bad is not None:
        raise EngineError(f"refusing to run a query containing {bad.key.upper()}: "
                          "only a read-only SELECT is allowed")
