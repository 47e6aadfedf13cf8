"""Where each measure stands (``osm status``): latest complete value, change, target, status.

Pure: series in (``(period, value, complete)`` per measure, as computed by
:mod:`metriclang.query.series`), :class:`MeasureStatus` rows out, rendered as the objective
tree (text) or the JSON contract of docs/status.md.

A measure's target is an objective's ``target MEASURE OP NUMBER`` (the first one naming it),
else its own ``target NUMBER`` (``>=``, or ``<=`` with ``direction down``). ``on-track``: the
latest complete value meets it (``=``: within 1% of it); ``no-target`` without a target (the
``trend`` then says whether the change went the ``direction``'s way); ``no-data`` when no
period is complete or its value is empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from metriclang.display import pad
from metriclang.semantic.model import Project

#: The values of ``status``, best first.
STATUSES = ("on-track", "off-track", "no-target", "no-data")
#: A word and an icon per status: colour is never the only signal.
ICONS = {"on-track": "✓", "off-track": "✗", "no-target": "○", "no-data": "?"}
#: How many periods a sparkline shows (the latest complete one last).
SPARK_PERIODS = 12
_BARS = "▁▂▃▄▅▆▇█"
_STYLES = {"on-track": "bold green", "off-track": "bold red", "no-target": "cyan",
           "no-data": "dim"}

#: One period of a series: its first day, its value (None: empty), whether it is complete.
Row = tuple[date, Any, bool]


@dataclass(frozen=True)
class MeasureStatus:
    """Where one measure stands at its latest complete period."""

    measure: str
    label: str | None
    unit: str | None
    period: date | None
    complete: bool
    value: float | None
    previous: float | None
    change: float | None
    target: float | None
    op: str | None
    status: str
    trend: str | None
    spark: tuple[float | None, ...]


def as_number(value: Any) -> float | None:
    """An engine value as a float; None for NULL, booleans and NaN."""
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return None if number != number else number  # NaN: no value


def target_of(project: Project, name: str) -> tuple[str, Decimal] | None:
    """The measure's target as ``(op, value)``, None without one (see the module doc)."""
    for objective in project.objectives.values():
        for target in objective.targets:
            if target.measure == name:
                return target.op, target.value
    measure = project.measures[name]
    if measure.target is None:
        return None
    return ("<=" if measure.direction == "down" else ">="), measure.target


def meets(value: float, op: str, target: float) -> bool:
    """Whether ``value OP target`` holds (``=``: within 1% of the target)."""
    if op == "=":
        return abs(value - target) <= 0.01 * abs(target) if target else value == 0
    return {">=": value >= target, ">": value > target, "<=": value <= target,
            "<": value < target}[op]


def assess(project: Project, name: str, rows: Sequence[Row]) -> MeasureStatus:
    """The status of measure ``name`` from its series ``rows`` (in period order)."""
    measure = project.measures[name]
    target = target_of(project, name)
    op, goal = (target[0], float(target[1])) if target else (None, None)
    done = [i for i, row in enumerate(rows) if row[2]]
    if not done:
        return MeasureStatus(name, measure.label, measure.unit, None, False, None, None, None,
                             goal, op, "no-data", None, ())
    last = done[-1]
    period, value = rows[last][0], as_number(rows[last][1])
    previous = as_number(rows[last - 1][1]) if last > 0 else None
    change = value - previous if value is not None and previous is not None else None
    spark = tuple(as_number(r[1]) for r in rows[max(0, last + 1 - SPARK_PERIODS):last + 1])
    if value is None:
        status = "no-data"
    elif op is None or goal is None:
        status = "no-target"
    else:
        status = "on-track" if meets(value, op, goal) else "off-track"
    return MeasureStatus(name, measure.label, measure.unit, period, True, value, previous,
                         change, goal, op, status, _trend(measure.direction, change), spark)


def _trend(direction: str | None, change: float | None) -> str | None:
    """``improving``, ``worsening`` or ``flat`` by the direction; None without one."""
    if direction is None or change is None:
        return None
    if change == 0:
        return "flat"
    return "improving" if (change > 0) == (direction == "up") else "worsening"


def assess_all(project: Project, series: Mapping[str, Sequence[Row]]) -> tuple[MeasureStatus, ...]:
    """The status of every measure of ``series``, in :func:`tree_order`."""
    return tuple(assess(project, n, series[n]) for n in tree_order(project) if n in series)


