"""The verify benchmark: a bounded run in CI, the full 500 links in the slow sweep. Only its
findings are asserted; its time (target: 500 links under a minute) is the benchmark's own
verdict (``python3 bench/verify_bench.py``, bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def run_bench(out: Path, *args: str) -> dict:  # type: ignore[type-arg]
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "verify_bench.py"),
                          "--out", str(out), "--limit", "inf", *args],  # no time target here
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def test_bench_bounded(tmp_path: Path) -> None:
    result = run_bench(tmp_path, "--links", "60", "--measures", "20", "--days", "365")
    assert result["links"] == 60 and result["planted"] == 12
    assert result["planted_supported"] == 12 and result["planted_lag_within_1"] == 12
    assert sum(result["verdicts"].values()) == 60


@pytest.mark.slow
def test_bench_full(tmp_path: Path) -> None:
    result = run_bench(tmp_path)
    assert result["links"] == 500
    assert result["planted_supported"] == result["planted"] == 100
