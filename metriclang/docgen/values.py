"""``osm docs --db``: the measures' values on the site (a chart per measure page, statuses on
the trees and the causal graph).

:func:`gather` computes every measure's series once (:func:`metriclang.query.series.measure_series`
on one engine: the total and one series per dimension) and its status
(:mod:`metriclang.report.status`, as ``osm status``); :class:`MeasureValues` is what one
measure page shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from metriclang.query.series import Series
from metriclang.report.chart import series_svg
from metriclang.report.status import (
    ICONS,
    MeasureStatus,
    as_number,
    assess,
    fmt_value,
    target_of,
    tree_order,
)
from metriclang.semantic.model import Project

#: A chart shows at most this many periods (the latest ones); its data table the same.
CHART_PERIODS = 60
#: A breakdown table lists at most this many dimension values (the largest first).
TOP_N = 10


@dataclass(frozen=True)
class ValuesOptions:
    """Where to compute and as of which day (None: as ``osm status`` decides)."""

    db: str | None = None
    as_of: date | None = None


@dataclass(frozen=True)
class Values:
    """Every measure's series, breakdowns and status; ``notes``: failed measures."""

    as_of: date | None
    series: Mapping[str, Series]
    breakdowns: Mapping[str, tuple[Series, ...]]
    status: Mapping[str, MeasureStatus]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class TableRow:
    period: str
    value: str
    complete: bool


@dataclass(frozen=True)
class Breakdown:
    """One dimension's values at the latest complete period, largest first."""

    dimension: str
    period: str
    rows: tuple[tuple[str, str], ...]
    more: int


@dataclass(frozen=True)
class MeasureValues:
    """What a measure page shows with ``--db``."""

    status: MeasureStatus
    icon: str
    value: str
    change: str
    target: str
    chart: str
    table: tuple[TableRow, ...]
    breakdowns: tuple[Breakdown, ...]


def gather(project: Project, options: ValuesOptions) -> Values:
    """Compute the series of every measure (raises
    :class:`~metriclang.errors.UsageError` without a warehouse)."""
    from metriclang.query.series import measure_series
    from metriclang.report.text import render_one

    ran = measure_series(project, tree_order(project), options.db, options.as_of,
                         breakdowns=True)
    series = {s.measure: s for s in ran.series if s.dimension is None}
    breakdowns: dict[str, list[Series]] = {}
    for s in ran.series:
        if s.dimension is not None:
            breakdowns.setdefault(s.measure, []).append(s)
    status = {n: assess(project, n, [(p.period, p.value, p.complete) for p in s.points])
              for n, s in series.items()}
    notes = tuple(n if isinstance(n, str) else render_one(project, n) for n in ran.notices)
    return Values(ran.as_of, series, {k: tuple(v) for k, v in breakdowns.items()}, status, notes)


def measure_values(project: Project, values: Values, name: str) -> MeasureValues | None:
    """The page part of measure ``name``; None when it could not be computed."""
    if name not in values.series:
        return None
    from metriclang.report.status import fmt_change

    measure, status = project.measures[name], values.status[name]
    points = values.series[name].points[-CHART_PERIODS:]
    target = target_of(project, name)
    goal = (target[0], float(target[1])) if target else None
    title = f"{measure.label or name} by {measure.grain}"
    chart = series_svg(title, [(p.period, as_number(p.value), p.complete) for p in points],
                       measure.grain, measure.unit, goal)
    table = tuple(TableRow(p.period.isoformat(), fmt_value(as_number(p.value), measure.unit),
                           p.complete) for p in points)
    return MeasureValues(status, ICONS[status.status], fmt_value(status.value, measure.unit),
                         fmt_change(status.change, measure.unit),
                         f"{goal[0]} {fmt_value(goal[1], measure.unit)}" if goal else "—",
                         chart, table,
                         tuple(_breakdown(s, status.period, measure.unit)
                               for s in values.breakdowns.get(name, ())))


def _breakdown(series: Series, period: date | None, unit: str | None) -> Breakdown:
    """The values of ``series``'s groups at ``period``, largest first, at most TOP_N."""
    rows = [(p.group, as_number(p.value)) for p in series.points
            if p.period == period and p.complete]
    rows.sort(key=lambda r: (r[1] is None, -(r[1] or 0.0), str(r[0])))
    shown = tuple((str(g) if g is not None else "(none)", fmt_value(v, unit))
                  for g, v in rows[:TOP_N])
    return Breakdown(series.dimension or "", period.isoformat() if period else "—", shown,
                     max(0, len(rows) - TOP_N))
