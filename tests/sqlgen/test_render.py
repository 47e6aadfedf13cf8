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


def test_every_listed_rewrite_is_one_a_dialect_runs() -> None:
    """A sqlglot upgrade that renames or drops a rewrite leaves no stale entry unnoticed."""
    names = {r.__name__ for d in OUTPUT_DIALECTS for r in _select_handler(d)[1]}
    assert set(ONLY_WITH) <= names, set(ONLY_WITH) - names


@pytest.mark.parametrize("dialect", OUTPUT_DIALECTS)
@pytest.mark.parametrize("sql", [PLAIN, SPINE], ids=["plain", "spine"])
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


def test_a_rendered_tree_has_no_parent_links_left() -> None:
    """Each node's link to its parent is cleared, so reference counting frees the tree."""
    tree = parse_one(PLAIN, read="duckdb")
    nodes = list(tree.walk())
    assert sum(node.parent is not None for node in nodes) == len(nodes) - 1
    render(tree, "postgres")
    assert all(node.parent is None for node in nodes)


def test_reserved_words_are_quoted() -> None:
    tree = exp.select(exp.column("order")).from_("t")
    assert render(tree, "postgres") == 'SELECT\n  "order"\nFROM t\n'
