"""The head of the WITH list (bounds, digits, spine) is rendered once and spliced into each
query's text: the text equals rendering the whole tree, in every dialect, with and without a
date range (the range and a measure's look-back change the head)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlglot.errors import UnsupportedError

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.load import load_project
from metriclang.semantic.model import Project
from metriclang.sqlgen import _HEADS, clear_memo, compile_plan
from metriclang.sqlgen.build import Range, build_query
from metriclang.sqlgen.plan import MeasurePlan, plan_measure
from metriclang.sqlgen.render import render
from metriclang.sqlgen.targets import target
from tests.sqlgen.test_dialects import PROJECTS

RANGES = ((None, None), (date(2025, 1, 15), date(2025, 6, 30)), (date(2024, 3, 1), None))


def _whole(project: Project, plan: MeasurePlan, dialect: str, rng: Range) -> str | None:
    """The query rendered from its complete tree (head included), as before splicing."""
    query, _ = build_query(project, plan, target(dialect), rng)
    if query is None:
        return None
    try:
        return render(query, dialect)
    except UnsupportedError:
        return None


def compiled_as(project: Project, dialect: str, ranges: tuple[tuple[date | None, date | None], ...],
                reference: Callable[[Project, MeasurePlan, str, Range], str | None]) -> int:
    """Compile every measure of ``project`` in ``dialect`` over each of ``ranges`` with an
    empty memo, each text equal to ``reference``'s for the same plan; how many compiled."""
    clear_memo()
    compiled = 0
    for measure in sorted(project.measures):
        plan, _ = plan_measure(project, measure)
        if plan is None:
            continue
        for lo, hi in ranges:
            rng = Range.of(plan.grain, lo, hi)
            sql, _ = compile_plan(project, plan, target(dialect), rng)
            assert sql == reference(project, plan, dialect, rng), (measure, lo, hi)
            compiled += sql is not None
    assert compiled > 0
    return compiled


@pytest.mark.parametrize("dialect", OUTPUT_DIALECTS)
@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_spliced_text_equals_the_whole_tree_rendered(name: str, dialect: str) -> None:
    compiled = compiled_as(load_project(PROJECTS[name]).project, dialect, RANGES, _whole)
    assert 0 < len(_HEADS) < compiled  # heads are shared between queries
