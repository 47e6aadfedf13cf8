"""The comparison benchmark's harness keeps working: ``bench/compare/run.py --quick``.

By default only metriclang's side runs (nothing is downloaded). Set
``METRICLANG_BENCH_EXTERNAL=1`` to include MetricFlow and Sidemantic: the harness then creates
``bench/.env/venv`` with both (a download of about 100 MB on first use).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from metriclang.load import load_project
from tests.conftest import ROOT

COMPARE = ROOT / "bench" / "compare"
sys.path.insert(0, str(COMPARE))

import renderings  # noqa: E402
import warehouse  # noqa: E402
from metricset import KINDS, hand_dense_sql, hand_sql, metric_set  # noqa: E402

EXTERNAL = os.environ.get("METRICLANG_BENCH_EXTERNAL", "") in ("1", "true", "yes")


def test_metric_set_prefixes_are_self_contained() -> None:
    ms = metric_set(10)
    assert [m.kind for m in ms] == [*KINDS, "count", "sum", "ratio"]
    assert [m.name for m in ms[7:]] == ["g1_paid_orders", "g1_paid_revenue",
                                        "g1_avg_order_value"]
    assert (ms[8].threshold, ms[6].window_days, metric_set(35)[34].window_days) == (1, 1, 2)


def test_three_renderings_hold_the_same_metrics(tmp_path: Path) -> None:
    metrics = renderings.write_all(23, tmp_path)
    loaded = load_project(tmp_path / "osm")
    assert sorted(loaded.project.measures) == sorted(m.name for m in metrics)
    assert not [d for d in loaded.diagnostics if d.severity.value == "error"]
    mf = (tmp_path / "metricflow" / "metrics.yaml").read_text(encoding="utf-8")
    mf_names = [json.loads(doc)["metric"]["name"] for doc in mf.split("---\n") if doc.strip()]
    assert mf_names == [m.name for m in metrics]
    sm = json.loads((tmp_path / "sidemantic" / "model.yml").read_text(encoding="utf-8"))
    sm_names = [x["name"] for model in sm["models"] for x in model["metrics"]]
    assert sorted(sm_names) == sorted(m.name for m in metrics)


def test_data_is_deterministic_and_hand_sql_is_right(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert warehouse.build(db, rows=2000) == {"customers": 2000, "sessions": 2000, "orders": 2000}
    assert warehouse.is_current(db, 2000) and not warehouse.is_current(db, 3000)
    con = duckdb.connect(str(db), read_only=True)
    # The hash is plain integer arithmetic: recompute row 7's amount in Python.
    u = ((7 * 2654435761 + 12 * 97531) % 4294967311) * 2246822519 % 2147483647
    amount = con.execute("SELECT amount FROM bench.orders WHERE order_id = 7").fetchone()[0]
    assert float(amount) == (u % 50000) // 1 / 100
    # Hand-written SQL of the 7-day window against a Python computation from raw rows.
    m = metric_set(5)[4]
    raw = con.execute("SELECT CAST(ordered_at AS DATE), amount FROM bench.orders "
                      "WHERE status = 'paid' AND amount >= 0").fetchall()
    daily: dict[object, float] = {}
    for day, value in raw:
        daily[day] = daily.get(day, 0.0) + float(value)
    got = dict(con.execute(hand_sql(m)).fetchall())
    day = sorted(got)[100]
    want = sum(daily.get(day - dt.timedelta(days=k), 0.0) for k in range(7))
    assert float(got[day]) == pytest.approx(want)
    assert len(got) == (max(daily) - min(daily)).days + 1
    con.close()


def test_hand_dense_sql_lists_every_day(tmp_path: Path) -> None:
    """The one-scan kinds written by hand with the output contract (``kinds.py --dense``),
    against Python over raw rows: every day from the first to the last paid order, an empty
    one 0 (a ratio's NULL); sparse data, so empty days occur."""
    db = tmp_path / "w.duckdb"
    warehouse.build(db, rows=600)
    con = duckdb.connect(str(db), read_only=True)
    raw = con.execute("SELECT CAST(ordered_at AS DATE), amount FROM bench.orders "
                      "WHERE status = 'paid' AND amount >= 0").fetchall()
    days: dict[object, list[float]] = {}
    for day, amount in raw:
        days.setdefault(day, []).append(float(amount))
    calendar = [min(days) + dt.timedelta(days=k) for k in range((max(days) - min(days)).days + 1)]
    assert len(calendar) > len(days)  # some days have no paid order
    ms = {m.kind: m for m in metric_set(len(KINDS))}
    want = {
        "count": lambda v: len(v),
        "sum": lambda v: sum(v),
        "ratio": lambda v: sum(v) / len(v) if v else None,
        "derived": lambda v: sum(v) - 5 * len(v),
    }
    for kind, value in want.items():
        sql = hand_dense_sql(ms[kind])
        assert sql is not None
        got = con.execute(sql).fetchall()
        assert [d for d, _ in got] == calendar, kind
        expected = [value(days.get(d, [])) for d in calendar]
        assert [None if v is None else float(v) for _, v in got] == pytest.approx(expected), kind
    assert hand_dense_sql(ms["window7"]) is None
    con.close()


def test_hand_sql_conversion_and_running_total(tmp_path: Path) -> None:
    """The hand-written conversion and running total, recomputed in Python from raw rows."""
    db = tmp_path / "w.duckdb"
    warehouse.build(db, rows=3000)
    con = duckdb.connect(str(db), read_only=True)
    sessions = con.execute("SELECT customer_id, started_at FROM bench.sessions "
                           "WHERE reached_checkout").fetchall()
    orders = con.execute("SELECT customer_id, ordered_at, amount, status FROM bench.orders"
                         ).fetchall()
    ms = metric_set(35)
    conversion, running = ms[34], ms[5]  # conversion within 2 days; group 0 running total
    first: dict[tuple[object, object], object] = {}
    for customer, at in sessions:
        key = (customer, at.date())
        first[key] = min(first.get(key, at), at)
    window = dt.timedelta(days=conversion.window_days)
    by_customer: dict[object, list[object]] = {}
    for customer, at, _, _ in orders:
        by_customer.setdefault(customer, []).append(at)
    hits: dict[object, list[int]] = {}
    for (customer, day), at in first.items():
        ok = any(at <= o <= at + window for o in by_customer.get(customer, []))
        hits.setdefault(day, []).append(int(ok))
    got = dict(con.execute(hand_sql(conversion)).fetchall())
    assert got.keys() == hits.keys()
    assert all(float(got[d]) == pytest.approx(sum(v) / len(v)) for d, v in hits.items())
    assert any(0 < float(v) < 1 for v in got.values())  # the data has real conversions
    daily: dict[object, float] = {}
    for _, at, amount, status in orders:
        if status == "paid":
            daily[at.date()] = daily.get(at.date(), 0.0) + float(amount)
    total, want = 0.0, {}
    day = min(daily)
    while day <= max(daily):
        total += daily.get(day, 0.0)
        want[day] = total
        day += dt.timedelta(days=1)
    got = dict(con.execute(hand_sql(running)).fetchall())
    assert got.keys() == want.keys()
    assert all(float(got[d]) == pytest.approx(want[d]) for d in want)
    con.close()


def test_quick_run(tmp_path: Path) -> None:
    tools = "metriclang,metricflow,sidemantic" if EXTERNAL else "metriclang"
    proc = subprocess.run(
        [sys.executable, str(COMPARE / "run.py"), "--quick", "--tools", tools,
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp_path / "compare.json").read_text(encoding="utf-8"))
    assert [s["size"] for s in results["sizes"]] == [10, 100]
    for s in results["sizes"]:
        for tool in tools.split(","):
            side = s[tool]
            assert "failed" not in side, side
            assert side["errors"] == [] and side["validate_s"] > 0
            assert side["compiled"] + side["compile_failures"] == s["sampled"]
    assert sorted(results["queries"]) == sorted(KINDS)
    for kind, q in results["queries"].items():
        assert q["hand"]["rows"] > 0, kind
        ml = q["metriclang"]
        if "result" in ml:  # metriclang compiled it: it must match the hand-written rows
            res = ml["result"]
            assert res["equal"] or res["equal_but_null_rows"], (kind, res)
    assert (tmp_path / "compare.md").read_text(encoding="utf-8").startswith("# metriclang vs")
