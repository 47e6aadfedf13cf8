"""MetricFlow itself (0.213, the version bench/compare uses) computes the exported measures on
the DuckDB demo warehouses with the values ``osm run`` gives, and computes MetricFlow's own
sample project with the values ``osm run`` gives for its import.

MetricFlow renders SQL in the interop venv (``tests/data/interop/mf_sql.py``); the SQL runs
here, on the same DuckDB file ``osm run`` reads.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.interop.metricflow_export import primary_entity
from metriclang.load import load_project
from metriclang.semantic import model as m
from metriclang.warehouse.demo import ensure_demo_data
from tests.conftest import EXAMPLES, ROOT
from tests.interop.conftest import TOOLS

SAMPLE = ROOT / "tests" / "data" / "metricflow_sample"
#: Measures whose MetricFlow value differs by design, each in the export's loss report.
DIFFERENT = {"checkout_conversion"}
SPINE = ("CREATE OR REPLACE TABLE {schema}.metricflow_time_spine AS SELECT range::DATE AS "
         "date_day FROM range(DATE '2015-01-01', DATE '2035-01-01', INTERVAL 1 DAY)")


def osm(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def metricflow_sql(python: Path, directory: Path, schema: str,
                   requests: list[dict[str, Any]]) -> dict[str, str]:
    job = json.dumps({"dir": str(directory), "schema": schema, "requests": requests})
    done = subprocess.run([str(python), str(TOOLS / "mf_sql.py")], input=job,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["errors"] == []
    sql: dict[str, str] = result["sql"]
    return sql


def requests_for(project: m.Project) -> list[dict[str, Any]]:
    """Each measure by its grain and dimensions, as MetricFlow group-by names."""
    out = []
    for x in project.measures.values():
        assert x.formula is not None
        sources = [n.source for n in m.walk(x.formula) if isinstance(n, m.Agg)] or [
            n.from_source for n in m.walk(x.formula) if isinstance(n, m.Conv)]
        own = primary_entity(project.sources[sources[0]])
        dims = [d.replace(".", "__") if "." in d else f"{own}__{d}" for d in x.dimensions]
        out.append({"metric": x.name, "group_by": [f"metric_time__{x.grain}", *dims]})
    return out


def osm_rows(project: Path, measure: str, db: Path) -> dict[tuple[str, ...], Any]:
    code, stdout, stderr = osm("run", str(project), measure, "--db", f"duckdb:///{db}",
                               "--format", "json")
    assert code == 0, stderr
    data = json.loads(stdout)
    dims = data["columns"][1:-2]  # period, dimensions..., value, complete
    return {(str(r["period"])[:10], *(str(r[d]) for d in dims)): r["value"]
            for r in data["rows"]}


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))


def compare(ours: dict[tuple[str, ...], Any], theirs: dict[tuple[str, ...], Any]) -> list[str]:
    """Problems: a period both have with different values, or one only osm has that is
    neither 0 nor NULL (MetricFlow leaves out periods without rows)."""
    both = set(ours) & set(theirs)
    problems = [f"{k}: osm {ours[k]} metricflow {theirs[k]}" for k in sorted(both)
                if not same(ours[k], theirs[k])]
    problems += [f"{k}: only osm has {ours[k]}" for k in sorted(set(ours) - set(theirs))
                 if ours[k] not in (None, 0)]
    return problems + ([] if both else ["no period in common"])


def metricflow_rows(db: Path, sql: dict[str, str]) -> dict[str, dict[tuple[str, ...], Any]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: {(str(r[0])[:10], *map(str, r[1:-1])): r[-1]
                       for r in con.execute(text).fetchall()} for name, text in sql.items()}
    finally:
        con.close()


@pytest.fixture(scope="module", params=["shop", "manufacturer"])
def example(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[str, Path, Path, Path]]:
    """A copy of an example with its demo data and a time spine, and its export."""
    root = tmp_path_factory.mktemp(request.param)
    project = root / "project"
    shutil.copytree(EXAMPLES / request.param, project,
                    ignore=shutil.ignore_patterns("demo.duckdb*"))
    db = project / "demo.duckdb"
    ensure_demo_data(db, project)
    schema = "shop" if request.param == "shop" else "crm"
    con = duckdb.connect(str(db))
    con.execute(SPINE.format(schema=schema))
    con.close()
    code, _, stderr = osm("export", str(project), "--to", "metricflow", "--out",
                          str(root / "mf"))
    assert code == 0, stderr
    yield request.param, project, db, root / "mf"


def test_metricflow_computes_the_exported_measures(example: tuple[str, Path, Path, Path],
                                                   interop_python: Path) -> None:
    _, project, db, exported = example
    loaded = load_project(project).project
    sql = metricflow_sql(interop_python, exported, "unused", requests_for(loaded))
    assert set(sql) == set(loaded.measures)
    theirs = metricflow_rows(db, sql)
    for measure in loaded.measures:
        if measure in DIFFERENT:
            continue
        ours = osm_rows(project, measure, db)
        assert compare(ours, theirs[measure]) == [], measure


def test_measures_metricflow_computes_differently_are_in_the_loss_report(
        example: tuple[str, Path, Path, Path]) -> None:
    _, project, _, _ = example
    loaded = load_project(project).project
    _, _, stderr = osm("export", str(project), "--to", "metricflow", "--out",
                       str(project.parent / "again"))
    reported = {line.split(": lost: measure ")[1].split(":")[0]
                for line in stderr.splitlines() if ": lost: measure " in line}
    assert reported == DIFFERENT & set(loaded.measures)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """MetricFlow's sample project imported, and its seeds as DuckDB tables."""
    root = tmp_path_factory.mktemp("sample")
    db = root / "sample.duckdb"
    con = duckdb.connect(str(db))
    for table in ("countries", "customers", "transactions"):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = true)",
                    [str(SAMPLE / "seeds" / f"{table}_seed.csv")])
    con.execute(SPINE.format(schema="main"))
    con.close()
    code, _, stderr = osm("import", str(SAMPLE / "sample_models"), "--from", "metricflow",
                          "--out", str(root / "osm"))
    assert code == 0, stderr
    return root / "osm", db


