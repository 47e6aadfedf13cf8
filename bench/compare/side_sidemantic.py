"""Sidemantic side of the benchmark; runs inside ``bench/.env/venv`` (never imports metriclang).

Usage: ``python side_sidemantic.py [--dialect postgres] PROJECT_DIR OUT.json MODEL.METRIC
[MODEL.METRIC ...]``. Writes timings (seconds) and the generated SQL (DuckDB's unless
``--dialect``) of each named metric to OUT.json.
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

_t0 = time.perf_counter()
from sidemantic import SemanticLayer  # noqa: E402

IMPORT_S = time.perf_counter() - _t0
_TIME = {"orders": "orders.ordered_at__day", "events": "events.event_time__day"}


def _compile(layer: SemanticLayer, ref: str, dialect: str) -> str:
    model = ref.split(".", 1)[0]
    return layer.compile(metrics=[ref], dimensions=[_TIME[model]], order_by=[_TIME[model]],
                         dialect=dialect)


def main(project: str, out: str, refs: list[str], dialect: str = "duckdb") -> None:
    """Load (parse + validate) the model, then compile each metric twice (first, warm)."""
    result: dict[str, object] = {"tool": "sidemantic", "version": version("sidemantic"),
                                 "import_s": IMPORT_S}
    t, c = time.perf_counter(), time.process_time()
    layer = SemanticLayer.from_yaml(Path(project) / "model.yml")
    result["validate_s"] = time.perf_counter() - t
    result["validate_cpu_s"] = time.process_time() - c
    result["setup_s"] = 0.0
    result["errors"] = []
    compiled = []
    for ref in refs:
        row: dict[str, object] = {"metric": ref.split(".", 1)[1]}
        try:
            t, c = time.perf_counter(), time.process_time()
            row["sql"] = _compile(layer, ref, dialect)
            row["first_s"], row["first_cpu_s"] = time.perf_counter() - t, time.process_time() - c
            t, c = time.perf_counter(), time.process_time()
            _compile(layer, ref, dialect)
            row["warm_s"], row["warm_cpu_s"] = time.perf_counter() - t, time.process_time() - c
        except Exception as exc:  # report, never hide: the harness prints it
            row["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        compiled.append(row)
    result["compile"] = compiled
    Path(out).write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    args = sys.argv[1:]
    chosen = "duckdb"
    if args[:1] == ["--dialect"]:
        chosen, args = args[1], args[2:]
    main(args[0], args[1], args[2:], chosen)
