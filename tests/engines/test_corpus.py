"""Every measure form of the corpus on DuckDB, PostgreSQL and Spark.

For each measure of ``corpus/corpus.osm`` the generated SQL of each engine's dialect must
give the rows of an independently hand-written DuckDB query (a different strategy: one
correlated subquery per period of a literal calendar, filtering on time ranges instead of
truncating timestamps), and the values worked out by hand from ``corpus/data.sql``.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

import pytest

from metriclang import load_project
from metriclang.query import Query, compile_query
from metriclang.semantic.model import Project
from metriclang.sqlgen import compile_sql, output_columns
from metriclang.warehouse.result import Engine
from tests.engines.rows import assert_rows_equal, normalized
from tests.harness import CORPUS, engine_for

ENGINES = [pytest.param("duckdb"), pytest.param("postgres", marks=pytest.mark.postgres),
           pytest.param("spark", marks=pytest.mark.spark)]


def calendar(lo: str, hi: str, step: str) -> str:
    """Periods ``[period, next)`` from ``lo`` to ``hi`` (both period starts)."""
    return (f"(SELECT CAST(range AS DATE) AS period, CAST(range + INTERVAL {step} AS DATE) AS next"
            f" FROM range(TIMESTAMP '{lo}', TIMESTAMP '{hi}' + INTERVAL 1 DAY,"
            f" INTERVAL {step}))")


DAYS = calendar("2024-01-15", "2025-01-06", "1 DAY")
WEEKS = calendar("2024-01-15", "2025-01-06", "7 DAY")  # both Mondays
MONTHS = calendar("2024-01-01", "2025-01-01", "1 MONTH")
QUARTERS = calendar("2024-01-01", "2025-01-01", "3 MONTH")
YEARS = calendar("2024-01-01", "2025-01-01", "1 YEAR")
CONV_MONTHS = calendar("2024-01-01", "2024-02-01", "1 MONTH")
IN_PERIOD = 'e."at" >= s.period AND e."at" < s.next'


def per(spine: str, value: str, source: str = "corpus.events", where: str = IN_PERIOD) -> str:
    """One row per period: ``value`` aggregated over the source's rows in that period."""
    return (f"SELECT s.period, (SELECT {value} FROM {source} e WHERE {where}) AS value "
            f"FROM {spine} s ORDER BY 1")


def by(spine: str, dims: str, value: str) -> str:
    """One row per period and seen combination of ``dims`` (NULL is a value too)."""
    names = [d.strip().split(" AS ")[-1] for d in dims.split(",")]
    match = " AND ".join(f"({d.split(' AS ')[0]}) IS NOT DISTINCT FROM k.{n}"
                         for d, n in zip(dims.split(","), names, strict=True))
    keys = ", ".join(f"k.{n}" for n in names)
    return (f"SELECT s.period, {keys}, (SELECT {value} FROM corpus.events e "
            f"WHERE {IN_PERIOD} AND {match}) AS value "
            f"FROM {spine} s, (SELECT DISTINCT {dims} FROM corpus.events) k "
            f"ORDER BY 1, {', '.join(str(i + 2) for i in range(len(names)))}")


CONVERSION = f"""
SELECT s.period, (
  SELECT CAST(count(DISTINCT f.user_id) FILTER (WHERE EXISTS (
           SELECT 1 FROM corpus.buys b WHERE b.user_id = f.user_id
           AND b."at" BETWEEN f.first AND f.first + INTERVAL 1 DAY)) AS DOUBLE)
         / NULLIF(count(DISTINCT f.user_id), 0)
  FROM (SELECT user_id, min("at") AS first FROM corpus.visits e
        WHERE checkout AND user_id IS NOT NULL AND e."at" >= s.period AND e."at" < s.next
        GROUP BY user_id) f) AS value
FROM {CONV_MONTHS} s ORDER BY 1
"""

#: The tier a row of ``e`` had at its own time: a lookup, not the generated LEFT JOIN.
TIER = ("(SELECT u.tier FROM corpus.users u WHERE u.user_id = e.user_id AND u.valid_from <= "
        "e.\"at\" AND e.\"at\" < coalesce(u.valid_to, TIMESTAMP '9999-12-31'))")
REGION = ("(SELECT t.region FROM corpus.users u JOIN corpus.teams t ON t.team_id = u.team_id "
          "WHERE u.user_id = e.user_id AND u.valid_from <= e.\"at\" "
          "AND e.\"at\" < coalesce(u.valid_to, TIMESTAMP '9999-12-31'))")
LABEL = "(SELECT upper(k.label) FROM corpus.kinds k WHERE k.kind = e.kind)"


