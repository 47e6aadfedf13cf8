"""``osm run``: demo data on first use, formats, date limits, exit codes, no secrets shown."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from metriclang.cli import main
from tests.conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shop example; its demo.duckdb is created by the first ``osm run``."""
    path = tmp_path_factory.mktemp("run") / "shop"
    shutil.copytree(EXAMPLES / "shop", path, ignore=shutil.ignore_patterns("*.duckdb*"))
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["run", *args])
    return result.exit_code, result.stdout, result.stderr


def test_first_run_generates_the_demo_database(shop: Path) -> None:
    code, out, err = run(str(shop), "monthly_revenue", "--format", "json")
    assert code == 0, err
    assert "created demo.duckdb with demo data from data/generate.py" in err
    assert (shop / "demo.duckdb").is_file()
    doc = json.loads(out)
    assert doc["measure"] == "monthly_revenue"
    assert doc["columns"] == ["period", "value", "complete"]
    assert [r["period"] for r in doc["rows"]][:3] == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert len(doc["rows"]) == 24
    con = duckdb.connect(str(shop / "demo.duckdb"), read_only=True)
    (january,) = con.execute(
        "SELECT sum(amount) FROM shop.orders WHERE status = 'paid' "
        "AND ordered_at >= DATE '2025-01-01' AND ordered_at < DATE '2025-02-01'").fetchone()
    first, last = con.execute("SELECT min(ordered_at), max(ordered_at) FROM shop.orders"
                              ).fetchone()
    con.close()
    assert doc["rows"][0]["value"] == float(january)
    # the last order is on 2026-12-31 before midnight: December has not ended at it
    assert (first.date(), last.date()) == (date(2025, 1, 1), date(2026, 12, 31))
    assert doc["first"] == "2025-01-01" and doc["as_of"] == last.isoformat()
    assert [r["complete"] for r in doc["rows"]] == [True] * 23 + [False]
    code, _, err = run(str(shop), "monthly_revenue", "--format", "json")
    assert code == 0 and "created" not in err  # the second run reuses the file


def test_csv_with_dimensions_and_date_limits(shop: Path) -> None:
    code, out, err = run(str(shop), "return_rate", "--format", "csv", "--from", "2025-03-03",
                         "--to", "2025-03-16")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["period", "product__category", "value", "complete"]
    assert {(r[0], r[1]) for r in rows[1:]} == {
        (week, category) for week in ("2025-03-03", "2025-03-10")
        for category in ("apparel", "beauty", "custom", "electronics", "home", "toys")}
    assert all(0 <= float(r[2]) <= 1 and r[3] == "true" for r in rows[1:])


def test_table_output_and_all_measures(shop: Path) -> None:
    code, out, err = run(str(shop), "--all", "--from", "2026-12-01", "--to", "2026-12-31")
    assert code == 0, err
    for name in ("repeat_purchase_rate", "checkout_conversion", "weekly_buyers_7d"):
        assert name in out
    assert "Repeat purchase rate 复购率" in out and "2026-12-01" in out
    code, out, _ = run(str(shop), "--all", "--format", "json", "--from", "2026-12-01",
                       "--to", "2026-12-31")
    assert code == 0
    measures = json.loads(out)["measures"]
    assert len(measures) == 11
    assert all(m["rows"] for m in measures)


