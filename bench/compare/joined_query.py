"""``osm query`` by a joined dimension against hand-written SQL and MetricFlow, on DuckDB.

The warehouse of ``warehouse.py`` (``--rows`` orders, each joined to ``bench.customers``, a
dimension table of ``--rows`` customers): ``revenue = sum(orders.amount)``,
``buyers = count_distinct(orders, customer_id)`` and ``aov = sum(orders.amount) /
count(orders)``, asked ``--by customer.segment --grain month``. The same three metrics are
written as a MetricFlow manifest (``orders`` with a foreign entity ``customer``, ``customers``
with its primary entity and ``segment``) and asked with ``group_by metric_time__month,
customer__segment``; MetricFlow runs in ``bench/.env/venv`` (``run.ensure_venv``; its side is
``side_metricflow.py --query``). The best hand-written SQL is one LEFT JOIN and GROUP BY.

All three queries run on one read-only DuckDB connection, interleaved, ``--runs`` times each
after a first run whose rows are checked equal to the hand-written ones; medians of the wall
times are reported with their ratio to the hand-written query.

Usage: ``python3 bench/compare/joined_query.py [--rows 1000000] [--runs 9]
[--no-metricflow] [--before DIR] [--json FILE]`` (``--before``: also time the SQL compiled by
another metriclang tree, e.g. an earlier commit from ``git archive``, in the same rotation).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(HERE))

import warehouse  # noqa: E402

WORK = BENCH / "work" / "joined"
MEASURES = ("revenue", "buyers", "aov")

SPEC = """source orders {
  table bench.orders
  time ordered_at
  key order_id
  entity customer = customer_id
}

source customers {
  table bench.customers
  key customer_id
  entity customer = customer_id
  dimension segment
  dimension country
}

measure revenue { formula sum(orders.amount) grain day }
measure buyers { formula count_distinct(orders, customer_id) grain day }
measure aov { formula sum(orders.amount) / count(orders) grain day }
"""

#: The best hand-written query: one scan of orders, one join, one GROUP BY.
HAND = """
SELECT CAST(date_trunc('month', o.ordered_at) AS DATE) AS period, c.segment,
       SUM(o.amount) AS revenue, COUNT(DISTINCT o.customer_id) AS buyers,
       CAST(SUM(o.amount) AS DOUBLE) / NULLIF(COUNT(*), 0) AS aov
FROM bench.orders AS o LEFT JOIN bench.customers AS c ON c.customer_id = o.customer_id
GROUP BY 1, 2 ORDER BY 1, 2 NULLS LAST
"""


def _docs(key: str, items: list[dict[str, Any]]) -> str:
    return "".join(f"---\n{json.dumps({key: item}, indent=1)}\n" for item in items)


def write_metricflow(out: Path) -> None:
    """The MetricFlow manifest of the three metrics (YAML written as JSON documents)."""
    out.mkdir(parents=True, exist_ok=True)
    day = {"type": "time", "type_params": {"time_granularity": "day"}}
    orders = {
        "name": "orders", "node_relation": {"schema_name": "bench", "alias": "orders"},
        "defaults": {"agg_time_dimension": "ordered_at"},
        "entities": [{"name": "order", "type": "primary", "expr": "order_id"},
                     {"name": "customer", "type": "foreign", "expr": "customer_id"}],
        "measures": [{"name": "order_count", "agg": "count", "expr": "order_id"},
                     {"name": "order_amount", "agg": "sum", "expr": "amount"},
                     {"name": "buyer_count", "agg": "count_distinct", "expr": "customer_id"}],
        "dimensions": [{"name": "ordered_at", **day}],
    }
    customers = {
        "name": "customers", "node_relation": {"schema_name": "bench", "alias": "customers"},
        "entities": [{"name": "customer", "type": "primary", "expr": "customer_id"}],
        "dimensions": [{"name": "segment", "type": "categorical"},
                       {"name": "country", "type": "categorical"}],
    }
    metrics = [
        {"name": "revenue", "type": "simple", "type_params": {"measure": "order_amount"}},
        {"name": "buyers", "type": "simple", "type_params": {"measure": "buyer_count"}},
        {"name": "orders", "type": "simple", "type_params": {"measure": "order_count"}},
        {"name": "aov", "type": "ratio", "type_params": {
            "numerator": {"name": "revenue"}, "denominator": {"name": "orders"}}},
    ]
    config = {"time_spines": [{"node_relation": {"schema_name": "bench",
                                                 "alias": "mf_time_spine"},
                               "primary_column": {"name": "ds", "time_granularity": "day"}}]}
    (out / "project_configuration.yaml").write_text(
        _docs("project_configuration", [config]), encoding="utf-8")
    (out / "semantic_models.yaml").write_text(
        _docs("semantic_model", [orders, customers]), encoding="utf-8")
    (out / "metrics.yaml").write_text(_docs("metric", metrics), encoding="utf-8")


def osm_sql(project: Path, code: Path | None) -> str:
    """The ``osm query`` SQL, compiled in a fresh process by the metriclang tree ``code``
    (None: this checkout)."""
    script = ("import sys; from metriclang import api; "
              "sys.stdout.write(api.query_sql(api.load(sys.argv[1]), "
              f"{list(MEASURES)!r}, by=['customer.segment'], grain='month', "
              "dialect='duckdb'))")
    root = code or BENCH.parent
    proc = subprocess.run([sys.executable, "-c", script, str(project)], capture_output=True,
                          text=True, check=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)})
    return proc.stdout


def metricflow_sql(project: Path) -> str:
    """MetricFlow's SQL for the same request (``side_metricflow.py --query`` in the venv)."""
    import run

    run.ensure_venv()
    out = WORK / "metricflow.json"
    group_by = "metric_time__month,customer__segment"
    subprocess.run([str(run.VENV_PYTHON), str(HERE / "side_metricflow.py"), str(project),
                    str(out), "--query", group_by, *MEASURES], check=True)
    result = json.loads(out.read_text(encoding="utf-8"))
    row = result["compile"][0]
    if "error" in row:
        raise RuntimeError(f"MetricFlow: {row['error']}")
    return str(row["sql"])


