"""Every query kind of the metric set against hand-written SQL on PostgreSQL, interleaved.

The PostgreSQL twin of ``kinds.py``: a pgserver instance on a temporary folder is loaded with
the ``warehouse.py`` tables (``--rows`` per table, copied from the DuckDB file as CSV, then
``ANALYZE``); for each kind of ``metricset.KINDS`` (its first metric, group 0) the SQL
``compile_sql`` generates for ``postgres`` and the hand-written PostgreSQL query below run on
one connection, first once with their rows checked equal (as ``kinds.py``: same periods, values
within 1e-9 relative, extra periods with a NULL value allowed), then in turns ``--runs`` times.
Reported per kind: medians of the wall time of each query (rows fetched) and of the server's
CPU time (the postmaster's processes: the backend, and the parallel workers a query starts,
counted when they have exited: to the nanosecond for the backend, in 10 ms ticks for the
workers), and their ratios to the hand-written query's medians. On a loaded machine the CPU
time is the figure to compare: a parallel plan gets a larger share of contended cores, so its
wall time says more about the load than about the query. Exits 1 when a result differs.

Usage: ``python3 bench/compare/kinds_pg.py [--rows 1000000] [--runs 15] [--kinds count,sum]
[--before DIR] [--dense] [--tools metricflow,sidemantic] [--timeout 120] [--explain] [--json
FILE]`` (``--before``: also time, in the same rotation, the SQL compiled by another metriclang
tree, e.g. an earlier commit from ``git archive``; ``--dense``: also time, as ``dense``, the
hand-written query keeping the whole output contract, ``hand_dense_postgres``; ``--tools``:
also time the PostgreSQL SQL that MetricFlow and Sidemantic generate for the same metrics
(``run.py``'s pinned versions in ``bench/.env/venv``, created on first use), their results
checked and reported but not failing the run; a query of theirs slower than a tenth of
``--timeout`` seconds on its checking run is timed by that run alone, one slower than
``--timeout`` is reported as a timeout; ``--explain``: print each query's ``EXPLAIN (ANALYZE,
BUFFERS)`` before timing).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pgserver  # type: ignore[import-untyped]
import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import querying  # noqa: E402
import renderings  # noqa: E402
import run  # noqa: E402
import warehouse  # noqa: E402
from kinds import BENCH, osm_sql  # noqa: E402
from metricset import (  # noqa: E402
    KINDS,
    SPARSE,
    Metric,
    conversion_sql,
    metric_set,
    paid_filter,
    representatives,
)

WORK = BENCH / "work" / "kinds_pg"

#: The warehouse tables in PostgreSQL types (DuckDB's, column for column).
TABLES = {
    "customers": "customer_id BIGINT, created_at DATE, country TEXT, segment TEXT",
    "sessions": "session_id BIGINT, customer_id BIGINT, started_at TIMESTAMP, "
                "reached_checkout BOOLEAN, viewed_product BOOLEAN",
    "orders": "order_id BIGINT, customer_id BIGINT, ordered_at TIMESTAMP, "
              "amount NUMERIC(12, 2), status TEXT, channel TEXT",
    "mf_time_spine": "ds DATE",  # MetricFlow's calendar (windows, running totals)
}


def _daily(m: Metric, select: str) -> str:
    return (f"SELECT CAST(ordered_at AS DATE) AS period, {select} AS value\n"
            f"FROM bench.orders WHERE {paid_filter(m)}\nGROUP BY 1")


#: The first and last day of ``daily`` (``hand_sql_postgres``'s calendar) and of every row of
#: the metric's sources (``hand_dense_postgres``'s: the output contract's periods).
_DAILY_BOUNDS = "(SELECT min(period) FROM daily), (SELECT max(period) FROM daily)"
_ORDERS_BOUNDS = ("(SELECT CAST(min(ordered_at) AS DATE) FROM bench.orders),\n"
                  "    (SELECT CAST(max(ordered_at) AS DATE) FROM bench.orders)")
_BOTH_BOUNDS = ("(SELECT CAST(min(t) AS DATE) FROM (SELECT min(ordered_at) FROM bench.orders\n"
                "     UNION ALL SELECT min(started_at) FROM bench.sessions) AS b(t)),\n"
                "    (SELECT CAST(max(t) AS DATE) FROM (SELECT max(ordered_at) FROM bench.orders\n"
                "     UNION ALL SELECT max(started_at) FROM bench.sessions) AS b(t))")


def _days(bounds: str) -> str:
    return ("days AS (\n  SELECT CAST(d AS DATE) AS period FROM generate_series(\n"
            f"    {bounds},\n    INTERVAL '1 day') AS t(d)\n)\n")


def _over_calendar(m: Metric, frame: str, bounds: str = _DAILY_BOUNDS) -> str:
    return (f"WITH daily AS (\n{_daily(m, 'sum(amount)')}\n),\n{_days(bounds)}"
            "SELECT days.period, sum(coalesce(daily.value, 0)) OVER (\n"
            f"  ORDER BY days.period {frame}) AS value\n"
            "FROM days LEFT JOIN daily USING (period)\nORDER BY 1")


def hand_sql_postgres(m: Metric) -> str:
    """What an analyst would write by hand for ``m`` on PostgreSQL (``metricset.hand_sql``'s
    queries in PostgreSQL's own functions): columns ``period``, ``value``."""
    match m.kind:
        case "count":
            return _daily(m, "count(*)") + "\nORDER BY 1"
        case "sum":
            return _daily(m, "sum(amount)") + "\nORDER BY 1"
        case "ratio":
            return _daily(m, "sum(amount) / count(*)") + "\nORDER BY 1"
        case "derived":
            return _daily(m, "sum(amount) - 5 * count(*)") + "\nORDER BY 1"
        case "window7":
            return _over_calendar(m, "ROWS BETWEEN 6 PRECEDING AND CURRENT ROW")
        case "cumulative":
            return _over_calendar(m, "ROWS UNBOUNDED PRECEDING")
        case "conversion":
            return _conversion(m) + " ORDER BY 1"
    raise ValueError(m.kind)


def _conversion(m: Metric) -> str:
    """The conversion rate per day of first checkout, unordered."""
    return conversion_sql(m, f"INTERVAL '{m.window_days} days'",
                          "CAST(count(c.customer_id) AS DOUBLE PRECISION) / count(*)")


def hand_dense_postgres(m: Metric) -> str:
    """``hand_sql_postgres`` keeping the whole output contract: every day from the first to
    the last row of the metric's sources (not only of the rows its condition keeps, nor only
    the days with a first event), an empty one with its value (0; a rate NULL). The bounds
    are read as an analyst would write them: ``min``/``max`` over each source."""
    match m.kind:
        case "window7":
            return _over_calendar(m, "ROWS BETWEEN 6 PRECEDING AND CURRENT ROW",
                                  _ORDERS_BOUNDS)
        case "cumulative":
            return _over_calendar(m, "ROWS UNBOUNDED PRECEDING", _ORDERS_BOUNDS)
        case "conversion":
            return (f"WITH rates AS (\n{_conversion(m)}\n),\n{_days(_BOTH_BOUNDS)}"
                    "SELECT days.period, rates.value\n"
                    "FROM days LEFT JOIN rates USING (period)\nORDER BY 1")
        case _:
            select, value = SPARSE[m.kind]
            return (f"WITH daily AS (\n{_daily(m, select)}\n),\n{_days(_ORDERS_BOUNDS)}"
                    f"SELECT days.period, {value} AS value\n"
                    "FROM days LEFT JOIN daily USING (period)\nORDER BY 1")


def load(url: str, db: Path, scratch: Path) -> None:
    """Copy the three warehouse tables of the DuckDB file ``db`` into schema ``bench``."""
    src = duckdb.connect(str(db), read_only=True)
    try:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute("DROP SCHEMA IF EXISTS bench CASCADE")
            con.execute("CREATE SCHEMA bench")
            for table, columns in TABLES.items():
                csv = scratch / f"{table}.csv"
                src.execute(f"COPY bench.{table} TO '{csv}' (HEADER false)")
                con.execute(f"CREATE TABLE bench.{table} ({columns})")
                with con.cursor() as cur, cur.copy(
                        f"COPY bench.{table} FROM STDIN (FORMAT csv)") as copy, \
                        csv.open("rb") as f:
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
                csv.unlink()
                con.execute(f"ANALYZE bench.{table}")
    finally:
        src.close()


def rows(cur: psycopg.Cursor[Any], sql: str, metric: str, timeout_s: float = 0) -> querying.Run:
    """The rows of ``sql`` (period -> value of column ``metric``, else ``value``, else the
    last), or the error (``timeout_s``: PostgreSQL's ``statement_timeout``, 0 for none)."""
    try:
        cur.execute("SELECT set_config('statement_timeout', %s, false)",
                    (f"{int(timeout_s * 1000)}",))
        cur.execute(sql)
        names = [c.name.lower() for c in cur.description or ()]
        index = names.index(metric) if metric in names else (
            names.index("value") if "value" in names else len(names) - 1)
        got = {querying._period(r[0]): querying._value(r[index]) for r in cur.fetchall()}
        return querying.Run((), got)
    except psycopg.errors.QueryCanceled:
        return querying.Run((), {}, f"timeout after {timeout_s:.0f} s")
    except (psycopg.Error, TypeError, ValueError) as exc:
        return querying.Run((), {}, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        cur.execute("SELECT set_config('statement_timeout', '0', false)")


TICK = os.sysconf("SC_CLK_TCK")


def _children(postmaster: int) -> dict[int, float]:
    """The postmaster's live children: pid -> CPU seconds (``schedstat``: nanoseconds, where
    ``stat`` counts 10 ms ticks; a query without parallel workers runs in its backend)."""
    out: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == postmaster:
                ns = int((stat.parent / "schedstat").read_text().split()[0])
                out[int(stat.parent.name)] = ns / 1e9
        except (OSError, ValueError, IndexError):
            continue
    return out


def server_cpu(postmaster: int, before: frozenset[int] = frozenset()) -> tuple[float, set[int]]:
    """CPU seconds of the server so far: the postmaster and its reaped children (exited
    parallel workers; in ticks) and its live ones; waits (up to 2 s) until no child outside
    ``before`` is left, so that a query's workers are counted with it. Also the live
    children's pids."""
    deadline = time.monotonic() + 2
    while True:
        live = _children(postmaster)
        if not before or live.keys() <= before or time.monotonic() > deadline:
            break
        time.sleep(0.005)
    fields = (Path("/proc") / str(postmaster) / "stat").read_text().rsplit(")", 1)[1].split()
    own = sum(int(f) for f in fields[11:15]) / TICK  # utime, stime, cutime, cstime
    return own + sum(live.values()), set(live)


def timed(cur: psycopg.Cursor[Any], sql: str, postmaster: int) -> tuple[float, float]:
    """Wall seconds and the server's CPU seconds of one run of ``sql``, rows fetched."""
    cpu, live = server_cpu(postmaster)
    t = time.perf_counter()
    cur.execute(sql)
    cur.fetchall()
    wall = time.perf_counter() - t
    return wall, server_cpu(postmaster, frozenset(live))[0] - cpu


def explain(cur: psycopg.Cursor[Any], sql: str) -> str:
    """The plan of ``sql`` as run: ``EXPLAIN (ANALYZE, BUFFERS)``."""
    cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
    return "\n".join(str(r[0]) for r in cur.fetchall())


def measure(url: str, postmaster: int, chosen: list[Metric],
            queries_of: dict[str, dict[str, str]], runs: int, plans: bool = False,
            others: frozenset[str] = frozenset(), timeout_s: float = 0,
            ) -> tuple[dict[str, Any], bool]:
    """Check each kind's results (printing their plans when ``plans``), then time its queries
    in turns; (report, any of metriclang's differed). The queries of ``others`` (other
    tools) are checked and reported, never failing the run; one that errs on its checking
    run, or runs longer than a tenth of ``timeout_s``, is left out of the turns (timed by
    that run when it has rows)."""
    report: dict[str, Any] = {}
    failed = False
    with psycopg.connect(url, autocommit=True) as con, con.cursor() as cur:
        for m in chosen:
            queries = dict(queries_of[m.kind])
            if plans:
                for name, sql in queries.items():
                    print(f"--- {m.kind} {name}\n{explain(cur, sql)}", flush=True)
            want = rows(cur, queries["hand"], "value")
            verdicts: dict[str, Any] = {}
            once: dict[str, tuple[float, float]] = {}
            for name, sql in list(queries.items()):
                before, live = server_cpu(postmaster)
                t = time.perf_counter()
                got = rows(cur, sql, m.name.lower(), timeout_s if name in others else 0)
                took = time.perf_counter() - t
                verdict = querying.compare(got.rows, want.rows)
                verdicts[name] = got.error or verdict
                if want.error or got.error or not (verdict["equal"]
                                                   or verdict["equal_but_null_rows"]):
                    print(f"{m.kind} {name}: differs from the hand-written result: "
                          f"{want.error or got.error or str(verdict)[:300]}", file=sys.stderr)
                    failed = failed or name not in others
                if name in others and (got.error or took > timeout_s / 10):
                    del queries[name]
                    if not got.error:  # slow: its checking run is its one timing
                        once[name] = (took, server_cpu(postmaster, frozenset(live))[0] - before)
            wall: dict[str, list[float]] = {name: [w] for name, (w, _) in once.items()}
            cpu: dict[str, list[float]] = {name: [c] for name, (_, c) in once.items()}
            wall |= {name: [] for name in queries}
            cpu |= {name: [] for name in queries}
            for _ in range(runs):
                for name, sql in queries.items():
                    w, c = timed(cur, sql, postmaster)
                    wall[name].append(w)
                    cpu[name].append(c)
            hand, hand_cpu = statistics.median(wall["hand"]), statistics.median(cpu["hand"])
            report[m.kind] = {
                name: {"wall_ms": round(statistics.median(wall[name]) * 1000, 2),
                       "wall_ratio": round(statistics.median(wall[name]) / hand, 3),
                       "cpu_ms": round(statistics.median(cpu[name]) * 1000, 2),
                       "cpu_ratio": round(statistics.median(cpu[name]) / hand_cpu, 3)}
                for name in queries_of[m.kind] if name in wall}
            for name in others & verdicts.keys():
                report[m.kind].setdefault(name, {})["result"] = verdicts[name]
            cells = "  ".join(f"{name} {e['cpu_ms']:8.1f} ms CPU ({e['cpu_ratio']:.2f}x, "
                              f"wall {e['wall_ms']:.1f} ms {e['wall_ratio']:.2f}x)"
                              if "cpu_ms" in e else f"{name} {e['result']}"
                              for name, e in report[m.kind].items())
            print(f"{m.kind:>10}: {cells}", flush=True)
    return report, failed


def tool_sql(tool: str, chosen: list[Metric]) -> dict[Metric, str]:
    """The PostgreSQL SQL another tool (``metricflow``, ``sidemantic``) generates for each
    of ``chosen``, from its rendering of the same metric set (``run.py``'s side scripts)."""
    run.ensure_venv()
    metrics = metric_set(len(KINDS))
    {"metricflow": renderings.write_metricflow,
     "sidemantic": renderings.write_sidemantic}[tool](metrics, WORK / tool)
    side = run.run_side(tool, WORK, chosen, WORK / f"{tool}.json", 600, "postgres")
    if "failed" in side:
        raise SystemExit(f"{tool}: {side['failed']}")
    compiled = {str(r["metric"]): r for r in side["compile"]}  # type: ignore[union-attr]
    out: dict[Metric, str] = {}
    for m in chosen:
        row = compiled.get(m.name, {})
        if "sql" in row:
            out[m] = str(row["sql"])
        else:
            print(f"{tool} {m.kind}: {row.get('error', 'not compiled')}", file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--before", type=Path, help="another metriclang tree to compare")
    parser.add_argument("--tools", default="", help="other tools' SQL to time too: "
                        "metricflow,sidemantic")
    parser.add_argument("--timeout", type=float, default=120,
                        help="seconds an other tool's query may take")
    parser.add_argument("--explain", action="store_true", help="print the queries' plans")
    parser.add_argument("--dense", action="store_true",
                        help="also time hand-written SQL keeping the output contract")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    db = BENCH / "work" / f"warehouse_{args.rows}.duckdb"
    if not warehouse.is_current(db, args.rows):
        print(f"building {args.rows:,} rows per table in {db}", flush=True)
        warehouse.build(db, args.rows)
    metrics = representatives(metric_set(len(KINDS)))
    chosen = [metrics[k] for k in args.kinds.split(",")]
    renderings.write_osm(metric_set(len(KINDS)), WORK / "osm")
    osm = osm_sql(WORK / "osm", None, [m.name for m in chosen], "postgres")
    queries_of = {m.kind: {"hand": hand_sql_postgres(m), "osm": osm[m.name]} for m in chosen}
    if args.dense:
        for m in chosen:
            queries_of[m.kind]["dense"] = hand_dense_postgres(m)
    if args.before:
        before = osm_sql(WORK / "osm", args.before, [m.name for m in chosen], "postgres")
        for m in chosen:
            queries_of[m.kind]["before"] = before[m.name]
    tools = [t for t in args.tools.split(",") if t]
    for tool in tools:
        for m, sql in tool_sql(tool, chosen).items():
            queries_of[m.kind][tool] = sql
    for kind, queries in queries_of.items():
        for name, sql in queries.items():
            (WORK / f"{kind}.{name}.sql").write_text(sql + "\n", encoding="utf-8")

    # SIGTERM (a killed bench) stops the server too: the `finally` below runs
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scratch = Path(tempfile.mkdtemp(prefix="osm-kinds-pg-"))
    scratch.chmod(0o755)  # pgserver's own user must read its data folder
    server = pgserver.get_server(scratch / "pgdata", cleanup_mode="stop")
    try:
        url = str(server.get_uri())
        t = time.perf_counter()
        load(url, db, scratch)
        print(f"loaded {args.rows:,} rows per table in {time.perf_counter() - t:.0f} s",
              flush=True)
        with psycopg.connect(url) as con:
            version = str(con.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        postmaster = int((scratch / "pgdata" / "postmaster.pid").read_text().split()[0])
        kinds, failed = measure(url, postmaster, chosen, queries_of, args.runs, args.explain,
                                frozenset(tools), args.timeout)
    finally:
        server.cleanup()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"PostgreSQL {version}: medians of {args.runs} interleaved runs, {args.rows:,} rows; "
          "server CPU and wall-clock ratios to hand-written")
    if args.json:
        report = {"rows": args.rows, "runs": args.runs, "postgres": version, "kinds": kinds}
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
