"""A measure used more than once is computed once (issue 13): SQL grows with the number of
distinct measures, not with the paths through them, and the values stay right.

The doubling chain ``m0 = count(orders)``, ``mI = m{I-1} + m{I-1} * 2`` used to double the
SQL at every level (13 MB at depth 16). Values are checked against numbers worked out by hand
from the rows below, on DuckDB and PostgreSQL (the harness's server, ``tests/harness.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.load import load_project
from metriclang.semantic.model import Project
from metriclang.sqlgen import compile_fused, compile_sql
from metriclang.sqlgen.plan import MAX_INLINE_DEPTH, SharedRef, plan_measure
from tests.engines.rows import assert_rows_equal, normalized
from tests.harness import PgServer

SOURCE = "source orders {\n  table shared.orders\n  time ordered_at\n}\n"
#: January: 4 orders (105.00), February: none, March: 2 orders (13.00).
ROWS = [(1, "2024-01-03 10:00:00", "10.00"), (2, "2024-01-15 11:00:00", "20.00"),
        (3, "2024-01-20 12:00:00", "30.00"), (4, "2024-01-31 23:59:59", "45.00"),
        (5, "2024-03-01 00:00:00", "5.00"), (6, "2024-03-31 08:00:00", "8.00")]
MONTHS = (date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1))
COUNTS = (4, 0, 2)
AVERAGES = (26.25, None, 6.5)
DDL = ["CREATE SCHEMA IF NOT EXISTS shared",
       "CREATE TABLE shared.orders (order_id INTEGER, ordered_at TIMESTAMP, "
       "amount DECIMAL(10, 2))"]


def chain(depth: int, prefix: str = "m", base: str = "count(orders)",
          step: str = "{p} + {p} * 2") -> str:
    """``{prefix}0 = base``, then each level uses the one below twice."""
    out = [f"measure {prefix}0 {{\n  formula {base}\n  grain month\n}}\n"]
    for i in range(1, depth + 1):
        formula = step.format(p=f"{prefix}{i - 1}")
        out.append(f"measure {prefix}{i} {{\n  formula {formula}\n  grain month\n}}\n")
    return "".join(out)


DIAMONDS = """
measure b { formula count(orders) grain month }
measure x { formula b * 2 grain month }
measure y { formula b * 3 grain month }
measure a { formula x + y grain month }
measure rb { formula sum(orders.amount) / count(orders) grain month }
measure rx { formula rb * 2 grain month }
measure ry { formula rb * 3 grain month }
measure ra { formula rx + ry grain month }
"""


def project_of(tmp_path: Path, text: str) -> Project:
    (tmp_path / "p.osm").write_text(SOURCE + text, encoding="utf-8")
    loaded = load_project(tmp_path)
    assert not loaded.diagnostics.has_errors, [d.message for d in loaded.diagnostics]
    return loaded.project


@pytest.fixture(scope="module")
def duck() -> Iterator[Any]:
    con = duckdb.connect()
    for statement in DDL:
        con.execute(statement)
    con.executemany("INSERT INTO shared.orders VALUES (?, ?, ?)", ROWS)
    yield con
    con.close()


@pytest.fixture(scope="module")
def pg(pg_server: PgServer) -> Iterator[Any]:
    import psycopg

    con = psycopg.connect(pg_server.database("osm_shared_measures"), autocommit=True)
    con.execute("DROP SCHEMA IF EXISTS shared CASCADE")
    for statement in DDL:
        con.execute(statement)
    with con.cursor() as cur:
        cur.executemany("INSERT INTO shared.orders VALUES (%s, %s, %s)", ROWS)
    yield con
    con.close()


def rows(con: Any, project: Project, measure: str, dialect: str = "duckdb") -> list[Any]:
    sql, problems = compile_sql(project, measure, dialect)
    assert sql is not None, problems
    return normalized(con.execute(sql).fetchall())


def expected(values: tuple[float | None, ...]) -> list[tuple[Any, ...]]:
    return list(zip(MONTHS, values, strict=True))


def times(values: tuple[float | None, ...], factor: float) -> tuple[float | None, ...]:
    return tuple(None if v is None else v * factor for v in values)


def test_depth_30_compiles_in_every_dialect_with_linear_size(tmp_path: Path) -> None:
    project = project_of(tmp_path, chain(30))
    for dialect in OUTPUT_DIALECTS:
        sizes = {}
        for depth in (15, 30):
            sql, problems = compile_sql(project, f"m{depth}", dialect)
            assert sql is not None and not problems, (dialect, problems)
            trees = sqlglot.parse(sql, read=dialect)
            assert len(trees) == 1 and isinstance(trees[0], sqlglot.exp.Query), dialect
            sizes[depth] = len(sql)
        assert sizes[30] < 2.5 * sizes[15], (dialect, sizes)
        assert sizes[30] < 20_000, (dialect, sizes)  # was 2**30 times the formula


def test_the_plan_lists_each_measure_once(tmp_path: Path) -> None:
    """m1..m29 are used twice each: one shared value each; m0 is a plain column already."""
    plan, problems = plan_measure(project_of(tmp_path, chain(30)), "m30")
    assert plan is not None and not problems
    assert [s.measure for s in plan.shared] == [f"m{i}" for i in range(1, 30)]
    assert len(plan.leaves) == 1
    assert plan.outputs[0].value.left == SharedRef(28)  # type: ignore[union-attr]


def test_chain_values_on_duckdb(tmp_path: Path, duck: Any) -> None:
    """Counts: m_k = N * 3**k. Floats: f_k = avg * 1.5**k, NULL where no rows (February)."""
    text = chain(10) + chain(10, "f", "sum(orders.amount) / count(orders)", "{p} + {p} * 0.5")
    project = project_of(tmp_path, text)
    for k in range(11):
        assert rows(duck, project, f"m{k}") == expected(times(COUNTS, 3**k)), k
        assert_rows_equal(rows(duck, project, f"f{k}"), expected(times(AVERAGES, 1.5**k)))
    assert rows(duck, project, "m10")[0][1] == 4 * 59049


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_diamonds(tmp_path: Path, duck: Any, engine: str, request: pytest.FixtureRequest) -> None:
    """a = x + y, x = b * 2, y = b * 3: 5 b, with b a count and with b a ratio (shared)."""
    project = project_of(tmp_path, DIAMONDS)
    plan, _ = plan_measure(project, "ra")
    assert plan is not None and [s.measure for s in plan.shared] == ["rb"]
    con = duck if engine == "duckdb" else request.getfixturevalue("pg")
    assert_rows_equal(rows(con, project, "a", engine), expected(times(COUNTS, 5)))
    assert_rows_equal(rows(con, project, "ra", engine), expected(times(AVERAGES, 5)))
    assert_rows_equal(rows(con, project, "rb", engine), expected(AVERAGES))


def test_fused_outputs_share_their_columns(tmp_path: Path, duck: Any) -> None:
    """Fused m0..m30: each measure once (linear size); every column equals its own query."""
    project = project_of(tmp_path, chain(30))
    names = tuple(f"m{i}" for i in range(31))
    sql, problems = compile_fused(project, names, "duckdb")
    assert sql is not None and not problems
    assert len(sql) < 20_000
    fused = normalized(duck.execute(sql).fetchall())
    for i, name in enumerate(names[:12]):
        assert [(r[0], r[i + 1]) for r in fused] == rows(duck, project, name), name


def test_a_long_chain_used_once_per_level_compiles(tmp_path: Path, duck: Any) -> None:
    """1,000 measures each adding 1 to the previous: no E106 any more. The chain is cut into
    shared values every MAX_INLINE_DEPTH levels, so no expression nests deeper."""
    project = project_of(tmp_path, chain(999, step="{p} + 1"))
    plan, problems = plan_measure(project, "m999")
    assert plan is not None and not problems
    assert len(plan.shared) == 999 // (MAX_INLINE_DEPTH + 1)
    assert rows(duck, project, "m999") == expected(tuple(c + 999 for c in COUNTS))


def test_a_problem_in_a_shared_measure_is_reported_once(tmp_path: Path) -> None:
    """The planner visits each measure once: one E183, not one per path (2**20 here)."""
    bad = ("measure bad {\n  formula conversion(orders -> orders, within 1 day, by customer)\n"
           "  window 7 days\n}\n")
    text = SOURCE.replace("}", "  entity customer = customer_id\n}") + bad + chain(
        20, base="bad * 1")
    (tmp_path / "p.osm").write_text(text, encoding="utf-8")
    loaded = load_project(tmp_path)
    _, problems = plan_measure(loaded.project, "m20")
    assert [p.code for p in problems] == ["E183"]


def test_depth_30_docs_site_builds(tmp_path: Path) -> None:
    """``osm docs`` renders every measure's SQL in every dialect (it hung at depth 20)."""
    from metriclang.docgen.site import build_site

    project_dir = tmp_path / "p"
    project_dir.mkdir()
    (project_dir / "p.osm").write_text(SOURCE + chain(30), encoding="utf-8")
    site = build_site(project_dir, tmp_path / "site", "markdown")
    assert site.pages >= 31
    page = next((tmp_path / "site").rglob("m30.md")).read_text(encoding="utf-8")
    assert "osm_m28" in page
