"""``osm verify`` end to end on the shop demo warehouse (planted relationships), via click's
CliRunner and as a real subprocess: verdicts, JSON shape, exit codes, usage errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.warehouse.demo import ensure_demo_data
from tests.conftest import EXAMPLES, ROOT

LINK_KEYS = ["from", "to", "declared_lag", "best_lag", "effect", "estimate", "p_value",
             "verdict", "periods"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shop example with its demo warehouse generated."""
    root = tmp_path_factory.mktemp("verify") / "shop"
    shutil.copytree(EXAMPLES / "shop", root, ignore=shutil.ignore_patterns("*.duckdb*"))
    ensure_demo_data(root / "demo.duckdb", root)
    return root


def osm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "metriclang.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def shop_json(shop: Path) -> dict:  # type: ignore[type-arg]
    run = osm("verify", str(shop), "--format", "json")
    assert run.returncode == 1, run.stderr  # one planted link runs the opposite way
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def link(data: dict, source: str, target: str) -> dict:  # type: ignore[type-arg]
    return next(k for k in data["links"] if (k["from"], k["to"]) == (source, target))


def test_planted_relationships_found(shop_json: dict) -> None:  # type: ignore[type-arg]
    """The demo generator planted: conversion leads repeat purchase by ~4 weeks (positive),
    support contacts have no relationship, slow deliveries lower returns (declared up)."""
    lead = link(shop_json, "checkout_conversion", "repeat_purchase_rate")
    assert (lead["verdict"], lead["declared_lag"], lead["best_lag"]) == ("supported", 1, 1)
    assert lead["estimate"] > 0 and lead["grain"] == "month" and lead["periods"] == 23
    assert link(shop_json, "tickets_per_buyer", "repeat_purchase_rate")["verdict"] == "weak"
    opposite = link(shop_json, "delivery_days_p90", "return_rate")
    assert (opposite["verdict"], opposite["best_lag"]) == ("contradicted", 2)
    assert opposite["estimate"] < 0 and opposite["grain"] == "week"
    search = link(shop_json, "search_success_rate", "checkout_conversion")
    assert search["verdict"] == "supported" and search["granger_agrees"] is True
    assert opposite["observed_effect"] == "negative" and opposite["effect"] == "positive"


def test_json_shape(shop_json: dict) -> None:  # type: ignore[type-arg]
    assert "not proof of causation" in shop_json["caveat"]
    for item in shop_json["links"]:
        assert list(item)[:9] == LINK_KEYS
        assert item["verdict"] in ("supported", "contradicted", "reversed", "weak",
                                   "insufficient-data")
        assert item["next_step"].startswith(item["verdict"] + ": ")
        assert item["file"] == "measures.osm" and item["line"] > 0
    assert [(k["from"], k["to"]) for k in shop_json["links"]] == sorted(
        (k["from"], k["to"]) for k in shop_json["links"])
    assert {"kind": "never-decreases", "measure": "revenue_to_date"}.items() <= next(
        s for s in shop_json["signals"] if s["measure"] == "revenue_to_date").items()
    assert shop_json["summary"]["contradicted"] == 1


def test_text_report_and_determinism(shop: Path) -> None:
    first = CliRunner().invoke(main, ["verify", str(shop)])
    second = CliRunner().invoke(main, ["verify", str(shop)])
    assert first.exit_code == 1
    assert first.output == second.output
    assert "checkout_conversion -> repeat_purchase_rate" in first.output
    assert "contradicted" in first.output and "not proof of causation" in first.output


