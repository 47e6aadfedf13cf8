"""Compute measures on a project's warehouse (``osm run``): load, compile, open, query.

The result is data: the measures' rows and, in the order they arose, the diagnostics of
loading and compiling and the messages of the warehouse (a demo-data note, a failed or
cancelled query). The command line renders them; problems are never tracebacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from metriclang.diagnostics import Diagnostic, DiagnosticSet, Severity
from metriclang.errors import UsageError, did_you_mean
from metriclang.load import load_project
from metriclang.progress import SILENT, Progress
from metriclang.semantic.model import Project
from metriclang.warehouse import opened
from metriclang.warehouse.coverage import Bounds
from metriclang.warehouse.guard import DEFAULT_TIMEOUT, QueryTimeout
from metriclang.warehouse.result import Engine, EngineError, Named

#: A diagnostic (rendered against the project) or a message of the warehouse (printed as is).
Notice = Diagnostic | str


@dataclass(frozen=True)
class Computed:
    """Results of the measures that ran and the notices on the way; ``failed``: exit 1."""

    project: Project
    results: tuple[Named, ...]
    notices: tuple[Notice, ...]
    failed: bool


def _names(project: Project, measure: str | None) -> list[str]:
    if measure is None:
        return sorted(project.measures, key=lambda n: (project.measures[n].span, n))
    if measure not in project.measures:
        hint = did_you_mean(measure, project.measures)
        raise UsageError(f"unknown measure `{measure}`" + (f" ({hint})" if hint else ""))
    return [measure]


def compute(path: str | Path, measure: str | None, db: str | None,
            date_from: date | None = None, date_to: date | None = None,
            timeout: float = DEFAULT_TIMEOUT, progress: Progress = SILENT,
            as_of: date | None = None) -> Computed:
    """Compute one measure (or every measure when ``measure`` is None) of the project at
    ``path``, each row marked complete or not (judged against the data's last event, or
    ``as_of``). A query running longer than ``timeout`` seconds is cancelled and reported.
    ``progress`` shows the measure being computed.
    """
    loaded = load_project(path)
    project = loaded.project
    errors = tuple(d for d in loaded.diagnostics.active() if d.severity == Severity.ERROR)
    if errors:
        return Computed(project, (), errors, True)
    return compute_project(project, _names(project, measure), db, date_from, date_to,
                           timeout, progress, as_of)


def compute_project(project: Project, names: list[str], db: str | None,
                    date_from: date | None = None, date_to: date | None = None,
                    timeout: float = DEFAULT_TIMEOUT, progress: Progress = SILENT,
                    as_of: date | None = None) -> Computed:
    """Compute the measures ``names`` of a loaded project without errors (as
    :func:`compute`)."""
    try:
        with opened(project, db, timeout) as (engine, note):
            return _run(project, engine, names, (note,) if note else (), date_from, date_to,
                        progress, as_of)
    except EngineError as exc:
        return Computed(project, (), (f"error: {exc}",), True)


def _run(project: Project, engine: Engine, names: list[str], notices: tuple[Notice, ...],
         date_from: date | None, date_to: date | None, progress: Progress,
         as_of: date | None) -> Computed:
    """Compile and query each of ``names`` on ``engine``; failures become notices."""
    from metriclang.sqlgen import compile_sql
    from metriclang.sqlgen.coverage import measure_reach

    said, results, failed = list(notices), [], False
    bounds = Bounds(project, engine)
    for name in progress.track(names, "run"):
        sql, diagnostics = compile_sql(project, name, engine.dialect,
                                       date_from=date_from, date_to=date_to)
        said += DiagnosticSet.of(diagnostics).active()
        if sql is None:
            failed = True
            continue
        reach = measure_reach(project, name)
        assert reach is not None  # it compiled
        try:
            result = engine.query(sql)
            coverage = bounds.coverage(reach.sources, as_of)
        except QueryTimeout as exc:
            said.append(f"error: query for measure `{name}` {exc}")
            failed = True
            continue
        except EngineError as exc:
            said.append(f"error: measure `{name}` on {engine.url}: {exc}")
            failed = True
            continue
        results.append(Named(name, project.measures[name].label,
                             coverage.mark(result, reach), coverage))
    return Computed(project, tuple(results), tuple(said), failed)
