"""Injection: hostile conditions, names, labels and dimensions never escape their fragment.

Each case is a one-measure project over ``sec.events``. It must either be refused with a
positioned diagnostic (the expected code) or compile to SQL that runs on DuckDB and on
PostgreSQL and returns the hand-computed value. Around all of it sit a sentinel table
(``sec.sentinel``, three rows) and a sentinel file holding a unique secret: after every case
ran on both engines the table still has its rows and no SQL, result or message contains the
secret.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.load import check
from metriclang.sqlgen import compile_sql
from metriclang.warehouse.duckdb import DuckDBEngine
from metriclang.warehouse.postgres import PostgresEngine
from metriclang.warehouse.result import EngineError
from tests.harness import PgServer, reader
from tests.reliability.pipeline import assert_positioned

SECRET = f"osm-secret-{uuid.uuid4().hex}"
DROP = "DROP TABLE sec.sentinel"
#: Rows of sec.events: (ts, status, amount, customer_id, we"ird).
EVENTS = [
    ("2026-01-05 10:00:00", f"'; {DROP}; --", 1, 1, 1),
    ("2026-01-05 11:00:00", "a\\", 2, 2, 0),
    ("2026-01-05 12:00:00", "it's", 3, 3, 0),
    ("2026-01-05 13:00:00", "--", 4, 4, 0),
    ("2026-01-05 14:00:00", "/* */", 5, 5, 0),
    ("2026-01-05 15:00:00", "’quoted’", 6, 6, 0),
    ("2026-01-05 16:00:00", "paid", 7, 7, 0),
]
SOURCE = f'''source events "Events '; {DROP}; --" {{
  table sec.events
  time ts
  entity customer = customer_id
  dimension status
  dimension tagged = status || '; {DROP}; --'
  dimension weird = "we""ird"
}}
'''

#: (case id, formula or whole measure body, expected value or E-code)
CASES: list[tuple[str, str, object]] = [
    ("drop_in_literal", f"count(events where status = '''; {DROP}; --')", 1),
    ("backslash_literal", "count(events where status = 'a\\')", 1),
    ("doubled_quote", "count(events where status = 'it''s')", 1),
    ("dashes_literal", "count(events where status = '--')", 1),
    ("block_comment_literal", "count(events where status = '/* */')", 1),
    ("unicode_quote_literal", "count(events where status = '’quoted’')", 1),
    ("quote_in_identifier", "count(events where \"we\"\"ird\" = 1)", 1),
    ("line_comment", "count(events where status = 'paid' -- DROP TABLE sec.sentinel\n)", 1),
    ("block_comment", "count(events where status = 'paid' /* DROP TABLE sec.sentinel */)", 1),
    ("line_comment_paren", "count(events where status = 'paid' -- ) DROP TABLE sec.sentinel\n)",
     "E"),
    ("block_comment_paren", "count(events where status = 'paid' /* ) DROP TABLE sec.sentinel */)",
     "E"),
    ("comment_closer", "count(events where status = 'paid' -- */ DROP TABLE sec.sentinel /*\n)",
     1),
    ("line_comment_semicolon", f"count(events where status = 'paid' -- ); {DROP}\n)", "E"),
    ("block_comment_semicolon", f"count(events where status = 'paid' /* ); {DROP} */)", "E"),
    ("unicode_quotes_as_delimiters", f"count(events where status = ’x’; {DROP}; --’)", "E"),
    ("second_statement", f"count(events where 1 = 1; {DROP})", "E"),
    ("subquery", "sum(events, (select count(*) from sec.sentinel))", "E171"),
    ("drop_expression", f"sum(events, {DROP})", "E"),
    ("copy_to_program", "sum(events, amount where 1 = 1; COPY sec.sentinel TO PROGRAM 'cat')",
     "E"),
    ("attach", "sum(events, amount where 1 = 1; ATTACH '/tmp/x.duckdb' AS x)", "E"),
    ("read_csv", "count(events where status = read_csv('{file}'))", "E171"),
    ("read_text", "count(events where status = read_text('{file}'))", "E171"),
    ("pg_read_file", "count(events where status = pg_read_file('{file}'))", "E171"),
    ("pg_read_file_qualified", "count(events where status = pg_catalog.pg_read_file('{file}'))",
     "E171"),
    ("pg_read_file_quoted", "count(events where status = \"pg_read_file\"('{file}'))", "E171"),
    ("lo_import", "sum(events, lo_import('{file}'))", "E171"),
    ("dblink", "count(events where status = dblink('dbname=x', 'select 1'))", "E171"),
    ("query_to_xml", "count(events where query_to_xml('select * from sec.sentinel', true, "
     "false, '') is not null)", "E171"),
    ("pg_sleep", "count(events where pg_sleep_for('1 hour') is null)", "E171"),
    ("getenv", "count(events where status = getenv('HOME'))", "E171"),
    ("dimension_with_payload", "count(events where tagged = '''; "
     f"{DROP}; --'' || ''; {DROP}; --')", 0),
]


def _project(root: Path, formula: str, label: str = "Label") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "events.osm").write_text(SOURCE, encoding="utf-8")
    (root / "m.osm").write_text(f'measure m "{label}" {{\n  formula {formula}\n}}\n',
                                encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def secret_file() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="osm-secret-"))
    folder.chmod(0o755)  # pytest's own temporary folders are private to root
    path = folder / "secret.txt"
    path.write_text(SECRET + "\n", encoding="utf-8")
    path.chmod(0o644)  # readable by the PostgreSQL server's own user: only vetting stops it
    yield path
    shutil.rmtree(folder, ignore_errors=True)


def _seed(con: object, dialect: str) -> None:
    run = con.execute  # type: ignore[attr-defined]
    run("CREATE SCHEMA IF NOT EXISTS sec")
    run("CREATE TABLE sec.sentinel (id INTEGER, note VARCHAR(40))")
    run("INSERT INTO sec.sentinel VALUES (1, 'one'), (2, 'two'), (3, 'three')")
    run('CREATE TABLE sec.events (ts TIMESTAMP, status VARCHAR(80), amount INTEGER, '
        'customer_id INTEGER, "we""ird" INTEGER)')
    for row in EVENTS:
        values = exp.Tuple(expressions=[
            exp.cast(exp.Literal.string(row[0]), "timestamp"), exp.Literal.string(row[1]),
            *(exp.Literal.number(v) for v in row[2:])])
        run(exp.insert(exp.Values(expressions=[values]), "sec.events").sql(dialect))


@pytest.fixture(scope="module")
def duck(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, DuckDBEngine]]:
    path = tmp_path_factory.mktemp("duck") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    _seed(con, "duckdb")
    con.close()
    engine = DuckDBEngine(path)
    yield path, engine
    engine.close()


@pytest.fixture(scope="module")
def pg(pg_server: PgServer) -> Iterator[tuple[str, PostgresEngine]]:
    import psycopg

    url = pg_server.database("osm_security")
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS sec CASCADE")
        _seed(con, "postgres")
        con.execute("CREATE FUNCTION sec.wipe() RETURNS integer LANGUAGE sql VOLATILE AS "
                    "'DELETE FROM sec.sentinel RETURNING 1'")
    engine = PostgresEngine(url)
    yield url, engine
    engine.close()


def _sentinel_rows_duckdb(path: Path) -> list[tuple[object, ...]]:
    con = reader(path)  # configured like the engine's connection, which stays open
    try:
        return con.execute("SELECT id, note FROM sec.sentinel ORDER BY id").fetchall()
    finally:
        con.close()


def _sentinel_rows_pg(url: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url) as con:
        return con.execute("SELECT id, note FROM sec.sentinel ORDER BY id").fetchall()


SENTINEL = [(1, "one"), (2, "two"), (3, "three")]


@pytest.mark.postgres
@pytest.mark.parametrize(("case", "formula", "expected"), CASES, ids=[c[0] for c in CASES])
def test_injection(tmp_path: Path, secret_file: Path, duck: tuple[Path, DuckDBEngine],
                   pg: tuple[str, PostgresEngine], case: str, formula: str,
                   expected: object) -> None:
    root = _project(tmp_path / case, formula.replace("{file}", str(secret_file)),
                    label=f"'; {DROP}; -- <script>")
    loaded = check(root)
    assert_positioned(root, loaded)
    errors = [d for d in loaded.diagnostics.active() if d.code.startswith("E")]
    seen: list[str] = [d.message for d in loaded.diagnostics]
    if isinstance(expected, str):
        assert errors, f"{case}: expected {expected}, got SQL"
        assert any(d.code.startswith(expected) for d in errors), errors
        assert all(d.span.file == "m.osm" for d in errors), errors
    else:
        assert not errors, errors
        for dialect in OUTPUT_DIALECTS:
            sql, problems = compile_sql(loaded.project, "m", dialect)
            assert sql is not None, problems
            seen.append(sql)
            statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
            assert len(statements) == 1 and isinstance(statements[0], exp.Query), dialect
            assert not list(statements[0].find_all(exp.Drop, exp.Copy, exp.Command)), dialect
        for engine in (duck[1], pg[1]):
            sql, _ = compile_sql(loaded.project, "m", engine.dialect)
            result = engine.query(sql or "")
            seen.append(repr(result.rows))
            assert [r[-1] for r in result.rows if r[-1]] in ([expected], []) if expected == 0 \
                else sum(r[-1] or 0 for r in result.rows) == expected, (engine.dialect, result)
    assert _sentinel_rows_duckdb(duck[0]) == SENTINEL
    assert _sentinel_rows_pg(pg[0]) == SENTINEL
    assert not any(SECRET in text for text in seen)


@pytest.mark.postgres
def test_dimension_expression_keeps_payload_as_data(tmp_path: Path,
                                                    duck: tuple[Path, DuckDBEngine],
                                                    pg: tuple[str, PostgresEngine]) -> None:
    """A dimension built from a hostile expression groups by the literal text, nothing more."""
    root = tmp_path / "dims"
    root.mkdir()
    (root / "events.osm").write_text(SOURCE, encoding="utf-8")
    (root / "m.osm").write_text("measure m {\n  formula count(events)\n  dimensions tagged\n}\n",
                                encoding="utf-8")
    loaded = check(root)
    assert not loaded.diagnostics.has_errors, list(loaded.diagnostics)
    for engine in (duck[1], pg[1]):
        sql, problems = compile_sql(loaded.project, "m", engine.dialect)
        assert sql is not None, problems
        rows = engine.query(sql).rows
        tags = sorted(r[1] for r in rows if r[-1])
        assert tags == sorted(f"{e[1]}; {DROP}; --" for e in EVENTS), engine.dialect
    assert _sentinel_rows_duckdb(duck[0]) == SENTINEL
    assert _sentinel_rows_pg(pg[0]) == SENTINEL


@pytest.mark.parametrize("text", [
    f"measure m; {DROP} {{\n  formula count(events)\n}}\n",
    "measure m\"x {\n  formula count(events)\n}\n",
    f"source s {{\n  table sec.events; {DROP}\n  time ts\n}}\n",
    "source s {\n  table \"sec\".\"sentinel\"\n  time ts\n}\n",
    "source s {\n  table sec.events\n  time ts; DROP TABLE x\n}\n",
    "measure m {\n  formula count(events)\n  dimensions status; DROP TABLE x\n}\n",
], ids=["measure_name", "quote_in_name", "table", "quoted_table", "time", "dimensions"])
def test_names_cannot_carry_sql(tmp_path: Path, text: str) -> None:
    """Names are ASCII identifiers: anything else in a name position is a syntax error."""
    (tmp_path / "events.osm").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "x.osm").write_text(text, encoding="utf-8")
    loaded = check(tmp_path)
    assert_positioned(tmp_path, loaded)
    assert [d for d in loaded.diagnostics.active() if d.code.startswith("E1")
            and d.span.file == "x.osm"]


# ------------------------------------------------------------------ the engines themselves


def test_duckdb_engine_refuses_writes_and_files(duck: tuple[Path, DuckDBEngine],
                                                secret_file: Path) -> None:
    path, engine = duck
    for sql in (f"{DROP}", "SELECT 1; DROP TABLE sec.sentinel", "DELETE FROM sec.sentinel",
                "COPY sec.sentinel TO '/tmp/osm-x.csv'", "ATTACH '/tmp/osm-x.duckdb' AS x",
                "CREATE TABLE sec.t AS SELECT 1", "INSERT INTO sec.sentinel VALUES (4, 'x')",
                "PRAGMA enable_profiling", "SET threads = 1"):
        with pytest.raises(EngineError, match="refusing"):
            engine.query(sql)
    # a SELECT that gets past the statement check still meets the engine's own guards
    for sql in (f"SELECT * FROM read_text('{secret_file}')",
                f"SELECT * FROM read_csv('{secret_file}')",
                "SELECT nextval('no_such_seq')"):
        with pytest.raises(EngineError) as info:
            engine.query(sql)
        assert SECRET not in str(info.value)
    assert _sentinel_rows_duckdb(path) == SENTINEL


@pytest.mark.postgres
def test_postgres_engine_runs_read_only(pg: tuple[str, PostgresEngine]) -> None:
    """A write hidden in a SELECT (a volatile function) fails: the transaction is read-only."""
    url, engine = pg
    with pytest.raises(EngineError, match="read-only transaction"):
        engine.query("SELECT sec.wipe()")
    for sql in (DROP, "SELECT 1; DROP TABLE sec.sentinel", "DELETE FROM sec.sentinel",
                "COPY sec.sentinel TO PROGRAM 'cat'", "SELECT * INTO sec.copy FROM sec.sentinel",
                "WITH d AS (DELETE FROM sec.sentinel RETURNING *) SELECT * FROM d"):
        with pytest.raises(EngineError, match="refusing"):
            engine.query(sql)
    assert engine.query("SELECT current_setting('transaction_read_only') AS v").rows == (("on",),)
    assert _sentinel_rows_pg(url) == SENTINEL


@pytest.mark.postgres
def test_control_the_server_can_read_the_sentinel_file(pg: tuple[str, PostgresEngine],
                                                       secret_file: Path) -> None:
    """The file is readable by the server: only the fragment vetting keeps it unread above."""
    import psycopg

    with psycopg.connect(pg[0]) as con:
        text = con.execute("SELECT pg_read_file(%s)", [str(secret_file)]).fetchone()
    assert text is not None and SECRET in text[0]
