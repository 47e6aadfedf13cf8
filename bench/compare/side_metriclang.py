"""metriclang side of the benchmark; runs in the Python that has metriclang installed.

Usage: ``python side_metriclang.py PROJECT_DIR OUT.json METRIC [METRIC ...]``.
Writes timings (seconds) and the generated SQL of each named metric to OUT.json.
Parse + validate is ``metriclang.load.check`` (load, resolve and every rule), as ``osm check``;
the harness sets ``METRICLANG_CACHE_DIR`` to an empty directory so the first check is cold.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

_t0 = time.perf_counter()
import metriclang  # noqa: E402
from metriclang.diagnostics import Severity  # noqa: E402
from metriclang.load import check  # noqa: E402
from metriclang.sqlgen import compile_sql  # noqa: E402

IMPORT_S = time.perf_counter() - _t0


def main(project: str, out: str, metrics: list[str]) -> None:
    """Check the project, then compile each metric twice (first, warm)."""
    result: dict[str, object] = {"tool": "metriclang", "version": metriclang.__version__,
                                 "import_s": IMPORT_S}
    t, c = time.perf_counter(), time.process_time()
    loaded = check(project)
    result["validate_s"] = time.perf_counter() - t
    result["validate_cpu_s"] = time.process_time() - c
    # Again, as a later ``osm check`` of an unchanged project: parsed files come from the
    # parse cache the first check filled (the harness gives each run an empty one).
    t, c = time.perf_counter(), time.process_time()
    check(project)
    result["validate_warm_s"] = time.perf_counter() - t
    result["validate_warm_cpu_s"] = time.process_time() - c
    result["setup_s"] = 0.0
    result["errors"] = [f"{d.code} {d.message}" for d in loaded.diagnostics
                        if d.severity is Severity.ERROR and not d.suppressed][:5]
    compiled = []
    for name in metrics:
        row: dict[str, object] = {"metric": name}
        t, c = time.perf_counter(), time.process_time()
        sql, diagnostics = compile_sql(loaded.project, name, "duckdb")
        first, first_cpu = time.perf_counter() - t, time.process_time() - c
        if sql is None:
            row["error"] = "; ".join(f"{d.code} {d.message}" for d in diagnostics)
        else:
            t, c = time.perf_counter(), time.process_time()
            compile_sql(loaded.project, name, "duckdb")
            row.update(sql=sql, first_s=first, first_cpu_s=first_cpu,
                       warm_s=time.perf_counter() - t, warm_cpu_s=time.process_time() - c)
        compiled.append(row)
    result["compile"] = compiled
    Path(out).write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
