"""Spark through pyspark: local mode or a cluster master; a query past the statement timeout
is cancelled by its job group.

``pyspark`` is imported when an engine is opened, never when this module is.
"""

from __future__ import annotations

import threading
from typing import Any

from metriclang.warehouse.guard import DEFAULT_TIMEOUT, Deadline, QueryTimeout, ensure_select
from metriclang.warehouse.result import EngineError, Result
from metriclang.warehouse.urls import safe_message, shown, spark_master


class SparkEngine:
    """A Spark session (local mode or a cluster master) through pyspark."""

    dialect = "spark"

    def __init__(self, url: str, session: Any = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self.url = shown(url)
        self._secret_url = url
        self._owned = session is None
        if session is not None:
            self._spark = session
            return
        master, settings = spark_master(url)
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise EngineError("Spark needs pyspark: pip install 'metriclang[spark]'") from None
        builder = (SparkSession.builder.master(master).appName("metriclang")
                   .config("spark.ui.enabled", "false")
                   .config("spark.sql.session.timeZone", "UTC"))
        for key, value in settings:
            builder = builder.config(key, value)
        # getOrCreate returns a session this process already runs (a notebook's, a test
        # harness's): it is borrowed, so close() must leave it running
        self._owned = SparkSession.getActiveSession() is None
        try:
            self._spark = builder.getOrCreate()
        except Exception as exc:  # py4j and JVM start-up failures have no common base
            raise EngineError(f"cannot start Spark at {self.url}: "
                              f"{safe_message(exc, url)}") from None
        # failed queries are reported as one line by query(); the JVM's own log would
        # print them again as pages of JSON
        self._spark.sparkContext.setLogLevel("FATAL")

    def query(self, sql: str) -> Result:
        ensure_select(sql, self.dialect)
        context = self._spark.sparkContext
        group = f"metriclang-{threading.get_ident()}"
        context.setJobGroup(group, "osm run", interruptOnCancel=True)
        try:
            with Deadline(self.timeout, lambda: context.cancelJobGroup(group)) as deadline:
                frame = self._spark.sql(sql)
                rows = frame.collect()
        except Exception as exc:  # pyspark raises AnalysisException, Py4JJavaError, ...
            if deadline.fired:
                raise QueryTimeout(self.timeout) from None
            raise EngineError(f"Spark failed: {safe_message(exc, self._secret_url)}") from None
        return Result(tuple(frame.columns), tuple(tuple(r) for r in rows))

    def columns(self, table: tuple[str, ...]) -> tuple[tuple[str, str], ...] | None:
        """From the Spark catalog (``tableExists``, ``listColumns``): no job runs."""
        name = ".".join(table)
        try:
            if not self._spark.catalog.tableExists(name):
                return None
            return tuple((c.name, c.dataType) for c in self._spark.catalog.listColumns(name))
        except Exception as exc:  # py4j errors have no common base
            raise EngineError(f"Spark failed: {safe_message(exc, self._secret_url)}") from None

    def tables_near(self, table: tuple[str, ...]) -> tuple[str, ...]:
        try:
            if len(table) > 1 and not self._spark.catalog.databaseExists(table[-2]):
                return ()
            listed = self._spark.catalog.listTables(table[-2] if len(table) > 1 else None)
        except Exception as exc:  # py4j errors have no common base
            raise EngineError(f"Spark failed: {safe_message(exc, self._secret_url)}") from None
        return tuple(sorted(t.name for t in listed))

    def close(self) -> None:
        if self._owned:
            self._spark.stop()
