"""Random measures over the corpus sources: every dialect gives SQL or a diagnostic (never an
exception), every DuckDB query runs, its rows follow the output contract, and asking for a
date range gives exactly those periods of the full output with the same values."""

from __future__ import annotations

import random
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.load import load_project
from metriclang.periods import truncate
from metriclang.sqlgen import compile_sql, output_columns
from tests.sqlgen import data
from tests.sqlgen.test_duckdb import CORPUS, norm

AGGREGATES = ["count(orders)", "count(orders where status = 'paid')",
              "count_distinct(orders, customer_id)", "sum(orders.amount)",
              "sum(orders, \"order\" where big)", "avg(orders.amount where channel <> 'web')",
              "min(orders.amount)", "max(orders, amount * 2)", "median(orders, amount)",
              "percentile(orders, amount, 0.25)", "count(sessions where reached_checkout)",
              "count(tickets)"]
CONVERSION = "conversion(sessions where reached_checkout -> orders, within 2 days, by customer)"
FROM, TO = date(2024, 2, 10), date(2024, 6, 20)
WINDOWS = ["", "window 7 days", "window 2 weeks", "window 1 month", "window 45 days",
           "cumulative"]


def formula(rng: random.Random, names: list[str]) -> str:
    parts = [rng.choice(AGGREGATES) for _ in range(rng.randint(1, 3))]
    if names and rng.random() < 0.3:
        parts.append(rng.choice(names))
    text = parts[0]
    for part in parts[1:]:
        text = f"({text}) {rng.choice('+-*/')} {part}"
    return f"{text} * {rng.choice(['1', '0.5', '100'])}" if rng.random() < 0.2 else text


def project_text(seed: int, count: int) -> str:
    rng = random.Random(seed)
    names: list[str] = []
    out = []
    for i in range(count):
        name = f"r{i}"
        grain = rng.choice(["day", "week", "month", "quarter", "year"])
        if rng.random() < 0.1:
            body, window, dims = CONVERSION, "", ""
        else:
            body = formula(rng, names)
            window = rng.choice(WINDOWS)
            uses_other = "sessions" in body or "tickets" in body or re.search(r"\br\d", body)
            dims = "" if uses_other else rng.choice(["", "", "dimensions channel",
                                                      "dimensions select, channel"])
        out.append(f"measure {name} {{\n  formula {body}\n  grain {grain}\n  {window}\n"
                   f"  {dims}\n}}\n")
        names.append(name)
    return "\n".join(out)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_measures(tmp_path: Path, seed: int) -> None:
    shutil.copy(CORPUS / "corpus.osm", tmp_path / "corpus.osm")
    shutil.copy(CORPUS / "metriclang.toml", tmp_path / "metriclang.toml")
    (tmp_path / "random.osm").write_text(project_text(seed, 30), encoding="utf-8")
    loaded = load_project(tmp_path)
    errors = [d for d in loaded.diagnostics if d.severity.value == "error"]
    assert not errors, errors
    project = loaded.project
    con: Any = duckdb.connect()
    data.load(con)
    for name in sorted(n for n in project.measures if n.startswith("r")):
        for dialect in OUTPUT_DIALECTS:
            sql, problems = compile_sql(project, name, dialect)
            if sql is None:
                assert {p.code for p in problems} <= {"E182", "E183"}, (name, dialect, problems)
                continue
            assert len(sqlglot.parse(sql, read=dialect)) == 1
            if dialect != "duckdb":
                continue
            cursor = con.execute(sql)
            assert tuple(c[0] for c in cursor.description) == output_columns(project, name)
            rows = cursor.fetchall()
            keys = [row[:-1] for row in rows]
            assert len(set(keys)) == len(keys), name  # one row per period and dimensions
            periods = [row[0] for row in rows]
            assert periods == sorted(periods), name
            part, _ = compile_sql(project, name, dialect, date_from=FROM, date_to=TO)
            assert part is not None
            lo, hi = truncate(FROM, project.measures[name].grain), truncate(
                TO, project.measures[name].grain)
            # Periods the full output has (the data's range) keep their rows and values; the
            # range may add periods outside the data (documented), which are not compared.
            got = [row for row in con.execute(part).fetchall()
                   if rows and periods[0] <= row[0] <= periods[-1]]
            assert norm(got) == norm([row for row in rows if lo <= row[0] <= hi]), name
    con.close()
