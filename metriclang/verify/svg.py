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


SCAN_W, SCAN_H = 320, 140
#: Two-sided 95% band of a correlation of independent series: ±Z/√pairs.
Z = 1.96


def scan_chart(link: LinkResult) -> str:
    """The lagged cross-correlation of ``link`` as SVG bars, one per lag of the scanned
    window: the declared lag outlined and labelled, the 95% band ±1.96/√pairs shaded, each
    bar with a hover title.

    >>> from metriclang.source import Span
    >>> link = LinkResult("a", "b", "week", 2, "2 weeks", "positive", "supported", 40,
    ...                   Span("m.osm", 1, 1, 1, 2), scan=((1, 0.1), (2, 0.6), (3, -0.2)),
    ...                   scan_pairs=36)
    >>> svg = scan_chart(link)
    >>> svg.count('class="lag'), 'class="lag declared"' in svg, "r = +0.60" in svg
    (3, True, True)
    """
    lags = link.scan
    band = Z / link.scan_pairs ** 0.5 if link.scan_pairs > 0 else 0.0
    top, bottom, left, right = 22, 22, 30, 6
    inner_h = SCAN_H - top - bottom
    mid = top + inner_h / 2
    step = (SCAN_W - left - right) / max(1, len(lags))
    title = (f"Cross-correlation of {link.source} with {link.target} by lag "
             f"({link.grain}s); declared lag {link.declared_lag}; shaded: 95% band")

    def y(r: float) -> float:
        return mid - r * inner_h / 2

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="scan-chart" width="{SCAN_W}" '
        f'height="{SCAN_H}" viewBox="0 0 {SCAN_W} {SCAN_H}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{SCAN_W}" height="{SCAN_H}" fill="#fff" stroke="#ddd"/>',
        f'<rect class="band" x="{left}" y="{y(min(band, 1.0)):.1f}" '
        f'width="{SCAN_W - left - right}" height="{(y(-min(band, 1.0)) - y(min(band, 1.0))):.1f}" '
        f'fill="#eaeef2"><title>95% band: ±{band:.2f}</title></rect>',
        f'<line x1="{left}" y1="{mid:.1f}" x2="{SCAN_W - right}" y2="{mid:.1f}" stroke="#8c959f"/>',
        f'<text x="{left - 4}" y="{top + 4}" font-size="9" text-anchor="end" fill="#666">+1</text>',
        f'<text x="{left - 4}" y="{top + inner_h + 4}" font-size="9" text-anchor="end" '
        f'fill="#666">-1</text>',
    ]
    for i, (lag, r) in enumerate(lags):
        declared = lag == link.declared_lag
        x = left + i * step + step * 0.15
        y0, y1 = sorted((y(r), mid))
        colour = TARGET_COLOR if abs(r) > band else "#8c959f"
        outline = ' stroke="#000" stroke-width="1.5"' if declared else ""
        parts.append(
            f'<rect class="lag{" declared" if declared else ""}" data-lag="{lag}" '
            f'data-r="{r!r}" x="{x:.1f}" y="{y0:.1f}" width="{step * 0.7:.1f}" '
            f'height="{max(y1 - y0, 0.5):.1f}" fill="{colour}"{outline}>'
            f"<title>lag {lag}: r = {r:+.2f}{' (declared lag)' if declared else ''}</title>"
            "</rect>")
        if declared or len(lags) <= 12 or i in (0, len(lags) - 1):
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{SCAN_H - 8}" font-size="9" '
                         f'text-anchor="middle" fill="{"#000" if declared else "#666"}">'
                         f"{lag}{'*' if declared else ''}</text>")
    parts.append(f'<text x="{left}" y="14" font-size="10" fill="#333">'
                 f"{escape(link.source)} → {escape(link.target)}: r by lag (* declared)</text>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
