"""``osm query``: three measures by a dimension at a coarser grain, against hand-written SQL.

One DuckDB file of ``--rows`` orders (two years, 8 regions, 50,000 customers); the measures
``revenue = sum(orders.amount)``, ``buyers = count_distinct(orders, customer_id)`` and
``aov = sum(orders.amount) / count(orders)``, declared per month, asked per quarter by
region with ``--where "region <> 'r0'"`` (and, separately, with ``--compare previous_year``).
The generated query and the best hand-written one (one GROUP BY scan; the comparison as a
self join) run on the same connection, interleaved, ``--runs`` times each; medians are
reported with their ratio, and both results are checked equal first. Compile time (load +
plan + build + render) is reported apart.

Usage: ``python3 bench/query_bench.py [--rows 1000000] [--runs 7] [--json FILE]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = ROOT / "bench" / "work" / "query"

SPEC = """source orders { table bench.orders time ordered_at dimension region }
measure revenue { formula sum(orders.amount) grain month }
measure buyers { formula count_distinct(orders, customer_id) grain month }
measure aov { formula sum(orders.amount) / count(orders) grain month }
"""
HAND = """
SELECT CAST(date_trunc('quarter', ordered_at) AS DATE) AS period, region,
       SUM(amount) AS revenue, COUNT(DISTINCT customer_id) AS buyers,
       CAST(SUM(amount) AS DOUBLE) / NULLIF(COUNT(*), 0) AS aov
FROM bench.orders WHERE region <> 'r0' GROUP BY 1, 2 ORDER BY 1, 2
"""
HAND_COMPARE = """
WITH q AS (""" + HAND.replace(" ORDER BY 1, 2", "") + """)
SELECT c.period, c.region,
  c.revenue, p.revenue, CAST(c.revenue AS DOUBLE) / NULLIF(p.revenue, 0) - 1,
  c.buyers, p.buyers, CAST(c.buyers AS DOUBLE) / NULLIF(p.buyers, 0) - 1,
  c.aov, p.aov, c.aov / NULLIF(p.aov, 0) - 1
FROM q AS c LEFT JOIN q AS p ON p.period = CAST(c.period - INTERVAL 12 MONTH AS DATE)
  AND p.region = c.region
ORDER BY 1, 2
"""


def build(rows: int) -> Path:
    """The project and its DuckDB file (rebuilt when the row count changes)."""
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "orders.osm").write_text(SPEC, encoding="utf-8")
    db = WORK / f"orders_{rows}.duckdb"
    if not db.exists():
        con = duckdb.connect(str(db))
        con.execute("CREATE SCHEMA bench")
        con.execute(f"""CREATE TABLE bench.orders AS SELECT i AS order_id,
            TIMESTAMP '2024-01-01' + to_seconds(CAST(hash(i) % (730 * 86400) AS BIGINT))
              AS ordered_at,
            'r' || CAST(hash(i * 7) % 8 AS VARCHAR) AS region,
            CAST(hash(i * 13) % 50000 AS INTEGER) AS customer_id,
            CAST(hash(i * 31) % 20000 AS DECIMAL(12, 2)) / 100 AS amount
            FROM range({rows}) AS t(i)""")
        con.close()
    return db


def timed(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[float, list[tuple[object, ...]]]:
    start = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return time.perf_counter() - start, rows


def same(a: list[tuple[object, ...]], b: list[tuple[object, ...]]) -> bool:
    def norm(v: object) -> object:
        return round(float(v), 6) if isinstance(v, int | float) or type(v).__name__ == \
            "Decimal" else v
    return [tuple(map(norm, r)) for r in a] == [tuple(map(norm, r)) for r in b]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from metriclang import api

    db = build(args.rows)
    start = time.perf_counter()
    project = api.load(WORK)
    options = {"by": ["region"], "grain": "quarter", "where": "region <> 'r0'"}
    generated = api.query_sql(project, ["revenue", "buyers", "aov"], dialect="duckdb",
                              **options)  # type: ignore[arg-type]
    compile_s = time.perf_counter() - start
    compared = api.query_sql(project, ["revenue", "buyers", "aov"], dialect="duckdb",
                             compare="previous_year", **options)  # type: ignore[arg-type]
    con = duckdb.connect(str(db), read_only=True)
    report: dict[str, object] = {"rows": args.rows, "runs": args.runs,
                                 "compile_seconds": round(compile_s, 4)}
    for name, ours, theirs in (("query", generated, HAND), ("compare", compared, HAND_COMPARE)):
        _, a = timed(con, ours)
        _, b = timed(con, theirs)
        if not same(a, b):
            print(f"{name}: results differ", file=sys.stderr)
            return 1
        times: dict[str, list[float]] = {"osm": [], "hand": []}
        for _ in range(args.runs):
            times["osm"].append(timed(con, ours)[0])
            times["hand"].append(timed(con, theirs)[0])
        osm, hand = statistics.median(times["osm"]), statistics.median(times["hand"])
        report[name] = {"osm_median_s": round(osm, 4), "hand_median_s": round(hand, 4),
                        "ratio": round(osm / hand, 2), "result_rows": len(a)}
        print(f"{name}: osm {osm * 1000:.1f} ms, hand-written {hand * 1000:.1f} ms, "
              f"ratio {osm / hand:.2f} ({len(a)} rows, medians of {args.runs} interleaved runs)")
    print(f"compile (load + plan + build + render): {compile_s * 1000:.1f} ms")
    con.close()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
