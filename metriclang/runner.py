"""Compute measures on a warehouse: load the project, compile, connect, query.

The warehouse is ``--db``, else ``$OSM_DB_URL``, else the project's ``[project] warehouse``
(with ``${NAME}`` read from the environment); a DuckDB file named
there that does not exist yet is generated from the project's ``data/generate.py`` (the
example projects' demo data). Problems become messages, never tracebacks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from metriclang.config import ConfigError, warehouse_url
from metriclang.diagnostics import DiagnosticSet
from metriclang.engine import (
    DEFAULT_TIMEOUT,
    Engine,
    EngineError,
    QueryTimeout,
    connect,
    duckdb_path,
    ensure_demo_data,
    scheme,
)
from metriclang.errors import UsageError, did_you_mean
from metriclang.load import load_project
from metriclang.report.results import Named
from metriclang.report.text import render_one
from metriclang.semantic.model import Project


@dataclass(frozen=True)
class Outcome:
    """Results of the measures that ran, and messages for those that did not."""

    results: tuple[Named, ...]
    messages: tuple[str, ...]
    failed: bool


def _names(project: Project, measure: str | None) -> list[str]:
    if measure is None:
        return sorted(project.measures, key=lambda n: (project.measures[n].span, n))
    if measure not in project.measures:
        hint = did_you_mean(measure, project.measures)
        raise UsageError(f"unknown measure `{measure}`" + (f" ({hint})" if hint else ""))
    return [measure]


#: The environment variable read for the warehouse URL when ``--db`` is not given.
DB_ENV = "OSM_DB_URL"


def warehouse(project: Project, db: str | None) -> tuple[str, Path, bool]:
    """The URL to open, the directory relative DuckDB paths start from, and whether it is the
    project's own ``[project] warehouse``.

    Precedence: ``--db``, then ``$OSM_DB_URL``, then ``warehouse`` in metriclang.toml (whose
    ``${NAME}`` are read from the environment now). Raises :class:`UsageError` without one.
    """
    root = Path(project.root)
    given = db or os.environ.get(DB_ENV)
    if given:
        return given, Path.cwd(), False
    try:
        url = warehouse_url(project.config, root, os.environ)
    except ConfigError as exc:
        raise UsageError(render_one(project, exc.diagnostic)) from None
    if url is None:
        raise UsageError(f"no warehouse: pass --db URL, set {DB_ENV} or set `warehouse` under "
                         "[project] in metriclang.toml")
    return url, root, True


def open_warehouse(project: Project, db: str | None, timeout: float = DEFAULT_TIMEOUT
                   ) -> tuple[Engine, str | None]:
    """Connect to the warehouse (see :func:`warehouse`); a note when demo data was generated.

    Each query is cancelled after ``timeout`` seconds.
    """
    url, base, own = warehouse(project, db)
    try:
        kind = scheme(url)
    except EngineError as exc:
        raise UsageError(str(exc)) from None
    note = None
    if kind == "duckdb" and own:
        path = duckdb_path(url, base)
        if path is not None and ensure_demo_data(path, base):
            note = f"created {path.name} with demo data from data/generate.py"
    return connect(url, base, timeout), note


def run_measures(path: str | Path, measure: str | None, db: str | None,
                 date_from: date | None = None, date_to: date | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> Outcome:
    """Compute one measure (or every measure when ``measure`` is None).

    A query running longer than ``timeout`` seconds is cancelled and reported.
    """
    from metriclang.sqlgen import compile_sql

    loaded = load_project(path)
    project = loaded.project
    errors = [d for d in loaded.diagnostics.active() if d.severity.value == "error"]
    if errors:
        return Outcome((), tuple(render_one(project, d) for d in errors), True)
    names = _names(project, measure)
    messages: list[str] = []
    try:
        engine, note = open_warehouse(project, db, timeout)
    except EngineError as exc:
        return Outcome((), (f"error: {exc}",), True)
    if note:
        messages.append(note)
    results: list[Named] = []
    failed = False
    try:
        for name in names:
            sql, diagnostics = compile_sql(project, name, engine.dialect,
                                           date_from=date_from, date_to=date_to)
            problems = DiagnosticSet.of(diagnostics).active()
            messages += [render_one(project, d) for d in problems]
            if sql is None:
                failed = True
                continue
            try:
                result = engine.query(sql)
            except QueryTimeout as exc:
                messages.append(f"error: query for measure `{name}` {exc}")
                failed = True
                continue
            except EngineError as exc:
                messages.append(f"error: measure `{name}` on {engine.url}: {exc}")
                failed = True
                continue
            results.append(Named(name, project.measures[name].label, result))
    finally:
        engine.close()
    return Outcome(tuple(results), tuple(messages), failed)
