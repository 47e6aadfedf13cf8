"""Compiled SQL is reused (the in-process memo of ``sqlgen.compile_plan``) only while all
that it reads is unchanged: a long-lived process (the API, the language and MCP servers)
compiles project after project as the files change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from metriclang.load import load_project
from metriclang.sqlgen import compile_sql

SHOP = Path(__file__).parents[2] / "specs" / "examples" / "shop"


def _compiled(root: Path, measure: str) -> str:
    sql, problems = compile_sql(load_project(root).project, measure, "duckdb")
    assert sql is not None, problems
    return sql


@pytest.mark.parametrize(
    ("measure", "before", "after", "expected"),
    [
        # A dimension source the measure joins (customer.segment), not one of its own.
        ("average_order_value", "table shop.customers", "table shop.customers_v2",
         "shop.customers_v2"),
        ("average_order_value", "key customer_id\n  valid from valid_from to valid_to\n"
         "  entity customer = customer_id", "key customer_ref\n  valid from valid_from to "
         "valid_to\n  entity customer = customer_ref", "customer_ref"),
        ("average_order_value", "valid from valid_from to valid_to",
         "valid from starts_on to valid_to", "starts_on"),
        ("average_order_value", "  dimension segment\n", "  dimension segment = lower(tier)\n",
         "LOWER(osm_h0.tier)"),
        # The entity a conversion follows, in the source it converts to.
        ("checkout_conversion", "entity customer = customer_id\n  entity product",
         "entity customer = buyer_id\n  entity product", "buyer_id"),
    ],
)
def test_an_edit_to_a_source_the_sql_reads_is_compiled_again(
    tmp_path: Path, measure: str, before: str, after: str, expected: str
) -> None:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    first = _compiled(root, measure)
    assert expected not in first
    sources = root / "sources.osm"
    assert sources.read_text().count(before) == 1
    sources.write_text(sources.read_text().replace(before, after))
    assert expected in _compiled(root, measure)


def test_moving_declarations_keeps_the_same_sql(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    first = _compiled(root, "average_order_value")
    sources = root / "sources.osm"
    sources.write_text("# a comment that moves every declaration down\n\n" + sources.read_text())
    assert _compiled(root, "average_order_value") == first
