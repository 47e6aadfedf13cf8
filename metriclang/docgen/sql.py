"""A measure's SQL in every output dialect, highlighted with pygments for the site."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup
from pygments import highlight  # type: ignore[import-untyped]
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexers.sql import SqlLexer  # type: ignore[import-untyped]

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.docgen.views import DiagView, diag_view
from metriclang.semantic.model import Project
from metriclang.sqlgen import compile_sql

_LEXER = SqlLexer()
_FORMATTER = HtmlFormatter(nowrap=True)


@dataclass(frozen=True)
class SqlPanel:
    """One dialect's SQL (text and highlighted HTML) or why it could not be compiled."""

    dialect: str
    text: str | None
    html: Markup | None
    problems: tuple[DiagView, ...]


def pygments_css() -> str:
    """The highlighting style, scoped to ``.highlight`` (deterministic)."""
    return str(HtmlFormatter().get_style_defs(".highlight"))


def sql_panels(project: Project, measure: str, dialects: Sequence[str] = OUTPUT_DIALECTS,
               html: bool = True) -> tuple[SqlPanel, ...]:
    """Compile ``measure`` for each dialect; failures carry their diagnostics."""
    panels = []
    for dialect in dialects:
        sql, diagnostics = compile_sql(project, measure, dialect)
        problems = tuple(diag_view(d) for d in diagnostics)
        marked = Markup(highlight(sql, _LEXER, _FORMATTER)) if sql is not None and html else None
        panels.append(SqlPanel(dialect, sql, marked, problems))
    return tuple(panels)
