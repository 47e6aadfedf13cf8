"""`osm compile --dialect all` of a generated project, timed per code tree (issue 21).

Writes ``bench/gen_project.py``'s project (``--measures``, 20 sources) under ``bench/work/``,
then runs ``python -m metriclang.cli compile
PROJECT --dialect all --out DIR`` for each code tree in turn (``--code LABEL=DIR``, repeatable,
e.g. the commit before a change exported with ``git archive``; the current tree is always
timed), ``--runs`` rounds, interleaved. Reports medians of the wall time and of the child's
CPU time (user + system, worker processes included) and checks that every code tree wrote
byte-identical files. Exits 1 when the current tree's median wall time exceeds ``--limit``
or the outputs differ. Each run's wall and CPU time and the load average after it go to stderr.
``--cold`` drops the page cache before each run (root only: ``/proc/sys/vm/drop_caches``), as
when the previous output was written hours before; each tree then first writes an output of
its own, not timed, so that every timed run replaces one.
A previous output is deleted by a detached process after the command exits (``atomic.
BACKGROUND_FILES``): its time is in neither figure, and each run starts once it is done, so
it does not slow the next run down.
Each tree first compiles once, not timed, so that every timed run replaces an output and, with
the code that keeps its results (``sqlgen.sqlcache``), finds those of the previous run: a
compile again of an unchanged project. ``--first-compile`` removes the kept results before
each run (``<cache>/sql``): every run renders every query, as a project's first compile
does, and pays for keeping its results at exit.

Usage: ``python3 bench/compile_bench.py [--measures 10000] [--runs 3] [--limit 30]
[--code before=/tmp/base] [--cold] [--first-compile] [--json FILE]``
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from gen_project import write_project  # noqa: E402

WORK = ROOT / "bench" / "work" / "compile"


def run_once(code: Path, project: Path, out: Path, cache: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``osm compile --dialect all`` run of ``code``."""
    env = dict(os.environ, PYTHONPATH=str(code), METRICLANG_CACHE_DIR=str(cache))
    args = [sys.executable, "-m", "metriclang.cli", "compile", str(project),
            "--dialect", "all", "--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False, cwd=code)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{code}: compile failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def settled(out: Path, timeout: float = 300.0) -> None:
    """Wait until the detached deletion of ``out``'s previous output (a ``.<name>.osm-*``
    sibling) is done; exit with a message when one is still there after ``timeout`` seconds
    (a deleter that died leaves its temporary to the next ``osm compile``'s sweep)."""
    deadline = time.monotonic() + timeout
    while out.parent.exists() and any(
            p.name.startswith(f".{out.name}.osm-") for p in out.parent.iterdir()):
        if time.monotonic() > deadline:
            raise SystemExit(f"a temporary next to {out} was not deleted in {timeout:.0f} s")
        time.sleep(0.2)


def drop_page_cache() -> None:
    """Write dirty pages back, then drop the clean ones (and dentries, inodes): cold reads."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def same_tree(a: Path, b: Path) -> bool:
    """True when the directories hold the same files with the same bytes."""
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(a / d, b / d) for d in cmp.common_dirs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=30.0, help="seconds, median wall")
    parser.add_argument("--code", action="append", default=[], help="LABEL=DIR, repeatable")
    parser.add_argument("--cold", action="store_true",
                        help="drop the page cache before each run (root only)")
    parser.add_argument("--first-compile", action="store_true",
                        help="remove the kept results of the previous compile before each run")
    parser.add_argument("--json")
    opts = parser.parse_args()
    codes = {label: Path(d) for label, d in (c.split("=", 1) for c in opts.code)}
    codes["current"] = ROOT
    project = WORK / f"p{opts.measures}"
    # A cache directory per tree: the kept results of one project path are one entry per
    # dialect, which two trees (two codes) would replace in turn.
    caches = {label: WORK / "cache" / label for label in codes}
    write_project(project, measures=opts.measures)
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in codes}
    for label, code in codes.items():
        run_once(code, project, WORK / f"out-{label}", caches[label])
    for _ in range(opts.runs):
        for label, code in codes.items():
            for other in codes:
                settled(WORK / f"out-{other}")
            if opts.first_compile:
                shutil.rmtree(caches[label] / "sql", ignore_errors=True)
            if opts.cold:
                drop_page_cache()
            samples[label].append(run_once(code, project, WORK / f"out-{label}", caches[label]))
            wall, cpu = samples[label][-1]
            print(f"{label}: wall {wall:.1f} s, CPU {cpu:.1f} s, load average "
                  f"{os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    identical = all(same_tree(WORK / "out-current", WORK / f"out-{label}") for label in codes)
    rows = [{"code": label, "measures": opts.measures, "runs": len(s),
             "wall_s": round(statistics.median(w for w, _ in s), 2),
             "cpu_s": round(statistics.median(c for _, c in s), 2)}
            for label, s in samples.items()]
    result = {"rows": rows, "identical_output": identical, "page_cache": "cold" if opts.cold
              else "warm", "kept_results": not opts.first_compile,
              "load_average": [round(x, 1) for x in os.getloadavg()]}
    text = json.dumps(result, indent=2)
    print(text)
    if opts.json:
        Path(opts.json).write_text(text + "\n")
    current = next(r for r in rows if r["code"] == "current")
    return 0 if identical and float(current["wall_s"]) <= opts.limit else 1


if __name__ == "__main__":
    sys.exit(main())
