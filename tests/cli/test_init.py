"""``osm init``: the starter project checks clean (--strict), runs on its demo data with the
values hand-written SQL gives, and never overwrites a file."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.starter import starter_files
from tests.harness import PgServer

EXPECTED = ["data/generate.py", "metriclang.toml", "metrics.osm"]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def test_init_writes_the_starter_and_it_checks_clean_with_strict(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "metrics"
    code, out, err = invoke("init", str(folder))
    assert code == 0, err
    assert out == "".join(f"created {folder / name}\n" for name in EXPECTED)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file()) == EXPECTED
    assert (folder / "metrics.osm").read_bytes() == starter_files()["metrics.osm"]
    assert f"by {date.today().year + 1}-12-31" in (folder / "metrics.osm").read_text("utf-8")
    code, out, err = invoke("check", str(folder), "--strict")
    assert (code, out, err) == (0, "checked 1 file: 0 errors, 0 warnings\n", "")
    code, _, err = invoke("fmt", "--check", str(folder))  # in the canonical layout
    assert (code, err) == (0, "0 files would be reformatted, 1 unchanged\n")


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 12, 31), date(2040, 6, 1)])
def test_the_starter_checks_clean_whatever_the_day(tmp_path: Path, today: date) -> None:
    for name, data in starter_files(today).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    code, out, _ = invoke("check", str(tmp_path), "--strict", "--today", today.isoformat())
    assert (code, out) == (0, "checked 1 file: 0 errors, 0 warnings\n")


def test_the_starter_declares_what_a_metric_system_needs(tmp_path: Path) -> None:
    invoke("init", str(tmp_path))
    from metriclang.load import load_project

    project = load_project(tmp_path).project
    kinds = {m.name: m.kind for m in project.measures.values()}
    assert sorted(kinds.values()) == ["lagging", "leading"]
    (objective,) = project.objectives.values()
    assert objective.strategies and objective.north_star in kinds
    assert project.journeys and project.sources
    links = [(m.name, d.target) for m in project.measures.values() for d in m.drives]
    assert links == [("on_time_rate", "repeat_rate")]
    assert project.config.title == "My metrics"


def _rows(text: str) -> dict[tuple[str, str], float]:
    return {(r["measure"], r["period"]): float(r["value"])
            for r in csv.DictReader(io.StringIO(text))}


def test_the_starter_runs_on_its_demo_data(tmp_path: Path) -> None:
    invoke("init", str(tmp_path))
    code, out, err = invoke("run", str(tmp_path), "--all", "--format", "csv")
    assert code == 0, err
    assert "created demo.duckdb with demo data from data/generate.py" in err
    got = _rows(out)
    con = duckdb.connect(str(tmp_path / "demo.duckdb"), read_only=True)
    weekly = con.execute("""
        SELECT date_trunc('week', ordered_at)::DATE,
               count(*) FILTER (WHERE NOT delivered_late) / count(*)
        FROM shop.orders GROUP BY 1 ORDER BY 1""").fetchall()
    monthly = con.execute("""
        SELECT date_trunc('month', ordered_at)::DATE,
               count(DISTINCT customer_id) FILTER (WHERE order_seq >= 2)
               / count(DISTINCT customer_id)
        FROM shop.orders GROUP BY 1 ORDER BY 1""").fetchall()
    con.close()
    assert len(weekly) > 100 and len(monthly) == 24
    expected = {("on_time_rate", str(d)): v for d, v in weekly}
    expected |= {("repeat_rate", str(d)): v for d, v in monthly}
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key
    assert monthly[0][0] == date(2025, 1, 1) and 0.3 < monthly[-1][1] < 0.8


def test_init_defaults_to_the_current_directory(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("init")
    assert code == 0 and out.splitlines()[-1] == "created metrics.osm"
    assert "next: osm check ., then osm run --all" in err
    assert invoke("check", "--strict", ".")[0] == 0


@pytest.mark.parametrize("existing", EXPECTED)
def test_init_never_overwrites_and_touches_nothing(tmp_path: Path, existing: str) -> None:
    mine = tmp_path / existing
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text("mine\n", "utf-8")
    before = sorted(tmp_path.rglob("*"))
    code, out, err = invoke("init", str(tmp_path))
    assert code == 2 and out == ""
    assert err == (f"error: {mine} already exists; osm init never overwrites a file "
                   "(nothing was written): choose an empty or new directory\n")
    assert mine.read_text("utf-8") == "mine\n"
    assert sorted(tmp_path.rglob("*")) == before


def test_init_into_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x", "utf-8")
    code, _, err = invoke("init", str(tmp_path / "f"))
    assert code == 2 and err == f"error: {tmp_path / 'f'} is not a directory\n"


def test_init_keeps_other_files_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("mine\n", "utf-8")
    assert invoke("init", str(tmp_path))[0] == 0
    assert (tmp_path / "README.md").read_text("utf-8") == "mine\n"
    assert not [p for p in tmp_path.rglob("*") if ".osm-" in p.name]  # no temporaries left


@pytest.mark.postgres
def test_the_starter_runs_on_postgres_as_on_duckdb(tmp_path: Path, pg_server: PgServer) -> None:
    import psycopg

    invoke("init", str(tmp_path))
    code, on_duckdb, err = invoke("run", str(tmp_path), "--all", "--format", "csv")
    assert code == 0, err
    url = pg_server.database("osm_starter")
    source = duckdb.connect(str(tmp_path / "demo.duckdb"), read_only=True)
    rows = source.execute("SELECT * FROM shop.orders ORDER BY order_id").fetchall()
    source.close()
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS shop CASCADE")
    missing = CliRunner().invoke(main, ["run", str(tmp_path), "--all"], env={"OSM_DB_URL": url})
    assert missing.exit_code == 1 and "orders" in missing.stderr  # PostgreSQL is asked
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("CREATE SCHEMA shop")
        con.execute("CREATE TABLE shop.orders (order_id BIGINT, customer_id BIGINT, "
                    "ordered_at TIMESTAMP, channel TEXT, amount NUMERIC(10, 2), "
                    "order_seq INTEGER, delivered_late BOOLEAN)")
        with con.cursor().copy("COPY shop.orders FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    # the warehouse from OSM_DB_URL, as docs/getting-started.md shows
    result = CliRunner().invoke(main, ["run", str(tmp_path), "--all", "--format", "csv"],
                                env={"OSM_DB_URL": url})
    assert result.exit_code == 0, result.output
    on_postgres = _rows(result.stdout)
    expected = _rows(on_duckdb)
    assert on_postgres.keys() == expected.keys() and len(expected) > 100
    for key, value in expected.items():
        assert on_postgres[key] == pytest.approx(value, abs=1e-9), key
