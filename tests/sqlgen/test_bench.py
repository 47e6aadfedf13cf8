"""Bounded run of bench/sql_bench.py: generated window and cumulative queries give the rows of
the hand-written ones, fused gives the rows of one by one, a generated project compiles.

Only values are asserted here: the timings and their targets belong to the benchmark itself
(``python3 bench/sql_bench.py`` exits 1 on a missed target, bench/README.md records runs)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import duckdb

from metriclang.load import load_project
from tests.conftest import ROOT


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sql_bench", ROOT / "bench" / "sql_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_windows_and_fused_on_small_data(tmp_path: Path) -> None:
    b = bench()
    (tmp_path / "bench.osm").write_text(b.BENCH_PROJECT, encoding="utf-8")
    project = load_project(tmp_path).project
    con = duckdb.connect()
    b.make_orders(con, 20_000)
    windows = b.bench_windows(con, project)  # asserts generated rows == hand-written rows
    assert set(windows) == {"buyers_7d", "revenue_7d", "revenue_cumulative", "buyers_cumulative"}
    fused = b.bench_fused(con, project)  # asserts fused rows == one-by-one rows
    assert fused["measures"] == 8
    con.close()


def test_generated_project_compiles(tmp_path: Path) -> None:
    result = bench().bench_compile(40, ("duckdb", "tsql"), tmp_path)
    assert result["queries"] + result["not_expressible"] == 80
    assert result["queries"] > 60
