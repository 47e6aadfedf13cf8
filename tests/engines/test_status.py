"""``osm status`` on DuckDB and PostgreSQL: each kind of measure's latest complete value
(ratio, trailing window, running total, conversion, derived, a measure with dimensions)
equals hand-written SQL for that period, and what ``osm run`` gives for it; targets and
statuses follow the declarations.

The rows are this file's own (schema ``st17``): sales and visits from January to April
2024, judged ``--as-of 2024-04-10``: March is the latest complete month, 9 April the latest
complete day, and the April sales after the as-of day are not counted as a period.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from metriclang import api
from metriclang.cli import main
from tests.harness import PgServer

SPEC = """
source sales { table st17.sales time ordered_at key id dimension region
               entity customer = customer_id }
source visits { table st17.visits time visited_at key id entity customer = customer_id }
measure avg_sale { formula sum(sales.amount) / count(sales) grain month direction up
                   target 60 }
measure revenue { formula sum(sales.amount) grain month }
measure buyers_30d { formula count_distinct(sales, customer_id) window 30 days grain day }
measure revenue_to_date { formula sum(sales.amount) cumulative grain month }
measure visit_to_order { formula conversion(visits -> sales, within 7 days, by customer)
                         grain month direction up }
measure double_revenue { formula 2 * revenue grain month }
measure revenue_by_region { formula sum(sales.amount) grain month dimensions region
                            direction down target 500 }
objective grow { north_star revenue target revenue >= 1000
  strategy sell { measures avg_sale, visit_to_order } }