def joined(value: str, dim: str, sources: tuple[str, ...] = ("corpus.events",),
           spine: str = YEARS) -> str:
    """Per year and value of a looked-up dimension seen in any of ``sources``: ``value``
    (a formula over ``{src}`` placeholders: one correlated count/sum per source)."""
    keys = " UNION ".join(f"SELECT DISTINCT {dim} AS d FROM {src} e" for src in sources)
    return (f"SELECT s.period, k.d, {value} AS value FROM {spine} s, ({keys}) k "
            "ORDER BY 1, 2 NULLS LAST")


def _in_year(agg: str, src: str, dim: str) -> str:
    return (f"(SELECT {agg} FROM {src} e WHERE {IN_PERIOD} "
            f"AND {dim} IS NOT DISTINCT FROM k.d)")


SPREAD = "max(amount) - min(amount)"
PER_EVENT = "CAST(coalesce(sum(amount), 0) AS DOUBLE) / NULLIF(count(*), 0)"

HAND: dict[str, str] = {
    "n_events": per(MONTHS, "count(*)"),
    "n_quarter": per(QUARTERS, "count(*)"),
    "ratio_b_a": per(MONTHS, "CAST(count(*) FILTER (WHERE kind = 'b') AS DOUBLE) / "
                     "NULLIF(count(*) FILTER (WHERE kind = 'a'), 0)"),
    "total": per(MONTHS, "coalesce(sum(amount), 0)"),
    "total_year": per(YEARS, "coalesce(sum(amount), 0)"),
    "average": per(MONTHS, "avg(amount)"),
    "low": per(MONTHS, "min(amount)"),
    "high": per(MONTHS, "max(amount)"),
    "middle": per(MONTHS, "quantile_cont(CAST(amount AS DOUBLE), 0.5)"),
    "p90": per(MONTHS, "quantile_cont(CAST(amount AS DOUBLE), 0.9)"),
    "weekly_users": per(WEEKS, "count(DISTINCT user_id)"),
    "arith": per(MONTHS, "(coalesce(sum(amount), 0) - 10) * 2 / 4"),
    "negated": per(MONTHS, "-count(*) FILTER (WHERE kind = 'a') + 1"),
    "per_event": per(MONTHS, "CAST(coalesce(sum(amount), 0) AS DOUBLE) / NULLIF(count(*), 0)"),
    "by_country": by(MONTHS, "country AS country", "coalesce(sum(amount), 0)"),
    "by_select": by(YEARS, '"select" AS choice, "order" AS "order"', "count(*)"),
    "by_kind_big": by(YEARS, "kind AS kind, amount >= 30 AS big", "count(*)"),
    "reserved": per(MONTHS, """coalesce(sum("order") FILTER (WHERE "select" = 'x'), 0)"""),
    "conditions": per(YEARS, "count(*) FILTER (WHERE amount BETWEEN 20 AND 40 AND kind IN "
                      "('a', 'b')) + count(*) FILTER (WHERE country LIKE 'Ö%' AND NOT flag) "
                      '+ count(*) FILTER (WHERE "select" IS NULL)'),
    "case_sum": per(MONTHS, "coalesce(sum(CASE WHEN kind = 'a' THEN amount ELSE 0 END) "
                    "FILTER (WHERE amount IS NOT NULL), 0)"),
    "daily_7d": per(DAYS, "count(*)",
                    where="e.\"at\" >= s.period - INTERVAL 6 DAY AND e.\"at\" < s.next"),
    "users_7d": per(DAYS, "count(DISTINCT user_id)",
                    where="e.\"at\" >= s.period - INTERVAL 6 DAY AND e.\"at\" < s.next"),
    "avg_3m": per(MONTHS, "avg(amount)",
                  where="e.\"at\" >= s.period - INTERVAL 2 MONTH AND e.\"at\" < s.next"),
    "running_total": per(MONTHS, "coalesce(sum(amount), 0)", where='e."at" < s.next'),
    "running_users": per(QUARTERS, "count(DISTINCT user_id)", where='e."at" < s.next'),
    "conv": CONVERSION,
    "cross": f"""SELECT s.period,
        CAST((SELECT count(*) FROM corpus.buys e WHERE {IN_PERIOD}) AS DOUBLE)
        / NULLIF((SELECT count(*) FROM corpus.visits e WHERE {IN_PERIOD}), 0) AS value
        FROM {CONV_MONTHS} s ORDER BY 1""",
    "empty_count": "SELECT DATE '2024-01-01' AS period, 0 AS value WHERE false",
    "empty_ratio": "SELECT DATE '2024-01-01' AS period, 0.0 AS value WHERE false",
    "spread": per(MONTHS, SPREAD),
    "spread_x2": per(MONTHS, f"({SPREAD}) * 2"),
    "spread_x3": per(MONTHS, f"({SPREAD}) * 3"),
    "diamond": per(MONTHS, f"({SPREAD}) * 5"),
    "spread_poly": per(MONTHS, f"({SPREAD}) * ({SPREAD}) + ({SPREAD})"),
    "tripled": per(MONTHS, f"3 * {PER_EVENT}"),
    "nine_times": per(MONTHS, f"9 * {PER_EVENT}"),
    "avg_3m_sq": per(MONTHS, "avg(amount) * avg(amount)",
                     where="e.\"at\" >= s.period - INTERVAL 2 MONTH AND e.\"at\" < s.next"),
    "spread_country": by(MONTHS, "country AS country", SPREAD),
    "spread_country_sq": by(MONTHS, "country AS country", f"({SPREAD}) * ({SPREAD}) - ({SPREAD})"),
    "j_label": joined(_in_year("count(*)", "corpus.events", LABEL), LABEL),
    "j_tier": joined(_in_year("coalesce(sum(amount), 0)", "corpus.events", TIER), TIER),
    "j_region": joined(_in_year("count(*)", "corpus.events", REGION), REGION),
    "j_filter": per(YEARS, f"count(*) FILTER (WHERE {REGION} = 'EU')"),
    "j_ratio": joined(
        f"CAST({_in_year('count(*)', 'corpus.buys', TIER)} AS DOUBLE) / "
        f"NULLIF({_in_year('count(*)', 'corpus.visits', TIER)}, 0)",
        TIER, ("corpus.buys", "corpus.visits"), calendar("2024-01-01", "2024-01-01", "1 YEAR")),
}

