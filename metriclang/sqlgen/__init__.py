"""SQL generation: model -> MeasurePlan -> generic sqlglot tree -> SQL text per dialect.

Public API: :func:`compile_sql` and :func:`output_columns`.
"""

from __future__ import annotations

from datetime import date

from metriclang.diagnostics import Diagnostic
from metriclang.semantic.model import Project


def output_columns(project: Project, measure: str) -> tuple[str, ...]:
    """Columns of a measure's result, in order: ``period``, its dimensions, ``value``."""
    return ("period", *project.measures[measure].dimensions, "value")


def compile_sql(
    project: Project,
    measure: str,
    dialect: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """One measure as one SELECT in ``dialect``; ``None`` plus diagnostics when impossible.

    >>> import pathlib, tempfile
    >>> from metriclang.load import load_project
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.osm").write_text("source s { table t time at } measure m { formula "
    ...                              "count(s) grain month }")
    >>> sql, problems = compile_sql(load_project(d).project, "m", "postgres")
    >>> sql.splitlines()[0], sql.splitlines()[-3:], problems
    ('WITH osm_bounds AS (', ['FROM osm_frame', 'ORDER BY', '  period'], ())
    """
    from metriclang.sqlgen.render import render_measure

    return render_measure(project, measure, dialect, date_from=date_from, date_to=date_to)
