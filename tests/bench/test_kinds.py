"""``bench/compare/kinds.py`` and ``kinds_pg.py`` on a small warehouse (20,000 rows: orders
every day): every query kind's generated SQL gives the hand-written query's rows on DuckDB
and on PostgreSQL (the scripts exit 1 otherwise), and so does the hand-written query keeping
the output contract (``--dense``); their reports hold a timing for each query of the rotation.

With ``METRICLANG_BENCH_EXTERNAL=1`` MetricFlow's and Sidemantic's PostgreSQL SQL is added to
the rotation (creates ``bench/.env/venv`` on first use, as ``test_compare.py`` says).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, import_or_skip

COMPARE = ROOT / "bench" / "compare"
KINDS = ["count", "sum", "ratio", "derived", "window7", "cumulative", "conversion"]
EXTERNAL = os.environ.get("METRICLANG_BENCH_EXTERNAL", "") in ("1", "true", "yes")


def _run(script: str, tmp_path: Path, *args: str) -> dict[str, object]:
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, str(COMPARE / script), "--rows", "20000", "--runs", "1",
         "--json", str(report), *args],
        capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result: dict[str, object] = json.loads(report.read_text(encoding="utf-8"))
    return result


def test_kinds_on_duckdb_equal_the_hand_written_rows(tmp_path: Path) -> None:
    report = _run("kinds.py", tmp_path, "--dense")
    kinds = report["kinds"]
    assert isinstance(kinds, dict) and list(kinds) == KINDS
    for kind, entry in kinds.items():
        expected = {"hand", "osm"} | ({"dense"} if kind in KINDS[:4] else set())
        assert set(entry) == expected, kind
        assert entry["hand"]["cpu_ratio"] == 1.0 and entry["osm"]["cpu_ms"] > 0
    verdicts = report["verdicts"]
    assert isinstance(verdicts, dict)
    assert all(v["equal"] or v["equal_but_null_rows"] for v in verdicts.values())


def test_kinds_on_postgres_equal_the_hand_written_rows(tmp_path: Path) -> None:
    import_or_skip("pgserver")
    tools = ["metricflow", "sidemantic"] if EXTERNAL else []
    report = _run("kinds_pg.py", tmp_path, "--dense", "--tools", ",".join(tools))
    kinds = report["kinds"]
    assert isinstance(kinds, dict) and list(kinds) == KINDS
    for kind, entry in kinds.items():
        mine = {"hand", "osm", "dense"}
        assert mine <= set(entry) and set(entry) <= mine | set(tools), kind
        assert entry["osm"]["cpu_ms"] >= 0 and entry["hand"]["wall_ratio"] == 1.0
        for tool in tools:  # checked and reported, timed when it ran
            assert "result" in entry[tool], (kind, tool)
    if tools:  # a plain count is one every tool gets right
        assert all(kinds["count"][t]["result"]["equal"] for t in tools)