D = date.fromisoformat
#: Values worked out by hand from data.sql: measure -> {(period, *dimensions): value}.
BY_HAND: dict[str, dict[tuple[Any, ...], Any]] = {
    "n_events": {(D("2024-01-01"),): 3, (D("2024-02-01"),): 2, (D("2024-03-01"),): 0,
                 (D("2024-12-01"),): 1, (D("2025-01-01"),): 3},
    "n_quarter": {(D("2024-01-01"),): 5, (D("2024-04-01"),): 1, (D("2024-07-01"),): 0,
                  (D("2024-10-01"),): 1, (D("2025-01-01"),): 3},
    "ratio_b_a": {(D("2024-01-01"),): 0.5, (D("2024-02-01"),): None, (D("2024-03-01"),): None,
                  (D("2024-04-01"),): 0, (D("2025-01-01"),): 0.5},
    "total": {(D("2024-01-01"),): 30, (D("2024-02-01"),): 80, (D("2024-03-01"),): 0,
              (D("2025-01-01"),): 105},
    "total_year": {(D("2024-01-01"),): 165, (D("2025-01-01"),): 105},
    "average": {(D("2024-01-01"),): 15, (D("2024-02-01"),): 40, (D("2024-03-01"),): None},
    "low": {(D("2024-01-01"),): 10, (D("2024-02-01"),): 30},
    "high": {(D("2024-01-01"),): 20, (D("2024-02-01"),): 50},
    "middle": {(D("2024-01-01"),): 15, (D("2024-02-01"),): 40, (D("2025-01-01"),): 35},
    "p90": {(D("2024-01-01"),): 19, (D("2024-02-01"),): 48, (D("2025-01-01"),): 43},
    "weekly_users": {(D("2024-01-15"),): 2, (D("2024-01-22"),): 0, (D("2024-02-26"),): 1,
                     (D("2024-12-30"),): 2, (D("2025-01-06"),): 1},
    "arith": {(D("2024-01-01"),): 10, (D("2024-02-01"),): 35},
    "negated": {(D("2024-01-01"),): -1, (D("2024-02-01"),): 1},
    "per_event": {(D("2024-01-01"),): 10, (D("2024-02-01"),): 40, (D("2024-03-01"),): None},
    "by_country": {(D("2024-01-01"), "DE"): 10, (D("2024-01-01"), "中国"): 20,
                   (D("2024-01-01"), "Österreich"): 0, (D("2025-01-01"), "Österreich"): 80},
    "by_select": {(D("2024-01-01"), None, 5): 1, (D("2025-01-01"), "x", 10): 1,
                  (D("2025-01-01"), "x", 1): 0},
    "by_kind_big": {(D("2024-01-01"), "a", False): 2, (D("2024-01-01"), "a", None): 1,
                    (D("2024-01-01"), "b", True): 2, (D("2025-01-01"), "a", True): 2},
    "reserved": {(D("2024-01-01"),): 4, (D("2024-02-01"),): 0, (D("2025-01-01"),): 19},
    "conditions": {(D("2024-01-01"),): 5, (D("2025-01-01"),): 3},
    "case_sum": {(D("2024-01-01"),): 10, (D("2024-02-01"),): 0, (D("2025-01-01"),): 80},
    "daily_7d": {(D("2024-01-15"),): 1, (D("2024-01-20"),): 2, (D("2024-01-22"),): 1,
                 (D("2024-03-06"),): 2, (D("2024-03-07"),): 0, (D("2025-01-05"),): 3,
                 (D("2025-01-06"),): 4},
    "users_7d": {(D("2024-02-29"),): 1, (D("2025-01-05"),): 2, (D("2025-01-06"),): 2},
    "avg_3m": {(D("2024-03-01"),): 27.5, (D("2024-04-01"),): 40, (D("2024-07-01"),): None},
    "running_total": {(D("2024-01-01"),): 30, (D("2024-02-01"),): 110,
                      (D("2024-03-01"),): 110, (D("2024-04-01"),): 150,
                      (D("2024-12-01"),): 165, (D("2025-01-01"),): 270},
    "running_users": {(D("2024-01-01"),): 3, (D("2024-04-01"),): 3, (D("2024-10-01"),): 4,
                      (D("2025-01-01"),): 5},
    "conv": {(D("2024-01-01"),): 2 / 3, (D("2024-02-01"),): 1 / 3},
    "cross": {(D("2024-01-01"),): 0.4, (D("2024-02-01"),): 0.75},
    "spread": {(D("2024-01-01"),): 10, (D("2024-02-01"),): 20, (D("2024-03-01"),): None,
               (D("2024-12-01"),): 0, (D("2025-01-01"),): 20},
    "diamond": {(D("2024-01-01"),): 50, (D("2024-02-01"),): 100, (D("2024-03-01"),): None},
    "spread_poly": {(D("2024-01-01"),): 110, (D("2024-02-01"),): 420,
                    (D("2024-03-01"),): None},
    "tripled": {(D("2024-01-01"),): 30, (D("2024-02-01"),): 120},
    "nine_times": {(D("2024-01-01"),): 90, (D("2024-02-01"),): 360, (D("2024-03-01"),): None},
    "avg_3m_sq": {(D("2024-03-01"),): 756.25, (D("2024-04-01"),): 1600,
                  (D("2024-07-01"),): None},
    "spread_country_sq": {(D("2024-01-01"), "DE"): 0, (D("2024-02-01"), "Österreich"): 380,
                          (D("2025-01-01"), "Österreich"): 90, (D("2024-03-01"), "DE"): None},
}
BY_HAND |= {
    "j_label": {(D("2024-01-01"), "ALPHA"): 4, (D("2024-01-01"), None): 3,
                (D("2025-01-01"), "ALPHA"): 2, (D("2025-01-01"), None): 1},
    "j_tier": {(D("2024-01-01"), "free"): 85, (D("2024-01-01"), "pro"): 30,
               (D("2024-01-01"), "max"): 50, (D("2024-01-01"), None): 0,
               (D("2025-01-01"), "free"): 25, (D("2025-01-01"), None): 80,
               (D("2025-01-01"), "max"): 0},
    "j_region": {(D("2024-01-01"), "EU"): 3, (D("2024-01-01"), "US"): 3,
                 (D("2024-01-01"), None): 1, (D("2025-01-01"), None): 3,
                 (D("2025-01-01"), "EU"): 0},
    "j_filter": {(D("2024-01-01"),): 3, (D("2025-01-01"),): 0},
    "j_ratio": {(D("2024-01-01"), "free"): 2 / 3, (D("2024-01-01"), "pro"): 0.5,
                (D("2024-01-01"), None): 0.5},
}
#: How many rows each measure has (the calendar is dense: empty periods are rows too).
ROW_COUNTS = {"n_events": 13, "weekly_users": 52, "daily_7d": 358, "n_quarter": 5,
              "total_year": 2, "conv": 2, "empty_count": 0, "by_kind_big": 2 * 5,
              "by_select": 2 * 10, "j_label": 2 * 2, "j_tier": 2 * 4, "j_region": 2 * 3,
              "j_filter": 2, "j_ratio": 1 * 3}


