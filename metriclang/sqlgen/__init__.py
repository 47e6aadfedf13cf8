"""SQL generation: model -> MeasurePlan -> generic sqlglot tree -> SQL text per dialect.

One module per stage: ``plan`` (model -> :class:`MeasurePlan`, no dialect), ``build`` (plan
-> sqlglot tree, through the target's hooks in ``targets/``), ``render`` (tree -> text).
:func:`compile_sql` runs them for one measure and is where the measure and dialect named by
the caller are checked, once; :func:`compile_fused` runs them for a group of measures.

Public API: :func:`compile_sql`, :func:`compile_fused` and :func:`output_columns`
(:func:`compile_planned` for ``osm compile``, which plans each measure once for all
dialects). The stages are imported when first used, so that importing the package stays cheap.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from metriclang.diagnostics import Diagnostic, error
from metriclang.semantic.model import Project

if TYPE_CHECKING:
    from sqlglot import exp

    from metriclang.sqlgen.build import Range
    from metriclang.sqlgen.plan import MeasurePlan
    from metriclang.sqlgen.shapes import Shape, Template
    from metriclang.sqlgen.targets.base import Target

    #: Turns a plan's SELECT into the query to render (an ad-hoc query's outer SELECT).
    Finish = Callable[[exp.Select], exp.Select]

Compiled = tuple[str | None, tuple[Diagnostic, ...]]


def output_columns(project: Project, measure: str) -> tuple[str, ...]:
    """Columns of a measure's result, in order: ``period``, its dimensions (a joined one as
    ``customer__segment``), ``value``."""
    from metriclang.semantic.joins import column_name

    return ("period", *map(column_name, project.measures[measure].dimensions), "value")


def compile_sql(
    project: Project,
    measure: str,
    dialect: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int | None = None,
) -> Compiled:
    """One measure as one SELECT in ``dialect`` (at most ``limit`` rows, in its order: period,
    then dimensions); ``None`` plus diagnostics when impossible.

    Raises ``ValueError`` for an unknown dialect and ``KeyError`` for an unknown measure.

    >>> import pathlib, tempfile
    >>> from metriclang.load import load_project
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.osm").write_text("source s { table t time at } measure m { formula "
    ...                              "count(s) grain month }")
    >>> sql, problems = compile_sql(load_project(d).project, "m", "postgres")
    >>> sql.splitlines()[0], sql.splitlines()[-3:], problems
    ('WITH osm_p0 AS (', ['FROM osm_frame', 'ORDER BY', '  period'], ())
    """
    from metriclang.dialects import OUTPUT_DIALECTS
    from metriclang.sqlgen.plan import plan_measure

    if dialect not in OUTPUT_DIALECTS:
        raise ValueError(f"unknown dialect `{dialect}`; one of: " + ", ".join(OUTPUT_DIALECTS))
    if measure not in project.measures:
        raise KeyError(measure)
    return compile_planned(project, plan_measure(project, measure), dialect,
                           date_from=date_from, date_to=date_to, limit=limit)


def compile_planned(
    project: Project, planned: tuple[MeasurePlan | None, list[Diagnostic]], dialect: str,
    *, date_from: date | None = None, date_to: date | None = None, limit: int | None = None,
    made_of: Callable[[MeasurePlan], tuple[object, ...]] | None = None,
) -> Compiled:
    """A measure already planned (``plan_measure``'s result) in ``dialect``, as
    :func:`compile_sql` (which plans, then calls this); ``osm compile`` plans each measure
    once for all dialects, and gives ``made_of``: the plan's ``made_of(project)``, kept."""
    from metriclang.sqlgen.build import Range
    from metriclang.sqlgen.targets import target

    plan, problems = planned
    if plan is None:
        return None, tuple(problems)
    rng = Range.of(plan.grain, date_from, date_to)
    if limit is None:
        return compile_plan(project, plan, target(dialect), rng,
                            made_of=made_of(plan) if made_of else None)
    return compile_plan(project, plan, target(dialect), rng,
                        lambda query: query.limit(limit, copy=False))


def compile_fused(project: Project, measures: tuple[str, ...], dialect: str) -> Compiled:
    """One query computing several measures of one source, grain and dimensions (a column
    each, named by the measure), over all periods of the data."""
    from metriclang.sqlgen.build import Range
    from metriclang.sqlgen.plan import plan_measures
    from metriclang.sqlgen.targets import target

    plan, problems = plan_measures(project, measures, measures)
    if plan is None:
        return None, tuple(problems)
    return compile_plan(project, plan, target(dialect), Range(None, None))


#: SQL text by (what the plan is made of, dialect, range): a pure function's memo, so a
#: large project whose measures share formulas renders each distinct query once.
_MEMO: OrderedDict[tuple[object, ...], str] = OrderedDict()
_MEMO_SIZE = 4096
#: The head of the WITH list (bounds, digits, spine) as rendered text and its number of CTEs,
#: by :func:`metriclang.sqlgen.build.head_key`: plans over the same sources, grain and range
#: share it, so it is built and rendered once and spliced into each query's text.
_HEADS: dict[tuple[object, ...], tuple[str, int]] = {}
#: A head's CTE as rendered text: ``osm_digits`` and ``osm_spine`` by dialect and grain (many
#: heads share them), ``osm_bounds`` by its head's key.
_HEAD_CTES: dict[tuple[object, ...], str] = {}
#: The head's CTEs built from the dialect and grain alone.
_BY_GRAIN = frozenset({"osm_digits", "osm_spine"})
#: By a shape's plan, dialect and range (:mod:`~metriclang.sqlgen.shapes`): the text and names
#: of the first plan of that shape, then the shape's template (``None``: no template gives
#: that text back, each plan is rendered).
_SHAPES: OrderedDict[tuple[object, ...], tuple[str, tuple[str, ...]] | Template | None] = \
    OrderedDict()
#: A plan's shape and what its renamed plan is made of (its key in :data:`_SHAPES`), by what
#: the plan is made of: every dialect and range reuse them.
_SHAPE_OF: OrderedDict[tuple[object, ...], tuple[Shape | None, tuple[object, ...]]] = \
    OrderedDict()
_SHAPE_OF_SIZE = 1 << 15


def compile_plan(project: Project, plan: MeasurePlan, target: Target, rng: Range,
                 finish: Finish | None = None, made_of: tuple[object, ...] | None = None
                 ) -> Compiled:
    """Build a plan's tree (through ``finish`` when given) and render it; ``None`` and the
    reason when the target can't. ``made_of``: ``plan.made_of(project)`` when the caller
    keeps it."""
    from sqlglot.errors import UnsupportedError

    from metriclang.sqlgen.build import build_query
    from metriclang.sqlgen.render import render

    key = (made_of or plan.made_of(project), target.dialect, rng)
    known = _MEMO.get(key) if finish is None else None
    if known is not None:
        _MEMO.move_to_end(key)
        return known, ()
    try:
        if finish is None:
            sql, problems = _shaped(project, plan, target, rng, key[0])
        else:
            query, problems = build_query(project, plan, target, rng)
            sql = None if query is None else render(finish(query), target.dialect)
        if sql is None:
            return None, tuple(problems)
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
                "E185",
                f"measure `{plan.name}` cannot be written in {target.dialect}: {exc}",
                plan.span,
            ),
        )
    if finish is not None:
        return sql, ()
    _MEMO[key] = sql
    if len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return sql, ()


