"""``osm docs --evidence``: what ``osm verify`` found, on the measure pages.

:func:`gather` runs the verification of a loaded project (the warehouse is ``--db`` or the
configured one; a demo DuckDB file is generated on first use); the filters format its numbers
the way the ``osm verify`` text table does; :func:`chart_files` names one SVG file per link for
the Markdown site (HTML pages carry the SVGs inline).

>>> lag_text(1, "month"), lag_text(2, "week"), lag_text(None, "day")
('1 month', '2 weeks', '—')
>>> estimate_text(0.9612), estimate_text(-0.4), estimate_text(None)
('+0.96', '-0.40', '—')
>>> p_text(0.0004), p_text(0.1184), p_text(None)
('<0.001', '0.118', '—')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from metriclang.progress import SILENT, Progress
from metriclang.semantic.model import Project
from metriclang.verify.result import LinkResult, Report

#: Folder of the Markdown site holding one SVG chart per link.
CHART_DIR = "evidence"


@dataclass(frozen=True)
class EvidenceOptions:
    """Where and over which days to verify: ``--db``, ``--from``, ``--to``."""

    db: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def gather(project: Project, options: EvidenceOptions, progress: Progress = SILENT) -> Report:
    """Verify ``project`` (raises :class:`~metriclang.errors.UsageError` without a warehouse)."""
    from metriclang.verify import verify_project

    return verify_project(project, options.db, options.date_from, options.date_to,
                          progress=progress)


def chart_files(report: Report) -> dict[LinkResult, str]:
    """A site-relative SVG path per link: ``evidence/<from>--<to>.svg`` (``-2``... if repeated).

    Measure names never contain ``-``, so the names cannot collide.
    """
    seen: Counter[tuple[str, str]] = Counter()
    out = {}
    for link in report.links:
        seen[link.source, link.target] += 1
        n = seen[link.source, link.target]
        suffix = f"-{n}" if n > 1 else ""
        out[link] = f"{CHART_DIR}/{link.source}--{link.target}{suffix}.svg"
    return out


def summary(report: Report) -> str:
    """One line for the terminal: ``8 links: 3 supported, 1 contradicted, 4 weak``."""
    from metriclang.verify import VERDICTS

    counts = Counter(link.verdict for link in report.links)
    parts = [f"{counts[v]} {v}" for v in VERDICTS if counts[v]]
    total = len(report.links)
    return f"{total} link{'s' * (total != 1)}" + (f": {', '.join(parts)}" if parts else "")


def lag_text(periods: int | None, grain: str) -> str:
    """A lag in periods of ``grain`` as words."""
    if periods is None:
        return "—"
    return f"{periods} {grain}{'s' * (periods != 1)}"


def estimate_text(value: float | None) -> str:
    """The correlation at the best lag, signed, two decimals."""
    return "—" if value is None else f"{value:+.2f}"


def p_text(value: float | None) -> str:
    """An adjusted p-value, three decimals (tiny ones as ``<0.001``)."""
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"
