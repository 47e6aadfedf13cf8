"""``api.columns``: the columns of each source's table, read from the warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from metriclang import api
from metriclang.errors import UsageError


def test_columns_of_each_source_table(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA sales")
    con.execute("CREATE TABLE sales.orders (id INT, placed_at TIMESTAMP, \"Amount €\" DOUBLE)")
    con.close()
    (tmp_path / "metriclang.toml").write_text('[project]\nwarehouse = "duckdb:///w.duckdb"\n')
    (tmp_path / "a.osm").write_text(
        "source orders { table sales.orders time placed_at }\n"
        "source gone { table sales.missing time t }\n"
        "measure n { formula count(orders) grain month }\n"
        "measure g { formula count(gone) grain month }\n")
    project = api.load(tmp_path)
    assert api.columns(project) == {"orders": ("id", "placed_at", "Amount €"), "gone": ()}


def test_no_warehouse_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSM_DB_URL", raising=False)
    (tmp_path / "a.osm").write_text("source s { table t time at }\n"
                                    "measure n { formula count(s) grain month }\n")
    with pytest.raises(UsageError, match="no warehouse"):
        api.columns(api.load(tmp_path))
