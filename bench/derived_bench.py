"""Derived-measure chains: SQL size and CLI time of a measure used twice at every level.

The project: ``m0 = count(orders)``, then ``mI = m{I-1} + m{I-1} * 2`` up to ``--depths``
(issue 13: depth 16 gave 13 MB of SQL in 21 s, depth 20-30 hung ``sql``, ``compile`` and
``docs``). Each run is a fresh ``python -m metriclang.cli`` process; the runs of every
(code tree, depth, command) are interleaved and the median is reported with the child's CPU
time. ``--code LABEL=DIR`` (repeatable) times other source trees side by side, e.g. the
commit before a change exported with ``git archive``. A run over ``--timeout`` counts as
the timeout. Exits 1 when the last code tree misses the target at the deepest depth:
``osm sql`` under 1 s, ``compile --dialect all --fused`` and ``docs`` under 1 s per measure.

Usage: ``python3 bench/derived_bench.py [--depths 16,30] [--runs 3] [--timeout 60]
[--code before=/tmp/base] [--json FILE]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work" / "derived"
SOURCE = "source orders {\n  table shop.orders\n  time ordered_at\n}\n"


def write_chain(directory: Path, depth: int) -> None:
    """The doubling chain of ``depth`` levels above ``m0`` (one file)."""
    directory.mkdir(parents=True, exist_ok=True)
    measures = ["measure m0 {\n  formula count(orders)\n  grain month\n}\n"]
    measures += [
        f"measure m{i} {{\n  formula m{i - 1} + m{i - 1} * 2\n  grain month\n}}\n"
        for i in range(1, depth + 1)
    ]
    (directory / "chain.osm").write_text(SOURCE + "".join(measures), encoding="utf-8")


def commands(project: Path, depth: int, out: Path) -> dict[str, list[str]]:
    return {
        "sql": ["sql", str(project), f"m{depth}", "--dialect", "postgres"],
        "compile": ["compile", str(project), "--dialect", "all", "--fused", "--out",
                    str(out / "sql")],
        "docs": ["docs", str(project), "--out", str(out / "site")],
    }


def run_once(code: Path, args: list[str], timeout: float) -> dict[str, float | int | None]:
    """One fresh CLI process: wall and CPU seconds, stdout bytes (None on timeout)."""
    # cwd too: `python -m` puts the working directory first on sys.path
    env = dict(os.environ, PYTHONPATH=str(code), METRICLANG_NO_CACHE="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "metriclang.cli", *args], env=env,
                              capture_output=True, timeout=timeout, check=False, cwd=code)
    except subprocess.TimeoutExpired:
        return {"wall": None, "cpu": None, "bytes": None}
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]!r}")
    return {"wall": wall, "cpu": cpu, "bytes": len(done.stdout)}


def median(values: list[float | int | None]) -> float | None:
    return None if any(v is None for v in values) else round(
        statistics.median(v for v in values if v is not None), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--depths", default="16,30")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--code", action="append", default=[],
                        help="LABEL=DIR of another source tree (repeatable)")
    parser.add_argument("--only", default="sql,compile,docs")
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    codes = dict(c.split("=", 1) for c in opts.code)
    codes["current"] = str(ROOT)
    depths = [int(d) for d in opts.depths.split(",")]
    only = opts.only.split(",")
    shutil.rmtree(WORK, ignore_errors=True)
    samples: dict[tuple[str, int, str], list[dict[str, float | int | None]]] = {}
    timed_out: set[tuple[str, int, str]] = set()
    for _ in range(opts.runs):
        for depth in depths:
            project = WORK / f"chain{depth}"
            write_chain(project, depth)
            for label, code in codes.items():
                for name, args in commands(project, depth, WORK / label).items():
                    key = (label, depth, name)
                    if name not in only or key in timed_out:
                        continue
                    sample = run_once(Path(code), args, opts.timeout)
                    samples.setdefault(key, []).append(sample)
                    if sample["wall"] is None:
                        timed_out.add(key)  # one timeout is enough: don't wait again
    rows: list[dict[str, object]] = []
    for (label, depth, name), runs in sorted(samples.items()):
        rows.append({
            "code": label, "depth": depth, "command": name, "runs": len(runs),
            "wall_s": median([r["wall"] for r in runs]),
            "cpu_s": median([r["cpu"] for r in runs]),
            "stdout_bytes": median([r["bytes"] for r in runs]) if name == "sql" else None,
            "timeout_s": opts.timeout if (label, depth, name) in timed_out else None,
        })
    report = {"command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]), "rows": rows}
    text = json.dumps(report, indent=2)
    print(text)
    if opts.json:
        opts.json.write_text(text + "\n", encoding="utf-8")
    deepest, measures = max(depths), max(depths) + 1
    limits = {"sql": 1.0, "compile": float(measures), "docs": float(measures)}
    missed = [r for r in rows if r["code"] == "current" and r["depth"] == deepest and (
        not isinstance(r["cpu_s"], float) or r["cpu_s"] > limits[str(r["command"])])]
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
