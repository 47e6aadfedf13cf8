"""The ``complete`` column of ``osm run`` and ``osm query`` on DuckDB and PostgreSQL, against
expectations computed by hand from this file's rows (schema ``c16``):

* a weekly count whose first week starts before the data (Wed 2025-01-01) and whose last
  week has not ended at the last event (Thu 2025-03-06 10:00);
* a trailing 28-day distinct count per day, incomplete while its window reaches before
  2025-01-01, and a 4-week trailing sum per week (a window of whole periods);
* a running total, whose frame is all history: only its last week is incomplete;
* a conversion with a 7-day window whose last cohorts are censored: complete only once the
  cohort's week plus 7 days has passed the *earliest* last event of its two sources;
* ``--as-of`` overriding the data's last event.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from metriclang import api
from metriclang.cli import main
from tests.harness import PgServer

SPEC = """
source events { table c16.events time happened_at entity customer = customer }
source visits { table c16.visits time happened_at entity customer = customer }
source orders { table c16.orders time happened_at entity customer = customer }
measure weekly_n { formula count(events) grain week }
measure active_28d { formula count_distinct(events, customer) window 28 days grain day }
measure n_28d { formula count(events) window 28 days grain week }
measure total { formula count(events) cumulative grain week }
measure converted {
  formula conversion(visits -> orders, within 7 days, by customer)
  grain week
}
"""
#: (at, customer): Wednesday 2025-01-01 to Thursday 2025-03-06 10:00 (the last event)
EVENTS = [
    ("2025-01-01 09:00:00", "c1"), ("2025-01-02 09:00:00", "c2"),
    ("2025-01-08 09:00:00", "c1"), ("2025-01-15 09:00:00", "c3"),
    ("2025-01-22 09:00:00", "c1"), ("2025-01-29 09:00:00", "c2"),
    ("2025-02-05 09:00:00", "c4"), ("2025-02-12 09:00:00", "c1"),
    ("2025-02-19 09:00:00", "c2"), ("2025-02-26 09:00:00", "c3"),
    ("2025-03-04 09:00:00", "c1"), ("2025-03-06 10:00:00", "c5"),
]
#: first visits per weekly cohort: Feb 10 (c1, c2), Feb 17 (c3), Feb 24 (c4, c5), Mar 3 (c6, c7)
VISITS = [
    ("2025-02-10 10:00:00", "c1"), ("2025-02-12 10:00:00", "c2"),
    ("2025-02-18 10:00:00", "c3"), ("2025-02-25 10:00:00", "c4"),
    ("2025-02-27 10:00:00", "c5"), ("2025-03-04 10:00:00", "c6"),
    ("2025-03-06 10:00:00", "c7"),
]
#: c1 within a day, c2 after 13 days (too late), c3 and c4 in time, c5 and c7 never, c6 on
#: 2025-03-05 12:00: the last order, earlier than the last visit, so the data ends there.
ORDERS = [
    ("2025-02-10 11:00:00", "c1"), ("2025-02-25 10:00:00", "c2"),
    ("2025-02-20 10:00:00", "c3"), ("2025-02-28 10:00:00", "c4"),
    ("2025-03-05 12:00:00", "c6"),
]
TABLES = {"events": EVENTS, "visits": VISITS, "orders": ORDERS}
ENGINES = [pytest.param("duckdb"), pytest.param("postgres", marks=pytest.mark.postgres)]
LAST_EVENT = datetime(2025, 3, 6, 10)


def weeks(first: date, n: int) -> list[date]:
    return [first + timedelta(weeks=i) for i in range(n)]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("c16")
    (path / "c16.osm").write_text(SPEC, encoding="utf-8")
    con = duckdb.connect(str(path / "data.duckdb"))
    con.execute("CREATE SCHEMA c16")
    for table, rows in TABLES.items():
        con.execute(f"CREATE TABLE c16.{table} (happened_at TIMESTAMP, customer VARCHAR)")
        con.executemany(f"INSERT INTO c16.{table} VALUES (?, ?)", rows)
    con.close()
    return path


@pytest.fixture(scope="module")
def c16_postgres(pg_server: PgServer) -> str:
    import psycopg

    url = pg_server.database("complete16")
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS c16 CASCADE")
        con.execute("CREATE SCHEMA c16")
        for table, rows in TABLES.items():
            con.execute(f"CREATE TABLE c16.{table} (happened_at TIMESTAMP, customer TEXT)")
            with con.cursor() as cur:
                cur.executemany(f"INSERT INTO c16.{table} VALUES (%s, %s)", rows)
    return url


def url_of(request: pytest.FixtureRequest, engine: str, project: Path) -> str:
    if engine == "duckdb":
        return f"duckdb:///{project / 'data.duckdb'}"
    return request.getfixturevalue("c16_postgres")  # type: ignore[no-any-return]


def rows(result: api.QueryResult) -> list[tuple[Any, ...]]:
    """Rows with dates as dates and numbers as floats (engines differ in types)."""
    def norm(v: Any) -> Any:
        if isinstance(v, datetime):
            return v.date()
        return v if isinstance(v, bool | date | str) or v is None else float(v)
    return [tuple(norm(v) for v in row) for row in result.rows]


@pytest.mark.parametrize("engine", ENGINES)
def test_weekly_last_week_partial_first_week_before_the_data(
        request: pytest.FixtureRequest, engine: str, project: Path) -> None:
    url, p = url_of(request, engine, project), api.load(project)
    got = api.run(p, "weekly_n", db=url)
    assert got.columns == ("period", "value", "complete")
    # Mon 2024-12-30 holds Jan 1 and 2 but starts before the data; Mon 2025-03-03 ends on
    # 2025-03-10, after the last event.
    want = [(w, n, 0 < i < 9) for i, (w, n) in
            enumerate(zip(weeks(date(2024, 12, 30), 10), [2, 1, 1, 1, 1, 1, 1, 1, 1, 2],
                          strict=True))]
    assert rows(got) == want
    assert got.coverage is not None and got.coverage.as_of == LAST_EVENT
    assert got.coverage.first == date(2025, 1, 1) and not got.coverage.given
    assert got.last_complete_period in (date(2025, 2, 24), datetime(2025, 2, 24))


@pytest.mark.parametrize("engine", ENGINES)
def test_as_of_overrides_the_last_event(request: pytest.FixtureRequest, engine: str,
                                         project: Path) -> None:
    url, p = url_of(request, engine, project), api.load(project)
    later = api.run(p, "weekly_n", db=url, as_of=date(2025, 3, 10))
    assert [r[2] for r in rows(later)] == [False] + [True] * 9  # the week of Mar 3 has ended
    earlier = api.run(p, "weekly_n", db=url, as_of=date(2025, 2, 24),
                      date_from=date(2025, 2, 10))
    assert rows(earlier) == [(date(2025, 2, 10), 1, True), (date(2025, 2, 17), 1, True),
                             (date(2025, 2, 24), 1, False), (date(2025, 3, 3), 2, False)]
    assert earlier.coverage is not None and earlier.coverage.given


@pytest.mark.parametrize("engine", ENGINES)
def test_trailing_windows_at_the_start_of_the_data(request: pytest.FixtureRequest, engine: str,
                                                   project: Path) -> None:
    url, p = url_of(request, engine, project), api.load(project)
    days = rows(api.run(p, "active_28d", db=url))
    assert len(days) == 65  # 2025-01-01 .. 2025-03-06
    by_day = {r[0]: r[1:] for r in days}
    # 28 days up to 2025-01-27 start on 2024-12-31, before the data: c1, c2, c3 but
    # incomplete; the same 3 up to 2025-01-28 are complete.
    assert by_day[date(2025, 1, 27)] == (3, False)
    assert by_day[date(2025, 1, 28)] == (3, True)
    # up to 2025-03-05 (Feb 6 on): c1, c2, c3; 2025-03-06 has not ended at the last event
    assert by_day[date(2025, 3, 5)] == (3, True)
    assert by_day[date(2025, 3, 6)] == (4, False)
    assert [d for d, *_, done in days if done] == [
        date(2025, 1, 28) + timedelta(days=i) for i in range(37)]
    # four weeks as whole periods: the weeks of Dec 30 .. Jan 20 (5 events) reach before
    # the data; Jan 6 .. Jan 27 (4) do not
    weekly = {r[0]: r[1:] for r in rows(api.run(p, "n_28d", db=url))}
    assert weekly[date(2025, 1, 20)] == (5, False)
    assert weekly[date(2025, 1, 27)] == (4, True)
    # a running total reads all history: complete from its first week, but for the last
    total = rows(api.run(p, "total", db=url))
    assert total[0] == (date(2024, 12, 30), 2, True)
    assert total[-2:] == [(date(2025, 2, 24), 10, True), (date(2025, 3, 3), 12, False)]


@pytest.mark.parametrize("engine", ENGINES)
def test_censored_conversion_cohorts(request: pytest.FixtureRequest, engine: str,
                                     project: Path) -> None:
    url, p = url_of(request, engine, project), api.load(project)
    got = api.run(p, "converted", db=url)
    # The data ends at the last order (2025-03-05 12:00), before the last visit. A cohort
    # is complete once its week and 7 days have passed: Feb 17 + 7 + 7 = Mar 3, yes;
    # Feb 24 + 7 + 7 = Mar 10, no.
    assert rows(got) == [(date(2025, 2, 10), 0.5, True), (date(2025, 2, 17), 1.0, True),
                         (date(2025, 2, 24), 0.5, False), (date(2025, 3, 3), 0.5, False)]
    assert got.coverage is not None and got.coverage.as_of == datetime(2025, 3, 5, 12)
    late = api.run(p, "converted", db=url, as_of=date(2025, 3, 10))
    assert [r[2] for r in rows(late)] == [True, True, True, False]


@pytest.mark.parametrize("engine", ENGINES)
def test_query_rows_are_complete_when_every_measure_is(
        request: pytest.FixtureRequest, engine: str, project: Path) -> None:
    url, p = url_of(request, engine, project), api.load(project)
    got = api.query(p, ["weekly_n", "n_28d"], date_to=date(2025, 2, 2), db=url)
    assert got.columns == ("period", "weekly_n", "n_28d", "complete")
    assert rows(got) == [(date(2024, 12, 30), 2, 2, False), (date(2025, 1, 6), 1, 3, False),
                         (date(2025, 1, 13), 1, 4, False), (date(2025, 1, 20), 1, 5, False),
                         (date(2025, 1, 27), 1, 4, True)]
    months = api.query(p, ["weekly_n"], grain="month", db=url)
    assert rows(months) == [(date(2025, 1, 1), 6, True), (date(2025, 2, 1), 4, True),
                            (date(2025, 3, 1), 2, False)]
    months = api.query(p, ["weekly_n"], grain="month", as_of=date(2025, 4, 1), db=url)
    assert [r[-1] for r in months.rows] == [True, True, True]


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_formats_mark_incomplete_rows(project: Path) -> None:
    url = f"duckdb:///{project / 'data.duckdb'}"
    code, out, err = cli("run", str(project), "weekly_n", "--db", url, "--format", "csv",
                         "--from", "2025-02-24")
    assert code == 0, err
    assert out == "period,value,complete\n2025-02-24,1,true\n2025-03-03,2,false\n"
    code, out, err = cli("run", str(project), "weekly_n", "--db", url, "--from", "2025-02-24")
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split() for line in lines if "2025-0" in line][:2] == [
        ["2025-02-24", "1"], ["2025-03-03", "*", "2"]]
    assert lines[-2:] == ["* incomplete: the data (2025-01-01 to the last event, 2025-03-06 "
                          "10:00:00) does not cover the period or its window", ""]
    code, out, err = cli("query", str(project), "weekly_n", "--grain", "month", "--db", url,
                         "--format", "json", "--as-of", "2025-03-10")
    assert code == 0, err
    assert json.loads(out) == {
        "columns": ["period", "weekly_n", "complete"],
        "rows": [{"period": "2025-01-01", "weekly_n": 6, "complete": True},
                 {"period": "2025-02-01", "weekly_n": 4, "complete": True},
                 {"period": "2025-03-01", "weekly_n": 2, "complete": False}],
        "first": "2025-01-01", "as_of": "2025-03-10"}
    code, out, err = cli("run", str(project), "--all", "--db", url, "--format", "csv",
                         "--from", "2025-03-03")
    assert code == 0, err
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["measure", "period", "dimensions", "value", "complete"]
    assert ["weekly_n", "2025-03-03", "", "2", "false"] in table
    code, _, err = cli("query", str(project), "weekly_n", "--as-of", "2025-03-10", "--sql")
    assert code == 2 and "--as-of goes with running the query" in err


def test_a_measure_named_like_an_output_column_cannot_be_queried(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text(
        "source s { table t time at }\nmeasure complete { formula count(s) grain month }\n",
        encoding="utf-8")
    code, _, err = cli("query", str(tmp_path), "complete", "--sql")
    assert code == 2 and "measure `complete` would be a column named like" in err
    code, out, err = cli("sql", str(tmp_path), "complete")
    assert code == 0 and out.startswith("WITH osm_bounds AS (")  # `osm run` has `value`
