"""The public Python API: load a project, list and describe measures, check, SQL, queries.

Stable and typed; the ``osm`` commands call it, and so will the LSP and MCP servers. Problems
in the specs or options are raised as :class:`ProjectError` (its diagnostics, rendered by
``str()``), a bad argument as :class:`~metriclang.errors.UsageError`.

>>> import pathlib, tempfile
>>> from metriclang import api
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.osm").write_text('''
... source s { table t time at dimension c }
... measure orders_n { formula count(s) grain month dimensions c owner "ops" }
... measure double_n { formula 2 * orders_n grain month }
... ''')
>>> project = api.load(d)
>>> [(m.name, m.grain, m.dimensions) for m in api.measures(project)]
[('orders_n', 'month', ('c',)), ('double_n', 'month', ())]
>>> info = api.describe(project, "orders_n")
>>> info.owner, info.reachable, info.used_in, api.describe(project, "double_n").uses
('ops', ('c',), ('double_n',), ('orders_n',))
>>> api.sql(project, "orders_n", "postgres").splitlines()[0]
'WITH osm_p0 AS ('
>>> api.query_sql(project, ["orders_n", "double_n"], by=["c"], grain="year").count("osm_result")
2
>>> try:
...     api.query_sql(project, ["orders_n"], grain="day")
... except api.ProjectError as exc:
...     print(exc.diagnostics[0].code, exc.diagnostics[0].span)
E187 --grain:1:1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metriclang.diagnostics import Diagnostic, DiagnosticSet, Severity
from metriclang.errors import UsageError, did_you_mean
from metriclang.semantic.model import Project

if TYPE_CHECKING:
    import pandas  # type: ignore[import-untyped,unused-ignore]

    from metriclang.interop.output import Converted
    from metriclang.report.status import MeasureStatus
    from metriclang.warehouse.coverage import Coverage

__all__ = ["Driver", "MeasureInfo", "ProjectError", "QueryResult", "StatusReport", "check",
           "columns", "default_dialect", "describe", "drivers", "export", "import_files", "load",
           "measures", "query", "query_sql", "run", "sql", "status"]


class ProjectError(Exception):
    """The specs or a query's options have errors: ``diagnostics``, rendered by ``str()``."""

    def __init__(self, project: Project, diagnostics: Sequence[Diagnostic]) -> None:
        from metriclang.report.text import render_one

        self.project, self.diagnostics = project, tuple(diagnostics)
        super().__init__("\n\n".join(render_one(project, d) for d in self.diagnostics))


@dataclass(frozen=True)
class MeasureInfo:
    """Everything about one measure: what it is, what it reads, its lineage."""

    name: str
    label: str | None
    kind: str | None
    grain: str
    dimensions: tuple[str, ...]
    #: Dimensions it can be asked by (``osm query --by``): those of every source it reads.
    reachable: tuple[str, ...]
    owner: str | None
    stage: str | None
    description: str | None
    formula: str
    sources: tuple[str, ...]
    #: Measures its formula names, and measures whose formulas name it.
    uses: tuple[str, ...]
    used_in: tuple[str, ...]
    #: ``drives`` links: (measure, effect, lag or "") it drives, and that drive it.
    drives: tuple[tuple[str, str, str], ...]
    driven_by: tuple[tuple[str, str, str], ...]
    #: Where it is declared, ``file:line:column``.
    location: str


@dataclass(frozen=True)
class Driver:
    """A measure that drives another (``drives ... lag ... effect ...``), and its own drivers."""

    measure: str
    effect: str
    #: The link's lag as written (``1 month``), or "".
    lag: str
    drivers: tuple[Driver, ...]


