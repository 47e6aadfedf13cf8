"""Benchmark metriclang side by side with MetricFlow and Sidemantic: the single entry point.

    python3 bench/compare/run.py            # full: 10..10,000 metrics, 1,000,000 rows
    python3 bench/compare/run.py --quick    # 10 and 100 metrics, 20,000 rows (the test runs it)

MetricFlow and Sidemantic live only in ``bench/.env/venv`` (created here on first use). Results
go to ``bench/results/compare.json`` and ``compare.md`` (``--quick``: ``bench/work/quick/``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(HERE))

import querying  # noqa: E402
import renderings  # noqa: E402
import reporting  # noqa: E402
import warehouse  # noqa: E402
from metricset import KINDS, Metric, hand_sql, metric_set, representatives  # noqa: E402

VENV = BENCH / ".env" / "venv"
VENV_PYTHON = VENV / "bin" / "python"
#: The external tools, pinned: the versions the recorded results were measured with.
PINS = ("metricflow==0.213.0", "sidemantic==0.13.0")
TOOLS = ("metriclang", "metricflow", "sidemantic")


def ensure_venv() -> None:
    """Create ``bench/.env/venv`` with MetricFlow and Sidemantic unless it already has them."""
    probe = [str(VENV_PYTHON), "-c", "import metricflow, sidemantic"]
    if VENV_PYTHON.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return
    print(f"setting up {VENV} ({', '.join(PINS)})", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV_PYTHON), "-m", "pip", "install", "-q", *PINS], check=True)


def venv_ready() -> bool:
    """True when the external tools' venv exists (quick mode never creates it)."""
    return VENV_PYTHON.exists()


def sample(metrics: tuple[Metric, ...], count: int) -> list[Metric]:
    """The metrics whose compile time is measured: one of each kind, then evenly spaced ones."""
    chosen = list(representatives(metrics).values())
    step = max(1, len(metrics) // max(1, count - len(chosen)))
    for m in metrics[::step]:
        if len(chosen) >= count:
            break
        if m not in chosen:
            chosen.append(m)
    return chosen


def run_side(tool: str, root: Path, chosen: list[Metric], out: Path,
             timeout_s: float, dialect: str = "duckdb") -> dict[str, object]:
    """Run one tool's side script in its own fresh process; its JSON, or an error record.
    ``dialect``: the SQL an external tool renders (``duckdb`` or ``postgres``)."""
    if tool == "metriclang":
        python, args = sys.executable, [m.name for m in chosen]
    elif tool == "sidemantic":
        python, args = str(VENV_PYTHON), [f"{renderings.sm_model_of(m)}.{m.name}" for m in chosen]
    else:
        python, args = str(VENV_PYTHON), [m.name for m in chosen]
    flags = ["--dialect", dialect] if tool != "metriclang" and dialect != "duckdb" else []
    folder = {"metriclang": "osm"}.get(tool, tool)
    cmd = [python, str(HERE / f"side_{tool}.py"), *flags, str(root / folder), str(out), *args]
    env = None
    if tool == "metriclang":  # empty parse and grammar caches: the measured check is cold
        cache = out.parent / f"{out.stem}.cache"
        shutil.rmtree(cache, ignore_errors=True)
        (cache / "tmp").mkdir(parents=True)
        env = {**os.environ, "PYTHONPATH": str(BENCH.parent), "METRICLANG_CACHE_DIR": str(cache),
               "TMPDIR": str(cache / "tmp")}
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "failed": f"timeout after {timeout_s:.0f} s"}
    wall = time.perf_counter() - t
    if proc.returncode != 0 or not out.exists():
        return {"tool": tool, "failed": proc.stderr.strip()[-2000:] or "no output"}
    result: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    result["process_wall_s"] = wall
    return result


def summarize_compile(side: dict[str, object], kinds: dict[str, str]) -> dict[str, object]:
    """Median and 90th percentile of first and warm compile times, per kind, and failures.

    The very first compile of the process (lazy set-up of the tool) is kept apart.
    """
    rows = side.get("compile", [])
    assert isinstance(rows, list)
    ok = [r for r in rows if "first_s" in r]
    out0 = ({"process_first_s": ok[0]["first_s"], "process_first_cpu_s": ok[0]["first_cpu_s"]}
            if ok else {})
    ok = ok[1:]  # the process's first compile pays one-off set-up: reported on its own
    by_kind: dict[str, list[float]] = {}
    for r in ok:
        by_kind.setdefault(kinds[r["metric"]], []).append(float(r["first_cpu_s"]))
    out: dict[str, object] = {**out0, "compiled": len(ok) + len(out0),
                              "compile_failures": len(rows) - len(ok) - len(out0),
                              "errors": sorted({str(r["error"])[:300] for r in rows
                                                if "error" in r})[:3]}
    for key in ("first_s", "warm_s", "first_cpu_s", "warm_cpu_s"):
        values = sorted(float(r[key]) for r in ok)
        if values:
            out[f"{key}_median"] = statistics.median(values)
            out[f"{key}_p90"] = values[min(len(values) - 1, int(0.9 * len(values)))]
    out["first_cpu_s_median_by_kind"] = {k: statistics.median(v)
                                         for k, v in sorted(by_kind.items())}
    return out


