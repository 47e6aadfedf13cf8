"""``osm diff --run``: each changed measure computed old versus new on the warehouse.

Both sides' SQL is compiled for the warehouse's dialect and run on the same connection;
the last N periods found in either result are shown side by side, per dimension values.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from metriclang.diagnostics import DiagnosticSet
from metriclang.semantic.model import Project
from metriclang.warehouse.result import Engine, EngineError


@dataclass(frozen=True)
class PeriodValue:
    """One period (and dimension values) of a measure: old and new value."""

    period: str
    dims: tuple[str, ...]
    old: float | None
    new: float | None


@dataclass(frozen=True)
class MeasureRun:
    """The values of one measure on both sides; ``problem`` says why a side is missing."""

    measure: str
    rows: tuple[PeriodValue, ...]
    problem: str | None = None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, (int, float, Decimal)) else None


def _values(engine: Engine, project: Project, measure: str
            ) -> tuple[dict[tuple[str, tuple[str, ...]], float | None], str | None]:
    from metriclang.report.results import cell
    from metriclang.sqlgen import compile_sql

    if measure not in project.measures:
        return {}, None
    sql, diagnostics = compile_sql(project, measure, engine.dialect)
    if sql is None:
        problems = DiagnosticSet.of(diagnostics).active()
        reason = problems[0].message if problems else "it cannot be compiled"
        return {}, f"`{measure}` cannot be compiled: {reason}"
    try:
        result = engine.query(sql)
    except EngineError as exc:
        return {}, f"`{measure}` failed on the warehouse: {exc}"
    return {(str(cell(row[0])), tuple(str(cell(v)) for v in row[1:-1])): _number(row[-1])
            for row in result.rows}, None


def run_changed(engine: Engine, old: Project, new: Project, pairs: list[tuple[str, str]],
                periods: int) -> tuple[MeasureRun, ...]:
    """Compute ``(old name, new name)`` measures on both sides; keep the last ``periods``."""
    runs = []
    for old_name, new_name in pairs:
        before, problem_old = _values(engine, old, old_name)
        after, problem_new = _values(engine, new, new_name)
        problem = "; ".join(p for p in (problem_old, problem_new) if p) or None
        keys = before.keys() | after.keys()
        last = sorted({period for period, _ in keys})[-periods:] if periods > 0 else []
        rows = tuple(PeriodValue(p, dims, before.get((p, dims)), after.get((p, dims)))
                     for p, dims in sorted(keys) if p in last)
        runs.append(MeasureRun(new_name, rows, problem))
    return tuple(runs)
