"""Plan, build and render one measure (stub: being written)."""

from __future__ import annotations

from datetime import date

from metriclang.diagnostics import Diagnostic, error
from metriclang.semantic.model import Project


def render_measure(project: Project, measure: str, dialect: str, *,
                   date_from: date | None = None, date_to: date | None = None
                   ) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """Not implemented yet."""
    m = project.measures[measure]
    return None, (error("E180", "SQL generation is not implemented yet", m.name_span),)
