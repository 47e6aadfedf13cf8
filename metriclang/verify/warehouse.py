"""Fetch measure series from a warehouse with the generated SQL (the I/O edge of verify).

A measure with output dimensions is verified on its total: it is computed as a query of the
measure without ``--by`` (as ``osm status`` reads it), so a rate stays a rate (summing
per-dimension rates would not).
Periods the data does not cover completely (the week still running, censored conversion
cohorts, trailing windows reaching before the data: the rows ``osm run`` marks incomplete)
are left out, so a partial last period never reads as a fall.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from metriclang.diagnostics import Diagnostic
from metriclang.progress import SILENT, Progress
from metriclang.query.series import fetch
from metriclang.semantic.model import Project
from metriclang.verify.series import Series
from metriclang.warehouse.coverage import Bounds
from metriclang.warehouse.result import Engine


@dataclass(frozen=True)
class Fetched:
    """Series by measure name; why the others are missing; diagnostics from compiling SQL."""

    series: dict[str, Series]
    missing: dict[str, str]
    diagnostics: tuple[Diagnostic, ...]


def _as_float(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal | int | float):
        return float(value)
    return float(str(value))


def fetch_series(project: Project, engine: Engine, measures: Iterable[str],
                 date_from: date | None = None, date_to: date | None = None,
                 progress: Progress = SILENT) -> Fetched:
    """Each measure's total series on ``engine`` (:func:`metriclang.query.series.fetch`, as
    ``osm status`` reads it), its complete periods kept; failures are recorded, never raised;
    ``progress`` shows the measure being fetched."""
    series: dict[str, Series] = {}
    missing: dict[str, str] = {}
    diagnostics: list[Diagnostic] = []
    bounds = Bounds(project, engine)
    for name in progress.track(list(measures), "fetch"):
        got = fetch(project, engine, bounds, name, date_from=date_from, date_to=date_to)
        diagnostics += got.diagnostics
        if got.series is None:
            missing[name] = str(got.error) if got.error is not None else (
                got.diagnostics[0].message if got.diagnostics
                else "its SQL could not be generated")
            continue
        s = Series.of(name, project.measures[name].grain,
                      ((p.period, _as_float(p.value)) for p in got.series.points if p.complete))
        if len(s):
            series[name] = s
        else:
            missing[name] = "the query returned no rows"
    return Fetched(series, missing, tuple(diagnostics))