@dataclass(frozen=True)
class QueryResult:
    """A query's columns and rows (the engine's Python values), the last column
    ``complete`` (a bool: whether the data covers the row's period and windows)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    #: Messages of the warehouse on the way (demo data generated), to show a user.
    notes: tuple[str, ...] = ()
    #: What ``complete`` was judged against: ``first`` day and ``as_of`` instant of the data.
    coverage: Coverage | None = None

    @property
    def last_complete_period(self) -> Any:
        """The latest period (first column) of a complete row; None when no row is."""
        return max((row[0] for row in self.rows if row[-1]), default=None)

    def to_pandas(self) -> pandas.DataFrame:
        """The rows as a DataFrame; needs pandas (``ImportError`` without it)."""
        import pandas

        return pandas.DataFrame(list(self.rows), columns=list(self.columns))


def load(path: str | Path = ".") -> Project:
    """The project at ``path``; :class:`ProjectError` when it has errors."""
    from metriclang.load import load_project

    loaded = load_project(path)
    errors = [d for d in loaded.diagnostics.active() if d.severity is Severity.ERROR]
    if errors:
        raise ProjectError(loaded.project, errors)
    return loaded.project


def check(path: str | Path = ".", today: date | None = None, *, warehouse: bool = False,
          db: str | None = None) -> tuple[Project, DiagnosticSet]:
    """Everything ``osm check`` reports: the project and its diagnostics (never raises for
    problems in the specs).

    With ``warehouse`` (or a ``db`` URL) the tables and columns are also checked against the
    warehouse's catalogue (``db``, else ``$OSM_DB_URL``, else ``[project] warehouse``);
    ``EngineError`` when it can't be read.
    """
    from metriclang.load import check as check_project

    loaded = check_project(path, today)
    if not (warehouse or db):
        return loaded.project, loaded.diagnostics
    from metriclang.warehouse.schema import check_warehouse

    found, _ = check_warehouse(loaded.project, db)
    return loaded.project, DiagnosticSet.of([*loaded.diagnostics, *found])


def export(project: Project, to: str) -> Converted:
    """``project`` as files of another semantic layer (``metricflow``, ``osi``, ``cube``):
    the files and the loss report (docs/interop.md)."""
    from metriclang.interop.formats import export_project

    return export_project(project, to)


def import_files(paths: Sequence[str | Path], source: str) -> Converted:
    """``.osm`` files and ``metriclang.toml`` for another semantic layer's files
    (``metricflow``, ``osi``), and what could not be carried over."""
    from metriclang.interop.formats import import_files as convert

    return convert(tuple(Path(p) for p in paths), source)


def measures(project: Project) -> tuple[MeasureInfo, ...]:
    """Every measure, in declaration order."""
    from metriclang.semantic.graph import CausalGraph, formula_users

    graph, users = CausalGraph.from_project(project), formula_users(project)
    ordered = sorted(project.measures.values(), key=lambda m: (m.span, m.name))
    return tuple(_info(project, m.name, graph, users) for m in ordered)


def describe(project: Project, name: str) -> MeasureInfo:
    """One measure; :class:`UsageError` when there is none of that name."""
    from metriclang.semantic.graph import CausalGraph, formula_users

    _known(project, name)
    return _info(project, name, CausalGraph.from_project(project), formula_users(project))


def drivers(project: Project, name: str, depth: int = 3) -> tuple[Driver, ...]:
    """The causal tree upstream of a measure, ``depth`` links deep; a measure already on the
    path (a cycle) is listed without its drivers."""
    from metriclang.semantic.graph import CausalGraph

    _known(project, name)
    if depth < 1:
        raise UsageError(f"depth must be 1 or more, not {depth}")
    into = CausalGraph.from_project(project).into

    def walk(target: str, left: int, path: frozenset[str]) -> tuple[Driver, ...]:
        return tuple(
            Driver(e.source, e.effect, str(e.lag) if e.lag else "",
                   () if left == 1 or e.source in path
                   else walk(e.source, left - 1, path | {e.source}))
            for e in into.get(target, ()))

    return walk(name, depth, frozenset({name}))


def sql(project: Project, measure: str, dialect: str | None = None, *,
        date_from: date | None = None, date_to: date | None = None) -> str:
    """The SQL of one measure as declared (``osm sql``); the project's dialect by default."""
    from metriclang.sqlgen import compile_sql

    _known(project, measure)
    text, problems = compile_sql(project, measure, _dialect(project, dialect),
                                 date_from=date_from, date_to=date_to)
    if text is None:
        raise ProjectError(project, problems)
    return text