def test_date_range_and_exit_zero(shop: Path) -> None:
    """A quarter of history: too short for every link, nothing contradicted, exit 0."""
    run = CliRunner().invoke(main, ["verify", str(shop), "--from", "2026-10-01",
                                    "--to", "2026-12-31", "--format", "json",
                                    "--db", f"duckdb:///{shop / 'demo.duckdb'}"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert (data["from"], data["to"]) == ("2026-10-01", "2026-12-31")
    lead = link(data, "checkout_conversion", "repeat_purchase_rate")
    # October and November: December 2026 ends after the data's last order (12-31 23:32)
    assert (lead["verdict"], lead["periods"], lead["needed_periods"]) == (
        "insufficient-data", 2, 19)
    assert {k["verdict"] for k in data["links"]} == {"insufficient-data"}


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-13-01"], "does not match the format"),
    (["--from", "2026-06-01", "--to", "2026-01-01"], "is after --to"),
    (["--db", "mysql://x/y"], "unsupported database URL"),
    (["--db", "duckdb:///nowhere/missing.duckdb"], "database file not found"),
])
def test_usage_errors_exit_2(shop: Path, args: list[str], message: str) -> None:
    run = CliRunner().invoke(main, ["verify", str(shop), *args])
    assert run.exit_code == 2 and message in run.output


def test_no_warehouse_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text("source s {\n  table t\n  time at\n}\n", encoding="utf-8")
    run = osm("verify", str(tmp_path))
    assert run.returncode == 2 and "no warehouse: pass --db URL, set OSM_DB_URL" in run.stderr
    assert "Traceback" not in run.stderr
    assert osm("verify", str(tmp_path / "nope")).returncode == 2


def test_project_with_errors_exits_1(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text("measure m {\n  formula count(nowhere)\n}\n",
                                    encoding="utf-8")
    run = CliRunner().invoke(main, ["verify", str(tmp_path), "--db", "duckdb:///:memory:",
                                    "--format", "json"])
    assert run.exit_code == 1
    data = json.loads(run.output)
    assert data["links"] == [] and data["diagnostics"][0]["severity"] == "error"
    assert data["diagnostics"][0]["line"] == 2


def test_a_measure_with_dimensions_is_fetched_as_its_total(shop: Path) -> None:
    """return_rate has `dimensions channel`; verify compares its total per complete week,
    checked against independently written SQL (weeks inside the orders' first day and last
    order: the week of 2024-12-30 starts before the data, the last one ends after it)."""
    import duckdb

    from metriclang.load import load_project
    from metriclang.verify.warehouse import fetch_series
    from metriclang.warehouse import connect

    project = load_project(shop).project
    engine = connect("duckdb:///demo.duckdb", shop)
    try:
        fetched = fetch_series(project, engine, ["return_rate"])
    finally:
        engine.close()
    got = dict(zip(fetched.series["return_rate"].periods, fetched.series["return_rate"].values,
                   strict=True))
    con = duckdb.connect(str(shop / "demo.duckdb"), read_only=True)
    expected = dict(con.execute(
        "SELECT CAST(date_trunc('week', ordered_at) AS DATE), "
        "count(*) FILTER (WHERE returned) / count(*) FROM shop.orders "
        "WHERE CAST(date_trunc('week', ordered_at) AS DATE) >= "
        "(SELECT CAST(min(ordered_at) AS DATE) FROM shop.orders) "
        "AND date_trunc('week', ordered_at) + INTERVAL 7 DAY <= "
        "(SELECT max(ordered_at) FROM shop.orders) GROUP BY 1").fetchall())
    con.close()
    assert len(got) == len(expected) > 100
    assert got == pytest.approx(expected)


def test_manufacturer_example_verifies_without_crashing(tmp_path: Path) -> None:
    root = tmp_path / "manufacturer"
    shutil.copytree(EXAMPLES / "manufacturer", root, ignore=shutil.ignore_patterns("*.duckdb*"))
    run = CliRunner().invoke(main, ["verify", str(root), "--format", "json"])
    assert run.exit_code in (0, 1), run.output
    data = json.loads(run.output)
    assert data["links"] and all(list(k)[:9] == LINK_KEYS for k in data["links"])
    assert run.exit_code == (1 if data["summary"]["contradicted"] else 0)
