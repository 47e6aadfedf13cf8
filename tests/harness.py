"""The one engine harness: one DuckDB reference file, one PostgreSQL server, one Spark session.

Every test that needs PostgreSQL or Spark uses these session fixtures (``tests/conftest.py``
registers this module as a plugin), so a test run starts each engine once:

* ``pg_server``: the PostgreSQL server (pgserver); ``pg_server.database(name)`` gives a suite
  a database of its own, so it needs neither the reference warehouse nor its names;
* ``spark_session``: the local Spark session; suites create their own Spark databases in it;
* ``duckdb_file``, ``postgres_url``, ``spark_engine`` (and ``duckdb_engine``,
  ``postgres_engine``): the reference warehouse on each engine, holding the same tables: the
  engine corpus (``tests/engines/corpus/data.sql``) and both example projects' demo data.
  DuckDB is the reference: PostgreSQL gets the rows through COPY, Spark reads them as Parquet
  files DuckDB wrote.

A missing engine goes through :func:`tests.conftest.skip_or_fail`: skipped locally, a failure
in CI.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from metriclang.warehouse.demo import write_duckdb
from metriclang.warehouse.duckdb import DuckDBEngine
from metriclang.warehouse.postgres import PostgresEngine
from metriclang.warehouse.result import Engine
from metriclang.warehouse.spark import SparkEngine
from tests.conftest import EXAMPLES, ROOT, skip_or_fail

CORPUS = ROOT / "tests" / "engines" / "corpus"
SCHEMAS = ("corpus", "shop", "crm", "erp")


def demo_tables(project: str) -> list[Any]:
    """The generated tables of an example project (its data/generate.py)."""
    path = EXAMPLES / project / "data" / "generate.py"
    spec = importlib.util.spec_from_file_location(f"demo_{project}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.tables())


def reader(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection configured like the engine's, so both can be open at once."""
    return duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})


def tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(schema, table, [(column, DuckDB type)]) of every table, in a stable order."""
    names = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                        "ORDER BY 1, 2").fetchall()
    out = []
    for schema, table in names:
        columns = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                              "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                              [schema, table]).fetchall()
        out.append((schema, table, columns))
    return out


def engine_for(request: pytest.FixtureRequest, name: str) -> Engine:
    """The session engine called ``name`` (duckdb, postgres, spark)."""
    return request.getfixturevalue(f"{name}_engine")  # type: ignore[no-any-return]


# ------------------------------------------------------------------ the engines, once per run


@pytest.fixture(scope="session")
def warehouse_dir() -> Iterator[Path]:
    """A folder every engine can read (pgserver's own user included)."""
    path = Path(tempfile.mkdtemp(prefix="osm-engines-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class PgServer:
    """The test run's PostgreSQL server."""

    server: Any
    created: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        """The URL of its default database (the reference warehouse once loaded)."""
        return str(self.server.get_uri())

    def database(self, name: str) -> str:
        """The URL of the database ``name`` on this server, created on first use (a suite's
        own tables; each fixture drops its schema before filling it, as on a shared server)."""
        if name not in self.created:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as con:
                con.execute(exp.Create(this=exp.to_identifier(name), kind="DATABASE")
                            .sql("postgres"))
            self.created.add(name)
        return str(self.server.get_uri(database=name))


@pytest.fixture(scope="session")
def pg_server(warehouse_dir: Path) -> Iterator[PgServer]:
    """A PostgreSQL server started with pgserver (it runs as a non-root user by itself)."""
    try:
        import pgserver
        import psycopg  # noqa: F401  (every user of the server connects with it)
    except ImportError as exc:
        skip_or_fail(f"PostgreSQL tests need pgserver and psycopg: {exc}")
    pgdata = warehouse_dir / "pgdata"
    pgdata.mkdir()
    try:
        server = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    except Exception as exc:  # pgserver raises plain exceptions when initdb/pg_ctl fail
        skip_or_fail(f"cannot start PostgreSQL with pgserver: {exc}")
    yield PgServer(server)
    server.cleanup()


@pytest.fixture(scope="session")
def spark_session(warehouse_dir: Path) -> Iterator[Any]:
    """One local Spark session for the whole run (tuned for small data, many short queries)."""
    if shutil.which("java") is None:
        skip_or_fail("Spark tests need Java (a JRE)")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        skip_or_fail(f"Spark tests need pyspark: {exc}")
    try:
        spark = (SparkSession.builder.master("local[2]").appName("metriclang-tests")
                 .config("spark.ui.enabled", "false")
                 .config("spark.sql.session.timeZone", "UTC")
                 .config("spark.sql.catalogImplementation", "in-memory")
                 .config("spark.sql.shuffle.partitions", "1")
                 # a quick JIT, no code generation, no AQE
                 .config("spark.driver.extraJavaOptions",
                         "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
                 .config("spark.sql.codegen.wholeStage", "false")
                 .config("spark.sql.adaptive.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.warehouse.dir", str(warehouse_dir / "spark-warehouse"))
                 .getOrCreate())
    except Exception as exc:  # py4j and JVM start-up failures have no common base
        skip_or_fail(f"cannot start Spark: {exc}")
    yield spark
    spark.stop()


# ------------------------------------------------------------------ the reference warehouse


@pytest.fixture(scope="session")
def duckdb_file(warehouse_dir: Path) -> Path:
    """One DuckDB file with every schema the engine tests read."""
    path = warehouse_dir / "reference.duckdb"
    write_duckdb(path, demo_tables("shop") + demo_tables("manufacturer"))
    con = duckdb.connect(str(path))
    con.execute((CORPUS / "data.sql").read_text(encoding="utf-8"))
    for schema, table, _ in tables(con):  # for Spark, before read-only connections open
        file = warehouse_dir / "parquet" / f"{schema}.{table}.parquet"
        file.parent.mkdir(exist_ok=True)
        con.execute(f"COPY {schema}.{table} TO '{file}' (FORMAT parquet)")
    con.close()
    return path


@pytest.fixture(scope="session")
def duckdb_engine(duckdb_file: Path) -> Iterator[Engine]:
    engine = DuckDBEngine(duckdb_file)
    yield engine
    engine.close()


def _create_table(schema: str, table: str, columns: list[tuple[str, str]], dialect: str) -> str:
    ddl = exp.Create(this=exp.Schema(
        this=exp.to_table(f"{schema}.{table}"),
        expressions=[exp.ColumnDef(this=exp.to_identifier(c, quoted=True),
                                   kind=exp.DataType.build(t, dialect="duckdb"))
                     for c, t in columns]), kind="TABLE")
    return ddl.sql(dialect)


@pytest.fixture(scope="session")
def postgres_url(pg_server: PgServer, duckdb_file: Path) -> str:
    """The server's default database holding the reference warehouse."""
    import psycopg

    url = pg_server.url
    source = reader(duckdb_file)
    with psycopg.connect(url, autocommit=True) as con:
        for schema in SCHEMAS:
            con.execute(exp.Create(this=exp.to_identifier(schema), kind="SCHEMA",
                                   exists=True).sql("postgres"))
        for schema, table, columns in tables(source):
            con.execute(_create_table(schema, table, columns, "postgres"))
            target = exp.to_table(f"{schema}.{table}").sql("postgres")
            rows = source.execute(f"SELECT * FROM {schema}.{table}").fetchall()
            with con.cursor().copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    source.close()
    return url


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = PostgresEngine(postgres_url)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def spark_engine(spark_session: Any, duckdb_file: Path, warehouse_dir: Path) -> Engine:
    """The reference warehouse on Spark: tables over the Parquet files DuckDB wrote."""
    for schema in SCHEMAS:
        spark_session.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
    for file in sorted((warehouse_dir / "parquet").glob("*.parquet")):
        spark_session.sql(f"DROP TABLE IF EXISTS {file.stem}")
        spark_session.sql(f"CREATE TABLE {file.stem} USING parquet LOCATION '{file}'")
    return SparkEngine("spark://local[2]", session=spark_session)
