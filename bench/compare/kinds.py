"""Every query kind of the metric set against hand-written SQL on DuckDB, interleaved.

For each kind of ``metricset.KINDS`` (its first metric, group 0), the SQL ``compile_sql``
generates for DuckDB and ``metricset.hand_sql`` run on one read-only connection of the
``warehouse.py`` data (``--rows`` per table). Each query is run once and its rows checked
equal to the hand-written ones (same periods, values within 1e-9 relative; extra
periods with a NULL value allowed, see the conversion note in ``README.md``); then the queries
of a kind run in turns (osm, hand, [before], [saved tools]) ``--runs`` times. Reported per
kind: medians of the CPU time of this process (all DuckDB threads) and of the wall time, and
their ratios to the hand-written query's medians. Exits 1 when a result of metriclang differs.

Usage: ``python3 bench/compare/kinds.py [--rows 1000000] [--runs 15] [--kinds count,sum]
[--before DIR] [--dense] [--saved metricflow,sidemantic] [--json FILE]`` (``--before``: also
time the SQL compiled by another metriclang tree, e.g. an earlier commit from ``git archive``,
in the same rotation; ``--dense``: also time, as ``dense``, the one-scan kinds written by hand
with the output contract kept, ``metricset.hand_dense_sql``; ``--saved``: also time the DuckDB
SQL another tool generated in the last full ``run.py``,
``bench/results/sql/<metric>.<tool>.sql``, its result checked and reported but not failing
the run). ``kinds_pg.py`` is the same comparison on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(HERE))

import querying  # noqa: E402
import renderings  # noqa: E402
import warehouse  # noqa: E402
from metricset import (  # noqa: E402
    KINDS,
    hand_dense_sql,
    hand_sql,
    metric_set,
    representatives,
)

WORK = BENCH / "work" / "kinds"
SAVED = BENCH / "results" / "sql"


def osm_sql(project: Path, code: Path | None, names: list[str],
            dialect: str = "duckdb") -> dict[str, str]:
    """SQL of each named measure in ``dialect``, compiled in a fresh process by the
    metriclang tree ``code`` (None: this checkout)."""
    script = ("import json, sys; from metriclang.load import check; "
              "from metriclang.sqlgen import compile_sql; "
              "p = check(sys.argv[1]).project; "
              "d = sys.argv[2]; "
              "print(json.dumps({n: compile_sql(p, n, d)[0] for n in sys.argv[3:]}))")
    root = code or BENCH.parent
    proc = subprocess.run([sys.executable, "-c", script, str(project), dialect, *names],
                          capture_output=True, text=True, check=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)})
    out: dict[str, str] = json.loads(proc.stdout)
    return out


def timed(con: Any, sql: str) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``sql``, rows fetched."""
    t, c = time.perf_counter(), time.process_time()
    querying.fetch(con, sql)
    return time.perf_counter() - t, time.process_time() - c


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--before", type=Path, help="another metriclang tree to compare")
    parser.add_argument("--dense", action="store_true",
                        help="also time the one-scan kinds written by hand with every day listed")
    parser.add_argument("--saved", default="", help="other tools' saved SQL to time too")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    db = BENCH / "work" / f"warehouse_{args.rows}.duckdb"
    if not warehouse.is_current(db, args.rows):
        print(f"building {args.rows:,} rows per table in {db}", flush=True)
        warehouse.build(db, args.rows)
    metrics = representatives(metric_set(len(KINDS)))
    chosen = [metrics[k] for k in args.kinds.split(",")]
    renderings.write_osm(metric_set(len(KINDS)), WORK / "osm")
    names = [m.name for m in chosen]
    tools = {"osm": osm_sql(WORK / "osm", None, names)}
    if args.before:
        tools["before"] = osm_sql(WORK / "osm", args.before, names)
    saved = [t for t in args.saved.split(",") if t]
    for tool in saved:
        tools[tool] = {n: (SAVED / f"{n}.{tool}.sql").read_text(encoding="utf-8") for n in names}

    con = querying.connect(db)
    report: dict[str, Any] = {"rows": args.rows, "runs": args.runs, "kinds": {},
                              "verdicts": {}}
    failed = False
    for m in chosen:
        queries = {"hand": hand_sql(m)} | {tool: sql[m.name] for tool, sql in tools.items()}
        dense = hand_dense_sql(m) if args.dense else None
        if dense is not None:
            queries["dense"] = dense
        for name, sql in queries.items():
            (WORK / f"{m.kind}.{name}.sql").write_text(sql + "\n", encoding="utf-8")
        want = querying.run(con, queries["hand"], "value", 0, 600)
        for name, sql in queries.items():
            got = querying.run(con, sql, m.name.lower(), 0, 600)
            verdict = querying.compare(got.rows, want.rows)
            # Conversion: the spine spans both sources, so days with orders only after the
            # last session are listed with a NULL rate (README "where the tools differ").
            ok = not got.error and bool(verdict["equal"] or verdict["equal_but_null_rows"])
            report["verdicts"][f"{m.kind}.{name}"] = got.error or verdict
            if not ok:
                print(f"{m.kind} {name}: differs from the hand-written result: "
                      f"{got.error or verdict}", file=sys.stderr)
                failed = failed or name not in saved
        wall: dict[str, list[float]] = {name: [] for name in queries}
        cpu: dict[str, list[float]] = {name: [] for name in queries}
        for _ in range(args.runs):
            for name, sql in queries.items():
                w, c = timed(con, sql)
                wall[name].append(w)
                cpu[name].append(c)
        hand_cpu, hand_wall = statistics.median(cpu["hand"]), statistics.median(wall["hand"])
        entry: dict[str, Any] = {}
        for name in queries:
            mc, mw = statistics.median(cpu[name]), statistics.median(wall[name])
            entry[name] = {"cpu_ms": round(mc * 1000, 2), "wall_ms": round(mw * 1000, 2),
                           "cpu_ratio": round(mc / hand_cpu, 3),
                           "wall_ratio": round(mw / hand_wall, 3)}
        report["kinds"][m.kind] = entry
        cells = "  ".join(f"{name} {e['cpu_ms']:6.1f} ms CPU ({e['cpu_ratio']:.2f}x, wall "
                          f"{e['wall_ratio']:.2f}x)" for name, e in entry.items())
        print(f"{m.kind:>10}: {cells}", flush=True)
    con.close()
    print(f"medians of {args.runs} interleaved runs, {args.rows:,} rows; ratios to hand-written")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
