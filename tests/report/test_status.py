"""``osm status``'s judgement (pure): targets from objectives and measures, every operator,
empty and incomplete periods, trends, the text tree and the JSON contract."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from metriclang.load import load_project
from metriclang.report.status import assess, assess_all, sparkline, to_json, to_text

SPEC = """
source s { table t time at }
measure up { formula count(s) grain month direction up target 10 }
measure down { formula count(s) grain month direction down target 10 unit "%" }
measure eq { formula count(s) grain month }
measure lt { formula count(s) grain month }
measure free { formula count(s) grain month direction down }
measure bare { formula count(s) grain month }
objective o { north_star up target eq = 100 target lt < 5
  strategy plan { measures down, free } }
"""
JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> object:
    path: Path = tmp_path_factory.mktemp("status")
    (path / "a.osm").write_text(SPEC, encoding="utf-8")
    loaded = load_project(path)
    assert not loaded.diagnostics.has_errors
    return loaded.project


def test_latest_complete_period_skips_the_running_one(project: object) -> None:
    got = assess(project, "up", [(JAN, 8, True), (FEB, 12, True), (MAR, 1, False)])  # type: ignore[arg-type]
    assert (got.period, got.value, got.previous, got.change) == (FEB, 12, 8, 4)
    assert (got.op, got.target, got.status, got.trend) == (">=", 10, "on-track", "improving")
    assert got.spark == (8, 12)


def test_every_operator(project: object) -> None:
    def status(name: str, value: float) -> str:
        return assess(project, name, [(JAN, value, True)]).status  # type: ignore[arg-type]

    assert (status("down", 10), status("down", 10.5)) == ("on-track", "off-track")
    assert (status("eq", 100.9), status("eq", 101.1)) == ("on-track", "off-track")  # 1%
    assert (status("lt", 4), status("lt", 5)) == ("on-track", "off-track")
    assert (status("up", 9.99), status("bare", 3)) == ("off-track", "no-target")


def test_no_data_and_trend_without_target(project: object) -> None:
    none = assess(project, "up", [(JAN, 5, False)])  # type: ignore[arg-type]
    assert (none.status, none.period, none.complete, none.value) == ("no-data", None, False,
                                                                     None)
    empty = assess(project, "up", [(JAN, 5, True), (FEB, None, True)])  # type: ignore[arg-type]
    assert (empty.status, empty.period, empty.change) == ("no-data", FEB, None)
    free = assess(project, "free", [(JAN, 5, True), (FEB, 7, True)])  # type: ignore[arg-type]
    assert (free.status, free.trend, free.change) == ("no-target", "worsening", 2)
    assert assess(project, "bare", [(JAN, 5, True), (FEB, 7, True)]).trend is None  # type: ignore[arg-type]


def test_text_tree_and_json(project: object) -> None:
    rows = assess_all(project, {n: [(JAN, 4, True), (FEB, 8, True)]  # type: ignore[arg-type]
                                for n in ("up", "down", "eq", "lt", "free", "bare")})
    assert [r.measure for r in rows] == ["up", "down", "free", "eq", "lt", "bare"]
    text = to_text(project, rows).splitlines()  # type: ignore[arg-type]
    assert text[0] == "o" and text[1].startswith("  ★ up") and "✗ off-track" in text[1]
    assert text[2] == "  plan" and text[3].startswith("    down")
    assert "800.0%" in text[3] and "+400.0 pt" in text[3]
    assert text[5] == "other measures"
    doc = json.loads(to_json(date(2024, 3, 10), rows))
    assert doc["as_of"] == "2024-03-10"
    assert doc["measures"][0] == {
        "measure": "up", "label": None, "period": "2024-02-01", "complete": True, "value": 8.0,
        "previous": 4.0, "change": 4.0, "target": 10.0, "op": ">=", "status": "off-track",
        "trend": "improving", "unit": None, "spark": [4.0, 8.0]}


def test_sparkline_levels() -> None:
    assert sparkline([0, 7, 3.5]) == "▁█▅"
    assert sparkline([2, 2]) == "▄▄"
    assert sparkline([None]) == ""
