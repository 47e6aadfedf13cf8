"""The catalogue queries of DuckDB and PostgreSQL: ``information_schema`` SELECTs, built as
sqlglot trees and run through the engine's guarded :meth:`query` like any other SELECT.

A one-part table name is looked for in the current schema, a two-part one in that schema of
the current database, a three-part one as written; names compare without regard to case.
"""

from __future__ import annotations

from sqlglot import exp


def _scope(name: tuple[str, ...]) -> exp.Expr:
    """The condition on ``table_catalog`` and ``table_schema`` for where ``name`` lives."""
    *path, _ = name
    schema: exp.Expr = (exp.func("lower", exp.column("table_schema"))
                        .eq(exp.Literal.string(path[-1].lower())) if path else
                        exp.column("table_schema").eq(exp.func("current_schema")))
    catalog: exp.Expr = (exp.func("lower", exp.column("table_catalog"))
                         .eq(exp.Literal.string(path[-2].lower())) if len(path) > 1 else
                         exp.column("table_catalog").eq(exp.func("current_database")))
    return exp.and_(catalog, schema)


def columns_sql(name: tuple[str, ...], dialect: str) -> str:
    """Name and type of each column of table ``name``, in the table's order.

    >>> columns_sql(("shop", "orders"), "postgres")  # doctest: +NORMALIZE_WHITESPACE
    "SELECT column_name, data_type FROM information_schema.columns WHERE
     (table_catalog = CURRENT_DATABASE() AND LOWER(table_schema) = 'shop')
     AND LOWER(table_name) = 'orders' ORDER BY ordinal_position NULLS FIRST"
    """
    return (exp.select("column_name", "data_type")
            .from_(exp.table_("columns", db="information_schema"))
            .where(_scope(name))
            .where(exp.func("lower", exp.column("table_name"))
                   .eq(exp.Literal.string(name[-1].lower())))
            .order_by("ordinal_position").sql(dialect))


def tables_sql(name: tuple[str, ...], dialect: str) -> str:
    """The names of the tables (and views) in the schema table ``name`` would be in."""
    return (exp.select("table_name").from_(exp.table_("tables", db="information_schema"))
            .where(_scope(name)).order_by("table_name").sql(dialect))
