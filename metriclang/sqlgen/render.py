"""A built tree as SQL text in one dialect: reserved words quoted, nothing unsupported."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import ErrorLevel

#: Words reserved in the SQL standard or a major warehouse: such identifiers are quoted.
RESERVED = frozenset(
    """
all alter and any array as asc authorization between both by case cast check collate column
constraint create cross cube current current_date current_time current_timestamp current_user
default delete desc distinct drop else end escape except exists false fetch filter for foreign
from full grant group grouping having ilike in inner insert intersect interval into is join
lateral leading left like limit localtime localtimestamp minus natural not null of offset on
only or order outer over partition pivot primary qualify range references returning right
rlike rollup row rows select session_user set some table tablesample then to top trailing true
union unique unnest unpivot update user using values when where window with within
""".split()
)


def _quote(tree: exp.Expr) -> exp.Expr:
    """Quote identifiers that are reserved words (``order``, ``select``) in any dialect."""
    for node in tree.find_all(exp.Identifier):
        if not node.quoted and node.name.lower() in RESERVED:
            node.set("quoted", True)
    return tree


def render(query: exp.Expr, dialect: str) -> str:
    """The SQL text of ``query`` in ``dialect``, ending with a newline; the tree is used up.

    Raises sqlglot's ``UnsupportedError`` for a form the dialect can't express and
    ``RecursionError`` for a tree too deep to print.
    """
    sql = _quote(query).sql(
        dialect=dialect, pretty=True, unsupported_level=ErrorLevel.RAISE, copy=False
    )
    _release(query)
    return sql + "\n"


def _release(tree: exp.Expr) -> None:
    """Clear the parent links of a tree no longer needed, so that reference counting frees it
    at once. Each child points back to its parent, so a dropped tree is otherwise a cycle
    left to the cyclic garbage collector, whose passes over 90,000 of them took a third of
    ``osm compile``'s CPU (``bench/README.md``)."""
    for node in tree.walk():
        node.parent = None


def render_cte(cte: exp.CTE, dialect: str) -> str:
    """One CTE (``name AS (...)``) as it renders within a WITH list: a fragment to
    :func:`splice` into other queries."""
    query = exp.select(exp.Literal.number(1), copy=False)
    query.set("with_", exp.With(expressions=[cte]))
    sql = render(query, dialect)
    return sql[len("WITH ") : sql.rindex("\nSELECT")]


def splice(sql: str, head: str) -> str:
    """The rendered query ``sql`` (which starts with its WITH list) with the CTEs ``head``
    put first in that list: the text the query with those CTEs in its tree renders to."""
    assert sql.startswith("WITH "), sql[:20]
    return f"WITH {head}, {sql[len('WITH '):]}"