def test_sample_project_imports_and_checks_clean(sample: tuple[Path, Path]) -> None:
    project, _ = sample
    code, stdout, _ = osm("check", str(project))
    assert code == 0 and " 0 errors" in stdout
    assert sorted(load_project(project).project.measures) == [
        "alterations", "cancellation_rate", "cancellations", "cancellations_mx",
        "cumulative_transactions", "cumulative_transactions_in_last_7_days", "new_customers",
        "quick_buy_amount_usd", "quick_buy_transactions", "revenue_usd",
        "transaction_amount", "transaction_usd_na", "transactions"]


def test_sample_project_values_equal_metricflow(sample: tuple[Path, Path],
                                                interop_python: Path) -> None:
    project, db = sample
    loaded = load_project(project).project
    sql = metricflow_sql(interop_python, SAMPLE / "sample_models", "main",
                         [{"metric": n, "group_by": ["metric_time__day"]}
                          for n in loaded.measures])
    theirs = metricflow_rows(db, sql)
    for measure in loaded.measures:
        assert compare(osm_rows(project, measure, db), theirs[measure]) == [], measure


def test_sample_values_by_hand(sample: tuple[Path, Path]) -> None:
    """Two measures against SQL written by hand over the seeds: Mexican cancellations and
    North American transaction amounts, all days together."""
    project, db = sample
    con = duckdb.connect(str(db), read_only=True)
    mx, na = con.execute(
        "SELECT sum(CASE WHEN t.transaction_type_name = 'cancellation' AND c.country = 'MX' "
        "THEN t.transaction_amount_usd ELSE 0 END), "
        "sum(CASE WHEN n.region = 'NA' THEN t.transaction_amount_usd ELSE 0 END) "
        "FROM transactions t LEFT JOIN customers c ON c.id_customer = t.id_customer "
        "LEFT JOIN countries n ON n.country = c.country").fetchone()
    con.close()
    for measure, expected in (("cancellations_mx", mx), ("transaction_usd_na", na)):
        values = [v for v in osm_rows(project, measure, db).values() if v is not None]
        assert sum(values) == pytest.approx(expected) and expected > 0


def test_sample_project_round_trips_through_metricflow(sample: tuple[Path, Path],
                                                       interop_python: Path,
                                                       tmp_path: Path) -> None:
    """The imported sample, exported again, passes dbt-semantic-interfaces and imports as
    the same project."""
    from tests.interop.conftest import run_tool

    project, _ = sample
    assert osm("export", str(project), "--to", "metricflow", "--out", str(tmp_path / "mf"))[0] \
        == 0
    checked = run_tool(interop_python, "dsi_validate.py", str(tmp_path / "mf"))
    assert checked["parse_issues"] == [] and checked["errors"] == []
    assert osm("import", str(tmp_path / "mf"), "--from", "metricflow", "--out",
               str(tmp_path / "back"))[0] == 0
    code, stdout, _ = osm("diff", str(project), str(tmp_path / "back"), "--fail-on", "any")
    assert (code, stdout.splitlines()[-1]) == (0, "no change in meaning"), stdout
