"""Benchmark ``osm docs`` on a generated project (target: 10,000 measures in under 30 s).

Builds the project with ``bench/gen_project.py`` under ``bench/work/`` (deterministic), then
times the stages of the site build — check (load, resolve, rules), page views, writing the
pages, the atomic swap (``total_s``: the new site in place), then the deletion of the previous
site after it, as ``osm docs`` does after its report (``old_site_removal_s``; ``exit_s``
includes it) — and samples the resident memory while pages are written, to show
that it stays flat per page (pages are streamed, never held). Prints JSON; exits 1 when the
total wall time misses ``--limit``.

Usage: ``python3 bench/docs_bench.py [--measures 10000] [--dialect D ...] [--limit 30]``
(no ``--dialect``: measure pages without SQL; SQL compile time is sqlgen's, measured apart
with ``--sql-sample``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from gen_project import write_project  # noqa: E402

from metriclang.atomic import deferred_removals  # noqa: E402
from metriclang.dialects import OUTPUT_DIALECTS  # noqa: E402
from metriclang.docgen.site import Writer, atomic_dir  # noqa: E402
from metriclang.docgen.views import Views  # noqa: E402
from metriclang.load import check  # noqa: E402
from metriclang.sqlgen import compile_sql  # noqa: E402

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """Resident set size of this process now, in MB."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * PAGE_SIZE / 2**20


class Sampler(threading.Thread):
    """Samples (pages written, RSS) every ``interval`` seconds while a writer runs."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval, self.writer = interval, None
        self.samples: list[tuple[int, float]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            if self.writer is not None:
                self.samples.append((self.writer.pages, rss_mb()))


def sql_sample(project: object, names: list[str], dialects: tuple[str, ...]) -> dict[str, float]:
    """Milliseconds per measure to compile SQL, per dialect, over ``names``."""
    out = {}
    for dialect in dialects:
        start = time.perf_counter()
        for name in names:
            compile_sql(project, name, dialect)  # type: ignore[arg-type]
        out[dialect] = round((time.perf_counter() - start) * 1000 / len(names), 2)
    return out


def run(measures: int, sources: int, drives: int, dialects: tuple[str, ...] = (),
        fmt: str = "html", sample: int = 0, work: Path = HERE / "work") -> dict[str, object]:
    """Build the docs of a generated project once; the figures as a dict."""
    project_dir = work / f"docs-{measures}-{sources}-{drives}"
    if not (project_dir / "objectives.osm").is_file():
        write_project(project_dir, measures, sources, drives)
    out = work / f"docs-site-{measures}"
    rss_start = rss_mb()
    cpu0, t0 = time.process_time(), time.perf_counter()
    loaded = check(project_dir)
    t1, c1 = time.perf_counter(), time.process_time()
    views = Views(loaded.project, loaded.diagnostics)
    t2, c2 = time.perf_counter(), time.process_time()
    rss_before_pages = rss_mb()
    sampler = Sampler()
    sampler.start()
    with deferred_removals():
        with atomic_dir(out) as tmp:
            writer = Writer(views, fmt, tmp, dialects)
            sampler.writer = writer
            writer.write()
            t3, c3 = time.perf_counter(), time.process_time()
        t4 = time.perf_counter()
        cpu = time.process_time() - cpu0
    t5 = time.perf_counter()
    sampler.done.set()
    sampler.join()
    pages = writer.pages
    tenth = [r for p, r in sampler.samples if p >= pages // 10]
    result: dict[str, object] = {
        "measures": len(loaded.project.measures), "pages": pages, "format": fmt,
        "dialects": list(dialects), "diagnostics": len(loaded.diagnostics),
        "check_s": round(t1 - t0, 2), "views_s": round(t2 - t1, 2),
        "write_s": round(t3 - t2, 2), "swap_s": round(t4 - t3, 2),
        "total_s": round(t4 - t0, 2), "old_site_removal_s": round(t5 - t4, 2),
        "exit_s": round(t5 - t0, 2), "cpu_s": round(cpu, 2),
        "cpu_check_s": round(c1 - cpu0, 2), "cpu_views_s": round(c2 - c1, 2),
        "cpu_write_s": round(c3 - c2, 2),
        "ms_per_page": round((t3 - t2) * 1000 / pages, 2),
        "rss_start_mb": round(rss_start, 1), "rss_before_pages_mb": round(rss_before_pages, 1),
        "rss_at_10pct_pages_mb": round(tenth[0], 1) if tenth else None,
        "rss_at_end_mb": round(sampler.samples[-1][1], 1) if sampler.samples else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    if sample:
        names = sorted(loaded.project.measures)[:sample]
        result["sql_ms_per_measure"] = sql_sample(loaded.project, names, OUTPUT_DIALECTS)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--measures", type=int, default=10000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--drives", type=int, default=1)
    parser.add_argument("--dialect", action="append", default=[], choices=OUTPUT_DIALECTS)
    parser.add_argument("--format", default="html", choices=("html", "markdown"))
    parser.add_argument("--sql-sample", type=int, default=0,
                        help="also time compile_sql on this many measures per dialect")
    parser.add_argument("--limit", type=float, default=30.0, help="target wall time, seconds")
    args = parser.parse_args()
    result = run(args.measures, args.sources, args.drives, tuple(args.dialect), args.format,
                 args.sql_sample)
    result["limit_s"] = args.limit
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if float(result["total_s"]) <= args.limit else 1  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
