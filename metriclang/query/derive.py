"""The model transformation behind a query: each asked measure at the query's grain and
dimensions, every aggregate it reads narrowed by ``--where``. The result is an ordinary
:class:`~metriclang.semantic.model.Project`, planned and compiled like any other.
"""

from __future__ import annotations

from dataclasses import replace
from functools import reduce

from sqlglot import exp

from metriclang.diagnostics import Diagnostic, Related, error
from metriclang.periods import GRAINS, coarser
from metriclang.query.spec import Query
from metriclang.semantic import model as m
from metriclang.semantic.formula import parse_fragment, positioned
from metriclang.semantic.graph import reachable
from metriclang.semantic.references import check_dimensions, formula_refs
from metriclang.source import Span
from metriclang.syntax import ast


def default_grain(project: m.Project, names: tuple[str, ...]) -> str:
    """The finest grain every measure allows: the coarsest declared grain among them."""
    return reduce(coarser, (project.measures[n].grain for n in names))


def grain_problems(project: m.Project, names: tuple[str, ...], grain: str) -> list[Diagnostic]:
    """E187 for each measure declared at a coarser grain than ``grain``."""
    span = Span("--grain", 1, 1, 1, len(grain) + 1)
    out = []
    for name in names:
        measure = project.measures[name]
        if GRAINS.index(grain) < GRAINS.index(measure.grain):
            allowed = ", ".join(GRAINS[GRAINS.index(measure.grain):])
            out.append(error(
                "E187", f"measure `{name}` is declared at grain `{measure.grain}` and cannot be "
                f"asked at the finer grain `{grain}`", span,
                f"ask it at {allowed}: its value is only defined per {measure.grain} or coarser",
                [Related(f"`{name}` declares its grain here", measure.at("grain"))]))
    return out


def parse_where(project: m.Project, text: str) -> tuple[exp.Expression | None, list[Diagnostic]]:
    """``--where`` parsed and checked like any fragment of the project (same allow-list)."""
    sql = ast.Sql(text, Span("--where", 1, 1, 1, len(text) + 1))
    return parse_fragment(sql, project.config.dialect, project.config.allow_functions)


def _where_names(text: str, dialect: str) -> list[ast.Name]:
    """The dimensions ``--where`` names (``customer.segment`` for a qualified column)."""
    names = []
    for column in positioned(text, dialect).find_all(exp.Column):
        col = int(column.parts[0].meta.get("start", 0)) + 1
        name = ".".join(p.name for p in column.parts)
        names.append(ast.Name(name, Span("--where", 1, col, 1, col + len(name))))
    return names


def dimension_problems(project: m.Project, query: Query,
                       where: exp.Expression | None) -> list[Diagnostic]:
    """``--by`` and ``--where`` names each checked against every measure, as a measure's
    ``dimensions`` statement is; one diagnostic per distinct problem."""
    names = [ast.Name(d, Span("--by", i, 1, i, len(d) + 1)) for i, d in enumerate(query.by, 1)]
    if where is not None and query.where:
        names += _where_names(query.where, project.config.dialect)
    seen: dict[tuple[object, ...], Diagnostic] = {}
    for measure in query.measures:
        for d in check_dimensions(project, measure, names):
            seen.setdefault((d.span, d.message), d)
    return list(seen.values())


def _narrowed(node: m.Expr, where: exp.Expression) -> m.Expr:
    """``node`` with ``where`` ANDed into every aggregate's and conversion's condition."""
    def both(cond: exp.Expression | None) -> exp.Expression:
        extra = exp.paren(where.copy(), copy=False)
        if cond is None:
            return extra
        return exp.And(this=exp.paren(cond.copy(), copy=False), expression=extra)

    match node:
        case m.Agg():
            return replace(node, where=both(node.where))
        case m.Conv():
            return replace(node, from_where=both(node.from_where), to_where=both(node.to_where))
        case m.BinOp():
            return replace(node, left=_narrowed(node.left, where),
                           right=_narrowed(node.right, where))
        case m.Neg():
            return replace(node, operand=_narrowed(node.operand, where))
    return node


def _closure(project: m.Project, names: tuple[str, ...]) -> list[str]:
    """``names`` and every measure their formulas name, directly or not (sorted)."""
    return sorted(reachable(names, lambda name: (
        r.measure for r in formula_refs(project.measures[name]) if r.measure in project.measures)))


def derive(project: m.Project, query: Query, grain: str,
           where: exp.Expression | None) -> m.Project:
    """The project whose asked measures have the query's grain and dimensions (their spans
    pointing into the options) and whose aggregates they read are narrowed by ``where``."""
    measures = dict(project.measures)
    by_span = Span("--by", 1, 1, max(1, len(query.by)), 1 + len(query.by[-1]) if query.by else 1)
    for name in _closure(project, query.measures) if where is not None else query.measures:
        measure = measures[name]
        changes: dict[str, object] = {}
        if where is not None and measure.formula is not None:
            changes["formula"] = _narrowed(measure.formula, where)
        if name in query.measures:
            changes.update(grain=grain, dimensions=query.by,
                           statements={**measure.statements, "dimensions": by_span})
        measures[name] = replace(measure, **changes)  # type: ignore[arg-type]
    return replace(project, measures=measures, files=(*project.files, *query.files()))
