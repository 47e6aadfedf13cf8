"""Warehouse-aware checks on real engines: ``osm check --db`` (tables, columns and types from
the catalogue, E200-E202, the same positions on DuckDB, PostgreSQL and Spark), engine refusals
at ``osm run``/``osm query`` mapped to the ``.osm`` file with the engine's full hint (E203),
``osm run --all`` computing the measures without errors, ``--limit``.

The tables are the reference warehouse's (tests/harness.py): the shop example's ``shop.*``.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from metriclang import api
from metriclang.cli import main
from metriclang.load import load_project
from metriclang.sqlgen import compile_sql
from metriclang.warehouse.compute import refused, touched
from metriclang.warehouse.result import Engine, EngineError
from metriclang.warehouse.schema import warehouse_problems
from tests.conftest import EXAMPLES, ROOT
from tests.harness import engine_for, reader

BROKEN = """\
source orders {
  table shop.orders
  time order_seq
  key order_id
  entity customer = customer_idx
  dimension channel
  dimension country = upper(countrycode)
}
source tickets { table shop.support_ticket time opened_at }
measure a { formula sum(orders.amout where status = 'paid') grain month }
measure b { formula sum(orders.status) grain month }
measure c { formula count(orders where order_seq = 'x') grain month }
measure d { formula count(orders where channel) grain month }
measure e { formula max(orders.amount where status = 'paid' and returned) grain month }
"""

#: (code, line, column, a piece of the hint), by hand from BROKEN.
EXPECTED = [
    ("E202", 3, 8, "DATE or TIMESTAMP"),        # time order_seq: an INTEGER
    ("E201", 5, 21, "`customer_id`"),           # entity customer = customer_idx
    ("E201", 7, 29, "`country_code`"),          # upper(countrycode)
    ("E200", 9, 29, "`shop.support_tickets`"),  # table shop.support_ticket
    ("E201", 10, 32, "`amount`"),               # sum(orders.amout ...)
    ("E202", 11, 32, "numeric column"),         # sum of a VARCHAR
    ("E202", 12, 40, "compare it with a number"),  # order_seq = 'x'
    ("E202", 13, 40, "compare the column"),     # where channel: not a boolean
]


def _found(problems: list[Any]) -> list[tuple[str, int, int, str]]:
    return sorted((d.code, d.span.line, d.span.column, d.help) for d in problems)


@pytest.mark.parametrize("engine", ["duckdb", "postgres", "spark"])
def test_broken_specs_are_found_at_their_words(request: pytest.FixtureRequest, engine: str,
                                               tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text(BROKEN, encoding="utf-8")
    project = load_project(tmp_path).project
    found = _found(warehouse_problems(project, engine_for(request, engine)))
    assert [f[:3] for f in found] == sorted(e[:3] for e in EXPECTED)
    for (*_, hint), (*_, piece) in zip(found, sorted(EXPECTED), strict=True):
        assert piece in hint


@pytest.mark.parametrize("engine", ["duckdb", "postgres", "spark"])
@pytest.mark.parametrize("example", ["shop", "manufacturer"])
def test_the_examples_fit_every_engine(request: pytest.FixtureRequest, engine: str,
                                       example: str) -> None:
    project = load_project(EXAMPLES / example).project
    assert warehouse_problems(project, engine_for(request, engine)) == []


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(params=["duckdb", "postgres"])
def url(request: pytest.FixtureRequest) -> str:
    if request.param == "duckdb":
        return f"duckdb:///{request.getfixturevalue('duckdb_file')}"
    return request.getfixturevalue("postgres_url")  # type: ignore[no-any-return]


def test_check_with_db_reports_in_the_file(url: str, tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text(BROKEN, encoding="utf-8")
    code, out, _ = cli("check", str(tmp_path), "--db", url)
    assert code == 1
    assert "a.osm:10:32: error[E201] column `amout` (`sum`) is not in table `shop.orders`" in out
    assert "help: did you mean `amount`?" in out
    assert "checked 1 file: 8 errors" in out


def test_check_without_db_opens_no_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    (tmp_path / "a.osm").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "metriclang.toml").write_text('[project]\nwarehouse = "duckdb:///none.duckdb"\n',
                                              encoding="utf-8")
    monkeypatch.setenv("OSM_DB_URL", "duckdb:///also-none.duckdb")
    code, out, err = cli("check", str(tmp_path))
    assert (code, err) == (0, "") and "0 errors" in out
    code, out, err = cli("check", str(tmp_path), "--warehouse")  # $OSM_DB_URL first
    # an environment error, as with no warehouse configured (and `osm verify`): exit 2
    assert code == 2 and "database file not found" in err and "also-none.duckdb" in err
    assert "0 errors" in out  # the specs' own check is still reported


def test_check_warehouse_uses_the_projects_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", shop, ignore=shutil.ignore_patterns("*.duckdb*"))
    monkeypatch.delenv("OSM_DB_URL", raising=False)
    code, out, err = cli("check", str(shop), "--warehouse", "--strict")
    assert code == 0, out + err
    assert "created demo.duckdb" in err and "0 errors, 0 warnings" in out
    (shop / "sources.osm").write_text((shop / "sources.osm").read_text("utf-8").replace(
        "time ordered_at", "time ordered"), "utf-8")
    code, out, _ = cli("check", str(shop), "--warehouse")
    assert code == 1 and "sources.osm:5:8: error[E201] column `ordered` (`time`)" in out
    assert "did you mean `ordered_at`?" in out


GOOD_AND_BAD = """\
source orders { table shop.orders time ordered_at key order_id dimension channel }
measure paid { formula count(orders where status = 'paid') grain month }
measure typo { formula sum(orders.amout) grain month }
measure lost { formula count(nowhere) grain month }
measure paid_again { formula paid grain month }
measure revenue { formula sum(orders.amount where status = 'paid') grain month }
measure typo_twice { formula typo * 2 grain month }
"""


def hand(url: str, sql: str) -> list[tuple[str, float]]:
    if url.startswith("duckdb"):
        con = reader(Path(url.removeprefix("duckdb:///")))
        rows = con.execute(sql).fetchall()
        con.close()
    else:
        import psycopg

        with psycopg.connect(url) as con:
            rows = con.execute(sql).fetchall()
    return [(str(p)[:10], float(v)) for p, v in rows]


PAID_SQL = ("SELECT CAST(date_trunc('month', ordered_at) AS DATE), count(*) FROM shop.orders "
            "WHERE status = 'paid' GROUP BY 1 ORDER BY 1")
REVENUE_SQL = ("SELECT CAST(date_trunc('month', ordered_at) AS DATE), sum(amount) "
               "FROM shop.orders WHERE status = 'paid' GROUP BY 1 ORDER BY 1")


def _rows(out: str) -> dict[str, list[tuple[str, float]]]:
    rows: dict[str, list[tuple[str, float]]] = {}
    for row in csv.DictReader(io.StringIO(out)):
        rows.setdefault(row["measure"], []).append((row["period"], float(row["value"])))
    return rows


def test_run_all_computes_every_measure_without_errors(url: str, tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text(GOOD_AND_BAD, encoding="utf-8")
    code, out, err = cli("run", str(tmp_path), "--all", "--db", url, "--format", "csv")
    assert code == 1
    rows = _rows(out)
    assert sorted(rows) == ["paid", "paid_again", "revenue"]
    assert rows["paid"] == rows["paid_again"] == hand(url, PAID_SQL)
    want = hand(url, REVENUE_SQL)
    assert [period for period, _ in rows["revenue"]] == [period for period, _ in want]
    assert [value for _, value in rows["revenue"]] == pytest.approx([v for _, v in want])
    # the unknown source stops `lost` only; the warehouse's refusal of `typo` is in the file
    assert "a.osm:4:30: error[E110]" in err
    assert "note: not computed because of the errors above: `lost`\n" in err
    assert "a.osm:3:35: error[E201] column `amout`" in err
    assert "a.osm:3:16: error[E203] the warehouse" in err and "measure `typo`" in err
    assert "a.osm:7:22: error[E203]" in err and "measure `typo_twice`" in err
    assert err.count("error[E201]") == 1  # the column of `typo`, found for both, said once
    hint = ('Candidate bindings: "amount"' if url.startswith("duckdb") else
            'HINT:  Perhaps you meant to reference the column "orders.amount".')
    assert hint in err


def test_query_refusal_is_positioned(url: str, tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text(GOOD_AND_BAD.replace("measure lost { formula "
                                                         "count(nowhere) grain month }\n", ""),
                                    encoding="utf-8")
    code, _, err = cli("query", str(tmp_path), "typo", "--db", url)
    assert code == 1
    assert "a.osm:3:35: error[E201] column `amout`" in err
    assert "a.osm:3:16: error[E203]" in err and "amout" in err


def test_limit_is_the_first_rows_for_run_and_query(url: str, tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text(GOOD_AND_BAD.split("measure typo")[0], encoding="utf-8")
    code, out, err = cli("run", str(tmp_path), "paid", "--db", url, "--format", "csv",
                         "--limit", "2")
    assert code == 0, err
    want = hand(url, PAID_SQL)[:2]
    assert [(r["period"], float(r["value"])) for r in csv.DictReader(io.StringIO(out))] == want
    code, out, err = cli("query", str(tmp_path), "paid", "--db", url, "--format", "csv",
                         "--limit", "2")
    assert code == 0, err
    assert [(r["period"], float(r["paid"])) for r in csv.DictReader(io.StringIO(out))] == want



DIAGNOSTICS = (ROOT / "docs" / "diagnostics.md").read_text("utf-8")
PREAMBLE = re.search(r"```osm\n(.*?)```", DIAGNOSTICS.split("## Examples", 1)[1], re.S)


@pytest.mark.parametrize("code", ["E200", "E201", "E202"])
def test_documented_examples_fire_and_fixes_do_not(code: str, duckdb_file: Path,
                                                   tmp_path: Path) -> None:
    assert PREAMBLE is not None
    section = DIAGNOSTICS.split(f"### {code} ", 1)[1].split("\n### ", 1)[0]
    example, fix = (re.search(r"```osm\n(.*?)```", section.split(f"**{heading}**", 1)[1],
                              re.S).group(1)  # type: ignore[union-attr]
                    for heading in ("Example", "Fix"))
    (tmp_path / "orders.osm").write_text(PREAMBLE.group(1), "utf-8")
    for text, fires in ((example, True), (fix, False)):
        (tmp_path / "example.osm").write_text(text, "utf-8")
        _, found = api.check(tmp_path, db=f"duckdb:///{duckdb_file}")
        codes = [d.code for d in found if d.code.startswith("E")]
        assert codes == ([code] if fires else []), (text, codes)


def test_errors_stop_only_the_measures_they_touch(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text("""\
source orders { table shop.orders time ordered_at }
source bad { table shop.orders time ordered_at dimension d = (( }
measure fine { formula count(orders) grain month }
measure on_bad { formula count(bad) grain month }
measure via { formula on_bad + fine grain month }
measure wrong { formula count(orders) grain fortnight }
objective o { north_star fine target fine >= x }
source odd { table shop.orders time ordered_at dimension d = (select 1) }
measure on_odd { formula count(odd) grain month }
""", encoding="utf-8")
    loaded = load_project(tmp_path)
    errors = [d for d in loaded.diagnostics if d.severity.value == "error"]
    assert {d.span.line for d in errors} >= {2, 6, 7, 8}
    assert "odd" in loaded.project.sources  # kept, without its broken dimension
    assert touched(loaded.project, errors) == {"on_bad", "via", "wrong", "on_odd"}
    (tmp_path / "metriclang.toml").write_text("[project\n", encoding="utf-8")
    loaded = load_project(tmp_path)
    errors = [d for d in loaded.diagnostics if d.severity.value == "error"]
    assert touched(loaded.project, errors) == set(loaded.project.measures)


def test_spark_refusal_is_positioned_with_its_suggestion(spark_engine: Engine,
                                                         tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text(GOOD_AND_BAD, encoding="utf-8")
    project = load_project(tmp_path).project
    sql, _ = compile_sql(project, "typo", "spark")
    assert sql is not None
    with pytest.raises(EngineError) as failed:
        spark_engine.query(sql)
    found = refused(project, spark_engine, ["typo"], failed.value)
    assert [(d.code, d.span.line, d.span.column) for d in found] == [("E201", 3, 35),
                                                                     ("E203", 3, 16)]
    assert "amount" in (found[1].help or "") and "UNRESOLVED_COLUMN" in (found[1].help or "")


def test_check_against_an_unreachable_server_exits_2(tmp_path: Path) -> None:
    """Like no warehouse configured, and `osm verify`: an environment error, not the specs'."""
    (tmp_path / "a.osm").write_text(BROKEN, encoding="utf-8")
    code, out, err = cli("check", str(tmp_path), "--db", "postgresql://ana:hunter2@127.0.0.1:1/x")
    assert code == 2 and err.startswith("error: cannot connect to postgresql://ana:***@")
    assert "hunter2" not in out + err and "checked 1 file" in out
