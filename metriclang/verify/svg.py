"""A small inline SVG of a link's two series, the driver shifted by the declared lag.

Each series is scaled to its own range (they have different units), so the chart shows
whether the shapes move together, not their sizes. The driver is drawn dashed at the period
it is expected to show up in the target: its value at ``t`` is plotted at ``t + lag``.
Output is deterministic (fixed sizes, coordinates rounded to one decimal).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from metriclang.verify.result import LinkResult

WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 6, 6, 22, 18
DRIVER_COLOR, TARGET_COLOR = "#d95f02", "#1b6ca8"


def _scale(values: Sequence[float]) -> list[float]:
    """Values mapped to 0..1 (a flat series sits in the middle); NaN (a gap) stays NaN."""
    known = [v for v in values if v == v]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)
    if high == low:
        return [0.5 if v == v else v for v in values]
    return [(v - low) / (high - low) for v in values]


def _points(values: Sequence[float], start: int, total: int) -> str:
    """Polyline points; a period without a value (a gap) has no point: the line spans it."""
    step = (WIDTH - LEFT - RIGHT) / max(1, total - 1)
    height = HEIGHT - TOP - BOTTOM
    return " ".join(f"{LEFT + (start + i) * step:.1f},{TOP + (1 - v) * height:.1f}"
                    for i, v in enumerate(_scale(values)) if v == v)


def link_chart(link: LinkResult) -> str:
    """The SVG text for ``link`` (which must carry its aligned pair).

    >>> from datetime import date
    >>> import numpy as np
    >>> from metriclang.source import Span
    >>> from metriclang.verify.series import Pair
    >>> pair = Pair("week", (date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)),
    ...             np.array([1.0, 2.0, 3.0]), np.array([5.0, 4.0, 6.0]))
    >>> link = LinkResult("a", "b", "week", 1, "1 week", "positive", "weak", 3,
    ...                   Span("m.osm", 1, 1, 1, 2), pair=pair)
    >>> svg = link_chart(link)
    >>> svg.startswith("<svg") and 'points="6.0,62.0 160.0,102.0 314.0,22.0"' in svg
    True
    """
    pair = link.pair
    if pair is None:
        raise ValueError("link has no data to draw")
    n, lag = len(pair.periods), link.declared_lag
    shown = max(0, n - lag)
    title = (f"{link.source} (dashed, shifted by {lag} {link.grain}{'s' if lag != 1 else ''}) "
             f"and {link.target} (solid): {link.verdict}")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff" stroke="#ddd"/>',
        f'<text x="{LEFT}" y="14" font-size="10" fill="{DRIVER_COLOR}">'
        f"{escape(link.source)} +{lag}</text>",
        f'<text x="{WIDTH - RIGHT}" y="14" font-size="10" text-anchor="end" '
        f'fill="{TARGET_COLOR}">{escape(link.target)}</text>',
        f'<polyline fill="none" stroke="{TARGET_COLOR}" stroke-width="1.5" '
        f'points="{_points(pair.target.tolist(), 0, n)}"/>',
    ]
    if shown > 1:
        parts.append(f'<polyline fill="none" stroke="{DRIVER_COLOR}" stroke-width="1.5" '
                     f'stroke-dasharray="4 2" '
                     f'points="{_points(pair.driver[:shown].tolist(), lag, n)}"/>')
    parts += [
        f'<text x="{LEFT}" y="{HEIGHT - 5}" font-size="9" fill="#666">'
        f"{pair.periods[0].isoformat()}</text>",
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 5}" font-size="9" fill="#666" '
        f'text-anchor="end">{pair.periods[-1].isoformat()}</text>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"