"""
#: (id, ordered_at, region, amount, customer_id)
SALES = [
    (1, "2024-01-05 10:00:00", "EU", "100", 1),
    (2, "2024-01-20 10:00:00", "US", "40", 2),
    (3, "2024-02-03 10:00:00", "EU", "80", 1),
    (4, "2024-02-14 10:00:00", "US", "20", 3),
    (5, "2024-02-29 23:00:00", "EU", "10", 4),
    (6, "2024-03-02 10:00:00", "EU", "300", 1),
    (7, "2024-03-12 10:00:00", "US", "50", 2),
    (8, "2024-03-18 10:00:00", "US", "70", 5),
    (9, "2024-03-31 22:00:00", "EU", "30", 3),
    (10, "2024-04-02 10:00:00", "EU", "45", 2),
    (11, "2024-04-08 10:00:00", "US", "5", 6),
    (12, "2024-04-12 10:00:00", "EU", "999", 1),  # after --as-of: April is not complete
]
#: (id, visited_at, customer_id)
VISITS = [
    (1, "2024-02-02 09:00:00", 1),  # orders on 02-03: converted
    (2, "2024-02-10 09:00:00", 2),  # orders on 03-12: too late
    (3, "2024-03-01 09:00:00", 1),  # orders on 03-02: converted
    (4, "2024-03-05 09:00:00", 1),  # not the first visit of customer 1 in March
    (5, "2024-03-16 09:00:00", 5),  # orders on 03-18: converted
    (6, "2024-03-20 09:00:00", 7),  # never orders
    (7, "2024-03-29 09:00:00", 3),  # orders on 03-31: converted
]
DDL = ["CREATE TABLE st17.sales (id INTEGER, ordered_at TIMESTAMP, region VARCHAR, "
       "amount DECIMAL(10, 2), customer_id INTEGER)",
       "CREATE TABLE st17.visits (id INTEGER, visited_at TIMESTAMP, customer_id INTEGER)"]
AS_OF = date(2024, 4, 10)
MONTH, DAY = date(2024, 3, 1), date(2024, 4, 9)

#: (measure, period, previous period, SQL of the value for a period ``{p}``).
HAND = {
    "avg_sale": (MONTH, date(2024, 2, 1),
                 "SELECT SUM(amount) / COUNT(*) FROM st17.sales "
                 "WHERE ordered_at >= DATE '{p}' AND ordered_at < DATE '{p}' + INTERVAL '1 month'"),
    "buyers_30d": (DAY, date(2024, 4, 8),
                   "SELECT COUNT(DISTINCT customer_id) FROM st17.sales "
                   "WHERE ordered_at >= DATE '{p}' - INTERVAL '29 days' "
                   "AND ordered_at < DATE '{p}' + INTERVAL '1 day'"),
    "revenue_to_date": (MONTH, date(2024, 2, 1),
                        "SELECT SUM(amount) FROM st17.sales "
                        "WHERE ordered_at < DATE '{p}' + INTERVAL '1 month'"),
    "visit_to_order": (MONTH, date(2024, 2, 1), """
        WITH first_visit AS (
          SELECT customer_id, MIN(visited_at) AS at FROM st17.visits
          WHERE visited_at >= DATE '{p}' AND visited_at < DATE '{p}' + INTERVAL '1 month'
          GROUP BY customer_id)
        SELECT CAST(COUNT(*) FILTER (WHERE EXISTS (
                 SELECT 1 FROM st17.sales s WHERE s.customer_id = f.customer_id
                 AND s.ordered_at >= f.at AND s.ordered_at <= f.at + INTERVAL '7 days'))
               AS DOUBLE PRECISION) / COUNT(*)
        FROM first_visit f"""),
    "double_revenue": (MONTH, date(2024, 2, 1),
                       "SELECT 2 * SUM(amount) FROM st17.sales WHERE ordered_at >= DATE '{p}' "
                       "AND ordered_at < DATE '{p}' + INTERVAL '1 month'"),
    "revenue_by_region": (MONTH, date(2024, 2, 1),
                          "SELECT SUM(amount) FROM st17.sales WHERE ordered_at >= DATE '{p}' "
                          "AND ordered_at < DATE '{p}' + INTERVAL '1 month'"),
}
ENGINES = [pytest.param("duckdb"), pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("st17")
    (path / "status.osm").write_text(SPEC, encoding="utf-8")
    con = duckdb.connect(str(path / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA st17")
    for ddl in DDL:
        con.execute(ddl)
    con.executemany("INSERT INTO st17.sales VALUES (?, ?, ?, ?, ?)", SALES)
    con.executemany("INSERT INTO st17.visits VALUES (?, ?, ?)", VISITS)
    con.close()
    return path


@pytest.fixture(scope="module")
def st17_postgres(pg_server: PgServer) -> str:
    import psycopg

    url = pg_server.database("status17")
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS st17 CASCADE")
        con.execute("CREATE SCHEMA st17")
        for ddl in DDL:
            con.execute(ddl)
        with con.cursor() as cur:
            cur.executemany("INSERT INTO st17.sales VALUES (%s, %s, %s, %s, %s)", SALES)
            cur.executemany("INSERT INTO st17.visits VALUES (%s, %s, %s)", VISITS)
    return url


def url_of(request: pytest.FixtureRequest, engine: str, project: Path) -> str:
    if engine == "duckdb":
        return f"duckdb:///{project / 'warehouse.duckdb'}"
    return request.getfixturevalue("st17_postgres")  # type: ignore[no-any-return]


def by_sql(url: str, sql: str) -> Any:
    """The one value of hand-written ``sql`` on the warehouse at ``url``."""
    if url.startswith("duckdb"):
        con = duckdb.connect(url.removeprefix("duckdb:///"), read_only=True)
        value = con.execute(sql).fetchone()[0]  # type: ignore[index]
        con.close()
        return value
    import psycopg

    with psycopg.connect(url) as pg:
        return pg.execute(sql.encode()).fetchone()[0]  # type: ignore[index]


@pytest.fixture(scope="module", params=ENGINES)
def statuses(request: pytest.FixtureRequest, project: Path) -> tuple[str, dict[str, Any]]:
    url = url_of(request, request.param, project)
    got = api.status(api.load(project), as_of=AS_OF, db=url)
    return url, {s.measure: s for s in got.measures}


@pytest.mark.parametrize("name", sorted(HAND))
def test_latest_complete_value_equals_hand_written_sql(
        statuses: tuple[str, dict[str, Any]], name: str) -> None:
    url, got = statuses
    period, before, sql = HAND[name]
    row = got[name]
    assert (row.period, row.complete) == (period, True)
    want, previous = by_sql(url, sql.format(p=period)), by_sql(url, sql.format(p=before))
    assert row.value == pytest.approx(float(want), rel=1e-9)
    assert row.previous == pytest.approx(float(previous), rel=1e-9)
    assert row.change == pytest.approx(float(want) - float(previous), rel=1e-9)


def test_values_by_hand(statuses: tuple[str, dict[str, Any]]) -> None:
    """Independently of any SQL: March 2024 and the day 2024-04-09."""
    _, got = statuses
    assert got["revenue"].value == 450 and got["revenue"].previous == 110
    assert got["avg_sale"].value == pytest.approx(112.5)
    assert got["revenue_to_date"].value == 140 + 110 + 450
    assert got["buyers_30d"].value == 4  # customers 2, 5, 3, 6 from 03-11 to 04-09
    assert got["visit_to_order"].value == pytest.approx(3 / 4)
    assert got["visit_to_order"].previous == pytest.approx(1 / 2)


def test_targets_and_statuses(statuses: tuple[str, dict[str, Any]]) -> None:
    _, got = statuses
    assert (got["revenue"].op, got["revenue"].target, got["revenue"].status) == (
        ">=", 1000, "off-track")  # the objective's target
    assert (got["avg_sale"].op, got["avg_sale"].status) == (">=", "on-track")
    assert (got["revenue_by_region"].op, got["revenue_by_region"].status) == ("<=", "on-track")
    assert (got["visit_to_order"].status, got["visit_to_order"].trend) == (
        "no-target", "improving")
    assert got["double_revenue"].trend is None  # no direction


@pytest.mark.parametrize("engine", ENGINES)
def test_value_equals_osm_run_for_the_period(request: pytest.FixtureRequest, engine: str,
                                             project: Path) -> None:
    """The latest complete period is ``osm run``'s (its ``complete`` column) and the value
    is run's for it."""
    url = url_of(request, engine, project)
    model = api.load(project)
    got = {s.measure: s for s in api.status(model, as_of=AS_OF, db=url).measures}
    for name in HAND:
        if name == "revenue_by_region":  # osm run gives a row per region; status the total
            continue
        ran = api.run(model, name, as_of=AS_OF, db=url)
        rows = {r[0]: r[-2] for r in ran.rows}
        assert got[name].period == ran.last_complete_period, name
        assert got[name].value == pytest.approx(float(rows[got[name].period]), rel=1e-12), name


