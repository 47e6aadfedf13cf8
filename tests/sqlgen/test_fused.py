"""``--fused``: one scan per source, grain and dimensions; results equal the per-measure SQL."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from metriclang.load import load_project
from metriclang.sqlgen import compile_fused
from metriclang.sqlgen.output import fusable_groups
from tests.sqlgen import data
from tests.sqlgen.test_duckdb import CORPUS, norm, run


@pytest.fixture(scope="module")
def con() -> Any:
    connection = duckdb.connect()
    data.load(connection)
    yield connection
    connection.close()


def test_groups_hold_only_single_source_per_period_measures() -> None:
    groups = fusable_groups(load_project(CORPUS).project)
    assert groups["orders.month"] == (
        "arith_month", "avg_amount_month", "buyers_month", "count_month", "max_amount_month",
        "median_amount_month", "min_amount_month", "p90_amount_month", "paid_revenue_month",
        "paid_share_month")
    assert groups["orders.month.channel"] == ("by_channel_month",)
    assert not any("7d" in m or "cum_" in m or "conv" in m for ms in groups.values() for m in ms)


def test_fused_equals_one_by_one(con: Any) -> None:
    project = load_project(CORPUS).project
    for group, measures in fusable_groups(project).items():
        sql, problems = compile_fused(project, measures, "duckdb")
        assert sql is not None, problems
        # bounds and the one aggregate scan; the dimension values come from the aggregate's
        # groups (by_channel_month), unless its `where` drops rows (reserved_month: every
        # value of `select` is still listed, so a third scan reads them)
        assert sql.count("FROM shop.") == 2 + group.endswith(".select"), group
        cursor = con.execute(sql)
        columns = [c[0] for c in cursor.description]
        rows = norm(cursor.fetchall())
        width = len(columns) - len(measures)
        for i, measure in enumerate(measures):
            alone = run(con, project, measure)
            fused = [(*row[:width], row[width + i]) for row in rows]
            assert fused == alone, (group, measure)
