"""``compile_project`` renders dialects in worker processes for large projects: same output."""

from __future__ import annotations

import shutil
from pathlib import Path

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.load import load_project
from metriclang.sqlgen.output import compile_project
from tests.conftest import EXAMPLES


def test_workers_give_the_same_files_manifest_and_diagnostics(tmp_path: Path) -> None:
    # The shop over tables of its own: SQL no other test rendered in this process, so the
    # forked workers render from scratch rather than from what they inherit.
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", root, ignore=shutil.ignore_patterns("*.duckdb", "data"))
    sources = root / "sources.osm"
    sources.write_text(sources.read_text("utf-8").replace("table shop.", "table parallel."),
                       "utf-8")
    project = load_project(root).project
    two = compile_project(project, OUTPUT_DIALECTS, fused=True, workers=2)
    one = compile_project(project, OUTPUT_DIALECTS, fused=True, workers=1)
    assert one.files == two.files and one.manifest == two.manifest
    assert "FROM parallel.orders" in dict(one.files)["duckdb/monthly_revenue.sql"]
    assert [d.code for d in one.diagnostics] == [d.code for d in two.diagnostics]
    assert len(one.files) > 100  # every measure in every dialect it can express, plus fused
    assert {d.code for d in one.diagnostics} <= {"E182", "E185"}  # dialect limits only
