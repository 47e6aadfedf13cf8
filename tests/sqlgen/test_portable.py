"""The portable pieces (digits spine, Redshift's NULL-safe join and one scan per percentile)
executed on DuckDB: a DuckDB target that uses them gives the same rows."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from sqlglot import exp

from metriclang.load import load_project
from metriclang.sqlgen.build import Range, build_query
from metriclang.sqlgen.output import fusable_groups
from metriclang.sqlgen.plan import plan_measure, plan_measures
from metriclang.sqlgen.targets.duckdb import DuckDB
from metriclang.sqlgen.targets.redshift import Redshift
from tests.sqlgen import data
from tests.sqlgen.test_duckdb import CORPUS, norm, run


class PortableDuckDB(DuckDB):
    """DuckDB with the numbers spine and the NULL-safe equality written out."""

    spine_sql = None
    percentile_alone = True

    def same(self, a: exp.Expr, b: exp.Expr) -> exp.Expr:
        return Redshift().same(a, b)


@pytest.fixture(scope="module")
def con() -> Any:
    connection = duckdb.connect()
    data.load(connection)
    yield connection
    connection.close()


def test_numbers_spine_and_null_safe_join_give_the_same_rows(con: Any) -> None:
    project = load_project(CORPUS).project
    for measure in sorted(project.measures):
        plan, _ = plan_measure(project, measure)
        assert plan is not None
        query, problems = build_query(project, plan, PortableDuckDB(), Range(None, None))
        assert query is not None, problems
        sql = query.sql(dialect="duckdb")
        assert "osm_digits" in sql
        assert norm(con.execute(sql).fetchall()) == run(con, project, measure), measure


def test_percentiles_in_their_own_scans_give_the_same_fused_rows(con: Any) -> None:
    project = load_project(CORPUS).project
    names = fusable_groups(project)["orders.month"]
    plan, _ = plan_measures(project, names, names)
    assert plan is not None
    query, _ = build_query(project, plan, PortableDuckDB(), Range(None, None))
    assert query is not None
    sql = query.sql(dialect="duckdb")
    assert sql.count("FROM shop.orders") == 4  # bounds, two percentiles, everything else
    rows = norm(con.execute(sql).fetchall())
    for i, measure in enumerate(names):
        assert [(row[0], row[1 + i]) for row in rows] == run(con, project, measure), measure
