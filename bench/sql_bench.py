"""SQL generation benchmarks (see bench/README.md, section "SQL generation").

1. ``compile``: every measure of a generated project (bench/gen_project.py) to every output
   dialect, timed (the goal: 10,000 measures x 10 dialects in under 20 s).
2. ``cli``: ``osm sql`` on the shop example as a fresh process (goal: under 0.5 s).
3. ``windows``: on DuckDB with ``--orders`` generated orders, the generated window and
   cumulative queries against hand-written SQL for the same result (goal: within 1.5x).
4. ``fused``: the fused query of a source against running its measures one by one (same rows;
   goal: faster).

Usage: ``python3 bench/sql_bench.py [--measures 10000] [--dialects all] [--orders 1000000]
[--only compile,cli,windows,fused] [--json FILE]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metriclang.dialects import OUTPUT_DIALECTS  # noqa: E402
from metriclang.load import load_project  # noqa: E402
from metriclang.sqlgen import compile_sql  # noqa: E402

BENCH_PROJECT = """
source orders {
  table bench.orders
  time ordered_at
  key order_id
  entity customer = customer_id
  dimension channel
}
measure buyers_7d { formula count_distinct(orders, customer_id) window 7 days grain day }
measure revenue_7d { formula sum(orders.amount) window 7 days grain day }
measure revenue_cumulative { formula sum(orders.amount) cumulative grain day }
measure buyers_cumulative { formula count_distinct(orders, customer_id) cumulative grain week }
measure orders_m { formula count(orders) grain month }
measure paid_m { formula count(orders where status = 'paid') grain month }
measure revenue_m { formula sum(orders.amount where status = 'paid') grain month }
measure buyers_m { formula count_distinct(orders, customer_id) grain month }
measure aov_m { formula sum(orders.amount) / count(orders) grain month }
measure max_m { formula max(orders.amount) grain month }
measure p90_m { formula percentile(orders, amount, 0.9) grain month }
measure refund_share_m {
  formula count(orders where status = 'refunded') / count(orders) grain month
}
"""

#: Hand-written SQL for the window and cumulative measures, written the way an analyst would.
HAND = {
    "buyers_7d": """
        WITH days AS (
          SELECT CAST(d AS DATE) AS day FROM range(
            (SELECT CAST(MIN(ordered_at) AS DATE) FROM bench.orders),
            (SELECT CAST(MAX(ordered_at) AS DATE) FROM bench.orders) + INTERVAL 1 DAY,
            INTERVAL 1 DAY) t(d))
        SELECT days.day AS period, COUNT(DISTINCT o.customer_id) AS value
        FROM days LEFT JOIN bench.orders o
          ON o.ordered_at >= days.day - INTERVAL 6 DAY AND o.ordered_at < days.day + INTERVAL 1 DAY
        GROUP BY days.day ORDER BY 1""",
    "revenue_7d": """
        WITH days AS (
          SELECT CAST(d AS DATE) AS day FROM range(
            (SELECT CAST(MIN(ordered_at) AS DATE) FROM bench.orders),
            (SELECT CAST(MAX(ordered_at) AS DATE) FROM bench.orders) + INTERVAL 1 DAY,
            INTERVAL 1 DAY) t(d)),
        daily AS (SELECT CAST(ordered_at AS DATE) AS day, SUM(amount) AS s
                  FROM bench.orders GROUP BY 1)
        SELECT days.day AS period, SUM(COALESCE(daily.s, 0)) OVER (
                 ORDER BY days.day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS value
        FROM days LEFT JOIN daily USING (day) ORDER BY 1""",
    "revenue_cumulative": """
        WITH days AS (
          SELECT CAST(d AS DATE) AS day FROM range(
            (SELECT CAST(MIN(ordered_at) AS DATE) FROM bench.orders),
            (SELECT CAST(MAX(ordered_at) AS DATE) FROM bench.orders) + INTERVAL 1 DAY,
            INTERVAL 1 DAY) t(d)),
        daily AS (SELECT CAST(ordered_at AS DATE) AS day, SUM(amount) AS s
                  FROM bench.orders GROUP BY 1)
        SELECT days.day AS period, SUM(COALESCE(daily.s, 0)) OVER (ORDER BY days.day) AS value
        FROM days LEFT JOIN daily USING (day) ORDER BY 1""",
    "buyers_cumulative": """
        WITH weeks AS (
          SELECT CAST(d AS DATE) AS week FROM range(
            (SELECT DATE_TRUNC('week', MIN(ordered_at)) FROM bench.orders),
            (SELECT DATE_TRUNC('week', MAX(ordered_at)) FROM bench.orders) + INTERVAL 1 DAY,
            INTERVAL 7 DAY) t(d)),
        firsts AS (SELECT customer_id, CAST(DATE_TRUNC('week', MIN(ordered_at)) AS DATE) AS week
                   FROM bench.orders WHERE customer_id IS NOT NULL GROUP BY 1),
        new AS (SELECT week, COUNT(*) AS n FROM firsts GROUP BY 1)
        SELECT weeks.week AS period, SUM(COALESCE(new.n, 0)) OVER (ORDER BY weeks.week) AS value
        FROM weeks LEFT JOIN new USING (week) ORDER BY 1""",
}


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_compile(measures: int, dialects: tuple[str, ...], work: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "bench"))
    from gen_project import write_project

    project_dir = write_project(work / f"project_{measures}", measures=measures)
    start = time.perf_counter()
    project = load_project(project_dir).project
    loaded = time.perf_counter() - start
    per_dialect: dict[str, float] = {}
    written = skipped = 0
    for dialect in dialects:
        t0 = time.perf_counter()
        for name in project.measures:
            sql, _ = compile_sql(project, name, dialect)
            written += sql is not None
            skipped += sql is None
        per_dialect[dialect] = round(time.perf_counter() - t0, 2)
    total = sum(per_dialect.values())
    return {"measures": measures, "dialects": len(dialects), "load_s": round(loaded, 2),
            "compile_s": round(total, 2), "per_dialect_s": per_dialect, "queries": written,
            "not_expressible": skipped,
            "ms_per_query": round(1000 * total / max(1, written + skipped), 2)}


def bench_cli() -> dict[str, Any]:
    cmd = [sys.executable, "-m", "metriclang.cli", "sql", str(ROOT / "specs/examples/shop"),
           "weekly_buyers_7d"]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = best(lambda: subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT), 5)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / 5
    return {"osm_sql_s": round(seconds, 3), "osm_sql_cpu_s": round(cpu, 3)}


def make_orders(con: Any, n: int) -> None:
    """``n`` deterministic orders over 2024 (about 50,000 customers)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS bench")
    con.execute(f"""
        CREATE OR REPLACE TABLE bench.orders AS
        SELECT i AS order_id,
               CASE WHEN i % 97 = 0 THEN NULL ELSE (i * 7919) % 50000 END AS customer_id,
               TIMESTAMP '2024-01-01' + to_seconds((i * 2654435761) % (366 * 86400))
                 AS ordered_at,
               CASE WHEN i % 10 = 0 THEN 'refunded' ELSE 'paid' END AS status,
               CAST(((i * 31) % 20000) / 100.0 AS DECIMAL(10, 2)) AS amount,
               CASE i % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'app' ELSE 'store' END AS channel
        FROM range({n}) t(i)""")


def _rows(con: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(round(float(v), 6) if isinstance(v, float) or hasattr(v, "as_tuple") else v
                  for v in row) for row in con.execute(sql).fetchall()]


def bench_windows(con: Any, project: Any) -> dict[str, Any]:
    out = {}
    for name, hand in HAND.items():
        sql, _ = compile_sql(project, name, "duckdb")
        assert sql is not None
        assert _rows(con, sql) == _rows(con, hand), f"{name}: generated != hand-written"
        generated, written = best(lambda s=sql: con.execute(s).fetchall()), best(
            lambda s=hand: con.execute(s).fetchall())
        out[name] = {"generated_s": round(generated, 3), "hand_s": round(written, 3),
                     "ratio": round(generated / written, 2)}
    return out


def bench_fused(con: Any, project: Any) -> dict[str, Any]:
    from metriclang.sqlgen import compile_fused
    from metriclang.sqlgen.output import fusable_groups

    measures = fusable_groups(project)["orders.month"]
    fused, _ = compile_fused(project, measures, "duckdb")
    singles = [compile_sql(project, m, "duckdb")[0] for m in measures]
    assert fused is not None and all(singles)
    rows = _rows(con, fused)
    width = len(rows[0]) - len(measures)  # the period (and dimensions), then one per measure
    for i, (name, single) in enumerate(zip(measures, singles, strict=True)):
        alone = [(*r[:width], r[width + i]) for r in rows]
        assert alone == _rows(con, single), f"{name}: fused != one by one"
    fused_s = best(lambda: con.execute(fused).fetchall())
    single_s = best(lambda: [con.execute(s).fetchall() for s in singles])
    return {"measures": len(measures), "fused_s": round(fused_s, 3),
            "one_by_one_s": round(single_s, 3), "speedup": round(single_s / fused_s, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=10000)
    parser.add_argument("--dialects", default="all")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--only", default="compile,cli,windows,fused")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    only = set(args.only.split(","))
    dialects = OUTPUT_DIALECTS if args.dialects == "all" else tuple(args.dialects.split(","))
    results: dict[str, Any] = {"cpus": os.cpu_count(), "load_avg": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="osm-sql-bench-") as tmp:
        work = Path(tmp)
        if "compile" in only:
            results["compile"] = bench_compile(args.measures, dialects, work)
        if "cli" in only:
            results["cli"] = bench_cli()
        if only & {"windows", "fused"}:
            import duckdb

            (work / "p").mkdir()
            (work / "p" / "bench.osm").write_text(BENCH_PROJECT, encoding="utf-8")
            project = load_project(work / "p").project
            con = duckdb.connect()
            make_orders(con, args.orders)
            results["orders"] = args.orders
            if "windows" in only:
                results["windows"] = bench_windows(con, project)
            if "fused" in only:
                results["fused"] = bench_fused(con, project)
    if "con" in locals():
        con.close()
    results["missed"] = missed(results, args.measures, len(dialects))
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    sys.exit(1 if results["missed"] else 0)


def missed(results: dict[str, Any], measures: int, dialects: int) -> list[str]:
    """The targets this run missed (the compile target applies to 10,000 x 10 only)."""
    out = []
    compiled = results.get("compile")
    if compiled and measures == 10000 and dialects == 10 and compiled["compile_s"] >= 20:
        out.append(f"compile {compiled['compile_s']} s >= 20 s")
    if "cli" in results and results["cli"]["osm_sql_s"] >= 0.5:
        out.append(f"osm sql {results['cli']['osm_sql_s']} s >= 0.5 s")
    for name, w in results.get("windows", {}).items():
        if w["ratio"] > 1.5:
            out.append(f"{name} {w['ratio']}x hand-written")
    if "fused" in results and results["fused"]["speedup"] <= 1:
        out.append("fused not faster than one by one")
    return out


if __name__ == "__main__":
    main()
