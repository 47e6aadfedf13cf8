"""Every measure of the example projects and the corpus, in every dialect: golden files
``goldens/<project>/<measure>.<dialect>.sql`` (``.err`` when the dialect can't express it),
and every output re-parses with sqlglot in its own dialect."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.load import load_project
from metriclang.sqlgen import compile_sql
from metriclang.sqlgen.plan import dump_plan, plan_measure
from tests.conftest import EXAMPLES, golden

HERE = Path(__file__).parent
PROJECTS = {"shop": EXAMPLES / "shop", "manufacturer": EXAMPLES / "manufacturer",
            "corpus": HERE / "corpus"}


@pytest.mark.parametrize("dialect", OUTPUT_DIALECTS)
@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_goldens_and_reparse(name: str, dialect: str, update_goldens: bool) -> None:
    project = load_project(PROJECTS[name]).project
    for measure in sorted(project.measures):
        sql, problems = compile_sql(project, measure, dialect)
        base = HERE / "goldens" / name / f"{measure}.{dialect}"
        if sql is None:
            assert problems and all(p.code in {"E182"} for p in problems), problems
            text = "".join(f"{p.code} {p.span}: {p.message}\n" for p in problems)
            golden(base.with_suffix(base.suffix + ".err"), text, update_goldens)
            continue
        golden(base.with_suffix(base.suffix + ".sql"), sql, update_goldens)
        trees = sqlglot.parse(sql, read=dialect)
        assert len(trees) == 1 and isinstance(trees[0], sqlglot.exp.Query), measure


@pytest.mark.parametrize("dialect", ["bigquery", "trino", "mysql", "tsql"])
def test_percentile_is_a_diagnostic_where_no_exact_aggregate_exists(dialect: str) -> None:
    project = load_project(PROJECTS["corpus"]).project
    sql, problems = compile_sql(project, "median_amount_month", dialect)
    assert sql is None
    assert [(p.code, p.span.line) for p in problems] == [("E182", 31)]


def test_reserved_words_are_quoted_in_every_dialect() -> None:
    project = load_project(PROJECTS["corpus"]).project
    quotes = {"bigquery": "`", "databricks": "`", "spark": "`", "mysql": "`", "tsql": "["}
    for dialect in OUTPUT_DIALECTS:
        sql, _ = compile_sql(project, "reserved_month", dialect)
        assert sql is not None
        q = quotes.get(dialect, '"')
        assert f"{q}select" in sql and f"{q}order" in sql, dialect


def test_weeks_start_on_monday_in_every_dialect() -> None:
    project = load_project(PROJECTS["corpus"]).project
    markers = {"duckdb": "DATE_TRUNC('WEEK'", "postgres": "DATE_TRUNC('WEEK'",
               "redshift": "DATE_TRUNC('WEEK'", "trino": "DATE_TRUNC('WEEK'",
               "spark": "DATE_TRUNC('WEEK'", "databricks": "DATE_TRUNC('WEEK'",
               "bigquery": "ISOWEEK", "snowflake": "DAYOFWEEKISO", "mysql": "WEEKDAY(",
               "tsql": "'19000101'"}
    for dialect, marker in markers.items():
        sql, _ = compile_sql(project, "orders_week", dialect)
        assert sql is not None and marker in sql, dialect


def test_a_formula_without_aggregates_is_a_diagnostic(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text("measure m {\n  formula 2 * 21\n}\n", encoding="utf-8")
    project = load_project(tmp_path).project
    sql, problems = compile_sql(project, "m", "duckdb")
    assert sql is None and [(p.code, p.span.line) for p in problems] == [("E186", 2)]


def test_tsql_boolean_dimension_becomes_one_or_zero(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text(
        "source orders {\n  table shop.orders\n  time ordered_at\n"
        "  dimension is_custom = product_type = 'custom'\n}\n"
        "measure m { formula count(orders where is_custom) dimensions is_custom }\n",
        encoding="utf-8")
    project = load_project(tmp_path).project
    sql, _ = compile_sql(project, "m", "tsql")
    assert sql is not None and "= 'custom' AS is_custom" not in sql
    assert "THEN 1" in sql and "THEN 0" in sql
    duck, _ = compile_sql(project, "m", "duckdb")
    assert duck is not None and "product_type = 'custom' AS is_custom" in duck


def test_plan_dumps(update_goldens: bool) -> None:
    """The dialect-free stage on its own: one JSON plan per corpus measure."""
    project = load_project(PROJECTS["corpus"]).project
    for measure in sorted(project.measures):
        plan, problems = plan_measure(project, measure)
        assert plan is not None, problems
        golden(HERE / "goldens" / "plans" / f"{measure}.json", dump_plan(plan), update_goldens)
