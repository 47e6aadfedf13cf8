"""``osm sql`` and ``osm compile``: output, exit codes, atomic writes and the manifest."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from metriclang.cli import main
from metriclang.load import load_project
from metriclang.sqlgen import compile_sql
from tests.conftest import EXAMPLES, ROOT

SHOP = EXAMPLES / "shop"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_sql_prints_the_compiled_query() -> None:
    code, out, _ = invoke("sql", str(SHOP), "return_rate", "--dialect", "postgres")
    expected, _ = compile_sql(load_project(SHOP).project, "return_rate", "postgres")
    assert code == 0 and out == expected


def test_sql_defaults_to_the_project_dialect() -> None:
    code, out, _ = invoke("sql", str(SHOP), "monthly_revenue")
    assert code == 0 and "GENERATE_SERIES" in out


def test_sql_date_range_options() -> None:
    code, out, _ = invoke("sql", str(SHOP), "monthly_revenue", "--from", "2024-01-15",
                          "--to", "2024-03-01")
    assert code == 0 and "CAST('2024-01-01' AS DATE)" in out and "2024-03-01" in out


def test_sql_exit_codes() -> None:
    code, _, err = invoke("sql", str(SHOP), "monthly_revenu")
    assert code == 2 and "did you mean `monthly_revenue`" in err
    assert invoke("sql", "/no/such/dir", "x")[0] == 2
    assert invoke("sql", str(SHOP), "monthly_revenue", "--dialect", "oracle")[0] == 2
    assert invoke("sql", str(SHOP), "monthly_revenue", "--from", "2024-05-01",
                  "--to", "2024-01-01")[0] == 2
    assert invoke("sql", str(SHOP), "monthly_revenue", "--from", "May 1")[0] == 2
    code, out, err = invoke("sql", str(SHOP), "median_basket", "--dialect", "mysql")
    assert code == 1 and out == "" and "E182" in err and "measures.osm:" in err


def test_sql_on_a_project_with_errors_exits_1(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text("measure m { formula count(nowhere) }\n", encoding="utf-8")
    code, _, err = invoke("sql", str(tmp_path), "m")
    assert code == 1 and "E110" in err


def test_compile_writes_files_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "sql"
    code, _, err = invoke("compile", str(SHOP), "--dialect", "all", "--out", str(out),
                          "--fused")
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["dialects"]) == 10
    assert manifest["measures"]["average_order_value"]["columns"] == [
        "period", "customer__segment", "value"]
    assert set(manifest["skipped"]) == {"bigquery", "mysql", "trino", "tsql"}
    # a measure a dialect can't express is left out of it, with a warning (not an E-code)
    assert ("measures.osm:93:9: warning[W182] measure `delivery_days_p90` left out of bigquery: "
            "bigquery has no exact percentile or median aggregate (E182)") in err
    assert "[E182]" not in err
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest
    written = {p.relative_to(out).as_posix() for p in out.rglob("*.sql")}
    assert written == set(manifest["files"])
    assert "duckdb/fused/orders.month.sql" in written
    assert "mysql/median_basket.sql" not in written
    assert manifest["fused"]["duckdb"]["orders.week"]["measures"] == ["delivery_days_p90",
                                                                       "median_basket"]
    assert "orders.week" not in manifest["fused"]["mysql"]  # only percentiles: nothing left
    assert manifest["fused"]["mysql"]["orders.month"]["measures"] == ["monthly_revenue",
                                                                       "repeat_purchase_rate"]


def test_compile_for_one_dialect_reports_its_limits_as_errors(tmp_path: Path) -> None:
    out = tmp_path / "sql"
    code, _, err = invoke("compile", str(SHOP), "--dialect", "mysql", "--out", str(out))
    assert code == 1
    assert "measures.osm:93:9: error[E182] mysql has no exact percentile or median aggregate" \
        in err
    assert "warning[" not in err and "nothing written" in err and not out.exists()


def test_compile_failure_leaves_previous_output(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(SHOP, project)
    out = tmp_path / "sql"
    assert invoke("compile", str(project), "--dialect", "duckdb", "--out", str(out))[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = project / "broken.osm"
    broken.write_text("measure broken { formula sum(orders.amount) / nope }\n", encoding="utf-8")
    code, _, err = invoke("compile", str(project), "--dialect", "duckdb", "--out", str(out))
    assert code == 1 and "E111" in err
    broken.write_text("measure broken { formula conversion(sessions -> orders, within 1 day, "
                      "by customer) cumulative }\n", encoding="utf-8")
    code, _, err = invoke("compile", str(project), "--dialect", "duckdb", "--out", str(out))
    assert code == 1 and "E183" in err and "unchanged" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_compile_is_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert invoke("compile", str(SHOP), "--dialect", "spark", "--out",
                      str(tmp_path / name))[0] == 0
    a, b = tmp_path / "a", tmp_path / "b"
    assert (a / "manifest.json").read_bytes() == (b / "manifest.json").read_bytes()


def test_osm_sql_as_a_subprocess() -> None:
    result = subprocess.run([sys.executable, "-m", "metriclang.cli", "sql", str(SHOP),
                             "weekly_buyers_7d", "--dialect", "spark"], capture_output=True,
                            text=True, cwd=ROOT, check=False)
    assert result.returncode == 0 and result.stdout.startswith("WITH osm_bounds AS (")


def test_sql_plan_prints_the_plan_as_json() -> None:
    code, out, _ = invoke("sql", str(SHOP), "weekly_buyers_7d", "--plan")
    plan = json.loads(out)
    assert code == 0 and plan["node"] == "MeasurePlan"
    assert [leaf["strategy"] for leaf in plan["leaves"]] == ["range"]