def query_sql(project: Project, measures: Sequence[str], *, by: Sequence[str] = (),
              grain: str | None = None, where: str | None = None,
              date_from: date | None = None, date_to: date | None = None,
              compare: str | None = None, order: str | None = None, limit: int | None = None,
              dialect: str | None = None) -> str:
    """The SQL of an ad-hoc query (``osm query --sql``); see docs/query.md."""
    from metriclang.query import compile_query

    compiled = compile_query(project, _query(measures, by, grain, where, date_from, date_to,
                                             compare, order, limit), _dialect(project, dialect))
    if compiled.sql is None:
        raise ProjectError(compiled.project, compiled.diagnostics)
    return compiled.sql


def run(project: Project, measure: str, *, date_from: date | None = None,
        date_to: date | None = None, as_of: date | None = None, db: str | None = None,
        timeout: float | None = None) -> QueryResult:
    """Compute one measure as declared (``osm run``) on the project's warehouse;
    ``ProjectError`` when it can't be compiled, ``EngineError`` when the warehouse fails."""
    from metriclang.warehouse.compute import compute_project
    from metriclang.warehouse.guard import DEFAULT_TIMEOUT
    from metriclang.warehouse.result import EngineError

    _known(project, measure)
    done = compute_project(project, [measure], db, date_from, date_to,
                           timeout or DEFAULT_TIMEOUT, as_of=as_of)
    notes = tuple(n for n in done.notices if isinstance(n, str) and not n.startswith("error"))
    if not done.results:
        problems = [n for n in done.notices if not isinstance(n, str)]
        if problems:
            raise ProjectError(project, problems)
        raise EngineError("; ".join(str(n).removeprefix("error: ") for n in done.notices))
    named = done.results[0]
    return QueryResult(named.result.columns, named.result.rows, notes, named.coverage)


def query(project: Project, measures: Sequence[str], *, by: Sequence[str] = (),
          grain: str | None = None, where: str | None = None,
          date_from: date | None = None, date_to: date | None = None,
          compare: str | None = None, order: str | None = None, limit: int | None = None,
          as_of: date | None = None, db: str | None = None, timeout: float | None = None
          ) -> QueryResult:
    """Run an ad-hoc query on the project's warehouse (``db``: a URL, else the project's);
    :class:`ProjectError` for problems in it, ``EngineError`` when the warehouse fails."""
    from metriclang.query.run import run_query
    from metriclang.warehouse.guard import DEFAULT_TIMEOUT
    from metriclang.warehouse.result import EngineError

    ran = run_query(project, _query(measures, by, grain, where, date_from, date_to, compare,
                                    order, limit), db, timeout or DEFAULT_TIMEOUT, as_of)
    if ran.result is None:
        problems = [n for n in ran.notices if not isinstance(n, str)]
        if problems:
            raise ProjectError(ran.project, problems)
        raise EngineError("; ".join(str(n).removeprefix("error: ") for n in ran.notices))
    notes = tuple(n for n in ran.notices if isinstance(n, str))
    return QueryResult(ran.result.columns, ran.result.rows, notes, ran.coverage)


@dataclass(frozen=True)
class StatusReport:
    """Where every measure stands (``osm status``): the day completeness was judged at,
    one :class:`~metriclang.report.status.MeasureStatus` per measure in the objective
    tree's order, and the warehouse's messages (failed measures are left out)."""

    as_of: date | None
    measures: tuple[MeasureStatus, ...]
    notes: tuple[str, ...] = ()


def status(project: Project, *, as_of: date | None = None, db: str | None = None,
           timeout: float | None = None) -> StatusReport:
    """Each measure's latest complete period, value, change, target and status
    (docs/status.md) on the project's warehouse; ``EngineError`` when it can't be opened."""
    from metriclang.query.series import measure_series
    from metriclang.report.status import assess_all, tree_order
    from metriclang.report.text import render_one
    from metriclang.warehouse.guard import DEFAULT_TIMEOUT
    from metriclang.warehouse.result import EngineError

    ran = measure_series(project, tree_order(project), db, as_of, timeout or DEFAULT_TIMEOUT)
    notes = tuple(n if isinstance(n, str) else render_one(ran.project, n) for n in ran.notices)
    if not ran.series and notes:
        raise EngineError("; ".join(n.removeprefix("error: ") for n in notes))
    series = {s.measure: [(p.period, p.value, p.complete) for p in s.points]
              for s in ran.series}
    return StatusReport(ran.as_of, assess_all(project, series), notes)