@cache
def corpus() -> Project:
    loaded = load_project(CORPUS)
    assert not loaded.diagnostics.has_errors, [d.message for d in loaded.diagnostics]
    return loaded.project


def test_corpus_covers_every_measure() -> None:
    assert sorted(HAND) == sorted(corpus().measures)
    assert set(BY_HAND) <= set(HAND)


def _generated(engine: Engine, measure: str) -> list[tuple[Any, ...]]:
    sql, problems = compile_sql(corpus(), measure, engine.dialect)
    assert sql is not None, [p.message for p in problems]
    result = engine.query(sql)
    assert result.columns == output_columns(corpus(), measure)
    return normalized(result.rows)


@pytest.mark.parametrize("measure", sorted(HAND))
def test_hand_written_sql_agrees_with_hand_computed_values(
        duckdb_engine: Engine, measure: str) -> None:
    rows = normalized(duckdb_engine.query(HAND[measure]).rows)
    table = {row[:-1]: row[-1] for row in rows}
    for key, value in BY_HAND.get(measure, {}).items():
        assert_rows_equal([(*key, table.get(key, "missing"))], [(*key, value)])
    if measure in ROW_COUNTS:
        assert len(rows) == ROW_COUNTS[measure]


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("measure", sorted(HAND))
def test_generated_sql_matches_hand_written(request: pytest.FixtureRequest, name: str,
                                            measure: str, duckdb_engine: Engine) -> None:
    expected = normalized(duckdb_engine.query(HAND[measure]).rows)
    assert_rows_equal(_generated(engine_for(request, name), measure), expected)


