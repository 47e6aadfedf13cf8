"""Fragments call only allow-listed functions; queries stop at the statement timeout.

The hostile fragments below run SQL held in a string, read server files, sleep, take locks,
reset statistics, change settings or call an unknown function. Each must be refused at
``osm check`` with E171 naming the function at its line and column, in both input dialects
the engines read (DuckDB and PostgreSQL); the sentinel table survives on both engines and no
message holds the sentinel file's secret. Ordinary functions sqlglot types still compile and
give hand-computed values on both engines, ``[sql] allow_functions`` lets a named function
through, and ``--timeout`` cancels a slow query on each engine with a clear message.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.load import check
from metriclang.sqlgen import compile_sql
from metriclang.warehouse.duckdb import DuckDBEngine
from metriclang.warehouse.postgres import PostgresEngine
from tests.reliability.pipeline import assert_positioned
from tests.security.test_injection import (
    EVENTS,
    SECRET,
    SENTINEL,
    SOURCE,
    _sentinel_rows_duckdb,
    _sentinel_rows_pg,
)

#: (case id, formula, the function E171 must name first)
HOSTILE: list[tuple[str, str, str]] = [
    ("ts_rewrite", "count(events where ts_rewrite(to_tsquery('simple', 'x'), "
     "'SELECT pg_read_file(''{file}'')::tsquery, ''y''::tsquery') is not null)", "ts_rewrite"),
    ("query_to_xml", "count(events where query_to_xml('select * from sec.sentinel', true, "
     "false, '') is not null)", "query_to_xml"),
    ("xpath", "count(events where xpath('/row', query_to_xml('select 1', true, false, '')) "
     "is not null)", "xpath"),
    ("cursor_to_xml", "count(events where cursor_to_xml('c', 1, false, false, '') is null)",
     "cursor_to_xml"),
    ("dblink", "count(events where dblink('dbname=postgres', 'select 1') is null)", "dblink"),
    ("pg_read_file", "count(events where status = pg_read_file('{file}'))", "pg_read_file"),
    ("pg_read_file_qualified", "count(events where status = pg_catalog.pg_read_file('{file}'))",
     "pg_catalog.pg_read_file"),
    ("pg_ls_dir", "count(events where status = pg_ls_dir('.'))", "pg_ls_dir"),
    ("read_text", "count(events where status = read_text('{file}'))", "read_text"),
    ("read_csv_auto", "count(events where status = read_csv_auto('{file}'))", "read_csv_auto"),
    ("read_csv_typed", "count(events where status = read_csv('{file}'))", "read_csv"),
    ("glob", "count(events where status = glob('{file}'))", "glob"),
    ("pg_sleep", "count(events where pg_sleep(600) is null)", "pg_sleep"),
    ("pg_advisory_lock", "count(events where pg_advisory_lock(42) is null)", "pg_advisory_lock"),
    ("pg_stat_reset", "count(events where pg_stat_reset() is null)", "pg_stat_reset"),
    ("set_config", "count(events where set_config('work_mem', '1GB', false) = '')",
     "set_config"),
    ("current_setting", "count(events where status = current_setting('data_directory'))",
     "current_setting"),
    ("current_user", "count(events where status = current_user)", "current_user"),
    ("version", "count(events where status = version())", "version"),
    ("unnest", "sum(events, unnest([amount, amount]))", "unnest"),
    ("unknown", "count(events where lowr(status) = 'paid')", "lowr"),
    ("aggregate", "sum(events, amount where amount > avg(amount))", "avg"),
]

#: sqlglot's PostgreSQL reader takes `glob` for the operator, so the call does not parse (E170).
NOT_PARSED = {("glob", "postgres")}


def _project(root: Path, formula: str, dialect: str = "duckdb", toml: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "events.osm").write_text(SOURCE, encoding="utf-8")
    (root / "m.osm").write_text(f"measure m {{\n  formula {formula}\n}}\n", encoding="utf-8")
    (root / "metriclang.toml").write_text(f'[project]\ndialect = "{dialect}"\n{toml}',
                                          encoding="utf-8")
    return root


@pytest.mark.postgres
@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
@pytest.mark.parametrize(("case", "formula", "name"), HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_function_refused_at_check(tmp_path: Path, secret_file: Path,
                                           duck: tuple[Path, DuckDBEngine],
                                           pg: tuple[str, PostgresEngine], dialect: str,
                                           case: str, formula: str, name: str) -> None:
    formula = formula.replace("{file}", str(secret_file))
    root = _project(tmp_path / case, formula, dialect)
    loaded = check(root)
    assert_positioned(root, loaded)
    errors = [d for d in loaded.diagnostics.active() if d.code.startswith("E")]
    if (case, dialect) in NOT_PARSED:
        assert [d.code for d in errors] == ["E170"], errors
        return
    assert errors and errors[0].code == "E171", errors
    first = errors[0]
    assert f"`{name}`" in first.message, first.message
    bare = name.rsplit(".", 1)[-1]
    line = f"  formula {formula}"
    assert (first.span.file, first.span.line) == ("m.osm", 2)
    assert first.span.column == line.index(bare) + 1, (first.span, line)
    assert all(compile_sql(loaded.project, "m", d)[0] is None for d in ("duckdb", "postgres"))
    assert _sentinel_rows_duckdb(duck[0]) == SENTINEL
    assert _sentinel_rows_pg(pg[0]) == SENTINEL
    assert not any(SECRET in d.message for d in loaded.diagnostics)


def test_every_refused_call_is_reported_at_its_name(tmp_path: Path) -> None:
    """Several calls over several lines: one E171 each, at the name, in source order."""
    root = tmp_path / "multi"
    root.mkdir()
    (root / "events.osm").write_text(SOURCE.replace(
        "  dimension status\n",
        "  dimension status\n  dimension bad = coalesce(status,\n"
        "      dblink('x', 'y'), \"Pg_Sleep\"(1))\n"), encoding="utf-8")
    loaded = check(root)
    found = [(d.code, d.span.line, d.span.column, d.message) for d in loaded.diagnostics
             if d.code.startswith("E")]
    assert found == [
        ("E171", 7, 7, "function `dblink` is not allowed in a SQL fragment"),
        ("E171", 7, 25, "function `pg_sleep` is not allowed in a SQL fragment"),
    ]


#: (formula, value computed by hand from EVENTS)
LEGIT: list[tuple[str, int]] = [
    ("count(events where lower(status) = 'paid')", 1),
    ("sum(events, coalesce(amount, 0))", 28),
    ("count(events where date_trunc('month', ts) = cast('2026-01-01' as timestamp))", 7),
    ("sum(events, extract(hour from ts))", 10 + 11 + 12 + 13 + 14 + 15 + 16),
    ("sum(events, cast(amount as integer) * 2)", 56),
    ("sum(events, abs(amount - 4))", 3 + 2 + 1 + 0 + 1 + 2 + 3),
    ("sum(events, round(amount * 1.4))", 1 + 3 + 4 + 6 + 7 + 8 + 10),
    ("sum(events, length(status))", sum(len(e[1]) for e in EVENTS)),
    ("count(events where substring(status, 1, 2) = 'pa')", 1),
    ("sum(events, case when amount > 4 then 1 else 0 end)", 3),
    ("sum(events, date_part('day', ts))", 5 * 7),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("formula", "expected"), LEGIT, ids=[f for f, _ in LEGIT])
def test_typed_functions_still_work(tmp_path: Path, duck: tuple[Path, DuckDBEngine],
                                    pg: tuple[str, PostgresEngine], formula: str,
                                    expected: int) -> None:
    loaded = check(_project(tmp_path / "p", formula))
    assert not [d for d in loaded.diagnostics.active() if d.code.startswith("E")]
    for engine in (duck[1], pg[1]):
        sql, problems = compile_sql(loaded.project, "m", engine.dialect)
        assert sql is not None, problems
        rows = engine.query(sql).rows
        assert sum(r[-1] or 0 for r in rows) == expected, (engine.dialect, rows)


@pytest.mark.postgres
def test_allow_functions_lets_a_named_function_through(tmp_path: Path,
                                                       duck: tuple[Path, DuckDBEngine],
                                                       pg: tuple[str, PostgresEngine]) -> None:
    """`gcd` is a built-in of both engines that sqlglot does not type."""
    formula = "sum(events, gcd(amount, 4))"
    refused = check(_project(tmp_path / "off", formula))
    assert [(d.code, d.span.line, d.span.column) for d in refused.diagnostics.active()
            if d.code.startswith("E")] == [("E171", 2, 23)]
    loaded = check(_project(tmp_path / "on", formula,
                            toml='[sql]\nallow_functions = ["GCD"]\n'))
    assert not [d for d in loaded.diagnostics.active() if d.code.startswith("E")]
    for engine in (duck[1], pg[1]):
        sql, _ = compile_sql(loaded.project, "m", engine.dialect)
        rows = engine.query(sql or "").rows
        assert sum(r[-1] or 0 for r in rows) == 1 + 2 + 1 + 4 + 1 + 2 + 1, engine.dialect


def test_allow_functions_of_the_wrong_type(tmp_path: Path) -> None:
    loaded = check(_project(tmp_path / "p", "sum(events, gcd(amount, 4))",
                            toml='\n[sql]\nallow_functions = "gcd"\n'))
    found = [(d.code, d.span.file, d.span.line, d.span.column) for d in loaded.diagnostics
             if d.code.startswith("E")]
    assert found == [("E171", "m.osm", 2, 23), ("E194", "metriclang.toml", 5, 1)]


# ------------------------------------------------------------------ the statement timeout


def _run(root: Path, db: str, timeout: str) -> tuple[int, str, float]:
    start = time.monotonic()
    result = CliRunner().invoke(main, ["run", str(root), "m", "--db", db, "--timeout", timeout])
    return result.exit_code, result.stderr, time.monotonic() - start


SLOW_SOURCE = "source slow {\n  table sec.slow\n  time ts\n}\n"


@pytest.mark.postgres
def test_timeout_fires_on_postgres(tmp_path: Path, pg: tuple[str, PostgresEngine]) -> None:
    """A view that sleeps, created on the server directly: cancelled after one second."""
    import psycopg

    url = pg[0]
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("CREATE OR REPLACE VIEW sec.slow AS SELECT e.ts, e.amount FROM sec.events e "
                    "CROSS JOIN LATERAL (SELECT pg_sleep(5)) AS s")
    root = tmp_path / "p"
    root.mkdir()
    (root / "m.osm").write_text(SLOW_SOURCE + "measure m {\n  formula sum(slow, amount)\n}\n",
                                encoding="utf-8")
    code, err, _ = _run(root, url, "1")  # the server's statement_timeout cancels it: no clock
    assert code == 1
    assert "query for measure `m` exceeded the 1 s statement timeout (--timeout)" in err, err
    assert "Traceback" not in err
    code, err, _ = _run(root, url, "60")  # the same query finishes within a longer limit
    assert code == 0, err
    assert _sentinel_rows_pg(url) == SENTINEL


def test_timeout_fires_on_duckdb(tmp_path: Path) -> None:
    """A view crossing two large ranges: interrupted after one second."""
    path = tmp_path / "slow.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA sec")
    con.execute("CREATE VIEW sec.slow AS SELECT TIMESTAMP '2026-01-05' AS ts, a.range AS amount "
                "FROM range(1000000) AS a, range(1000000) AS b")
    con.close()
    root = tmp_path / "p"
    root.mkdir()
    (root / "m.osm").write_text(SLOW_SOURCE + "measure m {\n  formula sum(slow, amount)\n}\n",
                                encoding="utf-8")
    code, err, seconds = _run(root, f"duckdb:///{path}", "1")
    assert code == 1
    assert "query for measure `m` exceeded the 1 s statement timeout (--timeout)" in err, err
    assert "Traceback" not in err
    assert seconds < 30  # a hang detector, not a speed target: uncancelled, it runs for hours
