"""``bench/compare/joined_query.py`` on a small warehouse: the ``osm query`` by a joined
dimension gives the hand-written query's values (values only; timings are the script's).

With ``METRICLANG_BENCH_EXTERNAL=1`` MetricFlow's query is checked too (creates
``bench/.env/venv`` on first use, as ``test_compare.py`` says).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import duckdb
import pytest

from metriclang import api
from tests.conftest import ROOT

COMPARE = ROOT / "bench" / "compare"
sys.path.insert(0, str(COMPARE))

import joined_query  # noqa: E402
import warehouse  # noqa: E402

EXTERNAL = os.environ.get("METRICLANG_BENCH_EXTERNAL", "") in ("1", "true", "yes")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("joined") / "w.duckdb"
    warehouse.build(path, rows=3000)
    con = duckdb.connect(str(path))
    # a customer without a row in the dimension table: its orders count under a NULL segment
    con.execute("DELETE FROM bench.customers WHERE customer_id = "
                "(SELECT min(customer_id) FROM bench.orders)")
    con.close()
    return path


def test_joined_query_equals_the_hand_written_sql(db: Path, tmp_path: Path) -> None:
    (tmp_path / "bench.osm").write_text(joined_query.SPEC, encoding="utf-8")
    sql = api.query_sql(api.load(tmp_path), list(joined_query.MEASURES),
                        by=["customer.segment"], grain="month", dialect="duckdb")
    con = duckdb.connect(str(db), read_only=True)
    ours, hand = con.execute(sql).fetchall(), con.execute(joined_query.HAND).fetchall()
    con.close()
    assert {r[1] for r in hand} == {"consumer", "business", None}
    # osm lists every month x segment (the hand-written GROUP BY only those with orders: the
    # customer without a segment ordered in a few months, the last month has a few orders)
    months = sorted({r[0] for r in hand})
    assert len(months) >= 24 and len(hand) > 2 * len(months) - 2
    assert [r[:2] for r in ours] == [(m, s) for m in months
                                     for s in ("business", "consumer", None)]
    empty = [r for r in ours if r[3] == 0]
    assert empty and all(r[2] == 0 and r[4] is None for r in empty)
    busy = [r for r in ours if r[3] != 0]
    assert joined_query.normalized(busy) == joined_query.normalized(hand)


def test_metricflow_manifest_has_the_three_metrics(tmp_path: Path) -> None:
    joined_query.write_metricflow(tmp_path)
    docs = (tmp_path / "metrics.yaml").read_text(encoding="utf-8").split("---\n")
    names = [json.loads(d)["metric"]["name"] for d in docs if d.strip()]
    assert set(joined_query.MEASURES) <= set(names)


@pytest.mark.skipif(not EXTERNAL, reason="set METRICLANG_BENCH_EXTERNAL=1 to run MetricFlow")
def test_metricflow_equals_the_hand_written_sql(db: Path) -> None:
    joined_query.write_metricflow(joined_query.WORK / "metricflow")
    sql = joined_query.metricflow_sql(joined_query.WORK / "metricflow")
    con = duckdb.connect(str(db), read_only=True)
    ours, hand = con.execute(sql).fetchall(), con.execute(joined_query.HAND).fetchall()
    con.close()
    assert joined_query.normalized(ours) == joined_query.normalized(hand)
