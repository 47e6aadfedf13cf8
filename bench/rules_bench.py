"""Benchmark of the rules on a generated project (default: 10,000 measures, >= 30,000 drives).

Measures CPU seconds, best of ``--repeat`` runs each:

* load: read, parse and resolve the project (what ``osm check`` does before the rules);
* C-rules: build the causal graph and run C201-C207 on a fresh context;
* all rules: every rule plus severities and allows (``run_rules``);
* the rules' share of ``osm check`` (all rules / load), and the same seen from outside: the
  whole ``check()`` (load + rules) over load alone.

Targets (issue 4): C-rules < 1 s; rules add at most 30% to ``osm check`` (judged on
``check_over_load``, which also counts what the rules cost the garbage collector). Prints the
figures as JSON and exits 1 when a target is missed. The project is written under
``bench/work/``.

Usage: ``python3 bench/rules_bench.py [--measures N] [--drives N] [--repeat N]``
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_project import write_project

from metriclang.diagnostics import DiagnosticSet
from metriclang.gcpause import collector_paused
from metriclang.load import check, load_project
from metriclang.rules import run_rules
from metriclang.rules.context import Context
from metriclang.rules.registry import RULES
from metriclang.semantic.model import Project

TODAY = date(2026, 1, 1)
WORK = Path(__file__).resolve().parent / "work"


def best(fn: Callable[[], object], repeat: int) -> float:
    """The smallest CPU time (``time.process_time``) of ``repeat`` runs: on a shared machine
    wall time mostly measures the neighbours."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def causal_rules(project: Project) -> int:
    """Graph and C201-C207 on a fresh context, as ``run_rules`` runs them (collector paused)."""
    with collector_paused():
        ctx = Context(project, TODAY)
        return sum(len(list(r().check(ctx))) for r in RULES if r.code.startswith("C"))


def measure(measures: int, drives: int, repeat: int) -> dict[str, Any]:
    root = write_project(WORK / f"rules_{measures}_{drives}", measures=measures,
                         drives_per_measure=drives)
    load = best(lambda: load_project(root), repeat)
    whole = best(lambda: check(root, TODAY), repeat)
    project = load_project(root).project
    gc.collect()  # drop the repeated loads' garbage: time the rules as one `osm check` runs them
    edges = sum(len(m.drives) for m in project.measures.values())
    found = causal_rules(project)
    c_rules = best(lambda: causal_rules(project), repeat)
    all_rules = best(lambda: run_rules(project, DiagnosticSet(), TODAY), repeat)
    return {"measures": len(project.measures), "drives": edges, "c_findings": found,
            "load_s": round(load, 3), "c_rules_s": round(c_rules, 3),
            "all_rules_s": round(all_rules, 3), "rules_share": round(all_rules / load, 3),
            "check_s": round(whole, 3), "check_over_load": round(whole / load - 1, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=10000)
    parser.add_argument("--drives", type=int, default=4, help="drives per leading measure")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = measure(args.measures, args.drives, args.repeat)
    print(json.dumps(result, indent=2))
    sys.exit(0 if result["c_rules_s"] < 1 and result["check_over_load"] <= 0.30 else 1)


if __name__ == "__main__":
    main()