def test_as_of_defaults_to_the_data(project: Path) -> None:
    """Without ``--as-of`` the data's last event (2024-04-12) decides: April still runs."""
    url = f"duckdb:///{project / 'warehouse.duckdb'}"
    got = api.status(api.load(project), db=url)
    assert got.as_of == date(2024, 4, 12)
    revenue = {s.measure: s for s in got.measures}["revenue"]
    assert (revenue.period, revenue.value) == (MONTH, 450)


def test_cli_json_contract_and_text(project: Path) -> None:
    url = f"duckdb:///{project / 'warehouse.duckdb'}"
    runner = CliRunner()
    out = runner.invoke(main, ["status", str(project), "--db", url, "--as-of", "2024-04-10",
                               "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["as_of"] == "2024-04-10"
    first = doc["measures"][0]
    assert {"measure", "label", "period", "complete", "value", "previous", "change",
            "target", "status", "unit"} <= first.keys()
    assert (first["measure"], first["period"], first["value"], first["status"]) == (
        "revenue", "2024-03-01", 450, "off-track")
    text = runner.invoke(main, ["status", str(project), "--db", url, "--as-of", "2024-04-10"])
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    assert lines[0] == "grow"
    assert "revenue" in lines[1] and "✗ off-track" in lines[1] and "\x1b" not in text.stdout


def test_no_complete_period_is_no_data(project: Path) -> None:
    url = f"duckdb:///{project / 'warehouse.duckdb'}"
    got = api.status(api.load(project), as_of=date(2024, 1, 2), db=url)
    month = {s.measure: s for s in got.measures}["revenue"]
    assert (month.status, month.period, month.value) == ("no-data", None, None)


@pytest.mark.parametrize("url", ["duckdb:////nowhere/missing.duckdb",
                                 "postgresql://ana:hunter2@127.0.0.1:1/shop"])
def test_a_warehouse_that_cannot_be_opened_is_one_error_line(project: Path, url: str) -> None:
    """docs/status.md: exit 2 and the message, never a traceback (nor the password)."""
    result = CliRunner().invoke(main, ["status", str(project), "--db", url])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and "Traceback" not in result.output
    assert "hunter2" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
