"""``sqlgen.render``: the lean generators print what sqlglot's own would, trees are freed."""

from __future__ import annotations

import pytest
from sqlglot import exp, parse_one
from sqlglot.errors import ErrorLevel, UnsupportedError

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.sqlgen.render import ONLY_WITH, _select_handler, render

#: A query with no node a listed rewrite acts on, and one whose spine holds them all.
PLAIN = ("WITH a AS (SELECT t.d, SUM(t.x) AS s FROM w.t AS t WHERE t.k = 'o' GROUP BY t.d) "
         "SELECT a.d, a.s / NULLIF(a.s, 0) AS v FROM a LEFT JOIN a AS b ON b.d = a.d ORDER BY a.d")
SPINE = ("SELECT CAST(UNNEST(GENERATE_SERIES(CAST(lo AS TIMESTAMP), CAST(hi AS TIMESTAMP), "
         "INTERVAL '1' DAY)) AS DATE) AS period FROM bounds")
#: Derived tables with unnamed outputs (columns, quoted ones, an expression, a scalar subquery,
#: a union) and columns and numbers used as conditions: what T-SQL's rewrites act on.
DERIVED = ('WITH a AS (SELECT t.d, t."Odd name", t.x AS x FROM w.t AS t WHERE t.ok AND NOT t.n), '
           "b AS (SELECT a.d, a.x + 1 FROM a WHERE 1), "
           "c AS (SELECT a.d FROM a UNION ALL SELECT b.d FROM b), "
           "e AS (SELECT a.d, (SELECT MAX(x) FROM a) FROM a) "
           "SELECT s.d, s.y FROM (SELECT c.d, c.d AS y FROM c WHERE c.d OR c.d > 2) AS s "
           "JOIN (SELECT e.d FROM e) AS f ON f.d = s.d "
           "WHERE CASE WHEN s.y THEN 1 ELSE 0 END = 1 AND IF(s.d, 1, 0) = 1")
#: Casts to plain types and to the ones Spark prints its own way (JSON, DECIMAL, nested).
CASTS = ("SELECT CAST(t.a AS DATE), CAST(t.b AS DOUBLE), CAST(t.c AS TIMESTAMP), "
         "CAST(t.d AS DECIMAL(10, 2)), CAST(1.5 AS DECIMAL(10, 2)), CAST(t.e AS JSON), "
         "CAST(t.f AS INT[]), CAST(t.g AS VARCHAR), CAST(t.h AS VARCHAR(10)) FROM w.t AS t")


def test_every_listed_rewrite_is_one_a_dialect_runs() -> None:
    """A sqlglot upgrade that renames or drops a rewrite leaves no stale entry unnoticed."""
    names = {r.__name__ for d in OUTPUT_DIALECTS for r in _select_handler(d)[1]}
    assert set(ONLY_WITH) <= names, set(ONLY_WITH) - names


@pytest.mark.parametrize("dialect", OUTPUT_DIALECTS)
@pytest.mark.parametrize("sql", [PLAIN, SPINE, DERIVED, CASTS],
                         ids=["plain", "spine", "derived", "casts"])
def test_the_same_text_as_sqlglots_own_generator(dialect: str, sql: str) -> None:
    """The same text, or the same refusal (a dialect without UNNEST of a series)."""
    tree = parse_one(sql, read="duckdb")
    try:
        expected = tree.copy().sql(dialect=dialect, pretty=True,
                                   unsupported_level=ErrorLevel.RAISE) + "\n"
    except UnsupportedError:
        with pytest.raises(UnsupportedError):
            render(tree, dialect)
        return
    assert render(tree, dialect) == expected


@pytest.mark.parametrize("dialect", ["postgres", "tsql"])
def test_a_rendered_tree_has_no_parent_links_left(dialect: str) -> None:
    """Each node's link to its parent is cleared, so reference counting frees the tree
    (T-SQL's: the nodes it made too, ``x <> 0`` for a column used as a condition)."""
    tree = parse_one(DERIVED, read="duckdb")
    before = list(tree.walk())
    assert sum(node.parent is not None for node in before) == len(before) - 1
    render(tree, dialect)
    assert all(node.parent is None for node in [*before, *tree.walk()])


def test_reserved_words_are_quoted() -> None:
    tree = exp.select(exp.column("order")).from_("t")
    assert render(tree, "postgres") == 'SELECT\n  "order"\nFROM t\n'
