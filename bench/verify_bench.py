"""Benchmark ``osm verify``: 500 declared links over two years of daily data (target < 60 s).

Builds, deterministically (seeded), a project of ``--measures`` daily measures
(``sum(daily.vN)``) with ``--links`` ``drives`` links between them (always from a lower to a
higher number, so the graph never cycles; lags 1..28 days), and a DuckDB warehouse of
``--days`` days in which every fifth link is planted (the target follows the driver after the
declared lag). Series get trends, weekly seasonality and autocorrelated noise.

Then times the three stages of ``osm verify``: load the project, fetch every series with the
generated SQL on DuckDB, and test + correct + judge every link; and prints how many planted
links came out ``supported`` and how many unplanted ones did (those include indirect paths
through planted links, which are real lagged relationships in the data).

Usage: ``python3 bench/verify_bench.py [--links 500] [--measures 60] [--days 730]
[--out bench/work/verify] [--limit 60]`` (exit 1 when the total exceeds ``--limit`` seconds).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metriclang.load import load_project
from metriclang.verify import VERDICTS, verify
from metriclang.verify.warehouse import fetch_series
from metriclang.warehouse import connect
from metriclang.warehouse.demo import write_duckdb

START = date(2025, 1, 1)
SEED = 8


def links_for(measures: int, count: int, rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """``count`` distinct ``(driver, target, lag_days)`` with driver < target."""
    pairs = [(i, j) for i in range(measures) for j in range(i + 1, measures)]
    if count > len(pairs):
        raise SystemExit(f"{measures} measures allow at most {len(pairs)} links")
    chosen = sorted(rng.choice(len(pairs), size=count, replace=False).tolist())
    return [(*pairs[k], int(rng.integers(1, 29))) for k in chosen]


def write_project(root: Path, measures: int, links: list[tuple[int, int, int]]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "metriclang.toml").write_text('[project]\nwarehouse = "duckdb:///warehouse.duckdb"\n',
                                          encoding="utf-8")
    parts = ["source daily {\n  table wh.daily\n  time day\n}\n"]
    for i in range(measures):
        drives = "".join(f"  drives m{j} lag {lag} days effect positive\n"
                         for a, j, lag in links if a == i)
        parts.append(f"measure m{i} {{\n  formula sum(daily.v{i})\n  grain day\n"
                     f'  owner "bench@example.com"\n{drives}}}\n')
    (root / "measures.osm").write_text("\n".join(parts), encoding="utf-8")


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    e = rng.normal(size=n)
    out = np.empty(n)
    out[0] = e[0]
    for t in range(1, n):
        out[t] = phi * out[t - 1] + e[t]
    return out


def write_data(path: Path, measures: int, days: int, planted: list[tuple[int, int, int]],
               rng: np.random.Generator) -> None:
    """Columns in topological order: a planted target adds its drivers' lagged values."""
    t = np.arange(days)
    weekly = np.sin(2 * np.pi * t / 7)
    cols: list[np.ndarray] = []
    for j in range(measures):
        base = 100 + (0.02 * t if j % 3 == 0 else 0) + 2 * weekly + 3 * ar1(rng, days, 0.6)
        if j % 4 == 0:
            base = base + np.cumsum(rng.normal(size=days))  # a random-walk component
        for i, target, lag in planted:
            if target == j:
                shifted = np.concatenate([np.full(lag, cols[i][0]), cols[i][:-lag]])
                base = base + 0.8 * (shifted - cols[i].mean())
        cols.append(base)
    rows = [(START + timedelta(days=d), *(round(float(c[d]), 4) for c in cols))
            for d in range(days)]
    columns = (("day", "DATE"), *((f"v{i}", "DOUBLE") for i in range(measures)))
    if path.exists():
        path.unlink()
    write_duckdb(path, [("wh.daily", columns, rows)])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--links", type=int, default=500)
    ap.add_argument("--measures", type=int, default=60)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--out", type=Path, default=Path("bench/work/verify"))
    ap.add_argument("--limit", type=float, default=60.0)
    args = ap.parse_args()

    rng = np.random.default_rng(SEED)
    links = links_for(args.measures, args.links, rng)
    planted = links[::5]
    write_project(args.out, args.measures, links)
    write_data(args.out / "warehouse.duckdb", args.measures, args.days, planted, rng)

    start, cpu = time.perf_counter(), time.process_time()
    loaded = load_project(args.out)
    assert not loaded.diagnostics.has_errors, [d.message for d in loaded.diagnostics][:3]
    loaded_at = time.perf_counter()
    engine = connect("duckdb:///warehouse.duckdb", args.out)
    fetched = fetch_series(loaded.project, engine, sorted(loaded.project.measures))
    engine.close()
    fetched_at = time.perf_counter()
    report = verify(loaded.project, fetched.series)
    done = time.perf_counter()

    plant = {(f"m{i}", f"m{j}") for i, j, _ in planted}
    found = sum(1 for k in report.links
                if (k.source, k.target) in plant and k.verdict == "supported")
    others = sum(1 for k in report.links
                 if (k.source, k.target) not in plant and k.verdict == "supported")
    lag_ok = sum(1 for k in report.links if (k.source, k.target) in plant
                 and k.best_lag is not None and abs(k.best_lag - k.declared_lag) <= 1)
    result = {
        "links": len(report.links), "measures": args.measures, "days": args.days,
        "load_s": round(loaded_at - start, 2), "fetch_s": round(fetched_at - loaded_at, 2),
        "stats_s": round(done - fetched_at, 2), "total_s": round(done - start, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "planted": len(plant), "planted_supported": found, "planted_lag_within_1": lag_ok,
        "unplanted_supported": others,
        "verdicts": {v: sum(1 for k in report.links if k.verdict == v) for v in VERDICTS},
    }
    print(json.dumps(result, indent=2))
    return 0 if result["total_s"] < args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
