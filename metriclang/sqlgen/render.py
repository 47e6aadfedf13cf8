"""A built tree as SQL text in one dialect: reserved words quoted, nothing unsupported."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from functools import cache

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel
from sqlglot.generator import Generator
from sqlglot.helper import name_sequence
from sqlglot.transforms import preprocess

Rewrite = Callable[[exp.Expr], exp.Expr]
Handler = Callable[[Generator, exp.Expr], str]

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

#: sqlglot's rewrites of each SELECT (a dialect's ``TRANSFORMS[exp.Select]``, by function
#: name) that act only on these node types (read off their code, sqlglot 30). Each walks the
#: SELECT's whole subtree, for every SELECT: a third of Snowflake's rendering time. A tree
#: holding none of :data:`SERIES_NODES` is printed without them; one holding any of them (the
#: spine of a query's head: a rewrite may turn one of these forms into another, which a later
#: rewrite acts on) with every rewrite. A rewrite not listed here always runs.
ONLY_WITH: dict[str, tuple[type[exp.Expr], ...]] = {
    "_explode_projection_to_unnest": (exp.Explode,),
    "_qualify_unnested_columns": (exp.Unnest,),
    "_eliminate_dot_variant_lookup": (exp.Unnest,),
    "_transform_generate_date_array": (exp.GenerateDateArray,),
    "unnest_generate_date_array_using_recursive_cte": (exp.Unnest,),
    "unqualify_unnest": (exp.Unnest,),
    "any_to_exists": (exp.Any,),
}
#: The node types the listed rewrites act on, and the series the others turn into them.
SERIES_NODES = (*{kind for kinds in ONLY_WITH.values() for kind in kinds}, exp.GenerateSeries)


def render(query: exp.Expr, dialect: str) -> str:
    """The SQL text of ``query`` in ``dialect``, ending with a newline; the tree is used up.

    Raises sqlglot's ``UnsupportedError`` for a form the dialect can't express and
    ``RecursionError`` for a tree too deep to print.
    """
    nodes = list(query.walk())
    for node in nodes:  # quote identifiers that are reserved words in any dialect
        if isinstance(node, exp.Identifier) and not node.quoted and node.name.lower() in RESERVED:
            node.set("quoted", True)
    lean = not any(issubclass(kind, SERIES_NODES) for kind in set(map(type, nodes)))
    generator = _generator(dialect, lean)
    generator._next_name = name_sequence("_t")  # the names it makes up start afresh
    sql = generator.generate(query, copy=False)
    _release(nodes)
    return sql + "\n"


def _release(nodes: Iterable[exp.Expr]) -> None:
    """Clear the parent links of a tree no longer needed, so that reference counting frees it
    at once. Each child points back to its parent, so a dropped tree is otherwise a cycle
    left to the cyclic garbage collector, whose passes over 90,000 of them took a third of
    ``osm compile``'s CPU (``bench/README.md``)."""
    for node in nodes:
        node.parent = None


#: Generators by dialect and leanness, per thread (a generator has state).
_LOCAL = threading.local()


def _generator(dialect: str, lean: bool) -> Generator:
    """The dialect's pretty-printing generator, made once per process and thread (``Expr.sql``
    makes a dialect and a generator per call: 12% of the rendering time); ``lean``: without
    the SELECT rewrites of :data:`ONLY_WITH`, for a tree without :data:`SERIES_NODES`."""
    made: dict[tuple[str, bool], Generator] = _LOCAL.__dict__.setdefault("made", {})
    if (dialect, lean) not in made:
        cls, rewrites, then = _select_handler(dialect)
        generator = cls(pretty=True, unsupported_level=ErrorLevel.RAISE, dialect=dialect)
        kept = [rewrite for rewrite in rewrites if rewrite.__name__ not in ONLY_WITH]
        if lean and len(kept) < len(rewrites):
            select = preprocess(kept, then) if kept else then or cls.select_sql
            generator._dispatch = {**generator._dispatch, exp.Select: select}
        made[dialect, lean] = generator
    return made[dialect, lean]


@cache
def _select_handler(dialect: str) -> tuple[type[Generator], tuple[Rewrite, ...], Handler | None]:
    """The dialect's generator class, its SELECT rewrites and the handler printing the
    result, when its ``TRANSFORMS[exp.Select]`` is a ``sqlglot.transforms.preprocess`` (else
    no rewrite: that handler is kept whole)."""
    cls = Dialect.get_or_raise(dialect).generator_class
    handler = cls.TRANSFORMS.get(exp.Select)
    cells = getattr(handler, "__closure__", None) or ()
    names = getattr(getattr(handler, "__code__", None), "co_freevars", ())
    parts = {name: cell.cell_contents for name, cell in zip(names, cells, strict=True)}
    return cls, tuple(parts.get("transforms") or ()), parts.get("generator")


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
