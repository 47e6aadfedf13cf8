"""Benchmark ``osm docs --db``: the example projects (target: under 15 s each) and a generated
1,000-measure project with data.

Times the stages of a site build with values — check (load, resolve, rules), values (every
measure's series: one query per measure and per declared dimension, on one connection, and
its status), page views, writing the pages (charts drawn), the atomic swap — and prints JSON.
The generated project is ``bench/gen_project.py``'s, with a DuckDB file of deterministic rows
for its sources under ``bench/work/``. Exits 1 when an example misses ``--limit``.

Usage: ``python3 bench/values_bench.py [--measures 1000] [--sources 20] [--rows 5000]
[--limit 15]`` (``--measures 0``: the examples only).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from gen_project import write_project  # noqa: E402

from metriclang.docgen.site import Writer, atomic_dir  # noqa: E402
from metriclang.docgen.values import ValuesOptions, gather  # noqa: E402
from metriclang.docgen.views import Views  # noqa: E402
from metriclang.load import check  # noqa: E402
from metriclang.warehouse.demo import write_duckdb  # noqa: E402

EXAMPLES = HERE.parent / "specs" / "examples"
START = datetime(2025, 1, 1)


def write_data(path: Path, sources: int, rows: int) -> None:
    """``rows`` events per source over 2025-2026 (a seeded generator: deterministic)."""
    rng = random.Random(f"{sources}/{rows}")
    columns = (("event_id", "INTEGER"), ("happened_at", "TIMESTAMP"), ("customer_id", "INTEGER"),
               ("channel", "VARCHAR"), ("country_code", "VARCHAR"), ("amount", "DECIMAL(12, 2)"),
               ("status", "VARCHAR"), ("step", "VARCHAR"))
    tables = []
    for i in range(sources):
        events = [(n, START + timedelta(seconds=rng.randrange(730 * 86400)),
                   rng.randrange(800), rng.choice(("web", "app", "store")),
                   rng.choice(("de", "fr", "cn", "us")), rng.randrange(50000) / 100,
                   "void" if rng.randrange(5) == 0 else "paid", rng.choice("ab"))
                  for n in range(rows)]
        tables.append((f"warehouse.events_{i}", columns, events))
    path.unlink(missing_ok=True)
    write_duckdb(path, tables)


def build(project_dir: Path, out: Path, db: str | None) -> dict[str, object]:
    """One ``osm docs --db`` build without SQL on the pages, timed by stage."""
    t0 = time.perf_counter()
    loaded = check(project_dir)
    t1 = time.perf_counter()
    values = gather(loaded.project, ValuesOptions(db))
    t2 = time.perf_counter()
    views = Views(loaded.project, loaded.diagnostics, None, None, values)
    t3 = time.perf_counter()
    with atomic_dir(out) as tmp:
        writer = Writer(views, "html", tmp, ())
        writer.write()
        t4 = time.perf_counter()
    t5 = time.perf_counter()
    queries = len(values.series) + sum(len(b) for b in values.breakdowns.values())
    return {"measures": len(loaded.project.measures), "pages": writer.pages,
            "queries": queries, "failed": len(values.notes),
            "check_s": round(t1 - t0, 2), "values_s": round(t2 - t1, 2),
            "ms_per_query": round((t2 - t1) * 1000 / max(queries, 1), 1),
            "views_s": round(t3 - t2, 2), "write_s": round(t4 - t3, 2),
            "swap_s": round(t5 - t4, 2), "total_s": round(t5 - t0, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--rows", type=int, default=5000, help="events per source")
    parser.add_argument("--limit", type=float, default=15.0, help="target per example, s")
    args = parser.parse_args()
    work = HERE / "work"
    result: dict[str, object] = {}
    late = False
    for name in ("shop", "manufacturer"):
        got = build(EXAMPLES / name, work / f"values-site-{name}", None)
        late |= float(got["total_s"]) > args.limit  # type: ignore[arg-type]
        result[name] = got
    if args.measures:
        project = work / f"values-{args.measures}-{args.sources}"
        if not (project / "objectives.osm").is_file():
            write_project(project, args.measures, args.sources, 1)
        data = project / "data.duckdb"
        if not data.is_file():
            write_data(data, args.sources, args.rows)
        result[f"generated_{args.measures}"] = {
            **build(project, work / f"values-site-{args.measures}", f"duckdb:///{data}"),
            "rows_per_source": args.rows}
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]
    result["limit_s"] = args.limit
    print(json.dumps(result, indent=2))
    return 1 if late else 0


if __name__ == "__main__":
    sys.exit(main())
