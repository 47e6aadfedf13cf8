"""Plan, build and render one measure (or a fused group) as SQL text in one dialect."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from sqlglot import exp
from sqlglot.errors import ErrorLevel, UnsupportedError

from metriclang.diagnostics import Diagnostic, error
from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.semantic.model import Project
from metriclang.sqlgen.build import Range, build_query, py_trunc
from metriclang.sqlgen.plan import MeasurePlan, plan_measure, plan_measures
from metriclang.sqlgen.targets import target

#: Words reserved in the SQL standard or a major warehouse: such identifiers are quoted.
RESERVED = frozenset(
    """
all alter and any array as asc authorization between both by case cast check collate column
constraint create cross cube current current_date current_time current_timestamp current_user
default delete desc distinct drop else end escape except exists false fetch filter for foreign
from full grant group grouping having ilike in inner insert intersect interval into is join
lateral leading left like limit localtime localtimestamp minus natural not null of offset on
only or order outer over partition pivot primary qualify range references returning right
rlike rollup row rows select session_user set some table tablesample then to top trailing true
union unique unnest unpivot update user using values when where window with within
""".split()
)


def _quote(tree: exp.Expr) -> exp.Expr:
    """Quote identifiers that are reserved words (``order``, ``select``) in any dialect."""
    for node in tree.find_all(exp.Identifier):
        if not node.quoted and node.name.lower() in RESERVED:
            node.set("quoted", True)
    return tree


#: Rendered SQL by (the sources read, plan key, dialect, range): a pure function's memo, so a
#: large project whose measures share formulas renders each distinct query once.
_MEMO: OrderedDict[tuple[object, ...], str] = OrderedDict()
_MEMO_SIZE = 4096


def render_plan(
    project: Project, plan: MeasurePlan, dialect: str, rng: Range
) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """SQL text of a plan in ``dialect``, or ``None`` and the reason."""
    key = (tuple(project.sources[s] for s in plan.sources), plan.key, dialect, rng)
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key], ()
    sql, problems = _render(project, plan, dialect, rng)
    if sql is not None:
        _MEMO[key] = sql
        if len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return sql, problems


def _render(
    project: Project, plan: MeasurePlan, dialect: str, rng: Range
) -> tuple[str | None, tuple[Diagnostic, ...]]:
    try:
        query, problems = build_query(project, plan, target(dialect), rng)
        if query is None:
            return None, tuple(problems)
        sql = _quote(query).sql(
            dialect=dialect, pretty=True, unsupported_level=ErrorLevel.RAISE, copy=False
        )
    except RecursionError:  # sqlglot builds and prints trees recursively
        return None, (
            error(
                "E106",
                f"measure `{plan.name}` is nested too deeply to compile",
                plan.span,
                "split it into several measures",
            ),
        )
    except UnsupportedError as exc:
        return None, (
            error(
                "E185", f"measure `{plan.name}` cannot be written in {dialect}: {exc}", plan.span
            ),
        )
    return sql + "\n", ()


def _range(plan_grain: str, date_from: date | None, date_to: date | None) -> Range:
    return Range(
        py_trunc(date_from, plan_grain) if date_from else None,
        py_trunc(date_to, plan_grain) if date_to else None,
    )


def render_measure(
    project: Project,
    measure: str,
    dialect: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """SQL of one measure (see :func:`metriclang.sqlgen.compile_sql`)."""
    if dialect not in OUTPUT_DIALECTS:
        raise ValueError(f"unknown dialect `{dialect}`; one of: " + ", ".join(OUTPUT_DIALECTS))
    if measure not in project.measures:
        raise KeyError(measure)
    plan, problems = plan_measure(project, measure)
    if plan is None:
        return None, tuple(problems)
    return render_plan(project, plan, dialect, _range(plan.grain, date_from, date_to))


def render_fused(
    project: Project, measures: tuple[str, ...], dialect: str
) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """One query computing several measures of one source, grain and dimensions."""
    plan, problems = plan_measures(project, measures, measures)
    if plan is None:
        return None, tuple(problems)
    return render_plan(project, plan, dialect, Range(None, None))