def _shaped(
    project: Project, plan: MeasurePlan, target: Target, rng: Range, made_of: tuple[object, ...]
) -> tuple[str | None, list[Diagnostic]]:
    """A plan's SQL text, filled in from its shape's template when there is one: the first
    plan of a shape is rendered (:func:`_spliced`) and kept; the second makes the shape's
    template, kept if it gives the first one's text back."""
    from metriclang.sqlgen.shapes import Template

    renamed, shaped = _shape_of(project, plan, made_of)
    if renamed is None:
        return _spliced(project, plan, target, rng)
    key = (shaped, target.dialect, rng)
    seen = key in _SHAPES
    known = _SHAPES.get(key)
    if isinstance(known, tuple):  # the second of its shape
        first, values = known
        known = _template(renamed, target, rng, first, values)
        if known is not None and known.fill(values) != first:
            known = None
        _SHAPES[key] = known
    if isinstance(known, Template):
        _SHAPES.move_to_end(key)
        return known.fill(renamed.values), []
    sql, problems = _spliced(project, plan, target, rng)
    if not seen and sql is not None:  # the first of its shape
        _SHAPES[key] = sql, renamed.values
        if len(_SHAPES) > _MEMO_SIZE:
            _SHAPES.popitem(last=False)
    return sql, problems


