"""Compute measures on a project's warehouse (``osm run``): load, compile, open, query.

The result is data: the measures' rows and, in the order they arose, the diagnostics of
loading and compiling and the messages of the warehouse (a demo-data note, a refused query
as E203 at the measure, a cancelled query). The measures no error touches are computed even
when others can't be. The command line renders them; problems are never tracebacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from metriclang.diagnostics import Diagnostic, DiagnosticSet, Severity, error
from metriclang.errors import UsageError, did_you_mean
from metriclang.load import load_project
from metriclang.progress import SILENT, Progress
from metriclang.semantic.model import Project
from metriclang.semantic.references import formula_refs, formula_sources
from metriclang.source import Span
from metriclang.warehouse import opened
from metriclang.warehouse.coverage import Bounds
from metriclang.warehouse.guard import DEFAULT_TIMEOUT, QueryTimeout
from metriclang.warehouse.result import Engine, EngineError, Named
from metriclang.warehouse.schema import warehouse_problems

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
            as_of: date | None = None, limit: int | None = None) -> Computed:
    """Compute one measure (or every measure when ``measure`` is None) of the project at
    ``path``, at most ``limit`` rows each, each row marked complete or not (judged against
    the data's last event, or ``as_of``). A query running longer than ``timeout`` seconds is
    cancelled and reported. ``progress`` shows the measure being computed.

    A measure an error of the project touches (:func:`touched`) is not computed; the others
    are, and a measure the warehouse refuses is reported (E203, with the catalogue's view of
    it) without stopping the rest.
    """
    loaded = load_project(path)
    project = loaded.project
    errors = tuple(d for d in loaded.diagnostics.active() if d.severity == Severity.ERROR)
    names = _names(project, measure)
    blocked = touched(project, errors)
    runnable = [n for n in names if n not in blocked]
    if not runnable:
        return Computed(project, (), errors, True)
    said: tuple[Notice, ...] = errors
    if len(runnable) < len(names):
        said += ("note: not computed because of the errors above: "
                 + ", ".join(f"`{n}`" for n in names if n in blocked),)
    ran = compute_project(project, runnable, db, date_from, date_to, timeout, progress, as_of,
                          limit)
    return replace(ran, notices=(*said, *ran.notices), failed=ran.failed or bool(errors))


def compute_project(project: Project, names: list[str], db: str | None,
                    date_from: date | None = None, date_to: date | None = None,
                    timeout: float = DEFAULT_TIMEOUT, progress: Progress = SILENT,
                    as_of: date | None = None, limit: int | None = None) -> Computed:
    """Compute the measures ``names`` of a loaded project (as :func:`compute`), none of
    which an error touches. Raises :class:`~metriclang.warehouse.result.Unreachable` when
    the warehouse can't be opened."""
    with opened(project, db, timeout) as (engine, note):
        return _run(project, engine, names, (note,) if note else (), date_from, date_to,
                    progress, as_of, limit)


def touched(project: Project, errors: Sequence[Diagnostic]) -> set[str]:
    """The measures ``errors`` make unusable: an error inside a measure's declaration or a
    source it reads, or in a measure its formula names; a formula the resolver could not
    keep, or one naming a source or measure that is not in the model (a declaration a syntax
    error made unusable keeps its name, so its uses are not "unknown"); an error outside
    every ``.osm`` declaration (``metriclang.toml``) touches every measure."""
    if any(not d.span.file.endswith(".osm") for d in errors):
        return set(project.measures)

    def inside(span: Span) -> bool:
        return any(d.span.file == span.file and (span.line, span.column)
                   <= (d.span.line, d.span.column) < (span.end_line, span.end_column)
                   for d in errors)

    bad_sources = {n for n, s in project.sources.items() if inside(s.span)}
    out = {n for n, m in project.measures.items() if m.formula is None or inside(m.span)
           or formula_sources(project, n) - (project.sources.keys() - bad_sources)}
    grew = True
    while grew:
        more = {n for n, m in project.measures.items() if n not in out
                and any(r.measure in out or r.measure not in project.measures
                        for r in formula_refs(m))}
        out |= more
        grew = bool(more)
    return out


def _run(project: Project, engine: Engine, names: list[str], notices: tuple[Notice, ...],
         date_from: date | None, date_to: date | None, progress: Progress,
         as_of: date | None, limit: int | None) -> Computed:
    """Compile and query each of ``names`` on ``engine``; failures become notices."""
    from metriclang.sqlgen import compile_sql
    from metriclang.sqlgen.coverage import measure_reach

    said, results, failed = list(notices), [], False
    bounds = Bounds(project, engine)
    for name in progress.track(names, "run"):
        sql, diagnostics = compile_sql(project, name, engine.dialect,
                                       date_from=date_from, date_to=date_to, limit=limit)
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
            said += [d for d in refused(project, engine, [name], exc) if d not in said]
            failed = True
            continue
        results.append(Named(name, project.measures[name].label,
                             coverage.mark(result, reach), coverage))
    return Computed(project, tuple(results), tuple(said), failed)


def refused(project: Project, engine: Engine, measures: Sequence[str],
            exc: EngineError) -> list[Diagnostic]:
    """An engine's refusal of the query of ``measures`` as diagnostics: E203 at the first
    measure's formula with the engine's message as the hint, after what the catalogue says
    is wrong with the sources and formulas they read (E200-E202, when it can be read)."""
    try:
        found = warehouse_problems(project, engine, measures)
    except EngineError:
        found = []
    first = project.measures[measures[0]]
    what = ", ".join(f"`{n}`" for n in measures)
    return [*found, error("E203", f"the warehouse {engine.url} refused the query of "
                          f"{'measure' if len(measures) == 1 else 'measures'} {what}",
                          first.at("formula"), str(exc))]