def columns(project: Project, db: str | None = None, timeout: float | None = None
            ) -> dict[str, tuple[str, ...]]:
    """The column names of each source's table, read from the warehouse (``db``: a URL, else
    the project's; from its catalogue, never the rows); a table that is not there has none.
    :class:`UsageError` without a warehouse, ``EngineError`` when it can't be opened."""
    from metriclang.warehouse.catalog import source_columns

    return source_columns(project, db, timeout)


def _query(measures: Sequence[str], by: Sequence[str], grain: str | None, where: str | None,
           date_from: date | None, date_to: date | None, compare: str | None,
           order: str | None, limit: int | None) -> Any:
    from metriclang.query import Query

    if isinstance(measures, str) or isinstance(by, str):
        raise UsageError("give measures and dimensions as lists of names")
    return Query(tuple(measures), tuple(by), grain, where, date_from, date_to, compare, order,
                 limit)


def default_dialect(project: Project) -> str:
    """The dialect of :func:`sql` when none is asked: the project's, else duckdb."""
    return _dialect(project)


def _dialect(project: Project, asked: str | None = None) -> str:
    """``asked`` (:class:`UsageError` if not an output dialect), else the project's."""
    from metriclang.dialects import OUTPUT_DIALECTS

    if asked is not None and asked not in OUTPUT_DIALECTS:
        hint = did_you_mean(asked, OUTPUT_DIALECTS)
        raise UsageError(f"unknown dialect `{asked}`; one of: " + ", ".join(OUTPUT_DIALECTS)
                         + (f"; {hint}" if hint else ""))
    if asked is not None:
        return asked
    return project.config.dialect if project.config.dialect in OUTPUT_DIALECTS else "duckdb"


def _known(project: Project, name: str) -> None:
    if name not in project.measures:
        hint = did_you_mean(name, project.measures)
        raise UsageError(f"unknown measure `{name}`" + (f"; {hint}" if hint else ""))


def _info(project: Project, name: str, graph: Any, users: dict[str, tuple[str, ...]]
          ) -> MeasureInfo:
    from metriclang.semantic.joins import reachable_dimensions
    from metriclang.semantic.references import formula_refs, formula_sources

    measure = project.measures[name]
    sources = tuple(sorted(formula_sources(project, name) & project.sources.keys()))
    dims = [reachable_dimensions(project.sources, s) for s in sources]
    reachable = tuple(d for d in dims[0] if all(d in other for other in dims)) if dims else ()
    uses = tuple(dict.fromkeys(r.measure for r in formula_refs(measure)))

    def link(other: str, e: Any) -> tuple[str, str, str]:
        return other, e.effect, str(e.lag) if e.lag else ""

    return MeasureInfo(
        name, measure.label, measure.kind, measure.grain, measure.dimensions, reachable,
        measure.owner, measure.stage, measure.description, _formula_text(project, measure),
        sources, uses, users.get(name, ()),
        tuple(link(e.target, e) for e in graph.out.get(name, ())),
        tuple(link(e.source, e) for e in graph.into.get(name, ())),
        str(measure.name_span))


def _formula_text(project: Project, measure: Any) -> str:
    """The formula as written, on one line."""
    span = measure.statements.get("formula")
    source = project.file(span.file) if span is not None else None
    if span is None or source is None:
        return ""
    lines = [source.lines.line(n) for n in range(span.line, span.end_line + 1)]
    lines[-1] = lines[-1][:span.end_column - 1]
    lines[0] = lines[0][span.column - 1:]
    return " ".join(x.strip() for x in lines).removeprefix("formula").strip()