def tree_order(project: Project) -> list[str]:
    """Measures as the objective tree shows them: each objective's north star, then its
    strategies' measures; then the measures outside the tree, in declaration order."""
    seen: dict[str, None] = {}
    for objective in project.objectives.values():
        if objective.north_star:
            seen.setdefault(objective.north_star)
        for strategy in objective.strategies:
            for name in strategy.measures:
                seen.setdefault(name)
    for name in sorted(project.measures, key=lambda n: (project.measures[n].span, n)):
        seen.setdefault(name)
    return [n for n in seen if n in project.measures]


def sparkline(values: Sequence[float | None]) -> str:
    """Bars of the values' levels, a space for an empty one.

    >>> sparkline([1, 2, None, 4])
    '▁▃ █'
    """
    known = [v for v in values if v is not None]
    if not known:
        return ""
    lo, hi = min(known), max(known)
    span = hi - lo
    return "".join(" " if v is None else _BARS[round((v - lo) / span * 7) if span else 3]
                   for v in values)


def fmt_value(value: float | None, unit: str | None) -> str:
    """A value in its unit: ``%`` as a percentage, otherwise 4 significant digits (more for
    big numbers) and the unit after it.

    >>> fmt_value(0.3125, "%"), fmt_value(251234.5, "EUR"), fmt_value(None, None)
    ('31.2%', '251234 EUR', '–')
    """
    if value is None:
        return "–"
    if unit == "%":
        return f"{value * 100:.1f}%"
    text = f"{value:.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return f"{text} {unit}" if unit else text


def fmt_change(change: float | None, unit: str | None) -> str:
    """A change with its sign (percentage points for ``%``).

    >>> fmt_change(0.011, "%"), fmt_change(-3, None), fmt_change(None, None)
    ('+1.1 pt', '-3', '')
    """
    if change is None:
        return ""
    if unit == "%":
        return f"{change * 100:+.1f} pt"
    return f"{change:+.0f}" if abs(change) >= 1000 else f"{change:+.4g}"


def to_json(as_of: date | None, rows: Sequence[MeasureStatus]) -> str:
    """The JSON contract of ``osm status --format json`` (docs/status.md)."""
    doc = {"as_of": as_of.isoformat() if as_of else None,
           "measures": [{"measure": r.measure, "label": r.label,
                         "period": r.period.isoformat() if r.period else None,
                         "complete": r.complete, "value": r.value, "previous": r.previous,
                         "change": r.change, "target": r.target, "op": r.op,
                         "status": r.status, "trend": r.trend, "unit": r.unit,
                         "spark": list(r.spark)} for r in rows]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _paint(text: str, status: str, color: bool) -> str:
    if not color:
        return text
    from rich.color import ColorSystem
    from rich.style import Style

    return Style.parse(_STYLES[status]).render(text, color_system=ColorSystem.STANDARD)


def to_text(project: Project, rows: Sequence[MeasureStatus], color: bool = False) -> str:
    """The objective tree with a line per measure, then the ``drives`` links."""
    by_name = {r.measure: r for r in rows}
    lines: list[tuple[str, MeasureStatus | None]] = []
    placed: set[str] = set()
    for objective in project.objectives.values():
        lines.append((f"{objective.label or objective.name}", None))
        if objective.north_star in by_name:
            lines.append((f"  ★ {objective.north_star}", by_name[objective.north_star]))
            placed.add(objective.north_star)
        for strategy in objective.strategies:
            lines.append((f"  {strategy.label or strategy.name}", None))
            for name in strategy.measures:
                if name in by_name:
                    lines.append((f"    {name}", by_name[name]))
                    placed.add(name)
    rest = [r for r in rows if r.measure not in placed]
    if rest:
        lines.append(("other measures", None))
        lines += [(f"  {r.measure}", r) for r in rest]
    left = max((len(t) for t, r in lines if r is not None), default=0)
    out = []
    for text, row in lines:
        out.append(text if row is None else _line(text, row, left, color))
    links = [f"  {m.name} → {d.target}" + (f" (lag {d.lag})" if d.lag else "")
             + (" negative" if d.effect == "negative" else "")
             for m in project.measures.values() for d in m.drives]
    if links:
        out += ["", "drives", *links]
    return "\n".join(out) + "\n"


def _line(text: str, row: MeasureStatus, left: int, color: bool) -> str:
    target = (f"target {row.op} {fmt_value(row.target, row.unit)}"
              if row.target is not None else "")
    status = _paint(f"{ICONS[row.status]} {row.status}", row.status, color)
    cells = [pad(text, left), pad(row.period.isoformat() if row.period else "–", 10),
             pad(fmt_value(row.value, row.unit), 12, right=True),
             pad(fmt_change(row.change, row.unit), 10, right=True), pad(target, 22),
             pad(status, 11 + (len(status) - len(f"{ICONS[row.status]} {row.status}"))),
             sparkline(row.spark)]
    return "  ".join(cells).rstrip()
