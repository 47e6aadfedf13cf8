"""A built tree as SQL text in one dialect: reserved words quoted, nothing unsupported."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel
from sqlglot.generator import Generator
from sqlglot.helper import name_sequence
from sqlglot.optimizer.canonicalize import ensure_bools
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
#: The nodes whose operands sqlglot's ``ensure_bools`` makes boolean.
CONDITIONS = (exp.Connector, exp.Not, exp.If, exp.Where, exp.Having)


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
    rewritten = _ensures_bools(dialect)  # T-SQL: its rewrites add nodes (`x <> 0`, aliases)
    if rewritten:
        _ensure_bools(nodes)
    generator._next_name = name_sequence("_t")  # the names it makes up start afresh
    sql = generator.generate(query, copy=False)
    _release([*nodes, *query.walk()] if rewritten else nodes)  # the replaced ones too
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
        dispatch = dict(generator._dispatch)
        kept = [rewrite for rewrite in rewrites if rewrite.__name__ not in ONLY_WITH]
        if lean and len(kept) < len(rewrites):
            dispatch[exp.Select] = preprocess(kept, then) if kept else then or cls.select_sql
        for kind in (exp.CTE, exp.Subquery):
            if _rewrite_names(dispatch.get(kind)) == ("qualify_derived_table_outputs",):
                dispatch[kind] = _outputs_named_first(dispatch[kind])
        if getattr(dispatch.get(exp.Cast), "__qualname__", "") == "Spark2Generator.cast_sql":
            dispatch[exp.Cast] = _plain_casts_first(dispatch[exp.Cast])
        generator._dispatch = dispatch
        generator.ENSURE_BOOLS = False  # type: ignore[misc]  # render does it: _ensure_bools
        made[dialect, lean] = generator
    return made[dialect, lean]


def _rewrite_names(handler: Handler | None) -> tuple[str, ...]:
    """The names of the rewrites of a ``sqlglot.transforms.preprocess`` handler (else none)."""
    return tuple(rewrite.__name__ for rewrite in _closure(handler).get("transforms") or ())


def _outputs_named_first(handler: Handler) -> Handler:
    """T-SQL's CTE and subquery printer (``qualify_derived_table_outputs``: every projection
    of a derived table named, by a scope analysis of the query per CTE, 12% of T-SQL's
    rendering) for trees whose projections are aliases or plain columns: a column is given
    its own name, with its quoting, as that rewrite does, and the node printed as is."""

    def named(generator: Generator, node: exp.Expr) -> str:
        query, alias = node.this, node.args.get("alias")
        if isinstance(alias, exp.TableAlias) and not alias.columns \
                and isinstance(query, exp.Query):  # what that rewrite names
            if not isinstance(query, exp.Select) or not all(
                    isinstance(p, exp.Alias) or (isinstance(p, exp.Column)
                                                 and isinstance(p.this, exp.Identifier))
                    for p in query.selects):
                return handler(generator, node)
            query.set("expressions", [
                p if isinstance(p, exp.Alias) else exp.alias_(
                    p, exp.Identifier(this=p.this.name, quoted=p.this.quoted), copy=False)
                for p in query.selects])
        return str(getattr(generator, node.key + "_sql")(node))

    return named


def _plain_casts_first(handler: Handler) -> Handler:
    """Spark's and Databricks' CAST printer (``Spark2Generator.cast_sql``), which asks of
    every cast whether it is one to JSON by parsing the type name ``json`` again (15% of
    their rendering): a cast to a scalar type other than JSON and DECIMAL (its other special
    case) is printed by sqlglot's base printer, as that method itself does for it."""

    def cast(generator: Generator, node: exp.Expr) -> str:
        to = node.args.get("to")
        if not isinstance(to, exp.DataType) or to.this in _SPECIAL_CASTS \
                or to.expressions or to.args.get("nested"):
            return handler(generator, node)
        return Generator.cast_sql(generator, node)  # type: ignore[arg-type]

    return cast


#: The target types ``Spark2Generator.cast_sql`` prints its own way.
_SPECIAL_CASTS = frozenset({exp.DType.JSON, exp.DType.DECIMAL})


@cache
def _ensures_bools(dialect: str) -> bool:
    """Whether the dialect turns a number or a column used as a condition into ``<> 0``."""
    return bool(_select_handler(dialect)[0](dialect=dialect).ENSURE_BOOLS)  # an instance's


def _ensure_bools(nodes: list[exp.Expr]) -> None:
    """sqlglot's ``transforms.ensure_bools`` on the nodes :func:`render` has walked already
    (that rewrite walks the whole tree once more: 12% of T-SQL's rendering): a number or an
    untyped column used as a condition becomes ``x <> 0``."""

    def as_bool(node: exp.Expr) -> None:
        if node.is_number or (
            not isinstance(node, exp.SubqueryPredicate)
            and node.is_type(exp.DType.UNKNOWN, *exp.DataType.NUMERIC_TYPES)
        ) or (isinstance(node, exp.Column) and not node.type):
            node.replace(node.neq(0))

    for node in nodes:
        if isinstance(node, CONDITIONS):
            ensure_bools(node, as_bool)


@cache
def _select_handler(dialect: str) -> tuple[type[Generator], tuple[Rewrite, ...], Handler | None]:
    """The dialect's generator class, its SELECT rewrites and the handler printing the
    result, when its ``TRANSFORMS[exp.Select]`` is a ``sqlglot.transforms.preprocess`` (else
    no rewrite: that handler is kept whole)."""
    cls = Dialect.get_or_raise(dialect).generator_class
    parts = _closure(cls.TRANSFORMS.get(exp.Select))
    return cls, tuple(parts.get("transforms") or ()), parts.get("generator")


def _closure(handler: Handler | None) -> dict[str, Any]:
    """The variables a ``sqlglot.transforms.preprocess`` handler closes over (else none)."""
    cells = getattr(handler, "__closure__", None) or ()
    names = getattr(getattr(handler, "__code__", None), "co_freevars", ())
    return {name: cell.cell_contents for name, cell in zip(names, cells, strict=True)}


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