@pytest.mark.parametrize(("args", "message"), [
    (("no_such_measure",), "unknown measure `no_such_measure`"),
    (("repeat_purchase_rat",), "did you mean `repeat_purchase_rate`"),
    (("repeat_purchase_rate", "--all"), "give either a MEASURE or --all"),
    ((), "give either a MEASURE or --all"),
    (("repeat_purchase_rate", "--from", "2026-01-01", "--to", "2025-01-01"), "is after"),
    (("repeat_purchase_rate", "--db", "mysql://u:pw@h/db"), "unsupported database URL"),
])
def test_usage_errors_exit_2(shop: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = run(str(shop), *args)
    assert code == 2
    assert message in out + err
    assert ":pw@" not in out + err


def test_unreachable_server_exits_2_without_the_password(shop: Path) -> None:
    code, out, err = run(str(shop), "monthly_revenue", "--db",
                         "postgresql://ana:hunter2@127.0.0.1:1/shop")
    assert code == 2
    assert "hunter2" not in out + err and "postgresql://ana:***@127.0.0.1:1/shop" in err


def test_missing_database_file_exits_2(shop: Path, tmp_path: Path) -> None:
    code, _, err = run(str(shop), "monthly_revenue", "--db", f"duckdb:///{tmp_path}/none.duckdb")
    assert code == 2 and "database file not found" in err


@pytest.mark.parametrize("command", [
    ["run", "{p}", "monthly_revenue"], ["run", "{p}", "--all"], ["query", "{p}", "monthly_revenue"],
    ["status", "{p}"], ["verify", "{p}"], ["check", "{p}"], ["diff", "{p}", "--run"],
    ["docs", "{p}", "--out", "{out}"], ["docs", "{p}", "--out", "{out}", "--evidence"]])
def test_a_warehouse_that_cannot_be_opened_exits_2_in_every_command(
        shop: Path, tmp_path: Path, command: list[str]) -> None:
    """An environment error, as no warehouse configured: exit 2, one line, nothing written."""
    out = tmp_path / "site"
    args = [a.format(p=shop, out=out) for a in command]
    result = CliRunner().invoke(main, [*args, "--db", f"duckdb:///{tmp_path}/none.duckdb"])
    assert result.exit_code == 2, result.output
    assert "database file not found" in result.stderr and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()


def test_project_with_errors_exits_1(tmp_path: Path) -> None:
    (tmp_path / "bad.osm").write_text("measure m { formula count(nowhere) }\n", encoding="utf-8")
    code, _, err = run(str(tmp_path), "m", "--db", "duckdb:///:memory:")
    assert code == 1 and "nowhere" in err


def test_as_a_real_process(shop: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "metriclang.cli", "run", str(shop),
                           "repeat_purchase_rate", "--format", "csv", "--to", "2025-02-28"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "period,value,complete"
    assert [(line.split(",")[0], line.split(",")[2]) for line in done.stdout.splitlines()[1:]
            ] == [("2025-01-01", "true"), ("2025-02-01", "true")]


@pytest.mark.postgres
def test_run_on_postgres_equals_duckdb(shop: Path, postgres_url: str) -> None:
    args = ("average_order_value", "--format", "json", "--from", "2026-01-01")
    code, on_postgres, err = run(str(shop), *args, "--db", postgres_url)
    assert code == 0, err
    code, on_duckdb, _ = run(str(shop), *args)
    assert code == 0
    assert json.loads(on_postgres) == json.loads(on_duckdb)
    assert len(json.loads(on_postgres)["rows"]) == 12 * 3  # months x customer segments


def test_csv_of_all_measures_is_long_form(shop: Path) -> None:
    code, out, err = run(str(shop), "--all", "--format", "csv", "--from", "2026-12-28")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["measure", "period", "dimensions", "value", "complete"]
    assert ["return_rate", "2026-12-28", "product__category=apparel"] == rows[
        next(i for i, r in enumerate(rows) if r[0] == "return_rate")][:3]
    # every period from 2026-12-28 on holds the last event (2026-12-31 23:32) or is its
    # last day: none has ended; the day 2026-12-28 of the 7-day window has
    assert {(r[0], r[1], r[4]) for r in rows[1:] if r[4] == "true"} == {
        ("weekly_buyers_7d", "2026-12-28", "true"), ("weekly_buyers_7d", "2026-12-29", "true"),
        ("weekly_buyers_7d", "2026-12-30", "true")}
    assert {r[0] for r in rows[1:]} == {
        "average_order_value", "checkout_conversion", "delivery_days_p90", "median_basket",
        "monthly_revenue", "repeat_purchase_rate", "return_rate", "revenue_to_date",
        "search_success_rate", "tickets_per_buyer", "weekly_buyers_7d"}


def test_a_failing_generator_is_a_message_and_leaves_no_file(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "manufacturer", tmp_path / "m",
                    ignore=shutil.ignore_patterns("*.duckdb*"))
    (tmp_path / "m" / "data" / "generate.py").write_text(
        "def tables():\n    raise RuntimeError('no data today')\n", encoding="utf-8")
    code, _, err = run(str(tmp_path / "m"), "win_rate")
    assert code == 2
    assert "cannot build demo.duckdb with" in err and "RuntimeError: no data today" in err
    assert not (tmp_path / "m" / "demo.duckdb").exists()
