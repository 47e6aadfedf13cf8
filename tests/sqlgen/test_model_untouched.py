"""Compiling SQL leaves the model as it was: rendering changes a query's tree in place
(reserved words quoted, T-SQL's ``x <> 0``, parent links cleared), so no tree of the model may
be part of one. A long-lived process (the API, the language and MCP servers) compiles, then
lints and compiles again from the same model."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlglot import exp

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.load import load_project
from metriclang.semantic.model import Project
from metriclang.sqlgen import clear_memo, compile_sql
from metriclang.sqlgen.output import compile_project

SHOP = Path(__file__).parents[2] / "specs" / "examples" / "shop"

#: Fragments a render would change: a reserved word, a column used as a condition (T-SQL),
#: over a source without computed dimensions and one with a computed dimension they don't name.
PROJECT = """
source events { table app.events time at }
source orders {
  table shop.orders
  time ordered_at
  dimension region = upper(country)
}
measure flagged {
  formula count(events where "order" > 1 and (case when flag then 1 else 0 end) = 1) grain day
}
measure paid {
  formula sum(orders, case when paid then amount else 0 end where status = 'x') grain week
}
measure spent { formula sum(events, case when "order" then amount else 0 end) grain month }
measure avg_paid { formula avg(orders.amount where paid) window 7 days grain day }
"""


def _trees(value: object) -> Iterator[exp.Expr]:
    if isinstance(value, exp.Expr):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _trees(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _trees(item)


def _model_trees(project: Project) -> list[exp.Expr]:
    return [*_trees(tuple(project.measures.values())), *_trees(tuple(project.sources.values()))]


def _state(project: Project) -> list[tuple[str, bool]]:
    """Each tree of the model as written (``repr``: quoting included) and whether every node
    is its children's parent."""
    return [(repr(tree), all(child.parent is node for node in tree.walk()
                             for child in node.iter_expressions()))
            for tree in _model_trees(project)]


@pytest.fixture(params=["shop", "fragments"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "shop":
        return SHOP
    (tmp_path / "a.osm").write_text(PROJECT)
    return tmp_path


def test_compiling_every_measure_in_every_dialect_leaves_the_model_as_it_was(root: Path) -> None:
    project = load_project(root).project
    before = _state(project)
    assert before and all(linked for _, linked in before)
    assert before == _state(load_project(root).project)
    clear_memo()
    for dialect in OUTPUT_DIALECTS:
        for name in sorted(project.measures):
            compile_sql(project, name, dialect)
    compile_project(project, OUTPUT_DIALECTS, workers=1)  # osm compile's way: one plan each
    assert _state(project) == before