def measure_size(size: int, tools: list[str], work: Path, count: int, timeout_s: float,
                 validate_runs: int) -> tuple[dict[str, object], dict[str, dict[str, str]]]:
    """Generate one size, run every tool's side on it; (summary, SQL by tool and metric).

    Validation is timed in ``validate_runs`` fresh processes and the best run is kept.
    """
    root = work / f"s{size}"
    metrics = renderings.write_all(size, root)
    chosen = sample(metrics, count)
    summary: dict[str, object] = {"size": size, "sampled": len(chosen)}
    sql: dict[str, dict[str, str]] = {}
    for tool in tools:
        print(f"  {size:>6} metrics: {tool}", flush=True)
        side = run_side(tool, root, chosen, work / f"s{size}_{tool}.json", timeout_s)
        for _ in range(validate_runs - 1):  # more fresh processes, validation only: best of N
            again = run_side(tool, root, [], work / f"s{size}_{tool}_v.json", timeout_s)
            for key in ("validate_s", "validate_cpu_s"):
                if key in side and key in again:
                    side.setdefault(f"{key}_runs", [side[key]]).append(again[key])
                    side[key] = min(side[key], again[key])
        entry = {k: v for k, v in side.items() if k != "compile"}
        if "compile" in side:
            entry |= summarize_compile(side, {m.name: m.kind for m in chosen})
            sql[tool] = {r["metric"]: r["sql"] for r in side["compile"] if "sql" in r}
        summary[tool] = entry
    return summary, sql


def measure_queries(db: Path, sql: dict[str, dict[str, str]], metrics: tuple[Metric, ...],
                    repeat: int, timeout_s: float, dump: Path) -> dict[str, object]:
    """Run each kind's representative through every tool and by hand; time and compare."""
    con = querying.connect(db)
    out: dict[str, object] = {}
    dump.mkdir(parents=True, exist_ok=True)
    for kind, m in representatives(metrics).items():
        print(f"  queries: {kind}", flush=True)
        hand = querying.run(con, hand_sql(m), "value", repeat, timeout_s)
        (dump / f"{m.name}.hand.sql").write_text(hand_sql(m) + "\n", encoding="utf-8")
        entry: dict[str, object] = {"metric": m.name, "hand": _timing(hand)}
        for tool, texts in sql.items():
            if m.name not in texts:
                entry[tool] = {"error": "not compiled"}
                continue
            (dump / f"{m.name}.{tool}.sql").write_text(texts[m.name] + "\n", encoding="utf-8")
            got = querying.run(con, texts[m.name], m.name.lower(), repeat, timeout_s)
            result = _timing(got)
            if got.error is None and hand.error is None:
                result["vs_hand"] = (got.best_cpu_s or 0) / max(hand.best_cpu_s or 0, 1e-9)
                result["vs_hand_wall"] = (got.best_s or 0) / max(hand.best_s or 0, 1e-9)
                result["result"] = querying.compare(got.rows, hand.rows)
            entry[tool] = result
        out[kind] = entry
    con.close()
    return out


def _timing(r: querying.Run) -> dict[str, object]:
    if r.error:
        return {"error": r.error}
    return {"best_s": r.best_s, "median_s": r.median_s, "best_cpu_s": r.best_cpu_s,
            "runs": len(r.seconds), "rows": len(r.rows)}


def main(argv: list[str] | None = None) -> int:
    """Parse options, prepare the environment and data, measure, write the results."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes and data (for tests)")
    p.add_argument("--tools", default=None,
                   help="comma list from metriclang,metricflow,sidemantic (default: all; "
                        "--quick: metriclang plus the external tools if their venv exists)")
    p.add_argument("--sizes", default=None, help="comma list of metric counts")
    p.add_argument("--rows", type=int, default=None, help="rows per table")
    p.add_argument("--sample", type=int, default=None, help="metrics compiled per size")
    p.add_argument("--repeat", type=int, default=None, help="timed runs per query")
    p.add_argument("--out", type=Path, default=None, help="results directory")
    args = p.parse_args(argv)

    quick = args.quick
    sizes = [int(s) for s in (args.sizes or ("10,100" if quick else "10,100,1000,10000"))
             .split(",")]
    rows = args.rows or (20_000 if quick else 1_000_000)
    count = args.sample or (7 if quick else 50)
    repeat = args.repeat or (1 if quick else 7)
    timeout_s = 300.0 if quick else 3600.0
    if args.tools:
        tools = [t for t in args.tools.split(",") if t]
    else:
        tools = list(TOOLS) if (not quick or venv_ready()) else ["metriclang"]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown:
        p.error(f"unknown tools: {', '.join(unknown)}")
    if set(tools) - {"metriclang"}:
        ensure_venv()
    out = args.out or (BENCH / "work" / "quick" if quick else BENCH / "results")
    work = BENCH / "work" / ("quick" if quick else "full")
    work.mkdir(parents=True, exist_ok=True)

    db = BENCH / "work" / f"warehouse_{rows}.duckdb"
    t = time.perf_counter()
    if not warehouse.is_current(db, rows):
        print(f"building {rows:,} rows per table in {db}", flush=True)
        warehouse.build(db, rows)
    data_s = time.perf_counter() - t

    results: dict[str, object] = {
        "mode": "quick" if quick else "full", "rows_per_table": rows, "tools": tools,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "data_build_s": data_s, "sizes": [], "kinds": list(KINDS),
    }
    query_sql: dict[str, dict[str, str]] = {}
    for size in sizes:
        runs = 1 if quick or size > 1000 else 3
        summary, sql = measure_size(size, tools, work, count, timeout_s, runs)
        results["sizes"].append(summary)  # type: ignore[union-attr]
        if not query_sql or size == 100:
            query_sql = sql
    metrics = metric_set(max(sizes))
    results["queries"] = measure_queries(db, query_sql, metrics, repeat, timeout_s,
                                         out / "sql")
    results["targets"] = reporting.targets(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n",
                                      encoding="utf-8")
    (out / "compare.md").write_text(reporting.markdown(results), encoding="utf-8")
    print(reporting.markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
