"""Plans of one shape share a template (``metriclang.sqlgen.shapes``): every query filled in
from one equals the query rendered from its own tree, in every dialect and range, including
names a dialect quotes, names like the SQL's own, strings that need escapes, look-alikes of
placeholders, and sources sorted either way round."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from sqlglot.errors import UnsupportedError

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.load import load_project
from metriclang.semantic.model import Project
from metriclang.sqlgen import _SHAPE_OF, _SHAPES, _spliced, clear_memo, compile_sql
from metriclang.sqlgen.build import Range
from metriclang.sqlgen.plan import MeasurePlan, plan_measure
from metriclang.sqlgen.shapes import Template, placeholder, shape
from metriclang.sqlgen.targets import target
from tests.sqlgen.test_dialects import PROJECTS
from tests.sqlgen.test_splice import compiled_as

BENCH = Path(__file__).resolve().parents[2] / "bench"
RANGES = ((None, None), (date(2025, 1, 15), date(2025, 6, 30)))

_SOURCE = """
source {name} {{
  table {table}
  time happened_at
  key event_id
  entity customer = customer_id
  dimension channel
  dimension region = upper(region_code)
  dimension done = status = 'done'
}}
"""
#: Measures in groups of one shape, their names differing (or looking alike) in every way
#: that could make the SQL differ: each line's formulas share a shape or nearly do.
_FORMULAS = [
    "count(src_a where amount > 10)", "count(src_b where weight > 10)",
    "count(src_a where period > 10)", "count(src_a where value1 > 10)",
    "sum(src_a.amount where status = 'paid')", "sum(src_b.weight where status = 'done')",
    "sum(src_a.amount where status = 'it''s')", "sum(src_a.amount where status = 'Paid')",
    "sum(src_a.amount where status = 'zq00')", "sum(src_b.amount where status = 'zq01')",
    "sum(src_a.name)", "sum(src_a.date)", "sum(src_a.hash)", "sum(src_a.file)",
    "sum(src_a.plan)", "sum(src_a.mass)", "sum(src_a.left)", "sum(src_a.Mass)",
    "sum(src_a.zq00xx)", "sum(src_a.zq01xx)", "sum(src_a.osm_l0)", "sum(src_a.osm_x1)",
    "count(src_b) / count(src_a)", "count(src_a) / count(src_b)",
    "count(src_d) / count(src_c)", "count(src_c) / count(src_d)",
    "count(src_a where channel in ('webshop', 'appshop'))",
    "count(src_b where channel in ('mailbox', 'postbox'))",
    "count(src_a where lower(status) like 'pa%')", "count(src_b where lower(status) like 'do%')",
    "count(src_a where date_trunc('month', happened_at) = happened_at)",
    "count(src_b where date_trunc('month', happened_at) = happened_at)",
    "count(src_a where date_trunc('year', happened_at) = happened_at)",
    "conversion(src_a where step = 'view' -> src_b, within 7 days, by customer)",
    "conversion(src_b where step = 'cart' -> src_a, within 7 days, by customer)",
    "conversion(src_c where step = 'cart' -> src_d, within 7 days, by customer)",
    "count_distinct(src_a, customer_id where amount >= 10) / count_distinct(src_a, customer_id)",
    "count_distinct(src_c, customer_id where weight >= 10) / count_distinct(src_c, customer_id)",
    "percentile(src_a.amount, 0.9)", "percentile(src_b.weight, 0.9)",
    "count(src_a where amount > 51)", "count(src_b where weight > 7)",
    "count(src_a where amount > 0)", "count(src_a where amount > 10 and weight < 20)",
    "count(src_a where amount > 10 and weight < 10)",
    "count(src_a where amount > 20 and weight < 10)", "count(src_a where amount in (1, 2, 3))",
    "count(src_a where amount > 123456789012)", "count(src_a where amount > 1.5)",
    "count(src_a where round(amount, 2) > 3)", "count(src_a where round(amount, 3) > 4)",
    "count(src_a where amount between 1 and 5)", "count(src_a where amount between 2 and 6)",
    "count(src_a where amount > 10) / count(src_a where amount > 20)",
    "count(src_a where amount > 30) / count(src_a where amount > 30 and weight > 5)",
    "sum(src_a.amount where status = '2024') / count(src_a where amount > 2024)",
    "count(src_a where amount > 5) + 7", "count(src_a where amount > 6) + 8",
]
#: Extra statements: a dimension, a window, a running total.
_EXTRAS = ["", "dimensions channel", "dimensions region", "dimensions done", "window 7 days",
           "cumulative"]


def _adversarial(root: Path) -> Path:
    tables = {"src_a": "wh.events_a", "src_b": "wh.events_b", "src_c": "wh.orders_c",
              "src_d": "raw.wh.order_d"}
    text = "".join(_SOURCE.format(name=n, table=t) for n, t in tables.items())
    for i, formula in enumerate(_FORMULAS):
        for j, extra in enumerate(_EXTRAS):
            if extra == "cumulative" and formula.startswith(("conversion", "percentile")):
                continue
            text += (f"measure m{i}_{j} {{\n  formula {formula}\n  grain {('day', 'week')[j % 2]}\n"
                     f"  {extra}\n}}\n")
    (root / "a.osm").write_text(text, encoding="utf-8")
    return root


def _generated(root: Path) -> Path:
    sys.path.insert(0, str(BENCH))
    try:
        from gen_project import write_project
    finally:
        sys.path.remove(str(BENCH))
    write_project(root, 300)
    return root


def _direct(project: Project, plan: MeasurePlan, dialect: str, rng: Range) -> str | None:
    try:
        return _spliced(project, plan, target(dialect), rng)[0]
    except UnsupportedError:
        return None


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Project]:
    made = {"adversarial": _adversarial(tmp_path_factory.mktemp("adversarial")),
            "generated": _generated(tmp_path_factory.mktemp("generated")), **PROJECTS}
    loaded = {name: load_project(path) for name, path in made.items()}
    for name, result in loaded.items():
        assert not [d for d in result.diagnostics if d.severity == "error"], name
    return {name: result.project for name, result in loaded.items()}


@pytest.mark.parametrize("dialect", OUTPUT_DIALECTS)
@pytest.mark.parametrize("name", ["adversarial", "generated", *sorted(PROJECTS)])
def test_a_template_fills_in_the_text_of_every_plan_of_its_shape(
        projects: dict[str, Project], name: str, dialect: str) -> None:
    compiled_as(projects[name], dialect, RANGES, _direct)
    templates = sum(isinstance(t, Template) for t in _SHAPES.values())
    if name in ("adversarial", "generated"):
        assert templates > 10, templates  # the shared path was taken


def test_a_shape_is_made_once_per_plan_and_keeps_no_project(
        projects: dict[str, Project]) -> None:
    project = projects["adversarial"]
    clear_memo()
    for _ in range(3):  # a server: a new plan of the same measure each time
        assert compile_sql(project, "m0_0", "duckdb")[0]
    assert len(_SHAPE_OF) == 1
    ((renamed, _),) = _SHAPE_OF.values()
    assert renamed is not None
    assert not renamed.project.measures and not renamed.project.files


def test_names_are_renamed_in_their_sort_order_and_length(projects: dict[str, Project]) -> None:
    project = projects["adversarial"]
    plan, _ = plan_measure(project, "m22_0")  # count(src_b) / count(src_a)
    assert plan is not None
    renamed = shape(project, plan)
    assert renamed is not None
    names = renamed.values
    assert list(names) == sorted(names) and not renamed.marks
    assert "events_a" in names and "events_b" in names
    tables = {s.table for s in renamed.project.sources.values()}
    assert tables == {("wh", placeholder(names.index("events_a"), 8)),
                      ("wh", placeholder(names.index("events_b"), 8))}
    for leaves in (plan.leaves, renamed.plan.leaves):  # sources keep their order
        assert [leaf.source for leaf in leaves] == sorted(
            (leaf.source for leaf in leaves), reverse=True)


def test_what_a_dialect_quotes_or_the_sql_names_itself_is_not_renamed(
        projects: dict[str, Project]) -> None:
    project = projects["adversarial"]

    def names(measure: str) -> tuple[str, ...]:
        plan, _ = plan_measure(project, measure)
        assert plan is not None
        renamed = shape(project, plan)
        return renamed.values if renamed else ()

    assert "period" not in names("m2_0")  # the SQL's own column
    assert "it's" not in names("m6_0") and "paid" in names("m4_0")
    assert "zq00" not in names("m8_0")  # looks like a placeholder
    assert "osm_l0" not in names("m20_0")
    assert "left" not in names("m16_0")  # reserved: render quotes it
    assert "Mass" not in names("m17_0")  # case: printed as written or not
    assert "month" not in names("m30_0")  # a unit, read by the printer
    assert "51" in names("m40_0") and "1.5" not in names("m48_0")
    assert "2" not in names("m49_0")  # given to a function
    assert "hash" not in names("m12_0")  # a word BigQuery reserves
    assert "mass" in names("m15_0")


def test_a_template_is_cut_at_its_slots_only(projects: dict[str, Project]) -> None:
    project = projects["adversarial"]
    plan, _ = plan_measure(project, "m40_0")  # count(src_a where amount > 51)
    assert plan is not None
    renamed = shape(project, plan)
    assert renamed is not None and renamed.values[-1] == "51"
    (ours, theirs), = renamed.marks
    amount = renamed.values.index("amount")
    column = placeholder(amount, 6)
    template = renamed.template(f"SELECT {column} > {ours} -- zq",
                                f"SELECT {column} > {theirs} -- zq")
    assert template is not None
    assert template.fill(renamed.values) == "SELECT amount > 51 -- zq"
    assert renamed.template(f"SELECT {column} > {ours} 1", f"SELECT {column} > {theirs} 2") is None
    assert renamed.template(f"SELECT {column} > {ours}", f"SELECT {column} > {theirs}0") is None
    assert renamed.template(f"SELECT {column} > {ours}", None) is None
    assert renamed.template(f"SELECT {placeholder(amount, 7)}", None) is None  # its length?
    assert renamed.template(f"SELECT {placeholder(999, 6)}", None) is None  # no such slot


def test_a_first_plan_whose_numbers_differ_in_every_digit_stands_in_for_the_variant(
        projects: dict[str, Project]) -> None:
    """The second plan of a shape with numbers compares the renamed text with the first plan's
    text instead of rendering the variant, when each of the first plan's numbers differs from
    its placeholder in every digit (else a digit shared would cut the number in two)."""
    project = projects["adversarial"]
    plan, _ = plan_measure(project, "m40_0")  # count(src_a where amount > 51)
    assert plan is not None
    renamed = shape(project, plan)
    assert renamed is not None
    (ours, _), = renamed.marks
    assert renamed.numbers(renamed.values) == ("51",)
    assert ours == "66" and renamed.stands_in(("51",))
    for shares_a_digit in ("16", "61", "66"):
        assert not renamed.stands_in((shares_a_digit,))
    column = placeholder(renamed.values.index("amount"), 6)
    template = renamed.template(f"SELECT {column} > 66 -- zq", "SELECT amount > 51 -- zq", ("51",))
    assert template is not None
    assert template.fill((*renamed.values[:-1], "77")) == "SELECT amount > 77 -- zq"
    # its names are not compared; anything else that differs refuses the template
    assert renamed.template(f"SELECT {column} > 66 -- zq", "SELECT amount > 51 -- zz",
                            ("51",)) is None
    assert renamed.template(f"SELECT {column} > 66 -- zq", "SELECT amount > 52 -- zq",
                            ("51",)) is None