def normalized(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows as comparable values: numbers as floats rounded to 9 significant digits."""
    def norm(v: Any) -> Any:
        if isinstance(v, int | float | Decimal) and not isinstance(v, bool):
            return float(f"{float(v):.9g}")
        return v.date() if hasattr(v, "date") and callable(v.date) else v
    return sorted((tuple(norm(v) for v in row) for row in rows),
                  key=lambda r: tuple((x is None, str(x)) for x in r))


def timed(con: Any, sql: str) -> tuple[float, list[tuple[Any, ...]]]:
    start = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return time.perf_counter() - start, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-metricflow", action="store_true")
    parser.add_argument("--before", type=Path, help="another metriclang tree to compare")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import duckdb

    db = BENCH / "work" / f"warehouse_{args.rows}.duckdb"
    if not warehouse.is_current(db, args.rows):
        print(f"building {args.rows:,} rows per table in {db}", flush=True)
        warehouse.build(db, args.rows)
    (WORK / "osm").mkdir(parents=True, exist_ok=True)
    (WORK / "osm" / "bench.osm").write_text(SPEC, encoding="utf-8")
    queries = {"osm": osm_sql(WORK / "osm", None), "hand": HAND}
    if args.before:
        queries["osm_before"] = osm_sql(WORK / "osm", args.before)
    if not args.no_metricflow:
        write_metricflow(WORK / "metricflow")
        queries["metricflow"] = metricflow_sql(WORK / "metricflow")
    for name, sql in queries.items():
        (WORK / f"{name}.sql").write_text(sql + "\n", encoding="utf-8")

    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET enable_progress_bar = false")
    want = normalized(timed(con, HAND)[1])
    for name, sql in queries.items():
        got = normalized(timed(con, sql)[1])
        if got != want:
            print(f"{name}: rows differ from the hand-written query "
                  f"({len(got)} vs {len(want)} rows)", file=sys.stderr)
            return 1
    times: dict[str, list[float]] = {name: [] for name in queries}
    for _ in range(args.runs):
        for name, sql in queries.items():
            times[name].append(timed(con, sql)[0])
    con.close()
    hand = statistics.median(times["hand"])
    report: dict[str, Any] = {"rows": args.rows, "runs": args.runs, "result_rows": len(want)}
    for name, seconds in times.items():
        median = statistics.median(seconds)
        report[name] = {"median_s": round(median, 4), "ratio": round(median / hand, 2)}
        print(f"{name:>10}: {median * 1000:7.1f} ms  ({median / hand:.2f}x hand-written; "
              f"median of {args.runs} interleaved runs)")
    print(f"{len(want)} rows, equal in every tool")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