#: Limited runs give every period from the one holding ``--from`` to the one holding ``--to``,
#: with the full run's values: windows and running totals still see the rows before
#: ``--from``. Periods outside the data get the value of a period with no rows.
LIMITED = {"n_events": 0, "daily_7d": 0, "users_7d": 0, "avg_3m": None, "running_total": 0,
           "running_users": 0, "conv": None, "empty_count": 0, "avg_3m_sq": None,
           "nine_times": None}


def _periods(start: date, end: date, grain: str) -> list[date]:
    """Starts of the periods from the one holding ``start`` to the one holding ``end``."""
    if grain in ("day", "week"):
        step = 1 if grain == "day" else 7
        first = start - timedelta(days=start.weekday() if grain == "week" else 0)
        return [first + timedelta(days=i) for i in range(0, (end - first).days + 1, step)]
    months = {"month": 1, "quarter": 3}[grain]
    index = (start.year * 12 + start.month - 1) // months * months
    out = []
    while date(index // 12, index % 12 + 1, 1) <= end:
        out.append(date(index // 12, index % 12 + 1, 1))
        index += months
    return out


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("measure", sorted(LIMITED))
def test_from_and_to_limit_periods_without_losing_history(
        request: pytest.FixtureRequest, name: str, measure: str,
        duckdb_engine: Engine) -> None:
    start, end = date(2024, 2, 10), date(2024, 4, 30)
    engine = engine_for(request, name)
    sql, problems = compile_sql(corpus(), measure, engine.dialect, date_from=start, date_to=end)
    assert sql is not None, [p.message for p in problems]
    full = dict(normalized(duckdb_engine.query(HAND[measure]).rows))
    expected = [(p, full.get(p, LIMITED[measure]))
                for p in _periods(start, end, corpus().measures[measure].grain)]
    assert_rows_equal(normalized(engine.query(sql).rows), expected)


#: ``osm query n_events total --by user.team.region --where "user.tier = 'free'" --grain
#: year``, by hand: the free-tier events (1, 3: EU; 2, 6: US; 7, 8: user 4 has no team).
JOINED_QUERY = [
    (D("2024-01-01"), "EU", 2, 10), (D("2024-01-01"), "US", 2, 60),
    (D("2024-01-01"), None, 1, 15), (D("2025-01-01"), "EU", 0, 0),
    (D("2025-01-01"), "US", 0, 0), (D("2025-01-01"), None, 1, 25),
]


@pytest.mark.parametrize("name", ENGINES)
def test_query_by_and_where_through_joins(request: pytest.FixtureRequest, name: str) -> None:
    engine = engine_for(request, name)
    query = Query(("n_events", "total"), by=("user.team.region",), grain="year",
                  where="user.tier = 'free'")
    compiled = compile_query(corpus(), query, engine.dialect)
    assert compiled.sql is not None, [d.message for d in compiled.diagnostics]
    assert compiled.columns == ("period", "user__team__region", "n_events", "total")
    result = engine.query(compiled.sql)
    assert_rows_equal(normalized(result.rows), JOINED_QUERY)
