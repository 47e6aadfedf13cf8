"""The docs benchmark: a bounded run in every test session, the 10,000-measure run when slow.

Pages and memory are asserted; its time (target: 10,000 measures under 30 s) is the
benchmark's own verdict (``python3 bench/docs_bench.py``, bench/README.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from docs_bench import run


def test_bounded_docs_bench(tmp_path: Path) -> None:
    result = run(400, 8, 1, work=tmp_path)
    assert result["measures"] == 400
    # 400 measure pages + index, objectives (one per block of 100), journey, graph, rules...
    assert result["pages"] > 400
    # memory stays flat while pages are written: pages are streamed, not held
    growth = float(result["rss_at_end_mb"] or 0) - float(result["rss_at_10pct_pages_mb"] or 0)
    assert growth < 20, result


@pytest.mark.slow
def test_docs_bench_10000_measures(tmp_path: Path) -> None:
    result = run(10000, 20, 1, work=tmp_path)
    assert result["pages"] > 10000
    growth = float(result["rss_at_end_mb"] or 0) - float(result["rss_at_10pct_pages_mb"] or 0)
    assert growth < 50, result