def _shape_of(project: Project, plan: MeasurePlan, made_of: tuple[object, ...]
              ) -> tuple[Shape | None, tuple[object, ...]]:
    """The plan's shape and what its renamed plan is made of, made once per ``made_of``."""
    from metriclang.sqlgen.shapes import shape

    known = _SHAPE_OF.get(made_of)
    if known is None:
        renamed = shape(project, plan)
        shaped = () if renamed is None else renamed.plan.made_of(renamed.project)
        known = _SHAPE_OF[made_of] = renamed, shaped
        if len(_SHAPE_OF) > _SHAPE_OF_SIZE:
            _SHAPE_OF.popitem(last=False)
    return known


def _template(renamed: Shape, target: Target, rng: Range, first: str, values: tuple[str, ...]
              ) -> Template | None:
    """A shape's template: its renamed plan rendered; with numbers, compared with the text of
    the shape's first plan (``first``, whose slots' values are ``values``) when that can stand
    in for the variant's (:meth:`~metriclang.sqlgen.shapes.Shape.stands_in`), else with the
    variant, rendered."""
    try:
        text, _ = _spliced(renamed.project, renamed.plan, target, rng)
        if text is None:
            return None
        if not renamed.marks:
            return renamed.template(text, None)
        numbers = renamed.numbers(values)
        if renamed.stands_in(numbers):
            found = renamed.template(text, first, numbers)
            if found is not None:
                return found
        plan, project = renamed.variant()
        variant, _ = _spliced(project, plan, target, rng)
    except Exception:  # whatever the renamed plan can't be printed for: no template
        return None
    return None if variant is None else renamed.template(text, variant)


def _spliced(
    project: Project, plan: MeasurePlan, target: Target, rng: Range
) -> tuple[str | None, list[Diagnostic]]:
    """A plan's SQL text: its tree without the head of the WITH list, rendered, and the head
    (built and rendered once per :func:`~metriclang.sqlgen.build.head_key`) spliced in; the
    whole tree rendered when the plan has no head to share."""
    from metriclang.sqlgen.build import build_head, build_query, head_key
    from metriclang.sqlgen.render import render, render_cte, splice

    key = head_key(project, plan, target, rng)
    if key is None:
        query, problems = build_query(project, plan, target, rng)
        return (None if query is None else render(query, target.dialect)), problems
    if key not in _HEADS:
        texts = []
        for cte in build_head(project, plan, target, rng).args["with_"].expressions:
            by_grain = cte.alias in _BY_GRAIN
            part = (target.dialect, cte.alias, plan.grain) if by_grain else (key, cte.alias)
            if part not in _HEAD_CTES:
                _HEAD_CTES[part] = render_cte(cte, target.dialect)
            texts.append(_HEAD_CTES[part])
        _HEADS[key] = ", ".join(texts), len(texts)
    text, count = _HEADS[key]
    query, problems = build_query(project, plan, target, rng, head=count)
    if query is None:
        return None, problems
    return splice(render(query, target.dialect), text), problems


def clear_memo() -> None:
    """Empty the memo of compiled plans (a process forked to compile starts afresh)."""
    _MEMO.clear()
    _SHAPES.clear()
    _SHAPE_OF.clear()
    _HEADS.clear()
    _HEAD_CTES.clear()
