"""Cold and warm ``osm check`` of a generated project, code trees side by side (issue 21).

Every run is a fresh ``python -m metriclang.cli check PATH --format json`` process; its CPU
time (user + system) and peak resident memory come from ``wait4`` on that one child. **cold**
= a fresh ``TMPDIR`` (Lark's grammar cache) and a fresh ``METRICLANG_CACHE_DIR`` (the parse
cache and ``osm check``'s result cache); **warm** = the same directories right after the cold
run (a tree with the result cache serves it); **edited** = then one measure file edited (a
comment appended, removed afterwards): the result cache misses. The runs of every (code
tree, project) are interleaved (A B A B ...) and medians reported; the reports of every code
tree must be byte-identical (exit 1 otherwise). ``--broken`` also checks a copy of the project
with a syntax error in every measure file (those files go to the Lark parser and the cache).
``--parse`` times parsing alone in this process: the Lark parser against the hand-written one.

Usage: ``python3 bench/parse_bench.py [--measures 10000] [--runs 3] [--broken] [--parse]
[--code before=/tmp/base] [--json FILE]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from gen_project import write_project  # noqa: E402

WORK = HERE / "work" / "parse"
BROKEN = "measure broken_tail {\n  grain: week\n}\n"


def project(measures: int, broken: bool) -> Path:
    """The generated project (written once); ``broken`` adds a syntax error to every
    measure file."""
    path = WORK / f"m{measures}{'-broken' if broken else ''}"
    if not (path / ".complete").exists():
        shutil.rmtree(path, ignore_errors=True)
        write_project(path, measures=measures)
        if broken:
            for file in sorted(path.glob("measures_*.osm")):
                file.write_text(file.read_text("utf-8") + BROKEN, "utf-8")
        (path / ".complete").write_text("ok\n")
    return path


def run(code: Path, path: Path, env: dict[str, str]) -> dict[str, float | str]:
    """One ``osm check`` process: wall, CPU seconds, peak RSS (MiB), digest of its report."""
    command = [sys.executable, "-m", "metriclang.cli", "check", str(path), "--format", "json"]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, env={**env, "PYTHONPATH": str(code)}, cwd=code,
                                 stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in (0, 1):
            raise SystemExit(f"{command} failed in {code} ({child.returncode})")
        out.seek(0)
        digest = hashlib.sha256(out.read()).hexdigest()[:16]
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mib": usage.ru_maxrss / 1024, "report": digest}


def cold_and_warm(code: Path, path: Path) -> dict[str, dict[str, float | str]]:
    """Cold, warm, then warm with one file edited (a comment: the same report)."""
    edited = path / "measures_000.osm"
    text = edited.read_text("utf-8")
    with tempfile.TemporaryDirectory(prefix="osm-parse-bench-") as scratch:
        env = {**os.environ, "TMPDIR": scratch, "METRICLANG_CACHE_DIR": f"{scratch}/cache"}
        env.pop("METRICLANG_NO_CACHE", None)
        out = {"cold": run(code, path, env), "warm": run(code, path, env)}
        try:
            edited.write_text(text + "# edited\n", "utf-8")
            out["edited"] = run(code, path, env)
        finally:
            edited.write_text(text, "utf-8")
        return out


def parse_only(path: Path) -> dict[str, float]:
    """CPU seconds to parse every file: Lark, then the hand-written parser (this tree)."""
    sys.path.insert(0, str(ROOT))
    from metriclang.syntax.parser import lark_parser, parse_file

    texts = [(p.name, p.read_text("utf-8")) for p in sorted(path.glob("*.osm"))]
    lark_parser()
    out: dict[str, list[float]] = {"lark": [], "hand-written": []}
    for _ in range(3):
        for label, fast in (("lark", False), ("hand-written", True)):
            start = time.process_time()
            for name, text in texts:
                parse_file(name, text, fast=fast)
            out[label].append(time.process_time() - start)
    return {k: round(statistics.median(v), 3) for k, v in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--broken", action="store_true")
    parser.add_argument("--parse", action="store_true")
    parser.add_argument("--code", action="append", default=[],
                        help="LABEL=DIR of another source tree (repeatable)")
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    codes = {**dict(c.split("=", 1) for c in opts.code), "current": str(ROOT)}
    paths = {"clean": project(opts.measures, False)}
    if opts.broken:
        paths["broken"] = project(opts.measures, True)
    samples: dict[tuple[str, str, str], list[dict[str, float | str]]] = {}
    for _ in range(opts.runs):
        for kind, path in paths.items():
            for label, code in codes.items():
                for state, sample in cold_and_warm(Path(code), path).items():
                    samples.setdefault((kind, label, state), []).append(sample)
    rows = []
    for (kind, label, state), runs in samples.items():
        rows.append({"project": kind, "code": label, "run": state, "runs": len(runs),
                     **{k: round(statistics.median(float(r[k]) for r in runs), 2)
                        for k in ("wall", "cpu", "rss_mib")},
                     "reports": sorted({str(r["report"]) for r in runs})})
    for row in rows:
        base = next((r for r in rows if r["project"] == row["project"]
                     and r["run"] == row["run"] and r["code"] == next(iter(codes))), None)
        if base and base is not row:
            row["cpu_ratio_vs_" + str(base["code"])] = round(
                float(base["cpu"]) / float(row["cpu"]), 2)  # type: ignore[arg-type]
    report: dict[str, object] = {
        "command": " ".join(["python3", "bench/parse_bench.py", *sys.argv[1:]]),
        "load_average": round(os.getloadavg()[0], 1), "rows": rows}
    if opts.parse:
        report["parse_only_cpu_s"] = parse_only(paths["clean"])
    text = json.dumps(report, indent=2)
    print(text)
    if opts.json:
        opts.json.write_text(text + "\n", encoding="utf-8")
    digests = {kind: {d for r in rows if r["project"] == kind for d in r["reports"]}
               for kind in paths}
    return 0 if all(len(d) == 1 for d in digests.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
