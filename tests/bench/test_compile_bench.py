"""``bench/compile_bench.py`` keeps working, on a small project: a compile again of an unchanged
project (the previous compile's results kept) and first compiles (``--first-compile``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("first", [False, True], ids=["again", "first-compile"])
def test_compile_bench_runs_and_finds_the_output_identical(tmp_path: Path, first: bool) -> None:
    result = tmp_path / "result.json"
    args = [sys.executable, str(ROOT / "bench" / "compile_bench.py"), "--measures", "30",
            "--runs", "1", "--limit", "600", "--json", str(result)]
    done = subprocess.run([*args, *(["--first-compile"] if first else [])], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(result.read_text())
    assert figures["identical_output"] is True
    assert figures["kept_results"] is (not first)
    [row] = figures["rows"]
    assert row["code"] == "current" and row["measures"] == 30 and row["runs"] == 1
    assert 0 < row["wall_s"] < 600
    cache = ROOT / "bench" / "work" / "compile" / "cache" / "current"  # the current tree's
    kept = list((cache / "sql").glob("*.pickle"))
    assert len(kept) >= 10  # one per dialect, written at the end of every run
