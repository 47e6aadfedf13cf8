"""A measure's series as an SVG chart (pure; no plotting library, deterministic output).

Line and dots for day and week grains, bars for month, quarter and year; the target as a
dashed horizontal line; a period that is not complete drawn hollow (class ``incomplete``)
and said so in its hover title. Every mark carries ``data-period``, ``data-value`` and
``data-complete`` and a ``<title>`` with the exact value, the chart a ``<title>`` and
``role="img"``; pages add a data table with the same points.

>>> svg = series_svg("Revenue", [(date(2024, 1, 1), 10.0, True), (date(2024, 2, 1), 5.0, False)],
...                  "month", "EUR", (">=", 8.0))
>>> svg.count('class="mark bar complete"'), svg.count('class="mark bar incomplete"')
(1, 1)
>>> 'data-value="10.0"' in svg, "<title>2024-02-01: 5 EUR (incomplete period)</title>" in svg
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from metriclang.report.status import fmt_value

W, H = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 24, 36
#: Grains drawn as bars; the others as a line with dots.
BAR_GRAINS = ("month", "quarter", "year")

#: One period: its first day, value (None: empty) and whether it is complete.
ChartPoint = tuple[date, float | None, bool]


def _fmt(value: float) -> str:
    """A coordinate with at most one decimal."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def series_svg(title: str, points: Sequence[ChartPoint], grain: str, unit: str | None,
               target: tuple[str, float] | None = None) -> str:
    """The chart of ``points`` (oldest first), titled ``title``; ``target``: (op, value)."""
    values = [v for _, v, _ in points if v is not None]
    if target is not None:
        values.append(target[1])
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    lo = min(lo, 0.0) if grain in BAR_GRAINS else lo
    if hi == lo:
        hi, lo = hi + 1, lo - (1 if lo != 0 else 0)
    inner_w, inner_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    step = inner_w / max(len(points), 1)

    def y(v: float) -> float:
        return TOP + inner_h * (hi - v) / (hi - lo)

    def x(i: int) -> float:
        return LEFT + step * (i + 0.5)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="series-chart" width="{W}" '
           f'height="{H}" viewBox="0 0 {W} {H}" role="img" aria-label={quoteattr(title)}>',
           f"<title>{escape(title)}</title>",
           f'<line class="axis" x1="{LEFT}" y1="{TOP + inner_h}" x2="{W - RIGHT}" '
           f'y2="{TOP + inner_h}"/>',
           f'<text class="tick" x="{LEFT - 6}" y="{_fmt(y(hi) + 4)}" text-anchor="end">'
           f"{escape(fmt_value(hi, unit))}</text>",
           f'<text class="tick" x="{LEFT - 6}" y="{_fmt(y(lo) + 4)}" text-anchor="end">'
           f"{escape(fmt_value(lo, unit))}</text>"]
    if points:
        out.append(f'<text class="tick" x="{LEFT}" y="{H - 12}">{points[0][0].isoformat()}</text>')
        out.append(f'<text class="tick" x="{W - RIGHT}" y="{H - 12}" text-anchor="end">'
                   f"{points[-1][0].isoformat()}</text>")
    bars = grain in BAR_GRAINS
    if not bars:
        out += _lines(points, x, y)
    for i, (period, value, complete) in enumerate(points):
        if value is None:
            continue
        state = "complete" if complete else "incomplete"
        hover = f"{period.isoformat()}: {fmt_value(value, unit)}" + (
            "" if complete else " (incomplete period)")
        data = (f'data-period="{period.isoformat()}" data-value="{float(value)!r}" '
                f'data-complete="{str(complete).lower()}"')
        if bars:
            top, base = y(max(value, 0.0)), y(min(value, 0.0))
            width = max(step * 0.7, 1.0)
            out.append(f'<rect class="mark bar {state}" {data} x="{_fmt(x(i) - width / 2)}" '
                       f'y="{_fmt(top)}" width="{_fmt(width)}" height="{_fmt(max(base - top, 1))}">'
                       f"<title>{escape(hover)}</title></rect>")
        else:
            out.append(f'<circle class="mark dot {state}" {data} cx="{_fmt(x(i))}" '
                       f'cy="{_fmt(y(value))}" r="3.5"><title>{escape(hover)}</title></circle>')
    if target is not None:
        op, goal = target
        label = f"target {op} {fmt_value(goal, unit)}"
        out.append(f'<g class="target"><line x1="{LEFT}" y1="{_fmt(y(goal))}" x2="{W - RIGHT}" '
                   f'y2="{_fmt(y(goal))}"><title>{escape(label)}</title></line>'
                   f'<text x="{W - RIGHT}" y="{_fmt(y(goal) - 4)}" text-anchor="end">'
                   f"{escape(label)}</text></g>")
    out.append("</svg>")
    return "\n".join(out)


def _lines(points: Sequence[ChartPoint], fx: Callable[[int], float],
           fy: Callable[[float], float]) -> list[str]:
    """The line through the complete points and a dashed one to each incomplete point."""
    solid: list[str] = []
    dashed: list[str] = []
    previous: tuple[float, float, bool] | None = None
    for i, (_, value, complete) in enumerate(points):
        if value is None:
            previous = None
            continue
        here = (fx(i), fy(value))
        if previous is not None:
            segment = f"M{_fmt(previous[0])},{_fmt(previous[1])}L{_fmt(here[0])},{_fmt(here[1])}"
            (solid if complete and previous[2] else dashed).append(segment)
        previous = (*here, complete)
    out = []
    if solid:
        out.append(f'<path class="line" d="{"".join(solid)}"/>')
    if dashed:
        out.append(f'<path class="line incomplete" d="{"".join(dashed)}"/>')
    return out
